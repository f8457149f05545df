/* aarch64 syscall numbers (include/uapi/asm-generic/unistd.h): only the *at forms exist. */
#include "../syscalls.h"

#include <linux/audit.h>

static const struct sysent aarch64[] = {
	{33, "mknodat", &L_mknodat},
	{34, "mkdirat", &L_at},
	{35, "unlinkat", &L_at_flags2},
	{36, "symlinkat", &L_symlinkat},
	{37, "linkat", &L_linkat},
	{38, "renameat", &L_renameat},
	{48, "faccessat", &L_at_flags2},
	{49, "chdir", &L_path},
	{50, "fchdir", &L_fd},
	{56, "openat", &L_at_flags2},
	{61, "getdents64", &L_fd},
	{78, "readlinkat", &L_at},
	{79, "newfstatat", &L_at_flags3},
	{200, "bind", &L_bind},
	{221, "execve", &L_execve},
	{276, "renameat2", &L_renameat2},
	{281, "execveat", &L_execveat},
	{291, "statx", &L_at_flags2},
	{437, "openat2", &L_openat2},
	{439, "faccessat2", &L_at_flags2},
};

const struct arch arch_aarch64 = {AUDIT_ARCH_AARCH64, 8, ARCH_TABLE(aarch64)};
