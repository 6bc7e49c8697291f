/*
 * lookup: ask this process's own loader where some exports are, print
 * it, and wait; a debugger resolving the same names in this process
 * must find the same addresses.
 *
 * First line: pid=N msvcrt=BASE printf=ADDRESS printf_ordinal=N
 * HeapAlloc=ADDRESS HeapAlloc_ordinal=N.  BASE is msvcrt.dll's base
 * (GetModuleHandle), the addresses are GetProcAddress's, and each
 * ordinal is the one the module's export table gives the name, checked
 * with GetProcAddress by ordinal (0 if the two disagree).  kernel32's
 * HeapAlloc is a forwarder, to ntdll's RtlAllocateHeap: the loader
 * follows it.  Then it sleeps, calling none of them.
 */
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ADDR(p)	((unsigned long long)(uintptr_t)(p))

/*
 * The ordinal of the export called name, from module m's export table,
 * if the loader resolves that ordinal to the same address as the name;
 * else 0.  (Asking the loader for every ordinal in turn would load the
 * modules that some forwarders name, such as Wine's 16-bit ones.)
 */
static unsigned
ordinal_of(HMODULE m, const char *name)
{
	const unsigned char *base = (const unsigned char *)m;
	const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base +
	    ((const IMAGE_DOS_HEADER *)m)->e_lfanew);
	const IMAGE_DATA_DIRECTORY *dd =
	    &nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
	const IMAGE_EXPORT_DIRECTORY *dir =
	    (const IMAGE_EXPORT_DIRECTORY *)(base + dd->VirtualAddress);
	const DWORD *names = (const DWORD *)(base + dir->AddressOfNames);
	const WORD *ords = (const WORD *)(base + dir->AddressOfNameOrdinals);
	unsigned ord;
	DWORD i;

	for (i = 0; i < dir->NumberOfNames; i++) {
		if (strcmp((const char *)base + names[i], name) != 0)
			continue;
		ord = dir->Base + ords[i];
		return GetProcAddress(m, MAKEINTRESOURCEA(ord)) ==
		    GetProcAddress(m, name) ? ord : 0;
	}
	return 0;
}

int
main(void)
{
	HMODULE crt = LoadLibraryA("msvcrt.dll"), k32 = GetModuleHandleA("kernel32.dll");
	FARPROC print, heapalloc;

	if (crt == NULL || k32 == NULL ||
	    (print = GetProcAddress(crt, "printf")) == NULL ||
	    (heapalloc = GetProcAddress(k32, "HeapAlloc")) == NULL)
		return 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pid=%lu msvcrt=0x%llx printf=0x%llx printf_ordinal=%u "
	    "HeapAlloc=0x%llx HeapAlloc_ordinal=%u\n", GetCurrentProcessId(),
	    ADDR(crt), ADDR(print), ordinal_of(crt, "printf"), ADDR(heapalloc),
	    ordinal_of(k32, "HeapAlloc"));
	for (;;)
		Sleep(1000);
}
