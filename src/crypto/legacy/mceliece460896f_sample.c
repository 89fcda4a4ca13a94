/* Classic McEliece 460896f: one attempt of the fixed-weight error sampler,
 * portable build (see mceliece460896f_sample_impl.h), and the dispatcher
 * that picks the AVX2 build when pqtun_use_avx2(). */
#include "crypto/legacy/mceliece460896f.h"

#include "util/cpu.h"

#define SAMPLE_ATTEMPT_NAME mce460896f_sample_attempt_portable
#include "crypto/legacy/mceliece460896f_sample_impl.h"

int mce460896f_sample_attempt(uint8_t e[MCE460896F_E_BYTES],
			      const uint8_t rand[MCE460896F_SAMPLE_BYTES])
{
#if defined(PQTUN_HAVE_X86_64)
	if (pqtun_use_avx2())
		return mce460896f_sample_attempt_avx2(e, rand);
#endif
	return mce460896f_sample_attempt_portable(e, rand);
}
