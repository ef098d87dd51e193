/*
 * refdata.c - services and in-memory reference layers for the handlers, and
 * the watcher thread that reloads the layers after an import (refdata.h).
 */
#include "refdata.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/crs.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/rules/refindex.h"
#include "../geo/rules/service.h"
#include "log.h"

/* How often the watcher asks the store whether an import committed. A cheap
 * query (a sum over the layers table), so a short interval costs nothing. */
#define GE_REFDATA_POLL_MS 2000

typedef struct ge_refdata {
    ge_ctx *ctx;
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    int64_t stamp; /* of the published snapshot; guarded by mu */
} ge_refdata;

static ge_refdata *ge_refdata_of(const ge_ctx *ctx)
{
    return ctx->refdata;
}

static void ge_refdata_warn(void *ud, const char *msg)
{
    (void)ud;
    ge_log(GE_LOG_WARN, "service check", "{s:s}", "detail", msg);
}

/* Builds and publishes a new snapshot if the store's stamp moved. Serialised
 * by mu so that the watcher and an explicit refresh never build twice. */
static int ge_refdata_reload_if_changed(ge_refdata *rd, bool force, ge_err *err)
{
    int64_t stamp = 0;
    int rc;

    pthread_mutex_lock(&rd->mu);
    rc = ge_store_layers_stamp(rd->ctx->store, &stamp, err);
    if (rc < 0 || (!force && stamp == rd->stamp)) goto out;
    rc = ge_refindex_reload(rd->ctx->refindex, rd->ctx->store, err);
    if (rc < 0) goto out;
    rd->stamp = stamp;
    ge_refsnap *snap = ge_refindex_acquire(rd->ctx->refindex);
    size_t nlayers = snap ? ge_refsnap_layer_count(snap) : 0;
    size_t warnings =
        snap ? ge_services_check_layers(rd->ctx->services, snap, ge_refdata_warn, NULL) : 0;
    if (snap) ge_refsnap_release(snap);
    ge_log(GE_LOG_INFO, force ? "reference layers loaded" : "reference layers reloaded",
           "{s:i, s:I, s:i}", "layers", (int)nlayers, "stamp", (json_int_t)stamp,
           "service_warnings", (int)warnings);
out:
    pthread_mutex_unlock(&rd->mu);
    return rc;
}

int ge_refdata_refresh(ge_ctx *ctx, ge_err *err)
{
    return ge_refdata_reload_if_changed(ge_refdata_of(ctx), false, err);
}

static void *ge_refdata_watch(void *arg)
{
    ge_refdata *rd = arg;
    ge_err err;

    pthread_mutex_lock(&rd->mu);
    while (!rd->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += GE_REFDATA_POLL_MS / 1000;
        until.tv_nsec += (GE_REFDATA_POLL_MS % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&rd->cv, &rd->mu, &until);
        if (rd->stop) break;
        pthread_mutex_unlock(&rd->mu);
        if (ge_refdata_reload_if_changed(rd, false, &err) < 0)
            ge_log(GE_LOG_ERROR, "reloading reference layers failed", "{s:s}", "detail", err.msg);
        pthread_mutex_lock(&rd->mu);
    }
    pthread_mutex_unlock(&rd->mu);
    /* This thread used GEOS and PROJ through the reload: free its contexts. */
    ge_crs_thread_cleanup();
    ge_geos_thread_cleanup();
    return NULL;
}

static void ge_refdata_close(void *ud)
{
    ge_refdata *rd = ud;
    ge_ctx *ctx = rd->ctx;

    if (rd->thread_started) {
        pthread_mutex_lock(&rd->mu);
        rd->stop = true;
        pthread_cond_signal(&rd->cv);
        pthread_mutex_unlock(&rd->mu);
        pthread_join(rd->thread, NULL);
    }
    ge_refindex_free(ctx->refindex);
    ge_services_free(ctx->services);
    ctx->refindex = NULL;
    ctx->services = NULL;
    ctx->refdata = NULL;
    pthread_mutex_destroy(&rd->mu);
    pthread_cond_destroy(&rd->cv);
    free(rd);
}

int ge_refdata_open(ge_ctx *ctx, ge_err *err)
{
    char dir[PATH_MAX + 16];
    ge_refdata *rd = calloc(1, sizeof *rd);
    int rc;

    if (!rd) return ge_err_set(err, GE_ENOMEM, "out of memory");
    rd->ctx = ctx;
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    ctx->refdata = rd;
    rc = ge_ctx_on_stop(ctx, ge_refdata_close, rd);
    if (rc < 0) {
        ctx->refdata = NULL;
        pthread_mutex_destroy(&rd->mu);
        pthread_cond_destroy(&rd->cv);
        free(rd);
        return ge_err_set(err, rc, "out of memory");
    }

    snprintf(dir, sizeof dir, "%s/services", ctx->cfg->data_dir);
    rc = ge_services_load_dir(dir, &ctx->services, err);
    if (rc < 0) return rc;
    ge_log(GE_LOG_INFO, "services loaded", "{s:s, s:i}", "dir", dir, "count",
           (int)ge_services_count(ctx->services));
    rc = ge_refindex_new(&ctx->refindex, err);
    if (rc < 0) return rc;
    rc = ge_refdata_reload_if_changed(rd, true, err);
    if (rc < 0) return rc;
    rc = pthread_create(&rd->thread, NULL, ge_refdata_watch, rd);
    if (rc != 0)
        return ge_err_set(err, GE_EINTERNAL, "cannot start the layer watcher: %s", strerror(rc));
    rd->thread_started = true;
    return GE_OK;
}
