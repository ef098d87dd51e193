/*
 * test_crs.c - CRS identifiers, axis order, ranges, precision and transforms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <math.h>
#include <string.h>

#include "crs.h"
#include "ts.h"

static void test_parse_accepts_supported_forms(void **state)
{
    static const struct {
        const char *id;
        int epsg;
        bool latlon;
    } cases[] = {
        {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, false},
        {"CRS84", 4326, false},
        {"OGC:CRS84", 4326, false},
        {"urn:ogc:def:crs:OGC:1.3:CRS84", 4326, false},
        {"EPSG:4326", 4326, true},
        {"http://www.opengis.net/def/crs/EPSG/0/4326", 4326, true},
        {"urn:ogc:def:crs:EPSG::4326", 4326, true},
        {"EPSG:3857", 3857, false},
        {"http://www.opengis.net/def/crs/EPSG/0/3857", 3857, false},
        {"EPSG:25832", 25832, false},
        {"http://www.opengis.net/def/crs/EPSG/0/25832", 25832, false},
        {"EPSG:25833", 25833, false},
        {"http://www.opengis.net/def/crs/EPSG/0/25833", 25833, false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_crs c;
        ge_err err;
        assert_int_equal(ge_crs_parse(cases[i].id, &c, &err), GE_OK);
        assert_int_equal(c.epsg, cases[i].epsg);
        assert_int_equal(c.latlon, cases[i].latlon);
    }
}

static void test_parse_rejects_others_naming_value(void **state)
{
    static const char *const bad[] = {"EPSG:31468",
                                      "EPSG:",
                                      "EPSG:4326x",
                                      "epsg:4326",
                                      "http://www.opengis.net/def/crs/EPSG/0/2154",
                                      "WGS84",
                                      "",
                                      "EPSG:-4326"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ge_crs c;
        ge_err err;
        assert_int_equal(ge_crs_parse(bad[i], &c, &err), GE_EINVAL);
        assert_non_null(strstr(err.msg, bad[i]));
        assert_non_null(strstr(err.msg, "CRS84"));
        assert_non_null(strstr(err.msg, "EPSG:25833"));
    }
}

static void test_uri_round_trip(void **state)
{
    const char *const *uris = ge_crs_supported_uris();
    (void)state;
    for (size_t i = 0; uris[i]; i++) {
        ge_crs c;
        assert_int_equal(ge_crs_parse(uris[i], &c, NULL), GE_OK);
        assert_string_equal(ge_crs_uri(&c), uris[i]);
    }
}

static void test_decimals_and_axes(void **state)
{
    ge_crs c;
    (void)state;
    assert_int_equal(ge_crs_decimals(&GE_CRS84), 7);
    ge_crs_parse("EPSG:25833", &c, NULL);
    assert_int_equal(ge_crs_decimals(&c), 3);
    assert_string_equal(ge_crs_axis_name(&c, 0), "easting");
    ge_crs_parse("EPSG:3857", &c, NULL);
    assert_int_equal(ge_crs_decimals(&c), 2);
    assert_string_equal(ge_crs_axis_name(&GE_CRS84, 0), "longitude");
    ge_crs_parse("EPSG:4326", &c, NULL);
    assert_string_equal(ge_crs_axis_name(&c, 0), "latitude");
    assert_string_equal(ge_crs_axis_name(&c, 1), "longitude");
}

static void test_check_ranges(void **state)
{
    ge_err err;
    ge_crs c;
    (void)state;
    assert_int_equal(ge_crs_check(&GE_CRS84, 13.3, 52.5, &err), GE_OK);
    assert_int_equal(ge_crs_check(&GE_CRS84, 180, -90, &err), GE_OK);
    assert_int_equal(ge_crs_check(&GE_CRS84, 200, 52.5, &err), GE_EINVAL);
    assert_string_equal(err.msg, "longitude 200 is out of range (-180..180)");
    assert_int_equal(ge_crs_check(&GE_CRS84, 13.3, -90.5, &err), GE_EINVAL);
    assert_string_equal(err.msg, "latitude -90.5 is out of range (-90..90)");
    assert_int_equal(ge_crs_check(&GE_CRS84, 385000, 5820000, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "need their CRS named"));
    assert_int_equal(ge_crs_check(&GE_CRS84, NAN, 1, &err), GE_EINVAL);
    assert_string_equal(err.msg, "longitude is not a finite number");
    assert_int_equal(ge_crs_check(&GE_CRS84, 1, INFINITY, &err), GE_EINVAL);
    ge_crs_parse("EPSG:4326", &c, NULL);
    assert_int_equal(ge_crs_check(&c, 52.5, 13.3, &err), GE_OK);
    assert_int_equal(ge_crs_check(&c, 13.3, 252.5, &err), GE_EINVAL);
    assert_string_equal(err.msg, "longitude 252.5 is out of range (-180..180)");
    ge_crs_parse("EPSG:25833", &c, NULL);
    assert_int_equal(ge_crs_check(&c, 385000, 5820000, &err), GE_OK);
    assert_int_equal(ge_crs_check(&c, 385000, -5, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "northing -5 is out of range"));
    ge_crs_parse("EPSG:3857", &c, NULL);
    assert_int_equal(ge_crs_check(&c, 1480000, 6890000, &err), GE_OK);
    assert_int_equal(ge_crs_check(&c, 3e7, 6890000, &err), GE_EINVAL);
}

static void test_transform_crs84_to_utm33_and_back(void **state)
{
    ge_crs utm;
    /* Berlin, Borsigwalde: EPSG:25833 figures computed independently with cs2cs. */
    double xy[4] = {13.3, 52.58, 13.31, 52.59};
    ge_err err;
    (void)state;
    ge_crs_from_epsg(25833, &utm, NULL);
    assert_int_equal(ge_crs_transform(&GE_CRS84, &utm, xy, 2, &err), GE_OK);
    assert_true(xy[0] > 380000 && xy[0] < 390000);
    assert_true(xy[1] > 5820000 && xy[1] < 5830000);
    /* 0.01 degrees of longitude at 52.58 N is about 677 m. */
    assert_true(fabs(hypot(xy[2] - xy[0], xy[3] - xy[1]) - hypot(677.5, 1112.6)) < 5);
    assert_int_equal(ge_crs_transform(&utm, &GE_CRS84, xy, 2, &err), GE_OK);
    assert_true(fabs(xy[0] - 13.3) < 1e-9 && fabs(xy[1] - 52.58) < 1e-9);
    assert_true(fabs(xy[2] - 13.31) < 1e-9 && fabs(xy[3] - 52.59) < 1e-9);
}

static void test_transform_axis_orders_agree(void **state)
{
    ge_crs latlon, utm;
    double a[2] = {13.3, 52.58}, b[2] = {52.58, 13.3};
    (void)state;
    ge_crs_parse("EPSG:4326", &latlon, NULL);
    ge_crs_from_epsg(25832, &utm, NULL);
    assert_int_equal(ge_crs_transform(&GE_CRS84, &utm, a, 1, NULL), GE_OK);
    assert_int_equal(ge_crs_transform(&latlon, &utm, b, 1, NULL), GE_OK);
    assert_true(fabs(a[0] - b[0]) < 1e-6 && fabs(a[1] - b[1]) < 1e-6);
    /* CRS84 <-> EPSG:4326 swaps the axes and nothing else. */
    double c[2] = {13.3, 52.58};
    assert_int_equal(ge_crs_transform(&GE_CRS84, &latlon, c, 1, NULL), GE_OK);
    assert_true(c[0] == 52.58 && c[1] == 13.3);
}

static void test_transform_to_web_mercator(void **state)
{
    ge_crs merc;
    double xy[2] = {0, 0}, e[2] = {180, 0};
    (void)state;
    ge_crs_from_epsg(3857, &merc, NULL);
    assert_int_equal(ge_crs_transform(&GE_CRS84, &merc, xy, 1, NULL), GE_OK);
    assert_true(fabs(xy[0]) < 1e-6 && fabs(xy[1]) < 1e-6);
    assert_int_equal(ge_crs_transform(&GE_CRS84, &merc, e, 1, NULL), GE_OK);
    assert_true(fabs(e[0] - 20037508.342789244) < 1e-3);
}

static int teardown(void **state)
{
    (void)state;
    ge_crs_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_supported_forms),
        cmocka_unit_test(test_parse_rejects_others_naming_value),
        cmocka_unit_test(test_uri_round_trip),
        cmocka_unit_test(test_decimals_and_axes),
        cmocka_unit_test(test_check_ranges),
        cmocka_unit_test(test_transform_crs84_to_utm33_and_back),
        cmocka_unit_test(test_transform_axis_orders_agree),
        cmocka_unit_test(test_transform_to_web_mercator),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, teardown));
}
