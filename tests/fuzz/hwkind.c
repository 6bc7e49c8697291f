/*
 * hwkind.c: fuzz parse_hw_kind().  It accepts exactly WinDbg's thirteen
 * spellings, and what it returns survives a trip through DR7.
 */
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "fuzz.h"

static const struct {
	const char *s;
	enum dr7_rw rw;
	unsigned len;
} kinds[] = {
	{ "e1", DR7_RW_EXECUTE, 1 },
	{ "w1", DR7_RW_WRITE, 1 }, { "w2", DR7_RW_WRITE, 2 },
	{ "w4", DR7_RW_WRITE, 4 }, { "w8", DR7_RW_WRITE, 8 },
	{ "rw1", DR7_RW_READWRITE, 1 }, { "rw2", DR7_RW_READWRITE, 2 },
	{ "rw4", DR7_RW_READWRITE, 4 }, { "rw8", DR7_RW_READWRITE, 8 },
	{ "r1", DR7_RW_READWRITE, 1 }, { "r2", DR7_RW_READWRITE, 2 },
	{ "r4", DR7_RW_READWRITE, 4 }, { "r8", DR7_RW_READWRITE, 8 },
};

/* Enable every slot with rw and len over other bits, then take it back. */
static void
through_dr7(enum dr7_rw rw, unsigned len)
{
	static const uint32_t before[] = { 0, 0xffffffffu, 0x00000155u };
	char buf[96];
	uint32_t d;
	size_t i;
	int slot;

	for (i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		for (slot = 0; slot < DR_SLOTS; slot++) {
			d = dr7_enable(before[i], slot, rw, len);
			CHECK(dr7_enabled(d, slot));
			CHECK(dr7_rw(d, slot) == rw && dr7_len(d, slot) == len);
			CHECK(dr7_disable(d, slot) == dr7_disable(before[i], slot));
			dr7_slot_describe(d, slot, buf, sizeof(buf));
			CHECK(strstr(buf, dr7_rw_name(rw)) != NULL);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_string(data, n);
	const char *why;
	enum dr7_rw rw;
	unsigned len;
	size_t i, k = sizeof(kinds) / sizeof(kinds[0]);

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i].s) == 0)
			k = i;
	why = parse_hw_kind(s, &rw, &len);
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		CHECK(why != NULL);
	} else {
		CHECK(why == NULL && rw == kinds[k].rw && len == kinds[k].len);
		through_dr7(rw, len);
	}
	free(s);
	return 0;
}
