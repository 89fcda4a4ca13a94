/* Classic McEliece 460896f round-3 encapsulation, decapsulation and the KEM
 * descriptor. Key generation is not implemented: the relay only
 * encapsulates to a client's key. */
#include "crypto/legacy/mceliece460896f.h"

#include <string.h>

#include "crypto/fips202.h"
#include "crypto/legacy/mceliece460896f_decode.h"
#include "util/mem.h"
#include "util/random.h"

/* SHAKE256(prefix || a || b)[0..32] into out. a and b may be secret. */
static void hash_prefixed(uint8_t out[32], uint8_t prefix, const uint8_t *a, size_t alen,
			  const uint8_t *b, size_t blen)
{
	keccak_state st;

	shake256_init(&st);
	shake256_absorb(&st, &prefix, 1);
	shake256_absorb(&st, a, alen);
	if (blen)
		shake256_absorb(&st, b, blen);
	shake256_finalize(&st);
	shake256_squeeze(out, 32, &st);
	keccak_wipe(&st);
}

void mce460896f_enc_from_error(uint8_t ct[MCE460896F_CT_BYTES], uint8_t ss[MCE460896F_SS_BYTES],
			       const uint8_t pk[MCE460896F_PK_BYTES],
			       const uint8_t e[MCE460896F_E_BYTES])
{
	mce460896f_syndrome(ct, pk, e);
	hash_prefixed(ct + MCE460896F_SYND_BYTES, 0x02, e, MCE460896F_E_BYTES, NULL, 0);
	hash_prefixed(ss, 0x01, e, MCE460896F_E_BYTES, ct, MCE460896F_CT_BYTES);
}

int mce460896f_enc_derand(uint8_t ct[MCE460896F_CT_BYTES], uint8_t ss[MCE460896F_SS_BYTES],
			  const uint8_t pk[MCE460896F_PK_BYTES],
			  mce460896f_random_fn rnd, void *rnd_ctx)
{
	uint8_t rand[MCE460896F_SAMPLE_BYTES];
	uint8_t e[MCE460896F_E_BYTES];
	int accepted;

	do {
		if (rnd(rnd_ctx, rand, sizeof(rand)) != 0) {
			pqtun_memzero(rand, sizeof(rand));
			pqtun_memzero(e, sizeof(e));
			memset(ct, 0, MCE460896F_CT_BYTES);
			pqtun_memzero(ss, MCE460896F_SS_BYTES);
			return PQTUN_KEM_RANDOMNESS;
		}
		accepted = mce460896f_sample_attempt(e, rand);
	} while (!accepted);
	pqtun_memzero(rand, sizeof(rand));

	mce460896f_enc_from_error(ct, ss, pk, e);
	pqtun_memzero(e, sizeof(e));
	return PQTUN_OK;
}

static int os_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	return pqtun_randombytes(buf, len);
}

int mce460896f_enc(uint8_t *ct, uint8_t *ss, const uint8_t *pk)
{
	int rc = mce460896f_enc_derand(ct, ss, pk, os_random, NULL);
	pqtun_stack_scrub(4096);
	return rc;
}

int mce460896f_enc_checked(uint8_t *ct, size_t ct_len, uint8_t *ss, size_t ss_len,
			   const uint8_t *pk, size_t pk_len)
{
	if (!ct || !ss || !pk || ct_len != MCE460896F_CT_BYTES ||
	    ss_len != MCE460896F_SS_BYTES || pk_len != MCE460896F_PK_BYTES) {
		if (ct)
			memset(ct, 0, ct_len);
		if (ss)
			pqtun_memzero(ss, ss_len);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return mce460896f_enc(ct, ss, pk);
}

/* Key generation is not implemented; outputs are zeroed. */
static int keypair_unsupported(uint8_t *pk, uint8_t *sk)
{
	memset(pk, 0, MCE460896F_PK_BYTES);
	pqtun_memzero(sk, MCE460896F_SK_BYTES);
	return PQTUN_KEM_UNSUPPORTED;
}

int mce460896f_dec(uint8_t *ss, const uint8_t *ct, const uint8_t *sk)
{
	const uint8_t *s = sk;
	const uint8_t *g = sk + MCE460896F_E_BYTES;
	const uint8_t *cb = g + 2 * MCE460896F_T;
	uint8_t e[MCE460896F_E_BYTES], confirm[MCE460896F_CONFIRM_BYTES];
	uint8_t preimage[1 + MCE460896F_E_BYTES];

	int failed = mce460896f_decode(e, ct, g, cb);
	hash_prefixed(confirm, 0x02, e, sizeof(e), NULL, 0);
	failed |= 1 ^ pqtun_ct_equal(confirm, ct + MCE460896F_SYND_BYTES, sizeof(confirm));
	/* keep: 0xff when decoding and confirmation succeeded, else 0 */
	uint8_t keep = (uint8_t)((unsigned)failed - 1);

	preimage[0] = keep & 1;
	for (size_t i = 0; i < MCE460896F_E_BYTES; i++)
		preimage[1 + i] = (uint8_t)((keep & e[i]) | (~keep & s[i]));
	hash_prefixed(ss, preimage[0], preimage + 1, MCE460896F_E_BYTES, ct, MCE460896F_CT_BYTES);

	pqtun_memzero(e, sizeof(e));
	pqtun_memzero(confirm, sizeof(confirm));
	pqtun_memzero(preimage, sizeof(preimage));
	pqtun_memzero(&keep, sizeof(keep));
	pqtun_stack_scrub(64 * 1024);
	return PQTUN_OK;
}

int mce460896f_dec_checked(uint8_t *ss, size_t ss_len, const uint8_t *ct, size_t ct_len,
			   const uint8_t *sk, size_t sk_len)
{
	if (!ss || !ct || !sk || ss_len != MCE460896F_SS_BYTES ||
	    ct_len != MCE460896F_CT_BYTES || sk_len != MCE460896F_SK_BYTES) {
		if (ss)
			pqtun_memzero(ss, ss_len);
		return PQTUN_KEM_INVALID_LENGTH;
	}
	return mce460896f_dec(ss, ct, sk);
}

const pqtun_kem pqtun_kem_mceliece460896f = {
	.name = "Classic-McEliece-460896f-round3",
	.public_key_bytes = MCE460896F_PK_BYTES,
	.secret_key_bytes = MCE460896F_SK_BYTES,
	.ciphertext_bytes = MCE460896F_CT_BYTES,
	.shared_secret_bytes = MCE460896F_SS_BYTES,
	.keypair = keypair_unsupported,
	.encaps = mce460896f_enc,
	.decaps = mce460896f_dec,
};
