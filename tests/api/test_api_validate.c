/*
 * test_api_validate.c - POST /v1/validate and GET /v1/services[/{id}]
 * against the real server, twice: on the project's demo quarter (EPSG:25832)
 * and on the shared OSM extract (EPSG:25833), each imported with the CLI
 * into a fresh store.
 *
 * What it shows: a valid placement for every shipped service (searched along
 * the real roads of the store, not hard-coded), a skip container 4.99, 5.00
 * and 5.01 m from a real hydrant, the messages in German and English, the
 * report's geometries in the request's CRS, every feature's location sentence
 * (demo quarter), and every kind of bad input of issue 4 answered by a
 * problem+json that names the problem, with the server still healthy
 * afterwards. The shared-extract group is its own ctest test
 * (test_api_validate_extract: this program with --extract) and skips
 * visibly when the extract is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "date.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "store.h"
#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

#define MB 1048576

/* A road segment of the store, in its CRS. */
typedef struct seg {
    double x, y, ux, uy, len;
} seg;

typedef struct world {
    const char *name;
    ts_server srv;
    bool up;
    int srid;
    char crs_uri[80];
    seg *segs;
    size_t nsegs;
    double *hydrants; /* x, y pairs */
    size_t nhydrants;
} world;

static world DEMO = {.name = "api_validate_demo", .srid = 25832};
static world EXTRACT = {.name = "api_validate_extract", .srid = 25833};

/* ---- set-up: import with the CLI, read roads and hydrants, serve ------------ */

static int world_read_store(world *w, const char *db)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_store_opts so = {.path = ts_store_db(db, false), .srid = w->srid};
    ge_store *st = NULL;
    ge_refsnap *snap = NULL;
    ge_err err = {0};
    const ge_reflayer *roads, *hyd;
    size_t cap = 0;

    if (ge_store_open(&st, &so, &err) != GE_OK ||
        ge_refindex_build_from_store(st, &snap, &err) != GE_OK) {
        fprintf(stderr, "reading %s: %s\n", db, err.msg);
        if (st) ge_store_close(st);
        return -1;
    }
    ge_store_close(st);
    roads = ge_refsnap_layer(snap, "roads");
    hyd = ge_refsnap_layer(snap, "hydrants");
    for (size_t i = 0; roads && i < ge_reflayer_size(roads); i++) {
        const GEOSGeometry *g = ge_reflayer_item(roads, i)->geom;
        const GEOSGeometry *line =
            GEOSGetNumGeometries_r(h, g) > 0 ? GEOSGetGeometryN_r(h, g, 0) : g;
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, line);
        unsigned size = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size)) continue;
        for (unsigned k = 0; k + 1 < size; k++) {
            double x0, y0, x1, y1, len;
            GEOSCoordSeq_getXY_r(h, seq, k, &x0, &y0);
            GEOSCoordSeq_getXY_r(h, seq, k + 1, &x1, &y1);
            len = hypot(x1 - x0, y1 - y0);
            if (len < 12) continue;
            if (w->nsegs == cap) {
                cap = cap ? 2 * cap : 256;
                w->segs = realloc(w->segs, cap * sizeof *w->segs);
            }
            w->segs[w->nsegs++] = (seg){x0, y0, (x1 - x0) / len, (y1 - y0) / len, len};
        }
    }
    w->nhydrants = hyd ? ge_reflayer_size(hyd) : 0;
    w->hydrants = calloc(2 * w->nhydrants + 2, sizeof *w->hydrants);
    for (size_t i = 0; i < w->nhydrants; i++) {
        const GEOSGeometry *g = ge_reflayer_item(hyd, i)->geom;
        GEOSGeomGetX_r(h, g, &w->hydrants[2 * i]);
        GEOSGeomGetY_r(h, g, &w->hydrants[2 * i + 1]);
    }
    ge_refsnap_release(snap);
    return 0;
}

static int world_start(world *w, const char *source)
{
    char db[4096], srid[16], dirname[128];
    const char *dir;
    ts_server_opts o = {0};

    /* ts_server_start makes (and empties) a directory named w->name. */
    snprintf(dirname, sizeof dirname, "%s_store", w->name);
    dir = ts_tmpdir(dirname);
    snprintf(db, sizeof db, "%s", ts_path(dir, "store.sqlite"));
    snprintf(srid, sizeof srid, "%d", w->srid);
    snprintf(w->crs_uri, sizeof w->crs_uri, "http://www.opengis.net/def/crs/EPSG/0/%d", w->srid);
    if (ts_run_import_srid(db, srid, source) != 0) return -1;
    if (world_read_store(w, db) < 0) return -1;
    o.db = db;
    if (ts_server_start(&w->srv, w->name, &o) != 0) return -1;
    w->up = true;
    return 0;
}

static int start_demo(void **state)
{
    char src[4096];
    snprintf(src, sizeof src, "%s", ts_demo_osm());
    *state = &DEMO;
    return world_start(&DEMO, src);
}

static int start_extract(void **state)
{
    const char *osm = ts_shared_osm();
    *state = &EXTRACT;
    if (!osm) return 0; /* every test of the group skips */
    return world_start(&EXTRACT, osm);
}

static int stop_world(void **state)
{
    world *w = *state;
    int status = w->up ? ts_server_stop(&w->srv) : 0;

    free(w->segs);
    free(w->hydrants);
    ge_geos_thread_cleanup();
    if (status != 0) fprintf(stderr, "%s: server exited with %d\n", w->name, status);
    return status == 0 ? 0 : -1;
}

#define NEED_UP(w)                                                                                 \
    do {                                                                                           \
        if (!(w)->up) skip();                                                                      \
    } while (0)

/* ---- helpers ---------------------------------------------------------------- */

static json_t *parse_json(const ts_http_resp *r)
{
    json_error_t e;
    json_t *doc = json_loadb(r->body, r->body_len, 0, &e);
    if (!doc) fail_msg("not JSON (%s): %.300s", e.text, r->body);
    return doc;
}

/* POSTs body to /v1/validate + query; fills r. */
static void post(world *w, const char *query, const char *lang, const void *body, size_t len,
                 ts_http_resp *r)
{
    char url[512], al[64];
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
    ts_http_req q = {.url = url, .body = body, .body_len = len, .headers = headers};

    snprintf(url, sizeof url, "%s/v1/validate%s", w->srv.base, query ? query : "");
    if (lang) {
        snprintf(al, sizeof al, "Accept-Language: %s", lang);
        headers[1] = al;
    }
    if (ts_http(&q, r) != 0) fail_msg("POST %s: %s", url, r->error);
}

static void expect_healthy(world *w)
{
    ts_http_resp r;
    if (ts_http_get(ts_server_url(&w->srv, "/healthz"), &r) != 0 || r.status != 200)
        fail_msg("%s is not healthy after the last request: %ld %s", w->name, r.status, r.error);
    ts_http_resp_free(&r);
}

/* The report of a 200 answer (decref it). */
static json_t *validate_ok(world *w, const char *query, const char *body)
{
    ts_http_resp r;
    json_t *doc;

    post(w, query, NULL, body, strlen(body), &r);
    if (r.status != 200) fail_msg("expected 200, got %ld: %.400s", r.status, r.body);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    const char *timing = ts_http_header(&r, "Server-Timing");
    if (!timing || strncmp(timing, "validate;dur=", 13) != 0 || !strstr(timing, ", cpu;dur="))
        fail_msg("Server-Timing: %s", timing ? timing : "(none)");
    doc = parse_json(&r);
    ts_http_resp_free(&r);
    return doc;
}

/* Sends body and checks the answer is a problem of that status whose detail
 * holds every needle; the server must stay healthy. */
static void expect_problem(world *w, const char *query, const void *body, size_t len, int status,
                           const char *const *needles)
{
    ts_http_resp r;
    const char *ct, *detail;
    json_t *p;

    post(w, query, NULL, body, len, &r);
    ct = ts_http_header(&r, "Content-Type");
    if (r.status != status)
        fail_msg("expected %d, got %ld for %.80s: %.400s", status, r.status, (const char *)body,
                 r.body);
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("Content-Type of a problem: %s", ct ? ct : "(none)");
    p = parse_json(&r);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    detail = json_string_value(json_object_get(p, "detail"));
    assert_non_null(detail);
    for (size_t i = 0; needles && needles[i]; i++)
        if (!strstr(detail, needles[i])) fail_msg("detail lacks '%s': %s", needles[i], detail);
    json_decref(p);
    ts_http_resp_free(&r);
    expect_healthy(w);
}

#define PROBLEM(w, body, status, ...)                                                              \
    do {                                                                                           \
        const char *const needles_[] = {__VA_ARGS__, NULL};                                        \
        expect_problem(w, NULL, body, strlen(body), status, needles_);                             \
    } while (0)

/* A period the lead-time and length rules of every service accept. */
static void period_json(char *buf, size_t n)
{
    char a[16], b[16];
    ge_date_format_iso(ge_date_local(time(NULL)) + 20, a, sizeof a);
    ge_date_format_iso(ge_date_local(time(NULL)) + 22, b, sizeof b);
    snprintf(buf, n, "{\"start\": \"%s\", \"end\": \"%s\"}", a, b);
}

static void seg_point(const seg *s, double u, double v, double *x, double *y)
{
    *x = s->x + u * s->ux - v * s->uy;
    *y = s->y + u * s->uy + v * s->ux;
}

/* GeoJSON geometry text for a placement along a segment, in the store CRS. */
static void make_skip(const seg *s, char *buf, size_t n)
{
    double p[8];
    seg_point(s, 3, 0.3, &p[0], &p[1]);
    seg_point(s, 7, 0.3, &p[2], &p[3]);
    seg_point(s, 7, 2.3, &p[4], &p[5]);
    seg_point(s, 3, 2.3, &p[6], &p[7]);
    snprintf(buf, n,
             "{\"type\": \"Polygon\", \"coordinates\": [[[%.3f, %.3f], [%.3f, %.3f], [%.3f, %.3f], "
             "[%.3f, %.3f], [%.3f, %.3f]]]}",
             p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[0], p[1]);
}

static void make_access(const seg *s, char *buf, size_t n)
{
    double p[4];
    seg_point(s, 5, 0.2, &p[0], &p[1]);
    seg_point(s, 5, 8.0, &p[2], &p[3]);
    snprintf(buf, n, "{\"type\": \"LineString\", \"coordinates\": [[%.3f, %.3f], [%.3f, %.3f]]}",
             p[0], p[1], p[2], p[3]);
}

static void make_stand(const seg *s, char *buf, size_t n)
{
    double x, y;
    seg_point(s, 5, 1.5, &x, &y);
    snprintf(buf, n, "{\"type\": \"Point\", \"coordinates\": [%.3f, %.3f]}", x, y);
}

typedef void (*make_fn)(const seg *s, char *buf, size_t n);

/* The public endpoint does not look at other applicants' cases: its report
 * lists the service's conflict rule as unchecked for every feature, with a
 * reason in both languages, and nothing else there. */
static bool only_conflict_unchecked(const json_t *rep, size_t nfeatures)
{
    const json_t *u = json_object_get(rep, "unchecked");

    if (json_array_size(u) != nfeatures) return false;
    for (size_t i = 0; i < nfeatures; i++) {
        const json_t *e = json_array_get(u, i), *reason = json_object_get(e, "reason");
        const char *de = json_string_value(json_object_get(reason, "de"));
        const char *en = json_string_value(json_object_get(reason, "en"));
        if (strcmp(json_string_value(json_object_get(e, "rule")), "conflict") ||
            json_integer_value(json_object_get(e, "feature")) != (json_int_t)i || !de || !en ||
            !strstr(de, "Überschneidungen mit anderen Anträgen werden hier nicht geprüft") ||
            !strstr(en, "Conflicts with other applications are not checked here"))
            return false;
    }
    return true;
}

/* Tries the placement along the roads until the server finds nothing wrong
 * with it; returns that report (decref it). */
static json_t *find_valid(world *w, const char *service, make_fn make)
{
    char geom[512], period[96], body[1024], query[128];

    period_json(period, sizeof period);
    snprintf(query, sizeof query, "?crs=%s", w->crs_uri);
    for (size_t i = 0; i < w->nsegs && i < 3000; i += 3) {
        json_t *rep;
        make(&w->segs[i], geom, sizeof geom);
        snprintf(body, sizeof body,
                 "{\"service\": \"%s\", \"period\": %s, \"features\": {\"type\": "
                 "\"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": "
                 "{}, \"geometry\": %s}]}}",
                 service, period, geom);
        rep = validate_ok(w, query, body);
        if (json_is_true(json_object_get(rep, "valid")) &&
            json_array_size(json_object_get(rep, "violations")) == 0) {
            if (!only_conflict_unchecked(rep, 1)) {
                char *s = json_dumps(json_object_get(rep, "unchecked"), 0);
                fail_msg("%s: unchecked should hold the conflict rule alone: %s", service, s);
            }
            return rep;
        }
        json_decref(rep);
    }
    fail_msg("%s: no valid placement for %s along %zu road segments", w->name, service, w->nsegs);
    return NULL;
}

static void check_valid_placements(world *w)
{
    json_t *rep;

    rep = find_valid(w, "skip-container", make_skip);
    assert_string_equal(json_string_value(json_object_get(rep, "service")), "skip-container");
    /* The report speaks the request's CRS. */
    assert_string_equal(json_string_value(json_object_get(rep, "crs")), w->crs_uri);
    json_t *m = json_array_get(json_object_get(rep, "measures"), 0);
    /* 4 x 2 m, drawn with millimetre coordinates */
    assert_true(fabs(json_real_value(json_object_get(m, "area_m2")) - 8.0) < 0.02);
    assert_true(fabs(json_real_value(json_object_get(m, "width_m")) - 2.0) < 0.005);
    assert_true(fabs(json_real_value(json_object_get(m, "length_m")) - 4.0) < 0.005);
    json_decref(rep);

    rep = find_valid(w, "construction-access", make_access);
    m = json_array_get(json_object_get(rep, "measures"), 0);
    assert_true(fabs(json_real_value(json_object_get(m, "length_m")) - 7.8) < 0.005);
    json_decref(rep);

    rep = find_valid(w, "info-stand", make_stand);
    json_decref(rep);
}

/* ---- services ---------------------------------------------------------------- */

static void test_services(void **state)
{
    world *w = *state;
    ts_http_resp r;
    json_t *doc, *list;
    const char *etag;
    char inm[128];

    NEED_UP(w);
    assert_int_equal(ts_http_get(ts_server_url(&w->srv, "/v1/services"), &r), 0);
    assert_int_equal(r.status, 200);
    doc = parse_json(&r);
    list = json_object_get(doc, "services");
    assert_int_equal(json_array_size(list), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *s = json_array_get(list, i), *t = json_object_get(s, "title");
        assert_non_null(json_string_value(json_object_get(t, "de")));
        assert_non_null(json_string_value(json_object_get(t, "en")));
    }
    json_decref(doc);
    ts_http_resp_free(&r);

    assert_int_equal(ts_http_get(ts_server_url(&w->srv, "/v1/services/skip-container"), &r), 0);
    assert_int_equal(r.status, 200);
    doc = parse_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "id")), "skip-container");
    assert_true(json_array_size(json_object_get(doc, "rules")) > 10);
    assert_non_null(json_object_get(doc, "geometry"));
    assert_non_null(json_object_get(doc, "period"));
    json_decref(doc);
    etag = ts_http_header(&r, "ETag");
    assert_non_null(etag);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    ts_http_resp_free(&r);

    /* The same tag again: 304 without a body. */
    const char *headers[] = {inm, NULL};
    ts_http_req q = {.url = ts_server_url(&w->srv, "/v1/services/skip-container"),
                     .headers = headers};
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    ts_http_resp_free(&r);

    /* An unknown id: 404 naming it and the known ones, in German too. */
    const char *de[] = {"Accept-Language: de", NULL};
    ts_http_req q404 = {.url = ts_server_url(&w->srv, "/v1/services/hot-dog-stand"), .headers = de};
    assert_int_equal(ts_http(&q404, &r), 0);
    assert_int_equal(r.status, 404);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    doc = parse_json(&r);
    const char *detail = json_string_value(json_object_get(doc, "detail"));
    assert_non_null(strstr(detail, "Es gibt keinen Dienst 'hot-dog-stand'"));
    assert_non_null(strstr(detail, "construction-access, info-stand, skip-container"));
    assert_int_equal(json_array_size(json_object_get(doc, "known")), 3);
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* ---- valid placements ------------------------------------------------------ */

static void test_valid_placements(void **state)
{
    world *w = *state;
    NEED_UP(w);
    check_valid_placements(w);
}

/* ---- a skip 4.99 / 5.00 / 5.01 m from a real hydrant ------------------------ */

/* The hydrant-distance violation of a skip whose west edge is d metres east
 * of hydrant k, or NULL; *rep keeps the report (decref it). */
static json_t *hydrant_violation(world *w, size_t k, double d, const char *query, json_t **rep)
{
    double hx = w->hydrants[2 * k], hy = w->hydrants[2 * k + 1];
    char body[1024], period[96];
    json_t *vs, *v;
    size_t i;

    period_json(period, sizeof period);
    snprintf(body, sizeof body,
             "{\"service\": \"skip-container\", \"period\": %s, \"features\": {\"type\": "
             "\"Polygon\", \"coordinates\": [[[%.4f, %.4f], [%.4f, %.4f], [%.4f, %.4f], [%.4f, "
             "%.4f], [%.4f, %.4f]]]}}",
             period, hx + d, hy - 1.0, hx + d + 2.0, hy - 1.0, hx + d + 2.0, hy + 2.0, hx + d,
             hy + 2.0, hx + d, hy - 1.0);
    *rep = validate_ok(w, query, body);
    vs = json_object_get(*rep, "violations");
    json_array_foreach(vs, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "rule")), "hydrant-distance") == 0)
            return v;
    }
    return NULL;
}

static void test_hydrant_limits(void **state)
{
    world *w = *state;
    char query[128];
    json_t *rep, *v, *msg, *geom;
    size_t k = 0;
    double nearest_other = 0;

    NEED_UP(w);
    if (w->nhydrants == 0) fail_msg("%s: no hydrants imported", w->name);
    /* A hydrant with no other hydrant within 20 m, so that the distance is
     * to this one. */
    for (k = 0; k < w->nhydrants; k++) {
        nearest_other = INFINITY;
        for (size_t j = 0; j < w->nhydrants; j++)
            if (j != k)
                nearest_other =
                    fmin(nearest_other, hypot(w->hydrants[2 * j] - w->hydrants[2 * k],
                                              w->hydrants[2 * j + 1] - w->hydrants[2 * k + 1]));
        if (nearest_other > 20) break;
    }
    assert_true(k < w->nhydrants);
    snprintf(query, sizeof query, "?crs=%s", w->crs_uri);

    v = hydrant_violation(w, k, 4.99, query, &rep);
    if (!v) fail_msg("4.99 m from the hydrant is not reported: %s", json_dumps(rep, 0));
    assert_false(json_is_true(json_object_get(rep, "valid")));
    assert_string_equal(json_string_value(json_object_get(v, "severity")), "error");
    assert_true(fabs(json_real_value(json_object_get(v, "measured")) - 4.99) < 0.001);
    assert_true(json_number_value(json_object_get(v, "limit")) == 5.0);
    assert_string_equal(json_string_value(json_object_get(v, "bound")), "min");
    msg = json_object_get(v, "message");
    assert_non_null(strstr(json_string_value(json_object_get(msg, "de")),
                           "4,99 m Abstand zum Hydranten, mindestens 5 m"));
    assert_non_null(strstr(json_string_value(json_object_get(msg, "en")),
                           "4.99 m from the hydrant, at least 5 m"));
    /* The highlight is the shortest line to the hydrant, in the request's CRS. */
    geom = json_object_get(v, "geometry");
    assert_string_equal(json_string_value(json_object_get(geom, "type")), "LineString");
    json_t *c0 = json_array_get(json_object_get(geom, "coordinates"), 0);
    json_t *c1 = json_array_get(json_object_get(geom, "coordinates"), 1);
    double len =
        hypot(json_number_value(json_array_get(c1, 0)) - json_number_value(json_array_get(c0, 0)),
              json_number_value(json_array_get(c1, 1)) - json_number_value(json_array_get(c0, 1)));
    assert_true(fabs(len - 4.99) < 0.001);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "ref"), "layer")),
                        "hydrants");
    json_decref(rep);

    v = hydrant_violation(w, k, 5.00, query, &rep);
    if (v) fail_msg("exactly 5.00 m is reported: %s", json_dumps(v, 0));
    json_decref(rep);
    v = hydrant_violation(w, k, 5.01, query, &rep);
    if (v) fail_msg("5.01 m is reported");
    json_decref(rep);
}

/* The same 4.99 m in CRS84 (the default): the engine transforms it, and the
 * highlight comes back in CRS84. */
static void test_hydrant_crs84(void **state)
{
    world *w = *state;
    ge_crs from, to = GE_CRS84;
    ge_err err = {0};
    char body[1200], period[96], crs[80];
    double xy[10], hx, hy;
    json_t *rep, *v = NULL, *vs;
    size_t i;

    NEED_UP(w);
    assert_true(w->nhydrants > 0);
    hx = w->hydrants[0];
    hy = w->hydrants[1];
    snprintf(crs, sizeof crs, "EPSG:%d", w->srid);
    assert_int_equal(ge_crs_parse(crs, &from, &err), GE_OK);
    double ring[10] = {hx + 3.0, hy - 1,   hx + 5, hy - 1,   hx + 5,
                       hy + 2,   hx + 3.0, hy + 2, hx + 3.0, hy - 1};
    memcpy(xy, ring, sizeof xy);
    assert_int_equal(ge_crs_transform(&from, &to, xy, 5, &err), GE_OK);
    period_json(period, sizeof period);
    snprintf(body, sizeof body,
             "{\"service\": \"skip-container\", \"period\": %s, \"features\": {\"type\": "
             "\"Polygon\", \"coordinates\": [[[%.9f, %.9f], [%.9f, %.9f], [%.9f, %.9f], [%.9f, "
             "%.9f], [%.9f, %.9f]]]}}",
             period, xy[0], xy[1], xy[2], xy[3], xy[4], xy[5], xy[6], xy[7], xy[0], xy[1]);
    rep = validate_ok(w, NULL, body);
    assert_string_equal(json_string_value(json_object_get(rep, "crs")),
                        "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    vs = json_object_get(rep, "violations");
    json_t *it;
    json_array_foreach(vs, i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "rule")), "hydrant-distance") == 0) v = it;
    }
    if (!v) fail_msg("3 m from the hydrant is not reported");
    assert_true(fabs(json_real_value(json_object_get(v, "measured")) - 3.0) < 0.01);
    json_t *c0 = json_array_get(json_object_get(json_object_get(v, "geometry"), "coordinates"), 0);
    double lon = json_number_value(json_array_get(c0, 0));
    double lat = json_number_value(json_array_get(c0, 1));
    assert_true(lon > 5 && lon < 16 && lat > 47 && lat < 56); /* degrees in Germany */
    json_decref(rep);
}

/* ---- the location sentence -------------------------------------------------------- */

/* A box of make_demo.py's local metres as GeoJSON in CRS84, the way the demo
 * quarter was made (data/demo/make_demo.py). */
static void demo_box_json(double x0, double y0, double x1, double y1, char *buf, size_t n)
{
    const double lon0 = 9.93, lat0 = 51.54, m_lat = 111320.0;
    const double m_lon = 111320.0 * cos(lat0 * M_PI / 180.0);
    double xs[5] = {x0, x1, x1, x0, x0}, ys[5] = {y0, y0, y1, y1, y0};
    size_t len = (size_t)snprintf(buf, n, "{\"type\": \"Polygon\", \"coordinates\": [[");
    for (int i = 0; i < 5; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s[%.9f, %.9f]", i ? ", " : "",
                                lon0 + xs[i] / m_lon, lat0 + ys[i] / m_lat);
    snprintf(buf + len, n - len, "]]}");
}

/* Every feature's measures say where it is, in both languages (the same
 * spots as tests/unit/test_location.c). */
static void test_location_sentence(void **state)
{
    world *w = *state;
    char a[512], b[512], body[1600], period[96];
    json_t *rep, *m, *l0, *l1;

    NEED_UP(w);
    demo_box_json(-95, -98.5, -91, -96.5, a, sizeof a);
    demo_box_json(-141, -98.5, -137, -96.5, b, sizeof b);
    period_json(period, sizeof period);
    snprintf(body, sizeof body,
             "{\"service\": \"skip-container\", \"period\": %s, \"features\": {\"type\": "
             "\"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": "
             "{}, \"geometry\": %s}, {\"type\": \"Feature\", \"properties\": {}, "
             "\"geometry\": %s}]}}",
             period, a, b);
    rep = validate_ok(w, NULL, body);
    m = json_object_get(rep, "measures");
    assert_int_equal(json_array_size(m), 2);
    l0 = json_object_get(json_array_get(m, 0), "location");
    l1 = json_object_get(json_array_get(m, 1), "location");
    if (!l0 || !l1) fail_msg("measures without a location: %s", json_dumps(m, 0));
    assert_string_equal(json_string_value(json_object_get(l0, "de")),
                        "Lindenallee, vor Nr. 15, Nordseite, 6 m vom Hydranten");
    assert_string_equal(json_string_value(json_object_get(l0, "en")),
                        "Lindenallee, in front of no. 15, north side, 6 m from the hydrant");
    assert_string_equal(json_string_value(json_object_get(l1, "de")),
                        "Lindenallee, zwischen Nr. 9 und 11, Nordseite, 7,5 m vom Baum");
    assert_string_equal(json_string_value(json_object_get(l1, "en")),
                        "Lindenallee, between nos. 9 and 11, north side, 7.5 m from the tree");
    json_decref(rep);
}

/* ---- bad input ---------------------------------------------------------------- */

static void test_bad_json(void **state)
{
    world *w = *state;
    NEED_UP(w);
    PROBLEM(w, "{not json", 400, "not valid JSON", "line 1, column");
    PROBLEM(w, "", 400, "empty");
    PROBLEM(w, "[1, 2]", 400, "expected a JSON object");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [NaN, 52.5]}}",
            400, "NaN", "line 1");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [Infinity, 52.5]}}",
            400, "line 1");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [1e999, 52.5]}}",
            400, "1e999", "too large");
}

static void test_bad_request_members(void **state)
{
    world *w = *state;
    NEED_UP(w);
    PROBLEM(w, "{\"features\": {\"type\": \"Point\", \"coordinates\": [13.3, 52.5]}}", 400,
            "service: missing");
    PROBLEM(w,
            "{\"service\": 7, \"features\": {\"type\": \"Point\", \"coordinates\": [13.3, 52.5]}}",
            400, "service");
    PROBLEM(w, "{\"service\": \"skip-container\"}", 400, "features: missing");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [13.3, 52.5]}, \"servise\": 1}",
            400, "unknown member 'servise'");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"period\": {\"start\": \"2026-13-01\", \"end\": "
            "\"2026-12-01\"}, \"features\": {\"type\": \"Point\", \"coordinates\": [13.3, 52.5]}}",
            400, "period", "2026-13-01");

    /* unknown service: 422, naming it and the known ones */
    ts_http_resp r;
    const char *body = "{\"service\": \"hot-dog-stand\", \"features\": {\"type\": \"Point\", "
                       "\"coordinates\": [13.3, 52.5]}}";
    post(w, NULL, NULL, body, strlen(body), &r);
    assert_int_equal(r.status, 422);
    json_t *p = parse_json(&r);
    const char *detail = json_string_value(json_object_get(p, "detail"));
    assert_non_null(strstr(detail, "'hot-dog-stand' does not exist"));
    assert_non_null(strstr(detail, "construction-access, info-stand, skip-container"));
    assert_string_equal(json_string_value(json_object_get(p, "member")), "service");
    assert_int_equal(json_array_size(json_object_get(p, "known")), 3);
    json_decref(p);
    ts_http_resp_free(&r);
    expect_healthy(w);

    /* the crs parameter: unknown CRS, a body that disagrees, unknown parameters */
    const char *pt = "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
                     "\"coordinates\": [13.3, 52.5]}}";
    const char *const bad_crs[] = {"EPSG:9999", "not supported", NULL};
    expect_problem(w, "?crs=EPSG:9999", pt, strlen(pt), 400, bad_crs);
    const char *const unknown[] = {"Unknown query parameter 'bbox'", NULL};
    expect_problem(w, "?bbox=1,2,3,4", pt, strlen(pt), 400, unknown);
    const char *crs_body = "{\"service\": \"skip-container\", \"crs\": "
                           "\"http://www.opengis.net/def/crs/EPSG/0/25833\", \"features\": "
                           "{\"type\": \"Point\", \"coordinates\": [13.3, 52.5]}}";
    const char *const disagree[] = {"the body says", "EPSG/0/25833", NULL};
    expect_problem(w, "?crs=CRS84", crs_body, strlen(crs_body), 400, disagree);
}

static void test_bad_geojson(void **state)
{
    world *w = *state;
    NEED_UP(w);
    /* not GeoJSON */
    PROBLEM(w, "{\"service\": \"skip-container\", \"features\": {\"type\": \"Banana\"}}", 400,
            "features.type", "'Banana'");
    PROBLEM(w, "{\"service\": \"skip-container\", \"features\": {\"lat\": 52.5, \"lon\": 13.3}}",
            400, "features");
    PROBLEM(w, "{\"service\": \"skip-container\", \"features\": \"POINT(13.3 52.5)\"}", 400,
            "features");
    /* wrong geometry type: a collection is refused; a type the service does
     * not allow is a violation, not an error */
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"GeometryCollection\", "
            "\"geometries\": []}}",
            400, "GeometryCollection is not accepted");
    /* empty collection */
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"FeatureCollection\", "
            "\"features\": []}}",
            400, "features.features", "empty");
    /* out-of-range coordinates */
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [200, 52.5]}}",
            400, "longitude 200", "-180..180");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [13.3, -95]}}",
            400, "latitude -95", "-90..90");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Point\", "
            "\"coordinates\": [13.3, \"52.5\"]}}",
            400, "features.coordinates");
    /* unclosed and too short rings */
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Polygon\", "
            "\"coordinates\": [[[13.3, 52.5], [13.31, 52.5], [13.31, 52.51], [13.3, 52.51]]]}}",
            400, "features.coordinates[0]", "not closed");
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"Polygon\", "
            "\"coordinates\": [[[13.3, 52.5], [13.31, 52.5], [13.3, 52.5]]]}}",
            400, "3 positions", "at least 4");
    /* the path names the feature */
    PROBLEM(w,
            "{\"service\": \"skip-container\", \"features\": {\"type\": \"FeatureCollection\", "
            "\"features\": [{\"type\": \"Feature\", \"properties\": {}, \"geometry\": {\"type\": "
            "\"Point\", \"coordinates\": [13.3, 52.5]}}, {\"type\": \"Feature\", \"properties\": "
            "{}, \"geometry\": {\"type\": \"Point\", \"coordinates\": [13.3, 91]}}]}}",
            400, "features.features[1].geometry.coordinates", "latitude 91");
}

static void test_wrong_type_is_a_violation(void **state)
{
    world *w = *state;
    json_t *rep, *v;
    size_t i;
    bool found = false;

    NEED_UP(w);
    rep = validate_ok(w, NULL,
                      "{\"service\": \"skip-container\", \"features\": {\"type\": \"LineString\", "
                      "\"coordinates\": [[13.3, 52.5], [13.3001, 52.5]]}}");
    assert_false(json_is_true(json_object_get(rep, "valid")));
    json_array_foreach(json_object_get(rep, "violations"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "rule")), "geometry-type")) continue;
        found = true;
        assert_string_equal(json_string_value(json_object_get(v, "measured")), "LineString");
        assert_string_equal(json_string_value(json_array_get(json_object_get(v, "limit"), 0)),
                            "Polygon");
        json_t *m = json_object_get(v, "message");
        assert_non_null(strstr(json_string_value(json_object_get(m, "en")), "Please draw"));
        assert_non_null(strstr(json_string_value(json_object_get(m, "de")), "Bitte zeichnen"));
    }
    assert_true(found);
    json_decref(rep);
}

static void test_limits(void **state)
{
    world *w = *state;
    size_t n = 10001, cap = 64 + n * 40;
    char *body = malloc(cap);
    size_t len;

    NEED_UP(w);
    /* more vertices than the limit (10000) */
    len = (size_t)snprintf(body, cap,
                           "{\"service\": \"construction-access\", \"features\": {\"type\": "
                           "\"LineString\", \"coordinates\": [");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s[%.7f, %.7f]", i ? ", " : "",
                                13.3 + 1e-7 * (double)i, 52.5 + 1e-6 * (double)(i % 2));
    len += (size_t)snprintf(body + len, cap - len, "]}}");
    const char *const verts[] = {"more than 10000 vertices", "limit", NULL};
    expect_problem(w, NULL, body, len, 422, verts);
    free(body);

    /* too many features (100) */
    cap = 200 + 101 * 120;
    body = malloc(cap);
    len = (size_t)snprintf(body, cap,
                           "{\"service\": \"info-stand\", \"features\": {\"type\": "
                           "\"FeatureCollection\", \"features\": [");
    for (size_t i = 0; i < 101; i++)
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"type\": \"Feature\", \"properties\": {}, \"geometry\": "
                                "{\"type\": \"Point\", \"coordinates\": [13.3, 52.5]}}",
                                i ? ", " : "");
    len += (size_t)snprintf(body + len, cap - len, "]}}");
    const char *const feats[] = {"101 features", "100", NULL};
    expect_problem(w, NULL, body, len, 422, feats);
    free(body);

    /* nesting depth bombs: arrays and objects a million deep */
    n = 1000000;
    body = malloc(2 * n + 1);
    memset(body, '[', n);
    memset(body + n, ']', n);
    const char *const deep[] = {"nests deeper than 64 levels", NULL};
    expect_problem(w, NULL, body, 2 * n, 422, deep);
    len = 0;
    for (size_t i = 0; i < 200000; i++)
        len += (size_t)sprintf(body + len, "{\"a\":");
    expect_problem(w, NULL, body, len, 422, deep);
    /* deep inside an otherwise fine request */
    len = (size_t)sprintf(body, "{\"service\": \"skip-container\", \"features\": {\"type\": "
                                "\"Point\", \"coordinates\": ");
    for (size_t i = 0; i < 100; i++)
        body[len++] = '[';
    for (size_t i = 0; i < 100; i++)
        body[len++] = ']';
    len += (size_t)sprintf(body + len, "}}");
    expect_problem(w, NULL, body, len, 422, deep);
    free(body);
}

/* A 50 MB body against the default 8 MB limit: refused by Content-Length
 * before a byte of it is read, and by size during a chunked upload. */
static void test_body_50mb(void **state)
{
    world *w = *state;
    const char head[] =
        "POST /v1/validate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: 52428800\r\nConnection: close\r\n\r\n";
    size_t n = 50 * (size_t)MB;
    char *answer, *big;
    const char *const needles[] = {"52428800", NULL};

    NEED_UP(w);
    answer = ts_http_raw(w->srv.port, head, sizeof head - 1, 30000);
    assert_non_null(answer);
    assert_int_equal(ts_http_raw_status(answer), 413);
    assert_non_null(strstr(answer, "application/problem+json"));
    assert_non_null(strstr(answer, "52428800"));
    free(answer);
    expect_healthy(w);

    /* the same size as a real JSON body, once plain (libcurl sends the
     * Content-Length) and once chunked */
    big = malloc(n);
    memset(big, ' ', n);
    memcpy(big, "{\"service\": \"skip-container\", \"features\": ", 42);
    memcpy(big + n - 2, "}}", 2);
    expect_problem(w, NULL, big, n, 413, needles);

    /* Chunked, the size is known only while the body arrives. The HTTP
     * layer answers 413 when the body ends (libmicrohttpd cannot answer
     * during an upload) and reads at most max_body more bytes before it cuts
     * a client off: 12 MB gets the 413, 50 MB a closed connection. Neither
     * is a 5xx, and the server stays up. */
    ts_http_resp r;
    char url[256];
    snprintf(url, sizeof url, "%s/v1/validate", w->srv.base);
    ts_http_req q = {.url = url, .body = big, .body_len = 12 * (size_t)MB, .chunked = true};
    memcpy(big + q.body_len - 2, "}}", 2);
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 413);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    json_t *p = parse_json(&r);
    assert_int_equal(json_integer_value(json_object_get(p, "limit")), 8 * MB);
    json_decref(p);
    ts_http_resp_free(&r);
    expect_healthy(w);

    q.body_len = n;
    if (ts_http(&q, &r) == 0 && r.status != 413)
        fail_msg("a 50 MB chunked body got %ld: %.300s", r.status, r.body);
    ts_http_resp_free(&r);
    free(big);
    expect_healthy(w);

    /* and after all that, a real request still works */
    json_decref(validate_ok(w, NULL,
                            "{\"service\": \"info-stand\", \"features\": {\"type\": \"Point\", "
                            "\"coordinates\": [13.3, 52.5]}}"));
}

/* Problem titles follow Accept-Language; violation messages carry both. */
static void test_languages(void **state)
{
    world *w = *state;
    ts_http_resp r;
    json_t *p;
    const char *body = "{\"service\": \"skip-container\", \"features\": {\"type\": \"Banana\"}}";

    NEED_UP(w);
    post(w, NULL, "de-DE,de;q=0.9,en;q=0.5", body, strlen(body), &r);
    assert_int_equal(r.status, 400);
    p = parse_json(&r);
    const char *title_de = json_string_value(json_object_get(p, "title"));
    char keep[128];
    snprintf(keep, sizeof keep, "%s", title_de);
    json_decref(p);
    ts_http_resp_free(&r);
    post(w, NULL, "en", body, strlen(body), &r);
    p = parse_json(&r);
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Bad Request");
    assert_string_not_equal(keep, "Bad Request");
    json_decref(p);
    ts_http_resp_free(&r);

    /* a skip with no period: the period rules speak both languages */
    json_t *rep = validate_ok(w, NULL,
                              "{\"service\": \"skip-container\", \"features\": {\"type\": "
                              "\"Point\", \"coordinates\": [13.3, 52.5]}}");
    json_t *v;
    size_t i;
    size_t n = 0;
    json_array_foreach(json_object_get(rep, "violations"), i, v)
    {
        json_t *m = json_object_get(v, "message");
        const char *de = json_string_value(json_object_get(m, "de"));
        const char *en = json_string_value(json_object_get(m, "en"));
        assert_non_null(de);
        assert_non_null(en);
        assert_string_not_equal(de, en);
        n++;
    }
    assert_true(n >= 2);
    json_decref(rep);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_services),       cmocka_unit_test(test_valid_placements),
        cmocka_unit_test(test_hydrant_limits), cmocka_unit_test(test_hydrant_crs84),
        cmocka_unit_test(test_bad_json),       cmocka_unit_test(test_bad_request_members),
        cmocka_unit_test(test_bad_geojson),    cmocka_unit_test(test_wrong_type_is_a_violation),
        cmocka_unit_test(test_limits),         cmocka_unit_test(test_body_50mb),
        cmocka_unit_test(test_languages),      cmocka_unit_test(test_location_sentence),
    };
    const struct CMUnitTest extract_tests[] = {
        cmocka_unit_test(test_valid_placements),
        cmocka_unit_test(test_hydrant_limits),
        cmocka_unit_test(test_hydrant_crs84),
    };
    int failed;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* test_api_validate_extract runs the second group, test_api_validate the first */
    if (ts_extract_part(argc, argv))
        failed =
            ts_run_group_tests_name("shared OSM extract", extract_tests, start_extract, stop_world);
    else
        failed = ts_run_group_tests_name("demo quarter", tests, start_demo, stop_world);
    curl_global_cleanup();
    return ts_exit(failed);
}
