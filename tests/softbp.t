#!/bin/sh
# softbp: INT3 on printf_loop's printf, on x86, x64 and WOW64; counts the
# target agrees with, and nothing left behind.
. "$(dirname "$0")/lib.sh"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" printf_loop
	P=$(field printf "$first")
	before=$(bytes "$pid" "$P" 16)

	tool "$t" softbp -n 5 "$pid" 'msvcrt!printf'
	is "$rc" 0 "$combo: softbp -n 5 exits 0"
	like "$tmp/stdout" "^breakpoint 1 at msvcrt!printf \\($P\\): saved byte $(echo "$before" | cut -c1-2), wrote cc$" \
	    "$combo: msvcrt!printf resolves, in the target, to the printf it calls"
	like "$tmp/stdout" "attached; stopped at the attach break-in, ntdll!DbgBreakPoint in tid [0-9]+ -- the debugger's own breakpoint, not one of ours" \
	    "$combo: the attach break-in is reported as not ours"
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  msvcrt!printf  ' "$tmp/stdout")" 5 "$combo: 5 hits at msvcrt!printf"
	# Each hit shows the call; the target printed those very numbers.
	grep -o 'printf("going...%lu\\n", [0-9]*)' "$tmp/stdout" | sed 's/.*, \([0-9]*\))/\1/' > "$tmp/calls"
	is "$(wc -l < "$tmp/calls")" 5 "$combo: each hit shows the format string and argument"
	first_n=$(head -n 1 "$tmp/calls")
	is "$(tr '\n' ' ' < "$tmp/calls")" "$(seq "$first_n" $((first_n + 4)) | tr '\n' ' ')" \
	    "$combo: the hits are 5 consecutive calls"
	wait_for "$out" "^going\\.\\.\\.$((first_n + 4))"
	missing=0
	for n in $(cat "$tmp/calls"); do
		grep -q "^going\.\.\.$n" "$out" || missing=$((missing + 1))
	done
	is "$missing" 0 "$combo: the target printed each call the tool caught"
	if [ "$a" = x86 ]; then conv="cdecl: arguments on the stack"; else conv="x64: arguments in rcx"; fi
	like "$tmp/stdout" "<- $conv" "$combo: the calling convention is named"
	like "$tmp/stdout" "^5 hits; hit count reached; breakpoints removed, detached" "$combo: summary"
	is "$(bytes "$pid" "$P" 16)" "$before" "$combo: printf's bytes are as before"
	ok "$combo: the target keeps printing" grows "$out"

	# -1: one-shot.  -r: registers, with the IP rewound onto printf.
	tool "$t" softbp -1 -r -s 2 "$pid" 'msvcrt!printf'
	is "$(grep -c '^hit ' "$tmp/stdout")" 1 "$combo: -1 stops after one hit"
	want=$(printf "%0$([ "$a" = x86 ] && echo 8 || echo 16)x" "$P")
	like "$tmp/stdout" "^[er]ip=$want " "$combo: -r shows the IP rewound to the breakpoint"
	like "$tmp/stdout" "time limit reached" "$combo: -s ends the run"
	is "$(bytes "$pid" "$P" 16)" "$before" "$combo: -1 leaves printf as it was"

	# Two locations, one an export of another module.
	tool "$t" softbp -n 4 "$pid" 'msvcrt!printf' 'kernel32!Sleep'
	like "$tmp/stdout" "  kernel32!Sleep  " "$combo: kernel32!Sleep is hit too"
	like "$tmp/stdout" "  msvcrt!printf  " "$combo: and printf"
	is "$(bytes "$pid" "$P" 16)" "$before" "$combo: still intact after two"
	stop "$pid"
done

# Ctrl-C: the tool removes its bytes and detaches.
start x64 printf_loop
P=$(field printf "$first")
before=$(bytes "$pid" "$P" 16)
$RUN build/x64/softbp.exe "$pid" 'msvcrt!printf' > "$tmp/ctrlc" 2>&1 &
wait_for "$tmp/ctrlc" '^hit 2 '
interrupt softbp "$pid"
wait_for "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached'
like "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached' "Ctrl-C: softbp cleans up and says so"
is "$(bytes "$pid" "$P" 16)" "$before" "Ctrl-C: printf's bytes are as before"
ok "Ctrl-C: the target keeps printing" grows "$out"

# An error halfway: the second location is bad, so nothing is written.
tool x64 softbp -n 1 "$pid" 'msvcrt!printf' 'msvcrt!no_such_export'
is "$rc" 1 "a bad second location: exit 1"
is "$(cat "$tmp/stderr")" "softbp: msvcrt!no_such_export: msvcrt.dll exports no no_such_export" \
    "a bad second location: one line naming it"
unlike "$tmp/stdout" "^breakpoint" "a bad second location: no breakpoint was set"
is "$(bytes "$pid" "$P" 16)" "$before" "a bad second location: printf untouched"
for bad in 'nosuchmod!printf' 'msvcrt!#60000' 'msvcrt!printf+zz'; do
	tool x64 softbp "$pid" "$bad"
	is "$rc" 1 "$bad: exit 1"
	ok "$bad: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "^softbp: $(printf '%s' "$bad" | sed 's/[+#]/\\&/g'): " "$bad: names the location"
done
tool x64 softbp "$pid" 0x10
is "$rc" 1 "unmapped address: exit 1"
like "$tmp/stderr" '^softbp: 0x10: ReadProcessMemory\(0x10\): .+ \([0-9]+\)$' "unmapped address: names the API and the Windows error"
ok "after the bad inputs the target keeps printing" grows "$out"
stop "$pid"

# The target exits while the breakpoint is set: nothing to clean up.
tool x86 softbp 'msvcrt!printf' -- build/x86/printf_loop.exe -n 3
is "$rc" 0 "launched target: exit 0"
like "$tmp/stdout" "stopped at the loader's initial breakpoint, ntdll!DbgBreakPoint -- not one of ours" \
    "launched target: the loader's breakpoint is not ours"
is "$(grep -c '^hit ' "$tmp/stdout")" 3 "launched target: all 3 calls hit"
like "$tmp/stdout" "^3 hits; the target exited; nothing left to clean up$" "launched target: it exited"

# crc_check sees the INT3 in its own code, and sees it go again.
start x86 crc_check
tool x64 softbp -s 3 "$pid" 'crc_check!checked'
like "$tmp/stdout" "^breakpoint 1 at crc_check!checked \\($(field checked "$first")\\)" "crc_check!checked is its export"
wait_for "$out" 'changed: .* -> ' 
like "$out" "crc of checked\\(\\) changed: $(field crc "$first") -> " "crc_check notices the INT3"
wait_for "$out" "-> $(field crc "$first"): "
like "$out" "-> $(field crc "$first"): its code was modified" "and its removal"

done_testing
