/*
 * test_validate.c - validation requests from body text to report: every kind
 * of bad input gets its code and a message naming member, value or limit;
 * good requests in CRS84 and in a named CRS get a report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geojson_out.h"
#include "geos_ctx.h"
#include "ts.h"
#include "ts_refdata.h"
#include "validate.h"

static GEOSContextHandle_t H;
static ge_services *SERVICES;
static ge_refsnap *SNAP;

static int setup(void **state)
{
    ge_refbuilder *b;
    GEOSWKTReader *r;
    (void)state;
    H = ge_geos_ctx();
    if (ts_refdata_services(&SERVICES) < 0) return -1;
    /* a street around 13.3 E, 52.58 N in EPSG:25833, and a hydrant on it */
    ge_refindex_builder_new(25833, &b, NULL);
    r = GEOSWKTReader_create_r(H);
    ge_refindex_builder_add(b, "street_space",
                            GEOSWKTReader_read_r(H, r,
                                                 "POLYGON((384000 5826000, 387000 5826000, "
                                                 "387000 5826020, 384000 5826020, 384000 "
                                                 "5826000))"),
                            1, NULL, NULL);
    ge_refindex_builder_add(b, "hydrants", GEOSWKTReader_read_r(H, r, "POINT(385007 5826006)"), 1,
                            NULL, NULL);
    GEOSWKTReader_destroy_r(H, r);
    ge_refindex_builder_finish(b, &SNAP, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_refdata_teardown(SNAP, SERVICES);
}

static json_t *violation_of(const json_t *rep, const char *rule)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(rep, "violations"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "rule")), rule)) return v;
    }
    fail_msg("no violation of %s", rule);
    return NULL;
}

static ge_validate_opts opts(void)
{
    ge_validate_opts o;
    ge_validate_opts_init(&o);
    o.services = SERVICES;
    o.snap = SNAP;
    o.today = ge_date_from_ymd(2026, 7, 1);
    return o;
}

#define FC(geom)                                                                                   \
    "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"       \
    "\"geometry\":" geom "}]}"
#define RECT_25833                                                                                 \
    "{\"type\":\"Polygon\",\"coordinates\":[[[385010,5826005],[385014,5826005],[385014,5826007],"  \
    "[385010,5826007],[385010,5826005]]]}"

/* clang-format off */
static const struct {
    const char *body;
    int code;
    const char *msg;
} bad[] = {
    { "not json", GE_EINVAL, "not valid JSON: line 1, column" },
    { "[1]", GE_EINVAL, "expected a JSON object {\"service\", \"features\", \"period\"}" },
    { "{\"features\":{}}", GE_EINVAL, "service: missing" },
    { "{\"service\":\"fireworks\",\"features\":{}}", GE_ENOENT,
      "service: 'fireworks' does not exist (known: construction-access, info-stand, skip-container)" },
    { "{\"service\":\"info-stand\",\"feature\":{}}", GE_EINVAL, "unknown member 'feature'" },
    { "{\"service\":\"info-stand\"}", GE_EINVAL, "features: missing" },
    { "{\"service\":\"info-stand\",\"features\":{\"type\":\"Topology\"}}", GE_EINVAL,
      "features.type: type 'Topology' is not a GeoJSON geometry type" },
    { "{\"service\":\"info-stand\",\"features\":{\"type\":\"FeatureCollection\",\"features\":[]}}", GE_EINVAL,
      "features.features: the collection is empty; draw at least one feature" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[NaN,52.5]}") "}",
      GE_EINVAL, "NaN is not a JSON number" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[13.3,Infinity]}") "}",
      GE_EINVAL, "Infinity is not a JSON number" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[13.3,152.5]}") "}",
      GE_EINVAL, "features.features[0].geometry.coordinates: latitude 152.5 is out of range (-90..90)" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.5],[13.31,52.5],[13.31,52.51],[13.3,52.51]]]}") "}",
      GE_EINVAL, "features.features[0].geometry.coordinates[0]: ring 0 is not closed" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.5],[13.31,52.5],[13.3,52.5]]]}") "}",
      GE_EINVAL, "ring has 3 positions, a closed ring needs at least 4" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[13.3,52.5]}") ",\"period\":{\"start\":\"2026-08-05\",\"end\":\"2026-08-01\"}}",
      GE_EINVAL, "period: end 2026-08-01 is before start 2026-08-05" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[13.3,52.5]}") ",\"crs\":\"EPSG:31468\"}",
      GE_EINVAL, "crs: CRS 'EPSG:31468' is not supported" },
    { "{\"service\":\"info-stand\",\"features\":" FC("{\"type\":\"Point\",\"coordinates\":[13.3,52.5]}") ",\"crs\":25833}",
      GE_EINVAL, "crs: expected a CRS URI string" },
};
/* clang-format on */

static void test_bad_requests(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ge_validate_opts o = opts();
        json_t *rep = NULL;
        ge_err err = {0};
        int rc = ge_validate_request_text(H, bad[i].body, strlen(bad[i].body), &o, &rep, &err);
        if (rc != bad[i].code || !strstr(err.msg, bad[i].msg))
            fail_msg("case %zu\n  got %d '%s'\n  want %d '%s'", i, rc, err.msg, bad[i].code,
                     bad[i].msg);
        assert_null(rep);
    }
}

static void test_limits(void **state)
{
    ge_validate_opts o = opts();
    json_t *rep = NULL;
    ge_err err = {0};
    size_t n = 200000;
    char *body = malloc(n + 64), *p = body;
    (void)state;
    /* a nesting bomb inside "features" */
    p += sprintf(p, "{\"service\":\"info-stand\",\"features\":");
    memset(p, '[', n);
    p[n] = '\0';
    assert_int_equal(ge_validate_request_text(H, body, strlen(body), &o, &rep, &err), GE_ELIMIT);
    assert_non_null(strstr(err.msg, "JSON nests deeper than 64 levels (limit)"));
    free(body);
    /* more vertices than the configured limit */
    o.limits.max_vertices = 4;
    const char *b2 =
        "{\"service\":\"skip-container\",\"crs\":\"EPSG:25833\",\"features\":" FC(RECT_25833) "}";
    assert_int_equal(ge_validate_request_text(H, b2, strlen(b2), &o, &rep, &err), GE_ELIMIT);
    assert_string_equal(
        err.msg, "features.features[0].geometry.coordinates[0]: more than 4 vertices (limit)");
}

static void test_good_request_named_crs(void **state)
{
    ge_validate_opts o = opts();
    json_t *rep = NULL;
    ge_err err = {0};
    /* a 4 x 2 m skip 3 m from the hydrant, the period fine */
    const char *body =
        "{\"service\":\"skip-container\",\"crs\":\"EPSG:25833\",\"period\":{\"start\":"
        "\"2026-07-20\",\"end\":\"2026-07-22\"},\"features\":" FC(RECT_25833) "}";
    (void)state;
    if (ge_validate_request_text(H, body, strlen(body), &o, &rep, &err) != GE_OK)
        fail_msg("%s", err.msg);
    assert_true(json_is_false(json_object_get(rep, "valid")));
    assert_int_equal(json_array_size(json_object_get(rep, "violations")), 1);
    json_t *v = violation_of(rep, "hydrant-distance");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                           "Abstand zum Hydranten, mindestens 5 m"));
    /* boundary, junctions, trees, buildings, cycleways are not in this snapshot */
    assert_true(json_array_size(json_object_get(rep, "unchecked")) >= 5);
    assert_string_equal(json_string_value(json_object_get(rep, "crs")),
                        "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    json_decref(rep);
}

static void test_good_request_crs84_wrong_type_is_a_violation(void **state)
{
    ge_validate_opts o = opts();
    json_t *rep = NULL;
    ge_err err = {0};
    const char *body = "{\"service\":\"skip-container\",\"features\":" FC(
        "{\"type\":\"LineString\",\"coordinates\":[[13.3,52.58],[13.3001,52.58]]}") "}";
    (void)state;
    assert_int_equal(ge_validate_request_text(H, body, strlen(body), &o, &rep, &err), GE_OK);
    json_t *v = violation_of(rep, "geometry-type");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Bitte zeichnen Sie die Stellfläche als Fläche (Rechteck); gezeichnet "
                        "wurde: Linie.");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "en")),
                        "Please draw the footprint as an area (rectangle); what was drawn is a "
                        "line.");
    json_decref(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_good_request_named_crs),
        cmocka_unit_test(test_good_request_crs84_wrong_type_is_a_violation),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
