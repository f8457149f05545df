/*
 * Timeouts and the end of the tree: --timeout sends SIGTERM (and SIGCONT, for stopped
 * processes) to every descendant, then SIGKILL after --grace. Processes left when the command
 * exits get --grace to finish, then SIGKILL. SIGTERM/SIGINT/SIGHUP/SIGQUIT sent to the tracer
 * are forwarded to the command.
 */
#ifndef SB_WATCHDOG_H
#define SB_WATCHDOG_H

#include <stdbool.h>
#include <sys/types.h>

/* Before the fork: handlers, and the subreaper role that keeps orphans in the tree. */
void watchdog_init(void);
void watchdog_start(pid_t root, long timeout_ms, long grace_ms);
/* Acts on expired deadlines and received signals; cheap when there are none. true on a tick (every 20 ms). */
bool watchdog_poll(void);
void watchdog_root_exited(void);
bool watchdog_timed_out(void);

#endif
