#include "filter.h"

#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#define MAX_INSNS 512

/* The low word of an argument (little-endian): flags are ints. */
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(uint64_t))

/*
 * One entry: if the number matches, SECCOMP_RET_TRACE with the table index as data, except for
 * a stat call with AT_EMPTY_PATH (fstat on a descriptor: no lookup, nothing to learn), which is
 * allowed. The false branch skips the entry's body.
 */
static size_t entry(const struct sysent *e, uint32_t index, struct sock_filter *f)
{
	size_t n = 1;
	if (e->layout->fd_flags) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(e->layout->fd_flags - 1));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, AT_EMPTY_PATH, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | index);
	f[0] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, e->nr, 0, (unsigned char)(n - 1));
	return n;
}

/* One block per architecture: it loads the syscall number and tries each entry; the rest is allowed. */
static size_t arch_block(const struct arch *a, struct sock_filter *f)
{
	size_t n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* A body that loads an argument always returns: the number stays loaded for the next entry. */
	for (size_t i = 0; i < a->count; i++)
		n += entry(&a->table[i], (uint32_t)i, f + n);
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
