/*
 * windows.h: the one Windows type that common/err.h names, so that the
 * portable parsers (args.c, expr.c, flags.c) build natively for fuzzing.
 * Only tests/fuzz/ puts this directory on the include path.
 */
#ifndef DBGKIT_FUZZ_WINDOWS_H
#define DBGKIT_FUZZ_WINDOWS_H

typedef unsigned long DWORD;	/* 32 bits on Windows, 64 here: only a name */

#endif
