/*
 * handlers_review.c - the caseworkers' read routes (session cookie; review
 * contract, issue 7):
 *
 *   GET /v1/cases                  the filtered list (case_filter.h) in the
 *                                  order ?sort= asks (newest first by
 *                                  default), with numberMatched for paging,
 *                                  each case's number of conflicts and the
 *                                  location sentence of its first feature,
 *                                  and the morning's summary: the matching
 *                                  cases per status (whatever status the
 *                                  list asks for) and the open ones that
 *                                  start within the next 7 days
 *   GET /v1/cases/{id}/history     the case's events, oldest first
 *   GET /v1/cases/{id}/conflicts   other cases near it in place and time
 *                                  (within the service's conflict rule's
 *                                  distance unless ?distance= is given)
 *
 * A caseworker sees only cases of their services; a case they may not see
 * is a 404 like one that does not exist. The conflict list is the one
 * exception: it also names cases of other services (the place is taken),
 * but only as visible: false, without reference or applicant.
 * GET /v1/cases/{id} itself lives in handlers_cases.c (Bearer or session).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_location.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/json_util.h"
#include "../geo/core/token.h"
#include "../geo/rules/service.h"
#include "case_filter.h"
#include "case_view.h"
#include "forms_common.h"
#include "handlers.h"

/* At most this many conflicting cases are listed (nearest first). */
#define GE_REVIEW_MAX_CONFLICTS 200

/* "Starting soon" in the summary: from today to today + this many days. */
#define GE_REVIEW_SOON_DAYS 7

/* The store box -> CRS84 [minx, miny, maxx, maxy], rounded as GeoJSON is:
 * the edges are sampled because a UTM box is not a box in longitude and
 * latitude. */
#define GE_REVIEW_BBOX_SAMPLES 8

static json_t *ge_review_bbox_out(const ge_req *req, const double b[4])
{
    double pts[2 * 4 * GE_REVIEW_BBOX_SAMPLES], out[4];
    ge_crs store = ge_forms_store_crs(req);
    size_t n = 0;
    ge_err err;

    for (int i = 0; i < GE_REVIEW_BBOX_SAMPLES; i++) {
        double t = (double)i / (GE_REVIEW_BBOX_SAMPLES - 1);
        double x = b[0] + t * (b[2] - b[0]), y = b[1] + t * (b[3] - b[1]);
        pts[n++] = x, pts[n++] = b[1];
        pts[n++] = x, pts[n++] = b[3];
        pts[n++] = b[0], pts[n++] = y;
        pts[n++] = b[2], pts[n++] = y;
    }
    if (ge_crs_transform(&store, &GE_CRS84, pts, n / 2, &err) < 0) return json_null();
    out[0] = out[2] = pts[0];
    out[1] = out[3] = pts[1];
    for (size_t i = 0; i < n; i += 2) {
        out[0] = fmin(out[0], pts[i]);
        out[2] = fmax(out[2], pts[i]);
        out[1] = fmin(out[1], pts[i + 1]);
        out[3] = fmax(out[3], pts[i + 1]);
    }
    /* Outward to 7 decimals (~1 cm), so the box still holds the features. */
    return json_pack("[f, f, f, f]", floor(out[0] * 1e7) / 1e7, floor(out[1] * 1e7) / 1e7,
                     ceil(out[2] * 1e7) / 1e7, ceil(out[3] * 1e7) / 1e7);
}

static json_t *ge_review_period(const char *start, const char *end)
{
    return start[0] ? json_pack("{s:s, s:s}", "start", start, "end", end) : json_null();
}

typedef struct ge_review_list {
    const ge_req *req;
    json_t *cases;
    GEOSContextHandle_t h;
    const ge_refsnap *snap; /* for cases whose reports have no sentence; may be NULL */
} ge_review_list;

/* The first feature's location sentence (case_location.h): the report's,
 * else made now from the feature; null when none can be said (or GEOS
 * failed on the feature: the list does not fail for a sentence). NULL only
 * when out of memory. */
static json_t *ge_review_list_location(ge_review_list *l, const ge_case_summary *c)
{
    json_t *stored = c->location ? json_loads(c->location, 0, NULL) : NULL, *loc;
    const ge_services *ss = l->req->ctx->services;
    ge_err err;

    loc = ge_case_location_wkb(l->h, l->snap, ss ? ge_services_find(ss, c->service) : NULL, stored,
                               c->first_wkb, c->first_wkb_len, &err);
    json_decref(stored);
    if (!loc && err.code == GE_ENOMEM) return NULL;
    return loc ? loc : json_null();
}

static int ge_review_list_cb(void *ud, const ge_case_summary *c)
{
    ge_review_list *l = ud;
    /* NULL (out of memory) fails the pack, which drops what it took */
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s, s:s, s:s?, s:b, s:i, s:i, s:s?, s:o, s:o}",
                  "case_id", c->id, "service", c->service, "status", c->status, "reference",
                  c->reference[0] ? c->reference : NULL, "period",
                  ge_review_period(c->period_start, c->period_end), "created", c->created_at,
                  "updated", c->updated_at, "closed", c->closed_at[0] ? c->closed_at : NULL,
                  "valid", c->valid, "errors", c->errors, "warnings", c->warnings, "applicant_name",
                  c->applicant_name[0] ? c->applicant_name : NULL, "bbox",
                  c->has_bbox ? ge_review_bbox_out(l->req, c->bbox) : json_null(), "location",
                  ge_review_list_location(l, c));
    if (!o) return GE_ENOMEM;
    /* Members the web app reads are always present, null when empty. */
    if (!json_object_get(o, "reference")) json_object_set_new(o, "reference", json_null());
    if (!json_object_get(o, "closed")) json_object_set_new(o, "closed", json_null());
    if (!json_object_get(o, "applicant_name"))
        json_object_set_new(o, "applicant_name", json_null());
    if (c->purged_at[0]) json_object_set_new(o, "purged", json_string(c->purged_at));
    return json_array_append_new(l->cases, o) == 0 ? 0 : GE_ENOMEM;
}

/* Adds "conflicts" (how many cases conflict, as GET /v1/cases/{id}/conflicts
 * with its default distance lists them) to each case of the page, counted
 * in one store statement for the whole page. */
static int ge_review_count_conflicts(const ge_req *req, json_t *cases, ge_err *err)
{
    size_t n = json_array_size(cases), i;
    ge_case_conflict_query *q = calloc(n ? n : 1, sizeof *q);
    int *counts = calloc(n ? n : 1, sizeof *counts);
    json_t *c;
    int rc = q && counts ? GE_OK : ge_err_set(err, GE_ENOMEM, "out of memory");

    json_array_foreach(cases, i, c)
    {
        if (rc < 0) break;
        q[i].id = json_string_value(json_object_get(c, "case_id"));
        q[i].distance_m =
            ge_case_view_conflict_distance(req, json_string_value(json_object_get(c, "service")));
    }
    if (rc == GE_OK && n) rc = ge_store_cases_conflict_counts(req->ctx->store, q, n, counts, err);
    json_array_foreach(cases, i, c)
    {
        if (rc < 0) break;
        if (json_object_set_new(c, "conflicts", json_integer(counts[i])) < 0)
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    free(q);
    free(counts);
    return rc;
}

/* A 400 problem naming the first query parameter not in the filter's set
 * (a typo such as "stauts" must not silently list everything). */
static int ge_review_unknown_params(ge_req *req, ge_resp *resp, const char *const *extra)
{
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const char *name = ge_req_query_at(req, i)->name;
        bool known = ge_case_filter_is_param(name);
        for (size_t j = 0; !known && extra && extra[j]; j++)
            known = !strcmp(name, extra[j]);
        if (!known) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req,
                      DE("Unbekannter Parameter '%.60s'; bekannt sind service, status, from, to, "
                         "bbox, q, limit, offset, purged, sort."),
                      EN("Unknown parameter '%.60s'; known are service, status, from, to, bbox, q, "
                         "limit, offset, purged, sort.")),
                name);
            if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(name));
            return GE_EINVAL;
        }
    }
    return GE_OK;
}

/* ?sort=: one of the orders of store_review.h; default newest first. */
static int ge_review_sort(ge_req *req, ge_resp *resp, ge_case_filter *f)
{
    const char *v = ge_req_query(req, "sort");
    ge_case_order order = GE_CASE_ORDER_NEWEST;

    if (v && !ge_case_order_parse(v, &order)) {
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("sort: '%.40s' ist keine Reihenfolge der Liste; möglich sind start, newest, "
                     "oldest und reference."),
                  EN("sort: '%.40s' is not an order of the list; allowed are start, newest, "
                     "oldest and reference.")),
            v);
        if (p) {
            json_t *allowed = json_pack("[s, s, s, s]", "start", "newest", "oldest", "reference");
            json_object_set_new(p, "parameter", json_string("sort"));
            json_object_set_new(p, "allowed", allowed);
        }
        return GE_EINVAL;
    }
    f->order = order;
    return GE_OK;
}

/*
 * The morning's overview of the cases the filter matches apart from its
 * status: how many in each status, and how many open ones start from today
 * to GE_REVIEW_SOON_DAYS days ahead (the server's calendar day, said as
 * "today" so that the app counts the days to a start from the same day).
 */
static json_t *ge_review_summary(const ge_req *req, const ge_case_filter *f, ge_err *err)
{
    ge_date today = ge_date_local(ge_ctx_now(req->ctx)), until = today + GE_REVIEW_SOON_DAYS;
    char from_s[16], until_s[16];
    ge_case_counts n;
    json_t *by, *doc;
    int64_t open = 0, all = 0;

    ge_date_format_iso(today, from_s, sizeof from_s);
    ge_date_format_iso(until, until_s, sizeof until_s);
    if (ge_store_cases_counts(req->ctx->store, f, from_s, until_s, &n, err) < 0) return NULL;
    by = json_object();
    for (int i = 0; by && i < GE_CASE_NSTATUS; i++) {
        json_object_set_new(by, ge_case_status_name((ge_case_status)i),
                            json_integer((json_int_t)n.by_status[i]));
        all += n.by_status[i];
        if (!ge_case_status_closes((ge_case_status)i)) open += n.by_status[i];
    }
    all += n.other_status;
    doc = by ? json_pack("{s:s, s:o, s:I, s:I, s:I, s:{s:I, s:s, s:s}}", "today", from_s,
                         "statuses", by, "open", (json_int_t)open, "closed",
                         (json_int_t)(all - open - n.other_status), "total", (json_int_t)all,
                         "starting_soon", "count", (json_int_t)n.starting, "from", from_s, "until",
                         until_s)
             : NULL;
    if (!doc) ge_err_set(err, GE_ENOMEM, "out of memory");
    return doc;
}

static int ge_review_cases(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const extra[] = {"sort", NULL};
    ge_session s;
    ge_case_filter *f = NULL;
    ge_review_list l = {.req = req, .h = ge_geos_ctx()};
    ge_refsnap *snap = NULL;
    int64_t matched = 0;
    json_t *doc, *summary = NULL;
    ge_err err;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    if (rc < 0) return rc;
    /* The filter is some 8 KiB of fixed buffers: off the worker's stack. */
    f = malloc(sizeof *f);
    l.cases = json_array();
    if (!f || !l.cases) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        rc = ge_resp_error(resp, req, &err);
        goto done;
    }
    rc = ge_review_unknown_params(req, resp, extra);
    if (rc == GE_OK) rc = ge_case_filter_from_query(req, resp, &s, f);
    if (rc == GE_OK) rc = ge_review_sort(req, resp, f);
    if (rc < 0) goto done;
    snap = req->ctx->refindex ? ge_refindex_acquire(req->ctx->refindex) : NULL;
    l.snap = snap;
    rc = ge_store_cases_list(req->ctx->store, f, ge_review_list_cb, &l, &matched, &err);
    if (rc == GE_ENOMEM) rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc == GE_OK) rc = ge_review_count_conflicts(req, l.cases, &err);
    if (rc == GE_OK && !(summary = ge_review_summary(req, f, &err))) rc = err.code;
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto done;
    }
    doc = json_pack("{s:O, s:I, s:I, s:I, s:I, s:s, s:o}", "cases", l.cases, "numberMatched",
                    (json_int_t)matched, "numberReturned", (json_int_t)json_array_size(l.cases),
                    "limit", (json_int_t)f->limit, "offset", (json_int_t)f->offset, "sort",
                    ge_case_order_name((ge_case_order)f->order), "summary", summary);
    summary = NULL;
    ge_resp_cache(resp, "private, no-store");
    rc = ge_forms_json(resp, 200, doc, NULL);
done:
    if (snap) ge_refsnap_release(snap);
    json_decref(summary);
    json_decref(l.cases);
    free(f);
    ge_session_clear(&s);
    return rc;
}

static int ge_review_history(ge_req *req, ge_resp *resp, void *ud)
{
    ge_session s;
    ge_case c;
    json_t *doc;
    ge_err err;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    memset(&c, 0, sizeof c);
    if (rc < 0) return rc;
    rc = ge_case_view_find(req, resp, &s, &c, NULL);
    if (rc == GE_OK) {
        doc = ge_case_view_history(req->ctx->store, &s, c.id, &err);
        ge_resp_cache(resp, "private, no-store");
        rc = doc ? ge_forms_json(resp, 200, doc, NULL) : ge_resp_error(resp, req, &err);
    }
    ge_case_clear(&c);
    ge_session_clear(&s);
    return rc;
}

typedef struct ge_review_conflicts {
    ge_req *req;
    GEOSContextHandle_t h;
    const ge_crs *crs;
    json_t *cases;
    const ge_refsnap *snap; /* for the location sentences; may be NULL */
    ge_err *err;
} ge_review_conflicts;

static int ge_review_conflict_cb(void *ud, const ge_case_conflict *k)
{
    ge_review_conflicts *cc = ud;
    ge_crs store = ge_forms_store_crs(cc->req);
    ge_features fs = {0};
    json_t *o, *fc = NULL, *loc = NULL;
    int rc = ge_forms_case_features(cc->req, cc->h, k->id, &fs, cc->err);

    if (rc == GE_OK) {
        fc = ge_geojson_out_features(cc->h, &fs, &store, cc->crs, cc->err);
        if (!fc) rc = cc->err->code ? cc->err->code : GE_ENOMEM;
    }
    /* Where the other case is, in words (its first feature's sentence made
     * now: the dialog that asks before an approval over it names the
     * place); null when nothing can be said. */
    if (rc == GE_OK) {
        const ge_services *ss = cc->req->ctx->services;
        ge_err lerr;
        loc = fs.n ? ge_case_location(cc->h, cc->snap, ss ? ge_services_find(ss, k->service) : NULL,
                                      NULL, fs.items[0].geom, &lerr)
                   : NULL;
        if (!loc && fs.n && ge_case_location_fatal(lerr.code)) {
            *cc->err = lerr;
            rc = lerr.code;
        }
    }
    ge_features_free(cc->h, &fs);
    if (rc < 0) {
        json_decref(fc);
        return rc;
    }
    /* 1 mm is what the store keeps. */
    o = json_pack("{s:s, s:s, s:s, s:o, s:f, s:b, s:o, s:o}", "case_id", k->id, "service",
                  k->service, "status", k->status, "period",
                  ge_review_period(k->period_start, k->period_end), "distance_m",
                  round(k->distance_m * 1000.0) / 1000.0, "visible", k->visible, "features", fc,
                  "location", loc ? loc : json_null());
    if (!o) return ge_err_set(cc->err, GE_ENOMEM, "out of memory");
    if (k->visible)
        json_object_set_new(o, "reference",
                            k->reference[0] ? json_string(k->reference) : json_null());
    return json_array_append_new(cc->cases, o) == 0
               ? 0
               : ge_err_set(cc->err, GE_ENOMEM, "out of memory");
}

/* ?distance=: metres 0..500, default the service's conflict rule's
 * distance, else the conflict_distance setting. */
static int ge_review_distance(ge_req *req, ge_resp *resp, const char *service, double *out)
{
    const char *v = ge_req_query(req, "distance");
    char *end = NULL;
    double d;

    *out = ge_case_view_conflict_distance(req, service);
    if (!v) return GE_OK;
    d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || d < 0 || d > 500) {
        json_t *p =
            ge_resp_problem(resp, req, 400,
                            GE_TR(req, DE("distance: '%.40s' ist keine Meterzahl von 0 bis 500."),
                                  EN("distance: '%.40s' is not a number of metres from 0 to 500.")),
                            v);
        if (p) {
            json_object_set_new(p, "parameter", json_string("distance"));
            json_object_set_new(p, "limit", json_integer(500));
        }
        return GE_EINVAL;
    }
    *out = d;
    return GE_OK;
}

static int ge_review_conflicts_get(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const extra[] = {"distance", "crs", NULL};
    ge_session s;
    ge_case c;
    ge_case_filter *who = NULL;
    ge_refsnap *snap = NULL;
    ge_crs crs;
    double distance = 0;
    ge_err err;
    ge_review_conflicts cc = {.req = req, .h = ge_geos_ctx(), .crs = &crs, .err = &err};
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    memset(&c, 0, sizeof c);
    if (rc < 0) return rc;
    rc = ge_case_view_find(req, resp, &s, &c, NULL);
    if (rc < 0) goto done;
    /* Only crs and distance here; the filter's names would be ignored. */
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const char *name = ge_req_query_at(req, i)->name;
        if (strcmp(name, extra[0]) && strcmp(name, extra[1])) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("Unbekannter Parameter '%.60s'; bekannt sind distance und crs."),
                      EN("Unknown parameter '%.60s'; known are distance and crs.")),
                name);
            if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(name));
            rc = GE_EINVAL;
            goto done;
        }
    }
    rc = ge_review_distance(req, resp, c.service, &distance);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) goto done;
    who = malloc(sizeof *who);
    cc.cases = json_array();
    rc = who && cc.cases ? ge_case_filter_from_session(&s, who, &err)
                         : ge_err_set(&err, GE_ENOMEM, "out of memory");
    snap = req->ctx->refindex ? ge_refindex_acquire(req->ctx->refindex) : NULL;
    cc.snap = snap;
    if (rc == GE_OK)
        rc = ge_store_case_conflicts(req->ctx->store, c.id, distance, who, GE_REVIEW_MAX_CONFLICTS,
                                     ge_review_conflict_cb, &cc, &err);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto done;
    }
    ge_resp_cache(resp, "private, no-store");
    ge_forms_content_crs(resp, &crs);
    rc = ge_forms_json(resp, 200,
                       json_pack("{s:f, s:O}", "distance_m", distance, "cases", cc.cases), NULL);
done:
    if (snap) ge_refsnap_release(snap);
    json_decref(cc.cases);
    free(who);
    ge_case_clear(&c);
    ge_session_clear(&s);
    return rc;
}

int ge_handlers_review_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc = ge_router_add(r, "GET", "/v1/cases", ge_review_cases, ctx, err);
    if (rc == GE_OK)
        rc = ge_router_add(r, "GET", "/v1/cases/{id}/history", ge_review_history, ctx, err);
    if (rc == GE_OK)
        rc = ge_router_add(r, "GET", "/v1/cases/{id}/conflicts", ge_review_conflicts_get, ctx, err);
    return rc;
}
