/* Which KEMs a client request carries (PROTOCOL.md §4): parsing and checking
 * the list given by `--kem` / `Kems`, before any key is generated. */
#include "pqtun/exchange.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/kem.h"
#include "util/mem.h"

#define KNOWN_KEMS "ML-KEM-1024, HQC-256, Kyber1024, Classic-McEliece-460896f-round3"
#define MAX_REGISTRY 16

/* Write a one-line reason into err (if any room) and return code. */
__attribute__((format(printf, 4, 5)))
static int reject(int code, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Per registry index: 0 = not probed yet, 1 = key generation works,
 * 2 = the algorithm reports it has none here. */
static atomic_int keygen_probe[MAX_REGISTRY];

/* Registry index of kem, or -1. */
static int registry_index(const pqtun_kem *kem)
{
	for (size_t i = 0; i < MAX_REGISTRY; i++) {
		const pqtun_kem *k = pqtun_kem_at(i);
		if (!k)
			break;
		if (k == kem)
			return (int)i;
	}
	return -1;
}

/* Does kem generate key pairs in this build? A descriptor may carry a
 * keypair that only says PQTUN_KEM_UNSUPPORTED (Classic McEliece: the relay
 * only encapsulates), so the first call per KEM tries once with scratch
 * buffers (wiped and freed) and the answer is kept for the process. A
 * failure other than "unsupported" (no randomness, no memory) is not
 * remembered: the exchange reports it when it generates its own keys. */
static int kem_has_keygen(const pqtun_kem *kem)
{
	int idx = registry_index(kem);
	if (!kem->keypair)
		return 0;
	if (idx >= 0) {
		int known = atomic_load(&keygen_probe[idx]);
		if (known)
			return known == 1;
	}
	uint8_t *pk = malloc(kem->public_key_bytes);
	uint8_t *sk = pqtun_secure_alloc(kem->secret_key_bytes);
	int usable = 1;
	if (pk && sk) {
		int rc = kem->keypair(pk, sk);
		pqtun_stack_scrub(32 * 1024); /* the throw-away key's secrets */
		usable = rc != PQTUN_KEM_UNSUPPORTED;
		if (idx >= 0 && (rc == PQTUN_OK || rc == PQTUN_KEM_UNSUPPORTED))
			atomic_store(&keygen_probe[idx], usable ? 1 : 2);
	}
	free(pk);
	pqtun_secure_free(sk);
	return usable;
}

int pqtun_exchange_check_kems(const char *const *names, size_t n, char *err, size_t errlen)
{
	int mlkem = 0, kyber = 0;

	if (err && errlen)
		err[0] = '\0';
	if (n == 0 || !names)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "empty KEM list");
	if (n > PQTUN_EXCHANGE_MAX_KEMS)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen,
			      "%zu KEMs listed, at most %d allowed", n, PQTUN_EXCHANGE_MAX_KEMS);
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || !pqtun_kem_find(names[i]))
			return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "unknown KEM '%s' (known: %s)",
				      names[i] ? names[i] : "(null)", KNOWN_KEMS);
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen,
					      "KEM '%s' listed twice", names[i]);
		mlkem |= strcmp(names[i], "ML-KEM-1024") == 0;
		kyber |= strcmp(names[i], "Kyber1024") == 0;
	}
	if (mlkem && kyber)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen,
			      "Kyber1024 and ML-KEM-1024 must not be used together");
	for (size_t i = 0; i < n; i++) {
		const pqtun_kem *kem = pqtun_kem_find(names[i]);
		if (!kem->decaps)
			return reject(PQTUN_EX_KEM_UNAVAILABLE, err, errlen,
				      "%s cannot be used by the client: decapsulation is not implemented",
				      kem->name);
		if (!kem_has_keygen(kem))
			return reject(PQTUN_EX_KEM_UNAVAILABLE, err, errlen,
				      "%s cannot be used by the client: key generation is not implemented",
				      kem->name);
	}
	return 0;
}

/* Trim blanks around [*s, *e). */
static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int pqtun_exchange_parse_kems(const char *list, const char *names[PQTUN_EXCHANGE_MAX_KEMS],
			      size_t *n, char *err, size_t errlen)
{
	char item[64];
	size_t count = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!n || !names)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "no KEM list");
	*n = 0;
	if (!list)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "empty KEM list");
	const char *all_s = list, *all_e = list + strlen(list);
	trim(&all_s, &all_e);
	if (all_s == all_e)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "empty KEM list");

	size_t items = 1;
	for (const char *c = list; *c; c++)
		items += *c == ',';
	if (items > PQTUN_EXCHANGE_MAX_KEMS)
		return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen,
			      "%zu KEMs in '%s', at most %d allowed", items, list, PQTUN_EXCHANGE_MAX_KEMS);

	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		const char *s = p, *e = comma ? comma : p + strlen(p);
		trim(&s, &e);
		if (s == e)
			return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen,
				      "empty name in KEM list '%s'", list);
		size_t len = (size_t)(e - s);
		if (len >= sizeof(item))
			len = sizeof(item) - 1; /* longer than any known name: stays unknown */
		memcpy(item, s, len);
		item[len] = '\0';
		const pqtun_kem *kem = pqtun_kem_find(item);
		if (!kem)
			return reject(PQTUN_EX_INVALID_ARGUMENT, err, errlen, "unknown KEM '%s' (known: %s)",
				      item, KNOWN_KEMS);
		names[count++] = kem->name;
		if (!comma)
			break;
		p = comma + 1;
	}
	int rc = pqtun_exchange_check_kems(names, count, err, errlen);
	if (rc == 0)
		*n = count;
	return rc;
}
