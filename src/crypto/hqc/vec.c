/* Byte encodings of HQC vectors (see vec.h). */
#include "crypto/hqc/vec.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Little-endian machines: the encoding is the memory image of the words. */
static void load_le(uint64_t *v, const uint8_t *bytes, size_t nbytes)
{
	size_t words = (nbytes + 7) / 8;
	v[words - 1] = 0;
	memcpy(v, bytes, nbytes);
}

static void store_le(uint8_t *bytes, const uint64_t *v, size_t nbytes)
{
	memcpy(bytes, v, nbytes);
}
#else
static void load_le(uint64_t *v, const uint8_t *bytes, size_t nbytes)
{
	size_t words = (nbytes + 7) / 8;
	for (size_t i = 0; i < words; i++) {
		uint64_t w = 0;
		for (size_t b = 0; b < 8 && 8 * i + b < nbytes; b++)
			w |= (uint64_t)bytes[8 * i + b] << (8 * b);
		v[i] = w;
	}
}

static void store_le(uint8_t *bytes, const uint64_t *v, size_t nbytes)
{
	for (size_t i = 0; i < nbytes; i++)
		bytes[i] = (uint8_t)(v[i / 8] >> (8 * (i % 8)));
}
#endif

void hqc_vec_from_bytes(uint64_t *v, const uint8_t *bytes)
{
	load_le(v, bytes, HQC_VEC_BYTES);
	v[HQC_VEC_WORDS - 1] &= HQC_LAST_WORD_MASK;
}

void hqc_vec_to_bytes(uint8_t *bytes, const uint64_t *v)
{
	store_le(bytes, v, HQC_VEC_BYTES);
}

void hqc_vec_n1n2_from_bytes(uint64_t *v, const uint8_t *bytes)
{
	load_le(v, bytes, HQC_N1N2_BYTES);
}

void hqc_vec_n1n2_to_bytes(uint8_t *bytes, const uint64_t *v)
{
	store_le(bytes, v, HQC_N1N2_BYTES);
}
