/* ML-KEM-1024 known answers: every ../shared/vectors/mlkem1024_*.txt file
 * (semantics: vectors README §3), each run with the portable and the AVX2
 * implementation (the latter only where the CPU has AVX2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "crypto/mlkem/mlkem1024.h"
#include "util/cpu.h"
#include "vectors.h"

#define EK PQTUN_MLKEM1024_EK_BYTES
#define DK PQTUN_MLKEM1024_DK_BYTES
#define CT PQTUN_MLKEM1024_CT_BYTES
#define SS PQTUN_MLKEM1024_SS_BYTES

typedef void (*file_check)(vec_file *vf, long *nvalid, long *ninvalid);

/* Runs check on every block of file, once per implementation; fails if the
 * file has no blocks or fewer than min_blocks. */
static void run_file(const char *file, file_check check, long min_blocks)
{
	const enum pqtun_impl impls[2] = { PQTUN_IMPL_PORTABLE, PQTUN_IMPL_AVX2 };
	for (int i = 0; i < 2; i++) {
		if (pqtun_impl_force(impls[i]) != 0) {
			printf("# %s: %s not supported by this CPU, skipped\n", file,
			       pqtun_impl_name(impls[i]));
			continue;
		}
		vec_file vf;
		long nvalid = 0, ninvalid = 0;
		assert_int_equal(vec_open(&vf, file), 0);
		while (vec_next(&vf))
			check(&vf, &nvalid, &ninvalid);
		vec_close(&vf);
		printf("# %s [%s]: %ld valid, %ld invalid cases passed\n", file,
		       pqtun_impl_name(impls[i]), nvalid, ninvalid);
		assert_true(nvalid + ninvalid >= min_blocks);
	}
	pqtun_impl_force(PQTUN_IMPL_AUTO);
}

static void expect_equal(const vec_file *vf, const char *what, const uint8_t *got,
			 const vec_field *want)
{
	if (memcmp(got, want->bytes, want->len) != 0)
		fail_msg("%s count %ld: %s differs (%s)", vf->path, vf->count, what, vf->comment);
}

static int is_valid(const vec_file *vf)
{
	const vec_field *r = vec_get(vf, "result");
	return !r || strcmp(r->value, "valid") == 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* KeyGen_internal(d, z) == (ek, dk). */
static void keygen_check(const vec_file *vf, const uint8_t *d, const uint8_t *z)
{
	uint8_t ek[EK], dk[DK];
	assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, d, z), PQTUN_OK);
	expect_equal(vf, "ek", ek, vec_need(vf, "ek"));
	expect_equal(vf, "dk", dk, vec_need(vf, "dk"));
}

/* Decaps(dk, c) == k. */
static void decaps_check(const vec_file *vf, const uint8_t *dk, const uint8_t *c,
			 const vec_field *k)
{
	uint8_t got[SS];
	assert_int_equal(k->len, SS);
	assert_int_equal(pqtun_mlkem1024_decaps(got, c, dk), PQTUN_OK);
	expect_equal(vf, "decapsulated k", got, k);
}

/* Encaps_internal(ek, m) == (c, k), and Decaps(dk, c) == k if dk given. */
static void encaps_check(const vec_file *vf)
{
	const vec_field *ek = vec_need(vf, "ek"), *m = vec_need(vf, "m");
	const vec_field *dk = vec_get(vf, "dk");
	uint8_t c[CT], k[SS];
	assert_int_equal(ek->len, EK);
	assert_int_equal(pqtun_mlkem1024_encaps_derand(c, k, ek->bytes, m->bytes), PQTUN_OK);
	expect_equal(vf, "c", c, vec_need(vf, "c"));
	expect_equal(vf, "k", k, vec_need(vf, "k"));
	if (dk)
		decaps_check(vf, dk->bytes, c, vec_need(vf, "k"));
}

/* An invalid ek: the check says so and encapsulation refuses it with
 * zeroed outputs. */
static void encaps_refused(const vec_file *vf, const vec_field *ek)
{
	uint8_t c[CT], k[SS];
	static const uint8_t m[32] = { 1 };
	memset(c, 0x55, sizeof(c));
	memset(k, 0x55, sizeof(k));
	if (pqtun_mlkem1024_ek_valid(ek->bytes, ek->len))
		fail_msg("%s count %ld: invalid ek accepted by the check", vf->path, vf->count);
	int rc = pqtun_mlkem1024_encaps_derand_checked(c, k, ek->bytes, ek->len, m);
	if (rc == PQTUN_OK)
		fail_msg("%s count %ld: encaps used an invalid ek", vf->path, vf->count);
	assert_int_equal(rc, ek->len == EK ? PQTUN_KEM_INVALID_KEY : PQTUN_KEM_INVALID_LENGTH);
	assert_true(all_zero(c, sizeof(c)) && all_zero(k, sizeof(k)));
	if (ek->len == EK) {
		assert_int_equal(pqtun_mlkem1024_encaps(c, k, ek->bytes), PQTUN_KEM_INVALID_KEY);
		assert_true(all_zero(c, sizeof(c)) && all_zero(k, sizeof(k)));
	}
}

static void acvp_keygen(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	keygen_check(vf, vec_need(vf, "d")->bytes, vec_need(vf, "z")->bytes);
	(*nv)++;
}

static void acvp_encaps(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	encaps_check(vf);
	(*nv)++;
}

static void acvp_decaps(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	const vec_field *dk = vec_need(vf, "dk"), *d = vec_get(vf, "d");
	assert_int_equal(dk->len, DK);
	assert_int_equal(vec_need(vf, "c")->len, CT);
	decaps_check(vf, dk->bytes, vec_need(vf, "c")->bytes, vec_need(vf, "k"));
	if (d) /* seed-format blocks: KeyGen_internal(d, z) gives this dk */
		keygen_check(vf, d->bytes, vec_need(vf, "z")->bytes);
	(*nv)++;
}

static void ekcheck(vec_file *vf, long *nv, long *ni)
{
	const vec_field *ek = vec_need(vf, "ek");
	if (is_valid(vf)) {
		assert_true(pqtun_mlkem1024_ek_valid(ek->bytes, ek->len));
		uint8_t c[CT], k[SS], m[32] = { 7 };
		assert_int_equal(pqtun_mlkem1024_encaps_derand(c, k, ek->bytes, m), PQTUN_OK);
		(*nv)++;
	} else {
		encaps_refused(vf, ek);
		(*ni)++;
	}
}

static void dkcheck(vec_file *vf, long *nv, long *ni)
{
	const vec_field *dk = vec_need(vf, "dk");
	uint8_t c[CT] = { 0 }, k[SS];
	int valid = is_valid(vf);
	if (pqtun_mlkem1024_dk_valid(dk->bytes, dk->len) != valid)
		fail_msg("%s count %ld: dk check gives %d, want %d", vf->path, vf->count, !valid, valid);
	memset(k, 0x55, sizeof(k));
	int rc = pqtun_mlkem1024_decaps_checked(k, c, sizeof(c), dk->bytes, dk->len);
	if (valid) {
		assert_int_equal(rc, PQTUN_OK);
		(*nv)++;
	} else {
		assert_int_equal(rc, dk->len == DK ? PQTUN_KEM_INVALID_KEY : PQTUN_KEM_INVALID_LENGTH);
		assert_true(all_zero(k, sizeof(k)));
		(*ni)++;
	}
}

static void wp_keygen_seed(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	const vec_field *seed = vec_need(vf, "seed");
	assert_true(is_valid(vf));
	assert_int_equal(seed->len, 64);
	keygen_check(vf, seed->bytes, seed->bytes + 32);
	uint8_t ek[EK], dk[DK];
	assert_int_equal(pqtun_mlkem1024_keypair_from_seed_checked(ek, dk, seed->bytes, seed->len),
			 PQTUN_OK);
	expect_equal(vf, "ek (seed API)", ek, vec_need(vf, "ek"));
	(*nv)++;
}

static void wp_encaps(vec_file *vf, long *nv, long *ni)
{
	if (is_valid(vf)) {
		encaps_check(vf);
		(*nv)++;
	} else {
		encaps_refused(vf, vec_need(vf, "ek"));
		(*ni)++;
	}
}

static void wp_decaps_seed(vec_file *vf, long *nv, long *ni)
{
	const vec_field *seed = vec_need(vf, "seed"), *c = vec_need(vf, "c");
	const vec_field *ek_want = vec_get(vf, "ek");
	uint8_t ek[EK], dk[DK], k[SS];
	int rc = pqtun_mlkem1024_keypair_from_seed_checked(ek, dk, seed->bytes, seed->len);
	if (is_valid(vf)) {
		assert_int_equal(rc, PQTUN_OK);
		if (ek_want)
			expect_equal(vf, "ek", ek, ek_want);
		assert_int_equal(c->len, CT);
		decaps_check(vf, dk, c->bytes, vec_need(vf, "k"));
		(*nv)++;
		return;
	}
	/* Invalid: the seed or the ciphertext has the wrong length. */
	if (seed->len != 64) {
		assert_int_equal(rc, PQTUN_KEM_INVALID_LENGTH);
		assert_true(all_zero(dk, sizeof(dk)));
	} else {
		assert_int_equal(rc, PQTUN_OK);
		memset(k, 0x55, sizeof(k));
		assert_int_equal(pqtun_mlkem1024_decaps_checked(k, c->bytes, c->len, dk, sizeof(dk)),
				 PQTUN_KEM_INVALID_LENGTH);
		assert_true(all_zero(k, sizeof(k)));
	}
	assert_true(seed->len != 64 || c->len != CT);
	(*ni)++;
}

static void wp_decaps_expanded(vec_file *vf, long *nv, long *ni)
{
	const vec_field *dk = vec_need(vf, "dk"), *c = vec_need(vf, "c");
	uint8_t k[SS];
	memset(k, 0x55, sizeof(k));
	int rc = pqtun_mlkem1024_decaps_checked(k, c->bytes, c->len, dk->bytes, dk->len);
	if (is_valid(vf)) {
		assert_int_equal(rc, PQTUN_OK);
		expect_equal(vf, "k", k, vec_need(vf, "k"));
		(*nv)++;
	} else {
		if (rc == PQTUN_OK)
			fail_msg("%s count %ld: invalid decaps input accepted", vf->path, vf->count);
		assert_true(all_zero(k, sizeof(k)));
		(*ni)++;
	}
}

static void cctv_modulus(vec_file *vf, long *nv, long *ni)
{
	(void)nv;
	assert_false(is_valid(vf));
	encaps_refused(vf, vec_need(vf, "ek"));
	(*ni)++;
}

static void cctv_strcmp(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	decaps_check(vf, vec_need(vf, "dk")->bytes, vec_need(vf, "c")->bytes, vec_need(vf, "k"));
	(*nv)++;
}

/* PQClean replay: keypair's one 64-byte call is d || z, enc's one 32-byte
 * call is m; then decaps of ct and of the tampered bad_ct. */
static void pqclean_case(vec_file *vf)
{
	const vec_field *kr = vec_need(vf, "keygen_rand"), *er = vec_need(vf, "encaps_rand");
	uint8_t ek[EK], dk[DK], c[CT], k[SS], k2[SS], h[32];
	assert_string_equal(vec_need(vf, "keygen_rand_calls")->value, "64");
	assert_string_equal(vec_need(vf, "encaps_rand_calls")->value, "32");
	assert_int_equal(pqtun_mlkem1024_keypair_derand(ek, dk, kr->bytes, kr->bytes + 32), PQTUN_OK);
	expect_equal(vf, "pk", ek, vec_need(vf, "pk"));
	expect_equal(vf, "sk", dk, vec_need(vf, "sk"));
	assert_int_equal(pqtun_mlkem1024_encaps_derand(c, k, ek, er->bytes), PQTUN_OK);
	expect_equal(vf, "ct", c, vec_need(vf, "ct"));
	expect_equal(vf, "ss", k, vec_need(vf, "ss"));
	SHA256(k, sizeof(k), h);
	expect_equal(vf, "ss_sha256", h, vec_need(vf, "ss_sha256"));
	assert_int_equal(pqtun_mlkem1024_decaps(k2, c, dk), PQTUN_OK);
	assert_memory_equal(k2, k, SS);
	const vec_field *bad = vec_get(vf, "bad_ct");
	if (bad) {
		long off = strtol(vec_need(vf, "bad_ct_offset")->value, NULL, 10);
		uint8_t x = vec_need(vf, "bad_ct_xor")->bytes[0];
		assert_true(off >= 0 && off < CT && x != 0);
		c[off] ^= x;
		assert_memory_equal(c, bad->bytes, CT);
		assert_int_equal(pqtun_mlkem1024_decaps(k2, bad->bytes, dk), PQTUN_OK);
		expect_equal(vf, "bad_ss", k2, vec_need(vf, "bad_ss"));
	}
}

static void pqclean_recorded(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	pqclean_case(vf);
	(*nv)++;
}

static void upper_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", b[i]);
}

/* NIST KAT entry 0, and its tie to PQClean's nistkat-sha256. */
static void nistkat(vec_file *vf, long *nv, long *ni)
{
	(void)ni;
	pqclean_case(vf);
	const char *names[5] = { "seed", "pk", "sk", "ct", "ss" };
	size_t cap = 16 + 2 * (48 + EK + DK + CT + SS) + 64;
	char *text = malloc(cap), *p = text;
	assert_non_null(text);
	p += sprintf(p, "count = 0\n");
	for (int i = 0; i < 5; i++) {
		const vec_field *f = vec_need(vf, names[i]);
		p += sprintf(p, "%s = ", names[i]);
		upper_hex(p, f->bytes, f->len);
		p += 2 * f->len;
		*p++ = '\n';
	}
	uint8_t h[32], want[32];
	SHA256((const uint8_t *)text, (size_t)(p - text), h);
	free(text);
	const char *hexwant = "f580d851e5fb27e6876e5e203fa18be4cdbfd49e05d48fec3d3992c8f43a13e6";
	for (int i = 0; i < 32; i++) {
		unsigned int v;
		sscanf(hexwant + 2 * i, "%2x", &v);
		want[i] = (uint8_t)v;
	}
	assert_memory_equal(h, want, 32);
	(*nv)++;
}

static void test_acvp_keygen(void **s) { (void)s; run_file("mlkem1024_acvp_keygen.txt", acvp_keygen, 25); }
static void test_acvp_encaps(void **s) { (void)s; run_file("mlkem1024_acvp_encaps.txt", acvp_encaps, 50); }
static void test_acvp_decaps(void **s) { (void)s; run_file("mlkem1024_acvp_decaps.txt", acvp_decaps, 30); }
static void test_acvp_ekcheck(void **s) { (void)s; run_file("mlkem1024_acvp_ekcheck.txt", ekcheck, 20); }
static void test_acvp_dkcheck(void **s) { (void)s; run_file("mlkem1024_acvp_dkcheck.txt", dkcheck, 20); }
static void test_wp_keygen(void **s) { (void)s; run_file("mlkem1024_wycheproof_keygen_seed.txt", wp_keygen_seed, 100); }
static void test_wp_encaps(void **s) { (void)s; run_file("mlkem1024_wycheproof_encaps.txt", wp_encaps, 269); }
static void test_wp_decaps_seed(void **s) { (void)s; run_file("mlkem1024_wycheproof_decaps_seed.txt", wp_decaps_seed, 193); }
static void test_wp_decaps_expanded(void **s) { (void)s; run_file("mlkem1024_wycheproof_decaps_expanded.txt", wp_decaps_expanded, 9); }
static void test_cctv_modulus(void **s) { (void)s; run_file("mlkem1024_cctv_modulus_invalid_ek.txt", cctv_modulus, 1040); }
static void test_cctv_strcmp(void **s) { (void)s; run_file("mlkem1024_cctv_strcmp.txt", cctv_strcmp, 1); }
static void test_cctv_unlucky(void **s) { (void)s; run_file("mlkem1024_cctv_unlucky.txt", acvp_encaps, 1); }
static void test_pqclean_recorded(void **s) { (void)s; run_file("mlkem1024_pqclean_recorded.txt", pqclean_recorded, 3); }
static void test_nistkat(void **s) { (void)s; run_file("mlkem1024_nistkat_count0.txt", nistkat, 1); }

/* The registry descriptor: name, sizes, randomised round trip, rejection. */
static void test_descriptor(void **s)
{
	(void)s;
	const pqtun_kem *kem = pqtun_kem_find("ML-KEM-1024");
	assert_non_null(kem);
	assert_ptr_equal(kem, &pqtun_kem_mlkem1024);
	assert_int_equal(kem->public_key_bytes, EK);
	assert_int_equal(kem->secret_key_bytes, DK);
	assert_int_equal(kem->ciphertext_bytes, CT);
	assert_int_equal(kem->shared_secret_bytes, SS);
	uint8_t ek[EK], dk[DK], c[CT], k[SS], k2[SS];
	assert_int_equal(kem->keypair(ek, dk), PQTUN_OK);
	assert_int_equal(kem->encaps(c, k, ek), PQTUN_OK);
	assert_int_equal(kem->decaps(k2, c, dk), PQTUN_OK);
	assert_memory_equal(k, k2, SS);
	c[5] ^= 1;
	assert_int_equal(kem->decaps(k2, c, dk), PQTUN_OK);
	assert_memory_not_equal(k, k2, SS);
	dk[3104] ^= 1; /* stored H(ek) no longer matches */
	assert_int_equal(kem->decaps(k2, c, dk), PQTUN_KEM_INVALID_KEY);
	assert_true(all_zero(k2, SS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acvp_keygen),
		cmocka_unit_test(test_acvp_encaps),
		cmocka_unit_test(test_acvp_decaps),
		cmocka_unit_test(test_acvp_ekcheck),
		cmocka_unit_test(test_acvp_dkcheck),
		cmocka_unit_test(test_wp_keygen),
		cmocka_unit_test(test_wp_encaps),
		cmocka_unit_test(test_wp_decaps_seed),
		cmocka_unit_test(test_wp_decaps_expanded),
		cmocka_unit_test(test_cctv_modulus),
		cmocka_unit_test(test_cctv_strcmp),
		cmocka_unit_test(test_cctv_unlucky),
		cmocka_unit_test(test_pqclean_recorded),
		cmocka_unit_test(test_nistkat),
		cmocka_unit_test(test_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
