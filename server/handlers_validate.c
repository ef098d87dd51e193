/*
 * handlers_validate.c - POST /v1/validate: an applicant's drawing checked
 * against a service's rules and the reference layers in memory, answered
 * with the report of geo/rules/rules.h (valid, violations with bilingual messages,
 * measures, unchecked rules).
 *
 * The body is {"service", "features", "period"?, "crs"?} (geo/app/validate.h).
 * The coordinates are CRS84 unless the request names another CRS, in the
 * query (?crs=URI) or in the body's "crs" member; the geometries of the
 * report come back in that same CRS, so a client that draws in EPSG:25833
 * never has to transform anything. A drawing that breaks rules is a 200 with
 * "valid": false; only a request we cannot read is a problem:
 *   400  not JSON, not GeoJSON, a bad member or coordinate (the detail names
 *        the JSON path, the value and the range)
 *   413  a body over max_body (the HTTP layer, before the handler runs)
 *   422  an unknown service (naming the known ones), too many features or
 *        vertices, JSON nested too deep (naming the limit)
 *
 * The response carries "Server-Timing: validate;dur=MS, cpu;dur=MS": the
 * wall-clock time from the body bytes to the response bytes (parse, rules,
 * serialisation) inside the server, and the CPU time this thread spent on it
 * (the same work without the time other processes took the core away, which
 * on a busy machine is most of the tail). bench/validate reports both.
 *
 * Conflict rules compare with other applicants' cases. This endpoint needs
 * no credential, and case data is not public (DESIGN.md section 5): even
 * the anonymous conflict warning of the editor shows where others occupy
 * a place, and a stream of probes that no one can be held to would map
 * where and when others applied. So opts.others stays empty here
 * and the report lists the conflict rules under "unchecked", with the reason
 * in German and English; the draft and editor validations (forms_common.c),
 * which know who asks, pass the open cases near by and tell conflicts
 * anonymously (geo/rules/rules.h).
 */
#include <geos_c.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/crs.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/json_util.h"
#include "../geo/rules/refindex.h"
#include "../geo/app/validate.h"
#include "handlers.h"

static double ge_validate_clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A 400 problem about a query parameter. */
static int ge_validate_bad_param(ge_resp *resp, const ge_req *req, const char *name,
                                 const char *detail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", detail);
    if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(name));
    return GE_EINVAL;
}

/* Reads the query: only "crs" is known; anything else is most likely a typo
 * that would otherwise be ignored silently. */
static int ge_validate_query(const ge_req *req, ge_resp *resp, ge_validate_opts *o)
{
    char detail[512];
    ge_err err;

    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const ge_query_arg *a = ge_req_query_at(req, i);
        if (strcmp(a->name, "crs") == 0) continue;
        snprintf(detail, sizeof detail,
                 GE_TR(req,
                       DE("Unbekannter Abfrageparameter '%.60s' (POST /v1/validate kennt: crs)."),
                       EN("Unknown query parameter '%.60s' (POST /v1/validate knows: crs).")),
                 a->name);
        return ge_validate_bad_param(resp, req, a->name, detail);
    }
    const char *crs = ge_req_query(req, "crs");
    if (!crs) return GE_OK;
    ge_err_clear(&err);
    if (ge_crs_parse(crs, &o->crs, &err) < 0) {
        snprintf(detail, sizeof detail, "crs: %s", err.msg);
        return ge_validate_bad_param(resp, req, "crs", detail);
    }
    o->crs_explicit = true;
    o->out_crs = o->crs;
    return GE_OK;
}

/* Maps the engine's codes onto problems; the message is the detail. */
static int ge_validate_fail(ge_resp *resp, const ge_req *req, const ge_validate_opts *o,
                            const ge_err *err)
{
    json_t *p, *known;

    if (err->code == GE_ENOENT) {
        /* An unknown service is a well-formed request we cannot process (422),
         * not a missing resource: /v1/validate exists. */
        p = ge_resp_problem(resp, req, 422, "%s", err->msg);
        if (!p) return err->code;
        known = json_array();
        for (size_t i = 0; i < ge_services_count(o->services); i++)
            json_array_append_new(known, json_string(ge_services_at(o->services, i)->id));
        json_object_set_new(p, "member", json_string("service"));
        json_object_set_new(p, "known", known);
        return err->code;
    }
    return ge_resp_error(resp, req, err); /* EINVAL 400, ELIMIT 422, others 500 */
}

static int ge_validate_post(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_ctx *ctx = req->ctx;
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_validate_opts o;
    ge_refsnap *snap = NULL;
    char *text = NULL, timing[96];
    double t0 = ge_validate_clock_ms(CLOCK_MONOTONIC);
    double c0 = ge_validate_clock_ms(CLOCK_THREAD_CPUTIME_ID);
    size_t len;
    ge_err err;
    int rc;

    ge_err_clear(&err);
    ge_validate_opts_init(&o);
    o.services = ctx->services;
    o.store_srid = ctx->cfg->srid;
    o.conflicts = GE_RULES_CONFLICTS_UNCHECKED; /* see the top of this file */
    o.today = ge_date_local(ge_ctx_now(ctx));   /* lead times by the server's clock */
    if (!h || !o.services) {
        rc = ge_err_set(&err, GE_EINTERNAL, "no %s", h ? "services loaded" : "GEOS context");
        goto fail;
    }
    rc = ge_validate_query(req, resp, &o);
    if (rc < 0) goto out; /* resp holds the problem */
    snap = ctx->refindex ? ge_refindex_acquire(ctx->refindex) : NULL;
    o.snap = snap;
    rc = ge_validate_report_text(h, req->body, req->body_len, &o, &text, &len, &err);
    if (rc < 0) goto fail;
    snprintf(timing, sizeof timing, "validate;dur=%.3f, cpu;dur=%.3f",
             ge_validate_clock_ms(CLOCK_MONOTONIC) - t0,
             ge_validate_clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0);
    rc = ge_resp_take(resp, 200, "application/json", text, len);
    text = NULL;
    if (rc == GE_OK) rc = ge_resp_header(resp, "Server-Timing", timing);
    goto out;
fail:
    rc = ge_validate_fail(resp, req, &o, &err);
out:
    if (snap) ge_refsnap_release(snap);
    free(text);
    return rc;
}

int ge_handlers_validate_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    return ge_router_add_flags(r, "POST", "/v1/validate", ge_validate_post, ctx,
                               GE_ROUTE_CORS | GE_ROUTE_COMPUTE, err);
}
