/*
 * Co-scheduling. A ptrace stop is a round trip between a tracee and the tracer; between two
 * CPUs each leg is a cross-CPU wake-up (in a VM, an interrupt and a virtual CPU leaving halt),
 * which costs more than everything done at the stop. While at most one traced task keeps a CPU
 * busy, the tracer and its tracees share one CPU, so that a stop is two context switches. When
 * two tasks are busy, or the shared CPU is contended, every task gets its own mask back.
 *
 * A task that asks for its affinity (sched_getaffinity, which nproc and runtimes use to count
 * CPUs) or sets it, or changes its ids, gets its mask back first and is never moved again, nor
 * are the children it makes: what a program sees of its CPUs is what it sees untraced.
 */
#ifndef SB_COSCHED_H
#define SB_COSCHED_H

#include "tasks.h"

/* Starts with the tracer and root on the tracer's CPU (nothing with a single CPU allowed). */
void cosched_start(struct task *root);
/* Gives t its mask back for good. */
void cosched_release(struct task *t);
/* A new task: its mask follows the current mode, or its creator's if that one was released. */
void cosched_spawned(const struct task *creator, struct task *child);
/* Measures the last window's CPU use, when one has passed, and pins or spreads accordingly. */
void cosched_poll(void);

#endif
