/*
 * case_list.c - a caseworker's list of cases with conflict counts,
 * location sentences and the morning's summary (case_list.h).
 */
#include "case_list.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "case_location.h"
#include "case_status.h"
#include "cases.h"
#include "crs.h"
#include "date.h"
#include "draft_check.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"

/* The store box -> CRS84 [minx, miny, maxx, maxy], rounded as GeoJSON is:
 * the edges are sampled because a UTM box is not a box in longitude and
 * latitude. */
#define GE_APP_BBOX_SAMPLES 8

static json_t *ge_app_list_bbox(const ge_crs *store, const double b[4])
{
    double pts[2 * 4 * GE_APP_BBOX_SAMPLES], out[4];
    size_t n = 0;
    ge_err err;

    for (int i = 0; i < GE_APP_BBOX_SAMPLES; i++) {
        double t = (double)i / (GE_APP_BBOX_SAMPLES - 1);
        double x = b[0] + t * (b[2] - b[0]), y = b[1] + t * (b[3] - b[1]);
        pts[n++] = x, pts[n++] = b[1];
        pts[n++] = x, pts[n++] = b[3];
        pts[n++] = b[0], pts[n++] = y;
        pts[n++] = b[2], pts[n++] = y;
    }
    if (ge_crs_transform(store, &GE_CRS84, pts, n / 2, &err) < 0) return json_null();
    out[0] = out[2] = pts[0];
    out[1] = out[3] = pts[1];
    for (size_t i = 0; i < n; i += 2) {
        out[0] = fmin(out[0], pts[i]);
        out[2] = fmax(out[2], pts[i]);
        out[1] = fmin(out[1], pts[i + 1]);
        out[3] = fmax(out[3], pts[i + 1]);
    }
    /* Outward to 7 decimals (~1 cm), so the box still holds the features. */
    return json_pack("[f, f, f, f]", floor(out[0] * 1e7) / 1e7, floor(out[1] * 1e7) / 1e7,
                     ceil(out[2] * 1e7) / 1e7, ceil(out[3] * 1e7) / 1e7);
}

static json_t *ge_app_list_period(const char *start, const char *end)
{
    return start[0] ? json_pack("{s:s, s:s}", "start", start, "end", end) : json_null();
}

typedef struct ge_app_list {
    const ge_app *app;
    ge_crs store;
    json_t *cases;
    GEOSContextHandle_t h;
    const ge_refsnap *snap; /* for cases whose reports have no sentence; may be NULL */
} ge_app_list;

/* The first feature's location sentence (case_location.h): the report's,
 * else made now from the feature; null when none can be said (or GEOS
 * failed on the feature: the list does not fail for a sentence). NULL only
 * when out of memory. */
static json_t *ge_app_list_location(ge_app_list *l, const ge_case_summary *c)
{
    json_t *stored = c->location ? json_loads(c->location, 0, NULL) : NULL, *loc;
    const ge_services *ss = l->app->services;
    ge_err err;

    loc = ge_case_location_wkb(l->h, l->snap, ss ? ge_services_find(ss, c->service) : NULL, stored,
                               c->first_wkb, c->first_wkb_len, &err);
    json_decref(stored);
    if (!loc && err.code == GE_ENOMEM) return NULL;
    return loc ? loc : json_null();
}

static int ge_app_list_cb(void *ud, const ge_case_summary *c)
{
    ge_app_list *l = ud;
    /* NULL (out of memory) fails the pack, which drops what it took */
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s, s:s, s:s?, s:b, s:i, s:i, s:s?, s:o, s:o}",
                  "case_id", c->id, "service", c->service, "status", c->status, "reference",
                  c->reference[0] ? c->reference : NULL, "period",
                  ge_app_list_period(c->period_start, c->period_end), "created", c->created_at,
                  "updated", c->updated_at, "closed", c->closed_at[0] ? c->closed_at : NULL,
                  "valid", c->valid, "errors", c->errors, "warnings", c->warnings, "applicant_name",
                  c->applicant_name[0] ? c->applicant_name : NULL, "bbox",
                  c->has_bbox ? ge_app_list_bbox(&l->store, c->bbox) : json_null(), "location",
                  ge_app_list_location(l, c));
    if (!o) return GE_ENOMEM;
    /* Members the web app reads are always present, null when empty. */
    if (!json_object_get(o, "reference")) json_object_set_new(o, "reference", json_null());
    if (!json_object_get(o, "closed")) json_object_set_new(o, "closed", json_null());
    if (!json_object_get(o, "applicant_name"))
        json_object_set_new(o, "applicant_name", json_null());
    if (c->purged_at[0]) json_object_set_new(o, "purged", json_string(c->purged_at));
    return json_array_append_new(l->cases, o) == 0 ? 0 : GE_ENOMEM;
}

/* Adds "conflicts" (how many cases conflict, as ge_app_case_conflicts with
 * its default distance lists them) to each case of the page, counted in
 * one store statement for the whole page. */
static int ge_app_list_count_conflicts(const ge_app *app, json_t *cases, ge_err *err)
{
    size_t n = json_array_size(cases), i;
    ge_case_conflict_query *q = calloc(n ? n : 1, sizeof *q);
    int *counts = calloc(n ? n : 1, sizeof *counts);
    json_t *c;
    int rc = q && counts ? GE_OK : ge_err_set(err, GE_ENOMEM, "out of memory");

    json_array_foreach(cases, i, c)
    {
        if (rc < 0) break;
        q[i].id = json_string_value(json_object_get(c, "case_id"));
        q[i].distance_m =
            ge_app_case_conflict_distance(app, json_string_value(json_object_get(c, "service")));
    }
    if (rc == GE_OK && n) rc = ge_store_cases_conflict_counts(app->store, q, n, counts, err);
    json_array_foreach(cases, i, c)
    {
        if (rc < 0) break;
        if (json_object_set_new(c, "conflicts", json_integer(counts[i])) < 0)
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    free(q);
    free(counts);
    return rc;
}

/*
 * The morning's overview of the cases the filter matches apart from its
 * status: how many in each status, and how many open ones start from today
 * to GE_APP_CASES_SOON_DAYS days ahead (the server's calendar day, said as
 * "today" so that the app counts the days to a start from the same day).
 */
static json_t *ge_app_list_summary(const ge_app *app, const ge_case_filter *f, ge_err *err)
{
    ge_date today = ge_app_today(app), until = today + GE_APP_CASES_SOON_DAYS;
    char from_s[16], until_s[16];
    ge_case_counts n;
    json_t *by, *doc;
    int64_t open = 0, all = 0;

    ge_date_format_iso(today, from_s, sizeof from_s);
    ge_date_format_iso(until, until_s, sizeof until_s);
    if (ge_store_cases_counts(app->store, f, from_s, until_s, &n, err) < 0) return NULL;
    by = json_object();
    for (int i = 0; by && i < GE_CASE_NSTATUS; i++) {
        json_object_set_new(by, ge_case_status_name((ge_case_status)i),
                            json_integer((json_int_t)n.by_status[i]));
        all += n.by_status[i];
        if (!ge_case_status_closes((ge_case_status)i)) open += n.by_status[i];
    }
    all += n.other_status;
    doc = by ? json_pack("{s:s, s:o, s:I, s:I, s:I, s:{s:I, s:s, s:s}}", "today", from_s,
                         "statuses", by, "open", (json_int_t)open, "closed",
                         (json_int_t)(all - open - n.other_status), "total", (json_int_t)all,
                         "starting_soon", "count", (json_int_t)n.starting, "from", from_s, "until",
                         until_s)
             : NULL;
    if (!doc) ge_err_set(err, GE_ENOMEM, "out of memory");
    return doc;
}

int ge_app_cases_list(const ge_app *app, const ge_case_filter *f, json_t **doc, ge_app_result *r)
{
    ge_app_list l = {.app = app, .store = ge_app_store_crs(app), .h = ge_geos_ctx()};
    ge_refsnap *snap = app->refindex ? ge_refindex_acquire(app->refindex) : NULL;
    int64_t matched = 0;
    json_t *summary = NULL;
    ge_err err;
    int rc;

    *doc = NULL;
    l.snap = snap;
    l.cases = json_array();
    rc = l.cases ? ge_store_cases_list(app->store, f, ge_app_list_cb, &l, &matched, &err)
                 : GE_ENOMEM;
    if (rc == GE_ENOMEM) rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    if (rc == GE_OK) rc = ge_app_list_count_conflicts(app, l.cases, &err);
    if (rc == GE_OK && !(summary = ge_app_list_summary(app, f, &err))) rc = err.code;
    if (rc == GE_OK) {
        *doc =
            json_pack("{s:O, s:I, s:I, s:I, s:I, s:s, s:o}", "cases", l.cases, "numberMatched",
                      (json_int_t)matched, "numberReturned", (json_int_t)json_array_size(l.cases),
                      "limit", (json_int_t)f->limit, "offset", (json_int_t)f->offset, "sort",
                      ge_case_order_name((ge_case_order)f->order), "summary", summary);
        summary = NULL;
        if (!*doc) rc = ge_err_set(&err, GE_ENOMEM, "out of memory");
    }
    if (snap) ge_refsnap_release(snap);
    json_decref(summary);
    json_decref(l.cases);
    return rc < 0 ? ge_app_failed(r, &err) : GE_OK;
}
