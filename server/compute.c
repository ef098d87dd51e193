/*
 * compute.c - the computing routes' thread pool (compute.h): a ring of
 * reserved places under one mutex, and threads that take jobs in order.
 */
#include "compute.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../geo/core/geos_ctx.h"

struct ge_compute {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    ge_compute_job *ring;
    unsigned cap;      /* places in the ring: queue + threads (those running hold one too) */
    unsigned head, n;  /* queued jobs: ring[head], ... n of them */
    unsigned reserved; /* places taken by reserve, queued and running */
    bool stopping;
    atomic_uint pending; /* reserved, for readers without the lock */
    pthread_t *threads;
    unsigned nthreads;
};

static void *ge_compute_main(void *arg)
{
    ge_compute *c = arg;

    for (;;) {
        ge_compute_job job;

        pthread_mutex_lock(&c->lock);
        /* Stopping, a thread waits on while a place is reserved: its job
         * is submitted in a moment, and must run. */
        while (c->n == 0 && !(c->stopping && c->reserved == 0))
            pthread_cond_wait(&c->ready, &c->lock);
        if (c->n == 0) { /* stopping, and nothing left or coming */
            pthread_mutex_unlock(&c->lock);
            break;
        }
        job = c->ring[c->head];
        c->head = (c->head + 1) % c->cap;
        c->n--;
        pthread_mutex_unlock(&c->lock);

        job.run(job.ud);

        pthread_mutex_lock(&c->lock);
        c->reserved--;
        atomic_store(&c->pending, c->reserved);
        if (c->stopping && c->reserved == 0) pthread_cond_broadcast(&c->ready);
        pthread_mutex_unlock(&c->lock);
    }
    ge_geos_thread_cleanup();
    return NULL;
}

int ge_compute_new(ge_compute **out, unsigned threads, unsigned queue, ge_err *err)
{
    ge_compute *c = calloc(1, sizeof *c);

    *out = NULL;
    if (!c) return ge_err_set(err, GE_ENOMEM, "out of memory");
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->ready, NULL);
    c->cap = queue + threads;
    c->ring = calloc(c->cap, sizeof *c->ring);
    c->threads = calloc(threads, sizeof *c->threads);
    if (!c->ring || !c->threads) {
        ge_compute_free(c);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&c->threads[i], NULL, ge_compute_main, c) != 0) {
            ge_compute_free(c);
            return ge_err_set(err, GE_EIO, "cannot start compute thread %u of %u", i + 1, threads);
        }
        c->nthreads++;
    }
    *out = c;
    return GE_OK;
}

bool ge_compute_reserve(ge_compute *c)
{
    bool ok;

    pthread_mutex_lock(&c->lock);
    ok = !c->stopping && c->reserved < c->cap;
    if (ok) {
        c->reserved++;
        atomic_store(&c->pending, c->reserved);
    }
    pthread_mutex_unlock(&c->lock);
    return ok;
}

void ge_compute_submit(ge_compute *c, ge_compute_job job)
{
    pthread_mutex_lock(&c->lock);
    /* A reserved place is always free: reserved counts queued and running
     * jobs, and both together never exceed cap. */
    c->ring[(c->head + c->n) % c->cap] = job;
    c->n++;
    pthread_cond_signal(&c->ready);
    pthread_mutex_unlock(&c->lock);
}

unsigned ge_compute_pending(const ge_compute *c)
{
    return c ? atomic_load(&((ge_compute *)c)->pending) : 0;
}

void ge_compute_stop(ge_compute *c)
{
    unsigned nthreads;

    if (!c) return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_broadcast(&c->ready);
    nthreads = c->nthreads;
    c->nthreads = 0; /* joined once, by this call */
    pthread_mutex_unlock(&c->lock);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(c->threads[i], NULL);
}

void ge_compute_free(ge_compute *c)
{
    if (!c) return;
    ge_compute_stop(c);
    pthread_cond_destroy(&c->ready);
    pthread_mutex_destroy(&c->lock);
    free(c->threads);
    free(c->ring);
    free(c);
}
