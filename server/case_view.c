/*
 * case_view.c - the caseworker's answer of GET /v1/cases/{id} (case_view.h):
 * the form server's document plus closing, features, measures, a fresh
 * re-check, the allowed next statuses and the history (each actor with its
 * name). A purged case's content hash is not checked (content_hash_valid
 * null) and content_hash_note says why, in German and English.
 *
 * The re-check runs the case's stored features through the same engine and
 * the same path as a submission (ge_app_validate_on), against the
 * services and reference data the server holds now. Lead times are judged
 * on the submission date: the applicant applied in time or not then, and a
 * case should not turn "different" only because days have passed. The
 * case's own draft is excluded from the conflict rule, as it was at
 * submission, so that a case never conflicts with itself. The re-check
 * names every case in the way (GE_RULES_CONFLICTS_FULL: caseworkers may see
 * them); the stored report stays the anonymous one the applicant saw.
 */
#include "case_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_hash.h"
#include "../geo/app/case_status.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/core/token.h"
#include "../geo/rules/service.h"
#include "app_http.h"
#include "forms_common.h"

/*
 * The distance within which other cases conflict with a case of this
 * service, when nobody asks for another: the service's own conflict rule
 * (data/services/<id>.json; what the applicant's check used), else the
 * conflict_distance setting. A caseworker must not read "within 2 m" on a
 * case whose rule looked 3 m around it.
 */
double ge_case_view_conflict_distance(const ge_req *req, const char *service)
{
    const ge_services *ss = req->ctx->services;
    const ge_service *svc = ss && service ? ge_services_find(ss, service) : NULL;

    for (size_t i = 0; svc && i < svc->nrules; i++)
        if (svc->rules[i].kind == GE_RULE_CONFLICT && svc->rules[i].has_max)
            return svc->rules[i].max;
    return req->ctx->cfg ? req->ctx->cfg->conflict_distance : 2;
}

void ge_case_view_etag(int64_t version, char out[GE_CASE_VIEW_ETAG_MAX])
{
    snprintf(out, GE_CASE_VIEW_ETAG_MAX, "\"v%lld\"", (long long)version);
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
    json_t *p = ge_resp_problem(resp, req, 404,
                                GE_TR(req, DE("Es gibt keinen Fall '%.40s', den Sie sehen dürfen."),
                                      EN("There is no case '%.40s' you may see.")),
                                case_id ? case_id : "");
    if (p) json_object_set_new(p, "parameter", json_string("id"));
    return GE_ENOENT;
}

bool ge_case_view_has_bearer(const ge_req *req)
{
    return ge_req_header(req, "Authorization") != NULL;
}

int ge_case_view_find(ge_req *req, ge_resp *resp, const ge_session *s, ge_case *out,
                      char *purged_out)
{
    const char *id = ge_req_param(req, "id");
    char closed_at[32], purged_at[32] = "";
    ge_err err;
    int rc = id && strlen(id) == GE_TOKEN_ID_LEN - 1 &&
                     strspn(id, "0123456789abcdef") == GE_TOKEN_ID_LEN - 1
                 ? ge_store_case_review_get(req->ctx->store, id, out, closed_at, purged_at, &err)
                 : GE_ENOENT;
    if (rc == GE_OK && !ge_session_allows_service(s, out->service)) {
        ge_case_clear(out);
        rc = GE_ENOENT;
    }
    if (rc == GE_ENOENT) return ge_case_view_not_found(req, resp, id);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    if (purged_out) memcpy(purged_out, purged_at, sizeof purged_at);
    return GE_OK;
}

typedef struct ge_case_view_events {
    json_t *events;
    const ge_session *s;
} ge_case_view_events;

/* The overridden conflicts of an event as the session may see them: a case
 * of a service it may not see without its reference (as in GET
 * /v1/cases/{id}/conflicts). */
static json_t *ge_case_view_overrides(const ge_session *s, const char *text)
{
    json_t *in = text ? json_loads(text, 0, NULL) : json_array(), *out = json_array(), *o;
    size_t i;

    if (!in || !out) goto nomem;
    json_array_foreach(in, i, o)
    {
        const char *service = json_string_value(json_object_get(o, "service"));
        bool visible = service && s && ge_session_allows_service(s, service);
        json_t *ref = json_object_get(o, "reference");
        json_t *x = json_pack("{s:O, s:O?, s:O?, s:O, s:b}", "case_id",
                              json_object_get(o, "case_id"), "service",
                              json_object_get(o, "service"), "status", json_object_get(o, "status"),
                              "distance_m", json_object_get(o, "distance_m"), "visible", visible);
        if (!x) goto nomem;
        if (visible) json_object_set(x, "reference", json_is_string(ref) ? ref : json_null());
        if (json_array_append_new(out, x) < 0) goto nomem;
    }
    json_decref(in);
    return out;
nomem:
    json_decref(in);
    json_decref(out);
    return NULL;
}

static int ge_case_view_event_cb(void *ud, const ge_case_event *e)
{
    ge_case_view_events *ev = ud;
    json_t *events = ev->events;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:o}", "id",
                          (json_int_t)e->id, "at", e->at, "actor", e->actor, "actor_name",
                          e->actor_name[0] ? e->actor_name : NULL, "action", e->action, "from",
                          e->from_status[0] ? e->from_status : NULL, "to",
                          e->to_status[0] ? e->to_status : NULL, "comment", e->comment,
                          "overridden_conflicts", ge_case_view_overrides(ev->s, e->overrides));
    if (!o) return GE_ENOMEM;
    /* s:s? leaves a NULL member out; the contract shows them as null. */
    if (!json_object_get(o, "actor_name")) json_object_set_new(o, "actor_name", json_null());
    if (!json_object_get(o, "from")) json_object_set_new(o, "from", json_null());
    if (!json_object_get(o, "to")) json_object_set_new(o, "to", json_null());
    if (!json_object_get(o, "comment")) json_object_set_new(o, "comment", json_null());
    return json_array_append_new(events, o) == 0 ? 0 : GE_ENOMEM;
}

json_t *ge_case_view_history(ge_store *st, const ge_session *s, const char *case_id, ge_err *err)
{
    ge_case_view_events ev = {.events = json_array(), .s = s};
    int rc = ev.events ? ge_store_case_events(st, case_id, ge_case_view_event_cb, &ev, err)
                       : ge_err_set(err, GE_ENOMEM, "out of memory");
    if (rc == GE_ENOMEM) ge_err_set(err, GE_ENOMEM, "out of memory");
    if (rc < 0) {
        json_decref(ev.events);
        return NULL;
    }
    return json_pack("{s:o}", "events", ev.events);
}

/*
 * A report's verdict for comparing two reports: how often each violation
 * identity (rule, severity, feature) occurs. Measured values may move a
 * little with new reference data without the verdict changing. A conflict
 * counts once per rule and feature, whoever is in the way: the stored
 * report tells conflicts as the applicant saw them (anonymously, one per
 * feature; see geo/rules/rules.h), the re-check tells each case, and the cases
 * themselves are listed by GET /v1/cases/{id}/conflicts.
 */
static json_t *ge_case_view_verdict(const json_t *report)
{
    json_t *keys = json_object(), *v;
    size_t i;

    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *kind = json_string_value(json_object_get(v, "kind"));
        bool once = kind && !strcmp(kind, "conflict");
        json_t *k = json_pack("[O?, O?, O?]", json_object_get(v, "rule"),
                              json_object_get(v, "severity"), json_object_get(v, "feature"));
        char *key = k ? json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_int_t n = key ? json_integer_value(json_object_get(keys, key)) : 0;

        json_decref(k);
        if (key && keys) json_object_set_new(keys, key, json_integer(once ? 1 : n + 1));
        free(key);
    }
    return keys;
}

/* Do two reports differ in their verdict? */
static bool ge_case_view_differs(const json_t *then, const json_t *now)
{
    json_t *a = ge_case_view_verdict(then), *b = ge_case_view_verdict(now);
    /* out of memory: rather say so than hide a change */
    bool differs = !a || !b ||
                   json_is_true(json_object_get(then, "valid")) !=
                       json_is_true(json_object_get(now, "valid")) ||
                   !json_equal(a, b);

    json_decref(a);
    json_decref(b);
    return differs;
}

/* {checked_at, differs, report}, or null for a purged case (decided,
 * anonymised, its draft gone). */
static int ge_case_view_revalidate(ge_req *req, const ge_case *c, const char *purged_at,
                                   const ge_features *fs, const ge_crs *crs, json_t **out,
                                   ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_app app = ge_req_app(req);
    ge_crs store = ge_app_store_crs(&app);
    json_t *then = NULL, *report = NULL, *fc = NULL;
    char *text = NULL, now[32];
    ge_date submitted;
    ge_err derr;
    int rc = GE_OK;

    *out = NULL;
    if (purged_at[0] || !c->draft_id[0]) {
        *out = json_null();
        return GE_OK;
    }
    fc = ge_geojson_out_features(h, fs, &store, &store, err);
    text = fc ? json_dumps(fc, GE_JSON_DUMP_FLAGS) : NULL;
    if (!text) {
        rc = fc ? ge_err_set(err, GE_ENOMEM, "out of memory") : err->code;
        goto err;
    }
    {
        char day[11];
        snprintf(day, sizeof day, "%.10s", c->created_at);
        if (ge_date_parse(day, &submitted, &derr) < 0) submitted = ge_app_today(&app);
    }
    rc = ge_app_validate_on(&app, c->draft_id, c->service, text, c->period_start, c->period_end,
                            submitted, GE_RULES_CONFLICTS_FULL, crs, &report, err);
    if (rc == GE_ENOENT) {
        /* The service is no longer configured: nothing to check against. */
        *out = json_null();
        rc = GE_OK;
        goto err;
    }
    if (rc < 0) goto err;
    then = json_loads(c->report ? c->report : "null", JSON_DECODE_ANY, NULL);
    ge_forms_utc_in(req, 0, now);
    *out = json_pack("{s:s, s:b, s:O}", "checked_at", now, "differs",
                     ge_case_view_differs(then, report), "report", report);
    if (!*out) rc = ge_err_set(err, GE_ENOMEM, "out of memory");
err:
    json_decref(then);
    json_decref(report);
    json_decref(fc);
    free(text);
    return rc;
}

/*
 * Why a purged case's content hash is not checked. Retention emptied the
 * applicant and the features' properties that the hash covers, so it can no
 * longer match; that is the rule working, not tampering, and the
 * caseworker must not be told otherwise. In both languages (the app
 * switches without asking again), with the day of the purge.
 */
static json_t *ge_case_view_hash_note(const char *purged_at)
{
    char de[256], en[256];
    int y = 0, m = 0, d = 0;

    if (sscanf(purged_at, "%4d-%2d-%2d", &y, &m, &d) != 3) return json_null();
    snprintf(de, sizeof de,
             "Personenbezogene Daten wurden am %02d.%02d.%04d nach der Löschfrist entfernt; "
             "der Inhalts-Hash lässt sich deshalb nicht mehr prüfen.",
             d, m, y);
    snprintf(en, sizeof en,
             "Personal data was removed under the retention rule on %04d-%02d-%02d; the "
             "content hash can therefore no longer be verified.",
             y, m, d);
    return json_pack("{s:s, s:s}", "de", de, "en", en);
}

static json_t *ge_case_view_transitions(const char *status)
{
    ge_case_status from, next[GE_CASE_NSTATUS];
    json_t *a = json_array();
    size_t n = ge_case_status_parse(status, &from) ? ge_case_status_next(from, next) : 0;
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(ge_case_status_name(next[i])));
    return a;
}

int ge_case_view_send(ge_req *req, ge_resp *resp, ge_ctx *ctx, const ge_session *s,
                      const char *case_id, unsigned http_status)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_case c;
    ge_features fs = {0};
    ge_crs crs, store;
    char closed_at[32], purged_at[32];
    json_t *doc = NULL, *v;
    bool intact = false;
    ge_err err;
    int rc;

    memset(&c, 0, sizeof c);
    rc = ge_forms_crs_param(req, resp, &crs, NULL);
    if (rc < 0) return rc;
    rc = case_id && strlen(case_id) == GE_TOKEN_ID_LEN - 1 &&
                 strspn(case_id, "0123456789abcdef") == GE_TOKEN_ID_LEN - 1
             ? ge_store_case_review_get(ctx->store, case_id, &c, closed_at, purged_at, &err)
             : GE_ENOENT;
    if (rc == GE_OK && !ge_session_allows_service(s, c.service)) rc = GE_ENOENT;
    if (rc == GE_ENOENT) {
        rc = ge_case_view_not_found(req, resp, case_id);
        goto done;
    }
    if (rc < 0) goto err;
    store = ge_forms_store_crs(req);
    rc = ge_forms_case_features(req, h, c.id, &fs, &err);
    /* The hash over the features just read (ge_forms_case_verify would read
     * them again). A purged case's cannot match (ge_case_view_hash_note). */
    if (rc == GE_OK && !purged_at[0]) {
        char hash[GE_TOKEN_HASH_LEN];
        rc = ge_case_hash(h, &fs, ge_store_srid(ctx->store), c.report, hash, &err);
        if (rc == GE_OK) intact = ge_token_equal(hash, c.content_hash);
    }
    if (rc < 0) goto err;
    doc = ge_forms_case_doc(&c, intact, GE_RULES_CONFLICTS_FULL);
    if (!doc) goto nomem;
    if (purged_at[0]) {
        json_object_set_new(doc, "content_hash_valid", json_null());
        json_object_set_new(doc, "content_hash_note", ge_case_view_hash_note(purged_at));
    } else {
        json_object_set_new(doc, "content_hash_note", json_null());
    }
    if (!c.period_start[0]) json_object_set_new(doc, "period", json_null());
    json_object_set_new(doc, "closed", closed_at[0] ? json_string(closed_at) : json_null());
    json_object_set_new(doc, "purged", purged_at[0] ? json_string(purged_at) : json_null());
    v = ge_geojson_out_features(h, &fs, &store, &crs, &err);
    if (!v) goto err;
    json_object_set_new(doc, "features", v);
    /* measures with each feature's location sentence, made now where the
     * stored report has none (a case from before them) */
    rc = ge_forms_case_locations(req, c.service, doc, &fs, true, &err);
    if (rc < 0) goto err;
    rc = ge_case_view_revalidate(req, &c, purged_at, &fs, &crs, &v, &err);
    if (rc < 0) goto err;
    json_object_set_new(doc, "revalidation", v);
    json_object_set_new(doc, "transitions", ge_case_view_transitions(c.status));
    v = ge_case_view_history(ctx->store, s, c.id, &err);
    if (!v) goto err;
    json_object_set_new(doc, "history", json_incref(json_object_get(v, "events")));
    json_decref(v);
    ge_resp_cache(resp, "private, no-store");
    ge_case_view_set_etag(resp, c.version);
    rc = ge_forms_json(resp, (int)http_status, doc, NULL);
    doc = NULL;
    goto done;
nomem:
    ge_err_set(&err, GE_ENOMEM, "out of memory");
err:
    rc = ge_resp_error(resp, req, &err);
done:
    json_decref(doc);
    ge_features_free(h, &fs);
    ge_case_clear(&c);
    return rc;
}
