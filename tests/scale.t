#!/bin/sh
# scale: the tools on a target with hundreds of threads, and on one that
# starts and ends a thousand.  regs and threads list every thread of
# spin_threads 256; hwbp sets its debug registers in all of them and in
# 50 that start later, and a sample of them hits; events sees every
# thread churn starts and ends.
. "$(dirname "$0")/lib.sh"

n=256
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" spin_threads $n
	field tids "$first" | tr ',' '\n' > "$tmp/order"
	sort "$tmp/order" > "$tmp/workers"
	is "$(wc -l < "$tmp/workers")" $n "$combo: spin_threads started $n workers"

	# threads: the workers, the main thread and the break-in thread.
	tool "$t" threads "$pid"
	is "$rc" 0 "$combo: threads exits 0"
	like "$tmp/stdout" "^$((n + 2)) threads$" "$combo: threads counts $((n + 2))"
	awk '$1 ~ /^[0-9]+$/ && $2 != "threads" { print $1 }' "$tmp/stdout" |
	    sort > "$tmp/threads"
	breakin=$(awk '/\(break-in: created by DebugActiveProcess\)$/ { print $1 }' "$tmp/stdout")
	ok "$combo: the break-in thread is listed, and marked" grep -qx "$breakin" "$tmp/threads"
	grep -vx "$breakin" "$tmp/threads" > "$tmp/own"
	is "$(comm -23 "$tmp/workers" "$tmp/own" | wc -l)" 0 "$combo: threads lists every worker"
	main=$(comm -13 "$tmp/workers" "$tmp/own")
	is "$(echo $main | wc -w)" 1 "$combo: and one more thread"
	like "$tmp/stdout" "^ *$main  spin_threads\\+0x[0-9a-f]+ " \
	    "$combo: which started at the entry point: the main thread"
	# Worker K, the Kth tid the target printed, is described worker-K.
	awk '{ print $1, "worker-" NR }' "$tmp/order" | sort > "$tmp/want"
	awk '$NF ~ /^worker-/ { print $1, $NF }' "$tmp/stdout" | sort > "$tmp/got"
	ok "$combo: each worker has its own description" cmp -s "$tmp/want" "$tmp/got"

	# regs: the same threads (but a break-in thread of its own), each
	# with its registers.
	tool "$t" regs "$pid"
	is "$rc" 0 "$combo: regs exits 0"
	like "$tmp/stdout" "^pid $pid: .*, $((n + 2)) threads$" "$combo: regs counts $((n + 2))"
	awk '/^thread / && !/break-in/ { print $2 }' "$tmp/stdout" | sort > "$tmp/regs"
	ok "$combo: regs lists the same threads as threads" cmp -s "$tmp/own" "$tmp/regs"
	is "$(grep -c '^thread [0-9]*  (the debugger.s break-in thread' "$tmp/stdout")" 1 \
	    "$combo: one of them the break-in thread"
	is "$(grep -Ec '^ *[er]ip=' "$tmp/stdout")" $((n + 2)) "$combo: an IP for every thread"
	ok "$combo: the target runs on" running "$pid"
	stop "$pid"
done

# hwbp on 256 workers and 50 late ones.  With -p the workers take turns
# in spin_threads!work, one every 4000 / 306 ms, never two at once: under
# Wine 8, threads that hit a hardware breakpoint together can wedge.  The
# late ones start 5 s on, well after hwbp has set its registers.
late=50
start x64 spin_threads -p 4000 -l $late -d 5000 $n
early=$(field tids "$first" | tr ',' ' ')
$RUN build/x64/hwbp.exe -s 60 "$pid" e1 'spin_threads!work' > "$tmp/hw.crlf" 2>&1 &
wait_for "$tmp/hw.crlf" '^set in all'
wait_for "$out" '^late tids='
await has_more_lines "$out" 1	# and for its end: the line is written a tid at a time
latetids=$(tr -d '\r' < "$out" | sed -n 's/^late tids=//p' | tr ',' ' ')
# A sample: early workers from each part of the period, and late ones.
sample=$(echo $early | awk '{ print $1, $64, $128, $192, $256 }')
sample="$sample $(echo $latetids | awk '{ print $1, $13, $25, $37, $50 }')"
for tid in $sample; do
	wait_for "$tmp/hw.crlf" "^hit [0-9]+  tid $tid  DR0 \\(execute\\) at spin_threads!work"
done
interrupt hwbp "$pid"
wait_for "$tmp/hw.crlf" 'hits; interrupted;'
tr -d '\r' < "$tmp/hw.crlf" > "$tmp/hw"
like "$tmp/hw" "^set in all $((n + 1)) threads$" \
    "hwbp: set in all $n workers and the main thread, once the break-in thread ended"
sed -n 's/^tid \([0-9]*\): new thread; debug registers set in it too$/\1/p' "$tmp/hw" |
    sort > "$tmp/new"
echo $latetids | tr ' ' '\n' | sort > "$tmp/late"
is "$(wc -l < "$tmp/new")" $late "hwbp: $late new threads got the debug registers"
ok "hwbp: they are the late workers" cmp -s "$tmp/new" "$tmp/late"
for tid in $sample; do
	like "$tmp/hw" "^hit [0-9]+  tid $tid  DR0 \\(execute\\) at spin_threads!work$" \
	    "hwbp: worker tid $tid hits"
done
like "$tmp/hw" "hits; interrupted; breakpoints removed, detached, the target keeps running$" \
    "hwbp: cleanup went through"
is "$(dr7s "$pid")" "0 " "hwbp: DR7 zero on all $((n + late + 1)) threads"
stop "$pid"

# events sees each of churn's 1000 threads start at churn!churner and end
# with its own number as exit code; the debugger's break-in thread, which
# also starts and ends, is not one of them.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" churn
	count=$(field count "$first")
	tool "$t" events -s 60 "$pid"
	is "$rc" 0 "$combo: events on churn exits 0"
	like "$tmp/stdout" "events; the process exited$" "$combo: churn ran to its end"
	wait_for "$out" '^created='
	last=$(tr -d '\r' < "$out" | grep '^created=')
	is "$last" "created=$count exited=$count" "$combo: churn counted $count threads each way"
	is "$(grep -c '^2 CREATE_THREAD_DEBUG_EVENT .* start churn!churner$' "$tmp/stdout")" \
	    "$(field created "$last")" "$combo: a CREATE_THREAD for every thread churn created"
	# The exit codes of the threads that started at churner: 1 to count.
	awk '$2 == "CREATE_THREAD_DEBUG_EVENT" && $NF == "churn!churner" { ours[$4] = 1 }
	    $2 == "EXIT_THREAD_DEBUG_EVENT" && ($4 in ours) { print $NF; delete ours[$4] }' \
	    "$tmp/stdout" | sort -n > "$tmp/codes"
	is "$(wc -l < "$tmp/codes")" "$(field exited "$last")" \
	    "$combo: an EXIT_THREAD for every thread churn saw end"
	seq 1 "$count" > "$tmp/seq"
	ok "$combo: with exit codes 1 to $count, each once" cmp -s "$tmp/codes" "$tmp/seq"
	breakin=$(sed -n 's/^1 EXCEPTION_DEBUG_EVENT *tid \([0-9]*\) .*the attach break-in.*/\1/p' "$tmp/stdout")
	like "$tmp/stdout" "^4 EXIT_THREAD_DEBUG_EVENT +tid $breakin +exit code 0$" \
	    "$combo: the break-in thread's end is seen too, apart"
done

done_testing
