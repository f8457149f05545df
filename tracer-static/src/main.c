/* sidebundle-trace: runs a command and logs every file its process tree touches (README.md). */
#include "cli.h"
#include "events.h"
#include "out.h"
#include "spawn.h"
#include "tail.h"
#include "tracer.h"
#include "util.h"
#include "watchdog.h"

#include <errno.h>
#include <string.h>

const char program_name[] = "sidebundle-trace";

int main(int argc, char **argv)
{
	struct options o;
	parse_options(argc, argv, &o);
	if (log_open(o.output) < 0)
		die(EXIT_TRACER_FAILED, "cannot open --output %s: %s", o.output, strerror(errno));
	watchdog_init();
	int go;
	if (o.stderr_tail)
		tail_start();
	pid_t root = spawn_command(&o, &go);
	if (o.stderr_tail)
		tail_spawned();
	if (!o.no_trace)
		tracer_attach(root, o.unavailable_ok);
	spawn_release(go);
	watchdog_start(root, o.timeout_ms, o.grace_ms);
	int status = tracer_run(root);
	if (o.stderr_tail)
		tail_finish(o.stderr_tail);
	event_end_of_log(status, watchdog_timed_out(), root);
	if (log_close() < 0)
		die(EXIT_TRACER_FAILED, "cannot write --output %s: %s", o.output, strerror(errno));
	if (o.exit_zero || (o.timeout_ok && watchdog_timed_out()))
		return 0;
	return status;
}
