/*
 * pages: threads working on data spread over many pages, some of their
 * accesses straddling two pages, a counted number of times, then exit.
 *
 *   pages [-p PAGES] [-r ROUNDS] [-t THREADS] [-d MS]
 *                            (16 pages, 50 rounds, 4 threads)
 *
 * First line: pid=N data=ADDRESS size=BYTES slot=ADDRESS tids=ID,...
 * data is PAGES pages of its own, page-aligned; slot is the first
 * worker's word on the first page.  Like churn, it waits until a debugger
 * is attached, and a second more for the debugger's break-in thread to
 * come and go (or until -d MS have passed).  Then each of THREADS workers runs
 * ROUNDS rounds; in each it adds one to its own word on every page, and
 * every other round also to a word that straddles the end of each page it
 * owns and the start of the next.  Every access is one instruction, in
 * the exported touch() ("pages!touch"); accesses to slot are the first
 * worker's, one a round.  Then the main thread reads back every word the
 * workers wrote, with the exported peek() ("pages!peek"), page by page,
 * and compares it with what they wrote.  Last line:
 *
 *     accesses=A straddling=S data=same
 *
 * A: calls to touch(), each one access to the data; S: those that
 * straddle two pages; data: "same", or "changed" if a word differs.
 * The exit code is 0 when the data is right, 1 otherwise.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t.text\n"
#define PAGE	4096u
#define MAXT	64

/*
 * touch(p): add one to the 32-bit word at p; peek(p): read it.  Each in
 * one instruction.
 */
void touch(void *p);
uint32_t peek(const void *p);
#ifdef _WIN64
__asm__(ASM_EXPORT(touch) ".globl touch\ntouch:\n\t"
    "addl $1, (%rcx)\n\t"
    "ret\n");
__asm__(ASM_EXPORT(peek) ".globl peek\npeek:\n\t"
    "movl (%rcx), %eax\n\t"
    "ret\n");
#else
__asm__(ASM_EXPORT(touch) ".globl _touch\n_touch:\n\t"
    "movl 4(%esp), %eax\n\t"
    "addl $1, (%eax)\n\t"
    "ret\n");
__asm__(ASM_EXPORT(peek) ".globl _peek\n_peek:\n\t"
    "movl 4(%esp), %eax\n\t"
    "movl (%eax), %eax\n\t"
    "ret\n");
#endif

static unsigned char *data, *shadow;	/* the data, and what it should be */
static unsigned long npages = 16, rounds = 50, nthreads = 4;
static volatile LONG accesses, straddling;

/* Worker w's own word on page p; and the word across the end of page p. */
static size_t
word_at(unsigned long p, unsigned long w)
{
	return p * PAGE + 64 + w * 16;
}

static size_t
straddle_at(unsigned long p)
{
	return p * PAGE + PAGE - 2;
}

static void
add(size_t off, int across)
{
	uint32_t v;

	touch(data + off);
	memcpy(&v, shadow + off, 4);
	v++;
	memcpy(shadow + off, &v, 4);
	InterlockedIncrement(&accesses);
	if (across)
		InterlockedIncrement(&straddling);
}

/* Whether the word at off reads as the workers left it. */
static int
as_written(size_t off)
{
	uint32_t want;

	memcpy(&want, shadow + off, 4);
	return peek(data + off) == want;
}

static DWORD WINAPI
worker(void *arg)
{
	unsigned long w = (unsigned long)(uintptr_t)arg, r, p;

	for (r = 0; r < rounds; r++)
		for (p = 0; p < npages; p++) {
			add(word_at(p, w), 0);
			/* Page p's last word is the worker's whose turn p is. */
			if (r % 2 == 1 && p % nthreads == w && p + 1 < npages)
				add(straddle_at(p), 1);
		}
	return 0;
}

int
main(int argc, char *argv[])
{
	HANDLE h[MAXT];
	DWORD tid[MAXT];
	unsigned long delay = 0, k, p;
	int c, same;

	while ((c = getopt(argc, argv, "d:p:r:t:")) != -1)
		switch (c) {
		case 'd': delay = strtoul(optarg, NULL, 0); break;
		case 'p': npages = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = strtoul(optarg, NULL, 0); break;
		case 't': nthreads = strtoul(optarg, NULL, 0); break;
		default: goto bad;
		}
	if (optind < argc || npages < 2 || nthreads == 0 || nthreads > MAXT ||
	    word_at(0, nthreads) + 4 > PAGE - 2)
		goto bad;
	data = VirtualAlloc(NULL, npages * PAGE, MEM_COMMIT | MEM_RESERVE,
	    PAGE_READWRITE);
	shadow = calloc(npages, PAGE);
	if (data == NULL || shadow == NULL)
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	/* Created suspended, so that the first line can name them all. */
	for (k = 0; k < nthreads; k++)
		if ((h[k] = CreateThread(NULL, 0, worker, (void *)(uintptr_t)k,
		    CREATE_SUSPENDED, &tid[k])) == NULL)
			return 1;
	printf("pid=%lu data=0x%llx size=%lu slot=0x%llx tids=",
	    GetCurrentProcessId(), (unsigned long long)(uintptr_t)data,
	    npages * PAGE, (unsigned long long)(uintptr_t)(data + word_at(0, 0)));
	for (k = 0; k < nthreads; k++)
		printf("%s%lu", k ? "," : "", tid[k]);
	printf("\n");
	if (delay > 0)
		Sleep(delay);
	else {
		while (!IsDebuggerPresent())
			Sleep(10);
		Sleep(1000);
	}
	for (k = 0; k < nthreads; k++)
		ResumeThread(h[k]);
	WaitForMultipleObjects((DWORD)nthreads, h, TRUE, INFINITE);
	same = 1;
	for (p = 0; p < npages; p++) {
		for (k = 0; k < nthreads; k++)
			same &= as_written(word_at(p, k));
		if (p + 1 < npages)
			same &= as_written(straddle_at(p));
	}
	printf("accesses=%ld straddling=%ld data=%s\n", accesses, straddling,
	    same ? "same" : "changed");
	return same ? 0 : 1;
bad:
	fprintf(stderr, "usage: pages [-p pages] [-r rounds] [-t 1..%d] [-d ms]\n",
	    MAXT);
	return 2;
}
