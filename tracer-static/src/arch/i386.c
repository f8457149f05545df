/* i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl), for 32-bit tracees. */
#include "../syscalls.h"

#include <linux/audit.h>

static const struct sysent i386[] = {
	{5, "open", &L_path_flags},
	{8, "creat", &L_creat},
	{10, "unlink", &L_path},
	{11, "execve", &L_execve},
	{12, "chdir", &L_path},
	{18, "oldstat", &L_path},
	{33, "access", &L_path_flags},
	{38, "rename", &L_rename},
	{39, "mkdir", &L_path},
	{40, "rmdir", &L_path},
	{84, "oldlstat", &L_path_lstat},
	{85, "readlink", &L_path},
	{86, "uselib", &L_path},
	{106, "stat", &L_path},
	{107, "lstat", &L_path_lstat},
	{133, "fchdir", &L_fd},
	{141, "getdents", &L_fd},
	{195, "stat64", &L_path},
	{196, "lstat64", &L_path_lstat},
	{220, "getdents64", &L_fd},
	{295, "openat", &L_at_flags2},
	{296, "mkdirat", &L_at},
	{300, "fstatat64", &L_at_flags3},
	{301, "unlinkat", &L_at_flags2},
	{302, "renameat", &L_renameat},
	{305, "readlinkat", &L_at},
	{307, "faccessat", &L_at_flags2},
	{353, "renameat2", &L_renameat2},
	{358, "execveat", &L_execveat},
	{383, "statx", &L_at_flags2},
	{437, "openat2", &L_openat2},
	{439, "faccessat2", &L_at_flags2},
};

const struct arch arch_i386 = {AUDIT_ARCH_I386, 4, ARCH_TABLE(i386)};
