/* Classic McEliece 460896f: one attempt of the fixed-weight error sampler,
 * compiled with AVX2 (same code as the portable build, see
 * mceliece460896f_sample_impl.h). Call only when pqtun_use_avx2(). */
#define SAMPLE_ATTEMPT_NAME mce460896f_sample_attempt_avx2
#include "crypto/legacy/mceliece460896f_sample_impl.h"
