#include "watchdog.h"

#include "alive.h"
#include "util.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#define TICK_MS 20

static volatile sig_atomic_t ticked, forwarded;
static enum { RUNNING, TERMINATING, LINGERING, KILLING } phase;
static bool deadline_set, timed_out;
static long deadline_ms, grace;
static pid_t root;

static void on_alarm(int sig)
{
	(void)sig;
	ticked = 1;
}

static void on_forwarded(int sig)
{
	forwarded = sig;
}

static long now_ms(void)
{
	return (long)(monotonic_ns() / 1000000);
}

/* A periodic timer rather than a one-shot one: a tick lost just before waitpid() blocks would hang. */
static void tick(void)
{
	struct itimerval it = {{0, TICK_MS * 1000}, {0, TICK_MS * 1000}};
	setitimer(ITIMER_REAL, &it, 0);
}

static void arm(long ms)
{
	deadline_ms = now_ms() + ms;
	deadline_set = true;
}

struct proc {
	pid_t pid, ppid;
};

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static size_t list_procs(struct proc **out)
{
	size_t n = 0, cap = 0;
	struct proc *p = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		char name[300], stat[512];
		pid_t pid = atoi(e->d_name), ppid;
		snprintf(name, sizeof name, "/proc/%s/stat", e->d_name);
		FILE *f = pid > 0 ? fopen(name, "re") : 0;
		if (!f)
			continue;
		size_t len = fread(stat, 1, sizeof stat - 1, f);
		fclose(f);
		stat[len] = 0;
		/* "pid (comm) state ppid ...": comm may contain anything, so parse after the last ')'. */
		char *rp = strrchr(stat, ')');
		if (!rp || sscanf(rp + 1, " %*c %d", &ppid) != 1)
			continue;
		if (n == cap)
			p = xrealloc(p, (cap = cap ? cap * 2 : 256) * sizeof *p);
		p[n++] = (struct proc){pid, ppid};
	}
	if (d)
		closedir(d);
	*out = p;
	return n;
}

/* Signals every descendant. As a child subreaper the tracer inherits orphans, so none escapes. */
static void kill_tree(int sig)
{
	struct proc *p;
	size_t n = list_procs(&p);
	pid_t self = getpid();
	qsort(p, n, sizeof *p, by_pid);
	for (size_t i = 0; i < n; i++) {
		struct proc *q = &p[i];
		while (q && q->ppid != self)
			q = bsearch(&(struct proc){q->ppid, 0}, p, n, sizeof *p, by_pid);
		if (q)
			kill(p[i].pid, sig);
	}
	free(p);
}

void watchdog_init(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* No SA_RESTART: the signals must interrupt waitpid(). */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, 0);
	sa.sa_handler = on_forwarded;
	sigaction(SIGTERM, &sa, 0);
	sigaction(SIGINT, &sa, 0);
	sigaction(SIGHUP, &sa, 0);
	sigaction(SIGQUIT, &sa, 0);
}

void watchdog_start(pid_t root_pid, long timeout_ms, long grace_ms)
{
	root = root_pid;
	grace = grace_ms;
	alive_start(now_ms());
	tick();
	if (timeout_ms)
		arm(timeout_ms);
}

void watchdog_root_exited(void)
{
	root = 0;
	if (phase == RUNNING) {
		phase = LINGERING;
		arm(grace);
	}
}

/* What happens when the deadline of each phase passes. */
static void next_phase(void)
{
	if (phase == RUNNING) {
		timed_out = true;
		phase = TERMINATING;
		kill_tree(SIGTERM);
		kill_tree(SIGCONT);
		arm(grace);
	} else {
		phase = KILLING;
		deadline_set = false;
	}
}

bool watchdog_poll(void)
{
	if (forwarded) {
		if (root)
			kill(root, forwarded);
		forwarded = 0;
	}
	if (!ticked)
		return false;
	ticked = 0;
	alive_tick(now_ms());
	if (deadline_set && now_ms() >= deadline_ms)
		next_phase();
	/* Repeated: processes forked meanwhile must not survive. */
	if (phase == KILLING)
		kill_tree(SIGKILL);
	return true;
}

bool watchdog_timed_out(void)
{
	return timed_out;
}
