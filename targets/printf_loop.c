/*
 * printf_loop: call printf("going...%d") in a loop with a short sleep.
 *
 *   printf_loop [-o] [-n COUNT] [-d MS]
 *
 * First line: pid=N printf=ADDRESS, the address of the msvcrt printf that
 * the loop calls.  Each line after it is one call, numbered from 1.  With
 * -n it exits after COUNT calls, with COUNT as its exit code; -d sets the
 * sleep between calls (default 100 ms); -o also sends each line to the
 * debugger with OutputDebugString.  The number of calls made so far is
 * the exported variable "printf_loop!calls", counted just before each
 * call, so a debugger can compare its hits with the program's own count.
 *
 * A line that comes a second or more later than the sleep allows is
 * preceded by "late by N ms: was the process stopped?": the program
 * notices a debugger that holds it still, as timing checks do.  That
 * notice goes through fputs, not printf, so it is never a printf call.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__declspec(dllexport) volatile unsigned long calls;

#define LATE	1000	/* ms: how late a line must be to say so */

int
main(int argc, char *argv[])
{
	int (*print)(const char *, ...);
	unsigned long count = 0, delay = 100, i;
	DWORD last, late;
	char line[64];
	int c, ods = 0;

	while ((c = getopt(argc, argv, "d:n:o")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 'o': ods = 1; break;
		default:
			fprintf(stderr, "usage: printf_loop [-o] [-n count] [-d ms]\n");
			return 2;
		}

	/* Call msvcrt's own printf, not a wrapper: that is the one to catch. */
	print = (int (*)(const char *, ...))(void *)GetProcAddress(
	    LoadLibraryA("msvcrt.dll"), "printf");
	if (print == NULL)
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu printf=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)print);
	last = GetTickCount();
	for (i = 1; count == 0 || i <= count; i++) {
		if ((late = GetTickCount() - last) >= delay + LATE) {
			snprintf(line, sizeof(line), "late by %lu ms: was the "
			    "process stopped?\n", late - delay);
			fputs(line, stdout);
		}
		last = GetTickCount();
		calls = i;
		print("going...%lu\n", i);
		if (ods) {
			snprintf(line, sizeof(line), "going...%lu\n", i);
			OutputDebugStringA(line);
		}
		Sleep(delay);
	}
	return (int)count;
}
