/* Classic McEliece 460896f decoding compiled with AVX2 (same code as the
 * portable build, see mceliece460896f_decode_impl.h). Call only when
 * pqtun_use_avx2(). */
#define DECODE_NAME mce460896f_decode_avx2
#include "crypto/legacy/mceliece460896f_decode_impl.h"
