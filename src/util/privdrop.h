/* Dropping a daemon's privileges for the rest of its life: switch to an
 * unprivileged user (uid, gid, supplementary groups), keep only the named
 * capabilities (effective = permitted), clear the bounding, inheritable
 * and ambient sets of everything else, set no_new_privs and make the
 * process non-dumpable (no core dumps with secrets, no ptrace by the same
 * user). Capabilities and no_new_privs are per thread: apply before the
 * process starts any thread (pqtun_privdrop_apply refuses otherwise).
 *
 * Functions return 0, or -1 with a one-line reason in err. */
#ifndef PQTUN_UTIL_PRIVDROP_H
#define PQTUN_UTIL_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PQTUN_PRIVDROP_CAP(c) (UINT64_C(1) << (c))

/* What the process becomes. */
struct pqtun_privdrop {
	int change_ids;       /* 1: switch to uid/gid/groups; 0: keep the current ids */
	uid_t uid;
	gid_t gid;
	gid_t *groups;        /* supplementary groups (malloc, may be NULL when n_groups is 0) */
	size_t n_groups;
	uint64_t keep_caps;   /* PQTUN_PRIVDROP_CAP(CAP_x) of every capability kept */
};

/* Fill p to become user (a name; the uid of that name) with group (a name;
 * NULL = the user's primary group) and the user's supplementary groups
 * from the group database. Returns -1 with "no such user 'x'" / "no such
 * group 'x'" or a lookup error. keep_caps is left 0. */
int pqtun_privdrop_for_user(struct pqtun_privdrop *p, const char *user, const char *group,
			    char *err, size_t errlen);
/* Release p's group list. */
void pqtun_privdrop_free(struct pqtun_privdrop *p);

/* Apply p to the calling process (which must have one thread), then read
 * everything back and fail unless it took: ids, groups, capability sets,
 * bounding set, ambient set, no_new_privs, dumpable, and (if the new uid
 * is not 0) that root cannot be regained. A capability in keep_caps that
 * the process does not have is an error. Without CAP_SETPCAP the bounding
 * set can only be cleared if nothing else is kept (it is then left alone:
 * no_new_privs already stops execve from gaining anything). */
int pqtun_privdrop_apply(const struct pqtun_privdrop *p, char *err, size_t errlen);

/* "CAP_DAC_OVERRIDE,CAP_NET_ADMIN" style list of caps into out ("none"
 * for an empty set; names that do not fit are left out whole). */
void pqtun_privdrop_caps_str(uint64_t caps, char *out, size_t outlen);

#endif
