#!/bin/sh
# fuzz.sh: fuzz the portable parsers natively with libFuzzer (make fuzz).
#
#   tests/fuzz/NAME.c          one harness per parser entry point
#   tests/fuzz/corpus/NAME/    its seeds, valid and invalid (in git)
#   tests/fuzz/crashes/NAME/   inputs that made it fail (in git once fixed)
#   build/fuzz/                binaries, the corpus they grow, their logs
#
# Each harness runs FUZZTIME seconds (default 60), starting from its
# seeds and its kept crashes.  A failed check, a sanitizer report or a
# hang stops that harness and leaves the input in tests/fuzz/crashes/NAME/;
# the script then goes on with the next one and exits 1 at the end.
# Installs clang and its fuzzer runtime first if they are missing.
# Usage: scripts/fuzz.sh [NAME...]    (default: every harness)

set -eu
cd "$(dirname "$0")/.."

time=${FUZZTIME:-60}
out=build/fuzz
say() { printf 'fuzz: %s\n' "$*"; }
die() { printf 'fuzz: %s\n' "$*" >&2; exit 1; }

case $time in
''|*[!0-9]*) die "FUZZTIME=$time: give whole seconds" ;;
esac
mkdir -p "$out"

# --- clang with libFuzzer, installed when missing --------------------------
have_fuzzer() {
	command -v clang >/dev/null 2>&1 &&
	printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' |
	    clang -fsanitize=fuzzer -x c -o "$out/probe" - >/dev/null 2>&1
}

apt_install() {
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "not root and no sudo: install $* by hand"
		sudo=sudo
	fi
	command -v apt-get >/dev/null || die "no apt-get: install $* by hand"
	say "installing: $*"
	$sudo apt-get update -q || say "apt-get update reported errors; carrying on"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

if ! have_fuzzer; then
	command -v clang >/dev/null 2>&1 || apt_install clang
	# Debian 12 ships libFuzzer apart, in libclang-rt-N-dev.
	have_fuzzer || apt_install "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
	have_fuzzer || die "clang cannot link -fsanitize=fuzzer"
fi

# --- build and run each harness -------------------------------------------
CFLAGS="-std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Itests/fuzz/win -Icommon"
PARSERS="common/args.c common/expr.c common/flags.c"

[ $# -gt 0 ] || set -- $(cd tests/fuzz/corpus && ls)
failed=
for h; do
	[ -f "tests/fuzz/$h.c" ] || die "no harness tests/fuzz/$h.c"
	mkdir -p "$out/corpus/$h" "tests/fuzz/crashes/$h"
	# shellcheck disable=SC2086
	clang $CFLAGS -o "$out/$h" "tests/fuzz/$h.c" tests/fuzz/fuzz.c $PARSERS
	say "$h: ${time}s"
	if "$out/$h" -max_total_time="$time" -timeout=10 -print_final_stats=1 \
	    -artifact_prefix="tests/fuzz/crashes/$h/" "$out/corpus/$h" \
	    "tests/fuzz/corpus/$h" "tests/fuzz/crashes/$h" >"$out/$h.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$h.log")
		say "$h: $runs runs, $rate/s, no failure"
	else
		failed="$failed $h"
		grep -E 'check failed|ERROR|SUMMARY|written to' "$out/$h.log" | sed 's/^/    /' >&2
		say "$h: FAILED; the whole log is $out/$h.log" >&2
	fi
done
[ -z "$failed" ] || die "failed:$failed (inputs in tests/fuzz/crashes/)"
