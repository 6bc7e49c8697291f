/*
 * number.c: fuzz parse_number() and optnumber().  The answer must agree
 * with strtoull(), lie within the bounds, and print and parse back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "fuzz.h"

/* The bounds the tools pass. */
static const struct { uint64_t min, max; } bounds[] = {
	{ 0, UINT64_MAX },	/* an address */
	{ 0, UINT32_MAX },	/* a pid */
	{ 1, UINT32_MAX },	/* -n, -t */
	{ 1, 86400 },		/* -s */
	{ 1, 1u << 30 },	/* guardbp's SIZE */
	{ 1, 1000 },		/* stepper's "s N" */
	{ 0, 0xffff },		/* an ordinal */
};

static void
roundtrip(uint64_t v)
{
	char buf[32];
	uint64_t w;

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	CHECK(parse_number(buf, 0, UINT64_MAX, &w) == NULL && w == v);
	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	CHECK(parse_number(buf, 0, UINT64_MAX, &w) == NULL && w == v);
}

static void
one(const char *s, uint64_t min, uint64_t max)
{
	char want[sizeof(fuzz_msg)];
	const char *why;
	uint64_t v = 0xdeadbeef, ref, got;
	int isnum, inrange;

	isnum = fuzz_number(s, &ref);
	inrange = isnum == 1 && ref >= min && ref <= max;
	why = parse_number(s, min, max, &v);
	if (inrange) {
		CHECK(why == NULL);
		CHECK(v == ref);
		roundtrip(v);
	} else {
		CHECK(why != NULL && why[0] != '\0');
		CHECK(v == 0xdeadbeef);	/* *out left alone */
	}

	/* optnumber() says the same, or exits 2 with "OPT: "S": WHY". */
	fuzz_armed = 1;
	if (setjmp(fuzz_exit) == 0) {
		got = optnumber("-n", s, min, max);
		CHECK(why == NULL && got == v);
	} else {
		CHECK(why != NULL && fuzz_status == EXIT_USAGE);
		snprintf(want, sizeof(want), "-n: \"%s\": %s", s, why);
		CHECK(strcmp(fuzz_msg, want) == 0);
	}
	fuzz_armed = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char *s = fuzz_string(data, n);
	size_t i;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		one(s, bounds[i].min, bounds[i].max);
	free(s);
	return 0;
}
