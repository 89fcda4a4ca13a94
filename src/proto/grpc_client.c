/* gRPC unary client over h2c with nghttp2 (see grpc_client.h). */
#define _GNU_SOURCE
#include "proto/grpc_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/grpc.h"
#include "util/log.h"
#include "util/timeutil.h"

#ifndef PQTUN_VERSION
#define PQTUN_VERSION "dev"
#endif

struct call {
	const struct grpc_call_options *opts;
	struct grpc_call_result *res;
	int fd;
	nghttp2_session *session;
	int32_t stream_id;
	const uint8_t *req;
	size_t req_len, req_off;
	struct grpc_reader reader;
	int http_status;
	int ctype_ok;
	int got_status;
	int closed;              /* our stream closed */
	uint32_t close_error;
	int framing_error;       /* the response body was malformed */
};

void grpc_call_result_free(struct grpc_call_result *result)
{
	free(result->response);
	result->response = NULL;
	result->response_len = 0;
}

/* Connect with a deadline; returns the connected non-blocking socket, or
 * -1 (CONNECT) / -2 (TIMEOUT) with result->detail filled. */
static int connect_deadline(const struct grpc_call_options *o, struct grpc_call_result *res)
{
	char port[8];
	struct addrinfo hints = { 0 }, *ai_list = NULL;
	int gai, last_errno = 0;

	snprintf(port, sizeof(port), "%u", o->port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	gai = getaddrinfo(o->host, port, &hints, &ai_list);
	if (gai != 0) {
		snprintf(res->detail, sizeof(res->detail), "cannot resolve %s: %s", o->host, gai_strerror(gai));
		return -1;
	}
	for (struct addrinfo *ai = ai_list; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (o->mss > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o->mss, sizeof(o->mss)) != 0)
			log_debug("grpc: cannot set TCP_MAXSEG %d: %s", o->mss, strerror(errno));
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(ai_list);
			return fd;
		}
		if (errno != EINPROGRESS) {
			last_errno = errno;
			close(fd);
			continue;
		}
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int ms = pqtun_ms_until(o->deadline_ms);
		int n;
		do
			n = poll(&p, 1, ms);
		while (n < 0 && errno == EINTR && (ms = pqtun_ms_until(o->deadline_ms)) > 0);
		if (n == 0 || (n < 0 && errno == EINTR)) {
			close(fd);
			freeaddrinfo(ai_list);
			snprintf(res->detail, sizeof(res->detail), "connecting to %s port %s timed out", o->host, port);
			return -2;
		}
		int err = 0;
		socklen_t el = sizeof(err);
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
			last_errno = n < 0 ? errno : err;
			close(fd);
			continue;
		}
		freeaddrinfo(ai_list);
		return fd;
	}
	freeaddrinfo(ai_list);
	snprintf(res->detail, sizeof(res->detail), "cannot connect to %s port %s: %s", o->host, port,
		 strerror(last_errno ? last_errno : ECONNREFUSED));
	return -1;
}

static ssize_t request_read(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
			    uint32_t *data_flags, nghttp2_data_source *source, void *user_data)
{
	struct call *c = user_data;
	(void)session;
	(void)stream_id;
	(void)source;
	size_t left = c->req_len - c->req_off;
	size_t n = left < length ? left : length;
	memcpy(buf, c->req + c->req_off, n);
	c->req_off += n;
	if (c->req_off == c->req_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int hdr_is(const uint8_t *p, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(p, want, len) == 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data)
{
	struct call *c = user_data;
	(void)session;
	(void)flags;
	if (frame->hd.stream_id != c->stream_id || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (hdr_is(name, namelen, ":status")) {
		c->http_status = 0;
		for (size_t i = 0; i < valuelen && i < 3; i++)
			c->http_status = c->http_status * 10 + (value[i] - '0');
	} else if (hdr_is(name, namelen, "content-type")) {
		c->ctype_ok = valuelen >= 16 && memcmp(value, GRPC_CONTENT_TYPE, 16) == 0;
	} else if (hdr_is(name, namelen, "grpc-status")) {
		c->res->status = grpc_status_parse((const char *)value, valuelen);
		c->got_status = 1;
	} else if (hdr_is(name, namelen, "grpc-message")) {
		grpc_message_decode(c->res->message, sizeof(c->res->message), (const char *)value, valuelen);
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
			 const uint8_t *data, size_t len, void *user_data)
{
	struct call *c = user_data;
	(void)session;
	(void)flags;
	if (stream_id != c->stream_id || c->framing_error)
		return 0;
	int rc = grpc_reader_feed(&c->reader, data, len);
	if (rc < 0) {
		c->framing_error = rc;
		grpc_reader_free(&c->reader);
	}
	return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code, void *user_data)
{
	struct call *c = user_data;
	(void)session;
	if (stream_id == c->stream_id) {
		c->closed = 1;
		c->close_error = error_code;
	}
	return 0;
}

static int session_start(struct call *c)
{
	nghttp2_session_callbacks *cbs;
	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	int rc = nghttp2_session_client_new(&c->session, cbs, c);
	nghttp2_session_callbacks_del(cbs);
	if (rc != 0)
		return -1;

	size_t win = c->opts->max_response + GRPC_PREFIX_LEN + 1024;
	if (win > (1u << 30))
		win = 1u << 30;
	const nghttp2_settings_entry settings[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)win },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384 },
	};
	if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings, 3) != 0 ||
	    nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, (int32_t)win) != 0)
		return -1;

	char authority[300], timeout[16];
	snprintf(authority, sizeof(authority), strchr(c->opts->host, ':') ? "[%s]:%u" : "%s:%u",
		 c->opts->host, c->opts->port);
	grpc_timeout_format(timeout, c->opts->grpc_timeout_ms ? c->opts->grpc_timeout_ms
							 : (uint64_t)pqtun_ms_until(c->opts->deadline_ms));
#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }
	const nghttp2_nv hdrs[] = {
		NV(":method", "POST"),
		NV(":scheme", "http"),
		NV(":path", c->opts->path),
		NV(":authority", authority),
		NV("content-type", GRPC_CONTENT_TYPE),
		NV("te", "trailers"),
		NV("grpc-timeout", timeout),
		NV("user-agent", "pqtun/" PQTUN_VERSION),
	};
#undef NV
	nghttp2_data_provider prd;
	prd.source.ptr = c;
	prd.read_callback = request_read;
	c->stream_id = nghttp2_submit_request(c->session, NULL, hdrs, sizeof(hdrs) / sizeof(hdrs[0]), &prd, c);
	return c->stream_id < 0 ? -1 : 0;
}

/* Drive the session until our stream closes. Returns 0 or a grpc_call_error. */
static int run_session(struct call *c)
{
	const uint8_t *out = NULL;
	size_t out_len = 0, out_off = 0;
	uint8_t buf[16384];

	while (!c->closed) {
		int want_write = 0;
		/* Write everything we can. */
		for (;;) {
			if (out_off == out_len) {
				ssize_t n = nghttp2_session_mem_send(c->session, &out);
				if (n < 0) {
					snprintf(c->res->detail, sizeof(c->res->detail), "HTTP/2: %s", nghttp2_strerror((int)n));
					return GRPC_CALL_PROTOCOL;
				}
				if (n == 0)
					break;
				out_len = (size_t)n;
				out_off = 0;
			}
			ssize_t w = send(c->fd, out + out_off, out_len - out_off, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					want_write = 1;
					break;
				}
				snprintf(c->res->detail, sizeof(c->res->detail), "connection lost: %s", strerror(errno));
				return GRPC_CALL_PROTOCOL;
			}
			out_off += (size_t)w;
			c->res->wire_sent += (size_t)w;
		}
		if (c->closed)
			break;
		if (!nghttp2_session_want_read(c->session) && !want_write) {
			snprintf(c->res->detail, sizeof(c->res->detail), "HTTP/2 session ended before the response");
			return GRPC_CALL_PROTOCOL;
		}
		int ms = pqtun_ms_until(c->opts->deadline_ms);
		if (ms <= 0)
			return GRPC_CALL_TIMEOUT;
		struct pollfd p = { .fd = c->fd, .events = POLLIN | (want_write ? POLLOUT : 0) };
		int n = poll(&p, 1, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return GRPC_CALL_PROTOCOL;
		}
		if (n == 0)
			return GRPC_CALL_TIMEOUT;
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0) {
				snprintf(c->res->detail, sizeof(c->res->detail), "connection closed by the relay%s%s",
					 r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
				return GRPC_CALL_PROTOCOL;
			}
			c->res->wire_received += (size_t)r;
			ssize_t used = nghttp2_session_mem_recv(c->session, buf, (size_t)r);
			if (used < 0) {
				snprintf(c->res->detail, sizeof(c->res->detail), "HTTP/2 protocol error: %s",
					 nghttp2_strerror((int)used));
				return GRPC_CALL_PROTOCOL;
			}
		}
	}
	return GRPC_CALL_OK;
}

int grpc_unary_call(const struct grpc_call_options *opts, const uint8_t *frame, size_t frame_len,
		    struct grpc_call_result *result)
{
	struct call c;
	int rc;

	memset(result, 0, sizeof(*result));
	result->status = -1;
	memset(&c, 0, sizeof(c));
	c.opts = opts;
	c.res = result;
	c.req = frame;
	c.req_len = frame_len;
	grpc_reader_init(&c.reader, opts->max_response);

	c.fd = connect_deadline(opts, result);
	if (c.fd < 0)
		return c.fd == -2 ? GRPC_CALL_TIMEOUT : GRPC_CALL_CONNECT;
	if (session_start(&c) != 0) {
		rc = GRPC_CALL_NO_MEMORY;
		goto out;
	}
	rc = run_session(&c);
	if (rc != GRPC_CALL_OK)
		goto out;

	rc = GRPC_CALL_PROTOCOL;
	if (c.http_status != 200) {
		snprintf(result->detail, sizeof(result->detail), "HTTP status %d instead of 200", c.http_status);
		goto out;
	}
	if (!c.got_status || result->status < 0) {
		snprintf(result->detail, sizeof(result->detail), c.close_error ?
			 "stream reset by the relay (HTTP/2 error %u)" : "response without grpc-status",
			 c.close_error);
		result->status = -1;
		goto out;
	}
	if (!c.ctype_ok) {
		snprintf(result->detail, sizeof(result->detail), "response content-type is not application/grpc");
		goto out;
	}
	if (result->status != 0) {
		rc = GRPC_CALL_OK;
		goto out;
	}
	if (c.framing_error) {
		snprintf(result->detail, sizeof(result->detail), "%s",
			 c.framing_error == GRPC_READ_TOO_LARGE ? "response message larger than the maximum" :
			 c.framing_error == GRPC_READ_COMPRESSED ? "compressed response message" :
			 c.framing_error == GRPC_READ_TRAILING ? "more than one response message" :
			 "out of memory");
		goto out;
	}
	if (!grpc_reader_complete(&c.reader)) {
		snprintf(result->detail, sizeof(result->detail), "%s",
			 grpc_reader_seen(&c.reader) ? "truncated response message" : "response has no message");
		goto out;
	}
	result->response = c.reader.buf;
	result->response_len = c.reader.len;
	c.reader.buf = NULL;
	rc = GRPC_CALL_OK;
out:
	grpc_reader_free(&c.reader);
	if (c.session)
		nghttp2_session_del(c.session);
	close(c.fd);
	return rc;
}
