/* mem.c: ReadProcessMemory and WriteProcessMemory, each checked twice. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"

BOOL
mem_read(HANDLE process, addr_t a, void *buf, size_t n)
{
	SIZE_T got = 0;

	if (a > (addr_t)(uintptr_t)-1) {	/* beyond this tool's reach */
		SetLastError(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (!ReadProcessMemory(process, (LPCVOID)(uintptr_t)a, buf, n, &got))
		return FALSE;
	if (got != n) {
		SetLastError(ERROR_PARTIAL_COPY);
		return FALSE;
	}
	return TRUE;
}

BOOL
mem_write(HANDLE process, addr_t a, const void *buf, size_t n)
{
	SIZE_T put = 0;

	if (a > (addr_t)(uintptr_t)-1) {
		SetLastError(ERROR_INVALID_ADDRESS);
		return FALSE;
	}
	if (!WriteProcessMemory(process, (LPVOID)(uintptr_t)a, buf, n, &put))
		return FALSE;
	if (put != n) {
		SetLastError(ERROR_PARTIAL_COPY);
		return FALSE;
	}
	/* The CPU may hold the old bytes; code we change must be refetched. */
	FlushInstructionCache(process, (LPCVOID)(uintptr_t)a, n);
	return TRUE;
}

BOOL
mem_read_ptr(HANDLE process, addr_t a, unsigned ptrsize, addr_t *p)
{
	uint64_t v = 0;

	if (!mem_read(process, a, &v, ptrsize))
		return FALSE;
	*p = v;
	return TRUE;
}

BOOL
mem_read_string(HANDLE process, addr_t a, int wide, char *buf, size_t n)
{
	WCHAR w[512];
	size_t i, max;

	if (n == 0)
		return FALSE;
	buf[0] = '\0';
	if (!wide) {
		/*
		 * Read in chunks that never cross a page boundary, so that a
		 * string ending just before an unmapped page is still read.
		 */
		size_t got = 0, chunk;
		char *nul;

		while (got + 1 < n) {
			chunk = 0x1000 - (size_t)((a + got) & 0xfff);
			if (chunk > n - 1 - got)
				chunk = n - 1 - got;
			if (!mem_read(process, a + got, buf + got, chunk))
				break;
			if ((nul = memchr(buf + got, '\0', chunk)) != NULL)
				return TRUE;
			got += chunk;
		}
		buf[got] = '\0';
		return got > 0;
	}
	max = sizeof(w) / sizeof(w[0]) - 1;
	for (i = 0; i < max; i++) {
		if (!mem_read(process, a + 2 * i, &w[i], 2))
			break;
		if (w[i] == 0)
			break;
	}
	w[i] = 0;
	if (i == 0 && !mem_read(process, a, &w[0], 2))
		return FALSE;
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL) == 0)
		buf[n - 1] = '\0';
	return TRUE;
}

BOOL
mem_query(HANDLE process, addr_t a, MEMORY_BASIC_INFORMATION *mbi,
    const char *what)
{
	/* An address beyond this tool's reach is beyond its target's too. */
	if (a <= (addr_t)(uintptr_t)-1 && VirtualQueryEx(process,
	    (LPCVOID)(uintptr_t)a, mbi, sizeof(*mbi)) == 0) {
		warn("%s: VirtualQueryEx(0x%llx)", what, (unsigned long long)a);
		return FALSE;
	}
	if (a > (addr_t)(uintptr_t)-1 || mbi->State != MEM_COMMIT) {
		warnx("%s: 0x%llx is not mapped in pid %lu", what,
		    (unsigned long long)a, GetProcessId(process));
		return FALSE;
	}
	return TRUE;
}

char *
mem_protect_name(DWORD protect, char *buf, size_t n)
{
	/* One access value in the low byte, then modifier bits. */
	static const struct { DWORD bit; const char *name; } names[] = {
		{ PAGE_NOACCESS, "PAGE_NOACCESS" },
		{ PAGE_READONLY, "PAGE_READONLY" },
		{ PAGE_READWRITE, "PAGE_READWRITE" },
		{ PAGE_WRITECOPY, "PAGE_WRITECOPY" },
		{ PAGE_EXECUTE, "PAGE_EXECUTE" },
		{ PAGE_EXECUTE_READ, "PAGE_EXECUTE_READ" },
		{ PAGE_EXECUTE_READWRITE, "PAGE_EXECUTE_READWRITE" },
		{ PAGE_EXECUTE_WRITECOPY, "PAGE_EXECUTE_WRITECOPY" },
		{ PAGE_GUARD, "PAGE_GUARD" },
		{ PAGE_NOCACHE, "PAGE_NOCACHE" },
		{ PAGE_WRITECOMBINE, "PAGE_WRITECOMBINE" },
	};
	size_t i, len = 0;
	DWORD left = protect;

	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (protect == 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* The access values are exact; the modifiers are bits. */
		if (i < 8 ? (protect & 0xff) != names[i].bit :
		    !(protect & names[i].bit))
			continue;
		len += snprintf(buf + len, len < n ? n - len : 0, "%s%s",
		    len > 0 ? "|" : "", names[i].name);
		left &= ~names[i].bit;
	}
	if (left != 0 && len < n)
		snprintf(buf + len, n - len, "%s0x%lx", len > 0 ? "|" : "", left);
	return buf;
}
