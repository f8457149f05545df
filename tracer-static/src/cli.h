#ifndef SB_CLI_H
#define SB_CLI_H

#include <stdbool.h>

struct options {
	const char *output, *stdin_file, *stdout_file, *stderr_tail, *cwd;
	char **env; /* K=V strings */
	int nenv;
	long timeout_ms; /* 0: none */
	long grace_ms;
	bool no_trace;
	bool timeout_ok;     /* a timed-out command is a success (exit 0) */
	bool exit_zero;      /* exit 0 whatever the command did: the status is in the log */
	bool unavailable_ok; /* without ptrace: log why, run nothing, exit 0 */
	char **argv; /* the command */
};

/* Fills o from the command line; exits with a usage message on errors. */
void parse_options(int argc, char **argv, struct options *o);

#endif
