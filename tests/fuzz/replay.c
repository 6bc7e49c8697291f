/*
 * replay.c: a main() for a harness without libFuzzer: run it once on
 * each file named, the way tests/fuzz.t replays the seeds and the kept
 * crashes with nothing but a C compiler.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int
main(int argc, char *argv[])
{
	static uint8_t buf[1 << 16];
	FILE *f;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		if ((f = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		if (ferror(f) || !feof(f)) {
			fprintf(stderr, "%s: unreadable or over %zu bytes\n",
			    argv[i], sizeof(buf));
			return 1;
		}
		fclose(f);
		fuzz_input = argv[i];
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
