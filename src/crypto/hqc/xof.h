/* HQC's SHAKE256 uses: the seed expander and the two hash functions, each
 * with its domain-separation byte appended to the input:
 *   expander  SHAKE256(seed || 0x02), read as one stream
 *   theta     SHAKE256(m || pk || salt || 0x03), first 64 bytes
 *   ss        SHAKE256(m || u || v || 0x04), first 64 bytes
 * States hold secrets when their seeds do: wipe them with hqc_xof_wipe. */
#ifndef PQTUN_CRYPTO_HQC_XOF_H
#define PQTUN_CRYPTO_HQC_XOF_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/fips202.h"
#include "crypto/hqc/params.h"

typedef struct {
	keccak_state st;
} hqc_xof;

/* Start an expander on a HQC_SEED_BYTES seed. */
void hqc_xof_init(hqc_xof *xof, const uint8_t seed[HQC_SEED_BYTES]);

/* Next len bytes of the stream. Like PQClean, a read whose length is not a
 * multiple of 8 consumes the stream up to the next multiple of 8 (the extra
 * bytes are discarded), so the byte consumption matches the KATs. */
void hqc_xof_read(hqc_xof *xof, uint8_t *out, size_t len);

void hqc_xof_wipe(hqc_xof *xof);

/* theta = SHAKE256(m || pk || salt || 0x03)[0:64]. m is secret. */
void hqc_hash_theta(uint8_t theta[64], const uint8_t m[HQC_K],
		    const uint8_t pk[HQC_PK_BYTES], const uint8_t salt[HQC_SALT_BYTES]);

/* ss = SHAKE256(prefix || uv || 0x04)[0:64], where prefix is m (or sigma
 * for an implicit rejection; secret) and uv = u || v as in the ciphertext
 * (HQC_VEC_BYTES + HQC_N1N2_BYTES bytes). */
void hqc_hash_ss(uint8_t ss[HQC_SS_BYTES], const uint8_t prefix[HQC_K], const uint8_t *uv);

#endif
