/*
 * fuzz.c: the err family for the harnesses (errx() jumps back instead of
 * exiting) and their shared checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"

jmp_buf fuzz_exit;
int fuzz_armed;
int fuzz_status;
char fuzz_msg[512];
const char *fuzz_input;

const char *
getprogname(void)
{
	return "fuzz";
}

void
errx(int eval, const char *fmt, ...)
{
	va_list ap;

	/* Format it all the same: a bad argument shows up under ASan. */
	va_start(ap, fmt);
	vsnprintf(fuzz_msg, sizeof(fuzz_msg), fmt, ap);
	va_end(ap);
	if (!fuzz_armed)
		fuzz_fail("errx() where no exit was expected", __FILE__, __LINE__);
	fuzz_armed = 0;
	fuzz_status = eval;
	longjmp(fuzz_exit, 1);
}

void
fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "%s%s%s:%d: check failed: %s\n", fuzz_input ?
	    fuzz_input : "", fuzz_input ? ": " : "", file, line, what);
	abort();
}

char *
fuzz_string(const uint8_t *data, size_t n)
{
	char *s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

int
fuzz_number(const char *s, uint64_t *v)
{
	const char *digits = "0123456789";
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = "0123456789abcdefABCDEF";
		base = 16;
		s += 2;
	}
	if (*s == '\0' || strspn(s, digits) != strlen(s))
		return 0;
	errno = 0;
	*v = strtoull(s, NULL, base);
	return errno == ERANGE ? -1 : 1;
}
