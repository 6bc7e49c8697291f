#!/bin/sh
# regs prints exactly the values known_regs loaded, on x86, x64 and WOW64.
. "$(dirname "$0")/lib.sh"

# decoded HEX: the line regs -a prints for EFLAGS = 0xHEX: the I/O
# privilege level and WinDbg's word for each flag, then the flags set.
decoded() {
	_e=$((0x$1)) _w="iopl=$(((_e >> 12) & 3))" _n=
	for _f in 0x800:ov:nv 0x400:dn:up 0x200:ei:di 0x80:ng:pl 0x40:zr:nz \
	    0x10:ac:na 0x4:pe:po 0x1:cy:nc; do
		_b=${_f%%:*} _on=${_f#*:} _off=${_on#*:} _on=${_on%:*}
		[ $((_e & _b)) -ne 0 ] && _w="$_w $_on" || _w="$_w $_off"
	done
	for _f in 0x1:CF 0x4:PF 0x10:AF 0x40:ZF 0x80:SF 0x100:TF 0x200:IF \
	    0x400:DF 0x800:OF 0x4000:NT 0x10000:RF 0x20000:VM 0x40000:AC \
	    0x200000:ID; do
		[ $((_e & ${_f%:*})) -ne 0 ] && _n="$_n ${_f#*:}"
	done
	echo "efl: $_w  set:${_n:- -}"
}

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

	# -a: every thread's EFLAGS, decoded bit by bit from its efl= value.
	tool "$t" regs -a "$pid"
	is "$rc" 0 "$combo: regs -a exits 0"
	sed -n 's/.* efl=\([0-9a-f]*\)$/\1/p' "$tmp/stdout" > "$tmp/efl"
	is "$(grep '^efl: ' "$tmp/stdout")" "$(while read -r e; do decoded "$e"; done < "$tmp/efl")" \
	    "$combo: -a decodes each thread's EFLAGS ($(tr '\n' ' ' < "$tmp/efl")) bit by bit"
	is "$(wc -l < "$tmp/efl")" "$(grep -c '^thread ' "$tmp/stdout")" "$combo: -a: an efl for every thread"

	# -a -t: segments, debug registers, decoded flags.
	tool "$t" regs -a -t "$main" "$pid"
	is "$rc" 0 "$combo: regs -a -t exits 0"
	is "$(grep -c '^thread ' "$tmp/stdout")" 1 "$combo: -t shows one thread"
	like "$tmp/stdout" "^ ?cs=00[0-9a-f]{2} " "$combo: -a shows segment registers"
	like "$tmp/stdout" "dr7=0+ *$" "$combo: -a shows dr7, clear"
	like "$tmp/stdout" "^dr7 slot 3: L3=0 G3=0 RW3=00 \(execute\) LEN3=00" \
	    "$combo: -a decodes DR7 slot by slot"

	# Detached, not killed: a second look finds the same values.
	tool "$t" regs -t "$main" "$pid"
	is "$rc" 0 "$combo: regs -t exits 0"
	like "$tmp/stdout" "$ip=$want " "$combo: the target still spins after detach"
	stop "$pid"
done

# The launch form stops at the loader's breakpoint, with no break-in thread.
tool x64 regs -- build/x64/printf_loop.exe -n 1
is "$rc" 0 "regs -- program exits 0"
like "$tmp/stdout" "^pid [0-9]+: x64, 1 threads$" "regs -- program: one thread, at the loader's breakpoint"
like "$tmp/stdout" "^rip=" "regs -- program prints registers"
unlike "$tmp/stdout" "break-in" "a launched target has no break-in thread"
wait_for "$tmp/stdout.crlf" '^going\.\.\.1$' &&
    pass "and the program runs on once regs detaches"

# After regs detaches from printf_loop, its output keeps growing.
start x86 printf_loop
tool x64 regs "$pid"
is "$rc" 0 "regs on printf_loop exits 0"
ok "printf_loop keeps printing after regs detached" grows "$out"

done_testing
