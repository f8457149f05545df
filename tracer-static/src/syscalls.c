#include "syscalls.h"

#include <fcntl.h>

const struct layout L_path = {PATH(0)};
const struct layout L_path_flags = {PATH(0), FLAGS(1)};
const struct layout L_path_lstat = {PATH(0), .fixed_flags = AT_SYMLINK_NOFOLLOW};
const struct layout L_creat = {PATH(0), .fixed_flags = O_CREAT | O_WRONLY | O_TRUNC};
/* fchdir, getdents64: no path, the fd names the file. */
const struct layout L_fd = {DIRFD(0)};
const struct layout L_at = {DIRFD(0), PATH(1)};
const struct layout L_at_flags2 = {DIRFD(0), PATH(1), FLAGS(2)};
const struct layout L_at_flags3 = {DIRFD(0), PATH(1), FLAGS(3)};
const struct layout L_openat2 = {DIRFD(0), PATH(1), FLAGS(2), .flags_in_how = true};
const struct layout L_execve = {PATH(0), ARGV(1)};
const struct layout L_execveat = {DIRFD(0), PATH(1), ARGV(2), FLAGS(4)};
const struct layout L_rename = {PATH(0), PATH2(1)};
const struct layout L_renameat = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3)};
const struct layout L_renameat2 = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3), FLAGS(4)};

const struct layout L_link = {PATH(0), PATH2(1)};
const struct layout L_linkat = {DIRFD(0), PATH(1), DIRFD2(2), PATH2(3), FLAGS(4)};
const struct layout L_symlink = {TARGET(0), PATH(1)};
const struct layout L_symlinkat = {TARGET(0), DIRFD(1), PATH(2)};
const struct layout L_mknod = {PATH(0), MODE(1)};
const struct layout L_mknodat = {DIRFD(0), PATH(1), MODE(2)};
const struct layout L_bind = {SOCKADDR(1)};
const struct layout L_creds = {.creds = true};

const struct arch *arch_find(uint32_t audit)
{
	for (const struct arch *const *a = arches; *a; a++)
		if ((*a)->audit == audit)
			return *a;
	return 0;
}
