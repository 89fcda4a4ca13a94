/* HQC-256 building blocks: GF(256) arithmetic, the Reed-Solomon generator,
 * Reed-Solomon and duplicated Reed-Muller encode/decode with errors up to
 * (and, for RM, well inside) their capacity, the concatenated code, the
 * fixed-weight sampler, batched SHAKE256, and agreement of the portable and AVX2 versions
 * (RM decoding of arbitrary words, dense vectors from positions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/fips202.h"
#include "crypto/hqc/params.h"
#include "crypto/hqc/pke.h"
#include "crypto/hqc/rm.h"
#include "crypto/hqc/rs.h"
#include "crypto/hqc/sample.h"
#include "crypto/hqc/shake_x4.h"
#include "crypto/hqc/vec.h"
#include "crypto/hqc/xof.h"
#include "util/cpu.h"

/* Deterministic test randomness (xorshift64*). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}
static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}
static void rng_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

/* Slow reference product: shift-and-add with reduction by 0x11d. */
static uint8_t ref_mul(uint8_t a, uint8_t b)
{
	unsigned int r = 0;
	for (int i = 0; i < 8; i++)
		if (b & (1 << i))
			r ^= (unsigned int)a << i;
	for (int i = 14; i >= 8; i--)
		if (r & (1u << i))
			r ^= 0x11du << (i - 8);
	return (uint8_t)r;
}

static void test_gf256(void **state)
{
	(void)state;
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++)
			assert_int_equal(hqc_gf256_mul((uint8_t)a, (uint8_t)b), ref_mul((uint8_t)a, (uint8_t)b));
	/* 2 generates the multiplicative group (order 255). */
	uint8_t x = 1;
	for (int i = 1; i < 255; i++) {
		x = ref_mul(x, 2);
		assert_int_not_equal(x, 1);
	}
	assert_int_equal(ref_mul(x, 2), 1);
}

static void test_rs_generator(void **state)
{
	(void)state;
	uint8_t g[HQC_RS_PARITY + 1] = {1}; /* g(x) = 1 */
	uint8_t root = 1;
	for (int i = 1; i <= HQC_RS_PARITY; i++) {
		root = ref_mul(root, 2); /* alpha^i */
		/* g <- g * (x + root) */
		for (int j = i; j >= 0; j--)
			g[j] = (uint8_t)((j ? g[j - 1] : 0) ^ ref_mul(g[j], root));
	}
	assert_memory_equal(g, hqc_rs_generator, sizeof(g));
}

static void corrupt_bytes(uint8_t *cw, int nerr)
{
	uint8_t used[HQC_N1] = {0};
	for (int e = 0; e < nerr;) {
		uint32_t p = rng_below(HQC_N1);
		if (used[p])
			continue;
		used[p] = 1;
		cw[p] ^= (uint8_t)(1 + rng_below(255));
		e++;
	}
}

static void test_rs_roundtrip(void **state)
{
	(void)state;
	uint8_t msg[HQC_K], cw[HQC_N1], rx[HQC_N1], out[HQC_K];
	for (int trial = 0; trial < 600; trial++) {
		rng_bytes(msg, sizeof(msg));
		hqc_rs_encode(cw, msg);
		assert_memory_equal(cw + HQC_RS_PARITY, msg, HQC_K); /* systematic */
		int nerr = trial % (HQC_DELTA + 1);
		if (trial >= 300)
			nerr = HQC_DELTA - (trial % 3); /* near capacity */
		memcpy(rx, cw, sizeof(cw));
		corrupt_bytes(rx, nerr);
		hqc_rs_decode(out, rx);
		if (memcmp(out, msg, HQC_K) != 0)
			fail_msg("RS trial %d: %d errors not corrected", trial, nerr);
	}
	/* all errors in the message part, and all in the parity part */
	rng_bytes(msg, sizeof(msg));
	hqc_rs_encode(cw, msg);
	memcpy(rx, cw, sizeof(cw));
	for (int i = 0; i < HQC_DELTA; i++)
		rx[HQC_N1 - 1 - i] ^= (uint8_t)(i + 1);
	hqc_rs_decode(out, rx);
	assert_memory_equal(out, msg, HQC_K);
	memcpy(rx, cw, sizeof(cw));
	for (int i = 0; i < HQC_DELTA; i++)
		rx[i] ^= 0xff;
	hqc_rs_decode(out, rx);
	assert_memory_equal(out, msg, HQC_K);
}

static void test_rs_beyond_capacity(void **state)
{
	(void)state;
	/* Beyond 29 errors: no crash, some output; usually not the message. */
	uint8_t msg[HQC_K], cw[HQC_N1], out[HQC_K];
	int wrong = 0;
	for (int trial = 0; trial < 50; trial++) {
		rng_bytes(msg, sizeof(msg));
		hqc_rs_encode(cw, msg);
		corrupt_bytes(cw, 40 + trial % 40);
		hqc_rs_decode(out, cw);
		wrong += memcmp(out, msg, HQC_K) != 0;
	}
	assert_true(wrong > 40);
}

/* Portable and AVX2 decoders agree on every kind of word: codewords with
 * errors below, at and beyond capacity, and arbitrary bytes. */
static void test_rs_agree(void **state)
{
	(void)state;
	uint8_t msg[HQC_K], cw[HQC_N1], a[HQC_K], b[HQC_K];
	for (int trial = 0; trial < 400; trial++) {
		if (trial % 4 == 3) {
			rng_bytes(cw, sizeof(cw));
		} else {
			rng_bytes(msg, sizeof(msg));
			hqc_rs_encode(cw, msg);
			corrupt_bytes(cw, (int)rng_below(60));
		}
		hqc_rs_decode_portable(a, cw);
		hqc_rs_decode(b, cw);
		assert_memory_equal(a, b, HQC_K);
	}
}

/* Flip nflip distinct bits among the 640 of RM block `block`. */
static void flip_bits(uint64_t *cw, int block, int nflip)
{
	uint8_t used[HQC_N2] = {0};
	for (int f = 0; f < nflip;) {
		uint32_t p = rng_below(HQC_N2);
		if (used[p])
			continue;
		used[p] = 1;
		uint32_t bit = (uint32_t)block * HQC_N2 + p;
		cw[bit / 64] ^= 1ULL << (bit % 64);
		f++;
	}
}

static void rm_decode_both(uint8_t *out_portable, uint8_t *out_auto, const uint64_t *cw)
{
	hqc_rm_decode_portable(out_portable, cw);
	hqc_rm_decode(out_auto, cw);
}

static void test_rm(void **state)
{
	(void)state;
	static uint64_t cw[HQC_N1N2_WORDS];
	uint8_t msg[HQC_N1], a[HQC_N1], b[HQC_N1];

	/* every byte value, clean */
	for (int i = 0; i < HQC_N1; i++)
		msg[i] = (uint8_t)(i * 3);
	hqc_rm_encode(cw, msg);
	rm_decode_both(a, b, cw);
	assert_memory_equal(a, msg, HQC_N1);
	assert_memory_equal(b, msg, HQC_N1);
	for (int v = 0; v < 256; v++) {
		memset(msg, v, sizeof(msg));
		hqc_rm_encode(cw, msg);
		rm_decode_both(a, b, cw);
		assert_memory_equal(a, msg, HQC_N1);
		assert_memory_equal(b, msg, HQC_N1);
	}
	/* up to 159 flips per 640-bit block (distance 320) are corrected */
	for (int trial = 0; trial < 40; trial++) {
		rng_bytes(msg, sizeof(msg));
		hqc_rm_encode(cw, msg);
		for (int blk = 0; blk < HQC_N1; blk++)
			flip_bits(cw, blk, (int)rng_below(160));
		rm_decode_both(a, b, cw);
		assert_memory_equal(a, msg, HQC_N1);
		assert_memory_equal(b, msg, HQC_N1);
	}
	/* arbitrary words (ties, heavy noise): both decoders agree */
	for (int trial = 0; trial < 200; trial++) {
		for (int i = 0; i < HQC_N1N2_WORDS; i++)
			cw[i] = rng();
		if (trial % 4 == 1) /* sparse words: many ties */
			for (int i = 0; i < HQC_N1N2_WORDS; i++)
				cw[i] &= rng() & rng() & rng() & rng();
		if (trial % 4 == 2)
			memset(cw, 0, sizeof(cw));
		if (trial % 4 == 3) { /* near the decision boundary */
			rng_bytes(msg, sizeof(msg));
			hqc_rm_encode(cw, msg);
			for (int blk = 0; blk < HQC_N1; blk++)
				flip_bits(cw, blk, 150 + (int)rng_below(30));
		}
		rm_decode_both(a, b, cw);
		assert_memory_equal(a, b, HQC_N1);
	}
}

static void test_concatenated(void **state)
{
	(void)state;
	static uint64_t cw[HQC_N1N2_WORDS];
	uint8_t m[HQC_K], out[HQC_K];
	for (int trial = 0; trial < 20; trial++) {
		rng_bytes(m, sizeof(m));
		hqc_code_encode(cw, m);
		/* 29 blocks destroyed, the rest lightly noisy */
		for (int blk = 0; blk < HQC_N1; blk++)
			flip_bits(cw, blk, blk < HQC_DELTA ? 320 : (int)rng_below(100));
		hqc_code_decode(out, cw);
		assert_memory_equal(out, m, HQC_K);
	}
}

static void test_dedup(void **state)
{
	(void)state;
	uint32_t a[HQC_MAX_WEIGHT], b[HQC_MAX_WEIGHT];
	for (int trial = 0; trial < 300; trial++) {
		unsigned int w = 1 + rng_below(HQC_MAX_WEIGHT);
		uint32_t spread = 1 + rng_below(trial < 150 ? 4 : 300); /* many repeats */
		for (unsigned int i = 0; i < w; i++)
			a[i] = i + rng_below(spread);
		memcpy(b, a, sizeof(a));
		hqc_support_dedup_portable(a, w);
		hqc_support_dedup(b, w);
		assert_memory_equal(a, b, w * sizeof(uint32_t));
		for (unsigned int i = 0; i < w; i++)
			for (unsigned int j = i + 1; j < w; j++)
				assert_int_not_equal(a[i], a[j]);
	}
}

/* Batched SHAKE256 equals one-at-a-time SHAKE256 for all kinds of lengths
 * (block boundaries of the 136-byte rate, several parts, 1 to 4 jobs). */
static void test_shake_x4(void **state)
{
	(void)state;
	static uint8_t in[4][1200], out_a[4][700], out_b[4][700];
	const size_t lens[] = {0, 1, 40, 135, 136, 137, 271, 272, 273, 1000, 1200};
	for (int trial = 0; trial < 60; trial++) {
		hqc_shake_job a[4], b[4];
		unsigned int n = 1 + (unsigned int)(trial % 4);
		memset(a, 0, sizeof(a));
		for (unsigned int l = 0; l < n; l++) {
			rng_bytes(in[l], sizeof(in[l]));
			size_t total = lens[rng_below(sizeof(lens) / sizeof(lens[0]))];
			size_t cut = total ? rng_below((uint32_t)total + 1) : 0;
			a[l].part[0] = in[l];
			a[l].len[0] = cut;
			a[l].part[2] = in[l] + cut;
			a[l].len[2] = total - cut;
			a[l].outlen = lens[rng_below(sizeof(lens) / sizeof(lens[0]))] % 700;
			b[l] = a[l];
			a[l].out = out_a[l];
			b[l].out = out_b[l];
		}
		memset(out_a, 0, sizeof(out_a));
		memset(out_b, 0xee, sizeof(out_b));
#ifdef PQTUN_HAVE_X86_64
		if (pqtun_cpu_has_avx2())
			hqc_shake256_x4_avx2(a, n);
		else
#endif
			hqc_shake256_x4(a, n);
		hqc_shake256_x4_portable(b, n);
		for (unsigned int l = 0; l < n; l++)
			assert_memory_equal(out_a[l], out_b[l], a[l].outlen);
	}
}

/* Chained jobs (a job that starts in its lane when the previous one is
 * done and reads its output) give, on the batched path, exactly what
 * running the jobs one after the other gives; lanes with and without
 * chains of one to three jobs, of lengths around the block boundaries,
 * and a chained job whose input is also checked against plain SHAKE256. */
static void test_shake_x4_chain(void **state)
{
	(void)state;
	static uint8_t in[4][600], out_a[4][3][300], out_b[4][3][300], ref[300];
	const size_t lens[] = {0, 1, 40, 64, 135, 136, 137, 272, 299};
	for (int trial = 0; trial < 60; trial++) {
		hqc_shake_job a[4][3], b[4][3];
		unsigned int n = 1 + (unsigned int)(trial % 4);
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		for (unsigned int l = 0; l < n; l++) {
			unsigned int depth = 1 + rng_below(3);
			rng_bytes(in[l], sizeof(in[l]));
			for (unsigned int k = 0; k < depth; k++) {
				hqc_shake_job *ja = &a[l][k], *jb = &b[l][k];
				size_t len = lens[rng_below(sizeof(lens) / sizeof(lens[0]))];
				/* the first job reads fresh input, later ones the previous output */
				ja->part[0] = k == 0 ? in[l] : out_a[l][k - 1];
				jb->part[0] = k == 0 ? in[l] : out_b[l][k - 1];
				ja->len[0] = jb->len[0] = k == 0 ? rng_below(600) : a[l][k - 1].outlen;
				ja->part[1] = jb->part[1] = in[l];
				ja->len[1] = jb->len[1] = rng_below(300);
				ja->outlen = jb->outlen = len;
				ja->out = out_a[l][k];
				jb->out = out_b[l][k];
				if (k > 0) {
					a[l][k - 1].then = ja;
					b[l][k - 1].then = jb;
				}
			}
		}
		hqc_shake_job heads_a[4], heads_b[4];
		for (unsigned int l = 0; l < n; l++) {
			heads_a[l] = a[l][0];
			heads_b[l] = b[l][0];
		}
		memset(out_a, 0, sizeof(out_a));
		memset(out_b, 0xee, sizeof(out_b));
#ifdef PQTUN_HAVE_X86_64
		if (pqtun_cpu_has_avx2())
			hqc_shake256_x4_avx2(heads_a, n);
		else
#endif
			hqc_shake256_x4(heads_a, n);
		hqc_shake256_x4_portable(heads_b, n);
		for (unsigned int l = 0; l < n; l++)
			for (unsigned int k = 0; k < 3; k++)
				assert_memory_equal(out_a[l][k], out_b[l][k], a[l][k].outlen);
		/* the second job of lane 0, if any, against one-shot SHAKE256 */
		if (a[0][1].out) {
			uint8_t msg[600 + 300];
			memcpy(msg, out_b[0][0], a[0][1].len[0]);
			memcpy(msg + a[0][1].len[0], in[0], a[0][1].len[1]);
			shake256(ref, a[0][1].outlen, msg, a[0][1].len[0] + a[0][1].len[1]);
			assert_memory_equal(ref, out_a[0][1], a[0][1].outlen);
		}
	}
}

static int popcount_vec(const uint64_t *v)
{
	int n = 0;
	for (int i = 0; i < HQC_VEC_WORDS; i++)
		n += __builtin_popcountll(v[i]);
	return n;
}

static void test_sampler(void **state)
{
	(void)state;
	uint8_t seed[HQC_SEED_BYTES];
	uint32_t support[HQC_MAX_WEIGHT];
	static uint64_t a[HQC_VEC_WORDS], b[HQC_VEC_WORDS];
	hqc_xof xof;

	for (int trial = 0; trial < 200; trial++) {
		unsigned int w = (trial & 1) ? HQC_WR : HQC_W;
		rng_bytes(seed, sizeof(seed));
		hqc_xof_init(&xof, seed);
		hqc_sample_support(&xof, support, w);
		for (unsigned int i = 0; i < w; i++) {
			assert_true(support[i] < HQC_N);
			for (unsigned int j = i + 1; j < w; j++)
				assert_int_not_equal(support[i], support[j]);
		}
		if (trial == 0) { /* a repeated and the last position: builds agree */
			support[3] = support[100];
			support[50] = HQC_N - 1;
		}
		hqc_support_to_vec_portable(a, support, w);
		hqc_support_to_vec(b, support, w);
		assert_memory_equal(a, b, sizeof(a));
		if (trial != 0) {
			assert_int_equal(popcount_vec(a), (int)w);
			for (unsigned int i = 0; i < w; i++)
				assert_true((a[support[i] / 64] >> (support[i] % 64)) & 1);
		}
		hqc_sample_uniform(&xof, a);
		assert_int_equal(a[HQC_VEC_WORDS - 1] & ~HQC_LAST_WORD_MASK, 0);
		hqc_xof_wipe(&xof);
	}
	/* the extreme positions */
	support[0] = 0;
	support[1] = HQC_N - 1;
	support[2] = 64;
	hqc_support_to_vec(a, support, 3);
	assert_int_equal(a[0], 1);
	assert_int_equal(a[1], 1);
	assert_int_equal(a[HQC_VEC_WORDS - 1], 1ULL << ((HQC_N - 1) % 64));
	assert_int_equal(popcount_vec(a), 3);
}

static void test_vec_bytes(void **state)
{
	(void)state;
	uint8_t bytes[HQC_VEC_BYTES], back[HQC_VEC_BYTES];
	static uint64_t v[HQC_VEC_WORDS];
	rng_bytes(bytes, sizeof(bytes));
	hqc_vec_from_bytes(v, bytes);
	assert_int_equal(v[HQC_VEC_WORDS - 1] >> (HQC_N % 64), 0); /* padding dropped */
	hqc_vec_to_bytes(back, v);
	assert_memory_equal(back, bytes, HQC_VEC_BYTES - 1);
	assert_int_equal(back[HQC_VEC_BYTES - 1], bytes[HQC_VEC_BYTES - 1] & 0x1f);
	assert_int_equal(v[0] & 0xff, bytes[0]);
}

/* Every test runs with the implementation chosen by the CPU; the AVX2
 * pieces are compared with the portable ones inside the tests, and the
 * whole set is run a second time with the portable one forced. */
static int force_portable(void **state)
{
	(void)state;
	return pqtun_impl_force(PQTUN_IMPL_PORTABLE);
}
static int force_auto(void **state)
{
	(void)state;
	return pqtun_impl_force(PQTUN_IMPL_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gf256),
		cmocka_unit_test(test_rs_generator),
		cmocka_unit_test(test_rs_roundtrip),
		cmocka_unit_test(test_rs_beyond_capacity),
		cmocka_unit_test(test_rs_agree),
		cmocka_unit_test(test_rm),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_sampler),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_shake_x4),
		cmocka_unit_test(test_shake_x4_chain),
		cmocka_unit_test(test_vec_bytes),
		cmocka_unit_test_setup_teardown(test_rs_roundtrip, force_portable, force_auto),
		cmocka_unit_test_setup_teardown(test_concatenated, force_portable, force_auto),
		cmocka_unit_test_setup_teardown(test_sampler, force_portable, force_auto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
