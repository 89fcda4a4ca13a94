/* What `pqtun up` did to the system and how the negotiation went, kept in
 * /run/pqtun/<iface>.state (or $PQTUN_RUN_DIR) so that `pqtun down` can undo
 * everything even after `up` crashed, and `pqtun status` can report it.
 *
 * The file is rewritten atomically (temporary file + rename) after every
 * change. It holds no secrets: only public keys, commands that undo what
 * was done, hook commands and per-hop results. */
#ifndef PQTUN_TUNNEL_STATE_H
#define PQTUN_TUNNEL_STATE_H

#include <stddef.h>
#include <stdint.h>

#define PQTUN_STATE_MAX_UNDO 64
#define PQTUN_STATE_MAX_HOOKS 16
#define PQTUN_STATE_MAX_HOPS 2

struct pqtun_hop_status {
	char role[8];          /* "single", "entry" or "exit" */
	char relay[256];       /* the relay's endpoint as configured */
	char relay_key[45];    /* its public key (base64) */
	int post_quantum;      /* 1 when a post-quantum PSK was negotiated and applied */
	char kems[128];        /* KEMs of that PSK, e.g. "ML-KEM-1024,HQC-256" */
	int64_t negotiated;    /* wall-clock seconds the current PSK was negotiated
	                        * (by `up` or the last rotation), 0 = not yet */
	unsigned attempts;     /* exchange attempts made for this hop */
	int daita;             /* DAITA settings were received */
	char last_error[256];  /* "" if the last attempt succeeded */
	unsigned rotations;    /* PSK rotations done for this hop since `up` */
};

struct pqtun_state {
	char iface[16];
	char config[4096];
	long pid;              /* the `pqtun up` process */
	char phase[16];        /* "starting", "negotiating", "up", "failed" */
	char implementation[64]; /* "kernel" or the userspace program */
	char ephemeral_key[45];  /* public key in use after negotiation */
	char *undo[PQTUN_STATE_MAX_UNDO]; /* command lines, run in reverse by down */
	size_t n_undo;
	char *pre_down[PQTUN_STATE_MAX_HOOKS], *post_down[PQTUN_STATE_MAX_HOOKS];
	size_t n_pre_down, n_post_down;
	struct pqtun_hop_status hops[PQTUN_STATE_MAX_HOPS];
	size_t n_hops;
	/* What a PSK rotation (src/tunnel/rekey.h) needs besides the live
	 * device: the config service and what to ask it for. */
	char gateway[64];
	unsigned config_port;
	int daita;
	/* PSK rotation: the `pqtun rekey --every` process, its interval,
	 * when it rotates next and how it is going. */
	long rekey_pid;          /* 0 = no rotation process */
	unsigned rekey_interval; /* seconds, 0 = off */
	int64_t next_rekey;      /* wall-clock seconds of the next rotation, 0 = none planned */
	unsigned rekey_failures; /* consecutive failed rotations */
	unsigned rekey_alert;    /* failures from which the failure is reported loudly */
	char rekey_error[256];   /* last rotation error, "" after a success */
};

/* Directory of the state files: $PQTUN_RUN_DIR or /run/pqtun. */
const char *pqtun_state_dir(void);
/* Path of iface's state file into out. */
void pqtun_state_path(char *out, size_t outlen, const char *iface);

/* Write st atomically (creating the directory, mode 0700). 0 or -1. */
int pqtun_state_save(const struct pqtun_state *st);
/* Read iface's state. 0, 1 if there is none, -1 if it cannot be read. */
int pqtun_state_load(struct pqtun_state *st, const char *iface);
/* Remove iface's state file, its lock and rotation log (missing is fine). */
void pqtun_state_remove(const char *iface);
/* Append an undo command line (copied). 0 or -1 (full/out of memory). */
int pqtun_state_add_undo(struct pqtun_state *st, const char *cmdline);
/* Append undo (if not NULL) and save st, so that a crash after the step it
 * undoes can still be rolled back. 0, or -1 with a one-line reason in err
 * ("cannot record state in DIR: <errno text>"). */
int pqtun_state_record(struct pqtun_state *st, const char *undo, char *err, size_t errlen);
/* Take the exclusive lock that serialises read-modify-write of iface's
 * state between `up`, `rekey` and its rotation process (blocks until
 * free). Returns a descriptor for pqtun_state_unlock, or -1. */
int pqtun_state_lock(const char *iface);
void pqtun_state_unlock(int fd);
/* Free the strings held by st. */
void pqtun_state_free(struct pqtun_state *st);

/* Interfaces that have a state file: calls fn for each name. */
void pqtun_state_list(void (*fn)(const char *iface, void *ctx), void *ctx);

#endif
