/*
 * test_tilemath.c - WebMercatorQuad: matrix limits, tile bounds (shared
 * edges, the whole square at zoom 0), lon/lat <-> tile, covers, TMS rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <math.h>

#include "tilemath.h"
#include "ts.h"

/* This cmocka has no assert_double_equal. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static void test_valid_limits(void **state)
{
    (void)state;
    assert_true(ge_tilemath_valid(0, 0, 0));
    assert_false(ge_tilemath_valid(0, 1, 0));
    assert_false(ge_tilemath_valid(0, 0, 1));
    assert_true(ge_tilemath_valid(1, 1, 1));
    assert_false(ge_tilemath_valid(1, 2, 0));
    assert_false(ge_tilemath_valid(-1, 0, 0));
    assert_false(ge_tilemath_valid(3, -1, 0));
    assert_false(ge_tilemath_valid(3, 0, -1));
    assert_true(ge_tilemath_valid(GE_TILEMATH_MAX_ZOOM, (1 << GE_TILEMATH_MAX_ZOOM) - 1,
                                  (1 << GE_TILEMATH_MAX_ZOOM) - 1));
    assert_false(ge_tilemath_valid(GE_TILEMATH_MAX_ZOOM, 1 << GE_TILEMATH_MAX_ZOOM, 0));
    assert_false(ge_tilemath_valid(GE_TILEMATH_MAX_ZOOM + 1, 0, 0));
    assert_int_equal(ge_tilemath_matrix_size(0), 1);
    assert_int_equal(ge_tilemath_matrix_size(17), 131072);
}

static void test_bounds_zoom0_and_shared_edges(void **state)
{
    double b[4], r[4], d[4];
    (void)state;
    ge_tilemath_bounds(&(ge_tile){0, 0, 0}, b);
    assert_true(b[0] == -GE_TILEMATH_ORIGIN && b[2] == GE_TILEMATH_ORIGIN);
    assert_true(b[1] == -GE_TILEMATH_ORIGIN && b[3] == GE_TILEMATH_ORIGIN);

    /* Neighbours share their edges bit for bit. */
    ge_tilemath_bounds(&(ge_tile){16, 35210, 21469}, b);
    ge_tilemath_bounds(&(ge_tile){16, 35211, 21469}, r);
    ge_tilemath_bounds(&(ge_tile){16, 35210, 21470}, d);
    assert_true(b[2] == r[0]);
    assert_true(b[1] == d[3]);
    assert_true(b[0] < b[2] && b[1] < b[3]);
    assert_near(b[2] - b[0], 2 * GE_TILEMATH_ORIGIN / 65536.0, 1e-9);

    /* Row 0 is the north: its top is the top of the square. */
    ge_tilemath_bounds(&(ge_tile){2, 1, 0}, b);
    assert_true(b[3] == GE_TILEMATH_ORIGIN);
    assert_near(b[0], -GE_TILEMATH_ORIGIN / 2, 1e-6);
}

static void test_lonlat_round_trip_and_tile_at(void **state)
{
    double mx, my, lon, lat, b[4];
    ge_tile t;
    (void)state;
    ge_tilemath_lonlat_to_merc(13.31, 52.585, &mx, &my);
    ge_tilemath_merc_to_lonlat(mx, my, &lon, &lat);
    assert_near(lon, 13.31, 1e-9);
    assert_near(lat, 52.585, 1e-9);
    /* Known value: 13.31 E is 1,481,662.4 m east (111,319.49 m per degree). */
    assert_near(mx, 1481662.4, 0.5);

    /* Borsigwalde at zoom 16 (checked against the slippy map formula). */
    ge_tilemath_tile_at(16, 13.31, 52.585, &t);
    assert_int_equal(t.z, 16);
    assert_int_equal(t.x, (uint32_t)floor((13.31 + 180) / 360 * 65536));
    double lr = 52.585 * M_PI / 180;
    assert_int_equal(t.y, (uint32_t)floor((1 - log(tan(lr) + 1 / cos(lr)) / M_PI) / 2 * 65536));
    ge_tilemath_bounds_lonlat(&t, b);
    assert_true(b[0] <= 13.31 && 13.31 < b[2]);
    assert_true(b[1] <= 52.585 && 52.585 < b[3]);

    /* Beyond the square: clamped into the matrix, never outside it. */
    ge_tilemath_tile_at(3, 180.0, 89.9, &t);
    assert_int_equal(t.x, 7);
    assert_int_equal(t.y, 0);
    ge_tilemath_tile_at(3, -200.0, -89.9, &t);
    assert_int_equal(t.x, 0);
    assert_int_equal(t.y, 7);
}

static void test_cover(void **state)
{
    uint32_t x0, y0, x1, y1;
    ge_err err;
    (void)state;
    double box[4] = {13.295, 52.576, 13.327, 52.594};
    assert_int_equal(ge_tilemath_cover(14, box, &x0, &y0, &x1, &y1, &err), GE_OK);
    assert_true(x0 <= x1 && y0 <= y1);
    ge_tile nw, se;
    ge_tilemath_tile_at(14, 13.295, 52.594, &nw);
    ge_tilemath_tile_at(14, 13.327, 52.576, &se);
    assert_int_equal(x0, nw.x);
    assert_int_equal(y0, nw.y);
    assert_int_equal(x1, se.x);
    assert_int_equal(y1, se.y);
    assert_int_equal(ge_tilemath_cover(0, box, &x0, &y0, &x1, &y1, &err), GE_OK);
    assert_true(x0 == 0 && x1 == 0 && y0 == 0 && y1 == 0);

    double empty[4] = {14, 52, 13, 53};
    assert_int_equal(ge_tilemath_cover(14, empty, &x0, &y0, &x1, &y1, &err), GE_EINVAL);
    double nan_box[4] = {NAN, 52, 13, 53};
    assert_int_equal(ge_tilemath_cover(14, nan_box, &x0, &y0, &x1, &y1, &err), GE_EINVAL);
    assert_int_equal(ge_tilemath_cover(25, box, &x0, &y0, &x1, &y1, &err), GE_EINVAL);
}

static void test_tms_and_resolution(void **state)
{
    (void)state;
    assert_int_equal(ge_tilemath_tms_row(0, 0), 0);
    assert_int_equal(ge_tilemath_tms_row(1, 0), 1);
    assert_int_equal(ge_tilemath_tms_row(14, 5000), 16383 - 5000);
    /* 156543.03 m per pixel of a 256 px tile at zoom 0. */
    assert_near(ge_tilemath_resolution(0, 256), 156543.0339, 1e-3);
    assert_near(ge_tilemath_resolution(16, 4096), 156543.0339 / 65536 / 16, 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_limits),
        cmocka_unit_test(test_bounds_zoom0_and_shared_edges),
        cmocka_unit_test(test_lonlat_round_trip_and_tile_at),
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_tms_and_resolution),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
