#include "tasks.h"

#include "util.h"

#include <stdlib.h>

#define BUCKETS 4096

static struct task *buckets[BUCKETS];

static struct task **slot(pid_t pid)
{
	return &buckets[(unsigned)pid % BUCKETS];
}

struct task *task_get(pid_t pid)
{
	struct task *t = *slot(pid);
	while (t && t->pid != pid)
		t = t->next;
	return t;
}

static void link_task(struct task *t)
{
	struct task **s = slot(t->pid);
	t->next = *s;
	*s = t;
}

static void unlink_task(struct task *t)
{
	struct task **p = slot(t->pid);
	while (*p != t)
		p = &(*p)->next;
	*p = t->next;
}

struct task *task_new(pid_t pid)
{
	struct task *t = xrealloc(0, sizeof *t);
	*t = (struct task){.pid = pid};
	link_task(t);
	return t;
}

void task_free(struct task *t)
{
	unlink_task(t);
	free(t->exe);
	free(t->pending.p);
	free(t);
}

void task_rekey(struct task *t, pid_t pid)
{
	unlink_task(t);
	t->pid = pid;
	link_task(t);
}

void task_each(void (*fn)(struct task *t, void *arg), void *arg)
{
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct task *t = buckets[i]; t; t = t->next)
			fn(t, arg);
}
