/* sym.c: the module list from Toolhelp, and address-to-name formatting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "sym.h"
#include "target.h"

#include <ctype.h>
#include <psapi.h>

/* 32 for a PE32 image at base, 64 for PE32+, 0 if its header says neither. */
static unsigned
image_bits(HANDLE process, addr_t base)
{
	IMAGE_DOS_HEADER dos;
	WORD magic;

	if (!mem_read(process, base, &dos, sizeof(dos)) ||
	    dos.e_magic != IMAGE_DOS_SIGNATURE ||
	    !mem_read(process, base + (uint32_t)dos.e_lfanew + 4 +
	    sizeof(IMAGE_FILE_HEADER), &magic, sizeof(magic)))
		return 0;
	return magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC ? 32 :
	    magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC ? 64 : 0;
}

BOOL
modules_load(HANDLE process, struct modules *m)
{
	HMODULE *hv = NULL, *nh;
	MODULEINFO mi;
	WCHAR w[MAX_PATH];
	DWORD need = 0, have = 0;
	BOOL wow64;
	size_t i;
	int tries;

	m->process = process;
	m->v = NULL;
	m->n = 0;
	m->bits = IsWow64Process(process, &wow64) && wow64 ? 32 :
	    8 * sizeof(void *);
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
		mod->bits = image_bits(process, mod->base);
		/* Wide, then UTF-8: an ANSI name loses what its code page lacks. */
		if (GetModuleBaseNameW(process, hv[i], w, MAX_PATH))
			utf8_of(w, mod->name, sizeof(mod->name));
		else
			snprintf(mod->name, sizeof(mod->name), "%llx",
			    (unsigned long long)mod->base);
		if (GetModuleFileNameExW(process, hv[i], w, MAX_PATH))
			utf8_of(w, mod->path, sizeof(mod->path));
		else
			mod->path[0] = '\0';
		m->n++;
	}
	free(hv);
	return TRUE;
}

static void exports_free(struct exports *x);

void
modules_free(struct modules *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		exports_free(m->v[i].exports);
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

/* Whether path, less its extension, ends with the n bytes of name. */
static BOOL
path_ends_with(const char *path, const char *name, size_t n)
{
	size_t k = stem_len(path), i;

	if (k < n || (k > n && path[k - n - 1] != '\\' && path[k - n - 1] != '/'))
		return FALSE;
	for (i = 0; i < n; i++) {
		char a = path[k - n + i], b = name[i];

		if (a == '/')
			a = '\\';
		if (b == '/')
			b = '\\';
		if (tolower((unsigned char)a) != tolower((unsigned char)b))
			return FALSE;
	}
	return TRUE;
}

const struct module *
module_named(const struct modules *m, const char *name)
{
	const struct module *best = NULL;
	size_t i, n = stem_len(name);

	for (i = 0; i < m->n; i++) {
		if (strpbrk(name, "\\/") != NULL ?
		    !path_ends_with(m->v[i].path, name, n) :
		    stem_len(m->v[i].name) != n ||
		    _strnicmp(m->v[i].name, name, n) != 0)
			continue;
		/* Of two, the one of the process's own bitness. */
		if (best == NULL || (best->bits != m->bits &&
		    m->v[i].bits == m->bits))
			best = &m->v[i];
	}
	return best;
}

/*
 * mod's name as printed: its stem, and where another module has the same
 * name, the directory it is in before it ("System32\ntdll").
 */
static void
module_label(const struct modules *m, const struct module *mod, char *buf,
    size_t n)
{
	const char *p = mod->path + strlen(mod->path), *dir;
	int stem = (int)stem_len(mod->name);
	size_t i;

	for (i = 0; i < m->n; i++)
		if (&m->v[i] != mod && _stricmp(m->v[i].name, mod->name) == 0)
			break;
	if (i < m->n) {
		/* The path's last directory: between the last two separators. */
		while (p > mod->path && p[-1] != '\\' && p[-1] != '/')
			p--;
		for (dir = p > mod->path ? p - 1 : p; dir > mod->path &&
		    dir[-1] != '\\' && dir[-1] != '/'; dir--)
			;
		if (p - dir > 1) {
			snprintf(buf, n, "%.*s%.*s", (int)(p - dir), dir, stem,
			    mod->name);
			return;
		}
	}
	snprintf(buf, n, "%.*s", stem, mod->name);
}

/*
 * A module's export table, as the PE export directory describes it.  The
 * directory, its three arrays and (nearly always) the names lie together
 * in one block, which is read from the target in one go.
 */
struct exports {
	char *blob;		/* the bytes at [lo, hi) of the image */
	uint32_t lo, hi;	/* RVA range of blob */
	uint32_t dir_lo, dir_hi; /* the export data directory; a function
				   RVA inside it is a forwarder string */
	uint32_t base;		/* the first ordinal */
	uint32_t nfuncs, nnames;
	const uint32_t *funcs;	/* RVAs, indexed by ordinal - base */
	const uint32_t *names;	/* RVAs of names, sorted */
	const uint16_t *nameords; /* for each name, its index into funcs */
	struct byaddr { uint32_t rva; uint32_t name; } *sorted; /* for reverse */
	size_t nsorted;
};

static void
exports_free(struct exports *x)
{
	if (x == NULL)
		return;
	free(x->blob);
	free(x->sorted);
	free(x);
}

/* A pointer into the blob for [rva, rva+len), or NULL if it lies outside. */
static const void *
at(const struct exports *x, uint32_t rva, uint32_t len)
{
	if (rva < x->lo || rva > x->hi || len > x->hi - rva)
		return NULL;
	return x->blob + (rva - x->lo);
}

/* The NUL-terminated string at rva, if it lies whole inside the blob. */
static const char *
str_at(const struct exports *x, uint32_t rva)
{
	const char *p = at(x, rva, 1);

	if (p == NULL || memchr(p, '\0', x->hi - rva) == NULL)
		return NULL;
	return p;
}

/*
 * Read mod's export directory from the target.  Returns an empty table
 * (nfuncs 0) for a module without exports or with unreadable headers,
 * NULL only when memory runs out.
 */
static struct exports *
exports_read(HANDLE process, const struct module *mod)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_EXPORT_DIRECTORY dir;
	IMAGE_DATA_DIRECTORY dd;
	struct exports *x;
	DWORD sig;
	WORD magic;
	addr_t nt, opt;
	uint32_t lo, hi, end;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	/* DOS header -> "PE\0\0" -> optional header, PE32 or PE32+. */
	if (!mem_read(process, mod->base, &dos, sizeof(dos)) ||
	    dos.e_magic != IMAGE_DOS_SIGNATURE)
		return x;
	nt = mod->base + (uint32_t)dos.e_lfanew;
	opt = nt + 4 + sizeof(IMAGE_FILE_HEADER);
	if (!mem_read(process, nt, &sig, sizeof(sig)) ||
	    sig != IMAGE_NT_SIGNATURE || !mem_read(process, opt, &magic, 2))
		return x;
	if (magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC)
		opt += offsetof(IMAGE_OPTIONAL_HEADER32, DataDirectory);
	else if (magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC)
		opt += offsetof(IMAGE_OPTIONAL_HEADER64, DataDirectory);
	else
		return x;
	if (!mem_read(process, opt + IMAGE_DIRECTORY_ENTRY_EXPORT * sizeof(dd),
	    &dd, sizeof(dd)) || dd.VirtualAddress == 0 ||
	    dd.Size < sizeof(dir) ||
	    !mem_read(process, mod->base + dd.VirtualAddress, &dir, sizeof(dir)))
		return x;

	/* One block from the directory through the end of its arrays. */
	lo = dd.VirtualAddress;
	hi = dd.VirtualAddress + dd.Size;
#define COVER(rva, bytes) do { \
	if ((rva) != 0) { \
		if ((rva) < lo) lo = (rva); \
		end = (rva) + (bytes); \
		if (end > hi) hi = end; \
	} } while (0)
	COVER(dir.AddressOfFunctions, dir.NumberOfFunctions * 4);
	COVER(dir.AddressOfNames, dir.NumberOfNames * 4);
	COVER(dir.AddressOfNameOrdinals, dir.NumberOfNames * 2);
#undef COVER
	if (hi - lo > 16u << 20 || hi > mod->size)	/* not a real table */
		return x;
	if ((x->blob = malloc(hi - lo + 1)) == NULL) {
		free(x);
		return NULL;
	}
	if (!mem_read(process, mod->base + lo, x->blob, hi - lo)) {
		free(x->blob);
		x->blob = NULL;
		return x;
	}
	x->blob[hi - lo] = '\0';
	x->lo = lo;
	x->hi = hi;
	x->dir_lo = dd.VirtualAddress;
	x->dir_hi = dd.VirtualAddress + dd.Size;
	x->base = dir.Base;
	x->funcs = at(x, dir.AddressOfFunctions, dir.NumberOfFunctions * 4);
	x->names = at(x, dir.AddressOfNames, dir.NumberOfNames * 4);
	x->nameords = at(x, dir.AddressOfNameOrdinals, dir.NumberOfNames * 2);
	if (x->funcs != NULL)
		x->nfuncs = dir.NumberOfFunctions;
	if (x->names != NULL && x->nameords != NULL)
		x->nnames = dir.NumberOfNames;
	return x;
}

static struct exports *
exports_of(struct modules *m, struct module *mod)
{
	if (mod->exports == NULL)
		mod->exports = exports_read(m->process, mod);
	return mod->exports;
}

/* The funcs index of the export called name, or -1. */
static long
find_name(const struct exports *x, const char *name)
{
	uint32_t i;
	const char *s;

	for (i = 0; i < x->nnames; i++)
		if ((s = str_at(x, x->names[i])) != NULL && strcmp(s, name) == 0)
			return x->nameords[i] < x->nfuncs ? x->nameords[i] : -1;
	return -1;
}

static int
by_rva(const void *a, const void *b)
{
	const struct byaddr *x = a, *y = b;

	return x->rva < y->rva ? -1 : x->rva > y->rva;
}

/* The named exports sorted by address, for address-to-name lookups. */
static void
sort_exports(struct exports *x)
{
	uint32_t i, rva;

	if (x->sorted != NULL || x->nnames == 0)
		return;
	if ((x->sorted = calloc(x->nnames, sizeof(*x->sorted))) == NULL)
		return;
	for (i = 0; i < x->nnames; i++) {
		if (x->nameords[i] >= x->nfuncs)
			continue;
		rva = x->funcs[x->nameords[i]];
		if (rva == 0 || (rva >= x->dir_lo && rva < x->dir_hi))
			continue;	/* forwarders have no code here */
		x->sorted[x->nsorted++] = (struct byaddr){ rva, x->names[i] };
	}
	qsort(x->sorted, x->nsorted, sizeof(*x->sorted), by_rva);
}

/* The nearest named export at or below rva, or NULL; *off gets the rest. */
static const char *
nearest(struct exports *x, uint32_t rva, uint32_t *off)
{
	size_t lo = 0, hi;

	sort_exports(x);
	hi = x->nsorted;
	if (hi == 0 || rva < x->sorted[0].rva)
		return NULL;
	while (hi - lo > 1) {		/* sorted[lo].rva <= rva < sorted[hi].rva */
		size_t mid = lo + (hi - lo) / 2;

		if (x->sorted[mid].rva <= rva)
			lo = mid;
		else
			hi = mid;
	}
	*off = rva - x->sorted[lo].rva;
	return str_at(x, x->sorted[lo].name);
}

char *
sym_format(struct modules *m, addr_t a, char *buf, size_t n)
{
	struct module *mod = (struct module *)module_at(m, a);
	struct exports *x;
	const char *name = NULL;
	uint32_t off = 0;
	char label[MAX_PATH];

	if (mod == NULL) {
		snprintf(buf, n, "0x%llx", (unsigned long long)a);
		return buf;
	}
	module_label(m, mod, label, sizeof(label));
	if ((x = exports_of(m, mod)) != NULL)
		name = nearest(x, (uint32_t)(a - mod->base), &off);
	if (name == NULL)
		snprintf(buf, n, "%s+0x%llx", label,
		    (unsigned long long)(a - mod->base));
	else if (off == 0)
		snprintf(buf, n, "%s!%s", label, name);
	else
		snprintf(buf, n, "%s!%s+0x%x", label, name, off);
	return buf;
}

const char *
sym_export_at(struct modules *m, addr_t a)
{
	struct module *mod = (struct module *)module_at(m, a);
	struct exports *x;
	const char *name;
	uint32_t off;

	if (mod == NULL || (x = exports_of(m, mod)) == NULL)
		return NULL;
	name = nearest(x, (uint32_t)(a - mod->base), &off);
	return off == 0 ? name : NULL;
}

/*
 * Resolve module!symbol (or !#ordinal) to an address.  A forwarded export
 * names another module's export ("NTDLL.RtlAllocateHeap"); follow it, at
 * most depth times.  Prints why and returns FALSE when it cannot.
 */
static BOOL
resolve_export(struct modules *m, const char *loc, const char *module,
    const char *symbol, long ordinal, int depth, addr_t *a)
{
	struct module *mod;
	struct exports *x;
	const char *fwd, *dot;
	char fmod[128], fsym[256];
	long idx;
	uint32_t rva;

	if ((mod = (struct module *)module_named(m, module)) == NULL) {
		warnx("%s: no module %s in pid %lu (it may not be loaded yet)",
		    loc, module, GetProcessId(m->process));
		return FALSE;
	}
	if ((x = exports_of(m, mod)) == NULL) {
		warnx("%s: out of memory reading %s's exports", loc, mod->name);
		return FALSE;
	}
	if (symbol != NULL) {
		if ((idx = find_name(x, symbol)) < 0) {
			warnx("%s: %s exports no %s", loc, mod->name, symbol);
			return FALSE;
		}
	} else {
		idx = ordinal - (long)x->base;
		if (idx < 0 || (uint32_t)idx >= x->nfuncs || x->funcs[idx] == 0) {
			warnx("%s: %s has no ordinal %ld (its ordinals are %lu..%lu)",
			    loc, mod->name, ordinal, (unsigned long)x->base,
			    (unsigned long)(x->base + x->nfuncs - 1));
			return FALSE;
		}
	}
	rva = x->funcs[idx];
	if (rva < x->dir_lo || rva >= x->dir_hi) {
		*a = mod->base + rva;
		return TRUE;
	}

	/* A forwarder: "MODULE.Name" or "MODULE.#ordinal". */
	fwd = str_at(x, rva);
	if (fwd == NULL || (dot = strrchr(fwd, '.')) == NULL ||
	    (size_t)(dot - fwd) >= sizeof(fmod) || strlen(dot) >= sizeof(fsym)) {
		warnx("%s: %s has a malformed forwarder", loc, mod->name);
		return FALSE;
	}
	if (depth == 0) {
		warnx("%s: too many forwarders, last %s", loc, fwd);
		return FALSE;
	}
	snprintf(fmod, sizeof(fmod), "%.*s", (int)(dot - fwd), fwd);
	snprintf(fsym, sizeof(fsym), "%s", dot + 1);
	/*
	 * An API set ("api-ms-win-core-...") is a virtual name that the
	 * loader maps through a schema; its usual host is kernelbase.
	 */
	if ((_strnicmp(fmod, "api-ms-", 7) == 0 || _strnicmp(fmod, "ext-ms-", 7) == 0) &&
	    module_named(m, fmod) == NULL)
		snprintf(fmod, sizeof(fmod), "kernelbase");
	if (fsym[0] == '#')
		return resolve_export(m, loc, fmod, NULL, strtol(fsym + 1, NULL, 10),
		    depth - 1, a);
	return resolve_export(m, loc, fmod, fsym, 0, depth - 1, a);
}

/*
 * Add off to a, an address inside mod; FALSE (after printing why) when
 * the sum leaves the module, wrapping around included.
 */
static BOOL
add_offset(const struct module *mod, const char *location, addr_t *a,
    uint64_t off)
{
	if (off >= mod->size - (*a - mod->base)) {
		warnx("%s: the offset leaves %s, which spans 0x%llx..0x%llx",
		    location, mod->name, (unsigned long long)mod->base,
		    (unsigned long long)(mod->base + mod->size - 1));
		return FALSE;
	}
	*a += off;
	return TRUE;
}

BOOL
sym_resolve(struct modules *m, const char *location, addr_t *a)
{
	struct addr_expr e;
	const struct module *mod;
	const char *why;

	location = arg_utf8(location);	/* a module may have any name */
	if ((why = parse_addr_expr(location, &e)) != NULL) {
		warnx("%s: %s", location, why);
		return FALSE;
	}
	if (e.module[0] == '\0') {
		*a = e.offset;
		return TRUE;
	}
	if (e.symbol[0] == '\0') {
		if ((mod = module_named(m, e.module)) == NULL) {
			warnx("%s: no module %s in pid %lu (it may not be "
			    "loaded yet)", location, e.module,
			    GetProcessId(m->process));
			return FALSE;
		}
		*a = mod->base;
		return add_offset(mod, location, a, e.offset);
	}
	if (!resolve_export(m, location, e.module,
	    e.by_ordinal ? NULL : e.symbol, (long)e.ordinal, 8, a))
		return FALSE;
	/* The export's own module: a forwarder may have led to another. */
	if (e.offset == 0 || (mod = module_at(m, *a)) == NULL)
		return TRUE;
	return add_offset(mod, location, a, e.offset);
}

BOOL
sym_each_export(struct modules *m, const struct module *mod,
    BOOL (*fn)(const char *name, addr_t a, void *arg), void *arg)
{
	struct exports *x = exports_of(m, (struct module *)mod);
	const char *name;
	uint32_t i, rva;

	if (x == NULL)
		return FALSE;
	for (i = 0; i < x->nnames; i++) {
		if (x->nameords[i] >= x->nfuncs ||
		    (name = str_at(x, x->names[i])) == NULL)
			continue;
		rva = x->funcs[x->nameords[i]];
		if (rva == 0 || (rva >= x->dir_lo && rva < x->dir_hi))
			continue;	/* a forwarder's code is elsewhere */
		if (!fn(name, mod->base + rva, arg))
			break;
	}
	return TRUE;
}

unsigned
module_ptrsize(HANDLE process, const struct module *mod)
{
	IMAGE_DOS_HEADER dos;
	WORD magic;

	if (!mem_read(process, mod->base, &dos, sizeof(dos)) ||
	    dos.e_magic != IMAGE_DOS_SIGNATURE ||
	    !mem_read(process, mod->base + (uint32_t)dos.e_lfanew + 4 +
	    sizeof(IMAGE_FILE_HEADER), &magic, sizeof(magic)))
		return 0;
	return magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC ? 8 :
	    magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC ? 4 : 0;
}
