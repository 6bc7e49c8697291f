/* out.h: the tools' standard output, written in blocks, shown when someone waits. */
#ifndef DBGKIT_OUT_H
#define DBGKIT_OUT_H

/*
 * Make stdout fully buffered, whatever it is: a console, a pipe or a file.
 * msvcrt leaves a console's stdout unbuffered, and under Wine every write
 * to a console costs a round trip to the console's process, so a tool
 * that prints a line per event would run at the console's pace.  When
 * stdout is a console (a character device), a thread of ours writes to
 * it in blocks while the tool works; the console itself stays the
 * standard output handle, for programs the tool starts.  Call it first
 * thing in main().  Everything is shown on exit(); warn() shows it
 * before each message.
 */
void out_init(void);

/*
 * The tool is about to wait for something that may take long (a debug
 * event, the user's next command): flush now, and return once what it
 * printed is on the screen, so that it shows before the wait, not after.
 * Safe from any thread.
 */
void out_idle(void);

/*
 * The tool is busy printing: flush if the last flush was more than about
 * 100 ms ago, so that a long burst still shows as it goes.
 */
void out_tick(void);

#endif
