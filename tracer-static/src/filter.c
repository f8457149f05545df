#include "filter.h"

#include "syscalls.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#define MAX_INSNS 512

/*
 * One block per architecture: it loads the syscall number and compares it with each traced
 * number, returning SECCOMP_RET_TRACE with the table index as data. Everything else is allowed.
 */
static size_t arch_block(const struct arch *a, struct sock_filter *f)
{
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < a->count; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->table[i].nr, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | (uint32_t)i);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return n;
}

int install_filter(void)
{
	struct sock_filter f[MAX_INSNS];
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	for (const struct arch *const *a = arches; *a; a++) {
		size_t jeq = n++;
		size_t len = arch_block(*a, f + n);
		/* A conditional jump reaches at most 255 instructions ahead. */
		if (len > 255) {
			errno = E2BIG;
			return -1;
		}
		f[jeq] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (*a)->audit, 0, (unsigned char)len);
		n += len;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
