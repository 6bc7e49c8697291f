#!/bin/sh
# threads and regs see exactly the threads spin_threads started, and agree
# with winedbg's own list.
. "$(dirname "$0")/lib.sh"

# winedbg_agrees PID: winedbg's "info thread" lists the ids of
# $tmp/threads for PID, no more, no fewer.
winedbg_agrees() {
	winedbg --command "info thread" 2>/dev/null | tr -d '\r' |
	    awk -v p="$(printf '%08x' "$1")" '/^[0-9a-f]+ / { on = ($1 == p); next }
	        on && /^\t[0-9a-f]+/ { print $1 }' |
	    while read -r h; do printf '%d\n' "0x$h"; done | sort > "$tmp/winedbg"
	cmp -s "$tmp/threads" "$tmp/winedbg"
}

n=5
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" spin_threads $n
	tids=$(field tids "$first" | tr ',' ' ')

	tool "$t" threads "$pid"
	is "$rc" 0 "$combo: threads exits 0"
	# Rows: tid, start, ip, priority, description.
	awk '$1 ~ /^[0-9]+$/ && $2 != "threads" && !/break-in/ { print $1 }' "$tmp/stdout" | sort > "$tmp/threads"
	breakin=$(awk '/break-in/ { print $1 }' "$tmp/stdout")
	is "$(wc -l < "$tmp/threads")" $((n + 1)) "$combo: $n workers and the main thread"
	ok "$combo: the break-in thread is listed and marked" [ -n "$breakin" ]
	like "$tmp/stdout" "^$((n + 2)) threads$" "$combo: the count includes the break-in thread"
	k=0
	for tid in $tids; do
		k=$((k + 1))
		like "$tmp/stdout" "^ *$tid .* worker-$k *$" "$combo: tid $tid is worker-$k"
	done
	like "$tmp/stdout" "^ *[0-9]+  spin_threads\+0x[0-9a-f]+ +ntdll![A-Za-z]+DelayExecution\+0x[0-9a-f]+ +0 normal +$" \
	    "$combo: the main thread: start as module+offset, ip in ntdll's sleep, priority"
	like "$tmp/stdout" "^ *[0-9]+  spin_threads!worker +ntdll![A-Za-z]+DelayExecution\+0x[0-9a-f]+ +0 normal +worker-1$" \
	    "$combo: a worker: start at its exported thread function"
	like "$tmp/stdout" "^ *$breakin  ntdll!DbgUiRemoteBreakin +ntdll!DbgBreakPoint\+0x1 +0 normal +\(break-in" \
	    "$combo: the break-in thread started in DbgUiRemoteBreakin, stopped past DbgBreakPoint's int3"

	# regs walks the same threads.
	tool "$t" regs "$pid"
	is "$rc" 0 "$combo: regs exits 0"
	awk '/^thread / && !/break-in/ { print $2 }' "$tmp/stdout" | sort > "$tmp/regs"
	ok "$combo: regs and threads list the same thread ids" cmp -s "$tmp/threads" "$tmp/regs"

	# winedbg, which does not attach, lists the same ids (in hex) once
	# our break-in thread is gone.
	ok "$combo: winedbg's info thread agrees" await winedbg_agrees "$pid"
	cmp -s "$tmp/threads" "$tmp/winedbg" || diag "ours: $(cat "$tmp/threads" | tr '\n' ' ')" \
	    "winedbg: $(cat "$tmp/winedbg" | tr '\n' ' ')"
	stop "$pid"
done

start x64 printf_loop
tool x86 threads "$pid"
is "$rc" 1 "a 32-bit threads refuses a 64-bit target"
like "$tmp/stderr" "^threads: pid $pid is a 64-bit process; use the x64 build of threads$" "and says why"
tool x64 threads "$pid"
ok "printf_loop keeps printing after threads detached" grows "$out"

done_testing
