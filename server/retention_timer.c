/*
 * retention_timer.c - the server's retention timer (retention_timer.h): a thread that
 * sleeps on a condition variable and runs the purge use case
 * (ge_app_cases_purge, geo/app/retention.h) every purge_interval seconds.
 *
 * The sleep uses CLOCK_MONOTONIC, so that a clock step (NTP, a wrong
 * hardware clock corrected at boot) neither fires a burst of purges nor
 * suspends them; "now" for deciding what is due is the server's clock
 * (ge_ctx_now) at each run, as it must be for dates in the store.
 */
#include "retention_timer.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/app/retention.h"
#include "app_http.h"
#include "log.h"

/* The first run comes this many seconds after start (or after one interval
 * when that is shorter): late enough not to slow start-up and the first
 * requests, early enough that a server restarted daily still purges. */
#define GE_RETENTION_FIRST_DELAY_S 5

typedef struct ge_retention_timer {
    ge_ctx *ctx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* guarded by mu */
} ge_retention_timer;

typedef struct ge_retention_log {
    json_t *unknown; /* service ids of cases left alone, each once */
} ge_retention_log;

static void ge_retention_timer_report(void *ud, const ge_retention_case *c, ge_retention_outcome o,
                                      const char *error)
{
    ge_retention_log *lg = ud;

    if (o == GE_RETENTION_FAILED) {
        ge_log(GE_LOG_WARN, "retention purge of a case failed", "{s:s, s:s, s:s}", "case_id",
               c->case_id, "service", c->service, "detail", error ? error : "");
    } else if (o == GE_RETENTION_UNKNOWN_SERVICE && lg->unknown) {
        size_t i;
        json_t *v;
        json_array_foreach(lg->unknown, i,
                           v) if (strcmp(json_string_value(v), c->service) == 0) return;
        json_array_append_new(lg->unknown, json_string(c->service));
    }
}

static void ge_retention_timer_run(ge_retention_timer *t)
{
    ge_retention_log lg = {.unknown = json_array()};
    ge_app app = ge_ctx_app(t->ctx);
    ge_app_result r;
    ge_retention_stats stats;
    struct timespec a, b;

    clock_gettime(CLOCK_MONOTONIC, &a);
    ge_app_result_init(&r);
    if (ge_app_cases_purge(&app, false, &t->ctx->draining, ge_retention_timer_report, &lg, &stats,
                           &r) < 0) {
        ge_log(GE_LOG_ERROR, "retention purge failed", "{s:s}", "detail", r.err.msg);
        ge_app_result_clear(&r);
        json_decref(lg.unknown);
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    ge_log(stats.failed || stats.unknown ? GE_LOG_WARN : GE_LOG_INFO, "retention purge",
           "{s:I, s:I, s:I, s:I, s:I, s:O, s:I, s:b, s:f}", "due", (json_int_t)stats.due, "purged",
           (json_int_t)stats.purged, "skipped", (json_int_t)stats.skipped, "failed",
           (json_int_t)stats.failed, "unknown_service", (json_int_t)stats.unknown,
           "unknown_services", lg.unknown, "stopped", (json_int_t)stats.stopped, "checkpointed",
           stats.checkpointed, "duration_ms",
           (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    json_decref(lg.unknown);
}

static void *ge_retention_timer_loop(void *arg)
{
    ge_retention_timer *t = arg;
    int interval = t->ctx->cfg->purge_interval;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += interval < GE_RETENTION_FIRST_DELAY_S ? interval : GE_RETENTION_FIRST_DELAY_S;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec now;
        int rc = pthread_cond_timedwait(&t->cv, &t->mu, &next);
        if (t->stop) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (rc != ETIMEDOUT &&
            (now.tv_sec < next.tv_sec || (now.tv_sec == next.tv_sec && now.tv_nsec < next.tv_nsec)))
            continue;                                 /* spurious wake-up */
        if (atomic_load(&t->ctx->draining)) continue; /* shutting down: no new run */
        pthread_mutex_unlock(&t->mu);
        ge_retention_timer_run(t);
        pthread_mutex_lock(&t->mu);
        /* From the end of a run: a slow run never makes runs overlap or pile up. */
        clock_gettime(CLOCK_MONOTONIC, &next);
        next.tv_sec += interval;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

static void ge_retention_timer_stop(void *ud)
{
    ge_retention_timer *t = ud;

    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}

int ge_retention_timer_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    ge_retention_timer *t = NULL;
    pthread_condattr_t ca;
    int rc;

    (void)r;
    if (ctx->cfg->purge_interval <= 0 || !ctx->services || !ctx->store) {
        if (ctx->services && ctx->cfg->purge_interval <= 0)
            ge_log(GE_LOG_INFO, "retention timer off", "{s:i}", "purge_interval", 0);
        return GE_OK;
    }
    t = calloc(1, sizeof *t);
    if (!t) return ge_err_set(err, GE_ENOMEM, "out of memory");
    t->ctx = ctx;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&t->thread, NULL, ge_retention_timer_loop, t);
    if (rc != 0) {
        rc = ge_err_set(err, GE_EINTERNAL, "cannot start the retention timer: %s", strerror(rc));
        goto err;
    }
    rc = ge_ctx_on_stop(ctx, ge_retention_timer_stop, t);
    if (rc < 0) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_signal(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto err;
    }
    ge_log(GE_LOG_INFO, "retention timer started", "{s:i}", "purge_interval",
           ctx->cfg->purge_interval);
    return GE_OK;
err:
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    return rc;
}
