/*
 * test_mvt.c - the MVT encoder, read back by the tests' own decoder
 * (tests/support/ts_mvt.c): command encoding (the spec's own examples),
 * zigzag, winding, clipping with the buffer, quantisation and degenerate
 * parts, key/value tables, simplification, and misuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "geos_ctx.h"
#include "mvt.h"
#include "ts.h"
#include "ts_mvt.h"

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    assert_non_null(g);
    return g;
}

/* Encodes one feature per WKT into layer "l" and decodes the tile. Returns
 * how many were written; *raw gets the bytes when not NULL. */
static int encode(const char *const *wkts, size_t n, json_t *props, double simplify, ts_mvt *out,
                  unsigned char **raw, size_t *raw_len)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_mvt_tile *t = ge_mvt_tile_new(GE_MVT_EXTENT, GE_MVT_BUFFER);
    ge_err err;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int written = 0;
    char msg[256] = "";

    assert_non_null(t);
    ge_mvt_set_simplify(t, simplify);
    assert_int_equal(ge_mvt_layer_begin(t, "l", &err), GE_OK);
    for (size_t i = 0; i < n; i++) {
        GEOSGeometry *g = wkt(wkts[i]);
        int rc = ge_mvt_add(t, h, g, i + 1, true, props, &err);
        assert_true(rc == 0 || rc == 1);
        written += rc;
        GEOSGeom_destroy_r(h, g);
    }
    assert_int_equal(ge_mvt_feature_count(t), (size_t)written);
    assert_int_equal(ge_mvt_tile_finish(t, &bytes, &len, &err), GE_OK);
    ge_mvt_tile_free(t);
    memset(out, 0, sizeof *out);
    if (len) {
        if (ts_mvt_decode(bytes, len, out, msg, sizeof msg) < 0) fail_msg("decode: %s", msg);
    } else {
        assert_null(bytes);
    }
    if (raw) {
        *raw = bytes;
        *raw_len = len;
    } else {
        free(bytes);
    }
    return written;
}

static bool contains(const unsigned char *hay, size_t n, const unsigned char *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0) return true;
    return false;
}

static void test_zigzag(void **state)
{
    (void)state;
    assert_int_equal(ge_mvt_zigzag(0), 0);
    assert_int_equal(ge_mvt_zigzag(-1), 1);
    assert_int_equal(ge_mvt_zigzag(1), 2);
    assert_int_equal(ge_mvt_zigzag(-2), 3);
    assert_int_equal(ge_mvt_zigzag(25), 50);
    assert_int_equal(ge_mvt_zigzag(INT32_MAX), 0xfffffffeu);
    assert_int_equal(ge_mvt_zigzag(INT32_MIN), 0xffffffffu);
    for (int32_t v = -70000; v <= 70000; v += 7)
        assert_int_equal(ge_mvt_unzigzag(ge_mvt_zigzag(v)), v);
    assert_int_equal(ge_mvt_unzigzag(ge_mvt_zigzag(INT32_MIN)), INT32_MIN);
}

/* The spec's examples (4.3.5): a point, a line. */
static void test_spec_examples(void **state)
{
    ts_mvt m;
    unsigned char *raw;
    size_t len;
    (void)state;

    const char *pt[] = {"POINT (25 17)"};
    assert_int_equal(encode(pt, 1, NULL, 0, &m, &raw, &len), 1);
    const unsigned char pt_cmds[] = {0x22, 0x03, 0x09, 0x32, 0x22}; /* geometry [9, 50, 34] */
    assert_true(contains(raw, len, pt_cmds, sizeof pt_cmds));
    assert_int_equal(m.nlayers, 1);
    assert_string_equal(m.layers[0].name, "l");
    assert_int_equal(m.layers[0].version, 2);
    assert_int_equal(m.layers[0].extent, 4096);
    assert_int_equal(m.layers[0].features[0].type, GE_MVT_POINT);
    assert_int_equal(m.layers[0].features[0].id, 1);
    assert_int_equal(m.layers[0].features[0].xy[0], 25);
    assert_int_equal(m.layers[0].features[0].xy[1], 17);
    free(raw);
    ts_mvt_free(&m);

    const char *line[] = {"LINESTRING (2 2, 2 10, 10 10)"};
    assert_int_equal(encode(line, 1, NULL, 0, &m, &raw, &len), 1);
    const unsigned char line_cmds[] = {0x22, 0x08, 9, 4, 4, 18, 0, 16, 16, 0};
    assert_true(contains(raw, len, line_cmds, sizeof line_cmds));
    assert_int_equal(m.layers[0].features[0].type, GE_MVT_LINESTRING);
    free(raw);
    ts_mvt_free(&m);

    const char *mpt[] = {"MULTIPOINT ((5 7), (3 2))"};
    assert_int_equal(encode(mpt, 1, NULL, 0, &m, &raw, &len), 1);
    const unsigned char mpt_cmds[] = {0x22, 0x05, 17, 10, 14, 3, 9};
    assert_true(contains(raw, len, mpt_cmds, sizeof mpt_cmds));
    free(raw);
    ts_mvt_free(&m);
}

static void test_winding(void **state)
{
    ts_mvt m;
    (void)state;
    /* Exterior given counter-clockwise on screen (negative area in tile
     * coordinates), hole given with the same orientation as the exterior:
     * both must come out as the spec wants. */
    const char *polys[] = {
        "POLYGON ((0 0, 0 100, 100 100, 100 0, 0 0), (10 10, 10 20, 20 20, 20 10, 10 10))",
        "POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0), (10 10, 20 10, 20 20, 10 20, 10 10))",
        "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 0)), ((200 200, 200 300, 300 300, 200 200)))",
    };
    assert_int_equal(encode(polys, 3, NULL, 0, &m, NULL, NULL), 3);
    const ts_mvt_layer *l = &m.layers[0];
    for (size_t i = 0; i < 2; i++) {
        const ts_mvt_feature *f = &l->features[i];
        assert_int_equal(f->type, GE_MVT_POLYGON);
        assert_int_equal(f->nparts, 2);
        assert_true(f->parts[0].closed && f->parts[1].closed);
        assert_int_equal(f->parts[0].count, 4); /* closing point left to ClosePath */
        assert_true(f->parts[0].area2 == 2 * 10000);
        assert_true(f->parts[1].area2 == -2 * 100);
    }
    assert_int_equal(l->features[2].nparts, 2);
    assert_true(l->features[2].parts[0].area2 > 0);
    assert_true(l->features[2].parts[1].area2 > 0);
    ts_mvt_free(&m);
}

static void test_clipping_keeps_the_buffer(void **state)
{
    ts_mvt m;
    (void)state;
    const char *g[] = {
        /* much larger than the tile */
        "POLYGON ((-10000 -10000, 20000 -10000, 20000 20000, -10000 20000, -10000 -10000))",
        /* a line through the tile from far left to far right */
        "LINESTRING (-50000 2048, 50000 2048)",
        /* outside, also beyond the buffer */
        "POLYGON ((5000 5000, 6000 5000, 6000 6000, 5000 5000))",
        "POINT (4200 10)",
        /* inside the buffer but outside the tile: kept */
        "POINT (4130 10)",
        "LINESTRING (-60 -60, -10 -10)",
    };
    assert_int_equal(encode(g, 6, NULL, 0, &m, NULL, NULL), 4);
    const ts_mvt_layer *l = &m.layers[0];
    assert_int_equal(l->nfeatures, 4);
    for (size_t i = 0; i < l->nfeatures; i++)
        for (size_t p = 0; p < l->features[i].npoints; p++) {
            assert_in_range(l->features[i].xy[2 * p] + 64, 0, 4096 + 128);
            assert_in_range(l->features[i].xy[2 * p + 1] + 64, 0, 4096 + 128);
        }
    /* The clipped square is the buffered tile itself. */
    assert_true(l->features[0].parts[0].area2 == 2LL * (4096 + 128) * (4096 + 128));
    /* The line ends on the buffer edges. */
    const ts_mvt_feature *line = &l->features[1];
    assert_int_equal(line->npoints, 2);
    assert_int_equal(line->xy[0], -64);
    assert_int_equal(line->xy[2], 4160);
    /* ids tell which features were kept */
    assert_int_equal(l->features[2].id, 5);
    assert_int_equal(l->features[3].id, 6);
    ts_mvt_free(&m);

    /* Nothing in the tile: an empty tile, no bytes at all. */
    const char *none[] = {"POINT (-1000 -1000)", "LINESTRING (9000 9000, 9100 9100)"};
    assert_int_equal(encode(none, 2, NULL, 0, &m, NULL, NULL), 0);
    assert_int_equal(m.nlayers, 0);
}

static void test_quantisation_drops_degenerate_parts(void **state)
{
    ts_mvt m;
    (void)state;
    const char *g[] = {
        /* smaller than a pixel: its ring collapses */
        "POLYGON ((10.1 10.1, 10.3 10.1, 10.3 10.3, 10.1 10.1))",
        /* a line that rounds to one point */
        "LINESTRING (5.1 5.1, 5.2 5.2, 4.9 4.9)",
        /* a sliver hole disappears, the polygon stays */
        "POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0), (50 50, 50.2 50, 50.2 50.2, 50 50))",
        /* repeated points after rounding are dropped */
        "LINESTRING (0 0, 0.2 0.1, 10 0, 10.3 0.2, 20 0)",
        "POLYGON EMPTY",
    };
    assert_int_equal(encode(g, 5, NULL, 0, &m, NULL, NULL), 2);
    const ts_mvt_layer *l = &m.layers[0];
    assert_int_equal(l->features[0].id, 3);
    assert_int_equal(l->features[0].nparts, 1);
    assert_int_equal(l->features[1].id, 4);
    assert_int_equal(l->features[1].npoints, 3);
    ts_mvt_free(&m);
}

static void test_properties_and_dedup(void **state)
{
    ts_mvt m;
    unsigned char *raw;
    size_t len;
    (void)state;
    json_t *props = json_pack("{s:s, s:i, s:i, s:f, s:b, s:n, s:{s:i}, s:s}", "class",
                              "residential", "levels", 3, "offset", -12, "width", 3.5, "oneway", 1,
                              "nothing", "nested", "a", 1, "name", "Miraustraße");
    const char *g[] = {"POINT (1 1)", "POINT (2 2)", "POINT (3 3)"};
    assert_int_equal(encode(g, 3, props, 0, &m, &raw, &len), 3);
    const ts_mvt_layer *l = &m.layers[0];
    /* null left out; each key and value once for three features */
    assert_int_equal(l->nkeys, 7);
    assert_int_equal(l->nvalues, 7);
    for (size_t i = 0; i < 3; i++) {
        json_t *p = l->features[i].props;
        assert_string_equal(json_string_value(json_object_get(p, "class")), "residential");
        assert_int_equal(json_integer_value(json_object_get(p, "levels")), 3);
        assert_int_equal(json_integer_value(json_object_get(p, "offset")), -12);
        assert_true(json_real_value(json_object_get(p, "width")) == 3.5);
        assert_true(json_is_true(json_object_get(p, "oneway")));
        assert_null(json_object_get(p, "nothing"));
        assert_string_equal(json_string_value(json_object_get(p, "nested")), "{\"a\":1}");
        assert_string_equal(json_string_value(json_object_get(p, "name")), "Miraustraße");
    }
    /* sint for negatives: zigzag(-12) = 23, field 6 varint -> 0x30 0x17 */
    const unsigned char sint[] = {0x22, 0x02, 0x30, 0x17};
    assert_true(contains(raw, len, sint, sizeof sint));
    free(raw);
    json_decref(props);
    ts_mvt_free(&m);
}

static void test_simplify_reduces_vertices(void **state)
{
    ts_mvt m;
    char text[20000];
    size_t off = 0;
    (void)state;
    off += (size_t)snprintf(text + off, sizeof text - off, "LINESTRING (");
    for (int i = 0; i <= 1000; i++)
        off += (size_t)snprintf(text + off, sizeof text - off, "%s%d %d", i ? ", " : "", i * 4,
                                2000 + (i % 2)); /* 1-pixel zigzag */
    snprintf(text + off, sizeof text - off, ")");
    const char *g[] = {text};
    assert_int_equal(encode(g, 1, NULL, 0, &m, NULL, NULL), 1);
    size_t full = m.layers[0].features[0].npoints;
    ts_mvt_free(&m);
    assert_int_equal(encode(g, 1, NULL, 2.0, &m, NULL, NULL), 1);
    size_t simple = m.layers[0].features[0].npoints;
    ts_mvt_free(&m);
    assert_true(full > 900);
    assert_true(simple < 10);
}

static void test_misuse(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_mvt_tile *t = ge_mvt_tile_new(4096, 64);
    GEOSGeometry *g = wkt("POINT (1 1)");
    ge_err err;
    (void)state;
    assert_int_equal(ge_mvt_add(t, h, g, 1, true, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_mvt_layer_begin(t, "a", &err), GE_OK);
    assert_int_equal(ge_mvt_layer_begin(t, "a", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "'a'"));
    assert_int_equal(ge_mvt_layer_begin(t, "", &err), GE_EINVAL);
    /* features go into the current layer; empty layers are left out */
    assert_int_equal(ge_mvt_layer_begin(t, "b", &err), GE_OK);
    assert_int_equal(ge_mvt_add(t, h, g, 1, false, NULL, &err), 1);
    unsigned char *bytes;
    size_t len;
    ts_mvt m;
    char msg[128];
    assert_int_equal(ge_mvt_tile_finish(t, &bytes, &len, &err), GE_OK);
    assert_int_equal(ts_mvt_decode(bytes, len, &m, msg, sizeof msg), 0);
    assert_int_equal(m.nlayers, 1);
    assert_string_equal(m.layers[0].name, "b");
    assert_false(m.layers[0].features[0].has_id);
    ts_mvt_free(&m);
    free(bytes);
    GEOSGeom_destroy_r(h, g);
    ge_mvt_tile_free(t);
}

static void test_tile_coords(void **state)
{
    double b[4] = {1000, 2000, 1100, 2100}, px, py;
    (void)state;
    ge_mvt_tile_coords(b, 4096, 1000, 2100, &px, &py);
    assert_true(px == 0 && py == 0);
    ge_mvt_tile_coords(b, 4096, 1100, 2000, &px, &py);
    assert_true(px == 4096 && py == 4096);
    ge_mvt_tile_coords(b, 4096, 1050, 2075, &px, &py);
    assert_true(px == 2048 && py == 1024);
}

static int teardown(void **state)
{
    (void)state;
    ge_geos_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zigzag),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_winding),
        cmocka_unit_test(test_clipping_keeps_the_buffer),
        cmocka_unit_test(test_quantisation_drops_degenerate_parts),
        cmocka_unit_test(test_properties_and_dedup),
        cmocka_unit_test(test_simplify_reduces_vertices),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_tile_coords),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, teardown));
}
