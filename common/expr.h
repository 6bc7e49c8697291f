/* expr.h: address expressions ("kernel32!Sleep+0x10"), parsed; portable C. */
#ifndef DBGKIT_EXPR_H
#define DBGKIT_EXPR_H

#include <stdint.h>

/*
 * One parsed LOCATION.  The accepted forms:
 *   0x401530             an address (decimal also works)
 *   module               a module's base
 *   module+0x1530        an offset from a module's base
 *   module!export        an exported name
 *   module!#ordinal      an export by ordinal
 *   module!export+0x10   an offset from an export
 * The module may be written with or without ".dll"/".exe".
 */
struct addr_expr {
	char module[128];	/* "" for a bare address */
	char symbol[256];	/* "" when there is no !export */
	int by_ordinal;		/* "!#N": ordinal holds N */
	uint32_t ordinal;
	uint64_t offset;	/* the address itself, or what "+" adds */
};

/*
 * Parse s into *e.  Returns NULL on success, or a short reason on
 * failure ("empty module name", "bad offset", ...), leaving *e undefined.
 */
const char *parse_addr_expr(const char *s, struct addr_expr *e);

#endif
