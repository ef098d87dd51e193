/*
 * refdata.c - services and in-memory reference layers for the handlers, the
 * one place that notices a new reference-data version (ge_refdata_notice),
 * and the watcher thread that reloads the layers after an import (refdata.h).
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
#include "../geo/maps/basemap.h"
#include "../geo/rules/refindex.h"
#include "../geo/rules/service.h"
#include "log.h"

/* How often the watcher notices: a cheap query (the layers table) and a
 * stat(), so a short interval costs nothing. */
#define GE_REFDATA_POLL_MS 2000
/* How old a notice a request accepts before it notices again (seconds). */
#define GE_REFDATA_FRESH 1.0

typedef struct ge_refdata {
    ge_ctx *ctx;
    char basemap_path[PATH_MAX + 32];
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu; /* guards stop and wake; the watcher waits on cv */
    pthread_cond_t cv;
    bool stop;
    bool wake;
    pthread_mutex_t reload_mu; /* serialises reloads of the layers */
    int64_t stamp;             /* of the published layer snapshot; guarded by reload_mu */
    bool loaded;               /* a layer snapshot was published; guarded by reload_mu */
    pthread_mutex_t notice_mu; /* serialises notices */
    pthread_mutex_t vmu;       /* guards version, its refs, and asked_at */
    ge_refdata_version *version;
    /* When a request last noticed (CLOCK_MONOTONIC). The watcher's notices
     * do not count: one of them may have seen an import half done (layers
     * committed, base map not yet in place), and a request after the
     * import should not take that for fresh. */
    double asked_at;
} ge_refdata;

static ge_refdata *ge_refdata_of(const ge_ctx *ctx)
{
    return ctx->refdata;
}

static double ge_refdata_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void ge_refdata_warn(void *ud, const char *msg)
{
    (void)ud;
    ge_log(GE_LOG_WARN, "service check", "{s:s}", "detail", msg);
}

/* ---- the version record ----------------------------------------------------- */

static void ge_refdata_version_free(ge_refdata_version *v)
{
    if (!v) return;
    free(v->layers);
    free(v);
}

/* Drops a reference; the caller holds vmu. */
static void ge_refdata_version_unref(ge_refdata_version *v)
{
    if (v && --v->refs == 0) ge_refdata_version_free(v);
}

bool ge_refdata_basemap_same(const ge_refdata_basemap *a, const ge_refdata_basemap *b)
{
    if (a->exists != b->exists) return false;
    if (!a->exists) return true;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static bool ge_refdata_version_same(const ge_refdata_version *a, const ge_refdata_version *b)
{
    if (a->stamp != b->stamp || a->nlayers != b->nlayers ||
        !ge_refdata_basemap_same(&a->basemap, &b->basemap))
        return false;
    for (size_t i = 0; i < a->nlayers; i++)
        if (a->layers[i].version != b->layers[i].version ||
            strcmp(a->layers[i].name, b->layers[i].name) != 0)
            return false;
    return true;
}

int ge_refdata_layer_version(const ge_refdata_version *v, const char *layer, int64_t *version)
{
    for (size_t i = 0; v && layer && i < v->nlayers; i++) {
        if (strcmp(v->layers[i].name, layer) != 0) continue;
        *version = v->layers[i].version;
        return GE_OK;
    }
    return GE_ENOENT;
}

/* What the store and the file system say now: the layer versions and the
 * base map file's identity. */
static int ge_refdata_read_version(ge_refdata *rd, ge_refdata_version **out, ge_err *err)
{
    ge_layer_info *li = NULL;
    size_t n = 0;
    struct stat sb;
    ge_refdata_version *v;
    int rc;

    *out = NULL;
    rc = ge_store_layer_list(rd->ctx->store, &li, &n, err);
    if (rc < 0) return rc;
    v = calloc(1, sizeof *v);
    if (v && n) v->layers = calloc(n, sizeof *v->layers);
    if (!v || (n && !v->layers)) {
        free(li);
        ge_refdata_version_free(v);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    /* Versions only grow and every import bumps the versions of the layers
     * it writes, so the sum changes with every committed import. */
    for (size_t i = 0; i < n; i++) {
        snprintf(v->layers[i].name, sizeof v->layers[i].name, "%s", li[i].name);
        v->layers[i].version = li[i].version;
        v->stamp += li[i].version;
    }
    v->nlayers = n;
    free(li);
    if (stat(rd->basemap_path, &sb) == 0) {
        ge_refdata_basemap *b = &v->basemap;
        b->exists = true;
        b->dev = sb.st_dev;
        b->ino = sb.st_ino;
        b->size = sb.st_size;
        b->mtime = sb.st_mtim;
        b->gen = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
        b->gen = b->gen * 31 + (int64_t)sb.st_ino;
    }
    v->refs = 1; /* the publisher's */
    *out = v;
    return GE_OK;
}

/*
 * THE notice of a new reference-data version: reads the layer versions and
 * the base map file's identity, and publishes them as the current version
 * record when they differ from it (*changed). *layers_stamp is the layer
 * stamp now current (the watcher reloads the layers when it moved). The caller holds
 * notice_mu. Whatever later announces imports (a database notification, a
 * file watch) calls this too.
 */
static int ge_refdata_notice(ge_refdata *rd, int64_t *layers_stamp, bool *changed, ge_err *err)
{
    ge_refdata_version *v, *old = NULL;
    int rc = ge_refdata_read_version(rd, &v, err);

    *changed = false;
    pthread_mutex_lock(&rd->vmu);
    if (rc == GE_OK) {
        if (rd->version && ge_refdata_version_same(rd->version, v)) {
            old = v; /* nothing new: keep the published record */
        } else {
            old = rd->version;
            rd->version = v;
            *changed = true;
        }
        *layers_stamp = rd->version->stamp;
    }
    ge_refdata_version_unref(old);
    pthread_mutex_unlock(&rd->vmu);
    return rc;
}

const ge_refdata_version *ge_refdata_version_acquire(const ge_ctx *ctx)
{
    ge_refdata *rd = ge_refdata_of(ctx);
    ge_refdata_version *v;
    bool stale;

    if (!rd) return NULL;
    pthread_mutex_lock(&rd->vmu);
    double now = ge_refdata_mono();
    stale = now - rd->asked_at >= GE_REFDATA_FRESH;
    if (stale) rd->asked_at = now; /* one request notices; the others take the record */
    pthread_mutex_unlock(&rd->vmu);
    if (stale) {
        pthread_mutex_lock(&rd->notice_mu);
        int64_t stamp = 0;
        bool changed;
        ge_err err;
        int rc = ge_refdata_notice(rd, &stamp, &changed, &err);
        pthread_mutex_unlock(&rd->notice_mu);
        if (rc < 0) {
            ge_log(GE_LOG_ERROR, "reading the reference-data version failed", "{s:s}", "detail",
                   err.msg);
        } else if (changed) {
            /* The watcher reloads the layers now, not at its next poll. */
            pthread_mutex_lock(&rd->mu);
            rd->wake = true;
            pthread_cond_signal(&rd->cv);
            pthread_mutex_unlock(&rd->mu);
        }
    }
    pthread_mutex_lock(&rd->vmu);
    v = rd->version;
    if (v) v->refs++;
    pthread_mutex_unlock(&rd->vmu);
    return v;
}

void ge_refdata_version_release(const ge_ctx *ctx, const ge_refdata_version *v)
{
    ge_refdata *rd = ge_refdata_of(ctx);
    if (!rd || !v) return;
    pthread_mutex_lock(&rd->vmu);
    ge_refdata_version_unref((ge_refdata_version *)v);
    pthread_mutex_unlock(&rd->vmu);
}

/* ---- the layers in memory ----------------------------------------------------- */

/* Notices, then builds and publishes a new layer snapshot if the layer stamp
 * moved (or force). Serialised by reload_mu so that the watcher and an
 * explicit refresh never build twice. */
static int ge_refdata_reload_if_changed(ge_refdata *rd, bool force, ge_err *err)
{
    int64_t stamp = 0;
    bool changed;
    int rc;

    pthread_mutex_lock(&rd->reload_mu);
    pthread_mutex_lock(&rd->notice_mu);
    rc = ge_refdata_notice(rd, &stamp, &changed, err);
    pthread_mutex_unlock(&rd->notice_mu);
    if (rc < 0 || (!force && rd->loaded && stamp == rd->stamp)) goto out;
    rc = ge_refindex_reload(rd->ctx->refindex, rd->ctx->store, err);
    if (rc < 0) goto out;
    rd->stamp = stamp;
    rd->loaded = true;
    ge_refsnap *snap = ge_refindex_acquire(rd->ctx->refindex);
    size_t nlayers = snap ? ge_refsnap_layer_count(snap) : 0;
    size_t warnings =
        snap ? ge_services_check_layers(rd->ctx->services, snap, ge_refdata_warn, NULL) : 0;
    if (snap) ge_refsnap_release(snap);
    ge_log(GE_LOG_INFO, force ? "reference layers loaded" : "reference layers reloaded",
           "{s:i, s:I, s:i}", "layers", (int)nlayers, "stamp", (json_int_t)stamp,
           "service_warnings", (int)warnings);
out:
    pthread_mutex_unlock(&rd->reload_mu);
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
        while (!rd->stop && !rd->wake)
            if (pthread_cond_timedwait(&rd->cv, &rd->mu, &until) == ETIMEDOUT) break;
        if (rd->stop) break;
        rd->wake = false;
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

static void ge_refdata_destroy(ge_refdata *rd)
{
    pthread_mutex_destroy(&rd->mu);
    pthread_cond_destroy(&rd->cv);
    pthread_mutex_destroy(&rd->reload_mu);
    pthread_mutex_destroy(&rd->notice_mu);
    pthread_mutex_destroy(&rd->vmu);
    free(rd);
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
    ge_refdata_version_free(rd->version); /* every request holding it has ended */
    ge_refdata_destroy(rd);
}

int ge_refdata_open(ge_ctx *ctx, ge_err *err)
{
    char dir[PATH_MAX + 16];
    ge_refdata *rd = calloc(1, sizeof *rd);
    int rc;

    if (!rd) return ge_err_set(err, GE_ENOMEM, "out of memory");
    rd->ctx = ctx;
    ge_config_basemap_path(ctx->cfg, rd->basemap_path, sizeof rd->basemap_path);
    pthread_mutex_init(&rd->mu, NULL);
    pthread_cond_init(&rd->cv, NULL);
    pthread_mutex_init(&rd->reload_mu, NULL);
    pthread_mutex_init(&rd->notice_mu, NULL);
    pthread_mutex_init(&rd->vmu, NULL);
    ctx->refdata = rd;
    rc = ge_ctx_on_stop(ctx, ge_refdata_close, rd);
    if (rc < 0) {
        ctx->refdata = NULL;
        ge_refdata_destroy(rd);
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
