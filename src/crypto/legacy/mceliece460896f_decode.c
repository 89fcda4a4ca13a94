/* Classic McEliece 460896f decoding: portable build (see
 * mceliece460896f_decode_impl.h) and the dispatcher that picks the AVX2
 * build when pqtun_use_avx2(). */
#include "crypto/legacy/mceliece460896f_decode.h"

#include "util/cpu.h"

#define DECODE_NAME mce460896f_decode_portable
#include "crypto/legacy/mceliece460896f_decode_impl.h"

int mce460896f_decode(uint8_t e[MCE460896F_E_BYTES], const uint8_t c0[MCE460896F_SYND_BYTES],
		      const uint8_t g_bytes[2 * MCE460896F_T], const uint8_t *control_bits)
{
#if defined(PQTUN_HAVE_X86_64)
	if (pqtun_use_avx2())
		return mce460896f_decode_avx2(e, c0, g_bytes, control_bits);
#endif
	return mce460896f_decode_portable(e, c0, g_bytes, control_bits);
}
