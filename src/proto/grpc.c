/* gRPC framing, grpc-message encoding, grpc-timeout and status names. */
#include "proto/grpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtun/exchange.h"

void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], uint32_t len)
{
	out[0] = 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

void grpc_reader_init(struct grpc_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

int grpc_reader_feed(struct grpc_reader *r, const uint8_t *data, size_t len)
{
	while (len > 0) {
		if (r->done)
			return GRPC_READ_TRAILING;
		if (r->prefix_have == GRPC_PREFIX_LEN && !r->buf) /* an earlier feed failed: stay failed */
			return r->prefix[0] != 0 ? GRPC_READ_COMPRESSED
			       : r->len ? GRPC_READ_NO_MEMORY : GRPC_READ_TOO_LARGE;
		if (r->prefix_have < GRPC_PREFIX_LEN) {
			size_t take = GRPC_PREFIX_LEN - r->prefix_have;
			if (take > len)
				take = len;
			memcpy(r->prefix + r->prefix_have, data, take);
			r->prefix_have += take;
			data += take;
			len -= take;
			if (r->prefix_have < GRPC_PREFIX_LEN)
				return GRPC_READ_MORE;
			if (r->prefix[0] != 0)
				return GRPC_READ_COMPRESSED;
			uint32_t n = ((uint32_t)r->prefix[1] << 24) | ((uint32_t)r->prefix[2] << 16) |
				     ((uint32_t)r->prefix[3] << 8) | r->prefix[4];
			if (n > r->max)
				return GRPC_READ_TOO_LARGE;
			r->len = n;
			r->buf = malloc(n ? n : 1);
			if (!r->buf)
				return GRPC_READ_NO_MEMORY;
			if (n == 0) {
				r->done = 1;
				continue;
			}
		}
		size_t take = r->len - r->have;
		if (take > len)
			take = len;
		memcpy(r->buf + r->have, data, take);
		r->have += take;
		data += take;
		len -= take;
		if (r->have == r->len)
			r->done = 1;
	}
	return r->done ? GRPC_READ_DONE : GRPC_READ_MORE;
}

int grpc_reader_complete(const struct grpc_reader *r)
{
	return r->done;
}

size_t grpc_reader_seen(const struct grpc_reader *r)
{
	return r->prefix_have + r->have;
}

void grpc_reader_free(struct grpc_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = r->have = 0;
}

size_t grpc_message_encode(char *out, size_t outlen, const char *msg)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p >= 0x20 && *p <= 0x7e && *p != '%') {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outlen)
				break;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void grpc_message_decode(char *out, size_t outlen, const char *in, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '%' && i + 2 < len) {
			int h = hexval(in[i + 1]), l = hexval(in[i + 2]);
			if (h >= 0 && l >= 0) {
				c = (unsigned char)(h * 16 + l);
				i += 2;
			}
		}
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o] = '\0';
}

int grpc_timeout_parse(const char *in, size_t len, uint64_t *ms)
{
	uint64_t n = 0;
	if (len < 2 || len > 9)
		return -1;
	for (size_t i = 0; i + 1 < len; i++) {
		if (in[i] < '0' || in[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(in[i] - '0');
	}
	/* n < 10^8: the products below cannot overflow 64 bits. */
	switch (in[len - 1]) {
	case 'H': *ms = n * 3600000u; break;
	case 'M': *ms = n * 60000u; break;
	case 'S': *ms = n * 1000u; break;
	case 'm': *ms = n; break;
	case 'u': *ms = (n + 999) / 1000; break;
	case 'n': *ms = (n + 999999) / 1000000; break;
	default: return -1;
	}
	return 0;
}

void grpc_timeout_format(char out[16], uint64_t ms)
{
	/* At most 8 digits: switch to seconds for long timeouts. */
	if (ms <= 99999999u)
		snprintf(out, 16, "%llum", (unsigned long long)ms);
	else
		snprintf(out, 16, "%lluS", (unsigned long long)((ms + 999) / 1000 > 99999999u ? 99999999u : (ms + 999) / 1000));
}

int grpc_status_parse(const char *in, size_t len)
{
	int v = 0;
	if (len < 1 || len > 2)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (in[i] < '0' || in[i] > '9')
			return -1;
		v = v * 10 + (in[i] - '0');
	}
	return v;
}

const char *pqtun_grpc_status_name(int status)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
		"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};
	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN_STATUS";
	return names[status];
}
