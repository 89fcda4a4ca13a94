/* util/privdrop: each drop runs in a forked child (a drop cannot be undone)
 * that checks the result from the kernel's side (/proc/self/status, a
 * setsockopt that needs CAP_NET_ADMIN, setresuid back to root) and exits
 * with the number of the first check that failed. Needs root (skipped
 * otherwise) and the user nobody. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/privdrop.h"

/* Value of "Name:" in /proc/<path>/status (path "self" or "self/task/N"),
 * whitespace squeezed, into out. 0 or -1. */
static int status_field(const char *path, const char *name, char *out, size_t outlen)
{
	char file[128], line[512];
	snprintf(file, sizeof(file), "/proc/%s/status", path);
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	size_t nlen = strlen(name);
	int rc = -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nlen) || line[nlen] != ':')
			continue;
		const char *p = line + nlen + 1;
		size_t o = 0;
		for (; *p && *p != '\n' && o + 1 < outlen; p++) {
			if ((*p == ' ' || *p == '\t') && (o == 0 || out[o - 1] == ' '))
				continue;
			out[o++] = *p == '\t' ? ' ' : *p;
		}
		while (o && out[o - 1] == ' ')
			o--;
		out[o] = '\0';
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

/* 1 if field name of path equals want. */
static int field_is(const char *path, const char *name, const char *want)
{
	char v[256];
	return status_field(path, name, v, sizeof(v)) == 0 && strcmp(v, want) == 0;
}

/* 1 if SO_MARK (needs CAP_NET_ADMIN) can be set on a fresh socket. */
static int can_set_mark(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), mark = 7;
	if (fd < 0)
		return 0;
	int ok = setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0;
	close(fd);
	return ok;
}

/* Run child() in a forked process and return its exit status (0 = all
 * checks passed, n = check n failed, 100+ = crashed). */
static int run_child(int (*child)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child());
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 200;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int need_root(void)
{
	if (geteuid() != 0 || !getpwnam("nobody")) {
		printf("skipped: needs root and the user nobody\n");
		return 0;
	}
	return 1;
}

static int child_nobody_keeps_nothing(void)
{
	char err[256];
	struct pqtun_privdrop p;
	if (pqtun_privdrop_for_user(&p, "nobody", NULL, err, sizeof(err)) != 0)
		return 1;
	struct passwd *pw = getpwnam("nobody");
	if (!pw || p.uid != pw->pw_uid || p.gid != pw->pw_gid || !p.change_ids)
		return 2;
	if (!can_set_mark())
		return 3; /* root can before the drop */
	if (pqtun_privdrop_apply(&p, err, sizeof(err)) != 0) {
		fprintf(stderr, "apply: %s\n", err);
		return 4;
	}
	char ids[64];
	snprintf(ids, sizeof(ids), "%u %u %u %u", (unsigned)p.uid, (unsigned)p.uid, (unsigned)p.uid, (unsigned)p.uid);
	if (!field_is("self", "Uid", ids))
		return 5;
	snprintf(ids, sizeof(ids), "%u %u %u %u", (unsigned)p.gid, (unsigned)p.gid, (unsigned)p.gid, (unsigned)p.gid);
	if (!field_is("self", "Gid", ids))
		return 6;
	const char *zero = "0000000000000000";
	if (!field_is("self", "CapEff", zero) || !field_is("self", "CapPrm", zero) ||
	    !field_is("self", "CapInh", zero) || !field_is("self", "CapBnd", zero) || !field_is("self", "CapAmb", zero))
		return 7;
	if (!field_is("self", "NoNewPrivs", "1") || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 8;
	if (can_set_mark())
		return 9;
	if (setresuid(0, 0, 0) == 0 || errno != EPERM)
		return 10;
	pqtun_privdrop_free(&p);
	return 0;
}

static void test_nobody_keeps_nothing(void **state)
{
	(void)state;
	if (!need_root())
		return;
	assert_int_equal(run_child(child_nobody_keeps_nothing), 0);
}

/* Thread body: report whether this thread can still set SO_MARK. */
static void *thread_can_mark(void *arg)
{
	*(int *)arg = can_set_mark();
	return NULL;
}

static int child_keep_net_admin(void)
{
	char err[256];
	struct pqtun_privdrop p;
	if (pqtun_privdrop_for_user(&p, "nobody", NULL, err, sizeof(err)) != 0)
		return 1;
	p.keep_caps = PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN);
	if (pqtun_privdrop_apply(&p, err, sizeof(err)) != 0) {
		fprintf(stderr, "apply: %s\n", err);
		return 2;
	}
	char ids[64], caps[32];
	snprintf(ids, sizeof(ids), "%u %u %u %u", (unsigned)p.uid, (unsigned)p.uid, (unsigned)p.uid, (unsigned)p.uid);
	snprintf(caps, sizeof(caps), "%016llx", (unsigned long long)PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN));
	if (!field_is("self", "Uid", ids))
		return 3;
	if (!field_is("self", "CapEff", caps) || !field_is("self", "CapPrm", caps) || !field_is("self", "CapBnd", caps) ||
	    !field_is("self", "CapInh", "0000000000000000") || !field_is("self", "CapAmb", "0000000000000000"))
		return 4;
	if (!can_set_mark())
		return 5; /* the kept capability works after the uid change */
	/* threads started afterwards inherit exactly that */
	pthread_t t;
	int marked = 0;
	if (pthread_create(&t, NULL, thread_can_mark, &marked) != 0 || pthread_join(t, NULL) != 0 || !marked)
		return 6;
	if (setresuid(0, 0, 0) == 0)
		return 7;
	pqtun_privdrop_free(&p);
	return 0;
}

static void test_keep_net_admin(void **state)
{
	(void)state;
	if (!need_root())
		return;
	assert_int_equal(run_child(child_keep_net_admin), 0);
}

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;

/* Thread body: wait until the main thread releases park_lock. */
static void *parked(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&park_lock);
	pthread_mutex_unlock(&park_lock);
	return NULL;
}

static int child_refuses_with_threads(void)
{
	char err[256];
	struct pqtun_privdrop p;
	if (pqtun_privdrop_for_user(&p, "nobody", NULL, err, sizeof(err)) != 0)
		return 1;
	pthread_t t;
	pthread_mutex_lock(&park_lock);
	if (pthread_create(&t, NULL, parked, NULL) != 0)
		return 2;
	int rc = pqtun_privdrop_apply(&p, err, sizeof(err));
	pthread_mutex_unlock(&park_lock);
	pthread_join(t, NULL);
	if (rc == 0 || !strstr(err, "threads"))
		return 3;
	if (getuid() != 0 || !can_set_mark())
		return 4; /* nothing was changed */
	pqtun_privdrop_free(&p);
	return 0;
}

static void test_refuses_with_threads(void **state)
{
	(void)state;
	if (!need_root())
		return;
	assert_int_equal(run_child(child_refuses_with_threads), 0);
}

static int child_cannot_keep_what_is_gone(void)
{
	char err[256];
	struct pqtun_privdrop keep_bind = { .keep_caps = PQTUN_PRIVDROP_CAP(CAP_NET_BIND_SERVICE) };
	if (pqtun_privdrop_apply(&keep_bind, err, sizeof(err)) != 0)
		return 1;
	if (getuid() != 0 || can_set_mark())
		return 2; /* ids kept, CAP_NET_ADMIN gone */
	struct pqtun_privdrop keep_admin = { .keep_caps = PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN) };
	if (pqtun_privdrop_apply(&keep_admin, err, sizeof(err)) == 0)
		return 3;
	if (strcmp(err, "cannot keep CAP_NET_ADMIN: the process does not have it") != 0) {
		fprintf(stderr, "message: %s\n", err);
		return 4;
	}
	return 0;
}

static void test_cannot_keep_what_is_gone(void **state)
{
	(void)state;
	if (!need_root())
		return;
	assert_int_equal(run_child(child_cannot_keep_what_is_gone), 0);
}

static void test_unknown_names(void **state)
{
	(void)state;
	char err[256];
	struct pqtun_privdrop p;
	assert_int_equal(pqtun_privdrop_for_user(&p, "pqtun-no-such-user", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "no such user 'pqtun-no-such-user'");
	assert_null(p.groups);
	if (!getpwnam("root"))
		return;
	assert_int_equal(pqtun_privdrop_for_user(&p, "root", "pqtun-no-such-group", err, sizeof(err)), -1);
	assert_string_equal(err, "no such group 'pqtun-no-such-group'");
	assert_int_equal(pqtun_privdrop_for_user(&p, "root", "root", err, sizeof(err)), 0);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.gid, 0);
	assert_true(p.n_groups >= 1);
	pqtun_privdrop_free(&p);
}

static void test_caps_str(void **state)
{
	(void)state;
	char s[128];
	pqtun_privdrop_caps_str(0, s, sizeof(s));
	assert_string_equal(s, "none");
	pqtun_privdrop_caps_str(PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN), s, sizeof(s));
	assert_string_equal(s, "CAP_NET_ADMIN");
	pqtun_privdrop_caps_str(PQTUN_PRIVDROP_CAP(CAP_DAC_OVERRIDE) | PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN) |
					PQTUN_PRIVDROP_CAP(40),
				s, sizeof(s));
	assert_string_equal(s, "CAP_DAC_OVERRIDE,CAP_NET_ADMIN,cap_40");
	pqtun_privdrop_caps_str(PQTUN_PRIVDROP_CAP(CAP_DAC_OVERRIDE) | PQTUN_PRIVDROP_CAP(CAP_NET_ADMIN), s, 20);
	assert_string_equal(s, "CAP_DAC_OVERRIDE"); /* whole names only when truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nobody_keeps_nothing),
		cmocka_unit_test(test_keep_net_admin),
		cmocka_unit_test(test_refuses_with_threads),
		cmocka_unit_test(test_cannot_keep_what_is_gone),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_caps_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
