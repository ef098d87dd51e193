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
 *   PUT  /v1/edit/{token}/period     {period: {start, end}} -> the report for
 *                                    the saved drawing in the new period;
 *                                    only when the form server set the
 *                                    draft's option period_editable or
 *                                    opened the draft without a period
 *                                    (the applicant then holds it:
 *                                    period_editable becomes true); 403
 *                                    otherwise, 409 when it was withdrawn
 *                                    meanwhile. A period the service's rules
 *                                    refuse (too soon, too long) is saved and
 *                                    its reasons are in the report, as a
 *                                    drawing's are: the draft cannot be
 *                                    finished or submitted with it.
 *
 * A token that opens no draft answers 404; the token of a draft that has
 * expired or been submitted answers 410 Gone. The route parameter is named
 * "token", so the router never writes it to a log (router.h); responses never
 * echo it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/draft_check.h"
#include "../geo/app/drafts.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_out.h"
#include "app_http.h"
#include "forms_common.h"
#include "handlers.h"

static int ge_edit_get_features(ge_req *req, ge_resp *resp, void *ud)
{
    ge_app app = ge_req_app(req);
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
    fc = ge_app_features_out(&app, d.features, &crs, &err);
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

/* The parts every checking route parses: the open draft of the token, the
 * body's drawing (when needed, or when there is a body) and the crs. */
static int ge_edit_parse(ge_req *req, ge_resp *resp, bool need_body, ge_draft *d, char **text,
                         ge_crs *crs)
{
    int rc;

    memset(d, 0, sizeof *d);
    *text = NULL;
    rc = ge_forms_edit_draft(req, resp, d);
    if (rc == GE_OK && (need_body || req->body_len > 0))
        rc = ge_edit_body_features(req, resp, text);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, crs, NULL);
    return rc;
}

/* The three checking routes: parse, call the use case, answer. */
typedef enum ge_edit_op { GE_EDIT_SAVE, GE_EDIT_CHECK, GE_EDIT_FINISH } ge_edit_op;

static int ge_edit_run(ge_req *req, ge_resp *resp, ge_edit_op op)
{
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_draft d;
    char *text = NULL;
    json_t *report = NULL, *doc = NULL;
    ge_crs crs;
    int rc;

    ge_app_result_init(&r);
    rc = ge_edit_parse(req, resp, op == GE_EDIT_SAVE, &d, &text, &crs);
    if (rc < 0) goto err;
    switch (op) {
    case GE_EDIT_SAVE:
        rc = ge_app_draft_save(&app, &d, text, &crs, &report, &r);
        if (rc == GE_OK)
            doc = json_pack("{s:b, s:s, s:O}", "saved", 1, "updated", d.updated_at, "validation",
                            report);
        break;
    case GE_EDIT_CHECK:
        rc = ge_app_draft_check(&app, &d, text, &crs, &report, &r);
        if (rc == GE_OK) doc = json_incref(report);
        break;
    case GE_EDIT_FINISH:
        rc = ge_app_draft_finish(&app, &d, text, &crs, &doc, &r);
        break;
    }
    rc = rc < 0 ? ge_resp_app(resp, req, &r) : ge_forms_json(resp, 200, doc, NULL);
err:
    ge_app_result_clear(&r);
    json_decref(report);
    free(text);
    ge_draft_clear(&d);
    return rc;
}

static int ge_edit_put_features(ge_req *req, ge_resp *resp, void *ud)
{
    (void)ud;
    return ge_edit_run(req, resp, GE_EDIT_SAVE);
}

static int ge_edit_validate(ge_req *req, ge_resp *resp, void *ud)
{
    (void)ud;
    return ge_edit_run(req, resp, GE_EDIT_CHECK);
}

static int ge_edit_finish(ge_req *req, ge_resp *resp, void *ud)
{
    (void)ud;
    return ge_edit_run(req, resp, GE_EDIT_FINISH);
}

/* ---- PUT /v1/edit/{token}/period ----------------------------------------- */

/* 400 naming member: "<member>: <text><arg><tail>" (text in the request's
 * language). */
static int ge_edit_period_problem(ge_req *req, ge_resp *resp, const char *member, const char *text,
                                  const char *arg, const char *tail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s: %s%s%s", member, text, arg ? arg : "",
                                tail ? tail : "");
    if (p) json_object_set_new(p, "member", json_string(member));
    return GE_EINVAL;
}

/* The body's {period: {start, end}} as two parsed dates, every fault named
 * by its member in both languages. */
static int ge_edit_period_in(ge_req *req, ge_resp *resp, const json_t *body, const char **start,
                             const char **end)
{
    static const char *const members[] = {"start", "end", NULL};
    const json_t *v = json_object_get(body, "period");
    ge_date day[2];
    ge_err err;
    int rc;

    if (!json_is_object(v))
        return ge_edit_period_problem(
            req, resp, "period",
            GE_TR(req, DE("erwartet wird {\"start\": \"JJJJ-MM-TT\", \"end\": \"JJJJ-MM-TT\"}."),
                  EN("expected {\"start\": \"YYYY-MM-DD\", \"end\": \"YYYY-MM-DD\"}.")),
            NULL, NULL);
    rc = ge_forms_members(req, resp, v, "period", members);
    if (rc < 0) return rc;
    for (int i = 0; i < 2; i++) {
        const char *name = i ? "period.end" : "period.start";
        const json_t *d = json_object_get(v, i ? "end" : "start");
        if (!json_is_string(d) || ge_date_parse(json_string_value(d), &day[i], &err) < 0)
            return ge_edit_period_problem(
                req, resp, name,
                GE_TR(req, DE("erwartet wird ein Datum JJJJ-MM-TT, z. B. 2027-03-01."),
                      EN("expected a date YYYY-MM-DD, e.g. 2027-03-01.")),
                NULL, NULL);
    }
    *start = json_string_value(json_object_get(v, "start"));
    *end = json_string_value(json_object_get(v, "end"));
    if (day[1] < day[0])
        return ge_edit_period_problem(
            req, resp, "period.end",
            GE_TR(req, DE("das Ende liegt vor dem Beginn ("), EN("the end is before the start (")),
            *start, ").");
    return GE_OK;
}

static int ge_edit_put_period(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const members[] = {"period", NULL};
    ge_app app = ge_req_app(req);
    ge_draft d;
    json_t *body = NULL, *report = NULL, *p;
    const char *start = NULL, *end = NULL;
    char *report_text = NULL;
    ge_crs crs;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc == GE_OK) rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc == GE_OK) rc = ge_forms_body(req, resp, &body);
    if (rc == GE_OK) rc = ge_forms_members(req, resp, body, "the period change", members);
    if (rc == GE_OK) rc = ge_edit_period_in(req, resp, body, &start, &end);
    if (rc < 0) goto err;
    if (!d.period_editable && !d.period_start[0]) {
        /* the form server opened the draft without a period: the rules ask
         * for one, so the applicant gives it here - and keeps it (may
         * correct it) from now on, as with period_editable */
        ge_draft to = d;
        to.period_editable = true;
        rc = ge_store_draft_update(req->ctx->store, &d, &to, ge_app_now(&app), to.updated_at, &err);
        if (rc == GE_ECONFLICT) {
            p = ge_resp_problem(
                resp, req, 409, "%s",
                GE_TR(req,
                      DE("Der Antrag wurde gerade anderweitig geändert; der Zeitraum wurde "
                         "nicht geändert. Bitte versuchen Sie es noch einmal."),
                      EN("The application was changed meanwhile; the period was not "
                         "changed. Please try again.")));
            if (p) json_object_set_new(p, "member", json_string("period"));
            goto err;
        }
        if (rc == GE_EGONE) goto gone;
        if (rc < 0) {
            rc = ge_resp_error(resp, req, &err);
            goto err;
        }
        d.period_editable = true;
    }
    if (!d.period_editable) {
        p = ge_resp_problem(resp, req, 403, "%s",
                            GE_TR(req,
                                  DE("Das Formular legt den Zeitraum dieses Antrags fest; ändern "
                                     "Sie ihn im Formular, nicht auf der Karte."),
                                  EN("The form sets the period of this application; change it in "
                                     "the form, not on the map.")));
        if (p) json_object_set_new(p, "member", json_string("period"));
        rc = GE_ECONFLICT;
        goto err;
    }
    /* the rule engine judges the new period (lead time, length, conflicts) */
    rc = ge_app_validate_on(&app, d.id, d.service, d.features, start, end, ge_app_today(&app),
                            GE_RULES_CONFLICTS_ANONYMOUS, &crs, &report, &err);
    if (rc < 0) {
        rc = ge_forms_bad_member(req, resp, "period", &err);
        goto err;
    }
    report_text = json_dumps(report, GE_JSON_DUMP_FLAGS);
    if (!report_text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    rc = ge_store_draft_set_period(req->ctx->store, d.id, start, end, report_text, ge_app_now(&app),
                                   d.updated_at, &err);
    if (rc == GE_ECONFLICT) {
        p = ge_resp_problem(
            resp, req, 409, "%s",
            GE_TR(req,
                  DE("Das Formular erlaubt nicht mehr, den Zeitraum hier zu ändern; "
                     "der Zeitraum wurde nicht geändert."),
                  EN("The form no longer lets the period be changed here; the "
                     "period was not changed.")));
        if (p) json_object_set_new(p, "member", json_string("period"));
        goto err;
    }
    if (rc == GE_EGONE) {
    gone:
        ge_resp_problem(
            resp, req, 410, "%s",
            GE_TR(req,
                  DE("Dieser Antrag wurde eingereicht oder der Link ist abgelaufen; der "
                     "Zeitraum wurde nicht geändert."),
                  EN("This application was submitted or its link expired; the period "
                     "was not changed.")));
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    rc = ge_forms_json(resp, 200,
                       json_pack("{s:b, s:s, s:{s:s, s:s}, s:O}", "saved", 1, "updated",
                                 d.updated_at, "period", "start", start, "end", end, "validation",
                                 report),
                       NULL);
err:
    free(report_text);
    json_decref(report);
    json_decref(body);
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
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "PUT", "/v1/edit/{token}/period", ge_edit_put_period, ctx,
                                 GE_ROUTE_COMPUTE, err);
    return rc;
}
