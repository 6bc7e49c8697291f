#!/bin/sh
# procs lists the targets with their pid, parent, threads, bitness and name.
. "$(dirname "$0")/lib.sh"

# Each target's parent, as the process records it, read by
# tests/inspect.c with NtQueryInformationProcess (not with Toolhelp, as
# procs does).
start x86 spin_threads 3
p86=$pid pp86=$(look "$pid" parent)
start x64 printf_loop
p64=$pid pp64=$(look "$pid" parent)
for t in x86 x64; do
	tool "$t" procs
	is "$rc" 0 "$t: procs exits 0"
	like "$tmp/stdout" "^ *$p86 +$pp86 +4  x86  spin_threads\.exe$" \
	    "$t: spin_threads: its pid, parent $pp86, 4 threads, x86"
	like "$tmp/stdout" "^ *$p64 +$pp64 +1  x64  printf_loop\.exe$" \
	    "$t: printf_loop: its pid, parent $pp64, 1 thread, x64"
	is "$(sed -n 's/^\([0-9]*\) processes$/\1/p' "$tmp/stdout")" \
	    "$(grep -Ec '^ *[0-9]+ +[0-9]+ +[0-9]+  x(86|64) ' "$tmp/stdout")" \
	    "$t: procs counts the processes it lists"
done

# A parent that is not 0: peb -- counter starts one (its child) and
# leaves it running.
tool x64 peb -- build/x86/counter.exe
child=$(sed -n 's/^started pid \([0-9]*\) with its first thread suspended$/\1/p' "$tmp/stdout")
winpids="$winpids $child"
parent=$(look "$child" parent)
tool x64 procs
like "$tmp/stdout" "^ *$child +$parent +1  x86  counter\.exe$" \
    "a counter that peb started: its pid, its parent ($parent), x86"
stop "$child"
tool x64 procs extra
is "$rc" 2 "procs takes no operands"
is "$(cat "$tmp/stderr")" "procs: extra: extra operand (see procs -h)" "and says so"

done_testing
