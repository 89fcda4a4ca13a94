/* Descriptors defined in each algorithm's directory. One line per KEM:
 * declare it and list it in PQTUN_KEM_REGISTRY_ENTRIES (protocol order:
 * the current ones first, then the legacy ones). */
#ifndef PQTUN_CRYPTO_KEM_REGISTRY_H
#define PQTUN_CRYPTO_KEM_REGISTRY_H

#include "pqtun/kem.h"

extern const pqtun_kem pqtun_kem_mlkem1024; /* mlkem/mlkem1024.c */
extern const pqtun_kem pqtun_kem_hqc256; /* hqc/hqc256.c */
extern const pqtun_kem pqtun_kem_kyber1024; /* legacy/kyber1024_r3.c */
extern const pqtun_kem pqtun_kem_mceliece460896f; /* legacy/mceliece460896f_kem.c */

#define PQTUN_KEM_REGISTRY_ENTRIES /* e.g. &pqtun_kem_mlkem1024, */ \
	&pqtun_kem_mlkem1024, \
	&pqtun_kem_hqc256, \
	&pqtun_kem_kyber1024, \
	&pqtun_kem_mceliece460896f,

#endif
