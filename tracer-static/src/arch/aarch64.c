/*
 * aarch64 syscall numbers (include/uapi/asm-generic/unistd.h): only the *at forms exist. The
 * credential calls only mark the task (L_view): no prctl is injected on this architecture.
 */
#include "../syscalls.h"

#include <linux/audit.h>

static const struct sysent aarch64[] = {
	{33, "mknodat", &L_mknodat},
	{34, "mkdirat", &L_mkdirat},
	{35, "unlinkat", &L_unlinkat},
	{36, "symlinkat", &L_symlinkat},
	{37, "linkat", &L_linkat},
	{38, "renameat", &L_renameat},
	{41, "pivot_root", &L_view},
	{48, "faccessat", &L_faccessat},
	{49, "chdir", &L_path},
	{50, "fchdir", &L_fchdir},
	{51, "chroot", &L_view},
	{56, "openat", &L_openat},
	{61, "getdents64", &L_fd},
	{78, "readlinkat", &L_readlinkat},
	{79, "newfstatat", &L_fstatat},
	{91, "capset", &L_view},
	{97, "unshare", &L_view},
	{119, "sched_setscheduler", &L_sched},
	{122, "sched_setaffinity", &L_sched},
	{123, "sched_getaffinity", &L_sched},
	{143, "setregid", &L_view},
	{144, "setgid", &L_view},
	{145, "setreuid", &L_view},
	{146, "setuid", &L_view},
	{147, "setresuid", &L_view},
	{149, "setresgid", &L_view},
	{151, "setfsuid", &L_view},
	{152, "setfsgid", &L_view},
	{159, "setgroups", &L_view},
	{200, "bind", &L_bind},
	{221, "execve", &L_execve},
	{268, "setns", &L_view},
	{274, "sched_setattr", &L_sched},
	{276, "renameat2", &L_renameat2},
	{281, "execveat", &L_execveat},
	{291, "statx", &L_statx},
	{437, "openat2", &L_openat2},
	{439, "faccessat2", &L_faccessat2},
};

const struct arch arch_aarch64 = {AUDIT_ARCH_AARCH64, 8, ARCH_TABLE(aarch64)};
