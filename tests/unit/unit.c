/*
 * unit.c: unit tests for common/, printing TAP.  Built for x86 and x64
 * and run under Wine (or natively on Windows) by make check.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cpu.h"
#include "dis.h"
#include "err.h"
#include "flags.h"
#include "session.h"
#include "sym.h"
#include "cfi.h"
#include "mem.h"
#include "pdata.h"
#include "pe.h"
#include "unwind.h"

static int ntests, nfailed;

static void
ok(int cond, const char *what)
{
	ntests++;
	if (!cond)
		nfailed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", ntests, what);
}

static void
is_str(const char *got, const char *want, const char *what)
{
	ok(strcmp(got, want) == 0, what);
	if (strcmp(got, want) != 0)
		printf("#   got \"%s\"\n#  want \"%s\"\n", got, want);
}

static void
test_numbers(void)
{
	uint64_t v = 7;

	ok(parse_number("1234", 0, UINT64_MAX, &v) == NULL && v == 1234,
	    "decimal number");
	ok(parse_number("0x4d2", 0, UINT64_MAX, &v) == NULL && v == 1234,
	    "0x-hex number");
	ok(parse_number("0X4D2", 0, UINT64_MAX, &v) == NULL && v == 1234,
	    "0X-hex number, upper case");
	ok(parse_number("010", 0, UINT64_MAX, &v) == NULL && v == 10,
	    "leading zero is decimal, not octal");
	v = 7;
	ok(parse_number("", 0, 10, &v) != NULL && v == 7, "empty is refused");
	ok(parse_number("-1", 0, 10, &v) != NULL, "negative is refused");
	ok(parse_number(" 5", 0, 10, &v) != NULL, "leading space is refused");
	ok(parse_number("5x", 0, 10, &v) != NULL, "trailing junk is refused");
	ok(parse_number("0x", 0, 10, &v) != NULL, "bare 0x is refused");
	ok(parse_number("0", 1, 10, &v) != NULL, "below the minimum");
	ok(parse_number("11", 1, 10, &v) != NULL, "above the maximum");
	ok(parse_number("18446744073709551615", 0, UINT64_MAX, &v) == NULL &&
	    v == UINT64_MAX, "largest 64-bit value");
	ok(parse_number("18446744073709551616", 0, UINT64_MAX, &v) != NULL,
	    "one past the largest 64-bit value overflows");
}

static void
test_targets(void)
{
	struct target_spec t;
	char a0[] = "regs", a1[] = "-a", a2[] = "--", a3[] = "prog.exe",
	    a4[] = "x y", *argv[] = { a0, a1, a2, a3, a4, NULL }, **cmd;
	int argc = 5;

	ok(parse_target("1234", &t) == NULL && t.kind == TARGET_PID &&
	    t.pid == 1234, "target: decimal pid");
	ok(parse_target("0x4d2", &t) == NULL && t.kind == TARGET_PID &&
	    t.pid == 1234, "target: hex pid");
	ok(parse_target("printf_loop.exe", &t) == NULL &&
	    t.kind == TARGET_NAME && strcmp(t.name, "printf_loop.exe") == 0,
	    "target: image name");
	ok(parse_target("7z.exe", &t) == NULL && t.kind == TARGET_NAME,
	    "target: a name starting with a digit stays a name");
	ok(parse_target("0xzz", &t) == NULL && t.kind == TARGET_NAME,
	    "target: 0x without hex digits is a name");
	ok(parse_target("4294967296", &t) != NULL,
	    "target: pid beyond 32 bits is refused");
	ok(parse_target("", &t) != NULL, "target: empty is refused");

	cmd = cut_command(&argc, argv);
	ok(argc == 2 && argv[2] == NULL && cmd != NULL &&
	    strcmp(cmd[0], "prog.exe") == 0 && strcmp(cmd[1], "x y") == 0 &&
	    cmd[2] == NULL, "cut_command splits at --");
	argc = 2;
	ok(cut_command(&argc, argv) == NULL && argc == 2,
	    "cut_command without -- leaves argv alone");
}

static void
test_command_line(void)
{
	char a0[] = "prog.exe", a1[] = "x y", a2[] = "say \"hi\"",
	    a3[] = "C:\\dir\\", a4[] = "C:\\my dir\\", a5[] = "",
	    *argv[] = { a0, a1, a2, a3, a4, a5, NULL }, buf[128], small[6];
	size_t n;

	n = join_command(argv, buf, sizeof(buf));
	is_str(buf, "prog.exe \"x y\" \"say \\\"hi\\\"\" C:\\dir\\ "
	    "\"C:\\my dir\\\\\" \"\"", "join_command quotes as "
	    "CommandLineToArgvW reads");
	ok(n == strlen(buf), "join_command returns the length");
	ok(join_command(argv, small, sizeof(small)) == n &&
	    strcmp(small, "prog.") == 0,
	    "join_command truncates to the buffer and still counts it all");
}

static void
test_eflags(void)
{
	char buf[128];

	is_str(eflags_windbg(0x246, buf, sizeof(buf)),
	    "iopl=0 nv up ei pl zr na pe nc", "eflags 0x246, WinDbg style");
	is_str(eflags_windbg(0xcd5 | 0x3000, buf, sizeof(buf)),
	    "iopl=3 ov dn di ng zr ac pe cy", "eflags, every flag set");
	is_str(eflags_names(0x246, buf, sizeof(buf)), "PF ZF IF",
	    "eflags 0x246 by name");
	is_str(eflags_names(EFLAGS_TF | EFLAGS_RF, buf, sizeof(buf)), "TF RF",
	    "trap and resume flags by name");
	is_str(eflags_names(0, buf, sizeof(buf)), "-", "no flags");
	ok(TRAP_FLAG == 0x100 && RESUME_FLAG == 0x10000,
	    "TRAP_FLAG and RESUME_FLAG values");
	eflags_windbg(0x246, buf, 10);
	ok(strlen(buf) == 9, "eflags_windbg truncates to its buffer");
}

static void
test_dr7(void)
{
	char buf[128];
	uint32_t d;
	int i;

	d = dr7_enable(0, 0, DR7_RW_EXECUTE, 1);
	ok(d == 0x1, "dr7: slot 0 execute, len 1 is 0x1");
	d = dr7_enable(0, 1, DR7_RW_WRITE, 4);
	ok(d == 0x00d00004, "dr7: slot 1 write, len 4 is 0x00d00004");
	d = dr7_enable(d, 3, DR7_RW_READWRITE, 8);
	ok(d == 0xb0d00044, "dr7: slot 3 read/write, len 8 added");
	ok(dr7_rw(d, 1) == DR7_RW_WRITE && dr7_len(d, 1) == 4,
	    "dr7: slot 1 decodes as write, 4 bytes");
	ok(dr7_rw(d, 3) == DR7_RW_READWRITE && dr7_len(d, 3) == 8,
	    "dr7: slot 3 decodes as read/write, 8 bytes");
	ok(dr7_enabled(d, 1) && !dr7_enabled(d, 0) && !dr7_enabled(d, 2),
	    "dr7: enabled slots");
	ok(dr7_disable(d, 1) == 0xb0000040, "dr7: disable clears only slot 1");
	ok(dr7_enable(0, 2, DR7_RW_WRITE, 3) == 0, "dr7: length 3 is refused");
	for (i = 0, d = 0; i < DR_SLOTS; i++)
		d = dr7_enable(d, i, DR7_RW_WRITE, 2);
	for (i = 0; i < DR_SLOTS; i++)
		d = dr7_disable(d, i);
	ok(d == 0, "dr7: enabling then disabling every slot leaves 0");
	is_str(dr7_slot_describe(0x00d00004, 1, buf, sizeof(buf)),
	    "L1=1 G1=0 RW1=01 (write) LEN1=11 (4 bytes)",
	    "dr7: slot 1 described field by field");
	is_str(dr7_slot_describe(0x00000002, 0, buf, sizeof(buf)),
	    "L0=0 G0=1 RW0=00 (execute) LEN0=00 (1 byte)",
	    "dr7: global slot 0 described");
	{
		enum dr7_rw rw;
		unsigned len;

		ok(parse_hw_kind("e1", &rw, &len) == NULL &&
		    rw == DR7_RW_EXECUTE && len == 1, "kind e1");
		ok(parse_hw_kind("w4", &rw, &len) == NULL &&
		    rw == DR7_RW_WRITE && len == 4, "kind w4");
		ok(parse_hw_kind("rw8", &rw, &len) == NULL &&
		    rw == DR7_RW_READWRITE && len == 8, "kind rw8");
		ok(parse_hw_kind("r2", &rw, &len) == NULL &&
		    rw == DR7_RW_READWRITE && len == 2, "kind r2, alias of rw2");
		ok(parse_hw_kind("e2", &rw, &len) != NULL, "kind e2 refused");
		ok(parse_hw_kind("w3", &rw, &len) != NULL, "kind w3 refused");
		ok(parse_hw_kind("w16", &rw, &len) != NULL, "kind w16 refused");
		ok(parse_hw_kind("x1", &rw, &len) != NULL, "kind x1 refused");
		ok(parse_hw_kind("rw", &rw, &len) != NULL, "kind rw refused");
		ok(parse_hw_kind("", &rw, &len) != NULL, "empty kind refused");
	}
	is_str(dr6_names(DR6_B(1) | DR6_BS, buf, sizeof(buf)), "B1 BS",
	    "dr6: B1 and BS by name");
	is_str(dr6_names(0xffff0ff0, buf, sizeof(buf)), "-",
	    "dr6: reserved bits are not named");
	is_str(dr6_names(0xffff0ff0 | DR6_BT, buf, sizeof(buf)), "BT",
	    "dr6: BT among reserved bits");
}

static void
test_registers(void)
{
	union context c;
	const struct reg *r;

	memset(&c, 0, sizeof(c));
	ok(cpu_x86.nregs == 22 && cpu_x86.ptrsize == 4, "x86 table size");
	is_str(cpu_x86.ip->name, "eip", "x86 ip is eip");
	is_str(cpu_x86.sp->name, "esp", "x86 sp is esp");
	is_str(cpu_x86.flags->name, "efl", "x86 flags is efl");
	is_str(cpu_x86.dr[0]->name, "dr0", "x86 dr[0] is dr0");
	is_str(cpu_x86.dr[3]->name, "dr3", "x86 dr[3] is dr3");
	is_str(cpu_x86.dr6->name, "dr6", "x86 dr6");
	is_str(cpu_x86.dr7->name, "dr7", "x86 dr7");
	r = cpu_reg(&cpu_x86, "EAX");
	ok(r != NULL && r->width == 4, "x86 eax found by name, 4 bytes");
	reg_set(r, &c, 0x1122334455ull);
	ok(reg_get(r, &c) == 0x22334455, "x86 eax keeps 32 bits");
	ok(reg_get(cpu_reg(&cpu_x86, "ebx"), &c) == 0,
	    "setting eax leaves ebx alone");
	r = cpu_reg(&cpu_x86, "cs");
	ok(r != NULL && r->width == 2 && r->group == REG_SEGMENT,
	    "x86 cs is a 2-byte segment register");
	ok(cpu_reg(&cpu_x86, "rax") == NULL, "x86 has no rax");
#ifdef _WIN64
	{
		WOW64_CONTEXT *w = &c.wow64;

		memset(&c, 0, sizeof(c));
		w->Eip = 0x401000;
		w->Dr7 = 0x401;
		ok(reg_get(cpu_x86.ip, &c) == 0x401000 &&
		    reg_get(cpu_x86.dr7, &c) == 0x401,
		    "WOW64 view: offsets are WOW64_CONTEXT's");
	}
	ok(cpu_x64.nregs == 30 && cpu_x64.ptrsize == 8, "x64 table size");
	is_str(cpu_x64.ip->name, "rip", "x64 ip is rip");
	is_str(cpu_x64.sp->name, "rsp", "x64 sp is rsp");
	is_str(cpu_x64.flags->name, "efl", "x64 flags is efl");
	is_str(cpu_x64.dr[0]->name, "dr0", "x64 dr[0] is dr0");
	is_str(cpu_x64.dr7->name, "dr7", "x64 dr7");
	memset(&c, 0, sizeof(c));
	c.native.R15 = 0x9f9f9f9f9f9f9f9full;
	c.native.Rip = 0x140001000ull;
	ok(reg_get(cpu_reg(&cpu_x64, "r15"), &c) == 0x9f9f9f9f9f9f9f9full,
	    "x64 r15 read through the table");
	ok(reg_get(cpu_x64.ip, &c) == 0x140001000ull,
	    "x64 rip read through the table");
#else
	{
		CONTEXT *n = &c.native;

		memset(&c, 0, sizeof(c));
		n->Eip = 0x401000;
		ok(reg_get(cpu_x86.ip, &c) == 0x401000,
		    "x86 eip read through the table");
	}
#endif
	ok(((uintptr_t)&c & 15) == 0, "union context is 16-byte aligned");
}

/*
 * A WOW64 process on Windows has the 64-bit ntdll under its own 32-bit
 * one (Wine 8 loads only the one: this list is made up).
 */
static void
test_wow64_names(void)
{
	char buf[256];
	struct module mv[3] = {
		{ .base = 0x7ffa0000000, .size = 0x200000, .bits = 64,
		  .name = "ntdll.dll", .path = "C:\\Windows\\System32\\ntdll.dll" },
		{ .base = 0x77000000, .size = 0x1a0000, .bits = 32,
		  .name = "ntdll.dll", .path = "C:\\Windows\\SysWOW64\\ntdll.dll" },
		{ .base = 0x75000000, .size = 0x100000, .bits = 32,
		  .name = "KERNEL32.DLL", .path = "C:\\Windows\\SysWOW64\\KERNEL32.DLL" },
	};
	struct modules m = { .process = NULL, .bits = 32, .v = mv, .n = 3 };

	ok(module_named(&m, "ntdll") == &mv[1],
	    "wow64: ntdll is the process's own, 32-bit one");
	ok(module_named(&m, "system32\\ntdll") == &mv[0],
	    "wow64: system32\\ntdll names the 64-bit one");
	ok(module_named(&m, "SysWOW64/NTDLL.DLL") == &mv[1],
	    "wow64: any case, either slash, with .dll");
	ok(module_named(&m, "stem32\\ntdll") == NULL,
	    "wow64: a directory must match whole");
	is_str(sym_format(&m, 0x7ffa0000010, buf, sizeof(buf)),
	    "System32\\ntdll+0x10", "wow64: the 64-bit one prints with its directory");
	is_str(sym_format(&m, 0x77000010, buf, sizeof(buf)),
	    "SysWOW64\\ntdll+0x10", "wow64: and so does the 32-bit one");
	is_str(sym_format(&m, 0x75000010, buf, sizeof(buf)), "KERNEL32+0x10",
	    "wow64: a name no other module has prints alone");
	m.bits = 64;
	ok(module_named(&m, "ntdll") == &mv[0],
	    "a 64-bit process's ntdll is the 64-bit one");
}

static void
test_names(void)
{
	char buf[256];
	struct module mv[2] = {
		{ .base = 0x400000, .size = 0x10000, .name = "printf_loop.exe" },
		{ .base = 0x7b600000, .size = 0x100000, .name = "KERNEL32.dll" },
	};
	/* No process: export tables cannot be read, names fall back. */
	struct modules m = { .process = NULL, .v = mv, .n = 2 };

	is_str(debug_event_name(3), "CREATE_PROCESS_DEBUG_EVENT", "event 3");
	is_str(debug_event_name(6), "LOAD_DLL_DEBUG_EVENT", "event 6");
	is_str(debug_event_name(1), "EXCEPTION_DEBUG_EVENT", "event 1");
	is_str(debug_event_name(9), "RIP_EVENT", "event 9");
	is_str(debug_event_name(0), "?", "event 0 is not one");
	is_str(debug_event_name(10), "?", "event 10 is not one");
	is_str(exception_name(0x80000003), "EXCEPTION_BREAKPOINT",
	    "exception 0x80000003");
	is_str(exception_name(0x80000001), "STATUS_GUARD_PAGE_VIOLATION",
	    "exception 0x80000001");
	is_str(exception_name(0xC0000005), "EXCEPTION_ACCESS_VIOLATION",
	    "exception 0xC0000005");
	ok(exception_name(0x12345678) == NULL, "unknown exception code");
	is_str(sym_format(&m, 0x401530, buf, sizeof(buf)), "printf_loop+0x1530",
	    "address inside a module");
	is_str(sym_format(&m, 0x7b600000, buf, sizeof(buf)), "KERNEL32+0x0",
	    "module base");
	is_str(sym_format(&m, 0x410000, buf, sizeof(buf)), "0x410000",
	    "address just past a module");
	ok(module_named(&m, "kernel32") == &mv[1], "module by stem");
	ok(module_named(&m, "kernel32.DLL") == &mv[1], "module by file name");
	ok(module_named(&m, "kernel") == NULL, "no prefix matches");
	test_wow64_names();
	strwinerror(ERROR_ACCESS_DENIED, buf, sizeof(buf));
	ok(strlen(buf) > 0 && buf[strlen(buf) - 1] != '\n',
	    "Windows error text, without its line end");
}

static void
test_expr(void)
{
	struct addr_expr e;

	ok(parse_addr_expr("0x401530", &e) == NULL && e.module[0] == '\0' &&
	    e.offset == 0x401530, "expr: bare address");
	ok(parse_addr_expr("msvcrt!printf", &e) == NULL &&
	    strcmp(e.module, "msvcrt") == 0 && strcmp(e.symbol, "printf") == 0 &&
	    !e.by_ordinal && e.offset == 0, "expr: module!export");
	ok(parse_addr_expr("kernel32.dll!Sleep+0x10", &e) == NULL &&
	    strcmp(e.module, "kernel32.dll") == 0 &&
	    strcmp(e.symbol, "Sleep") == 0 && e.offset == 0x10,
	    "expr: module!export+0x10");
	ok(parse_addr_expr("ntdll!#12", &e) == NULL && e.by_ordinal &&
	    e.ordinal == 12 && strcmp(e.symbol, "#12") == 0, "expr: ordinal");
	ok(parse_addr_expr("printf_loop+0x1530", &e) == NULL &&
	    strcmp(e.module, "printf_loop") == 0 && e.symbol[0] == '\0' &&
	    e.offset == 0x1530, "expr: module+offset");
	ok(parse_addr_expr("kernel32", &e) == NULL && e.offset == 0,
	    "expr: a module alone is its base");
	ok(parse_addr_expr("", &e) != NULL, "expr: empty is refused");
	ok(parse_addr_expr("!printf", &e) != NULL, "expr: no module");
	ok(parse_addr_expr("msvcrt!", &e) != NULL, "expr: no export");
	ok(parse_addr_expr("msvcrt!printf+", &e) != NULL, "expr: no offset");
	ok(parse_addr_expr("msvcrt!printf+zz", &e) != NULL, "expr: bad offset");
	ok(parse_addr_expr("msvcrt!#", &e) != NULL, "expr: no ordinal");
	ok(parse_addr_expr("msvcrt!#70000", &e) != NULL, "expr: ordinal > 65535");
	ok(parse_addr_expr("a+1!b", &e) != NULL, "expr: '+' before '!'");
	ok(parse_addr_expr("a!b!c", &e) != NULL, "expr: two '!'");
}

/*
 * Exports read from a process's memory, checked on this very process
 * against its own loader (GetProcAddress), which the tools never use.
 */
static void
test_exports(void)
{
	struct modules m;
	addr_t a = 0;
	HMODULE k32 = GetModuleHandleA("kernel32.dll");
	FARPROC want;
	char buf[256];
	WORD ord;

	if (!modules_load(GetCurrentProcess(), &m)) {
		ok(0, "modules_load on this process");
		return;
	}
	ok(module_named(&m, "kernel32") != NULL, "kernel32 is in the module list");
	want = GetProcAddress(k32, "GetProcAddress");
	ok(sym_resolve(&m, "kernel32!GetProcAddress", &a) &&
	    a == (addr_t)(uintptr_t)want, "kernel32!GetProcAddress resolved");
	ok(sym_resolve(&m, "KERNEL32.DLL!GetProcAddress+0x10", &a) &&
	    a == (addr_t)(uintptr_t)want + 0x10, "with .DLL, any case, +0x10");
	/* HeapAlloc is forwarded to ntdll's RtlAllocateHeap. */
	want = GetProcAddress(k32, "HeapAlloc");
	ok(sym_resolve(&m, "kernel32!HeapAlloc", &a) &&
	    a == (addr_t)(uintptr_t)want, "kernel32!HeapAlloc, a forwarder, followed");
	want = GetProcAddress(GetModuleHandleA("msvcrt.dll"), "printf");
	ok(want != NULL && sym_resolve(&m, "msvcrt!printf", &a) &&
	    a == (addr_t)(uintptr_t)want, "msvcrt!printf");
	is_str(sym_format(&m, a, buf, sizeof(buf)), "msvcrt!printf",
	    "an export's address prints as its name");
	is_str(sym_format(&m, a + 3, buf, sizeof(buf)), "msvcrt!printf+0x3",
	    "and a little past it with an offset");
	ok(sym_export_at(&m, a) != NULL && strcmp(sym_export_at(&m, a), "printf") == 0,
	    "sym_export_at names printf");
	/* An ordinal: find GetProcAddress's by asking the loader for each. */
	for (ord = 1; ord < 4000; ord++)
		if (GetProcAddress(k32, (LPCSTR)(uintptr_t)ord) ==
		    GetProcAddress(k32, "Sleep"))
			break;
	snprintf(buf, sizeof(buf), "kernel32!#%u", ord);
	ok(ord < 4000 && sym_resolve(&m, buf, &a) &&
	    a == (addr_t)(uintptr_t)GetProcAddress(k32, "Sleep"),
	    "kernel32 by ordinal");
	printf("# kernel32!Sleep is ordinal %u\n", ord);
	ok(!sym_resolve(&m, "kernel32!NoSuchExport", &a), "unknown export refused");
	ok(!sym_resolve(&m, "nosuchmod!Sleep", &a), "unknown module refused");
	ok(!sym_resolve(&m, "kernel32!#65000", &a), "unknown ordinal refused");
	ok(sym_resolve(&m, "kernel32+0x10", &a) &&
	    a == (addr_t)(uintptr_t)k32 + 0x10, "module+offset");
	ok(!sym_resolve(&m, "kernel32+0x100000000", &a),
	    "an offset past the module's end refused");
	ok(!sym_resolve(&m, "msvcrt!printf+0xffffffffffffffff", &a),
	    "an offset that wraps around refused");
	snprintf(buf, sizeof(buf), "kernel32+0x%lx",
	    (unsigned long)module_named(&m, "kernel32")->size - 1);
	ok(sym_resolve(&m, buf, &a), "the module's last byte is in it");
	snprintf(buf, sizeof(buf), "kernel32+0x%lx",
	    (unsigned long)module_named(&m, "kernel32")->size);
	ok(!sym_resolve(&m, buf, &a), "the byte after it is not");
	modules_free(&m);
}

/*
 * A small .eh_frame, built here byte by byte: a CIE (CFA = esp+4, eip at
 * CFA-4) and an FDE for [0x401000, 0x401020) that pushes ebp at +1 and
 * makes it the CFA register at +3, as "push ebp; mov ebp, esp" does.
 * The FDE's address is pc-relative, so the section's own address (va)
 * matters.
 */
static void
test_cfi(void)
{
	static const BYTE cie[] = {
		0x14, 0, 0, 0,	0, 0, 0, 0,	/* length, CIE id 0 */
		1, 'z', 'R', 0,			/* version, augmentation */
		1, 0x7c, 8,			/* code align 1, data align -4, ra 8 */
		1, 0x1b,			/* aug data: pcrel | sdata4 */
		0x0c, 4, 4,			/* def_cfa esp+4 */
		0x88, 1,			/* offset eip, cfa-4 */
		0, 0,				/* padding (nop) */
	};
	static const BYTE insns[] = {
		0x41, 0x0e, 8, 0x85, 2,		/* +1: cfa esp+8, ebp at cfa-8 */
		0x42, 0x0d, 5,			/* +3: cfa in ebp */
		0, 0, 0,
	};
	BYTE eh[128];
	const addr_t va = 0x40a000;
	struct cfi_row row;
	const char *why;
	uint32_t len, ptr, field;
	int32_t rel;
	size_t n = sizeof(cie), fde = n;

	memset(eh, 0, sizeof(eh));
	memcpy(eh, cie, sizeof(cie));
	/* FDE: length, CIE pointer, pc_begin (pcrel), pc_range, aug len 0. */
	len = 4 + 4 + 4 + 1 + sizeof(insns);
	memcpy(eh + n, &len, 4);
	ptr = (uint32_t)(n + 4);		/* back to the CIE at 0 */
	memcpy(eh + n + 4, &ptr, 4);
	field = (uint32_t)(va + n + 8);
	rel = (int32_t)(0x401000 - field);
	memcpy(eh + n + 8, &rel, 4);
	len = 0x20;
	memcpy(eh + n + 12, &len, 4);
	eh[n + 16] = 0;
	memcpy(eh + n + 17, insns, sizeof(insns));
	n = fde + 4 + 4 + 4 + 4 + 1 + sizeof(insns);

	ok(cfi_is_eh_frame(eh, n), "cfi: a CIE first: an .eh_frame");
	ok(cfi_find(eh, n, va, 0x401000, &row, &why) == 1 &&
	    row.cfa_reg == UREG_SP && row.cfa_off == 4 &&
	    row.reg[UREG_IP].rule == CFI_OFFSET && row.reg[UREG_IP].off == -4,
	    "cfi: at entry, CFA = esp+4, eip at CFA-4");
	ok(cfi_find(eh, n, va, 0x401001, &row, &why) == 1 &&
	    row.cfa_reg == UREG_SP && row.cfa_off == 8 &&
	    row.reg[UREG_BP].rule == CFI_OFFSET && row.reg[UREG_BP].off == -8,
	    "cfi: after push ebp, CFA = esp+8, ebp at CFA-8");
	ok(cfi_find(eh, n, va, 0x401010, &row, &why) == 1 &&
	    row.cfa_reg == UREG_BP && row.cfa_off == 8 &&
	    row.fde_begin == 0x401000 && row.fde_end == 0x401020,
	    "cfi: in the body, CFA = ebp+8");
	ok(cfi_find(eh, n, va, 0x401020, &row, &why) == 0,
	    "cfi: past the function, no FDE");
	eh[fde + 4] = 0x7f;			/* a CIE pointer to nowhere */
	ok(cfi_find(eh, n, va, 0x401010, &row, &why) == -1 && why != NULL,
	    "cfi: a broken FDE is refused, with a reason");
}

/*
 * This thread's own frames, walked by unwind.c in this very process: from
 * the return address into walk_two() (and the stack pointer there, the
 * CFA of walk_here()), two steps must find the return addresses into
 * walk_one() and main() that the functions noted.  The starting point
 * is made by hand: Wine's i386 RtlCaptureContext assumes its caller keeps
 * a frame pointer, which these functions, built with -O2, do not.
 */
static volatile int sink;
static addr_t noted[3];

static __attribute__((noinline)) void
walk_here(void)
{
	const struct cpu *cpu = cpu_of_process(GetCurrentProcess());
	union context c;
	struct modules m;
	struct walk w;
	addr_t sp;
	int i;

	noted[0] = (addr_t)(uintptr_t)__builtin_return_address(0);
	memset(&c, 0, sizeof(c));
	reg_set(cpu->ip, &c, noted[0]);
	reg_set(cpu->sp, &c, (addr_t)(uintptr_t)__builtin_dwarf_cfa());
	if (!modules_load(GetCurrentProcess(), &m)) {
		ok(0, "unwind: modules_load");
		return;
	}
	unwind_begin(&w, GetCurrentProcess(), cpu, &m, GetCurrentThread(), &c);
	ok(w.stack_hi > w.stack_lo && w.f.sp >= w.stack_lo && w.f.sp < w.stack_hi,
	    "unwind: the stack's bounds from the TEB hold SP");
	for (i = 1; i < 3; i++) {
		sp = w.f.sp;
		ok(unwind_next(&w) && w.f.ip == noted[i] && w.f.sp > sp,
		    i == 1 ? "unwind: the return address into walk_one()" :
		    "unwind: and the one into main()");
		if (w.over)
			printf("# stopped: %s\n", w.why);
	}
	ok(strcmp(w.f.how, cpu->ptrsize == 8 ? "pdata" : "cfi") == 0,
	    "unwind: found by the unwind data of an -O2 build");
	unwind_end(&w);
	modules_free(&m);
}

static __attribute__((noinline)) void
walk_two(void)
{
	noted[1] = (addr_t)(uintptr_t)__builtin_return_address(0);
	walk_here();
	sink++;
}

static __attribute__((noinline)) void
walk_one(void)
{
	noted[2] = (addr_t)(uintptr_t)__builtin_return_address(0);
	walk_two();
	sink++;
}

#ifdef _WIN64
/* A function whose UNWIND_INFO names an exception handler. */
EXCEPTION_DISPOSITION seh_handler(void *a, void *b, void *c, void *d)
{
	return ExceptionContinueSearch;
}
void with_handler(void);
__asm__(".globl with_handler\n.def with_handler; .scl 2; .type 32; .endef\n"
    ".seh_proc with_handler\nwith_handler:\n\tpush %rbx\n\t.seh_pushreg %rbx\n"
    "\tsub $0x20, %rsp\n\t.seh_stackalloc 0x20\n"
    "\t.seh_handler seh_handler, @except\n\t.seh_endprologue\n\tnop\n"
    "\tadd $0x20, %rsp\n\tpop %rbx\n\tret\n\t.seh_endproc\n");
#endif

/*
 * pdata_lookup() against the system's RtlLookupFunctionEntry, on this
 * very process; a 32-bit image has no .pdata.
 */
static void
test_pdata(void)
{
	struct pdata_entry e;
	struct pe pe;
	addr_t a = (addr_t)(uintptr_t)test_pdata + 4;

	ok(pe_read(GetCurrentProcess(), (addr_t)(uintptr_t)GetModuleHandleA(NULL),
	    &pe), "pe: this program's headers");
#ifdef _WIN64
	{
		DWORD64 base = 0;
		PRUNTIME_FUNCTION rf = RtlLookupFunctionEntry(a, &base, NULL);

		ok(rf != NULL && pdata_lookup(GetCurrentProcess(), &pe, a, &e) == 1 &&
		    e.rf.BeginAddress == rf->BeginAddress &&
		    e.rf.EndAddress == rf->EndAddress &&
		    e.rf.UnwindData == rf->UnwindData,
		    "pdata: the entry RtlLookupFunctionEntry finds");
		ok(pdata_lookup(GetCurrentProcess(), &pe, a, &e) == 1 &&
		    e.flags == 0 && e.handler == 0, "pdata: a C function, no handler");
		a = (addr_t)(uintptr_t)with_handler + 6;
		ok(pdata_lookup(GetCurrentProcess(), &pe, a, &e) == 1 &&
		    (e.flags & UNW_FLAG_EHANDLER) && pe.base + e.handler ==
		    (addr_t)(uintptr_t)seh_handler && e.handler_data != 0,
		    "pdata: the handler an UNWIND_INFO names");
	}
#else
	ok(pdata_lookup(GetCurrentProcess(), &pe, a, &e) == 0,
	    "pdata: none in a 32-bit image");
#endif
	ok(pdata_lookup(GetCurrentProcess(), &pe, pe.base + pe.image_size + 16,
	    &e) == 0, "pdata: none past the image");
}

/* sym_each_export: every named export with code, where GetProcAddress says. */
static BOOL
count_export(const char *name, addr_t a, void *arg)
{
	int *n = arg;

	if ((addr_t)(uintptr_t)GetProcAddress(GetModuleHandleA("kernel32.dll"),
	    name) != a)
		n[1]++;
	n[0]++;
	return TRUE;
}

static void
test_each_export(void)
{
	struct modules m;
	const struct module *k32, *nt;
	int n[2] = { 0, 0 };

	if (!modules_load(GetCurrentProcess(), &m)) {
		ok(0, "modules_load on this process");
		return;
	}
	k32 = module_named(&m, "kernel32");
	nt = module_named(&m, "ntdll");
	ok(k32 != NULL && sym_each_export(&m, k32, count_export, n) && n[0] > 100,
	    "sym_each_export walks kernel32's exports");
	ok(n[1] == 0, "each at the address GetProcAddress gives");
	printf("# %d exports with code in kernel32\n", n[0]);
	ok(nt != NULL && module_ptrsize(GetCurrentProcess(), nt) == sizeof(void *),
	    "module_ptrsize: ntdll has this build's pointer size");
	modules_free(&m);
	ok(cpu_of_ptrsize(4) == &cpu_x86, "cpu_of_ptrsize(4) is x86");
#ifdef _WIN64
	ok(cpu_of_ptrsize(8) == &cpu_x64, "cpu_of_ptrsize(8) is x64");
#else
	ok(cpu_of_ptrsize(8) == NULL, "cpu_of_ptrsize(8): none in a 32-bit build");
#endif
}

/* struct insn's target: a direct call's or jump's destination, else 0. */
static void
test_targets_of_branches(void)
{
	static const unsigned char call_rel32[] = { 0xe8, 0x10, 0x00, 0x00, 0x00 },
	    jne_rel8[] = { 0x75, 0x03 }, call_edx[] = { 0xff, 0xd2 },
	    mov_eax[] = { 0xb8, 0x32, 0x00, 0x00, 0x00 };
	struct dis *d = dis_open(&cpu_x86, 0);
	struct insn in;

	if (d == NULL) {
		ok(0, "dis_open");
		return;
	}
	ok(dis_decode(d, call_rel32, sizeof(call_rel32), 0x1000, &in) &&
	    in.target == 0x1015, "call rel32: its destination");
	ok(dis_decode(d, jne_rel8, sizeof(jne_rel8), 0x2000, &in) &&
	    in.target == 0x2005, "jne rel8: its destination");
	ok(dis_decode(d, call_edx, sizeof(call_edx), 0x3000, &in) &&
	    in.target == 0 && strcmp(in.text, "call edx") == 0,
	    "call edx: no destination known from the instruction");
	ok(dis_decode(d, mov_eax, sizeof(mov_eax), 0x4000, &in) &&
	    in.target == 0, "mov eax, imm32: no destination at all");
	dis_close(d);
}

int
main(void)
{
	setprogname("unit");
	test_numbers();
	test_targets();
	test_command_line();
	test_eflags();
	test_dr7();
	test_registers();
	test_names();
	test_expr();
	test_exports();
	test_cfi();
	test_pdata();
	walk_one();
	test_each_export();
	test_targets_of_branches();
	printf("1..%d\n", ntests);
	return nfailed != 0;
}
