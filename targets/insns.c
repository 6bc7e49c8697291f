/*
 * insns: every instruction form dbgkit emulates, each at an exported label.
 *
 *   insns [-n ROUNDS]      (default 2)
 *
 * First line: pid=N rounds=N flagsets=32 values=N.  Then ROUNDS times:
 * a function prologue and epilogue (at_mov_edi_edi .. at_add_sp), add and
 * sub on every value of a list (at_add_eax .. at_add_ptr: flags of every
 * kind), the 16 conditional jumps on each of 32 flag settings (at_jo ..
 * at_jg, and at_jne_near with a 32-bit displacement), and calls, jumps
 * and returns of every form (at_call_rel .. at_ret_imm).  A jcc that is
 * not taken counts itself in "not_taken", which a taken one skips, so
 * where the IP lands shows which way it went.  Last line: "done: N
 * jumps not taken", the same on every CPU, and under any debugger that
 * gets the jumps right.  A debugger that puts an INT3 on a label sees it
 * once a round (the jcc labels 32 times a round, at_add_eax and the
 * other arithmetic ones once per value).
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef _WIN64
#define SYM(n)	#n
#define AX "rax"
#define BX "rbx"
#define CX "rcx"
#define DX "rdx"
#define BP "rbp"
#define DI "rdi"
#define SP "rsp"
#define PTR "qword ptr"
#define PS "8"
#define ARG1 "mov rax, rcx\n"		/* x64: the first argument is in rcx */
#define ADDR(n) "lea rax, [rip + " #n "]\n"
#define MEM(n) "[rip + " #n "]"
#define DATA ".quad"
#define NOT_TAKEN "dword ptr [rip + not_taken]"
#else
#define SYM(n)	"_" #n
#define AX "eax"
#define BX "ebx"
#define CX "ecx"
#define DX "edx"
#define BP "ebp"
#define DI "edi"
#define SP "esp"
#define PTR "dword ptr"
#define PS "4"
#define ARG1 "mov eax, [esp + 4]\n"	/* cdecl: above the return address */
#define ADDR(n) "mov eax, offset " #n "\n"
#define MEM(n) "[" #n "]"
#define DATA ".long"
#define NOT_TAKEN "dword ptr [_not_taken]"
#endif

/* A label a debugger finds as insns!NAME: global here, exported below. */
#define LABEL(n) ".globl " SYM(n) "\n" SYM(n) ":\n"
#define INTEL(body) __asm__(".intel_syntax noprefix\n" body ".att_syntax prefix\n")

/* What a function starts and ends with (edi is the caller's: kept). */
__attribute__((naked, noinline)) static void
prologue(void)
{
	INTEL("push " DI "\n"
	    LABEL(at_mov_edi_edi) "mov edi, edi\n"
	    LABEL(at_push_bp) "push " BP "\n"
	    LABEL(at_mov_bp_sp) "mov " BP ", " SP "\n"
	    LABEL(at_push_bx) "push " BX "\n"
	    LABEL(at_sub_sp) "sub " SP ", 0x28\n"
	    LABEL(at_lea) "lea " AX ", [" SP " + 0x10]\n"
	    LABEL(at_lea_index) "lea " CX ", [" AX " + " DX " * 4 - 0x123]\n"
	    LABEL(at_mov8) "mov al, ch\n"
	    LABEL(at_mov16) "mov cx, dx\n"
	    LABEL(at_add_sp) "add " SP ", 0x28\n"
	    "pop " BX "\n"
	    "pop " BP "\n"
	    "pop " DI "\n"
	    "ret\n");
}

/* add and sub on v: carries, overflows, signs, zeros, parities. */
__attribute__((naked, noinline)) static void
arith(uintptr_t v __attribute__((unused)))
{
	INTEL(ARG1
	    "push " AX "\n"
	    LABEL(at_add_eax) "add eax, 0x7fffffff\n"
	    "mov " AX ", [" SP "]\n"
	    LABEL(at_sub_eax) "sub eax, 1\n"
	    "mov " AX ", [" SP "]\n"
	    LABEL(at_add_al) "add al, 0x88\n"
	    "mov " AX ", [" SP "]\n"
	    LABEL(at_add_ptr) "add " AX ", -0x80\n"
	    "pop " AX "\n"
	    "ret\n");
}

/*
 * The 16 conditions, each with the flags in f.  A jump not taken runs
 * into a count of those (in ecx, by lea, which leaves the flags alone),
 * which a taken one skips: where the IP goes shows which way it went,
 * and the count at the end says so too.
 */
__declspec(dllexport) volatile LONG not_taken;
#define NOTE "lea ecx, [" CX " + 1]\n 1:\n"

__attribute__((naked, noinline)) static void
conds(uintptr_t f __attribute__((unused)))
{
	INTEL(ARG1
	    "push " AX "\n"
	    "popf\n"
	    "mov ecx, 0\n"		/* the count, in ecx: lea changes no flag */
	    LABEL(at_jo) "jo 1f\n" NOTE
	    LABEL(at_jno) "jno 1f\n" NOTE
	    LABEL(at_jb) "jb 1f\n" NOTE
	    LABEL(at_jae) "jae 1f\n" NOTE
	    LABEL(at_je) "je 1f\n" NOTE
	    LABEL(at_jne) "jne 1f\n" NOTE
	    LABEL(at_jbe) "jbe 1f\n" NOTE
	    LABEL(at_ja) "ja 1f\n" NOTE
	    LABEL(at_js) "js 1f\n" NOTE
	    LABEL(at_jns) "jns 1f\n" NOTE
	    LABEL(at_jp) "jp 1f\n" NOTE
	    LABEL(at_jnp) "jnp 1f\n" NOTE
	    LABEL(at_jl) "jl 1f\n" NOTE
	    LABEL(at_jge) "jge 1f\n" NOTE
	    LABEL(at_jle) "jle 1f\n" NOTE
	    LABEL(at_jg) "jg 1f\n" NOTE
	    LABEL(at_jne_near) "jne 2f\n lea ecx, [" CX " + 1]\n .skip 200, 0x90\n 2:\n"
	    "add " NOT_TAKEN ", ecx\n"
	    "ret\n");
}

/* Calls, jumps and returns: direct, through a register, through memory. */
__attribute__((naked, noinline)) static void
branches(void)
{
	INTEL(
	    LABEL(at_call_rel) "call insns_ret\n"
	    ADDR(insns_ret)
	    LABEL(at_call_reg) "call " AX "\n"
	    LABEL(at_call_mem) "call " PTR " " MEM(insns_ret_ptr) "\n"
	    "push " AX "\n"
	    LABEL(at_call_stack) "call " PTR " [" SP "]\n"
	    "pop " AX "\n"
	    "push 1\n push 2\n"
	    "call insns_ret_imm\n"
	    LABEL(at_jmp_rel) "jmp 1f\n nop\n 1:\n"
	    ADDR(insns_after_reg)
	    LABEL(at_jmp_reg) "jmp " AX "\n nop\n"
	    "insns_after_reg:\n"
	    LABEL(at_jmp_mem) "jmp " PTR " " MEM(insns_after_mem_ptr) "\n nop\n"
	    "insns_after_mem:\n"
	    "ret\n"
	    "insns_ret:\n"
	    LABEL(at_ret) "ret\n"
	    "insns_ret_imm:\n"
	    LABEL(at_ret_imm) "ret 2 * " PS "\n"
	    ".data\n"
	    ".p2align 3\n"
	    "insns_ret_ptr: " DATA " insns_ret\n"
	    "insns_after_mem_ptr: " DATA " insns_after_mem\n"
	    ".text\n");
}

/* The labels into the export table, as __declspec(dllexport) would put them. */
__asm__(".section .drectve\n.ascii \""
	    " -export:at_mov_edi_edi"
	    " -export:at_push_bp"
	    " -export:at_mov_bp_sp"
	    " -export:at_push_bx"
	    " -export:at_sub_sp"
	    " -export:at_lea"
	    " -export:at_lea_index"
	    " -export:at_mov8"
	    " -export:at_mov16"
	    " -export:at_add_sp"
	    " -export:at_add_eax"
	    " -export:at_sub_eax"
	    " -export:at_add_al"
	    " -export:at_add_ptr"
	    " -export:at_jo"
	    " -export:at_jno"
	    " -export:at_jb"
	    " -export:at_jae"
	    " -export:at_je"
	    " -export:at_jne"
	    " -export:at_jbe"
	    " -export:at_ja"
	    " -export:at_js"
	    " -export:at_jns"
	    " -export:at_jp"
	    " -export:at_jnp"
	    " -export:at_jl"
	    " -export:at_jge"
	    " -export:at_jle"
	    " -export:at_jg"
	    " -export:at_jne_near"
	    " -export:at_call_rel"
	    " -export:at_call_reg"
	    " -export:at_call_mem"
	    " -export:at_call_stack"
	    " -export:at_jmp_rel"
	    " -export:at_jmp_reg"
	    " -export:at_jmp_mem"
	    " -export:at_ret"
	    " -export:at_ret_imm"
	    "\"\n.text\n");

/* Values for add and sub: around zero, the sign bits and the nibbles. */
static const uintptr_t values[] = {
	0, 1, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000,
	0x80000001, 0xffffffff, (uintptr_t)-1, (uintptr_t)-0x80,
	(uintptr_t)0x123456789abcdef0ull,
};

#define NVALUES	(sizeof(values) / sizeof(values[0]))

/* The status flags jcc reads: CF PF ZF SF OF. */
static const uintptr_t status[5] = { 0x001, 0x004, 0x040, 0x080, 0x800 };

int
main(int argc, char *argv[])
{
	unsigned long rounds = 2, r;
	unsigned i, k;
	uintptr_t f;
	int c;

	while ((c = getopt(argc, argv, "n:")) != -1)
		switch (c) {
		case 'n': rounds = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: insns [-n rounds]\n");
			return 2;
		}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu rounds=%lu flagsets=32 values=%u\n",
	    GetCurrentProcessId(), rounds, (unsigned)NVALUES);
	for (r = 0; r < rounds; r++) {
		prologue();
		for (i = 0; i < NVALUES; i++)
			arith(values[i]);
		for (i = 0; i < 32; i++) {
			for (f = 0x202, k = 0; k < 5; k++)	/* IF and bit 1 */
				if (i & 1u << k)
					f |= status[k];
			conds(f);
		}
		branches();
	}
	printf("done: %ld jumps not taken\n", not_taken);
	return 0;
}
