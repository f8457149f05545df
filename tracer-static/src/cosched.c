#include "cosched.h"

#include "util.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define WINDOW_NS 100000000LL
/* A task that ran for a quarter of the window is busy: two of them want two CPUs. */
#define BUSY_NS (WINDOW_NS / 4)
/* After spreading for contention, how long before pinning again; doubled each time. */
#define FIRST_HOLD_NS 200000000LL
#define MAX_HOLD_NS 6400000000LL

static cpu_set_t wide; /* the tracer's mask at the start: every task's when spread */
static bool enabled, pinned;
static long long next_check, hold_until, hold = FIRST_HOLD_NS;
static struct sched_use self_use;

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

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

static void apply(struct task *t, void *mask)
{
	if (!t->own_affinity)
		set_mask(t->pid, mask);
}

static void set_mode(bool pin)
{
	cpu_set_t one;
	const cpu_set_t *mask = &wide;
	if (pin) {
		int cpu = sched_getcpu();
		CPU_ZERO(&one);
		CPU_SET(cpu >= 0 ? cpu : 0, &one);
		mask = &one;
	}
	set_mask(0, mask);
	task_each(apply, (void *)mask);
	pinned = pin;
}

void cosched_start(struct task *root)
{
	if (sched_getaffinity(0, sizeof wide, &wide) < 0 || CPU_COUNT(&wide) < 2)
		return;
	enabled = true;
	next_check = now_ns() + WINDOW_NS;
	(void)root; /* the only task yet: set_mode reaches it */
	set_mode(true);
}

void cosched_release(struct task *t)
{
	if (!enabled || t->own_affinity)
		return;
	t->own_affinity = true;
	if (pinned)
		set_mask(t->pid, &wide);
}

void cosched_spawned(const struct task *creator, struct task *child)
{
	child->own_affinity = creator->own_affinity;
	/* Made just before a change of mode, it may have the other one. */
	if (enabled && !child->own_affinity && !pinned)
		set_mask(child->pid, &wide);
}

struct window {
	unsigned busy;
	unsigned long long run, delay;
};

static void measure(struct task *t, void *arg)
{
	struct window *w = arg;
	char name[48] = "/proc/";
	if (t->own_affinity)
		return;
	size_t n = 6 + decimal(name + 6, (unsigned)t->pid);
	copy_bytes(name + n, "/schedstat", sizeof "/schedstat");
	struct sched_use d = grown(name, &t->use);
	w->busy += d.run >= BUSY_NS;
	w->run += d.run;
	w->delay += d.delay;
}

void cosched_poll(void)
{
	if (!enabled)
		return;
	long long now = now_ns();
	if (now < next_check)
		return;
	next_check = now + WINDOW_NS;
	struct window w = {0, 0, 0};
	task_each(measure, &w);
	struct sched_use d = grown("/proc/thread-self/schedstat", &self_use);
	w.run += d.run;
	w.delay += d.delay;
	/* Pinned, a stop's round trip waits a little; contention waits about as long as it runs. */
	bool contended = w.delay * 2 > w.run && w.delay >= WINDOW_NS / 10;
	if (pinned && (w.busy >= 2 || contended)) {
		set_mode(false);
		if (w.busy < 2) {
			hold_until = now + hold;
			hold = hold * 2 < MAX_HOLD_NS ? hold * 2 : MAX_HOLD_NS;
		}
	} else if (!pinned && w.busy <= 1 && now >= hold_until) {
		set_mode(true);
	}
}
