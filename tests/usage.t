#!/bin/sh
# Every tool: -h prints its usage on stdout and exits 0, -V its version,
# and an unknown option is one line on stderr with exit 2.
. "$(dirname "$0")/lib.sh"

for t in x86 x64; do
	for tl in procs regs threads events softbp hwbp guardbp stepper bpcompare peb \
	    stack modules vmmap dump; do
		tool "$t" "$tl" -h
		is "$rc" 0 "$t $tl -h: exit 0"
		like "$tmp/stdout" "^usage: $tl( |$)" "$t $tl -h: usage on stdout"
		tool "$t" "$tl" --help
		is "$rc" 0 "$t $tl --help: exit 0"
		tool "$t" "$tl" -V
		is "$(cat "$tmp/stdout")" "$tl (dbgkit) 0.1" "$t $tl -V: name and version"
		tool "$t" "$tl" --version
		is "$rc" 0 "$t $tl --version: exit 0"
		tool "$t" "$tl" -Z
		is "$rc" 2 "$t $tl -Z: exit 2"
		is "$(cat "$tmp/stderr")" "$tl: unknown option -Z (see $tl -h)" "$t $tl -Z: one line naming it"
	done
done

done_testing
