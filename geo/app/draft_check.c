/*
 * draft_check.c - a draft's drawing against its service's rules: stored
 * features text (store CRS) parsed and written out, the other applicants'
 * open cases near by for the conflict rules, and the engine's report
 * (draft_check.h).
 */
#include "draft_check.h"

#include <stdlib.h>
#include <string.h>

#include "geojson_in.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "service.h"
#include "store.h"

ge_crs ge_app_store_crs(const ge_app *app)
{
    ge_crs c = GE_CRS84;
    ge_crs_from_epsg(ge_store_srid(app->store), &c, NULL);
    return c;
}

int ge_app_features_parse(const ge_app *app, GEOSContextHandle_t h, const char *text,
                          ge_features *out, ge_err *err)
{
    ge_geojson_in_opts in;
    int rc;

    ge_geojson_in_opts_init(&in);
    in.crs = ge_app_store_crs(app);
    in.crs_explicit = true;
    in.store_srid = in.crs.epsg;
    in.allow_empty = true;
    rc = ge_geojson_in_parse_text(h, text, strlen(text), &in, out, err);
    if (rc < 0) ge_err_prefix(err, "stored draft features");
    return rc;
}

json_t *ge_app_features_out(const ge_app *app, const char *text, const ge_crs *out_crs, ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    ge_crs store = ge_app_store_crs(app);
    json_t *fc = NULL;

    if (ge_app_features_parse(app, h, text, &fs, err) == GE_OK)
        fc = ge_geojson_out_features(h, &fs, &store, out_crs, err);
    ge_features_free(h, &fs);
    return fc;
}

void ge_app_others_free(ge_app_others *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free((char *)o->v[i].ref);
        free((char *)o->v[i].service_id);
        if (o->v[i].geom) GEOSGeom_destroy_r(o->h, (GEOSGeometry *)o->v[i].geom);
    }
    free(o->v);
    memset(o, 0, sizeof *o);
}

static int ge_app_other_cb(void *ud, const char *case_id, const char *service,
                           const char *period_start, const char *period_end,
                           const unsigned char *wkb, size_t wkb_len)
{
    ge_app_others *o = ud;
    ge_rules_other *x;
    GEOSWKBReader *r;
    ge_err ignored;

    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 8;
        ge_rules_other *nv = realloc(o->v, nc * sizeof *nv);
        if (!nv) return ge_err_set(o->err, GE_ENOMEM, "out of memory");
        o->v = nv;
        o->cap = nc;
    }
    x = &o->v[o->n];
    memset(x, 0, sizeof *x);
    r = GEOSWKBReader_create_r(o->h);
    x->geom = r && wkb ? GEOSWKBReader_read_r(o->h, r, wkb, wkb_len) : NULL;
    if (r) GEOSWKBReader_destroy_r(o->h, r);
    x->ref = strdup(case_id ? case_id : "");
    x->service_id = strdup(service ? service : "");
    /* A case without a readable period is taken to overlap (the engine's
     * rule for a missing period): one warning too many rather than none. */
    x->has_period = period_start && period_end &&
                    ge_date_parse(period_start, &x->period.start, &ignored) == GE_OK &&
                    ge_date_parse(period_end, &x->period.end, &ignored) == GE_OK;
    o->n++;
    if (!x->geom || !x->ref || !x->service_id)
        return ge_err_set(o->err, GE_EIO, "a stored case near by cannot be read");
    return 0;
}

/* The widest conflict distance of a service's rules; 0 when it has none. */
static double ge_app_conflict_reach(const ge_service *svc)
{
    double reach = 0;
    for (size_t i = 0; i < svc->nrules; i++)
        if (svc->rules[i].kind == GE_RULE_CONFLICT && svc->rules[i].has_max &&
            svc->rules[i].max > reach)
            reach = svc->rules[i].max;
    return reach;
}

int ge_app_others_in_box(const ge_app *app, const ge_service *svc, const double box[4],
                         const char *exclude_draft_id, ge_app_others *o, ge_err *err)
{
    double reach = ge_app_conflict_reach(svc), bbox[4];

    if (reach <= 0) return GE_OK;
    bbox[0] = box[0] - reach - 1;
    bbox[1] = box[1] - reach - 1;
    bbox[2] = box[2] + reach + 1;
    bbox[3] = box[3] + reach + 1;
    return ge_store_cases_near(app->store, bbox, exclude_draft_id, GE_APP_MAX_OTHERS,
                               ge_app_other_cb, o, err);
}

static int ge_app_others_load(const ge_app *app, const ge_service *svc, const ge_features *fs,
                              const char *exclude_draft_id, ge_app_others *o, ge_err *err)
{
    double bbox[4] = {0, 0, 0, 0};
    bool any = false;

    if (fs->n == 0) return GE_OK;
    for (size_t i = 0; i < fs->n; i++) {
        double x0, y0, x1, y1;
        if (!GEOSGeom_getExtent_r(o->h, fs->items[i].geom, &x0, &y0, &x1, &y1)) continue;
        if (!any || x0 < bbox[0]) bbox[0] = x0;
        if (!any || y0 < bbox[1]) bbox[1] = y0;
        if (!any || x1 > bbox[2]) bbox[2] = x1;
        if (!any || y1 > bbox[3]) bbox[3] = y1;
        any = true;
    }
    if (!any) return GE_OK;
    return ge_app_others_in_box(app, svc, bbox, exclude_draft_id, o, err);
}

int ge_app_validate_on(const ge_app *app, const char *draft_id, const char *service,
                       const char *features_text, const char *period_start, const char *period_end,
                       ge_date today, ge_rules_conflicts conflicts, const ge_crs *out_crs,
                       json_t **report, ge_err *err)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_refsnap *snap = app->refindex ? ge_refindex_acquire(app->refindex) : NULL;
    const ge_service *svc = app->services ? ge_services_find(app->services, service) : NULL;
    ge_features fs = {0};
    ge_app_others others = {.h = h, .err = err};
    ge_period period;
    json_t *pj = NULL;
    ge_rules_input ri;
    int rc;

    *report = NULL;
    if (!svc) {
        rc = ge_err_set(err, GE_ENOENT, "service: '%.60s' is no longer configured", service);
        goto err;
    }
    if (period_start && period_start[0] && period_end && period_end[0]) {
        pj = json_pack("{s:s, s:s}", "start", period_start, "end", period_end);
        rc = ge_rules_period_from_json(pj, &period, err);
        if (rc < 0) goto err;
    }
    rc = ge_app_features_parse(app, h, features_text, &fs, err);
    if (rc == GE_OK) rc = ge_app_others_load(app, svc, &fs, draft_id, &others, err);
    if (rc < 0) goto err;
    ge_rules_input_init(&ri);
    ri.service = svc;
    ri.features = &fs;
    ri.srid = ge_store_srid(app->store);
    ri.period = pj ? &period : NULL;
    ri.today = today;
    ri.out_crs = *out_crs;
    ri.others = others.v;
    ri.nothers = others.n;
    ri.conflicts = conflicts;
    rc = ge_rules_validate(h, snap, &ri, report, err);
err:
    ge_app_others_free(&others);
    ge_features_free(h, &fs);
    json_decref(pj);
    if (snap) ge_refsnap_release(snap);
    return rc;
}

int ge_app_draft_check(const ge_app *app, const ge_draft *d, const char *features_text,
                       const ge_crs *out_crs, json_t **report, ge_app_result *r)
{
    ge_err err;
    int rc = ge_app_validate_on(app, d->id, d->service, features_text ? features_text : d->features,
                                d->period_start, d->period_end, ge_app_today(app),
                                GE_RULES_CONFLICTS_ANONYMOUS, out_crs, report, &err);
    return rc < 0 ? ge_app_bad_member(r, "features", &err) : GE_OK;
}
