#!/bin/sh
# procs lists the targets with their pid, parent, threads, bitness and name.
. "$(dirname "$0")/lib.sh"

start x86 spin_threads 3
p86=$pid
start x64 printf_loop
p64=$pid
for t in x86 x64; do
	tool "$t" procs
	is "$rc" 0 "$t: procs exits 0"
	like "$tmp/stdout" "^ *$p86 +[0-9]+ +4  x86  spin_threads\.exe$" \
	    "$t: spin_threads: its pid, 4 threads, x86"
	like "$tmp/stdout" "^ *$p64 +[0-9]+ +1  x64  printf_loop\.exe$" \
	    "$t: printf_loop: its pid, 1 thread, x64"
	like "$tmp/stdout" "^[0-9]+ processes$" "$t: procs counts them"
done
tool x64 procs extra
is "$rc" 2 "procs takes no operands"

done_testing
