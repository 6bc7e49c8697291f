#!/bin/sh
# bench.sh: rates measured in one run on this machine, and their ratios.
# No pass or fail: lesson 07 quotes what it prints.
#
# Single-stepping, on the same code each time (N instructions of
# known_regs from the loader's initial breakpoint, then its jmp loop):
#   floor    tests/stepfloor.c: TF, ContinueDebugEvent, WaitForDebugEvent
#   stepper  stepper -n N, disassembling and diffing every step
#   winedbg  winedbg's stepi (time for 1+N steps minus time for 1)
#   --blocks the stepper running straight-line code on one breakpoint,
#            on the loader and on calls -b
# Breakpoints, on printf_loop -d 0 calling printf back to back:
#   bpcompare: us per hit of INT3, hardware execute and guard page on
#            msvcrt!printf, against its own floor (one single-step round
#            trip), measured in the same run; lesson 08 reads this table;
#            and the INT3s that stay (lesson 14): emulated (goal 1.2x the
#            floor) and displaced (goal 2.2x)
set -e
cd "$(dirname "$0")/.."
: "${RUN=wine}"
export WINEDEBUG=${WINEDEBUG--all}
export WINEPREFIX=${WINEPREFIX-$PWD/build/wineprefix}
N=${BENCH_STEPS:-3000}
tmp=$(mktemp -d build/bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

rate() { sed -n 's/.* steps in [0-9]* ms: \([0-9]*\) steps\/s.*/\1/p' "$1" | tr -d '\r' | tail -n 1; }
ms() { date +%s%N | sed 's/......$//'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# winedbg ARCH: steps per second of winedbg's stepi on known_regs.
winedbg_rate() {
	for n in 1 $((N + 1)); do
		printf 'stepi %d\nkill\nquit\n' "$n" > "$tmp/wd"
		t0=$(ms)
		timeout 300 /usr/lib/wine/wine64 winedbg --file "$tmp/wd" \
		    "build/$1/known_regs.exe" > /dev/null 2>&1 || true
		eval "t_$n=\$(( \$(ms) - t0 ))"
	done
	eval "d=\$(( t_$((N + 1)) - t_1 ))"
	[ "$d" -gt 0 ] && echo $((N * 1000 / d)) || echo 0
}

# launched_rate ARCH STEPPER-OPTIONS...: stepper's rate on known_regs from
# the loader's breakpoint; the program is ended afterwards.
launched_rate() {
	_a=$1; shift
	$RUN "build/$_a/stepper.exe" "$@" -o "$tmp/trace" -- "build/$_a/known_regs.exe" \
	    > "$tmp/stepper" 2>&1
	_p=$(sed -n 's/^pid \([0-9]*\) .*started.*/\1/p' "$tmp/stepper" | tr -d '\r')
	[ -n "$_p" ] && $RUN taskkill /F /PID "$_p" > /dev/null 2>&1
	rate "$tmp/stepper"
}

# row ARCH WHAT FIGURE UNIT RATIO: one line of the table.
row() { printf '%-5s %-46s %10s %-7s %8s\n' "$@"; }

# goal ARCH KIND RATIO: for the INT3s that stay, the goal against the
# floor, and where the time goes when it is missed.  An emulated hit is
# one event plus a context read and write and one read of the code (is
# the instruction under the INT3 still the same?); a displaced one is
# two events, and around them two context reads and three writes (the
# IP to the copy, TF, the IP back) and two or three reads of memory.
goal() {
	case $2 in
	emulate)	_g=1.2 _why="one event, plus Get/SetThreadContext and a read of the code" ;;
	displaced)	_g=2.2 _why="two events, plus 2 context reads, 3 writes and 2-3 memory reads" ;;
	*)		return ;;
	esac
	if awk -v r="$3" -v g="$_g" 'BEGIN { exit !(r <= g) }'; then
		row "$1" "  $2: goal ${_g}x the floor: met" "" "" ""
	else
		row "$1" "  $2: goal ${_g}x the floor: missed; $_why" "" "" ""
	fi
}

row arch measure figure unit "vs floor"
for arch in x64 x86; do
	$RUN "build/$arch/stepfloor.exe" --launch "$N" "build/$arch/known_regs.exe" > "$tmp/floor" 2>&1
	floor=$(rate "$tmp/floor")
	stepper=$(launched_rate "$arch" -n "$N")
	blocks=$(launched_rate "$arch" --blocks -n "$N")
	if command -v winedbg > /dev/null && [ -n "$RUN" ]; then
		wd=$(winedbg_rate "$arch")
	else
		wd=0
	fi
	row "$arch" "floor: TF + Continue/WaitForDebugEvent" "$floor" steps/s 1.00
	row "$arch" "stepper -n, disassembly on" "$stepper" steps/s "$(ratio "$stepper" "$floor")"
	row "$arch" "winedbg stepi" "$wd" steps/s "$(ratio "$wd" "$floor")"
	row "$arch" "stepper --blocks (loader code)" "$blocks" steps/s "$(ratio "$blocks" "$floor")"
	# Straight-line-heavier code: calls -b, attached.
	$RUN "build/$arch/calls.exe" -b > "$tmp/calls" 2>&1 &
	until grep -q '^pid=' "$tmp/calls" 2>/dev/null; do sleep 0.05; done
	pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$tmp/calls" | tr -d '\r')
	$RUN "build/$arch/stepfloor.exe" "$pid" "$N" > "$tmp/floor" 2>&1
	cfloor=$(rate "$tmp/floor")
	$RUN "build/$arch/stepper.exe" --blocks -n "$N" -o "$tmp/trace" "$pid" > "$tmp/b" 2>&1
	cblocks=$(rate "$tmp/b")
	$RUN taskkill /F /PID "$pid" > /dev/null 2>&1
	row "$arch" "floor on calls -b" "$cfloor" steps/s 1.00
	row "$arch" "stepper --blocks on calls -b" "$cblocks" steps/s "$(ratio "$cblocks" "$cfloor")"
	# Where its time goes: one debug event per block, and per event a
	# context read and write, and a stack read or write for a ret or an
	# indirect call.
	ev=$(sed -n 's/.* \([0-9]*\) debug events.*/\1/p' "$tmp/b" | tr -d '\r')
	st=$(sed -n 's/^\([0-9]*\) steps in .*/\1/p' "$tmp/b" | tr -d '\r')
	row "$arch" "  --blocks: steps per debug event" "$(ratio "$st" "$ev")" steps ""

	# Breakpoints: printf_loop -d 0, its output thrown away after pid=.
	$RUN "build/$arch/printf_loop.exe" -d 0 | { head -n 1 > "$tmp/pl"; cat > /dev/null; } &
	until grep -q '^pid=' "$tmp/pl" 2>/dev/null; do sleep 0.05; done
	pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$tmp/pl" | tr -d '\r')
	$RUN "build/$arch/bpcompare.exe" --csv -n "${BENCH_HITS:-2000}" -s 10 \
	    -k int3,hw,guard,emulate,displaced \
	    --count 'printf_loop!calls' "$pid" 'msvcrt!printf' | tr -d '\r' |
	    grep -E '^(floor|int3|hw|guard|emulate|displaced),' > "$tmp/bp"
	$RUN taskkill /F /PID "$pid" > /dev/null 2>&1
	bfloor=$(awk -F, '$1 == "floor" { print $5 }' "$tmp/bp")
	row "$arch" "floor: one debug event (bpcompare)" "$bfloor" us 1.00
	awk -F, '$1 != "floor" { print $1, $2, $4, $5, $6, $12 }' "$tmp/bp" |
	while read -r kind hits events us false missed; do
		row "$arch" "$kind on printf: $hits hits, $events events/hit" "$us" us/hit "$(ratio "$us" "$bfloor")"
		[ "$false" = 0 ] || row "$arch" "  $kind: false hits (other code on the page)" "$false" hits ""
		[ "$missed" = 0 ] || row "$arch" "  $kind: calls missed" "$missed" calls ""
		goal "$arch" "$kind" "$(ratio "$us" "$bfloor")"
	done
done

# ---- Threads: regs and threads on 256 threads against 1 thread ----
# Wall time of one run, attach to detach and Wine's start of the tool
# included, with the output going to a file; the median of 3 runs.
# Goal: 256 threads take at most twice as long as 1.  Under Wine, most
# of the difference is Wine's own: an attach event per thread; a context
# read per thread, after which the detach takes longer, as Wine must
# restart each thread it read; and a Toolhelp walk at tens of us per
# thread, for every thread of the Wine prefix, not just the target's.
median3() { sort -n | sed -n 2p; }

# runtime ARCH TOOL PID: milliseconds for one run of the tool on PID.
runtime() {
	_t0=$(ms)
	$RUN "build/$1/$2.exe" "$3" > "$tmp/run" 2>&1
	echo $(( $(ms) - _t0 ))
}

# spin ARCH N: start spin_threads N; print its pid.
spin() {
	$RUN "build/$1/spin_threads.exe" "$2" > "$tmp/spin.$2" 2>&1 &
	until grep -q '^pid=' "$tmp/spin.$2" 2>/dev/null &&
	    [ "$(wc -l < "$tmp/spin.$2")" -ge 1 ]; do sleep 0.05; done
	sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$tmp/spin.$2" | tr -d '\r'
}

for arch in x64 x86; do
	one=$(spin "$arch" 1)
	many=$(spin "$arch" 256)
	for t in regs threads; do
		t1=$(for i in 1 2 3; do runtime "$arch" "$t" "$one"; done | median3)
		tn=$(for i in 1 2 3; do runtime "$arch" "$t" "$many"; done | median3)
		row "$arch" "$t on spin_threads 1" "$t1" ms/run 1.00
		row "$arch" "$t on spin_threads 256 (vs 1 thread)" "$tn" ms/run "$(ratio "$tn" "$t1")"
		if awk -v r="$(ratio "$tn" "$t1")" 'BEGIN { exit !(r > 2) }'; then
			row "$arch" "  goal 2x: missed; per thread: an attach event," "" "" ""
			row "$arch" "  a context read, a restart at detach (Wine's)" "" "" ""
		fi
	done
	$RUN taskkill /F /PID "$one" > /dev/null 2>&1
	$RUN taskkill /F /PID "$many" > /dev/null 2>&1
done
# ---- At a terminal: the same run into a pseudo-terminal and into a file ----
# Under Wine a console draws what a tool writes, and the console's
# process, the wineserver and the terminal share the 2 cores with the
# debugger and its target.  script(1) (util-linux, on every Debian) gives
# the tool a pseudo-terminal and records what it draws.  The figures are
# the tools' own: stepper's steps/s on known_regs, attached, and softbp's
# hits in 5 s on printf_loop -d 0, which calls printf back to back; the
# best of 3 runs each way, taken in turn, so that a burst of load
# elsewhere does not fall on one side only.
#
# plain FILE: the text of what Wine's console drew, without its escapes
# (a blank it may draw as "erase, move right").
plain() {
	perl -pe 's/\e\[K\e\[(\d*)C/" " x ($1 || 1)/ge; s/\e\[[0-9;?]*[A-Za-z]//g; s/\r//g' "$1"
}
# at_tty CMD...: run CMD at a pseudo-terminal; print what it showed.
at_tty() { script -qfec "$*" "$tmp/tty" > /dev/null 2>&1 || true; plain "$tmp/tty"; }
# in_file CMD...: run CMD into a file; print what it wrote.
in_file() { "$@" > "$tmp/file" 2>&1 || true; tr -d '\r' < "$tmp/file"; }
hits() { sed -n 's/^\([0-9]*\) hits; .*/\1/p' | tail -n 1; }
steps() { sed -n 's/.* steps in [0-9]* ms: \([0-9]*\) steps\/s.*/\1/p' | tail -n 1; }
best() { sort -n | tail -n 1; }
# both FIGURE CMD...: "FILE TTY", the best of 3 each of CMD's FIGURE.
both() {
	_f=$1; shift
	for _i in 1 2 3; do
		echo "f $(in_file "$@" | $_f)"
		echo "t $(at_tty "$@" | $_f)"
	done > "$tmp/both"
	echo "$(sed -n 's/^f //p' "$tmp/both" | best) $(sed -n 's/^t //p' "$tmp/both" | best)"
}
row arch "at a terminal (best of 3)" figure unit "vs file"
for arch in x64 x86; do
	$RUN "build/$arch/known_regs.exe" > "$tmp/kr" 2>&1 &
	until grep -q '^pid=' "$tmp/kr" 2>/dev/null; do sleep 0.05; done
	pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$tmp/kr" | tr -d '\r')
	set -- $(both steps $RUN "build/$arch/stepper.exe" -n 1000 "$pid")
	$RUN taskkill /F /PID "$pid" > /dev/null 2>&1
	row "$arch" "stepper -n 1000 on known_regs, into a file" "$1" steps/s 1.00
	row "$arch" "stepper -n 1000 on known_regs, at a terminal" "$2" steps/s "$(ratio "$2" "$1")"

	$RUN "build/$arch/printf_loop.exe" -d 0 | { head -n 1 > "$tmp/pl"; cat > /dev/null; } &
	until grep -q '^pid=' "$tmp/pl" 2>/dev/null; do sleep 0.05; done
	pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$tmp/pl" | tr -d '\r')
	set -- $(both hits $RUN "build/$arch/softbp.exe" -s 5 "$pid" msvcrt!printf)
	$RUN taskkill /F /PID "$pid" > /dev/null 2>&1
	row "$arch" "softbp -s 5 on printf_loop -d 0, into a file" "$1" hits 1.00
	row "$arch" "softbp -s 5 on printf_loop -d 0, at a terminal" "$2" hits "$(ratio "$2" "$1")"
done

echo "goals: stepper at least 0.90 of the floor; --blocks on calls -b at least 3x the floor;"
echo "       256 threads at most 2x the time of 1; at a terminal, 0.8 of into a file"
echo "breakpoints: the ratio is us per hit over one bare debug event"
