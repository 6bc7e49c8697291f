/* expr.c: split an address expression into module, export and offset. */
#include <string.h>

#include "args.h"
#include "expr.h"

/* Copy n bytes of s into dst (cap bytes); FALSE if it does not fit. */
static int
copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		return 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 1;
}

const char *
parse_addr_expr(const char *s, struct addr_expr *e)
{
	const char *bang, *plus, *name;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (s == NULL || *s == '\0')
		return "empty location";
	/* A bare number is an address. */
	if (parse_number(s, 0, UINT64_MAX, &v) == NULL) {
		e->offset = v;
		return NULL;
	}
	bang = strchr(s, '!');
	/* The offset is whatever follows the last '+' after the name. */
	plus = strrchr(bang != NULL ? bang : s, '+');
	if (plus != NULL) {
		if (parse_number(plus + 1, 0, UINT64_MAX, &e->offset) != NULL)
			return "bad offset after '+'";
	}
	if (bang == NULL) {
		if (!copy(e->module, sizeof(e->module), s,
		    (size_t)((plus ? plus : s + strlen(s)) - s)))
			return "module name too long";
		if (e->module[0] == '\0')
			return "empty module name";
		return NULL;
	}
	if (!copy(e->module, sizeof(e->module), s, (size_t)(bang - s)))
		return "module name too long";
	if (e->module[0] == '\0')
		return "empty module name before '!'";
	if (strchr(e->module, '+') != NULL)
		return "'+' before '!'";
	name = bang + 1;
	if (!copy(e->symbol, sizeof(e->symbol), name,
	    (size_t)((plus ? plus : name + strlen(name)) - name)))
		return "export name too long";
	if (e->symbol[0] == '\0')
		return "empty export name after '!'";
	if (strchr(e->symbol, '!') != NULL)
		return "more than one '!'";
	if (e->symbol[0] == '#') {
		if (parse_number(e->symbol + 1, 0, 0xffff, &v) != NULL)
			return "bad ordinal after '#'";
		e->by_ordinal = 1;
		e->ordinal = (uint32_t)v;
	}
	return NULL;
}
