#ifndef SB_TRACER_H
#define SB_TRACER_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Seizes the freshly forked command. On failure says why ptrace is unavailable and exits: 125,
 * or with unavailable_ok, 0 after logging the reason.
 */
void tracer_attach(pid_t root, bool unavailable_ok);
/* Runs until every descendant is reaped; returns the command's status (128+signal if killed). */
int tracer_run(pid_t root);

#endif
