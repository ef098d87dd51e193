/*
 * test_api_addresses.c - GET /v1/addresses against the real server on real
 * stores imported by the real binary: the demo quarter (always present) and
 * the shared OSM extract (skipped visibly when absent; run as
 * test_api_addresses_extract, "--extract"). Type-ahead prefixes,
 * ß/ss and case folding, house numbers in natural order with the typed
 * number first, CRS84 and store coordinates that agree, no credential and
 * CORS, every bad parameter as a 400 problem naming it (server still up),
 * a re-import replacing the index with the layer, and a store imported
 * before the index existed getting it on the first query.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

static ts_server demo, osm;
static bool have_demo, have_osm;

static int setup(void **state)
{
    (void)state;
    if (ts_run_server_on_import(&demo, "api_addresses", "25832", ts_demo_osm()) != 0) return -1;
    have_demo = true;
    return 0;
}

/* The extract's part (test_api_addresses_extract): its own server. */
static int setup_extract(void **state)
{
    const char *shared = ts_shared_osm();
    (void)state;

    if (!shared) return 0;
    if (ts_run_server_on_import(&osm, "api_addresses_osm", "25833", shared) != 0) return -1;
    have_osm = true;
    return 0;
}

static int teardown(void **state)
{
    int rc = 0;
    (void)state;
    if (have_demo && ts_server_stop(&demo) != 0) rc = -1;
    if (have_osm && ts_server_stop(&osm) != 0) rc = -1;
    return rc;
}

/* GET /v1/addresses?q=<q, escaped>&<extra> on s; the parsed body. */
static json_t *search(ts_server *s, const char *q, const char *extra, long want, ts_http_resp *keep)
{
    char path[1024];
    char *esc = curl_easy_escape(NULL, q, 0);

    snprintf(path, sizeof path, "/v1/addresses?q=%s%s%s", esc, extra ? "&" : "",
             extra ? extra : "");
    curl_free(esc);
    return ts_http_get_json(ts_server_url(s, path), NULL, want, keep);
}

static json_t *hits(ts_server *s, const char *q, const char *extra)
{
    json_t *doc = search(s, q, extra, 200, NULL);
    json_t *list = json_incref(json_object_get(doc, "addresses"));
    assert_true(json_is_array(list));
    json_decref(doc);
    return list;
}

static const char *label_at(const json_t *list, size_t i)
{
    return json_string_value(json_object_get(json_array_get(list, i), "label"));
}

static void expect_first(ts_server *s, const char *q, const char *label)
{
    json_t *list = hits(s, q, NULL);
    if (json_array_size(list) == 0 || strcmp(label_at(list, 0), label) != 0)
        fail_msg("q=%s: first hit '%s', want '%s'", q,
                 json_array_size(list) ? label_at(list, 0) : "(none)", label);
    json_decref(list);
}

/* ---- demo quarter -------------------------------------------------------- */

static void test_demo_finds(void **state)
{
    (void)state;
    expect_first(&demo, "Hauptstraße 1", "Hauptstraße 1");
    expect_first(&demo, "hauptstrasse 1", "Hauptstraße 1"); /* ss for ß, case */
    expect_first(&demo, "HAUPTSTR. 7", "Hauptstraße 7");    /* abbreviation as a prefix */
    expect_first(&demo, "Lindenallee 2", "Lindenallee 2");
    expect_first(&demo, "Linden 2", "Lindenallee 2"); /* type-ahead prefix */
    expect_first(&demo, "am ang 3", "Am Anger 3");
    expect_first(&demo, "Anger 3 Musterstadt", "Am Anger 3");

    /* the typed number first, then numbers starting with it */
    json_t *list = hits(&demo, "Lindenallee 2", NULL);
    assert_true(json_array_size(list) >= 2);
    assert_string_equal(label_at(list, 1), "Lindenallee 21");
    json_decref(list);

    /* nothing there: an empty list, not an error */
    list = hits(&demo, "Zzyzxstraße", NULL);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

static void test_demo_members_and_coordinates(void **state)
{
    ts_http_resp r;
    json_t *doc = search(&demo, "Am Anger 3", NULL, 200, &r);
    json_t *a = json_array_get(json_object_get(doc, "addresses"), 0);
    (void)state;

    assert_non_null(a);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    assert_non_null(ts_http_header(&r, "ETag"));
    assert_string_equal(json_string_value(json_object_get(a, "street")), "Am Anger");
    assert_string_equal(json_string_value(json_object_get(a, "housenumber")), "3");
    assert_string_equal(json_string_value(json_object_get(a, "postcode")), "12345");
    assert_string_equal(json_string_value(json_object_get(a, "city")), "Musterstadt");
    /* the demo quarter lies near 9.93 E, 51.54 N; UTM 32N there is ~564 km E */
    double lon = json_number_value(json_object_get(a, "lon"));
    double lat = json_number_value(json_object_get(a, "lat"));
    double x = json_number_value(json_object_get(a, "x"));
    double y = json_number_value(json_object_get(a, "y"));
    assert_true(lon > 9.9 && lon < 9.96 && lat > 51.52 && lat < 51.56);
    assert_true(x > 560000 && x < 568000 && y > 5705000 && y < 5715000);
    /* the same place: the collection's feature with this label lies at x, y */
    json_decref(doc);
    ts_http_resp_free(&r);

    /* the address also is a feature of the public collection, at x/y */
    {
        char path[256];
        json_error_t jerr;
        json_t *fc, *f;
        snprintf(path, sizeof path,
                 "/collections/addresses/items?label=Am%%20Anger%%203&crs=http://www.opengis.net/"
                 "def/crs/EPSG/0/25832");
        assert_int_equal(ts_http_get(ts_server_url(&demo, path), &r), 0);
        assert_int_equal(r.status, 200);
        fc = json_loads(r.body, 0, &jerr);
        assert_non_null(fc);
        f = json_array_get(json_object_get(fc, "features"), 0);
        assert_non_null(f);
        json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
        assert_true(fabs(json_number_value(json_array_get(c, 0)) - x) < 0.01);
        assert_true(fabs(json_number_value(json_array_get(c, 1)) - y) < 0.01);
        json_decref(fc);
        ts_http_resp_free(&r);
    }
}

static void test_demo_natural_order_and_limit(void **state)
{
    json_t *list = hits(&demo, "Hauptstr", "limit=50");
    long prev = -1;
    (void)state;

    assert_true(json_array_size(list) >= 10);
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        long nr = atol(json_string_value(json_object_get(a, "housenumber")));
        assert_string_equal(json_string_value(json_object_get(a, "street")), "Hauptstraße");
        if (nr < prev) fail_msg("house number %ld after %ld", nr, prev);
        prev = nr;
    }
    json_decref(list);

    list = hits(&demo, "Hauptstr", "limit=3");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(label_at(list, 0), "Hauptstraße 1");
    assert_string_equal(label_at(list, 2), "Hauptstraße 3");
    json_decref(list);
    list = hits(&demo, "a", "limit=1");
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
}

static void test_public_and_cors(void **state)
{
    const char *hdr[] = {"Origin: https://forms.example", NULL};
    ts_http_req q = {.url = ts_server_url(&demo, "/v1/addresses?q=Linden"), .headers = hdr};
    ts_http_resp r;
    (void)state;

    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200); /* no credential */
    assert_non_null(ts_http_header(&r, "Access-Control-Allow-Origin"));
    ts_http_resp_free(&r);
}

static void expect_bad(const char *query, const char *param, const char *in_detail)
{
    char path[1024];
    ts_http_resp r;
    json_error_t jerr;
    json_t *p;

    snprintf(path, sizeof path, "/v1/addresses%s", query);
    assert_int_equal(ts_http_get(ts_server_url(&demo, path), &r), 0);
    if (r.status != 400) fail_msg("GET %s: status %ld: %s", path, r.status, r.body);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    p = json_loads(r.body, 0, &jerr);
    assert_non_null(p);
    if (!json_is_string(json_object_get(p, "parameter")) ||
        strcmp(json_string_value(json_object_get(p, "parameter")), param) != 0)
        fail_msg("GET %s: parameter not %s: %s", path, param, r.body);
    const char *detail = json_string_value(json_object_get(p, "detail"));
    if (!detail || !strstr(detail, in_detail))
        fail_msg("GET %s: detail does not say '%s': %s", path, in_detail, r.body);
    json_decref(p);
    ts_http_resp_free(&r);
}

static void test_bad_input(void **state)
{
    char q[512] = "?q=";
    (void)state;

    expect_bad("", "q", "q");
    expect_bad("?q=", "q", "q");
    expect_bad("?limit=5", "q", "q");
    expect_bad("?q=...%20--%20", "q", "letter or a digit");
    expect_bad("?q=%22%2A%28%29", "q", "letter or a digit"); /* FTS5 syntax is only text */
    memset(q + 3, 'a', 201);
    expect_bad(q, "q", "200");
    expect_bad("?q=Linden&limit=0", "limit", "50");
    expect_bad("?q=Linden&limit=51", "limit", "50");
    expect_bad("?q=Linden&limit=ten", "limit", "ten");
    expect_bad("?q=Linden&lim=5", "lim", "lim");
    expect_bad("?q=Linden&bbox=1,2,3,4", "bbox", "bbox");

    /* 200 characters are fine; FTS5 operators in words are plain words */
    memset(q + 3, 'a', 200);
    q[203] = '\0';
    json_t *list = hits(&demo, q + 3, NULL);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    list = hits(&demo, "Linden NOT OR AND NEAR", NULL);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    expect_first(&demo, "Linden* 2", "Lindenallee 2");

    /* German problems */
    {
        const char *hdr[] = {"Accept-Language: de", NULL};
        ts_http_req rq = {.url = ts_server_url(&demo, "/v1/addresses?q=a&limit=99"),
                          .headers = hdr};
        ts_http_resp r;
        assert_int_equal(ts_http(&rq, &r), 0);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "limit"));
        ts_http_resp_free(&r);
        rq.url = ts_server_url(&demo, "/v1/addresses");
        assert_int_equal(ts_http(&rq, &r), 0);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "q fehlt"));
        ts_http_resp_free(&r);
    }
    /* still up and answering */
    expect_first(&demo, "Lindenallee 2", "Lindenallee 2");
}

/* A store as an earlier build left it (no index): the first query builds it;
 * a new import of the layer replaces it in the import's transaction. */
static void test_old_store_and_reimport(void **state)
{
    sqlite3 *db = NULL;
    ts_server s;
    ts_server_opts o = {0};
    char path[4096], demo_osm[4096];
    (void)state;

    TS_SQLITE_ONLY("makes a store file as an earlier build left it (sqlite3 on the file)");
    snprintf(path, sizeof path, "%s", ts_path(ts_tmpdir("api_addresses_old_db"), "old.db"));
    snprintf(demo_osm, sizeof demo_osm, "%s", ts_demo_osm());
    assert_int_equal(ts_run_import_srid(path, "25832", demo_osm), 0);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE fts_addresses", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    o.db = path;
    assert_int_equal(ts_server_start(&s, "api_addresses_old", &o), 0);
    expect_first(&s, "Lindenallee 2", "Lindenallee 2");

    /* re-import while serving: the index follows the layer */
    assert_int_equal(ts_run_import_srid(path, "25832", demo_osm), 0);
    expect_first(&s, "Am Anger 3", "Am Anger 3");
    assert_int_equal(ts_server_stop(&s), 0);

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM fts_addresses), "
                                        "(SELECT count(*) FROM ref_addresses)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_true(sqlite3_column_int(st, 0) > 0);
    assert_int_equal(sqlite3_column_int(st, 0), sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ---- shared OSM extract (Berlin-Borsigwalde) ------------------------------ */

static void test_osm_extract(void **state)
{
    (void)state;
    if (!have_osm) {
        fprintf(stderr, "SKIP: shared OSM extract absent (GE_SHARED_DATA)\n");
        skip();
    }
    expect_first(&osm, "Eichborndamm 92a", "Eichborndamm 92a");
    expect_first(&osm, "holzhauser strasse 140d", "Holzhauser Straße 140d");
    expect_first(&osm, "Holzh 5", "Holzhauser Straße 5");

    json_t *list = hits(&osm, "Holzhauser Str 1", "limit=50");
    assert_true(json_array_size(list) >= 10);
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        double lon = json_number_value(json_object_get(a, "lon"));
        double lat = json_number_value(json_object_get(a, "lat"));
        const char *nr = json_string_value(json_object_get(a, "housenumber"));
        assert_string_equal(json_string_value(json_object_get(a, "street")), "Holzhauser Straße");
        if (nr[0] != '1') fail_msg("house number %s does not start with 1", nr);
        if (i > 0 && atol(nr) < atol(json_string_value(
                                    json_object_get(json_array_get(list, i - 1), "housenumber"))))
            fail_msg("house number %s out of order", nr);
        assert_true(lon > 13.2 && lon < 13.4 && lat > 52.5 && lat < 52.65);
    }
    json_decref(list);

    /* no typed number: one street's numbers in natural order */
    list = hits(&osm, "Pannwitzstr", "limit=50");
    assert_int_equal(json_array_size(list), 50);
    long prev = -1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *a = json_array_get(list, i);
        long nr = atol(json_string_value(json_object_get(a, "housenumber")));
        assert_string_equal(json_string_value(json_object_get(a, "street")), "Pannwitzstraße");
        if (nr < prev) fail_msg("Pannwitzstraße %ld after %ld", nr, prev);
        prev = nr;
    }
    json_decref(list);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_finds),
        cmocka_unit_test(test_demo_members_and_coordinates),
        cmocka_unit_test(test_demo_natural_order_and_limit),
        cmocka_unit_test(test_public_and_cors),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_old_store_and_reimport),
    };
    const struct CMUnitTest extract_tests[] = {
        cmocka_unit_test(test_osm_extract),
    };
    if (ts_extract_part(argc, argv))
        return ts_exit(ts_run_group_tests(extract_tests, setup_extract, teardown));
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
