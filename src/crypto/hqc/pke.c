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

/* Expander stream layout: the secret key stream holds x then y (weight
 * HQC_W each); the encryption stream r1, r2, e (weights HQC_WR, HQC_WR,
 * HQC_WE). */
#define SK_STREAM_X 0
#define SK_STREAM_Y HQC_FIXED_WEIGHT_STREAM_BYTES(HQC_W)
#define SK_STREAM_BYTES (2 * HQC_FIXED_WEIGHT_STREAM_BYTES(HQC_W))
#define ENC_STREAM_R1 0
#define ENC_STREAM_R2 HQC_FIXED_WEIGHT_STREAM_BYTES(HQC_WR)
#define ENC_STREAM_E (2 * HQC_FIXED_WEIGHT_STREAM_BYTES(HQC_WR))
#define ENC_STREAM_BYTES (ENC_STREAM_E + HQC_FIXED_WEIGHT_STREAM_BYTES(HQC_WE))

static const uint8_t expander_domain = 0x02;

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

/* Job: out = first outlen bytes of the expander stream of seed. */
static void expander_job(hqc_shake_job *job, const uint8_t *seed, uint8_t *out, size_t outlen)
{
	memset(job, 0, sizeof(*job));
	job->part[0] = seed;
	job->len[0] = HQC_SEED_BYTES;
	job->part[1] = &expander_domain;
	job->len[1] = 1;
	job->out = out;
	job->outlen = outlen;
}

void hqc_pke_h_job(hqc_shake_job *job, const uint8_t pk_seed[HQC_SEED_BYTES], uint8_t *h_bytes)
{
	expander_job(job, pk_seed, h_bytes, HQC_VEC_BYTES);
}

void hqc_pke_keygen(uint8_t pk[HQC_PK_BYTES], const uint8_t sk_seed[HQC_SEED_BYTES],
		    const uint8_t pk_seed[HQC_SEED_BYTES])
{
	uint64_t x[HQC_VEC_WORDS], y[HQC_VEC_WORDS], h[HQC_VEC_WORDS], s[HQC_VEC_WORDS];
	uint8_t sk_stream[SK_STREAM_BYTES], h_bytes[HQC_VEC_BYTES];
	hqc_shake_job jobs[2];

	/* The two expanders are independent: run them side by side. */
	expander_job(&jobs[0], sk_seed, sk_stream, sizeof(sk_stream));
	hqc_pke_h_job(&jobs[1], pk_seed, h_bytes);
	hqc_shake256_x4(jobs, 2);
	hqc_fixed_weight_from_bytes(x, sk_stream + SK_STREAM_X, HQC_W);
	hqc_fixed_weight_from_bytes(y, sk_stream + SK_STREAM_Y, HQC_W);
	hqc_vec_from_bytes(h, h_bytes);

	hqc_gf2x_mul_mod(s, y, h);
	hqc_vec_xor(s, x, HQC_VEC_WORDS);
	memmove(pk, pk_seed, HQC_SEED_BYTES);
	hqc_vec_to_bytes(pk + HQC_SEED_BYTES, s);

	pqtun_memzero(sk_stream, sizeof(sk_stream)); /* x, y: see pke.h */
}

_Static_assert(ENC_STREAM_BYTES == HQC_PKE_ENC_STREAM_BYTES, "encryption stream size");

void hqc_pke_enc_stream_job(hqc_shake_job *job, const uint8_t theta[HQC_SEED_BYTES],
			    uint8_t stream[HQC_PKE_ENC_STREAM_BYTES])
{
	expander_job(job, theta, stream, HQC_PKE_ENC_STREAM_BYTES);
}

void hqc_pke_encrypt(uint8_t *uv, const uint8_t m[HQC_K], const uint8_t theta[HQC_SEED_BYTES],
		     const uint8_t pk[HQC_PK_BYTES], const uint64_t *h)
{
	uint8_t stream[ENC_STREAM_BYTES];
	hqc_shake_job job;

	hqc_pke_enc_stream_job(&job, theta, stream);
	hqc_shake256_x4(&job, 1);
	hqc_pke_encrypt_stream(uv, m, stream, pk, h);
	pqtun_memzero(stream, sizeof(stream));
}

void hqc_pke_encrypt_stream(uint8_t *uv, const uint8_t m[HQC_K],
			    const uint8_t stream[HQC_PKE_ENC_STREAM_BYTES],
			    const uint8_t pk[HQC_PK_BYTES], const uint64_t *h)
{
	uint64_t s[HQC_VEC_WORDS];
	uint64_t r1[HQC_VEC_WORDS], r2[HQC_VEC_WORDS], e[HQC_VEC_WORDS], t[HQC_VEC_WORDS];
	uint64_t cw[HQC_N1N2_WORDS];

	hqc_fixed_weight_from_bytes(r1, stream + ENC_STREAM_R1, HQC_WR);
	hqc_fixed_weight_from_bytes(r2, stream + ENC_STREAM_R2, HQC_WR);
	hqc_fixed_weight_from_bytes(e, stream + ENC_STREAM_E, HQC_WE);
	hqc_vec_from_bytes(s, pk + HQC_SEED_BYTES);

	/* u = r1 + h * r2 */
	hqc_gf2x_mul_mod_keep(t, r2, h); /* work area wiped after the second product */
	hqc_vec_xor(t, r1, HQC_VEC_WORDS);
	hqc_vec_to_bytes(uv, t);

	/* v = truncate(encode(m) + s * r2 + e) */
	hqc_gf2x_mul_mod(t, r2, s);
	hqc_vec_xor(t, e, HQC_VEC_WORDS);
	hqc_code_encode(cw, m);
	hqc_vec_xor(t, cw, HQC_N1N2_WORDS);
	hqc_vec_n1n2_to_bytes(uv + HQC_VEC_BYTES, t);
	/* r1, r2, e, t, cw stay on the stack: see pke.h */
}

void hqc_pke_decrypt(uint8_t m[HQC_K], const uint8_t *uv, const uint8_t sk_seed[HQC_SEED_BYTES])
{
	uint64_t u[HQC_VEC_WORDS], y[HQC_VEC_WORDS], t[HQC_VEC_WORDS], v[HQC_N1N2_WORDS];
	uint8_t sk_stream[SK_STREAM_BYTES];
	hqc_shake_job job;

	/* y follows x in the stream; x itself is not needed. */
	expander_job(&job, sk_seed, sk_stream, sizeof(sk_stream));
	hqc_shake256_x4(&job, 1);
	hqc_fixed_weight_from_bytes(y, sk_stream + SK_STREAM_Y, HQC_W);

	hqc_vec_from_bytes(u, uv);
	hqc_vec_n1n2_from_bytes(v, uv + HQC_VEC_BYTES);
	hqc_gf2x_mul_mod(t, u, y);
	hqc_vec_xor(v, t, HQC_N1N2_WORDS);
	hqc_code_decode(m, v);

	pqtun_memzero(sk_stream, sizeof(sk_stream)); /* y, t, v: see pke.h */
}
