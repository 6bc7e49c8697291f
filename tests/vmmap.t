#!/bin/sh
# vmmap finds what regions says it has, at the addresses it prints: its
# stack and the guard page below it, a section each of .text, .data,
# .rdata and .bss, the guard page it made with VirtualProtect, the view
# of its own file, its heap block, its TEB and PEB; on x86, x64 and
# WOW64.  The regions tile the address space from 0 (-a), and their
# protections are what VirtualQueryEx tells tests/inspect.c.
. "$(dirname "$0")/lib.sh"

TOOL_TIMEOUT=${TOOL_TIMEOUT:-60}

# region ADDR: the line of vmmap's last output whose [base, end) holds ADDR.
region() {
	tr -d '\r' < "$tmp/stdout" | while read -r base end rest; do
		case $base in *[!0-9a-f]*|'') continue ;; esac
		if [ $((0x$base)) -le $(($1)) ] && [ $(($1)) -lt $((0x$end)) ]; then
			printf '%s %s %s\n' "$base" "$end" "$rest"
			break
		fi
	done
}

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" regions
	tid=$(field tid "$first")
	w=$([ "$a" = x86 ] && echo 8 || echo 16)
	hex() { printf "%0${w}x" "$(($1))"; }
	tool "$t" vmmap "$pid"
	is "$rc" 0 "$combo: exit 0"
	is "$(cat "$tmp/stderr")" "" "$combo: nothing on stderr"

	# The stack: its committed part ends at StackBase; the guard page
	# under StackLimit is a region of its own, marked as such.
	stack=$(field stack "$first") guard=$(field guard "$first")
	lo=${stack%-*} hi=${stack#*-}
	like "$tmp/stdout" "^[0-9a-f]+  $(hex "$hi") +[0-9a-f]+  commit   PAGE_READWRITE +private  stack of tid $tid\$" \
	    "$combo: the stack of tid $tid, up to StackBase $hi"
	ok "$combo: the target found a guard page under its stack" [ "$((guard))" -ne 0 ]
	like "$tmp/stdout" "^$(hex "$guard")  $(hex "$((guard + 0x1000))") +1000  commit   PAGE_READWRITE\\|PAGE_GUARD +private  stack of tid $tid \\(guard page\\)\$" \
	    "$combo: its guard page at $guard, just under StackLimit $lo"
	is "$(region "$lo" | cut -d' ' -f1)" "$(hex "$lo")" "$combo: StackLimit starts a region"

	# One section each, named from the file's string table where long.
	for s in text:'PAGE_EXECUTE_READ .* regions\.exe \.text' \
	    data:'PAGE_(READWRITE|WRITECOPY) .* regions\.exe \.data' \
	    rdata:'PAGE_READONLY .* regions\.exe \.rdata' \
	    bss:'PAGE_(READWRITE|WRITECOPY) .* regions\.exe \.bss'; do
		at=$(field "${s%%:*}" "$first")
		region "$at" > "$tmp/r"
		like "$tmp/r" " ${s#*:}( |\$)" "$combo: ${s%%:*}=$at is in regions.exe's .${s%%:*}"
	done

	# What it made: the guard page in its allocation, the view, the heap.
	alloc=$(field alloc "$first") guarded=$(field guarded "$first")
	like "$tmp/stdout" "^$(hex "$alloc")  $(hex "$guarded") +1000  commit   PAGE_READWRITE +private  \$" \
	    "$combo: its VirtualAlloc region, first page"
	like "$tmp/stdout" "^$(hex "$guarded")  $(hex "$((guarded + 0x1000))") +1000  commit   PAGE_READWRITE\\|PAGE_GUARD +private  guard page\$" \
	    "$combo: and the guard page it made at $guarded"
	region "$(field view "$first")" > "$tmp/r"
	like "$tmp/r" "^$(hex "$(field view "$first")") .* PAGE_READONLY +mapped +a view of .*[\\\\/]build[\\\\/]$a[\\\\/]regions\\.exe\$" \
	    "$combo: the view of its own file"
	region "$(field heap "$first")" > "$tmp/r"
	like "$tmp/r" ' commit +PAGE_READWRITE +private +heap 0x[0-9a-f]+ \(the process heap\)$' \
	    "$combo: its heap block is in the process heap"
	like "$tmp/stdout" "TEB of tid $tid(;|\$)" "$combo: the TEB of tid $tid"
	like "$tmp/stdout" '(  |; )PEB(;|$)' "$combo: the PEB"
	like "$tmp/stdout" "^$(hex 0x7ffe0000)  $(hex 0x7ffe1000) +1000  commit   PAGE_READONLY .* KUSER_SHARED_DATA\$" \
	    "$combo: KUSER_SHARED_DATA"

	# Each protection is the one VirtualQueryEx gives inspect.
	bad=
	for at in "$guard" "$lo" "$(field text "$first")" "$(field data "$first")" \
	    "$(field rdata "$first")" "$guarded" "$(field view "$first")"; do
		want=$(prot "$pid" "$at")
		got=$(region "$at" | awk '{ print $5 }')
		case $got in
		PAGE_READONLY) n=2 ;; PAGE_READWRITE) n=4 ;; PAGE_WRITECOPY) n=8 ;;
		PAGE_EXECUTE_READ) n=20 ;; 'PAGE_READWRITE|PAGE_GUARD') n=104 ;; *) n=? ;;
		esac
		[ "$n" = "$want" ] || bad="$bad $at:$got/$want"
	done
	is "$bad" "" "$combo: protections as VirtualQueryEx gives inspect"

	# -a: free regions too, and then the regions tile the space from 0.
	tool "$t" vmmap -a "$pid"
	like "$tmp/stdout" '^0+  [0-9a-f]+ +[0-9a-f]+  free ' "$combo: -a starts with the free region at 0"
	ok "$combo: -a: each region starts where the last one ended" \
	    awk '/^[0-9a-f]+  [0-9a-f]+  / { if (n++ && $1 != end) exit 1; end = $2 }' "$tmp/stdout"
	ok "$combo: regions runs on" running "$pid"
	stop "$pid"
done

done_testing
