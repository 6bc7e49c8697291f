/* err.c: diagnostics that name the API, the object and Windows' own text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <io.h>

#include "err.h"
#include "out.h"

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
	WCHAR w[512];
	size_t len;

	/* Wide, then UTF-8, as all text the tools print. */
	if (FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, e, 0, w, 512, NULL) == 0 ||
	    WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL) == 0) {
		snprintf(buf, n, "Unknown error");
		return buf;
	}
	len = strlen(buf);
	/* FormatMessage ends its text with "\r\n"; drop it. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		buf[--len] = '\0';
	return buf;
}

void
put_utf8(const char *s, FILE *fp)
{
	HANDLE h = (HANDLE)_get_osfhandle(_fileno(fp));
	const char *p;
	WCHAR *w;
	DWORD mode, done;
	int n;

	for (p = s; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p == '\0' || !GetConsoleMode(h, &mode) ||
	    (n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0)) <= 0 ||
	    (w = malloc((size_t)n * sizeof(*w))) == NULL) {
		fputs(s, fp);	/* ASCII, a file or a pipe: bytes as they are */
		return;
	}
	MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	fflush(fp);
	WriteConsoleW(h, w, (DWORD)n - 1, &done, NULL);
	free(w);
}

/*
 * One line on stderr, after whatever stdout holds.  It is put together
 * first and written at once: stderr is unbuffered, and a console would
 * otherwise get it a character at a time.
 */
static void
vwarnc(DWORD code, int with_code, const char *fmt, va_list ap)
{
	char line[1024], text[512];
	size_t n;

	out_idle();
	n = (size_t)snprintf(line, sizeof(line), "%s: ", progname);
	if (n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (with_code && n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ": %s (%lu)",
		    strwinerror(code, text, sizeof(text)), code);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	put_utf8(line, stderr);
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
