#!/bin/sh
# tty: the tools at a real terminal, as a learner runs them.  tmux draws
# a pseudo-terminal; Wine's console writes to it with escape sequences,
# and tmux turns them into the screen a person sees, which is what is
# compared here.  A traced run shows every step, in order; the
# interactive stepper's prompt appears before anything is typed; Ctrl-C
# during c breaks in and comes back to the prompt, with the whole target
# standing still; q detaches; a Ctrl-C at the prompt, or in a traced run,
# ends the session.  Each time the target runs on afterwards, untouched:
# its code as on disk, DR7 and TF clear in every thread.  Nothing here
# is timed: every wait is for something to appear.
. "$(dirname "$0")/lib.sh"
# At the terminal, a tool starts as a learner starts it: with wine
# itself, whatever its bitness.  The test's own targets and looks go
# through tests/wine, as everywhere.
typed=; [ -n "$RUN" ] && typed=wine

if ! command -v tmux > /dev/null; then
	echo "Bail out! tmux is missing: scripts/setup.sh installs it"
	exit 1
fi

# A tmux server of our own for each terminal, all ended with the test.
nterm=0
T() { tmux -S "$tmp/tmux.$nterm" "$@"; }
trap 'for s in "$tmp"/tmux.*; do tmux -S "$s" kill-server; done 2> /dev/null; finish' EXIT

# term CMD: run CMD at a fresh 200x50 terminal, from the checkout's top;
# "[exit N]" follows its last line.
term() {
	T kill-server 2> /dev/null
	nterm=$((nterm + 1))
	T -f /dev/null new-session -d -x 200 -y 50 \
	    "cd '$top' && $*; echo \"[exit \$?]\"; sleep 3600"
}

# screen: what the terminal shows, scrollback included, lines as written.
screen() { T capture-pane -p -J -S - -E - > "$tmp/screen" && cat "$tmp/screen"; }

# shows REGEX: until a line of the screen matches (within $PATIENCE s).
# When none does, what the screen ends with, and which tools still run.
shows() {
	await on_screen "$1" && return 0
	diag "no line of the screen matches /$1/; its end:"
	screen | grep -v '^$' | tail -n 12 | diag "$(cat)"
	diag "running: $(pgrep -f 'build/.*\.exe' | xargs -r ps -o args= -p | tr '\n' ';')"
	return 1
}
on_screen() { screen | grep -Eq -- "$1"; }

# count REGEX: how many lines of the screen match.
count() { screen | grep -Ec -- "$1"; }

# prompts N: until the screen holds N prompts (within $PATIENCE s).
prompts() { await prompted "$1"; }
prompted() { [ "$(count '^stepper>')" -ge "$1" ]; }

# keys KEYS...: type at the terminal (tmux send-keys).
keys() { T send-keys "$@"; }

# still PID FILE: the target's output has not grown while it is held.
# It cannot: every thread of it stands still at a pending debug event.
still() {
	_n=$(wc -l < "$2"); sleep 1; [ "$(wc -l < "$2")" -eq "$_n" ]
}

# untouched PID WHAT: the target (printf_loop) runs on, nothing of ours
# left in it.
untouched() {
	ok "$2: the target keeps printing" grows "$out"
	is "$(code "$1")" same "$2: its code is as on disk (no INT3 left)"
	is "$(dr7s "$1")" "0 " "$2: DR7 clear in every thread"
	is "$(tfs "$1")" "0 " "$2: TF clear in every thread"
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	stepper="$typed build/$t/stepper.exe"
	start "$a" printf_loop

	# A traced run shows every step at the terminal, in order.
	term "$stepper -n 40 $pid"
	shows '^\[exit [0-9]+\]$' || diag "$(screen)"
	is "$(screen | sed -n 's/^ *\([0-9][0-9]*\)  .*/\1/p' | tr '\n' ' ')" \
	    "$(seq 1 40 | tr '\n' ' ')" "$combo: stepper -n 40: steps 1 to 40 shown, in order"
	is "$(count '^40 steps; done; breakpoints removed, detached, the target keeps running$')" 1 \
	    "$combo: and its last line"
	is "$(count '^\[exit 0\]$')" 1 "$combo: exit 0"
	untouched "$pid" "$combo: after -n 40"

	# The interactive stepper: the prompt appears with nothing typed.
	term "$stepper $pid"
	ok "$combo: the prompt appears" shows '^stepper> ?$'
	like "$tmp/screen" "^tid [0-9]+ at [a-z]+![^ ]+: [0-9a-f ]+ " \
	    "$combo: after where the thread is"
	keys s Enter
	ok "$combo: s steps" shows '^ +1  [a-z]+!'
	ok "$combo: and the prompt comes back" prompts 2

	# c lets the target run, with a breakpoint it never reaches (it must
	# be gone afterwards); Ctrl-C breaks in, back at the prompt.
	keys 'b kernel32!Beep' Enter
	ok "$combo: b sets a breakpoint" shows '^breakpoint at kernel32!Beep \(0x[0-9a-f]+\)$'
	prompts 3
	keys c Enter
	ok "$combo: during c the target runs" grows "$out"
	keys C-c
	ok "$combo: Ctrl-C breaks in" shows \
	    "^stopped by tid [0-9]+, the break-in's thread; tid [0-9]+ at "
	ok "$combo: and the prompt comes back" prompts 4
	is "$(count '^Ctrl-C: breaking in \(Ctrl-C again to end the session\)$')" 1 \
	    "$combo: saying what Ctrl-C does"
	ok "$combo: at the prompt, the whole target stands still" still "$pid" "$out"
	keys r Enter
	ok "$combo: r shows the registers" shows '^[er]ip='
	keys q Enter
	ok "$combo: q detaches" shows \
	    '^1 step; done; breakpoints removed, detached, the target keeps running$'
	shows '^\[exit [0-9]+\]$'
	is "$(count '^\[exit 0\]$')" 1 "$combo: exit 0"
	untouched "$pid" "$combo: after Ctrl-C and q"

	# Ctrl-C at the prompt ends the session.
	term "$stepper $pid"
	shows '^stepper> ?$'
	keys C-c
	ok "$combo: Ctrl-C at the prompt ends the session" shows \
	    '^0 steps; interrupted; breakpoints removed, detached, the target keeps running$'
	shows '^\[exit [0-9]+\]$'
	is "$(count '^\[exit 0\]$')" 1 "$combo: exit 0"
	untouched "$pid" "$combo: after Ctrl-C at the prompt"

	# Ctrl-C in a traced run ends it, the thread asleep or not.
	term "$stepper -n 100000000 $pid"
	shows '^ +[0-9]+  [a-z]+!'
	keys C-c
	ok "$combo: Ctrl-C in a traced run ends it" shows \
	    '^[0-9]+ steps; interrupted; breakpoints removed, detached, the target keeps running$'
	untouched "$pid" "$combo: after Ctrl-C in a traced run"
	stop "$pid"

	# The same on known_regs, whose thread never sleeps: the step asked
	# for just before the Ctrl-C has always come by the time it ends.
	start "$a" known_regs
	ax=$(field rax "$first")$(field eax "$first")
	term "$stepper -n 100000000 $pid"
	shows '^ +[0-9]+  known_regs\+'
	keys C-c
	ok "$combo: known_regs: Ctrl-C in a traced run ends it" shows \
	    '^[0-9]+ steps; interrupted; breakpoints removed, detached, the target keeps running$'
	shows '^\[exit [0-9]+\]$'
	is "$(count '^\[exit 0\]$')" 1 "$combo: exit 0"
	ok "$combo: known_regs runs on" running "$pid"
	tool x64 regs "$pid"
	like "$tmp/stdout" "^[er]ax=$ax " "$combo: its registers are its own still"
	is "$(code "$pid")" same "$combo: its code is as on disk"
	is "$(tfs "$pid")" "0 " "$combo: TF clear in every thread"
	stop "$pid"
done

# A program started under a tool shares its console: what the tool says
# about an event shows before what the program prints after it.
term "$typed build/x64/events.exe -- build/x64/printf_loop.exe -o -n 3 -d 0"
shows '^\[exit [0-9]+\]$' || diag "$(screen)"
is "$(screen | sed -n 's/^going\.\.\.\([0-9]\)$/p\1/p; s/^8 OUTPUT_DEBUG_STRING_EVENT .*"going\.\.\.\([0-9]\)"$/e\1/p' | tr '\n' ' ')" \
    "p1 e1 p2 e2 p3 e3 " "events -- printf_loop: each line, then its event, in order"
is "$(count '^14 events; the process exited$')" 1 "events: and its last line"

# softbp at the terminal: every hit shown, and the end.
start x64 printf_loop -d 10
term "$typed build/x64/softbp.exe -n 30 $pid 'msvcrt!printf'"
shows '^\[exit [0-9]+\]$' || diag "$(screen)"
is "$(count '^hit [0-9]+  tid [0-9]+  msvcrt!printf  ')" 30 "softbp -n 30: 30 hits shown"
is "$(count '^30 hits; hit count reached; breakpoints removed, detached, the target keeps running$')" 1 \
    "softbp: and its last line"
untouched "$pid" "softbp -n 30"
stop "$pid"

done_testing
