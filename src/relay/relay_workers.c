/* Worker threads of the relay (see relay_workers.h). */
#include "relay/relay_workers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

static void *worker_main(void *arg)
{
	struct relay_workers *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stopping && !w->todo_head)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stopping)
			break;
		struct relay_job *job = w->todo_head;
		w->todo_head = job->next;
		if (!w->todo_head)
			w->todo_tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&w->lock);

		job->next = NULL;
		if (job->deadline_ms && pqtun_now_ms() >= job->deadline_ms)
			job->skipped = 1; /* nobody waits for the answer any more */
		else
			relay_service_handle(w->service, (const struct sockaddr *)&job->peer,
					     job->peer_len, job->msg, job->len, &job->reply);

		pthread_mutex_lock(&w->lock);
		if (w->done_tail)
			w->done_tail->next = job;
		else
			w->done_head = job;
		w->done_tail = job;
		uint64_t one = 1;
		ssize_t r;
		do
			r = write(w->notify_fd, &one, sizeof(one));
		while (r < 0 && errno == EINTR);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int relay_workers_start(struct relay_workers *w, unsigned n, size_t max_queue,
			const struct relay_service *service, int notify_fd)
{
	memset(w, 0, sizeof(*w));
	w->max_queue = max_queue;
	w->service = service;
	w->notify_fd = notify_fd;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->cond, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	w->threads = calloc(n, sizeof(*w->threads));
	if (!w->threads)
		goto fail;
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			goto fail;
		w->n_threads++;
	}
	return 0;
fail:
	free(relay_workers_stop(w)); /* nothing queued yet: list is empty */
	return -1;
}

int relay_workers_submit(struct relay_workers *w, struct relay_job *job)
{
	pthread_mutex_lock(&w->lock);
	if (w->stopping || w->queued >= w->max_queue) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	job->next = NULL;
	if (w->todo_tail)
		w->todo_tail->next = job;
	else
		w->todo_head = job;
	w->todo_tail = job;
	w->queued++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

struct relay_job *relay_workers_take_done(struct relay_workers *w)
{
	pthread_mutex_lock(&w->lock);
	struct relay_job *list = w->done_head;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	return list;
}

struct relay_job *relay_workers_stop(struct relay_workers *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (unsigned i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
	w->n_threads = 0;

	struct relay_job *list = w->done_head;
	if (w->done_tail)
		w->done_tail->next = w->todo_head;
	else
		list = w->todo_head;
	w->todo_head = w->todo_tail = w->done_head = w->done_tail = NULL;
	w->queued = 0;
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	return list;
}

void relay_job_free(struct relay_job *job)
{
	if (!job)
		return;
	relay_reply_free(&job->reply);
	free(job->msg);
	free(job);
}
