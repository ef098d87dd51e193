/*
 * handlers_drafts.c - the form server's side of drafts (Bearer API key):
 *
 *   POST /v1/drafts              {service, reference, locale?, period?, features?,
 *                                 options?, expires_in?} -> 201 {id, editor_url,
 *                                 expires_at}
 *   GET  /v1/drafts/{id}         features (crs selectable), a fresh validation
 *                                report, status open|submitted|expired
 *   PATCH /v1/drafts/{id}        {reference?, locale?, period?, features?, options?} with
 *                                If-Match: the ETag of GET -> 200 as GET
 *   POST /v1/drafts/{id}/submit  {reference?, applicant, period?} with an
 *                                Idempotency-Key header -> 201 {case_id, ...}
 *
 * A client sees only its own drafts: another client's draft answers 404,
 * exactly like one that does not exist. The capability token in editor_url
 * is made here, shown in this one response and stored only as a hash.
 *
 * options: {period_editable: true} lets the applicant change the period in
 * the editor (handlers_edit.c); without it the editor only shows it.
 *
 * GET sends an ETag naming the draft's state (ge_app_draft_tag). PATCH needs
 * If-Match with it (428 without, 412 when the applicant's autosave or
 * another PATCH changed the draft since), and the store re-checks that
 * state inside its UPDATE, so no change is ever overwritten unseen. A
 * submitted draft answers 409, an expired one 410, as submit does.
 *
 * Submission validates the draft's features with the engine first (outside
 * any transaction: it is the slow part), then hands everything to
 * ge_store_case_submit, which re-checks inside the write transaction that
 * the key is unused and the draft unchanged - so neither a concurrent retry
 * nor an autosave racing the submission can make two cases or a case of
 * features nobody validated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/cases.h"
#include "../geo/app/draft_check.h"
#include "../geo/app/drafts.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/token.h"
#include "../geo/rules/rules.h"
#include "../geo/rules/service.h"
#include "app_http.h"
#include "forms_common.h"
#include "handlers.h"

#define GE_DRAFT_REFERENCE_MAX 256
#define GE_APPLICANT_MAX       16384
#define GE_IDEMPOTENCY_KEY_MAX 255

/* ---- POST /v1/drafts ----------------------------------------------------- */

static int ge_drafts_problem_member(ge_req *req, ge_resp *resp, int status, const char *member,
                                    ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));
    if (p) json_object_set_new(p, "member", json_string(member));
    return GE_EINVAL;
}

/* reference: a non-empty string of at most 256 bytes (required or not). */
static int ge_drafts_reference(ge_req *req, ge_resp *resp, const json_t *body, bool required,
                               const char **out)
{
    const json_t *v = json_object_get(body, "reference");
    *out = NULL;
    if (!v && !required) return GE_OK;
    if (!v)
        return ge_drafts_problem_member(req, resp, 400, "reference",
                                        GE_TEXT(DE("reference: fehlt; geben Sie das Zeichen des "
                                                   "Formulars an (z. B. die Antragsnummer)."),
                                                EN("reference: missing; give the form's reference "
                                                   "(e.g. the application number).")));
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > GE_DRAFT_REFERENCE_MAX)
        return ge_drafts_problem_member(
            req, resp, 400, "reference",
            GE_TEXT(DE("reference: erwartet wird eine Zeichenkette mit 1 bis 256 Zeichen."),
                    EN("reference: expected a string of 1 to 256 characters.")));
    *out = json_string_value(v);
    return GE_OK;
}

/* period: optional {start, end}; start and end point into body. */
static int ge_drafts_period(ge_req *req, ge_resp *resp, const json_t *body, const char **start,
                            const char **end)
{
    const json_t *v = json_object_get(body, "period");
    ge_period p;
    ge_err err;

    *start = *end = NULL;
    if (!v || json_is_null(v)) return GE_OK;
    if (ge_rules_period_from_json(v, &p, &err) < 0) {
        ge_err_prefix(&err, "period");
        return ge_forms_bad_member(req, resp, "period", &err);
    }
    *start = json_string_value(json_object_get(v, "start"));
    *end = json_string_value(json_object_get(v, "end"));
    return GE_OK;
}

/* options: optional {period_editable?: boolean}; *given tells whether the
 * body had it, so that PATCH keeps what it does not name. */
static int ge_drafts_options(ge_req *req, ge_resp *resp, const json_t *body, bool *period_editable,
                             bool *given)
{
    const json_t *v = json_object_get(body, "options"), *m;
    const char *key;

    *given = false;
    if (!v) return GE_OK;
    if (!json_is_object(v))
        return ge_drafts_problem_member(
            req, resp, 400, "options",
            GE_TEXT(DE("options: erwartet wird ein Objekt wie {\"period_editable\": true}."),
                    EN("options: expected an object such as {\"period_editable\": true}.")));
    json_object_foreach((json_t *)v, key, m)
    {
        if (strcmp(key, "period_editable") != 0) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("options: unbekanntes Element '%.60s' (bekannt: period_editable)."),
                      EN("options: unknown member '%.60s' (known: period_editable).")),
                key);
            if (p) json_object_set_new(p, "member", json_string("options"));
            return GE_EINVAL;
        }
    }
    m = json_object_get(v, "period_editable");
    if (m && !json_is_boolean(m))
        return ge_drafts_problem_member(req, resp, 400, "options.period_editable",
                                        GE_TEXT(DE("options.period_editable: erwartet wird true "
                                                   "(die antragstellende Person darf den "
                                                   "Zeitraum im Editor ändern) oder false."),
                                                EN("options.period_editable: expected true (the "
                                                   "applicant may change the period in the "
                                                   "editor) or false.")));
    if (m) {
        *period_editable = json_is_true(m);
        *given = true;
    }
    return GE_OK;
}

static int ge_drafts_service(ge_req *req, ge_resp *resp, const json_t *body, const ge_service **out)
{
    const json_t *v = json_object_get(body, "service");
    const ge_services *ss = req->ctx->services;
    char known[256] = "";
    json_t *p;

    if (!v || !json_is_string(v))
        return ge_drafts_problem_member(
            req, resp, 400, "service",
            GE_TEXT(DE("service: erwartet wird die Kennung eines Verfahrens (GET /v1/services "
                       "listet sie)."),
                    EN("service: expected the id of a service (GET /v1/services lists them).")));
    *out = ss ? ge_services_find(ss, json_string_value(v)) : NULL;
    if (*out) return GE_OK;
    for (size_t i = 0; ss && i < ge_services_count(ss); i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 ge_services_at(ss, i)->id);
    p = ge_resp_problem(resp, req, 422,
                        GE_TR(req, DE("service: '%.60s' gibt es nicht (bekannt: %s)."),
                              EN("service: '%.60s' does not exist (known: %s).")),
                        json_string_value(v), known[0] ? known : "-");
    if (p) json_object_set_new(p, "member", json_string("service"));
    return GE_EINVAL;
}

static int ge_drafts_create(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const members[] = {"service",  "reference", "locale",     "period",
                                          "features", "options",   "expires_in", NULL};
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_client client;
    ge_draft d;
    json_t *body = NULL, *v, *doc;
    const ge_service *svc = NULL;
    const char *reference, *pstart, *pend;
    char token[GE_TOKEN_MAX] = "", base[256], *url = NULL, *features = NULL;
    ge_crs crs;
    bool crs_explicit, options_given, period_editable = false;
    long expires_in = req->ctx->cfg->draft_lifetime;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    ge_app_result_init(&r);
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_forms_crs_param(req, resp, &crs, &crs_explicit);
    if (rc == GE_OK) rc = ge_forms_body(req, resp, &body);
    if (rc == GE_OK) rc = ge_forms_members(req, resp, body, "the draft", members);
    if (rc == GE_OK) rc = ge_drafts_service(req, resp, body, &svc);
    if (rc == GE_OK) rc = ge_drafts_reference(req, resp, body, true, &reference);
    if (rc == GE_OK) rc = ge_drafts_period(req, resp, body, &pstart, &pend);
    if (rc == GE_OK) rc = ge_drafts_options(req, resp, body, &period_editable, &options_given);
    if (rc < 0) goto err;
    v = json_object_get(body, "locale");
    if (v && !(json_is_string(v) && (strcmp(json_string_value(v), "de") == 0 ||
                                     strcmp(json_string_value(v), "en") == 0))) {
        rc = ge_drafts_problem_member(req, resp, 400, "locale",
                                      GE_TEXT(DE("locale: erwartet wird \"de\" oder \"en\"."),
                                              EN("locale: expected \"de\" or \"en\".")));
        goto err;
    }
    v = json_object_get(body, "expires_in");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > req->ctx->cfg->draft_lifetime) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("expires_in: erwartet werden ganze Sekunden von 1 bis %d."),
                      EN("expires_in: expected whole seconds from 1 to %d.")),
                req->ctx->cfg->draft_lifetime);
            if (p) {
                json_object_set_new(p, "member", json_string("expires_in"));
                json_object_set_new(p, "limit", json_integer(req->ctx->cfg->draft_lifetime));
            }
            rc = GE_EINVAL;
            goto err;
        }
        expires_in = (long)json_integer_value(v);
    }
    v = json_object_get(body, "features");
    if (v && !json_is_null(v)) {
        rc = ge_forms_features_in(req, resp, v, &crs, crs_explicit, "features", &features);
        if (rc < 0) goto err;
    }

    v = json_object_get(body, "locale");
    ge_app_draft_new in = {
        .client_id = client.id,
        .service = svc->id,
        .reference = reference,
        .locale = v ? json_string_value(v) : NULL,
        .period_start = pstart,
        .period_end = pend,
        .features = features,
        .period_editable = period_editable,
        .expires_in = expires_in,
    };
    rc = ge_app_draft_create(&app, &in, &d, token, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto err;
    }
    ge_req_base_url(req, base, sizeof base);
    url = malloc(strlen(base) + strlen(token) + 8);
    if (!url) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    sprintf(url, "%s/edit/%s", base, token);
    doc =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:b}}", "id", d.id, "editor_url", url,
                  "expires_at", d.expires_at, "status", "open", "service", d.service, "reference",
                  d.reference, "locale", d.locale, "options", "period_editable", d.period_editable);
    snprintf(base, sizeof base, "/v1/drafts/%s", d.id);
    ge_resp_header(resp, "Location", base);
    rc = ge_forms_json(resp, 201, doc, NULL);
err:
    if (url) {
        memset(url, 0, strlen(url));
        free(url);
    }
    memset(token, 0, sizeof token);
    free(features);
    ge_app_result_clear(&r);
    ge_draft_clear(&d);
    ge_client_clear(&client);
    json_decref(body);
    return rc;
}

/* ---- GET /v1/drafts/{id} ------------------------------------------------- */

/* The form server's view of a draft (GET, and PATCH's answer) with its ETag. */
static int ge_drafts_send(ge_req *req, ge_resp *resp, const ge_draft *d, const ge_crs *crs)
{
    ge_app app = ge_req_app(req);
    json_t *fc = NULL, *report = NULL, *doc;
    char tag[GE_APP_DRAFT_TAG_MAX], quoted[GE_APP_DRAFT_TAG_MAX + 2];
    ge_err err;
    int rc = GE_OK;

    fc = ge_app_features_out(&app, d->features, crs, &err);
    if (fc)
        rc = ge_app_validate_on(&app, d->id, d->service, d->features, d->period_start,
                                d->period_end, ge_app_today(&app), GE_RULES_CONFLICTS_ANONYMOUS,
                                crs, &report, &err);
    if (!fc || rc < 0) {
        json_decref(fc);
        return ge_resp_error(resp, req, &err);
    }
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:o}", "id", d->id,
                    "status", ge_app_draft_status(&app, d), "service", d->service, "reference",
                    d->reference, "locale", d->locale, "expires_at", d->expires_at, "created",
                    d->created_at, "updated", d->updated_at, "submitted",
                    d->submitted_at[0] ? d->submitted_at : NULL, "features", fc, "validation",
                    report);
    if (doc && d->period_start[0])
        json_object_set_new(
            doc, "period", json_pack("{s:s, s:s}", "start", d->period_start, "end", d->period_end));
    if (doc)
        json_object_set_new(doc, "options",
                            json_pack("{s:b}", "period_editable", d->period_editable));
    /* As a plain header, not ge_resp_etag: the tag names the draft's state,
     * while the answer's report is made fresh on every read (reference data,
     * other applications), so If-None-Match must never answer 304 here. */
    ge_app_draft_tag(d, tag);
    snprintf(quoted, sizeof quoted, "\"%s\"", tag);
    ge_resp_header(resp, "ETag", quoted);
    ge_forms_content_crs(resp, crs);
    return ge_forms_json(resp, 200, doc, NULL);
}

static int ge_drafts_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_client client;
    ge_draft d;
    ge_crs crs;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc == GE_OK) rc = ge_forms_client_draft(req, resp, &client, &d);
    if (rc == GE_OK) rc = ge_drafts_send(req, resp, &d, &crs);
    ge_draft_clear(&d);
    ge_client_clear(&client);
    return rc;
}

/* ---- PATCH /v1/drafts/{id} ----------------------------------------------- */

static int ge_drafts_if_match_problem(ge_req *req, ge_resp *resp, int status, const char *tag)
{
    json_t *p;
    if (status == 428)
        p = ge_resp_problem(
            resp, req, 428,
            GE_TR(req,
                  DE("Eine Änderung des Entwurfs braucht If-Match mit seinem ETag (aus GET "
                     "/v1/drafts/{id}), damit keine Änderung der antragstellenden Person "
                     "ungesehen überschrieben wird; der aktuelle ist \"%s\"."),
                  EN("Changing a draft needs If-Match with its ETag (from GET /v1/drafts/{id}), "
                     "so that no change of the applicant is overwritten unseen; the current one "
                     "is \"%s\".")),
            tag);
    else if (status == 412)
        p = ge_resp_problem(
            resp, req, 412,
            GE_TR(req,
                  DE("Der Entwurf hat sich geändert, seit Sie ihn gelesen haben (If-Match nennt "
                     "nicht seinen aktuellen ETag \"%s\"); lesen Sie ihn neu und entscheiden "
                     "Sie erneut."),
                  EN("The draft has changed since you read it (If-Match does not name its "
                     "current ETag \"%s\"); read it again and decide anew.")),
            tag);
    else
        p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("If-Match muss * oder Entity-Tags in doppelten Anführungszeichen sein, "
                     "z. B. \"%s\"."),
                  EN("If-Match must be * or entity tags in double quotes, e.g. \"%s\".")),
            tag);
    if (p) {
        json_object_set_new(p, "header", json_string("If-Match"));
        if (status != 400) json_object_set_new(p, "etag", json_string(tag));
    }
    return status == 400 ? GE_EINVAL : GE_ECONFLICT;
}

/*
 * If-Match (RFC 9110 13.1.1) against the draft's tag: "*" or a list of
 * entity tags, one of which must be the current tag (or its gzip form
 * "<tag>-gz", as compressed answers elsewhere carry it); weak tags never
 * match.
 * GE_OK or a 400/412/428 problem.
 */
static int ge_drafts_if_match(ge_req *req, ge_resp *resp, const char *tag)
{
    const char *h = ge_req_header(req, "If-Match"), *p;
    size_t tl = strlen(tag);
    bool found = false;

    if (!h) return ge_drafts_if_match_problem(req, resp, 428, tag);
    p = h + strspn(h, " \t");
    if (strncmp(p, "*", 1) == 0 && p[1 + strspn(p + 1, " \t")] == '\0') return GE_OK;
    if (!*p) return ge_drafts_if_match_problem(req, resp, 400, tag);
    while (*p) {
        bool weak = strncmp(p, "W/", 2) == 0;
        const char *end;
        size_t n;
        if (weak) p += 2;
        if (*p != '"') return ge_drafts_if_match_problem(req, resp, 400, tag);
        end = strchr(p + 1, '"');
        if (!end) return ge_drafts_if_match_problem(req, resp, 400, tag);
        n = (size_t)(end - p - 1);
        if (!weak && n >= tl && memcmp(p + 1, tag, tl) == 0 &&
            (n == tl || (n == tl + 3 && memcmp(p + 1 + tl, "-gz", 3) == 0)))
            found = true;
        p = end + 1;
        p += strspn(p, " \t");
        if (*p == ',') {
            p++;
            p += strspn(p, " \t");
            if (!*p) return ge_drafts_if_match_problem(req, resp, 400, tag);
        } else if (*p) {
            return ge_drafts_if_match_problem(req, resp, 400, tag);
        }
    }
    return found ? GE_OK : ge_drafts_if_match_problem(req, resp, 412, tag);
}

/* The body's locale (when given) into d->locale: "de" or "en". */
static int ge_drafts_locale(ge_req *req, ge_resp *resp, const json_t *body, char *locale,
                            size_t size)
{
    const json_t *v = json_object_get(body, "locale");
    if (!v) return GE_OK;
    if (!(json_is_string(v) &&
          (strcmp(json_string_value(v), "de") == 0 || strcmp(json_string_value(v), "en") == 0)))
        return ge_drafts_problem_member(req, resp, 400, "locale",
                                        GE_TEXT(DE("locale: erwartet wird \"de\" oder \"en\"."),
                                                EN("locale: expected \"de\" or \"en\".")));
    snprintf(locale, size, "%s", json_string_value(v));
    return GE_OK;
}

static int ge_drafts_patch(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const members[] = {"reference", "locale",  "period",
                                          "features",  "options", NULL};
    ge_client client;
    ge_draft d, to;
    json_t *body = NULL, *v;
    const char *reference = NULL, *pstart = NULL, *pend = NULL;
    char tag[GE_APP_DRAFT_TAG_MAX];
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_crs crs;
    bool crs_explicit, period_editable = false, options_given = false;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    memset(&to, 0, sizeof to);
    ge_app_result_init(&r);
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_forms_crs_param(req, resp, &crs, &crs_explicit);
    if (rc == GE_OK) rc = ge_forms_client_draft(req, resp, &client, &d);
    if (rc == GE_OK) rc = ge_forms_body(req, resp, &body);
    if (rc == GE_OK) rc = ge_forms_members(req, resp, body, "the change", members);
    if (rc == GE_OK) rc = ge_drafts_reference(req, resp, body, false, &reference);
    if (rc == GE_OK) rc = ge_drafts_period(req, resp, body, &pstart, &pend);
    if (rc == GE_OK) rc = ge_drafts_options(req, resp, body, &period_editable, &options_given);
    if (rc < 0) goto err;
    to = d;
    to.features = NULL;
    if (options_given) to.period_editable = period_editable;
    rc = ge_drafts_locale(req, resp, body, to.locale, sizeof to.locale);
    if (rc < 0) goto err;
    if (reference) snprintf(to.reference, sizeof to.reference, "%s", reference);
    v = json_object_get(body, "period");
    if (v) {
        snprintf(to.period_start, sizeof to.period_start, "%s", pstart ? pstart : "");
        snprintf(to.period_end, sizeof to.period_end, "%s", pend ? pend : "");
    }
    v = json_object_get(body, "features");
    if (v && !json_is_null(v)) {
        rc = ge_forms_features_in(req, resp, v, &crs, crs_explicit, "features", &to.features);
        if (rc < 0) goto err;
    } else {
        to.features = strdup(v ? "{\"type\":\"FeatureCollection\",\"features\":[]}" : d.features);
        if (!to.features) {
            ge_err_set(&err, GE_ENOMEM, "out of memory");
            rc = ge_resp_error(resp, req, &err);
            goto err;
        }
    }
    rc = ge_app_draft_closed(&app, &d, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto err;
    }
    ge_app_draft_tag(&d, tag);
    rc = ge_drafts_if_match(req, resp, tag);
    if (rc < 0) goto err;
    rc = ge_app_draft_update(&app, &d, &to, &r);
    if (r.kind == GE_APP_STALE) {
        /* changed between our read and the UPDATE: the tag is stale now */
        ge_app_draft_tag(&d, tag);
        rc = ge_drafts_if_match_problem(req, resp, 412, tag);
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto err;
    }
    rc = ge_drafts_send(req, resp, &to, &crs);
err:
    ge_app_result_clear(&r);
    ge_draft_clear(&d);
    ge_draft_clear(&to);
    ge_client_clear(&client);
    json_decref(body);
    return rc;
}

/* ---- POST /v1/drafts/{id}/submit ----------------------------------------- */

static int ge_drafts_idem_key(ge_req *req, ge_resp *resp, const char **out)
{
    const char *k = ge_req_header(req, "Idempotency-Key");
    size_t n = k ? strlen(k) : 0;
    json_t *p;

    *out = k;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x21 || (unsigned char)k[i] > 0x7e) n = 0;
    if (k && n > 0 && n <= GE_IDEMPOTENCY_KEY_MAX) return GE_OK;
    p = ge_resp_problem(resp, req, 400,
                        k ? GE_TR(req,
                                  DE("Der Header Idempotency-Key muss 1 bis %d sichtbare "
                                     "ASCII-Zeichen lang sein."),
                                  EN("The Idempotency-Key header must be 1 to %d visible ASCII "
                                     "characters."))
                          : GE_TR(req,
                                  DE("Eine Einreichung braucht den Header Idempotency-Key (1 bis "
                                     "%d Zeichen, z. B. eine UUID), damit eine Wiederholung nie "
                                     "einen zweiten Fall anlegt."),
                                  EN("A submission needs an Idempotency-Key header (1 to %d "
                                     "characters, e.g. a UUID), so that a retry never makes a "
                                     "second case.")),
                        GE_IDEMPOTENCY_KEY_MAX);
    if (p) json_object_set_new(p, "header", json_string("Idempotency-Key"));
    return GE_EINVAL;
}

/* The answer to a submission, the same for the first call and every replay. */
static int ge_drafts_submitted(ge_req *req, ge_resp *resp, const char *case_id, bool replayed)
{
    ge_case c;
    ge_err err;
    char loc[64];
    json_t *doc;
    int rc = ge_store_case_get(req->ctx->store, case_id, &c, &err);

    if (rc < 0) return ge_resp_error(resp, req, &err);
    doc = ge_app_case_doc(&c, true, GE_RULES_CONFLICTS_ANONYMOUS);
    ge_case_clear(&c);
    snprintf(loc, sizeof loc, "/v1/cases/%s", case_id);
    ge_resp_header(resp, "Location", loc);
    if (replayed) ge_resp_header(resp, "Idempotent-Replayed", "true");
    return ge_forms_json(resp, 201, doc, NULL);
}

static int ge_drafts_submit(ge_req *req, ge_resp *resp, void *ud)
{
    static const char *const members[] = {"reference", "applicant", "period", NULL};
    ge_app app = ge_req_app(req);
    ge_app_result r;
    ge_client client;
    ge_draft d;
    json_t *body = NULL, *applicant;
    const char *key = NULL, *reference = NULL, *pstart = NULL, *pend = NULL;
    char *canon = NULL, *applicant_text = NULL;
    char request_hash[GE_TOKEN_HASH_LEN], case_id[40];
    bool replayed = false;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    ge_app_result_init(&r);
    rc = ge_forms_auth(req, resp, &client);
    if (rc < 0) return rc;
    rc = ge_forms_client_draft(req, resp, &client, &d);
    if (rc == GE_OK) rc = ge_drafts_idem_key(req, resp, &key);
    if (rc == GE_OK) rc = ge_forms_body(req, resp, &body);
    if (rc == GE_OK) rc = ge_forms_members(req, resp, body, "the submission", members);
    if (rc == GE_OK) rc = ge_drafts_reference(req, resp, body, false, &reference);
    if (rc == GE_OK) rc = ge_drafts_period(req, resp, body, &pstart, &pend);
    if (rc < 0) goto err;
    applicant = json_object_get(body, "applicant");
    if (!json_is_object(applicant)) {
        rc = ge_drafts_problem_member(
            req, resp, 400, "applicant",
            GE_TEXT(
                DE("applicant: erwartet wird ein Objekt mit den Kontaktdaten der antragstellenden "
                   "Person."),
                EN("applicant: expected an object with the applicant's contact details.")));
        goto err;
    }
    applicant_text = json_dumps(applicant, GE_JSON_DUMP_FLAGS | JSON_SORT_KEYS);
    if (applicant_text && strlen(applicant_text) > GE_APPLICANT_MAX) {
        json_t *p = ge_resp_problem(resp, req, 422,
                                    GE_TR(req, DE("applicant: %zu Bytes, höchstens %d."),
                                          EN("applicant: %zu bytes, at most %d.")),
                                    strlen(applicant_text), GE_APPLICANT_MAX);
        if (p) {
            json_object_set_new(p, "member", json_string("applicant"));
            json_object_set_new(p, "limit", json_integer(GE_APPLICANT_MAX));
        }
        rc = GE_ELIMIT;
        goto err;
    }
    /* The request is the draft plus the body, whatever order its keys came in. */
    json_object_set_new(body, "draft", json_string(d.id));
    canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!canon || !applicant_text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    ge_token_sha256_hex(canon, strlen(canon), request_hash);

    ge_app_submission in = {
        .client_id = client.id,
        .draft = &d,
        .idempotency_key = key,
        .request_hash = request_hash,
        .reference = reference,
        .period_start = pstart,
        .period_end = pend,
        .applicant_json = applicant_text,
    };
    rc = ge_app_draft_submit(&app, &in, case_id, &replayed, &r);
    rc = rc < 0 ? ge_resp_app(resp, req, &r) : ge_drafts_submitted(req, resp, case_id, replayed);
err:
    ge_app_result_clear(&r);
    free(canon);
    free(applicant_text);
    json_decref(body);
    ge_draft_clear(&d);
    ge_client_clear(&client);
    return rc;
}

int ge_handlers_drafts_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc = ge_router_add(r, "POST", "/v1/drafts", ge_drafts_create, ctx, err);
    /* these run the rule engine: on the compute pool (compute.h) */
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "GET", "/v1/drafts/{id}", ge_drafts_get, ctx, GE_ROUTE_COMPUTE,
                                 err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "POST", "/v1/drafts/{id}/submit", ge_drafts_submit, ctx,
                                 GE_ROUTE_COMPUTE, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "PATCH", "/v1/drafts/{id}", ge_drafts_patch, ctx,
                                 GE_ROUTE_COMPUTE, err);
    return rc;
}
