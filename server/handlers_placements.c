/*
 * handlers_placements.c - the placement assistant over HTTP (geo/rules/placement.h):
 *
 *   POST /v1/placements                 public, like POST /v1/validate
 *   POST /v1/edit/{token}/placements    the applicant's editor (the draft's
 *                                       service and period)
 *
 * Body: {"service" (public route only), "near": {"address": "Lindenallee 9"}
 * | {"point": [lon, lat]}, "size"?: {"width_m", "length_m"}, "period"?:
 * {"start", "end"} (public route only), "limit"? (1..10, default 3),
 * "max_distance_m"? (default 50, at most 200), "features"?: what is drawn
 * already (kept, and not collided with)}. Coordinates are CRS84 unless the
 * crs parameter names another; answers come back in the same CRS.
 *
 * Answer 200: {"near": {"point": [x, y], "address"?, "location"?}, "shape",
 * "size"?, "placements": [{"features": FeatureCollection (the kept features
 * and the proposal, ready for PUT .../features or a draft), "distance_m",
 * "location"? {"de", "en"} (where the proposal is, in words), "report"}],
 * "reasons"?: [{"de", "en"}]} - reasons say why there are fewer placements
 * than asked for, or none. Problems: 400 a malformed member (named), 422 an
 * unknown service or address (with up to 5 "similar" addresses), a size
 * outside the service's limits, a point far outside the municipal area.
 *
 * The public route cannot show other applications (conflict rules are left
 * unchecked, as on /v1/validate); the editor's route checks them the way the
 * editor's own checks do, anonymously.
 *
 * A 200 carries "Server-Timing: placements;dur=MS, cpu;dur=MS" as POST
 * /v1/validate does: the wall-clock time from the body bytes to the answer's
 * text (reading, the address, the search, the answer) and the CPU time this
 * thread spent on it. bench/placements reports both.
 */
#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/geojson_in.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/maps/location.h"
#include "../geo/rules/placement.h"
#include "../geo/rules/refindex.h"
#include "../geo/store/store_addresses.h"
#include "app_http.h"
#include "forms_common.h"
#include "handlers.h"

static double ge_pl_clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* What a request asks for, read from the body. */
typedef struct ge_pl_ask {
    double t0, c0; /* when the handler began: wall clock and thread CPU (ms) */
    ge_placement_req req;
    ge_period period;
    ge_features keep;  /* store CRS */
    char address[256]; /* the address found, or "" */
    ge_crs crs;        /* of the request's and the answer's coordinates */
    bool crs_explicit;
} ge_pl_ask;

static int ge_pl_bad(ge_req *req, ge_resp *resp, const char *member, int status, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));
    if (p) json_object_set_new(p, "member", json_string(member));
    return status == 422 ? GE_ELIMIT : GE_EINVAL;
}

/* A number member within (lo, hi]; absent leaves *out. */
static int ge_pl_number(ge_req *req, ge_resp *resp, const json_t *obj, const char *key,
                        const char *member, double lo, double hi, double *out)
{
    const json_t *v = json_object_get(obj, key);
    char en[200], de[200];

    if (!v) return GE_OK;
    if (json_is_number(v) && json_number_value(v) > lo && json_number_value(v) <= hi) {
        *out = json_number_value(v);
        return GE_OK;
    }
    snprintf(en, sizeof en, "%s: expected a number of metres more than %g and at most %g.", member,
             lo, hi);
    snprintf(de, sizeof de, "%s: erwartet wird eine Zahl von Metern über %g und höchstens %g.",
             member, lo, hi);
    return ge_pl_bad(req, resp, member, 400, GE_TEXT(DE(de), EN(en)));
}

/* A point [x, y] in the request's CRS -> the store CRS, through the GeoJSON
 * reader (the same transform as every drawing). */
static int ge_pl_point(ge_req *req, ge_resp *resp, const json_t *coords, ge_pl_ask *a)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    json_t *geom = json_pack("{s:s, s:O}", "type", "Point", "coordinates", coords);
    ge_geojson_in_opts in;
    ge_features fs = {0};
    ge_err err;
    int rc;

    ge_geojson_in_opts_init(&in);
    in.crs = a->crs;
    in.crs_explicit = a->crs_explicit;
    in.store_srid = ge_store_srid(req->ctx->store);
    in.path = "near.point";
    ge_err_clear(&err);
    rc = geom ? ge_geojson_in_parse(h, geom, &in, &fs, &err)
              : ge_err_set(&err, GE_ENOMEM, "out of memory");
    json_decref(geom);
    if (rc == GE_OK && fs.n == 1) {
        GEOSGeomGetX_r(h, fs.items[0].geom, &a->req.ax);
        GEOSGeomGetY_r(h, fs.items[0].geom, &a->req.ay);
    } else if (rc == GE_OK) {
        rc = ge_err_set(&err, GE_EINVAL, "near.point: expected [longitude, latitude]");
    }
    ge_features_free(h, &fs);
    return rc < 0 ? ge_forms_bad_member(req, resp, "near.point", &err) : GE_OK;
}

/* "Lindenallee 9" and "lindenallee  9" are the same address. */
static void ge_pl_fold(const char *in, char *out, size_t n)
{
    size_t k = 0;
    bool space = true;

    for (const unsigned char *p = (const unsigned char *)in; *p && k + 1 < n; p++) {
        unsigned char c = *p;
        if (c == ' ' || c == '\t' || c == ',') {
            if (!space) out[k++] = ' ';
            space = true;
            continue;
        }
        out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        space = false;
    }
    while (k && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

/* The address: the search's first hit whose label is the text asked for
 * (folded), else the one hit there is; else a 422 with what is similar. */
static int ge_pl_address(ge_req *req, ge_resp *resp, const char *q, ge_pl_ask *a)
{
    ge_address hits[10];
    size_t n = 0;
    char want[256], got[256];
    const ge_address *pick = NULL;
    json_t *p, *similar;
    ge_err err;
    int rc;

    ge_err_clear(&err);
    rc = ge_store_addresses_search(req->ctx->store, q, 10, hits, &n, &err);
    if (rc == GE_EINVAL) return ge_forms_bad_member(req, resp, "near.address", &err);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    ge_pl_fold(q, want, sizeof want);
    for (size_t i = 0; i < n && !pick; i++) {
        ge_pl_fold(hits[i].label, got, sizeof got);
        if (!strcmp(got, want)) pick = &hits[i];
    }
    if (!pick && n == 1) pick = &hits[0];
    if (pick) {
        a->req.ax = pick->x;
        a->req.ay = pick->y;
        snprintf(a->address, sizeof a->address, "%s", pick->label);
        return GE_OK;
    }
    /* nothing exact: what is there for the street alone? */
    if (n == 0) {
        char street[256];
        char *sp;
        snprintf(street, sizeof street, "%s", q);
        sp = strrchr(street, ' ');
        if (sp && sp != street) {
            *sp = '\0';
            if (ge_store_addresses_search(req->ctx->store, street, 5, hits, &n, &err) < 0) n = 0;
        }
    }
    p = ge_resp_problem(resp, req, 422,
                        GE_TR(req, DE("near.address: '%.120s' ist keine Adresse dieser Stadt%s."),
                              EN("near.address: '%.120s' is not an address of this city%s.")),
                        q,
                        n ? GE_TR(req, DE("; ähnliche stehen in 'similar'"),
                                  EN("; similar ones are listed in 'similar'"))
                          : "");
    similar = json_array();
    for (size_t i = 0; i < n && i < 5; i++)
        json_array_append_new(similar, json_string(hits[i].label));
    if (p) {
        json_object_set_new(p, "member", json_string("near.address"));
        json_object_set_new(p, "similar", similar);
    } else {
        json_decref(similar);
    }
    return GE_ENOENT;
}

static int ge_pl_near(ge_req *req, ge_resp *resp, const json_t *near, ge_pl_ask *a)
{
    static const char *const allowed[] = {"address", "point", NULL};
    const json_t *addr = json_object_get(near, "address"), *pt = json_object_get(near, "point");
    int rc;

    if (!json_is_object(near))
        return ge_pl_bad(
            req, resp, "near", 400,
            GE_TEXT(DE("near: erwartet wird {\"address\": \"Straße 9\"} oder {\"point\": "
                       "[lon, lat]}."),
                    EN("near: expected {\"address\": \"Street 9\"} or {\"point\": [lon, lat]}.")));
    rc = ge_forms_members(req, resp, near, "near", allowed);
    if (rc < 0) return rc;
    if (!!addr == !!pt)
        return ge_pl_bad(req, resp, "near", 400,
                         GE_TEXT(DE("near: geben Sie entweder eine Adresse oder einen Punkt an."),
                                 EN("near: give either an address or a point.")));
    if (pt) return ge_pl_point(req, resp, pt, a);
    if (!json_is_string(addr) || json_string_length(addr) == 0)
        return ge_pl_bad(
            req, resp, "near.address", 400,
            GE_TEXT(DE("near.address: erwartet wird die Adresse als Text (\"Lindenallee 9\")."),
                    EN("near.address: expected the address as text (\"Lindenallee 9\").")));
    return ge_pl_address(req, resp, json_string_value(addr), a);
}

/* The body's members; the public route also names the service and period. */
static int ge_pl_read(ge_req *req, ge_resp *resp, const json_t *body, bool public_route,
                      ge_pl_ask *a)
{
    static const char *const public_members[] = {"service", "near",           "size",     "period",
                                                 "limit",   "max_distance_m", "features", NULL};
    static const char *const edit_members[] = {"near",           "size",     "limit",
                                               "max_distance_m", "features", NULL};
    const json_t *v;
    ge_err err;
    int rc;

    rc = ge_forms_members(req, resp, body, "the request",
                          public_route ? public_members : edit_members);
    if (rc < 0) return rc;
    v = json_object_get(body, "limit");
    if (v && !(json_is_integer(v) && json_integer_value(v) >= 1 &&
               json_integer_value(v) <= GE_PLACEMENT_MAX_LIMIT))
        return ge_pl_bad(req, resp, "limit", 400,
                         GE_TEXT(DE("limit: erwartet wird eine ganze Zahl von 1 bis 10."),
                                 EN("limit: expected a whole number from 1 to 10.")));
    if (v) a->req.limit = (int)json_integer_value(v);
    rc = ge_pl_number(req, resp, body, "max_distance_m", "max_distance_m", 0,
                      GE_PLACEMENT_MAX_DISTANCE, &a->req.max_distance_m);
    v = json_object_get(body, "size");
    if (rc == GE_OK && v) {
        static const char *const size_members[] = {"width_m", "length_m", NULL};
        if (!json_is_object(v) || !json_object_get(v, "width_m") || !json_object_get(v, "length_m"))
            return ge_pl_bad(
                req, resp, "size", 400,
                GE_TEXT(DE("size: erwartet wird {\"width_m\": 2, \"length_m\": 4} in Metern."),
                        EN("size: expected {\"width_m\": 2, \"length_m\": 4} in metres.")));
        rc = ge_forms_members(req, resp, v, "size", size_members);
        if (rc == GE_OK)
            rc = ge_pl_number(req, resp, v, "width_m", "size.width_m", 0, 100, &a->req.width_m);
        if (rc == GE_OK)
            rc = ge_pl_number(req, resp, v, "length_m", "size.length_m", 0, 100, &a->req.length_m);
    }
    v = json_object_get(body, "period");
    if (rc == GE_OK && v && !json_is_null(v)) {
        ge_err_clear(&err);
        rc = ge_rules_period_from_json(v, &a->period, &err);
        if (rc < 0) return ge_forms_bad_member(req, resp, "period", &err);
        a->req.period = &a->period;
    }
    v = json_object_get(body, "features");
    if (rc == GE_OK && v && !json_is_null(v)) {
        GEOSContextHandle_t h = ge_geos_ctx();
        ge_geojson_in_opts in;
        ge_geojson_in_opts_init(&in);
        in.crs = a->crs;
        in.crs_explicit = a->crs_explicit;
        in.store_srid = ge_store_srid(req->ctx->store);
        in.path = "features";
        ge_err_clear(&err);
        rc = ge_geojson_in_parse(h, v, &in, &a->keep, &err);
        if (rc < 0) return ge_forms_bad_member(req, resp, "features", &err);
        a->req.keep = &a->keep;
    }
    if (rc == GE_OK) {
        v = json_object_get(body, "near");
        rc = v ? ge_pl_near(req, resp, v, a)
               : ge_pl_bad(req, resp, "near", 400,
                           GE_TEXT(DE("near: fehlt; geben Sie eine Adresse oder einen Punkt an."),
                                   EN("near: missing; give an address or a point.")));
    }
    return rc;
}

/* An anchor far outside the municipal area: nothing to propose there. */
static int ge_pl_check_town(ge_req *req, ge_resp *resp, const ge_refsnap *snap, ge_pl_ask *a)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    const ge_reflayer *town = snap ? ge_refsnap_layer(snap, "boundary") : NULL;
    GEOSGeometry *pt;
    double d = 0;
    json_t *p;

    if (!town || ge_reflayer_size(town) == 0) return GE_OK;
    pt = GEOSGeom_createPointFromXY_r(h, a->req.ax, a->req.ay);
    if (!pt || !ge_reflayer_nearest(h, town, pt, &d)) d = 0;
    if (pt) GEOSGeom_destroy_r(h, pt);
    if (d <= a->req.max_distance_m) return GE_OK;
    p = ge_resp_problem(
        resp, req, 422,
        GE_TR(req,
              DE("near: der Ort liegt %.0f m außerhalb des Gemeindegebiets; "
                 "Vorschläge gibt es bis %.0f m davon."),
              EN("near: the place lies %.0f m outside the municipal area; proposals "
                 "are made within %.0f m of it.")),
        d, a->req.max_distance_m);
    if (p) {
        json_object_set_new(p, "member", json_string("near"));
        json_object_set_new(p, "distance_m", json_real(round(d)));
    }
    return GE_ELIMIT;
}

/* The location sentence of a proposal: its report's, for the last feature
 * (the proposal), as the engine made it. */
static json_t *ge_pl_location(const json_t *report)
{
    const json_t *m = json_object_get(report, "measures");
    return json_object_get(json_array_get(m, json_array_size(m) - 1), "location");
}

static json_t *ge_pl_answer(GEOSContextHandle_t h, ge_req *req, const ge_refsnap *snap,
                            const ge_pl_ask *a, const ge_placement_result *res, ge_err *err)
{
    ge_crs store = ge_forms_store_crs(req);
    static const char *const shapes[] = {"rectangle", "rectangle", "point", "line"};
    json_t *doc, *list = json_array(), *pt;
    GEOSGeometry *anchor = GEOSGeom_createPointFromXY_r(h, a->req.ax, a->req.ay);

    pt = anchor ? ge_geojson_out_geometry(h, anchor, &store, &a->crs, err) : NULL;
    if (anchor) GEOSGeom_destroy_r(h, anchor);
    if (pt) { /* [x, y] as the request gives a point */
        json_t *c = json_incref(json_object_get(pt, "coordinates"));
        json_decref(pt);
        pt = c;
    }
    for (size_t i = 0; list && i < res->n; i++) {
        const ge_placement *p = &res->v[i];
        json_t *fc = a->keep.n ? ge_geojson_out_features(h, &a->keep, &store, &a->crs, err)
                               : json_pack("{s:s, s:[]}", "type", "FeatureCollection", "features");
        json_t *props = json_object();
        json_t *f = ge_geojson_out_feature(h, p->geom, NULL, props, &store, &a->crs, err);
        json_decref(props); /* the feature holds its own reference */
        if (!fc || !f) {
            json_decref(fc);
            json_decref(f);
            json_decref(list);
            json_decref(pt);
            return NULL;
        }
        json_array_append_new(json_object_get(fc, "features"), f);
        json_array_append_new(list, json_pack("{s:o, s:f, s:O*, s:O}", "features", fc, "distance_m",
                                              round(p->distance_m * 10) / 10, "location",
                                              ge_pl_location(p->report), "report", p->report));
    }
    doc = json_pack("{s:{s:o*}, s:s, s:o}", "near", "point", pt, "shape", shapes[res->shape],
                    "placements", list);
    if (!doc) return NULL;
    if (a->address[0])
        json_object_set_new(json_object_get(doc, "near"), "address", json_string(a->address));
    /* where the anchor is, in words; nothing when nothing can honestly be said */
    anchor = GEOSGeom_createPointFromXY_r(h, a->req.ax, a->req.ay);
    if (anchor) {
        ge_err lerr;
        json_t *where = ge_location_describe(h, snap, anchor, a->req.service, &lerr);
        if (where) json_object_set_new(json_object_get(doc, "near"), "location", where);
        GEOSGeom_destroy_r(h, anchor);
    }
    if (res->shape == GE_PLACE_RECTANGLE)
        json_object_set_new(
            doc, "size",
            json_pack("{s:f, s:f}", "width_m", res->width_m, "length_m", res->length_m));
    if (json_array_size(res->reasons)) json_object_set(doc, "reasons", res->reasons);
    /* without a period the reports say it is missing: the place is what was judged */
    if (!a->req.period) json_object_set_new(doc, "period_checked", json_false());
    return doc;
}

/* 422 for a size the service does not allow, in the request's language. */
static int ge_pl_size_problem(ge_req *req, ge_resp *resp, const ge_placement_issue *is)
{
    const bool area = !strcmp(is->member, "size");
    const char *unit = area ? "m²" : "m";
    const char *what_en = area ? "area" : strstr(is->member, "width") ? "width" : "length";
    const char *what_de = area ? "Fläche" : strstr(is->member, "width") ? "Breite" : "Länge";
    char v[2][32], l[2][32];
    json_t *p;

    for (int g = 0; g < 2; g++) {
        ge_rules_format_number(is->value, 2, 0, g == 0, v[g], sizeof v[g]);
        ge_rules_format_number(is->limit, 2, 0, g == 0, l[g], sizeof l[g]);
    }
    if (ge_req_lang(req) == GE_LANG_DE)
        p = ge_resp_problem(resp, req, 422,
                            "%s: %s %s ist %s als die %s %s dieser Antragsart (%s %s).", is->member,
                            v[0], unit, is->above ? "mehr" : "weniger",
                            is->above ? "größte" : "kleinste", what_de, l[0], unit);
    else
        p = ge_resp_problem(resp, req, 422, "%s: %s %s is %s the service's %s %s of %s %s.",
                            is->member, v[1], unit, is->above ? "above" : "below",
                            is->above ? "largest" : "smallest", what_en, l[1], unit);
    if (p) {
        json_object_set_new(p, "member", json_string(is->member));
        json_object_set_new(p, "limit", json_real(is->limit));
    }
    return GE_ELIMIT;
}

/* Reads, searches, answers: the part both routes share. */
static int ge_pl_run(ge_req *req, ge_resp *resp, const json_t *body, const ge_service *svc,
                     const ge_draft *draft, ge_pl_ask *a)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_refsnap *snap = req->ctx->refindex ? ge_refindex_acquire(req->ctx->refindex) : NULL;
    ge_app app = ge_req_app(req);
    ge_app_others others = {.h = h};
    ge_placement_result res = {0};
    ge_placement_issue issue = {0};
    json_t *doc;
    ge_err err;
    int rc;

    ge_err_clear(&err);
    others.err = &err;
    a->req.service = svc;
    a->req.out_crs = a->crs;
    rc = ge_pl_read(req, resp, body, draft == NULL, a);
    if (rc == GE_OK && !snap) {
        rc = ge_pl_bad(req, resp, "near", 503,
                       GE_TEXT(DE("Es sind noch keine Referenzdaten geladen."),
                               EN("No reference data is loaded yet.")));
        goto out;
    }
    if (rc == GE_OK) rc = ge_placement_check(&a->req, &issue, &err);
    if (rc == GE_ELIMIT) {
        rc = ge_pl_size_problem(req, resp, &issue);
        goto out;
    }
    if (rc < 0 && err.code) { /* no default size: the request must give one */
        json_t *p = ge_resp_problem(resp, req, 400, "%s", err.msg);
        if (p) json_object_set_new(p, "member", json_string("size"));
        goto out;
    }
    if (rc == GE_OK) rc = ge_pl_check_town(req, resp, snap, a);
    if (rc < 0) goto out;
    if (draft) {
        /* the editor sees other applications the way its checks do */
        double box[4] = {a->req.ax - a->req.max_distance_m, a->req.ay - a->req.max_distance_m,
                         a->req.ax + a->req.max_distance_m, a->req.ay + a->req.max_distance_m};
        rc = ge_app_others_in_box(&app, svc, box, draft->id, &others, &err);
        a->req.others = others.v;
        a->req.nothers = others.n;
        a->req.conflicts = GE_RULES_CONFLICTS_ANONYMOUS;
    } else {
        a->req.conflicts = GE_RULES_CONFLICTS_UNCHECKED;
    }
    if (rc == GE_OK) rc = ge_placement_search(h, snap, &a->req, &res, &err);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    doc = ge_pl_answer(h, req, snap, a, &res, &err);
    rc = doc ? ge_forms_json(resp, 200, doc, NULL) : ge_resp_error(resp, req, &err);
    if (rc == GE_OK) {
        char timing[96];
        snprintf(timing, sizeof timing, "placements;dur=%.3f, cpu;dur=%.3f",
                 ge_pl_clock_ms(CLOCK_MONOTONIC) - a->t0,
                 ge_pl_clock_ms(CLOCK_THREAD_CPUTIME_ID) - a->c0);
        ge_forms_content_crs(resp, &a->crs);
        rc = ge_resp_header(resp, "Server-Timing", timing);
    }
out:
    ge_placement_result_free(h, &res);
    ge_app_others_free(&others);
    ge_features_free(h, &a->keep);
    if (snap) ge_refsnap_release(snap);
    return rc;
}

static int ge_pl_begin(ge_req *req, ge_resp *resp, ge_pl_ask *a, json_t **body)
{
    ge_app app = ge_req_app(req);
    int rc;

    memset(a, 0, sizeof *a);
    a->t0 = ge_pl_clock_ms(CLOCK_MONOTONIC);
    a->c0 = ge_pl_clock_ms(CLOCK_THREAD_CPUTIME_ID);
    ge_placement_req_init(&a->req);
    a->req.today = ge_app_today(&app); /* lead times by the server's clock */
    rc = ge_forms_crs_param(req, resp, &a->crs, &a->crs_explicit);
    if (rc == GE_OK) rc = ge_forms_body(req, resp, body);
    return rc;
}

static int ge_pl_public(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_services *ss = req->ctx->services;
    const json_t *sv;
    const ge_service *svc = NULL;
    json_t *body = NULL;
    ge_pl_ask a;
    int rc;

    (void)ud;
    rc = ge_pl_begin(req, resp, &a, &body);
    if (rc < 0) return rc;
    sv = json_object_get(body, "service");
    if (!json_is_string(sv)) {
        rc = ge_pl_bad(req, resp, "service", 400,
                       GE_TEXT(DE("service: fehlt; nennen Sie die Antragsart."),
                               EN("service: missing; name the application type.")));
        goto out;
    }
    svc = ss ? ge_services_find(ss, json_string_value(sv)) : NULL;
    if (!svc) {
        json_t *p = ge_resp_problem(resp, req, 422,
                                    GE_TR(req, DE("service: '%.60s' gibt es nicht."),
                                          EN("service: '%.60s' does not exist.")),
                                    json_string_value(sv)),
               *known = json_array();
        for (size_t i = 0; ss && i < ge_services_count(ss); i++)
            json_array_append_new(known, json_string(ge_services_at(ss, i)->id));
        if (p) {
            json_object_set_new(p, "member", json_string("service"));
            json_object_set_new(p, "known", known);
        } else {
            json_decref(known);
        }
        rc = GE_ENOENT;
        goto out;
    }
    rc = ge_pl_run(req, resp, body, svc, NULL, &a);
out:
    json_decref(body);
    return rc;
}

static int ge_pl_edit(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_service *svc;
    json_t *body = NULL;
    ge_draft d;
    ge_pl_ask a;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    rc = ge_forms_edit_draft(req, resp, &d);
    if (rc < 0) return rc;
    rc = ge_pl_begin(req, resp, &a, &body);
    if (rc < 0) goto out;
    svc = req->ctx->services ? ge_services_find(req->ctx->services, d.service) : NULL;
    if (!svc) {
        ge_err_set(&err, GE_EINTERNAL, "the draft's service '%s' is no longer configured",
                   d.service);
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    if (d.period_start[0] && d.period_end[0] &&
        ge_date_parse(d.period_start, &a.period.start, &err) == GE_OK &&
        ge_date_parse(d.period_end, &a.period.end, &err) == GE_OK)
        a.req.period = &a.period;
    rc = ge_pl_run(req, resp, body, svc, &d, &a);
out:
    json_decref(body);
    ge_draft_clear(&d);
    return rc;
}

int ge_handlers_placements_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc = ge_router_add_flags(r, "POST", "/v1/placements", ge_pl_public, ctx,
                                 GE_ROUTE_CORS | GE_ROUTE_COMPUTE, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "POST", "/v1/edit/{token}/placements", ge_pl_edit, ctx,
                                 GE_ROUTE_COMPUTE, err);
    return rc;
}
