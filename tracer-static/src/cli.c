#include "cli.h"

#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_GRACE_MS 2000

static const char usage[] =
	"usage: sidebundle-trace [--output FILE] [--stdin-file FILE] [--stdout-file FILE] [--stderr-tail FILE]\n"
	"         [--env K=V]... [--cwd DIR] [--timeout DUR] [--grace DUR] [--no-trace]\n"
	"         [--timeout-ok] [--exit-zero] [--unavailable-ok]\n"
	"         -- COMMAND [ARG]...\n"
	"DUR is a number with a unit: 500ms, 10s, 2m, 1h (no unit: seconds).\n";

/* Milliseconds in "500ms", "1.5s", "2m", "1h", "10"; -1 if malformed. */
static long parse_duration(const char *s)
{
	static const struct { const char *unit; double ms; } units[] = {
		{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}, {"h", 3600000},
	};
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (!strcmp(end, units[i].unit))
			return (long)(v * units[i].ms + 0.5);
	return -1;
}

static long duration_arg(const char *opt, const char *s)
{
	long ms = parse_duration(s);
	if (ms < 0)
		die(EXIT_TRACER_FAILED, "invalid %s duration '%s' (e.g. 500ms, 10s, 2m)", opt, s);
	return ms;
}

void parse_options(int argc, char **argv, struct options *o)
{
	enum {
		OUTPUT = 256, STDIN_FILE, STDOUT_FILE, ENV, CWD, TIMEOUT, GRACE, NO_TRACE, TIMEOUT_OK,
		EXIT_ZERO, UNAVAILABLE_OK, STDERR_TAIL, HELP
	};
	static const struct option longopts[] = {
		{"output", required_argument, 0, OUTPUT},
		{"stdin-file", required_argument, 0, STDIN_FILE},
		{"stdout-file", required_argument, 0, STDOUT_FILE},
		{"env", required_argument, 0, ENV},
		{"cwd", required_argument, 0, CWD},
		{"timeout", required_argument, 0, TIMEOUT},
		{"grace", required_argument, 0, GRACE},
		{"no-trace", no_argument, 0, NO_TRACE},
		{"timeout-ok", no_argument, 0, TIMEOUT_OK},
		{"exit-zero", no_argument, 0, EXIT_ZERO},
		{"unavailable-ok", no_argument, 0, UNAVAILABLE_OK},
		{"stderr-tail", required_argument, 0, STDERR_TAIL},
		{"help", no_argument, 0, HELP},
		{0, 0, 0, 0},
	};
	*o = (struct options){.grace_ms = DEFAULT_GRACE_MS};
	o->env = xrealloc(0, (size_t)argc * sizeof *o->env);
	int c;
	/* "+": options end at the command, so its own options are left alone; ":": we report errors. */
	while ((c = getopt_long(argc, argv, "+:", longopts, 0)) != -1) {
		switch (c) {
		case OUTPUT: o->output = optarg; break;
		case STDIN_FILE: o->stdin_file = optarg; break;
		case STDOUT_FILE: o->stdout_file = optarg; break;
		case STDERR_TAIL: o->stderr_tail = optarg; break;
		case CWD: o->cwd = optarg; break;
		case TIMEOUT: o->timeout_ms = duration_arg("--timeout", optarg); break;
		case GRACE: o->grace_ms = duration_arg("--grace", optarg); break;
		case NO_TRACE: o->no_trace = true; break;
		case TIMEOUT_OK: o->timeout_ok = true; break;
		case EXIT_ZERO: o->exit_zero = true; break;
		case UNAVAILABLE_OK: o->unavailable_ok = true; break;
		case ENV:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				die(EXIT_TRACER_FAILED, "--env needs K=V, got '%s'", optarg);
			o->env[o->nenv++] = optarg;
			break;
		case HELP:
			fputs(usage, stdout);
			exit(0);
		case ':':
			die(EXIT_TRACER_FAILED, "%s needs a value (see --help)", argv[optind - 1]);
		default:
			die(EXIT_TRACER_FAILED, "unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		die(EXIT_TRACER_FAILED, "no command given (see --help)");
	o->argv = argv + optind;
}
