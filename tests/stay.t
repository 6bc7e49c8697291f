#!/bin/sh
# stay: persistent INT3s that never leave the code (softbp -m emulate and
# -m displaced) on a function that 1, 4 and 100 threads call, on x86, x64
# and WOW64: every call counted (the hits equal race's own count), no
# thread ever held, and nothing left behind: the code as on disk, DR7 and
# TF clear in every thread, the scratch page freed.
. "$(dirname "$0")/lib.sh"

# race!work is "lock inc [calls]; ret": the lock prefix cannot be
# emulated, so the INT3 on work runs displaced (on x64 its operand is
# RIP-relative, and rewritten); the ret at work+7 is emulated.
for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	for run in "emulate race!work+7 emulated" "displaced race!work displaced" \
	    "emulate race!work displaced"; do
		set -- $run
		mode=$1 loc=$2 way=$3
		for n in 1 4 100; do
			calls=$((n == 100 ? 20 : 300))
			what="$combo: -m $mode on $loc, $n thread$([ $n = 1 ] || echo s)"
			tool "$t" softbp -m "$mode" "$loc" -- "build/$a/race.exe" -n "$calls" "$n"
			is "$rc" 0 "$what: exit 0"
			made=$(sed -n 's/^done calls=//p' "$tmp/stdout")
			is "$made" $((n * calls)) "$what: race made its $((n * calls)) calls"
			is "$(grep -c '^hit ' "$tmp/stdout")" "${made:-none}" \
			    "$what: every call was a hit"
			if [ "$way" = emulated ]; then
				want="^past the breakpoints: $made emulated, 0 displaced, 0 with the byte out \\(the other threads held 0 times\\)$"
			else
				want="^past the breakpoints: 0 emulated, $made displaced, 0 with the byte out \\(the other threads held 0 times\\)$"
			fi
			like "$tmp/stdout" "$want" "$what: all $way, no thread held"
		done
		case $mode:$way in
		emulate:emulated) say='emulated at each hit; the INT3 stays' ;;
		emulate:displaced) say='cannot emulate \(a prefix changes it\); displaced: its copy at 0x[0-9a-f]+ runs at each hit; the INT3 stays' ;;
		*) say='displaced: its copy at 0x[0-9a-f]+ runs at each hit; the INT3 stays' ;;
		esac
		like "$tmp/stdout" "^breakpoint at 0x[0-9a-f]+, (lock inc dword ptr \[[^]]*\]|ret): $say$" \
		    "$combo: -m $mode on $loc says once how it goes past"
	done
done

# Attached, every way a run ends; then from outside: code, DR7, TF, the
# scratch page, and the target runs on.
clean() {
	is "$(disk "$pid" "$W" 16)" same "$1: work's code is as on disk"
	is "$(dr7s "$pid")" "0 " "$1: DR7 is 0 in every thread"
	is "$(tfs "$pid")" "0 " "$1: TF is clear in every thread"
	if [ -n "$2" ]; then
		is "$(look "$pid" region "$2")" free "$1: the scratch page at $2 is freed"
	fi
	ok "$1: the target counts on" grows "$out"
}
scratch() { sed -n 's/.*its copy at \(0x[0-9a-f]*\) runs.*/\1/p' "$1" | head -n 1; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" race 4
	W=$(field work "$first")
	for mode in emulate displaced; do
		loc='race!work'
		[ $mode = emulate ] && loc='race!work+7'
		tool "$t" softbp -m $mode -n 50 "$pid" "$loc"
		like "$tmp/stdout" "^50 hits; hit count reached; breakpoints removed, detached, the target keeps running$" \
		    "$combo: -m $mode -n 50 ends on its count"
		s=$(scratch "$tmp/stdout")
		[ $mode = displaced ] && { [ -n "$s" ] && pass "$combo: a scratch page was used" || fail "$combo: a scratch page was used"; }
		clean "$combo: -m $mode, hit count" "$s"

		tool "$t" softbp -m $mode -s 1 "$pid" "$loc"
		like "$tmp/stdout" "^[0-9]+ hits; time limit reached; breakpoints removed, detached, the target keeps running$" \
		    "$combo: -m $mode -s 1 ends on its time"
		clean "$combo: -m $mode, time limit" "$(scratch "$tmp/stdout")"

		: > "$tmp/bg"
		timeout -k 5 90 $RUN "build/$t/softbp.exe" -m $mode "$pid" "$loc" > "$tmp/bg" 2>&1 &
		bgpid=$!
		wait_for "$tmp/bg" '^hit 20 '
		interrupt softbp "$pid"
		wait "$bgpid"
		like "$tmp/bg" "^[0-9]+ hits; interrupted; breakpoints removed, detached, the target keeps running" \
		    "$combo: -m $mode, Ctrl-C: cleans up and says so"
		clean "$combo: -m $mode, Ctrl-C" "$(scratch "$tmp/bg")"
	done
	stop "$pid"
done

# A mode that does not exist: usage, before anything is touched.
tool x64 softbp -m sideways 1 'race!work'
is "$rc" 2 "-m sideways: exit 2"
is "$(cat "$tmp/stderr")" 'softbp: -m: "sideways" is not a mode; use hold, reinsert, emulate or displaced' \
    "-m sideways: one line naming the modes"

done_testing
