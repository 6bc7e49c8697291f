#!/bin/sh
# dump shows the bytes regions wrote, exactly, as bytes, words, dwords
# and qwords with the ASCII beside them, on x86, x64 and WOW64; the same
# bytes tests/inspect.c reads; ?? for the page that cannot be read after
# 16 bytes that can; a LOCATION as module!export or module+offset.
. "$(dirname "$0")/lib.sh"

TOOL_TIMEOUT=${TOOL_TIMEOUT:-60}

# lines: the dump lines of the last run, without the address.
lines() { sed -n 's/^[0-9a-f]\{8,16\}  //p' "$tmp/stdout"; }

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" regions
	bytes=$(field bytes "$first") edge=$(field edge "$first")
	w=$([ "$a" = x86 ] && echo 8 || echo 16)

	# "dbgkit bytes" then 0x00, 0x01, ... 0x33.
	tool "$t" dump -n 64 "$pid" "$bytes"
	is "$rc" 0 "$combo: exit 0"
	like "$tmp/stdout" "^pid $pid: 64 bytes at $bytes\$" "$combo: says where"
	is "$(lines)" "64 62 67 6b 69 74 20 62-79 74 65 73 00 01 02 03  dbgkit bytes....
04 05 06 07 08 09 0a 0b-0c 0d 0e 0f 10 11 12 13  ................
14 15 16 17 18 19 1a 1b-1c 1d 1e 1f 20 21 22 23  ............ !\"#
24 25 26 27 28 29 2a 2b-2c 2d 2e 2f 30 31 32 33  \$%&'()*+,-./0123" \
	    "$combo: the bytes regions wrote"
	is "$(sed -n 's/^\([0-9a-f]*\)  .*/\1/p' "$tmp/stdout" | tr '\n' ' ')" \
	    "$(for i in 0 16 32 48; do printf "%0${w}x " $((bytes + i)); done)" \
	    "$combo: 16 bytes a line, from $bytes"
	is "$(lines | cut -c1-48 | tr -d ' -' | tr -d '\n')" "$(bytes "$pid" "$bytes" 64)" \
	    "$combo: what inspect reads there too"

	# The same 16 bytes in 2-, 4- and 8-byte units, little-endian.
	tool "$t" dump -w -n 16 "$pid" "$bytes"
	is "$(lines)" "6264 6b67 7469 6220 7479 7365 0100 0302  dbgkit bytes...." "$combo: -w"
	tool "$t" dump -d -n 16 "$pid" "$bytes"
	is "$(lines)" "6b676264 62207469 73657479 03020100  dbgkit bytes...." "$combo: -d"
	tool "$t" dump -q -n 16 "$pid" "$bytes"
	is "$(lines)" "622074696b676264 0302010073657479  dbgkit bytes...." "$combo: -q"
	tool "$t" dump -d -n 6 "$pid" "$bytes"
	like "$tmp/stdout" "^pid $pid: 8 bytes at " "$combo: -d -n 6: whole dwords, 8 bytes"

	# 16 bytes that end a page, then a page with PAGE_NOACCESS.
	tool "$t" dump -n 32 "$pid" "$edge"
	is "$rc" 0 "$combo: a range half unreadable: exit 0"
	like "$tmp/stdout" "^pid $pid: 32 bytes at $edge, 16 of them unreadable \\(shown as \\?\\?\\)\$" \
	    "$combo: says how many bytes could not be read"
	is "$(lines)" "e0 e1 e2 e3 e4 e5 e6 e7-e8 e9 ea eb ec ed ee ef  ................
?? ?? ?? ?? ?? ?? ?? ??-?? ?? ?? ?? ?? ?? ?? ??  ????????????????" \
	    "$combo: the readable bytes, then ??"
	tool "$t" dump -q -n 32 "$pid" "$edge"
	is "$(lines | sed -n 2p)" "???????????????? ????????????????  ????????????????" "$combo: -q ?? too"

	# A LOCATION: module+offset, module!export.
	tool "$t" dump -n 2 "$pid" 'regions+0'
	is "$(lines)" "$(printf '%-47s  MZ' '4d 5a')" "$combo: regions+0 is its MZ header, the ASCII in its column"
	tool "$t" dump -n 16 "$pid" 'kernel32!Sleep'
	at=$(sed -n 's/^pid [0-9]*: 16 bytes at \(0x[0-9a-f]*\) (kernel32!Sleep)$/\1/p' "$tmp/stdout")
	ok "$combo: kernel32!Sleep resolved" [ -n "$at" ]
	is "$(lines | cut -c1-48 | tr -d ' -')" "$(bytes "$pid" "$at" 16)" \
	    "$combo: kernel32!Sleep's first 16 bytes, as inspect reads them"
	ok "$combo: regions runs on" running "$pid"
	stop "$pid"
done

done_testing
