/*
 * regions: a process with one of each kind of region, for lesson 11.
 *
 * First line, each address as 0x-hex:
 *   pid=N tid=T            the main thread, which then sleeps
 *   image=B entry=E stamp=S   its own base, entry point (an RVA) and
 *                          link time (hex), from its own PE headers
 *   stack=LO-HI            its stack, from its TEB: StackLimit-StackBase
 *   guard=G                the guard page below it, as VirtualQuery sees
 *                          it (0 if there is none)
 *   text= data= rdata= bss=   a function, an initialised global, a
 *                          constant and a zeroed global: one per section
 *   alloc=A guarded=P      4 pages from VirtualAlloc, the second made a
 *                          guard page (PAGE_READWRITE | PAGE_GUARD)
 *   view=V                 its own .exe file mapped as data, read-only
 *   heap=H                 64 bytes from the process heap
 *   bytes=B                64 bytes it wrote: "dbgkit bytes" and 0x00,
 *                          0x01, ... 0x33
 *   edge=E                 16 bytes 0xe0..0xef that end a page, after
 *                          which comes a page with PAGE_NOACCESS
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define PAGE	0x1000
#define A(p)	((unsigned long long)(uintptr_t)(p))

int initialised = 42;			/* .data */
const char constant[] = "constant";	/* .rdata */
int zeroed;				/* .bss */
unsigned char bytes[64];		/* written at start */

static void
fail(const char *what)
{
	printf("regions: %s failed: error %lu\n", what, GetLastError());
	exit(1);
}

/* The guard page just below the stack's committed part, if any. */
static void *
stack_guard(void *limit)
{
	MEMORY_BASIC_INFORMATION mbi;
	char *below = (char *)limit - PAGE;

	if (VirtualQuery(below, &mbi, sizeof(mbi)) == 0 ||
	    !(mbi.Protect & PAGE_GUARD))
		return NULL;
	return below;
}

/* Map our own .exe as a plain, read-only file view. */
static void *
map_self(void)
{
	char path[MAX_PATH];
	HANDLE f, m;
	void *v;

	if (GetModuleFileNameA(NULL, path, sizeof(path)) == 0)
		fail("GetModuleFileName");
	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL,
	    OPEN_EXISTING, 0, NULL);
	if (f == INVALID_HANDLE_VALUE)
		fail("CreateFile");
	if ((m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL)) == NULL)
		fail("CreateFileMapping");
	if ((v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0)) == NULL)
		fail("MapViewOfFile");
	return v;
}

int
main(void)
{
	NT_TIB *tib = (NT_TIB *)NtCurrentTeb();
	BYTE *image = (BYTE *)GetModuleHandleA(NULL);
	IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(image +
	    ((IMAGE_DOS_HEADER *)image)->e_lfanew);
	unsigned char *alloc, *edge, *heap;
	DWORD old;
	int i;

	/* Four pages; the second becomes a guard page. */
	if ((alloc = VirtualAlloc(NULL, 4 * PAGE, MEM_COMMIT | MEM_RESERVE,
	    PAGE_READWRITE)) == NULL)
		fail("VirtualAlloc");
	if (!VirtualProtect(alloc + PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old))
		fail("VirtualProtect");
	/* Two pages, the second unreadable; 16 known bytes end the first. */
	if ((edge = VirtualAlloc(NULL, 2 * PAGE, MEM_COMMIT | MEM_RESERVE,
	    PAGE_READWRITE)) == NULL)
		fail("VirtualAlloc");
	if (!VirtualProtect(edge + PAGE, PAGE, PAGE_NOACCESS, &old))
		fail("VirtualProtect");
	edge += PAGE - 16;
	for (i = 0; i < 16; i++)
		edge[i] = (unsigned char)(0xe0 + i);
	memcpy(bytes, "dbgkit bytes", 12);
	for (i = 12; i < 64; i++)
		bytes[i] = (unsigned char)(i - 12);
	if ((heap = HeapAlloc(GetProcessHeap(), 0, 64)) == NULL)
		fail("HeapAlloc");
	memset(heap, 0x5a, 64);

	printf("pid=%lu tid=%lu image=0x%llx entry=0x%lx stamp=0x%lx "
	    "stack=0x%llx-0x%llx guard=0x%llx text=0x%llx "
	    "data=0x%llx rdata=0x%llx bss=0x%llx alloc=0x%llx guarded=0x%llx "
	    "view=0x%llx heap=0x%llx bytes=0x%llx edge=0x%llx\n",
	    GetCurrentProcessId(), GetCurrentThreadId(), A(image),
	    nt->OptionalHeader.AddressOfEntryPoint, nt->FileHeader.TimeDateStamp,
	    A(tib->StackLimit),
	    A(tib->StackBase), A(stack_guard(tib->StackLimit)), A(main),
	    A(&initialised), A(constant), A(&zeroed), A(alloc), A(alloc + PAGE),
	    A(map_self()), A(heap), A(bytes), A(edge));
	fflush(stdout);
	for (;;)
		Sleep(1000);
}
