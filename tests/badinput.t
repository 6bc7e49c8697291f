#!/bin/sh
# Bad input: every row of the README's "Bad input" table, for every tool
# the row applies to.  Each case must give one line on stderr naming the
# argument or the API (with Windows' own text for an API), the documented
# exit status, and a target left as it was: printf's code bytes and page
# protection unchanged, DR7 zero in every thread, still running.
. "$(dirname "$0")/lib.sh"

# A tool that wrongly gets going is ended soon, not after 90 s.
TOOL_TIMEOUT=${TOOL_TIMEOUT:-30}

# Two targets named printf_loop.exe, one of each bitness.
start x64 printf_loop -d 20
v_x64=$pid out_x64=$out pf_x64=$(field printf "$first")
start x86 printf_loop -d 20
v_x86=$pid out_x86=$out pf_x86=$(field printf "$first")
code_x64=$(bytes "$v_x64" "$pf_x64" 16) prot_x64=$(prot "$v_x64" "$pf_x64")
code_x86=$(bytes "$v_x86" "$pf_x86" 16) prot_x86=$(prot "$v_x86" "$pf_x86")
# What every case is compared with must be a real reading.
case "$code_x64$prot_x64$code_x86$prot_x86" in
*'inspect failed'*)
	echo "Bail out! cannot read the targets: $code_x64 $prot_x64 $code_x86 $prot_x86"
	exit 1 ;;
esac
# A thread of each, to name as a thread of the other.
tid_x64=$(inspect "$v_x64" dr7 | awk 'NR == 1 { print $1 }')
tid_x86=$(inspect "$v_x86" dr7 | awk 'NR == 1 { print $1 }')

# victim ARCH: $v, $vout, $vpf, $vcode, $vprot of the ARCH target.
victim() {
	case $1 in
	x64)	v=$v_x64 vout=$out_x64 vpf=$pf_x64 vcode=$code_x64 vprot=$prot_x64 ;;
	x86)	v=$v_x86 vout=$out_x86 vpf=$pf_x86 vcode=$code_x86 vprot=$prot_x86 ;;
	esac
}

# expect STATUS REGEX DESCRIPTION: the last tool run failed that way, with
# REGEX matching its one line of stderr.
expect() {
	is "$rc" "$1" "$3: exit $1"
	ok "$3: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "$2" "$3: says why"
}

# untouched ARCH DESCRIPTION: the ARCH target is as it was.  One run of
# inspect takes every look: printf's bytes, its page's protection, the
# process's state, then DR7 in every thread, a line each.
untouched() {
	victim "$1"
	_bad=
	look "$v" bytes "$vpf" 16 + prot "$vpf" + state + dr7 > "$tmp/looks"
	_now=$(sed -n 1p "$tmp/looks")
	[ "$_now" = "$vcode" ] || _bad="$_bad, printf's bytes: $_now (were $vcode)"
	_now=$(sed -n 2p "$tmp/looks")
	[ "$_now" = "$vprot" ] || _bad="$_bad, printf's protection: $_now (was $vprot)"
	[ "$(sed -n 3p "$tmp/looks")" = running ] || _bad="$_bad, it is gone"
	_dr7=$(sed -n '4,$p' "$tmp/looks" | awk '{ print $2 }' | sort -u | tr '\n' ' ')
	[ "$_dr7" = "0 " ] || _bad="$_bad, DR7: $_dr7"
	grows "$vout" || _bad="$_bad, it stopped printing"
	if [ -z "$_bad" ]; then pass "$2: target untouched"; else
		fail "$2: target untouched"; diag "changed:${_bad#,}"
	fi
}

# run ARCH TOOL TARGET: TOOL against TARGET with harmless operands, and
# limits that end it soon should it wrongly get going.
run() {
	case $2 in
	regs|threads|seh|syscalls) tool "$1" "$2" "$3" ;;
	stepper)	tool "$1" stepper -n 1 "$3" ;;
	events)		tool "$1" events -s 1 "$3" ;;
	hwbp)		tool "$1" hwbp -s 1 "$3" e1 'msvcrt!printf' ;;
	*)		tool "$1" "$2" -s 1 "$3" 'msvcrt!printf' ;;
	esac
}

attachers="regs threads events stepper softbp hwbp guardbp bpcompare seh syscalls"
locators="softbp hwbp guardbp bpcompare"

# --- The target --------------------------------------------------------
for t in x86 x64; do
	victim "$t"
	for tl in $attachers; do
		run "$t" "$tl" 99999
		expect 1 "^$tl: OpenProcess\(pid 99999\): .+ \(87\)$" "$t $tl: no such pid"
		untouched "$t" "$t $tl: no such pid"
		run "$t" "$tl" no_such_thing
		expect 1 "^$tl: no_such_thing: no such process \(run procs to list them\)$" \
		    "$t $tl: no such name"
		untouched "$t" "$t $tl: no such name"
		run "$t" "$tl" printf_loop
		expect 1 "^$tl: printf_loop: matches 2 processes \(pids ($v_x64, $v_x86|$v_x86, $v_x64)\); give a pid$" \
		    "$t $tl: a name two processes have"
		untouched "$t" "$t $tl: a name two processes have"
		for p in 0 4; do
			run "$t" "$tl" "$p"
			expect 1 "^$tl: OpenProcess\(pid $p\): .+ \(87\)$" "$t $tl: pid $p"
			untouched "$t" "$t $tl: pid $p"
		done
	done
	tool "$t" regs 99999999999
	expect 2 '^regs: target "99999999999": pid out of range$' "$t regs: pid too large"
	untouched "$t" "$t regs: pid too large"
	tool "$t" regs
	expect 2 '^regs: missing target: a pid, an image name or -- program \[args\] \(see regs -h\)$' \
	    "$t regs: no target"
	untouched "$t" "$t regs: no target"
done

# The 32-bit build cannot debug a 64-bit process, and says which can.
victim x64
for tl in $attachers; do
	run x86 "$tl" "$v"
	expect 1 "^$tl: pid $v is a 64-bit process; use the x64 build of $tl$" \
	    "x86 $tl on an x64 target"
	untouched x64 "x86 $tl on an x64 target"
done

# Already being debugged: a holder attaches with events, every tool is
# refused, then Ctrl-C makes the holder detach.
for a in x64 x86; do
	victim "$a"
	$RUN "build/$a/events.exe" -s 120 "$v" > "$tmp/holder" 2>&1 &
	holder=$!
	wait_for "$tmp/holder" 'attach break-in'
	for combo in $COMBOS; do
		[ "${combo#*:}" = "$a" ] || continue
		t=${combo%:*}
		for tl in $attachers; do
			run "$t" "$tl" "$v"
			expect 1 "^$tl: DebugActiveProcess\(pid $v\): .+ \(5\)$" \
			    "$combo $tl: a process already being debugged"
			untouched "$a" "$combo $tl: a process already being debugged"
		done
	done
	interrupt events "$v"
	wait $holder
	like "$tmp/holder" '^[0-9]+ events; detached, the process keeps running$' \
	    "$a: the holder detached"
	untouched "$a" "$a: after the holder"
done

# --- Locations ---------------------------------------------------------
# at ARCH TOOL TARGET LOCATION: TOOL on LOCATION (hwbp: as e1 LOCATION).
at() {
	if [ "$2" = hwbp ]; then
		tool "$1" hwbp -s 1 "$3" e1 "$4"
	else
		tool "$1" "$2" -s 1 "$3" "$4"
	fi
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	victim "$a"
	for tl in $locators; do
		for loc in 'nosuch!printf' 'nosuch+0x10'; do
			at "$t" "$tl" "$v" "$loc"
			re=$(printf '%s' "$loc" | sed 's/+/\\+/')
			expect 1 "^$tl: $re: no module nosuch in pid $v \(it may not be loaded yet\)$" \
			    "$combo $tl: unknown module in $loc"
			untouched "$a" "$combo $tl: unknown module in $loc"
		done
		at "$t" "$tl" "$v" 'msvcrt!no_such_export'
		expect 1 "^$tl: msvcrt!no_such_export: msvcrt\.dll exports no no_such_export$" \
		    "$combo $tl: unknown export"
		untouched "$a" "$combo $tl: unknown export"
		at "$t" "$tl" "$v" 'msvcrt!#9999'
		expect 1 "^$tl: msvcrt!#9999: msvcrt\.dll has no ordinal 9999 \(its ordinals are [0-9]+\.\.[0-9]+\)$" \
		    "$combo $tl: an ordinal msvcrt lacks"
		untouched "$a" "$combo $tl: an ordinal msvcrt lacks"
		at "$t" "$tl" "$v" 'msvcrt!#70000'
		expect 1 "^$tl: msvcrt!#70000: bad ordinal after '#'$" \
		    "$combo $tl: an ordinal above 65535"
		untouched "$a" "$combo $tl: an ordinal above 65535"
		at "$t" "$tl" "$v" 0x10
		case $tl in
		softbp)	why='^softbp: 0x10: ReadProcessMemory\(0x10\): .+ \([0-9]+\)$' ;;
		hwbp)	why="^hwbp: e1 0x10: 0x10 is not mapped in pid $v$" ;;
		*)	why="^$tl: 0x10: 0x10 is not mapped in pid $v$" ;;
		esac
		expect 1 "$why" "$combo $tl: an address that is not mapped"
		untouched "$a" "$combo $tl: an address that is not mapped"
		for loc in 'msvcrt!printf+0xffffffffffffffff' 'msvcrt+0x100000000'; do
			at "$t" "$tl" "$v" "$loc"
			re=$(printf '%s' "$loc" | sed 's/+/\\+/')
			expect 1 "^$tl: $re: the offset leaves msvcrt\\.dll, which spans 0x[0-9a-f]+\\.\\.0x[0-9a-f]+$" \
			    "$combo $tl: an offset that leaves the module ($loc)"
			untouched "$a" "$combo $tl: an offset that leaves the module ($loc)"
		done
	done

	# A program that uses a debug register itself keeps it: hwbp takes
	# the other three, and refuses a fourth.
	start "$a" dr_self
	ds=$pid dsout=$out dpoke=$(field poke "$first")
	dcode=$(bytes "$ds" "$dpoke" 16)
	tool "$t" hwbp -s 1 "$ds" e1 'dr_self!poke' e1 'dr_self!poke' \
	    e1 'dr_self!poke' e1 'dr_self!poke'
	expect 1 '^hwbp: e1 dr_self!poke: no debug register left: the target uses 1 of the four itself$' \
	    "$combo hwbp: the target uses DR0 itself"
	is "$(bytes "$ds" "$dpoke" 16) $(dr7s "$ds")" "$dcode d0001 " \
	    "$combo hwbp: the target's code and DR7 as they were"
	stop "$ds"

	# A write watch on code the target cannot write would never fire.
	for k in w1 w4; do
		tool "$t" hwbp -s 1 "$v" "$k" 'msvcrt!printf'
		expect 1 "^hwbp: $k msvcrt!printf: $vpf is not writable \(protection 0x$vprot\): the target cannot write there, so a write watch would never fire$" \
		    "$combo hwbp $k on read-only code"
		untouched "$a" "$combo hwbp $k on read-only code"
	done
	tool "$t" guardbp -s 1 --access w "$v" 'msvcrt!printf' 16
	expect 1 "^guardbp: msvcrt!printf: $vpf is not writable \(protection 0x$vprot\): the target cannot write there, so --access w would never fire$" \
	    "$combo guardbp --access w on read-only code"
	untouched "$a" "$combo guardbp --access w on read-only code"

	# DR7 watches 1, 2, 4 or 8 bytes at an address aligned to the length.
	for k in w2 w4 rw4; do
		tool "$t" hwbp -s 1 "$v" "$k" 'printf_loop!calls+1'
		expect 1 "^hwbp: $k printf_loop!calls\+1: 0x[0-9a-f]+ is not aligned to ${k#*w} bytes \(DR7's LEN ignores the low address bits\)$" \
		    "$combo hwbp $k unaligned"
		untouched "$a" "$combo hwbp $k unaligned"
	done
	if [ "$t" = x86 ]; then
		for k in w8 rw8; do
			tool "$t" hwbp -s 1 "$v" "$k" 'printf_loop!calls'
			expect 1 "^hwbp: $k printf_loop!calls: length 8 needs the CPU in 64-bit \(IA-32e\) mode; use the 64-bit hwbp, on 64-bit Windows$" \
			    "$combo hwbp $k in a 32-bit tool"
			untouched "$a" "$combo hwbp $k in a 32-bit tool"
		done
	fi

	# A thread that is not in the target: a made-up one, the other's.
	case $a in x64) other=$tid_x86 ;; x86) other=$tid_x64 ;; esac
	for tid in 99999 "$other"; do
		tool "$t" regs -t "$tid" "$v"
		expect 1 "^regs: -t $tid: no such thread in pid $v$" "$combo regs: -t $tid"
		is "$(wc -c < "$tmp/stdout")" 0 "$combo regs: -t $tid prints no registers"
		untouched "$a" "$combo regs: -t $tid"
		tool "$t" stepper -n 1 -t "$tid" "$v"
		expect 1 "^stepper: -t $tid: no such thread in pid $v$" "$combo stepper: -t $tid"
		like "$tmp/stdout" '^0 steps; stopped by an error; ' "$combo stepper: -t $tid takes no step"
		untouched "$a" "$combo stepper: -t $tid"
	done
done

# --- Usage: checked before anything is attached ------------------------
for t in x86 x64; do
	victim "$t"
	tool "$t" hwbp "$v" e1 0x1 e1 0x2 e1 0x3 e1 0x4 e1 0x5
	expect 2 '^hwbp: e1 0x5: a 5th breakpoint; the CPU has 4 debug address registers, DR0-DR3$' \
	    "$t hwbp: a 5th breakpoint"
	untouched "$t" "$t hwbp: a 5th breakpoint"
	for k in e2 e4 e8; do
		tool "$t" hwbp "$v" "$k" "$vpf"
		expect 2 "^hwbp: $k: an execute breakpoint has length 1 \(e1\)$" "$t hwbp: $k"
		untouched "$t" "$t hwbp: $k"
	done

	for tl in softbp hwbp guardbp events stepper bpcompare; do
		for n in 0:'too small' -3:negative abc:'not a number' '':empty; do
			tool "$t" "$tl" -n "${n%%:*}" "$v" 'msvcrt!printf'
			expect 2 "^$tl: -n: \"${n%%:*}\": ${n#*:}$" "$t $tl: -n '${n%%:*}'"
			untouched "$t" "$t $tl: -n '${n%%:*}'"
		done
	done
	for tl in softbp hwbp guardbp events bpcompare; do
		for s in 0:'too small' -1:negative soon:'not a number' 86401:'too large'; do
			tool "$t" "$tl" -s "${s%%:*}" "$v" 'msvcrt!printf'
			expect 2 "^$tl: -s: \"${s%%:*}\": ${s#*:}$" "$t $tl: -s '${s%%:*}'"
			untouched "$t" "$t $tl: -s '${s%%:*}'"
		done
	done

	for tl in procs $attachers; do
		tool "$t" "$tl" -q "$v"
		expect 2 "^$tl: unknown option -q \(see $tl -h\)$" "$t $tl: unknown option"
		untouched "$t" "$t $tl: unknown option"
		tool "$t" "$tl" --frobnicate "$v"
		expect 2 "^$tl: unknown option --frobnicate \(see $tl -h\)$" "$t $tl: unknown long option"
		untouched "$t" "$t $tl: unknown long option"
	done
	for tl in $attachers; do
		tool "$t" "$tl" "$v" -q
		expect 2 "^$tl: -q: options come first \(see $tl -h\)$" "$t $tl: an option after the target"
		untouched "$t" "$t $tl: an option after the target"
	done
	for tl in regs threads events stepper seh; do
		tool "$t" "$tl" "$v" 7
		expect 2 "^$tl: 7: extra operand \(see $tl -h\)$" "$t $tl: an extra operand"
		untouched "$t" "$t $tl: an extra operand"
	done
	tool "$t" procs 7
	expect 2 '^procs: 7: extra operand \(see procs -h\)$' "$t procs: an operand"
	tool "$t" events --help=1
	expect 2 '^events: option --help takes no argument \(see events -h\)$' \
	    "$t events: an argument to a long option without one"
	tool "$t" events -n
	expect 2 '^events: option -n needs an argument \(see events -h\)$' "$t events: missing argument"
	tool "$t" regs -t zz "$v"
	expect 2 '^regs: -t: "zz": not a number$' "$t regs: -t not a number"
	untouched "$t" "$t regs: -t not a number"
	for o in -1:-1 -2:-2 --first:-1 --second:-2; do
		tool "$t" events "${o%:*}" maybe "$v"
		expect 2 "^events: ${o#*:}: \"maybe\": not gh \(DBG_CONTINUE\) or gn \(DBG_EXCEPTION_NOT_HANDLED\)$" \
		    "$t events: ${o%:*} maybe"
		untouched "$t" "$t events: ${o%:*} maybe"
	done
done

# syscalls: a function ntdll does not export, checked once attached.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	victim "$a"
	tool "$t" syscalls "$v" NtDelayExecution NtNoSuchThing
	expect 1 '^syscalls: NtNoSuchThing: ntdll\.dll exports no NtNoSuchThing$' \
	    "$combo syscalls: an export ntdll lacks"
	is "$(wc -c < "$tmp/stdout")" 0 "$combo syscalls: prints no row before it knows every name"
	untouched "$a" "$combo syscalls: an export ntdll lacks"
done

# After all of it, each target can still be debugged.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	victim "$a"
	tool "$t" regs "$v"
	is "$rc" 0 "$combo: regs still works on the target"
done

done_testing
