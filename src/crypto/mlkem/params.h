/* ML-KEM-1024 parameters (FIPS 203, Table 2) and derived byte sizes. */
#ifndef PQTUN_MLKEM_PARAMS_H
#define PQTUN_MLKEM_PARAMS_H

#define MLKEM_N 256
#define MLKEM_Q 3329
#define MLKEM_K 4
#define MLKEM_ETA1 2
#define MLKEM_ETA2 2
#define MLKEM_DU 11
#define MLKEM_DV 5

#define MLKEM_SYMBYTES 32                      /* seeds, hashes, shared key */
#define MLKEM_POLYBYTES 384                    /* ByteEncode12 of one polynomial */
#define MLKEM_POLYVECBYTES (MLKEM_K * MLKEM_POLYBYTES)          /* 1536 */
#define MLKEM_POLYCOMP_DU_BYTES (32 * MLKEM_DU)                 /* 352 */
#define MLKEM_POLYCOMP_DV_BYTES (32 * MLKEM_DV)                 /* 160 */
#define MLKEM_EK_BYTES (MLKEM_POLYVECBYTES + MLKEM_SYMBYTES)     /* 1568 */
#define MLKEM_DKPKE_BYTES MLKEM_POLYVECBYTES                     /* 1536 */
#define MLKEM_DK_BYTES (MLKEM_DKPKE_BYTES + MLKEM_EK_BYTES + 2 * MLKEM_SYMBYTES) /* 3168 */
#define MLKEM_CT_BYTES (MLKEM_K * MLKEM_POLYCOMP_DU_BYTES + MLKEM_POLYCOMP_DV_BYTES) /* 1568 */
#define MLKEM_SS_BYTES 32

/* Offsets inside dk = dk_pke || ek || H(ek) || z. */
#define MLKEM_DK_EK_OFFSET MLKEM_DKPKE_BYTES                     /* 1536 */
#define MLKEM_DK_H_OFFSET (MLKEM_DK_EK_OFFSET + MLKEM_EK_BYTES)  /* 3104 */
#define MLKEM_DK_Z_OFFSET (MLKEM_DK_H_OFFSET + MLKEM_SYMBYTES)   /* 3136 */

/* SampleNTT reads SHAKE-128 in blocks; 3 blocks (504 bytes) suffice for
 * almost every seed, more are squeezed on demand (never capped). */
#define MLKEM_XOF_BLOCKS 3

#endif
