/* The log's events (see README.md for the format). */
#ifndef SB_EVENTS_H
#define SB_EVENTS_H

#include "tasks.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/ptrace.h>

struct call;
/* At the seccomp stop: decodes the call into c and its event into t->pending; false if none. */
bool event_begin(struct task *t, const struct __ptrace_syscall_info *si, struct call *c);
/* Logs t's pending file or exec event with its result; tid is the thread that made the call. */
void event_end(struct task *t, int64_t result, pid_t tid);
void event_spawn(const struct task *child, pid_t parent, const char *kind);
void event_exit(const struct task *t, int status);
void event_end_of_log(int status, bool timed_out, pid_t root);
/* The only line of a log whose command could not be traced: {"type":"unavailable",...}. */
void event_unavailable(const char *call, const char *error, const char *why);

#endif
