#!/bin/sh
# bpcompare: each kind's hits against the target's own count of calls,
# events per hit, what each kind leaves for the target to see (and what
# crc_check does see), data mode, the race lab, nothing left behind, and
# bad input.
. "$(dirname "$0")/lib.sh"

# kind_line KIND: the line bpcompare printed when KIND was done.
kind_line() { grep "^$1: [0-9]* hits*, " "$tmp/stdout"; }
hits_of() { kind_line "$1" | sed 's/^[^:]*: \([0-9]*\) hit.*/\1/'; }
# The target's count as the window opened and closed.
count0() { kind_line "$1" | sed 's/.*count went \([0-9]*\) -> .*/\1/'; }
count1() { kind_line "$1" | sed 's/.*count went [0-9]* -> \([0-9]*\);.*/\1/'; }
# row TITLE: the table's row for a kind, its spacing squeezed.
row() { grep "^$1 " "$tmp/stdout" | tr -s ' '; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" printf_loop -d 1
	P=$(field printf "$first")
	before=$(bytes "$pid" "$P" 16)
	prot_before=$(prot "$pid" "$P")

	# Attached to a running printf_loop: each kind's hits against the
	# change in the target's count over its window, as bpcompare read it,
	# both ends of it calls the target printed.
	tool "$t" bpcompare -n 40 --count 'printf_loop!calls' "$pid" 'msvcrt!printf'
	is "$rc" 0 "$combo: bpcompare exits 0"
	like "$tmp/stdout" "^location: msvcrt!printf \\($P\\); each kind runs for 40 hits or 5 s" \
	    "$combo: the location resolves to the printf the target calls"
	like "$tmp/stdout" '^floor: [0-9]+ single-steps of tid [0-9]+, the first at the location, the others held: [0-9.]+ us per debug event$' \
	    "$combo: the floor is measured"
	for k in int3 hw guard; do
		h=$(hits_of $k) c0=$(count0 $k) c1=$(count1 $k)
		ok "$combo: $k: at least 40 hits ($h)" [ "${h:-0}" -ge 40 ]
		is "$h" "$((${c1:-0} - ${c0:-0}))" "$combo: $k: hits = the change in the target's count over the window ($c0 -> $c1)"
		wait_for "$out" "^going\\.\\.\\.$c1"
		for c in "$c0" "$c1"; do
			ok "$combo: $k: the target printed call $c itself" grep -q "^going\\.\\.\\.$c" "$out"
		done
	done
	like "$tmp/stdout" '^INT3, persistent +[0-9]+ +2\.00 +[0-9.]+ +0 +1 +0/4 +any +code bytes +[0-9]+ +0 +[0-9]+$' \
	    "$combo: INT3: two events a hit, one byte changed, no slot, seen in the code, none missed"
	like "$tmp/stdout" '^hardware execute +[0-9]+ +1\.00 +[0-9.]+ +0 +0 +1/4 +4 +DR7 +[0-9]+ +0 +[0-9]+$' \
	    "$combo: hardware: one event a hit, no byte, one slot of 4, seen in DR7, none missed"
	like "$tmp/stdout" '^guard page, execute +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +0 +0/4 +any +PAGE_GUARD +[0-9]+ +0 +[0-9]+$' \
	    "$combo: guard page: no byte, no slot, seen as PAGE_GUARD, none missed"
	ev=$(row 'guard page, execute' | cut -d' ' -f5)
	ok "$combo: guard page: at least two events a hit ($ev)" awk "BEGIN { exit !($ev >= 2) }"
	like "$tmp/stdout" '^  int3 +\|#+ +[0-9.]+$' "$combo: the chart has a bar for int3"
	like "$tmp/stdout" "^[0-9]+ hits; every kind measured; breakpoints removed, detached, the target keeps running$" "$combo: summary"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: printf's bytes are as before"
	is "$(dr7s "$pid")" "0 " "$combo: DR7 is clear in every thread"
	unchanged "$(prot "$pid" "$P")" "$prot_before" "$combo: printf's page has its protection back"
	ok "$combo: the target keeps printing" grows "$out"

	# The INT3s that stay (lesson 14): printf's first instruction is
	# emulated, or run displaced; every call a hit, and no thread held.
	tool "$t" bpcompare -k emulate,displaced -n 40 --count 'printf_loop!calls' "$pid" 'msvcrt!printf'
	is "$rc" 0 "$combo: -k emulate,displaced exits 0"
	for k in emulate displaced; do
		h=$(hits_of $k) c0=$(count0 $k) c1=$(count1 $k)
		is "$h" "$((${c1:-0} - ${c0:-0}))" "$combo: $k: hits = the change in the target's count ($c0 -> $c1)"
	done
	like "$tmp/stdout" '^emulate: [^:]+: emulated at each hit; the INT3 stays$' "$combo: emulate: printf's first instruction is emulated"
	like "$tmp/stdout" '^displaced: [^:]+: displaced: its copy at 0x[0-9a-f]+ runs at each hit; the INT3 stays$' \
	    "$combo: displaced: it runs from a copy"
	like "$tmp/stdout" '^INT3, emulated +[0-9]+ +1\.00 +[0-9.]+ +0 +1 +0/4 +any +code bytes +[0-9]+ +0 +0$' \
	    "$combo: emulated: one event a hit, none missed, none held"
	like "$tmp/stdout" '^INT3, displaced +[0-9]+ +2\.00 +[0-9.]+ +0 +1 +0/4 +any +code bytes +[0-9]+ +0 +0$' \
	    "$combo: displaced: two events a hit, none missed, none held"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: after both, printf's bytes are as before"
	stop "$pid"

	# Started by bpcompare, printf_loop -n 15 makes 15 calls in all and
	# exits.  The floor is single-stepped from the location, in call 1;
	# each kind alone must then hit every other call, 2 to 15.
	for k in int3 hw guard; do
		tool "$t" bpcompare -k $k -n 1000 -s 20 --count 'printf_loop!calls' 'msvcrt!printf' \
		    -- "build/$a/printf_loop.exe" -n 15 -d 1
		is "$rc" 0 "$combo: $k on a printf_loop -n 15 it starts: exit 0"
		is "$(grep -c '^going\.\.\.[0-9]*$' "$tmp/stdout") $(grep '^going\.' "$tmp/stdout" | tail -n 1)" \
		    "15 going...15" "$combo: $k: the target made its 15 calls, and printed them"
		like "$tmp/stdout" "^floor: 301 single-steps of tid [0-9]+, the first at the location, " \
		    "$combo: $k: the floor's steps begin at the location, in call 1"
		like "$tmp/stdout" "^$k: 14 hits, [0-9]+ false, [0-9]+ events in [0-9.]+ s; the target exited$" \
		    "$combo: $k: 14 hits, one for each of the target's calls after the floor's"
		like "$tmp/stdout" "^14 hits; the target exited; nothing left to clean up$" "$combo: $k: summary"
	done
done

# --csv: the same table; floor first, then one row per kind.
start x64 printf_loop -d 1
tool x64 bpcompare -n 20 --csv --count 'printf_loop!calls' "$pid" 'msvcrt!printf'
is "$(grep -c '^[a-z0-9]*,' "$tmp/stdout")" 5 "--csv: a header and four rows"
like "$tmp/stdout" '^kind,hits,events,events_per_hit,us_per_hit,false_hits,bytes_changed,hw_slots,at_once,seen_by,target_count,missed,held$' \
    "--csv: the header"
like "$tmp/stdout" '^int3,[0-9]+,[0-9]+,2\.00,[0-9.]+,0,1,0,any,code bytes,[0-9]+,0,[0-9]+$' "--csv: the int3 row"
unlike "$tmp/stdout" '^us per hit' "--csv: no chart"
is "$(wc -l < "$tmp/stdout")" 5 "--csv: stdout holds the table and nothing else"
is "$(awk -F, 'NR == 1 { n = NF } NF != n { bad++ } END { print bad + 0 }' "$tmp/stdout")" 0 \
    "--csv: every row has the header's number of fields"
like "$tmp/stderr" '^location: msvcrt!printf ' "--csv: what happens goes to stderr"
like "$tmp/stderr" '^[0-9]+ hits; every kind measured; breakpoints removed, detached' \
    "--csv: and so does the run's end"
stop "$pid"

# What the target sees: crc_check checks its own code, its debug
# registers and PEB.BeingDebugged once a second.  Each kind alone, and
# the target inspected after each.
start x64 crc_check
C=$(field checked "$first")
code=$(bytes "$pid" "$C" 16)
cprot=$(prot "$pid" "$C")
tool x64 bpcompare -k int3 -n 1000 -s 3 "$pid" 'crc_check!checked'
is "$rc" 0 "crc_check: -k int3: exit 0"
like "$tmp/stdout" '^int3: [0-9]+ hits' "crc_check: int3 ran alone"
unlike "$tmp/stdout" '^(hw|guard): ' "crc_check: -k int3 runs only int3"
wait_for "$out" 'crc of checked\(\) changed: .* -> '"$(field crc "$first")"
like "$out" "crc of checked\\(\\) changed: $(field crc "$first") -> " "crc_check notices the INT3 in its code"
like "$out" "crc of checked\\(\\) changed: .* -> $(field crc "$first")" "and notices it go"
unchanged "$(bytes "$pid" "$C" 16)" "$code" "after int3: checked() is as before"
: > "$out"
tool x64 bpcompare -k hw -n 1000 -s 3 "$pid" 'crc_check!checked'
is "$rc" 0 "crc_check: -k hw: exit 0"
wait_for "$out" 'dr7=0$'
like "$out" "^debug registers changed: dr0=$(echo "$C" | sed 's/^0x//') .*\\(a hardware breakpoint\\)$" \
    "crc_check notices the hardware breakpoint in its debug registers"
unlike "$out" 'crc of checked' "but not in its code"
is "$(dr7s "$pid")" "0 " "after hw: DR7 is clear in every thread"
: > "$out"
tool x64 bpcompare -k guard -n 1000 -s 3 "$pid" 'crc_check!checked'
is "$rc" 0 "crc_check: -k guard: exit 0"
like "$tmp/stdout" '^guard page, execute +[0-9]+ .* [1-9][0-9]* +0 +0/4' \
    "crc_check: its own checksum reads of the page are false hits"
wait_for "$out" '^being debugged: no$'	# a whole round of its checks since
unlike "$out" 'crc of checked|debug registers changed' "crc_check notices nothing of the guard page"
unchanged "$(prot "$pid" "$C")" "$cprot" "after guard: the page has its protection back"
ok "crc_check keeps running" running "$pid"
stop "$pid"

# --data on counter: a write watch sees each write; read/write sees the
# read and the write of each tick; the guard page sees them both, and the
# neighbour on the same page as false hits.  --count is the watched
# counter itself: bpcompare reads it on its own guarded page as the window
# opens and closes, which on Windows would take the guard off (lesson 06);
# guard_read() puts it back, so every access of the window is a hit.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" counter
	C=$(field counter "$first")
	tool "$t" bpcompare --data -n 6 --count "$C" "$pid" "$C"
	is "$rc" 0 "$combo: --data exits 0"
	h=$(hits_of w4) c0=$(count0 w4) c1=$(count1 w4)
	d=$((${c1:-0} - ${c0:-0}))
	is "$h" "$d" "$combo: w4: one hit per write the counter made ($d)"
	wait_for "$out" "^tick $c1\$"
	for c in "$c0" "$c1"; do
		ok "$combo: w4: the counter printed tick $c itself" grep -q "^tick $c.\$" "$out"
	done
	for k in rw4 guard; do
		h=$(hits_of $k) d=$(($(count1 $k) - $(count0 $k)))
		ok "$combo: $k: a read and a write a tick, none missed after the count's reads ($h hits, $d ticks)" \
		    [ "$h" -ge $((2 * d)) -a "$h" -le $((2 * d + 1)) ]
	done
	like "$tmp/stdout" '^guard page, any access +[0-9]+ +[0-9.]+ +[0-9.]+ +[1-9][0-9]* ' \
	    "$combo: guard: the neighbour's accesses are false hits"
	is "$(dr7s "$pid")" "0 " "$combo: --data: DR7 clear"
	ok "$combo: counter keeps ticking" grows "$out"
	stop "$pid"
done

# The race lab: four threads through one INT3.  Letting the others run
# while one steps past misses calls; holding them misses none.
for combo in x64:x64 x64:x86; do
	t=${combo%:*} a=${combo#*:}
	start "$a" race
	W=$(field work "$first")
	before=$(bytes "$pid" "$W" 8)
	tool "$t" bpcompare --race -k naive,suspend,hw,emulate,displaced -n 300 -s 3 --count 'race!calls' "$pid" 'race!work'
	is "$rc" 0 "$combo: --race exits 0"
	h=$(hits_of naive) d=$(($(count1 naive) - $(count0 naive)))
	ok "$combo: naive re-arming misses calls ($h hits of $d)" [ "$h" -lt "$d" ]
	h=$(hits_of suspend) d=$(($(count1 suspend) - $(count0 suspend)))
	is "$h" "$d" "$combo: with the others held, every call is a hit"
	# The INT3 that stays: none missed, and no thread ever held.
	for k in emulate displaced; do
		h=$(hits_of $k) d=$(($(count1 $k) - $(count0 $k)))
		is "$h" "$d" "$combo: $k: every call is a hit"
	done
	like "$tmp/stdout" '^INT3, emulated .* 0 +0$' "$combo: emulate: none missed, none held"
	like "$tmp/stdout" '^INT3, displaced .* 0 +0$' "$combo: displaced: none missed, none held"
	like "$tmp/stdout" '^INT3, others held .* 0 +[1-9][0-9]*$' "$combo: suspend: the others were held"
	# Under Wine 8 the hardware row is skipped, and says why: a skip.
	why=$(sed -n 's/^hw: skipped: \(.*\)$/\1/p' "$tmp/stdout")
	if [ -n "$why" ]; then
		skip "$combo: a hardware breakpoint misses none" "bpcompare: $why"
	elif [ -n "$(kind_line hw)" ]; then
		h=$(hits_of hw) d=$(($(count1 hw) - $(count0 hw)))
		is "$h" "$d" "$combo: a hardware breakpoint misses none"
	else
		fail "$combo: a hardware breakpoint misses none"
		diag "the hw row was neither measured nor skipped"
	fi
	unchanged "$(bytes "$pid" "$W" 8)" "$before" "$combo: work() is intact"
	ok "$combo: race keeps running" grows "$out"
	stop "$pid"
done

# Bad input: one line, and the target untouched.
start x64 counter
C=$(field counter "$first")
tool x64 bpcompare "$pid" "$C"
is "$rc" 1 "code mode on a variable: exit 1"
like "$tmp/stderr" "^bpcompare: $C: $C is not code: its page is not executable \\(protection 0x[0-9a-f]+\\); for a variable, use --data$" \
    "code mode on a variable: says so"
ok "code mode on a variable: one line" one_line "$tmp/stderr"
tool x64 bpcompare --data "$pid" 0x10
is "$rc" 1 "unmapped data address: exit 1"
is "$(cat "$tmp/stderr")" "bpcompare: 0x10: 0x10 is not mapped in pid $pid" "unmapped data address: says so"
tool x64 bpcompare --race "$pid" 'counter!main'
is "$rc" 2 "--race without --count: exit 2"
is "$(cat "$tmp/stderr")" "bpcompare: --race needs --count: the target's own count of calls, to find the hits missed" \
    "--race without --count: says why"
tool x64 bpcompare -k int3,nope "$pid" 'kernel32!Sleep'
is "$rc" 2 "-k with an unknown kind: exit 2"
like "$tmp/stderr" '^bpcompare: -k: "nope" is not a kind here; use int3, hw or guard \(or emulate, displaced\)$' "-k: names the kinds"
tool x64 bpcompare -n 0 "$pid" 'kernel32!Sleep'
is "$rc" 2 "-n 0: exit 2"
is "$(cat "$tmp/stderr")" 'bpcompare: -n: "0": too small' "-n 0: says so"
tool x64 bpcompare --count 0x10 "$pid" 'kernel32!Sleep'
is "$rc" 1 "--count at an unmapped address: exit 1"
like "$tmp/stderr" '^bpcompare: --count 0x10: ReadProcessMemory\(0x10\): .+ \([0-9]+\)$' "--count: names the API and Windows' error"
ok "--count: one line" one_line "$tmp/stderr"
is "$(dr7s "$pid")" "0 " "after bad input: DR7 clear"
ok "counter keeps ticking after bad input" grows "$out"
stop "$pid"

done_testing
