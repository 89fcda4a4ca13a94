/* Logging to stderr with levels. -q lowers, -v raises the threshold. */
#ifndef PQTUN_UTIL_LOG_H
#define PQTUN_UTIL_LOG_H

enum pqtun_log_level {
	PQTUN_LOG_ERROR = 0,
	PQTUN_LOG_WARN = 1,
	PQTUN_LOG_INFO = 2,
	PQTUN_LOG_DEBUG = 3,
};

void pqtun_log_set_level(int level);
int pqtun_log_get_level(void);
/* Prefix every line with a wall-clock timestamp (long-running daemons). */
void pqtun_log_set_timestamps(int on);

void pqtun_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) pqtun_log(PQTUN_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) pqtun_log(PQTUN_LOG_WARN, __VA_ARGS__)
#define log_info(...) pqtun_log(PQTUN_LOG_INFO, __VA_ARGS__)
#define log_debug(...) pqtun_log(PQTUN_LOG_DEBUG, __VA_ARGS__)

#endif
