#!/bin/sh
# soak: softbp on printf_loop for a minute, the x86 and the x64 build at
# once, each on a target of its own bitness.  Every call the target made
# in that minute is one hit, and the tool's memory is flat: its working
# set, private bytes and virtual size at 55 s are within 1 MiB of what
# they were at 5 s.  printf_loop -d 10 calls printf up to 100 times a
# second, so that a leak of a few hundred bytes a hit would show.  (The
# private bytes are the commit charge, PagefileUsage: Wine leaves
# PrivateUsage 0 but fills that one, from the resident anonymous memory.)
. "$(dirname "$0")/lib.sh"

secs=60
margin=1048576

# mem PID: "ws=BYTES private=BYTES virtual=BYTES" of a live process.
mem() { look "$1" mem; }

# toolpid ARCH: the Windows pid of the running ARCH build of softbp.
toolpid() {
	$RUN build/x64/procs.exe | tr -d '\r' |
	    awk -v a="$1" '$4 == a && $5 == "softbp.exe" { print $1 }'
}

for t in x86 x64; do
	start "$t" printf_loop -d 10
	echo "$pid" > "$tmp/pid.$t"
	echo "$out" > "$tmp/out.$t"
	$RUN "build/$t/softbp.exe" -s $secs "$pid" 'msvcrt!printf' \
	    > "$tmp/soak.$t" 2>&1 &
done
for t in x86 x64; do
	wait_for "$tmp/soak.$t" '^hit 1 '
	toolpid "$t" > "$tmp/tool.$t"
done
sleep 5
for t in x86 x64; do mem "$(cat "$tmp/tool.$t")" > "$tmp/mem0.$t"; done
sleep $((secs - 10))
for t in x86 x64; do mem "$(cat "$tmp/tool.$t")" > "$tmp/mem1.$t"; done

for t in x86 x64; do
	pid=$(cat "$tmp/pid.$t") out=$(cat "$tmp/out.$t")
	wait_for "$tmp/soak.$t" 'hits; time limit reached;'
	tr -d '\r' < "$tmp/soak.$t" > "$tmp/soak"
	like "$tmp/soak" "^[0-9]+ hits; time limit reached; breakpoints removed, detached" \
	    "$t: softbp -s $secs ran its minute and cleaned up"

	# Each hit shows printf's argument: the number of that call.
	hits=$(sed -n 's/^\([0-9]*\) hits; .*/\1/p' "$tmp/soak")
	sed -n 's/^    printf("going\.\.\.%lu\\n", \([0-9]*\)) .*/\1/p' "$tmp/soak" > "$tmp/calls"
	first_n=$(head -n 1 "$tmp/calls") last_n=$(tail -n 1 "$tmp/calls")
	is "$(wc -l < "$tmp/calls")" "$hits" "$t: $hits hits, each with its call's number"
	is "$((last_n - first_n + 1))" "$hits" "$t: calls $first_n to $last_n, one hit each"
	seq "$first_n" "$last_n" > "$tmp/want"
	ok "$t: in the order the target made them" cmp -s "$tmp/calls" "$tmp/want"
	tr -d '\r' < "$out" | sed -n 's/^going\.\.\.\([0-9]*\)$/\1/p' |
	    awk -v f="$first_n" -v l="$last_n" '$1 >= f && $1 <= l' > "$tmp/printed"
	ok "$t: the target printed exactly those calls" cmp -s "$tmp/printed" "$tmp/want"

	m0=$(cat "$tmp/mem0.$t") m1=$(cat "$tmp/mem1.$t")
	for k in ws:'working set' private:'private bytes' virtual:'virtual size'; do
		v0=$(field "${k%%:*}" "$m0") v1=$(field "${k%%:*}" "$m1")
		ok "$t: softbp's ${k#*:} flat: $v0 -> $v1 bytes" \
		    [ "${v0:-0}" -gt 0 -a "${v1:-0}" -gt 0 -a "${v1:-0}" -le $((${v0:-0} + margin)) ]
	done
	stop "$pid"
done

done_testing
