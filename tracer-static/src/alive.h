/*
 * A sign of life for long runs: every ALIVE_EVERY_S seconds, one line on stderr saying how long
 * the command has run and how many events the log holds, so that a build's progress shows that a
 * slow trace is working rather than hung.
 */
#ifndef SB_ALIVE_H
#define SB_ALIVE_H

#define ALIVE_EVERY_S 10

/* When the command starts. */
void alive_start(long now_ms);
/* On each watchdog tick: prints the line when the next interval has passed. */
void alive_tick(long now_ms);

#endif
