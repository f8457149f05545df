/* The traced tasks (processes and threads), by tid. */
#ifndef SB_TASKS_H
#define SB_TASKS_H

#include "inject.h"
#include "out.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* CPU time run and waited for, in ns (cosched.h). */
struct sched_use {
	unsigned long long run, delay;
};

struct task {
	struct task *next;
	pid_t pid, tgid, ppid;
	char *exe;
	/* The event begun at the seccomp stop, completed at the syscall-exit stop; empty if none. */
	struct buf pending;
	bool pending_exec;
	bool started; /* its first stop was seen */
	bool announced; /* its spawn was logged; until then it is held stopped */
	bool redump; /* it is in a credential change: make it dumpable at the exit stop */
	bool injecting; /* it runs the injected prctl; its registers are saved here */
	bool view_ok; /* it sees files as the tracer does: outcomes may be derived (derive.h) */
	bool shared_files; /* its fd table may be another task's too (threads, clone) */
	/* Derived calls, and calls that change names, kept apart (tracer.c). */
	bool window; /* resumed after a derived call, not stopped since: the call may not have run yet */
	bool mutating; /* in a call that changes names, from its seccomp stop to its exit stop */
	bool parked; /* such a call, held at its seccomp stop until the windows are closed */
	bool own_affinity; /* its mask is its own: never moved (cosched.h) */
	struct sched_use use; /* at the last window */
	struct saved_regs saved;
	uint64_t held_signals; /* signals that arrived while injecting, sent again after it */
};

struct task *task_get(pid_t pid);
/* A new task with only pid set. */
struct task *task_new(pid_t pid);
void task_free(struct task *t);
/* Moves t to another tid (exec in a non-leader thread takes over the leader's tid). */
void task_rekey(struct task *t, pid_t pid);
/* Calls fn on every task; fn must not free tasks. */
void task_each(void (*fn)(struct task *t, void *arg), void *arg);

#endif
