#!/bin/sh
# hwbp: debug-register breakpoints on printf_loop and counter, on x86, x64
# and WOW64; new threads; what crc_check sees; DR7 clear afterwards.
. "$(dirname "$0")/lib.sh"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}

	# Execute: 5 hits on printf, no byte of code changed.
	start "$a" printf_loop
	P=$(field printf "$first")
	before=$(bytes "$pid" "$P" 16)
	tool "$t" hwbp -v -n 5 "$pid" e1 'msvcrt!printf'
	is "$rc" 0 "$combo: hwbp e1 exits 0"
	is "$(grep -c "^hit [0-9]*  tid [0-9]*  DR0 (execute) at msvcrt!printf$" "$tmp/stdout")" 5 \
	    "$combo: 5 execute hits at msvcrt!printf"
	like "$tmp/stdout" "<- not run yet: an execute breakpoint fires before the instruction" \
	    "$combo: an execute hit comes before the instruction"
	like "$tmp/stdout" "^DR0 = msvcrt!printf \\($P\\), execute$" "$combo: DR0 holds printf's address"
	# Registers go in at the break-in thread's exit event, in the
	# threads left: printf_loop's own one.
	breakin=$(sed -n 's/^pid .*: attached; .* in tid \([0-9]*\) -- .*/\1/p' "$tmp/stdout")
	is "$(sed -n '2p;/^set in/p' "$tmp/stdout" | tr '\n' '|')" \
	    "tid $breakin: the break-in thread ended; the target is stopped at its exit|set in its only thread|" \
	    "$combo: set after the break-in thread ($breakin) ended, in the main thread alone"
	like "$tmp/stdout" "^DR7 before: 00000000$" "$combo: -v: DR7 before"
	like "$tmp/stdout" "^DR7 after: 00000001$" "$combo: -v: DR7 after: L0, execute, 1 byte"
	like "$tmp/stdout" "^  L0=1 G0=0 RW0=00 \\(execute\\) LEN0=00 \\(1 byte\\)$" "$combo: -v decodes slot 0"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: printf's code never changed"
	is "$(dr7s "$pid")" "0 " "$combo: DR7 is zero on every thread afterwards"
	ok "$combo: the target keeps printing" grows "$out"
	stop "$pid"

	# Data watches, on a counter that hwbp starts (-- PROGRAM): the
	# count starts at 0, so every hit and value is known.  Locations as
	# module+0xRVA, from the first line of a counter started to read it.
	start "$a" counter
	C=$(field counter "$first") W=$(field write "$first") R=$(field read "$first")
	base=$(field base "$first")
	stop "$pid"
	cr=counter+$(printf '0x%x' $((R - base))) cw=counter+$(printf '0x%x' $((W - base)))
	cc=counter+$(printf '0x%x' $((C - base)))
	# launched ARGS...: hwbp ARGS -- counter; the counter runs on, with
	# DR7 clear in its thread; then end it.
	launched() {
		tool "$t" hwbp "$@" -- "build/$a/counter.exe"
		lpid=$(sed -n 's/^pid \([0-9]*\) .*: started; .*/\1/p' "$tmp/stdout")
		winpids="$winpids $lpid"
		is "$(dr7s "$lpid")" "0 " "$combo: hwbp $*: afterwards DR7 is zero in the counter it started"
		stop "$lpid"
	}
	# hits SLOT:DRn...: the hit lines a run on a new counter shows for its
	# first 3 ticks (the instruction a data hit names, as its address, and
	# the value), a tick being the slots in turn: r and w for e1 on read=
	# and write=, wN and rN for writes and reads of N bytes on the counter,
	# WN for the write a read/write slot sees.
	hits() {
		_n=0
		for _tick in 1 2 3; do
			for _s in "$@"; do
				_n=$((_n + 1)) _k=${_s%:*} _dr=${_s#*:} _len=${_s%:*}
				_len=${_len#?}
				[ "$_len" = 1 ] && _len="1 byte" || _len="$_len bytes"
				case $_k in
				r)	echo "hit $_n  tid T  $_dr (execute) at $cr" ;;
				w)	echo "hit $_n  tid T  $_dr (execute) at $cw" ;;
				w?)	echo "hit $_n  tid T  $_dr (write, $_len) at $cc"
					echo "    $cw"
					echo "    value 0x$_tick (was 0x$((_tick - 1)))" ;;
				W?)	echo "hit $_n  tid T  $_dr (read/write, $_len) at $cc"
					echo "    $cw"
					echo "    value 0x$_tick (was 0x$((_tick - 1)))" ;;
				r?)	echo "hit $_n  tid T  $_dr (read/write, $_len) at $cc"
					echo "    $cr"
					echo "    value 0x$((_tick - 1)) (unchanged: a read)" ;;
				esac
			done
		done
	}
	# hit_lines: the hit lines of the last run, each data hit's
	# instruction as its address alone, tids as T.
	hit_lines() {
		grep -E '^(hit |    value |    counter\+0x[0-9a-f]+: )' "$tmp/stdout" |
		    sed 's/  tid [0-9]*  /  tid T  /; s/^\(    counter+0x[0-9a-f]*\): .*/\1/'
	}

	# Write: each hit names counter's write= instruction, already run,
	# and the value it wrote.
	launched -n 3 w4 "$cc"
	is "$rc" 0 "$combo: hwbp w4 exits 0"
	is "$(grep '^DR0 = ' "$tmp/stdout")" "DR0 = $cc ($C), write, 4 bytes, value 0x0" \
	    "$combo: DR0 holds the counter's address"
	is "$(hit_lines)" "$(hits w4:DR0)" \
	    "$combo: w4: a hit at each write, by counter's write= instruction, with the counter's values"
	is "$(grep -c "^    $cw: mov .*<- already run: a data breakpoint fires after the access$" "$tmp/stdout")" 3 \
	    "$combo: w4: each names the instruction, already run"

	# Read/write: the reads are the read= instruction, the writes write=.
	launched -n 6 rw4 "$cc"
	is "$rc" 0 "$combo: hwbp rw4 exits 0"
	is "$(hit_lines)" "$(hits r4:DR0 W4:DR0)" \
	    "$combo: rw4: a read by read= that leaves the value, then a write by write=, each tick"

	# All four slots: execute on read= (DR0) and write= (DR2), a write
	# of 4 bytes (DR1) and of 1 (DR3) on the counter, which both fire on
	# each write.  A tick is DR0, DR2, then DR1 and DR3 together.
	launched -n 12 e1 "$cr" w4 "$cc" e1 "$cw" w1 "$cc"
	is "$rc" 0 "$combo: hwbp with DR0-DR3 on a counter it starts exits 0"
	for slot in "0 = $cr ($R), execute" "1 = $cc ($C), write, 4 bytes, value 0x0" \
	    "2 = $cw ($W), execute"; do
		is "$(grep "^DR${slot%% *} = " "$tmp/stdout")" "DR$slot" "$combo: DR${slot%% *} set as asked"
	done
	is "$(hit_lines)" "$(hits r:DR0 w:DR2 w4:DR1 w1:DR3)" \
	    "$combo: DR0-DR3: each tick fires DR0, DR2, DR1 and DR3, in turn, with the counter's values"
	like "$tmp/stdout" "^12 hits; hit count reached; breakpoints removed, detached, the target keeps running$" \
	    "$combo: DR0-DR3: 12 hits, cleaned up"
	like "$tmp/stdout" "^tick 3$" "$combo: DR0-DR3: the counter ran its ticks"

	# w2, and from a 64-bit tool w8 and rw8 together: a read fires rw8
	# (DR1), a write both (DR0, DR1).  LEN 10 (8 bytes) is defined in
	# IA-32e mode, compatibility mode too: for a WOW64 target as well.
	launched -n 3 w2 "$cc"
	is "$rc" 0 "$combo: hwbp w2 exits 0"
	is "$(hit_lines)" "$(hits w2:DR0)" "$combo: w2: a hit at each write, with the counter's values"
	if [ "$t" = x64 ]; then
		launched -v -n 9 w8 "$cc" rw8 "$cc"
		is "$rc" 0 "$combo: hwbp w8 rw8 exits 0"
		is "$(grep '^DR[01] = ' "$tmp/stdout")" "DR0 = $cc ($C), write, 8 bytes, value 0x0
DR1 = $cc ($C), read/write, 8 bytes, value 0x0" "$combo: DR0 = w8, DR1 = rw8 on the counter"
		is "$(hit_lines)" "$(hits r8:DR1 w8:DR0 W8:DR1)" \
		    "$combo: w8 rw8: a read fires DR1, a write DR0 and DR1, with the counter's values"
		like "$tmp/stdout" "^DR7 after: 00b90005$" \
		    "$combo: w8 rw8: the thread's DR7 holds LEN 10 (8 bytes) in slots 0 and 1"
	else
		launched -n 3 w8 "$cc"
		is "$rc" 1 "$combo: w8 in a 32-bit tool: exit 1"
		is "$(cat "$tmp/stderr")" "hwbp: w8 $cc: length 8 needs the CPU in 64-bit (IA-32e) mode; use the 64-bit hwbp, on 64-bit Windows" \
		    "$combo: w8 in a 32-bit tool: says why"
	fi

	# A REP string instruction traps after each iteration, the IP still
	# on it: calls' copy_rep copies "abcde" to calls!dst with rep movsb.
	# Byte 2 is written by the third of five iterations, the instruction
	# still under way; byte 4 by the last, after which the IP is past it.
	tool "$t" hwbp -n 2 w1 'calls!dst+2' w1 'calls!dst+4' -- "build/$a/calls.exe" -b
	lpid=$(sed -n 's/^pid \([0-9]*\) .*: started; .*/\1/p' "$tmp/stdout")
	winpids="$winpids $lpid"
	is "$rc" 0 "$combo: hwbp w1 on calls!dst, written by rep movsb: exit 0"
	is "$(grep -A2 '^hit ' "$tmp/stdout" | sed 's/  tid [0-9]*  /  tid T  /; s/copy_rep+0x[0-9a-f]*:/copy_rep+X:/; s/ptr es:/ptr /; s/\[[er]\([ds]i\)\]/[Xi]/g')" \
	    "hit 1  tid T  DR0 (write, 1 byte) at calls!dst+0x2
    calls!copy_rep+X: rep movsb byte ptr [Xi], byte ptr [Xi]    <- under way: a REP string instruction traps after each iteration, the IP still on it
    value 0x63 (was 0x0)
hit 2  tid T  DR1 (write, 1 byte) at calls!dst+0x4
    calls!copy_rep+X: rep movsb byte ptr [Xi], byte ptr [Xi]    <- already run: a data breakpoint fires after the access
    value 0x65 (was 0x0)" \
	    "$combo: rep movsb: the 3rd byte's hit names the rep movsb, still under way; the 5th's, run"
	is "$(sed -n 's/^    \(calls!copy_rep+0x[0-9a-f]*\): rep movsb.*/\1/p' "$tmp/stdout" | sort -u | wc -l)" 1 \
	    "$combo: rep movsb: both hits name the same instruction"
	is "$(dr7s "$lpid")" "0 " "$combo: rep movsb: afterwards DR7 is zero in calls"
	stop "$lpid"
done

# A thread created after the breakpoint was set gets it too.  The workers
# take turns in spin_threads!work (-p), and no call meets a thread's start
# or exit: under Wine 8, a thread in a hardware breakpoint's trap when
# another thread's event stops the process can wedge (see lesson 05).
start x86 spin_threads -p 1000 -l 2 -d 1500 2
tool x64 hwbp -s 5 "$pid" e1 'spin_threads!work'
is "$rc" 0 "hwbp on spin_threads!work: exit 0"
wait_for "$out" '^late tids='
late=$(sed -n 's/^late tids=//p' "$out" | tr -d '\r' | tr ',' ' ')
is "$(echo $late | wc -w)" 2 "spin_threads started two late threads ($late)"
for tid in $late; do
	like "$tmp/stdout" "^tid $tid: new thread; debug registers set in it too$" "late thread $tid got DR0/DR7"
	like "$tmp/stdout" "^hit [0-9]+  tid $tid  DR0 \\(execute\\) at spin_threads!work$" "late thread $tid hits"
done
for tid in $(field tids "$first" | tr ',' ' '); do
	like "$tmp/stdout" "^hit [0-9]+  tid $tid  DR0 \\(execute\\) at spin_threads!work$" "early thread $tid hits"
done
is "$(dr7s "$pid")" "0 " "DR7 zero on all threads, late ones too"
stop "$pid"

# A thread exits while the breakpoint is set in it; the rest is cleaned up.
start x64 spin_threads -x -p 1000 -l 1 -d 200 1
tool x64 hwbp -s 5 "$pid" e1 'spin_threads!work'
is "$rc" 0 "a thread exiting mid-run: exit 0"
wait_for "$out" '^exit tid='
gone=$(sed -n 's/^exit tid=//p' "$out" | tr -d '\r')
like "$tmp/stdout" "^hit [0-9]+  tid $gone  DR0 \\(execute\\) at spin_threads!work$" "the late thread hit before exiting"
like "$tmp/stdout" "^tid $gone: thread exited; its debug registers went with it$" "its exit is reported"
like "$tmp/stdout" "breakpoints removed, detached, the target keeps running$" "cleanup went through"
is "$(dr7s "$pid")" "0 " "DR7 zero on every thread that is left"
stop "$pid"

# Ctrl-C in the middle of a run.
start x64 counter
$RUN build/x64/hwbp.exe "$pid" w4 "$(field counter "$first")" > "$tmp/ctrlc" 2>&1 &
wait_for "$tmp/ctrlc" '^hit 2 '
interrupt hwbp "$pid"
wait_for "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached'
like "$tmp/ctrlc" '^[0-9]+ hits; interrupted; breakpoints removed, detached, the target keeps running$' \
    "Ctrl-C: hwbp cleans up"
is "$(dr7s "$pid")" "0 " "Ctrl-C: DR7 zero on every thread"
ok "Ctrl-C: counter keeps ticking" grows "$out"
stop "$pid"

# crc_check sees the debug registers, never a changed byte.
start x86 crc_check
tool x64 hwbp -s 3 "$pid" e1 'crc_check!checked'
is "$rc" 0 "hwbp -s 3 on crc_check exits 0"
wait_for "$out" 'dr7=0 *$'
like "$out" "^debug registers changed: dr0=$(field checked "$first" | sed 's/^0x//') .* dr7=[0-9a-f]*1 \\(a hardware breakpoint\\)$" \
    "crc_check sees DR0 and DR7 set"
like "$out" "^debug registers changed: dr0=0 dr1=0 dr2=0 dr3=0 dr7=0$" "and cleared again"
unlike "$out" "crc of checked" "crc_check sees no code change"
stop "$pid"

# Bad input: refused with one line, nothing set.
start x86 counter
C=$(field counter "$first")
tool x64 hwbp "$pid" e1 0x401000 e1 0x401001 e1 0x401002 e1 0x401003 e1 0x401004
is "$rc" 2 "a 5th breakpoint: exit 2"
like "$tmp/stderr" "^hwbp: e1 0x401004: a 5th breakpoint; the CPU has 4 debug address registers, DR0-DR3$" "a 5th breakpoint: says why"
tool x64 hwbp "$pid" e2 "$C"
is "$rc" 2 "execute length 2: exit 2"
like "$tmp/stderr" "^hwbp: e2: an execute breakpoint has length 1 \\(e1\\)$" "execute length 2: says why"
C2=$(printf '0x%x' $((C + 2)))
tool x64 hwbp "$pid" w4 "$C2"
is "$rc" 1 "unaligned w4: exit 1"
is "$(cat "$tmp/stderr")" "hwbp: w4 $C2: $C2 is not aligned to 4 bytes (DR7's LEN ignores the low address bits)" \
    "unaligned w4: says why"
tool x86 hwbp "$pid" rw8 "$C"
is "$rc" 1 "rw8 in a 32-bit tool: exit 1"
is "$(cat "$tmp/stderr")" "hwbp: rw8 $C: length 8 needs the CPU in 64-bit (IA-32e) mode; use the 64-bit hwbp, on 64-bit Windows" \
    "rw8 in a 32-bit tool: one line, says why"
tool x64 hwbp "$pid" w4 'kernel32!NoSuchThing'
is "$rc" 1 "unknown export: exit 1"
is "$(cat "$tmp/stderr")" "hwbp: kernel32!NoSuchThing: kernel32.dll exports no NoSuchThing" "unknown export: one line, naming it"
tool x64 hwbp "$pid" q4 "$C"
is "$rc" 2 "unknown kind: exit 2"
is "$(cat "$tmp/stderr")" "hwbp: q4: unknown kind (use e1, w1/w2/w4/w8 or rw1/rw2/rw4/rw8)" "unknown kind: says so"
is "$(dr7s "$pid")" "0 " "after every refusal DR7 is still zero"
ok "the target keeps ticking" grows "$out"

done_testing
