#include "syscalls.h"

#include <fcntl.h>

#define MUTATES .mutates = true

/* chdir, mkdir, rmdir, unlink, uselib. */
const struct layout L_path = {PATH(0), MUTATES};
const struct layout L_stat = {PATH(0), .derive = D_STAT};
const struct layout L_lstat = {PATH(0), .fixed_flags = AT_SYMLINK_NOFOLLOW, .derive = D_STAT};
const struct layout L_fstatat = {DIRFD(0), PATH(1), FLAGS(3), FD_FLAGS(3), .derive = D_STAT};
const struct layout L_statx = {DIRFD(0), PATH(1), FLAGS(2), FD_FLAGS(2), EXTRA(3), .derive = D_STAT};
const struct layout L_access = {PATH(0), FLAGS(1), .derive = D_ACCESS};
const struct layout L_faccessat = {DIRFD(0), PATH(1), FLAGS(2), .derive = D_ACCESS};
const struct layout L_faccessat2 = {DIRFD(0), PATH(1), FLAGS(2), EXTRA(3), .derive = D_ACCESS};
const struct layout L_readlink = {PATH(0), EXTRA(2), .derive = D_READLINK};
const struct layout L_readlinkat = {DIRFD(0), PATH(1), EXTRA(3), .derive = D_READLINK};
/* Opens with O_CREAT mutate; the flags decide (derive.c). */
const struct layout L_open = {PATH(0), FLAGS(1), .derive = D_OPEN};
const struct layout L_openat = {DIRFD(0), PATH(1), FLAGS(2), .derive = D_OPEN};
const struct layout L_openat2 = {DIRFD(0), PATH(1), FLAGS(2), EXTRA(3), .flags_in_how = true, .derive = D_OPEN};
const struct layout L_creat = {PATH(0), .fixed_flags = O_CREAT | O_WRONLY | O_TRUNC, MUTATES};
/* getdents64: no path, the fd names the file. */
const struct layout L_fd = {DIRFD(0)};
const struct layout L_fchdir = {DIRFD(0), MUTATES};
const struct layout L_mkdirat = {DIRFD(0), PATH(1), MUTATES};
const struct layout L_unlinkat = {DIRFD(0), PATH(1), FLAGS(2), MUTATES};
const struct layout L_execve = {PATH(0), ARGV(1), .derive = D_EXEC};
const struct layout L_execveat = {DIRFD(0), PATH(1), ARGV(2), FLAGS(4)};
const struct layout L_rename = {PATH(0), PATH2(1), MUTATES};
const struct layout L_renameat = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3), MUTATES};
const struct layout L_renameat2 = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3), FLAGS(4), MUTATES};

const struct layout L_link = {PATH(0), PATH2(1), MUTATES};
const struct layout L_linkat = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3), FLAGS(4), MUTATES};
const struct layout L_symlink = {TARGET(0), PATH(1), MUTATES};
const struct layout L_symlinkat = {TARGET(0), DIRFD(1), PATH(2), MUTATES};
const struct layout L_mknod = {PATH(0), MODE(1), MUTATES};
const struct layout L_mknodat = {DIRFD(0), PATH(1), MODE(2), MUTATES};
const struct layout L_bind = {SOCKADDR(1), MUTATES};
/* Set*id: made dumpable again at the exit stop (inject.h). */
const struct layout L_creds = {.creds = true};
/* Other calls that change the ids, capabilities, root or namespaces lookups run with. */
const struct layout L_view = {.view = true};
/* sched_getaffinity, sched_setaffinity, sched_setscheduler, sched_setattr: the pid is the first argument. */
const struct layout L_sched = {.sched = true};

const struct arch *arch_find(uint32_t audit)
{
	for (const struct arch *const *a = arches; *a; a++)
		if ((*a)->audit == audit)
			return *a;
	return 0;
}
