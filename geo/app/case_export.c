/*
 * case_export.c - a caseworker's export of cases (case_export.h): the
 * cases listed, their features read in one transaction with their
 * location sentences, and the file written.
 */
#include "case_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_location.h"
#include "case_status.h"
#include "date.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "store_export.h"

/* What the export needs of a listed case. */
typedef struct ge_app_export_case {
    char id[40];
    char service[64];
    char status[32];
    char reference[260];
    char period_start[16];
    char period_end[16];
    char created[32];
    bool valid;
} ge_app_export_case;

typedef struct ge_app_export_cases {
    ge_app_export_case *v;
    size_t n, cap;
} ge_app_export_cases;

static int ge_app_export_collect(void *ud, const ge_case_summary *c)
{
    ge_app_export_cases *cs = ud;
    ge_app_export_case *e;

    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        ge_app_export_case *v = realloc(cs->v, cap * sizeof *v);
        if (!v) return GE_ENOMEM;
        cs->v = v;
        cs->cap = cap;
    }
    e = &cs->v[cs->n++];
    snprintf(e->id, sizeof e->id, "%s", c->id);
    snprintf(e->service, sizeof e->service, "%s", c->service);
    snprintf(e->status, sizeof e->status, "%s", c->status);
    snprintf(e->reference, sizeof e->reference, "%s", c->reference);
    snprintf(e->period_start, sizeof e->period_start, "%s", c->period_start);
    snprintf(e->period_end, sizeof e->period_end, "%s", c->period_end);
    snprintf(e->created, sizeof e->created, "%s", c->created_at);
    e->valid = c->valid;
    return 0;
}

typedef struct ge_app_export_feed {
    ge_export *x;
    const ge_app_export_case *cases;
    GEOSContextHandle_t h;
    const ge_refsnap *snap;      /* for sentences the reports lack; may be NULL */
    const ge_services *services; /* their clearances; may be NULL */
    size_t features;
    bool german;   /* the language of the description */
    bool describe; /* the format shows a description (KML) */
    ge_err *err;
} ge_app_export_feed;

/* A person's date: 14.12.2026 in German, ISO 8601 in English (as the
 * rules' messages write them); the text as it is when it is no date. */
static void ge_app_export_day(const char *iso, bool german, char *out, size_t n)
{
    ge_date d;
    ge_err err;
    if (ge_date_parse(iso, &d, &err) < 0)
        snprintf(out, n, "%s", iso);
    else if (german)
        ge_date_format_de(d, out, n);
    else
        ge_date_format_iso(d, out, n);
}

/* KML's pop-up text in words: "Informationsstand, Genehmigt, 14.12.2026 –
 * 17.12.2026" (the service's title, the status's name, the period). */
static void ge_app_export_describe(const ge_app_export_feed *feed, const ge_app_export_case *c,
                                   char *out, size_t n)
{
    const ge_service *svc = feed->services ? ge_services_find(feed->services, c->service) : NULL;
    const char *title = svc ? ge_text_pick(svc->title, feed->german) : NULL;
    ge_case_status st;
    char a[32], b[32];
    int len;

    len = snprintf(out, n, "%s, %s", title && *title ? title : c->service,
                   ge_case_status_parse(c->status, &st)
                       ? ge_case_status_label(st, feed->german ? "de" : "en")
                       : c->status);
    if (c->period_start[0] && len >= 0 && (size_t)len < n) {
        ge_app_export_day(c->period_start, feed->german, a, sizeof a);
        ge_app_export_day(c->period_end, feed->german, b, sizeof b);
        snprintf(out + len, n - (size_t)len, ", %s – %s", a, b);
    }
}

static int ge_app_export_feature(void *ud, const ge_store_export_feature *f)
{
    ge_app_export_feed *feed = ud;
    const ge_app_export_case *c = &feed->cases[f->case_index];
    const ge_service *svc =
        feed->services && !f->location ? ge_services_find(feed->services, c->service) : NULL;
    ge_err lerr;
    json_t *loc =
        ge_case_location_wkb(feed->h, feed->snap, svc, f->location, f->wkb, f->wkb_len, &lerr);
    char desc[320];
    ge_export_row row = {.case_id = c->id,
                         .service = c->service,
                         .status = c->status,
                         .reference = c->reference,
                         .period_start = c->period_start,
                         .period_end = c->period_end,
                         .created = c->created,
                         .valid = c->valid,
                         .feature = (int)f->idx,
                         .location = json_string_value(json_object_get(loc, "de")),
                         .location_en = json_string_value(json_object_get(loc, "en")),
                         .wkb = f->wkb,
                         .wkb_len = f->wkb_len};
    int rc;

    if (feed->describe) {
        ge_app_export_describe(feed, c, desc, sizeof desc);
        row.description = desc;
    }
    /* A sentence that cannot be made (GEOS failed on the feature) leaves the
     * cells empty; only memory fails the export. */
    if (!loc && lerr.code == GE_ENOMEM) return ge_err_set(feed->err, GE_ENOMEM, "out of memory");
    rc = ge_export_add(feed->x, &row, feed->err);
    json_decref(loc);
    if (rc < 0) return rc;
    feed->features++;
    return 0;
}

int ge_app_cases_export(const ge_app *app, const ge_case_filter *f, ge_export_format fmt,
                        const ge_crs *crs, bool limited, bool german, ge_app_export_file *out,
                        ge_app_result *r)
{
    ge_app_export_cases cases = {0};
    const char **ids = NULL;
    ge_export *x = NULL;
    ge_refsnap *snap = NULL;
    int64_t matched = 0;
    ge_err err;
    int rc;

    memset(out, 0, sizeof *out);
    rc = ge_store_cases_list(app->store, f, ge_app_export_collect, &cases, &matched, &err);
    if (rc < 0) {
        if (rc == GE_ENOMEM) ge_err_set(&err, GE_ENOMEM, "out of memory listing cases");
        rc = ge_app_failed(r, &err);
        goto out;
    }
    if (!limited && matched - f->offset > GE_APP_EXPORT_MAX_CASES) {
        rc = ge_app_refuse(
            r, GE_APP_INVALID,
            DE("Der Filter trifft %lld Fälle; ein Export fasst höchstens %d. Bitte den "
               "Filter einschränken oder in Teilen mit limit und offset exportieren."),
            EN("The filter matches %lld cases; an export holds at most %d. Narrow the "
               "filter, or export in parts with limit and offset."),
            (long long)matched, GE_APP_EXPORT_MAX_CASES);
        ge_app_extra(r, "parameter", json_string("limit"));
        ge_app_extra(r, "limit", json_integer(GE_APP_EXPORT_MAX_CASES));
        ge_app_extra(r, "numberMatched", json_integer(matched));
        goto out;
    }
    ids = malloc((cases.n ? cases.n : 1) * sizeof *ids);
    if (!ids) {
        rc = ge_app_failed(r, &(ge_err){GE_ENOMEM, "out of memory"});
        goto out;
    }
    for (size_t i = 0; i < cases.n; i++)
        ids[i] = cases.v[i].id;
    snap = app->refindex ? ge_refindex_acquire(app->refindex) : NULL;
    rc = ge_export_begin(&x, fmt, ge_store_srid(app->store), crs, &err);
    if (rc == GE_OK) {
        ge_app_export_feed feed = {.x = x,
                                   .cases = cases.v,
                                   .h = ge_geos_ctx(),
                                   .snap = snap,
                                   .services = app->services,
                                   .german = german,
                                   .describe = fmt == GE_EXPORT_KML,
                                   .err = &err};
        rc = ge_store_cases_features(app->store, ids, cases.n, ge_app_export_feature, &feed, &err);
        out->features = feed.features;
    }
    if (rc == GE_OK) {
        rc = ge_export_finish(x, ge_app_now(app), &out->bytes, &out->len, &err);
        x = NULL;
    }
    if (rc < 0) {
        /* Everything here was read from our own store: a failure is ours,
         * never the client's. */
        if (err.code == GE_EINVAL) err.code = GE_EINTERNAL;
        rc = ge_app_failed(r, &err);
        goto out;
    }
    out->crs = ge_export_output_crs(fmt, crs);
    out->cases = cases.n;
out:
    ge_export_abort(x);
    if (snap) ge_refsnap_release(snap);
    free(ids);
    free(cases.v);
    return rc;
}

void ge_app_export_file_name(const ge_app *app, ge_export_format fmt, char *out, size_t size)
{
    char date[16];
    time_t now = ge_app_now(app);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(out, size, "cases-%s.%s", date, ge_export_extension(fmt));
}
