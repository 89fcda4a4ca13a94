/* Secrets in memory after a negotiation (issue 8): run a post-quantum
 * exchange in this process (client call pqtun_exchange against the relay
 * running in a thread on loopback), wipe the one buffer handed to the
 * caller (the result's PSK), then copy every writable mapping of the process
 * (heap, .data/.bss, the main stack and every thread stack, anonymous maps)
 * and search the copy for: the PSK, both shared secrets (and SHA-256 of
 * HQC's, which goes into the PSK), the KEM secret keys and the random seeds
 * they came from. None may be found.
 *
 * How the secrets are known without keeping them: this executable defines
 * getrandom(2), which libpqtun's randomness source calls. During the
 * exchange it records what it hands out (masked, so the record is not the
 * secret itself). After the snapshot, the record is replayed into the KEMs
 * to recompute the secret keys and shared secrets, and their PSK must equal
 * the one both sides derived (also kept masked) - which proves the replay
 * recomputed the real secrets.
 *
 * Standalone relay mode by design prints the PSK (stdout of `pqtun serve`);
 * the library relay itself only hands it to the register_peer callback and
 * wipes it, which this test checks for the relay side in the same
 * process. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pqtun/exchange.h"
#include "pqtun/kem.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_RECORDS 16
#define MAX_RECORD_BYTES 128
#define MASK_BYTE(i) ((uint8_t)(0xa5 ^ (uint8_t)((i) * 29)))

/* ------------------------------------------------------------ randomness hook */

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static int recording, replaying;
static struct {
	size_t len;
	uint8_t masked[MAX_RECORD_BYTES];
} records[MAX_RECORDS];
static size_t n_records, replay_next;
static int replay_mismatch;

static void mask(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] ^ MASK_BYTE(i);
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags);
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	pthread_mutex_lock(&rec_lock);
	if (replaying) {
		if (replay_next >= n_records || records[replay_next].len != len) {
			replay_mismatch = 1;
			memset(buf, 0, len);
		} else {
			mask(buf, records[replay_next].masked, len);
			replay_next++;
		}
		pthread_mutex_unlock(&rec_lock);
		return (ssize_t)len;
	}
	pthread_mutex_unlock(&rec_lock);
	ssize_t r = syscall(SYS_getrandom, buf, len, flags);
	if (r > 0) {
		pthread_mutex_lock(&rec_lock);
		if (recording) {
			if (n_records < MAX_RECORDS && (size_t)r <= MAX_RECORD_BYTES) {
				records[n_records].len = (size_t)r;
				mask(records[n_records].masked, buf, (size_t)r);
				n_records++;
			} else {
				replay_mismatch = 1;
			}
		}
		pthread_mutex_unlock(&rec_lock);
	}
	return r;
}

/* ------------------------------------------------------------ relay in a thread */

static uint8_t relay_psk_masked[PQTUN_PSK_LEN];
static int relay_saw_psk;

static int record_psk(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
		      const uint8_t parent_pubkey[32], const uint8_t ephemeral_pubkey[32],
		      const uint8_t *psk, const char *const *kem_names, size_t n_kems,
		      int daita, char *msg, size_t msg_len)
{
	(void)ctx, (void)peer, (void)peer_len, (void)parent_pubkey, (void)ephemeral_pubkey;
	(void)kem_names, (void)n_kems, (void)daita, (void)msg, (void)msg_len;
	if (psk) {
		mask(relay_psk_masked, psk, PQTUN_PSK_LEN);
		relay_saw_psk = 1;
	}
	return 0;
}

static struct pqtun_relay *relay;
static pthread_t relay_thread;

static void *relay_main(void *arg)
{
	(void)arg;
	pqtun_relay_run(relay);
	return NULL;
}

/* ------------------------------------------------------------ memory scan */

struct region {
	uintptr_t start, end;
	char name[96];
};

struct snapshot {
	uint8_t *data;   /* all regions, back to back (mmap) */
	size_t len, cap;
	struct region regions[1024];
	size_t off[1024];
	size_t n;
};

/* Copy every readable+writable private mapping through /proc/self/mem, which fails cleanly on pages that
 * vanish meanwhile. */
static void take_snapshot(struct snapshot *s)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	char line[512];
	assert_non_null(maps);
	assert_true(mem >= 0);
	s->cap = 512u << 20;
	/* Shared, so that it never merges with the private mappings scanned. */
	s->data = mmap(NULL, s->cap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(s->data != MAP_FAILED);
	s->len = s->n = 0;
	while (fgets(line, sizeof(line), maps) && s->n < 1024) {
		unsigned long a, b;
		char perms[8], name[256] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255[^\n]", &a, &b, perms, name) < 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p')
			continue;
		if (a == (uintptr_t)s->data || strstr(name, "[vvar]") || strstr(name, "[vsyscall]"))
			continue;
		size_t n = b - a;
		if (s->len + n > s->cap)
			continue; /* nothing this test makes is that large */
		struct region *r = &s->regions[s->n];
		r->start = a;
		r->end = b;
		snprintf(r->name, sizeof(r->name), "%.95s", name[0] ? name : "[anon]");
		s->off[s->n] = s->len;
		size_t got = 0;
		while (got < n) {
			ssize_t k = pread(mem, s->data + s->len + got, n - got, (off_t)(a + got));
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		memset(s->data + s->len + got, 0, n - got);
		s->len += n;
		s->n++;
	}
	fclose(maps);
	close(mem);
}

/* Report every place where needle (n bytes) occurs in the snapshot. */
static int search(const struct snapshot *s, const char *what, const uint8_t *needle, size_t n)
{
	int found = 0;
	for (size_t i = 0; i < s->n; i++) {
		const uint8_t *base = s->data + s->off[i];
		size_t len = s->regions[i].end - s->regions[i].start;
		const uint8_t *p = base;
		while ((p = memmem(p, len - (size_t)(p - base), needle, n)) != NULL) {
			print_message("  FOUND %s at %#lx in %s\n", what,
				      (unsigned long)(s->regions[i].start + (uintptr_t)(p - base)), s->regions[i].name);
			found++;
			p++;
		}
	}
	return found;
}

/* ------------------------------------------------------------ the test */

static void test_no_secrets_left_after_exchange(void **state)
{
	(void)state;
#ifdef PQTUN_SANITIZE
	skip(); /* the sanitizer's shadow memory makes a full scan meaningless */
#endif
	const pqtun_kem *mlkem = pqtun_kem_find("ML-KEM-1024");
	const pqtun_kem *hqc = pqtun_kem_find("HQC-256");
	if (!mlkem || !hqc) {
		print_message("SKIP: ML-KEM-1024 or HQC-256 not built in\n");
		skip();
	}
	pqtun_log_set_level(PQTUN_LOG_ERROR);
	assert_int_equal(pqtun_sodium_init(), 0);

	struct pqtun_relay_config cfg = {
		.listen = "127.0.0.1:0",
		.workers = 1,
		.policy = { .register_peer = record_psk },
	};
	assert_int_equal(pqtun_relay_create(&relay, &cfg), 0);
	assert_int_equal(pthread_create(&relay_thread, NULL, relay_main, NULL), 0);

	uint8_t parent[32], eph[32];
	memset(parent, 0x71, sizeof(parent));
	memset(eph, 0x72, sizeof(eph));
	struct pqtun_exchange_options o = {
		.host = "127.0.0.1", .port = pqtun_relay_port(relay), .timeout_ms = 20000, .post_quantum = 1,
	};
	struct pqtun_exchange_result res;

	/* Warm-up: one-time initialisation (libsodium, allocator arenas,
	 * thread stacks) happens outside the recorded exchange. */
	assert_int_equal(pqtun_exchange(&o, parent, eph, &res), 0);
	pqtun_exchange_result_clear(&res);

	pthread_mutex_lock(&rec_lock);
	recording = 1;
	n_records = 0;
	pthread_mutex_unlock(&rec_lock);
	relay_saw_psk = 0;
	int rc = pqtun_exchange(&o, parent, eph, &res);
	assert_int_equal(rc, 0);
	assert_true(res.has_psk);
	/* The relay answers before the client finishes, so its callback ran. */
	assert_true(relay_saw_psk);
	pthread_mutex_lock(&rec_lock);
	recording = 0;
	pthread_mutex_unlock(&rec_lock);
	uint8_t client_psk_masked[PQTUN_PSK_LEN];
	mask(client_psk_masked, res.psk, PQTUN_PSK_LEN);
	/* The caller's copy is the one place the PSK must be: wipe it. */
	pqtun_exchange_result_clear(&res);

	static struct snapshot snap;
	take_snapshot(&snap);

	/* Recompute: client keygen (ML-KEM, HQC), relay encaps (ML-KEM, HQC). */
	print_message("recorded %zu randomness requests:", n_records);
	for (size_t i = 0; i < n_records; i++)
		print_message(" %zu", records[i].len);
	print_message("\n");
	assert_int_equal(n_records, 4);
	uint8_t *mpk = malloc(mlkem->public_key_bytes), *msk = malloc(mlkem->secret_key_bytes);
	uint8_t *hpk = malloc(hqc->public_key_bytes), *hsk = malloc(hqc->secret_key_bytes);
	uint8_t *mct = malloc(mlkem->ciphertext_bytes), *hct = malloc(hqc->ciphertext_bytes);
	uint8_t mss[64], hss[64], hss_hash[32], psk[32], seed[MAX_RECORD_BYTES];
	assert_true(mpk && msk && hpk && hsk && mct && hct);
	pthread_mutex_lock(&rec_lock);
	replaying = 1;
	replay_next = 0;
	pthread_mutex_unlock(&rec_lock);
	assert_int_equal(mlkem->keypair(mpk, msk), 0);
	assert_int_equal(hqc->keypair(hpk, hsk), 0);
	assert_int_equal(mlkem->encaps(mct, mss, mpk), 0);
	assert_int_equal(hqc->encaps(hct, hss, hpk), 0);
	pthread_mutex_lock(&rec_lock);
	replaying = 0;
	pthread_mutex_unlock(&rec_lock);
	assert_false(replay_mismatch);
	assert_int_equal(replay_next, 4);
	crypto_hash_sha256(hss_hash, hss, hqc->shared_secret_bytes);
	const uint8_t *secrets[2] = { mss, hss };
	const size_t lens[2] = { mlkem->shared_secret_bytes, hqc->shared_secret_bytes };
	assert_int_equal(pqtun_psk_derive(psk, secrets, lens, 2), 0);
	uint8_t unmasked[PQTUN_PSK_LEN];
	mask(unmasked, client_psk_masked, PQTUN_PSK_LEN);
	assert_memory_equal(unmasked, psk, PQTUN_PSK_LEN); /* the replay found the real secrets */
	mask(unmasked, relay_psk_masked, PQTUN_PSK_LEN);
	assert_memory_equal(unmasked, psk, PQTUN_PSK_LEN);
	pqtun_memzero(unmasked, sizeof(unmasked));

	size_t msk_len = mlkem->secret_key_bytes, hsk_len = hqc->secret_key_bytes;
	print_message("scanning %zu MiB in %zu writable mappings\n", snap.len >> 20, snap.n);
	int found = 0;
	found += search(&snap, "PSK", psk, 32);
	found += search(&snap, "ML-KEM-1024 shared secret", mss, mlkem->shared_secret_bytes);
	found += search(&snap, "HQC-256 shared secret (first half)", hss, 32);
	found += search(&snap, "HQC-256 shared secret (second half)", hss + 32, 32);
	found += search(&snap, "SHA-256 of the HQC-256 shared secret", hss_hash, 32);
	/* Secret parts only: ML-KEM dk = dk_pke || ek || H(ek) || z; HQC sk =
	 * seed (40) || sigma (32) || pk. */
	found += search(&snap, "ML-KEM-1024 secret key (dk_pke start)", msk, 32);
	found += search(&snap, "ML-KEM-1024 secret key (dk_pke middle)", msk + 768, 32);
	found += search(&snap, "ML-KEM-1024 secret key (z)", msk + msk_len - 32, 32);
	found += search(&snap, "HQC-256 secret key (seed)", hsk, 32);
	found += search(&snap, "HQC-256 secret key (sigma)", hsk + 40, 32);
	static const char *const seed_names[4] = {
		"ML-KEM-1024 key generation seed", "HQC-256 key generation seed",
		"ML-KEM-1024 encapsulation message", "HQC-256 encapsulation randomness",
	};
	for (size_t i = 0; i < 4; i++) {
		size_t n = records[i].len < 32 ? records[i].len : 32;
		mask(seed, records[i].masked, n);
		found += search(&snap, seed_names[i], seed, n);
	}
	pqtun_memzero(seed, sizeof(seed));
	print_message("secret byte strings found in memory: %d\n", found);

	pqtun_memzero(msk, msk_len);
	pqtun_memzero(hsk, hsk_len);
	free(mpk), free(msk), free(hpk), free(hsk), free(mct), free(hct);
	munmap(snap.data, snap.cap);
	pqtun_relay_stop(relay);
	pthread_join(relay_thread, NULL);
	pqtun_relay_destroy(relay);
	assert_int_equal(found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_secrets_left_after_exchange),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
