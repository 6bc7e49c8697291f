/*
 * target.c: fuzz parse_target().  Digits or 0x-hex make a pid that fits
 * 32 bits (or an error when it does not); anything else is a name, the
 * operand itself.
 */
#include <stdlib.h>

#include "args.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct target_spec t = { .kind = -1 };
	char *s = fuzz_string(data, n);
	const char *why;
	uint64_t ref;
	int isnum;

	isnum = fuzz_number(s, &ref);
	why = parse_target(s, &t);
	if (s[0] == '\0' || isnum == -1 || (isnum == 1 && ref > UINT32_MAX)) {
		CHECK(why != NULL);
	} else if (isnum == 1) {
		CHECK(why == NULL && t.kind == TARGET_PID && t.pid == ref);
	} else {
		CHECK(why == NULL && t.kind == TARGET_NAME && t.name == s);
	}
	free(s);
	return 0;
}
