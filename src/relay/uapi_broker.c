/* The UAPI broker process (see uapi_broker.h). Requests and answers are
 * SOCK_SEQPACKET messages on a socketpair: the request is the socket path
 * (which must be the one the broker was started for), the answer a 32-bit
 * errno (0 = success) carrying the connected descriptor as SCM_RIGHTS. */
#define _GNU_SOURCE /* close_range */
#include "relay/uapi_broker.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/privdrop.h"
#include "wg/backend.h"

#define BROKER_FD 3             /* the broker's end of the channel after cleanup */
#define BROKER_TIMEOUT_S 10     /* a request takes at most one UAPI connect (5 s) */
#define BROKER_READY 0x52444159 /* "RDAY": sent once the broker has dropped */

static struct {
	int fd;                 /* relay's end of the channel; -1 when not running */
	pid_t pid;
	pthread_mutex_t lock;   /* one request at a time on the channel */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} broker = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

/* Connect to path. Connected fd, or a negative errno. */
static int connect_path(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, len + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Send a 32-bit answer on ch, with fd attached if fd >= 0. 0 or -1. */
static int send_answer(int ch, int32_t answer, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = { .iov_base = &answer, .iov_len = sizeof(answer) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(ch, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(answer) ? 0 : -1;
}

#if defined(__x86_64__)
#define BROKER_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define BROKER_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef BROKER_AUDIT_ARCH
#define BROKER_ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* Confine the broker (after no_new_privs) to what its loop does: AF_UNIX
 * sockets, connect, setsockopt, recv/send on the channel, close, exit.
 * Anything else kills it (the relay then sees its connections fail).
 * 0 or -1. */
static int broker_seccomp(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BROKER_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* socket(AF_UNIX, ...) only (args[0]'s low word: both archs are little-endian) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BROKER_ALLOW(__NR_connect),
		BROKER_ALLOW(__NR_setsockopt),
		BROKER_ALLOW(__NR_recvfrom),
		BROKER_ALLOW(__NR_recvmsg),
		BROKER_ALLOW(__NR_sendmsg),
		BROKER_ALLOW(__NR_sendto),
		BROKER_ALLOW(__NR_close),
		BROKER_ALLOW(__NR_exit),
		BROKER_ALLOW(__NR_exit_group),
		BROKER_ALLOW(__NR_rt_sigreturn),
		BROKER_ALLOW(__NR_restart_syscall),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])), .filter = filter };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
#else
static int broker_seccomp(void)
{
	return 0; /* no filter written for this architecture */
}
#endif

/* The broker process: never returns. ch is its end of the channel. */
static void __attribute__((noreturn)) broker_main(int ch, pid_t parent)
{
	char err[256];
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(0); /* the relay is already gone */
	prctl(PR_SET_NAME, "pqtun-uapi", 0, 0, 0);
	/* only the channel stays open (and stdin/stdout/stderr) */
	if (ch != BROKER_FD && dup2(ch, BROKER_FD) < 0)
		_exit(1);
	ch = BROKER_FD;
	if (close_range(BROKER_FD + 1, ~0u, 0) != 0)
		for (int fd = BROKER_FD + 1; fd < 1024; fd++)
			close(fd);
	struct pqtun_privdrop none = { .change_ids = 0, .keep_caps = 0 };
	if (pqtun_privdrop_apply(&none, err, sizeof(err)) != 0) {
		fprintf(stderr, "pqtun serve: UAPI helper: %s\n", err);
		_exit(1);
	}
	if (broker_seccomp() != 0) {
		fprintf(stderr, "pqtun serve: UAPI helper: cannot install its seccomp filter: %s\n", strerror(errno));
		_exit(1);
	}
	if (send_answer(ch, BROKER_READY, -1) != 0)
		_exit(1);
	for (;;) {
		char req[sizeof(broker.path) + 1];
		ssize_t n = recv(ch, req, sizeof(req) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the relay closed the channel or exited */
		req[n] = '\0';
		int fd = strcmp(req, broker.path) == 0 ? connect_path(req) : -EPERM;
		int rc = send_answer(ch, fd >= 0 ? 0 : -fd, fd);
		if (fd >= 0)
			close(fd);
		if (rc != 0)
			_exit(0);
	}
}

/* Receive one answer (and a descriptor) on ch. The answer, or a negative
 * errno; *fd is the received descriptor or -1. */
static int recv_answer(int ch, int *fd)
{
	int32_t answer = 0;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctrl;
	struct iovec iov = { .iov_base = &answer, .iov_len = sizeof(answer) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl.buf,
			     .msg_controllen = sizeof(ctrl.buf) };
	*fd = -1;
	ssize_t n;
	do
		n = recvmsg(ch, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(answer)) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPIPE; /* the broker exited */
	}
	return answer;
}

/* pqtun_wg_uapi_connector through the broker. */
static int broker_connect(void *ctx, const char *path)
{
	int fd = -1, rc;
	(void)ctx;
	pthread_mutex_lock(&broker.lock);
	if (broker.fd < 0)
		rc = -EPIPE;
	else if (send(broker.fd, path, strlen(path), MSG_NOSIGNAL) < 0)
		rc = -errno;
	else
		rc = recv_answer(broker.fd, &fd);
	pthread_mutex_unlock(&broker.lock);
	if (rc > 0) {
		if (fd >= 0)
			close(fd);
		return -rc; /* the broker's connect failed with errno rc */
	}
	if (rc < 0)
		return rc;
	return fd >= 0 ? fd : -EPROTO;
}

int relay_uapi_broker_start(const char *ifname, char *err, size_t errlen)
{
	int sv[2];
	if (broker.fd >= 0) {
		snprintf(err, errlen, "UAPI helper already running");
		return -1;
	}
	snprintf(broker.path, sizeof(broker.path), "%s/%s.sock", PQTUN_WG_UAPI_DIR, ifname);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "cannot create the UAPI helper's socket pair: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start the UAPI helper: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		broker_main(sv[1], parent);
	}
	close(sv[1]);
	struct timeval tv = { .tv_sec = BROKER_TIMEOUT_S };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int fd;
	int ready = recv_answer(sv[0], &fd);
	if (fd >= 0)
		close(fd);
	if (ready != BROKER_READY) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "the UAPI helper did not start");
		return -1;
	}
	broker.fd = sv[0];
	broker.pid = pid;
	pqtun_wg_uapi_set_connector(broker_connect, NULL);
	return 0;
}

pid_t relay_uapi_broker_pid(void)
{
	return broker.fd >= 0 ? broker.pid : 0;
}

void relay_uapi_broker_stop(void)
{
	if (broker.fd < 0)
		return;
	pqtun_wg_uapi_set_connector(NULL, NULL);
	pthread_mutex_lock(&broker.lock);
	close(broker.fd); /* the broker sees EOF and exits */
	broker.fd = -1;
	pthread_mutex_unlock(&broker.lock);
	waitpid(broker.pid, NULL, 0);
	broker.pid = 0;
}
