#!/bin/sh
# stepper: single steps, step over, step out and rep on known_regs and
# calls, on x86, x64 and WOW64, traced and interactive; what it did is
# checked against the target's own addresses, and its thread's registers
# and stack as tests/inspect.c sees them; bad input; nothing left behind.
. "$(dirname "$0")/lib.sh"

# steps ARCH PID COMMANDS...: run an interactive session fed from a pipe.
steps() {
	_a=$1 _p=$2; shift 2
	printf '%s\n' "$@" > "$tmp/cmds"
	timeout -k 5 90 $RUN "build/$_a/stepper.exe" "$_p" < "$tmp/cmds" \
	    > "$tmp/stdout.crlf" 2> "$tmp/stderr.crlf"
	rc=$?
	tr -d '\r' < "$tmp/stdout.crlf" > "$tmp/stdout"
	tr -d '\r' < "$tmp/stderr.crlf" > "$tmp/stderr"
}

# session ARCH PID: start an interactive session that takes its commands
# one at a time, from send CMD, so that the target can be looked at from
# outside between them; its output goes to $tmp/session.  end_session:
# quit it, and set $rc.  (A session that ended early is no reason for
# the test to die of SIGPIPE.)
session() {
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	: > "$tmp/session"
	timeout -k 5 90 $RUN "build/$1/stepper.exe" "$2" < "$tmp/fifo" \
	    > "$tmp/session" 2>&1 &
	spid=$!
	exec 3> "$tmp/fifo"
}
send() { (trap '' PIPE; printf '%s\n' "$1" >&3) 2>/dev/null; }
end_session() { send q; exec 3>&-; wait "$spid"; rc=$?; }

# outputs N REGEX: wait until N lines of the session match (within
# $PATIENCE s); a wait that runs out is a failed test.
outputs() {
	wait_lines "$tmp/session" "$2" "$1" && return 0
	fail "$1 lines matching /$2/ within $PATIENCE s"
	tr -d '\r' < "$tmp/session" | tail -n 20 | diag "$(cat)"
	return 1
}

# regs_of PID TID: the thread's ip, sp and efl as inspect reads them (hex,
# no 0x), in $ip, $sp_ and $efl; empty if the look failed.
regs_of() {
	set -- $(look "$1" regs | awk -v t="$2" '$1 == t { print $2, $3, $4 }' | tr '=' ' ')
	ip=$2 sp_=$4 efl=$6
}

# word PID ADDR WIDTH: the little-endian value of WIDTH bytes at ADDR, in
# hex like reg's; empty if the look failed.
word() {
	_w=$(bytes "$1" "$2" "$3" | sed -n 's/^\([0-9a-f]*\)$/\1/p' |
	    sed 's/../& /g' | awk '{ for (i = NF; i > 0; i--) printf "%s", $i }')
	[ -n "$_w" ] && printf '%x\n' "0x$_w"
}

# call_to AT DEST: the bytes of a 5-byte "call DEST" that ends at AT, as
# bytes prints them: e8 and the displacement, little-endian.
call_to() {
	printf 'e8%s\n' "$(printf '%08x' $((($2 - $1) & 0xffffffff)) |
	    sed 's/../& /g' | awk '{ print $4 $3 $2 $1 }')"
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	if [ "$a" = x86 ]; then w=8 sp=esp ax=eax ptr=4; else w=16 sp=rsp ax=rax ptr=8; fi

	# The jmp-to-itself: N steps at one address, and nothing changes.
	start "$a" known_regs
	spin=$(field spin "$first")
	look "$pid" regs > "$tmp/regs0"
	main=$(awk -v ip="ip=${spin#0x}" '$2 == ip { print $1 }' "$tmp/regs0")
	ok "$combo: inspect finds the thread on the jmp at $spin" [ -n "$main" ]
	regs_of "$pid" "$main"
	efl0=$efl
	tool "$t" stepper -n 5 "$pid"
	is "$rc" 0 "$combo: stepper -n 5 exits 0"
	is "$(grep -c "^ *[0-9]*  known_regs+0x[0-9a-f]* *eb fe *jmp $spin *$" "$tmp/stdout")" 5 \
	    "$combo: 5 steps on the jmp at $spin, no register changed"
	like "$tmp/stdout" "^5 steps; done; breakpoints removed, detached, the target keeps running$" "$combo: summary"
	# The steps begin once the break-in thread has ended, at its exit.
	breakin=$(sed -n 's/^pid .*: attached; .* in tid \([0-9]*\) -- .*/\1/p' "$tmp/stdout")
	is "$(sed -n 2p "$tmp/stdout")" "tid $breakin: the break-in thread ended; the target is stopped at its exit" \
	    "$combo: the first step after the break-in thread ($breakin) ended"
	# The flags as before the steps: no TF (nor RF) left behind.
	regs_of "$pid" "$main"
	is "$ip $efl" "${spin#0x} $efl0" \
	    "$combo: afterwards the thread spins on with its flags as before ($efl0), TF clear"
	tool "$t" regs -t "$main" "$pid"
	like "$tmp/stdout" "^$(printf '%s' "${ax}")=a1a1a1a1" "$combo: the registers are the target's still"
	stop "$pid"

	start "$a" calls
	O=$(field outer "$first") M=$(field middle "$first")
	Bt=$(field bottom "$first") Rc=$(field recurse "$first")
	before=$(bytes "$pid" "$O" 16)

	# Step over outer's call to middle: at the next instruction, with
	# middle's return value (42) in eax/rax.
	steps "$t" "$pid" 'b calls!outer' c p 'u 1' q
	is "$rc" 0 "$combo: interactive session exits 0"
	like "$tmp/stdout" "^breakpoint: tid [0-9]+ at calls!outer: e8 " "$combo: stopped at outer's call"
	like "$tmp/stdout" "^ *[0-9]+  calls!outer +e8 .*call .* $ax=0*2a .*\\(stepped over the call\\)$" \
	    "$combo: step over: $ax=0x2a, middle's result"
	like "$tmp/stdout" "^  calls!outer\\+0x5 .* add " "$combo: and the next instruction is outer+5"
	unchanged "$(bytes "$pid" "$O" 16)" "$before" "$combo: no INT3 left in outer"

	# Step out of bottom (recursion depth 0), then out of recurse once
	# more, with the thread's IP, stack pointer and return address read
	# from outside before and after each.
	session "$t" "$pid"
	send 'b calls!bottom'
	send c
	outputs 1 '^breakpoint: tid [0-9]+ at calls!bottom:' &&
	tid=$(sed -n 's/^breakpoint: tid \([0-9]*\) at calls!bottom:.*/\1/p' "$tmp/session" | tr -d '\r')
	regs_of "$pid" "$tid"
	ip0=$ip sp0=$sp_
	is "0x$ip0" "$Bt" "$combo: c stops the thread at bottom=$Bt"
	ret=$(word "$pid" "0x$sp0" "$ptr")
	send o
	outputs 1 '^returned to '
	regs_of "$pid" "$tid"
	ip1=$ip sp1=$sp_
	is "$ip1" "$ret" "$combo: out of bottom: at the return address that was on the stack (0x$ret)"
	is "$(printf '%x' $((0x${sp1:-0} - 0x${sp0:-0})))" "$(printf '%x' "$ptr")" \
	    "$combo: out of bottom: $sp rose by the return address alone ($sp0 -> $sp1)"
	is "$(bytes "$pid" "0x$(printf '%x' $((0x${ip1:-0} - 5)))" 5)" "$(call_to "0x${ip1:-0}" "$Bt")" \
	    "$combo: out of bottom: just after recurse's call to bottom"
	send o
	outputs 2 '^returned to '
	regs_of "$pid" "$tid"
	ip2=$ip sp2=$sp_
	ok "$combo: out of recurse: one frame up ($sp1 -> $sp2)" [ $((0x${sp2:-0})) -gt $((0x${sp1:-0})) ]
	is "$(bytes "$pid" "0x$(printf '%x' $((0x${ip2:-0} - 5)))" 5)" "$(call_to "0x${ip2:-0}" "$Rc")" \
	    "$combo: out of recurse: just after recurse's call to itself"
	end_session
	is "$rc" 0 "$combo: the step-out session exits 0"
	tr -d '\r' < "$tmp/session" > "$tmp/stdout"
	# What the tool said of each, against what inspect saw.
	for w in "1 $sp0 $sp1 $ip1" "2 $sp1 $sp2 $ip2"; do
		set -- $w
		like "$tmp/stdout" "^returned to calls!recurse\\+0x$(printf '%x' $((0x${4:-0} - Rc)))  $sp=0*${3:-none} \\(was 0*${2:-none}\\)$" \
		    "$combo: step-out $1 reports where it returned and the stack pointers inspect saw"
	done

	# rep movsb: one trap per byte, and pushf does not leak TF.
	steps "$t" "$pid" 'b calls!copy_rep' c s s s s s s s s s s s s s s q
	is "$(grep -c '  rep movsb ' "$tmp/stdout")" 5 "$combo: rep movsb traps 5 times for 5 bytes"
	like "$tmp/stdout" "rep: one trap per iteration, [er]cx=1 left" "$combo: the count goes down"
	like "$tmp/stdout" "pushf.*\\(pushf copied TF to the stack; cleared it there\\)$" "$combo: pushf's copy of TF is cleared"
	popped=$(sed -n "s/.*  pop  *$ax  *.* $ax=\\([0-9a-f]*\\).*/\\1/p" "$tmp/stdout")
	case $popped in
	''|*[!0-9a-f]*) fail "$combo: the flags popped into $ax have no TF"; diag "no pop $ax line" ;;
	*) ok "$combo: the flags popped into $ax have no TF ($popped)" [ $((0x$popped & 0x100)) -eq 0 ] ;;
	esac

	# --blocks runs straight code on one breakpoint, yet prints the very
	# same instructions as stepping each: compare from outer() on.
	tool "$t" stepper -n 600 -o "$tmp/single" "$pid"
	tool "$t" stepper --blocks -n 600 -o "$tmp/blocks" "$pid"
	like "$tmp/stdout" "^[0-9]+ steps in [0-9]+ ms: [0-9]+ steps/s$" "$combo: --blocks reports its rate"
	for f in single blocks; do
		tr -d '\r' < "$tmp/$f" | awk '$2 == "calls!outer" { on = 1 } on { print $2 }' | head -n 150 > "$tmp/$f.addrs"
	done
	is "$(wc -l < "$tmp/blocks.addrs")" 150 "$combo: both traces pass through outer"
	ok "$combo: --blocks gives the same trace as single steps" cmp -s "$tmp/single.addrs" "$tmp/blocks.addrs"
	# One event per block: its INT3 stays, the branch under it emulated.
	# (A block of calls has six or more instructions on average, the
	# code around Sleep and printf three or more.)
	summary=$(grep ' blocks, ' "$tmp/stdout")
	like "$tmp/stdout" "^[0-9]+ blocks, [0-9]+ ending at an INT3 that stays; [1-9][0-9]* branches emulated; [0-9]+ debug events; other threads passed the INT3s 0 times$" \
	    "$combo: --blocks says what its INT3s did"
	nsteps=$(sed -n 's/^\([0-9]*\) steps in .*/\1/p' "$tmp/stdout")
	nevents=$(printf '%s\n' "$summary" | sed -n 's/.* \([0-9]*\) debug events.*/\1/p')
	ok "$combo: --blocks takes under one debug event per four steps ($nevents for $nsteps)" \
	    [ $((${nevents:-9999} * 4)) -lt "${nsteps:-0}" ]
	is "$(code "$pid")" same "$combo: after --blocks, all its code is as on disk"

	# Unknown commands: a message, and the session goes on.
	steps "$t" "$pid" frob 'u 1' q
	is "$(cat "$tmp/stderr")" 'stepper: unknown command "frob" (s, p, o, c, b LOCATION, r, u [N], q)' \
	    "$combo: an unknown command is named"
	like "$tmp/stdout" "^  ntdll!" "$combo: and the next command still runs"
	unchanged "$(bytes "$pid" "$O" 16)" "$before" "$combo: outer's bytes as before"

	# --att and -i: AT&T syntax, interactive although -n is given.  The
	# add in outer names the target's effect= variable.
	E=$(field effect "$first")
	steps "$t" "$pid" 'b calls!outer' c 'u 2' s r q
	cp "$tmp/stdout" "$tmp/intel"
	tool "$t" stepper --att -i -n 3 "$pid" < "$tmp/cmds"
	is "$rc" 0 "$combo: --att -i exits 0"
	if [ "$a" = x86 ]; then
		like "$tmp/stdout" "^  calls!outer\\+0x5 .*  addl \\\$0x64, $E$" \
		    "$combo: --att: outer's add, AT&T, to effect=$E"
	else
		d=$(sed -n 's/^  calls!outer+0x5 .*  addl \$0x64, \(0x[0-9a-f]*\)(%rip)$/\1/p' "$tmp/stdout")
		is "$(printf '0x%x' $((O + 12 + ${d:-0})))" "$E" \
		    "$combo: --att: outer's add, AT&T, %rip-relative to effect=$E"
	fi
	like "$tmp/intel" "^  calls!outer\\+0x5 .*  add dword ptr \\[" "$combo: and the same add in Intel syntax without --att"
	like "$tmp/stdout" "^[er]ip=0*${M#0x} " "$combo: -i: s stepped into middle=$M, as r shows"
	like "$tmp/stdout" "^1 step; done; breakpoints removed, detached, the target keeps running$" \
	    "$combo: -i: one step, the commands', not -n's"
	unlike "$tmp/stdout" ' steps in [0-9]+ ms' "$combo: -i: no trace"

	# --over, traced: calls are run, not entered, and come back with the
	# values the target's functions return: outer 42, recurse(4) 4,
	# nofp(3, 4) 19, add_cdecl(1, 2) 3, add_stdcall(3, 4) 7.
	tool "$t" stepper --over -n 120 "$pid"
	is "$rc" 0 "$combo: --over -n 120 exits 0"
	for fv in outer:2a recurse:4 nofp:13 add_cdecl:3 add_stdcall:7; do
		f=${fv%:*} v=${fv#*:}
		like "$tmp/stdout" "^ +[0-9]+  calls!main\\+0x[0-9a-f]+ +e8 [0-9a-f ]+ +call $(field "$f" "$first") .* $ax=0*$v( .*)?  \\(stepped over the call\\)$" \
		    "$combo: --over: main's call to $f is stepped over, $ax=0x$v"
	done
	unlike "$tmp/stdout" "^ +[0-9]+  calls!(outer|middle|inner|recurse|bottom|nofp|add_|copy_rep)" \
	    "$combo: --over: no step inside a function main calls"
	like "$tmp/stdout" "^120 steps; done; breakpoints removed, detached, the target keeps running$" \
	    "$combo: --over: 120 steps"
	ok "$combo: calls keeps running" grows "$out"
	stop "$pid"

	# --out on a program the stepper starts, stopped at the loader's
	# breakpoint on ntdll!DbgBreakPoint's ret: back to its caller.  First
	# interactively, with the registers before and after (the program
	# runs on, to be looked at), then traced.
	printf '%s\n' r o r q > "$tmp/cmds"
	tool "$t" stepper -- "build/$a/calls.exe" < "$tmp/cmds"
	lpid=$(sed -n 's/^pid \([0-9]*\) .*: started; .*/\1/p' "$tmp/stdout")
	winpids="$winpids $lpid"
	is "$rc" 0 "$combo: o -- calls exits 0"
	sed -n "s/^[er]ip=0*\([0-9a-f]*\) $sp=0*\([0-9a-f]*\) .*/\1 \2/p" "$tmp/stdout" > "$tmp/ipsp"
	read -r ip0 sp0 < "$tmp/ipsp"
	set -- $(sed -n 2p "$tmp/ipsp")
	ip0=${ip0:-0} sp0=${sp0:-0} ip1=${1:-0} sp1=${2:-0}
	back=$(sed -n "s/^returned to \([^ ]*\)  $sp=0*$sp1 (was 0*$sp0)$/\1/p" "$tmp/stdout")
	ok "$combo: o: returned to $back, the stack pointers as r shows them" [ -n "$back" ]
	is "$(bytes "$lpid" "0x$ip0" 1)" c3 "$combo: o: from a ret (at 0x$ip0)"
	is "$(printf '%x' $((0x$sp1 - 0x$sp0)))" "$(printf '%x' "$ptr")" \
	    "$combo: o: $sp rose by the return address alone"
	is "$(bytes "$lpid" "0x$(printf '%x' $((0x$ip1 - 5)))" 5)" \
	    "$(call_to "0x$ip1" "0x$(printf '%x' $((0x$ip0 - 1)))")" \
	    "$combo: o: to just after a call to DbgBreakPoint"
	stop "$lpid"
	tool "$t" stepper --out -n 50 -- "build/$a/calls.exe"
	lpid=$(sed -n 's/^pid \([0-9]*\) .*: started; .*/\1/p' "$tmp/stdout")
	winpids="$winpids $lpid"
	stop "$lpid"
	is "$rc" 0 "$combo: --out -n 50 -- calls exits 0"
	like "$tmp/stdout" "^ +1  ntdll!DbgBreakPoint\\+0x1 +c3 +ret " "$combo: --out: one step, DbgBreakPoint's ret"
	set -- $(sed -n "s/^returned to \([^ ]*\)  $sp=\([0-9a-f]*\) (was \([0-9a-f]*\))$/\1 \2 \3/p" "$tmp/stdout")
	is "${1:-none}" "$back" "$combo: --out: returned to the same place as o"
	is "$(printf '%x' $((0x${2:-0} - 0x${3:-0})))" "$(printf '%x' "$ptr")" \
	    "$combo: --out: $sp rose by the return address alone"
	like "$tmp/stdout" "^1 step; done; breakpoints removed, detached, the target keeps running$" \
	    "$combo: --out: one step, and done"
done

# Ctrl-C while c waits for a breakpoint that is never hit: a break-in
# brings the session back to the prompt; a second Ctrl-C there ends it.
start x64 calls
B=$(field bottom "$first")
before=$(bytes "$pid" "$B" 16)
{ printf 'b 0x1\nb kernel32!Beep\nc\n'; sleep 30; } | $RUN build/x64/stepper.exe "$pid" > "$tmp/ctrlc" 2>&1 &
wait_for "$tmp/ctrlc" '^breakpoint at kernel32!Beep'
grows "$out"	# c under way: the target, held at the prompt, runs again
interrupt stepper "$pid"
wait_for "$tmp/ctrlc" "^stopped by tid [0-9]+, the break-in's thread; "
like "$tmp/ctrlc" "^stopped by tid [0-9]+, the break-in's thread; tid [0-9]+ at " \
    "Ctrl-C during c: the break-in stops the target, back to the prompt"
interrupt stepper "$pid"
wait_for "$tmp/ctrlc" 'steps?; interrupted; breakpoints removed, detached'
tr -d '\r' < "$tmp/ctrlc" > "$tmp/stdout"
like "$tmp/stdout" '^0 steps; interrupted; breakpoints removed, detached, the target keeps running$' \
    "a second Ctrl-C, at the prompt: stepper cleans up"
beep=$(sed -n 's/^breakpoint at kernel32!Beep (\(0x[0-9a-f]*\))$/\1/p' "$tmp/stdout")
is "$(disk "$pid" "$beep" 16)" same "Ctrl-C: kernel32!Beep ($beep) is as on disk: no INT3 left"
like "$tmp/stdout" "^stepper: 0x1: ReadProcessMemory\\(0x1\\): .+ \\([0-9]+\\)$" \
    "a bad breakpoint address is refused, the session goes on"
ok "Ctrl-C: calls keeps running" grows "$out"

# Bad input.
tool x64 stepper -t 99999 "$pid"
is "$rc" 1 "-t of a thread not in the target: exit 1"
is "$(cat "$tmp/stderr")" "stepper: -t 99999: no such thread in pid $pid" "and says so"
for n in 0:'too small' -1:negative x:'not a number'; do
	tool x64 stepper -n "${n%%:*}" "$pid"
	is "$rc" 2 "-n ${n%%:*}: exit 2"
	is "$(cat "$tmp/stderr")" "stepper: -n: \"${n%%:*}\": ${n#*:}" "-n ${n%%:*}: one line, naming it"
done
unchanged "$(bytes "$pid" "$B" 16)" "$before" "bad input leaves the target alone"
stop "$pid"

# A program that sets TF itself keeps its own single-step exceptions:
# every round it counts one; after the session, a new round still has
# caught as many as it raised.
start x64 tf_self
steps x64 "$pid" 'b tf_self!marker' c c c q
is "$rc" 0 "tf_self: the session exits 0"
is "$(grep -c '^breakpoint: tid [0-9]* at tf_self!marker' "$tmp/stdout")" 3 "tf_self: c stops at marker each round"
is "$(grep -c "^tid [0-9]*: EXCEPTION_SINGLE_STEP (0x80000004) at tf_self!trapped+0x1; it goes to the target's own handlers$" "$tmp/stdout")" 3 \
    "tf_self: its own single-steps are named and passed on"
r0=$(tr -d '\r' < "$out" | sed -n 's/^round \([0-9]*\) .*/\1/p' | tail -n 1)
r2=$((${r0:-0} + 2))
wait_for "$out" "^round $r2 caught "
is "$(tr -d '\r' < "$out" | grep "^round $r2 caught ")" "round $r2 caught $r2" \
    "tf_self: every single-step it raised reached its own handler, two rounds after the session"
stop "$pid"

# The target exits while we run.
printf 'c\n' > "$tmp/cmds"
tool x86 stepper -- build/x86/printf_loop.exe -n 2 < "$tmp/cmds"
is "$rc" 0 "the target exits during c: exit 0"
like "$tmp/stdout" "^the target exited$" "the target exits during c: said so"
like "$tmp/stdout" "^0 steps; the target exited; nothing left to clean up$" "and nothing is left to clean"

done_testing
