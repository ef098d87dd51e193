/*
 * case_review.c - a caseworker's view of a case, its history and its
 * conflicts (case_review.h).
 *
 * The view's re-check runs the case's stored features through the same
 * engine and the same path as a submission (ge_app_validate_on), against
 * the services and reference data the server holds now. Lead times are
 * judged on the submission date: the applicant applied in time or not
 * then, and a case should not turn "different" only because days have
 * passed. The case's own draft is excluded from the conflict rule, as it
 * was at submission, so that a case never conflicts with itself. The
 * re-check names every case in the way (GE_RULES_CONFLICTS_FULL:
 * caseworkers may see them); the stored report stays the anonymous one the
 * applicant saw.
 */
#include "case_review.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_hash.h"
#include "case_location.h"
#include "case_status.h"
#include "cases.h"
#include "date.h"
#include "draft_check.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "token.h"

/* ---- history ----------------------------------------------------------------- */

typedef struct ge_app_events {
    json_t *events;
    const ge_case_filter *who;
} ge_app_events;

/* The overridden conflicts of an event as who may see them: a case of a
 * service it may not see without its reference (as in the conflicts). */
static json_t *ge_app_event_overrides(const ge_case_filter *who, const char *text)
{
    json_t *in = text ? json_loads(text, 0, NULL) : json_array(), *out = json_array(), *o;
    size_t i;

    if (!in || !out) goto nomem;
    json_array_foreach(in, i, o)
    {
        const char *service = json_string_value(json_object_get(o, "service"));
        bool visible = service && who && ge_case_filter_allows(who, service);
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

static int ge_app_event_cb(void *ud, const ge_case_event *e)
{
    ge_app_events *ev = ud;
    json_t *events = ev->events;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:o}", "id",
                          (json_int_t)e->id, "at", e->at, "actor", e->actor, "actor_name",
                          e->actor_name[0] ? e->actor_name : NULL, "action", e->action, "from",
                          e->from_status[0] ? e->from_status : NULL, "to",
                          e->to_status[0] ? e->to_status : NULL, "comment", e->comment,
                          "overridden_conflicts", ge_app_event_overrides(ev->who, e->overrides));
    if (!o) return GE_ENOMEM;
    /* s:s? leaves a NULL member out; the contract shows them as null. */
    if (!json_object_get(o, "actor_name")) json_object_set_new(o, "actor_name", json_null());
    if (!json_object_get(o, "from")) json_object_set_new(o, "from", json_null());
    if (!json_object_get(o, "to")) json_object_set_new(o, "to", json_null());
    if (!json_object_get(o, "comment")) json_object_set_new(o, "comment", json_null());
    return json_array_append_new(events, o) == 0 ? 0 : GE_ENOMEM;
}

json_t *ge_app_case_history(const ge_app *app, const ge_case_filter *who, const char *case_id,
                            ge_err *err)
{
    ge_app_events ev = {.events = json_array(), .who = who};
    int rc = ev.events ? ge_store_case_events(app->store, case_id, ge_app_event_cb, &ev, err)
                       : ge_err_set(err, GE_ENOMEM, "out of memory");
    if (rc == GE_ENOMEM) ge_err_set(err, GE_ENOMEM, "out of memory");
    if (rc < 0) {
        json_decref(ev.events);
        return NULL;
    }
    return json_pack("{s:o}", "events", ev.events);
}

/* ---- the view ------------------------------------------------------------------ */

/*
 * A report's verdict for comparing two reports: how often each violation
 * identity (rule, severity, feature) occurs. Measured values may move a
 * little with new reference data without the verdict changing. A conflict
 * counts once per rule and feature, whoever is in the way: the stored
 * report tells conflicts as the applicant saw them (anonymously, one per
 * feature; see geo/rules/rules.h), the re-check tells each case, and the
 * cases themselves are listed by ge_app_case_conflicts.
 */
static json_t *ge_app_review_verdict(const json_t *report)
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
static bool ge_app_review_differs(const json_t *then, const json_t *now)
{
    json_t *a = ge_app_review_verdict(then), *b = ge_app_review_verdict(now);
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
static int ge_app_review_revalidate(const ge_app *app, const ge_case *c, const char *purged_at,
                                    const ge_features *fs, const ge_crs *crs, json_t **out,
                                    ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_crs store = ge_app_store_crs(app);
    json_t *then = NULL, *report = NULL, *fc = NULL;
    char *text = NULL, now[GE_DATE_UTC_LEN];
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
        if (ge_date_parse(day, &submitted, &derr) < 0) submitted = ge_app_today(app);
    }
    rc = ge_app_validate_on(app, c->draft_id, c->service, text, c->period_start, c->period_end,
                            submitted, GE_RULES_CONFLICTS_FULL, crs, &report, err);
    if (rc == GE_ENOENT) {
        /* The service is no longer configured: nothing to check against. */
        *out = json_null();
        rc = GE_OK;
        goto err;
    }
    if (rc < 0) goto err;
    then = json_loads(c->report ? c->report : "null", JSON_DECODE_ANY, NULL);
    ge_app_utc_in(app, 0, now);
    *out = json_pack("{s:s, s:b, s:O}", "checked_at", now, "differs",
                     ge_app_review_differs(then, report), "report", report);
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
static json_t *ge_app_review_hash_note(const char *purged_at)
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

static json_t *ge_app_review_transitions(const char *status)
{
    ge_case_status from, next[GE_CASE_NSTATUS];
    json_t *a = json_array();
    size_t n = ge_case_status_parse(status, &from) ? ge_case_status_next(from, next) : 0;
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(ge_case_status_name(next[i])));
    return a;
}

int ge_app_case_review(const ge_app *app, const ge_case_filter *who, const char *id,
                       const ge_crs *crs, json_t **out, int64_t *version, ge_app_result *r)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_case c;
    ge_features fs = {0};
    ge_crs store = ge_app_store_crs(app);
    char closed_at[32], purged_at[32];
    json_t *doc = NULL, *v;
    bool intact = false;
    ge_err err;
    int rc;

    *out = NULL;
    memset(&c, 0, sizeof c);
    rc = ge_app_case_find(app, who, id, &c, closed_at, purged_at, r);
    if (rc < 0) return rc;
    rc = ge_app_case_features(app, h, c.id, &fs, &err);
    /* The hash over the features just read (ge_app_case_verify would read
     * them again). A purged case's cannot match (ge_app_review_hash_note). */
    if (rc == GE_OK && !purged_at[0]) {
        char hash[GE_TOKEN_HASH_LEN];
        rc = ge_case_hash(h, &fs, ge_store_srid(app->store), c.report, hash, &err);
        if (rc == GE_OK) intact = ge_token_equal(hash, c.content_hash);
    }
    if (rc < 0) goto err;
    doc = ge_app_case_doc(&c, intact, GE_RULES_CONFLICTS_FULL);
    if (!doc) goto nomem;
    if (purged_at[0]) {
        json_object_set_new(doc, "content_hash_valid", json_null());
        json_object_set_new(doc, "content_hash_note", ge_app_review_hash_note(purged_at));
    } else {
        json_object_set_new(doc, "content_hash_note", json_null());
    }
    if (!c.period_start[0]) json_object_set_new(doc, "period", json_null());
    json_object_set_new(doc, "closed", closed_at[0] ? json_string(closed_at) : json_null());
    json_object_set_new(doc, "purged", purged_at[0] ? json_string(purged_at) : json_null());
    v = ge_geojson_out_features(h, &fs, &store, crs, &err);
    if (!v) goto err;
    json_object_set_new(doc, "features", v);
    /* measures with each feature's location sentence, made now where the
     * stored report has none (a case from before them) */
    rc = ge_app_case_locations(app, c.service, doc, &fs, true, &err);
    if (rc < 0) goto err;
    rc = ge_app_review_revalidate(app, &c, purged_at, &fs, crs, &v, &err);
    if (rc < 0) goto err;
    json_object_set_new(doc, "revalidation", v);
    json_object_set_new(doc, "transitions", ge_app_review_transitions(c.status));
    v = ge_app_case_history(app, who, c.id, &err);
    if (!v) goto err;
    json_object_set_new(doc, "history", json_incref(json_object_get(v, "events")));
    json_decref(v);
    *version = c.version;
    *out = doc;
    doc = NULL;
    rc = GE_OK;
    goto done;
nomem:
    ge_err_set(&err, GE_ENOMEM, "out of memory");
err:
    rc = ge_app_failed(r, &err);
done:
    json_decref(doc);
    ge_features_free(h, &fs);
    ge_case_clear(&c);
    return rc;
}

/* ---- conflicts ------------------------------------------------------------------ */

typedef struct ge_app_conflicts {
    const ge_app *app;
    GEOSContextHandle_t h;
    const ge_crs *crs;
    json_t *cases;
    const ge_refsnap *snap; /* for the location sentences; may be NULL */
    ge_err *err;
} ge_app_conflicts;

static json_t *ge_app_conflict_period(const char *start, const char *end)
{
    return start[0] ? json_pack("{s:s, s:s}", "start", start, "end", end) : json_null();
}

static int ge_app_conflict_cb(void *ud, const ge_case_conflict *k)
{
    ge_app_conflicts *cc = ud;
    ge_crs store = ge_app_store_crs(cc->app);
    ge_features fs = {0};
    json_t *o, *fc = NULL, *loc = NULL;
    int rc = ge_app_case_features(cc->app, cc->h, k->id, &fs, cc->err);

    if (rc == GE_OK) {
        fc = ge_geojson_out_features(cc->h, &fs, &store, cc->crs, cc->err);
        if (!fc) rc = cc->err->code ? cc->err->code : GE_ENOMEM;
    }
    /* Where the other case is, in words (its first feature's sentence made
     * now: the dialog that asks before an approval over it names the
     * place); null when nothing can be said. */
    if (rc == GE_OK) {
        const ge_services *ss = cc->app->services;
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
                  ge_app_conflict_period(k->period_start, k->period_end), "distance_m",
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

int ge_app_case_conflicts(const ge_app *app, const ge_case_filter *who, const ge_case *c,
                          double distance, const ge_crs *crs, json_t **doc, ge_app_result *r)
{
    ge_refsnap *snap = app->refindex ? ge_refindex_acquire(app->refindex) : NULL;
    ge_err err;
    ge_app_conflicts cc = {.app = app,
                           .h = ge_geos_ctx(),
                           .crs = crs,
                           .cases = json_array(),
                           .snap = snap,
                           .err = &err};
    int rc = cc.cases
                 ? ge_store_case_conflicts(app->store, c->id, distance, who,
                                           GE_APP_CASE_MAX_CONFLICTS, ge_app_conflict_cb, &cc, &err)
                 : ge_err_set(&err, GE_ENOMEM, "out of memory");

    *doc = NULL;
    if (snap) ge_refsnap_release(snap);
    if (rc == GE_OK && !(*doc = json_pack("{s:f, s:O}", "distance_m", distance, "cases", cc.cases)))
        rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    json_decref(cc.cases);
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}
