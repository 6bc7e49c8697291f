#!/bin/sh
# peb reads the PEB without attaching: BeingDebugged follows a debugger
# attaching and detaching, ImageBaseAddress and the command line are the
# target's own, on x86, x64 and WOW64; NtGlobalFlag's bits are decoded.
. "$(dirname "$0")/lib.sh"

# hold TOOLARCH PID: keep softbp attached to PID for a few seconds, in the
# background, from once its breakpoint is in; $holder is its shell pid.
hold() {
	: > "$tmp/holder"	# now, not when the background job gets to it
	$RUN "build/$1/softbp.exe" -s 6 "$2" 'kernel32!Sleep' > "$tmp/holder" 2>&1 &
	holder=$!
	wait_for "$tmp/holder" '^breakpoint 1 at kernel32!Sleep'
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	case $combo in
	x64:x86) head="x86 \\(WOW64\\), 32-bit PEB at 0x[0-9a-f]+; its 64-bit PEB is at 0x[0-9a-f]+" ;;
	*:x86)	head="x86, 32-bit PEB at 0x[0-9a-f]+" ;;
	*)	head="x64, 64-bit PEB at 0x[0-9a-f]+" ;;
	esac
	start "$a" counter peb-test "two words"
	base=$(field base "$first")

	tool "$t" peb "$pid"
	is "$rc" 0 "$combo: peb exits 0"
	is "$(cat "$tmp/stderr")" "" "$combo: nothing on stderr"
	like "$tmp/stdout" "^pid $pid: $head$" "$combo: names the CPU and which PEB it read"
	like "$tmp/stdout" "^BeingDebugged +0$" "$combo: BeingDebugged 0 with no debugger"
	like "$tmp/stdout" "^ImageBaseAddress +$base$" "$combo: ImageBaseAddress is counter's own base= $base"
	like "$tmp/stdout" "^CommandLine +\"?[^ ]*[\\\\/]counter\\.exe\"? peb-test \"two words\"$" \
	    "$combo: the command line ends in the target's own arguments"
	like "$tmp/stdout" "^NtGlobalFlag +0x0$" "$combo: NtGlobalFlag 0 in a process no debugger started"
	like "$tmp/stdout" "^  0x20 FLG_HEAP_ENABLE_FREE_CHECK +off " "$combo: each debug-heap bit is named, off"

	# A debugger attaches: the system sets the byte; it detaches: cleared.
	hold "$t" "$pid"
	tool "$t" peb "$pid"
	like "$tmp/stdout" "^BeingDebugged +1$" "$combo: BeingDebugged 1 while softbp is attached"
	like "$tmp/stdout" "^NtGlobalFlag +0x0$" "$combo: attaching leaves NtGlobalFlag alone"
	wait $holder
	like "$tmp/holder" "breakpoints removed, detached, the target keeps running$" \
	    "$combo: softbp detached"
	tool "$t" peb "$pid"
	like "$tmp/stdout" "^BeingDebugged +0$" "$combo: BeingDebugged 0 again after the detach"
	ok "$combo: counter keeps running" grows "$out"
	stop "$pid"

	# -- program: started suspended, read before it ran, then resumed.
	tool "$t" peb -- "build/$a/counter.exe" x y
	lpid=$(sed -n 's/^started pid \([0-9]*\) with its first thread suspended$/\1/p' "$tmp/stdout")
	winpids="$winpids $lpid"
	is "$rc" 0 "$combo: peb -- counter exits 0"
	ok "$combo: peb says which pid it started" [ -n "$lpid" ]
	like "$tmp/stdout" "^pid $lpid: $head$" "$combo: and reads that one's PEB"
	like "$tmp/stdout" "^BeingDebugged +0$" "$combo: a program peb starts is not debugged"
	like "$tmp/stdout" "^CommandLine +build/$a/counter\\.exe x y$" "$combo: its command line, as given"
	like "$tmp/stdout" "^resumed pid $lpid; it keeps running$" "$combo: and resumes it"
	# The resumed counter prints into peb's stdout, which it inherited.
	wait_for "$tmp/stdout.crlf" "^pid=$lpid "
	lbase=$(field base "$(grep -a "^pid=$lpid " "$tmp/stdout.crlf" | tr -d '\r')")
	like "$tmp/stdout" "^ImageBaseAddress +$lbase$" \
	    "$combo: ImageBaseAddress, read while suspended, is the base= it then printed"
	ok "$combo: the started counter runs" running "$lpid"
	stop "$lpid"

	# Started by a debugger: on Windows the loader turns the debug heap
	# on (NtGlobalFlag 0x70); Wine's does not.
	: > "$tmp/launcher"
	$RUN "build/$t/events.exe" -s 6 -- "build/$a/counter.exe" > "$tmp/launcher" 2>&1 &
	launcher=$!
	# Its pid from events' first line; then wait for counter's own first
	# line, printed once the loader is done.
	wait_for "$tmp/launcher" '^3 CREATE_PROCESS_DEBUG_EVENT .* pid [0-9]+,'
	dpid=$(sed -n 's/^3 CREATE_PROCESS_DEBUG_EVENT .* pid \([0-9]*\),.*/\1/p' "$tmp/launcher")
	winpids="$winpids $dpid"
	wait_for "$tmp/launcher" "^pid=$dpid base="
	tool "$t" peb "$dpid"
	like "$tmp/stdout" "^BeingDebugged +1$" "$combo: BeingDebugged 1 in a process a debugger started"
	if [ -n "$RUN" ]; then
		skip "$combo: NtGlobalFlag 0x70 in a process a debugger started" \
		    "Wine's loader does not set the debug-heap flags (README: Known limits under Wine)"
	else
		like "$tmp/stdout" "^NtGlobalFlag +0x70$" "$combo: NtGlobalFlag 0x70 in a process a debugger started"
	fi
	wait $launcher
	stop "$dpid"
done

# The target's own view: crc_check prints IsDebuggerPresent() as it
# changes, and peb agrees, seen from a 64-bit peb on the 32-bit target.
start x86 crc_check
hold x64 "$pid"
wait_for "$out" '^being debugged: yes$'
tool x64 peb "$pid"
like "$tmp/stdout" "^BeingDebugged +1$" "crc_check says yes, peb says 1"
wait $holder
wait_lines "$out" '^being debugged: ' 3
is "$(tr -d '\r' < "$out" | grep '^being debugged: ' | tr '\n' ' ')" \
    "being debugged: no being debugged: yes being debugged: no " \
    "crc_check saw the attach and the detach"
tool x64 peb "$pid"
like "$tmp/stdout" "^BeingDebugged +0$" "crc_check says no again, peb says 0"
stop "$pid"

# GlobalFlag in Image File Execution Options sets NtGlobalFlag for one
# image name; Wine honours it too.  Copies of counter under a name of
# their own keep the setting away from every other test.  Under Wine only: on
# Windows, writing HKLM needs an administrator.
if [ -n "$RUN" ]; then
	ifeo='HKLM\Software\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\peb_gflag.exe'
	$RUN reg add "$ifeo" /v GlobalFlag /t REG_DWORD /d 0x70 /f >/dev/null 2>&1
	for combo in $COMBOS; do
		t=${combo%:*} a=${combo#*:}
		mkdir "$tmp/$t-$a"
		cp "build/$a/counter.exe" "$tmp/$t-$a/peb_gflag.exe"
		: > "$tmp/gflag.out"
		$RUN "$tmp/$t-$a/peb_gflag.exe" > "$tmp/gflag.out" 2>&1 &
		wait_for "$tmp/gflag.out" '^pid=[0-9]+ '
		gpid=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$tmp/gflag.out" | tr -d '\r')
		winpids="$winpids $gpid"
		tool "$t" peb "$gpid"
		like "$tmp/stdout" "^NtGlobalFlag +0x70$" "$combo: GlobalFlag 0x70 shows in NtGlobalFlag"
		for f in 0x10:FLG_HEAP_ENABLE_TAIL_CHECK 0x20:FLG_HEAP_ENABLE_FREE_CHECK \
		    0x40:FLG_HEAP_VALIDATE_PARAMETERS; do
			like "$tmp/stdout" "^  ${f%%:*} ${f#*:} +on " "$combo: ${f#*:} on"
		done
		stop "$gpid"
	done
	$RUN reg delete "$ifeo" /f >/dev/null 2>&1
else
	skip "GlobalFlag 0x70 shows in NtGlobalFlag" "writing HKLM needs an administrator on Windows"
fi

# Bad input: one line, the documented status, the target untouched.
start x64 printf_loop
for t in x86 x64; do
	tool "$t" peb 99999
	is "$rc" 1 "$t: no such pid: exit 1"
	like "$tmp/stderr" "^peb: OpenProcess\\(pid 99999\\): .+ \\(87\\)$" "$t: no such pid: says which API failed"
	ok "$t: no such pid: one line" one_line "$tmp/stderr"
	tool "$t" peb no_such_thing.exe
	is "$rc" 1 "$t: unknown name: exit 1"
	is "$(cat "$tmp/stderr")" "peb: no_such_thing.exe: no such process (run procs to list them)" "$t: unknown name: says so"
	tool "$t" peb -q "$pid"
	is "$rc" 2 "$t: unknown option: exit 2"
	is "$(cat "$tmp/stderr")" "peb: unknown option -q (see peb -h)" "$t: unknown option: one line naming it"
	tool "$t" peb "$pid" extra
	is "$rc" 2 "$t: an extra operand: exit 2"
	is "$(cat "$tmp/stderr")" "peb: extra: extra operand (see peb -h)" "$t: an extra operand: says so"
	tool "$t" peb
	is "$rc" 2 "$t: no target: exit 2"
	is "$(cat "$tmp/stderr")" "peb: missing target: a pid, an image name or -- program [args] (see peb -h)" \
	    "$t: no target: says so"
	tool "$t" peb -- no_such_program.exe
	is "$rc" 1 "$t: a program that is not there: exit 1"
	like "$tmp/stderr" "^peb: CreateProcess\\(no_such_program\\.exe\\): .+ \\(2\\)$" \
	    "$t: a program that is not there: CreateProcess's error"
done
tool x86 peb "$pid"
is "$rc" 1 "a 32-bit peb refuses a 64-bit target"
is "$(cat "$tmp/stderr")" "peb: pid $pid is a 64-bit process; use the x64 build of peb" "and says why"
is "$(wc -c < "$tmp/stdout")" 0 "and prints nothing else"
tool x86 peb -- build/x64/printf_loop.exe
lpid=$(sed -n 's/^started pid \([0-9]*\) .*/\1/p' "$tmp/stdout")
winpids="$winpids $lpid"
is "$rc" 1 "a 32-bit peb refuses to read a 64-bit program it started"
like "$tmp/stderr" "^peb: pid $lpid is a 64-bit process; use the x64 build of peb$" "and says why"
ok "and ends that program, which never ran" gone "$lpid"
ok "printf_loop kept running through all of it" grows "$out"

done_testing
