/* Relay interface-mode state and its file. Format (text, one line per
 * normal peer that has ephemeral peers):
 *   pqtun-relay-state 1
 *   peer NORMAL eph=KEY|- old=KEY|- holder=normal|eph|old registered=SEC
 *        hs=NS,NS,NS [tentative=normal|old] ips=CIDR,CIDR|-
 * (one line; keys base64). */
#include "relay/wg_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/encoding.h"

#define STATE_MAGIC "pqtun-relay-state 1"

struct wg_relay_entry *wg_state_find_normal(struct wg_relay_state *s, const uint8_t key[32])
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(s->entries[i].normal, key, 32))
			return &s->entries[i];
	return NULL;
}

struct wg_relay_entry *wg_state_find_ephemeral(struct wg_relay_state *s, const uint8_t key[32])
{
	for (size_t i = 0; i < s->n; i++) {
		struct wg_relay_entry *e = &s->entries[i];
		if ((e->has_eph && !memcmp(e->eph, key, 32)) || (e->has_old && !memcmp(e->old, key, 32)))
			return e;
	}
	return NULL;
}

int wg_state_set_ips(struct wg_relay_entry *e, const struct pqtun_cidr *ips, size_t n_ips)
{
	struct pqtun_cidr *n = NULL;
	if (n_ips) {
		n = malloc(n_ips * sizeof(*n));
		if (!n)
			return -1;
		memcpy(n, ips, n_ips * sizeof(*n));
	}
	free(e->ips);
	e->ips = n;
	e->n_ips = n_ips;
	return 0;
}

struct wg_relay_entry *wg_state_add(struct wg_relay_state *s, const uint8_t normal[32],
				    const struct pqtun_cidr *ips, size_t n_ips)
{
	struct wg_relay_entry *n = realloc(s->entries, (s->n + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->entries = n;
	struct wg_relay_entry *e = &s->entries[s->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->normal, normal, 32);
	if (wg_state_set_ips(e, ips, n_ips) != 0)
		return NULL;
	s->n++;
	return e;
}

void wg_state_remove(struct wg_relay_state *s, size_t i)
{
	free(s->entries[i].ips);
	memmove(&s->entries[i], &s->entries[i + 1], (s->n - i - 1) * sizeof(*s->entries));
	s->n--;
}

void wg_state_free(struct wg_relay_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->entries[i].ips);
	free(s->entries);
	s->entries = NULL;
	s->n = 0;
}

int wg_state_copy(struct wg_relay_state *dst, const struct wg_relay_state *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	dst->entries = calloc(src->n, sizeof(*dst->entries));
	if (!dst->entries)
		return -1;
	for (size_t i = 0; i < src->n; i++) {
		struct wg_relay_entry *e = &dst->entries[i];
		*e = src->entries[i];
		e->ips = NULL;
		e->n_ips = 0;
		dst->n = i + 1;
		if (wg_state_set_ips(e, src->entries[i].ips, src->entries[i].n_ips) != 0) {
			wg_state_free(dst);
			return -1;
		}
	}
	return 0;
}

/* File name of a holder value. */
static const char *holder_name(enum wg_holder h)
{
	return h == WG_HOLDER_EPH ? "eph" : h == WG_HOLDER_OLD ? "old" : "normal";
}

/* Write " name=<base64>" or " name=-". */
static void put_key(FILE *f, const char *name, int has, const uint8_t key[32])
{
	char b[PQTUN_KEY_B64_LEN + 1];
	if (!has) {
		fprintf(f, " %s=-", name);
		return;
	}
	pqtun_key_to_base64(b, key);
	fprintf(f, " %s=%s", name, b);
}

int wg_state_save(const struct wg_relay_state *s, const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "%s\n", STATE_MAGIC);
	for (size_t i = 0; i < s->n; i++) {
		const struct wg_relay_entry *e = &s->entries[i];
		char b[PQTUN_KEY_B64_LEN + 1];
		pqtun_key_to_base64(b, e->normal);
		fprintf(f, "peer %s", b);
		put_key(f, "eph", e->has_eph, e->eph);
		put_key(f, "old", e->has_old, e->old);
		fprintf(f, " holder=%s registered=%lld hs=%lld,%lld,%lld", holder_name(e->holder),
			(long long)e->eph_registered, (long long)e->hs_normal, (long long)e->hs_eph,
			(long long)e->hs_old);
		if (e->tentative)
			fprintf(f, " tentative=%s", holder_name(e->tentative_from));
		fputs(" ips=", f);
		if (!e->n_ips)
			fputc('-', f);
		for (size_t j = 0; j < e->n_ips; j++) {
			char c[PQTUN_CIDR_STRLEN];
			pqtun_cidr_format(c, sizeof(c), &e->ips[j]);
			fprintf(f, "%s%s", j ? "," : "", c);
		}
		fputc('\n', f);
	}
	/* ferror: a write that failed while the buffer was flushed midway
	 * (e.g. ENOSPC) must not let a truncated file replace the old one. */
	int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
	int e2 = errno;
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e2 = errno;
	}
	if (bad || rename(tmp, path) != 0) {
		if (!bad)
			e2 = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(e2));
		return -1;
	}
	/* make the rename durable */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* A key field value ("-" = none). 0 or -1. */
static int parse_key_field(const char *v, uint8_t key[32], int *has)
{
	if (!strcmp(v, "-")) {
		*has = 0;
		memset(key, 0, 32);
		return 0;
	}
	*has = 1;
	return pqtun_key_from_base64(key, v);
}

/* Parse one "peer ..." line into a new entry. 0 or -1. */
static int parse_entry(struct wg_relay_state *s, char *line)
{
	char *save = NULL, *tok = strtok_r(line, " ", &save);
	uint8_t normal[32];
	if (!tok || strcmp(tok, "peer"))
		return -1;
	tok = strtok_r(NULL, " ", &save);
	if (!tok || pqtun_key_from_base64(normal, tok) != 0 || wg_state_find_normal(s, normal))
		return -1;
	struct wg_relay_entry *e = wg_state_add(s, normal, NULL, 0);
	if (!e)
		return -1;
	int seen = 0;
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		if (!eq)
			return -1;
		*eq = '\0';
		const char *k = tok;
		char *v = eq + 1;
		if (!strcmp(k, "eph")) {
			if (parse_key_field(v, e->eph, &e->has_eph))
				return -1;
		} else if (!strcmp(k, "old")) {
			if (parse_key_field(v, e->old, &e->has_old))
				return -1;
		} else if (!strcmp(k, "holder")) {
			if (!strcmp(v, "normal"))
				e->holder = WG_HOLDER_NORMAL;
			else if (!strcmp(v, "eph"))
				e->holder = WG_HOLDER_EPH;
			else if (!strcmp(v, "old"))
				e->holder = WG_HOLDER_OLD;
			else
				return -1;
		} else if (!strcmp(k, "tentative")) {
			if (!strcmp(v, "normal"))
				e->tentative_from = WG_HOLDER_NORMAL;
			else if (!strcmp(v, "old"))
				e->tentative_from = WG_HOLDER_OLD;
			else
				return -1;
			e->tentative = 1;
			e->tentative_since = e->eph_registered; /* close enough after a restart */
		} else if (!strcmp(k, "registered")) {
			long long x;
			if (sscanf(v, "%lld", &x) != 1)
				return -1;
			e->eph_registered = x;
		} else if (!strcmp(k, "hs")) {
			long long a, b, c;
			if (sscanf(v, "%lld,%lld,%lld", &a, &b, &c) != 3)
				return -1;
			e->hs_normal = a;
			e->hs_eph = b;
			e->hs_old = c;
		} else if (!strcmp(k, "ips")) {
			if (strcmp(v, "-")) {
				char *s2 = NULL;
				for (char *c = strtok_r(v, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
					struct pqtun_cidr cidr;
					struct pqtun_cidr *n = realloc(e->ips, (e->n_ips + 1) * sizeof(*n));
					if (!n || pqtun_cidr_parse(&cidr, c) != 0) {
						if (n)
							e->ips = n;
						return -1;
					}
					e->ips = n;
					e->ips[e->n_ips++] = cidr;
				}
			}
		}
		seen++;
	}
	if ((e->holder == WG_HOLDER_EPH && !e->has_eph) || (e->holder == WG_HOLDER_OLD && !e->has_old) ||
	    (e->tentative && e->tentative_from == WG_HOLDER_OLD && !e->has_old))
		return -1;
	return seen ? 0 : -1;
}

int wg_state_load(struct wg_relay_state *s, const char *path, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	int rc = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		n++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (n == 1) {
			if (strcmp(line, STATE_MAGIC)) {
				snprintf(err, errlen, "%s:1: not a pqtun relay state file", path);
				rc = -1;
				break;
			}
			continue;
		}
		if (!*line)
			continue;
		if (parse_entry(s, line) != 0) {
			snprintf(err, errlen, "%s:%u: malformed entry", path, n);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc != 0)
		wg_state_free(s);
	return rc;
}
