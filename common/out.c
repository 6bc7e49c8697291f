/* out.c: fully buffered stdout, flushed before a wait and every ~100 ms of a burst. */
#include <stdio.h>

#include <windows.h>

#include "out.h"

#define OUT_BUFSIZE	(1 << 16)
#define OUT_TICK	100	/* ms */

static DWORD flushed;		/* GetTickCount() at the last flush */

void
out_init(void)
{
	setvbuf(stdout, NULL, _IOFBF, OUT_BUFSIZE);
	flushed = GetTickCount();
}

void
out_idle(void)
{
	fflush(stdout);
	flushed = GetTickCount();
}

void
out_tick(void)
{
	if (GetTickCount() - flushed >= OUT_TICK)
		out_idle();
}
