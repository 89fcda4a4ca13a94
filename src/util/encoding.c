/* Key encodings. Base64 decoding follows wireguard-tools' rules: exactly 44
 * characters ending in one '=', and the last data character must not carry
 * stray low bits (otherwise two strings would decode to the same key). The
 * character classification is arithmetic, not a table lookup, so private
 * keys are decoded without secret-dependent memory access. */
#include "util/encoding.h"

#include <string.h>

#include "util/mem.h"

/* Map 0..63 to its base64 character, branch-free. */
static char b64_char(unsigned int v)
{
	int x = (int)v;
	int c = x + 'A';
	c += ((25 - x) >> 8) & ('a' - 'A' - 26);  /* 26..51 -> a..z */
	c += ((51 - x) >> 8) & ('0' - 'a' - 26);  /* 52..61 -> 0..9 */
	c += ((61 - x) >> 8) & ('+' - '0' - 10);  /* 62 -> + */
	c += ((62 - x) >> 8) & ('/' - '+' - 1);   /* 63 -> / */
	return (char)c;
}

/* Map a character to 0..63, or -1 if it is not in the alphabet, branch-free. */
static int b64_value(unsigned char ch)
{
	int c = ch, v = -1;
	/* ((lo - 1 - c) & (c - hi - 1)) >> 8 is all-ones iff lo <= c <= hi */
	v += (((('A' - 1) - c) & (c - ('Z' + 1))) >> 8) & (c - 'A' + 1);
	v += (((('a' - 1) - c) & (c - ('z' + 1))) >> 8) & (c - 'a' + 26 + 1);
	v += (((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c - '0' + 52 + 1);
	v += ((('+' - 1 - c) & (c - ('+' + 1))) >> 8) & (62 + 1);
	v += ((('/' - 1 - c) & (c - ('/' + 1))) >> 8) & (63 + 1);
	return v;
}

void pqtun_key_to_base64(char out[PQTUN_KEY_B64_LEN + 1], const uint8_t key[PQTUN_KEY_LEN])
{
	unsigned int i, o = 0;
	for (i = 0; i + 3 <= PQTUN_KEY_LEN; i += 3) {
		uint32_t v = ((uint32_t)key[i] << 16) | ((uint32_t)key[i + 1] << 8) | key[i + 2];
		out[o++] = b64_char((v >> 18) & 63);
		out[o++] = b64_char((v >> 12) & 63);
		out[o++] = b64_char((v >> 6) & 63);
		out[o++] = b64_char(v & 63);
	}
	/* 32 = 30 + 2: two bytes left, three characters and one '='. */
	uint32_t v = ((uint32_t)key[30] << 16) | ((uint32_t)key[31] << 8);
	out[o++] = b64_char((v >> 18) & 63);
	out[o++] = b64_char((v >> 12) & 63);
	out[o++] = b64_char((v >> 6) & 63);
	out[o++] = '=';
	out[o] = '\0';
}

int pqtun_key_from_base64(uint8_t key[PQTUN_KEY_LEN], const char *in)
{
	uint8_t tmp[PQTUN_KEY_LEN];
	int bad = 0;
	unsigned int i, o = 0;

	if (strlen(in) != PQTUN_KEY_B64_LEN || in[PQTUN_KEY_B64_LEN - 1] != '=')
		return -1;
	for (i = 0; i < 40; i += 4) {
		int a = b64_value((unsigned char)in[i]), b = b64_value((unsigned char)in[i + 1]);
		int c = b64_value((unsigned char)in[i + 2]), d = b64_value((unsigned char)in[i + 3]);
		bad |= a | b | c | d; /* any -1 sets the sign bit */
		uint32_t v = ((uint32_t)(a & 63) << 18) | ((uint32_t)(b & 63) << 12) |
			     ((uint32_t)(c & 63) << 6) | (uint32_t)(d & 63);
		tmp[o++] = (uint8_t)(v >> 16);
		tmp[o++] = (uint8_t)(v >> 8);
		tmp[o++] = (uint8_t)v;
	}
	int a = b64_value((unsigned char)in[40]), b = b64_value((unsigned char)in[41]);
	int c = b64_value((unsigned char)in[42]);
	bad |= a | b | c;
	bad |= -(c & 3);                      /* stray low bits in the last char */
	uint32_t v = ((uint32_t)(a & 63) << 18) | ((uint32_t)(b & 63) << 12) | ((uint32_t)(c & 63) << 6);
	tmp[o++] = (uint8_t)(v >> 16);
	tmp[o++] = (uint8_t)(v >> 8);

	if (bad < 0) {
		pqtun_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, PQTUN_KEY_LEN);
	pqtun_memzero(tmp, sizeof(tmp));
	return 0;
}

void pqtun_hex_encode(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned int hi = in[i] >> 4, lo = in[i] & 15;
		/* 0..9 -> '0'..'9', 10..15 -> 'a'..'f', branch-free */
		out[2 * i] = (char)(hi + '0' + (((9 - (int)hi) >> 8) & ('a' - '0' - 10)));
		out[2 * i + 1] = (char)(lo + '0' + (((9 - (int)lo) >> 8) & ('a' - '0' - 10)));
	}
	out[2 * n] = '\0';
}

static int hex_value(unsigned char ch)
{
	int c = ch, v = -1;
	v += (((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c - '0' + 1);
	v += (((('a' - 1) - c) & (c - ('f' + 1))) >> 8) & (c - 'a' + 10 + 1);
	v += (((('A' - 1) - c) & (c - ('F' + 1))) >> 8) & (c - 'A' + 10 + 1);
	return v;
}

int pqtun_hex_decode(uint8_t *out, size_t n, const char *in, size_t inlen)
{
	int bad = 0;
	if (inlen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value((unsigned char)in[2 * i]), lo = hex_value((unsigned char)in[2 * i + 1]);
		bad |= hi | lo;
		out[i] = (uint8_t)(((hi & 15) << 4) | (lo & 15));
	}
	if (bad < 0) {
		pqtun_memzero(out, n);
		return -1;
	}
	return 0;
}

void pqtun_key_to_hex(char out[PQTUN_KEY_HEX_LEN + 1], const uint8_t key[PQTUN_KEY_LEN])
{
	pqtun_hex_encode(out, key, PQTUN_KEY_LEN);
}

int pqtun_key_from_hex(uint8_t key[PQTUN_KEY_LEN], const char *in)
{
	return pqtun_hex_decode(key, PQTUN_KEY_LEN, in, strlen(in));
}
