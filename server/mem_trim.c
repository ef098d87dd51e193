/*
 * mem_trim.c - the memory trimmer (mem_trim.h): mallopt() at start, then a
 * thread that sleeps on a condition variable (CLOCK_MONOTONIC) and calls
 * malloc_trim(0) every malloc_trim_interval seconds, measuring the RSS
 * before and after so that /metrics shows what the trims are worth.
 *
 * malloc_trim walks every arena under its lock, which costs about a
 * millisecond per hundred megabytes of heap; a request allocating in that
 * arena meanwhile waits that long, once a minute by default.
 */
#include "mem_trim.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "log.h"

typedef struct ge_mem_trim {
    int interval;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* guarded by mu */
} ge_mem_trim;

static atomic_uint_fast64_t ge_mem_trims, ge_mem_trimmed;

void ge_mem_trim_counts(uint64_t *trims, uint64_t *bytes)
{
    *trims = atomic_load_explicit(&ge_mem_trims, memory_order_relaxed);
    *bytes = atomic_load_explicit(&ge_mem_trimmed, memory_order_relaxed);
}

int64_t ge_mem_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "re");
    long long size = 0, resident = -1;
    long page = sysconf(_SC_PAGESIZE);

    if (!f) return -1;
    if (fscanf(f, "%lld %lld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 || page <= 0 ? -1 : (int64_t)resident * page;
}

static void ge_mem_trim_once(void)
{
#ifdef __GLIBC__
    int64_t before = ge_mem_rss_bytes(), after;

    malloc_trim(0);
    after = ge_mem_rss_bytes();
    atomic_fetch_add_explicit(&ge_mem_trims, 1, memory_order_relaxed);
    if (before >= 0 && after >= 0 && before > after)
        atomic_fetch_add_explicit(&ge_mem_trimmed, (uint_fast64_t)(before - after),
                                  memory_order_relaxed);
#endif
}

static void *ge_mem_trim_loop(void *arg)
{
    ge_mem_trim *t = arg;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += t->interval;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec now;
        int rc = pthread_cond_timedwait(&t->cv, &t->mu, &next);
        if (t->stop) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (rc != ETIMEDOUT &&
            (now.tv_sec < next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec < next.tv_nsec)))
            continue; /* spurious wake-up */
        pthread_mutex_unlock(&t->mu);
        ge_mem_trim_once();
        pthread_mutex_lock(&t->mu);
        clock_gettime(CLOCK_MONOTONIC, &next);
        next.tv_sec += t->interval;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

static void ge_mem_trim_stop(void *ud)
{
    ge_mem_trim *t = ud;

    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

int ge_mem_trim_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    ge_mem_trim *t;
    pthread_condattr_t ca;
    int rc;

    (void)r;
#ifdef __GLIBC__
    /* Before the HTTP and compute threads exist, so that they share these. */
    {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        int arenas = ctx->cfg->malloc_arenas > 0 ? ctx->cfg->malloc_arenas
                     : ncpu > 0                  ? (int)ncpu
                                                 : 2;
        if (mallopt(M_ARENA_MAX, arenas) != 1)
            ge_log(GE_LOG_WARN, "malloc_arenas not applied", "{s:i}", "malloc_arenas", arenas);
    }
#endif
    if (ctx->cfg->malloc_trim_interval <= 0 || !ctx->store) return GE_OK;
    t = calloc(1, sizeof *t);
    if (!t) return ge_err_set(err, GE_ENOMEM, "out of memory");
    t->interval = ctx->cfg->malloc_trim_interval;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&t->thread, NULL, ge_mem_trim_loop, t);
    if (rc != 0) {
        pthread_mutex_destroy(&t->mu);
        pthread_cond_destroy(&t->cv);
        free(t);
        return ge_err_set(err, GE_EINTERNAL, "cannot start the memory trimmer: %s", strerror(rc));
    }
    rc = ge_ctx_on_stop(ctx, ge_mem_trim_stop, t);
    if (rc < 0) {
        ge_mem_trim_stop(t);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    return GE_OK;
}
