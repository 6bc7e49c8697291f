/*
 * straddle: an instruction that lies across two pages, for guardbp.
 *
 * First line: pid=N edge=ADDRESS ret=ADDRESS.  Every 100 ms the program
 * calls its exported edge() ("straddle!edge") and prints "call N".
 * edge() is two instructions, alone on their two pages of code:
 *
 *     mov $0x12345678, %eax     5 bytes, the first 3 on one page
 *     ret                       on the next page, at ret=
 *
 * A guard on both pages fires on the mov, and a debugger that reads the
 * mov to show it reads the second page too, still guarded: on Windows a
 * ReadProcessMemory there fails and takes that guard off (lesson 6).
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t"
#ifdef _WIN64
#define SYM(s)	#s
#else
#define SYM(s)	"_" #s
#endif

void edge(void);
extern const char edge_ret[];
__asm__(ASM_EXPORT(edge)
    ".section .text$straddle,\"x\"\n\t.balign 4096\n\t"
    ".fill 4096 - 3, 1, 0xcc\n\t"	/* int3s, then 3 bytes of the mov */
    ".globl " SYM(edge) "\n" SYM(edge) ":\n\t"
    "mov $0x12345678, %eax\n"
    ".globl " SYM(edge_ret) "\n" SYM(edge_ret) ":\n\t"
    "ret\n\t"
    ".balign 4096, 0xcc\n\t.text\n");

int
main(void)
{
	unsigned long n;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu edge=0x%llx ret=0x%llx\n", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)edge,
	    (unsigned long long)(uintptr_t)edge_ret);
	for (n = 1;; n++) {
		Sleep(100);
		edge();
		printf("call %lu\n", n);
	}
}
