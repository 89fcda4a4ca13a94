#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int log_level = PQTUN_LOG_WARN;
static int log_timestamps;

void pqtun_log_set_level(int level)
{
	if (level < PQTUN_LOG_ERROR)
		level = PQTUN_LOG_ERROR;
	if (level > PQTUN_LOG_DEBUG)
		level = PQTUN_LOG_DEBUG;
	log_level = level;
}

int pqtun_log_get_level(void) { return log_level; }

void pqtun_log_set_timestamps(int on) { log_timestamps = on; }

void pqtun_log(int level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	char line[1024];
	int n = 0;
	va_list ap;

	if (level > log_level)
		return;
	if (log_timestamps) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += snprintf(line + n, sizeof(line) - (size_t)n, ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "pqtun: %s: ", names[level]);
	va_start(ap, fmt);
	if (n < (int)sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so that concurrent threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}
