#!/bin/sh
# Bad input: one clear line on stderr, the documented exit status, and a
# target that is left alone and keeps running.
. "$(dirname "$0")/lib.sh"

# expect STATUS REGEX DESCRIPTION: the last tool run failed that way.
expect() {
	is "$rc" "$1" "$3: exit $1"
	ok "$3: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "$2" "$3: says why"
	[ -s "$tmp/stdout" ] && diag "stdout: $(cat "$tmp/stdout")"
}

start x64 printf_loop
victim=$pid victim_out=$out
start x64 printf_loop
twin=$pid

for t in x86 x64; do
	for tl in regs threads events; do
		tool "$t" "$tl" 99999
		expect 1 "^$tl: OpenProcess\(pid 99999\): .+ \([0-9]+\)$" "$t $tl: no such pid"
	done
	tool "$t" regs 0
	expect 1 "^regs: OpenProcess\(pid 0\): .+ \(87\)$" "$t regs: pid 0 can't be opened"
	tool "$t" regs 4
	expect 1 "^regs: OpenProcess\(pid 4\): .+ \(87\)$" "$t regs: pid 4 can't be opened"
	tool "$t" regs no_such_thing.exe
	expect 1 "^regs: no_such_thing\.exe: no such process" "$t regs: unknown name"
	tool "$t" threads printf_loop
	expect 1 "^threads: printf_loop: matches 2 processes \(pids ($victim, $twin|$twin, $victim)\); give a pid$" \
	    "$t threads: ambiguous name lists the pids"
	tool "$t" regs 99999999999
	expect 2 '^regs: target "99999999999": pid out of range$' "$t regs: pid too large"
	tool "$t" regs -q 1
	expect 2 '^regs: unknown option -q \(see regs -h\)$' "$t regs: unknown option"
	tool "$t" events --frobnicate 1
	expect 2 '^events: unknown option --frobnicate \(see events -h\)$' "$t events: unknown long option"
	tool "$t" events --help=1
	expect 2 '^events: option --help takes no argument \(see events -h\)$' "$t events: argument to a long option without one"
	tool "$t" events -n
	expect 2 '^events: option -n needs an argument' "$t events: missing argument"
	for n in 0 -3 abc 1x ''; do
		tool "$t" events -n "$n" "$victim"
		expect 2 "^events: -n: \"$n\": " "$t events: -n '$n'"
	done
	for s in 0 -1 soon; do
		tool "$t" events -s "$s" "$victim"
		expect 2 "^events: -s: \"$s\": " "$t events: -s '$s'"
	done
	tool "$t" regs -t zz "$victim"
	expect 2 '^regs: -t: "zz": not a number$' "$t regs: -t not a number"
	tool "$t" regs
	expect 2 '^regs: missing target' "$t regs: no target"
done

# A tid that is not in the target: nothing printed but the error.
tool x64 regs -t 99999 "$victim"
expect 1 "^regs: -t 99999: no such thread in pid $victim$" "regs: -t of a thread not in the target"
is "$(wc -c < "$tmp/stdout")" 0 "regs: -t of a foreign thread prints no registers"

# A 32-bit tool cannot debug a 64-bit process, and says which build can.
tool x86 regs "$victim"
expect 1 "^regs: pid $victim is a 64-bit process; use the x64 build of regs$" \
    "x86 regs on an x64 target"

# Already being debugged: the second debugger is refused.
$RUN build/x64/events.exe -s 4 "$victim" > "$tmp/holder" 2>&1 &
holder=$!
i=0
until grep -q 'attach break-in' "$tmp/holder" 2>/dev/null || [ $i -gt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
tool x64 regs "$victim"
expect 1 "^regs: DebugActiveProcess\(pid $victim\): .+ \(5\)$" \
    "regs: a process already being debugged"
wait $holder

ok "the target kept running through all of it" grows "$victim_out"
tool x64 regs "$victim"
is "$rc" 0 "and can still be debugged"

done_testing
