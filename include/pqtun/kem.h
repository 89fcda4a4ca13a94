/* pqtun KEM interface: one descriptor per algorithm, found by its exact
 * protocol name ("ML-KEM-1024", "HQC-256", "Kyber1024",
 * "Classic-McEliece-460896f-round3").
 *
 * All functions return PQTUN_OK (0) or a negative pqtun_kem_status. Output
 * buffers must have exactly the sizes in the descriptor. On any error every
 * output that could hold secret data is zeroed, except decaps' implicit
 * rejection, which writes the rejection secret (see below). */
#ifndef PQTUN_KEM_H
#define PQTUN_KEM_H

#include <stddef.h>
#include <stdint.h>

enum pqtun_kem_status {
	PQTUN_OK = 0,
	PQTUN_KEM_INVALID_KEY = -1,      /* public or secret key fails its validity check */
	PQTUN_KEM_REJECTED = -2,         /* decaps: ciphertext failed re-encryption; ss holds
					    the implicit-rejection value (HQC reports this;
					    ML-KEM rejects silently as FIPS 203 requires) */
	PQTUN_KEM_RANDOMNESS = -3,       /* the OS could not provide random bytes */
	PQTUN_KEM_UNSUPPORTED = -4,      /* operation not implemented for this algorithm */
	PQTUN_KEM_INVALID_LENGTH = -5,   /* a length given to a length-checking wrapper is wrong */
	PQTUN_KEM_NO_MEMORY = -6,
};

typedef struct pqtun_kem {
	const char *name;
	size_t public_key_bytes;
	size_t secret_key_bytes;
	size_t ciphertext_bytes;
	size_t shared_secret_bytes;
	int (*keypair)(uint8_t *pk, uint8_t *sk);
	int (*encaps)(uint8_t *ct, uint8_t *ss, const uint8_t *pk);
	int (*decaps)(uint8_t *ss, const uint8_t *ct, const uint8_t *sk);
} pqtun_kem;

/* Look up by exact name; NULL if unknown. */
const pqtun_kem *pqtun_kem_find(const char *name);
/* Iterate: returns NULL past the last one. */
const pqtun_kem *pqtun_kem_at(size_t index);
const char *pqtun_kem_strerror(int status);

#endif
