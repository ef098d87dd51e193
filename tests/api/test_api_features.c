/*
 * test_api_features.c - OGC API - Features against the real server on a
 * real store with the project's demo quarter imported by the real binary
 * (made by data/demo/make_demo.py, EPSG:25832; always present, so these tests
 * never skip): landing page, conformance, collections, items and features;
 * every kind of bad input of issue 3 (each a problem+json naming the
 * parameter, the server staying up and the data unchanged); CRS and bbox-crs
 * with the axis order of the spec; paging through next and back through prev,
 * also across a re-import; property filters; datetime; ETag/304; gzip; HTML
 * with escaped output.
 * (GDAL as a client on the shared OSM extract: test_api_oapif_gdal.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

#define TREES 75 /* trees of the demo quarter */

static ts_server srv;
static char demo_osm[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(demo_osm, sizeof demo_osm, "%s", ts_demo_osm());
    return ts_run_server_on_import(&srv, "api_features", "25832", demo_osm);
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- helpers -------------------------------------------------------------- */

static json_t *get_json_h(const char *path, const char *const *headers, long want,
                          ts_http_resp *keep)
{
    return ts_http_get_json(strncmp(path, "http", 4) == 0 ? path : ts_server_url(&srv, path),
                            headers, want, keep);
}

static json_t *get_json(const char *path, long want)
{
    return get_json_h(path, NULL, want, NULL);
}

/* A bad request: status, problem+json, and the parameter it names. */
static void expect_problem(const char *path, long status, const char *param, const char *in_detail)
{
    ts_http_resp r;
    json_t *p = get_json_h(path, NULL, status, &r);
    const char *detail = json_string_value(json_object_get(p, "detail"));

    if (strcmp(ts_http_header(&r, "Content-Type"), "application/problem+json") != 0)
        fail_msg("GET %s: Content-Type %s", path, ts_http_header(&r, "Content-Type"));
    if (!json_is_string(json_object_get(p, "parameter")) ||
        strcmp(json_string_value(json_object_get(p, "parameter")), param) != 0)
        fail_msg("GET %s: parameter %s, want %s (%s)", path,
                 json_string_value(json_object_get(p, "parameter")), param, r.body);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    if (!detail || (in_detail && !strstr(detail, in_detail)))
        fail_msg("GET %s: detail '%s' does not say '%s'", path, detail ? detail : "", in_detail);
    json_decref(p);
    ts_http_resp_free(&r);
}

static const char *link_href(json_t *doc, const char *rel)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(doc, "links"), i, l)
    {
        if (strcmp(json_string_value(json_object_get(l, "rel")), rel) == 0) {
            const char *type = json_string_value(json_object_get(l, "type"));
            if (type && strstr(type, "html")) continue;
            return json_string_value(json_object_get(l, "href"));
        }
    }
    return NULL;
}

static json_t *features(json_t *fc)
{
    return json_object_get(fc, "features");
}

static double coord(json_t *feature, int i)
{
    return json_number_value(
        json_array_get(json_object_get(json_object_get(feature, "geometry"), "coordinates"), i));
}

/* ---- landing page, conformance, collections ------------------------------- */

static void test_landing_and_conformance(void **state)
{
    const char *h[] = {"Accept: application/json", NULL};
    json_t *doc = get_json_h("/", h, 200, NULL), *c;
    const char *want[] = {"conf/core", "conf/geojson", "conf/oas30", "conf/html",
                          "ogcapi-features-2/1.0/conf/crs"};
    (void)state;

    assert_non_null(link_href(doc, "service-desc"));
    assert_non_null(strstr(link_href(doc, "conformance"), "/conformance"));
    assert_non_null(strstr(link_href(doc, "data"), "/collections"));
    json_decref(doc);
    c = get_json("/conformance", 200);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(c, "conformsTo"), i, v) found |=
            strstr(json_string_value(v), want[k]) != NULL;
        if (!found) fail_msg("conformance class %s missing", want[k]);
    }
    json_decref(c);
}

static void test_collections(void **state)
{
    json_t *doc = get_json("/collections", 200), *c, *one;
    size_t i;
    bool trees = false;
    (void)state;

    assert_true(json_array_size(json_object_get(doc, "collections")) >= 10);
    json_array_foreach(json_object_get(doc, "collections"), i, c)
    {
        json_t *bbox = json_array_get(
            json_object_get(json_object_get(json_object_get(c, "extent"), "spatial"), "bbox"), 0);
        assert_non_null(json_object_get(c, "title"));
        assert_string_equal(json_string_value(json_object_get(c, "storageCrs")),
                            "http://www.opengis.net/def/crs/EPSG/0/25832");
        assert_int_equal(json_array_size(json_object_get(c, "crs")), 5);
        assert_non_null(link_href(c, "items"));
        if (strcmp(json_string_value(json_object_get(c, "id")), "trees") == 0) {
            trees = true;
            /* CRS84: the demo quarter lies near 9.92 E, 51.54 N */
            assert_true(json_number_value(json_array_get(bbox, 0)) > 9.9);
            assert_true(json_number_value(json_array_get(bbox, 0)) < 9.95);
            assert_true(json_number_value(json_array_get(bbox, 1)) > 51.5);
            assert_true(json_number_value(json_array_get(bbox, 3)) < 51.6);
            assert_true(json_number_value(json_array_get(bbox, 2)) >=
                        json_number_value(json_array_get(bbox, 0)));
        }
    }
    assert_true(trees);
    json_decref(doc);
    one = get_json("/collections/trees", 200);
    assert_string_equal(json_string_value(json_object_get(one, "id")), "trees");
    assert_non_null(json_object_get(one, "extent"));
    json_decref(one);
}

/* ---- bad input ------------------------------------------------------------ */

static void test_bad_input(void **state)
{
    json_t *before, *after;
    (void)state;

    before = get_json("/collections/trees/items?limit=1000", 200);

    expect_problem("/collections/nope", 404, "id", "nope");
    expect_problem("/collections/nope/items", 404, "id", "nope");
    expect_problem("/collections/Trees%20x/items", 404, "id", NULL);
    expect_problem("/collections/trees/items/999999", 404, "featureId", "999999");
    expect_problem("/collections/trees/items/abc", 404, "featureId", "abc");
    expect_problem("/collections/trees/items/0", 404, "featureId", NULL);

    expect_problem("/collections/trees/items?limit=0", 400, "limit", "10000");
    expect_problem("/collections/trees/items?limit=-1", 400, "limit", "-1");
    expect_problem("/collections/trees/items?limit=1000000000", 400, "limit", "1000000000");
    expect_problem("/collections/trees/items?limit=ten", 400, "limit", "ten");
    expect_problem("/collections/trees/items?limit=", 400, "limit", NULL);
    /* a parameter name that is not UTF-8 is still named (U+FFFD for the
     * byte), and a value cut inside a character keeps the rest of the detail
     * (found by tests/fuzz/fuzz_features_params) */
    expect_problem("/collections/trees/items?%D0=1", 400, "\xef\xbf\xbd", "\xef\xbf\xbd");
    expect_problem("/collections/trees/items?x%D0%B0=1", 400, "x\xd0\xb0", "x\xd0\xb0");
    expect_problem("/collections/trees/items?datetime="
                   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%C3%A4",
                   400, "datetime", "is not an RFC 3339 date");

    expect_problem("/collections/trees/items?bbox=9.9,51.5,9.95", 400, "bbox", "4 numbers");
    expect_problem("/collections/trees/items?bbox=9.9,51.5,9.95,51.6,1", 400, "bbox", "5");
    expect_problem("/collections/trees/items?bbox=a,b,c,d", 400, "bbox", "'a'");
    expect_problem("/collections/trees/items?bbox=9.9,,9.95,51.6", 400, "bbox", "member 2");
    expect_problem("/collections/trees/items?bbox=9.95,51.5,9.9,51.6", 400, "bbox", "inverted");
    expect_problem("/collections/trees/items?bbox=9.9,51.6,9.95,51.5", 400, "bbox", "inverted");
    expect_problem("/collections/trees/items?bbox=9.9,51.5,9.95,nan", 400, "bbox", NULL);
    expect_problem("/collections/trees/items?bbox=9.9,51.5,9.95,1e999", 400, "bbox", NULL);
    expect_problem("/collections/trees/items?bbox=200,51.5,210,51.6", 400, "bbox", "200");
    expect_problem("/collections/trees/items?bbox=1,2,3,4,5,6,7,8", 400, "bbox", "more than 6");

    expect_problem("/collections/trees/items?crs=EPSG:9999", 400, "crs", "9999");
    expect_problem("/collections/trees/items?crs=http://www.opengis.net/def/crs/EPSG/0/4269", 400,
                   "crs", "4269");
    expect_problem("/collections/trees/items/1?crs=nonsense", 400, "crs", "nonsense");
    expect_problem("/collections/trees/items?bbox=1,2,3,4&bbox-crs=EPSG:31467", 400, "bbox-crs",
                   "31467");
    expect_problem("/collections/trees/items?bbox-crs=EPSG:25832", 400, "bbox-crs", "bbox");

    expect_problem("/collections/trees/items?datetime=yesterday", 400, "datetime", "yesterday");
    expect_problem("/collections/trees/items?datetime=2026-13-01", 400, "datetime", "2026-13-01");
    expect_problem("/collections/trees/items?datetime=2026-02-30", 400, "datetime", NULL);
    expect_problem("/collections/trees/items?datetime=2026-01-01T25:00:00Z", 400, "datetime", NULL);
    expect_problem("/collections/trees/items?datetime=2026-01-01T10:00:00", 400, "datetime", NULL);
    expect_problem("/collections/trees/items?datetime=2026-01-02/2026-01-01", 400, "datetime",
                   NULL);
    expect_problem("/collections/trees/items?datetime=../..", 400, "datetime", NULL);
    expect_problem("/collections/trees/items?datetime=2026-01-01/2026-01-02/2026-01-03", 400,
                   "datetime", NULL);

    expect_problem("/collections/trees/items?foo=1", 400, "foo", "foo");
    expect_problem("/collections/trees/items?clas=residential", 400, "clas", "clas");
    expect_problem("/collections?limit=10", 400, "limit", "limit");
    expect_problem("/collections/trees?bbox=1,2,3,4", 400, "bbox", NULL);
    expect_problem("/?x=1", 400, "x", NULL);
    expect_problem("/conformance?x=1", 400, "x", NULL);
    expect_problem("/collections/trees/items/1?limit=1", 400, "limit", NULL);
    expect_problem("/collections/trees/items?f=xml", 400, "f", "xml");
    expect_problem("/collections?f=xml", 400, "f", "xml");
    expect_problem("/collections/trees/items?after=-5", 400, "after", "-5");
    expect_problem("/collections/trees/items?before=0", 400, "before", NULL);
    expect_problem("/collections/trees/items?after=3&before=9", 400, "before", NULL);
    expect_problem("/collections/trees/items?genus=Tilia&genus=Acer", 400, "genus", "twice");

    /* German when asked */
    {
        const char *h[] = {"Accept-Language: de-DE,de;q=0.9", NULL};
        ts_http_resp r;
        json_t *p = get_json_h("/collections/trees/items?limit=0", h, 400, &r);
        assert_non_null(strstr(json_string_value(json_object_get(p, "detail")), "muss"));
        json_decref(p);
        ts_http_resp_free(&r);
        p = get_json_h("/collections/trees/items?foo=1", h, 400, &r);
        assert_non_null(strstr(json_string_value(json_object_get(p, "detail")), "unbekannter"));
        json_decref(p);
        ts_http_resp_free(&r);
    }

    /* nothing broke, nothing changed */
    after = get_json("/collections/trees/items?limit=1000", 200);
    assert_true(json_equal(features(before), features(after)));
    assert_int_equal(json_array_size(features(after)), TREES);
    json_decref(before);
    json_decref(after);
}

/* ---- CRS, bbox ---------------------------------------------------------------- */

static void test_crs(void **state)
{
    ts_http_resp r84, r4326, rutm;
    json_t *a = get_json_h("/collections/trees/items?limit=5", NULL, 200, &r84);
    json_t *b = get_json_h(
        "/collections/trees/items?limit=5&crs=http://www.opengis.net/def/crs/EPSG/0/4326", NULL,
        200, &r4326);
    json_t *u = get_json_h("/collections/trees/items?limit=5&crs=EPSG:25832", NULL, 200, &rutm);
    json_t *m = get_json("/collections/trees/items?limit=5&crs=EPSG:3857", 200);
    char text[64];
    (void)state;

    assert_string_equal(ts_http_header(&r84, "Content-Crs"),
                        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
    assert_string_equal(ts_http_header(&r4326, "Content-Crs"),
                        "<http://www.opengis.net/def/crs/EPSG/0/4326>");
    assert_string_equal(ts_http_header(&rutm, "Content-Crs"),
                        "<http://www.opengis.net/def/crs/EPSG/0/25832>");
    assert_string_equal(ts_http_header(&r84, "Content-Type"), "application/geo+json");
    for (size_t i = 0; i < 5; i++) {
        json_t *fa = json_array_get(features(a), i), *fb = json_array_get(features(b), i);
        json_t *fu = json_array_get(features(u), i), *fm = json_array_get(features(m), i);
        /* EPSG:4326 is latitude first */
        assert_true(fabs(coord(fa, 0) - coord(fb, 1)) < 2e-7);
        assert_true(fabs(coord(fa, 1) - coord(fb, 0)) < 2e-7);
        assert_true(coord(fb, 0) > 51 && coord(fb, 0) < 52);
        /* UTM 32N metres and web mercator metres */
        assert_true(coord(fu, 0) > 500000 && coord(fu, 0) < 600000);
        assert_true(coord(fu, 1) > 5700000 && coord(fu, 1) < 5720000);
        assert_true(coord(fm, 0) > 1100000 && coord(fm, 0) < 1110000);
        /* precision per CRS: at most 7 decimals in degrees, 3 in UTM */
        snprintf(text, sizeof text, "%.10f", coord(fu, 0));
        assert_true(fabs(coord(fu, 0) * 1000 - round(coord(fu, 0) * 1000)) < 1e-6);
        assert_true(fabs(coord(fa, 0) * 1e7 - round(coord(fa, 0) * 1e7)) < 1e-3);
    }
    json_decref(a);
    json_decref(b);
    json_decref(u);
    json_decref(m);
    ts_http_resp_free(&r84);
    ts_http_resp_free(&r4326);
    ts_http_resp_free(&rutm);
}

static bool has_id(json_t *fc, json_int_t id)
{
    size_t i;
    json_t *f;
    json_array_foreach(features(fc), i,
                       f) if (json_integer_value(json_object_get(f, "id")) == id) return true;
    return false;
}

static void test_bbox(void **state)
{
    json_t *all = get_json("/collections/trees/items?limit=1000", 200);
    json_t *t = json_array_get(features(all), 10);
    json_int_t id = json_integer_value(json_object_get(t, "id"));
    double x = coord(t, 0), y = coord(t, 1), d = 0.0002;
    char path[512];
    json_t *a, *b, *u, *utm_t;
    size_t i;
    json_t *f;
    (void)state;

    /* CRS84 box around one tree */
    snprintf(path, sizeof path, "/collections/trees/items?limit=1000&bbox=%.7f,%.7f,%.7f,%.7f",
             x - d, y - d, x + d, y + d);
    a = get_json(path, 200);
    assert_true(has_id(a, id));
    assert_true(json_array_size(features(a)) < TREES);
    assert_int_equal(json_integer_value(json_object_get(a, "numberMatched")),
                     json_array_size(features(a)));
    json_array_foreach(features(a), i, f)
    {
        assert_true(coord(f, 0) >= x - d - 1e-7 && coord(f, 0) <= x + d + 1e-7);
        assert_true(coord(f, 1) >= y - d - 1e-7 && coord(f, 1) <= y + d + 1e-7);
    }
    /* the same box as EPSG:4326 by URI: latitude first; the same features */
    snprintf(path, sizeof path,
             "/collections/trees/items?limit=1000&bbox=%.7f,%.7f,%.7f,%.7f"
             "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326",
             y - d, x - d, y + d, x + d);
    b = get_json(path, 200);
    assert_true(json_equal(features(a), features(b)));
    /* in the store CRS: a 1 m box around the tree's UTM position */
    snprintf(path, sizeof path, "/collections/trees/items/%lld?crs=EPSG:25832", (long long)id);
    utm_t = get_json(path, 200);
    snprintf(
        path, sizeof path, "/collections/trees/items?bbox=%.3f,%.3f,%.3f,%.3f&bbox-crs=EPSG:25832",
        coord(utm_t, 0) - 0.5, coord(utm_t, 1) - 0.5, coord(utm_t, 0) + 0.5, coord(utm_t, 1) + 0.5);
    u = get_json(path, 200);
    assert_true(has_id(u, id));
    /* a box far away: empty, not an error */
    f = get_json("/collections/trees/items?bbox=13,52,13.1,52.1", 200);
    assert_int_equal(json_array_size(features(f)), 0);
    assert_int_equal(json_integer_value(json_object_get(f, "numberMatched")), 0);
    json_decref(f);
    json_decref(all);
    json_decref(a);
    json_decref(b);
    json_decref(u);
    json_decref(utm_t);
}

/* ---- paging ----------------------------------------------------------------- */

static void test_paging_next_and_prev(void **state)
{
    json_t *all = get_json("/collections/trees/items?limit=1000", 200);
    json_int_t seen[TREES + 10];
    size_t n = 0, pages = 0;
    char *next = strdup(ts_server_url(&srv, "/collections/trees/items?limit=10"));
    json_t *page = NULL;
    (void)state;

    assert_null(link_href(all, "next"));
    while (next) {
        size_t i;
        json_t *f;
        json_decref(page);
        page = get_json(next, 200);
        free(next);
        pages++;
        assert_int_equal(json_integer_value(json_object_get(page, "numberMatched")), TREES);
        assert_int_equal(json_integer_value(json_object_get(page, "numberReturned")),
                         json_array_size(features(page)));
        json_array_foreach(features(page), i, f)
        {
            assert_true(n < TREES);
            seen[n++] = json_integer_value(json_object_get(f, "id"));
        }
        next = link_href(page, "next") ? strdup(link_href(page, "next")) : NULL;
        if (pages > 1) assert_non_null(link_href(page, "prev"));
    }
    assert_int_equal(pages, (TREES + 9) / 10);
    assert_int_equal(n, TREES);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            seen[i], json_integer_value(json_object_get(json_array_get(features(all), i), "id")));

    /* back through prev from the last page: the same pages in reverse */
    {
        size_t end = n - json_array_size(features(page));
        char *prev = link_href(page, "prev") ? strdup(link_href(page, "prev")) : NULL;
        while (prev) {
            json_t *p = get_json(prev, 200);
            size_t k = json_array_size(features(p));
            free(prev);
            assert_int_equal(k, 10);
            assert_true(end >= k);
            for (size_t i = 0; i < k; i++)
                assert_int_equal(
                    json_integer_value(json_object_get(json_array_get(features(p), i), "id")),
                    seen[end - k + i]);
            end -= k;
            assert_non_null(link_href(p, "next"));
            prev = link_href(p, "prev") ? strdup(link_href(p, "prev")) : NULL;
            json_decref(p);
        }
        assert_int_equal(end, 0);
    }
    json_decref(page);
    json_decref(all);
}

/* A re-import commits while a client pages: the next link keeps working from
 * where it was, and the ETag of the first page changes with the version. */
static void test_paging_across_reimport(void **state)
{
    ts_http_resp r1, r2;
    json_t *p1 = get_json_h("/collections/trees/items?limit=10", NULL, 200, &r1), *p2, *p1b;
    char *next = strdup(link_href(p1, "next"));
    json_int_t last = json_integer_value(json_object_get(json_array_get(features(p1), 9), "id"));
    (void)state;

    assert_int_equal(ts_run_import_srid(srv.db, "25832", demo_osm), 0);
    p2 = get_json(next, 200);
    assert_int_equal(json_array_size(features(p2)), 10);
    assert_true(json_integer_value(json_object_get(json_array_get(features(p2), 0), "id")) > last);
    p1b = get_json_h("/collections/trees/items?limit=10", NULL, 200, &r2);
    assert_string_not_equal(ts_http_header(&r1, "ETag"), ts_http_header(&r2, "ETag"));
    free(next);
    json_decref(p1);
    json_decref(p2);
    json_decref(p1b);
    ts_http_resp_free(&r1);
    ts_http_resp_free(&r2);
}

/* ---- filters, datetime -------------------------------------------------------- */

static void test_property_filters(void **state)
{
    json_t *all = get_json("/collections/trees/items?limit=1000", 200), *f, *l;
    size_t i, tilia = 0;
    (void)state;

    json_array_foreach(
        features(all), i,
        f) if (strcmp(json_string_value(json_object_get(json_object_get(f, "properties"), "genus"))
                          ? json_string_value(
                                json_object_get(json_object_get(f, "properties"), "genus"))
                          : "",
                      "Tilia") == 0) tilia++;
    assert_true(tilia > 0 && tilia < TREES);
    f = get_json("/collections/trees/items?genus=Tilia&limit=1000", 200);
    assert_int_equal(json_array_size(features(f)), tilia);
    assert_int_equal(json_integer_value(json_object_get(f, "numberMatched")), tilia);
    json_decref(f);
    /* paging keeps the filter */
    f = get_json("/collections/trees/items?genus=Tilia&limit=1", 200);
    if (tilia > 1) assert_non_null(strstr(link_href(f, "next"), "genus=Tilia"));
    json_decref(f);
    l = get_json("/collections/landuse/items?class=residential", 200);
    assert_true(json_array_size(features(l)) >= 1);
    json_decref(l);
    l = get_json("/collections/landuse/items?class=nothing-like-this", 200);
    assert_int_equal(json_array_size(features(l)), 0);
    json_decref(l);
    json_decref(all);
}

static void test_datetime_accepted(void **state)
{
    const char *ok[] = {"2026-11-25",    "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.5%2B01:00",
                        "../2026-01-01", "2026-01-01/..",        "2026-01-01/2026-12-31",
                        "/2026-01-01"};
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char path[256];
        json_t *f;
        snprintf(path, sizeof path, "/collections/trees/items?limit=1000&datetime=%s", ok[i]);
        f = get_json(path, 200);
        /* the layers have no time: every feature */
        assert_int_equal(json_array_size(features(f)), TREES);
        json_decref(f);
    }
}

/* ---- one feature, ETag, gzip, HTML --------------------------------------------- */

static void test_one_feature(void **state)
{
    ts_http_resp r;
    json_t *f = get_json_h("/collections/trees/items/3", NULL, 200, &r);
    (void)state;

    assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
    assert_int_equal(json_integer_value(json_object_get(f, "id")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(f, "geometry"), "type")),
                        "Point");
    assert_non_null(link_href(f, "collection"));
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/geo+json");
    assert_non_null(ts_http_header(&r, "ETag"));
    json_decref(f);
    ts_http_resp_free(&r);
}

static void test_etag_and_gzip(void **state)
{
    const char *paths[] = {"/collections", "/collections/trees", "/collections/trees/items?limit=7",
                           "/collections/trees/items/2"};
    (void)state;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ts_http_resp r, r2;
        char inm[200];
        ts_http_req q = {.url = ts_server_url(&srv, paths[i])};
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 200);
        assert_non_null(ts_http_header(&r, "ETag"));
        snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&r, "ETag"));
        {
            const char *h[] = {inm, NULL};
            ts_http_req q2 = {.url = ts_server_url(&srv, paths[i]), .headers = h};
            assert_int_equal(ts_http(&q2, &r2), 0);
            if (r2.status != 304) fail_msg("%s with If-None-Match: %ld", paths[i], r2.status);
            assert_int_equal(r2.body_len, 0);
            ts_http_resp_free(&r2);
        }
        ts_http_resp_free(&r);
    }
    /* the JSON page's tag does not validate the HTML page of the same query */
    {
        ts_http_resp a, b;
        char inm[200];
        assert_int_equal(ts_http_get(ts_server_url(&srv, "/collections/trees/items?limit=4"), &a),
                         0);
        assert_non_null(strstr(ts_http_header(&a, "Vary"), "Accept"));
        snprintf(inm, sizeof inm, "If-None-Match: %s", ts_http_header(&a, "ETag"));
        {
            const char *h[] = {inm, "Accept: text/html", NULL};
            ts_http_req q = {.url = ts_server_url(&srv, "/collections/trees/items?limit=4"),
                             .headers = h};
            assert_int_equal(ts_http(&q, &b), 0);
            assert_int_equal(b.status, 200);
            assert_string_equal(ts_http_header(&b, "Content-Type"), "text/html; charset=utf-8");
        }
        ts_http_resp_free(&a);
        ts_http_resp_free(&b);
    }
    /* another query, another tag */
    {
        ts_http_resp a, b;
        assert_int_equal(ts_http_get(ts_server_url(&srv, "/collections/trees/items?limit=7"), &a),
                         0);
        assert_int_equal(ts_http_get(ts_server_url(&srv, "/collections/trees/items?limit=8"), &b),
                         0);
        assert_string_not_equal(ts_http_header(&a, "ETag"), ts_http_header(&b, "ETag"));
        ts_http_resp_free(&a);
        ts_http_resp_free(&b);
    }
    /* gzip on request, same document */
    {
        ts_http_resp z;
        json_t *plain = get_json("/collections/trees/items?limit=50", 200), *zipped;
        ts_http_req q = {.url = ts_server_url(&srv, "/collections/trees/items?limit=50"),
                         .decode = true};
        assert_int_equal(ts_http(&q, &z), 0);
        assert_int_equal(z.status, 200);
        assert_string_equal(ts_http_header(&z, "Content-Encoding"), "gzip");
        zipped = json_loads(z.body, 0, NULL);
        assert_true(json_equal(features(plain), features(zipped)));
        json_decref(plain);
        json_decref(zipped);
        ts_http_resp_free(&z);
    }
}

static void test_html(void **state)
{
    const char *h[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
    ts_http_resp r;
    ts_http_req q = {.url = ts_server_url(&srv, "/collections/trees/items?limit=3"), .headers = h};
    (void)state;

    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_non_null(strstr(r.body, "<!DOCTYPE html>"));
    assert_non_null(strstr(r.body, "Tilia"));
    assert_non_null(ts_http_header(&r, "Content-Crs"));
    ts_http_resp_free(&r);

    /* client text ends up in links: escaped, never markup */
    assert_int_equal(
        ts_http_get(ts_server_url(&srv, "/collections/trees/items?f=html&genus=%3Cscript%3Ex"), &r),
        0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "<script>x"));
    assert_non_null(strstr(r.body, "%3Cscript%3E"));
    ts_http_resp_free(&r);

    assert_int_equal(ts_http_get(ts_server_url(&srv, "/collections?f=html"), &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "href=\"http://127.0.0.1:"));
    ts_http_resp_free(&r);
    assert_int_equal(ts_http_get(ts_server_url(&srv, "/?f=html"), &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "/conformance"));
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_landing_and_conformance),
        cmocka_unit_test(test_collections),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_crs),
        cmocka_unit_test(test_bbox),
        cmocka_unit_test(test_paging_next_and_prev),
        cmocka_unit_test(test_property_filters),
        cmocka_unit_test(test_datetime_accepted),
        cmocka_unit_test(test_one_feature),
        cmocka_unit_test(test_etag_and_gzip),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_paging_across_reimport),
    };
    int failed;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return ts_exit(failed);
}
