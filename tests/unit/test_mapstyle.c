/*
 * test_mapstyle.c - the style documents as the server reads them: the
 * shipped styles load and stay within the expression subset the static map
 * renders; filters, match, interpolate and colours evaluate as the style
 * spec says; root-relative URLs get the base URL and nothing else does; a
 * broken style file is refused with its name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapstyle.h"
#include "ts.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_shipped_styles(void **state)
{
    char dir[4096];
    ge_mapstyles ss;
    ge_err err;
    (void)state;

    snprintf(dir, sizeof dir, "%s/styles", ts_env("GE_SOURCE_DIR"));
    assert_int_equal(ge_mapstyles_load_dir(dir, &ss, &err), GE_OK);
    assert_int_equal(ss.n, 3);
    assert_string_equal(ss.items[0].id, "basemap");
    assert_string_equal(ss.items[1].id, "overlays");
    assert_string_equal(ss.items[2].id, "services");
    for (size_t i = 0; i < ss.n; i++) {
        if (ge_mapstyle_check(ss.items[i].doc, &err) != GE_OK)
            fail_msg("styles/%s.json: %s", ss.items[i].id, err.msg);
    }
    assert_non_null(ge_mapstyles_find(&ss, "services"));
    assert_null(ge_mapstyles_find(&ss, "nope"));
    ge_mapstyles_free(&ss);
}

static json_t *J(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    return j;
}

static bool F(const char *filter, const char *props, const char *gtype, double zoom)
{
    json_t *f = J(filter), *p = J(props);
    ge_mapstyle_feature feat = {p, gtype};
    bool yes = ge_mapstyle_filter(f, &feat, zoom);
    json_decref(f);
    json_decref(p);
    return yes;
}

static void test_filters(void **state)
{
    (void)state;
    assert_true(F("[\"==\", [\"get\", \"class\"], \"primary\"]", "{\"class\":\"primary\"}",
                  "LineString", 15));
    assert_false(F("[\"==\", [\"get\", \"class\"], \"primary\"]", "{\"class\":\"service\"}",
                   "LineString", 15));
    assert_true(F("[\"!=\", [\"get\", \"class\"], \"primary\"]", "{}", "LineString", 15));
    assert_true(F("[\"in\", [\"get\", \"class\"], [\"literal\", [\"a\", \"b\"]]]",
                  "{\"class\":\"b\"}", "Polygon", 15));
    assert_false(F("[\"in\", [\"get\", \"class\"], [\"literal\", [\"a\", \"b\"]]]",
                   "{\"class\":\"c\"}", "Polygon", 15));
    assert_true(F("[\"in\", [\"geometry-type\"], [\"literal\", [\"Polygon\", \"MultiPolygon\"]]]",
                  "{}", "MultiPolygon", 15));
    assert_false(F("[\"==\", [\"geometry-type\"], \"Point\"]", "{}", "Polygon", 15));
    assert_true(
        F("[\"all\", [\"==\", [\"get\", \"n\"], 2], [\"!\", [\"==\", [\"get\", \"n\"], 3]]]",
          "{\"n\": 2.0}", "Point", 15));
    assert_false(F("[\"any\", [\"==\", [\"get\", \"n\"], 1], [\"==\", [\"get\", \"n\"], 3]]",
                   "{\"n\": 2}", "Point", 15));
    /* Outside the subset: false, never a crash or a guess. */
    assert_false(F("[\"within\", {}]", "{}", "Point", 15));
    /* The legacy filter syntax reads as a comparison of two literals. */
    assert_false(F("[\"==\", \"class\", \"primary\"]", "{\"class\":\"primary\"}", "Point", 15));
}

static void test_values(void **state)
{
    json_t *layer = J("{\"paint\": {"
                      "\"w\": [\"interpolate\", [\"exponential\", 2], [\"zoom\"], 10, 1, 12, 5],"
                      "\"l\": [\"interpolate\", [\"linear\"], [\"zoom\"], 10, 0, 20, 10],"
                      "\"c\": [\"match\", [\"get\", \"state\"], \"error\", \"#d32f2f\","
                      "        [\"warning\", \"hint\"], \"rgba(242, 153, 0, 0.5)\", \"#abc\"],"
                      "\"k\": [\"case\", [\"==\", [\"get\", \"n\"], 1], 7, 9],"
                      "\"bad\": [\"step\", [\"zoom\"], 1, 10, 2]}}");
    json_t *err_p = J("{\"state\": \"error\", \"n\": 1}"), *hint = J("{\"state\": \"hint\"}");
    ge_mapstyle_feature fe = {err_p, "Polygon"}, fh = {hint, "Polygon"};
    ge_rgba def = {0, 0, 0, 0}, c;
    (void)state;

    assert_near(ge_mapstyle_number(layer, "paint", "w", NULL, 9, -1), 1, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "w", NULL, 13, -1), 5, 1e-9);
    /* base 2 between 10 and 12 at 11: (2^1 - 1) / (2^2 - 1) = 1/3 of the way */
    assert_near(ge_mapstyle_number(layer, "paint", "w", NULL, 11, -1), 1 + 4.0 / 3, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "l", NULL, 15, -1), 5, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "k", &fe, 15, -1), 7, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "k", &fh, 15, -1), 9, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "bad", NULL, 15, -1), -1, 1e-9);
    assert_near(ge_mapstyle_number(layer, "paint", "absent", NULL, 15, 3), 3, 1e-9);
    c = ge_mapstyle_color(layer, "paint", "c", &fe, 15, def);
    assert_near(c.r, 0xd3 / 255.0, 1e-9);
    assert_near(c.g, 0x2f / 255.0, 1e-9);
    assert_near(c.a, 1, 1e-9);
    c = ge_mapstyle_color(layer, "paint", "c", &fh, 15, def);
    assert_near(c.r, 242 / 255.0, 1e-9);
    assert_near(c.a, 0.5, 1e-9);
    c = ge_mapstyle_color(layer, "paint", "c", NULL, 15, def);
    assert_near(c.b, 0xcc / 255.0, 1e-9);
    assert_false(ge_mapstyle_parse_color("#12345", &c));
    assert_false(ge_mapstyle_parse_color("#gggggg", &c));
    assert_false(ge_mapstyle_parse_color("rgb(300, 0, 0)", &c));
    assert_false(ge_mapstyle_parse_color("red", &c));
    assert_true(ge_mapstyle_parse_color("rgb(0, 128, 255)", &c));
    assert_near(c.g, 128 / 255.0, 1e-9);
    json_decref(layer);
    json_decref(err_p);
    json_decref(hint);
}

static void test_visibility_and_check(void **state)
{
    json_t *l = J("{\"id\": \"a\", \"minzoom\": 14, \"maxzoom\": 17}");
    json_t *hidden = J("{\"id\": \"b\", \"layout\": {\"visibility\": \"none\"}}");
    json_t *doc = J("{\"version\": 8, \"sources\": {}, \"layers\": [{\"id\": \"x\", \"type\": "
                    "\"line\", \"paint\": {\"line-width\": [\"step\", [\"zoom\"], 1, 10, 2]}}]}");
    ge_err err;
    (void)state;

    assert_false(ge_mapstyle_layer_visible(l, 13.9));
    assert_true(ge_mapstyle_layer_visible(l, 14));
    assert_false(ge_mapstyle_layer_visible(l, 17));
    assert_false(ge_mapstyle_layer_visible(hidden, 15));
    assert_int_equal(ge_mapstyle_check(doc, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "layer 'x'"));
    assert_non_null(strstr(err.msg, "line-width"));
    json_decref(l);
    json_decref(hidden);
    json_decref(doc);
}

static void test_with_base(void **state)
{
    json_t *doc =
        J("{\"version\": 8, \"glyphs\": \"/fonts/{fontstack}/{range}.pbf\","
          "\"sources\": {\"a\": {\"type\": \"vector\", \"url\": \"/tiles/basemap/x\"},"
          "\"b\": {\"type\": \"vector\", \"tiles\": [\"/t/{z}/{y}/{x}\", "
          "\"https://other.example/t/{z}\"]},"
          "\"c\": {\"type\": \"vector\", \"url\": \"//cdn.example/x\"}}, \"layers\": []}");
    json_t *out = ge_mapstyle_with_base(doc, "https://geo.example.de:8443");
    json_t *srcs = json_object_get(out, "sources");
    (void)state;

    assert_string_equal(json_string_value(json_object_get(json_object_get(srcs, "a"), "url")),
                        "https://geo.example.de:8443/tiles/basemap/x");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(srcs, "b"), "tiles"), 0)),
        "https://geo.example.de:8443/t/{z}/{y}/{x}");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(srcs, "b"), "tiles"), 1)),
        "https://other.example/t/{z}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(srcs, "c"), "url")),
                        "//cdn.example/x");
    assert_string_equal(json_string_value(json_object_get(out, "glyphs")),
                        "https://geo.example.de:8443/fonts/{fontstack}/{range}.pbf");
    /* the original is untouched */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(doc, "sources"), "a"), "url")),
                        "/tiles/basemap/x");
    json_decref(out);
    json_decref(doc);
}

static void test_load_dir_errors(void **state)
{
    const char *dir = ts_tmpdir("mapstyle");
    ge_mapstyles ss;
    ge_err err;
    (void)state;

    assert_int_equal(ge_mapstyles_load_dir(ts_path(dir, "absent"), &ss, &err), GE_OK);
    assert_int_equal(ss.n, 0);
    ts_write_text(ts_path(dir, "ok.json"), "{\"version\": 8, \"sources\": {}, \"layers\": []}");
    ts_write_text(ts_path(dir, "README.md"), "not a style");
    ts_write_text(ts_path(dir, "Bad Name.json"), "{}");
    assert_int_equal(ge_mapstyles_load_dir(dir, &ss, &err), GE_OK);
    assert_int_equal(ss.n, 1);
    ge_mapstyles_free(&ss);
    ts_write_text(ts_path(dir, "broken.json"),
                  "{\"version\": 8, \"sources\": {},\n \"layers\": [}");
    assert_int_equal(ge_mapstyles_load_dir(dir, &ss, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "broken.json"));
    assert_non_null(strstr(err.msg, "line 2"));
    ts_write_text(ts_path(dir, "broken.json"), "{\"version\": 7, \"sources\": {}, \"layers\": []}");
    assert_int_equal(ge_mapstyles_load_dir(dir, &ss, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "version 8"));
    assert_true(ge_mapstyle_id_valid("basemap"));
    assert_true(ge_mapstyle_id_valid("skip-container_2"));
    assert_false(ge_mapstyle_id_valid(""));
    assert_false(ge_mapstyle_id_valid("../etc"));
    assert_false(ge_mapstyle_id_valid("Basemap"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_styles), cmocka_unit_test(test_filters),
        cmocka_unit_test(test_values),         cmocka_unit_test(test_visibility_and_check),
        cmocka_unit_test(test_with_base),      cmocka_unit_test(test_load_dir_errors),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
