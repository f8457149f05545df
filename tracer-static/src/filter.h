#ifndef SB_FILTER_H
#define SB_FILTER_H

/*
 * Sets no_new_privs and installs the seccomp filter that stops the calling process (and all
 * it execs and forks) at the traced syscalls only. Returns -1 with errno on failure.
 */
int install_filter(void);

#endif
