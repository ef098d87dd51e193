/*
 * handlers_export.c - GET /v1/export: the cases a caseworker may see, as a
 * file for their own tools (review contract, issue 7):
 *
 *   f      gpkg | shp | kml | csv | dxf | geojson (required)
 *   crs    as in the features API: CRS84, EPSG:4326, 3857, 25832, 25833;
 *          by default the store's metric CRS (EPSG:25832 or 25833), what
 *          CAD and desktop GIS in the office work in. KML is always CRS84;
 *          DXF only 25832 or 25833 (another: 400 naming those)
 *   service, status, from, to, bbox, q, limit, offset, purged
 *          the filters of GET /v1/cases (case_filter.h); without limit
 *          every matching case, at most GE_EXPORT_MAX_CASES
 *
 * One row per case feature with case_id, service, status, reference,
 * period_start, period_end, created, valid, feature, location and
 * location_en (export.h says what each format makes of them); no applicant
 * data and no feature properties. The location sentence is the one the
 * case's report stores, or for a report without it the one made now
 * against the current reference data (geo/app/case_location.h).
 * The answer is an attachment "cases-<UTC date>.<ext>" that is never
 * cached, with Content-Crs naming the CRS of the coordinates.
 *
 * The cases are listed first and their features read afterwards in one
 * read transaction (store_export.h), so that the handler never holds two
 * store connections at once (nested reads from a list callback could
 * exhaust the pool under load). Applicant data and feature properties are
 * never read.
 *
 * At most export_concurrency exports run at once across the server (slots.h).
 * An export takes its slot once the session and parameters are checked, and
 * gives it back when its request is over (ge_resp_on_done): the file is
 * built on the worker thread and then held in memory until the client has
 * read it, so a slow download still counts. A request that finds every slot
 * taken is answered at once with 503, Retry-After and the limit; no worker
 * ever waits for a slot. A client that stops reading holds its slot until
 * the connection times out (connection_timeout) or it goes away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/app/case_location.h"
#include "../geo/app/export.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/json_util.h"
#include "../geo/store/store_export.h"
#include "../geo/store/store_review.h"
#include "case_filter.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "slots.h"

/* The most cases one export holds (review contract). */
#define GE_EXPORT_MAX_CASES 10000

/* Retry-After of a refused export, in seconds: an export of the most cases
 * takes about a second to make and a few to download (bench/export), so a
 * slot is usually free again by then. */
#define GE_EXPORT_RETRY_AFTER 5

/* The module's state: the slots of the whole server. */
typedef struct ge_export_mod {
    const ge_ctx *ctx;
    ge_slots *slots;
} ge_export_mod;

/* What the export needs of a listed case. */
typedef struct ge_export_case {
    char id[40];
    char service[64];
    char status[32];
    char reference[260];
    char period_start[16];
    char period_end[16];
    char created[32];
    bool valid;
} ge_export_case;

typedef struct ge_export_cases {
    ge_export_case *v;
    size_t n, cap;
} ge_export_cases;

static int ge_export_collect(void *ud, const ge_case_summary *c)
{
    ge_export_cases *cs = ud;
    ge_export_case *e;

    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        ge_export_case *v = realloc(cs->v, cap * sizeof *v);
        if (!v) return GE_ENOMEM;
        cs->v = v;
        cs->cap = cap;
    }
    e = &cs->v[cs->n++];
    snprintf(e->id, sizeof e->id, "%s", c->id);
    snprintf(e->service, sizeof e->service, "%s", c->service);
    snprintf(e->status, sizeof e->status, "%s", c->status);
    snprintf(e->reference, sizeof e->reference, "%s", c->reference);
    snprintf(e->period_start, sizeof e->period_start, "%s", c->period_start);
    snprintf(e->period_end, sizeof e->period_end, "%s", c->period_end);
    snprintf(e->created, sizeof e->created, "%s", c->created_at);
    e->valid = c->valid;
    return 0;
}

typedef struct ge_export_feed {
    ge_export *x;
    const ge_export_case *cases;
    GEOSContextHandle_t h;
    const ge_refsnap *snap;      /* for sentences the reports lack; may be NULL */
    const ge_services *services; /* their clearances; may be NULL */
    size_t features;
    ge_err *err;
} ge_export_feed;

static int ge_export_feature(void *ud, const ge_store_export_feature *f)
{
    ge_export_feed *feed = ud;
    const ge_export_case *c = &feed->cases[f->case_index];
    const ge_service *svc =
        feed->services && !f->location ? ge_services_find(feed->services, c->service) : NULL;
    ge_err lerr;
    json_t *loc =
        ge_case_location_wkb(feed->h, feed->snap, svc, f->location, f->wkb, f->wkb_len, &lerr);
    ge_export_row row = {.case_id = c->id,
                         .service = c->service,
                         .status = c->status,
                         .reference = c->reference,
                         .period_start = c->period_start,
                         .period_end = c->period_end,
                         .created = c->created,
                         .valid = c->valid,
                         .feature = (int)f->idx,
                         .location = json_string_value(json_object_get(loc, "de")),
                         .location_en = json_string_value(json_object_get(loc, "en")),
                         .wkb = f->wkb,
                         .wkb_len = f->wkb_len};
    int rc;

    /* A sentence that cannot be made (GEOS failed on the feature) leaves the
     * cells empty; only memory fails the export. */
    if (!loc && lerr.code == GE_ENOMEM) return ge_err_set(feed->err, GE_ENOMEM, "out of memory");
    rc = ge_export_add(feed->x, &row, feed->err);
    json_decref(loc);
    if (rc < 0) return rc;
    feed->features++;
    return 0;
}

static int ge_export_params(ge_req *req, ge_resp *resp, ge_export_format *fmt, ge_crs *crs)
{
    const char *f = ge_req_query(req, "f");
    ge_err err;
    json_t *p;

    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const char *name = ge_req_query_at(req, i)->name;
        if (!strcmp(name, "f") || !strcmp(name, "crs") || ge_case_filter_is_param(name)) continue;
        p = ge_resp_problem(resp, req, 400,
                            GE_TR(req,
                                  DE("'%.64s' ist kein Parameter des Exports (f, crs, service, "
                                     "status, from, to, bbox, q, limit, offset, purged)."),
                                  EN("'%.64s' is not a parameter of the export (f, crs, service, "
                                     "status, from, to, bbox, q, limit, offset, purged).")),
                            name);
        if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(name));
        return GE_EINVAL;
    }
    if (ge_export_format_parse(f, fmt, &err) < 0) {
        if (f)
            p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("f: das Format '%.64s' wird nicht angeboten; eines von %s."),
                      EN("f: the format '%.64s' is not offered; one of %s.")),
                f, ge_export_format_names());
        else
            p = ge_resp_problem(resp, req, 400,
                                GE_TR(req, DE("f fehlt: das Dateiformat, eines von %s."),
                                      EN("f is required: the file format, one of %s.")),
                                ge_export_format_names());
        if (p) {
            json_t *allowed = json_array();
            for (int i = 0; i < GE_EXPORT_NFORMATS; i++)
                json_array_append_new(allowed,
                                      json_string(ge_export_format_name((ge_export_format)i)));
            json_object_set_new(p, "parameter", json_string("f"));
            json_object_set_new(p, "allowed", allowed);
        }
        return GE_EINVAL;
    }
    {
        bool explicit_crs = false;
        int rc = ge_forms_crs_param(req, resp, crs, &explicit_crs);
        if (rc < 0) return rc;
        if (!explicit_crs) *crs = ge_forms_store_crs(req);
    }
    if (!ge_export_crs_allowed(*fmt, crs)) {
        p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("crs: DXF wird für CAD in Metern geschrieben; %s ist nicht metrisch. "
                     "Erlaubt sind EPSG:25832 und EPSG:25833 (Standard ist das des Bestands, "
                     "EPSG:%d)."),
                  EN("crs: DXF is written in metres for CAD; %s is not metric. Allowed are "
                     "EPSG:25832 and EPSG:25833 (the default is the store's, EPSG:%d).")),
            ge_req_query(req, "crs"), ge_store_srid(req->ctx->store));
        if (p) {
            json_t *allowed = json_array();
            ge_crs utm;
            for (int epsg = 25832; epsg <= 25833; epsg++)
                if (ge_crs_from_epsg(epsg, &utm, NULL) == GE_OK)
                    json_array_append_new(allowed, json_string(ge_crs_uri(&utm)));
            json_object_set_new(p, "parameter", json_string("crs"));
            json_object_set_new(p, "allowed", allowed);
        }
        return GE_EINVAL;
    }
    return GE_OK;
}

/* The request is over (sent, failed or abandoned): the slot is free again.
 * The slot first, then the gauge, so that a gauge read as 0 means free. */
static void ge_export_slot_give(void *ud)
{
    ge_export_mod *mod = ud;

    ge_slots_give(mod->slots);
    if (mod->ctx->metrics) ge_metrics_export_end(mod->ctx->metrics);
}

/* Takes a slot for this request until it is over; or fills resp with the
 * 503 that says every slot is taken (GE_ELIMIT). */
static int ge_export_slot_take(ge_export_mod *mod, ge_req *req, ge_resp *resp, const ge_session *s)
{
    int limit = ge_slots_limit(mod->slots);
    char ra[16];
    json_t *p;

    if (ge_slots_try_take(mod->slots)) {
        if (mod->ctx->metrics) ge_metrics_export_begin(mod->ctx->metrics);
        ge_resp_on_done(resp, ge_export_slot_give, mod);
        return GE_OK;
    }
    if (mod->ctx->metrics) ge_metrics_export_refused(mod->ctx->metrics);
    p = ge_resp_problem(resp, req, 503,
                        GE_TR(req,
                              DE("Es laufen zu viele Exporte: dieser Server erstellt höchstens %d "
                                 "gleichzeitig (Einstellung export_concurrency). Bitte in %d "
                                 "Sekunden erneut versuchen."),
                              EN("Too many exports are running: this server makes at most %d at "
                                 "once (setting export_concurrency). Try again in %d seconds.")),
                        limit, GE_EXPORT_RETRY_AFTER);
    if (p) {
        json_object_set_new(p, "title",
                            json_string(GE_TR(req, DE("Zu viele Exporte gleichzeitig"),
                                              EN("Too many exports at once"))));
        json_object_set_new(p, "limit", json_integer(limit));
        json_object_set_new(p, "retry_after", json_integer(GE_EXPORT_RETRY_AFTER));
    }
    snprintf(ra, sizeof ra, "%d", GE_EXPORT_RETRY_AFTER);
    ge_resp_header(resp, "Retry-After", ra);
    ge_log(GE_LOG_WARN, "export refused: every export slot is taken", "{s:s, s:s, s:i}",
           "request_id", req->request_id, "user", s->user.name, "export_concurrency", limit);
    return GE_ELIMIT;
}

/* Content-Disposition for an export in format f made now (its UTC date). */
static void ge_export_disposition(ge_resp *resp, ge_export_format f, time_t now)
{
    char date[16], value[96];
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(value, sizeof value, "attachment; filename=\"cases-%s.%s\"", date,
             ge_export_extension(f));
    ge_resp_header(resp, "Content-Disposition", value);
}

static int ge_export_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_session s;
    ge_case_filter *filter = NULL;
    ge_export_cases cases = {0};
    const char **ids = NULL;
    ge_export *x = NULL;
    ge_refsnap *snap = NULL;
    ge_export_format fmt;
    ge_crs crs, out_crs;
    ge_err err;
    int64_t matched = 0;
    size_t features = 0;
    char *bytes = NULL;
    size_t len = 0;
    struct timespec t0, t1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = ge_session_require(req, resp, &s);
    if (rc < 0) return rc;
    rc = ge_export_params(req, resp, &fmt, &crs);
    if (rc < 0) goto out;
    /* The filter is large (lists of services): not on the worker's stack. */
    filter = malloc(sizeof *filter);
    if (!filter) {
        rc = ge_resp_error(resp, req, &(ge_err){GE_ENOMEM, "out of memory"});
        goto out;
    }
    rc = ge_case_filter_from_query_limits(req, resp, &s, GE_EXPORT_MAX_CASES, GE_EXPORT_MAX_CASES,
                                          filter);
    if (rc < 0) goto out;
    /* Only now: a request the checks above refuse takes no slot, and is
     * told what is wrong with it even while every slot is taken. */
    rc = ge_export_slot_take(ud, req, resp, &s);
    if (rc < 0) goto out;

    rc = ge_store_cases_list(req->ctx->store, filter, ge_export_collect, &cases, &matched, &err);
    if (rc < 0) {
        if (rc == GE_ENOMEM) ge_err_set(&err, GE_ENOMEM, "out of memory listing cases");
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    if (!ge_req_query(req, "limit") && matched - filter->offset > GE_EXPORT_MAX_CASES) {
        /* Without a limit the caseworker asked for everything: cutting it
         * off silently would make an export that looks complete but is not. */
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("Der Filter trifft %lld Fälle; ein Export fasst höchstens %d. Bitte den "
                     "Filter einschränken oder in Teilen mit limit und offset exportieren."),
                  EN("The filter matches %lld cases; an export holds at most %d. Narrow the "
                     "filter, or export in parts with limit and offset.")),
            (long long)matched, GE_EXPORT_MAX_CASES);
        if (p) {
            json_object_set_new(p, "parameter", json_string("limit"));
            json_object_set_new(p, "limit", json_integer(GE_EXPORT_MAX_CASES));
            json_object_set_new(p, "numberMatched", json_integer(matched));
        }
        rc = GE_EINVAL;
        goto out;
    }

    ids = malloc((cases.n ? cases.n : 1) * sizeof *ids);
    if (!ids) {
        rc = ge_resp_error(resp, req, &(ge_err){GE_ENOMEM, "out of memory"});
        goto out;
    }
    for (size_t i = 0; i < cases.n; i++)
        ids[i] = cases.v[i].id;
    snap = req->ctx->refindex ? ge_refindex_acquire(req->ctx->refindex) : NULL;
    rc = ge_export_begin(&x, fmt, ge_store_srid(req->ctx->store), &crs, &err);
    if (rc == GE_OK) {
        ge_export_feed feed = {.x = x,
                               .cases = cases.v,
                               .h = ge_geos_ctx(),
                               .snap = snap,
                               .services = req->ctx->services,
                               .err = &err};
        rc = ge_store_cases_features(req->ctx->store, ids, cases.n, ge_export_feature, &feed, &err);
        features = feed.features;
    }
    if (rc == GE_OK) {
        rc = ge_export_finish(x, ge_ctx_now(req->ctx), &bytes, &len, &err);
        x = NULL;
    }
    if (rc < 0) {
        /* Everything here was read from our own store: a failure is ours,
         * never the client's (a 5xx, with the message in the log only). */
        if (err.code == GE_EINVAL) err.code = GE_EINTERNAL;
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }

    out_crs = ge_export_output_crs(fmt, &crs);
    rc = ge_resp_take(resp, 200, ge_export_media_type(fmt), bytes, len);
    bytes = NULL;
    /* DXF is text and a GeoPackage mostly empty pages: both shrink to a
     * fifth or less for a client that accepts gzip (browsers store the
     * decoded file). Shapefiles come zipped already. */
    if (fmt == GE_EXPORT_DXF || fmt == GE_EXPORT_GPKG) resp->compressible = true;
    ge_export_disposition(resp, fmt, ge_ctx_now(req->ctx));
    ge_forms_content_crs(resp, &out_crs);
    ge_resp_cache(resp, "no-store");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ge_log(GE_LOG_INFO, "export", "{s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:i}", "request_id",
           req->request_id, "user", s.user.name, "format", ge_export_format_name(fmt), "epsg",
           out_crs.epsg, "cases", (int)cases.n, "features", (int)features, "bytes", (json_int_t)len,
           "ms", (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));

out:
    ge_export_abort(x);
    if (snap) ge_refsnap_release(snap);
    free(bytes);
    free(ids);
    free(cases.v);
    free(filter);
    ge_session_clear(&s);
    return rc;
}

static void ge_export_mod_free(void *ud)
{
    ge_export_mod *mod = ud;

    if (!mod) return;
    ge_slots_free(mod->slots);
    free(mod);
}

int ge_handlers_export_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int limit = ctx->cfg ? ctx->cfg->export_concurrency : 2;
    ge_export_mod *mod;
    int rc;

    /* config.c refuses it already; a caller with its own ge_config may not */
    if (limit < 1)
        return ge_err_set(err, GE_EINVAL, "setting 'export_concurrency': %d is below 1", limit);
    mod = calloc(1, sizeof *mod);
    if (!mod) return ge_err_set(err, GE_ENOMEM, "export: out of memory");
    mod->ctx = ctx;
    mod->slots = ge_slots_new(limit);
    if (!mod->slots) {
        ge_export_mod_free(mod);
        return ge_err_set(err, GE_ENOMEM, "export: out of memory");
    }
    /* Runs after the last request is over, so after every slot was given back. */
    rc = ge_ctx_on_stop(ctx, ge_export_mod_free, mod);
    if (rc < 0) {
        ge_export_mod_free(mod);
        return ge_err_set(err, rc, "export: cannot register the stop hook");
    }
    return ge_router_add(r, "GET", "/v1/export", ge_export_get, mod, err);
}
