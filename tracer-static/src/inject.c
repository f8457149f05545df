#include "inject.h"

#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>

#if defined(__x86_64__)

#define NR_PRCTL_X86_64 157
#define NR_PRCTL_I386 172
/* syscall (0f 05), int $0x80 (cd 80); sysenter returns past an int $0x80 in the vDSO. */
#define SYSCALL_INSN_LEN 2

bool inject_start(pid_t pid, uint32_t audit, struct saved_regs *saved)
{
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
		return false;
	saved->regs = r;
	if (audit == AUDIT_ARCH_I386) {
		r.rax = NR_PRCTL_I386;
		r.rbx = PR_SET_DUMPABLE;
		r.rcx = 1;
	} else if (audit == AUDIT_ARCH_X86_64) {
		r.rax = NR_PRCTL_X86_64;
		r.rdi = PR_SET_DUMPABLE;
		r.rsi = 1;
	} else {
		return false;
	}
	r.rip -= SYSCALL_INSN_LEN;
	return ptrace(PTRACE_SETREGS, pid, 0, &r) == 0;
}

void inject_finish(pid_t pid, const struct saved_regs *saved)
{
	ptrace(PTRACE_SETREGS, pid, 0, &saved->regs);
}

#else

/* No credential call is stopped on here (src/arch/aarch64.c). */
bool inject_start(pid_t pid, uint32_t audit, struct saved_regs *saved)
{
	(void)pid, (void)audit, (void)saved;
	return false;
}

void inject_finish(pid_t pid, const struct saved_regs *saved)
{
	(void)pid, (void)saved;
}

#endif
