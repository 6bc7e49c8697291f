#!/bin/sh
# adversarial: every breakpoint tool and the stepper against targets that
# do to a debugger what real programs do, on x86, x64 and WOW64.  Each
# target counts what it did and checks what it saw; after each run the
# test reads those invariants, and tests/inspect.c looks at the target
# from outside (its code against its files, DR7, page protections).
#   flags     pushf/popf around the breakpoint: no trap flag may leak
#   tf_self   its own trap flag: every single-step it raises is its own
#   dr_self   its own debug register: kept, and each of its hits its own
#   churn     threads that start and end during a step past a breakpoint,
#             and end on the breakpoint's very instruction
#   pages     data over many pages, accesses straddling two
#   прогон    a copy of printf_loop with a name ANSI cannot spell
# and regs and threads on a process that creates threads without end,
# the stepper leaving a thread behind, and more than 64 threads at one
# breakpoint.  With SOAK=1 (make soak) every run is longer: a few
# minutes in all.
. "$(dirname "$0")/lib.sh"

# softbp and guardbp end on their time limit (secs), with their
# breakpoints in; hwbp on its hit count (hits).
if [ "${SOAK:-0}" = 1 ]; then
	hits=200 secs=20 rounds=60 churns=1000 race=20
else
	hits=3 secs=2 rounds=10 churns=100 race=1
fi

# settled: once the target has printed two more whole lines, the second,
# so that its counts include what happened until the tool let go.
settled() {
	_n=$(wc -l < "$out")
	await has_more_lines "$out" $((_n + 1))
	sed -n "$((_n + 2))p" "$out" | tr -d '\r'
}

# matches STRING REGEX DESCRIPTION: STRING matches the extended REGEX.
matches() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then pass "$3"; else
		fail "$3"; diag "'$1' does not match /$2/"
	fi
}

# exit0 DESCRIPTION: the tool exited 0; if not, what it said on stderr.
exit0() {
	is "$rc" 0 "$1"
	[ "$rc" = 0 ] || diag "stderr: $(cat "$tmp/stderr")"
}

# intact WHAT CODE PAGE PROT DR7: inspect.c's view of $pid after a run:
# the code at CODE, DR7, the protection of PAGE.  done_with WHAT:
# the code of every module, and that the target runs on, once it has
# met every tool.
intact() {
	is "$(disk "$pid" "$2" 16)" same "$1: the code there is as on disk"
	is "$(dr7s "$pid")" "$5" "$1: DR7 in every thread: $5"
	is "$(prot "$pid" "$3")" "$4" "$1: the page's protection is as before"
}
done_with() {
	is "$(code "$pid")" same "$1: after every tool, all its code is as on disk"
	ok "$1: and it runs on" running "$pid"
	stop "$pid"
}

# cmds COMMANDS...: the commands for an interactive stepper, one a line,
# in $tmp/cmds, to feed it from a pipe.
cmds() { printf '%s\n' "$@" > "$tmp/cmds"; }

# ended: the last line of a tool whose target exited under it.
ended() { like "$tmp/stdout" "^[0-9]+ (hits?|steps?); the target exited; nothing left to clean up$" "$1"; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}

	# --- flags: pushf; mov (sp), ax; popf; nop; ret --------------------
	start "$a" flags
	F=$(field saveflags "$first")
	fprot=$(prot "$pid" "$F")
	tool "$t" softbp -s $secs "$pid" 'flags!saveflags'
	exit0 "$combo flags softbp: exit 0"
	matches "$(settled)" " tf=0 stray=0 code=same$" \
	    "$combo flags softbp: no TF reached its flags or its handler"
	intact "$combo flags softbp" "$F" "$F" "$fprot" "0 "
	tool "$t" guardbp -s $secs --access x "$pid" 'flags!saveflags'
	exit0 "$combo flags guardbp: exit 0"
	matches "$(settled)" " tf=0 stray=0 code=same$" "$combo flags guardbp: no TF leaked"
	intact "$combo flags guardbp" "$F" "$F" "$fprot" "0 "
	tool "$t" hwbp -n $hits -s 10 "$pid" e1 'flags!saveflags'
	exit0 "$combo flags hwbp: exit 0"
	matches "$(settled)" " tf=0 stray=0 code=same$" "$combo flags hwbp: no TF leaked"
	intact "$combo flags hwbp" "$F" "$F" "$fprot" "0 "
	cmds 'b flags!saveflags' c s s s s s q
	tool "$t" stepper "$pid" < "$tmp/cmds"
	is "$(grep -c '^ *[0-9]*  flags!saveflags' "$tmp/stdout")" 5 \
	    "$combo flags stepper: five steps through pushf .. ret"
	matches "$(settled)" " tf=0 stray=0 code=same$" "$combo flags stepper: no TF leaked"
	intact "$combo flags stepper" "$F" "$F" "$fprot" "0 "
	done_with "$combo flags"

	# --- tf_self: pushf; or TF; popf; nop (trapped) --------------------
	start "$a" tf_self
	T=$(field trapped "$first")
	tprot=$(prot "$pid" "$T")
	own() { echo "$1" | awk '$2 == $4 { print "caught all"; next } { print }'; }
	tool "$t" softbp -s $secs "$pid" 'tf_self!trapped'
	exit0 "$combo tf_self softbp: exit 0"
	is "$(own "$(settled)")" "caught all" "$combo tf_self softbp: its own traps all reached it"
	intact "$combo tf_self softbp" "$T" "$T" "$tprot" "0 "
	tool "$t" guardbp -s $secs --access x "$pid" 'tf_self!trapped'
	exit0 "$combo tf_self guardbp: exit 0"
	is "$(own "$(settled)")" "caught all" "$combo tf_self guardbp: its own traps all reached it"
	intact "$combo tf_self guardbp" "$T" "$T" "$tprot" "0 "
	# Not on trapped itself: every #DB, an execute breakpoint's too,
	# clears TF in the thread's saved flags (Windows' KiTrap01, and Wine
	# likewise), and the trap the program set for that instruction with it.
	tool "$t" hwbp -n $hits -s 10 "$pid" e1 'tf_self!marker'
	exit0 "$combo tf_self hwbp: exit 0"
	is "$(own "$(settled)")" "caught all" "$combo tf_self hwbp: its own traps all reached it"
	intact "$combo tf_self hwbp" "$T" "$T" "$tprot" "0 "
	tool "$t" stepper -n 60 "$pid"
	exit0 "$combo tf_self stepper: exit 0"
	is "$(own "$(settled)")" "caught all" "$combo tf_self stepper: its own traps all reached it"
	intact "$combo tf_self stepper" "$T" "$T" "$tprot" "0 "
	tool "$t" stepper --blocks -n 60 "$pid"
	exit0 "$combo tf_self stepper --blocks: exit 0"
	is "$(own "$(settled)")" "caught all" "$combo tf_self stepper --blocks: its own traps all reached it"
	intact "$combo tf_self stepper --blocks" "$T" "$T" "$tprot" "0 "
	done_with "$combo tf_self"

	# --- dr_self: DR0 on its own variable, which poke() writes ---------
	start "$a" dr_self
	W=$(field watched "$first") K=$(field poke "$first")
	wprot=$(prot "$pid" "$W")
	mine() { echo "$1" | awk '$2 == $4 && $6 == 0 && $7 == "dr0=same" { print "its own"; next } { print }'; }
	tool "$t" hwbp -n 2 -s 10 "$pid" e1 'dr_self!poke'
	exit0 "$combo dr_self hwbp: exit 0"
	like "$tmp/stdout" "^DR1 = dr_self!poke " "$combo dr_self hwbp: takes DR1, as the target uses DR0"
	is "$(mine "$(settled)")" "its own" "$combo dr_self hwbp: its DR0 kept, each hit of it its own"
	intact "$combo dr_self hwbp" "$K" "$W" "$wprot" "d0001 "
	tool "$t" softbp -s $secs "$pid" 'dr_self!poke'
	exit0 "$combo dr_self softbp: exit 0"
	is "$(mine "$(settled)")" "its own" "$combo dr_self softbp: the step over its write left its hit to it"
	intact "$combo dr_self softbp" "$K" "$W" "$wprot" "d0001 "
	tool "$t" guardbp -s $secs "$pid" "$W" 4
	exit0 "$combo dr_self guardbp: exit 0"
	is "$(mine "$(settled)")" "its own" "$combo dr_self guardbp: likewise"
	intact "$combo dr_self guardbp" "$K" "$W" "$wprot" "d0001 "
	cmds 'b dr_self!poke' c s q
	tool "$t" stepper "$pid" < "$tmp/cmds"
	like "$tmp/stdout" "^ *1  dr_self!poke .*\\(the target's own trap too\\)$" \
	    "$combo dr_self stepper: the step that fired its DR0 is its own too"
	is "$(mine "$(settled)")" "its own" "$combo dr_self stepper: and went to it"
	intact "$combo dr_self stepper" "$K" "$W" "$wprot" "d0001 "
	tool "$t" stepper --blocks -n 60 "$pid"
	exit0 "$combo dr_self stepper --blocks: exit 0"
	is "$(mine "$(settled)")" "its own" "$combo dr_self stepper --blocks: its DR0's hits went to it"
	intact "$combo dr_self stepper --blocks" "$K" "$W" "$wprot" "d0001 "
	done_with "$combo dr_self"

	# --- churn: threads start and end while others step ----------------
	start "$a" churn -n $churns -j 64
	tool "$t" softbp -s 120 "$pid" 'churn!churner'
	ended "$combo churn -j 64 softbp: churn ran to its end"
	wait_for "$out" '^created='
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  churn!churner ' "$tmp/stdout")" $churns \
	    "$combo churn -j 64 softbp: one hit per thread, each held while another stepped"
	like "$out" "^created=$churns exited=$churns" "$combo churn -j 64 softbp: $churns threads each way"
	# leave: the instruction a thread's last system call leaves on.  On
	# x64 it is NtTerminateThread's own; Wine's 32-bit system calls all
	# leave through one gate, hit by every call of every thread.
	if [ "$a" = x64 ]; then
		start "$a" churn -n $churns -j 4
		L=$(field leave "$first")
		tool "$t" softbp -s 120 "$pid" "$L"
		ended "$combo churn leave softbp: churn ran to its end"
		wait_for "$out" '^created='
		is "$(grep '^hit [0-9]*  tid [0-9]*  ' "$tmp/stdout" | grep -vc '(break-in)')" $churns \
		    "$combo churn leave softbp: every thread hit the instruction it ended on"
		like "$out" "^ran=$churns" "$combo churn leave softbp: every thread ran"
	fi
	# A guard comes off the page as it fires, and another thread may get
	# through before the debug event stops the process: with threads
	# that run at once, a guard page cannot count every call.
	start "$a" churn -n $churns -j 1
	tool "$t" guardbp -s 120 --access x "$pid" 'churn!churner'
	ended "$combo churn guardbp: churn ran to its end"
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  execute at churn!churner ' "$tmp/stdout")" $churns \
	    "$combo churn guardbp: one hit per thread"
	# One thread at a time for a debug register: under Wine 8 a thread
	# whose debug register fires as another starts can wedge (README).
	start "$a" churn -n $churns -j 1
	tool "$t" hwbp -s 120 "$pid" e1 'churn!churner'
	ended "$combo churn hwbp: churn ran to its end"
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  DR0 (execute) at churn!churner$' "$tmp/stdout")" $churns \
	    "$combo churn hwbp: one hit per thread"

	# --- pages: guards over many pages, straddling accesses ------------
	# One worker: every access is a hit, those that straddle two pages
	# once.  Four: guards that two threads took off at once all go back,
	# so the program's own reading back of its data (peek) faults on
	# every page.
	start "$a" pages -p 8 -r $rounds -t 1
	D=$(field data "$first") S=$(field size "$first")
	tool "$t" guardbp -s 120 "$pid" "$D" "$S"
	ended "$combo pages guardbp: pages ran to its end"
	wait_for "$out" '^accesses='
	last=$(tail -n 1 "$out" | tr -d '\r')
	like "$tmp/stdout" "PAGE_GUARD on 8 pages$" "$combo pages guardbp: 8 pages guarded"
	is "$(grep -Ec '^hit .* by pages!touch(\+0x[0-9a-f]+)?: ' "$tmp/stdout")" "$(field accesses "$last")" \
	    "$combo pages guardbp: one hit per access, straddling ones too ($last)"
	is "$(field data "$last")" same "$combo pages guardbp: the data is what it wrote"
	start "$a" pages -p 8 -r $rounds -t 4
	D=$(field data "$first")
	tool "$t" guardbp -s 120 "$pid" "$D" "$S"
	ended "$combo pages -t 4 guardbp: pages ran to its end"
	grep -E '^hit .* by pages!peek(\+0x[0-9a-f]+)?: ' "$tmp/stdout" |
	    sed 's/.* at \(0x[0-9a-f]*\) .*/\1/' | while read -r x; do
		echo $(( (x - D) / 4096 ))
	done | sort -u | tr '\n' ' ' > "$tmp/pages"
	is "$(cat "$tmp/pages")" "0 1 2 3 4 5 6 7 " \
	    "$combo pages -t 4 guardbp: every page still guarded at the end"
	start "$a" pages -p 8 -r $rounds
	tool "$t" softbp -s 120 "$pid" 'pages!touch'
	ended "$combo pages softbp: pages ran to its end"
	wait_for "$out" '^accesses='
	last=$(tail -n 1 "$out" | tr -d '\r')
	is "$(grep -c '^hit ' "$tmp/stdout")" "$(field accesses "$last")" "$combo pages softbp: one hit per call"
	start "$a" pages -p 8 -r $rounds -t 1
	tool "$t" hwbp -s 120 "$pid" w4 "$(field slot "$first")"
	ended "$combo pages hwbp: pages ran to its end"
	is "$(grep -c '^hit ' "$tmp/stdout")" $rounds "$combo pages hwbp: one write to the slot a round"
	# The main thread: the workers have not started yet when the stepper
	# attaches, and under Wine a thread given TF before it starts keeps
	# a copy in the context it starts from, which traps again later.
	start "$a" pages -p 8 -r $rounds
	tool "$t" stepper -n 300 "$pid"
	exit0 "$combo pages stepper: exit 0"
	wait_for "$out" '^accesses='
	like "$out" "data=same" "$combo pages stepper: the data is what it wrote"
	start "$a" pages -p 8 -r $rounds
	tool "$t" stepper --blocks -n 300 "$pid"
	exit0 "$combo pages stepper --blocks: exit 0"
	wait_for "$out" '^accesses='
	like "$out" "data=same" "$combo pages stepper --blocks: the data is what it wrote"

	# --- a name ANSI cannot spell --------------------------------------
	cp "build/$a/printf_loop.exe" "$tmp/прогон.exe"
	cp "build/$a/printf_loop.exe" "$tmp/café.exe"
	start_copy() {
		out=$tmp/$1.out
		: > "$out"
		$RUN "$tmp/$1.exe" > "$out" 2>&1 &
		await has_started "$out"
		pid=$(field pid "$first")
		winpids="$winpids $pid"
	}
	start_copy прогон
	P=$(field printf "$first")
	pprot=$(prot "$pid" "$P")
	start_copy café
	cafe=$pid
	pid=$(field pid "$(head -n 1 "$tmp/прогон.out" | tr -d '\r')")
	tool "$t" threads абвгде
	is "$rc" 1 "$combo names: another name with as many letters matches nothing"
	is "$(cat "$tmp/stderr")" "threads: абвгде: no such process (run procs to list them)" \
	    "$combo names: and says so in full"
	tool "$t" threads прогон
	like "$tmp/stdout" "^pid $pid: " "$combo names: threads прогон finds it"
	tool "$t" threads CAFÉ
	like "$tmp/stdout" "^pid $cafe: " "$combo names: threads CAFÉ finds café.exe"
	tool "$t" procs
	like "$tmp/stdout" "^ *$pid .* прогон\\.exe$" "$combo names: procs spells it"
	tool "$t" softbp -n $hits прогон 'msvcrt!printf'
	like "$tmp/stdout" "^$hits hits; hit count reached; breakpoints removed" "$combo names: softbp on it by name"
	intact "$combo names softbp" "$P" "$P" "$pprot" "0 "
	done_with "$combo names"
	stop "$cafe"

	# --- regs, threads, stepper on a process that creates threads ------
	start "$a" churn -n 1000000 -j 8 -d 1
	tool "$t" stepper -n 500 "$pid"
	exit0 "$combo churning: the stepper steps while threads come and go"
	like "$tmp/stdout" "^500 steps; done; breakpoints removed" "$combo churning: all 500 steps"
	hung=0 bad=0
	for tl in regs threads regs threads regs threads regs threads regs threads regs threads; do
		TOOL_TIMEOUT=30 tool "$t" $tl "$pid"
		[ $rc = 124 ] && hung=$((hung + 1))
		[ $rc = 0 ] || [ -s "$tmp/stderr" ] || bad=$((bad + 1))
	done
	is "$hung" 0 "$combo churning: regs and threads never hang"
	is "$bad" 0 "$combo churning: each exits 0, or says why not"
	tool "$t" stepper --blocks -n 500 "$pid"
	exit0 "$combo churning: stepper --blocks steps while threads come and go"
	like "$tmp/stdout" "^[0-9]+ steps; done; breakpoints removed" "$combo churning: --blocks too"
	is "$(code "$pid")" same "$combo churning: all its code as on disk after --blocks"
	ok "$combo churning: it churns on" running "$pid"
	stop "$pid"

	# --- stepper --blocks on one thread, others running the same code --
	# They pass the INT3s that stay at the ends of its blocks, by
	# emulation; race counts every call, and the sum must be exact.
	start "$a" race -n 1000000 4
	TOOL_TIMEOUT=30 tool "$t" threads "$pid"
	worker=$(tr -d '\r' < "$tmp/stdout" | awk '$2 ~ /^race!/ { print $1; exit }')
	tool "$t" stepper --blocks -n 400 -t "${worker:-0}" "$pid"
	exit0 "$combo race stepper --blocks: exit 0"
	like "$tmp/stdout" "other threads passed the INT3s [1-9][0-9]* times" \
	    "$combo race stepper --blocks: the other threads met its INT3s"
	is "$(code "$pid")" same "$combo race stepper --blocks: all its code as on disk"
	is "$(dr7s "$pid")" "0 " "$combo race stepper --blocks: DR7 clear"
	wait_for "$out" '^done calls='
	like "$out" "^done calls=4000000" "$combo race stepper --blocks: every call of every thread made once"

	# --- a thread left with TF: the stepper's, when another hits -------
	start "$a" spin_threads 2
	second=$(field tids "$first" | cut -d, -f2)
	cmds 'b spin_threads!work' s q
	tool "$t" stepper -i -t "$second" "$pid" < "$tmp/cmds"
	sleep 1.5	# a trap flag left behind fires within a second
	ok "$combo stepper: the thread it left behind lives on" running "$pid"
	is "$(dr7s "$pid")" "0 " "$combo stepper: DR7 clear"
	stop "$pid"

done

# More than 64 threads at one breakpoint, all late while one steps past
# it (arrays of a fixed size once stopped such a run at 65, silently).
# Once: 80 threads spinning take the machine.
start x64 race -p 0 80
tool x64 softbp -s $race "$pid" 'race!work'
exit0 "race 80: softbp exits 0"
like "$tmp/stdout" "^[0-9]+ hits; time limit reached; breakpoints removed" \
    "race 80: ends at its time limit"
is "$(disk "$pid" "$(field work "$first")" 16)" same "race 80: work() as on disk"
stop "$pid"

done_testing
