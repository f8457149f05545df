/*
 * Outcomes known at the seccomp stop. A lookup that stays on the root's filesystem (an ordinary
 * one), made by a task that sees the files as the tracer does (same ids, capabilities, root and
 * mount namespace), has the result the tracer gets by repeating it from the path of the tracee's
 * cwd or dirfd: then the call is logged at entry and runs on without an exit stop. Everything
 * else waits for the exit stop.
 */
#ifndef SB_DERIVE_H
#define SB_DERIVE_H

#include "syscalls.h"
#include "tasks.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* A traced call as decoded at its seccomp stop. */
struct call {
	const struct layout *l;
	uint64_t args[6];
	bool native; /* the tracer's own architecture (derivation is for it only) */
	bool path_ok; /* path was read */
	char path[PATH_MAX];
	/* The same lookup from the root: the cwd's or dirfd's path, "/" and path; "" if unknown. */
	char lookup[PATH_MAX];
	uint64_t how[3]; /* openat2's struct open_how: flags, mode, resolve */
	bool how_ok;
};

/* Reads what the derivations compare against (the tracer's root filesystem). */
void derive_init(void);
/* Whether the call changes names (or the cwd) that lookups of other tasks may see. */
bool call_mutates(const struct call *c);
/* true, with the call's return value in *result, when it is known without the exit stop. */
bool derive_result(const struct task *t, const struct call *c, int64_t *result);

#endif
