/* Memory for secrets: wiping, constant-time comparison, locked allocations. */
#ifndef PQTUN_UTIL_MEM_H
#define PQTUN_UTIL_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Zero n bytes in a way the compiler may not optimise away. */
void pqtun_memzero(void *p, size_t n);

/* Constant-time equality of two n-byte buffers: 1 if equal, 0 otherwise.
 * Time depends only on n. */
int pqtun_ct_equal(const void *a, const void *b, size_t n);

/* Allocate n bytes of locked memory (never swapped), with guard pages and a
 * canary (libsodium's sodium_malloc). Contents are zeroed. Returns NULL on
 * failure. Free with pqtun_secure_free, which wipes before unmapping. */
void *pqtun_secure_alloc(size_t n);
void pqtun_secure_free(void *p);

/* Overwrite `bytes` of the stack below the caller's frame, to remove secrets
 * left there by functions that have returned. Call after KEM operations. */
void pqtun_stack_scrub(size_t bytes);

/* libsodium must be initialised once; every helper here does it lazily, and
 * code that calls libsodium directly calls this first. Returns 0 or -1. */
int pqtun_sodium_init(void);

#endif
