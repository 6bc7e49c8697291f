#!/bin/sh
# stack walks deep's chain exactly: every return address and stack
# pointer that deep noted itself (main, outer, middle x3, inner, rest),
# in order, found by the rule each build calls for: the EBP chain (x86
# with frame pointers), CFI (x86 without), .pdata (x64); on x86, x64 and
# WOW64.  dbghelp's StackWalk64 and winedbg's bt agree where they can
# walk it; a broken chain is reported where it breaks, never walked
# across; bad input gets one line; the target is detached and runs on.
. "$(dirname "$0")/lib.sh"

TOOL_TIMEOUT=${TOOL_TIMEOUT:-60}

# chain LINE: deep's frames from its first line, "RET SP" each, innermost
# first: rest inner middle middle middle outer main.
chain() {
	printf '%s\n' "$1" | tr ' ' '\n' |
	    sed -n 's/^[a-z]*=0x\([0-9a-f]*\)\/0x\([0-9a-f]*\)$/\1 \2/p'
}

# ours FILE / theirs FILE: the frames stack printed (-a), before and
# after "dbghelp's StackWalk64:", as "N ADDR SP ARG1 ARG2 ARG3 HOW WHERE".
ours() { awk '/^dbghelp/ { exit } /^ +[0-9]+  [0-9a-f]+  / { print $1, $2, $3, $4, $5, $6, $7, $8 }' "$1"; }
theirs() { awk '/^dbghelp.s StackWalk64:/ { on = 1; next } on && /^ +[0-9]+  [0-9a-f]+  / { print $1, $2, $3, $4, $5, $6, $7, $8 }' "$1"; }

# match FRAMES CHAIN: the frames, from the one at the chain's first
# return address on, one per pair of the chain, same address and same
# stack pointer (as numbers); prints them, or nothing if any differs.
match() {
	awk -v want="$2" '
	function norm(x) { sub(/^0+/, "", x); return x }
	BEGIN { n = split(want, w, "\n") }
	{ f[NR] = $0; a[NR] = norm($2); s[NR] = norm($3) }
	END {
		split(w[1], p, " ")
		for (i = 1; i <= NR && a[i] != norm(p[1]); i++) ;
		for (k = 1; k <= n; k++) {
			split(w[k], p, " ")
			if (i + k - 1 > NR || a[i + k - 1] != norm(p[1]) ||
			    s[i + k - 1] != norm(p[2]))
				exit 1
		}
		for (k = 1; k <= n; k++) print f[i + k - 1]
	}' "$1"
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	for b in deep deep-fpo; do
		w="$combo $b"
		start "$a" "$b"
		tid=$(field tid "$first")
		want=$(chain "$first")
		tool "$t" stack -a --dbghelp -t "$tid" "$pid"
		is "$rc" 0 "$w: exit 0"
		is "$(cat "$tmp/stderr")" "" "$w: nothing on stderr"
		like "$tmp/stdout" "^thread $tid\$" "$w: the thread asked for"
		ours "$tmp/stdout" > "$tmp/ours"
		match "$tmp/ours" "$want" > "$tmp/chain"
		ok "$w: the 7 frames deep noted, exact, in order" [ "$(wc -l < "$tmp/chain")" -eq 7 ]
		[ -s "$tmp/chain" ] || diag "deep: $first" "$(cat "$tmp/ours")"

		# Named by the export below each address; the last is the C runtime's.
		is "$(awk '{ print $8 }' "$tmp/chain" | sed 's/+0x[0-9a-f]*$//' | tr '\n' ' ')" \
		    "$b!inner $b!middle $b!middle $b!middle $b!outer $b!main $b " \
		    "$w: inner, middle x3, outer, main, then the C runtime"
		# Found by the rule the build calls for (main's own frame
		# may differ: gcc realigns its stack with a frame pointer).
		case $a:$b in
		x86:deep)	how=ebp ;;
		x86:deep-fpo)	how=cfi ;;
		*)		how=pdata ;;
		esac
		is "$(head -n 6 "$tmp/chain" | awk '{ print $7 }' | sort -u)" "$how" \
		    "$w: each found by $how"
		like "$tmp/stdout" '^[0-9]+ frames; the return address is 0: the outermost frame$' \
		    "$w: the walk ends at the outermost frame"

		# -a: middle(depth, 0x1d1d1d1d, 0x2e2e2e2e), outer(0x0badf00d,
		# 0x5eed5eed), where they are on the stack: x86's arguments,
		# x64's home space where -O0 spills them.  An int fills only
		# the low half of its 8-byte home slot; the rest is old data.
		if [ "$a" = x86 ] || [ "$b" = deep ]; then
			is "$(awk 'NR >= 2 && NR <= 4 { print $4, $5, $6 }
			    NR == 5 { print $4, $5 }' "$tmp/chain" | tr ' ' '\n' |
			    sed 's/^.*\(........\)$/\1/; s/^0*\(.\)/\1/' | tr '\n' ' ')" \
			    "1 1d1d1d1d 2e2e2e2e 2 1d1d1d1d 2e2e2e2e 3 1d1d1d1d 2e2e2e2e badf00d 5eed5eed " \
			    "$w: -a shows middle's and outer's arguments"
		fi

		# dbghelp: all of it on x64; on x86 every frame of the chain
		# with frame pointers.  (Wine's StackWalk64 takes the EBP chain
		# from ntdll's system call stub, which skips kernelbase!Sleep,
		# and loses deep-fpo at its first frame without a frame pointer.)
		theirs "$tmp/stdout" > "$tmp/theirs"
		case $a:$b in
		x64:*)	like "$tmp/stdout" '^dbghelp agrees: the same [0-9]+ frames$' \
			    "$w: StackWalk64 finds the same frames" ;;
		x86:deep) ok "$w: StackWalk64 finds the chain's 7 frames, the same" \
			    [ "$(match "$tmp/theirs" "$want" | wc -l)" -eq 7 ] ;;
		esac

		# winedbg's bt (the same dbghelp, through the 64-bit winedbg).
		# It also lists the functions inlined at an address, each at
		# that address: runs of one address count once, on both sides.
		if [ -n "$RUN" ] && [ -x /usr/lib/wine/wine64 ] &&
		    { [ "$combo $b" = "x64:x64 deep-fpo" ] || [ "$combo $b" = "x64:x86 deep" ]; }; then
			printf 'bt 0x%x\ndetach\n' "$tid" > "$tmp/wd"
			timeout 60 /usr/lib/wine/wine64 winedbg --file "$tmp/wd" "$pid" 2>/dev/null |
			    tr -d '\r' | sed -n 's/^\(=>\| \+\)[0-9]\+ 0x0*\([0-9a-f]*\) .*/\2/p' |
			    uniq > "$tmp/bt"
			awk '{ sub(/^0+/, "", $2); print $2 }' "$tmp/ours" | uniq > "$tmp/ourips"
			if [ "$a" = x64 ]; then
				ok "$w: winedbg's bt has the same frames" cmp -s "$tmp/bt" "$tmp/ourips"
			else
				# Ours has kernelbase!Sleep too, which winedbg skips.
				ok "$w: winedbg's bt frames are ours, in order" \
				    awk 'NR == FNR { b[++n] = $1; next } $1 == b[i + 1] { i++ } END { exit !(n > 0 && i == n) }' \
				    "$tmp/bt" "$tmp/ourips"
			fi
			[ "$(wc -l < "$tmp/bt")" -gt 0 ] || diag "winedbg printed no frames"
			ok "$w: the target runs on after winedbg" running "$pid"
		fi
		stop "$pid"
	done

	# deep -b: middle(2) overwrote the EBP/RBP it saved for middle(3).
	# The walk follows it as far as it is right, and stops there.
	start "$a" deep -b
	tid=$(field tid "$first")
	tool "$t" stack -a -t "$tid" "$pid"
	ours "$tmp/stdout" > "$tmp/ours"
	want=$(chain "$first" | head -n 4)
	ok "$combo deep -b: rest, inner, middle, middle exact" \
	    [ "$(match "$tmp/ours" "$want" | wc -l)" -eq 4 ]
	last=$(tail -n 1 "$tmp/ours")
	like "$tmp/ours" "^$(echo "$last" | cut -d' ' -f1) [0-9a-f]+ [0-9a-f]+ .* deep!middle\\+" \
	    "$combo deep -b: the last frame is middle(3), found before the broken link"
	case $a in
	x86)	why='EBP is 0x1234, not a frame on the stack above ESP 0x[0-9a-f]+: no frame pointer to follow' ;;
	x64)	why='the unwind codes of deep\.exe lead to 0x1234, which cannot be read \(.*\)' ;;
	esac
	like "$tmp/stdout" "^[0-9]+ frames; the chain is broken after frame $(echo "$last" | cut -d' ' -f1): $why\$" \
	    "$combo deep -b: says where the chain broke, and why"
	unlike "$tmp/ours" 'deep!outer' "$combo deep -b: no frame past the break"
	is "$rc" 0 "$combo deep -b: exit 0"
	stop "$pid"
done

# Every thread, the break-in thread too; -n; detached, the target runs on.
start x64 deep
tool x64 stack "$pid"
is "$rc" 0 "every thread: exit 0"
like "$tmp/stdout" "^pid $pid: x64, 2 threads\$" "every thread: deep's and the break-in thread"
awk '/^thread .*break-in/ { on = 1; next } on && /^ +0  / { print; exit }' "$tmp/stdout" > "$tmp/bi"
like "$tmp/bi" ' context +ntdll!DbgBreakPoint' "the break-in thread stands in DbgBreakPoint"
tool x64 stack -n 3 -t "$(field tid "$first")" "$pid"
like "$tmp/stdout" '^3 frames; -n 3 stopped the walk$' "-n 3 stops at 3 frames"
is "$(ours "$tmp/stdout" | wc -l)" 3 "-n 3 shows 3"
ok "deep runs on after stack detached" running "$pid"
tool x64 regs "$pid"
is "$rc" 0 "and regs can attach: stack detached"
stop "$pid"

# The launch form: the program's first thread, at the loader's breakpoint.
tool x64 stack -- build/x64/deep.exe
lpid=$(sed -n 's/^pid \([0-9]*\): x64, 1 thread$/\1/p' "$tmp/stdout")
winpids="$winpids $lpid"
is "$rc" 0 "stack -- deep: exit 0"
like "$tmp/stdout" '^  0  [0-9a-f]+  [0-9a-f]+  context  ntdll!' "stack -- deep: stopped in ntdll's loader"
[ -n "$lpid" ] && stop "$lpid"

# --- Bad input: one line, the documented status, the target untouched.
start x64 deep
v64=$pid
start x86 deep
v86=$pid
# expect STATUS REGEX DESCRIPTION: as in badinput.t.
expect() {
	is "$rc" "$1" "$3: exit $1"
	ok "$3: one line on stderr" one_line "$tmp/stderr"
	like "$tmp/stderr" "$2" "$3: says why"
}
for t in x86 x64; do
	tool "$t" stack 99999
	expect 1 '^stack: OpenProcess\(pid 99999\): .+ \(87\)$' "$t: no such pid"
	tool "$t" stack no_such_thing
	expect 1 '^stack: no_such_thing: no such process \(run procs to list them\)$' "$t: no such name"
	tool "$t" stack deep
	expect 1 "^stack: deep: matches 2 processes \\(pids ($v64, $v86|$v86, $v64)\\); give a pid\$" "$t: two deeps"
	for p in 0 4; do
		tool "$t" stack "$p"
		expect 1 "^stack: OpenProcess\\(pid $p\\): .+ \\(87\\)\$" "$t: pid $p"
	done
	tool "$t" stack 99999999999
	expect 2 '^stack: target "99999999999": pid out of range$' "$t: pid too large"
	tool "$t" stack -q "$v86"
	expect 2 '^stack: unknown option -q \(see stack -h\)$' "$t: unknown option"
	tool "$t" stack "$v86" -a
	expect 2 '^stack: -a: options come first \(see stack -h\)$' "$t: an option after the target"
	tool "$t" stack "$v86" 7
	expect 2 '^stack: 7: extra operand \(see stack -h\)$' "$t: an extra operand"
	for n in 0:'too small' -3:negative abc:'not a number' '':empty 4097:'too large'; do
		tool "$t" stack -n "${n%%:*}" "$v86"
		expect 2 "^stack: -n: \"${n%%:*}\": ${n#*:}\$" "$t: -n '${n%%:*}'"
	done
	tool "$t" stack -t 99999 "$v86"
	expect 1 "^stack: -t 99999: no such thread in pid $v86\$" "$t: -t not a thread of the target"
	is "$(wc -c < "$tmp/stdout")" 0 "$t: -t not a thread: no frames"
done
tool x86 stack "$v64"
expect 1 "^stack: pid $v64 is a 64-bit process; use the x64 build of stack\$" "x86 stack on an x64 target"
# Already being debugged: regs... is quick; events holds it.
$RUN build/x64/events.exe -s 60 "$v64" > "$tmp/holder" 2>&1 &
holder=$!
wait_for "$tmp/holder" 'attach break-in'
tool x64 stack "$v64"
expect 1 "^stack: DebugActiveProcess\\(pid $v64\\): .+ \\(5\\)\$" "a process already being debugged"
kill -INT $(pgrep -f "^[^ ]*events\.exe -s 60 $v64\$") 2>/dev/null
wait $holder
for v in $v64 $v86; do
	ok "pid $v: still running" running "$v"
	is "$(code "$v")" same "pid $v: its code is as on disk"
	tool x64 regs "$v"
	is "$rc" 0 "pid $v: not left attached (regs attaches)"
done

done_testing
