/*
 * Making a tracee dumpable again after it changed credentials. A set*id call that changes the
 * effective or filesystem ids makes the process non-dumpable; from then on, without
 * CAP_SYS_PTRACE, the tracer can no longer read its memory. At the call's exit stop the tracer
 * has the tracee run prctl(PR_SET_DUMPABLE, 1): registers saved, the syscall set up and the
 * instruction pointer moved back over the syscall instruction (as the kernel does to restart a
 * call), run to its exit stop, registers restored.
 */
#ifndef SB_INJECT_H
#define SB_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(__x86_64__)
#include <sys/user.h>
struct saved_regs {
	struct user_regs_struct regs;
};
#else
struct saved_regs {
	char unused;
};
#endif

/* At a syscall-exit stop of a tracee of architecture `audit`: sets up the call. false if not done. */
bool inject_start(pid_t pid, uint32_t audit, struct saved_regs *saved);
/* At the injected call's exit stop: puts the registers back. */
void inject_finish(pid_t pid, const struct saved_regs *saved);

#endif
