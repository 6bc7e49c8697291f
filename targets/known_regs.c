/*
 * known_regs: load a fixed, distinct value into every general register,
 * then spin forever on one jmp-to-itself instruction.
 *
 * First line: pid=N spin=ADDRESS and each register's value, in the same
 * form regs prints, so a test can compare the two.
 */
#include <windows.h>
#include <stdio.h>

#ifdef _WIN64
#define V(b)	0x##b##b##b##b##b##b##b##b##ull
static const struct { const char *name; unsigned long long v; } values[] = {
	{ "rax", V(a1) }, { "rbx", V(b2) }, { "rcx", V(c3) }, { "rdx", V(d4) },
	{ "rsi", V(e5) }, { "rdi", V(f6) }, { "rbp", V(17) }, { "r8", V(28) },
	{ "r9", V(39) }, { "r10", V(4a) }, { "r11", V(5b) }, { "r12", V(6c) },
	{ "r13", V(7d) }, { "r14", V(8e) }, { "r15", V(9f) },
};
#define SYM(s)	#s
#else
#define V(b)	0x##b##b##b##b##ul
static const struct { const char *name; unsigned long v; } values[] = {
	{ "eax", V(a1) }, { "ebx", V(b2) }, { "ecx", V(c3) }, { "edx", V(d4) },
	{ "esi", V(e5) }, { "edi", V(f6) }, { "ebp", V(17) },
};
#define SYM(s)	"_" #s
#endif

extern const char spin[];	/* the jmp-to-itself, defined below */

/* Load the values above (as immediates), then spin.  Never returns. */
static void __attribute__((noreturn, noinline))
load_and_spin(void)
{
#ifdef _WIN64
	__asm__ volatile(
	    "movabs %0, %%rax\n\t" "movabs %1, %%rbx\n\t" "movabs %2, %%rcx\n\t"
	    "movabs %3, %%rdx\n\t" "movabs %4, %%rsi\n\t" "movabs %5, %%rdi\n\t"
	    "movabs %6, %%rbp\n\t" "movabs %7, %%r8\n\t"  "movabs %8, %%r9\n\t"
	    "movabs %9, %%r10\n\t" "movabs %10, %%r11\n\t" "movabs %11, %%r12\n\t"
	    "movabs %12, %%r13\n\t" "movabs %13, %%r14\n\t" "movabs %14, %%r15\n\t"
	    ".globl " SYM(spin) "\n" SYM(spin) ":\n\t"
	    "jmp " SYM(spin)
	    :: "n"(V(a1)), "n"(V(b2)), "n"(V(c3)), "n"(V(d4)), "n"(V(e5)),
	       "n"(V(f6)), "n"(V(17)), "n"(V(28)), "n"(V(39)), "n"(V(4a)),
	       "n"(V(5b)), "n"(V(6c)), "n"(V(7d)), "n"(V(8e)), "n"(V(9f)));
#else
	__asm__ volatile(
	    "mov %0, %%eax\n\t" "mov %1, %%ebx\n\t" "mov %2, %%ecx\n\t"
	    "mov %3, %%edx\n\t" "mov %4, %%esi\n\t" "mov %5, %%edi\n\t"
	    "mov %6, %%ebp\n\t"
	    ".globl " SYM(spin) "\n" SYM(spin) ":\n\t"
	    "jmp " SYM(spin)
	    :: "n"(V(a1)), "n"(V(b2)), "n"(V(c3)), "n"(V(d4)), "n"(V(e5)),
	       "n"(V(f6)), "n"(V(17)));
#endif
	__builtin_unreachable();
}

int
main(void)
{
	size_t i;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu spin=0x%llx", GetCurrentProcessId(),
	    (unsigned long long)(uintptr_t)spin);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		printf(" %s=%0*llx", values[i].name, (int)sizeof(values[i].v) * 2,
		    (unsigned long long)values[i].v);
	printf("\n");
	load_and_spin();
}
