/*
 * drafts.c - the use cases of drafts: create, open, save, update, finish
 * and submit (drafts.h).
 */
#include "drafts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_hash.h"
#include "draft_check.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "store.h"

/* ---- shared ---------------------------------------------------------------- */

const char *ge_app_draft_status(const ge_app *app, const ge_draft *d)
{
    char now[GE_DATE_UTC_LEN];
    if (d->submitted_at[0]) return "submitted";
    ge_app_utc_in(app, 0, now);
    return strcmp(d->expires_at, now) <= 0 ? "expired" : "open";
}

static int ge_app_draft_expired(const ge_draft *d, ge_app_result *r)
{
    return ge_app_refuse(r, GE_APP_GONE,
                         DE("Der Entwurf ist seit %s abgelaufen; legen Sie einen neuen an."),
                         EN("The draft expired at %s; open a new one."), d->expires_at);
}

static int ge_app_draft_submitted_under_other_key(ge_app_result *r)
{
    return ge_app_refuse(r, GE_APP_CONFLICT,
                         DE("Der Entwurf wurde schon eingereicht (mit einem anderen "
                            "Idempotency-Key)."),
                         EN("The draft was submitted already (under another Idempotency-Key)."));
}

int ge_app_draft_closed(const ge_app *app, const ge_draft *d, ge_app_result *r)
{
    if (d->submitted_at[0])
        return ge_app_refuse(r, GE_APP_CONFLICT,
                             DE("Der Entwurf wurde schon eingereicht; er kann sich nicht mehr "
                                "ändern."),
                             EN("The draft was submitted already; it cannot change any more."));
    if (strcmp(ge_app_draft_status(app, d), "expired") == 0) return ge_app_draft_expired(d, r);
    return GE_OK;
}

void ge_app_draft_tag(const ge_draft *d, char out[GE_APP_DRAFT_TAG_MAX])
{
    const char *parts[] = {d->reference,
                           d->locale,
                           d->period_start,
                           d->period_end,
                           d->features ? d->features : "",
                           d->period_editable ? "pe" : ""};
    char hex[GE_TOKEN_HASH_LEN];
    size_t n = 0, off = 0;
    char *buf;

    for (size_t i = 0; i < 6; i++)
        n += strlen(parts[i]) + 1;
    buf = malloc(n);
    if (!buf) {
        snprintf(out, GE_APP_DRAFT_TAG_MAX, "d-");
        return;
    }
    for (size_t i = 0; i < 6; i++) {
        size_t l = strlen(parts[i]);
        memcpy(buf + off, parts[i], l);
        off += l;
        buf[off++] = '\x1f';
    }
    ge_token_sha256_hex(buf, n, hex);
    free(buf);
    snprintf(out, GE_APP_DRAFT_TAG_MAX, "d%.32s", hex);
}

json_t *ge_app_report_errors(const json_t *report)
{
    json_t *out = json_array(), *v;
    size_t i;

    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *sev = json_string_value(json_object_get(v, "severity"));
        if (!sev || strcmp(sev, "error") != 0) continue;
        json_array_append_new(out,
                              json_pack("{s:O?, s:O?, s:O?}", "rule", json_object_get(v, "rule"),
                                        "feature", json_object_get(v, "feature"), "message",
                                        json_object_get(v, "message")));
    }
    return out;
}

/* ---- create ---------------------------------------------------------------- */

int ge_app_draft_create(const ge_app *app, const ge_app_draft_new *in, ge_draft *d,
                        char token[GE_TOKEN_MAX], ge_app_result *r)
{
    char hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    int rc;

    memset(d, 0, sizeof *d);
    rc = ge_token_id(d->id, &err);
    if (rc == GE_OK) rc = ge_token_new("", token, &err);
    if (rc == GE_OK && in->features && !(d->features = strdup(in->features)))
        rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc < 0) return ge_app_failed(r, &err);
    ge_token_hash(token, hash);
    d->client_id = in->client_id;
    d->period_editable = in->period_editable;
    snprintf(d->service, sizeof d->service, "%s", in->service);
    snprintf(d->reference, sizeof d->reference, "%s", in->reference);
    snprintf(d->locale, sizeof d->locale, "%s", in->locale ? in->locale : "de");
    snprintf(d->period_start, sizeof d->period_start, "%s",
             in->period_start ? in->period_start : "");
    snprintf(d->period_end, sizeof d->period_end, "%s", in->period_end ? in->period_end : "");
    ge_app_utc_in(app, in->expires_in, d->expires_at);
    rc = ge_store_draft_create(app->store, d, hash, ge_app_now(app), &err);
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}

/* ---- the applicant's link -------------------------------------------------- */

int ge_app_draft_open(const ge_app *app, const char *token, ge_draft *d, ge_app_result *r)
{
    char hash[GE_TOKEN_HASH_LEN], now[GE_DATE_UTC_LEN];
    ge_err err;
    int rc;

    memset(d, 0, sizeof *d);
    ge_token_hash(token ? token : "", hash);
    rc = ge_token_plausible(token) ? ge_store_draft_by_token(app->store, hash, d, &err)
                                   : ge_err_set(&err, GE_ENOENT, "no such draft");
    if (rc == GE_ENOENT)
        return ge_app_refuse(r, GE_APP_NOT_FOUND, DE("Dieser Bearbeitungslink ist ungültig."),
                             EN("This editing link is not valid."));
    if (rc < 0) return ge_app_failed(r, &err);
    ge_app_utc_in(app, 0, now);
    if (d->submitted_at[0])
        rc = ge_app_refuse(r, GE_APP_GONE,
                           DE("Dieser Antrag wurde eingereicht; die Zeichnung kann nicht mehr "
                              "geändert werden."),
                           EN("This application was submitted; its drawing can no longer be "
                              "changed."));
    else if (strcmp(d->expires_at, now) <= 0)
        rc = ge_app_refuse(r, GE_APP_GONE,
                           DE("Dieser Bearbeitungslink ist seit %s abgelaufen; bitte beginnen Sie "
                              "erneut im Formular."),
                           EN("This editing link expired at %s; please start again from the form."),
                           d->expires_at);
    if (rc < 0) ge_draft_clear(d);
    return rc;
}

/* Saves text with its report into d; GONE when it closed meanwhile. */
static int ge_app_draft_store(const ge_app *app, ge_draft *d, const char *text,
                              const json_t *report, ge_app_result *r)
{
    char *report_text = report ? json_dumps(report, GE_JSON_DUMP_FLAGS) : NULL;
    ge_err err;
    int rc = ge_store_draft_save(app->store, d->id, text, report_text, ge_app_now(app),
                                 d->updated_at, &err);

    free(report_text);
    if (rc == GE_EGONE)
        return ge_app_refuse(r, GE_APP_GONE,
                             DE("Dieser Antrag wurde eingereicht oder der Link ist abgelaufen; die "
                                "Zeichnung wurde nicht gespeichert."),
                             EN("This application was submitted or its link expired; the drawing "
                                "was not saved."));
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}

int ge_app_draft_save(const ge_app *app, ge_draft *d, const char *text, const ge_crs *out_crs,
                      json_t **report, ge_app_result *r)
{
    int rc = ge_app_draft_check(app, d, text, out_crs, report, r);
    if (rc == GE_OK) rc = ge_app_draft_store(app, d, text, *report, r);
    return rc;
}

/* "missing" of the Munimap protocol: the blocking problems in the draft's
 * language, one string each. */
static json_t *ge_app_draft_missing(const json_t *report, const char *locale)
{
    json_t *errors = ge_app_report_errors(report), *out = json_array(), *e;
    size_t i;
    json_array_foreach(errors, i, e)
    {
        const char *m = json_string_value(json_object_get(json_object_get(e, "message"), locale));
        if (m) json_array_append_new(out, json_string(m));
    }
    json_decref(errors);
    return out;
}

int ge_app_draft_finish(const ge_app *app, ge_draft *d, const char *text, const ge_crs *out_crs,
                        json_t **doc, ge_app_result *r)
{
    json_t *report = NULL;
    bool de = strcmp(d->locale, "en") != 0;
    ge_err err;
    int rc;

    *doc = NULL;
    rc = ge_app_draft_check(app, d, text, out_crs, &report, r);
    if (rc == GE_OK && text) rc = ge_app_draft_store(app, d, text, report, r);
    if (rc < 0) goto out;
    if (json_is_true(json_object_get(report, "valid"))) {
        json_t *fc = ge_app_features_out(app, text ? text : d->features, out_crs, &err);
        if (!fc) {
            rc = ge_app_failed(r, &err);
            goto out;
        }
        *doc = json_pack("{s:b, s:o, s:s, s:O}", "success", 1, "geoJSON", fc, "draft_id", d->id,
                         "validation", report);
    } else {
        json_t *missing = ge_app_draft_missing(report, de ? "de" : "en");
        size_t n = json_array_size(missing);
        char msg[160];
        snprintf(msg, sizeof msg,
                 de ? "Die Zeichnung kann noch nicht übernommen werden: %zu Problem%s zu beheben."
                    : "The drawing cannot be handed back yet: %zu problem%s to fix.",
                 n, de ? (n == 1 ? "" : "e") : (n == 1 ? "" : "s"));
        *doc = json_pack("{s:b, s:s, s:o, s:s, s:O}", "success", 0, "message", msg, "missing",
                         missing, "draft_id", d->id, "validation", report);
    }
    if (!*doc) rc = ge_app_failed(r, &(ge_err){GE_ENOMEM, "out of memory"});
out:
    json_decref(report);
    return rc;
}

/* ---- the form server's change ------------------------------------------------ */

int ge_app_draft_update(const ge_app *app, ge_draft *d, ge_draft *to, ge_app_result *r)
{
    ge_err err;
    int rc = ge_store_draft_update(app->store, d, to, ge_app_now(app), to->updated_at, &err);

    if (rc == GE_ECONFLICT || rc == GE_EGONE) {
        /* changed, submitted or expired between the caller's read and the
         * UPDATE: say how it is now */
        int why = rc;
        char id[sizeof d->id];
        snprintf(id, sizeof id, "%s", d->id);
        ge_draft_clear(d);
        rc = ge_store_draft_get(app->store, id, d, &err);
        if (rc == GE_OK && why == GE_ECONFLICT)
            return ge_app_refuse(r, GE_APP_STALE, DE("Der Entwurf hat sich geändert."),
                                 EN("The draft has changed."));
        if (rc == GE_OK && ge_app_draft_closed(app, d, r) < 0) return GE_EGONE;
        if (rc == GE_OK) rc = ge_err_set(&err, GE_EGONE, "the draft was submitted or has expired");
    }
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}

/* ---- submit ---------------------------------------------------------------- */

static int ge_app_key_reused(ge_app_result *r)
{
    int rc = ge_app_refuse(r, GE_APP_UNPROCESSABLE,
                           DE("Dieser Idempotency-Key wurde schon für eine andere Einreichung "
                              "verwendet; verwenden Sie für eine neue Anfrage einen neuen "
                              "Schlüssel."),
                           EN("This Idempotency-Key was used before for a different submission; "
                              "use a new key for a new request."));
    ge_app_extra(r, "header", json_string("Idempotency-Key"));
    return rc;
}

/* The case's features as WKB + properties text, and the content hash over
 * their stored forms. */
typedef struct ge_submit_parts {
    ge_features fs;
    ge_case_feature *cf;
    unsigned char **wkb;
    char **props;
    size_t n;
} ge_submit_parts;

static void ge_submit_parts_free(GEOSContextHandle_t h, ge_submit_parts *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->wkb && p->wkb[i]) GEOSFree_r(h, p->wkb[i]);
        if (p->props) free(p->props[i]);
    }
    free(p->wkb);
    free(p->props);
    free(p->cf);
    ge_features_free(h, &p->fs);
}

static int ge_submit_parts_make(const ge_app *app, GEOSContextHandle_t h, const char *text,
                                const char *report_text, ge_submit_parts *p,
                                char hash[GE_TOKEN_HASH_LEN], ge_err *err)
{
    GEOSWKBWriter *w = NULL;
    int rc = ge_app_features_parse(app, h, text, &p->fs, err);

    if (rc < 0) return rc;
    p->n = p->fs.n;
    p->cf = calloc(p->n + 1, sizeof *p->cf);
    p->wkb = calloc(p->n + 1, sizeof *p->wkb);
    p->props = calloc(p->n + 1, sizeof *p->props);
    w = GEOSWKBWriter_create_r(h);
    if (!p->cf || !p->wkb || !p->props || !w) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto err;
    }
    GEOSWKBWriter_setOutputDimension_r(h, w, 2);
    for (size_t i = 0; i < p->n; i++) {
        ge_feature *f = &p->fs.items[i];
        json_t *props = f->properties && json_is_object(f->properties) ? f->properties : NULL;
        size_t len = 0;
        json_error_t je;

        p->wkb[i] = GEOSWKBWriter_write_r(h, w, f->geom, &len);
        /* A feature without properties (none, or null) is stored with {}. */
        p->props[i] = props ? json_dumps(props, GE_JSON_DUMP_FLAGS) : strdup("{}");
        if (!p->wkb[i] || !p->props[i]) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
            goto err;
        }
        p->cf[i].wkb = p->wkb[i];
        p->cf[i].wkb_len = len;
        p->cf[i].props_json = p->props[i];
        /* Hash what will be read back: the properties as stored text. */
        json_decref(f->properties);
        f->properties = json_loads(p->props[i], 0, &je);
    }
    rc = ge_case_hash(h, &p->fs, ge_store_srid(app->store), report_text, hash, err);
err:
    if (w) GEOSWKBWriter_destroy_r(h, w);
    return rc;
}

int ge_app_draft_submit(const ge_app *app, const ge_app_submission *in, char case_id[40],
                        bool *replayed, ge_app_result *r)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    const ge_draft *d = in->draft;
    const char *reference = in->reference, *pstart = in->period_start, *pend = in->period_end;
    ge_submit_parts parts = {0};
    json_t *report = NULL;
    char *report_text = NULL, content_hash[GE_TOKEN_HASH_LEN], actor[48];
    bool same = false;
    ge_submit_outcome outcome;
    ge_err err;
    int rc;

    *replayed = false;
    /* A retry of a finished submission needs no second validation. */
    rc = ge_store_case_by_key(app->store, in->client_id, in->idempotency_key, in->request_hash,
                              case_id, &same, &err);
    if (rc == GE_OK) {
        *replayed = same;
        return same ? GE_OK : ge_app_key_reused(r);
    }
    if (rc != GE_ENOENT) return ge_app_failed(r, &err);
    if (d->submitted_at[0]) return ge_app_draft_submitted_under_other_key(r);
    if (strcmp(ge_app_draft_status(app, d), "expired") == 0) return ge_app_draft_expired(d, r);
    if (!pstart && d->period_start[0]) {
        pstart = d->period_start;
        pend = d->period_end;
    }
    if (!reference && d->reference[0]) reference = d->reference;

    rc = ge_app_validate_on(app, d->id, d->service, d->features, pstart, pend, ge_app_today(app),
                            GE_RULES_CONFLICTS_ANONYMOUS, &GE_CRS84, &report, &err);
    if (rc < 0) {
        rc = ge_app_bad_member(r, "features", &err);
        goto out;
    }
    if (!json_is_true(json_object_get(report, "valid"))) {
        rc = ge_app_refuse(r, GE_APP_UNPROCESSABLE,
                           DE("Die Zeichnung verstößt gegen Regeln des Verfahrens; sie kann nicht "
                              "eingereicht werden."),
                           EN("The drawing breaks rules of the service; it cannot be submitted."));
        ge_app_extra(r, "errors", ge_app_report_errors(report));
        ge_app_extra(r, "validation", json_incref(report));
        rc = GE_EINVAL;
        goto out;
    }
    report_text = json_dumps(report, GE_JSON_DUMP_FLAGS);
    rc = report_text
             ? ge_submit_parts_make(app, h, d->features, report_text, &parts, content_hash, &err)
             : ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc < 0) {
        rc = ge_app_failed(r, &err);
        goto out;
    }
    snprintf(actor, sizeof actor, "client:%lld", (long long)in->client_id);
    ge_case_submit cs = {
        .client_id = in->client_id,
        .draft_id = d->id,
        .draft_features = d->features,
        .idempotency_key = in->idempotency_key,
        .request_hash = in->request_hash,
        .service = d->service,
        .reference = reference,
        .applicant_json = in->applicant_json,
        .period_start = pstart,
        .period_end = pend,
        .report_json = report_text,
        .content_hash = content_hash,
        .features = parts.cf,
        .nfeatures = parts.n,
        .actor = actor,
    };
    rc = ge_store_case_submit(app->store, &cs, ge_app_now(app), &outcome, case_id, &err);
    if (rc < 0) {
        rc = ge_app_failed(r, &err);
        goto out;
    }
    switch (outcome) {
    case GE_SUBMIT_CREATED:
        break;
    case GE_SUBMIT_REPLAYED:
        *replayed = true;
        break;
    case GE_SUBMIT_KEY_REUSED:
        rc = ge_app_key_reused(r);
        break;
    case GE_SUBMIT_DRAFT_SUBMITTED:
        rc = ge_app_draft_submitted_under_other_key(r);
        break;
    case GE_SUBMIT_DRAFT_CHANGED:
        rc = ge_app_refuse(r, GE_APP_CONFLICT,
                           DE("Die Zeichnung wurde während der Einreichung geändert; reichen Sie "
                              "erneut ein, um die neue Zeichnung zu prüfen."),
                           EN("The applicant changed the drawing while it was being submitted; "
                              "submit again to check the new drawing."));
        break;
    case GE_SUBMIT_DRAFT_EXPIRED:
        rc = ge_app_draft_expired(d, r);
        break;
    }
out:
    ge_submit_parts_free(h, &parts);
    free(report_text);
    json_decref(report);
    return rc;
}
