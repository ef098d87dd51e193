/*
 * case_view.c - the caseworker's answer of GET /v1/cases/{id} (case_view.h):
 * the session's visibility and the crs parameter in, the use case's
 * document (geo/app/case_review.h) out with the case's entity tag; finding
 * a case the session may see for the other caseworker routes.
 */
#include "case_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_review.h"
#include "../geo/app/cases.h"
#include "app_http.h"
#include "case_filter.h"
#include "forms_common.h"

void ge_case_view_etag(int64_t version, char out[GE_CASE_VIEW_ETAG_MAX])
{
    ge_app_case_tag(version, out);
}

void ge_case_view_set_etag(ge_resp *resp, int64_t version)
{
    char tag[GE_CASE_VIEW_ETAG_MAX];
    ge_case_view_etag(version, tag);
    ge_resp_header(resp, "ETag", tag);
}

bool ge_case_view_etag_version(const char *opaque, int64_t *version)
{
    long long v = 0;

    /* Exactly what ge_case_view_etag writes: "v", then 1 to 18 digits
     * without a leading zero (no overflow, one spelling per version). */
    if (!opaque || opaque[0] != 'v' || opaque[1] < '1' || opaque[1] > '9') return false;
    for (const char *p = opaque + 1; *p; p++) {
        if (*p < '0' || *p > '9' || p - opaque > 18) return false;
        v = v * 10 + (*p - '0');
    }
    *version = (int64_t)v;
    return true;
}

int ge_case_view_not_found(ge_req *req, ge_resp *resp, const char *case_id)
{
    ge_app_result r;
    int rc;

    ge_app_result_init(&r);
    ge_app_case_not_visible(case_id, &r);
    rc = ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    return rc;
}

bool ge_case_view_has_bearer(const ge_req *req)
{
    return ge_req_header(req, "Authorization") != NULL;
}

int ge_case_view_who(ge_req *req, ge_resp *resp, const ge_session *s, ge_case_filter **who)
{
    ge_err err;
    int rc;

    /* some 8 KiB of fixed buffers: off the worker's stack */
    *who = malloc(sizeof **who);
    rc = *who ? ge_case_filter_from_session(s, *who, &err)
              : ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc < 0) {
        free(*who);
        *who = NULL;
        return ge_resp_error(resp, req, &err);
    }
    return GE_OK;
}

int ge_case_view_find(ge_req *req, ge_resp *resp, const ge_session *s, ge_case *out,
                      char *purged_out)
{
    ge_app app = ge_req_app(req);
    ge_case_filter *who = NULL;
    ge_app_result r;
    int rc = ge_case_view_who(req, resp, s, &who);

    if (rc < 0) return rc;
    ge_app_result_init(&r);
    rc = ge_app_case_find(&app, who, ge_req_param(req, "id"), out, NULL, purged_out, &r);
    if (rc < 0) rc = ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    free(who);
    return rc;
}

int ge_case_view_send(ge_req *req, ge_resp *resp, ge_ctx *ctx, const ge_session *s,
                      const char *case_id, unsigned http_status)
{
    ge_app app = ge_req_app(req);
    ge_case_filter *who = NULL;
    ge_app_result r;
    json_t *doc = NULL;
    int64_t version = 0;
    ge_crs crs;
    int rc;

    (void)ctx;
    rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc == GE_OK) rc = ge_case_view_who(req, resp, s, &who);
    if (rc < 0) return rc;
    ge_app_result_init(&r);
    rc = ge_app_case_review(&app, who, case_id, &crs, &doc, &version, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
    } else {
        ge_resp_cache(resp, "private, no-store");
        ge_case_view_set_etag(resp, version);
        rc = ge_forms_json(resp, (int)http_status, doc, NULL); /* takes doc */
    }
    ge_app_result_clear(&r);
    free(who);
    return rc;
}
