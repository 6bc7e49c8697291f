/* err.c: diagnostics that name the API, the object and Windows' own text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#ifndef DBGKIT_VERSION
#define DBGKIT_VERSION "0.1"
#endif

static char progname[64] = "dbgkit";

void
setprogname(const char *argv0)
{
	const char *p, *base = argv0;
	size_t n;

	for (p = argv0; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = strlen(base);
	if (n > 4 && _stricmp(base + n - 4, ".exe") == 0)
		n -= 4;
	if (n >= sizeof(progname))
		n = sizeof(progname) - 1;
	memcpy(progname, base, n);
	progname[n] = '\0';
}

const char *
getprogname(void)
{
	return progname;
}

char *
strwinerror(DWORD e, char *buf, size_t n)
{
	DWORD len;

	len = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, buf, (DWORD)n, NULL);
	if (len == 0) {
		snprintf(buf, n, "Unknown error");
		return buf;
	}
	/* FormatMessage ends its text with "\r\n"; drop it. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

static void
vwarnc(DWORD code, int with_code, const char *fmt, va_list ap)
{
	char text[512];

	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (with_code)
		fprintf(stderr, ": %s (%lu)", strwinerror(code, text,
		    sizeof(text)), code);
	fputc('\n', stderr);
	fflush(stderr);
}

void
warn(const char *fmt, ...)
{
	DWORD e = GetLastError();
	va_list ap;

	va_start(ap, fmt);
	vwarnc(e, 1, fmt, ap);
	va_end(ap);
	SetLastError(e);
}

void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnc(0, 0, fmt, ap);
	va_end(ap);
}

void
err(int eval, const char *fmt, ...)
{
	DWORD e = GetLastError();
	va_list ap;

	va_start(ap, fmt);
	vwarnc(e, 1, fmt, ap);
	va_end(ap);
	exit(eval);
}

void
errx(int eval, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnc(0, 0, fmt, ap);
	va_end(ap);
	exit(eval);
}

void
version(void)
{
	printf("%s (dbgkit) %s\n", progname, DBGKIT_VERSION);
	exit(0);
}
