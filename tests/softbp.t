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
	like "$tmp/stdout" "^5 hits; hit count reached; breakpoints removed, detached, the target keeps running$" "$combo: summary"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: printf's bytes are as before"
	ok "$combo: the target keeps printing" grows "$out"

	# -1: one-shot.  -r: registers, with the IP rewound onto printf.
	tool "$t" softbp -1 -r -s 2 "$pid" 'msvcrt!printf'
	is "$rc" 0 "$combo: softbp -1 -r -s 2 exits 0"
	is "$(grep -c '^hit ' "$tmp/stdout")" 1 "$combo: -1 stops after one hit"
	want=$(printf "%0$([ "$a" = x86 ] && echo 8 || echo 16)x" "$P")
	like "$tmp/stdout" "^[er]ip=$want " "$combo: -r shows the IP rewound to the breakpoint"
	like "$tmp/stdout" "^1 hit; time limit reached; breakpoints removed, detached, the target keeps running$" \
	    "$combo: -s ends the run, after the one hit"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: -1 leaves printf as it was"

	# Two locations, one an export of another module: the loop calls
	# printf, then Sleep, so 4 hits are two of each, in turn, and the
	# printf hits two consecutive calls.
	tool "$t" softbp -n 4 "$pid" 'msvcrt!printf' 'kernel32!Sleep'
	is "$rc" 0 "$combo: softbp on two locations exits 0"
	sed -n 's/^hit [0-9]*  tid [0-9]*  \([^ ]*\)  .*/\1/p' "$tmp/stdout" | tr '\n' ' ' > "$tmp/order"
	case $(cat "$tmp/order") in
	'msvcrt!printf kernel32!Sleep msvcrt!printf kernel32!Sleep '|\
	'kernel32!Sleep msvcrt!printf kernel32!Sleep msvcrt!printf ')
		pass "$combo: printf and kernel32!Sleep are hit in turn, twice each" ;;
	*)	fail "$combo: printf and kernel32!Sleep are hit in turn, twice each"
		diag "hits: $(cat "$tmp/order")" ;;
	esac
	set -- $(grep -o 'printf("going...%lu\\n", [0-9]*)' "$tmp/stdout" | sed 's/.*, \([0-9]*\))/\1/')
	is "${2:-none}" "$((${1:-0} + 1))" "$combo: the two printf hits are consecutive calls ($*)"
	like "$tmp/stdout" "^4 hits; hit count reached; breakpoints removed, detached, the target keeps running$" \
	    "$combo: two locations: 4 hits in all"
	unchanged "$(bytes "$pid" "$P" 16)" "$before" "$combo: still intact after two"
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
like "$tmp/ctrlc" '^[0-9]+ hits; interrupted; breakpoints removed, detached, the target keeps running$' \
    "Ctrl-C: softbp cleans up and says so"
unchanged "$(bytes "$pid" "$P" 16)" "$before" "Ctrl-C: printf's bytes are as before"
ok "Ctrl-C: the target keeps printing" grows "$out"

# An error halfway: the second location is bad, so nothing is written.
tool x64 softbp -n 1 "$pid" 'msvcrt!printf' 'msvcrt!no_such_export'
is "$rc" 1 "a bad second location: exit 1"
is "$(cat "$tmp/stderr")" "softbp: msvcrt!no_such_export: msvcrt.dll exports no no_such_export" \
    "a bad second location: one line naming it"
unlike "$tmp/stdout" "^breakpoint" "a bad second location: no breakpoint was set"
unchanged "$(bytes "$pid" "$P" 16)" "$before" "a bad second location: printf untouched"
for bad in "nosuchmod!printf:no module nosuchmod in pid $pid \\(it may not be loaded yet\\)" \
    'msvcrt!#60000:msvcrt\.dll has no ordinal 60000 \(its ordinals are [0-9]+\.\.[0-9]+\)' \
    "msvcrt!printf+zz:bad offset after '\\+'" "msvcrt!:empty export name after '!'"; do
	loc=${bad%%:*} why=${bad#*:}
	tool x64 softbp "$pid" "$loc"
	is "$rc" 1 "$loc: exit 1"
	ok "$loc: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "^softbp: $(printf '%s' "$loc" | sed 's/[+#]/\\&/g'): $why$" "$loc: names the location and what is wrong"
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
is "$(grep -o 'printf("going...%lu\\n", [0-9]*)' "$tmp/stdout" | sed 's/.*, \([0-9]*\))/\1/' | tr '\n' ' ')" \
    "1 2 3 " "launched target: the hits are its calls 1, 2 and 3"
is "$(grep -c '^going\.\.\.[123]$' "$tmp/stdout")" 3 "launched target: which it printed"
like "$tmp/stdout" "^3 hits; the target exited; nothing left to clean up$" "launched target: it exited"

# A breakpoint that is not softbp's goes to the target's own handlers:
# faults' int3, and STATUS_WX86_BREAKPOINT, raised twice.  On Windows a
# 64-bit debugger gets a WOW64 target's int3 with that code, and the
# first one of a launched WOW64 target is its 32-bit loader's, the
# debugger's own.  Wine sends int3 as 0x80000003 and raises no loader
# breakpoint, so there the first wx86 stands in for the loader's (see
# faults.t).  The breakpoint is on av_at, which this run never reaches.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	tool "$t" softbp 'faults!av_at' -- "build/$a/faults.exe" int3 wx86 wx86
	is "$rc" 0 "$combo faults: exit 0"
	passed=$(grep -c '^tid [0-9]*: a breakpoint at .* that is not ours; passed to the target$' "$tmp/stdout")
	loader=$(grep -c "^tid [0-9]*: a breakpoint at .* that is not ours; the WOW64 loader's initial breakpoint, continued$" "$tmp/stdout")
	if [ $combo = x64:x86 ]; then
		# Wine: the first wx86 is taken for the loader's.  Windows:
		# the loader's own comes first, and all three go on.
		[ -n "$RUN" ] && want="2 1 frame=2 filter=0 untaken=1" ||
		    want="3 1 frame=3 filter=0 untaken=0"
	else
		want="3 0 frame=3 filter=0 untaken=0"
	fi
	is "$passed $loader $(sed -n 's/^handled vectored=0 //p' "$tmp/stdout")" "$want" \
	    "$combo faults: the target's own breakpoints passed on, its handler took them ($want)"
	like "$tmp/stdout" "^int3: back in the program, taken by the frame handler$" \
	    "$combo faults: its own int3 reached its frame handler"
done

# crc_check sees the INT3 in its own code, and sees it go again.
start x86 crc_check
tool x64 softbp -s 3 "$pid" 'crc_check!checked'
is "$rc" 0 "softbp -s 3 on crc_check exits 0"
like "$tmp/stdout" "^breakpoint 1 at crc_check!checked \\($(field checked "$first")\\)" "crc_check!checked is its export"
like "$tmp/stdout" "^[1-9][0-9]* hits; time limit reached; breakpoints removed, detached, the target keeps running$" \
    "crc_check calls checked() while the breakpoint is in"
wait_for "$out" 'changed: .* -> ' 
like "$out" "crc of checked\\(\\) changed: $(field crc "$first") -> " "crc_check notices the INT3"
wait_for "$out" "-> $(field crc "$first"): "
like "$out" "-> $(field crc "$first"): its code was modified" "and its removal"

done_testing
