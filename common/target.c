/* target.c: Toolhelp walks over processes and threads; name lookup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "target.h"

#include <shellapi.h>
#include <winternl.h>

BOOL
proc_walk(BOOL (*fn)(const PROCESSENTRY32W *pe, void *arg), void *arg)
{
	PROCESSENTRY32W pe;
	HANDLE snap;
	BOOL more;

	snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
	if (snap == INVALID_HANDLE_VALUE) {
		warn("CreateToolhelp32Snapshot(processes)");
		return FALSE;
	}
	pe.dwSize = sizeof(pe);
	for (more = Process32FirstW(snap, &pe); more;
	    more = Process32NextW(snap, &pe))
		if (!fn(&pe, arg))
			break;
	CloseHandle(snap);
	return TRUE;
}

char *
utf8_of(const WCHAR *w, char *buf, size_t n)
{
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL) == 0)
		buf[n - 1] = '\0';	/* too long: as much as fits */
	return buf;
}

const char *
arg_utf8(const char *arg)
{
	static WCHAR **wargv;
	static int wargc;
	char buf[4 * MAX_PATH], *u = NULL;
	const char *p;
	int i;

	for (p = arg; *p != '\0' && (unsigned char)*p < 0x80 && *p != '?'; p++)
		;
	if (*p == '\0')
		return arg;	/* ASCII: nothing was lost */
	if (wargv == NULL &&
	    (wargv = CommandLineToArgvW(GetCommandLineW(), &wargc)) == NULL)
		return arg;
	/*
	 * main() gets a copy of the C runtime's argv: find the argument by
	 * its ANSI text.  Two that read the same in ANSI but not in full
	 * cannot be told apart: then the ANSI text stays, and matches
	 * nothing (its '?' are no name's letters).
	 */
	for (i = 0; i < __argc && i < wargc; i++) {
		if (strcmp(__argv[i], arg) != 0)
			continue;
		utf8_of(wargv[i], buf, sizeof(buf));
		if (u != NULL && strcmp(u, buf) != 0) {
			free(u);
			return arg;
		}
		if (u == NULL && (u = strdup(buf)) == NULL)
			return arg;
	}
	return u != NULL ? u : arg;
}

struct name_match {
	WCHAR name[MAX_PATH];
	DWORD pids[16];
	size_t n;		/* matches seen, may exceed the array */
};

/* Equal, ignoring case, by Unicode's case mapping: "CAFÉ" is "café". */
static BOOL
wide_same(const WCHAR *a, int na, const WCHAR *b, int nb)
{
	return CompareStringOrdinal(a, na, b, nb, TRUE) == CSTR_EQUAL;
}

static BOOL
image_name_is(const WCHAR *image, const WCHAR *name)
{
	int ni = (int)wcslen(image), n = (int)wcslen(name);

	if (wide_same(image, ni, name, n))
		return TRUE;
	/* "printf_loop" names printf_loop.exe */
	return ni == n + 4 && wide_same(image, n, name, n) &&
	    wide_same(image + n, 4, L".exe", 4);
}

static BOOL
match_name(const PROCESSENTRY32W *pe, void *arg)
{
	struct name_match *m = arg;

	if (image_name_is(pe->szExeFile, m->name)) {
		if (m->n < sizeof(m->pids) / sizeof(m->pids[0]))
			m->pids[m->n] = pe->th32ProcessID;
		m->n++;
	}
	return TRUE;
}

BOOL
target_resolve(struct target_spec *spec)
{
	struct name_match m = { { 0 }, { 0 }, 0 };
	const char *name;
	char list[256];
	size_t i, len = 0;

	if (spec->kind != TARGET_NAME)
		return TRUE;
	name = arg_utf8(spec->name);
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1, m.name,
	    MAX_PATH) == 0) {
		warnx("%s: not a name a process can have", name);
		return FALSE;
	}
	if (!proc_walk(match_name, &m))
		return FALSE;
	if (m.n == 0) {
		warnx("%s: no such process (run procs to list them)", name);
		return FALSE;
	}
	if (m.n > 1) {
		list[0] = '\0';
		for (i = 0; i < m.n && i < sizeof(m.pids) / sizeof(m.pids[0]); i++)
			len += snprintf(list + len, sizeof(list) - len, "%s%lu",
			    i > 0 ? ", " : "", m.pids[i]);
		warnx("%s: matches %u processes (pids %s%s); give a pid",
		    name, (unsigned)m.n, list,
		    m.n > i ? ", ..." : "");
		return FALSE;
	}
	spec->kind = TARGET_PID;
	spec->pid = m.pids[0];
	return TRUE;
}

int
thread_ids(DWORD pid, DWORD **tids)
{
	THREADENTRY32 te;
	HANDLE snap;
	DWORD *v = NULL, *nv;
	size_t n = 0, cap = 0;
	BOOL more;

	/* A thread snapshot lists every thread of the system. */
	snap = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
	if (snap == INVALID_HANDLE_VALUE) {
		warn("CreateToolhelp32Snapshot(threads)");
		return -1;
	}
	te.dwSize = sizeof(te);
	for (more = Thread32First(snap, &te); more; more = Thread32Next(snap, &te)) {
		if (te.th32OwnerProcessID != pid)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				CloseHandle(snap);
				SetLastError(ERROR_NOT_ENOUGH_MEMORY);
				warn("thread list of pid %lu", pid);
				return -1;
			}
			v = nv;
		}
		v[n++] = te.th32ThreadID;
	}
	CloseHandle(snap);
	*tids = v;
	return (int)n;
}

HANDLE
thread_open(DWORD tid)
{
	HANDLE h;

	h = OpenThread(THREAD_GET_CONTEXT | THREAD_SET_CONTEXT |
	    THREAD_SUSPEND_RESUME | THREAD_QUERY_INFORMATION, FALSE, tid);
	if (h == NULL)
		warn("OpenThread(tid %lu)", tid);
	return h;
}

uint64_t
thread_start(HANDLE thread)
{
	PVOID start = NULL;

	if (NtQueryInformationThread(thread, ThreadQuerySetWin32StartAddress,
	    &start, sizeof(start), NULL) != 0)
		return 0;
	return (uint64_t)(uintptr_t)start;
}

char *
thread_description(HANDLE thread, char *buf, size_t n)
{
	typedef HRESULT (WINAPI *getdesc_fn)(HANDLE, PWSTR *);
	static getdesc_fn getdesc;
	static int looked;
	PWSTR w = NULL;

	buf[0] = '\0';
	/* Windows 10 1607 and later; older systems have no descriptions. */
	if (!looked) {
		getdesc = (getdesc_fn)(void *)GetProcAddress(
		    GetModuleHandleA("kernel32.dll"), "GetThreadDescription");
		looked = 1;
	}
	if (getdesc == NULL || FAILED(getdesc(thread, &w)) || w == NULL)
		return buf;
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)n, NULL, NULL) == 0)
		buf[0] = '\0';
	LocalFree(w);
	return buf;
}

const char *
priority_name(int prio)
{
	switch (prio) {
	case THREAD_PRIORITY_IDLE: return "idle";
	case THREAD_PRIORITY_LOWEST: return "lowest";
	case THREAD_PRIORITY_BELOW_NORMAL: return "below normal";
	case THREAD_PRIORITY_NORMAL: return "normal";
	case THREAD_PRIORITY_ABOVE_NORMAL: return "above normal";
	case THREAD_PRIORITY_HIGHEST: return "highest";
	case THREAD_PRIORITY_TIME_CRITICAL: return "time critical";
	default: return "?";
	}
}

BOOL
running_on_wine(void)
{
	return GetProcAddress(GetModuleHandleA("ntdll.dll"),
	    "wine_get_version") != NULL;
}
