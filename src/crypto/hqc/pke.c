/* HQC-PKE key generation, encryption and decryption (pke.h). */
#include "crypto/hqc/pke.h"

#include <string.h>

#include "crypto/hqc/gf2x.h"
#include "crypto/hqc/rm.h"
#include "crypto/hqc/rs.h"
#include "crypto/hqc/sample.h"
#include "crypto/hqc/vec.h"
#include "crypto/hqc/xof.h"
#include "util/mem.h"

void hqc_code_encode(uint64_t *cw, const uint8_t m[HQC_K])
{
	uint8_t rs[HQC_N1];
	hqc_rs_encode(rs, m);
	hqc_rm_encode(cw, rs);
	pqtun_memzero(rs, sizeof(rs));
}

void hqc_code_decode(uint8_t m[HQC_K], const uint64_t *cw)
{
	uint8_t rs[HQC_N1];
	hqc_rm_decode(rs, cw);
	hqc_rs_decode(m, rs);
	pqtun_memzero(rs, sizeof(rs));
}

/* h from the public seed. */
static void expand_h(uint64_t *h, const uint8_t pk_seed[HQC_SEED_BYTES])
{
	hqc_xof xof;
	hqc_xof_init(&xof, pk_seed);
	hqc_sample_uniform(&xof, h);
	hqc_xof_wipe(&xof);
}

void hqc_pke_keygen(uint8_t pk[HQC_PK_BYTES], const uint8_t sk_seed[HQC_SEED_BYTES],
		    const uint8_t pk_seed[HQC_SEED_BYTES])
{
	uint64_t x[HQC_VEC_WORDS], y[HQC_VEC_WORDS], h[HQC_VEC_WORDS], s[HQC_VEC_WORDS];
	hqc_xof xof;

	hqc_xof_init(&xof, sk_seed);
	hqc_sample_fixed_weight(&xof, x, HQC_W);
	hqc_sample_fixed_weight(&xof, y, HQC_W);
	hqc_xof_wipe(&xof);
	expand_h(h, pk_seed);

	hqc_gf2x_mul_mod(s, y, h);
	hqc_vec_xor(s, x, HQC_VEC_WORDS);
	memmove(pk, pk_seed, HQC_SEED_BYTES);
	hqc_vec_to_bytes(pk + HQC_SEED_BYTES, s);

	pqtun_memzero(x, sizeof(x));
	pqtun_memzero(y, sizeof(y));
}

void hqc_pke_encrypt(uint8_t *uv, const uint8_t m[HQC_K], const uint8_t theta[HQC_SEED_BYTES],
		     const uint8_t pk[HQC_PK_BYTES])
{
	uint64_t h[HQC_VEC_WORDS], s[HQC_VEC_WORDS];
	uint64_t r1[HQC_VEC_WORDS], r2[HQC_VEC_WORDS], e[HQC_VEC_WORDS], t[HQC_VEC_WORDS];
	uint64_t cw[HQC_N1N2_WORDS];
	hqc_xof xof;

	hqc_xof_init(&xof, theta);
	hqc_sample_fixed_weight(&xof, r1, HQC_WR);
	hqc_sample_fixed_weight(&xof, r2, HQC_WR);
	hqc_sample_fixed_weight(&xof, e, HQC_WE);
	hqc_xof_wipe(&xof);
	expand_h(h, pk);
	hqc_vec_from_bytes(s, pk + HQC_SEED_BYTES);

	/* u = r1 + h * r2 */
	hqc_gf2x_mul_mod(t, r2, h);
	hqc_vec_xor(t, r1, HQC_VEC_WORDS);
	hqc_vec_to_bytes(uv, t);

	/* v = truncate(encode(m) + s * r2 + e) */
	hqc_gf2x_mul_mod(t, r2, s);
	hqc_vec_xor(t, e, HQC_VEC_WORDS);
	hqc_code_encode(cw, m);
	hqc_vec_xor(t, cw, HQC_N1N2_WORDS);
	hqc_vec_n1n2_to_bytes(uv + HQC_VEC_BYTES, t);

	pqtun_memzero(r1, sizeof(r1));
	pqtun_memzero(r2, sizeof(r2));
	pqtun_memzero(e, sizeof(e));
	pqtun_memzero(t, sizeof(t));
	pqtun_memzero(cw, sizeof(cw));
}

void hqc_pke_decrypt(uint8_t m[HQC_K], const uint8_t *uv, const uint8_t sk_seed[HQC_SEED_BYTES])
{
	uint64_t u[HQC_VEC_WORDS], y[HQC_VEC_WORDS], t[HQC_VEC_WORDS], v[HQC_N1N2_WORDS];
	uint8_t skip[4 * HQC_W];
	hqc_xof xof;

	/* y follows x in the stream; x itself is not needed. */
	hqc_xof_init(&xof, sk_seed);
	hqc_xof_read(&xof, skip, sizeof(skip));
	hqc_sample_fixed_weight(&xof, y, HQC_W);
	hqc_xof_wipe(&xof);

	hqc_vec_from_bytes(u, uv);
	hqc_vec_n1n2_from_bytes(v, uv + HQC_VEC_BYTES);
	hqc_gf2x_mul_mod(t, u, y);
	hqc_vec_xor(v, t, HQC_N1N2_WORDS);
	hqc_code_decode(m, v);

	pqtun_memzero(skip, sizeof(skip));
	pqtun_memzero(y, sizeof(y));
	pqtun_memzero(t, sizeof(t));
	pqtun_memzero(v, sizeof(v));
}
