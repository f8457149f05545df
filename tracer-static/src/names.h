/* Symbolic names for the log: "ENOENT", "SIGKILL". */
#ifndef SB_NAMES_H
#define SB_NAMES_H

/* NULL when the number has no name. */
const char *errno_name(int e);
/* "SIG<n>" for signals without a name (real-time ones); not reentrant. */
const char *signal_name(int sig);

#endif
