/* Four independent Keccak-f[1600] instances in AVX2 registers (x86-64
 * only; call only when pqtun_cpu_has_avx2()). Used for SHAKE-128 matrix
 * sampling and SHAKE-256 noise in ML-KEM, where four streams of equal-length
 * input are needed at once. Lane i of instance j is s[4 * i + j]. Nothing
 * here branches on or indexes by data; states hold secrets when inputs do
 * (wipe with pqtun_memzero). */
#ifndef PQTUN_CRYPTO_FIPS202X4_H
#define PQTUN_CRYPTO_FIPS202X4_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t s[100];
} __attribute__((aligned(32))) keccakx4_state;

/* 24 rounds on all four instances. */
void keccakx4_permute(keccakx4_state *st);

/* Init + absorb four inputs of the same length inlen + pad with dsbyte, for
 * the given rate (bytes): afterwards the state is ready for squeezeblocks
 * (which performs the pending permutation). */
void keccakx4_absorb_once(keccakx4_state *st, unsigned int rate, uint8_t dsbyte,
			  const uint8_t *in0, const uint8_t *in1, const uint8_t *in2,
			  const uint8_t *in3, size_t inlen);

/* Output nblocks whole blocks of rate bytes per instance (continuing the
 * stream), permuting before each block. */
void keccakx4_squeezeblocks(uint8_t *out0, uint8_t *out1, uint8_t *out2, uint8_t *out3,
			    size_t nblocks, unsigned int rate, keccakx4_state *st);

#endif
