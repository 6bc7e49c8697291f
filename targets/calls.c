/*
 * calls: functions to single-step through, for lesson 07.
 *
 * Every 200 ms the main thread runs one round:
 *   outer()        calls middle(), which calls inner(): nested calls; its
 *                  first instruction is the call (assembly, so the layout is
 *                  known), and middle() returns 42 in eax/rax.
 *   recurse(4)     calls itself down to depth 0, where it calls bottom().
 *   nofp(a, b)     built without a frame pointer: no push ebp / mov ebp, esp.
 *   add_cdecl, add_stdcall   (x86) the caller pops the arguments, or the callee.
 *   copy_rep()     copies 5 bytes with rep movsb to the exported dst: 5
 *                  single-step traps, and a data breakpoint on dst fires
 *                  with the IP still on the rep movsb; it
 *                  first reads its flags with pushf/pop into eax/rax,
 *                  after an xor that sets them to a known 0x246.
 * All are exported, so "calls!outer" names them.  First line: pid=N and
 * each function's address; then "round N" after each round.  With -b
 * (busy) the rounds follow each other with no pause and no output: code
 * to measure stepping on.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define EXPORT	__declspec(dllexport)
/* What dllexport does for a C function, for one written in assembly. */
#define ASM_EXPORT(s)	".section .drectve\n\t.ascii \" -export:" #s "\"\n\t.text\n"
#define WITH_FP	__attribute__((noinline, optimize("no-omit-frame-pointer")))
#ifdef _WIN64
#define SYM(s)	#s
#else
#define SYM(s)	"_" #s
#endif

EXPORT volatile LONG effect;	/* what the calls change, for all to see */
char src[8] = "abcde";
EXPORT char dst[8];		/* copy_rep copies src here: calls!dst */

EXPORT WITH_FP int
inner(int x)
{
	effect += 1;
	return x + 2;
}

EXPORT WITH_FP int
middle(void)
{
	effect += 10;
	return inner(40);	/* 42 */
}

/* outer: "call middle" first, then one more instruction, then ret. */
EXPORT int outer(void);
__asm__(ASM_EXPORT(outer) ".globl " SYM(outer) "\n" SYM(outer) ":\n\t"
    "call " SYM(middle) "\n\t"
    "addl $100, " SYM(effect)
#ifdef _WIN64
    "(%rip)"
#endif
    "\n\tret\n");

EXPORT WITH_FP int
bottom(int depth)
{
	effect += 1000;
	return depth;
}

EXPORT WITH_FP int
recurse(int depth)
{
	if (depth == 0)
		return bottom(depth);
	return recurse(depth - 1) + 1;
}

/* No frame pointer: its frame is found only through the stack pointer. */
EXPORT __attribute__((noinline, optimize("omit-frame-pointer"))) int
nofp(int a, int b)
{
	volatile int local[4] = { a, b, a + b, a * b };

	return local[2] + local[3];
}

EXPORT WITH_FP int __cdecl
add_cdecl(int a, int b)
{
	return a + b;
}

EXPORT WITH_FP int __stdcall
add_stdcall(int a, int b)
{
	return a + b;
}

/* copy_rep: 5 bytes from src to dst with rep movsb. */
EXPORT void copy_rep(void);
#ifdef _WIN64
__asm__(ASM_EXPORT(copy_rep) ".globl copy_rep\ncopy_rep:\n\t"
    "push %rsi\n\tpush %rdi\n\t"
    "xor %eax, %eax\n\tpushfq\n\tpop %rax\n\t"
    "lea src(%rip), %rsi\n\tlea dst(%rip), %rdi\n\t"
    "mov $5, %ecx\n\t"
    "rep movsb\n\t"
    "pop %rdi\n\tpop %rsi\n\tret\n");
#else
__asm__(ASM_EXPORT(copy_rep) ".globl _copy_rep\n_copy_rep:\n\t"
    "push %esi\n\tpush %edi\n\t"
    "xor %eax, %eax\n\tpushfl\n\tpop %eax\n\t"
    "lea _src, %esi\n\tlea _dst, %edi\n\t"
    "mov $5, %ecx\n\t"
    "rep movsb\n\t"
    "pop %edi\n\tpop %esi\n\tret\n");
#endif

#define ADDR(f)	((unsigned long long)(uintptr_t)(f))

/* Exported too, so that the stepper names main's code "calls!main+...". */
EXPORT int
main(int argc, char *argv[])
{
	unsigned long round;
	int busy = argc > 1 && strcmp(argv[1], "-b") == 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu outer=0x%llx middle=0x%llx inner=0x%llx recurse=0x%llx "
	    "bottom=0x%llx nofp=0x%llx add_cdecl=0x%llx add_stdcall=0x%llx "
	    "copy_rep=0x%llx effect=0x%llx\n", GetCurrentProcessId(),
	    ADDR(outer), ADDR(middle), ADDR(inner), ADDR(recurse), ADDR(bottom),
	    ADDR(nofp), ADDR(add_cdecl), ADDR(add_stdcall), ADDR(copy_rep),
	    ADDR(&effect));
	for (round = 1;; round++) {
		/* Results used, or the compiler drops calls it sees are pure. */
		effect += outer() + recurse(4) + nofp(3, 4);
		effect += add_cdecl(1, 2) + add_stdcall(3, 4);
		copy_rep();
		if (!busy) {		/* -b: no pause, no printing */
			printf("round %lu effect=%ld\n", round, effect);
			Sleep(200);
		}
	}
}
