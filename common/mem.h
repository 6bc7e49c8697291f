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

#endif
