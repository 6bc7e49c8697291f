/* out.h: the tools' standard output, written in blocks, shown when someone waits. */
#ifndef DBGKIT_OUT_H
#define DBGKIT_OUT_H

/*
 * Make stdout fully buffered, whatever it is: a console, a pipe or a file.
 * msvcrt leaves a console's stdout unbuffered, and under Wine every write
 * to a console costs milliseconds, so a tool that prints a line per event
 * would run at the console's pace.  Call it first thing in main().  stdio
 * flushes the buffer on exit(); warn() flushes it before each message.
 */
void out_init(void);

/*
 * The tool is about to wait for something that may take long (a debug
 * event, the user's next command): flush now, so that what it printed
 * shows before the wait, not after.
 */
void out_idle(void);

/*
 * The tool is busy printing: flush if the last flush was more than about
 * 100 ms ago, so that a long burst still shows as it goes.
 */
void out_tick(void);

#endif
