/* mem.h: the target's memory, read and written with every byte counted. */
#ifndef DBGKIT_MEM_H
#define DBGKIT_MEM_H

#include <windows.h>

#include "cpu.h"

/*
 * Read n bytes at a into buf.  TRUE only if all n were read; otherwise
 * FALSE with the last error set (ERROR_PARTIAL_COPY for a short read).
 * Prints nothing: the caller knows what the bytes were for.
 */
BOOL mem_read(HANDLE process, addr_t a, void *buf, size_t n);

/* Write n bytes from buf at a, then flush the instruction cache there. */
BOOL mem_write(HANDLE process, addr_t a, const void *buf, size_t n);

/* Read a pointer of ptrsize (4 or 8) bytes at a into *p, zero-extended. */
BOOL mem_read_ptr(HANDLE process, addr_t a, unsigned ptrsize, addr_t *p);

/*
 * Read a NUL-terminated string at a into buf (n bytes, always terminated),
 * as UTF-8; wide selects UTF-16 in the target.  Stops at the first byte
 * that cannot be read.  FALSE if not even the first character could be.
 */
BOOL mem_read_string(HANDLE process, addr_t a, int wide, char *buf, size_t n);

/* The page protections that let the target write, and execute. */
#define PAGE_WRITABLE	(PAGE_READWRITE | PAGE_WRITECOPY | \
			 PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY)
#define PAGE_EXECUTABLE	(PAGE_EXECUTE | PAGE_EXECUTE_READ | \
			 PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_WRITECOPY)

/*
 * The region of memory a lies in, from VirtualQueryEx, into *mbi.  FALSE
 * (after printing "what: ..." with the reason) when the query fails or a
 * is not committed memory: nothing there to watch or to change.
 */
BOOL mem_query(HANDLE process, addr_t a, MEMORY_BASIC_INFORMATION *mbi,
    const char *what);

/*
 * A page protection by its names, as winnt.h spells them:
 * "PAGE_EXECUTE_READ", "PAGE_READWRITE|PAGE_GUARD"; "-" for 0 (what
 * reserved and free regions report).  Into buf (n bytes); returns buf.
 */
char *mem_protect_name(DWORD protect, char *buf, size_t n);

#endif
