/* pe.c: PE headers read from a mapped image, and long section names from its file. */
#include <stdio.h>
#include <string.h>

#include "mem.h"
#include "pe.h"

/* IMAGE_FILE_HEADER.PointerToSymbolTable counts 18-byte COFF symbols. */
#define COFF_SYMBOL_SIZE	18

static BOOL
bad_format(void)
{
	SetLastError(ERROR_BAD_EXE_FORMAT);
	return FALSE;
}

BOOL
pe_read(HANDLE process, addr_t base, struct pe *pe)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_FILE_HEADER fh;
	union {
		IMAGE_OPTIONAL_HEADER32 h32;
		IMAGE_OPTIONAL_HEADER64 h64;
	} oh;
	addr_t nt;
	DWORD sig;
	unsigned i;

	memset(pe, 0, sizeof(*pe));
	pe->base = base;
	/* "MZ" at the base; e_lfanew says where "PE\0\0" is. */
	if (!mem_read(process, base, &dos, sizeof(dos)))
		return FALSE;
	if (dos.e_magic != IMAGE_DOS_SIGNATURE || dos.e_lfanew <= 0 ||
	    dos.e_lfanew > 0x10000)
		return bad_format();
	nt = base + (DWORD)dos.e_lfanew;
	if (!mem_read(process, nt, &sig, sizeof(sig)) ||
	    !mem_read(process, nt + 4, &fh, sizeof(fh)))
		return FALSE;
	if (sig != IMAGE_NT_SIGNATURE || fh.NumberOfSections > PE_MAX_SECTIONS ||
	    fh.SizeOfOptionalHeader > sizeof(oh) ||
	    fh.SizeOfOptionalHeader < offsetof(IMAGE_OPTIONAL_HEADER32,
	    DataDirectory))
		return bad_format();
	memset(&oh, 0, sizeof(oh));
	if (!mem_read(process, nt + 4 + sizeof(fh), &oh, fh.SizeOfOptionalHeader))
		return FALSE;
	pe->machine = fh.Machine;
	pe->timestamp = fh.TimeDateStamp;

	/* PE32 and PE32+ differ in ImageBase's width, and so in what follows. */
	if (oh.h32.Magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC) {
		pe->image_base = oh.h32.ImageBase;
		pe->entry = oh.h32.AddressOfEntryPoint;
		pe->image_size = oh.h32.SizeOfImage;
		pe->headers_size = oh.h32.SizeOfHeaders;
		pe->ndirs = oh.h32.NumberOfRvaAndSizes;
		memcpy(pe->dir, oh.h32.DataDirectory, sizeof(pe->dir));
	} else if (oh.h64.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC) {
		pe->pe64 = 1;
		pe->image_base = oh.h64.ImageBase;
		pe->entry = oh.h64.AddressOfEntryPoint;
		pe->image_size = oh.h64.SizeOfImage;
		pe->headers_size = oh.h64.SizeOfHeaders;
		pe->ndirs = oh.h64.NumberOfRvaAndSizes;
		memcpy(pe->dir, oh.h64.DataDirectory, sizeof(pe->dir));
	} else
		return bad_format();
	if (pe->ndirs > IMAGE_NUMBEROF_DIRECTORY_ENTRIES)
		pe->ndirs = IMAGE_NUMBEROF_DIRECTORY_ENTRIES;

	/* The section table follows the optional header. */
	pe->nsections = fh.NumberOfSections;
	if (!mem_read(process, nt + 4 + sizeof(fh) + fh.SizeOfOptionalHeader,
	    pe->sec, pe->nsections * sizeof(pe->sec[0])))
		return FALSE;
	for (i = 0; i < pe->nsections; i++)	/* 8 bytes, NUL only if shorter */
		snprintf(pe->name[i], sizeof(pe->name[i]), "%.8s",
		    (const char *)pe->sec[i].Name);
	return TRUE;
}

/* Read n bytes at offset off of file f into buf; TRUE if all came. */
static BOOL
file_read(HANDLE f, DWORD off, void *buf, DWORD n)
{
	DWORD got;

	return SetFilePointer(f, (LONG)off, NULL, FILE_BEGIN) !=
	    INVALID_SET_FILE_POINTER && ReadFile(f, buf, n, &got, NULL) &&
	    got == n;
}

unsigned
pe_long_names(struct pe *pe, const char *path)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_FILE_HEADER fh;
	char name[sizeof(pe->name[0])];
	DWORD strtab, strsize, off, sig;
	unsigned i, done = 0;
	HANDLE f;

	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return 0;
	/* The same image?  Its link time says so. */
	if (!file_read(f, 0, &dos, sizeof(dos)) ||
	    !file_read(f, (DWORD)dos.e_lfanew, &sig, 4) ||
	    !file_read(f, (DWORD)dos.e_lfanew + 4, &fh, sizeof(fh)) ||
	    sig != IMAGE_NT_SIGNATURE || fh.TimeDateStamp != pe->timestamp ||
	    fh.PointerToSymbolTable == 0)
		goto out;
	/* The string table follows the symbols; it starts with its size. */
	strtab = fh.PointerToSymbolTable + fh.NumberOfSymbols * COFF_SYMBOL_SIZE;
	if (!file_read(f, strtab, &strsize, 4))
		goto out;
	for (i = 0; i < pe->nsections; i++) {
		if (pe->name[i][0] != '/' || sscanf(pe->name[i] + 1, "%lu",
		    &off) != 1 || off < 4 || off >= strsize)
			continue;
		memset(name, 0, sizeof(name));
		if (!file_read(f, strtab + off, name, sizeof(name) - 1) &&
		    !file_read(f, strtab + off, name, strsize - off))
			continue;
		name[sizeof(name) - 1] = '\0';
		memcpy(pe->name[i], name, sizeof(name));
		done++;
	}
out:
	CloseHandle(f);
	return done;
}

DWORD
pe_section_size(const IMAGE_SECTION_HEADER *s)
{
	return s->Misc.VirtualSize != 0 ? s->Misc.VirtualSize : s->SizeOfRawData;
}

const IMAGE_SECTION_HEADER *
pe_section_at(const struct pe *pe, DWORD rva)
{
	unsigned i;

	for (i = 0; i < pe->nsections; i++)
		if (rva - pe->sec[i].VirtualAddress < pe_section_size(&pe->sec[i]))
			return &pe->sec[i];
	return NULL;
}

const IMAGE_SECTION_HEADER *
pe_section_named(const struct pe *pe, const char *name)
{
	unsigned i;

	for (i = 0; i < pe->nsections; i++)
		if (strcmp(pe->name[i], name) == 0)
			return &pe->sec[i];
	return NULL;
}

BOOL
pe_dir(const struct pe *pe, unsigned i, DWORD *rva, DWORD *size)
{
	if (i >= pe->ndirs || pe->dir[i].VirtualAddress == 0 ||
	    pe->dir[i].Size == 0)
		return FALSE;
	*rva = pe->dir[i].VirtualAddress;
	*size = pe->dir[i].Size;
	return TRUE;
}
