/* The table of KEMs pqtun knows. Each algorithm's directory defines its
 * descriptor; add one line here per algorithm. */
#include "pqtun/kem.h"

#include <string.h>

#include "crypto/kem_registry.h"

static const pqtun_kem *const kems[] = {
	PQTUN_KEM_REGISTRY_ENTRIES
	NULL,
};

const pqtun_kem *pqtun_kem_at(size_t index)
{
	if (index >= sizeof(kems) / sizeof(kems[0]))
		return NULL;
	return kems[index];
}

const pqtun_kem *pqtun_kem_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; kems[i]; i++)
		if (strcmp(kems[i]->name, name) == 0)
			return kems[i];
	return NULL;
}

const char *pqtun_kem_strerror(int status)
{
	switch (status) {
	case PQTUN_OK: return "success";
	case PQTUN_KEM_INVALID_KEY: return "invalid key";
	case PQTUN_KEM_REJECTED: return "ciphertext rejected";
	case PQTUN_KEM_RANDOMNESS: return "no randomness available";
	case PQTUN_KEM_UNSUPPORTED: return "operation not supported";
	case PQTUN_KEM_INVALID_LENGTH: return "invalid length";
	case PQTUN_KEM_NO_MEMORY: return "out of memory";
	default: return "unknown error";
	}
}
