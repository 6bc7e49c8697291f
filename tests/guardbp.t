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
	is "$(prot "$pid" "$C")" "$prot_before" "$combo: the page's protection is as before ($prot_before)"
	ok "$combo: counter keeps ticking" grows "$out"

	# Only writes.
	tool "$t" guardbp -n 2 --access w "$pid" "$C" 4
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  write at ' "$tmp/stdout")" 2 "$combo: --access w: two write hits"
	unlike "$tmp/stdout" '^hit .* read at ' "$combo: --access w: reads are not hits"
	is "$(prot "$pid" "$C")" "$prot_before" "$combo: protection restored after --access w"
	stop "$pid"

	# Execute, on printf's code page.
	start "$a" printf_loop
	P=$(field printf "$first")
	prot_before=$(prot "$pid" "$P")
	tool "$t" guardbp -n 3 --access x "$pid" 'msvcrt!printf'
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  execute at msvcrt!printf  by msvcrt!printf: ' "$tmp/stdout")" 3 \
	    "$combo: --access x: 3 executions of printf"
	is "$(prot "$pid" "$P")" "$prot_before" "$combo: printf's page protection restored"
	ok "$combo: printf_loop keeps printing" grows "$out"
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
like "$tmp/ctrlc" 'hits; interrupted; breakpoints removed, detached' "Ctrl-C: guardbp cleans up"
is "$(prot "$pid" "$C")" "$prot_before" "Ctrl-C: protection restored"
tool x64 guardbp -s 1 "$pid" "$C" 4
like "$tmp/stdout" 'time limit reached; breakpoints removed' "-s: the run ends on time"
is "$(prot "$pid" "$C")" "$prot_before" "-s: protection restored"

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
tool x64 guardbp --access q "$pid" "$C"
is "$rc" 2 "bad --access: exit 2"
like "$tmp/stderr" '^guardbp: --access: "q": use r, w, x or any$' "bad --access: says so"
is "$(prot "$pid" "$C")" "$prot_before" "after bad input the page is untouched"
stop "$pid"

# crc_check: a guard page changes neither code nor debug registers.
start x64 crc_check
tool x64 guardbp -s 3 --access x "$pid" 'crc_check!checked'
like "$tmp/stdout" '^hit [0-9]+  tid [0-9]+  execute at crc_check!checked  by crc_check!checked: ' \
    "guardbp catches crc_check's calls to checked()"
sleep 1
unlike "$out" 'crc of checked' "crc_check sees no code change"
unlike "$out" 'debug registers changed' "crc_check sees no debug register"

done_testing
