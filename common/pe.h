/* pe.h: a module's PE headers, sections and data directories, read from the target. */
#ifndef DBGKIT_PE_H
#define DBGKIT_PE_H

#include <windows.h>
#include <stdint.h>

#include "cpu.h"

/* The most sections a PE image may have (the loader refuses more). */
#define PE_MAX_SECTIONS	96

/*
 * What the headers of one mapped image say, read from the target's
 * memory: the loader maps the headers at the image's base, so no file is
 * needed.  All addresses in a PE are RVAs: offsets from that base.
 */
struct pe {
	addr_t base;		/* where the image is mapped in the target */
	int pe64;		/* PE32+ (64-bit) rather than PE32 */
	WORD machine;		/* IMAGE_FILE_MACHINE_I386, _AMD64 */
	DWORD timestamp;	/* the link time, seconds since 1970 */
	DWORD entry;		/* AddressOfEntryPoint (RVA), 0 if none */
	DWORD image_size;	/* SizeOfImage */
	DWORD headers_size;	/* SizeOfHeaders */
	uint64_t image_base;	/* ImageBase: the base it was linked for */
	DWORD ndirs;
	IMAGE_DATA_DIRECTORY dir[IMAGE_NUMBEROF_DIRECTORY_ENTRIES];
	unsigned nsections;
	IMAGE_SECTION_HEADER sec[PE_MAX_SECTIONS];
	/*
	 * Each section's name.  A name of up to 8 characters is in its
	 * header; a longer one (".eh_frame") is "/4" there, an offset into
	 * the COFF string table, which lies in the file, outside every
	 * section, and so is never mapped.  pe_long_names() fills them in.
	 */
	char name[PE_MAX_SECTIONS][32];
};

/*
 * Read the DOS header, the NT headers and the section table of the image
 * mapped at base in process into *pe.  FALSE, with the last error set
 * (ERROR_BAD_EXE_FORMAT for headers that make no sense), if they cannot
 * be read.  Prints nothing.
 */
BOOL pe_read(HANDLE process, addr_t base, struct pe *pe);

/*
 * Open the file the image pe was mapped from, given the path the module
 * list names: a file whose headers have the same machine, link time and
 * SizeOfImage.  A 64-bit tool is told the System32 path of a WOW64
 * process's 32-bit DLLs, which are in SysWOW64: that twin is tried too.
 * The path used goes to used (n bytes).  INVALID_HANDLE_VALUE if there
 * is no such file.
 */
HANDLE pe_file_open(const struct pe *pe, const char *path, char *used,
    size_t n);

/*
 * Replace the "/N" names in pe->name with the long names they stand for,
 * read from the COFF string table of the image's file (pe_file_open() on
 * path).  Where the file cannot be found or read, the "/N" names stay.
 * Returns how many were replaced.
 */
unsigned pe_long_names(struct pe *pe, const char *path);

/* One byte of code that differs between an image and its file. */
struct pe_diff {
	DWORD rva;
	BYTE file, memory;
};

/*
 * Compare the code sections of the image pe with its file (pe_file_open()
 * on path), the file's bytes laid out as the loader maps them and
 * relocated to the image's base.  Returns how many bytes differ, the
 * first max of them in diffs; -1 (last error set) if the file cannot be
 * found or read, or the memory cannot be read.
 */
long pe_compare_code(HANDLE process, const struct pe *pe, const char *path,
    struct pe_diff *diffs, size_t max);

/* A section's size in memory: VirtualSize, or SizeOfRawData if that is 0. */
DWORD pe_section_size(const IMAGE_SECTION_HEADER *s);

/*
 * Data directory i (IMAGE_DIRECTORY_ENTRY_EXCEPTION, ...): its RVA and
 * size in *rva and *size.  FALSE if the image has none.
 */
BOOL pe_dir(const struct pe *pe, unsigned i, DWORD *rva, DWORD *size);

#endif
