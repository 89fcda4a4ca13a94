/* The ephemeral-peer exchange (gRPC ephemeralpeer.EphemeralPeer/RegisterPeerV1,
 * docs PROTOCOL.md §3-§6, §10): PSK derivation, the client call and the relay
 * service.
 *
 * Every function returns 0 or a negative code of its family and never prints
 * (the relay logs rejected requests through util/log.h at warning level). */
#ifndef PQTUN_EXCHANGE_H
#define PQTUN_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PQTUN_PSK_LEN 32
#define PQTUN_EXCHANGE_DEFAULT_PORT 1337
#define PQTUN_EXCHANGE_MSS 496                     /* 576 - 20 (IPv4) - 60 (max TCP header) */
#define PQTUN_GRPC_DEFAULT_MAX_MESSAGE (1u << 20)  /* 1 MiB */
#define PQTUN_EXCHANGE_MAX_KEMS 4                  /* most KEM keys one request may carry */

/* gRPC status codes used by this protocol (grpc/doc/statuscodes.md). */
enum pqtun_grpc_status {
	PQTUN_GRPC_OK = 0,
	PQTUN_GRPC_CANCELLED = 1,
	PQTUN_GRPC_UNKNOWN = 2,
	PQTUN_GRPC_INVALID_ARGUMENT = 3,
	PQTUN_GRPC_DEADLINE_EXCEEDED = 4,
	PQTUN_GRPC_NOT_FOUND = 5,
	PQTUN_GRPC_PERMISSION_DENIED = 7,
	PQTUN_GRPC_RESOURCE_EXHAUSTED = 8,
	PQTUN_GRPC_FAILED_PRECONDITION = 9,
	PQTUN_GRPC_UNIMPLEMENTED = 12,
	PQTUN_GRPC_INTERNAL = 13,
	PQTUN_GRPC_UNAVAILABLE = 14,
};
/* Upper-case name of a status ("INVALID_ARGUMENT"), "UNKNOWN_STATUS" if unknown. */
const char *pqtun_grpc_status_name(int status);

/* ------------------------------------------------------------------ PSK */

/* PSK = XOR over all secrets, where a secret of exactly 32 bytes is used as
 * is and any other length is replaced by its SHA-256 (§5).
 * secrets[i] has lens[i] bytes (lens[i] > 0); n >= 1. psk receives 32 bytes.
 * Every intermediate is wiped. Returns 0, or -1 for bad arguments (psk is
 * then zeroed). Secret data: secrets and psk; time depends only on lens. */
int pqtun_psk_derive(uint8_t psk[PQTUN_PSK_LEN], const uint8_t *const *secrets,
		     const size_t *lens, size_t n);

/* ------------------------------------------------------------------ client */

enum pqtun_exchange_error {
	PQTUN_EX_OK = 0,
	PQTUN_EX_CONNECT = -1,              /* could not resolve or connect to the relay */
	PQTUN_EX_RPC_STATUS = -2,           /* relay answered a non-OK gRPC status (see result) */
	PQTUN_EX_MISSING_CIPHERTEXTS = -3,  /* response has no post_quantum field */
	PQTUN_EX_CIPHERTEXT_COUNT = -4,     /* not as many ciphertexts as keys sent */
	PQTUN_EX_CIPHERTEXT_LENGTH = -5,    /* a ciphertext has the wrong length */
	PQTUN_EX_CIPHERTEXT_REJECTED = -6,  /* a KEM rejected a ciphertext (HQC re-encryption check) */
	PQTUN_EX_TIMEOUT = -7,              /* the overall deadline passed */
	PQTUN_EX_MISSING_DAITA = -8,        /* DAITA was asked for and the response has none */
	PQTUN_EX_DAITA_FRACTION = -9,       /* a DAITA fraction outside 0..1 (or NaN) */
	PQTUN_EX_PROTOCOL = -10,            /* HTTP/2, gRPC framing or protobuf error */
	PQTUN_EX_KEM_UNAVAILABLE = -11,     /* a KEM this client needs is not built in */
	PQTUN_EX_KEM_FAILURE = -12,         /* key generation failed (e.g. no randomness) */
	PQTUN_EX_INVALID_ARGUMENT = -13,    /* bad options given to pqtun_exchange */
	PQTUN_EX_NO_MEMORY = -14,
	PQTUN_EX_UNEXPECTED_CIPHERTEXTS = -15, /* ciphertexts in the answer to a request without keys */
};
/* Description of an pqtun_exchange_error, e.g. "relay answered with an RPC error". */
const char *pqtun_exchange_strerror(int err);

/* DAITA settings (§10) as the relay sent them. */
struct pqtun_daita_settings {
	char **machines;          /* n_machines NUL-terminated strings */
	size_t n_machines;
	double max_padding_frac;  /* within 0..1 */
	double max_blocking_frac; /* within 0..1 */
};

struct pqtun_exchange_options {
	const char *host;         /* relay address or name */
	uint16_t port;            /* 0 = 1337 */
	unsigned timeout_ms;      /* whole call: resolve, connect, exchange; 0 = 8000 */
	int post_quantum;         /* nonzero: send one key per KEM of kems, get a PSK */
	int daita;                /* nonzero: send daita_v2 (version 2, linux_wg_go) */
	size_t max_message_size;  /* largest response accepted; 0 = 1 MiB */
	/* KEM protocol names in request order (§4), checked as by
	 * pqtun_exchange_check_kems; NULL / 0 = ML-KEM-1024, HQC-256. */
	const char *const *kems;
	size_t n_kems;
};

#define PQTUN_EXCHANGE_DEFAULT_KEMS "ML-KEM-1024,HQC-256"

/* Check that a client can send this KEM list: 1..PQTUN_EXCHANGE_MAX_KEMS
 * names, each known, none twice, not Kyber1024 together with ML-KEM-1024.
 * Returns PQTUN_EX_INVALID_ARGUMENT for a list that is wrong as such, and
 * PQTUN_EX_KEM_UNAVAILABLE for a known algorithm this build cannot use on
 * the client (no key generation or decapsulation, e.g. Classic McEliece);
 * a one-line reason goes into err (errlen bytes, may be 0). 0 if usable. */
int pqtun_exchange_check_kems(const char *const *names, size_t n, char *err, size_t errlen);

/* Parse a comma-separated KEM list ("Kyber1024,HQC-256"; blanks around
 * names are ignored) into names[] (at most PQTUN_EXCHANGE_MAX_KEMS entries,
 * pointing to the registry's static names) and *n, then check it as
 * pqtun_exchange_check_kems does. Same return values and err. */
int pqtun_exchange_parse_kems(const char *list, const char *names[PQTUN_EXCHANGE_MAX_KEMS],
			      size_t *n, char *err, size_t errlen);

struct pqtun_exchange_result {
	uint8_t psk[PQTUN_PSK_LEN]; /* valid when has_psk; secret: wipe when done */
	int has_psk;
	int has_daita;
	struct pqtun_daita_settings daita; /* filled when has_daita */
	int rpc_status;           /* gRPC status of the call when it got one, else -1 */
	char rpc_message[256];    /* decoded grpc-message (for PQTUN_EX_RPC_STATUS) */
	uint64_t keygen_us;       /* KEM key generation time */
	size_t request_bytes;     /* gRPC message sizes incl. the 5-byte prefix */
	size_t response_bytes;
};

/* Deadline for the whole exchange on retry attempt `attempt` (0-based) as
 * the deployed client uses it (§6): 8 s x 2^attempt, capped at 48 s. */
unsigned pqtun_exchange_timeout_ms(unsigned attempt);

/* Ask the relay at opts->host:opts->port for an ephemeral peer: parent_pub is
 * the current WireGuard public key, ephemeral_pub the new one. On success
 * fills result (PSK when opts->post_quantum) and returns 0; otherwise returns
 * a pqtun_exchange_error, result->psk is zero and rpc_status/rpc_message say
 * what the relay answered if it answered. The connection uses MSS 496 and
 * everything finishes within opts->timeout_ms (except resolving a host name,
 * which getaddrinfo does not bound: pass an address, as the in-tunnel
 * gateway is). KEM secret keys and shared
 * secrets are wiped before returning. Free result with
 * pqtun_exchange_result_clear (also wipes the PSK). Thread-safe. */
int pqtun_exchange(const struct pqtun_exchange_options *opts,
		   const uint8_t parent_pub[32], const uint8_t ephemeral_pub[32],
		   struct pqtun_exchange_result *result);
/* Wipe the PSK and free the DAITA strings; the result can be reused. */
void pqtun_exchange_result_clear(struct pqtun_exchange_result *result);

/* ------------------------------------------------------------------ relay */

#define PQTUN_RELAY_MSG_LEN 256 /* room for a policy's grpc-message */

/* What the relay does with exchanges besides answering them: the hook for
 * `pqtun serve --interface` (WireGuard) and for the standalone printer.
 * Every callback is optional (NULL = allow / nothing to do).
 *
 * Callbacks run on the relay's worker threads, possibly several at once
 * (one per worker), so they must be thread-safe with respect to ctx. They may
 * block briefly (netlink calls are fine) but every millisecond they take
 * holds a worker. They never run after pqtun_relay_destroy has returned. */
struct pqtun_relay_policy {
	void *ctx;
	/* Decide whether the peer at `peer` (the TCP source address) may
	 * register an ephemeral peer for parent_pubkey. Called after the request
	 * was validated and before any encapsulation. Return 0 to allow, or a
	 * gRPC status (> 0, e.g. PQTUN_GRPC_PERMISSION_DENIED) and write a
	 * NUL-terminated reason into msg (msg_len bytes, sent to the client). */
	int (*authorize)(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
			 const uint8_t parent_pubkey[32], char *msg, size_t msg_len);
	/* Record the ephemeral peer. Called after the PSK was derived and before
	 * the response is sent; if it fails the client gets its status and
	 * message and no ciphertexts. psk is NULL for a request without KEM keys
	 * (then n_kems is 0). psk is secret and wiped right after the call: copy
	 * it into memory you wipe. kem_names are in request order. daita is
	 * nonzero when the client asked for DAITA. Return 0 or a gRPC status as
	 * for authorize. */
	int (*register_peer)(void *ctx, const struct sockaddr *peer, socklen_t peer_len,
			     const uint8_t parent_pubkey[32], const uint8_t ephemeral_pubkey[32],
			     const uint8_t *psk, const char *const *kem_names, size_t n_kems,
			     int daita, char *msg, size_t msg_len);
	/* The OK response of a registration (ephemeral_pubkey as passed to
	 * register_peer) is on its way to the client: every byte of it left
	 * the socket (the kernel's not-yet-sent queue is empty; not necessarily
	 * acknowledged yet). Not called if the connection dies first. Runs on
	 * the event-loop thread: must not block. */
	void (*delivered)(void *ctx, const uint8_t ephemeral_pubkey[32]);
	/* Called once by pqtun_relay_destroy after all workers stopped (not
	 * when pqtun_relay_create fails: the caller then still owns ctx). */
	void (*release)(void *ctx);
};

/* DAITA settings the relay hands out to clients that ask (§10). */
struct pqtun_relay_daita {
	const char *const *machines; /* opaque machine descriptions */
	size_t n_machines;
	double max_padding_frac;     /* 0..1 */
	double max_blocking_frac;    /* 0..1 */
};

struct pqtun_relay_config {
	const char *listen;          /* "HOST:PORT", "[V6]:PORT" or ":PORT"; port 0 = any */
	unsigned workers;            /* KEM worker threads; 0 = one per online CPU */
	unsigned max_connections;    /* 0 = 1024 */
	unsigned max_streams;        /* concurrent requests per connection; 0 = 16 */
	size_t max_message_size;     /* largest request message; 0 = 1 MiB */
	unsigned read_timeout_ms;    /* a started request must arrive within this; 0 = 10000 */
	unsigned idle_timeout_ms;    /* connection without requests or progress; 0 = 60000 */
	unsigned max_queue;          /* requests waiting for a worker; 0 = 64 per worker */
	struct pqtun_relay_policy policy;
	struct pqtun_relay_daita daita; /* n_machines 0 = built-in test settings */
	/* KEMs this relay refuses even if built in (e.g. the legacy
	 * "Classic-McEliece-460896f-round3" with its 524 KB keys): requests
	 * naming them get UNIMPLEMENTED. */
	const char *const *disabled_kems;
	size_t n_disabled_kems;
};

enum pqtun_relay_error {
	PQTUN_RELAY_OK = 0,
	PQTUN_RELAY_BAD_CONFIG = -1,  /* unparsable listen address or bad limits */
	PQTUN_RELAY_SOCKET = -2,      /* socket/bind/listen failed (errno kept) */
	PQTUN_RELAY_NO_MEMORY = -3,
	PQTUN_RELAY_THREADS = -4,     /* could not start worker threads */
};
const char *pqtun_relay_strerror(int err);

struct pqtun_relay;

/* Bind the listening socket (no threads yet: the workers start in
 * pqtun_relay_run, so a caller can drop privileges in between); the config
 * (and the strings it points to) must outlive the relay. Returns 0 or a
 * pqtun_relay_error. */
int pqtun_relay_create(struct pqtun_relay **out, const struct pqtun_relay_config *cfg);
/* The bound port (useful with port 0). */
uint16_t pqtun_relay_port(const struct pqtun_relay *relay);
/* Start the workers (first call) and serve until pqtun_relay_stop. Returns
 * 0 after a stop, or a negative pqtun_relay_error if the workers could not
 * start or the event loop failed. Call from one thread. */
int pqtun_relay_run(struct pqtun_relay *relay);
/* Make pqtun_relay_run return soon. Async-signal-safe and thread-safe. */
void pqtun_relay_stop(struct pqtun_relay *relay);
/* Stop workers, close all connections, call policy.release, free. */
void pqtun_relay_destroy(struct pqtun_relay *relay);

/* Counters (monotonic, read at any time, approximate while running). */
struct pqtun_relay_stats {
	uint64_t connections_accepted;
	uint64_t connections_rejected; /* over max_connections */
	uint64_t exchanges_ok;
	uint64_t exchanges_failed;     /* answered with a non-OK status */
	uint64_t connections_timed_out;
	uint64_t kem_cpu_ns;            /* worker CPU time spent encapsulating */
};
void pqtun_relay_get_stats(const struct pqtun_relay *relay, struct pqtun_relay_stats *out);

#endif
