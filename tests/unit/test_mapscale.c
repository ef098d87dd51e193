/*
 * test_mapscale.c - the standard scales of site plans (mapscale.h): which
 * one a drawing gets on an A4 map frame (18 x 20 cm) and on the default
 * 800 x 600 pixel image at 96 DPI, the scales a caller may ask for, and
 * metres per device unit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include "mapscale.h"
#include "ts.h"

static void test_choose(void **state)
{
    (void)state;
    /* A4 frame: a skip and a stand at 1:500 (1:250 shows only 45 m) */
    assert_int_equal(ge_mapscale_choose(3.5, 2, 0.18, 0.20), 500);
    assert_int_equal(ge_mapscale_choose(0, 0, 0.18, 0.20), 500);
    /* up to 70 m across still fits 1:500 with 10 m around */
    assert_int_equal(ge_mapscale_choose(70, 10, 0.18, 0.20), 500);
    assert_int_equal(ge_mapscale_choose(71, 10, 0.18, 0.20), 1000);
    assert_int_equal(ge_mapscale_choose(10, 180, 0.18, 0.20), 1000);
    assert_int_equal(ge_mapscale_choose(500, 100, 0.18, 0.20), 5000);
    assert_int_equal(ge_mapscale_choose(1e6, 1e6, 0.18, 0.20), 10000);
    /* a big sheet: 1:250 holds 60 m of ground */
    assert_int_equal(ge_mapscale_choose(3.5, 2, 0.40, 0.28), 250);
    /* 800 x 600 px at 96 DPI is 21 x 16 cm: 1:500 */
    assert_int_equal(ge_mapscale_choose(3.5, 2, 800 / 96.0 * 0.0254, 600 / 96.0 * 0.0254), 500);
}

static void test_standard_and_resolution(void **state)
{
    (void)state;
    assert_true(ge_mapscale_standard(250));
    assert_true(ge_mapscale_standard(500));
    assert_true(ge_mapscale_standard(1000));
    assert_false(ge_mapscale_standard(2000));
    assert_false(ge_mapscale_standard(0));
    assert_false(ge_mapscale_standard(-500));
    /* 1:500 at 72 units per inch: 1 pt = 0.3528 mm on paper = 0.1764 m */
    assert_float_equal(ge_mapscale_resolution(500, 72), 0.176389, 1e-6);
    /* 3.5 m at 1:500 is 7 mm = 19.84 pt */
    assert_float_equal(3.5 / ge_mapscale_resolution(500, 72), 7 / 25.4 * 72, 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choose),
        cmocka_unit_test(test_standard_and_resolution),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
