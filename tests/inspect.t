#!/bin/sh
# inspect disk and code: a clean target's code is the same as its
# modules' files (msvcrt, kernel32, the program's own), on x86, x64 and
# WOW64; the file compared is the one really mapped; an INT3 that softbp
# planted shows.
. "$(dirname "$0")/lib.sh"

# addr NAME: the address softbp resolved NAME to, from its last run.
addr() { sed -n "s/^breakpoint [0-9]* at $1 (\\(0x[0-9a-f]*\\)).*/\\1/p" "$tmp/stdout"; }

for a in x64 x86; do
	if [ "$a" = x86 ]; then sys='SysWOW64'; else sys='system32'; fi

	# Where the locations are: resolved in one process; system DLLs and
	# the program load at the same bases in the next.
	start "$a" spin_threads 1
	tool x64 softbp -1 -s 1 "$pid" 'kernel32!Sleep' 'msvcrt!printf' 'spin_threads!work'
	S=$(addr 'kernel32!Sleep') P=$(addr 'msvcrt!printf') W=$(addr 'spin_threads!work')
	ok "$a: softbp resolved Sleep, printf and work" [ -n "$S" -a -n "$P" -a -n "$W" ] ||
	    diag "softbp exited $rc:" "$(cat "$tmp/stdout" "$tmp/stderr")"
	stop "$pid"

	start "$a" spin_threads 1
	file_of() { inspect "$pid" module "$1" | tr -d '\r' | cut -d' ' -f3-; }
	is "$(file_of "$S")" "C:\\windows\\$sys\\kernel32.dll" "$a: Sleep is in $sys's kernel32.dll"
	is "$(file_of "$P")" "C:\\windows\\$sys\\msvcrt.dll" "$a: printf is in $sys's msvcrt.dll"
	is "$(file_of "$W")" "Z:$(printf '%s' "$top" | tr / '\\')\\build\\$a\\spin_threads.exe" \
	    "$a: work is in build/$a/spin_threads.exe"
	is "$(disk "$pid" "$S" 64)" same "$a: a clean kernel32!Sleep is as on disk"
	is "$(disk "$pid" "$P" 256)" same "$a: a clean msvcrt!printf is as on disk"
	is "$(disk "$pid" "$W" 64)" same "$a: a clean spin_threads!work is as on disk"
	is "$(disk "$pid" "$(printf '0x%x' $((W & ~0xfff)))" 4096)" same \
	    "$a: and the whole page of code around it"
	is "$(code "$pid")" same "$a: so is the code of every module"

	# The inspector can fail: an INT3 in place shows, with the byte it
	# replaced.  Locations this target never runs, so no hit takes the
	# byte out for a moment.
	$RUN "build/x64/softbp.exe" -s 20 "$pid" 'msvcrt!puts' 'spin_threads!worker' \
	    > "$tmp/attached" 2>&1 &
	sbp=$!
	wait_for "$tmp/attached" '^breakpoint 2 at '
	for loc in 'msvcrt!puts' 'spin_threads!worker'; do
		at=$(sed -n "s/^breakpoint [0-9] at $loc (\\(0x[0-9a-f]*\\)): saved byte \\(..\\).*/\\1 \\2/p" \
		    "$tmp/attached" | tr -d '\r')
		is "$(disk "$pid" "${at% *}" 16)" "+0x0 disk ${at#* } memory cc" \
		    "$a: softbp's INT3 at $loc shows, over its byte ${at#* }"
	done
	code "$pid" > "$tmp/code"
	is "$(wc -l < "$tmp/code")" 2 "$a: the code of every module: two bytes differ"
	like "$tmp/code" '^msvcrt\.dll\+0x[0-9a-f]+ disk [0-9a-f]{2} memory cc$' "$a: one in msvcrt.dll"
	like "$tmp/code" '^spin_threads\.exe\+0x[0-9a-f]+ disk [0-9a-f]{2} memory cc$' "$a: one in spin_threads.exe"
	interrupt softbp "$pid"
	wait $sbp
	like "$tmp/attached" 'interrupted; breakpoints removed' "$a: softbp interrupted"
	for loc in 'msvcrt!puts' 'spin_threads!worker'; do
		at=$(sed -n "s/^breakpoint [0-9] at $loc (\\(0x[0-9a-f]*\\)).*/\\1/p" "$tmp/attached" | tr -d '\r')
		is "$(disk "$pid" "$at" 16)" same "$a: $loc is as on disk again"
	done
	is "$(code "$pid")" same "$a: and all the code"
	stop "$pid"
done

done_testing
