/* The relay's gRPC server: one epoll event loop with non-blocking sockets
 * and one nghttp2 server session per connection; complete requests go to the
 * worker pool so that KEM work never stalls the loop.
 *
 * Bounds: at most max_connections connections (more are closed right after
 * accept); per connection at most max_streams concurrent streams
 * (SETTINGS_MAX_CONCURRENT_STREAMS, enforced by nghttp2), each buffering at
 * most one request of max_message_size bytes (checked from the length prefix
 * before allocating) and one response; at most max_queue requests waiting for
 * a worker (more get RESOURCE_EXHAUSTED). Timeouts: a connection must
 * complete its first request, and every started request must complete,
 * within read_timeout; output that makes no progress for read_timeout (a
 * client that stopped reading) closes the connection; so does
 * idle_timeout without any request (HTTP/2 PINGs do not keep it open).
 * grpc-timeout sets a per-request deadline answered with DEADLINE_EXCEEDED.
 * A client that half-closes still gets its pending answers. */
#define _GNU_SOURCE
#include "pqtun/exchange.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/grpc.h"
#include "relay/relay_service.h"
#include "relay/relay_workers.h"
#include "util/log.h"
#include "util/timeutil.h"

#define TICK_MS 100
#define READ_CHUNK 16384
#define READ_BUDGET (256 * 1024) /* bytes read per connection per wake-up */
#define MAX_HEADER_LIST 16384
#define OUT_CAP 32768 /* frames are gathered up to this before one send() */

struct relay_stream;

struct relay_conn {
	struct relay *relay;
	int fd;
	nghttp2_session *session;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct relay_conn *prev, *next;  /* live connections */
	struct relay_stream *streams;    /* open streams */
	const uint8_t *pend;             /* chunk from nghttp2 not yet copied to obuf */
	size_t pend_len, pend_off;
	uint8_t *obuf;                   /* coalesced output (OUT_CAP, malloc while in use) */
	size_t olen, ooff;
	int want_write;
	int eof;                         /* client half-closed: answer what is pending, then close */
	uint32_t ev_mask;                /* events registered with epoll */
	int closing;                     /* close after this event */
	int dead;                        /* closed; kept until jobs_pending is 0 */
	unsigned jobs_pending;
	uint64_t accepted_ms, last_read_ms, last_write_ms, blocked_since_ms;
	uint64_t last_request_ms;        /* a stream began or closed (PINGs do not count) */
	uint64_t requests_completed;
	int deliver_pending;             /* a registration's response is being sent */
	int deliver_lowat;               /* TCP_NOTSENT_LOWAT set to see it leave */
	uint8_t deliver_key[32];         /* its ephemeral public key (policy.delivered) */
};

struct relay_stream {
	struct relay_conn *conn;
	struct relay_stream *prev, *next;
	int32_t id;
	int path_ok, method_ok, ctype_ok;
	struct grpc_reader reader;
	int reader_error;                /* request answered early with an error */
	int dispatched, responded;
	uint64_t start_ms, deadline_ms;
	uint8_t *frame;                  /* response message with prefix */
	size_t frame_len, frame_off;
	int status;
	char message[3 * PQTUN_RELAY_MSG_LEN + 1]; /* percent-encoded */
	int registered;                  /* OK response of a registration (policy.delivered) */
	uint8_t eph[32];
};

struct relay {
	struct pqtun_relay_config cfg;
	struct relay_service service;
	struct relay_workers workers;
	int listen_fd, epoll_fd, done_fd, stop_fd;
	uint16_t port;
	struct relay_conn *conns;
	unsigned n_conns;
	struct pqtun_relay_stats stats;
	int workers_started;
	uint64_t last_tick_ms;
	char tag_listen, tag_done, tag_stop; /* epoll identities */
};

#define STAT_INC(r, field) __atomic_add_fetch(&(r)->stats.field, 1, __ATOMIC_RELAXED)

const char *pqtun_relay_strerror(int err)
{
	switch (err) {
	case PQTUN_RELAY_OK: return "success";
	case PQTUN_RELAY_BAD_CONFIG: return "invalid relay configuration";
	case PQTUN_RELAY_SOCKET: return "could not open the listening socket";
	case PQTUN_RELAY_NO_MEMORY: return "out of memory";
	case PQTUN_RELAY_THREADS: return "could not start worker threads";
	default: return "unknown error";
	}
}

/* ------------------------------------------------------------ responses */

/* Data source for a response body: the prepared frame, then the trailers. */
static ssize_t response_read(nghttp2_session *session, int32_t stream_id, uint8_t *buf,
			     size_t length, uint32_t *data_flags, nghttp2_data_source *source,
			     void *user_data)
{
	struct relay_stream *s = source->ptr;
	(void)user_data;
	size_t left = s->frame_len - s->frame_off;
	size_t n = left < length ? left : length;
	memcpy(buf, s->frame + s->frame_off, n);
	s->frame_off += n;
	if (s->frame_off == s->frame_len) {
		*data_flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		const nghttp2_nv trailers[] = {
			{ (uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, NGHTTP2_NV_FLAG_NONE },
		};
		if (nghttp2_submit_trailer(session, stream_id, trailers, 1) != 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

#define NV(name, value) \
	{ (uint8_t *)(name), (uint8_t *)(value), sizeof(name) - 1, strlen(value), NGHTTP2_NV_FLAG_NONE }

/* Answer a stream with a non-OK status as a trailers-only response. */
static void stream_respond_error(struct relay_stream *s, int status, const char *message)
{
	char code[8];
	if (s->responded)
		return;
	s->responded = 1;
	s->status = status;
	snprintf(code, sizeof(code), "%d", status);
	grpc_message_encode(s->message, sizeof(s->message), message);
	const nghttp2_nv hdrs[] = {
		NV(":status", "200"),
		NV("content-type", GRPC_CONTENT_TYPE),
		NV("grpc-status", code),
		NV("grpc-message", s->message),
	};
	nghttp2_submit_response(s->conn->session, s->id, hdrs, 4, NULL);
	STAT_INC(s->conn->relay, exchanges_failed);
}

/* Answer a stream with the worker's reply (which may be an error). Takes
 * the reply's frame. */
static void stream_respond(struct relay_stream *s, struct relay_reply *reply)
{
	if (s->responded)
		return;
	if (reply->status != PQTUN_GRPC_OK || !reply->frame) {
		stream_respond_error(s, reply->status ? reply->status : PQTUN_GRPC_INTERNAL,
				     reply->message);
		return;
	}
	s->responded = 1;
	s->frame = reply->frame;
	s->frame_len = reply->frame_len;
	s->frame_off = 0;
	reply->frame = NULL;
	s->registered = reply->registered;
	memcpy(s->eph, reply->ephemeral_pubkey, sizeof(s->eph));
	const nghttp2_nv hdrs[] = {
		NV(":status", "200"),
		NV("content-type", GRPC_CONTENT_TYPE),
	};
	nghttp2_data_provider prd;
	prd.source.ptr = s;
	prd.read_callback = response_read;
	if (nghttp2_submit_response(s->conn->session, s->id, hdrs, 2, &prd) != 0) {
		s->conn->closing = 1;
		return;
	}
	STAT_INC(s->conn->relay, exchanges_ok);
}

/* ------------------------------------------------------------ requests */

static void stream_unlink_free(struct relay_stream *s)
{
	struct relay_conn *c = s->conn;
	if (s->prev)
		s->prev->next = s->next;
	else
		c->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	grpc_reader_free(&s->reader);
	free(s->frame);
	free(s);
}

/* Answer an error decided by the event loop and log it like the service's
 * own rejections. */
static void stream_reject(struct relay_stream *s, int status, const char *message)
{
	char addr[64];
	relay_format_addr(addr, sizeof(addr), (const struct sockaddr *)&s->conn->peer, s->conn->peer_len);
	log_warn("relay: rejected request from %s: %s: %s", addr, pqtun_grpc_status_name(status), message);
	stream_respond_error(s, status, message);
}

/* The request on s is complete: hand it to a worker. */
static void stream_dispatch(struct relay_stream *s)
{
	struct relay_conn *c = s->conn;
	struct relay *r = c->relay;

	if (s->responded || s->dispatched)
		return;
	c->requests_completed++;
	if (!s->method_ok || !s->path_ok) {
		stream_reject(s, PQTUN_GRPC_UNIMPLEMENTED,
				     "unknown method (only " GRPC_METHOD_PATH " is served)");
		return;
	}
	if (!s->ctype_ok) {
		stream_reject(s, PQTUN_GRPC_INVALID_ARGUMENT, "content-type must be application/grpc");
		return;
	}
	if (!grpc_reader_complete(&s->reader)) {
		stream_reject(s, PQTUN_GRPC_INVALID_ARGUMENT,
				     grpc_reader_seen(&s->reader) ? "truncated request message"
								  : "request has no message");
		return;
	}
	struct relay_job *job = calloc(1, sizeof(*job));
	if (!job) {
		stream_reject(s, PQTUN_GRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	job->conn = c;
	job->stream_id = s->id;
	memcpy(&job->peer, &c->peer, sizeof(job->peer));
	job->peer_len = c->peer_len;
	job->msg = s->reader.buf; /* ownership moves to the job */
	job->len = s->reader.len;
	s->reader.buf = NULL;
	job->deadline_ms = s->deadline_ms;
	if (relay_workers_submit(&r->workers, job) != 0) {
		relay_job_free(job);
		stream_reject(s, PQTUN_GRPC_RESOURCE_EXHAUSTED, "relay busy, try again");
		return;
	}
	s->dispatched = 1;
	c->jobs_pending++;
}

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	struct relay_conn *c = user_data;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct relay_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream only */
	s->conn = c;
	s->id = frame->hd.stream_id;
	s->start_ms = c->last_request_ms = pqtun_now_ms();
	grpc_reader_init(&s->reader, c->relay->cfg.max_message_size);
	s->next = c->streams;
	if (c->streams)
		c->streams->prev = s;
	c->streams = s;
	nghttp2_session_set_stream_user_data(session, s->id, s);
	return 0;
}

static int name_is(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(name, want, len) == 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data)
{
	(void)flags;
	(void)user_data;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct relay_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
	if (!s)
		return 0;
	if (name_is(name, namelen, ":method"))
		s->method_ok = name_is(value, valuelen, "POST");
	else if (name_is(name, namelen, ":path"))
		s->path_ok = name_is(value, valuelen, GRPC_METHOD_PATH);
	else if (name_is(name, namelen, "content-type"))
		s->ctype_ok = valuelen >= 16 && memcmp(value, GRPC_CONTENT_TYPE, 16) == 0 &&
			      (valuelen == 16 || value[16] == '+' || value[16] == ';');
	else if (name_is(name, namelen, "grpc-timeout")) {
		uint64_t ms;
		if (grpc_timeout_parse((const char *)value, valuelen, &ms) == 0)
			s->deadline_ms = s->start_ms + ms;
	} else if (name_is(name, namelen, "grpc-encoding")) {
		/* We accept only uncompressed messages; "identity" is harmless. */
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *session, uint8_t flags, int32_t stream_id,
			 const uint8_t *data, size_t len, void *user_data)
{
	(void)flags;
	(void)user_data;
	struct relay_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);
	char msg[160];
	if (!s || s->reader_error || s->responded)
		return 0; /* dropped: answered already */
	int rc = grpc_reader_feed(&s->reader, data, len);
	if (rc >= 0)
		return 0;
	s->reader_error = 1;
	grpc_reader_free(&s->reader);
	int status = PQTUN_GRPC_INVALID_ARGUMENT;
	switch (rc) {
	case GRPC_READ_TOO_LARGE:
		status = PQTUN_GRPC_RESOURCE_EXHAUSTED;
		snprintf(msg, sizeof(msg), "request message larger than the maximum of %zu bytes",
			 s->conn->relay->cfg.max_message_size);
		break;
	case GRPC_READ_COMPRESSED:
		status = PQTUN_GRPC_UNIMPLEMENTED;
		snprintf(msg, sizeof(msg), "compressed messages are not supported");
		break;
	case GRPC_READ_TRAILING:
		snprintf(msg, sizeof(msg), "more than one request message in a unary call");
		break;
	default:
		status = PQTUN_GRPC_RESOURCE_EXHAUSTED;
		snprintf(msg, sizeof(msg), "out of memory");
		break;
	}
	stream_reject(s, status, msg);
	return 0;
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data)
{
	(void)user_data;
	if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
		struct relay_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
		if (s)
			stream_dispatch(s);
	}
	return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
			   void *user_data)
{
	(void)user_data;
	struct relay_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);
	if (s) {
		s->conn->last_request_ms = pqtun_now_ms();
		if (s->registered && error_code == NGHTTP2_NO_ERROR && s->conn->relay->cfg.policy.delivered) {
			/* whole response handed to the socket: watch it leave */
			s->conn->deliver_pending = 1;
			memcpy(s->conn->deliver_key, s->eph, sizeof(s->eph));
		}
		nghttp2_session_set_stream_user_data(session, stream_id, NULL);
		stream_unlink_free(s);
	}
	return 0;
}

/* ------------------------------------------------------------ connections */

static void conn_free(struct relay_conn *c)
{
	free(c->obuf);
	free(c);
}

/* Tell the policy that a registration's response is out once every byte
 * of it left the socket (none waits in our buffer or in the kernel's
 * not-yet-sent queue). Waiting for the client's ACK instead is too late:
 * the client switches keys as soon as it has read the response, and its
 * last ACKs then travel in the new tunnel. Until then TCP_NOTSENT_LOWAT
 * makes epoll report EPOLLOUT exactly when the unsent queue empties. */
static void conn_check_delivered(struct relay_conn *c)
{
	int unsent = 1;
	if (!c->deliver_pending || c->olen != 0 || c->pend_off != c->pend_len)
		return;
	if (ioctl(c->fd, SIOCOUTQNSD, &unsent) == 0 && unsent != 0) {
		int one = 1;
		if (!c->deliver_lowat &&
		    setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &one, sizeof(one)) == 0)
			c->deliver_lowat = 1; /* conn_flush now waits for EPOLLOUT */
		return;
	}
	c->deliver_pending = 0;
	if (c->deliver_lowat) {
		int dflt = 0; /* back to the system default */
		setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &dflt, sizeof(dflt));
		c->deliver_lowat = 0;
	}
	const struct pqtun_relay_policy *pol = &c->relay->cfg.policy;
	if (pol->delivered)
		pol->delivered(pol->ctx, c->deliver_key);
}

/* Close the socket and the session now; the struct lives on while workers
 * still hold jobs of it. */
static void conn_close(struct relay_conn *c)
{
	struct relay *r = c->relay;
	if (c->dead)
		return;
	conn_check_delivered(c);
	epoll_ctl(r->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	nghttp2_session_del(c->session); /* does not call on_stream_close */
	c->session = NULL;
	while (c->streams) {
		struct relay_stream *s = c->streams;
		c->streams = s->next;
		grpc_reader_free(&s->reader);
		free(s->frame);
		free(s);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	r->n_conns--;
	c->dead = 1;
	if (c->jobs_pending == 0)
		conn_free(c);
}

/* Write what nghttp2 has to send until the socket would block, gathering
 * its frames into one buffer so that a response (HEADERS, DATA, trailers)
 * leaves in one send(). Returns 0, or -1 if the connection must close. */
static int conn_flush(struct relay_conn *c)
{
	struct relay *r = c->relay;
	uint64_t now = pqtun_now_ms();
	int blocked = 0;

	for (;;) {
		/* Gather. */
		while (c->olen < OUT_CAP) {
			if (c->pend_off == c->pend_len) {
				const uint8_t *data;
				ssize_t n = nghttp2_session_mem_send(c->session, &data);
				if (n < 0)
					return -1;
				if (n == 0)
					break;
				c->pend = data;
				c->pend_len = (size_t)n;
				c->pend_off = 0;
			}
			if (!c->obuf && !(c->obuf = malloc(OUT_CAP)))
				return -1;
			size_t take = c->pend_len - c->pend_off;
			if (take > OUT_CAP - c->olen)
				take = OUT_CAP - c->olen;
			memcpy(c->obuf + c->olen, c->pend + c->pend_off, take);
			c->olen += take;
			c->pend_off += take;
		}
		if (c->olen == 0)
			break;
		/* Send. */
		ssize_t w = send(c->fd, c->obuf + c->ooff, c->olen - c->ooff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				blocked = 1;
				break;
			}
			return -1;
		}
		c->ooff += (size_t)w;
		c->last_write_ms = now;
		if (c->ooff == c->olen)
			c->olen = c->ooff = 0;
	}
	if (c->olen == 0 && c->obuf) {
		free(c->obuf); /* idle connections keep no output buffer */
		c->obuf = NULL;
	}
	if (!blocked)
		conn_check_delivered(c);
	if (blocked && !c->want_write)
		c->blocked_since_ms = now;
	c->want_write = blocked;
	uint32_t mask = (c->eof ? 0 : EPOLLIN) | (blocked || c->deliver_lowat ? EPOLLOUT : 0);
	if (mask != c->ev_mask) {
		struct epoll_event ev = { .events = mask, .data.ptr = c };
		epoll_ctl(r->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
		c->ev_mask = mask;
	}
	if (!blocked && !nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session))
		return -1; /* GOAWAY exchanged and everything written */
	if (c->eof && !blocked && c->jobs_pending == 0 && !nghttp2_session_want_write(c->session))
		return -1; /* half-closed client: every answer is out */
	return 0;
}

/* Read what the socket has (bounded per call) into the session. Returns 0,
 * or -1 if the connection must close. */
static int conn_read(struct relay_conn *c)
{
	uint8_t buf[READ_CHUNK];
	size_t budget = READ_BUDGET;

	while (budget > 0 && !c->closing) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (n == 0) {
			c->eof = 1; /* conn_flush closes once pending answers are written */
			return 0;
		}
		c->last_read_ms = pqtun_now_ms();
		ssize_t used = nghttp2_session_mem_recv(c->session, buf, (size_t)n);
		if (used < 0) {
			log_debug("relay: HTTP/2 error: %s", nghttp2_strerror((int)used));
			/* Let nghttp2 send its GOAWAY, then close. */
			conn_flush(c);
			return -1;
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if ((size_t)n < sizeof(buf))
			break; /* drained for now; level-triggered epoll reports more */
	}
	return c->closing ? -1 : 0;
}

static int conn_setup_session(struct relay_conn *c)
{
	struct relay *r = c->relay;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cbs);
		return -1;
	}
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
	nghttp2_option_set_max_outbound_ack(opt, 100);
	nghttp2_option_set_max_settings(opt, 16);
	int rc = nghttp2_session_server_new2(&c->session, cbs, c, opt);
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	if (rc != 0)
		return -1;

	/* Windows: a whole request (up to the maximum message) may arrive
	 * without waiting for WINDOW_UPDATE. */
	size_t win = r->cfg.max_message_size + GRPC_PREFIX_LEN + 1024;
	if (win > (1u << 30))
		win = 1u << 30;
	const nghttp2_settings_entry settings[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, r->cfg.max_streams },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)win },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST },
	};
	if (nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings, 3) != 0)
		return -1;
	if (nghttp2_session_set_local_window_size(c->session, NGHTTP2_FLAG_NONE, 0, (int32_t)win) != 0)
		return -1;
	return 0;
}

static void relay_accept(struct relay *r)
{
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(r->listen_fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("relay: accept: %s", strerror(errno));
			return;
		}
		if (r->n_conns >= r->cfg.max_connections) {
			STAT_INC(r, connections_rejected);
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct relay_conn *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->relay = r;
		c->fd = fd;
		memcpy(&c->peer, &peer, sizeof(peer));
		c->peer_len = plen;
		c->accepted_ms = c->last_read_ms = c->last_write_ms = c->last_request_ms = pqtun_now_ms();
		if (conn_setup_session(c) != 0) {
			if (c->session)
				nghttp2_session_del(c->session);
			close(fd);
			free(c);
			continue;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		c->ev_mask = EPOLLIN;
		if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			nghttp2_session_del(c->session);
			close(fd);
			free(c);
			continue;
		}
		c->next = r->conns;
		if (r->conns)
			r->conns->prev = c;
		r->conns = c;
		r->n_conns++;
		STAT_INC(r, connections_accepted);
		/* Send our SETTINGS at once: a client may wait for them. */
		if (conn_flush(c) != 0)
			conn_close(c);
	}
}

/* Deliver finished jobs to their streams. */
static void relay_collect_done(struct relay *r)
{
	uint64_t v;
	if (read(r->done_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("relay: eventfd read: %s", strerror(errno)); /* one read resets the counter */
	struct relay_job *job = relay_workers_take_done(&r->workers);
	while (job) {
		struct relay_job *next = job->next;
		struct relay_conn *c = job->conn;
		c->jobs_pending--;
		if (c->dead) {
			if (c->jobs_pending == 0)
				conn_free(c);
		} else {
			struct relay_stream *s = nghttp2_session_get_stream_user_data(c->session, job->stream_id);
			if (s && job->skipped)
				stream_respond_error(s, PQTUN_GRPC_DEADLINE_EXCEEDED, "deadline exceeded");
			else if (s)
				stream_respond(s, &job->reply);
			if (conn_flush(c) != 0 || c->closing)
				conn_close(c);
		}
		relay_job_free(job);
		job = next;
	}
}

/* Enforce deadlines and timeouts on every connection. */
static void relay_tick(struct relay *r)
{
	uint64_t now = pqtun_now_ms();
	const struct pqtun_relay_config *cfg = &r->cfg;
	struct relay_conn *c = r->conns;

	while (c) {
		struct relay_conn *next = c->next;
		int close_it = 0, receiving = 0;
		for (struct relay_stream *s = c->streams; s; s = s->next) {
			if (!s->responded && s->deadline_ms && now >= s->deadline_ms)
				stream_respond_error(s, PQTUN_GRPC_DEADLINE_EXCEEDED, "deadline exceeded");
			/* Any stream older than read_timeout that is not waiting for a
			 * worker: a request that did not arrive, or a client that got
			 * an early error and keeps its side of the stream open. */
			if (!(s->dispatched && !s->responded) && now - s->start_ms >= cfg->read_timeout_ms)
				receiving = 1;
		}
		if (receiving)
			close_it = 1; /* a request did not arrive in time */
		else if (c->requests_completed == 0 && now - c->accepted_ms >= cfg->read_timeout_ms)
			close_it = 1; /* silent or slow client */
		else if (c->want_write && now - c->last_write_ms >= cfg->read_timeout_ms)
			close_it = 1; /* client stopped reading */
		else if (!c->streams && c->jobs_pending == 0 && now - c->last_request_ms >= cfg->idle_timeout_ms)
			close_it = 1;
		if (close_it) {
			char addr[64];
			relay_format_addr(addr, sizeof(addr), (const struct sockaddr *)&c->peer, c->peer_len);
			log_info("relay: closing connection from %s: timeout", addr);
			STAT_INC(r, connections_timed_out);
			conn_close(c);
		} else if (conn_flush(c) != 0) {
			conn_close(c);
		}
		c = next;
	}
	r->last_tick_ms = now;
}

/* ------------------------------------------------------------ lifecycle */

/* Split "HOST:PORT", "[V6]:PORT" or ":PORT" into host (NULL = any) and port. */
static int split_listen(const char *listen, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	if (!listen || !*listen)
		return -1;
	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');
		if (!end || end[1] != ':')
			return -1;
		if ((size_t)(end - listen - 1) >= hostlen)
			return -1;
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= hostlen)
			return -1;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= portlen)
		return -1;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (atol(colon + 1) > 65535)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

static int open_listener(struct relay *r)
{
	char host[256], port[8];
	struct addrinfo hints = { 0 }, *res = NULL;

	if (split_listen(r->cfg.listen, host, sizeof(host), port, sizeof(port)) != 0)
		return PQTUN_RELAY_BAD_CONFIG;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0)
		return PQTUN_RELAY_BAD_CONFIG;
	int fd = -1, err = PQTUN_RELAY_SOCKET, saved = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 512) == 0) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);
			getsockname(fd, (struct sockaddr *)&ss, &sl);
			r->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
								  : ((struct sockaddr_in *)&ss)->sin_port);
			err = 0;
			break;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (err) {
		errno = saved;
		return err;
	}
	r->listen_fd = fd;
	return 0;
}

int pqtun_relay_create(struct pqtun_relay **out, const struct pqtun_relay_config *cfg)
{
	struct relay *r;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->listen)
		return PQTUN_RELAY_BAD_CONFIG;
	const struct pqtun_relay_daita *d = &cfg->daita;
	if (d->n_machines && (!d->machines || !(d->max_padding_frac >= 0 && d->max_padding_frac <= 1) ||
			      !(d->max_blocking_frac >= 0 && d->max_blocking_frac <= 1)))
		return PQTUN_RELAY_BAD_CONFIG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return PQTUN_RELAY_NO_MEMORY;
	r->cfg = *cfg;
	r->listen_fd = r->epoll_fd = r->done_fd = r->stop_fd = -1;
	if (!r->cfg.workers) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		r->cfg.workers = n > 0 ? (unsigned)n : 1;
	}
	if (!r->cfg.max_connections)
		r->cfg.max_connections = 1024;
	if (!r->cfg.max_streams)
		r->cfg.max_streams = 16;
	if (!r->cfg.max_message_size)
		r->cfg.max_message_size = PQTUN_GRPC_DEFAULT_MAX_MESSAGE;
	if (r->cfg.max_message_size > (1u << 30)) {
		free(r);
		return PQTUN_RELAY_BAD_CONFIG;
	}
	if (!r->cfg.read_timeout_ms)
		r->cfg.read_timeout_ms = 10000;
	if (!r->cfg.idle_timeout_ms)
		r->cfg.idle_timeout_ms = 60000;
	if (!r->cfg.max_queue)
		r->cfg.max_queue = 64 * r->cfg.workers;
	r->service.policy = &r->cfg.policy;
	r->service.daita = &r->cfg.daita;
	r->service.kem_cpu_ns = &r->stats.kem_cpu_ns;
	r->service.disabled_kems = r->cfg.disabled_kems;
	r->service.n_disabled_kems = r->cfg.disabled_kems ? r->cfg.n_disabled_kems : 0;

	rc = open_listener(r);
	if (rc != 0)
		goto fail;
	rc = PQTUN_RELAY_SOCKET;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	r->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->epoll_fd < 0 || r->done_fd < 0 || r->stop_fd < 0)
		goto fail;
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.ptr = &r->tag_listen;
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->listen_fd, &ev) != 0)
		goto fail;
	ev.data.ptr = &r->tag_done;
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->done_fd, &ev) != 0)
		goto fail;
	ev.data.ptr = &r->tag_stop;
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, r->stop_fd, &ev) != 0)
		goto fail;
	/* the workers start in pqtun_relay_run: a caller may drop privileges
	 * between the two calls, and credentials are per thread */
	*out = (struct pqtun_relay *)r;
	return 0;
fail:
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	if (r->done_fd >= 0)
		close(r->done_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	free(r);
	return rc;
}

uint16_t pqtun_relay_port(const struct pqtun_relay *relay)
{
	return ((const struct relay *)relay)->port;
}

int pqtun_relay_run(struct pqtun_relay *relay)
{
	struct relay *r = (struct relay *)relay;
	struct epoll_event events[64];

	if (!r->workers_started) {
		if (relay_workers_start(&r->workers, r->cfg.workers, r->cfg.max_queue, &r->service, r->done_fd) != 0)
			return PQTUN_RELAY_THREADS;
		r->workers_started = 1;
	}
	for (;;) {
		int n = epoll_wait(r->epoll_fd, events, 64, TICK_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("relay: epoll_wait: %s", strerror(errno));
			return PQTUN_RELAY_SOCKET;
		}
		for (int i = 0; i < n; i++) {
			void *p = events[i].data.ptr;
			if (p == &r->tag_stop)
				return 0;
			if (p == &r->tag_listen) {
				relay_accept(r);
				continue;
			}
			if (p == &r->tag_done) {
				relay_collect_done(r);
				continue;
			}
			struct relay_conn *c = p;
			if (c->dead)
				continue;
			int fail = 0;
			if (c->eof && (events[i].events & (EPOLLERR | EPOLLHUP)))
				fail = 1; /* fully shut down or reset after the half-close */
			else if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				fail = conn_read(c) != 0;
			if (!fail)
				fail = conn_flush(c) != 0;
			if (fail || c->closing)
				conn_close(c);
		}
		if (pqtun_now_ms() - r->last_tick_ms >= TICK_MS)
			relay_tick(r);
	}
}

void pqtun_relay_stop(struct pqtun_relay *relay)
{
	struct relay *r = (struct relay *)relay;
	uint64_t one = 1;
	ssize_t rc = write(r->stop_fd, &one, sizeof(one));
	(void)rc;
}

void pqtun_relay_destroy(struct pqtun_relay *relay)
{
	struct relay *r = (struct relay *)relay;
	if (!r)
		return;
	struct relay_job *left = r->workers_started ? relay_workers_stop(&r->workers) : NULL;
	while (left) {
		struct relay_job *next = left->next;
		struct relay_conn *c = left->conn;
		c->jobs_pending--;
		if (c->dead && c->jobs_pending == 0)
			conn_free(c);
		relay_job_free(left);
		left = next;
	}
	while (r->conns)
		conn_close(r->conns);
	if (r->cfg.policy.release)
		r->cfg.policy.release(r->cfg.policy.ctx);
	close(r->listen_fd);
	close(r->epoll_fd);
	close(r->done_fd);
	close(r->stop_fd);
	free(r);
}

void pqtun_relay_get_stats(const struct pqtun_relay *relay, struct pqtun_relay_stats *out)
{
	const struct relay *r = (const struct relay *)relay;
	out->connections_accepted = __atomic_load_n(&r->stats.connections_accepted, __ATOMIC_RELAXED);
	out->connections_rejected = __atomic_load_n(&r->stats.connections_rejected, __ATOMIC_RELAXED);
	out->exchanges_ok = __atomic_load_n(&r->stats.exchanges_ok, __ATOMIC_RELAXED);
	out->exchanges_failed = __atomic_load_n(&r->stats.exchanges_failed, __ATOMIC_RELAXED);
	out->connections_timed_out = __atomic_load_n(&r->stats.connections_timed_out, __ATOMIC_RELAXED);
	out->kem_cpu_ns = __atomic_load_n(&r->stats.kem_cpu_ns, __ATOMIC_RELAXED);
}
