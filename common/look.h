/* look.h: looking at a process without debugging it (modules, vmmap, dump). */
#ifndef DBGKIT_LOOK_H
#define DBGKIT_LOOK_H

#include <windows.h>

#include "args.h"
#include "cpu.h"

/*
 * Open the process spec names (a pid or an image name) to query it and
 * read its memory, and for nothing more: no debug port, no break-in
 * thread, no stop; the target runs on and cannot tell.  Sets *pid and
 * *cpu (the target's CPU view; a 32-bit tool refuses a 64-bit process).
 * "-- program" is bad usage here: a program that has not run has little
 * to look at (exit 2).  On failure prints one line and returns NULL.
 */
HANDLE look_open(const struct target_spec *spec, DWORD *pid,
    const struct cpu **cpu);

#endif
