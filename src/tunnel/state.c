#include "tunnel/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tunnel/ifname.h"

const char *pqtun_state_dir(void)
{
	const char *d = getenv("PQTUN_RUN_DIR");
	return d && *d ? d : "/run/pqtun";
}

void pqtun_state_path(char *out, size_t outlen, const char *iface)
{
	snprintf(out, outlen, "%s/%s.state", pqtun_state_dir(), iface);
}

/* Values are single lines: replace line breaks so a message can not forge
 * further entries. */
static void put(FILE *f, const char *key, const char *value)
{
	fprintf(f, "%s ", key);
	for (const char *p = value; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	fputc('\n', f);
}

int pqtun_state_save(const struct pqtun_state *st)
{
	char path[4200], tmp[4300], key[64];
	const char *dir = pqtun_state_dir();
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	pqtun_state_path(path, sizeof(path), st->iface);
	snprintf(tmp, sizeof(tmp), "%s/.%s.state.tmp", dir, st->iface);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -1;
	}
	put(f, "iface", st->iface);
	put(f, "config", st->config);
	fprintf(f, "pid %ld\n", st->pid);
	put(f, "phase", st->phase);
	put(f, "implementation", st->implementation);
	put(f, "ephemeral_key", st->ephemeral_key);
	put(f, "gateway", st->gateway);
	fprintf(f, "config_port %u\ndaita %d\n", st->config_port, st->daita);
	fprintf(f, "rekey_pid %ld\nrekey_interval %u\nnext_rekey %" PRId64 "\n", st->rekey_pid,
		st->rekey_interval, st->next_rekey);
	fprintf(f, "rekey_failures %u\nrekey_alert %u\n", st->rekey_failures, st->rekey_alert);
	put(f, "rekey_error", st->rekey_error);
	for (size_t i = 0; i < st->n_undo; i++)
		put(f, "undo", st->undo[i]);
	for (size_t i = 0; i < st->n_pre_down; i++)
		put(f, "pre_down", st->pre_down[i]);
	for (size_t i = 0; i < st->n_post_down; i++)
		put(f, "post_down", st->post_down[i]);
	for (size_t i = 0; i < st->n_hops; i++) {
		const struct pqtun_hop_status *h = &st->hops[i];
		char num[32];
#define HOPKEY(name) (snprintf(key, sizeof(key), "hop.%zu." name, i), key)
		put(f, HOPKEY("role"), h->role);
		put(f, HOPKEY("relay"), h->relay);
		put(f, HOPKEY("relay_key"), h->relay_key);
		snprintf(num, sizeof(num), "%d", h->post_quantum);
		put(f, HOPKEY("post_quantum"), num);
		put(f, HOPKEY("kems"), h->kems);
		snprintf(num, sizeof(num), "%" PRId64, h->negotiated);
		put(f, HOPKEY("negotiated"), num);
		snprintf(num, sizeof(num), "%u", h->attempts);
		put(f, HOPKEY("attempts"), num);
		snprintf(num, sizeof(num), "%d", h->daita);
		put(f, HOPKEY("daita"), num);
		put(f, HOPKEY("last_error"), h->last_error);
		snprintf(num, sizeof(num), "%u", h->rotations);
		put(f, HOPKEY("rotations"), num);
#undef HOPKEY
	}
	/* ferror: a write that failed while the buffer was flushed midway
	 * (e.g. ENOSPC) must not let a truncated file replace the old one. */
	int bad = fflush(f) != 0 || ferror(f) || fsync(fd) != 0;
	int e = errno;
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad || rename(tmp, path) < 0) {
		if (!bad)
			e = errno;
		unlink(tmp);
		errno = e; /* for the caller's message */
		return -1;
	}
	return 0;
}

static int push(char **list, size_t *n, size_t max, const char *v)
{
	if (*n >= max)
		return -1;
	if (!(list[*n] = strdup(v)))
		return -1;
	(*n)++;
	return 0;
}

int pqtun_state_add_undo(struct pqtun_state *st, const char *cmdline)
{
	return push(st->undo, &st->n_undo, PQTUN_STATE_MAX_UNDO, cmdline);
}

int pqtun_state_record(struct pqtun_state *st, const char *undo, char *err, size_t errlen)
{
	if (undo && pqtun_state_add_undo(st, undo) < 0) {
		snprintf(err, errlen, "cannot record state: more than %d undo steps",
			 PQTUN_STATE_MAX_UNDO);
		return -1;
	}
	if (pqtun_state_save(st) < 0) {
		snprintf(err, errlen, "cannot record state in %s: %s", pqtun_state_dir(),
			 strerror(errno));
		return -1;
	}
	return 0;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

int pqtun_state_load(struct pqtun_state *st, const char *iface)
{
	char path[4200], line[8192];
	memset(st, 0, sizeof(*st));
	if (!pqtun_ifname_valid(iface))
		return -1;
	pqtun_state_path(path, sizeof(path), iface);
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 1 : -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		const char *k = line, *v = sp + 1;
		size_t hop;
		char field[32];
		if (!strcmp(k, "iface"))
			copy(st->iface, sizeof(st->iface), v);
		else if (!strcmp(k, "config"))
			copy(st->config, sizeof(st->config), v);
		else if (!strcmp(k, "pid"))
			st->pid = strtol(v, NULL, 10);
		else if (!strcmp(k, "phase"))
			copy(st->phase, sizeof(st->phase), v);
		else if (!strcmp(k, "implementation"))
			copy(st->implementation, sizeof(st->implementation), v);
		else if (!strcmp(k, "ephemeral_key"))
			copy(st->ephemeral_key, sizeof(st->ephemeral_key), v);
		else if (!strcmp(k, "gateway"))
			copy(st->gateway, sizeof(st->gateway), v);
		else if (!strcmp(k, "config_port"))
			st->config_port = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "daita"))
			st->daita = atoi(v);
		else if (!strcmp(k, "rekey_pid"))
			st->rekey_pid = strtol(v, NULL, 10);
		else if (!strcmp(k, "rekey_interval"))
			st->rekey_interval = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "next_rekey"))
			st->next_rekey = strtoll(v, NULL, 10);
		else if (!strcmp(k, "rekey_failures"))
			st->rekey_failures = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "rekey_alert"))
			st->rekey_alert = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(k, "rekey_error"))
			copy(st->rekey_error, sizeof(st->rekey_error), v);
		else if (!strcmp(k, "undo"))
			push(st->undo, &st->n_undo, PQTUN_STATE_MAX_UNDO, v);
		else if (!strcmp(k, "pre_down"))
			push(st->pre_down, &st->n_pre_down, PQTUN_STATE_MAX_HOOKS, v);
		else if (!strcmp(k, "post_down"))
			push(st->post_down, &st->n_post_down, PQTUN_STATE_MAX_HOOKS, v);
		else if (sscanf(k, "hop.%zu.%31s", &hop, field) == 2 && hop < PQTUN_STATE_MAX_HOPS) {
			struct pqtun_hop_status *h = &st->hops[hop];
			if (hop + 1 > st->n_hops)
				st->n_hops = hop + 1;
			if (!strcmp(field, "role"))
				copy(h->role, sizeof(h->role), v);
			else if (!strcmp(field, "relay"))
				copy(h->relay, sizeof(h->relay), v);
			else if (!strcmp(field, "relay_key"))
				copy(h->relay_key, sizeof(h->relay_key), v);
			else if (!strcmp(field, "post_quantum"))
				h->post_quantum = atoi(v);
			else if (!strcmp(field, "kems"))
				copy(h->kems, sizeof(h->kems), v);
			else if (!strcmp(field, "negotiated"))
				h->negotiated = strtoll(v, NULL, 10);
			else if (!strcmp(field, "attempts"))
				h->attempts = (unsigned)strtoul(v, NULL, 10);
			else if (!strcmp(field, "daita"))
				h->daita = atoi(v);
			else if (!strcmp(field, "last_error"))
				copy(h->last_error, sizeof(h->last_error), v);
			else if (!strcmp(field, "rotations"))
				h->rotations = (unsigned)strtoul(v, NULL, 10);
		}
	}
	fclose(f);
	if (strcmp(st->iface, iface) != 0) {
		pqtun_state_free(st);
		return -1;
	}
	return 0;
}

void pqtun_state_remove(const char *iface)
{
	char path[4200];
	pqtun_state_path(path, sizeof(path), iface);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.lock", pqtun_state_dir(), iface);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.rekey.log", pqtun_state_dir(), iface);
	unlink(path);
}

int pqtun_state_lock(const char *iface)
{
	char path[4200];
	const char *dir = pqtun_state_dir();
	if (!pqtun_ifname_valid(iface) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return -1;
	snprintf(path, sizeof(path), "%s/%s.lock", dir, iface);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void pqtun_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void pqtun_state_free(struct pqtun_state *st)
{
	for (size_t i = 0; i < st->n_undo; i++)
		free(st->undo[i]);
	for (size_t i = 0; i < st->n_pre_down; i++)
		free(st->pre_down[i]);
	for (size_t i = 0; i < st->n_post_down; i++)
		free(st->post_down[i]);
	st->n_undo = st->n_pre_down = st->n_post_down = 0;
}

void pqtun_state_list(void (*fn)(const char *iface, void *ctx), void *ctx)
{
	DIR *d = opendir(pqtun_state_dir());
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= 6 || e->d_name[0] == '.' || strcmp(e->d_name + n - 6, ".state") != 0)
			continue;
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 6), e->d_name);
		if (pqtun_ifname_valid(name))
			fn(name, ctx);
	}
	closedir(d);
}
