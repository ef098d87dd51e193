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
 * What each answer holds is the use cases' (geo/app/case_list.h,
 * case_review.h); these handlers parse, authorise, call and answer.
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

#include "../geo/app/case_list.h"
#include "../geo/app/case_review.h"
#include "../geo/app/cases.h"
#include "../geo/core/json_util.h"
#include "app_http.h"
#include "case_filter.h"
#include "case_view.h"
#include "forms_common.h"
#include "handlers.h"

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

static int ge_review_cases(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const extra[] = {"sort", NULL};
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_session s;
    ge_case_filter *f = NULL;
    json_t *doc = NULL;
    ge_err err;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    if (rc < 0) return rc;
    ge_app_result_init(&r);
    /* The filter is some 8 KiB of fixed buffers: off the worker's stack. */
    f = malloc(sizeof *f);
    if (!f) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        rc = ge_resp_error(resp, req, &err);
        goto done;
    }
    rc = ge_review_unknown_params(req, resp, extra);
    if (rc == GE_OK) rc = ge_case_filter_from_query(req, resp, &s, f);
    if (rc == GE_OK) rc = ge_review_sort(req, resp, f);
    if (rc < 0) goto done;
    rc = ge_app_cases_list(&app, f, &doc, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto done;
    }
    ge_resp_cache(resp, "private, no-store");
    rc = ge_forms_json(resp, 200, doc, NULL); /* takes doc */
done:
    ge_app_result_clear(&r);
    free(f);
    ge_session_clear(&s);
    return rc;
}

static int ge_review_history(ge_req *req, ge_resp *resp, void *ud)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_session s;
    ge_case c;
    ge_case_filter *who = NULL;
    json_t *doc;
    ge_err err;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    memset(&c, 0, sizeof c);
    if (rc < 0) return rc;
    ge_app_result_init(&r);
    rc = ge_case_view_who(req, resp, &s, &who);
    if (rc == GE_OK) {
        rc = ge_app_case_find(&app, who, ge_req_param(req, "id"), &c, NULL, NULL, &r);
        if (rc < 0) rc = ge_resp_app(resp, req, &r);
    }
    if (rc == GE_OK) {
        doc = ge_app_case_history(&app, who, c.id, &err);
        ge_resp_cache(resp, "private, no-store");
        rc = doc ? ge_forms_json(resp, 200, doc, NULL) : ge_resp_error(resp, req, &err);
    }
    ge_app_result_clear(&r);
    free(who);
    ge_case_clear(&c);
    ge_session_clear(&s);
    return rc;
}

/* ?distance=: metres 0..500, default the service's conflict rule's
 * distance, else the conflict_distance setting. */
static int ge_review_distance(ge_req *req, ge_resp *resp, const char *service, double *out)
{
    const char *v = ge_req_query(req, "distance");
    char *end = NULL;
    double d;

    ge_app app = ge_req_app(req);

    *out = ge_app_case_conflict_distance(&app, service);
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
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_session s;
    ge_case c;
    ge_case_filter *who = NULL;
    ge_crs crs;
    double distance = 0;
    json_t *doc = NULL;
    int rc = ge_session_require(req, resp, &s);

    (void)ud;
    memset(&c, 0, sizeof c);
    if (rc < 0) return rc;
    ge_app_result_init(&r);
    rc = ge_case_view_who(req, resp, &s, &who);
    if (rc < 0) goto done;
    rc = ge_app_case_find(&app, who, ge_req_param(req, "id"), &c, NULL, NULL, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto done;
    }
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
    rc = ge_app_case_conflicts(&app, who, &c, distance, &crs, &doc, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto done;
    }
    ge_resp_cache(resp, "private, no-store");
    ge_forms_content_crs(resp, &crs);
    rc = ge_forms_json(resp, 200, doc, NULL); /* takes doc */
done:
    ge_app_result_clear(&r);
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
