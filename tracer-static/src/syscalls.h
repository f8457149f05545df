/*
 * What the tracer records: per architecture, the traced syscall numbers; per syscall, the
 * layout of its arguments. The seccomp filter returns the table index as SECCOMP_RET_DATA, so
 * a stop needs no lookup.
 */
#ifndef SB_SYSCALLS_H
#define SB_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Argument positions are stored plus one, so that 0 means "no such argument". */
#define DIRFD(n) .dirfd = (n) + 1
#define PATH(n) .path = (n) + 1
#define DIRFD2(n) .dirfd2 = (n) + 1
#define PATH2(n) .path2 = (n) + 1
#define FLAGS(n) .flags = (n) + 1
#define ARGV(n) .argv = (n) + 1
#define TARGET(n) .target = (n) + 1
#define MODE(n) .mode = (n) + 1
#define SOCKADDR(n) .sockaddr = (n) + 1
#define EXTRA(n) .extra = (n) + 1
/* The AT_ flags argument: with AT_EMPTY_PATH the call is on the fd, and the filter lets it through. */
#define FD_FLAGS(n) .fd_flags = (n) + 1

/* How the outcome of a call can be derived at its seccomp stop, without the exit stop (derive.h). */
enum derive { D_NONE, D_STAT, D_ACCESS, D_READLINK, D_OPEN, D_EXEC };

struct layout {
	unsigned char dirfd, path, dirfd2, path2, flags, argv;
	unsigned char target; /* symlink's target: logged as given, never resolved */
	unsigned char mode; /* mknod's file type and mode */
	unsigned char sockaddr; /* bind: a struct sockaddr, followed by its length */
	unsigned char extra; /* statx: mask; readlink(at): bufsiz; faccessat2: AT_ flags; openat2: size */
	unsigned char fd_flags;
	unsigned char derive; /* enum derive */
	bool mutates; /* changes names (or the cwd) that other tasks' lookups may see */
	bool creds; /* a credential change: not logged, but the tracee is made dumpable again */
	bool view; /* changes what the task's lookups see (ids, root, namespaces): not logged */
	bool sched; /* reads or sets a CPU mask, or sets a scheduling policy: not logged (cosched.h) */
	bool flags_in_how; /* openat2: the flags are the first u64 of struct open_how */
	unsigned fixed_flags; /* flags the syscall implies (creat, lstat) */
};

extern const struct layout L_path, L_stat, L_lstat, L_fstatat, L_statx, L_access, L_faccessat,
	L_faccessat2, L_readlink, L_readlinkat, L_open, L_openat, L_openat2, L_creat, L_fd, L_fchdir,
	L_mkdirat, L_unlinkat, L_execve, L_execveat, L_rename, L_renameat, L_renameat2, L_link,
	L_linkat, L_symlink, L_symlinkat, L_mknod, L_mknodat, L_bind, L_creds, L_view, L_sched;

struct sysent {
	unsigned nr;
	const char *name;
	const struct layout *layout;
};

struct arch {
	uint32_t audit; /* AUDIT_ARCH_* as seen in seccomp_data.arch */
	unsigned word; /* pointer size in bytes */
	const struct sysent *table;
	size_t count;
};

/* The architectures this build traces, native first; NULL-terminated. */
extern const struct arch *const arches[];
const struct arch *arch_find(uint32_t audit);

#define ARCH_TABLE(t) .table = (t), .count = sizeof(t) / sizeof *(t)

#endif
