#!/bin/sh
# guardbp: PAGE_GUARD on counter and on printf, on x86, x64 and WOW64:
# hits inside the range, false hits from the rest of the page, pages
# restored afterwards.
. "$(dirname "$0")/lib.sh"

# off ADDR: ADDR as an offset from the target's base=, "0x..." form.
off() { printf '0x%x' $(($1 - base)); }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" counter
	base=$(field base "$first") C=$(field counter "$first")
	R=$(field read "$first") W=$(field write "$first")
	prot_before=$(prot "$pid" "$C")

	tool "$t" guardbp -n 4 "$pid" "$C" 4
	is "$rc" 0 "$combo: guardbp -n 4 exits 0"
	like "$tmp/stdout" "^watching counter\\+$(off "$C") \\($C\\), 4 bytes, for any access: PAGE_GUARD on 1 page$" \
	    "$combo: one page guarded"
	is "$(grep -c "^hit [0-9]*  tid [0-9]*  read at counter+$(off "$C")  by counter+$(off "$R"): mov " "$tmp/stdout")" 2 \
	    "$combo: two reads, by counter's read= instruction"
	is "$(grep -c "^hit [0-9]*  tid [0-9]*  write at counter+$(off "$C")  by counter+$(off "$W"): mov " "$tmp/stdout")" 2 \
	    "$combo: two writes, by counter's write= instruction"
	like "$tmp/stdout" "\\(false hits so far: [1-9][0-9]*\\)$" "$combo: the neighbour's accesses are false hits"
	like "$tmp/stdout" "^[1-9][0-9]* false hits: accesses to the same page outside the watched bytes$" \
	    "$combo: the false hits are counted"
	like "$tmp/stdout" "^4 hits; hit count reached; breakpoints removed, detached, the target keeps running$" \
	    "$combo: 4 hits, and cleaned up"
	unchanged "$(prot "$pid" "$C")" "$prot_before" "$combo: the page's protection is as before ($prot_before)"
	ok "$combo: counter keeps ticking" grows "$out"

	# Only writes; only reads.  Each by counter's own instruction.
	for acc in w:write:W r:read:R; do
		k=${acc%%:*} kind=${acc#*:} kind=${kind%:*} by=$(eval echo "\$${acc##*:}")
		tool "$t" guardbp -n 2 --access "$k" "$pid" "$C" 4
		is "$rc" 0 "$combo: --access $k exits 0"
		is "$(grep -c "^hit [0-9]*  tid [0-9]*  $kind at counter+$(off "$C")  by counter+$(off "$by"): mov " "$tmp/stdout")" 2 \
		    "$combo: --access $k: two ${kind}s, by counter's $kind= instruction"
		is "$(grep -c '^hit ' "$tmp/stdout")" 2 "$combo: --access $k: nothing else is a hit"
		like "$tmp/stdout" "^[1-9][0-9]* false hits: accesses to the same page, or of another kind, outside the watched bytes$" \
		    "$combo: --access $k: the other accesses are false hits"
		unchanged "$(prot "$pid" "$C")" "$prot_before" "$combo: protection restored after --access $k"
	done

	# A range over two pages: the last 4 bytes of the page before the
	# counter's, and the counter.  Both pages are guarded while it runs
	# (looked at before Ctrl-C ends it), and get their protection back.
	lo=$(printf '0x%x' $((C - 4)))
	prot_lo=$(prot "$pid" "$lo")
	: > "$tmp/bg"
	timeout -k 5 90 $RUN "build/$t/guardbp.exe" "$pid" "$lo" 8 > "$tmp/bg" 2>&1 &
	bg=$!
	wait_for "$tmp/bg" '^hit 2 '
	is "$(prot "$pid" "$lo")" "$(printf '%x' $((0x${prot_lo%% *} | 0x100)))" \
	    "$combo: two pages: the page before is guarded while it runs (PAGE_GUARD 0x100)"
	interrupt guardbp "$pid"
	wait "$bg"
	is "$?" 0 "$combo: two pages: guardbp ends on Ctrl-C, exit 0"
	tr -d '\r' < "$tmp/bg" > "$tmp/stdout"
	like "$tmp/stdout" "^watching counter\\+$(off "$lo") \\($lo\\), 8 bytes, for any access: PAGE_GUARD on 2 pages$" \
	    "$combo: two pages: both guarded"
	grep '^hit ' "$tmp/stdout" > "$tmp/hits"
	ok "$combo: two pages: at least 2 hits" [ "$(wc -l < "$tmp/hits")" -ge 2 ]
	is "$(grep -Ev "^hit [0-9]+  tid [0-9]+  (read at counter\\+$(off "$C")  by counter\\+$(off "$R")|write at counter\\+$(off "$C")  by counter\\+$(off "$W")): mov " "$tmp/hits")" "" \
	    "$combo: two pages: every hit is a read or write of the counter by its own instruction"
	like "$tmp/stdout" '^[0-9]+ hits; interrupted; breakpoints removed, detached, the target keeps running$' \
	    "$combo: two pages: cleaned up"
	unchanged "$(prot "$pid" "$lo")" "$prot_lo" "$combo: two pages: the page before has its protection back"
	unchanged "$(prot "$pid" "$C")" "$prot_before" "$combo: two pages: and the counter's page"
	ok "$combo: counter keeps ticking after two pages" grows "$out"
	stop "$pid"

	# Execute, on printf's code page.
	start "$a" printf_loop
	P=$(field printf "$first")
	prot_before=$(prot "$pid" "$P")
	tool "$t" guardbp -n 3 --access x "$pid" 'msvcrt!printf'
	is "$rc" 0 "$combo: --access x exits 0"
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  execute at msvcrt!printf  by msvcrt!printf: ' "$tmp/stdout")" 3 \
	    "$combo: --access x: 3 executions of printf"
	is "$(grep -c '^hit ' "$tmp/stdout")" 3 "$combo: --access x: nothing else is a hit"
	unchanged "$(prot "$pid" "$P")" "$prot_before" "$combo: printf's page protection restored"
	ok "$combo: printf_loop keeps printing" grows "$out"
	stop "$pid"
done

# An instruction across two pages: straddle's edge() is a mov whose last
# two bytes lie on the next page, and a ret there.  Both pages guarded
# for execution: the mov faults on its first page, and guardbp shows it
# whole, read across the second page while that one is still guarded
# (guard_read(): on Windows a plain read there fails and takes the guard
# off).  Every call is two hits, the mov and then the ret, none missed.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" straddle
	E=$(field edge "$first") R=$(field ret "$first")
	prot_e=$(prot "$pid" "$E") prot_r=$(prot "$pid" "$R")
	tool "$t" guardbp -n 6 --access x "$pid" 'straddle!edge' 6
	is "$rc" 0 "$combo: straddle: guardbp exits 0"
	like "$tmp/stdout" "^watching straddle!edge \\($E\\), 6 bytes, for execute: PAGE_GUARD on 2 pages$" \
	    "$combo: straddle: the mov's two pages guarded"
	want=
	for i in 1 3 5; do
		want="${want}hit $i  execute at straddle!edge  by straddle!edge: mov eax, 0x12345678  (false hits so far: 0)
hit $((i + 1))  execute at straddle!edge+0x5  by straddle!edge+0x5: ret  (false hits so far: 0)
"
	done
	is "$(grep '^hit ' "$tmp/stdout" | sed 's/  tid [0-9]*  /  /')" "${want%?}" \
	    "$combo: straddle: each call the mov, read whole across the guarded page, then the ret: none missed"
	unchanged "$(prot "$pid" "$E")" "$prot_e" "$combo: straddle: the mov's first page has its protection back"
	unchanged "$(prot "$pid" "$R")" "$prot_r" "$combo: straddle: and the ret's page"
	ok "$combo: straddle keeps calling" grows "$out"
	stop "$pid"
done

# Ctrl-C and -s both put the protection back.
start x64 counter
C=$(field counter "$first")
prot_before=$(prot "$pid" "$C")
$RUN build/x64/guardbp.exe "$pid" "$C" 4 > "$tmp/ctrlc" 2>&1 &
wait_for "$tmp/ctrlc" '^hit 2 '
interrupt guardbp "$pid"
wait_for "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached'
like "$tmp/ctrlc" '^[0-9]+ hits; interrupted; breakpoints removed, detached, the target keeps running$' \
    "Ctrl-C: guardbp cleans up"
unchanged "$(prot "$pid" "$C")" "$prot_before" "Ctrl-C: protection restored"
tool x64 guardbp -s 1 "$pid" "$C" 4
is "$rc" 0 "-s 1: exit 0"
like "$tmp/stdout" '^[0-9]+ hits; time limit reached; breakpoints removed, detached, the target keeps running$' \
    "-s: the run ends on time"
unchanged "$(prot "$pid" "$C")" "$prot_before" "-s: protection restored"

# On a stack: a warning, and it still cleans up.
tool x64 regs "$pid"
sp=$(printf '0x%x' "$(awk '/^thread / && !/break-in/ { on = 1 } on && /rsp=/ { sub(/.*rsp=/, ""); print "0x" $1; exit }' "$tmp/stdout")")
tool x64 guardbp -s 1 "$pid" "$sp" 8
like "$tmp/stderr" "^guardbp: warning: $sp is on the stack of tid [0-9]+, where Windows keeps a guard page of its own to grow the stack; hits there are unreliable$" \
    "a range on a thread's stack is warned about"
ok "the stack warning is one line" one_line "$tmp/stderr"
is "$(prot "$pid" "$sp")" "$(printf '%x' 4)" "the stack page is PAGE_READWRITE again"
ok "counter survives a guard on its stack" grows "$out"

# Bad input.
tool x64 guardbp "$pid" 0x10
is "$rc" 1 "unmapped address: exit 1"
is "$(cat "$tmp/stderr")" "guardbp: 0x10: 0x10 is not mapped in pid $pid" "unmapped address: says so"
tool x64 guardbp "$pid" "$C" 0
is "$rc" 2 "size 0: exit 2"
is "$(cat "$tmp/stderr")" 'guardbp: size: "0": too small' "size 0: says so"
tool x64 guardbp --access q "$pid" "$C"
is "$rc" 2 "bad --access: exit 2"
is "$(cat "$tmp/stderr")" 'guardbp: --access: "q": use r, w, x or any' "bad --access: says so"
unchanged "$(prot "$pid" "$C")" "$prot_before" "after bad input the page is untouched"
stop "$pid"

# crc_check: a guard page changes neither code nor debug registers.
start x64 crc_check
tool x64 guardbp -s 3 --access x "$pid" 'crc_check!checked'
is "$rc" 0 "guardbp -s 3 on crc_check exits 0"
like "$tmp/stdout" '^hit [0-9]+  tid [0-9]+  execute at crc_check!checked  by crc_check!checked: ' \
    "guardbp catches crc_check's calls to checked()"
# Its watcher checks once a second, and says "being debugged: no" again
# in the first round after guardbp has gone.
wait_lines "$out" '^being debugged: no$' 2
unlike "$out" 'crc of checked' "crc_check sees no code change"
unlike "$out" 'debug registers changed' "crc_check sees no debug register"

done_testing
