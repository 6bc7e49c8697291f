/* sym.c: the module list from Toolhelp, and address-to-name formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sym.h"

#include <psapi.h>

BOOL
modules_load(HANDLE process, struct modules *m)
{
	HMODULE *hv = NULL, *nh;
	MODULEINFO mi;
	DWORD need = 0, have = 0;
	size_t i;
	int tries;

	m->v = NULL;
	m->n = 0;
	/*
	 * LIST_MODULES_ALL: both a WOW64 target's 32-bit modules and its
	 * 64-bit ones.  The list can grow between the two calls (and the
	 * loader's lists may be mid-update), so retry a few times.
	 */
	for (tries = 0; tries < 5; tries++) {
		if (EnumProcessModulesEx(process, hv, have, &need,
		    LIST_MODULES_ALL) && need <= have)
			break;
		if (need > have) {
			if ((nh = realloc(hv, need + 16 * sizeof(*hv))) == NULL)
				break;
			hv = nh;
			have = need + 16 * sizeof(*hv);
		} else
			Sleep(10);
	}
	if (tries == 5 || hv == NULL) {
		warn("EnumProcessModulesEx(pid %lu)", GetProcessId(process));
		free(hv);
		return FALSE;
	}
	if ((m->v = calloc(need / sizeof(*hv) + 1, sizeof(*m->v))) == NULL) {
		free(hv);
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		warn("module list of pid %lu", GetProcessId(process));
		return FALSE;
	}
	for (i = 0; i < need / sizeof(*hv); i++) {
		struct module *mod = &m->v[m->n];

		if (!GetModuleInformation(process, hv[i], &mi, sizeof(mi)))
			continue;	/* unloaded since */
		mod->base = (addr_t)(uintptr_t)mi.lpBaseOfDll;
		mod->size = mi.SizeOfImage;
		if (!GetModuleBaseNameA(process, hv[i], mod->name, sizeof(mod->name)))
			snprintf(mod->name, sizeof(mod->name), "%llx",
			    (unsigned long long)mod->base);
		if (!GetModuleFileNameExA(process, hv[i], mod->path, sizeof(mod->path)))
			mod->path[0] = '\0';
		m->n++;
	}
	free(hv);
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
