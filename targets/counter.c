/*
 * counter: a global counter, written and read on a schedule.
 *
 * First line: pid=N counter=ADDRESS neighbour=ADDRESS.  Every 100 ms the
 * loop reads the counter, writes it plus one, and prints "tick N".  The
 * neighbour shares the counter's page but not its bytes; it is written
 * each tick too, so a page-granular watch sees it (a false hit).
 */
#include <windows.h>
#include <stdio.h>

static struct {
	volatile LONG counter;
	char gap[60];
	volatile LONG neighbour;
} page __attribute__((aligned(4096)));

int
main(void)
{
	LONG seen;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu counter=0x%llx neighbour=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)&page.counter,
	    (unsigned long long)(uintptr_t)&page.neighbour);
	for (;;) {
		Sleep(100);
		page.neighbour++;
		seen = page.counter;		/* read */
		page.counter = seen + 1;	/* write */
		printf("tick %ld\n", seen + 1);
	}
}
