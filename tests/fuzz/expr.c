/*
 * expr.c: fuzz parse_addr_expr().  What it accepts must be well formed,
 * and written back as "module!export+0xN" it must parse to the same.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "fuzz.h"

/* Write e back as a location, the offset always spelled out. */
static void
format(const struct addr_expr *e, char *buf, size_t n)
{
	if (e->module[0] == '\0')
		snprintf(buf, n, "0x%" PRIx64, e->offset);
	else
		snprintf(buf, n, "%s%s%s+0x%" PRIx64, e->module,
		    e->symbol[0] != '\0' ? "!" : "", e->symbol, e->offset);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct addr_expr e, again;
	char *s = fuzz_string(data, n);
	char buf[sizeof(e.module) + sizeof(e.symbol) + 32];
	uint64_t ref;

	if (parse_addr_expr(s, &e) != NULL) {
		free(s);
		return 0;
	}
	CHECK(memchr(e.module, '\0', sizeof(e.module)) != NULL);
	CHECK(memchr(e.symbol, '\0', sizeof(e.symbol)) != NULL);
	if (e.module[0] == '\0') {
		/* A bare address: the whole operand is one number. */
		CHECK(fuzz_number(s, &ref) == 1 && ref == e.offset);
		CHECK(e.symbol[0] == '\0' && !e.by_ordinal);
	} else {
		CHECK(strncmp(s, e.module, strlen(e.module)) == 0);
		CHECK(strchr(e.module, '!') == NULL);
	}
	CHECK(e.by_ordinal == (e.symbol[0] == '#'));
	if (e.by_ordinal)
		CHECK(e.ordinal <= 0xffff);
	else
		CHECK(e.ordinal == 0);

	format(&e, buf, sizeof(buf));
	CHECK(parse_addr_expr(buf, &again) == NULL);
	CHECK(strcmp(again.module, e.module) == 0);
	CHECK(strcmp(again.symbol, e.symbol) == 0);
	CHECK(again.by_ordinal == e.by_ordinal && again.ordinal == e.ordinal);
	CHECK(again.offset == e.offset);
	free(s);
	return 0;
}
