#include "util/timeutil.h"

#include <time.h>

uint64_t pqtun_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pqtun_now_ms(void) { return pqtun_now_ns() / 1000000ull; }

int pqtun_ms_until(uint64_t deadline_ms)
{
	uint64_t now = pqtun_now_ms();
	if (now >= deadline_ms)
		return 0;
	uint64_t d = deadline_ms - now;
	return d > 0x7fffffff ? 0x7fffffff : (int)d;
}
