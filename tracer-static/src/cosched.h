/*
 * Co-scheduling. A ptrace stop is a round trip between a tracee and the tracer; between two
 * CPUs each leg is a cross-CPU wake-up (in a VM, an interrupt and a virtual CPU leaving halt),
 * which costs more than everything done at the stop. While at most one traced task keeps a CPU
 * busy, the tracer and its tracees share one CPU, so that a stop is two context switches. When
 * two tasks are busy, or the shared CPU is contended, every task gets its own mask back.
 *
 * A task that asks for its affinity or another task's (sched_getaffinity, which nproc and runtimes
 * use to count CPUs), sets it, changes its scheduling policy, ids, root or namespaces gets its mask
 * back first (and so does the task it names) and is never moved again, nor are the children it
 * makes: what a program learns of its CPUs is what it learns untraced.
 */
#ifndef SB_COSCHED_H
#define SB_COSCHED_H

#include "tasks.h"

/* Starts with the tracer and the root task on the tracer's CPU (nothing with a single CPU allowed). */
void cosched_start(void);
/* Gives t its mask back for good. */
void cosched_release(struct task *t);
/* A task being announced: released with its creator, else given the current mode's mask.
 * creator is NULL when unknown (it died before reporting the fork). */
void cosched_spawned(const struct task *creator, struct task *child);
/* On the watchdog's tick: measures the last window's CPU use, when one has passed, and pins or spreads accordingly. */
void cosched_poll(void);

#endif
