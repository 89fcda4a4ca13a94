/* Privilege drop with raw capget/capset/prctl system calls (no libcap):
 * see privdrop.h for the rules. */
#define _GNU_SOURCE /* getresuid, setresuid, getgrouplist */
#include "util/privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PRIVDROP_MAX_CAPS 64

/* The three capability sets of the calling thread, as 64-bit masks. */
struct cap_sets {
	uint64_t effective, permitted, inheritable;
};

/* Read the calling thread's capability sets. 0 or -1 (errno set). */
static int caps_read(struct cap_sets *s)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &hdr, d) != 0)
		return -1;
	s->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	s->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	s->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

/* Set the calling thread's capability sets. 0 or -1 (errno set). */
static int caps_write(const struct cap_sets *s)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	d[0].effective = (uint32_t)s->effective;
	d[1].effective = (uint32_t)(s->effective >> 32);
	d[0].permitted = (uint32_t)s->permitted;
	d[1].permitted = (uint32_t)(s->permitted >> 32);
	d[0].inheritable = (uint32_t)s->inheritable;
	d[1].inheritable = (uint32_t)(s->inheritable >> 32);
	return (int)syscall(SYS_capset, &hdr, d);
}

/* Number of threads of this process from /proc/self/status, or 0 if unknown. */
static unsigned thread_count(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(f);
	return n;
}

void pqtun_privdrop_caps_str(uint64_t caps, char *out, size_t outlen)
{
	static const struct { int cap; const char *name; } names[] = {
		{ CAP_CHOWN, "CAP_CHOWN" },
		{ CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
		{ CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH" },
		{ CAP_SETGID, "CAP_SETGID" },
		{ CAP_SETUID, "CAP_SETUID" },
		{ CAP_SETPCAP, "CAP_SETPCAP" },
		{ CAP_NET_BIND_SERVICE, "CAP_NET_BIND_SERVICE" },
		{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
		{ CAP_NET_RAW, "CAP_NET_RAW" },
		{ CAP_IPC_LOCK, "CAP_IPC_LOCK" },
		{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
	};
	size_t used = 0;
	if (outlen)
		out[0] = '\0';
	if (!caps) {
		snprintf(out, outlen, "none");
		return;
	}
	for (int c = 0; c < PRIVDROP_MAX_CAPS; c++) {
		if (!(caps & PQTUN_PRIVDROP_CAP(c)))
			continue;
		const char *name = NULL;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].cap == c)
				name = names[i].name;
		int n = name ? snprintf(out + used, outlen - used, "%s%s", used ? "," : "", name)
			     : snprintf(out + used, outlen - used, "%scap_%d", used ? "," : "", c);
		if (n < 0 || (size_t)n >= outlen - used) {
			out[used] = '\0'; /* whole names only */
			return;
		}
		used += (size_t)n;
	}
}

/* getpwnam_r / getgrnam_r need a scratch buffer; this is plenty for one entry. */
#define PRIVDROP_NSS_BUF 16384

int pqtun_privdrop_for_user(struct pqtun_privdrop *p, const char *user, const char *group,
			    char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	char *buf = malloc(PRIVDROP_NSS_BUF);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct passwd pw, *pwp = NULL;
	int rc = getpwnam_r(user, &pw, buf, PRIVDROP_NSS_BUF, &pwp);
	if (!pwp) {
		if (rc == 0 || rc == ENOENT || rc == ESRCH)
			snprintf(err, errlen, "no such user '%s'", user);
		else
			snprintf(err, errlen, "cannot look up user '%s': %s", user, strerror(rc));
		free(buf);
		return -1;
	}
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	if (group) {
		struct group gr, *grp = NULL;
		rc = getgrnam_r(group, &gr, buf, PRIVDROP_NSS_BUF, &grp);
		if (!grp) {
			if (rc == 0 || rc == ENOENT || rc == ESRCH)
				snprintf(err, errlen, "no such group '%s'", group);
			else
				snprintf(err, errlen, "cannot look up group '%s': %s", group, strerror(rc));
			free(buf);
			return -1;
		}
		p->gid = gr.gr_gid;
	}
	/* getpwnam_r's strings live in buf: copy the name before reusing it */
	char name[256];
	snprintf(name, sizeof(name), "%s", pw.pw_name);
	free(buf);

	int n = 16;
	for (int tries = 0; tries < 4; tries++) {
		gid_t *g = realloc(p->groups, (size_t)n * sizeof(*g));
		if (!g) {
			pqtun_privdrop_free(p);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->groups = g;
		int want = n;
		if (getgrouplist(name, p->gid, p->groups, &want) >= 0) {
			p->n_groups = (size_t)want;
			p->change_ids = 1;
			return 0;
		}
		n = want > n ? want : 2 * n;
	}
	pqtun_privdrop_free(p);
	snprintf(err, errlen, "cannot read the groups of user '%s'", user);
	return -1;
}

void pqtun_privdrop_free(struct pqtun_privdrop *p)
{
	free(p->groups);
	p->groups = NULL;
	p->n_groups = 0;
}

/* 1 if the current supplementary groups are exactly p's (as a set). */
static int groups_match(const struct pqtun_privdrop *p)
{
	int n = getgroups(0, NULL);
	if (n < 0)
		return 0;
	gid_t *now = calloc((size_t)n + 1, sizeof(*now));
	if (!now)
		return 0;
	n = getgroups(n, now);
	int ok = n >= 0;
	for (int i = 0; ok && i < n; i++) {
		int found = 0;
		for (size_t j = 0; j < p->n_groups; j++)
			found |= now[i] == p->groups[j];
		ok = found;
	}
	for (size_t j = 0; ok && j < p->n_groups; j++) {
		int found = 0;
		for (int i = 0; i < n; i++)
			found |= now[i] == p->groups[j];
		ok = found;
	}
	free(now);
	return ok;
}

/* Read back what pqtun_privdrop_apply set. bounding_cleared: 1 if the
 * bounding set was cleared of everything but keep. */
static int verify(const struct pqtun_privdrop *p, uint64_t keep, int bounding_cleared, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (p->change_ids) {
		if (getresuid(&ru, &eu, &su) != 0 || ru != p->uid || eu != p->uid || su != p->uid ||
		    getresgid(&rg, &eg, &sg) != 0 || rg != p->gid || eg != p->gid || sg != p->gid) {
			snprintf(err, errlen, "the user and group ids did not change");
			return -1;
		}
		if (!groups_match(p)) {
			snprintf(err, errlen, "the supplementary groups did not change");
			return -1;
		}
		if (p->uid != 0 && (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0)) {
			snprintf(err, errlen, "root privileges could be regained after the switch");
			return -1;
		}
	}
	struct cap_sets now;
	if (caps_read(&now) != 0 || now.effective != keep || now.permitted != keep || now.inheritable != 0) {
		snprintf(err, errlen, "the capability sets did not change");
		return -1;
	}
	for (int c = 0; c < PRIVDROP_MAX_CAPS; c++) {
		int in_bounding = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
		if (in_bounding < 0)
			break; /* beyond the kernel's last capability */
		if (bounding_cleared && in_bounding == 1 && !(keep & PQTUN_PRIVDROP_CAP(c))) {
			snprintf(err, errlen, "capability %d is still in the bounding set", c);
			return -1;
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, (unsigned long)c, 0, 0) == 1) {
			snprintf(err, errlen, "capability %d is still in the ambient set", c);
			return -1;
		}
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs or non-dumpable did not take");
		return -1;
	}
	return 0;
}

int pqtun_privdrop_apply(const struct pqtun_privdrop *p, char *err, size_t errlen)
{
	char names[256];
	struct cap_sets cur;
	if (thread_count() > 1) {
		snprintf(err, errlen, "cannot drop privileges: threads are already running");
		return -1;
	}
	if (caps_read(&cur) != 0) {
		snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	uint64_t keep = p->keep_caps;
	if (keep & ~cur.permitted) {
		pqtun_privdrop_caps_str(keep & ~cur.permitted, names, sizeof(names));
		snprintf(err, errlen, "cannot keep %s: the process does not have it", names);
		return -1;
	}

	/* Bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	int can_setpcap = (cur.effective & PQTUN_PRIVDROP_CAP(CAP_SETPCAP)) != 0;
	int bounding_cleared = can_setpcap;
	if (can_setpcap) {
		for (int c = 0; c < PRIVDROP_MAX_CAPS; c++) {
			int in_bounding = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
			if (in_bounding < 0)
				break;
			if (in_bounding == 1 && !(keep & PQTUN_PRIVDROP_CAP(c)) &&
			    prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) != 0) {
				snprintf(err, errlen, "cannot clear the capability bounding set: %s", strerror(errno));
				return -1;
			}
		}
	} else if (cur.permitted & ~keep) {
		snprintf(err, errlen, "cannot clear the capability bounding set without CAP_SETPCAP");
		return -1;
	}

	if (p->change_ids) {
		/* keep the permitted set across the uid change only if something is kept */
		if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
			snprintf(err, errlen, "cannot keep capabilities across the user switch: %s", strerror(errno));
			return -1;
		}
		if (setgroups(p->n_groups, p->groups) != 0) {
			snprintf(err, errlen, "cannot set the supplementary groups: %s", strerror(errno));
			return -1;
		}
		if (setresgid(p->gid, p->gid, p->gid) != 0) {
			snprintf(err, errlen, "cannot switch to gid %u: %s", (unsigned)p->gid, strerror(errno));
			return -1;
		}
		if (setresuid(p->uid, p->uid, p->uid) != 0) {
			snprintf(err, errlen, "cannot switch to uid %u: %s", (unsigned)p->uid, strerror(errno));
			return -1;
		}
	}
	struct cap_sets want = { .effective = keep, .permitted = keep, .inheritable = 0 };
	if (caps_write(&want) != 0) {
		snprintf(err, errlen, "cannot set capabilities: %s", strerror(errno));
		return -1;
	}
	/* EINVAL: a kernel without ambient capabilities (< 4.3) has none to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot set no_new_privs / non-dumpable: %s", strerror(errno));
		return -1;
	}
	return verify(p, keep, bounding_cleared, err, errlen);
}
