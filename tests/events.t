#!/bin/sh
# events explains the debug event stream, launched and attached.
. "$(dirname "$0")/lib.sh"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}

	# Launched: from CREATE_PROCESS to EXIT_PROCESS with the exit code.
	tool "$t" events -- "build/$a/printf_loop.exe" -o -n 3
	is "$rc" 0 "$combo: events -- printf_loop exits 0"
	grep -E '^[0-9] [A-Z_]+ +tid ' "$tmp/stdout" > "$tmp/events"
	like "$tmp/stdout" "^going\.\.\.3$" "$combo: the launched target ran"
	is "$(head -n 1 "$tmp/events" | cut -d' ' -f1,2)" "3 CREATE_PROCESS_DEBUG_EVENT" \
	    "$combo: CREATE_PROCESS comes first"
	like "$tmp/events" "^6 LOAD_DLL_DEBUG_EVENT +tid [0-9]+ +kernel32\.dll at 0x[0-9a-f]+$" \
	    "$combo: LOAD_DLL for kernel32, with its base"
	like "$tmp/events" "^1 EXCEPTION_DEBUG_EVENT .*EXCEPTION_BREAKPOINT \(0x80000003\), first chance, at ntdll!DbgBreakPoint -- the loader's initial breakpoint" \
	    "$combo: the loader's initial breakpoint, named"
	like "$tmp/events" '^8 OUTPUT_DEBUG_STRING_EVENT +tid [0-9]+ +"going\.\.\.2"$' \
	    "$combo: OutputDebugString's text"
	tail -n 1 "$tmp/events" > "$tmp/last"
	like "$tmp/last" '^5 EXIT_PROCESS_DEBUG_EVENT +tid [0-9]+ +exit code 3$' \
	    "$combo: EXIT_PROCESS comes last, with the target's exit code 3"
	like "$tmp/stdout" "events; the process exited$" "$combo: the summary says it exited"

	# Attached: the break-in thread appears, raises the breakpoint, ends.
	start "$a" printf_loop
	tool "$t" events -s 2 "$pid"
	is "$rc" 0 "$combo: events -s 2 exits 0"
	is "$(head -n 1 "$tmp/stdout" | cut -d' ' -f1,2)" "3 CREATE_PROCESS_DEBUG_EVENT" \
	    "$combo: attaching also starts with CREATE_PROCESS"
	breakin=$(sed -n 's/^1 EXCEPTION_DEBUG_EVENT *tid \([0-9]*\) .*the attach break-in.*/\1/p' "$tmp/stdout")
	is "$(echo $breakin | wc -w)" 1 "$combo: the attach break-in is recognised, once"
	like "$tmp/stdout" "^2 CREATE_THREAD_DEBUG_EVENT +tid $breakin +start ntdll!DbgUiRemoteBreakin$" \
	    "$combo: the break-in thread was created first, at ntdll!DbgUiRemoteBreakin"
	like "$tmp/stdout" "^1 EXCEPTION_DEBUG_EVENT +tid $breakin +EXCEPTION_BREAKPOINT \(0x80000003\), first chance, at ntdll!DbgBreakPoint -- " \
	    "$combo: and raised the breakpoint in ntdll!DbgBreakPoint"
	like "$tmp/stdout" "^4 EXIT_THREAD_DEBUG_EVENT +tid $breakin +exit code 0" \
	    "$combo: and exits once continued"
	like "$tmp/stdout" "detached, the process keeps running$" "$combo: events detaches"
	ok "$combo: printf_loop keeps printing after events detached" grows "$out"

	# -n stops after that many events.
	tool "$t" events -n 4 "$pid"
	is "$rc" 0 "$combo: events -n 4 exits 0"
	is "$(grep -cE '^[0-9] [A-Z_]+_EVENT ' "$tmp/stdout")" 4 "$combo: -n 4 prints 4 events"
	ok "$combo: printf_loop keeps printing after events -n" grows "$out"
	stop "$pid"
done

done_testing
