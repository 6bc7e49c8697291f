#!/bin/sh
# modules lists the modules EnumProcessModulesEx lists, with the base,
# size and file of each, on x86, x64 and WOW64; the program's own entry
# point and link time are the ones its headers give it; the code of a
# clean process is the code of its files; softbp's INT3s show, byte for
# byte, where tests/inspect.c sees them too.  modules never attaches:
# it reads a process another debugger holds, and leaves it as it was.
. "$(dirname "$0")/lib.sh"

TOOL_TIMEOUT=${TOOL_TIMEOUT:-60}

# listed FILE: "BASE SIZE PATH" from modules' output, as inspect prints it.
listed() {
	awk '/^[0-9a-f]+  [0-9a-f]+  / { b = $1; sub(/^0+/, "", b); p = $10
	    for (i = 11; i <= NF; i++) p = p " " $i; print b, $3, p }' "$1"
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" regions
	tool "$t" modules "$pid"
	is "$rc" 0 "$combo: exit 0"
	is "$(cat "$tmp/stderr")" "" "$combo: nothing on stderr"
	inspect "$pid" modules | tr -d '\r' > "$tmp/enum"
	listed "$tmp/stdout" > "$tmp/ours"
	ok "$combo: the modules EnumProcessModulesEx lists: base, size, file" \
	    cmp -s "$tmp/ours" "$tmp/enum"
	cmp -s "$tmp/ours" "$tmp/enum" || diag "ours:" "$(cat "$tmp/ours")" "EnumProcessModulesEx:" "$(cat "$tmp/enum")"
	like "$tmp/stdout" "^pid $pid: x$([ "$a" = x86 ] && echo 86 || echo 64)[^,]*, $(wc -l < "$tmp/enum") modules\$" \
	    "$combo: says how many"

	# The program's own line, against what its headers told it.
	base=$(printf '%0*x' "$([ "$a" = x86 ] && echo 8 || echo 16)" "$(field image "$first")")
	entry=$(printf '%x' "$(field entry "$first")")
	linked=$(date -u -d "@$(($(field stamp "$first")))" '+%Y-%m-%d %H:%M:%S')
	like "$tmp/stdout" "^$base  [0-9a-f]+ +[0-9a-f]+  $a  $linked +$entry  same +regions\\.exe  .*[\\\\/]build[\\\\/]$a[\\\\/]regions\\.exe\$" \
	    "$combo: regions.exe: its base, CPU, link time, entry point; code as on disk"
	is "$(awk '/^[0-9a-f]+  [0-9a-f]+  / { print $8 }' "$tmp/stdout" | sort -u)" same \
	    "$combo: the code of every module is as on disk"

	# INT3s in two places this target never runs, held by softbp (the
	# x64 build, whose command line interrupt() can find).
	$RUN build/x64/softbp.exe -s 30 "$pid" 'msvcrt!puts' 'kernel32!Beep' \
	    > "$tmp/holder" 2>&1 &
	holder=$!
	wait_for "$tmp/holder" '^breakpoint 2 at '
	tool "$t" modules "$pid"
	is "$rc" 0 "$combo: a process being debugged: exit 0, read all the same"
	for loc in 'msvcrt!puts' 'kernel32!Beep'; do
		saved=$(sed -n "s/^breakpoint [0-9] at $loc (0x[0-9a-f]*): saved byte \\(..\\).*/\\1/p" \
		    "$tmp/holder" | tr -d '\r')
		like "$tmp/stdout" "^    $loc: file $saved, memory cc \\(int3\\)\$" \
		    "$combo: softbp's INT3 at $loc, over its byte $saved"
	done
	like "$tmp/stdout" "  DIFFERS +msvcrt\\.dll  " "$combo: msvcrt.dll differs"
	like "$tmp/stdout" "  DIFFERS +kernel32\\.dll  " "$combo: kernel32.dll differs"
	is "$(grep -c '^    ' "$tmp/stdout")" "$(code "$pid" | wc -l)" \
	    "$combo: as many bytes as inspect finds"
	interrupt softbp "$pid"
	wait $holder
	tool "$t" modules "$pid"
	is "$(awk '/^[0-9a-f]+  [0-9a-f]+  / { print $8 }' "$tmp/stdout" | sort -u)" same \
	    "$combo: once softbp is gone, all the same again"
	ok "$combo: regions runs on" running "$pid"
	stop "$pid"
done

# Bad input: tests/looks.t.

done_testing
