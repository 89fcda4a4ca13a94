#include "util/mem.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define PQTUN_STACK_SCRUB_MAX (512u * 1024u)

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void do_sodium_init(void)
{
	sodium_status = sodium_init() < 0 ? -1 : 0;
}

int pqtun_sodium_init(void)
{
	pthread_once(&sodium_once, do_sodium_init);
	return sodium_status;
}

void pqtun_memzero(void *p, size_t n)
{
	if (p && n)
		sodium_memzero(p, n);
}

int pqtun_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	/* (d - 1) >> 8 is 1 exactly when d == 0, without a branch. */
	return (int)((((uint32_t)d) - 1) >> 8) & 1;
}

void *pqtun_secure_alloc(size_t n)
{
	if (pqtun_sodium_init() != 0)
		return NULL;
	void *p = sodium_malloc(n ? n : 1);
	if (p)
		memset(p, 0, n);
	return p;
}

void pqtun_secure_free(void *p)
{
	if (p)
		sodium_free(p); /* wipes, unlocks and unmaps */
}

__attribute__((noinline)) void pqtun_stack_scrub(size_t bytes)
{
	if (bytes > PQTUN_STACK_SCRUB_MAX)
		bytes = PQTUN_STACK_SCRUB_MAX;
	/* alloca places the region directly below this frame, i.e. where the
	 * frames of the callee that just returned lived. */
	uint8_t *region = __builtin_alloca(bytes);
	sodium_memzero(region, bytes);
	__asm__ __volatile__("" : : "r"(region) : "memory");
}
