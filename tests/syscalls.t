#!/bin/sh
# syscalls: for every Nt*/Zw* stub of the target's ntdll, the number the
# tool reports is the one the stub itself loads into eax.  The check reads
# the stub's bytes with tests/inspect.c and disassembles them with GNU
# objdump, sharing nothing with the tool (which reads them itself and
# decodes them with Capstone).  A function the tool calls no stub must not
# load eax with an immediate at its start either.
. "$(dirname "$0")/lib.sh"

OBJDUMP=$(command -v x86_64-w64-mingw32-objdump || command -v objdump)

# number_at FILE BASE ADDR MACHINE: the immediate that one of the first two
# instructions at ADDR moves into eax, by objdump, from FILE (the bytes at
# BASE onwards); empty if neither does.
number_at() {
	"$OBJDUMP" -D -b binary -m "$4" --adjust-vma="$2" --start-address="$3" \
	    --stop-address=$(($3 + 16)) "$1" |
	    awk '/^ *[0-9a-f]+:\t/ { if (++n > 2) exit }
		 n && /\tmov +\$0x[0-9a-f]+,%eax$/ { sub(/.*\$/, ""); sub(/,.*/, ""); print; exit }'
}

# fetch PID LO FILE < ADDRESSES: the target's pages that hold the 16
# bytes at each address, into FILE at their offset from LO (the lowest
# address, page-aligned); the pages between stay zero.
fetch() {
	: > "$3"
	while read -r _a; do
		_p=$((_a & ~4095))
		echo $_p
		[ $(((_a & 4095) + 16)) -gt 4096 ] && echo $((_p + 4096))
	done | sort -un | while read -r _p; do
		_hex=$(bytes "$1" "$(printf '0x%x' $_p)" 4096)
		[ ${#_hex} -eq 8192 ] || exit 1
		printf '%s' "$_hex" | perl -ne 'print pack "H*", $_' |
		    dd of="$3" bs=4096 seek=$(((_p - $2) / 4096)) conv=notrunc 2>/dev/null
	done
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	case $a in x64) m=i386:x86-64 ;; x86) m=i386 ;; esac
	start "$a" printf_loop

	tool "$t" syscalls "$pid"
	is "$rc" 0 "$combo: syscalls exits 0"
	like "$tmp/stdout" "^pid $pid: x(86|64).*ntdll\.dll at 0x[0-9a-f]+, $([ $a = x64 ] && echo 64 || echo 32)-bit$" \
	    "$combo: it names the target's ntdll and its bitness"
	grep -E '^0x[0-9a-f]{4,}  0x[0-9a-f]+ [A-Za-z]' "$tmp/stdout" | awk '{ print $1, $2, $3 }' > "$tmp/stubs"
	grep -E '^-  +0x[0-9a-f]+ [A-Za-z]' "$tmp/stdout" | awk '{ print $2, $3 }' > "$tmp/others"
	n=$(wc -l < "$tmp/stubs")
	ok "$combo: over 100 system call stubs ($n)" [ "$n" -gt 100 ]
	summary=$(sed -n 's/^\([0-9]*\) system call stubs, \([0-9]*\) other.*/\1 \2/p' "$tmp/stdout")
	is "$summary" "$n $(wc -l < "$tmp/others")" "$combo: the summary counts the rows"

	# The pages that hold the stubs' bytes.
	{ awk '{ print $2 }' "$tmp/stubs"; awk '{ print $1 }' "$tmp/others"; } |
	    sort > "$tmp/addrs"
	lo=$(($(head -n 1 "$tmp/addrs") & ~4095))
	ok "$combo: inspect reads them" fetch "$pid" $lo "$tmp/code" < "$tmp/addrs"

	bad=0 checked=0
	while read -r num addr name; do
		got=$(number_at "$tmp/code" $lo "$addr" $m)
		checked=$((checked + 1))
		if [ -z "$got" ] || [ $((got)) -ne $((num)) ]; then
			bad=$((bad + 1))
			[ $bad -le 5 ] && diag "$name at $addr: syscalls says $num, objdump ${got:-finds no mov eax, imm32}"
		fi
	done < "$tmp/stubs"
	is "$bad" 0 "$combo: each of the $checked stubs loads the number syscalls gives"
	bad=0
	while read -r addr name; do
		got=$(number_at "$tmp/code" $lo "$addr" $m)
		if [ -n "$got" ]; then
			bad=$((bad + 1)); diag "$name at $addr: not a stub, says syscalls; objdump: mov $got, eax"
		fi
	done < "$tmp/others"
	is "$bad" 0 "$combo: the $(wc -l < "$tmp/others") functions it calls no stub load no number"

	# Under Wine every stub leaves for Wine's dispatcher, outside every module.
	is "$(grep -E '^0x[0-9a-f]{4,}  ' "$tmp/stdout" | grep -cv ' to 0x[0-9a-f]*, outside every module$')" 0 \
	    "$combo: every stub goes the same way, out of every module"

	# Names: an Nt function and its Zw twin are the same code.
	tool "$t" syscalls "$pid" NtDelayExecution ZwDelayExecution NtGetTickCount
	is "$rc" 0 "$combo: syscalls with names exits 0"
	nt=$(awk '$3 == "NtDelayExecution" { print $1, $2 }' "$tmp/stdout")
	zw=$(awk '$3 == "ZwDelayExecution" { print $1, $2 }' "$tmp/stdout")
	ok "$combo: NtDelayExecution has a number" [ -n "$nt" ]
	is "$zw" "$nt" "$combo: ZwDelayExecution is the same stub"
	is "$nt" "$(grep ' NtDelayExecution$' "$tmp/stubs" | cut -d' ' -f1,2)" \
	    "$combo: the same as in the whole list"
	like "$tmp/stdout" '^-  +0x[0-9a-f]+ NtGetTickCount +not a system call stub' \
	    "$combo: NtGetTickCount is no stub"
	is "$(grep -c '^0x\|^-' "$tmp/stdout")" 3 "$combo: three names, three rows"

	# -v: the path, starting with the number's instruction.
	tool "$t" syscalls -v "$pid" NtDelayExecution
	like "$tmp/stdout" "^    0x[0-9a-f]+  mov eax, $(printf '0x%x' $((${nt%% *}))) +the system call number$" \
	    "$combo: -v shows the mov that loads the number"
	stop "$pid"
done

done_testing
