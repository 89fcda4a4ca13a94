/* Descriptors defined in each algorithm's directory. One line per KEM:
 * declare it and list it in PQTUN_KEM_REGISTRY_ENTRIES (protocol order:
 * the current ones first, then the legacy ones). */
#ifndef PQTUN_CRYPTO_KEM_REGISTRY_H
#define PQTUN_CRYPTO_KEM_REGISTRY_H

#include "pqtun/kem.h"

#define PQTUN_KEM_REGISTRY_ENTRIES /* e.g. &pqtun_kem_mlkem1024, */

#endif
