/*
 * handlers_cases.c - the form server's view of its cases (Bearer API key):
 *
 *   GET /v1/cases/{id}           status, service, reference, created, updated,
 *                                the content hash and whether the stored
 *                                features and report still match it, and
 *                                the location sentence of the first feature
 *                                (the report's, else made now: a case from
 *                                before the sentences)
 *   GET /v1/cases/{id}/features  the case's features as GeoJSON (crs selectable)
 *
 * A client sees only its own cases (another client's case: 404). Cases are
 * immutable, so the features answer carries a strong ETag derived from the
 * content hash and the CRS.
 *
 * GET /v1/cases/{id} carries the case's version as its ETag ("v3",
 * case_view.h), the same tag the caseworkers' view sends.
 *
 * Caseworkers reach both routes with their session cookie instead (review
 * contract): without an Authorization header the session decides, a case
 * of a service the user may not see is a 404, and GET /v1/cases/{id}
 * answers the caseworker's document (case_view.h).
 *
 * Finding, checking and describing the case are use cases
 * (geo/app/cases.h); the handlers parse, authorise, call and answer.
 */
#include <stdio.h>
#include <string.h>

#include "../geo/app/cases.h"
#include "app_http.h"
#include "case_view.h"
#include "forms_common.h"
#include "handlers.h"

/* The authenticated client's case named by {id}, or a 404 problem. */
static int ge_cases_lookup(ge_req *req, ge_resp *resp, const ge_client *client, ge_case *out)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    int rc;

    ge_app_result_init(&r);
    rc = ge_app_case_of_client(&app, client->id, ge_req_param(req, "id"), out, &r);
    if (rc < 0) rc = ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    return rc;
}

static int ge_cases_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_client client;
    json_t *doc = NULL;
    int64_t version = 0;
    int rc;

    if (!ge_case_view_has_bearer(req)) {
        ge_session s;
        rc = ge_session_require(req, resp, &s);
        if (rc < 0) return rc;
        rc = ge_case_view_send(req, resp, ud, &s, ge_req_param(req, "id"), 200);
        ge_session_clear(&s);
        return rc;
    }
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    ge_app_result_init(&r);
    rc = ge_app_case_view_client(&app, client.id, ge_req_param(req, "id"), &doc, &version, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
    } else {
        /* The case's version as its tag, as for caseworkers (case_view.h). */
        ge_case_view_set_etag(resp, version);
        rc = ge_forms_json(resp, 200, doc, NULL); /* takes doc */
    }
    ge_app_result_clear(&r);
    ge_client_clear(&client);
    return rc;
}

/* What the features answer and its 304 both carry. */
static void ge_cases_features_validators(ge_resp *resp, const char *tag)
{
    ge_resp_etag(resp, tag);
    ge_resp_cache(resp, "private, no-cache");
}

static int ge_cases_features(ge_req *req, ge_resp *resp, void *ud)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_client client;
    ge_case c;
    ge_crs crs;
    json_t *fc;
    char tag[140], purged_at[32] = "";
    int rc;

    (void)ud;
    memset(&c, 0, sizeof c);
    memset(&client, 0, sizeof client);
    ge_app_result_init(&r);
    if (ge_case_view_has_bearer(req)) {
        rc = ge_forms_auth(req, resp, &client);
        if (rc < 0) return rc;
        rc = ge_forms_crs_param(req, resp, &crs, NULL);
        if (rc == GE_OK) rc = ge_cases_lookup(req, resp, &client, &c);
    } else {
        ge_session s;
        rc = ge_session_require(req, resp, &s);
        if (rc < 0) return rc;
        rc = ge_forms_crs_param(req, resp, &crs, NULL);
        if (rc == GE_OK) rc = ge_case_view_find(req, resp, &s, &c, purged_at);
        ge_session_clear(&s);
    }
    if (rc < 0) goto err;
    /* A purge empties the features' properties but keeps the hash. */
    snprintf(tag, sizeof tag, "%.64s-%d%s%s", c.content_hash, crs.epsg, crs.latlon ? "-latlon" : "",
             purged_at[0] ? "-purged" : "");
    ge_forms_content_crs(resp, &crs);
    if (ge_req_etag_matches(req, tag)) {
        ge_cases_features_validators(resp, tag);
        rc = ge_resp_not_modified(resp, "application/geo+json");
        goto err;
    }
    rc = ge_app_case_features_out(&app, c.id, &crs, &fc, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto err;
    }
    ge_cases_features_validators(resp, tag);
    rc = ge_forms_json(resp, 200, fc, "application/geo+json");
err:
    ge_app_result_clear(&r);
    ge_case_clear(&c);
    ge_client_clear(&client);
    return rc;
}

int ge_handlers_cases_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    /* a caseworker's view re-checks the case: on the compute pool (compute.h) */
    int rc =
        ge_router_add_flags(r, "GET", "/v1/cases/{id}", ge_cases_get, ctx, GE_ROUTE_COMPUTE, err);
    if (rc == GE_OK)
        rc = ge_router_add(r, "GET", "/v1/cases/{id}/features", ge_cases_features, ctx, err);
    return rc;
}
