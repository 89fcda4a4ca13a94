/* HQC's SHAKE256 seed expander (see xof.h). */
#include "crypto/hqc/xof.h"

#include "util/mem.h"

enum { HQC_DOMAIN_EXPANDER = 0x02 };

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
