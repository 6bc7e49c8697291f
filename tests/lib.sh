# lib.sh: TAP output and Wine process handling for dbgkit's shell tests.
#
# A test starts real targets under Wine, runs the real tools against them
# and checks what the targets said about themselves.  Every target it
# starts is ended when it exits, pass or fail.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${RUN=wine}"
# Plain wine: tests/wine, which hands a 64-bit program to Wine's 64-bit
# loader, when there is one.
if [ "$RUN" = wine ]; then
	WINE64=$(command -v wine64 || ls /usr/lib/wine/wine64 \
	    /usr/lib64/wine/wine64 /opt/wine-stable/bin/wine64 2>/dev/null | head -n 1)
	export WINE64
	RUN=$top/tests/wine
fi
export WINEDEBUG=${WINEDEBUG--all}
export WINEPREFIX=${WINEPREFIX-$top/build/wineprefix}
mkdir -p build
tmp=$(mktemp -d "$top/build/test.XXXXXX") || exit 1
ntests=0
nfailed=0
winpids=

finish() {
	for p in $winpids; do
		$RUN taskkill /F /PID "$p" >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 1' INT TERM

# --- TAP ---------------------------------------------------------------
# A failure and what diag says after it also go to $CHECK_LOG when it is
# set: make check shows its end last, where a CI log's tail has it.
pass() { ntests=$((ntests + 1)); failing=; echo "ok $ntests - $*"; }
fail() {
	ntests=$((ntests + 1)); nfailed=$((nfailed + 1)); failing=1
	echo "not ok $ntests - $*"
	[ -z "${CHECK_LOG:-}" ] || echo "${0##*/}: not ok $ntests - $*" >> "$CHECK_LOG"
}
# diag LINES...: on stderr, where prove shows it even when it hides the
# test's own lines.
diag() {
	printf '%s\n' "$@" | sed 's/^/# /' >&2
	[ -z "${CHECK_LOG:-}" ] || [ -z "${failing:-}" ] ||
	    printf '%s\n' "$@" | sed 's/^/#   /' >> "$CHECK_LOG"
}

# skip DESCRIPTION REASON: a check that cannot be made here, shown as a
# skip with its reason (prove counts it apart, never as a pass).
skip() { ntests=$((ntests + 1)); echo "ok $ntests - $1 # SKIP $2"; }

# ok DESCRIPTION COMMAND...: passes when the command succeeds.
ok() {
	desc=$1; shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then pass "$3"; else
		fail "$3"; diag "got:  '$1'" "want: '$2'"
	fi
}

# like FILE REGEX DESCRIPTION: some line of FILE matches the extended REGEX.
like() {
	if tr -d '\r' < "$1" | grep -Eq -- "$2"; then pass "$3"; else
		fail "$3"; diag "no line matches /$2/ in:"; sed -n 1,40p "$1" | diag "$(cat)"
	fi
}

# unlike FILE REGEX DESCRIPTION: no line of FILE matches.
unlike() {
	if ! tr -d '\r' < "$1" | grep -Eq -- "$2"; then pass "$3"; else
		fail "$3"; diag "a line matches /$2/:"; grep -E -- "$2" "$1" | head -5 | diag "$(cat)"
	fi
}

done_testing() {
	echo "1..$ntests"
	[ "$nfailed" -eq 0 ]
}

# --- Targets -----------------------------------------------------------
# await COMMAND...: until the command succeeds, trying every 50 ms for at
# most $PATIENCE seconds (60).  The limit only guards against a hang and
# measures nothing: on a loaded machine, or when the prefix's wineserver
# and services start again, a program that is fine can take many seconds
# to start or to print.
PATIENCE=${PATIENCE:-60}
await() {
	_aw=0
	until "$@"; do
		_aw=$((_aw + 1)); [ $_aw -ge $((PATIENCE * 20)) ] && return 1
		sleep 0.05
	done
}

# start ARCH NAME [ARGS...]: start build/ARCH/NAME.exe in the background,
# wait for its first line, and set $pid (its Windows pid), $out (the file
# its output goes to) and $first (its first line).
start() {
	arch=$1 name=$2; shift 2
	out=$tmp/$name.$arch.$ntests.$$.out
	: > "$out"
	$RUN "build/$arch/$name.exe" "$@" > "$out" 2>&1 &
	if ! await has_started "$out"; then
		_alive=gone; kill -0 $! 2>/dev/null && _alive=running
		echo "Bail out! $name ($arch) did not start within $PATIENCE s" \
		    "(wine $_alive, wineservers: $(pgrep -c wineserver)): $(cat "$out")"
		exit 1
	fi
	pid=$(field pid "$first")
	winpids="$winpids $pid"
}

# has_started FILE: FILE holds a whole first line "pid=..." (the target may
# still be printing it), which goes to $first.
has_started() {
	[ "$(wc -l < "$1")" -ge 1 ] &&
	    first=$(head -n 1 "$1" | tr -d '\r') &&
	    case $first in pid=*) true ;; *) false ;; esac
}

# field KEY LINE: the value of KEY=VALUE in LINE.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# running PID: the Windows process is still alive, as tests/inspect.c
# sees it (not procs, a tool under test).  gone PID: it has ended, within
# $PATIENCE s.  A look that fails is neither.
running() { [ "$(inspect "$1" state | tr -d '\r')" = running ]; }
gone() { await has_ended "$1"; }
has_ended() {
	case $(inspect "$1" state | tr -d '\r') in
	gone|exited*) true ;; *) false ;; esac
}

# grows FILE: the file gains lines (within $PATIENCE s).
grows() { await has_more_lines "$1" "$(wc -l < "$1")"; }
has_more_lines() { [ "$(wc -l < "$1")" -gt "$2" ]; }

# stop PID: end one target now.
stop() {
	$RUN taskkill /F /PID "$1" >/dev/null 2>&1
}

# Each test runs every tool build on every target build it can debug:
# TOOLARCH:TARGETARCH, the last being a 64-bit tool on a WOW64 target.
COMBOS=${COMBOS-"x86:x86 x64:x64 x64:x86"}

# --- Tools -------------------------------------------------------------
# tool ARCH NAME [ARGS...]: run build/ARCH/NAME.exe; its stdout goes to
# $tmp/stdout, its stderr to $tmp/stderr (both without the CRs of
# Windows line ends), its exit status to $rc.  No run may hang the suite:
# after $TOOL_TIMEOUT seconds (default 90) it is ended, and $rc is 124.
# Every tool says why it fails; a failure with no word at all, on either
# stream, is Wine not starting the program (README, "Known limits"),
# seen once in some thousand starts: the run is made once more, and the
# suite says so.
tool() {
	arch=$1 name=$2; shift 2
	for _try in 1 2; do
		timeout -k 5 "${TOOL_TIMEOUT:-90}" $RUN "build/$arch/$name.exe" "$@" \
		    > "$tmp/stdout.crlf" 2> "$tmp/stderr.crlf"
		rc=$?
		[ $rc -eq 0 ] || [ -s "$tmp/stdout.crlf" ] ||
		    [ -s "$tmp/stderr.crlf" ] || [ $_try = 2 ] && break
		diag "$name.exe $*: exit $rc and not a word; Wine did not start it, once more"
	done
	tr -d '\r' < "$tmp/stdout.crlf" > "$tmp/stdout"
	tr -d '\r' < "$tmp/stderr.crlf" > "$tmp/stderr"
}

# one_line FILE: FILE holds exactly one line.
one_line() {
	[ "$(wc -l < "$1")" -eq 1 ]
}

# bytes PID ADDR N / prot PID ADDR / dr7s PID / tfs PID / disk PID ADDR N /
# code PID: what tests/inspect.c sees in a live target, without debugging it.
# disk compares N bytes at ADDR with the module's file: "same", or a line
# "+0xOFFSET disk XX memory YY" for each byte that differs; code does the
# same for the code of every module: "MODULE+0xRVA disk XX memory YY".
# dr7s lists the distinct DR7 values of every thread; a thread inspect
# cannot read fails the look.  A look that fails (or runs out of time:
# a thread wedged inside Wine, see README, would hang it for good) reads
# "inspect failed: ..." instead, which no real reading matches.
inspect() { timeout -k 5 30 $RUN build/x64/inspect.exe "$@"; }
# look COMMAND...: run inspect, its output without CRs, or the failure
# with inspect's exit status (124: out of time) and what it said.
look() {
	inspect "$@" > "$tmp/look" 2> "$tmp/look.err"
	_rc=$?
	if [ $_rc -eq 0 ] && [ -s "$tmp/look" ]; then
		tr -d '\r' < "$tmp/look"
	else
		echo "inspect failed: $* (exit $_rc: $(tr -d '\r' < "$tmp/look.err" | tr '\n' ' '))"
	fi
}
bytes() { look "$1" bytes "$2" "$3"; }
prot() { look "$1" prot "$2"; }
dr7s() {
	case $(look "$1" dr7 | tee "$tmp/dr7") in
	'inspect failed'*) cat "$tmp/dr7" ;;
	*) awk '{ print $2 }' "$tmp/dr7" | sort -u | tr '\n' ' ' ;;
	esac
}
# tfs PID: the trap flag (EFLAGS bit 8) in every thread, as dr7s gives DR7:
# "0 " when no thread has it.
tfs() {
	case $(look "$1" dr7 | tee "$tmp/dr7") in
	'inspect failed'*) cat "$tmp/dr7" ;;
	*) while read -r _t _d _f; do echo $(( (0x${_f:-0} >> 8) & 1 )); done < "$tmp/dr7" |
	    sort -u | tr '\n' ' ' ;;
	esac
}
disk() { look "$1" disk "$2" "$3"; }
code() { look "$1" code; }

# unchanged NOW BEFORE DESCRIPTION: like is, for two looks at the same
# thing; a failed look on either side is a failure, even if both failed.
unchanged() {
	case $2 in
	''|'inspect failed'*)
		fail "$3"; diag "nothing to compare with: '$2'" ;;
	*)	is "$1" "$2" "$3" ;;
	esac
}

# winproc NAME PID: the Linux pid of this prefix's Windows process NAME.exe
# whose command line names PID (a tool debugging it), if there is one.
winproc() {
	for _p in $(pgrep -f "^[^ ]*[\\/]$1\.exe( .*)? $2( |\$)"); do
		tr '\0' '\n' < "/proc/$_p/environ" 2>/dev/null |
		    grep -qx "WINEPREFIX=$WINEPREFIX" && { echo "$_p"; return 0; }
	done
	return 1
}

# interrupt NAME PID: send Ctrl-C to the running tool NAME.exe that
# debugs PID.  Wine turns SIGINT into CTRL_C_EVENT for the Windows
# process (not for the start.exe that launched it).  No such tool to
# interrupt is a failed test.
interrupt() {
	if ! _w=$(winproc "$1" "$2") || ! kill -INT "$_w"; then
		fail "Ctrl-C: there is a $1.exe debugging pid $2 to send it to"
		return 1
	fi
}

# wait_for FILE REGEX: until a line of FILE matches (within $PATIENCE s).
# A wait that runs out is a failed test, and returns 1.
wait_for() {
	await has_line "$1" "$2" && return 0
	fail "a line matching /$2/ within $PATIENCE s"
	tr -d '\r' < "$1" 2>/dev/null | tail -n 20 | diag "$(cat)"
	return 1
}
has_line() { { tr -d '\r' < "$1"; } 2>/dev/null | grep -Eq -- "$2"; }

# wait_lines FILE REGEX N: until N lines of FILE match (within $PATIENCE s).
wait_lines() { await has_lines "$@"; }
has_lines() { [ "$(tr -d '\r' < "$1" | grep -Ec -- "$2")" -ge "$3" ]; }
