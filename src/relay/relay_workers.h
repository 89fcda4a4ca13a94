/* The relay's worker pool: the event loop queues parsed requests, worker
 * threads run relay_service_handle on them (KEM work), and finished jobs
 * come back through a queue the loop drains when an eventfd fires. */
#ifndef PQTUN_RELAY_WORKERS_H
#define PQTUN_RELAY_WORKERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "relay/relay_service.h"

struct relay_job {
	struct relay_job *next;
	void *conn;                  /* owner connection (event-loop data) */
	int32_t stream_id;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint8_t *msg;                /* request message without prefix (malloc) */
	size_t len;
	uint64_t deadline_ms;        /* monotonic; 0 = none */
	int skipped;                 /* deadline passed before a worker took it */
	struct relay_reply reply;
};

struct relay_workers {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct relay_job *todo_head, *todo_tail;
	struct relay_job *done_head, *done_tail;
	size_t queued;               /* jobs in todo */
	size_t max_queue;
	int stopping;
	int notify_fd;               /* eventfd written when a job is done */
	const struct relay_service *service;
	pthread_t *threads;
	unsigned n_threads;
};

/* Start n threads. notify_fd is an eventfd owned by the caller. Returns 0 or -1. */
int relay_workers_start(struct relay_workers *w, unsigned n, size_t max_queue,
			const struct relay_service *service, int notify_fd);
/* Queue a job (ownership passes to the pool). Returns 0, or -1 when the
 * queue is full (the caller keeps the job). */
int relay_workers_submit(struct relay_workers *w, struct relay_job *job);
/* Take all finished jobs (a list linked by next, in completion order). */
struct relay_job *relay_workers_take_done(struct relay_workers *w);
/* Stop and join the threads; returns jobs never run and jobs done but not
 * taken as one list for the caller to free. */
struct relay_job *relay_workers_stop(struct relay_workers *w);
/* Free a job and its buffers. */
void relay_job_free(struct relay_job *job);

#endif
