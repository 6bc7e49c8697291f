#!/bin/sh
# fuzz.t: replay every fuzz seed and every kept crash through its harness,
# built natively with gcc (no clang, no libFuzzer, no Wine), so that what
# make fuzz once found stays fixed.
. "$(dirname "$0")/lib.sh"

if [ "$(uname -s)" != Linux ] || ! command -v gcc >/dev/null; then
	echo "1..0 # SKIP the native replay needs Linux and gcc"
	exit 0
fi

san="-fsanitize=address,undefined -fno-sanitize-recover=all"
if ! echo 'int main(void) { return 0; }' |
    gcc $san -x c -o "$tmp/probe" - 2>/dev/null; then
	diag "gcc has no sanitizers here: replaying without them"
	san=
fi

for dir in tests/fuzz/corpus/*/; do
	h=$(basename "$dir")
	# shellcheck disable=SC2086
	if ! gcc -std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter $san \
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
		pass "$h: $seeds seeds and $(($# - seeds)) kept crashes pass"
	else
		fail "$h: $seeds seeds and $(($# - seeds)) kept crashes pass"
		diag "$(head -n 20 "$tmp/replay.log")"
	fi
done

done_testing
