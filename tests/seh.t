#!/bin/sh
# seh finds the frame handler faults registered: on x86 (and WOW64) its
# record on the fs:[0] chain, at the address faults printed, with the
# handler it put there, newest first; on x64 the frame of in_frame(),
# whose .pdata entry names that handler.  The target runs on untouched.
. "$(dirname "$0")/lib.sh"

# hex N: N (0x-hex) in one spelling, for comparing.
hex() { printf '0x%x' "$(($1))"; }

# within A LO HI: LO <= A < HI, all three given.
within() { [ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ $(($1)) -ge $(($2)) ] && [ $(($1)) -lt $(($3)) ]; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" faults -w
	handler=$(field handler "$first")
	tool "$t" seh "$pid"
	is "$rc" 0 "$combo: seh exits 0"
	is "$(sed -n 1p "$tmp/stdout")" "pid $pid: $([ $a = x64 ] && echo x64 ||
	    { [ $t = x64 ] && echo 'x86 (WOW64)' || echo x86; }), 2 threads" \
	    "$combo: the target's two threads: its own and the break-in"
	like "$tmp/stdout" '^thread [0-9]+ \(break-in\): TEB 0x' "$combo: the break-in thread is named"
	# The target's own thread: the block that is not the break-in's.
	awk '/^thread / { mine = !/\(break-in\)/ } mine' "$tmp/stdout" > "$tmp/main"
	is "$(grep -c '^thread ' "$tmp/main")" 1 "$combo: one thread of the target's own"
	if [ $a = x86 ]; then
		frame=$(field frame "$first")
		got=$(awk '/^  0x[0-9a-f]+  0x[0-9a-f]+  / { print $1, $2; exit }' "$tmp/main")
		is "$(hex ${got% *}) $(hex ${got#* })" "$(hex $frame) $(hex $handler)" \
		    "$combo: the newest record is faults' own, at $frame, with its handler"
		like "$tmp/main" "^  0x0*${frame#0x}  0x0*${handler#0x}  faults!frame_handler$" \
		    "$combo: and the handler is named faults!frame_handler"
		lo=$(sed -n 's/^thread .*, stack \(0x[0-9a-f]*\)-.*/\1/p' "$tmp/main")
		hi=$(sed -n 's/^thread .*, stack 0x[0-9a-f]*-\(0x[0-9a-f]*\)$/\1/p' "$tmp/main")
		ok "$combo: the record lies in the thread's stack, $lo-$hi" \
		    within "$frame" "$lo" "$hi"
		is "$(tail -n 1 "$tmp/main")" "  0xffffffff  the end of the chain" \
		    "$combo: the chain ends at 0xffffffff"
	else
		fn=$(field function "$first")
		like "$tmp/main" "^ +[0-9]+  [0-9a-f]{16}  faults!in_frame\+0x[0-9a-f]+ +faults!in_frame \\($fn\\): handler $handler faults!frame_handler, for exceptions$" \
		    "$combo: the frame of in_frame, at $fn, names the handler at $handler"
		is "$(grep -c ' faults!frame_handler, ' "$tmp/main")" 1 \
		    "$combo: in one frame only"
		like "$tmp/main" '^  0  [0-9a-f]{16}  ntdll!NtDelayExecution\+0x[0-9a-f]+ ' \
		    "$combo: frame 0 is where the thread waits, in ntdll"
	fi
	is "$(code "$pid")" same "$combo: the target's code is as on disk"
	ok "$combo: the target is running" running "$pid"
	stop "$pid"
done

done_testing
