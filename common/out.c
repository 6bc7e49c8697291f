/* out.c: fully buffered stdout, flushed before a wait and every ~100 ms of a burst. */
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>

#include "out.h"

#define OUT_BUFSIZE	(1 << 16)
#define OUT_PIPESIZE	(1 << 20)
#define OUT_TICK	100	/* ms */
#define OUT_BATCH	20	/* ms: gather this long while a burst goes on */

static DWORD flushed;		/* GetTickCount() at the last flush */

/*
 * The console writer.  Wine's msvcrt writes a stream's buffer out at
 * every '\n' that fputc() puts in it, whatever setvbuf() said, and
 * mingw's printf() puts each character with fputc(): so a console gets
 * one write per line, and each write is a round trip to the console's
 * process.  When stdout is a character device, file descriptor 1 is
 * therefore a pipe, and a thread of ours copies what comes down it to
 * the console in blocks, while the tool gets on with its work.
 */
static struct {
	HANDLE console;		/* where stdout really goes */
	HANDLE pipe;		/* the read end; fd 1 is the write end */
	HANDLE thread;
	HANDLE kick;		/* "copy what is there now" */
	HANDLE done;		/* the writer finished a round */
	CRITICAL_SECTION lock;
	unsigned long asked;	/* rounds asked for by out_idle() */
	unsigned long answered;	/* the last of them the writer began */
	volatile LONG copying;	/* the writer may hold lines not yet shown */
} w;

/*
 * How many bytes at the end of s[0..n) begin a UTF-8 character that is
 * not complete yet: its rest is still in the pipe.
 */
static DWORD
cut_tail(const unsigned char *s, DWORD n)
{
	DWORD i, need;

	for (i = 1; i <= 3 && i <= n; i++) {
		if ((s[n - i] & 0xc0) == 0x80)
			continue;	/* a continuation byte */
		need = s[n - i] >= 0xf0 ? 4 : s[n - i] >= 0xe0 ? 3 :
		    s[n - i] >= 0xc0 ? 2 : 1;
		return need > i ? i : 0;
	}
	return 0;
}

/*
 * Put n bytes of the tools' UTF-8 on the console.  ASCII goes as it is;
 * text with other characters goes as UTF-16 through WriteConsoleW, so
 * that a name outside ASCII shows right whatever the console's code page.
 */
static void
put_console(const char *s, DWORD n)
{
	static WCHAR wide[OUT_BUFSIZE];
	DWORD i, put, off;
	int nw;

	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (i < n && (nw = MultiByteToWideChar(CP_UTF8, 0, s, (int)n, wide,
	    OUT_BUFSIZE)) > 0 && WriteConsoleW(w.console, wide, (DWORD)nw, &put,
	    NULL))
		return;
	for (off = 0; off < n; off += put)
		if (!WriteFile(w.console, s + off, n - off, &put, NULL) ||
		    put == 0)
			break;	/* the console is gone: drop it */
}

/* Copy everything the pipe holds to the console.  TRUE if there was any. */
static BOOL
copy_pipe(char *buf, DWORD size)
{
	static DWORD held;	/* the start of a character, from last time */
	DWORD avail, n, cut;
	BOOL any = FALSE;

	while (PeekNamedPipe(w.pipe, NULL, 0, NULL, &avail, NULL) && avail > 0 &&
	    ReadFile(w.pipe, buf + held, avail < size - held ? avail :
	    size - held, &n, NULL)) {
		n += held;
		cut = cut_tail((unsigned char *)buf, n);
		put_console(buf, n - cut);
		memmove(buf, buf + n - cut, cut);
		held = cut;
		any = TRUE;
	}
	return any;
}

static DWORD WINAPI
writer(void *arg)
{
	static char buf[OUT_BUFSIZE];
	unsigned long round;
	BOOL busy = FALSE;

	for (;;) {
		/* While lines keep coming, let them gather into a block. */
		WaitForSingleObject(w.kick, busy ? OUT_BATCH : OUT_TICK);
		EnterCriticalSection(&w.lock);
		round = w.asked;
		LeaveCriticalSection(&w.lock);
		InterlockedExchange(&w.copying, 1);
		busy = copy_pipe(buf, sizeof(buf));
		InterlockedExchange(&w.copying, 0);
		EnterCriticalSection(&w.lock);
		w.answered = round;
		LeaveCriticalSection(&w.lock);
		SetEvent(w.done);
	}
	return 0;
}

static void
stop_writer(void)
{
	out_idle();
}

/* Point fd 1 at a pipe that the writer empties into the console. */
static void
start_writer(void)
{
	HANDLE self = GetCurrentProcess(), out = GetStdHandle(STD_OUTPUT_HANDLE);
	HANDLE end;
	int fd;

	if (GetFileType(out) != FILE_TYPE_CHAR ||
	    !DuplicateHandle(self, out, self, &w.console, 0, FALSE,
	    DUPLICATE_SAME_ACCESS))
		return;
	if (!CreatePipe(&w.pipe, &end, NULL, OUT_PIPESIZE)) {
		CloseHandle(w.console);
		return;
	}
	if ((fd = _open_osfhandle((intptr_t)end, _O_WRONLY | _O_TEXT)) < 0) {
		CloseHandle(end);
		CloseHandle(w.pipe);
		CloseHandle(w.console);
		return;
	}
	InitializeCriticalSection(&w.lock);
	w.kick = CreateEventA(NULL, FALSE, FALSE, NULL);
	w.done = CreateEventA(NULL, FALSE, FALSE, NULL);
	if (w.kick == NULL || w.done == NULL ||
	    (w.thread = CreateThread(NULL, 0, writer, NULL, 0, NULL)) == NULL) {
		_close(fd);
		return;		/* stdout stays as it was */
	}
	_dup2(fd, 1);
	_close(fd);
	/* Programs the tool starts share the console, not our pipe. */
	SetStdHandle(STD_OUTPUT_HANDLE, w.console);
	atexit(stop_writer);
}

void
out_init(void)
{
	setvbuf(stdout, NULL, _IOFBF, OUT_BUFSIZE);
	start_writer();
	flushed = GetTickCount();
}

void
out_idle(void)
{
	unsigned long round;
	BOOL shown;
	DWORD avail;

	fflush(stdout);
	flushed = GetTickCount();
	/*
	 * Nothing to wait for if the pipe is empty and the writer holds
	 * nothing: it marks itself copying before it looks in the pipe.
	 */
	if (w.thread == NULL || (PeekNamedPipe(w.pipe, NULL, 0, NULL, &avail,
	    NULL) && avail == 0 && InterlockedCompareExchange(&w.copying, 0,
	    0) == 0))
		return;
	/* A round that begins after this one is asked for sees our lines. */
	EnterCriticalSection(&w.lock);
	round = ++w.asked;
	LeaveCriticalSection(&w.lock);
	SetEvent(w.kick);
	do {
		WaitForSingleObject(w.done, OUT_TICK);
		EnterCriticalSection(&w.lock);
		shown = (long)(w.answered - round) >= 0;
		LeaveCriticalSection(&w.lock);
	} while (!shown);
}

void
out_tick(void)
{
	if (GetTickCount() - flushed >= OUT_TICK) {
		fflush(stdout);
		flushed = GetTickCount();
	}
}
