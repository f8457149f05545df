#include "alive.h"

#include "out.h"
#include "util.h"

#include <stdio.h>

static long started_ms, next_ms;

void alive_start(long now_ms)
{
	started_ms = now_ms;
	next_ms = now_ms + ALIVE_EVERY_S * 1000;
}

void alive_tick(long now_ms)
{
	if (now_ms < next_ms)
		return;
	next_ms += ALIVE_EVERY_S * 1000;
	fprintf(stderr, "%s: still running after %ld s, %zu events\n", program_name, (now_ms - started_ms) / 1000,
		log_lines());
}
