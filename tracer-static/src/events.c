#include "events.h"

#include "cosched.h"
#include "derive.h"
#include "mem.h"
#include "names.h"
#include "out.h"
#include "syscalls.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define MAX_ARGS 65536
#define MAX_ARG_LEN (128 * 1024)

static struct buf line;

/*
 * Appends ,"path<suffix>":p,"abs<suffix>":... : p resolved against dirfd; p NULL if unreadable.
 * joined (PATH_MAX bytes, or NULL) gets the lookup from the root (resolve_path), "" if unknown.
 */
static void put_resolved(struct buf *b, pid_t pid, int dirfd, const char *p, const char *suffix, char *joined)
{
	char abs[PATH_MAX];
	if (joined)
		joined[0] = 0;
	bool resolved = p && resolve_path(pid, dirfd, p, abs, sizeof abs, joined) == 0;
	buf_raw(b, ",\"path", 6);
	buf_raw(b, suffix, strlen(suffix));
	buf_raw(b, "\":", 2);
	buf_str(b, p);
	buf_raw(b, ",\"abs", 5);
	buf_raw(b, suffix, strlen(suffix));
	buf_raw(b, "\":", 2);
	buf_str(b, resolved ? abs : NULL);
}

/* The same for a (dirfd, path) argument pair; the path is read into buf (PATH_MAX bytes). */
static bool put_path(struct buf *b, pid_t pid, const uint64_t *args, unsigned dirfd_arg, unsigned path_arg,
		     const char *suffix, char *buf, char *joined)
{
	int dirfd = dirfd_arg ? (int)args[dirfd_arg - 1] : AT_FDCWD;
	const char *p = "";
	buf[0] = 0;
	if (path_arg)
		p = mem_string(pid, args[path_arg - 1], buf, PATH_MAX) < 0 ? NULL : buf;
	put_resolved(b, pid, dirfd, p, suffix, joined);
	return p != NULL;
}

static void put_argv(struct buf *b, pid_t pid, unsigned word, uint64_t addr)
{
	static char arg[MAX_ARG_LEN];
	buf_raw(b, ",\"argv\":[", 9);
	for (size_t i = 0; addr && i < MAX_ARGS; i++) {
		/* Little-endian: a 4-byte pointer read into a zeroed u64 is its value. */
		uint64_t p = 0;
		if (mem_read(pid, addr + i * word, &p, word) != (ssize_t)word || !p)
			break;
		if (i)
			buf_raw(b, ",", 1);
		buf_str(b, mem_string(pid, p, arg, sizeof arg) < 0 ? NULL : arg);
	}
	buf_raw(b, "]", 1);
}

static void put_flags(struct buf *b, const struct call *c)
{
	const struct layout *l = c->l;
	uint64_t flags = l->fixed_flags;
	if (l->flags_in_how) {
		if (!c->how_ok)
			return;
		flags = c->how[0];
	} else if (l->flags) {
		flags = (unsigned)c->args[l->flags - 1];
	} else if (!flags) {
		return;
	}
	buf_lit(b, ",\"flags\":");
	buf_uint(b, flags);
}

#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/*
 * bind's address: 1 with the path of an AF_UNIX socket (sun_path need not be NUL-terminated),
 * 0 for other families and abstract sockets (not files), -1 if it could not be read.
 */
static int unix_path(pid_t pid, uint64_t addr, uint64_t addrlen, char path[static SUN_PATH_MAX + 1])
{
	struct sockaddr_un sun = {0};
	size_t len = addrlen < sizeof sun ? (size_t)addrlen : sizeof sun;
	if (len <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	if (mem_read(pid, addr, &sun, len) != (ssize_t)len)
		return -1;
	if (sun.sun_family != AF_UNIX || !sun.sun_path[0])
		return 0;
	memcpy(path, sun.sun_path, SUN_PATH_MAX);
	path[SUN_PATH_MAX] = 0;
	return 1;
}

bool event_begin(struct task *t, const struct __ptrace_syscall_info *si, struct call *c)
{
	const struct arch *a = arch_find(si->arch);
	if (!a || si->seccomp.ret_data >= a->count)
		return false;
	const struct sysent *e = &a->table[si->seccomp.ret_data];
	const struct layout *l = c->l = e->layout;
	c->native = a == arches[0];
	for (int i = 0; i < 6; i++)
		c->args[i] = a->word == 4 ? (uint32_t)si->seccomp.args[i] : si->seccomp.args[i];
	const uint64_t *args = c->args;

	if (l->creds || l->view)
		t->view_ok = false; /* it sees files as another user, or another root */
	if (l->creds)
		t->redump = true;
	if (l->creds || l->view || l->sched) {
		cosched_release(t);
		/* The task whose mask or policy it reads or sets (0: itself). */
		struct task *named = l->sched && args[0] ? task_get((pid_t)args[0]) : 0;
		if (named)
			cosched_release(named);
		return false;
	}
	char sun_path[SUN_PATH_MAX + 1];
	int sun = l->sockaddr ? unix_path(t->pid, args[l->sockaddr - 1], args[l->sockaddr], sun_path) : 0;
	if (l->sockaddr && !sun)
		return false;
	c->how_ok = l->flags_in_how && mem_read(t->pid, args[l->flags - 1], c->how, sizeof c->how) == sizeof c->how;
	struct buf *b = &t->pending;
	b->len = 0;
	buf_lit(b, "\"syscall\":\"");
	buf_lit(b, e->name);
	buf_raw(b, "\"", 1);
	c->path_ok = false;
	if (l->sockaddr) {
		put_resolved(b, t->pid, AT_FDCWD, sun < 0 ? NULL : sun_path, "", NULL);
	} else {
		c->path_ok = put_path(b, t->pid, args, l->dirfd, l->path, "", c->path, c->lookup);
	}
	if (l->path2) {
		char path2[PATH_MAX];
		put_path(b, t->pid, args, l->dirfd2, l->path2, "2", path2, NULL);
	}
	put_flags(b, c);
	if (l->mode) {
		buf_lit(b, ",\"mode\":");
		buf_uint(b, (unsigned)args[l->mode - 1]);
	}
	if (l->target) {
		char target[PATH_MAX];
		buf_raw(b, ",\"target\":", 10);
		buf_str(b, mem_string(t->pid, args[l->target - 1], target, sizeof target) < 0 ? NULL : target);
	}
	if (l->argv)
		put_argv(b, t->pid, a->word, args[l->argv - 1]);
	t->pending_exec = l->argv != 0;
	return true;
}

static void put_task(struct buf *b, const char *type, const struct task *t)
{
	buf_lit(b, "{\"type\":\"");
	buf_lit(b, type);
	buf_lit(b, "\",\"pid\":");
	buf_int(b, t->pid);
	buf_lit(b, ",\"ppid\":");
	buf_int(b, t->ppid);
	buf_lit(b, ",\"exe\":");
	buf_str(b, t->exe);
}

void event_end(struct task *t, int64_t result, pid_t tid)
{
	put_task(&line, t->pending_exec ? "exec" : "file", t);
	if (tid != t->pid) {
		buf_lit(&line, ",\"tid\":");
		buf_int(&line, tid);
	}
	buf_raw(&line, ",", 1);
	buf_raw(&line, t->pending.p, t->pending.len);
	buf_lit(&line, ",\"result\":");
	buf_int(&line, result);
	const char *name = result < 0 ? errno_name((int)-result) : NULL;
	if (name) {
		buf_lit(&line, ",\"errno\":\"");
		buf_lit(&line, name);
		buf_raw(&line, "\"", 1);
	}
	buf_raw(&line, "}", 1);
	log_line(&line);
	t->pending.len = 0;
}

void event_spawn(const struct task *child, pid_t parent, const char *kind)
{
	buf_fmt(&line, "{\"type\":\"spawn\",\"pid\":%d,\"ppid\":%d,\"exe\":", child->pid, parent);
	buf_str(&line, child->exe);
	buf_fmt(&line, ",\"kind\":\"%s\"", kind);
	if (child->tgid != child->pid)
		buf_fmt(&line, ",\"tgid\":%d", child->tgid);
	buf_raw(&line, "}", 1);
	log_line(&line);
}

void event_exit(const struct task *t, int status)
{
	buf_fmt(&line, "{\"type\":\"exit\",\"pid\":%d", t->pid);
	if (WIFSIGNALED(status))
		buf_fmt(&line, ",\"signal\":\"%s\"}", signal_name(WTERMSIG(status)));
	else
		buf_fmt(&line, ",\"code\":%d}", WEXITSTATUS(status));
	log_line(&line);
}

void event_unavailable(const char *call, const char *error, const char *why)
{
	buf_fmt(&line, "{\"type\":\"unavailable\",\"call\":");
	buf_str(&line, call);
	buf_fmt(&line, ",\"error\":");
	buf_str(&line, error);
	buf_fmt(&line, ",\"reason\":");
	buf_str(&line, why);
	buf_fmt(&line, "}");
	log_line(&line);
}

void event_end_of_log(int status, bool timed_out, pid_t root)
{
	buf_fmt(&line, "{\"type\":\"end\",\"status\":%d,\"timedOut\":%s,\"rootPid\":%d}", status,
		timed_out ? "true" : "false", root);
	log_line(&line);
}
