/* HQC's SHAKE256 seed expander and hash functions (see xof.h). */
#include "crypto/hqc/xof.h"

#include "util/mem.h"

enum {
	HQC_DOMAIN_EXPANDER = 0x02,
	HQC_DOMAIN_THETA = 0x03,
	HQC_DOMAIN_SS = 0x04,
};

void hqc_xof_init(hqc_xof *xof, const uint8_t seed[HQC_SEED_BYTES])
{
	const uint8_t domain = HQC_DOMAIN_EXPANDER;
	shake256_init(&xof->st);
	shake256_absorb(&xof->st, seed, HQC_SEED_BYTES);
	shake256_absorb(&xof->st, &domain, 1);
	shake256_finalize(&xof->st);
}

void hqc_xof_read(hqc_xof *xof, uint8_t *out, size_t len)
{
	size_t whole = len & ~(size_t)7, rest = len & 7;
	shake256_squeeze(out, whole, &xof->st);
	if (rest) {
		uint8_t tail[8];
		shake256_squeeze(tail, sizeof(tail), &xof->st);
		for (size_t i = 0; i < rest; i++)
			out[whole + i] = tail[i];
		pqtun_memzero(tail, sizeof(tail));
	}
}

void hqc_xof_wipe(hqc_xof *xof)
{
	keccak_wipe(&xof->st);
}

void hqc_hash_theta(uint8_t theta[64], const uint8_t m[HQC_K],
		    const uint8_t pk[HQC_PK_BYTES], const uint8_t salt[HQC_SALT_BYTES])
{
	const uint8_t domain = HQC_DOMAIN_THETA;
	keccak_state st;
	shake256_init(&st);
	shake256_absorb(&st, m, HQC_K);
	shake256_absorb(&st, pk, HQC_PK_BYTES);
	shake256_absorb(&st, salt, HQC_SALT_BYTES);
	shake256_absorb(&st, &domain, 1);
	shake256_finalize(&st);
	shake256_squeeze(theta, 64, &st);
	keccak_wipe(&st);
}

void hqc_hash_ss(uint8_t ss[HQC_SS_BYTES], const uint8_t prefix[HQC_K], const uint8_t *uv)
{
	const uint8_t domain = HQC_DOMAIN_SS;
	keccak_state st;
	shake256_init(&st);
	shake256_absorb(&st, prefix, HQC_K);
	shake256_absorb(&st, uv, HQC_VEC_BYTES + HQC_N1N2_BYTES);
	shake256_absorb(&st, &domain, 1);
	shake256_finalize(&st);
	shake256_squeeze(ss, HQC_SS_BYTES, &st);
	keccak_wipe(&st);
}
