/* err.h: the one family of diagnostics, after err(3), for Win32 errors. */
#ifndef DBGKIT_ERR_H
#define DBGKIT_ERR_H

#include <windows.h>
#include <stdio.h>

/*
 * Exit statuses shared by every tool: 0 success, 1 a failure at run time,
 * 2 bad usage.  Never a negative status: Windows turns -1 into 4294967295.
 */
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

/* Remember the tool's name (from argv[0], without directory or ".exe"). */
void setprogname(const char *argv0);

/* The name setprogname() stored, or "dbgkit" before it was called. */
const char *getprogname(void);

/*
 * warn() prints "tool: MESSAGE: Windows text (N)\n" on stderr, where N is
 * GetLastError() as it was on entry.  MESSAGE should name the API and the
 * object, as in "OpenProcess(pid 1234)".  GetLastError() is preserved.
 * warnx() prints "tool: MESSAGE\n", for errors that are not Windows'.
 * err() and errx() do the same, then exit with status eval.
 */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void err(int eval, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
void errx(int eval, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/*
 * Write UTF-8 text s to fp: as it is to a file or a pipe, and through
 * WriteConsoleW to a console, whose code page may not hold it (a name
 * such as "прогон.exe"; Wine's console decodes bytes in the ANSI code
 * page).  Flushes fp first, so that the text comes where it belongs.
 */
void put_utf8(const char *s, FILE *fp);

/*
 * Write Windows' text for error code e (FormatMessage, no trailing newline
 * or period-space mess) into buf, which holds n bytes.  Returns buf.
 */
char *strwinerror(DWORD e, char *buf, size_t n);

/* Print "tool (dbgkit) VERSION" on stdout and exit 0: every tool's -V. */
void version(void) __attribute__((noreturn));

#endif
