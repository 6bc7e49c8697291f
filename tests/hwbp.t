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
	like "$tmp/stdout" "^DR7 before: 00000000$" "$combo: -v: DR7 before"
	like "$tmp/stdout" "^DR7 after: 00000001$" "$combo: -v: DR7 after: L0, execute, 1 byte"
	like "$tmp/stdout" "^  L0=1 G0=0 RW0=00 \\(execute\\) LEN0=00 \\(1 byte\\)$" "$combo: -v decodes slot 0"
	is "$(bytes "$pid" "$P" 16)" "$before" "$combo: printf's code never changed"
	is "$(dr7s "$pid")" "0 " "$combo: DR7 is zero on every thread afterwards"
	ok "$combo: the target keeps printing" grows "$out"
	stop "$pid"

	# Write: each hit names counter's write instruction, and the new value.
	start "$a" counter
	wait_for "$out" '^tick 1'	# attach to a program in its steady loop
	C=$(field counter "$first") W=$(field write "$first") R=$(field read "$first")
	base=$(field base "$first")
	tool "$t" hwbp -n 3 "$pid" w4 "$C"
	is "$(grep -c "^hit [0-9]*  tid [0-9]*  DR0 (write, 4 bytes) at counter+0x" "$tmp/stdout")" 3 \
	    "$combo: 3 write hits on the counter"
	is "$(grep -c "^    counter+0x[0-9a-f]*: mov .*<- already run: a data breakpoint fires after the access$" "$tmp/stdout")" 3 \
	    "$combo: each names the instruction, already run"
	# Every hit names counter+OFF, the write= address the target printed.
	is "$(sed -n 's/^    counter+\(0x[0-9a-f]*\): mov .*/\1/p' "$tmp/stdout" | sort -u)" \
	    "$(printf '0x%x' $((W - base)))" "$combo: always counter's write= instruction"
	like "$tmp/stdout" "^DR0 = counter\\+0x[0-9a-f]+ \\($C\\), write, 4 bytes, value " "$combo: DR0 holds the counter's address"
	is "$(grep -c '^    value 0x[0-9a-f]* (was 0x[0-9a-f]*)$' "$tmp/stdout")" 3 "$combo: each write changed the value"

	# Read/write: the reads are the read= instruction, the writes write=.
	tool "$t" hwbp -n 4 "$pid" rw4 "$C"
	sed -n 's/^    counter+\(0x[0-9a-f]*\): mov .*/\1/p' "$tmp/stdout" | sort -u > "$tmp/offs"
	is "$(wc -l < "$tmp/offs")" 2 "$combo: rw4 sees two instructions"
	exp=$(printf '0x%x\n0x%x\n' $(($(printf '%d' "$R") - base)) $(($(printf '%d' "$W") - base)) | sort)
	is "$(cat "$tmp/offs")" "$exp" "$combo: exactly counter's read= and write= instructions"
	like "$tmp/stdout" "^    value 0x[0-9a-f]+ \\(unchanged: a read\\)$" "$combo: a read leaves the value"
	is "$(dr7s "$pid")" "0 " "$combo: DR7 zero on every thread after the data watches"
	ok "$combo: counter keeps ticking" grows "$out"
	stop "$pid"
done

# A thread created after the breakpoint was set gets it too.  Each worker
# calls spin_threads!work in its own time slot: under Wine 8, threads that
# hit a hardware breakpoint at the same moment can wedge (see lesson 05).
start x86 spin_threads -l 2 -d 1500 2
tool x64 hwbp -s 5 "$pid" e1 'spin_threads!work'
is "$rc" 0 "hwbp on spin_threads!work: exit 0"
wait_for "$out" '^late tids='
late=$(sed -n 's/^late tids=//p' "$out" | tr -d '\r' | tr ',' ' ')
ok "spin_threads started two late threads" [ -n "$late" ]
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
start x64 spin_threads -x -l 1 -d 200 1
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
like "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached' "Ctrl-C: hwbp cleans up"
is "$(dr7s "$pid")" "0 " "Ctrl-C: DR7 zero on every thread"
ok "Ctrl-C: counter keeps ticking" grows "$out"
stop "$pid"

# crc_check sees the debug registers, never a changed byte.
start x86 crc_check
tool x64 hwbp -s 3 "$pid" e1 'crc_check!checked'
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
tool x64 hwbp "$pid" w4 "$(printf '0x%x' $(($(printf '%d' "$C") + 2)))"
is "$rc" 1 "unaligned w4: exit 1"
like "$tmp/stderr" "^hwbp: w4 0x[0-9a-f]+: 0x[0-9a-f]+ is not aligned to 4 bytes" "unaligned w4: says why"
tool x64 hwbp "$pid" w8 "$C"
is "$rc" 1 "w8 on a 32-bit target: exit 1"
like "$tmp/stderr" "^hwbp: w8 $C: length 8 needs a 64-bit target; pid $pid is 32-bit$" "w8 on x86: says why"
tool x64 hwbp "$pid" w4 'kernel32!NoSuchThing'
is "$rc" 1 "unknown export: exit 1"
ok "unknown export: one line" one_line "$tmp/stderr"
tool x64 hwbp "$pid" q4 "$C"
is "$rc" 2 "unknown kind: exit 2"
is "$(dr7s "$pid")" "0 " "after every refusal DR7 is still zero"
ok "the target keeps ticking" grows "$out"

done_testing
