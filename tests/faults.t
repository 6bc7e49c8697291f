#!/bin/sh
# faults under events: the debugger sees each exception the target raises,
# with the code, the address and the chance the target's own first line and
# handlers say, and the debugger's answer decides which of the target's
# handlers run, as lesson 12 teaches:
#   gn at the first chance   the vectored handler, then the frame handler
#   gh at the first chance   none: the debugger took it
#   no frame takes it        the unhandled-exception filter does not run
#                            under a debugger: a second chance comes, and
#                            gn there ends the process with the code
#   gh at the second chance  RaiseException returns; an access violation
#                            faults again
#   gh to an access violation at the first chance: the same fault, again
#                            and again, and no handler runs
. "$(dirname "$0")/lib.sh"

# exceptions: "CODE ADDRESS CHANCE" for each of the target's own
# exceptions in $tmp/stdout (events' line and the address line after it).
exceptions() {
	awk '/^1 EXCEPTION_DEBUG_EVENT / && !/ -- the / {
		code = $0; sub(/.*\(/, "", code); sub(/\).*/, "", code)
		chance = ($0 ~ /, first chance, /) ? "first" : "second"; next }
	    code != "" && /^    address / { a = $2; sub(/;$/, "", a)
		print code, a, chance; code = "" }' "$tmp/stdout"
}

# launch ARCH TOOLARCH ARGS...: events with ARGS, then "--" and faults;
# $first is the target's first line, $pid its pid.
launch() {
	_a=$1 _t=$2; shift 2
	tool "$_t" events "$@"
	first=$(grep -m 1 '^pid=' "$tmp/stdout")
	pid=$(field pid "$first")
	winpids="$winpids $pid"
}

# handled: the target's last count of who took what.
handled() { sed -n 's/^handled //p' "$tmp/stdout"; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	f=build/$a/faults.exe
	# A 64-bit debugger on Windows gets a WOW64 target's int3 as
	# STATUS_WX86_BREAKPOINT; under Wine as a plain breakpoint.
	bp=0x80000003
	[ -z "$RUN" ] && [ $combo = x64:x86 ] && bp=0x4000001f

	# gn, gn: the target's own handlers see every one, the frame handler
	# takes each.
	launch "$a" "$t" -- "$f" av div int3 ud raise
	is "$rc" 0 "$combo gn: events exits 0"
	ok "$combo gn: faults started" [ -n "$pid" ]
	raised=$(sed -n 's/^the vectored handler: the program.s own exception (0xe0db0001) at \(0x[0-9a-f]*\),.*/\1/p' "$tmp/stdout")
	ok "$combo gn: the vectored handler saw RaiseException's address" [ -n "$raised" ]
	is "$(exceptions | tr '\n' ' ')" \
	    "0xc0000005 $(field av "$first") first 0xc0000094 $(field div "$first") first $bp $(field int3 "$first") first 0xc000001d $(field ud "$first") first 0xe0db0001 $raised first " \
	    "$combo gn: each exception once, first chance, its code at its address"
	like "$tmp/stdout" '^    address 0x[0-9a-f]+; parameters 0x1 0x1234: a write to 0x1234; answered gn \(DBG_EXCEPTION_NOT_HANDLED\)$' \
	    "$combo gn: the access violation's parameters: a write, to 0x1234"
	like "$tmp/stdout" "^    address $raised; parameters 0x11 0x22 0x33; answered gn" \
	    "$combo gn: RaiseException's own arguments"
	for k in av div int3 ud raise; do
		like "$tmp/stdout" "^$k: back in the program, taken by the frame handler$" \
		    "$combo gn: the frame handler took $k"
	done
	is "$(grep -c '^the vectored handler: .*: passing it on$' "$tmp/stdout")" 5 \
	    "$combo gn: the vectored handler saw all five first, and passed them on"
	is "$(handled)" "vectored=0 frame=5 filter=0 untaken=0" "$combo gn: the target's count"
	like "$tmp/stdout" '^5 EXIT_PROCESS_DEBUG_EVENT +tid [0-9]+ +exit code 0$' "$combo gn: faults exits 0"

	# gh at the first chance: the debugger took them; no handler ran.
	launch "$a" "$t" -1 gh -- "$f" int3 raise
	is "$(exceptions | cut -d' ' -f1,3 | tr '\n' ' ')" "$bp first 0xe0db0001 first " \
	    "$combo gh: two exceptions, first chance"
	is "$(grep -c '^    address .*; answered gh (DBG_CONTINUE)$' "$tmp/stdout")" 2 \
	    "$combo gh: both answered DBG_CONTINUE"
	unlike "$tmp/stdout" '^the (vectored|frame) handler|^the unhandled' "$combo gh: no handler of the target ran"
	is "$(handled)" "vectored=0 frame=0 filter=0 untaken=2" "$combo gh: the target went on untouched, twice"

	# No frame takes it: under a debugger the filter is skipped, a second
	# chance comes, and gn ends the process with the exception's code.
	launch "$a" "$t" -- "$f" -H filter av
	is "$(exceptions | tr '\n' ' ')" \
	    "0xc0000005 $(field av "$first") first 0xc0000005 $(field av "$first") second " \
	    "$combo no frame: first chance, then second chance, at the same address"
	like "$tmp/stdout" '^the frame handler: .*: passing it on$' "$combo no frame: the frame handler passed"
	unlike "$tmp/stdout" '^the unhandled-exception filter' "$combo no frame: the filter never ran"
	like "$tmp/stdout" '^5 EXIT_PROCESS_DEBUG_EVENT +tid [0-9]+ +exit code 3221225477 \(0xc0000005, EXCEPTION_ACCESS_VIOLATION\)$' \
	    "$combo no frame: the process ends with the exception's code"
	unlike "$tmp/stdout" '^av: back in the program' "$combo no frame: the program never went on"

	# gh at the second chance: RaiseException returns to the program.
	launch "$a" "$t" -2 gh -- "$f" -H filter raise
	is "$(exceptions | cut -d' ' -f1,3 | tr '\n' ' ')" "0xe0db0001 first 0xe0db0001 second " \
	    "$combo second gh: first chance, then second chance"
	like "$tmp/stdout" '^raise: back in the program, taken by none of the program.s handlers$' \
	    "$combo second gh: RaiseException returned"
	is "$(handled)" "vectored=0 frame=0 filter=0 untaken=1" "$combo second gh: the target's count"

	# gh to an access violation: the instruction runs again, and faults
	# again, with no handler in between; -n ends the loop.
	launch "$a" "$t" -n 30 -1 gh -- "$f" av
	exceptions > "$tmp/loop"
	ok "$combo loop: at least 5 faults ($(wc -l < "$tmp/loop"))" [ "$(wc -l < "$tmp/loop")" -ge 5 ]
	is "$(sort -u "$tmp/loop")" "0xc0000005 $(field av "$first") first" \
	    "$combo loop: all the same fault, first chance"
	last=$(grep -n '^    address ' "$tmp/stdout" | tail -n 1 | cut -d: -f1)
	is "$(head -n "$last" "$tmp/stdout" | grep -c '^the .*handler\|^the unhandled')" 0 \
	    "$combo loop: no handler ran while events answered"
	# Detached, the program goes on: the fault, this time to its handlers.
	wait_for "$tmp/stdout.crlf" '^handled '
	tr -d '\r' < "$tmp/stdout.crlf" > "$tmp/stdout"
	is "$(handled)" "vectored=0 frame=1 filter=0 untaken=0" \
	    "$combo loop: once events left, the frame handler took it"

	# STATUS_WX86_BREAKPOINT, raised twice.  On Windows a 64-bit debugger
	# gets a WOW64 target's int3 with that code, and the first one of a
	# launched WOW64 target is its 32-bit loader's, the debugger's own;
	# every later one is the target's.  Wine raises no loader breakpoint
	# and sends int3 as 0x80000003, so here the target raises the code
	# itself: the first stands in for the loader's, and must be answered
	# gh; the second must reach the frame handler.  Any other tool and
	# target never own the code: both go to the target.
	launch "$a" "$t" -- "$f" wx86 wx86
	wx86=$(grep -c '^1 EXCEPTION_DEBUG_EVENT .*STATUS_WX86_BREAKPOINT (0x4000001f)' "$tmp/stdout")
	if [ $combo = x64:x86 ] && [ -n "$RUN" ]; then
		is "$wx86" 2 "$combo wx86: both reached events"
		like "$tmp/stdout" "STATUS_WX86_BREAKPOINT \(0x4000001f\), first chance, at .* -- the WOW64 layer's initial breakpoint$" \
		    "$combo wx86: the first is taken for the WOW64 loader's"
		is "$(grep -c '^    address .*; answered gn' "$tmp/stdout")" 1 \
		    "$combo wx86: the second is the target's, answered gn"
		is "$(handled)" "vectored=0 frame=1 filter=0 untaken=1" \
		    "$combo wx86: the first went by, the frame handler took the second"
	else
		# On Windows the real loader breakpoint is a third event.
		is "$wx86" "$( [ $combo = x64:x86 ] && echo 3 || echo 2)" \
		    "$combo wx86: every one reached events"
		unlike "$tmp/stdout" 'WOW64 layer' "$combo wx86: none is taken for the WOW64 loader's"
		is "$(grep -c '^    address .*; answered gn' "$tmp/stdout")" 2 \
		    "$combo wx86: both are the target's, answered gn"
		is "$(handled)" "vectored=0 frame=2 filter=0 untaken=0" \
		    "$combo wx86: the frame handler took both"
	fi

	# Attached, no STATUS_WX86_BREAKPOINT is the debugger's: an attach has
	# no loader breakpoint to come.  faults raises its one only once the
	# break-in's breakpoint has arrived (-f: when the file exists).
	go=${tmp#"$top"/}/go.$a.$t
	start "$a" faults -f "$go" wx86
	timeout -k 5 60 $RUN "build/$t/events.exe" -s 30 "$pid" > "$tmp/attached" 2>&1 &
	events_pid=$!
	wait_for "$tmp/attached" ' -- the attach break-in'
	: > "$go"
	wait $events_pid
	is "$(tr -d '\r' < "$tmp/attached" | grep -c '^1 EXCEPTION_DEBUG_EVENT .*STATUS_WX86_BREAKPOINT (0x4000001f), first chance')" 1 \
	    "$combo attached wx86: it reached events"
	unlike "$tmp/attached" 'WOW64 layer' "$combo attached wx86: it is not taken for the WOW64 loader's"
	wait_for "$out" '^handled '
	is "$(sed -n 's/^handled //p' "$out" | tr -d '\r')" "vectored=0 frame=1 filter=0 untaken=0" \
	    "$combo attached wx86: the frame handler took it"
done

done_testing
