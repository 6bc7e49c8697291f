#!/bin/sh
# emulate: every instruction form common/emu.c carries out, against the
# CPU.  tests/emucheck.c emulates each one at its label in targets/insns.c,
# then single-steps it for real from the same state, and compares every
# general register, the flags and the stack around SP; x86, x64, WOW64.
. "$(dirname "$0")/lib.sh"

# The labels, from the target's own export table.
labels=$(x86_64-w64-mingw32-objdump -p build/x64/insns.exe 2>/dev/null |
    awk '$NF ~ /^at_/ { print $NF }')
if [ -z "$labels" ]; then
	labels=$(sed -n 's/.*-export:\(at_[a-z0-9_]*\).*/\1/p' targets/insns.c)
fi
locs=$(for l in $labels; do printf 'insns!%s ' "$l"; done)
is "$(echo "$labels" | wc -w)" 40 "insns exports its 40 labels"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	tool "$t" emucheck $locs -- "build/$a/insns.exe" -n 2
	is "$rc" 0 "$combo: emucheck exits 0"
	first=$(grep '^pid=' "$tmp/stdout")
	rounds=$(field rounds "$first") values=$(field values "$first")
	flagsets=$(field flagsets "$first")
	# How often the target ran each label: once a round; the arithmetic
	# once per value, each jcc once per flag setting, the ret after each
	# of the four calls that reach it.
	want=$((rounds * (22 + 4 * values + 17 * flagsets)))
	like "$tmp/stdout" "^$want hits: $want same, 0 differ, 0 not emulated$" \
	    "$combo: all $want emulated instructions match the CPU"
	for l in $labels; do
		case $l in
		at_add_eax|at_sub_eax|at_add_al|at_add_ptr) n=$((rounds * values)) ;;
		at_j[a-z]*) case $l in at_jmp_*) n=$rounds ;; *) n=$((rounds * flagsets)) ;; esac ;;
		at_ret) n=$((rounds * 4)) ;;
		*) n=$rounds ;;
		esac
		got=$(grep -c "^insns!$l  .*  same$" "$tmp/stdout")
		[ "$got" = "$n" ] || { fail "$combo: $l matched $got times, not $n"; continue; }
	done
	pass "$combo: every label was hit as often as the target ran it, and matched"
	like "$tmp/stdout" '^insns!at_mov_edi_edi  mov edi, edi  same$' "$combo: mov edi, edi"
	like "$tmp/stdout" '^insns!at_ret_imm  ret (8|0x10)  same$' "$combo: ret imm"
	# The target counts the jumps not taken itself: as many as without us.
	alone=$($RUN "build/$a/insns.exe" -n 2 | tr -d '\r' | sed -n 's/^done: //p')
	like "$tmp/stdout" "^done: $alone\$" "$combo: the target saw its jumps go as they go without a debugger ($alone)"
done

done_testing
