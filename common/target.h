/* target.h: finding processes and threads: Toolhelp walks and name lookup. */
#ifndef DBGKIT_TARGET_H
#define DBGKIT_TARGET_H

#include <windows.h>
#include <tlhelp32.h>
#include <stdint.h>

#include "args.h"

/*
 * Walk every process with Toolhelp, calling fn for each; stop early when
 * fn returns FALSE.  The entries are wide (PROCESSENTRY32W): an image
 * name in ANSI loses what the code page cannot hold.  Returns FALSE
 * (after printing why) if the snapshot cannot be taken.
 */
BOOL proc_walk(BOOL (*fn)(const PROCESSENTRY32W *pe, void *arg), void *arg);

/*
 * Turn a TARGET_NAME spec into a TARGET_PID one: the one process whose
 * image name is name, or name plus ".exe", ignoring case.  The names are
 * compared wide, the given one taken from the wide command line
 * (arg_utf8()), so that no two names that differ match: "абвгде" is not
 * "прогон", though both are "??????" in the ANSI code page.  Prints one
 * line and returns FALSE when none matches or several do (listing their
 * pids).
 */
BOOL target_resolve(struct target_spec *spec);

/*
 * The UTF-8 form of arg, one of this program's own arguments, taken from
 * the wide command line: the ANSI argv the C runtime gives main() has
 * lost what the ANSI code page cannot hold.  Returns arg itself when it
 * is all ASCII, not one of them, or not to be told from another argument
 * that reads the same in ANSI.  The string lives as long as the program.
 */
const char *arg_utf8(const char *arg);

/*
 * A wide string as UTF-8, into buf (n bytes, always terminated).
 * Returns buf.
 */
char *utf8_of(const WCHAR *w, char *buf, size_t n);

/*
 * The ids of pid's threads, from a Toolhelp walk, in the order Toolhelp
 * gives them.  Stores a malloc'd array in *tids (the caller frees it)
 * and returns the count; -1 (after printing why) on failure.
 */
int thread_ids(DWORD pid, DWORD **tids);


/*
 * OpenThread with the rights a debugger needs (context, suspend, query).
 * NULL (after printing why) on failure.  The caller closes the handle.
 */
HANDLE thread_open(DWORD tid);

/*
 * The address the thread started at, as Windows recorded it
 * (NtQueryInformationThread, ThreadQuerySetWin32StartAddress); 0 if it
 * cannot be read.
 */
uint64_t thread_start(HANDLE thread);

/*
 * The thread's description (SetThreadDescription), as UTF-8 in buf, or
 * "" when it has none or Windows is too old to keep one.  Returns buf.
 */
char *thread_description(HANDLE thread, char *buf, size_t n);

/*
 * True when this tool runs on Wine rather than Windows: Wine's ntdll
 * exports wine_get_version.  For working around Wine's known limits only.
 */
BOOL running_on_wine(void);

/* "normal", "highest", ... for a GetThreadPriority value; "?" otherwise. */
const char *priority_name(int prio);

#endif
