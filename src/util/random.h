/* Operating-system randomness (getrandom(2)). */
#ifndef PQTUN_UTIL_RANDOM_H
#define PQTUN_UTIL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fill buf with len random bytes. Returns 0, or -1 (errno set) if the kernel
 * cannot provide them; buf is then zeroed, never left half-filled. */
int pqtun_randombytes(uint8_t *buf, size_t len);

#endif
