/* Constant-time check of the PSK derivation and of every comparison and
 * encoding that handles secret data outside the KEMs:
 *  - pqtun_psk_derive (PROTOCOL.md §5): XOR of the 32-byte secrets, SHA-256
 *    of any other length (HQC-256's 64 bytes), for one to four KEMs;
 *  - the whole derivation as relay and client run it: ML-KEM-1024 and
 *    HQC-256 with secret randomness and secret keys, encaps on one side,
 *    decaps on the other, both PSKs derived from undefined secrets;
 *  - the comparisons used on secrets: pqtun_ct_equal (ML-KEM's §7.3 hash
 *    check, McEliece's confirmation, the zero-key checks),
 *    mlkem_ct_differ (ML-KEM's re-encryption check; HQC's own one is
 *    covered by test_ct_hqc), pqtun_wg_peer_has_psk;
 *  - the ways a PSK or private key leaves the process: base64 (shown to
 *    the user), hex (UAPI), netlink attributes (kernel WireGuard), and the
 *    public key computed from a private key.
 * Secrets are marked undefined with memcheck client requests, so under
 * valgrind (tests/test_ct_valgrind.sh) any branch or memory index that
 * depends on them is an error. Results are marked defined only right before
 * they are compared. Outside valgrind this is a plain functional test, with
 * OpenSSL's SHA-256 as an independent oracle for the combiner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <valgrind/memcheck.h>

#include "crypto/hqc/hqc256.h"
#include "crypto/mlkem/ct.h"
#include "crypto/mlkem/mlkem1024.h"
#include "pqtun/exchange.h"
#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/mem.h"
#include "wg/device.h"
#include "wg/netlink_msg.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 53 + 17 * i + (i >> 4));
}

/* Oracle: SHA-256 with OpenSSL (independent of libsodium's). */
static void oracle_sha256(uint8_t out[32], const uint8_t *in, size_t n)
{
	unsigned int len = 0;
	assert_int_equal(EVP_Digest(in, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

/* Oracle: the PSK of PROTOCOL.md §5 from defined copies of the secrets. */
static void oracle_psk(uint8_t psk[32], const uint8_t *const *secrets, const size_t *lens, size_t n)
{
	memset(psk, 0, 32);
	for (size_t i = 0; i < n; i++) {
		uint8_t h[32];
		const uint8_t *s = secrets[i];
		if (lens[i] != 32) {
			oracle_sha256(h, secrets[i], lens[i]);
			s = h;
		}
		for (size_t j = 0; j < 32; j++)
			psk[j] ^= s[j];
	}
}

/* The combiner on undefined secrets of the lengths the KEMs produce:
 * ML-KEM-1024 / Kyber1024 / McEliece 32 bytes, HQC-256 64 bytes. */
static void test_psk_combiner(void **state)
{
	(void)state;
	static const size_t lens_all[4] = { 32, 64, 32, 32 };
	uint8_t s[4][64], copy[4][64], psk[32], want[32];
	const uint8_t *sp[4] = { s[0], s[1], s[2], s[3] };
	const uint8_t *cp[4] = { copy[0], copy[1], copy[2], copy[3] };

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			fill(s[i], sizeof(s[i]), (uint8_t)(round * 4 + i + 1));
		memcpy(copy, s, sizeof(s));
		/* one KEM of each length, the deployed pair, and four */
		static const struct { size_t first, n; } sets[] = { { 0, 1 }, { 1, 1 }, { 0, 2 }, { 0, 4 } };
		for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
			SECRET(s, sizeof(s));
			assert_int_equal(pqtun_psk_derive(psk, sp + sets[k].first, lens_all + sets[k].first,
							  sets[k].n), 0);
			PUBLIC(psk, sizeof(psk));
			oracle_psk(want, cp + sets[k].first, lens_all + sets[k].first, sets[k].n);
			assert_memory_equal(psk, want, 32);
		}
	}
	PUBLIC(s, sizeof(s));
}

/* Relay and client as they really run: the relay encapsulates to both
 * keys and derives its PSK from the encapsulated secrets; the client
 * decapsulates with its secret keys and derives its PSK. Everything secret
 * (key generation and encapsulation randomness, the secret keys, the shared
 * secrets, both PSKs) stays undefined until the two PSKs are compared. */
static void test_psk_from_kems(void **state)
{
	(void)state;
	static uint8_t ek[PQTUN_MLKEM1024_EK_BYTES], dk[PQTUN_MLKEM1024_DK_BYTES];
	static uint8_t c1[PQTUN_MLKEM1024_CT_BYTES];
	static uint8_t pk[HQC256_PUBLIC_KEY_BYTES], sk[HQC256_SECRET_KEY_BYTES];
	static uint8_t c2[HQC256_CIPHERTEXT_BYTES];
	uint8_t d[32], z[32], m[32], hk[HQC256_KEYGEN_RANDOM_BYTES], he[HQC256_ENCAPS_RANDOM_BYTES];
	uint8_t relay_ss1[32], relay_ss2[64], client_ss1[32], client_ss2[64];
	uint8_t relay_psk[32], client_psk[32];
	const size_t lens[2] = { 32, 64 };

	fill(d, sizeof(d), 3);
	fill(z, sizeof(z), 4);
	fill(m, sizeof(m), 5);
	fill(hk, sizeof(hk), 6);
	fill(he, sizeof(he), 7);
	SECRET(d, sizeof(d));
	SECRET(z, sizeof(z));
	SECRET(m, sizeof(m));
	SECRET(hk, sizeof(hk));
	SECRET(he, sizeof(he));

	/* client: key pairs; the encapsulation keys go out in the clear */
	assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, d, z), PQTUN_OK);
	assert_int_equal(hqc256_keypair_derand(pk, sk, hk), PQTUN_OK);
	PUBLIC(ek, sizeof(ek));
	PUBLIC(dk + 1536, 1568 + 32); /* ek and H(ek) inside dk */
	PUBLIC(pk, sizeof(pk));
	PUBLIC(sk + 72, sizeof(pk)); /* pk inside sk */

	/* relay: encapsulate, derive; ciphertexts go back in the clear */
	assert_int_equal(pqtun_mlkem1024_encaps_derand(c1, relay_ss1, ek, m), PQTUN_OK);
	assert_int_equal(hqc256_encaps_derand(c2, relay_ss2, pk, he), PQTUN_OK);
	PUBLIC(c1, sizeof(c1));
	PUBLIC(c2, sizeof(c2));
	const uint8_t *relay_secrets[2] = { relay_ss1, relay_ss2 };
	assert_int_equal(pqtun_psk_derive(relay_psk, relay_secrets, lens, 2), 0);

	/* client: decapsulate, derive */
	int rc1 = pqtun_mlkem1024_decaps(client_ss1, c1, dk);
	int rc2 = hqc256_decaps(client_ss2, c2, sk);
	/* HQC's status says whether its re-encryption matched. The client
	 * reports a rejection openly (the exchange fails, which the relay sees
	 * anyway, and the key pair is never used again), so the status is
	 * declassified here exactly where the client branches on it. */
	PUBLIC(&rc1, sizeof(rc1));
	PUBLIC(&rc2, sizeof(rc2));
	assert_int_equal(rc1, PQTUN_OK);
	assert_int_equal(rc2, PQTUN_OK);
	const uint8_t *client_secrets[2] = { client_ss1, client_ss2 };
	assert_int_equal(pqtun_psk_derive(client_psk, client_secrets, lens, 2), 0);

	PUBLIC(relay_psk, sizeof(relay_psk));
	PUBLIC(client_psk, sizeof(client_psk));
	assert_memory_equal(relay_psk, client_psk, 32);
	/* and it is the §5 combination of the secrets */
	uint8_t want[32];
	PUBLIC(relay_ss1, sizeof(relay_ss1));
	PUBLIC(relay_ss2, sizeof(relay_ss2));
	oracle_psk(want, relay_secrets, lens, 2);
	assert_memory_equal(relay_psk, want, 32);

	pqtun_memzero(client_ss1, sizeof(client_ss1));
	pqtun_memzero(client_ss2, sizeof(client_ss2));
	PUBLIC(dk, sizeof(dk));
	PUBLIC(sk, sizeof(sk));
}

/* Equality of secrets: the result is computed without a branch or index
 * on the data and is declassified only to check it. */
static void test_secret_comparisons(void **state)
{
	(void)state;
	uint8_t a[1600], b[1600];
	static const size_t lens[] = { 1, 7, 32, 33, 64, 1568 };
	for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
		size_t n = lens[l];
		/* equal, then differing in the first, a middle, the last byte */
		for (int where = -1; where < 3; where++) {
			fill(a, n, 9);
			fill(b, n, 9);
			if (where >= 0)
				b[where == 0 ? 0 : where == 1 ? n / 2 : n - 1] ^= 0x40;
			int want_equal = where < 0;
			SECRET(a, n);
			SECRET(b, n);
			int eq = pqtun_ct_equal(a, b, n);
			uint8_t differ = mlkem_ct_differ(a, b, n);
			PUBLIC(&eq, sizeof(eq));
			PUBLIC(&differ, sizeof(differ));
			assert_int_equal(eq, want_equal);
			assert_int_equal(differ, !want_equal);
		}
	}
	PUBLIC(a, sizeof(a));
	PUBLIC(b, sizeof(b));

	/* A peer's PSK against "none" (all zero). */
	struct pqtun_wg_peer peer;
	memset(&peer, 0, sizeof(peer));
	for (int k = 0; k < 3; k++) {
		memset(peer.preshared_key, 0, sizeof(peer.preshared_key));
		if (k == 1)
			peer.preshared_key[31] = 1;
		if (k == 2)
			fill(peer.preshared_key, 32, 77);
		SECRET(peer.preshared_key, 32);
		int has = pqtun_wg_peer_has_psk(&peer);
		PUBLIC(&has, sizeof(has));
		assert_int_equal(has, k != 0);
	}
	pqtun_memzero(peer.preshared_key, 32);
}

/* A PSK shown as base64 and written to UAPI as hex, and a private key's
 * public key: no branch or table index on the secret bytes. */
static void test_secret_encodings(void **state)
{
	(void)state;
	uint8_t psk[32], priv[32], pub[32], back[32];
	char b64[PQTUN_KEY_B64_LEN + 1], hex[PQTUN_KEY_HEX_LEN + 1];

	for (int round = 0; round < 4; round++) {
		fill(psk, sizeof(psk), (uint8_t)(21 + round));
		if (round == 3)
			memset(psk, 0xff, sizeof(psk));
		SECRET(psk, sizeof(psk));
		pqtun_key_to_base64(b64, psk);
		pqtun_key_to_hex(hex, psk);
		PUBLIC(b64, sizeof(b64));
		PUBLIC(hex, sizeof(hex));
		PUBLIC(psk, sizeof(psk));
		assert_int_equal(pqtun_key_from_base64(back, b64), 0);
		assert_memory_equal(back, psk, 32);
		assert_int_equal(pqtun_key_from_hex(back, hex), 0);
		assert_memory_equal(back, psk, 32);
	}

	fill(priv, sizeof(priv), 99);
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
	uint8_t ref[32];
	assert_int_equal(pqtun_wg_pubkey(ref, priv), 0);
	SECRET(priv, sizeof(priv));
	int rc = pqtun_wg_pubkey(pub, priv);
	PUBLIC(&rc, sizeof(rc));
	PUBLIC(pub, sizeof(pub)); /* a public key */
	assert_int_equal(rc, 0);
	assert_memory_equal(pub, ref, 32);
	PUBLIC(priv, sizeof(priv));
}

/* The netlink request that hands a private key and PSKs to kernel
 * WireGuard is built without looking at them. */
static void test_secret_netlink_request(void **state)
{
	(void)state;
	struct pqtun_wg_device *dev = pqtun_wg_device_new("wgct0");
	assert_non_null(dev);
	fill(dev->private_key, 32, 31);
	dev->flags |= PQTUN_WGDEV_HAS_PRIVATE_KEY;
	for (int i = 0; i < 3; i++) {
		struct pqtun_wg_peer *p = pqtun_wg_device_add_peer(dev);
		assert_non_null(p);
		fill(p->public_key, 32, (uint8_t)(40 + i));
		p->flags |= PQTUN_WGPEER_HAS_PUBLIC_KEY;
		fill(p->preshared_key, 32, (uint8_t)(50 + i));
		p->flags |= PQTUN_WGPEER_HAS_PRESHARED_KEY;
	}
	uint8_t priv[32], psk1[32];
	memcpy(priv, dev->private_key, 32);
	memcpy(psk1, dev->peers[1].preshared_key, 32);
	SECRET(dev->private_key, 32);
	for (size_t i = 0; i < dev->n_peers; i++)
		SECRET(dev->peers[i].preshared_key, 32);

	struct wgnl_batch b;
	assert_int_equal(wgnl_build_set(&b, 0x1d, 1, dev, 4096), 0);
	assert_int_equal(b.n, 1);
	PUBLIC(b.msgs[0], b.lens[0]); /* only to parse it back */
	struct pqtun_wg_device *back = pqtun_wg_device_new("");
	assert_non_null(back);
	assert_int_equal(wgnl_parse_get_msg((const struct nlmsghdr *)b.msgs[0], back), 0);
	assert_memory_equal(back->private_key, priv, 32);
	assert_int_equal(back->n_peers, 3);
	assert_memory_equal(back->peers[1].preshared_key, psk1, 32);
	wgnl_batch_free(&b);
	pqtun_wg_device_free(back);
	PUBLIC(dev->private_key, 32);
	for (size_t i = 0; i < dev->n_peers; i++)
		PUBLIC(dev->peers[i].preshared_key, 32);
	pqtun_wg_device_free(dev);
	pqtun_memzero(priv, sizeof(priv));
	pqtun_memzero(psk1, sizeof(psk1));
}

/* Self-test of the tooling (PQTUN_CT_CANARY=1, run by test_ct_valgrind.sh,
 * which expects memcheck to fail it): one deliberate branch on a secret. If
 * memcheck did not report it, the client requests would be no-ops and every
 * test here would pass vacuously. */
static int canary(void)
{
	static volatile int sink;
	uint8_t secret[32];
	fill(secret, sizeof(secret), 1);
	SECRET(secret, sizeof(secret));
	if (secret[3] & 1)
		sink++;
	PUBLIC(secret, sizeof(secret));
	return 0;
}

int main(void)
{
	const char *c = getenv("PQTUN_CT_CANARY");
	if (c && !strcmp(c, "1"))
		return canary();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psk_combiner),
		cmocka_unit_test(test_psk_from_kems),
		cmocka_unit_test(test_secret_comparisons),
		cmocka_unit_test(test_secret_encodings),
		cmocka_unit_test(test_secret_netlink_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
