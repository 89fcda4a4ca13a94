/* HQC-256 KEM: Fujisaki-Okamoto transform with salt and implicit rejection
 * over HQC-PKE (hqc256.h), and the pqtun KEM descriptor. */
#include "crypto/hqc/hqc256.h"

#include <string.h>

#include "crypto/hqc/params.h"
#include "crypto/hqc/pke.h"
#include "crypto/hqc/shake_x4.h"
#include "crypto/hqc/vec.h"
#include "util/mem.h"
#include "util/random.h"

_Static_assert(HQC256_PUBLIC_KEY_BYTES == HQC_PK_BYTES, "pk size");
_Static_assert(HQC256_SECRET_KEY_BYTES == HQC_SK_BYTES, "sk size");
_Static_assert(HQC256_CIPHERTEXT_BYTES == HQC_CT_BYTES, "ct size");
_Static_assert(HQC256_SHARED_SECRET_BYTES == HQC_SS_BYTES, "ss size");

#define UV_BYTES (HQC_VEC_BYTES + HQC_N1N2_BYTES)

/* All ones if the n bytes of a and b are equal, else zero; time depends on
 * n only. */
static uint64_t ct_equal_mask(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t d = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (uint64_t)(a[i] ^ b[i]);
	/* d == 0 iff (d | -d) has its top bit clear */
	return ((d | (0 - d)) >> 63) - 1;
}

static int keypair_internal(uint8_t *pk, uint8_t *sk, const uint8_t *rnd)
{
	const uint8_t *sk_seed = rnd, *sigma = rnd + HQC_SEED_BYTES;
	const uint8_t *pk_seed = rnd + HQC_SEED_BYTES + HQC_SIGMA_BYTES;

	hqc_pke_keygen(pk, sk_seed, pk_seed);
	memcpy(sk, sk_seed, HQC_SEED_BYTES);
	memcpy(sk + HQC_SEED_BYTES, sigma, HQC_SIGMA_BYTES);
	memcpy(sk + HQC_SEED_BYTES + HQC_SIGMA_BYTES, pk, HQC_PK_BYTES);
	return PQTUN_OK;
}

int hqc256_keypair_derand(uint8_t *pk, uint8_t *sk, const uint8_t rnd[HQC256_KEYGEN_RANDOM_BYTES])
{
	int rc = keypair_internal(pk, sk, rnd);
	pqtun_stack_scrub(HQC256_KEYPAIR_SCRUB_BYTES);
	return rc;
}

int hqc256_keypair(uint8_t *pk, uint8_t *sk)
{
	uint8_t rnd[HQC256_KEYGEN_RANDOM_BYTES];
	int rc;
	if (pqtun_randombytes(rnd, sizeof(rnd)) != 0) {
		memset(pk, 0, HQC_PK_BYTES);
		memset(sk, 0, HQC_SK_BYTES);
		rc = PQTUN_KEM_RANDOMNESS;
	} else {
		rc = keypair_internal(pk, sk, rnd);
	}
	pqtun_memzero(rnd, sizeof(rnd));
	pqtun_stack_scrub(HQC256_KEYPAIR_SCRUB_BYTES);
	return rc;
}

static const uint8_t theta_domain = 0x03, ss_domain = 0x04;

/* Job: theta = SHAKE256(m || pk || salt || 3)[0:64]. */
static void theta_job(hqc_shake_job *job, const uint8_t *m, const uint8_t *pk,
		      const uint8_t *salt, uint8_t *theta)
{
	memset(job, 0, sizeof(*job));
	job->part[0] = m;
	job->len[0] = HQC_K;
	job->part[1] = pk;
	job->len[1] = HQC_PK_BYTES;
	job->part[2] = salt;
	job->len[2] = HQC_SALT_BYTES;
	job->part[3] = &theta_domain;
	job->len[3] = 1;
	job->out = theta;
	job->outlen = 64;
}

/* Job: ss = SHAKE256(prefix || uv || 4)[0:64]. */
static void ss_job(hqc_shake_job *job, const uint8_t *prefix, const uint8_t *uv, uint8_t *ss)
{
	memset(job, 0, sizeof(*job));
	job->part[0] = prefix;
	job->len[0] = HQC_K;
	job->part[1] = uv;
	job->len[1] = UV_BYTES;
	job->part[2] = &ss_domain;
	job->len[2] = 1;
	job->out = ss;
	job->outlen = HQC_SS_BYTES;
}

static int encaps_internal(uint8_t *ct, uint8_t *ss, const uint8_t *pk, const uint8_t *rnd)
{
	const uint8_t *m = rnd, *salt = rnd + HQC_K;
	uint8_t theta[64], h_bytes[HQC_VEC_BYTES];
	uint64_t h[HQC_VEC_WORDS];
	hqc_shake_job jobs[2];

	/* theta and h's expansion are independent: side by side */
	theta_job(&jobs[0], m, pk, salt, theta);
	hqc_pke_h_job(&jobs[1], pk, h_bytes);
	hqc_shake256_x4(jobs, 2);
	hqc_vec_from_bytes(h, h_bytes);

	hqc_pke_encrypt(ct, m, theta, pk, h);
	memcpy(ct + UV_BYTES, salt, HQC_SALT_BYTES);
	ss_job(&jobs[0], m, ct, ss);
	hqc_shake256_x4(jobs, 1);
	pqtun_memzero(theta, sizeof(theta));
	return PQTUN_OK;
}

/* A public key is well formed when the unused top bits of s (bits 5..7 of
 * its last byte) are zero, as key generation always leaves them. PQClean
 * does not check this; its products with such an s differ from the
 * polynomial arithmetic, so refusing the key is the only unambiguous
 * answer. The public key is public: branching on it is fine. */
static int pk_well_formed(const uint8_t *pk)
{
	return (pk[HQC_PK_BYTES - 1] & (uint8_t)~(HQC_LAST_WORD_MASK >> 32)) == 0;
}

static int refuse_pk(uint8_t *ct, uint8_t *ss)
{
	memset(ct, 0, HQC_CT_BYTES);
	pqtun_memzero(ss, HQC_SS_BYTES);
	return PQTUN_KEM_INVALID_KEY;
}

int hqc256_encaps_derand(uint8_t *ct, uint8_t *ss, const uint8_t *pk,
			 const uint8_t rnd[HQC256_ENCAPS_RANDOM_BYTES])
{
	if (!pk_well_formed(pk))
		return refuse_pk(ct, ss);
	int rc = encaps_internal(ct, ss, pk, rnd);
	pqtun_stack_scrub(HQC256_ENCAPS_SCRUB_BYTES);
	return rc;
}

int hqc256_encaps(uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
	uint8_t rnd[HQC256_ENCAPS_RANDOM_BYTES];
	int rc;
	if (!pk_well_formed(pk))
		return refuse_pk(ct, ss);
	if (pqtun_randombytes(rnd, sizeof(rnd)) != 0) {
		memset(ct, 0, HQC_CT_BYTES);
		pqtun_memzero(ss, HQC_SS_BYTES);
		rc = PQTUN_KEM_RANDOMNESS;
	} else {
		rc = encaps_internal(ct, ss, pk, rnd);
	}
	pqtun_memzero(rnd, sizeof(rnd));
	pqtun_stack_scrub(HQC256_ENCAPS_SCRUB_BYTES);
	return rc;
}

static int decaps_internal(uint8_t *ss, const uint8_t *ct, const uint8_t *sk)
{
	const uint8_t *sk_seed = sk, *sigma = sk + HQC_SEED_BYTES;
	const uint8_t *pk = sk + HQC_SEED_BYTES + HQC_SIGMA_BYTES;
	const uint8_t *salt = ct + UV_BYTES;
	uint8_t m[HQC_K], theta[64], ss_accept[HQC_SS_BYTES], ss_reject[HQC_SS_BYTES];
	uint8_t uv[UV_BYTES], h_bytes[HQC_VEC_BYTES], stream[HQC_PKE_ENC_STREAM_BYTES];
	uint64_t h[HQC_VEC_WORDS];
	hqc_shake_job jobs[4], stream_job;

	hqc_pke_decrypt(m, ct, sk_seed);

	/* Four independent hashes: h, theta, and both candidate secrets
	 * (accepting: m' || u || v, rejecting: sigma || u || v); the
	 * re-encryption stream, expanded from theta, follows theta in its
	 * lane while the two long hashes still run. */
	hqc_pke_h_job(&jobs[0], pk, h_bytes);
	theta_job(&jobs[1], m, pk, salt, theta);
	hqc_pke_enc_stream_job(&stream_job, theta, stream);
	jobs[1].then = &stream_job;
	ss_job(&jobs[2], m, ct, ss_accept);
	ss_job(&jobs[3], sigma, ct, ss_reject);
	hqc_shake256_x4(jobs, 4);
	hqc_vec_from_bytes(h, h_bytes);

	hqc_pke_encrypt_stream(uv, m, stream, pk, h);

	/* Every byte of u || v counts, including the padding bits of u. */
	uint64_t ok = ct_equal_mask(uv, ct, UV_BYTES);
	for (size_t i = 0; i < HQC_SS_BYTES; i++)
		ss[i] = (uint8_t)((ss_accept[i] & ok) | (ss_reject[i] & ~ok));

	pqtun_memzero(m, sizeof(m));
	pqtun_memzero(theta, sizeof(theta));
	pqtun_memzero(ss_accept, sizeof(ss_accept));
	pqtun_memzero(ss_reject, sizeof(ss_reject));
	pqtun_memzero(uv, sizeof(uv));
	pqtun_memzero(stream, sizeof(stream));
	/* PQTUN_OK when equal, PQTUN_KEM_REJECTED otherwise, without a branch */
	return (int)(~ok & (uint64_t)(int64_t)PQTUN_KEM_REJECTED);
}

int hqc256_decaps(uint8_t *ss, const uint8_t *ct, const uint8_t *sk)
{
	int rc = decaps_internal(ss, ct, sk);
	pqtun_stack_scrub(HQC256_DECAPS_SCRUB_BYTES);
	return rc;
}

int hqc256_encaps_checked(uint8_t *ct, size_t ct_len, uint8_t *ss, size_t ss_len,
			  const uint8_t *pk, size_t pk_len)
{
	if (ct_len != HQC_CT_BYTES || ss_len != HQC_SS_BYTES || pk_len != HQC_PK_BYTES) {
		if (ct)
			memset(ct, 0, ct_len);
		if (ss)
			pqtun_memzero(ss, ss_len);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return hqc256_encaps(ct, ss, pk);
}

int hqc256_decaps_checked(uint8_t *ss, size_t ss_len, const uint8_t *ct, size_t ct_len,
			  const uint8_t *sk, size_t sk_len)
{
	if (ss_len != HQC_SS_BYTES || ct_len != HQC_CT_BYTES || sk_len != HQC_SK_BYTES) {
		if (ss)
			pqtun_memzero(ss, ss_len);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return hqc256_decaps(ss, ct, sk);
}

const pqtun_kem pqtun_kem_hqc256 = {
	.name = "HQC-256",
	.public_key_bytes = HQC256_PUBLIC_KEY_BYTES,
	.secret_key_bytes = HQC256_SECRET_KEY_BYTES,
	.ciphertext_bytes = HQC256_CIPHERTEXT_BYTES,
	.shared_secret_bytes = HQC256_SHARED_SECRET_BYTES,
	.keypair = hqc256_keypair,
	.encaps = hqc256_encaps,
	.decaps = hqc256_decaps,
};
