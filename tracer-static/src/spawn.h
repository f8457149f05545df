#ifndef SB_SPAWN_H
#define SB_SPAWN_H

#include "cli.h"

#include <sys/types.h>

/*
 * Forks the command. When traced, the child waits until spawn_release(*go) before it installs
 * the seccomp filter and execs, so that the tracer can attach first; *go is -1 otherwise.
 */
pid_t spawn_command(const struct options *o, int *go);
void spawn_release(int go);

#endif
