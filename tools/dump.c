/*
 * dump: a piece of a process's memory in hex and ASCII, as WinDbg's
 * db, dw, dd and dq show it, read from outside: no attach, no stop.
 *
 * Lesson 11.  ReadProcessMemory fails whole when any byte of the range
 * is unreadable, so the range is read page by page: a page that cannot
 * be read shows as ??, and the pages around it still show.  Each page is
 * asked about first (VirtualQueryEx): one that is not committed, has
 * PAGE_NOACCESS, or is a guard page is not read at all.  Touching a
 * guard page would take its guard off, and Wine's ReadProcessMemory
 * reads PAGE_NOACCESS pages that Windows' refuses.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "out.h"
#include "look.h"
#include "mem.h"
#include "sym.h"

#define PAGE		0x1000u
#define LINE		16		/* bytes a line */
#define MAX_LENGTH	(1u << 20)

static const struct option longopts[] = {
	{ "bytes", no_argument, NULL, 'b' },
	{ "words", no_argument, NULL, 'w' },
	{ "dwords", no_argument, NULL, 'd' },
	{ "qwords", no_argument, NULL, 'q' },
	{ "length", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: dump [-b | -w | -d | -q] [-n length] pid | name location\n"
	    "  -b -w -d -q  bytes (the default), 2-, 4- or 8-byte units\n"
	    "  -n           how many bytes (default 128)\n");
	exit(status);
}

/* May the page at a be read, by what VirtualQueryEx says of it? */
static BOOL
readable(HANDLE h, addr_t a)
{
	MEMORY_BASIC_INFORMATION mbi;

	return a <= (addr_t)(uintptr_t)-1 && VirtualQueryEx(h,
	    (LPCVOID)(uintptr_t)a, &mbi, sizeof(mbi)) != 0 &&
	    mbi.State == MEM_COMMIT && (mbi.Protect & 0xff) != PAGE_NOACCESS &&
	    !(mbi.Protect & PAGE_GUARD);
}

/*
 * Read n bytes at a into buf, a page at a time; ok[i] says whether byte
 * i could be read.  Returns how many could.
 */
static size_t
read_pages(HANDLE h, addr_t a, BYTE *buf, BYTE *ok, size_t n)
{
	size_t done = 0, chunk, good = 0;

	while (done < n) {
		chunk = PAGE - (size_t)((a + done) & (PAGE - 1));
		if (chunk > n - done)
			chunk = n - done;
		if (readable(h, a + done) && mem_read(h, a + done, buf + done,
		    chunk)) {
			memset(ok + done, 1, chunk);
			good += chunk;
		} else
			memset(ok + done, 0, chunk);
		done += chunk;
	}
	return good;
}

/* One line: the address, the units in hex, the bytes as ASCII. */
static void
print_line(const struct cpu *cpu, addr_t a, const BYTE *b, const BYTE *ok,
    size_t n, unsigned unit)
{
	size_t i, k;
	uint64_t v;
	int known;

	print_addr(stdout, cpu, a);
	printf(" ");
	for (i = 0; i < LINE; i += unit) {
		/* db puts a dash between the two halves, as WinDbg does. */
		printf("%c", unit == 1 && i == LINE / 2 && i < n ? '-' : ' ');
		if (i >= n) {
			printf("%*s", (int)unit * 2, "");
			continue;
		}
		for (known = 1, v = 0, k = 0; k < unit && i + k < n; k++) {
			known &= ok[i + k];
			v |= (uint64_t)b[i + k] << (8 * k);	/* little-endian */
		}
		if (known && k == unit)
			printf("%0*llx", (int)unit * 2, (unsigned long long)v);
		else
			printf("%.*s", (int)unit * 2, "????????????????");
	}
	printf("  ");
	for (i = 0; i < n; i++)
		putchar(!ok[i] ? '?' : b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.');
	printf("\n");
}

int
main(int argc, char *argv[])
{
	struct target_spec spec;
	const struct cpu *cpu;
	struct modules mods;
	const char *location;
	BYTE *buf, *ok;
	unsigned unit = 1;
	size_t length = 128, i, good;
	addr_t a;
	DWORD pid;
	HANDLE h;
	char **cmd;
	int ch;

	setprogname(argv[0]);
	out_init();
	cmd = cut_command(&argc, argv);
	while ((ch = getopt_long(argc, argv, "+:bdhn:qVw", longopts, NULL)) != -1)
		switch (ch) {
		case 'b': unit = 1; break;
		case 'w': unit = 2; break;
		case 'd': unit = 4; break;
		case 'q': unit = 8; break;
		case 'n':
			length = (size_t)optnumber("-n", optarg, 1, MAX_LENGTH);
			break;
		case 'V':
			version();
		case 'h':
			usage(0);
		default:
			badopt(ch, argv, longopts);
		}
	argc -= optind;
	argv += optind;
	take_target(cmd, &argc, &argv, &spec);
	if (argc < 1)
		errx(EXIT_USAGE, "missing location: an address, module!export "
		    "or module+0xOFFSET (see dump -h)");
	location = argv[0];
	end_operands(argc - 1, argv + 1);

	if ((h = look_open(&spec, &pid, &cpu)) == NULL)
		return EXIT_RUNTIME;
	if (!modules_load(h, &mods) || !sym_resolve(&mods, location, &a))
		return EXIT_RUNTIME;
	length = (length + unit - 1) / unit * unit;	/* whole units */
	if ((buf = malloc(length)) == NULL || (ok = malloc(length)) == NULL)
		errx(EXIT_RUNTIME, "out of memory for %lu bytes",
		    (unsigned long)length);
	good = read_pages(h, a, buf, ok, length);
	/* The location as given, if it was more than a bare address. */
	printf("pid %lu: %lu bytes at 0x%llx", pid, (unsigned long)length,
	    (unsigned long long)a);
	if (strchr(location, '!') != NULL || strchr(location, '+') != NULL ||
	    !(location[0] >= '0' && location[0] <= '9'))
		printf(" (%s)", location);
	if (good < length)
		printf(", %lu of them unreadable (shown as ?\?)",
		    (unsigned long)(length - good));
	printf("\n");
	for (i = 0; i < length; i += LINE)
		print_line(cpu, a + i, buf + i, ok + i, length - i < LINE ?
		    length - i : LINE, unit);
	free(buf);
	free(ok);
	modules_free(&mods);
	CloseHandle(h);
	if (good == 0) {
		warnx("%s: nothing at 0x%llx can be read in pid %lu", location,
		    (unsigned long long)a, pid);
		return EXIT_RUNTIME;
	}
	return 0;
}
