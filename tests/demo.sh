#!/bin/sh
# demo.sh: a learner's first five minutes.  Start printf_loop, find it with
# procs, list its threads, read its registers, then end it.
set -e
cd "$(dirname "$0")/.."
: "${RUN=wine}"
export WINEDEBUG=${WINEDEBUG--all}
export WINEPREFIX=${WINEPREFIX-$PWD/build/wineprefix}
out=build/demo.out
pid=

show() {
	echo
	echo "\$ $*"
	"$@"
}
finish() {
	[ -n "$pid" ] && $RUN taskkill /F /PID "$pid" >/dev/null 2>&1
	return 0
}
trap finish EXIT

echo "Starting a practice target, printf_loop, in the background:"
echo "\$ $RUN build/x64/printf_loop.exe > $out &"
$RUN build/x64/printf_loop.exe > "$out" 2>&1 &
i=0
until grep -q '^pid=' "$out" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 1200 ] && { echo "printf_loop did not start within 60 s" >&2; exit 1; }
	sleep 0.05
done
pid=$(sed -n '1s/^pid=\([0-9]*\).*/\1/p' "$out" | tr -d '\r')
head -n 3 "$out" | tr -d '\r'

show $RUN build/x64/procs.exe
echo; echo "procs shows printf_loop.exe as pid $pid; give that pid to the tools:"
show $RUN build/x64/threads.exe "$pid"
show $RUN build/x64/regs.exe "$pid"

echo
echo "printf_loop is still running after three debuggers came and went:"
sleep 0.3
tail -n 2 "$out" | tr -d '\r'
echo
echo "Next: lessons/01-processes-and-events.md"
