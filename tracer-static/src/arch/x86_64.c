/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). x32 is not traced. */
#include "../syscalls.h"

#include <linux/audit.h>

static const struct sysent x86_64[] = {
	{2, "open", &L_path_flags},
	{4, "stat", &L_path},
	{6, "lstat", &L_path_lstat},
	{21, "access", &L_path_flags},
	{59, "execve", &L_execve},
	{78, "getdents", &L_fd},
	{80, "chdir", &L_path},
	{81, "fchdir", &L_fd},
	{82, "rename", &L_rename},
	{83, "mkdir", &L_path},
	{84, "rmdir", &L_path},
	{85, "creat", &L_creat},
	{87, "unlink", &L_path},
	{89, "readlink", &L_path},
	{134, "uselib", &L_path},
	{217, "getdents64", &L_fd},
	{257, "openat", &L_at_flags2},
	{258, "mkdirat", &L_at},
	{262, "newfstatat", &L_at_flags3},
	{263, "unlinkat", &L_at_flags2},
	{264, "renameat", &L_renameat},
	{267, "readlinkat", &L_at},
	{269, "faccessat", &L_at_flags2},
	{316, "renameat2", &L_renameat2},
	{322, "execveat", &L_execveat},
	{332, "statx", &L_at_flags2},
	{437, "openat2", &L_openat2},
	{439, "faccessat2", &L_at_flags2},
};

const struct arch arch_x86_64 = {AUDIT_ARCH_X86_64, 8, ARCH_TABLE(x86_64)};
