#define _GNU_SOURCE /* pipe2 */
#include "tunnel/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* Child side: wire stdin/stdout/stderr and exec. Never returns. */
static void child_exec(char *const argv[], int in_fd, int out_fd)
{
	int devnull = open("/dev/null", O_RDWR);
	dup2(in_fd >= 0 ? in_fd : devnull, 0);
	dup2(out_fd >= 0 ? out_fd : devnull, 1);
	dup2(out_fd >= 0 ? out_fd : devnull, 2);
	/* Close everything else so that no descriptor of ours (sockets,
	 * secret pipes) leaks into helpers such as the wireguard-go daemon. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

int pqtun_run(char *const argv[], const char *in, size_t inlen, char *out, size_t outlen)
{
	int inpipe[2] = { -1, -1 }, outpipe[2] = { -1, -1 };
	size_t got = 0;

	if (out && outlen)
		out[0] = '\0';
	if ((in && pipe2(inpipe, O_CLOEXEC) < 0) || (out && pipe2(outpipe, O_CLOEXEC) < 0)) {
		if (out)
			snprintf(out, outlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t pid = fork();
	if (pid < 0) {
		if (out)
			snprintf(out, outlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child_exec(argv, inpipe[0], outpipe[1]);
	if (inpipe[0] >= 0)
		close(inpipe[0]);
	if (outpipe[1] >= 0)
		close(outpipe[1]);
	inpipe[0] = outpipe[1] = -1;

	/* Feed stdin and drain stdout together so neither side can block on
	 * a full pipe. */
	size_t sent = 0;
	if (in && inlen == 0) {
		close(inpipe[1]);
		inpipe[1] = -1;
	}
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	while (inpipe[1] >= 0 || outpipe[0] >= 0) {
		struct pollfd p[2];
		int n = 0;
		if (inpipe[1] >= 0)
			p[n++] = (struct pollfd){ .fd = inpipe[1], .events = POLLOUT };
		if (outpipe[0] >= 0)
			p[n++] = (struct pollfd){ .fd = outpipe[0], .events = POLLIN };
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == inpipe[1]) {
				ssize_t w = write(inpipe[1], in + sent, inlen - sent);
				if (w > 0)
					sent += (size_t)w;
				if (w < 0 || sent == inlen) {
					close(inpipe[1]);
					inpipe[1] = -1;
				}
			} else {
				char buf[512];
				ssize_t r = read(outpipe[0], buf, sizeof(buf));
				if (r <= 0) {
					close(outpipe[0]);
					outpipe[0] = -1;
					continue;
				}
				size_t take = (size_t)r;
				if (got + take > outlen - 1)
					take = outlen - 1 - got;
				memcpy(out + got, buf, take);
				got += take;
				out[got] = '\0';
			}
		}
	}
	signal(SIGPIPE, old);
	int rc = wait_status(pid);
	if (rc == 127 && out && got == 0)
		snprintf(out, outlen, "cannot run %s", argv[0]);
	return rc;
fail:
	for (int i = 0; i < 2; i++) {
		if (inpipe[i] >= 0)
			close(inpipe[i]);
		if (outpipe[i] >= 0)
			close(outpipe[i]);
	}
	return -1;
}

int pqtun_runf(char *out, size_t outlen, const char *fmt, ...)
{
	char line[1024];
	char *argv[64];
	int argc = 0;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		if (out)
			snprintf(out, outlen, "command line too long");
		return -1;
	}
	for (char *save = NULL, *tok = strtok_r(line, " ", &save); tok && argc < 63;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	if (argc == 0)
		return -1;
	return pqtun_run(argv, NULL, 0, out, outlen);
}

int pqtun_run_shell(const char *cmd, char *const env[])
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return wait_status(pid);
}

int pqtun_have_program(const char *prog)
{
	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char dir[4096];
	while (*path) {
		size_t len = strcspn(path, ":");
		if (len > 0 && len + strlen(prog) + 2 < sizeof(dir)) {
			memcpy(dir, path, len);
			dir[len] = '/';
			strcpy(dir + len + 1, prog);
			if (access(dir, X_OK) == 0)
				return 1;
		}
		path += len;
		if (*path == ':')
			path++;
	}
	return 0;
}
