#!/bin/sh
# regs prints exactly the values known_regs loaded, on x86, x64 and WOW64.
. "$(dirname "$0")/lib.sh"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" known_regs
	spin=$(field spin "$first")
	tool "$t" regs "$pid"
	is "$rc" 0 "$combo: regs exits 0"
	like "$tmp/stdout" "^pid $pid: x$([ "$a" = x86 ] && echo 86 || echo 64)" \
	    "$combo: regs names the target's CPU"

	# Every value the target loaded, on the thread that spins.
	main=$(awk '/^thread / && !/break-in/ { print $2; exit }' "$tmp/stdout")
	awk -v t="$main" '/^thread / { on = ($2 == t) } on' "$tmp/stdout" > "$tmp/main"
	for kv in $(printf '%s\n' "$first" | tr ' ' '\n' | grep -Ev '^(pid|spin)='); do
		like "$tmp/main" "(^| )$kv( |\$)" "$combo: $kv"
	done
	ip=$( [ "$a" = x86 ] && echo eip || echo rip)
	want=$(printf "%0$([ "$a" = x86 ] && echo 8 || echo 16)x" "$spin")
	like "$tmp/main" "$ip=$want " "$combo: $ip is the spin address $spin"
	like "$tmp/stdout" "^thread [0-9]+  \(the debugger's break-in thread" \
	    "$combo: the break-in thread is marked"

	# -a: segments, debug registers, decoded flags.
	tool "$t" regs -a -t "$main" "$pid"
	is "$rc" 0 "$combo: regs -a -t exits 0"
	is "$(grep -c '^thread ' "$tmp/stdout")" 1 "$combo: -t shows one thread"
	like "$tmp/stdout" "^ ?cs=00[0-9a-f]{2} " "$combo: -a shows segment registers"
	like "$tmp/stdout" "dr7=0+ *$" "$combo: -a shows dr7, clear"
	like "$tmp/stdout" "^efl: iopl=0 (nv|ov) (up|dn) ei" "$combo: -a decodes EFLAGS"
	like "$tmp/stdout" "^dr7 slot 3: L3=0 G3=0 RW3=00 \(execute\) LEN3=00" \
	    "$combo: -a decodes DR7 slot by slot"

	# Detached, not killed: a second look finds the same values.
	tool "$t" regs -t "$main" "$pid"
	like "$tmp/stdout" "$ip=$want " "$combo: the target still spins after detach"
	stop "$pid"
done

# The launch form stops at the loader's breakpoint, with no break-in thread.
tool x64 regs -- build/x64/printf_loop.exe -n 1
is "$rc" 0 "regs -- program exits 0"
like "$tmp/stdout" "^rip=" "regs -- program prints registers"
unlike "$tmp/stdout" "break-in" "a launched target has no break-in thread"

# After regs detaches from printf_loop, its output keeps growing.
start x86 printf_loop
tool x64 regs "$pid"
ok "printf_loop keeps printing after regs detached" grows "$out"

done_testing
