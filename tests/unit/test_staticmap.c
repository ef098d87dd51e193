/*
 * test_staticmap.c - the static map renderer on synthetic features, without
 * a store: the PNG has the requested size and a pHYs chunk for its DPI; a
 * polygon's outline and a point's centre carry the colours that
 * styles/services.json gives their service and state (read from the file
 * here, not from the renderer); the polygon's inside is its fill blended
 * over the base map's background; the attribution box holds text; the
 * furniture scales with the DPI; sizes and DPI outside the limits and an
 * empty drawing are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cairo.h>
#include <cmocka.h>
#include "ts_group.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geos_ctx.h"
#include "mapstyle.h"
#include "staticmap.h"
#include "ts.h"
#include "ts_png.h"

#define X0 791000.0 /* EPSG:25832, northern Berlin */
#define Y0 5829000.0

typedef struct world {
    ge_mapstyles styles;
    const json_t *order[3];
    GEOSGeometry *poly, *point;
    json_t *poly_props, *point_props;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    char dir[4096];
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    ge_err err;

    snprintf(dir, sizeof dir, "%s/styles", ts_env("GE_SOURCE_DIR"));
    if (ge_mapstyles_load_dir(dir, &w->styles, &err) != GE_OK) return -1;
    w->order[0] = ge_mapstyles_find(&w->styles, "basemap")->doc;
    w->order[1] = ge_mapstyles_find(&w->styles, "overlays")->doc;
    w->order[2] = ge_mapstyles_find(&w->styles, "services")->doc;
    /* a 20 x 10 m skip area and, 40 m east, an information stand */
    w->poly = GEOSWKTReader_read_r(h, r,
                                   "POLYGON((791000 5829000, 791020 5829000, 791020 5829010, "
                                   "791000 5829010, 791000 5829000))");
    w->point = GEOSWKTReader_read_r(h, r, "POINT(791060 5829005)");
    GEOSWKTReader_destroy_r(h, r);
    w->poly_props = json_pack("{s:s, s:s}", "service", "skip-container", "state", "error");
    w->point_props = json_pack("{s:s, s:s}", "service", "info-stand", "state", "valid");
    *state = w;
    return w->poly && w->point ? 0 : -1;
}

static int teardown(void **state)
{
    world *w = *state;
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSGeom_destroy_r(h, w->poly);
    GEOSGeom_destroy_r(h, w->point);
    json_decref(w->poly_props);
    json_decref(w->point_props);
    ge_mapstyles_free(&w->styles);
    free(w);
    return 0;
}

/* A colour the style file gives: the value of a match on key for label, in
 * the paint property prop of the layer with id layer_id. */
static uint32_t style_match_color(const world *w, const char *style, const char *layer_id,
                                  const char *prop, const char *label)
{
    const json_t *doc = ge_mapstyles_find(&w->styles, style)->doc;
    size_t i;
    json_t *layer;
    json_array_foreach(json_object_get(doc, "layers"), i, layer)
    {
        const json_t *m;
        if (strcmp(json_string_value(json_object_get(layer, "id")), layer_id) != 0) continue;
        m = json_object_get(json_object_get(layer, "paint"), prop);
        if (json_is_string(m)) return (uint32_t)strtoul(json_string_value(m) + 1, NULL, 16);
        for (size_t k = 2; k + 1 < json_array_size(m); k += 2)
            if (strcmp(json_string_value(json_array_get(m, k)), label) == 0)
                return (uint32_t)strtoul(json_string_value(json_array_get(m, k + 1)) + 1, NULL, 16);
    }
    fail_msg("styles/%s.json has no %s of %s for %s", style, prop, layer_id, label);
    return 0;
}

static double style_number(const world *w, const char *style, const char *layer_id,
                           const char *prop)
{
    const json_t *doc = ge_mapstyles_find(&w->styles, style)->doc;
    size_t i;
    json_t *layer;
    json_array_foreach(json_object_get(doc, "layers"), i, layer)
    {
        if (strcmp(json_string_value(json_object_get(layer, "id")), layer_id) == 0)
            return json_number_value(json_object_get(json_object_get(layer, "paint"), prop));
    }
    fail_msg("styles/%s.json has no layer %s", style, layer_id);
    return 0;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *row =
        cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s);
    return ((const uint32_t *)row)[x] & 0xffffff;
}

static void assert_rgb_near(uint32_t got, uint32_t want, int tol, const char *what)
{
    for (int sh = 0; sh <= 16; sh += 8) {
        int a = (int)((got >> sh) & 0xff), b = (int)((want >> sh) & 0xff);
        if (abs(a - b) > tol) fail_msg("%s: pixel #%06x, expected #%06x", what, got, want);
    }
}

static int render(world *w, int width, int height, double dpi, ge_staticmap_result *r)
{
    ge_staticmap_feature f[2] = {{w->poly, w->poly_props}, {w->point, w->point_props}};
    ge_staticmap_legend leg[2] = {
        {"features", "Polygon", w->poly_props, "Schuttmulde: nicht zulässig"},
        {"features", "Point", w->point_props, "Infostand: zulässig"}};
    ge_staticmap_opts o = {.width = width,
                           .height = height,
                           .dpi = dpi,
                           .srid = 25832,
                           .styles = w->order,
                           .nstyles = 3,
                           .features_source = "features",
                           .features = f,
                           .nfeatures = 2,
                           .legend = leg,
                           .nlegend = 2,
                           .attribution = "(c) OpenStreetMap contributors"};
    ge_err err;
    int rc = ge_staticmap_render(&o, r, &err);
    if (rc != GE_OK) print_message("render: %s\n", err.msg);
    return rc;
}

static void test_colours_and_layout(void **state)
{
    world *w = *state;
    ge_staticmap_result r;
    cairo_surface_t *img;
    double px, py, qx, qy;
    uint32_t bg, fill, want;
    double a;
    int dark = 0;

    assert_int_equal(render(w, 800, 600, 96, &r), GE_OK);
    assert_memory_equal(r.png, "\x89PNG\r\n\x1a\n", 8);
    /* pHYs right after IHDR: 96 DPI is 3780 pixels per metre */
    assert_memory_equal(r.png + 37, "pHYs", 4);
    assert_int_equal((r.png[41] << 24) | (r.png[42] << 16) | (r.png[43] << 8) | r.png[44], 3780);
    img = ts_png_decode(r.png, r.png_len);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(img), 800);
    assert_int_equal(cairo_image_surface_get_height(img), 600);

    /* The south edge's middle: the outline in the error colour. */
    ge_staticmap_to_pixel(&r, X0 + 10, Y0, &px, &py);
    want = style_match_color(w, "services", "features-line", "line-color", "error");
    assert_rgb_near(pixel(img, (int)px, (int)py), want, 2, "polygon outline");
    /* The inside: the service's fill at its opacity over the background. */
    ge_staticmap_to_pixel(&r, X0 + 10, Y0 + 5, &qx, &qy);
    fill = style_match_color(w, "services", "features-fill", "fill-color", "skip-container");
    bg = style_match_color(w, "basemap", "background", "background-color", NULL);
    a = style_number(w, "services", "features-fill", "fill-opacity");
    want = 0;
    for (int sh = 0; sh <= 16; sh += 8)
        want |= (uint32_t)lround(((bg >> sh) & 0xff) * (1 - a) + ((fill >> sh) & 0xff) * a) << sh;
    assert_rgb_near(pixel(img, (int)qx, (int)qy), want, 3, "polygon fill");
    /* The stand: the service colour at its centre. */
    ge_staticmap_to_pixel(&r, 791060, 5829005, &px, &py);
    want = style_match_color(w, "services", "features-point", "circle-color", "info-stand");
    assert_rgb_near(pixel(img, (int)px, (int)py), want, 2, "point");
    /* Both features inside the frame, away from its edges. */
    assert_true(qx > 100 && qx < 700 && px > 100 && px < 700);

    /* Attribution in the bottom right corner, with dark text pixels in it. */
    assert_string_equal(r.attribution_text, "(c) OpenStreetMap contributors");
    assert_true(r.attribution.w > 100 && r.attribution.h > 8);
    assert_true(r.attribution.x + r.attribution.w <= 800.5);
    assert_true(r.attribution.y + r.attribution.h <= 600.5);
    for (int y = (int)r.attribution.y; y < (int)(r.attribution.y + r.attribution.h); y++)
        for (int x = (int)r.attribution.x; x < (int)(r.attribution.x + r.attribution.w); x++)
            if ((pixel(img, x, y) & 0xff) < 0x80) dark++;
    assert_true(dark > 60);
    /* Legend, scale bar and north arrow are there and inside the image. */
    assert_true(r.legend.w > 50 && r.legend.h > 30);
    assert_true(r.scalebar.w > 20 && r.scalebar.y + r.scalebar.h <= 600.5);
    assert_true(r.north.w > 10 && r.north.x + r.north.w <= 800.5);
    /* Grid north of zone 32 at 13.3 E: true north is about 3.4 degrees west. */
    assert_true(r.north_deg < -2.5 && r.north_deg > -4.5);
    cairo_surface_destroy(img);
    ge_staticmap_result_free(&r);
}

/* The same map at twice the DPI and twice the pixels: the same view (zoom),
 * twice as fine, with furniture twice as large. */
static void test_dpi_scales(void **state)
{
    world *w = *state;
    ge_staticmap_result a, b;

    assert_int_equal(render(w, 600, 400, 96, &a), GE_OK);
    assert_int_equal(render(w, 1200, 800, 192, &b), GE_OK);
    assert_true(fabs(a.zoom - b.zoom) < 1e-9);
    assert_true(fabs(a.resolution / b.resolution - 2) < 1e-9);
    assert_true(fabs(b.legend.h / a.legend.h - 2) < 0.05);
    assert_true(fabs(b.north.w / a.north.w - 2) < 0.05);
    assert_true(b.png[44] != a.png[44] || b.png[43] != a.png[43]); /* pHYs follows */
    ge_staticmap_result_free(&a);
    ge_staticmap_result_free(&b);
}

static void test_limits(void **state)
{
    world *w = *state;
    ge_staticmap_result r;
    ge_staticmap_opts o = {.width = 400, .height = 300, .dpi = 96, .srid = 25832};
    ge_err err;
    (void)w;

    assert_int_equal(ge_staticmap_check(GE_STATICMAP_MAX_SIDE + 1, 300, 96, &err), GE_ELIMIT);
    assert_non_null(strstr(err.msg, "width 4097"));
    assert_int_equal(ge_staticmap_check(400, GE_STATICMAP_MIN_SIDE - 1, 96, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "height 63"));
    assert_int_equal(ge_staticmap_check(4096, 4096, 96, &err), GE_ELIMIT);
    assert_non_null(strstr(err.msg, "A4"));
    assert_int_equal(ge_staticmap_check(2480, 3508, 300, &err), GE_OK);
    assert_int_equal(ge_staticmap_check(400, 300, 71, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "dpi 71"));
    assert_int_equal(ge_staticmap_check(400, 300, 301, &err), GE_EINVAL);
    assert_int_equal(ge_staticmap_check(400, 300, NAN, &err), GE_EINVAL);
    /* nothing drawn: nothing to frame */
    assert_int_equal(ge_staticmap_render(&o, &r, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "no drawn feature"));
    assert_null(r.png);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colours_and_layout),
        cmocka_unit_test(test_dpi_scales),
        cmocka_unit_test(test_limits),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
