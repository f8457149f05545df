#include "cosched.h"

#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#define WINDOW_NS 100000000LL
/*
 * After a spread, how long before pinning again (two tasks that make many calls are busy pinned
 * and less so spread: no flapping); doubled for each contention that follows a short pinned time.
 */
#define FIRST_HOLD_NS 200000000LL
#define MAX_HOLD_NS 6400000000LL
/* Pinned at least this long without contention: the hold starts over. */
#define SETTLED_NS 2000000000LL

static cpu_set_t wide; /* the tracer's mask at the start: every task's when spread */
static cpu_set_t one; /* the shared CPU's, when pinned */
static const cpu_set_t *current = &wide;
static bool enabled;
static long long last_check, pinned_at, hold_until, hold = FIRST_HOLD_NS;
static struct sched_use self_use;

/* Time run and time waited for a CPU, from /proc/<tid>/schedstat ("run delay slices"). */
static bool read_use(const char *name, struct sched_use *u)
{
	char buf[96];
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return sscanf(buf, "%llu %llu", &u->run, &u->delay) == 2;
}

/* The growth of one task's counters since the last window; the new ones are kept. */
static struct sched_use grown(const char *name, struct sched_use *last)
{
	struct sched_use now, d = {0, 0};
	if (!read_use(name, &now))
		return d;
	if (now.run >= last->run && now.delay >= last->delay)
		d = (struct sched_use){now.run - last->run, now.delay - last->delay};
	*last = now;
	return d;
}

static void set_mask(pid_t tid, const cpu_set_t *mask)
{
	sched_setaffinity(tid, sizeof *mask, mask); /* a task that is gone: nothing to do */
}

/* A task the tracer moves: not released, and announced (until then its creator is unknown). */
static bool movable(const struct task *t)
{
	return !t->own_affinity && t->announced;
}

static void apply(struct task *t, void *unused)
{
	(void)unused;
	if (movable(t))
		set_mask(t->pid, current);
}

static void set_mode(bool pin)
{
	current = &wide;
	if (pin) {
		int cpu = sched_getcpu(), first = 0;
		while (!CPU_ISSET(first, &wide))
			first++;
		CPU_ZERO(&one);
		CPU_SET(cpu >= 0 && CPU_ISSET(cpu, &wide) ? cpu : first, &one);
		current = &one;
		pinned_at = monotonic_ns();
	}
	set_mask(0, current);
	task_each(apply, 0);
}

void cosched_start(void)
{
	/*
	 * Without the kernel's schedstat a busy task would go unseen, and a real-time tracer would
	 * share its CPU with tracees of its policy: nothing is pinned then.
	 */
	int policy = sched_getscheduler(0);
	if (sched_getaffinity(0, sizeof wide, &wide) < 0 || CPU_COUNT(&wide) < 2 || policy == SCHED_FIFO ||
	    policy == SCHED_RR || !read_use("/proc/thread-self/schedstat", &self_use) || !self_use.run)
		return;
	enabled = true;
	last_check = monotonic_ns();
	set_mode(true); /* the root, the only task yet, is announced */
}

void cosched_release(struct task *t)
{
	if (!enabled || t->own_affinity)
		return;
	t->own_affinity = true;
	/* Also while spread: a task announced late may still have a pinned mask. */
	set_mask(t->pid, &wide);
}

void cosched_spawned(const struct task *creator, struct task *child)
{
	/*
	 * A released creator's child has its mask; any other gets the mode's, which may have changed
	 * since the fork. One released before it was announced (named by another task) stays so.
	 */
	child->own_affinity |= creator && creator->own_affinity;
	if (enabled && !child->own_affinity)
		set_mask(child->pid, current);
}

struct window {
	long long busy_ns; /* what a busy task wanted */
	unsigned movable, busy;
	unsigned long long run, delay;
};

static void measure(struct task *t, void *arg)
{
	struct window *w = arg;
	char name[48];
	if (!movable(t))
		return;
	snprintf(name, sizeof name, "/proc/%d/schedstat", t->pid);
	struct sched_use d = grown(name, &t->use);
	w->movable++;
	/* What it wanted of a CPU: run, or waited for one (tasks crowding the shared CPU). */
	w->busy += (long long)(d.run + d.delay) >= w->busy_ns;
	w->run += d.run;
	w->delay += d.delay;
}

void cosched_poll(void)
{
	if (!enabled)
		return;
	long long now = monotonic_ns(), elapsed = now - last_check;
	if (elapsed < WINDOW_NS)
		return;
	last_check = now;
	/* A task that wanted a quarter of the window is busy: two of them want two CPUs. */
	struct window w = {.busy_ns = elapsed / 4};
	task_each(measure, &w);
	struct sched_use d = grown("/proc/thread-self/schedstat", &self_use);
	w.run += d.run;
	w.delay += d.delay;
	/* Pinned, a stop's round trip waits a little; contention waits about as long as it runs. */
	bool contended = w.delay * 2 > w.run && (long long)w.delay >= elapsed / 10;
	bool pinned = current != &wide;
	if (pinned && (!w.movable || w.busy >= 2 || contended)) {
		if (now - pinned_at >= SETTLED_NS)
			hold = FIRST_HOLD_NS;
		hold_until = now + hold;
		if (w.movable && w.busy < 2)
			hold = hold * 2 < MAX_HOLD_NS ? hold * 2 : MAX_HOLD_NS;
		set_mode(false);
	} else if (!pinned && w.movable && w.busy <= 1 && now >= hold_until) {
		set_mode(true);
	}
}
