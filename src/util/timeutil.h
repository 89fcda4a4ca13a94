/* Monotonic time. */
#ifndef PQTUN_UTIL_TIMEUTIL_H
#define PQTUN_UTIL_TIMEUTIL_H

#include <stdint.h>

uint64_t pqtun_now_ns(void);  /* CLOCK_MONOTONIC, nanoseconds */
uint64_t pqtun_now_ms(void);
/* Milliseconds left until deadline_ms (monotonic), 0 if passed. */
int pqtun_ms_until(uint64_t deadline_ms);

#endif
