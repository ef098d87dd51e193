/*
 * handlers_edit.c - the applicant's side of a draft, where the capability
 * token from editor_url is the only credential:
 *
 *   GET  /v1/edit/{token}/features   the drawing (crs selectable)
 *   PUT  /v1/edit/{token}/features   autosave: replaces the drawing (an empty
 *                                    FeatureCollection is fine) -> the report
 *   POST /v1/edit/{token}/validate   checks the drawing in the body, or the
 *                                    saved one when the body is empty
 *   POST /v1/edit/{token}/finish     saves the body's drawing if any, checks it
 *                                    and answers as the Munimap geoEDITOR
 *                                    protocol's finishGeoEditing_response:
 *                                    {success: true, geoJSON} or
 *                                    {success: false, message, missing}
 *
 * A token that opens no draft answers 404; the token of a draft that has
 * expired or been submitted answers 410 Gone. The route parameter is named
 * "token", so the router never writes it to a log (router.h); responses never
 * echo it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/geojson_out.h"
#include "../geo/core/token.h"
#include "forms_common.h"
#include "handlers.h"

static int ge_edit_get_features(ge_req *req, ge_resp *resp, void *ud)
{
    ge_draft d;
    ge_crs crs;
    json_t *fc;
    ge_err err;
    int rc;

    (void)ud;
    rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) return rc;
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc < 0) return rc;
    fc = ge_forms_features_out(req, d.features, &crs, &err);
    if (fc) {
        json_object_set_new(fc, "updated", json_string(d.updated_at));
        ge_forms_content_crs(resp, &crs);
        rc = ge_forms_json(resp, 200, fc, "application/geo+json");
    } else {
        rc = ge_resp_error(resp, req, &err);
    }
    ge_draft_clear(&d);
    return rc;
}

/* Reads the body's drawing into the stored form (store CRS text). */
static int ge_edit_body_features(ge_req *req, ge_resp *resp, char **text)
{
    json_t *body = NULL;
    ge_crs crs;
    bool crs_explicit;
    int rc = ge_forms_crs_param(req, resp, &crs, &crs_explicit);

    *text = NULL;
    if (rc == GE_OK) rc = ge_forms_body(req, resp, &body);
    if (rc == GE_OK) rc = ge_forms_features_in(req, resp, body, &crs, crs_explicit, NULL, text);
    json_decref(body);
    return rc;
}

/* Saves text into the draft; fills resp on failure (410 when it closed
 * meanwhile). */
static int ge_edit_save(ge_req *req, ge_resp *resp, ge_draft *d, const char *text,
                        const json_t *report)
{
    char *report_text = report ? json_dumps(report, GE_JSON_DUMP_FLAGS) : NULL;
    ge_err err;
    int rc = ge_store_draft_save(req->ctx->store, d->id, text, report_text, d->updated_at, &err);

    free(report_text);
    if (rc == GE_EGONE) {
        ge_resp_problem(resp, req, 410,
                        GE_TR(req,
                              "This application was submitted or its link expired; the "
                              "drawing was not saved.",
                              "Dieser Antrag wurde eingereicht oder der Link ist abgelaufen; "
                              "die Zeichnung wurde nicht gespeichert."));
        return rc;
    }
    if (rc < 0) return ge_resp_error(resp, req, &err);
    return GE_OK;
}

static int ge_edit_put_features(ge_req *req, ge_resp *resp, void *ud)
{
    ge_draft d;
    char *text = NULL;
    json_t *report = NULL;
    ge_crs crs;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc == GE_OK) rc = ge_edit_body_features(req, resp, &text);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) goto err;
    rc = ge_forms_validate(req, d.id, d.service, text, d.period_start, d.period_end, &crs, &report,
                           &err);
    if (rc < 0) {
        rc = ge_forms_bad_member(req, resp, "features", &err);
        goto err;
    }
    rc = ge_edit_save(req, resp, &d, text, report);
    if (rc == GE_OK)
        rc = ge_forms_json(
            resp, 200,
            json_pack("{s:b, s:s, s:O}", "saved", 1, "updated", d.updated_at, "validation", report),
            NULL);
err:
    json_decref(report);
    free(text);
    ge_draft_clear(&d);
    return rc;
}

static int ge_edit_validate(ge_req *req, ge_resp *resp, void *ud)
{
    ge_draft d;
    char *text = NULL;
    json_t *report = NULL;
    ge_crs crs;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc == GE_OK && req->body_len > 0) rc = ge_edit_body_features(req, resp, &text);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) goto err;
    rc = ge_forms_validate(req, d.id, d.service, text ? text : d.features, d.period_start,
                           d.period_end, &crs, &report, &err);
    if (rc < 0) {
        rc = ge_forms_bad_member(req, resp, "features", &err);
        goto err;
    }
    rc = ge_forms_json(resp, 200, json_incref(report), NULL);
err:
    json_decref(report);
    free(text);
    ge_draft_clear(&d);
    return rc;
}

/* "missing" of the Munimap protocol: the blocking problems in the draft's
 * language, one string each. */
static json_t *ge_edit_missing(const json_t *report, const char *locale)
{
    json_t *errors = ge_forms_report_errors(report), *out = json_array(), *e;
    size_t i;
    json_array_foreach(errors, i, e)
    {
        const char *m = json_string_value(json_object_get(json_object_get(e, "message"), locale));
        if (m) json_array_append_new(out, json_string(m));
    }
    json_decref(errors);
    return out;
}

static int ge_edit_finish(ge_req *req, ge_resp *resp, void *ud)
{
    ge_draft d;
    char *text = NULL;
    json_t *report = NULL, *doc = NULL;
    ge_crs crs;
    bool de;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc == GE_OK && req->body_len > 0) rc = ge_edit_body_features(req, resp, &text);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) goto err;
    rc = ge_forms_validate(req, d.id, d.service, text ? text : d.features, d.period_start,
                           d.period_end, &crs, &report, &err);
    if (rc < 0) {
        rc = ge_forms_bad_member(req, resp, "features", &err);
        goto err;
    }
    if (text) {
        rc = ge_edit_save(req, resp, &d, text, report);
        if (rc < 0) goto err;
    }
    de = strcmp(d.locale, "en") != 0;
    if (json_is_true(json_object_get(report, "valid"))) {
        json_t *fc = ge_forms_features_out(req, text ? text : d.features, &crs, &err);
        if (!fc) {
            rc = ge_resp_error(resp, req, &err);
            goto err;
        }
        doc = json_pack("{s:b, s:o, s:s, s:O}", "success", 1, "geoJSON", fc, "draft_id", d.id,
                        "validation", report);
    } else {
        json_t *missing = ge_edit_missing(report, de ? "de" : "en");
        size_t n = json_array_size(missing);
        char msg[160];
        snprintf(msg, sizeof msg,
                 de ? "Die Zeichnung kann noch nicht übernommen werden: %zu Problem%s zu beheben."
                    : "The drawing cannot be handed back yet: %zu problem%s to fix.",
                 n, de ? (n == 1 ? "" : "e") : (n == 1 ? "" : "s"));
        doc = json_pack("{s:b, s:s, s:o, s:s, s:O}", "success", 0, "message", msg, "missing",
                        missing, "draft_id", d.id, "validation", report);
    }
    rc = ge_forms_json(resp, 200, doc, NULL);
err:
    json_decref(report);
    free(text);
    ge_draft_clear(&d);
    return rc;
}

int ge_handlers_edit_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc = ge_router_add(r, "GET", "/v1/edit/{token}/features", ge_edit_get_features, ctx, err);
    /* the rule engine's routes: on the compute pool (compute.h) */
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "PUT", "/v1/edit/{token}/features", ge_edit_put_features, ctx,
                                 GE_ROUTE_COMPUTE, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "POST", "/v1/edit/{token}/validate", ge_edit_validate, ctx,
                                 GE_ROUTE_COMPUTE, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "POST", "/v1/edit/{token}/finish", ge_edit_finish, ctx,
                                 GE_ROUTE_COMPUTE, err);
    return rc;
}
