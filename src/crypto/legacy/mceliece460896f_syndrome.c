/* Classic McEliece 460896f: syndrome C0 = H*e, streamed over the public key.
 *
 * H = [I_1248 | T] and the pk stores T row by row (420 bytes a row, columns
 * 1248..4607). Bit i of C0 is e_i XOR parity(row_i AND e[1248..4607]). The
 * tail of e starts at byte 156, so row byte b lines up with e byte 156 + b.
 * Each row is read once, straight from pk; the AND is accumulated with XOR in
 * 64-bit words and the parity of the accumulator is folded at the end (no
 * popcount instruction or table, so nothing depends on e but the data). */
#include "crypto/legacy/mceliece460896f.h"

#include <string.h>

#include "util/cpu.h"
#include "util/mem.h"

#define ROW_WORDS (MCE460896F_ROW_BYTES / 8)        /* 52 whole words */
#define ROW_TAIL (MCE460896F_ROW_BYTES % 8)         /* 4 bytes left */

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8); /* little-endian host (x86-64, aarch64) */
	return x;
}

static inline uint64_t load32(const uint8_t *p)
{
	uint32_t x;
	memcpy(&x, p, 4);
	return x;
}

static inline uint8_t parity64(uint64_t x)
{
	x ^= x >> 32;
	x ^= x >> 16;
	x ^= x >> 8;
	x ^= x >> 4;
	x ^= x >> 2;
	x ^= x >> 1;
	return (uint8_t)(x & 1);
}

void mce460896f_syndrome_portable(uint8_t c0[MCE460896F_SYND_BYTES],
				  const uint8_t pk[MCE460896F_PK_BYTES],
				  const uint8_t e[MCE460896F_E_BYTES])
{
	const uint8_t *et = e + MCE460896F_SYND_BYTES;
	uint64_t ew[ROW_WORDS + 1];

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mceliece460896f_syndrome.c assumes a little-endian host"
#endif
	for (size_t k = 0; k < ROW_WORDS; k++)
		ew[k] = load64(et + 8 * k);
	ew[ROW_WORDS] = load32(et + 8 * ROW_WORDS);

	for (size_t byte = 0; byte < MCE460896F_SYND_BYTES; byte++) {
		uint8_t out = 0;
		for (size_t bit = 0; bit < 8; bit++) {
			const uint8_t *row = pk + (8 * byte + bit) * MCE460896F_ROW_BYTES;
			uint64_t acc0 = 0, acc1 = 0;
			size_t k;
			for (k = 0; k + 1 < ROW_WORDS; k += 2) {
				acc0 ^= load64(row + 8 * k) & ew[k];
				acc1 ^= load64(row + 8 * k + 8) & ew[k + 1];
			}
			acc0 ^= load32(row + 8 * ROW_WORDS) & ew[ROW_WORDS];
			out |= (uint8_t)(parity64(acc0 ^ acc1) << bit);
		}
		c0[byte] = out ^ e[byte];
	}
	pqtun_memzero(ew, sizeof(ew));
}

void mce460896f_syndrome(uint8_t c0[MCE460896F_SYND_BYTES],
			 const uint8_t pk[MCE460896F_PK_BYTES],
			 const uint8_t e[MCE460896F_E_BYTES])
{
#if defined(PQTUN_HAVE_X86_64)
	if (pqtun_use_avx2()) {
		mce460896f_syndrome_avx2(c0, pk, e);
		return;
	}
#endif
	mce460896f_syndrome_portable(c0, pk, e);
}
