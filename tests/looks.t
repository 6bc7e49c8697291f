#!/bin/sh
# Bad input for the tools that look at a process without debugging it
# (modules, vmmap, dump): every row of the README's table that applies,
# for the x64 build, and for the x86 build where it differs.  Each row:
# one line on stderr, the documented exit status, nothing on stdout, and
# the targets left as they were: running, their code as on disk.
. "$(dirname "$0")/lib.sh"

TOOL_TIMEOUT=${TOOL_TIMEOUT:-30}

# Two processes called regions, one of each bitness.
start x64 regions
v64=$pid
start x86 regions
v86=$pid

# expect STATUS REGEX DESCRIPTION: the last run failed that way.
expect() {
	is "$rc" "$1" "$3: exit $1"
	ok "$3: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "$2" "$3: says why"
	is "$(wc -c < "$tmp/stdout")" 0 "$3: nothing on stdout"
}

for tl in modules vmmap dump; do
	# dump takes a location after the target.
	op=; [ "$tl" = dump ] && op=regions
	t=x64
	tool $t "$tl" 99999 $op
	expect 1 "^$tl: OpenProcess\\(pid 99999\\): .+ \\(87\\)\$" "$tl: no such pid"
	tool $t "$tl" no_such_thing $op
	expect 1 "^$tl: no_such_thing: no such process \\(run procs to list them\\)\$" \
	    "$tl: no such name"
	tool $t "$tl" regions $op
	expect 1 "^$tl: regions: matches 2 processes \\(pids ($v64, $v86|$v86, $v64)\\); give a pid\$" \
	    "$tl: a name two processes have"
	for p in 0 4; do
		tool $t "$tl" "$p" $op
		expect 1 "^$tl: OpenProcess\\(pid $p\\): .+ \\(87\\)\$" "$tl: pid $p"
	done
	tool $t "$tl" 99999999999 $op
	expect 2 "^$tl: target \"99999999999\": pid out of range\$" "$tl: pid too large"
	tool $t "$tl"
	expect 2 "^$tl: missing target: a pid, an image name or -- program \\[args\\] \\(see $tl -h\\)\$" \
	    "$tl: no target"
	tool $t "$tl" -z "$v86" $op
	expect 2 "^$tl: unknown option -z \\(see $tl -h\\)\$" "$tl: unknown option"
	tool $t "$tl" --frobnicate "$v86" $op
	expect 2 "^$tl: unknown option --frobnicate \\(see $tl -h\\)\$" "$tl: unknown long option"
	tool $t "$tl" "$v86" $op -V
	expect 2 "^$tl: -V: options come first \\(see $tl -h\\)\$" "$tl: an option after the target"
	tool $t "$tl" "$v86" $op 7
	expect 2 "^$tl: 7: extra operand \\(see $tl -h\\)\$" "$tl: an extra operand"
	tool $t "$tl" $op -- build/x64/regions.exe
	expect 2 "^$tl: -- build/x64/regions\\.exe: $tl looks at a running process; start the program first\$" \
	    "$tl: -- program"
	tool x86 "$tl" "$v64" $op
	expect 1 "^$tl: pid $v64 is a 64-bit process; use the x64 build of $tl\$" \
	    "x86 $tl on an x64 target"
done

# dump's location and length.
for loc in 'nosuch!printf' 'nosuch+0x10'; do
	tool x64 dump "$v64" "$loc"
	re=$(printf '%s' "$loc" | sed 's/+/\\+/')
	expect 1 "^dump: $re: no module nosuch in pid $v64 \\(it may not be loaded yet\\)\$" \
	    "dump: unknown module in $loc"
done
tool x64 dump "$v64" 'msvcrt!no_such_export'
expect 1 '^dump: msvcrt!no_such_export: msvcrt\.dll exports no no_such_export$' "dump: unknown export"
tool x64 dump "$v64" 'msvcrt!#9999'
expect 1 '^dump: msvcrt!#9999: msvcrt\.dll has no ordinal 9999 \(its ordinals are [0-9]+\.\.[0-9]+\)$' \
    "dump: an ordinal msvcrt lacks"
tool x64 dump "$v64"
expect 2 '^dump: missing location: an address, module!export or module\+0xOFFSET \(see dump -h\)$' \
    "dump: no location"
for n in 0:'too small' -3:negative abc:'not a number' '':empty 1048577:'too large'; do
	tool x64 dump -n "${n%%:*}" "$v64" regions
	expect 2 "^dump: -n: \"${n%%:*}\": ${n#*:}\$" "dump: -n '${n%%:*}'"
done
# An address with nothing behind it: the lines are all ??, then one line.
tool x64 dump -n 16 "$v64" 0x10
is "$rc" 1 "dump: an address that is not mapped: exit 1"
is "$(cat "$tmp/stderr")" "dump: 0x10: nothing at 0x10 can be read in pid $v64" \
    "dump: an address that is not mapped: says so"
like "$tmp/stdout" '^0000000000000010  \?\? \?\? \?\? \?\? \?\? \?\? \?\? \?\?-\?\? \?\? \?\? \?\? \?\? \?\? \?\? \?\?  \?{16}$' \
    "dump: an address that is not mapped: shown as ??"

for v in $v64 $v86; do
	ok "pid $v: still running" running "$v"
	is "$(code "$v")" same "pid $v: its code is as on disk"
done

done_testing
