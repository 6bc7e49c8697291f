#!/bin/sh
# exitpaths: every way a run can end, for every tool that changes its
# target (softbp, hwbp, guardbp, stepper, bpcompare): the hit count, the
# time limit, Ctrl-C, a thread of the target exiting while a breakpoint
# is set, the target exiting, and an error halfway through.  After each,
# tests/inspect.c looks at the target from outside: its code is as on
# disk, DR7 is 0 in every thread, the page's protection is as before, and
# the target runs on.  Then a cleanup that gets stuck on a thread that
# does not answer; the tools that only look (seh, syscalls) and events
# answering a target's exceptions.  Last, what a tool killed outright
# leaves behind.
. "$(dirname "$0")/lib.sh"

TOOLS="softbp hwbp guardbp stepper bpcompare"

# args TOOL: the tool's operands for a breakpoint on msvcrt!printf.
args() {
	case $1 in
	softbp)		echo "$pid msvcrt!printf" ;;
	hwbp)		echo "$pid e1 msvcrt!printf" ;;
	guardbp)	echo "--access x $pid msvcrt!printf" ;;
	stepper)	echo "--over $pid" ;;
	bpcompare)	echo "-k int3,hw,guard $pid msvcrt!printf" ;;
	esac
}

# summary WHY: the last line of a run that ended for WHY and cleaned up.
summary() { echo "^[0-9]+ (hits?|steps?); $1; breakpoints removed, detached, the target keeps running\$"; }

# clean WHAT ADDR PROT: the inspection after a run against $pid.  The
# protection first: a guard page left behind goes at the next access
# (and the target with it, which the last check sees).
clean() {
	unchanged "$(prot "$pid" "$2")" "$3" "$1: the page's protection is as before"
	is "$(disk "$pid" "$2" 16)" same "$1: the code at the location is as on disk"
	is "$(code "$pid")" same "$1: and so is the code of every module"
	is "$(dr7s "$pid")" "0 " "$1: DR7 is 0 in every thread"
	ok "$1: the target is running" running "$pid"
}

# bg ARCH NAME ARGS...: run a tool in the background, its output in $tmp/bg.
bg() {
	_a=$1 _n=$2; shift 2
	: > "$tmp/bg"
	timeout -k 5 90 $RUN "build/$_a/$_n.exe" "$@" > "$tmp/bg" 2>&1 &
	bgpid=$!
}

# bg_wait: wait for it; $rc, and its output without CRs in $tmp/stdout.
bg_wait() {
	wait "$bgpid"
	rc=$?
	tr -d '\r' < "$tmp/bg" > "$tmp/stdout"
}


# --- The hit count, the time limit, Ctrl-C, an error halfway -----------
# One printf_loop per tool; x64 on x64, and x64 on WOW64 for -n and Ctrl-C.
for combo in x64:x64 x64:x86; do
	t=${combo%:*} a=${combo#*:}
	for tl in $TOOLS; do
		w="$combo $tl"
		start "$a" printf_loop
		P=$(field printf "$first")
		pprot=$(prot "$pid" "$P")

		# -n: stepper counts steps, bpcompare hits per kind.
		case $tl in
		stepper)	n="-n 20" ;;
		bpcompare)	n="-n 3 -s 5" ;;
		*)		n="-n 3" ;;
		esac
		tool "$t" $tl $n $(args $tl)
		is "$rc" 0 "$w -n: exit 0"
		case $tl in
		stepper)	like "$tmp/stdout" "^20 steps; done; " "$w -n: 20 steps" ;;
		bpcompare)	like "$tmp/stdout" "$(summary 'every kind measured')" "$w -n: every kind measured" ;;
		*)		like "$tmp/stdout" "$(summary 'hit count reached')" "$w -n: hit count reached" ;;
		esac
		clean "$w -n" "$P" "$pprot"
		ok "$w -n: the target keeps printing" grows "$out"

		# -s (stepper has none).
		if [ "$a" = x64 ] && [ $tl != stepper ]; then
			case $tl in
			bpcompare)	s="-n 100000 -s 1"; why='every kind measured' ;;
			*)		s="-s 1"; why='time limit reached' ;;
			esac
			tool "$t" $tl $s $(args $tl)
			is "$rc" 0 "$w -s: exit 0"
			like "$tmp/stdout" "$(summary "$why")" "$w -s: $why"
			clean "$w -s" "$P" "$pprot"
			ok "$w -s: the target keeps printing" grows "$out"
		fi

		# Ctrl-C, once the run is well under way.
		case $tl in
		stepper)	n="-n 1000000"; busy='^ +5  ' ;;
		bpcompare)	n="-n 100000 -s 20"; busy='^floor: ' ;;
		*)		n=""; busy='^hit 2 ' ;;
		esac
		bg "$t" $tl $n $(args $tl)
		wait_for "$tmp/bg" "$busy"
		[ $tl = bpcompare ] && sleep 1	# into the int3 window
		interrupt $tl "$pid"
		bg_wait
		is "$rc" 0 "$w Ctrl-C: exit status"
		[ $tl = bpcompare ] && like "$tmp/stdout" '^int3: [0-9]+ hits?, .*; cut short by Ctrl-C; removed$' \
		    "$w Ctrl-C: the kind under way is reported, cut short"
		like "$tmp/stdout" "$(summary interrupted)" "$w Ctrl-C: interrupted, cleaned up"
		clean "$w Ctrl-C" "$P" "$pprot"
		ok "$w Ctrl-C: the target keeps printing" grows "$out"

		# An error after attaching, with the first location already
		# in place where the tool sets them one by one.
		if [ "$a" = x64 ]; then
			case $tl in
			softbp)		set -- "$pid" 'msvcrt!printf' 0x10 ;;
			hwbp)		set -- "$pid" e1 'msvcrt!printf' w4 "$(printf '0x%x' $((P + 1)))" ;;
			guardbp)	set -- "$pid" 'msvcrt!printf' 0x40000000 ;;
			stepper)	set -- -t 99999 "$pid" ;;
			bpcompare)	set -- --count 0x10 "$pid" 'msvcrt!printf' ;;
			esac
			tool "$t" $tl "$@"
			is "$rc" 1 "$w halfway: exit 1"
			case $tl in
			softbp)	like "$tmp/stdout" '^breakpoint 1 at msvcrt!printf .*, wrote cc$' \
				    "$w halfway: the first INT3 was in place" ;;
			hwbp)	like "$tmp/stdout" '^DR0 = msvcrt!printf ' "$w halfway: DR0 was chosen" ;;
			stepper) like "$tmp/stdout" '^0 steps; ' "$w halfway: counts steps" ;;
			esac
			ok "$w halfway: one line on stderr" one_line "$tmp/stderr"
			case $tl in
			softbp)		why='^softbp: 0x10: ReadProcessMemory\(0x10\): .+ \([0-9]+\)$' ;;
			hwbp)		why="^hwbp: w4 $5: $5 is not aligned to 4 bytes \\(DR7's LEN ignores the low address bits\\)\$" ;;
			guardbp)	why="^guardbp: msvcrt!printf: 0x[0-9a-f]+ is not mapped in pid $pid\$" ;;
			stepper)	why="^stepper: -t 99999: no such thread in pid $pid\$" ;;
			bpcompare)	why='^bpcompare: --count 0x10: ReadProcessMemory\(0x10\): .+ \([0-9]+\)$' ;;
			esac
			like "$tmp/stderr" "$why" "$w halfway: says what is wrong"
			like "$tmp/stdout" "$(summary 'stopped by an error')" "$w halfway: stopped by an error, cleaned up"
			clean "$w halfway" "$P" "$pprot"
			ok "$w halfway: the target keeps printing" grows "$out"
		fi
		stop "$pid"
	done
done

# --- A thread exits while the breakpoint is set -------------------------
# spin_threads -x: two late workers each call spin_threads!work three
# times and exit; they start once the tool is attached (bpcompare first
# measures its floor for up to 3 s).  With -p the three workers take
# turns, half a second apart, so that no call meets a late worker's start
# or exit: under Wine 8 a thread in a hardware breakpoint's trap when
# another thread's event stops the process can wedge (lesson 05).  The tool sees them
# start, hit and exit, and is then stopped with Ctrl-C; stepper steps a
# late worker until it exits; bpcompare ends on its time limit.
start x64 spin_threads 1
tool x64 softbp -1 -s 1 "$pid" 'spin_threads!work'
W=$(sed -n 's/^breakpoint 1 at spin_threads!work (\(0x[0-9a-f]*\)).*/\1/p' "$tmp/stdout")
ok "spin_threads!work is at $W" [ -n "$W" ]
wprot=$(prot "$pid" "$W")
stop "$pid"

# works: spin_threads still calls work(): a fresh softbp catches a call.
works() {
	tool x64 softbp -n 1 -s 5 "$pid" 'spin_threads!work'
	grep -q '^1 hit; hit count reached; breakpoints removed' "$tmp/stdout"
}

for tl in $TOOLS; do
	w="thread exit: $tl"
	start x64 spin_threads -x -p 1500 -l 2 -d "$([ $tl = bpcompare ] && echo 4000 || echo 1500)" 1
	case $tl in
	stepper)
		wait_for "$out" '^late tids='
		late=$(sed -n 's/^late tids=\([0-9]*\),.*/\1/p' "$out" | tr -d '\r')
		tool x64 stepper --over -n 1000000 -t "$late" "$pid"
		is "$rc" 0 "$w: exit 0"
		like "$tmp/stdout" '^the thread exited$' "$w: the stepped thread exited"
		# The other late worker may come by the INT3 that a step over
		# a call waits for (the lock's): it gets past, and the step
		# goes on to the thread's end.
		unlike "$tmp/stdout" '^breakpoint: tid|did not come back.*breakpoint' \
		    "$w: no other thread stopped the steps over"
		is "$(cat "$tmp/stderr")" "" "$w: nothing on stderr"
		like "$tmp/stdout" "$(summary done)" "$w: cleaned up"
		;;
	bpcompare)
		tool x64 bpcompare -k hw -n 100000 -s 8 "$pid" 'spin_threads!work'
		is "$rc" 0 "$w: exit 0"
		ok "$w: both late workers exited meanwhile" wait_lines "$out" '^exit tid=' 2
		like "$tmp/stdout" '^hw: [1-9][0-9]* hits' "$w: hits"
		like "$tmp/stdout" "$(summary 'every kind measured')" "$w: cleaned up"
		;;
	*)
		case $tl in
		hwbp)		bg x64 hwbp "$pid" e1 'spin_threads!work' ;;
		guardbp)	bg x64 guardbp --access x "$pid" 'spin_threads!work' ;;
		softbp)		bg x64 softbp "$pid" 'spin_threads!work' ;;
		esac
		wait_lines "$out" '^exit tid=' 2
		wait_for "$tmp/bg" '^hit '
		interrupt $tl "$pid"
		bg_wait
		is "$rc" 0 "$w: exit 0"
		ok "$w: both late workers exited meanwhile" wait_lines "$out" '^exit tid=' 2
		for tid in $(sed -n 's/^late tids=//p' "$out" | tr -d '\r' | tr ',' ' '); do
			like "$tmp/stdout" "^hit [0-9]+  tid $tid  " "$w: late worker $tid hit"
		done
		[ $tl = hwbp ] && like "$tmp/stdout" '^tid [0-9]+: thread exited; its debug registers went with it$' \
		    "$w: hwbp saw a thread exit"
		like "$tmp/stdout" "$(summary interrupted)" "$w: cleaned up"
		;;
	esac
	clean "$w" "$W" "$wprot"
	ok "$w: the target still calls work()" works
	stop "$pid"
done

# --- The target exits while the breakpoint is set -----------------------
# printf_loop -n 30 makes 30 calls, a tenth of a second apart, and exits.
for tl in $TOOLS; do
	w="target exit: $tl"
	start x64 printf_loop -n 30
	case $tl in
	stepper)	tool x64 stepper --over -n 1000000 "$pid" ;;
	bpcompare)	tool x64 bpcompare -k int3 -n 100000 -s 20 "$pid" 'msvcrt!printf' ;;
	*)		tool x64 $tl $(args $tl) ;;
	esac
	is "$rc" 0 "$w: exit status"
	[ $tl = bpcompare ] && like "$tmp/stdout" '^int3: [0-9]+ hits?, .*; the target exited$' \
	    "$w: the kind under way is reported, to the target's exit"
	like "$tmp/stdout" '; the target exited; nothing left to clean up$' "$w: the target exited"
	wait_for "$out" '^going\.\.\.30'
	like "$out" '^going\.\.\.30' "$w: the target made all its 30 calls"
	ok "$w: the target is gone" gone "$pid"
done

# --- Cleanup stuck ------------------------------------------------------
# A thread that does not answer GetThreadContext, as a thread wedged
# inside Wine does: wedge's second thread blocks Wine's suspend signal
# once hwbp has set its debug registers.  hwbp's cleanup then reads it
# with a time limit, names it wedged, goes on without it and exits 1.
if [ -n "$RUN" ]; then
	start x64 wedge
	deaf=$(field tid "$first")
	tool x64 hwbp -s 2 "$pid" e1 'kernel32!Beep'
	wait_for "$out" "^tid $deaf: deaf: DR7=1, SIGUSR1 blocked \\(0\\)\$" &&
	    pass "stuck cleanup: wedge's thread $deaf stopped answering once DR0 was set"
	is "$rc" 1 "stuck cleanup: hwbp gives up by itself, exit 1"
	is "$(cat "$tmp/stderr")" "hwbp: GetThreadContext(tid $deaf): no answer: the thread is wedged (under Wine 8, stopped inside its own debug trap; see the README)" \
	    "stuck cleanup: hwbp names the thread that does not answer, in one line"
	unlike "$tmp/stdout" 'breakpoints removed' "stuck cleanup: and does not claim to have cleaned up"
	stop "$pid"
else
	skip "stuck cleanup: hwbp gives up by itself" \
	    "only under Wine can a thread be made deaf to GetThreadContext"
fi

# --- Tools that only look, and events' answers ---------------------------
# seh and syscalls attach, read and detach, on a target they attached to
# or one they started; events answers gh to an access violation until
# its time limit, or is interrupted.  After each, the target's code is
# as on disk, DR7 is 0 in every thread, and it runs on.

# untouched WHAT: the code and DR7 of $pid, and that it runs.
untouched() {
	is "$(code "$pid")" same "$1: the code of every module is as on disk"
	is "$(dr7s "$pid")" "0 " "$1: DR7 is 0 in every thread"
	ok "$1: the target is running" running "$pid"
}

# launched TOOL ARGS...: TOOL -- faults -w; $pid is the pid it names.
launched() {
	_tl=$1; shift
	tool x64 "$_tl" "$@" -- build/x64/faults.exe -w
	pid=$(sed -n 's/^pid \([0-9]*\): .*/\1/p' "$tmp/stdout" | head -n 1)
	winpids="$winpids $pid"
}

for combo in x64:x64 x64:x86; do
	t=${combo%:*} a=${combo#*:}
	start "$a" faults -w
	for tl in seh syscalls; do
		tool "$t" $tl "$pid"
		is "$rc" 0 "$combo $tl: exit 0"
		untouched "$combo $tl"
	done
	tool "$t" syscalls "$pid" NtNoSuchThing
	is "$rc" 1 "$combo syscalls, an error once attached: exit 1"
	untouched "$combo syscalls, an error once attached"

	# Ctrl-C while events waits; the target raises nothing meanwhile.
	bg "$t" events -1 gh "$pid"
	wait_for "$tmp/bg" 'the attach break-in'
	interrupt events "$pid"
	bg_wait
	is "$rc" 0 "$combo events Ctrl-C: exit 0"
	like "$tmp/stdout" '^[0-9]+ events; detached, the process keeps running$' \
	    "$combo events Ctrl-C: detached"
	untouched "$combo events Ctrl-C"
	stop "$pid"

	# The time limit, with gh answered to an access violation again and
	# again; once events is gone, the target's own handler takes it.
	start "$a" faults -w -d 1500 av
	tool "$t" events -s 3 -1 gh "$pid"
	is "$rc" 0 "$combo events -s: exit 0"
	ok "$combo events -s: the same fault, answered gh, again and again" \
	    [ "$(grep -c '^    address .*; answered gh (DBG_CONTINUE)$' "$tmp/stdout")" -ge 2 ]
	like "$tmp/stdout" '^[0-9]+ events; detached, the process keeps running$' \
	    "$combo events -s: detached"
	ok "$combo events -s: then the target's frame handler took it" \
	    wait_for "$out" '^handled vectored=0 frame=1 filter=0 untaken=0'
	untouched "$combo events -s"
	stop "$pid"
done

# Started by the tool: it detaches, and the program runs on.
for tl in seh syscalls; do
	launched $tl
	is "$rc" 0 "$tl -- faults: exit 0"
	ok "$tl -- faults: it named the pid it started" [ -n "$pid" ]
	untouched "$tl -- faults"
	stop "$pid"
done

# --- Killed outright ----------------------------------------------------
# Then no cleanup runs.  Wine ends the debug session without killing the
# target (the tool asked for that), and what the tool had set stays set:
# softbp's INT3 in printf, hwbp's DR7 in every thread.  The next call
# meets it with no debugger to answer, the exception goes unhandled, and
# Wine ends the target (after its crash report).  printf_loop -d 5000
# leaves time to look between two calls.
start x64 printf_loop -d 5000
P=$(field printf "$first")
bg x64 softbp "$pid" 'msvcrt!printf'
wait_for "$tmp/bg" '^hit 1 '
int3_back() { [ "$(bytes "$pid" "$P" 1)" = cc ]; }
await int3_back		# the hit's single-step is done when the INT3 is back
saved=$(sed -n 's/^breakpoint 1 at .* saved byte \(..\), wrote cc.*/\1/p' "$tmp/bg" | tr -d '\r')
$RUN taskkill /F /PID "$($RUN build/x64/procs.exe | tr -d '\r' | awk '$5 == "softbp.exe" { print $1 }')" > /dev/null
bg_wait
unlike "$tmp/stdout" 'breakpoints removed' "killed softbp: no cleanup ran"
is "$(disk "$pid" "$P" 16)" "+0x0 disk $saved memory cc" "killed softbp: the INT3 stays in printf"
ok "killed softbp: the target runs on, for now" running "$pid"
ok "killed softbp: the next call kills it" gone "$pid"
if [ -n "$RUN" ]; then
	like "$out" '^wine: Unhandled exception 0x80000003 ' \
	    "killed softbp: Wine reports an unhandled breakpoint exception"
else
	skip "killed softbp: Wine reports an unhandled breakpoint exception" "not under Wine"
fi

start x64 printf_loop -d 5000
bg x64 hwbp "$pid" e1 'msvcrt!printf'
wait_for "$tmp/bg" '^hit 1 '
sleep 0.5	# the hit answered, the tool waits
if hw=$(winproc hwbp "$pid"); then kill -KILL "$hw"; else
	fail "killed hwbp: there is an hwbp.exe debugging pid $pid to kill"
fi
bg_wait
unlike "$tmp/stdout" 'breakpoints removed' "killed hwbp: no cleanup ran"
is "$(dr7s "$pid")" "1 " "killed hwbp: DR7 stays set: slot 0, execute"
is "$(code "$pid")" same "killed hwbp: no code changed"
ok "killed hwbp: the target runs on, for now" running "$pid"
ok "killed hwbp: the next call kills it" gone "$pid"
if [ -n "$RUN" ]; then
	like "$out" '^wine: Unhandled exception 0x80000004 ' \
	    "killed hwbp: Wine reports an unhandled single-step exception"
else
	skip "killed hwbp: Wine reports an unhandled single-step exception" "not under Wine"
fi

done_testing
