/*
 * fuzz.h: what the fuzz harnesses share.  Each harness is one
 * LLVMFuzzerTestOneInput() over one parser; libFuzzer calls it with
 * arbitrary bytes (make fuzz), replay.c with the files it is given
 * (tests/fuzz.t, in make check).
 */
#ifndef DBGKIT_FUZZ_H
#define DBGKIT_FUZZ_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The parsers report bad usage with errx(EXIT_USAGE, ...), which exits.
 * Here errx() stores its status and message and longjmps to fuzz_exit
 * instead, so a usage error is an ordinary outcome.  A harness sets
 * fuzz_armed before it calls a parser that may exit:
 *
 *	fuzz_armed = 1;
 *	if (setjmp(fuzz_exit) == 0) {
 *		v = optnumber(...);	(returned)
 *	} else {
 *		...			(exited: fuzz_status, fuzz_msg)
 *	}
 *	fuzz_armed = 0;
 *
 * An errx() while fuzz_armed is 0 is a failed check.
 */
extern jmp_buf fuzz_exit;
extern int fuzz_armed;
extern int fuzz_status;
extern char fuzz_msg[512];

/* The file replay.c is running, for failure messages; NULL under libFuzzer. */
extern const char *fuzz_input;

/* A check that aborts, so that libFuzzer keeps the input as a crash. */
#define CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))
void fuzz_fail(const char *what, const char *file, int line)
    __attribute__((noreturn));

/* A NUL-terminated copy of data in a buffer of exactly n + 1 bytes. */
char *fuzz_string(const uint8_t *data, size_t n);

/*
 * The number rule told another way, for comparing: 1 when s is all
 * decimal digits, or "0x"/"0X" and all hex digits, with its value in *v;
 * 0 when it is not a number; -1 when it is one but exceeds 64 bits.
 */
int fuzz_number(const char *s, uint64_t *v);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

#endif
