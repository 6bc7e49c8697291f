/* sym.c: the module list from Toolhelp, and address-to-name formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sym.h"

BOOL
modules_load(DWORD pid, struct modules *m)
{
	MODULEENTRY32 me;
	HANDLE snap;
	struct module *nv;
	size_t cap = 0;
	BOOL more;
	int tries;

	m->v = NULL;
	m->n = 0;
	/*
	 * The snapshot reads the loader's lists inside the target; while
	 * the target loads a DLL it may fail with ERROR_BAD_LENGTH.  Retry.
	 */
	for (tries = 0; tries < 5; tries++) {
		snap = CreateToolhelp32Snapshot(TH32CS_SNAPMODULE |
		    TH32CS_SNAPMODULE32, pid);
		if (snap != INVALID_HANDLE_VALUE || GetLastError() != ERROR_BAD_LENGTH)
			break;
		Sleep(10);
	}
	if (snap == INVALID_HANDLE_VALUE) {
		warn("CreateToolhelp32Snapshot(modules of pid %lu)", pid);
		return FALSE;
	}
	me.dwSize = sizeof(me);
	for (more = Module32First(snap, &me); more; more = Module32Next(snap, &me)) {
		if (m->n == cap) {
			cap = cap ? cap * 2 : 32;
			if ((nv = realloc(m->v, cap * sizeof(*nv))) == NULL) {
				CloseHandle(snap);
				modules_free(m);
				SetLastError(ERROR_NOT_ENOUGH_MEMORY);
				warn("module list of pid %lu", pid);
				return FALSE;
			}
			m->v = nv;
		}
		m->v[m->n].base = (addr_t)(uintptr_t)me.modBaseAddr;
		m->v[m->n].size = me.modBaseSize;
		snprintf(m->v[m->n].name, sizeof(m->v[m->n].name), "%s", me.szModule);
		snprintf(m->v[m->n].path, sizeof(m->v[m->n].path), "%s", me.szExePath);
		m->n++;
	}
	CloseHandle(snap);
	return TRUE;
}

void
modules_free(struct modules *m)
{
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const struct module *
module_at(const struct modules *m, addr_t a)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (a >= m->v[i].base && a - m->v[i].base < m->v[i].size)
			return &m->v[i];
	return NULL;
}

/* Length of a module's name without ".dll" or ".exe". */
static size_t
stem_len(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && (_stricmp(name + n - 4, ".dll") == 0 ||
	    _stricmp(name + n - 4, ".exe") == 0))
		n -= 4;
	return n;
}

const struct module *
module_named(const struct modules *m, const char *name)
{
	size_t i, n = stem_len(name);

	for (i = 0; i < m->n; i++)
		if (stem_len(m->v[i].name) == n &&
		    _strnicmp(m->v[i].name, name, n) == 0)
			return &m->v[i];
	return NULL;
}

char *
sym_format(const struct modules *m, addr_t a, char *buf, size_t n)
{
	const struct module *mod = module_at(m, a);

	if (mod == NULL)
		snprintf(buf, n, "0x%llx", (unsigned long long)a);
	else
		snprintf(buf, n, "%.*s+0x%llx", (int)stem_len(mod->name),
		    mod->name, (unsigned long long)(a - mod->base));
	return buf;
}
