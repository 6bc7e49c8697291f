#!/bin/sh
# stepper: single steps, step over, step out and rep on known_regs and
# calls, on x86, x64 and WOW64; bad input; nothing left behind.
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

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	if [ "$a" = x86 ]; then w=8 sp=esp ax=eax ptr=4; else w=16 sp=rsp ax=rax ptr=8; fi

	# The jmp-to-itself: N steps at one address, and nothing changes.
	start "$a" known_regs
	spin=$(field spin "$first")
	tool "$t" stepper -n 5 "$pid"
	is "$rc" 0 "$combo: stepper -n 5 exits 0"
	is "$(grep -c "^ *[0-9]*  known_regs+0x[0-9a-f]* *eb fe *jmp $spin *$" "$tmp/stdout")" 5 \
	    "$combo: 5 steps on the jmp at $spin, no register changed"
	like "$tmp/stdout" "^5 steps; done; breakpoints removed, detached" "$combo: summary"
	tool "$t" regs "$pid"
	like "$tmp/stdout" "efl=00000(2|3)[0-9a-f]{2}$" "$combo: TF is clear afterwards"
	like "$tmp/stdout" "^$(printf '%s' "${ax}")=a1a1a1a1" "$combo: the registers are the target's still"
	stop "$pid"

	start "$a" calls
	O=$(field outer "$first")
	before=$(bytes "$pid" "$O" 16)

	# Step over outer's call to middle: at the next instruction, with
	# middle's return value (42) in eax/rax.
	steps "$t" "$pid" 'b calls!outer' c p 'u 1' q
	is "$rc" 0 "$combo: interactive session exits 0"
	like "$tmp/stdout" "^breakpoint: tid [0-9]+ at calls!outer: e8 " "$combo: stopped at outer's call"
	like "$tmp/stdout" "^ *[0-9]+  calls!outer +e8 .*call .* $ax=0*2a .*\\(stepped over the call\\)$" \
	    "$combo: step over: $ax=0x2a, middle's result"
	like "$tmp/stdout" "^  calls!outer\\+0x5 .* add " "$combo: and the next instruction is outer+5"
	is "$(bytes "$pid" "$O" 16)" "$before" "$combo: no INT3 left in outer"

	# Step out of bottom (recursion depth 0), then out of recurse once more.
	steps "$t" "$pid" 'b calls!bottom' c o o q
	sed -n "s/^returned to \\(calls!recurse+0x[0-9a-f]*\\)  $sp=\\([0-9a-f]*\\) (was \\([0-9a-f]*\\))$/\\1 \\2 \\3/p" \
	    "$tmp/stdout" > "$tmp/outs"
	is "$(wc -l < "$tmp/outs")" 2 "$combo: two step-outs, both back in recurse"
	read -r where1 new1 old1 < "$tmp/outs"
	is "$(printf '%x' $((0x$new1 - 0x$old1)))" "$(printf '%x' "$ptr")" \
	    "$combo: out of bottom: $sp rose by the return address alone"
	set -- $(sed -n 2p "$tmp/outs")
	ok "$combo: out of recurse: one frame up" [ $((0x${2:-0})) -gt $((0x${3:-0})) ]

	# rep movsb: one trap per byte, and pushf does not leak TF.
	steps "$t" "$pid" 'b calls!copy_rep' c s s s s s s s s s s s s s s q
	is "$(grep -c '  rep movsb ' "$tmp/stdout")" 5 "$combo: rep movsb traps 5 times for 5 bytes"
	like "$tmp/stdout" "rep: one trap per iteration, [er]cx=1 left" "$combo: the count goes down"
	like "$tmp/stdout" "pushf.*\\(pushf copied TF to the stack; cleared it there\\)$" "$combo: pushf's copy of TF is cleared"
	popped=$(sed -n "s/.*  pop  *$ax  *.* $ax=\\([0-9a-f]*\\).*/\\1/p" "$tmp/stdout")
	ok "$combo: the flags popped into $ax have no TF ($popped)" [ $((0x$popped & 0x100)) -eq 0 ]

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

	# Unknown commands: a message, and the session goes on.
	steps "$t" "$pid" frob 'u 1' q
	is "$(cat "$tmp/stderr")" 'stepper: unknown command "frob" (s, p, o, c, b LOCATION, r, u [N], q)' \
	    "$combo: an unknown command is named"
	like "$tmp/stdout" "^  ntdll!" "$combo: and the next command still runs"
	is "$(bytes "$pid" "$O" 16)" "$before" "$combo: outer's bytes as before"
	ok "$combo: calls keeps running" grows "$out"
	stop "$pid"
done

# Ctrl-C while c waits for a breakpoint that is never hit.
start x64 calls
B=$(field bottom "$first")
before=$(bytes "$pid" "$B" 16)
{ printf 'b 0x1\nb kernel32!Beep\nc\n'; sleep 30; } | $RUN build/x64/stepper.exe "$pid" > "$tmp/ctrlc" 2>&1 &
wait_for "$tmp/ctrlc" '^breakpoint at kernel32!Beep'
sleep 0.5
interrupt stepper "$pid"
wait_for "$tmp/ctrlc" 'steps?; interrupted; breakpoints removed, detached'
like "$tmp/ctrlc" 'interrupted; breakpoints removed, detached' "Ctrl-C: stepper cleans up"
beep=$(sed -n 's/^breakpoint at kernel32!Beep (\(0x[0-9a-f]*\))$/\1/p' "$tmp/ctrlc" | tr -d '\r')
ok "Ctrl-C: no INT3 left at kernel32!Beep ($beep)" [ "$(bytes "$pid" "$beep" 1)" != cc ]
like "$tmp/ctrlc" "^stepper: 0x1: ReadProcessMemory\\(0x1\\): " "a bad breakpoint address is refused, the session goes on"
ok "Ctrl-C: calls keeps running" grows "$out"

# Bad input.
tool x64 stepper -t 99999 "$pid"
is "$rc" 1 "-t of a thread not in the target: exit 1"
like "$tmp/stderr" "^stepper: -t 99999: no such thread in pid $pid$" "and says so"
for n in 0 -1 x; do
	tool x64 stepper -n "$n" "$pid"
	is "$rc" 2 "-n $n: exit 2"
	ok "-n $n: one line" one_line "$tmp/stderr"
done
is "$(bytes "$pid" "$B" 16)" "$before" "bad input leaves the target alone"
stop "$pid"

# A program that sets TF itself keeps its own single-step exceptions.
start x64 tf_self
steps x64 "$pid" 'b tf_self!marker' c c c q
is "$(grep -c '^breakpoint: tid [0-9]* at tf_self!marker' "$tmp/stdout")" 3 "tf_self: c stops at marker each round"
is "$(grep -c "^tid [0-9]*: EXCEPTION_SINGLE_STEP (0x80000004) at tf_self!trapped+0x1; it goes to the target's own handlers$" "$tmp/stdout")" 3 \
    "tf_self: its own single-steps are named and passed on"
wait_for "$out" 'round [0-9]+ caught'
sleep 0.5
last=$(grep '^round' "$out" | tail -n 1 | tr -d '\r')
is "$(echo "$last" | awk '{ print $2 }')" "$(echo "$last" | awk '{ print $4 }')" \
    "tf_self: every single-step it raised reached its own handler ($last)"
stop "$pid"

# The target exits while we run.
printf 'c\n' > "$tmp/cmds"
timeout 60 $RUN build/x86/stepper.exe -- build/x86/printf_loop.exe -n 2 < "$tmp/cmds" > "$tmp/stdout" 2>&1
like "$tmp/stdout" "the target exited" "the target exits during c: said so"
like "$tmp/stdout" "^0 steps; the target exited; nothing left to clean up" "and nothing is left to clean"

done_testing
