/* HQC's seed expander: SHAKE256(seed || 0x02), read as one stream. (The
 * KEM's hashes, SHAKE256(m || pk || salt || 0x03) for theta and
 * SHAKE256(m || u || v || 0x04) for the shared secret, are computed as
 * batched jobs in hqc256.c, see shake_x4.h.) States hold secrets when
 * their seeds do: wipe them with hqc_xof_wipe. */
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

#endif
