#!/bin/sh
# fuzz.t: replay every fuzz seed and every kept crash through its harness,
# built natively (no libFuzzer, no Wine), so that what make fuzz once
# found stays fixed.  With AddressSanitizer and UBSan, as make fuzz runs
# them: through clang where it is installed, else gcc; a compiler without
# them replays the harnesses' own checks only, and each test says so.
. "$(dirname "$0")/lib.sh"

if [ "$(uname -s)" != Linux ]; then
	echo "1..0 # SKIP the native replay needs Linux"
	exit 0
fi

# The first compiler that links the sanitizers; else plain gcc or clang.
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cc= how=
for c in clang gcc; do
	command -v $c >/dev/null || continue
	# shellcheck disable=SC2086
	if echo 'int main(void) { return 0; }' |
	    $c $san -x c -o "$tmp/probe" - 2>/dev/null; then
		cc=$c how="$c, with ASan and UBSan"
		break
	fi
	[ -n "$cc" ] || cc=$c how="$c, WITHOUT sanitizers: memory errors pass unseen"
done
if [ -z "$cc" ]; then
	echo "1..0 # SKIP no C compiler (clang or gcc) for the native replay"
	exit 0
fi
case $how in *WITHOUT*) san= ;; esac
diag "replaying with $how"

for dir in tests/fuzz/corpus/*/; do
	h=$(basename "$dir")
	# shellcheck disable=SC2086
	if ! $cc -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter $san \
	    -Itests/fuzz/win -Icommon -o "$tmp/$h" "tests/fuzz/$h.c" \
	    tests/fuzz/fuzz.c tests/fuzz/replay.c common/args.c common/expr.c \
	    common/flags.c 2>"$tmp/cc.log"; then
		fail "$h: builds natively"
		diag "$(cat "$tmp/cc.log")"
		continue
	fi
	set -- "$dir"*
	seeds=$#
	if [ -d "tests/fuzz/crashes/$h" ] && [ -n "$(ls "tests/fuzz/crashes/$h")" ]; then
		set -- "$@" "tests/fuzz/crashes/$h/"*
	fi
	if "$tmp/$h" "$@" 2>"$tmp/replay.log"; then
		pass "$h: $seeds seeds and $(($# - seeds)) kept crashes pass ($how)"
	else
		fail "$h: $seeds seeds and $(($# - seeds)) kept crashes pass ($how)"
		diag "$(head -n 20 "$tmp/replay.log")"
	fi
done

done_testing
