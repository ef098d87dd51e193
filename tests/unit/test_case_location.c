/*
 * test_case_location.c - the location sentence of a submitted case's
 * features (geo/app/case_location.h) in a small synthetic town (EPSG:25832,
 * local metres): the sentence a report stores is taken as it is (even where
 * the data now says otherwise), found by its measures entry's "feature";
 * a broken one (not {de, en}) counts as none; without one the sentence is
 * made now, the same as ge_location_describe makes it, with the service's
 * clearances, from GEOS geometry or WKB; unreadable WKB, no geometry or no
 * snapshot give none without an error; completing a report's measures
 * fills only the entries without a sentence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_location.h"
#include "geos_ctx.h"
#include "location.h"
#include "ts.h"
#include "ts_refdata.h"
#include "ts_group.h"

#define X0 500000.0
#define Y0 5700000.0

static GEOSContextHandle_t H;
static ge_refsnap *TOWN;
static ge_service *SVC; /* 5 m from hydrants */

static GEOSGeometry *local(const char *wkt)
{
    return ts_refdata_local(wkt, X0, Y0);
}

static void add(ge_refbuilder *b, const char *layer, const char *wkt, const char *props)
{
    static int64_t fid;
    json_t *p = props ? json_loads(props, 0, NULL) : NULL;
    assert_int_equal(ge_refindex_builder_add(b, layer, local(wkt), ++fid, p, NULL), GE_OK);
}

/* Ahornweg along y = 0, no. 9 north of it at x 50, a hydrant at (60, 3). */
static int setup(void **state)
{
    ge_refbuilder *b;
    json_t *doc;
    ge_err err = {0};
    (void)state;
    H = ge_geos_ctx();
    assert_int_equal(ge_refindex_builder_new(25832, &b, NULL), GE_OK);
    add(b, "roads", "LINESTRING(0 0, 200 0)", "{\"name\": \"Ahornweg\"}");
    add(b, "addresses", "POINT(50 15)",
        "{\"street\": \"Ahornweg\", \"housenumber\": \"9\", \"label\": \"Ahornweg 9\"}");
    add(b, "hydrants", "POINT(60 3)", NULL);
    assert_int_equal(ge_refindex_builder_finish(b, &TOWN, NULL), GE_OK);
    doc = json_loads(
        "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\","
        "\"en\":\"D\"},\"retention_days\":30,\"rules\":[{\"id\":\"hydrant\",\"kind\":"
        "\"min_distance\",\"severity\":\"error\",\"params\":{\"layers\":[\"hydrants\"],"
        "\"min_m\":5},\"messages\":{\"de\":\"x\",\"en\":\"x\"},\"source\":\"test\"}]}",
        0, NULL);
    if (!doc || ge_service_parse(doc, "test.json", &SVC, &err) != GE_OK) {
        fprintf(stderr, "test service: %s\n", err.msg);
        return -1;
    }
    json_decref(doc);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_refsnap_release(TOWN);
    ge_service_free(SVC);
    ge_geos_thread_cleanup();
    return 0;
}

/* A skip in front of no. 9, north side: what ge_location_describe says. */
#define SKIP "POLYGON((48 1, 52 1, 52 3, 48 3, 48 1))"

static const char *de_of(const json_t *loc)
{
    return json_string_value(json_object_get(loc, "de"));
}

static void test_valid(void **state)
{
    json_t *v;
    (void)state;
    v = json_pack("{s:s, s:s}", "de", "a", "en", "b");
    assert_true(ge_case_location_valid(v));
    json_object_del(v, "en");
    assert_false(ge_case_location_valid(v));
    json_object_set_new(v, "en", json_integer(1));
    assert_false(ge_case_location_valid(v));
    json_decref(v);
    assert_false(ge_case_location_valid(NULL));
    v = json_string("Ahornweg");
    assert_false(ge_case_location_valid(v));
    json_decref(v);
}

static void test_stored(void **state)
{
    json_t *r;
    (void)state;
    /* in order, as the engine writes them */
    r = json_loads("{\"measures\":[{\"feature\":0,\"location\":{\"de\":\"A\",\"en\":\"a\"}},"
                   "{\"feature\":1},{\"feature\":2,\"location\":{\"de\":\"C\"}}]}",
                   0, NULL);
    assert_string_equal(de_of(ge_case_location_stored(r, 0)), "A");
    assert_null(ge_case_location_stored(r, 1));
    assert_null(ge_case_location_stored(r, 2)); /* not {de, en} */
    assert_null(ge_case_location_stored(r, 3));
    json_decref(r);
    /* out of order: found by "feature" */
    r = json_loads("{\"measures\":[{\"feature\":1,\"location\":{\"de\":\"B\",\"en\":\"b\"}},"
                   "{\"feature\":0,\"location\":{\"de\":\"A\",\"en\":\"a\"}}]}",
                   0, NULL);
    assert_string_equal(de_of(ge_case_location_stored(r, 0)), "A");
    assert_string_equal(de_of(ge_case_location_stored(r, 1)), "B");
    json_decref(r);
    /* no report, none stored */
    assert_null(ge_case_location_stored(NULL, 0));
    r = json_loads("{\"valid\":true}", 0, NULL);
    assert_null(ge_case_location_stored(r, 0));
    json_decref(r);
}

static void test_made_now(void **state)
{
    GEOSGeometry *g = local(SKIP);
    json_t *stored = json_pack("{s:s, s:s}", "de", "Lindenallee", "en", "Lindenallee");
    json_t *want, *got;
    ge_err err = {0};
    (void)state;

    want = ge_location_describe(H, TOWN, g, SVC, &err);
    assert_non_null(want);
    assert_non_null(strstr(de_of(want), "Ahornweg, vor Nr. 9"));
    assert_non_null(strstr(de_of(want), "vom Hydranten")); /* the service's clearance */
    /* none stored: made now, exactly so */
    got = ge_case_location(H, TOWN, SVC, NULL, g, &err);
    assert_int_equal(err.code, GE_OK);
    assert_true(json_equal(got, want));
    json_decref(got);
    /* stored: taken as it is, whatever the data says now */
    got = ge_case_location(H, TOWN, SVC, stored, g, &err);
    assert_ptr_equal(got, stored);
    json_decref(got);
    /* without the service: no clearance */
    got = ge_case_location(H, TOWN, NULL, NULL, g, &err);
    assert_non_null(got);
    assert_null(strstr(de_of(got), "Hydrant"));
    json_decref(got);
    /* nothing to go by: none, no error */
    assert_null(ge_case_location(H, NULL, SVC, NULL, g, &err));
    assert_int_equal(err.code, GE_OK);
    assert_null(ge_case_location(H, TOWN, SVC, NULL, NULL, &err));
    assert_int_equal(err.code, GE_OK);
    json_decref(want);
    json_decref(stored);
    GEOSGeom_destroy_r(H, g);
}

static void test_wkb(void **state)
{
    static const unsigned char garbage[] = {1, 3, 0, 0, 0, 9, 9};
    GEOSGeometry *g = local(SKIP);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(H);
    size_t len = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(H, w, g, &len);
    json_t *want, *got, *stored = json_pack("{s:s, s:s}", "de", "X", "en", "x");
    ge_err err = {0};
    (void)state;

    want = ge_location_describe(H, TOWN, g, SVC, &err);
    got = ge_case_location_wkb(H, TOWN, SVC, NULL, wkb, len, &err);
    assert_true(json_equal(got, want));
    json_decref(got);
    got = ge_case_location_wkb(H, TOWN, SVC, stored, wkb, len, &err);
    assert_ptr_equal(got, stored);
    json_decref(got);
    /* the stored one needs no geometry */
    got = ge_case_location_wkb(H, TOWN, SVC, stored, NULL, 0, &err);
    assert_ptr_equal(got, stored);
    json_decref(got);
    assert_null(ge_case_location_wkb(H, TOWN, SVC, NULL, garbage, sizeof garbage, &err));
    assert_int_equal(err.code, GE_OK);
    assert_null(ge_case_location_wkb(H, TOWN, SVC, NULL, NULL, 0, &err));
    assert_int_equal(err.code, GE_OK);
    GEOSFree_r(H, wkb);
    GEOSWKBWriter_destroy_r(H, w);
    json_decref(want);
    json_decref(stored);
    GEOSGeom_destroy_r(H, g);
}

static void test_complete(void **state)
{
    ge_feature items[2] = {{.geom = local(SKIP)}, {.geom = local("POINT(150 -4)")}};
    ge_features fs = {.items = items, .n = 2};
    json_t *m, *now0, *now1;
    ge_err err = {0};
    (void)state;

    now0 = ge_location_describe(H, TOWN, items[0].geom, SVC, &err);
    now1 = ge_location_describe(H, TOWN, items[1].geom, SVC, &err);
    assert_non_null(now0);
    assert_non_null(now1);
    /* feature 1 keeps what it has; 0 and the broken one get theirs; 7 is
     * no feature of the case; a non-object stays */
    m = json_loads("[{\"feature\":1,\"location\":{\"de\":\"Alt\",\"en\":\"old\"}},"
                   "{\"feature\":0,\"area_m2\":8},"
                   "{\"feature\":1,\"location\":\"kaputt\"},"
                   "{\"feature\":7}, 3]",
                   0, NULL);
    assert_int_equal(ge_case_location_complete(H, TOWN, SVC, m, &fs, &err), GE_OK);
    assert_string_equal(de_of(json_object_get(json_array_get(m, 0), "location")), "Alt");
    assert_true(json_equal(json_object_get(json_array_get(m, 1), "location"), now0));
    assert_true(json_equal(json_object_get(json_array_get(m, 2), "location"), now1));
    assert_null(json_object_get(json_array_get(m, 3), "location"));
    assert_true(json_is_integer(json_array_get(m, 4)));
    json_decref(m);
    /* without a snapshot nothing is made, and nothing fails */
    m = json_loads("[{\"feature\":0}]", 0, NULL);
    assert_int_equal(ge_case_location_complete(H, NULL, SVC, m, &fs, &err), GE_OK);
    assert_null(json_object_get(json_array_get(m, 0), "location"));
    json_decref(m);
    json_decref(now0);
    json_decref(now1);
    GEOSGeom_destroy_r(H, items[0].geom);
    GEOSGeom_destroy_r(H, items[1].geom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),    cmocka_unit_test(test_stored),
        cmocka_unit_test(test_made_now), cmocka_unit_test(test_wkb),
        cmocka_unit_test(test_complete),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
