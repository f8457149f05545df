/*
 * --stderr-tail FILE: the command's stderr goes through a pipe that a thread of the tracer copies
 * to the tracer's own stderr, keeping the last TAIL_BYTES; they are written to FILE at the end.
 * A caller that reports the command's failure later (the frontend) can then quote its error.
 */
#ifndef SB_TAIL_H
#define SB_TAIL_H

#define TAIL_BYTES 2048

/* Before the fork: starts the copier. */
void tail_start(void);
/* The pipe's write end, for the command's stderr (or -1 without --stderr-tail). */
int tail_fd(void);
/* After the fork: the tracer's copy of the write end is closed, so the copier sees the end. */
void tail_spawned(void);
/* After every process has ended: waits for the copier and writes the tail to file. */
void tail_finish(const char *file);

#endif
