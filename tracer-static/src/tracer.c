#include "tracer.h"

#include "cosched.h"
#include "derive.h"
#include "events.h"
#include "mem.h"
#include "out.h"
#include "tasks.h"
#include "util.h"
#include "watchdog.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPTIONS                                                                                         \
	(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |         \
	 PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL)

/* Restart codes: the syscall is re-entered (and traced again) after a signal handler. */
#define ERESTARTSYS 512
#define ERESTART_RESTARTBLOCK 516

static size_t held; /* tasks that started before their spawn was logged */
/*
 * A derived call is logged at its seccomp stop; it runs some time before its task's next stop.
 * A call that changes names must not run in between (its task is parked until those windows
 * close, stopping the tasks that have one), and none is derived while such a call is under way.
 */
static size_t windows, mutators;

static char *exe_of(pid_t pid)
{
	char exe[PATH_MAX];
	return strdup(proc_link(pid, "exe", exe, sizeof exe) < 0 ? "" : exe);
}

static _Noreturn void ptrace_unavailable(pid_t child, int err, bool unavailable_ok)
{
	char why[160];
	pid_t tracer = proc_status(child, "TracerPid");
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int scope = -1;
	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	if (err == ENOSYS)
		snprintf(why, sizeof why, "not implemented here (QEMU user-mode emulation?)");
	else if (tracer > 0)
		snprintf(why, sizeof why, "the process is already traced by pid %d", tracer);
	else if (scope >= 2)
		snprintf(why, sizeof why, "Yama ptrace_scope is %d", scope);
	else
		snprintf(why, sizeof why, "not permitted (no CAP_SYS_PTRACE, and seccomp or the LSM deny it)");
	kill(child, SIGKILL);
	waitpid(child, 0, 0);
	if (unavailable_ok) {
		event_unavailable("PTRACE_SEIZE", strerror(err), why);
		exit(log_close() < 0 ? EXIT_TRACER_FAILED : 0);
	}
	die(EXIT_TRACER_FAILED, "ptrace unavailable: PTRACE_SEIZE: %s: %s", strerror(err), why);
}

void tracer_attach(pid_t root, bool unavailable_ok)
{
	if (ptrace(PTRACE_SEIZE, root, 0, OPTIONS) < 0)
		ptrace_unavailable(root, errno, unavailable_ok);
	struct task *t = task_new(root);
	t->tgid = root;
	t->ppid = getpid();
	t->exe = exe_of(getpid());
	t->started = t->announced = true;
	t->view_ok = true; /* forked from the tracer, which never changes its ids */
	derive_init();
	cosched_start();
}

/* With an event pending (or a credential change), stop again at the syscall's exit. */
static void resume(struct task *t, int sig)
{
	ptrace(t->pending.len || t->redump || t->injecting ? PTRACE_SYSCALL : PTRACE_CONT, t->pid, 0, sig);
}

static int syscall_info(struct task *t, struct __ptrace_syscall_info *si)
{
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->pid, sizeof *si, si) > 0)
		return 0;
	if (errno == EIO || errno == EINVAL)
		die(EXIT_TRACER_FAILED, "PTRACE_GET_SYSCALL_INFO: %s (needs Linux >= 5.3)", strerror(errno));
	return -1;
}

/* A thread-group leader that exited before its threads: a zombie, reported only after them. */
static bool zombie(pid_t tid)
{
	char name[32], stat[512];
	snprintf(name, sizeof name, "/proc/%d/stat", tid);
	FILE *f = fopen(name, "re");
	size_t len = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
	if (f)
		fclose(f);
	stat[len] = 0;
	const char *rp = strrchr(stat, ')'); /* "tid (comm) state ...": comm may hold anything */
	return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

static void close_window(struct task *t);

static void interrupt_window(struct task *t, void *unused)
{
	(void)unused;
	if (!t->window)
		return;
	if (zombie(t->pid))
		close_window(t); /* it is past its call, and will not stop again */
	else
		ptrace(PTRACE_INTERRUPT, t->pid, 0, 0);
}

static void unpark(struct task *t, void *unused)
{
	(void)unused;
	if (t->parked) {
		t->parked = false;
		resume(t, 0);
	}
}

/* Any stop of a task comes after the derived call it was resumed from. */
static void close_window(struct task *t)
{
	if (!t->window)
		return;
	t->window = false;
	if (--windows == 0 && mutators)
		task_each(unpark, 0);
}

static void end_mutating(struct task *t)
{
	if (t->mutating) {
		t->mutating = t->parked = false;
		mutators--;
	}
}

/* Forgets a task that is gone, with its part in the counts above. */
static void drop_task(struct task *t)
{
	close_window(t);
	end_mutating(t);
	task_free(t);
}

static void on_seccomp(struct task *t)
{
	struct __ptrace_syscall_info si;
	struct call c;
	int64_t result;
	if (syscall_info(t, &si) < 0 || si.op != PTRACE_SYSCALL_INFO_SECCOMP || !event_begin(t, &si, &c)) {
		resume(t, 0);
		return;
	}
	if (call_mutates(&c)) {
		t->mutating = true;
		mutators++;
		if (windows) {
			t->parked = true;
			task_each(interrupt_window, 0);
			return;
		}
	} else if (!mutators && derive_result(t, &c, &result)) {
		/* Resumed first: the tracee runs on while the event is written. */
		ptrace(PTRACE_CONT, t->pid, 0, 0);
		event_end(t, result, t->pid);
		t->window = true;
		windows++;
		return;
	}
	resume(t, 0);
}

/* The exit stop of a credential change: have the tracee make itself dumpable (inject.h). */
static void redump(struct task *t, const struct __ptrace_syscall_info *si)
{
	t->redump = false;
	t->injecting = inject_start(t->pid, si->arch, &t->saved);
}

/* A stop of the injected prctl: at its exit, the tracee goes on as if nothing had happened. */
static void on_injected_stop(struct task *t)
{
	struct __ptrace_syscall_info si;
	if (syscall_info(t, &si) < 0 || si.op != PTRACE_SYSCALL_INFO_EXIT)
		return;
	inject_finish(t->pid, &t->saved);
	t->injecting = false;
	for (int sig = 1; sig <= 64; sig++)
		if (t->held_signals & (1ull << (sig - 1)))
			syscall(SYS_tgkill, t->tgid, t->pid, sig);
	t->held_signals = 0;
}

static void on_syscall_exit(struct task *t)
{
	struct __ptrace_syscall_info si;
	if (t->injecting) {
		on_injected_stop(t);
		return;
	}
	end_mutating(t);
	if ((!t->pending.len && !t->redump) || syscall_info(t, &si) < 0 || si.op != PTRACE_SYSCALL_INFO_EXIT)
		return;
	if (t->redump) {
		redump(t, &si);
		return;
	}
	if (si.exit.rval >= -ERESTART_RESTARTBLOCK && si.exit.rval <= -ERESTARTSYS) {
		t->pending.len = 0;
	} else {
		event_end(t, si.exit.rval, t->pid);
	}
}

static void announce(struct task *c, pid_t parent, const char *kind)
{
	event_spawn(c, parent, kind);
	c->announced = true;
	if (c->started) {
		held--;
		resume(c, 0);
	}
}

static void on_spawn(struct task *t, int event)
{
	unsigned long msg;
	if (ptrace(PTRACE_GETEVENTMSG, t->pid, 0, &msg) < 0)
		return;
	pid_t pid = (pid_t)msg;
	struct task *c = task_get(pid);
	if (!c)
		c = task_new(pid);
	char task_dir[64];
	snprintf(task_dir, sizeof task_dir, "/proc/%d/task/%d", t->tgid, pid);
	bool thread = event == PTRACE_EVENT_CLONE && access(task_dir, F_OK) == 0;
	c->tgid = thread ? t->tgid : pid;
	c->ppid = thread ? t->ppid : t->tgid;
	c->view_ok = t->view_ok;
	/* Threads, and processes made by clone, may share the fd table (CLONE_FILES). */
	c->shared_files = event == PTRACE_EVENT_CLONE;
	t->shared_files |= c->shared_files;
	free(c->exe);
	c->exe = strdup(t->exe);
	cosched_spawned(t, c);
	announce(c, t->tgid, event == PTRACE_EVENT_FORK ? "fork" : event == PTRACE_EVENT_VFORK ? "vfork" : thread ? "thread" : "clone");
}

/*
 * A successful execve. In a non-leader thread the kernel gives the execing thread the leader's
 * tid; the old leader vanishes without a death report.
 */
static struct task *on_exec(struct task *t)
{
	unsigned long former = (unsigned long)t->pid;
	ptrace(PTRACE_GETEVENTMSG, t->pid, 0, &former);
	struct task *e = task_get((pid_t)former);
	if (e && e != t) {
		pid_t pid = t->pid;
		if (t->own_affinity) /* released by its old tid, which is now the exec'ing thread's */
			cosched_release(e);
		drop_task(t);
		task_rekey(e, pid);
		e->tgid = pid;
		t = e;
	}
	if (t->pending.len)
		event_end(t, 0, (pid_t)former);
	t->shared_files = false; /* exec gives the process a table of its own */
	free(t->exe);
	t->exe = exe_of(t->pid);
	return t;
}

/* A task stopped before its parent's fork event: hold it so its spawn is logged first. */
static void first_stop(struct task *t)
{
	t->started = true;
	if (t->announced) {
		resume(t, 0);
		return;
	}
	held++;
	/* Kept to release it if the parent dies before reporting the fork. */
	t->tgid = proc_status(t->pid, "Tgid");
	t->ppid = proc_status(t->pid, "PPid");
}

static void on_stop(pid_t pid, int status)
{
	struct task *t = task_get(pid);
	if (!t)
		t = task_new(pid);
	int sig = WSTOPSIG(status), event = status >> 16;
	close_window(t);
	switch (event) {
	case 0:
		if (sig == (SIGTRAP | 0x80)) {
			on_syscall_exit(t);
			resume(t, 0);
		} else if (t->injecting) {
			/* Later: a handler would run with the injected registers and never come back. */
			t->held_signals |= 1ull << (sig - 1);
			resume(t, 0);
		} else {
			resume(t, sig); /* signal-delivery-stop: deliver it */
		}
		break;
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(t);
		break;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_spawn(t, event);
		resume(t, 0);
		break;
	case PTRACE_EVENT_EXEC:
		resume(on_exec(t), 0);
		break;
	case PTRACE_EVENT_STOP:
		if (!t->started)
			first_stop(t);
		else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			ptrace(PTRACE_LISTEN, pid, 0, 0); /* group-stop: stay stopped until SIGCONT */
		else
			resume(t, 0);
		break;
	default:
		resume(t, 0);
	}
}

/* A held task whose creator died before reporting it: log it as well as known and let it run. */
static void release_orphan(struct task *t, void *dead_tgid)
{
	pid_t dead = *(pid_t *)dead_tgid;
	if (t->started && !t->announced && (t->ppid == dead || t->tgid == dead)) {
		cosched_spawned(0, t);
		announce(t, t->tgid == t->pid ? t->ppid : t->tgid, t->tgid == t->pid ? "fork" : "thread");
	}
}

static void on_death(pid_t pid, int status)
{
	struct task *t = task_get(pid);
	if (!t)
		return;
	/* Only processes end in the log; a leader is reaped after all its threads. */
	if (t->tgid == t->pid && t->announced) {
		event_exit(t, status);
		if (held)
			task_each(release_orphan, &t->tgid);
	}
	if (t->started && !t->announced)
		held--;
	drop_task(t);
}

int tracer_run(pid_t root)
{
	int root_status = 0;
	for (;;) {
		if (watchdog_poll())
			cosched_poll(); /* on the tick: nothing on a stop's path */
		int status;
		pid_t pid = waitpid(-1, &status, __WALL);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			break; /* ECHILD: everything is reaped */
		if (WIFSTOPPED(status)) {
			on_stop(pid, status);
			continue;
		}
		on_death(pid, status);
		if (pid == root) {
			root_status = status;
			watchdog_root_exited();
		}
	}
	return WIFSIGNALED(root_status) ? 128 + WTERMSIG(root_status) : WEXITSTATUS(root_status);
}
