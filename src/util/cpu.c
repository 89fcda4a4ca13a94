#include "util/cpu.h"

#include <stdlib.h>
#include <string.h>

static enum pqtun_impl forced = PQTUN_IMPL_AUTO;
static int env_checked, env_portable;

#if defined(__x86_64__)
static int x86_features(void)
{
	static int cached = -1;
	if (cached < 0) {
		__builtin_cpu_init();
		int f = 0;
		if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") &&
		    __builtin_cpu_supports("popcnt"))
			f |= 1;
		if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1"))
			f |= 2;
		if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("vpclmulqdq"))
			f |= 4;
		cached = f;
	}
	return cached;
}
int pqtun_cpu_has_avx2(void) { return (x86_features() & 1) != 0; }
int pqtun_cpu_has_pclmul(void) { return (x86_features() & 2) != 0; }
int pqtun_cpu_has_avx512_vpclmul(void) { return (x86_features() & 4) != 0; }
#else
int pqtun_cpu_has_avx2(void) { return 0; }
int pqtun_cpu_has_pclmul(void) { return 0; }
int pqtun_cpu_has_avx512_vpclmul(void) { return 0; }
#endif

int pqtun_impl_force(enum pqtun_impl impl)
{
	if (impl == PQTUN_IMPL_AVX2 && !(pqtun_cpu_has_avx2() && pqtun_cpu_has_pclmul()))
		return -1;
	forced = impl;
	return 0;
}

int pqtun_use_avx2(void)
{
	if (!env_checked) {
		const char *e = getenv("PQTUN_IMPL");
		env_portable = e && strcmp(e, "portable") == 0;
		env_checked = 1;
	}
	if (forced == PQTUN_IMPL_PORTABLE)
		return 0;
	if (forced == PQTUN_IMPL_AUTO && env_portable)
		return 0;
	return pqtun_cpu_has_avx2() && pqtun_cpu_has_pclmul();
}

const char *pqtun_impl_name(enum pqtun_impl impl)
{
	switch (impl) {
	case PQTUN_IMPL_PORTABLE: return "portable";
	case PQTUN_IMPL_AVX2: return "avx2";
	default: return "auto";
	}
}

int pqtun_impl_parse(const char *name, enum pqtun_impl *out)
{
	if (strcmp(name, "portable") == 0) *out = PQTUN_IMPL_PORTABLE;
	else if (strcmp(name, "avx2") == 0) *out = PQTUN_IMPL_AVX2;
	else if (strcmp(name, "auto") == 0) *out = PQTUN_IMPL_AUTO;
	else return -1;
	return 0;
}
