/* pe.c: PE headers read from a mapped image, and long section names from its file. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The file at path, if it holds the image pe describes. */
static HANDLE
open_same(const struct pe *pe, const char *path)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_FILE_HEADER fh;
	DWORD sig, size;
	HANDLE f;

	f = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, NULL, OPEN_EXISTING, 0, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return f;
	/* SizeOfImage lies at the same offset in PE32 and PE32+. */
	if (file_read(f, 0, &dos, sizeof(dos)) &&
	    file_read(f, (DWORD)dos.e_lfanew, &sig, 4) &&
	    file_read(f, (DWORD)dos.e_lfanew + 4, &fh, sizeof(fh)) &&
	    file_read(f, (DWORD)dos.e_lfanew + 4 + sizeof(fh) +
	    offsetof(IMAGE_OPTIONAL_HEADER32, SizeOfImage), &size, 4) &&
	    sig == IMAGE_NT_SIGNATURE && fh.Machine == pe->machine &&
	    fh.TimeDateStamp == pe->timestamp && size == pe->image_size)
		return f;
	CloseHandle(f);
	return INVALID_HANDLE_VALUE;
}

HANDLE
pe_file_open(const struct pe *pe, const char *path, char *used, size_t n)
{
	char twin[MAX_PATH];
	const char *sys;
	HANDLE f;
	size_t at;

	snprintf(used, n, "%s", path);
	if ((f = open_same(pe, path)) != INVALID_HANDLE_VALUE)
		return f;
	for (sys = path; *sys != '\0'; sys++)
		if (_strnicmp(sys, "\\system32\\", 10) == 0)
			break;
	if (*sys == '\0')
		return INVALID_HANDLE_VALUE;
	at = (size_t)(sys - path);
	snprintf(twin, sizeof(twin), "%.*s\\SysWOW64\\%s", (int)at, path,
	    sys + 10);
	if ((f = open_same(pe, twin)) != INVALID_HANDLE_VALUE)
		snprintf(used, n, "%s", twin);
	return f;
}

unsigned
pe_long_names(struct pe *pe, const char *path)
{
	IMAGE_DOS_HEADER dos;
	IMAGE_FILE_HEADER fh;
	char name[sizeof(pe->name[0])], used[MAX_PATH];
	DWORD strtab, strsize, off;
	unsigned i, done = 0;
	HANDLE f;

	if ((f = pe_file_open(pe, path, used, sizeof(used))) ==
	    INVALID_HANDLE_VALUE)
		return 0;
	if (!file_read(f, 0, &dos, sizeof(dos)) ||
	    !file_read(f, (DWORD)dos.e_lfanew + 4, &fh, sizeof(fh)) ||
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

/*
 * The file read whole and laid out as the loader maps it: the headers,
 * then each section's raw data at its RVA, zero-filled to its size.
 * NULL (last error set) on failure; the caller frees it.
 */
static BYTE *
map_file(const struct pe *pe, HANDLE f)
{
	const IMAGE_SECTION_HEADER *s;
	BYTE *img;
	DWORD size = GetFileSize(f, NULL), n;
	unsigned i;

	if (size == INVALID_FILE_SIZE || pe->image_size > (256u << 20) ||
	    (img = calloc(1, pe->image_size)) == NULL) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return NULL;
	}
	n = pe->headers_size < pe->image_size ? pe->headers_size : pe->image_size;
	if (!file_read(f, 0, img, n < size ? n : size))
		goto fail;
	for (i = 0; i < pe->nsections; i++) {
		s = &pe->sec[i];
		n = s->SizeOfRawData < pe_section_size(s) ? s->SizeOfRawData :
		    pe_section_size(s);
		if (s->VirtualAddress > pe->image_size ||
		    n > pe->image_size - s->VirtualAddress)
			goto bad;
		if (n > 0 && !file_read(f, s->PointerToRawData,
		    img + s->VirtualAddress, n))
			goto fail;
	}
	return img;
bad:
	SetLastError(ERROR_BAD_EXE_FORMAT);
fail:
	free(img);
	return NULL;
}

/*
 * The image is mapped delta bytes away from the base it was linked for:
 * add delta wherever the base relocations say an address is stored.
 */
static BOOL
relocate(const struct pe *pe, BYTE *img, uint64_t delta)
{
	IMAGE_BASE_RELOCATION blk;
	DWORD at, end, i, rva;
	uint64_t v;
	WORD e;

	if (delta == 0 || !pe_dir(pe, IMAGE_DIRECTORY_ENTRY_BASERELOC, &at, &end))
		return TRUE;
	end += at;
	/* Blocks of one page each: its RVA, then 16-bit entries. */
	for (; at + sizeof(blk) <= end && end <= pe->image_size;
	    at += blk.SizeOfBlock) {
		memcpy(&blk, img + at, sizeof(blk));
		if (blk.SizeOfBlock < sizeof(blk) || blk.SizeOfBlock > end - at)
			break;
		for (i = sizeof(blk); i + 2 <= blk.SizeOfBlock; i += 2) {
			memcpy(&e, img + at + i, 2);
			rva = blk.VirtualAddress + (e & 0xfff);	/* type: e >> 12 */
			if (e >> 12 == IMAGE_REL_BASED_ABSOLUTE)
				continue;		/* padding */
			if (e >> 12 == IMAGE_REL_BASED_HIGHLOW && rva + 4 <= pe->image_size) {
				memcpy(&v, img + rva, 4);
				v += delta;
				memcpy(img + rva, &v, 4);
			} else if (e >> 12 == IMAGE_REL_BASED_DIR64 &&
			    rva + 8 <= pe->image_size) {
				memcpy(&v, img + rva, 8);
				v += delta;
				memcpy(img + rva, &v, 8);
			} else {
				SetLastError(ERROR_BAD_EXE_FORMAT);
				return FALSE;
			}
		}
	}
	return TRUE;
}

long
pe_compare_code(HANDLE process, const struct pe *pe, const char *path,
    struct pe_diff *diffs, size_t max)
{
	const IMAGE_SECTION_HEADER *s;
	BYTE *img, *mem = NULL;
	char used[MAX_PATH];
	DWORD size, k;
	long found = -1;
	unsigned i;
	HANDLE f;

	if ((f = pe_file_open(pe, path, used, sizeof(used))) ==
	    INVALID_HANDLE_VALUE) {
		SetLastError(ERROR_FILE_NOT_FOUND);
		return -1;
	}
	img = map_file(pe, f);
	CloseHandle(f);
	if (img == NULL || !relocate(pe, img, pe->base - pe->image_base))
		goto out;
	if ((mem = malloc(pe->image_size)) == NULL) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		goto out;
	}
	for (found = 0, i = 0; i < pe->nsections; i++) {
		s = &pe->sec[i];
		if (!(s->Characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE)))
			continue;
		size = pe_section_size(s);
		if (size > pe->image_size - s->VirtualAddress)
			size = pe->image_size - s->VirtualAddress;
		if (!mem_read(process, pe->base + s->VirtualAddress, mem, size)) {
			found = -1;
			goto out;
		}
		for (k = 0; k < size; k++)
			if (mem[k] != img[s->VirtualAddress + k]) {
				if ((size_t)found < max)
					diffs[found] = (struct pe_diff){
					    s->VirtualAddress + k,
					    img[s->VirtualAddress + k], mem[k] };
				found++;
			}
	}
out:
	free(img);
	free(mem);
	return found;
}
