/*
 * compute.h - a pool of threads of its own for the requests that compute
 * (the rule engine: validation, drafts, the editor's checks), so that they
 * never hold every HTTP worker.
 *
 * libmicrohttpd runs a handler on the worker thread that owns the
 * connection; a handler that computes for a second holds that worker and
 * every other connection on it, and a handful of such requests would stop
 * /healthz and everything else. Routes flagged GE_ROUTE_COMPUTE are instead
 * suspended on their worker and queued here (server_request.c); a pool
 * thread runs the handler under a cost budget (geo/core/budget.h) and resumes the
 * connection, whose worker then sends the answer. The HTTP workers stay free
 * for everything else, and the pool's size bounds how many cores the
 * computing routes can take at once.
 *
 * The queue is bounded: when it is full, ge_compute_reserve() says no and
 * the request is answered 503 at once, never by a worker waiting.
 */
#ifndef GE_COMPUTE_H
#define GE_COMPUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "../geo/core/error.h"

typedef struct ge_compute ge_compute;

/* One piece of work: run(ud) on a pool thread. */
typedef struct ge_compute_job {
    void (*run)(void *ud);
    void *ud;
} ge_compute_job;

/* Starts threads pool threads with room for queue waiting jobs. */
int ge_compute_new(ge_compute **out, unsigned threads, unsigned queue, ge_err *err);

/* Takes a place in the queue without waiting; false when it is full (or
 * the pool stops). Every true must be followed by ge_compute_submit(). */
bool ge_compute_reserve(ge_compute *c);

/* Queues a job in the place reserved for it. */
void ge_compute_submit(ge_compute *c, ge_compute_job job);

/* Jobs queued or running now (for /metrics). */
unsigned ge_compute_pending(const ge_compute *c);

/* Refuses new jobs (ge_compute_reserve says no from now on), lets the
 * queued ones and those reserved but not yet submitted run, then joins the
 * threads. The pool itself stays valid for the HTTP workers, which may still
 * ask it (a request on a kept-alive connection, /metrics) until the daemon
 * has stopped. Whoever calls it makes the jobs end fast first
 * (ge_budget_stop_all). Called again, it does nothing. */
void ge_compute_stop(ge_compute *c);

/* Stops the pool (ge_compute_stop) and frees it: only when no other thread
 * can reach it any more. */
void ge_compute_free(ge_compute *c);

#endif
