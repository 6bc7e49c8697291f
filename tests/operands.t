#!/bin/sh
# operands: every form of TARGET and LOCATION the README promises, through
# real tool runs, on x86, x64 and WOW64 (a 64-bit tool on a 32-bit
# target).  lookup prints where its own loader put msvcrt's printf (by
# name, and the ordinal for it) and kernel32's HeapAlloc (a forwarder to
# ntdll); every form the tools are given must resolve, in the target, to
# those addresses.  A TARGET by name in any case and with .exe, a pid in
# 0x hex, and -- PROGRAM for guardbp and threads (hwbp.t and bpcompare.t
# run hwbp and bpcompare that way).
. "$(dirname "$0")/lib.sh"

for combo in $COMBOS; do
	t=${combo%:*} a=${combo#*:}
	start "$a" lookup
	B=$(field msvcrt "$first") P=$(field printf "$first")
	O=$(field printf_ordinal "$first") H=$(field HeapAlloc "$first")
	HO=$(field HeapAlloc_ordinal "$first")
	rva=$(printf '0x%x' $((P - B))) P10=$(printf '0x%x' $((P + 0x10)))

	# module!#ordinal, module+0xRVA, module!export+0x10: in three slots,
	# from a tool that changes no byte (lookup never runs them).
	tool "$t" hwbp -s 1 "$pid" e1 "msvcrt!#$O" e1 "msvcrt+$rva" e1 'msvcrt!printf+0x10'
	is "$rc" 0 "$combo: hwbp on three forms of a location exits 0"
	is "$(grep '^DR[0-3] = ' "$tmp/stdout")" "DR0 = msvcrt!printf ($P), execute
DR1 = msvcrt!printf ($P), execute
DR2 = msvcrt!printf+0x10 ($P10), execute" \
	    "$combo: msvcrt!#$O and msvcrt+$rva are printf=$P, msvcrt!printf+0x10 is $P10"

	# A forwarder, by name and by ordinal: kernel32's HeapAlloc is
	# ntdll's RtlAllocateHeap.  A module's name in any case, with .dll.
	for loc in 'kernel32!HeapAlloc' "kernel32!#$HO"; do
		tool "$t" softbp -s 1 "$pid" "$loc"
		is "$rc" 0 "$combo: softbp $loc exits 0"
		like "$tmp/stdout" "^breakpoint 1 at ntdll!RtlAllocateHeap \\($H\\): saved byte [0-9a-f]{2}, wrote cc$" \
		    "$combo: $loc, a forwarder, is HeapAlloc=$H in ntdll"
	done
	tool "$t" guardbp -s 1 --access x "$pid" 'MSVCRT.DLL!printf'
	is "$rc" 0 "$combo: guardbp MSVCRT.DLL!printf exits 0"
	like "$tmp/stdout" "^watching msvcrt!printf \\($P\\), 1 byte, for execute: PAGE_GUARD on 1 page$" \
	    "$combo: MSVCRT.DLL!printf is printf=$P"
	is "$(code "$pid")" same "$combo: the code of every module is as on disk afterwards"
	is "$(dr7s "$pid")" "0 " "$combo: DR7 is 0 in every thread afterwards"

	# TARGET: the image name in any case, with or without .exe; the pid
	# in 0x hex.  Only one lookup runs, so each names it.
	for target in LOOKUP.EXE Lookup lookup.exe "$(printf '0x%x' "$pid")" "$(printf '0X%X' "$pid")"; do
		tool "$t" regs "$target"
		is "$rc" 0 "$combo: regs $target exits 0"
		like "$tmp/stdout" "^pid $pid: x(86|64)" "$combo: regs $target is pid $pid"
	done
	tool "$t" threads lOoKuP
	like "$tmp/stdout" "^ *[0-9]+ +lookup\\+0x[0-9a-f]+ " "$combo: threads lOoKuP finds lookup's main thread"
	ok "$combo: lookup is running still" running "$pid"
	stop "$pid"

	# -- PROGRAM: guardbp watches printf_loop's count of calls from its
	# start; the program makes its 3 calls and exits.
	tool "$t" guardbp --access w 'printf_loop!calls' 4 -- "build/$a/printf_loop.exe" -n 3
	is "$rc" 0 "$combo: guardbp -- printf_loop -n 3 exits 0"
	like "$tmp/stdout" "^watching printf_loop!calls \\(0x[0-9a-f]+\\), 4 bytes, for write: PAGE_GUARD on 1 page$" \
	    "$combo: guardbp --: the count is watched from the loader's breakpoint on"
	is "$(grep -c '^hit [0-9]*  tid [0-9]*  write at printf_loop!calls  by printf_loop+0x[0-9a-f]*: mov ' "$tmp/stdout")" 3 \
	    "$combo: guardbp --: a write hit for each of the 3 calls"
	like "$tmp/stdout" "^going\\.\\.\\.3$" "$combo: guardbp --: the program ran its 3 calls"
	like "$tmp/stdout" "^3 hits; the target exited; nothing left to clean up$" \
	    "$combo: guardbp --: 3 hits, and the program's exit"

	# -- PROGRAM: threads at the loader's breakpoint sees one thread, at
	# the entry point; once threads detaches, the program runs.
	tool "$t" threads -- "build/$a/spin_threads.exe" 2
	lpid=$(sed -n 's/^pid \([0-9]*\): x.*/\1/p' "$tmp/stdout")
	winpids="$winpids $lpid"
	is "$rc" 0 "$combo: threads -- spin_threads exits 0"
	like "$tmp/stdout" "^ *[0-9]+  spin_threads\\+0x[0-9a-f]+ +ntdll!DbgBreakPoint\\+0x1 +0 normal +$" \
	    "$combo: threads --: the first thread, stopped at the loader's breakpoint"
	like "$tmp/stdout" "^1 threads$" "$combo: threads --: and only that one"
	wait_for "$tmp/stdout.crlf" "^pid=$lpid threads=2 tids=" &&
	    pass "$combo: threads --: the program runs on, and starts its 2 threads"
	stop "$lpid"
done

done_testing
