/*
 * handlers_export.c - GET /v1/export: the cases a caseworker may see, as a
 * file for their own tools (review contract, issue 7):
 *
 *   f      gpkg | shp | kml | csv | dxf | geojson (required)
 *   crs    as in the features API: CRS84, EPSG:4326, 3857, 25832, 25833;
 *          by default the store's metric CRS (EPSG:25832 or 25833), what
 *          CAD and desktop GIS in the office work in - but GeoJSON's
 *          default is CRS84 (RFC 7946; another CRS asked for is named in a
 *          "crs" member). KML is always CRS84; DXF only 25832 or 25833
 *          (another: 400 naming those)
 *   service, status, from, to, bbox, q, limit, offset, purged
 *          the filters of GET /v1/cases (case_filter.h); without limit
 *          every matching case, at most GE_APP_EXPORT_MAX_CASES
 *
 * What the file holds and how it is made is the use case's
 * (geo/app/case_export.h: one row per case feature, no applicant data and
 * no feature properties); this handler parses, authorises, takes a slot,
 * calls and answers. The answer is an attachment "cases-<UTC date>.<ext>"
 * that is never cached, with Content-Crs naming the CRS of the
 * coordinates.
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

#include "../geo/app/case_export.h"
#include "../geo/app/export.h"
#include "../geo/core/json_util.h"
#include "../geo/store/store_review.h"
#include "app_http.h"
#include "case_filter.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "session.h"
#include "slots.h"

/* Retry-After of a refused export, in seconds: an export of the most cases
 * takes about a second to make and a few to download (bench/export), so a
 * slot is usually free again by then. */
#define GE_EXPORT_RETRY_AFTER 5

/* The module's state: the slots of the whole server. */
typedef struct ge_export_mod {
    const ge_ctx *ctx;
    ge_slots *slots;
} ge_export_mod;

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
        /* GeoJSON is CRS84 by definition (RFC 7946); the other formats go to
         * office GIS and CAD in the store's metres */
        if (!explicit_crs) *crs = *fmt == GE_EXPORT_GEOJSON ? GE_CRS84 : ge_forms_store_crs(req);
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

/* Content-Disposition for today's (UTC, by the context's clock) export in
 * format f. */
static void ge_export_disposition(ge_resp *resp, const ge_app *app, ge_export_format f)
{
    char name[64], value[96];

    ge_app_export_file_name(app, f, name, sizeof name);
    snprintf(value, sizeof value, "attachment; filename=\"%s\"", name);
    ge_resp_header(resp, "Content-Disposition", value);
}

static int ge_export_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_app_export_file file = {0};
    ge_session s;
    ge_case_filter *filter = NULL;
    ge_export_format fmt;
    ge_crs crs;
    struct timespec t0, t1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    ge_app_result_init(&r);
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
    rc = ge_case_filter_from_query_limits(req, resp, &s, GE_APP_EXPORT_MAX_CASES,
                                          GE_APP_EXPORT_MAX_CASES, filter);
    if (rc < 0) goto out;
    /* Only now: a request the checks above refuse takes no slot, and is
     * told what is wrong with it even while every slot is taken. */
    rc = ge_export_slot_take(ud, req, resp, &s);
    if (rc < 0) goto out;
    rc = ge_app_cases_export(&app, filter, fmt, &crs, ge_req_query(req, "limit") != NULL,
                             ge_req_lang(req) == GE_LANG_DE, &file, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto out;
    }
    rc = ge_resp_take(resp, 200, ge_export_media_type(fmt), file.bytes, file.len);
    file.bytes = NULL;
    /* DXF is text and a GeoPackage mostly empty pages: both shrink to a
     * fifth or less for a client that accepts gzip (browsers store the
     * decoded file). Shapefiles come zipped already. */
    if (fmt == GE_EXPORT_DXF || fmt == GE_EXPORT_GPKG) resp->compressible = true;
    ge_export_disposition(resp, &app, fmt);
    ge_forms_content_crs(resp, &file.crs);
    ge_resp_cache(resp, "no-store");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ge_log(GE_LOG_INFO, "export", "{s:s, s:s, s:s, s:i, s:i, s:i, s:I, s:i}", "request_id",
           req->request_id, "user", s.user.name, "format", ge_export_format_name(fmt), "epsg",
           file.crs.epsg, "cases", (int)file.cases, "features", (int)file.features, "bytes",
           (json_int_t)file.len, "ms",
           (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
out:
    free(file.bytes);
    ge_app_result_clear(&r);
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
