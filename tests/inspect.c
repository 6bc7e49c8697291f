/*
 * inspect: look at a live process without debugging it, for the tests
 * that prove a tool left nothing behind.  Raw Win32 only, so it does not
 * share the code it checks.
 *
 *   inspect PID bytes ADDR N    N bytes of memory at ADDR, in hex
 *   inspect PID prot ADDR       the protection of ADDR's page, in hex
 *   inspect PID region ADDR     "free", or "reserved" or "committed" and
 *                               the allocation's base, in hex
 *   inspect PID dr7             "TID DR7 EFLAGS" for every thread (hex)
 *   inspect PID regs            "TID ip=IP sp=SP efl=FLAGS" for every thread
 *   inspect PID state           "running", "exited CODE", or "gone"
 *   inspect PID parent          the parent's pid (NtQueryInformationProcess)
 *   inspect PID mem             "ws=BYTES private=BYTES virtual=BYTES": its
 *                               working set, private bytes, virtual size
 *   inspect PID module ADDR     "BASE LINKED FILE": the module holding ADDR,
 *                               its base, its file's ImageBase, its file
 *   inspect PID disk ADDR N     "same", or one line per byte that differs
 *                               from the module's file: "+0xOFF disk XX memory YY"
 *   inspect PID code            the same for the code sections of every
 *                               module: "MODULE+0xRVA disk XX memory YY"
 *   inspect PID modules         "BASE SIZE PATH" for every module, from
 *                               EnumProcessModulesEx(LIST_MODULES_ALL)
 *
 * Several looks in one run, their outputs one after the other, are
 * separated by "+": inspect PID bytes ADDR 16 + prot ADDR + dr7.  The
 * first that fails ends the run with its status.
 *
 * Reading a thread's registers needs it stopped for a moment:
 * SuspendThread, GetThreadContext, ResumeThread; nothing else changes.
 * A thread that cannot be read is a failure (exit 1), never skipped:
 * only a thread that has ended meanwhile is left out.
 *
 * disk reads the module's file as the loader would map it: the RVA's
 * section gives the file offset (bytes past a section's raw data are
 * zero), and if the module sits at another base than the file's
 * ImageBase, the base relocations that touch the range are applied.
 */
#include <windows.h>
#include <psapi.h>
#include <tlhelp32.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* A module's file, read whole, and what its headers say. */
struct image {
	unsigned char *data;
	DWORD size;
	IMAGE_FILE_HEADER *fh;
	IMAGE_SECTION_HEADER *sec;
	uint64_t base;		/* ImageBase, as linked */
	DWORD size_of_headers, align;	/* SizeOfHeaders, SectionAlignment */
	IMAGE_DATA_DIRECTORY reloc;
};

static int
fail(const char *what)
{
	fprintf(stderr, "inspect: %s: error %lu\n", what, GetLastError());
	return 1;
}

/* What inspect reads of one thread's context. */
struct thread_regs {
	DWORD64 ip, sp, flags, dr7;
};

/* Whether thread tid of process pid is still listed by Toolhelp. */
static int
thread_listed(DWORD pid, DWORD tid)
{
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	HANDLE snap;
	BOOL more;
	int found = 0;

	snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	if (snap == INVALID_HANDLE_VALUE)
		return 1;	/* cannot tell: count it as there */
	for (more = Thread32First(snap, &te); more && !found;
	    more = Thread32Next(snap, &te))
		found = te.th32OwnerProcessID == pid && te.th32ThreadID == tid;
	CloseHandle(snap);
	return found;
}

/*
 * Read one thread's registers, holding it still for the moment: 1 when
 * read, 0 when the thread has ended meanwhile, -1 after saying why it
 * could not be read.
 */
static int
thread_read(DWORD pid, DWORD tid, BOOL wow, struct thread_regs *t)
{
	HANDLE h;
	BOOL got = FALSE;
	int rc;

	(void)wow;	/* a 32-bit inspect sees no WOW64 process */
	h = OpenThread(THREAD_GET_CONTEXT | THREAD_SUSPEND_RESUME |
	    THREAD_QUERY_INFORMATION | SYNCHRONIZE, FALSE, tid);
	if (h == NULL) {
		if (!thread_listed(pid, tid))
			return 0;
		fprintf(stderr, "inspect: OpenThread(tid %lu): error %lu\n",
		    tid, GetLastError());
		return -1;
	}
	if (SuspendThread(h) == (DWORD)-1) {
		/* A thread on its way out: ended within a moment. */
		rc = WaitForSingleObject(h, 200) == WAIT_OBJECT_0 ? 0 : -1;
		if (rc < 0)
			fprintf(stderr, "inspect: SuspendThread(tid %lu): error "
			    "%lu\n", tid, GetLastError());
		CloseHandle(h);
		return rc;
	}
#ifdef _WIN64
	if (wow) {
		WOW64_CONTEXT c = { .ContextFlags = WOW64_CONTEXT_CONTROL |
		    WOW64_CONTEXT_DEBUG_REGISTERS };

		if ((got = Wow64GetThreadContext(h, &c)))
			*t = (struct thread_regs){ c.Eip, c.Esp, c.EFlags, c.Dr7 };
	} else
#endif
	{
		CONTEXT c;

		memset(&c, 0, sizeof(c));
		c.ContextFlags = CONTEXT_CONTROL | CONTEXT_DEBUG_REGISTERS;
		if ((got = GetThreadContext(h, &c)))
#ifdef _WIN64
			*t = (struct thread_regs){ c.Rip, c.Rsp, c.EFlags, c.Dr7 };
#else
			*t = (struct thread_regs){ c.Eip, c.Esp, c.EFlags, c.Dr7 };
#endif
	}
	rc = got ? 1 : WaitForSingleObject(h, 200) == WAIT_OBJECT_0 ? 0 : -1;
	if (rc < 0)
		fprintf(stderr, "inspect: GetThreadContext(tid %lu): error %lu\n",
		    tid, GetLastError());
	ResumeThread(h);
	CloseHandle(h);
	return rc;
}

/*
 * For every thread of pid, "TID DR7 EFLAGS" (what = 'd') or "TID ip=IP
 * sp=SP efl=FLAGS" (what = 'r').  A thread that cannot be read is a failure,
 * unless it ended meanwhile; so is a process with no thread at all.
 */
static int
threads_all(DWORD pid, int what)
{
	THREADENTRY32 te = { .dwSize = sizeof(te) };
	struct thread_regs t;
	HANDLE snap, p;
	BOOL more, wow = FALSE;
	int rc = 0, n = 0, r;

	if ((p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)) ==
	    NULL || !IsWow64Process(p, &wow))
		return fail("OpenProcess or IsWow64Process");
	CloseHandle(p);
	snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	if (snap == INVALID_HANDLE_VALUE)
		return fail("CreateToolhelp32Snapshot");
	for (more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te)) {
		if (te.th32OwnerProcessID != pid)
			continue;
		if ((r = thread_read(pid, te.th32ThreadID, wow, &t)) < 0)
			rc = 1;
		if (r <= 0)
			continue;
		n++;
		if (what == 'd')
			printf("%lu %llx %llx\n", te.th32ThreadID,
			    (unsigned long long)t.dr7, (unsigned long long)t.flags);
		else
			printf("%lu ip=%llx sp=%llx efl=%llx\n", te.th32ThreadID,
			    (unsigned long long)t.ip, (unsigned long long)t.sp,
			    (unsigned long long)t.flags);
	}
	CloseHandle(snap);
	if (n == 0) {
		fprintf(stderr, "inspect: pid %lu: no thread could be read\n", pid);
		rc = 1;
	}
	return rc;
}

/* "running", "exited CODE", or "gone" when no such process is left. */
static int
state(DWORD pid)
{
	DWORD code;
	HANDLE p;

	p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE,
	    pid);
	if (p == NULL) {
		if (GetLastError() != ERROR_INVALID_PARAMETER)
			return fail("OpenProcess");
		printf("gone\n");
		return 0;
	}
	if (WaitForSingleObject(p, 0) != WAIT_OBJECT_0)
		printf("running\n");
	else if (GetExitCodeProcess(p, &code))
		printf("exited %lu\n", code);
	else
		return fail("GetExitCodeProcess");
	CloseHandle(p);
	return 0;
}

/* The parent's pid, as the process itself records it (not Toolhelp). */
static int
parent(DWORD pid)
{
	typedef LONG (NTAPI *query_fn)(HANDLE, int, void *, ULONG, ULONG *);
	struct {	/* PROCESS_BASIC_INFORMATION */
		LONG_PTR exit_status;
		void *peb;
		ULONG_PTR affinity;
		LONG_PTR priority;
		ULONG_PTR pid, parent;
	} pbi;
	query_fn query = (query_fn)(void *)GetProcAddress(
	    GetModuleHandleA("ntdll.dll"), "NtQueryInformationProcess");
	HANDLE p;

	if ((p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid)) ==
	    NULL)
		return fail("OpenProcess");
	if (query == NULL || query(p, 0 /* ProcessBasicInformation */, &pbi,
	    sizeof(pbi), NULL) != 0) {
		CloseHandle(p);
		return fail("NtQueryInformationProcess");
	}
	CloseHandle(p);
	printf("%lu\n", (unsigned long)pbi.parent);
	return 0;
}

/*
 * Its working set, its private bytes (the commit charge: PagefileUsage,
 * which Windows also reports as PrivateUsage; Wine fills only the first,
 * from Linux's anonymous resident memory) and its virtual size
 * (NtQueryInformationProcess, ProcessVmCounters).
 */
static int
mem(DWORD pid)
{
	typedef LONG (NTAPI *query_fn)(HANDLE, int, void *, ULONG, ULONG *);
	struct {	/* VM_COUNTERS */
		SIZE_T peak_virtual, virtual;
		ULONG faults;
		SIZE_T rest[8];
	} vm;
	PROCESS_MEMORY_COUNTERS pmc = { .cb = sizeof(pmc) };
	query_fn query = (query_fn)(void *)GetProcAddress(
	    GetModuleHandleA("ntdll.dll"), "NtQueryInformationProcess");
	HANDLE p;

	if ((p = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
	    pid)) == NULL)
		return fail("OpenProcess");
	if (!GetProcessMemoryInfo(p, &pmc, sizeof(pmc)))
		return fail("GetProcessMemoryInfo");
	if (query == NULL || query(p, 3 /* ProcessVmCounters */, &vm,
	    sizeof(vm), NULL) != 0)
		return fail("NtQueryInformationProcess");
	printf("ws=%llu private=%llu virtual=%llu\n",
	    (unsigned long long)pmc.WorkingSetSize,
	    (unsigned long long)pmc.PagefileUsage,
	    (unsigned long long)vm.virtual);
	CloseHandle(p);
	return 0;
}

/* Read path whole and find its headers; 0, or 1 after saying why. */
static int
image_load(const WCHAR *path, struct image *im)
{
	IMAGE_DOS_HEADER *dos;
	IMAGE_OPTIONAL_HEADER32 *o32;
	IMAGE_OPTIONAL_HEADER64 *o64;
	unsigned char *oh;
	DWORD got, e, ndirs;
	HANDLE f;

	memset(im, 0, sizeof(*im));
	f = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE,
	    NULL, OPEN_EXISTING, 0, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return fail("CreateFile");
	im->size = GetFileSize(f, NULL);
	if (im->size == INVALID_FILE_SIZE ||
	    (im->data = malloc(im->size)) == NULL ||
	    !ReadFile(f, im->data, im->size, &got, NULL) || got != im->size) {
		CloseHandle(f);
		return fail("ReadFile");
	}
	CloseHandle(f);
	dos = (IMAGE_DOS_HEADER *)im->data;
	if (im->size < sizeof(*dos) || dos->e_magic != IMAGE_DOS_SIGNATURE ||
	    (e = (DWORD)dos->e_lfanew) > im->size - 4 - sizeof(*im->fh) ||
	    *(DWORD *)(im->data + e) != IMAGE_NT_SIGNATURE)
		goto bad;
	im->fh = (IMAGE_FILE_HEADER *)(im->data + e + 4);
	oh = (unsigned char *)(im->fh + 1);
	if ((size_t)(oh - im->data) + im->fh->SizeOfOptionalHeader +
	    (size_t)im->fh->NumberOfSections * sizeof(*im->sec) > im->size)
		goto bad;
	im->sec = (IMAGE_SECTION_HEADER *)(oh + im->fh->SizeOfOptionalHeader);
	/* PE32 and PE32+ differ in ImageBase's width and what follows it. */
	o32 = (IMAGE_OPTIONAL_HEADER32 *)oh;
	o64 = (IMAGE_OPTIONAL_HEADER64 *)oh;
	if (o32->Magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC &&
	    im->fh->SizeOfOptionalHeader >= offsetof(IMAGE_OPTIONAL_HEADER32,
	    DataDirectory)) {
		im->base = o32->ImageBase;
		im->size_of_headers = o32->SizeOfHeaders;
		im->align = o32->SectionAlignment;
		ndirs = o32->NumberOfRvaAndSizes;
		if (ndirs > IMAGE_DIRECTORY_ENTRY_BASERELOC)
			im->reloc = o32->DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC];
	} else if (o64->Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC &&
	    im->fh->SizeOfOptionalHeader >= offsetof(IMAGE_OPTIONAL_HEADER64,
	    DataDirectory)) {
		im->base = o64->ImageBase;
		im->size_of_headers = o64->SizeOfHeaders;
		im->align = o64->SectionAlignment;
		ndirs = o64->NumberOfRvaAndSizes;
		if (ndirs > IMAGE_DIRECTORY_ENTRY_BASERELOC)
			im->reloc = o64->DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC];
	} else
		goto bad;
	return 0;
bad:
	fprintf(stderr, "inspect: %ls: not a PE image\n", path);
	return 1;
}

/*
 * The byte the loader maps at rva: from the headers, or from the section
 * that holds it (zero past its raw data, to the end of its last page).
 * -1 if no section holds it.
 */
static int
rva_byte(const struct image *im, DWORD rva)
{
	const IMAGE_SECTION_HEADER *s;
	DWORD off, span;
	int i;

	if (rva < im->size_of_headers)
		return rva < im->size ? im->data[rva] : -1;
	if (rva < im->align)	/* the rest of the headers' page */
		return 0;
	for (i = 0; i < im->fh->NumberOfSections; i++) {
		s = &im->sec[i];
		span = s->Misc.VirtualSize ? s->Misc.VirtualSize : s->SizeOfRawData;
		if (im->align > 0)	/* mapped to the end of its last page */
			span = (span + im->align - 1) / im->align * im->align;
		if (rva - s->VirtualAddress >= span)
			continue;
		off = rva - s->VirtualAddress;
		if (off >= s->SizeOfRawData)
			return 0;
		off += s->PointerToRawData;
		return off < im->size ? im->data[off] : -1;
	}
	return -1;
}

/* n bytes from rva as the loader maps them; 0 if some are in no section. */
static int
rva_read(const struct image *im, DWORD rva, unsigned char *buf, DWORD n)
{
	DWORD i;
	int b;

	for (i = 0; i < n; i++) {
		if ((b = rva_byte(im, rva + i)) < 0)
			return 0;
		buf[i] = (unsigned char)b;
	}
	return 1;
}

/*
 * The image moved by delta: fix up buf, which holds the bytes at RVAs
 * lo .. lo+n, with every relocation that lies wholly inside it.  A
 * relocation that touches the bytes asked for (at most 8 bytes wide)
 * does, as buf has 7 bytes of margin on each side.
 */
static int
relocate(const struct image *im, uint64_t delta, DWORD lo, unsigned char *buf,
    DWORD n)
{
	IMAGE_BASE_RELOCATION blk;
	unsigned char e[2];
	DWORD at = im->reloc.VirtualAddress, end = at + im->reloc.Size, r, i;
	uint64_t v;
	unsigned w;

	while (at + sizeof(blk) <= end) {
		if (!rva_read(im, at, (unsigned char *)&blk, sizeof(blk)) ||
		    blk.SizeOfBlock < sizeof(blk))
			break;
		for (i = sizeof(blk); i + 2 <= blk.SizeOfBlock; i += 2) {
			if (!rva_read(im, at + i, e, 2)) {
				fprintf(stderr, "inspect: the relocation block "
				    "at rva 0x%lx is cut short\n",
				    (unsigned long)at);
				return 0;
			}
			r = blk.VirtualAddress + ((e[1] & 0xf) << 8 | e[0]);
			switch (e[1] >> 4) {
			case IMAGE_REL_BASED_ABSOLUTE:	/* padding */
				continue;
			case IMAGE_REL_BASED_HIGHLOW:
				w = 4;
				break;
			case IMAGE_REL_BASED_DIR64:
				w = 8;
				break;
			default:
				fprintf(stderr, "inspect: relocation type %d at "
				    "rva 0x%lx not handled\n", e[1] >> 4,
				    (unsigned long)r);
				return 0;
			}
			if (r < lo || r + w > lo + n)
				continue;
			v = 0;
			memcpy(&v, buf + (r - lo), w);
			v += delta;
			memcpy(buf + (r - lo), &v, w);
		}
		at += blk.SizeOfBlock;
	}
	return 1;
}

/* The module of p that holds a: its base, size and file name. */
static int
module_at(HANDLE p, uintptr_t a, uintptr_t *base, DWORD *size, WCHAR *path,
    DWORD npath)
{
	HMODULE mods[1024];
	MODULEINFO mi;
	DWORD need, i;

	if (!EnumProcessModulesEx(p, mods, sizeof(mods), &need, LIST_MODULES_ALL))
		return fail("EnumProcessModulesEx");
	if (need > sizeof(mods))
		need = sizeof(mods);
	for (i = 0; i < need / sizeof(mods[0]); i++) {
		if (!GetModuleInformation(p, mods[i], &mi, sizeof(mi)))
			continue;
		*base = (uintptr_t)mi.lpBaseOfDll;
		*size = mi.SizeOfImage;
		if (a - *base >= *size)
			continue;
		if (!GetModuleFileNameExW(p, mods[i], path, npath))
			return fail("GetModuleFileNameEx");
		return 0;
	}
	fprintf(stderr, "inspect: 0x%llx is in no module\n",
	    (unsigned long long)a);
	return 1;
}

/*
 * Whether the file is the image mapped at base: the same machine, link
 * time stamp, size and checksum in the headers.  SizeOfImage and CheckSum
 * lie at the same offsets in PE32 and PE32+.
 */
static int
same_image(HANDLE p, uintptr_t base, const struct image *im)
{
	const size_t size = offsetof(IMAGE_OPTIONAL_HEADER32, SizeOfImage),
	    sum = offsetof(IMAGE_OPTIONAL_HEADER32, CheckSum);
	const unsigned char *o = (const unsigned char *)(im->fh + 1), *mo;
	const IMAGE_FILE_HEADER *fh;
	unsigned char hdr[4096];
	size_t at = (size_t)((unsigned char *)im->fh - im->data);
	SIZE_T got;

	if (at + sizeof(*fh) + sum + 4 > sizeof(hdr) ||
	    !ReadProcessMemory(p, (LPCVOID)base, hdr, sizeof(hdr), &got) ||
	    got != sizeof(hdr))
		return 0;
	fh = (const IMAGE_FILE_HEADER *)(hdr + at);
	mo = (const unsigned char *)(fh + 1);
	return fh->Machine == im->fh->Machine &&
	    fh->TimeDateStamp == im->fh->TimeDateStamp &&
	    memcmp(mo + size, o + size, 4) == 0 && memcmp(mo + sum, o + sum, 4) == 0;
}

/*
 * The module holding a, and its file, checked against the image in
 * memory.  A 32-bit module of a WOW64 process may be named by its
 * System32 path; its file is then the one in SysWOW64.
 */
static int
module_file(HANDLE p, uintptr_t a, uintptr_t *base, WCHAR *path,
    struct image *im)
{
	WCHAR low[MAX_PATH], *sys;
	DWORD size;

	if (module_at(p, a, base, &size, path, MAX_PATH) != 0 ||
	    image_load(path, im) != 0)
		return 1;
	if (same_image(p, *base, im))
		return 0;
	wcscpy(low, path);
	if ((sys = wcsstr(_wcslwr(low), L"\\system32\\")) != NULL) {
		free(im->data);
		wmemcpy(path + (sys - low), L"\\SysWOW64\\", 10);
		if (image_load(path, im) == 0 && same_image(p, *base, im))
			return 0;
	}
	fprintf(stderr, "inspect: %ls is not the image mapped at 0x%llx\n",
	    path, (unsigned long long)*base);
	return 1;
}

/*
 * Compare n bytes at rva of the image mapped at base with its file, and
 * print each byte that differs as "LABEL+0xOFF disk XX memory YY", OFF
 * counted from rva plus origin.  Returns how many differ, or -1 after
 * saying why.
 */
static long
compare(HANDLE p, const struct image *im, uintptr_t base, DWORD rva, DWORD n,
    const char *label, DWORD origin)
{
	unsigned char *mem, *file;
	DWORD lo, i;
	SIZE_T got;
	long diffs = -1;
	int b;

	if ((mem = malloc(n)) == NULL || (file = malloc(n + 14)) == NULL) {
		fprintf(stderr, "inspect: out of memory\n");
		exit(1);
	}
	if (!ReadProcessMemory(p, (LPCVOID)(base + rva), mem, n, &got) ||
	    got != n) {
		fail("ReadProcessMemory");
		goto out;
	}
	/* The bytes asked for, and 7 on each side for the relocations. */
	lo = rva < 7 ? 0 : rva - 7;
	for (i = lo; i < rva + n + 7; i++)
		if ((b = rva_byte(im, i)) >= 0)
			file[i - lo] = (unsigned char)b;
		else if (i - rva < n) {
			fprintf(stderr, "inspect: %s: rva 0x%lx is in no section "
			    "of its file\n", label, (unsigned long)i);
			goto out;
		} else
			file[i - lo] = 0;
	if (base != im->base && !relocate(im, (uint64_t)base - im->base, lo,
	    file, rva - lo + n + 7))
		goto out;
	for (diffs = 0, i = 0; i < n; i++)
		if (mem[i] != file[rva - lo + i]) {
			printf("%s+0x%lx disk %02x memory %02x\n", label,
			    (unsigned long)(origin + i), file[rva - lo + i], mem[i]);
			diffs++;
		}
out:
	free(mem);
	free(file);
	return diffs;
}

/* n bytes at a against the module's file: "same", or each difference. */
static int
disk_compare(HANDLE p, uintptr_t a, DWORD n)
{
	WCHAR path[MAX_PATH];
	struct image im;
	uintptr_t base;
	long diffs;

	if (module_file(p, a, &base, path, &im) != 0)
		return 1;
	if ((diffs = compare(p, &im, base, (DWORD)(a - base), n, "", 0)) == 0)
		printf("same\n");
	free(im.data);
	return diffs < 0;
}

/* The code of every module against its file: "same", or each difference. */
static int
code_compare(HANDLE p)
{
	HMODULE mods[1024];
	MODULEINFO mi;
	WCHAR path[MAX_PATH], *w;
	char name[MAX_PATH];
	const IMAGE_SECTION_HEADER *s;
	struct image im;
	uintptr_t base;
	DWORD need, i;
	long diffs = 0, d;
	int k, rc = 0;

	if (!EnumProcessModulesEx(p, mods, sizeof(mods), &need, LIST_MODULES_ALL))
		return fail("EnumProcessModulesEx");
	for (i = 0; i < need / sizeof(mods[0]) && i < 1024; i++) {
		if (!GetModuleInformation(p, mods[i], &mi, sizeof(mi))) {
			fprintf(stderr, "inspect: GetModuleInformation(%p): "
			    "error %lu\n", (void *)mods[i], GetLastError());
			rc = 1;
			continue;
		}
		if (module_file(p, (uintptr_t)mi.lpBaseOfDll, &base, path,
		    &im) != 0) {
			fprintf(stderr, "inspect: the module at %p: its file "
			    "could not be read\n", mi.lpBaseOfDll);
			rc = 1;
			continue;
		}
		w = wcsrchr(path, L'\\') ? wcsrchr(path, L'\\') + 1 : path;
		snprintf(name, sizeof(name), "%ls", w);
		for (k = 0; k < im.fh->NumberOfSections; k++) {
			s = &im.sec[k];
			if (!(s->Characteristics & IMAGE_SCN_MEM_EXECUTE))
				continue;
			d = compare(p, &im, base, s->VirtualAddress,
			    s->Misc.VirtualSize ? s->Misc.VirtualSize :
			    s->SizeOfRawData, name, s->VirtualAddress);
			if (d < 0)
				rc = 1;
			else
				diffs += d;
		}
		free(im.data);
	}
	if (rc == 0 && diffs == 0)
		printf("same\n");
	return rc;
}

/* Every module: "BASE SIZE PATH", bare hex, in the order listed. */
static int
modules(HANDLE p)
{
	HMODULE mods[1024];
	MODULEINFO mi;
	WCHAR path[MAX_PATH];
	DWORD need, i;

	if (!EnumProcessModulesEx(p, mods, sizeof(mods), &need, LIST_MODULES_ALL))
		return fail("EnumProcessModulesEx");
	for (i = 0; i < need / sizeof(mods[0]) && i < 1024; i++) {
		if (!GetModuleInformation(p, mods[i], &mi, sizeof(mi)) ||
		    !GetModuleFileNameExW(p, mods[i], path, MAX_PATH))
			return fail("GetModuleInformation");
		printf("%llx %lx %ls\n", (unsigned long long)(uintptr_t)mi.lpBaseOfDll,
		    (unsigned long)mi.SizeOfImage, path);
	}
	return 0;
}

/* One look: argv as for the whole program, with one command. */
static int
look(int argc, char *argv[])
{
	MEMORY_BASIC_INFORMATION mbi;
	unsigned char buf[4096];
	WCHAR path[MAX_PATH];
	struct image im;
	uintptr_t base;
	DWORD pid;
	SIZE_T n, got;
	uintptr_t a;
	HANDLE p;
	SIZE_T i;

	if (argc < 3)
		goto usage;
	pid = strtoul(argv[1], NULL, 0);
	if (strcmp(argv[2], "dr7") == 0)
		return threads_all(pid, 'd');
	if (strcmp(argv[2], "regs") == 0)
		return threads_all(pid, 'r');
	if (strcmp(argv[2], "state") == 0)
		return state(pid);
	if (strcmp(argv[2], "parent") == 0)
		return parent(pid);
	if (strcmp(argv[2], "mem") == 0)
		return mem(pid);
	if ((p = OpenProcess(PROCESS_VM_READ | PROCESS_QUERY_INFORMATION, FALSE,
	    pid)) == NULL)
		return fail("OpenProcess");
	if (strcmp(argv[2], "code") == 0)
		return code_compare(p);
	if (strcmp(argv[2], "modules") == 0)
		return modules(p);
	if (argc < 4)
		goto usage;
	a = (uintptr_t)strtoull(argv[3], NULL, 0);
	if (strcmp(argv[2], "prot") == 0) {
		if (!VirtualQueryEx(p, (LPCVOID)a, &mbi, sizeof(mbi)))
			return fail("VirtualQueryEx");
		printf("%lx\n", mbi.Protect);
		return 0;
	}
	if (strcmp(argv[2], "region") == 0) {
		if (!VirtualQueryEx(p, (LPCVOID)a, &mbi, sizeof(mbi)))
			return fail("VirtualQueryEx");
		if (mbi.State == MEM_FREE)
			printf("free\n");
		else
			printf("%s %p\n", mbi.State == MEM_RESERVE ? "reserved" :
			    "committed", mbi.AllocationBase);
		return 0;
	}
	if (strcmp(argv[2], "bytes") == 0 && argc == 5) {
		n = strtoul(argv[4], NULL, 0);
		if (n > sizeof(buf)) {
			fprintf(stderr, "inspect: bytes: at most %u\n",
			    (unsigned)sizeof(buf));
			return 1;
		}
		if (!ReadProcessMemory(p, (LPCVOID)a, buf, n, &got) || got != n)
			return fail("ReadProcessMemory");
		for (i = 0; i < n; i++)
			printf("%02x", buf[i]);
		printf("\n");
		return 0;
	}
	if (strcmp(argv[2], "module") == 0) {
		if (module_file(p, a, &base, path, &im) != 0)
			return 1;
		printf("%#llx %#llx %ls\n", (unsigned long long)base,
		    (unsigned long long)im.base, path);
		return 0;
	}
	if (strcmp(argv[2], "disk") == 0 && argc == 5 &&
	    (n = strtoul(argv[4], NULL, 0)) > 0 && n <= 1u << 24)
		return disk_compare(p, a, (DWORD)n);
usage:
	fprintf(stderr, "usage: inspect pid bytes addr n | pid prot addr | "
	    "pid dr7 | pid regs |\n       pid state | pid parent | pid mem | "
	    "pid module addr | pid disk addr n |\n       pid code | pid modules\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	char *one[8];
	int i, j, n, rc;

	if (argc < 3)
		return look(argc, argv);
	one[0] = argv[0];
	one[1] = argv[1];
	for (i = 2; i < argc; i = j + 1) {
		for (j = i; j < argc && strcmp(argv[j], "+") != 0; j++)
			;
		if ((n = j - i) > 6 || n == 0)
			return look(2, one);	/* usage */
		memcpy(one + 2, argv + i, n * sizeof(*one));
		if ((rc = look(n + 2, one)) != 0)
			return rc;
		fflush(stdout);
	}
	return 0;
}
