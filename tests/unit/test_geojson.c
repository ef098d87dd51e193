/*
 * test_geojson.c - GeoJSON in (paths in errors, limits, CRS) and out
 * (precision, RFC 7946 winding, axis order).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geojson_in.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "ts.h"

static GEOSContextHandle_t H;

static int parse(const char *text, ge_geojson_in_opts *o, ge_features *out, ge_err *err)
{
    return ge_geojson_in_parse_text(H, text, strlen(text), o, out, err);
}

static ge_geojson_in_opts opts(void)
{
    ge_geojson_in_opts o;
    ge_geojson_in_opts_init(&o);
    o.store_srid = 25833;
    return o;
}

static void test_feature_collection_in_crs84(void **state)
{
    const char *doc =
        "{\"type\":\"FeatureCollection\",\"features\":["
        "{\"type\":\"Feature\",\"id\":\"a\",\"properties\":{\"note\":\"x\"},"
        "\"geometry\":{\"type\":\"Point\",\"coordinates\":[13.3,52.58]}},"
        "{\"type\":\"Feature\",\"properties\":null,\"geometry\":{\"type\":\"Polygon\","
        "\"coordinates\":[[[13.3,52.58],[13.3001,52.58],[13.3001,52.5801],[13.3,52.58]]]}}]}";
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_err err;
    double x, y;
    (void)state;
    assert_int_equal(parse(doc, &o, &f, &err), GE_OK);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.nvertices, 5);
    assert_string_equal(ge_geojson_type_name(H, f.items[0].geom), "Point");
    assert_string_equal(ge_geojson_type_name(H, f.items[1].geom), "Polygon");
    GEOSGeomGetX_r(H, f.items[0].geom, &x);
    GEOSGeomGetY_r(H, f.items[0].geom, &y);
    assert_true(x > 380000 && x < 390000 && y > 5820000 && y < 5830000);
    assert_string_equal(json_string_value(json_object_get(f.items[0].properties, "note")), "x");
    assert_string_equal(json_string_value(f.items[0].id), "a");
    assert_null(f.items[1].properties);
    ge_features_free(H, &f);
}

static void test_bare_geometry_and_feature(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    (void)state;
    assert_int_equal(
        parse("{\"type\":\"MultiLineString\",\"coordinates\":[[[13.3,52.58],[13.31,52.58]],"
              "[[13.3,52.59],[13.31,52.59,34.5]]]}",
              &o, &f, NULL),
        GE_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(ge_geojson_type_name(H, f.items[0].geom), "MultiLineString");
    ge_features_free(H, &f);
    assert_int_equal(parse("{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPoint\","
                           "\"coordinates\":[[13.3,52.58]]},\"properties\":{},\"foreign\":1}",
                           &o, &f, NULL),
                     GE_OK);
    assert_int_equal(f.n, 1);
    ge_features_free(H, &f);
}

static void test_named_crs_and_legacy_member(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_err err;
    double x;
    (void)state;
    ge_crs_parse("EPSG:25833", &o.crs, NULL);
    o.crs_explicit = true;
    assert_int_equal(
        parse("{\"type\":\"Point\",\"coordinates\":[385000.25,5826000.5]}", &o, &f, &err), GE_OK);
    GEOSGeomGetX_r(H, f.items[0].geom, &x);
    assert_true(x == 385000.25);
    ge_features_free(H, &f);
    /* EPSG:4326 by URI: latitude first. */
    o = opts();
    ge_crs_parse("http://www.opengis.net/def/crs/EPSG/0/4326", &o.crs, NULL);
    assert_int_equal(parse("{\"type\":\"Point\",\"coordinates\":[52.58,13.3]}", &o, &f, &err),
                     GE_OK);
    GEOSGeomGetX_r(H, f.items[0].geom, &x);
    assert_true(x > 380000 && x < 390000);
    ge_features_free(H, &f);
    /* legacy crs member */
    o = opts();
    assert_int_equal(
        parse("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
              "{\"name\":\"urn:ogc:def:crs:EPSG::25833\"}},\"features\":[{\"type\":"
              "\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\","
              "\"coordinates\":[385000,5826000]}}]}",
              &o, &f, &err),
        GE_OK);
    assert_int_equal(f.crs.epsg, 25833);
    ge_features_free(H, &f);
    /* ... which must agree with an explicit one */
    ge_crs_parse("EPSG:25832", &o.crs, NULL);
    o.crs_explicit = true;
    assert_int_equal(parse("{\"type\":\"Point\",\"crs\":{\"type\":\"name\",\"properties\":"
                           "{\"name\":\"EPSG:25833\"}},\"coordinates\":[385000,5826000]}",
                           &o, &f, &err),
                     GE_EINVAL);
}

/* Table of bad documents: each must fail with this code and this exact message part. */
static void test_bad_inputs_name_path_and_value(void **state)
{
    /* clang-format off */
    static const struct {
        const char *doc;
        int code;
        const char *msg;
    } cases[] = {
        { "hello", GE_EINVAL, "not valid JSON: line 1, column" },
        { "", GE_EINVAL, "the body is empty" },
        { "[1,2", GE_EINVAL, "not valid JSON" },
        { "42", GE_EINVAL, "not valid JSON" },
        { "[]", GE_EINVAL, "expected a GeoJSON object (FeatureCollection, Feature or geometry), found an array" },
        { "{\"a\":1,\"a\":2}", GE_EINVAL, "duplicate object key" },
        { "{\"type\":\"Point\",\"coordinates\":[NaN,52]}", GE_EINVAL, "NaN is not a JSON number" },
        { "{\"type\":\"Point\",\"coordinates\":[Infinity,52]}", GE_EINVAL, "Infinity is not a JSON number" },
        { "{\"type\":\"Point\",\"coordinates\":[-Infinity,52]}", GE_EINVAL, "-Infinity is not a JSON number" },
        { "{\"type\":\"Point\",\"coordinates\":[1e400,52]}", GE_EINVAL, "the number 1e400 is too large" },
        { "{\"coordinates\":[1,2]}", GE_EINVAL, "member 'type' is missing" },
        { "{\"type\":\"Circle\",\"coordinates\":[1,2]}", GE_EINVAL,
          "type: type 'Circle' is not a GeoJSON geometry type (Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon)" },
        { "{\"type\":\"GeometryCollection\",\"geometries\":[]}", GE_EINVAL,
          "type: GeometryCollection is not accepted" },
        { "{\"type\":\"Point\",\"coordinate\":[1,2]}", GE_EINVAL, "unknown member 'coordinate'" },
        { "{\"type\":\"Point\"}", GE_EINVAL, "member 'coordinates' is missing" },
        { "{\"type\":\"Point\",\"coordinates\":[13.3]}", GE_EINVAL,
          "coordinates: a position has 2 or 3 numbers, this one has 1" },
        { "{\"type\":\"Point\",\"coordinates\":[13.3,\"52\"]}", GE_EINVAL,
          "coordinates[1]: expected a number, found a string" },
        { "{\"type\":\"FeatureCollection\",\"features\":[]}", GE_EINVAL,
          "features: the collection is empty; draw at least one feature" },
        { "{\"type\":\"FeatureCollection\",\"features\":{}}", GE_EINVAL,
          "features: expected an array of Features, found an object" },
        { "{\"type\":\"FeatureCollection\"}", GE_EINVAL, "member 'features' is missing" },
        { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":null}]}",
          GE_EINVAL, "features[0].geometry: is null; every feature needs a geometry" },
        { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\"}]}",
          GE_EINVAL, "features[0]: member 'geometry' is missing" },
        { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feat\",\"geometry\":null}]}",
          GE_EINVAL, "features[0].type: expected 'Feature', found 'Feat'" },
        { "{\"type\":\"Feature\",\"properties\":[],\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}",
          GE_EINVAL, "properties: expected an object or null, found an array" },
        { "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
          "\"geometry\":{\"type\":\"Point\",\"coordinates\":[13.3,52.5]}},{\"type\":\"Feature\","
          "\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.5],"
          "[13.4,52.5],[13.4,52.6],[13.3,52.6],[200.0,52.5]]]}}]}",
          GE_EINVAL, "features[1].geometry.coordinates[0][4]: longitude 200 is out of range (-180..180)" },
        { "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
          "[[[13.3,52.5],[13.4,52.5],[13.4,52.6],[13.31,52.5]]]}}",
          GE_EINVAL, "geometry.coordinates[0]: ring 0 is not closed (first point (13.3, 52.5), last point (13.31, 52.5))" },
        { "{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.5],[13.4,52.5],[13.3,52.5]]]}",
          GE_EINVAL, "coordinates[0]: ring has 3 positions, a closed ring needs at least 4" },
        { "{\"type\":\"Polygon\",\"coordinates\":[[[13.3,52.5],[13.4,52.5],[13.4,52.6],[13.3,52.5]],"
          "[[13.3,52.5],[13.4,52.5]]]}",
          GE_EINVAL, "coordinates[1]: ring has 2 positions, a closed ring needs at least 4" },
        { "{\"type\":\"Polygon\",\"coordinates\":[]}", GE_EINVAL,
          "coordinates: a polygon needs at least its outer ring" },
        { "{\"type\":\"LineString\",\"coordinates\":[[13.3,52.5]]}", GE_EINVAL,
          "coordinates: line has 1 position, a line needs at least 2" },
        { "{\"type\":\"MultiPolygon\",\"coordinates\":[]}", GE_EINVAL,
          "coordinates: empty: draw at least one polygon" },
        { "{\"type\":\"MultiPoint\",\"coordinates\":[[13.3,52.5],[13.3,95]]}", GE_EINVAL,
          "coordinates[1]: latitude 95 is out of range (-90..90)" },
        { "{\"type\":\"Point\",\"coordinates\":[385000,5826000]}", GE_EINVAL,
          "coordinates: longitude 385000 is out of range (-180..180); projected coordinates need their CRS named" },
        { "{\"type\":\"Point\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:2154\"}},"
          "\"coordinates\":[1,2]}", GE_EINVAL, "crs: CRS 'EPSG:2154' is not supported" },
    };

    /* clang-format on */
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_geojson_in_opts o = opts();
        ge_features f;
        ge_err err = {0};
        int rc = parse(cases[i].doc, &o, &f, &err);
        if (rc != cases[i].code || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: %s\n  got %d '%s'\n  want %d '%s'", i, cases[i].doc, rc, err.msg,
                     cases[i].code, cases[i].msg);
        assert_int_equal(f.n, 0);
        assert_null(f.items);
    }
}

static void test_path_prefix(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_err err;
    (void)state;
    o.path = "features";
    assert_int_equal(
        parse("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
              "\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1]}}]}",
              &o, &f, &err),
        GE_EINVAL);
    assert_string_equal(err.msg, "features.features[0].geometry.coordinates: a position has 2 or 3 "
                                 "numbers, this one has 1");
}

static char *repeat_doc(const char *head, const char *unit, size_t n, const char *sep,
                        const char *tail)
{
    size_t len = strlen(head) + n * (strlen(unit) + strlen(sep)) + strlen(tail) + 1;
    char *s = malloc(len), *p = s;
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? sep : "", unit);
    sprintf(p, "%s", tail);
    return s;
}

static void test_limits(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_err err;
    char *doc;
    (void)state;
    /* too many vertices: 10001 positions in a line */
    doc = repeat_doc("{\"type\":\"LineString\",\"coordinates\":[", "[13.3,52.5]", 10001, ",", "]}");
    assert_int_equal(parse(doc, &o, &f, &err), GE_ELIMIT);
    assert_string_equal(err.msg, "coordinates: more than 10000 vertices (limit)");
    o.limits.max_vertices = 20000;
    assert_int_equal(parse(doc, &o, &f, &err), GE_OK);
    ge_features_free(H, &f);
    free(doc);
    /* the vertex limit counts over all features */
    o = opts();
    o.limits.max_vertices = 5;
    doc =
        repeat_doc("{\"type\":\"FeatureCollection\",\"features\":[",
                   "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\","
                   "\"coordinates\":[[13.3,52.5],[13.4,52.5]]}}",
                   3, ",", "]}");
    assert_int_equal(parse(doc, &o, &f, &err), GE_ELIMIT);
    assert_string_equal(err.msg, "features[2].geometry.coordinates: more than 5 vertices (limit)");
    free(doc);
    /* too many features */
    o = opts();
    o.limits.max_features = 2;
    doc = repeat_doc("{\"type\":\"FeatureCollection\",\"features\":[",
                     "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\","
                     "\"coordinates\":[13.3,52.5]}}",
                     3, ",", "]}");
    assert_int_equal(parse(doc, &o, &f, &err), GE_ELIMIT);
    assert_string_equal(err.msg, "features: 3 features, more than 2 (limit)");
    free(doc);
    /* nesting depth bomb: refused before jansson recurses */
    o = opts();
    doc = repeat_doc("", "[", 100000, "", "");
    assert_int_equal(parse(doc, &o, &f, &err), GE_ELIMIT);
    assert_string_equal(err.msg, "JSON nests deeper than 64 levels (limit) at byte 64");
    free(doc);
    doc = repeat_doc("{\"type\":\"Point\",\"coordinates\":", "[", 70, "", "13.3,52.5]}");
    assert_int_equal(parse(doc, &o, &f, &err), GE_ELIMIT);
    free(doc);
    /* brackets inside strings do not count */
    doc = repeat_doc("{\"type\":\"Point\",\"properties\":\"", "[{", 50, "",
                     "\",\"coordinates\":[1,2]}");
    assert_int_equal(parse(doc, &o, &f, &err), GE_EINVAL);
    assert_string_equal(err.msg,
                        "unknown member 'properties' (a geometry has type, coordinates, bbox)");
    free(doc);
    /* a nested-array position: depth within limit, but not a number */
    assert_int_equal(parse("{\"type\":\"Point\",\"coordinates\":[[13.3,52.5],1]}", &o, &f, &err),
                     GE_EINVAL);
    assert_string_equal(err.msg, "coordinates[0]: expected a number, found an array");
}

static void test_empty_collection_allowed_for_drafts(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    (void)state;
    o.allow_empty = true;
    assert_int_equal(parse("{\"type\":\"FeatureCollection\",\"features\":[]}", &o, &f, NULL),
                     GE_OK);
    assert_int_equal(f.n, 0);
    ge_features_free(H, &f);
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, GE_JSON_DUMP_FLAGS | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static void test_out_precision_and_round_trip(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_crs utm;
    char *s;
    (void)state;
    ge_crs_from_epsg(25833, &utm, NULL);
    assert_int_equal(
        parse("{\"type\":\"Point\",\"coordinates\":[13.2951234,52.5812345]}", &o, &f, NULL), GE_OK);
    s = dump(ge_geojson_out_geometry(H, f.items[0].geom, &utm, &GE_CRS84, NULL));
    assert_string_equal(s, "{\"coordinates\":[13.2951234,52.5812345],\"type\":\"Point\"}");
    free(s);
    /* latitude first for EPSG:4326 */
    ge_crs latlon;
    ge_crs_parse("EPSG:4326", &latlon, NULL);
    s = dump(ge_geojson_out_geometry(H, f.items[0].geom, &utm, &latlon, NULL));
    assert_string_equal(s, "{\"coordinates\":[52.5812345,13.2951234],\"type\":\"Point\"}");
    free(s);
    /* metres: three decimals */
    s = dump(ge_geojson_out_geometry(H, f.items[0].geom, &utm, &utm, NULL));
    assert_non_null(strstr(s, "\"coordinates\":[38"));
    {
        const char *p = strchr(s, '.');
        assert_non_null(p);
        assert_true(strcspn(p + 1, ",]") <= 3);
    }
    free(s);
    ge_features_free(H, &f);
}

static void test_out_rfc7946_winding(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_crs utm;
    json_t *g, *ring;
    (void)state;
    ge_crs_from_epsg(25833, &utm, NULL);
    o.crs = utm;
    /* clockwise shell, counterclockwise hole: both must come out reversed */
    assert_int_equal(parse("{\"type\":\"Polygon\",\"coordinates\":["
                           "[[0,0],[0,10],[10,10],[10,0],[0,0]],"
                           "[[2,2],[4,2],[4,4],[2,4],[2,2]]]}",
                           &o, &f, NULL),
                     GE_OK);
    g = ge_geojson_out_geometry(H, f.items[0].geom, &utm, &utm, NULL);
    ring = json_array_get(json_object_get(g, "coordinates"), 0);
    /* shell counterclockwise: second point is (10,0) */
    assert_true(json_number_value(json_array_get(json_array_get(ring, 1), 0)) == 10);
    assert_true(json_number_value(json_array_get(json_array_get(ring, 1), 1)) == 0);
    ring = json_array_get(json_object_get(g, "coordinates"), 1);
    /* hole clockwise: second point is (2,4) */
    assert_true(json_number_value(json_array_get(json_array_get(ring, 1), 0)) == 2);
    assert_true(json_number_value(json_array_get(json_array_get(ring, 1), 1)) == 4);
    json_decref(g);
    ge_features_free(H, &f);
}

static void test_out_feature_collection_keeps_ids_and_props(void **state)
{
    ge_geojson_in_opts o = opts();
    ge_features f;
    ge_crs utm;
    char *s;
    (void)state;
    ge_crs_from_epsg(25833, &utm, NULL);
    o.crs = utm;
    assert_int_equal(
        parse("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
              "\"id\":7,\"properties\":{\"a\":1},\"geometry\":{\"type\":\"LineString\","
              "\"coordinates\":[[1.0004,2],[3,4.12345]]}}]}",
              &o, &f, NULL),
        GE_OK);
    s = dump(ge_geojson_out_features(H, &f, &utm, &utm, NULL));
    assert_string_equal(
        s, "{\"features\":[{\"geometry\":{\"coordinates\":[[1.0,2.0],[3.0,4.123]],"
           "\"type\":\"LineString\"},\"id\":7,\"properties\":{\"a\":1},\"type\":\"Feature\"}],"
           "\"type\":\"FeatureCollection\"}");
    free(s);
    ge_features_free(H, &f);
}

/* A Feature whose properties nest `levels` deep ({"a": {"a": ... {}}}),
 * wrapped in a FeatureCollection when in_collection. */
static char *feature_with_depth(int levels, bool in_collection)
{
    char *props = malloc((size_t)levels * 8 + 8), *doc = malloc((size_t)levels * 8 + 256);
    size_t n = 0;

    for (int i = 1; i < levels; i++)
        n += (size_t)sprintf(props + n, "{\"a\":");
    n += (size_t)sprintf(props + n, "{}");
    for (int i = 1; i < levels; i++)
        props[n++] = '}';
    props[n] = '\0';
    sprintf(doc,
            "%s{\"type\":\"Feature\",\"properties\":%s,\"geometry\":{\"type\":\"Point\","
            "\"coordinates\":[13.3,52.5]}}%s",
            in_collection ? "{\"type\":\"FeatureCollection\",\"features\":[" : "", props,
            in_collection ? "]}" : "");
    free(props);
    return doc;
}

/* The nesting limit is on the properties, wherever the feature is: what is
 * accepted as a bare Feature is accepted again when written out as the
 * stored FeatureCollection (two levels deeper) and read back. */
static void test_properties_depth_limit(void **state)
{
    const int limit = GE_GEOJSON_MAX_PROPERTIES_DEPTH;
    ge_geojson_in_opts o = opts();
    ge_features f, back;
    ge_crs utm;
    ge_err err;
    (void)state;
    ge_crs_from_epsg(25833, &utm, NULL);
    assert_int_equal(limit, 32);
    for (int levels = limit - 1; levels <= limit + 1; levels++) {
        for (int wrapped = 0; wrapped < 2; wrapped++) {
            char *doc = feature_with_depth(levels, wrapped), *stored;
            int rc = parse(doc, &o, &f, &err);
            free(doc);
            if (levels > limit) {
                assert_int_equal(rc, GE_ELIMIT);
                assert_string_equal(err.msg, wrapped
                                                 ? "features[0].properties: nests deeper than 32 "
                                                   "levels (the limit for a feature's properties; "
                                                   "the properties object is level 1)"
                                                 : "properties: nests deeper than 32 levels (the "
                                                   "limit for a feature's properties; the "
                                                   "properties object is level 1)");
                continue;
            }
            if (rc != GE_OK) fail_msg("%d levels (wrapped %d): %s", levels, wrapped, err.msg);
            stored = dump(ge_geojson_out_features(H, &f, &utm, &utm, NULL));
            ge_features_free(H, &f);
            ge_geojson_in_opts stored_opts = opts();
            stored_opts.crs = utm;
            if (parse(stored, &stored_opts, &back, &err) != GE_OK)
                fail_msg("%d levels (wrapped %d): the stored form is refused: %s", levels, wrapped,
                         err.msg);
            assert_int_equal(back.n, 1);
            ge_features_free(H, &back);
            free(stored);
        }
    }
    /* arrays count like objects: {"a": [[...]]} with limit - 1 arrays is the limit */
    for (int arrays = limit - 1; arrays <= limit; arrays++) {
        char *doc = repeat_doc("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\","
                               "\"coordinates\":[1,2]},\"properties\":{\"a\":",
                               "[", (size_t)arrays, "", "");
        size_t n = strlen(doc);
        doc = realloc(doc, n + (size_t)arrays + 8);
        memset(doc + n, ']', (size_t)arrays);
        strcpy(doc + n + arrays, "}}");
        assert_int_equal(parse(doc, &o, &f, &err), arrays < limit ? GE_OK : GE_ELIMIT);
        if (arrays < limit) ge_features_free(H, &f);
        free(doc);
    }
}

static int setup(void **state)
{
    (void)state;
    H = ge_geos_ctx();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_crs_thread_cleanup();
    ge_geos_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_collection_in_crs84),
        cmocka_unit_test(test_bare_geometry_and_feature),
        cmocka_unit_test(test_named_crs_and_legacy_member),
        cmocka_unit_test(test_bad_inputs_name_path_and_value),
        cmocka_unit_test(test_path_prefix),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_properties_depth_limit),
        cmocka_unit_test(test_empty_collection_allowed_for_drafts),
        cmocka_unit_test(test_out_precision_and_round_trip),
        cmocka_unit_test(test_out_rfc7946_winding),
        cmocka_unit_test(test_out_feature_collection_keeps_ids_and_props),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
