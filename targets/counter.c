/*
 * counter: a global counter, written and read on a schedule.
 *
 * First line: pid=N base=ADDRESS counter=ADDRESS neighbour=ADDRESS
 * read=ADDRESS write=ADDRESS, base being the program's image base.  Every 100 ms the loop reads the counter (the instruction
 * at read=), writes it plus one (the instruction at write=) and prints
 * "tick N".  The neighbour shares the counter's page but not its bytes;
 * it is written each tick too, so a page-granular watch sees it.  When a
 * debugger attaches, the next tick comes a second later.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

static struct {
	volatile LONG counter;
	char gap[60];
	volatile LONG neighbour;
} page __attribute__((aligned(4096)));

#ifdef _WIN64
#define SYM(s)	#s
#else
#define SYM(s)	"_" #s
#endif

extern const char counter_read[], counter_write[];

int
main(void)
{
	BOOL debugged = FALSE;
	LONG seen;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu base=0x%llx counter=0x%llx neighbour=0x%llx read=0x%llx "
	    "write=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)GetModuleHandleA(NULL),
	    (unsigned long long)(uintptr_t)&page.counter,
	    (unsigned long long)(uintptr_t)&page.neighbour,
	    (unsigned long long)(uintptr_t)counter_read,
	    (unsigned long long)(uintptr_t)counter_write);
	for (;;) {
		Sleep(100);
		/*
		 * A debugger has just attached: leave its break-in thread a
		 * second to come and go before the next access (under Wine 8
		 * a hit that meets it can wedge; lesson 5).
		 */
		if (IsDebuggerPresent() != debugged) {
			debugged = !debugged;
			if (debugged)
				Sleep(1000);
		}
		page.neighbour++;
		/* One labelled instruction each, so their addresses are known. */
		__asm__ volatile(".globl " SYM(counter_read) "\n"
		    SYM(counter_read) ":\n\tmovl %1, %0" : "=r"(seen) : "m"(page.counter));
		seen++;
		__asm__ volatile(".globl " SYM(counter_write) "\n"
		    SYM(counter_write) ":\n\tmovl %1, %0" : "=m"(page.counter) : "r"(seen));
		printf("tick %ld\n", seen);
	}
}
