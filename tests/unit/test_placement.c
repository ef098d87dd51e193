/*
 * test_placement.c - the placement assistant (geo/rules/placement.h) on the demo
 * quarter (made by the build, imported into a fresh store) and on small
 * towns made here.
 *
 * What it shows: for every address of the quarter, every proposal for a
 * skip container, an information stand and a construction-site access is
 * valid by the rule engine (with a period that passes) and lies within the
 * distance asked for; an anchor on a hydrant gets proposals at least the
 * clearance away; a street without street space gets no proposal and a
 * reason in both languages; bad requests are refused naming the member and
 * the limit. It prints the time per search (no assertion on it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geos_ctx.h"
#include "import.h"
#include "placement.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "ts.h"
#include "ts_refdata.h"
#include "ts_group.h"

static GEOSContextHandle_t H;
static ge_refsnap *DEMO; /* the quarter the tests run on: the demo, then the shared extract */
static ge_services *SERVICES;
static ge_date TODAY;
static ge_period PERIOD;

static const ge_service *service(const char *id)
{
    const ge_service *s = ge_services_find(SERVICES, id);
    assert_non_null(s);
    return s;
}

static void req_at(ge_placement_req *r, const char *svc, double x, double y)
{
    ge_placement_req_init(r);
    r->service = service(svc);
    r->ax = x;
    r->ay = y;
    r->today = TODAY;
    r->period = &PERIOD;
}

/* This thread's CPU time: on a machine shared with other work, wall-clock
 * times would mostly measure the others. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest item of a layer to g and its distance. */
static double nearest(const char *layer, const GEOSGeometry *g)
{
    double d = INFINITY;
    const ge_reflayer *l = ge_refsnap_layer(DEMO, layer);
    assert_non_null(l);
    assert_non_null(ge_reflayer_nearest(H, l, g, &d));
    return d;
}

/* Every proposal is valid for the engine and within the distance. */
static void assert_proposals(const ge_placement_req *r, const ge_placement_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        const ge_placement *p = &res->v[i];
        if (!json_is_true(json_object_get(p->report, "valid"))) {
            char *t = json_dumps(p->report, JSON_COMPACT);
            fail_msg("proposal %zu is not valid: %s", i, t);
        }
        assert_true(p->distance_m <= r->max_distance_m + 1e-6);
        for (size_t j = 0; j < i; j++) {
            double d;
            assert_int_equal(GEOSDistance_r(H, p->geom, res->v[j].geom, &d), 1);
            assert_true(d > 0); /* proposals do not overlap */
        }
    }
}

static void run_all_addresses(const char *svc, size_t *with, size_t *total, double *times)
{
    const ge_reflayer *addr = ge_refsnap_layer(DEMO, "addresses");

    assert_non_null(addr);
    *with = *total = 0;
    for (size_t i = 0; i < ge_reflayer_size(addr); i++) {
        const ge_refitem *it = ge_reflayer_item(addr, i);
        ge_placement_req r;
        ge_placement_result res;
        ge_err err = {0};
        double x, y, t0;

        GEOSGeomGetX_r(H, it->geom, &x);
        GEOSGeomGetY_r(H, it->geom, &y);
        req_at(&r, svc, x, y);
        t0 = now_ms();
        if (ge_placement_search(H, DEMO, &r, &res, &err) != GE_OK) fail_msg("%s", err.msg);
        times[*total] = now_ms() - t0;
        assert_proposals(&r, &res);
        if (res.n == 0) {
            /* no proposal comes with a reason */
            assert_true(json_array_size(res.reasons) > 0);
        }
        *with += res.n > 0;
        (*total)++;
        ge_placement_result_free(H, &res);
    }
}

static void report_times(const char *what, double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
    printf("# %s: %zu searches, CPU time p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what, n,
           t[n / 2], t[(size_t)(n * 0.99)], t[n - 1]);
}

static void test_every_address_skip(void **state)
{
    double times[512];
    size_t with, total;

    (void)state;
    run_all_addresses("skip-container", &with, &total, times);
    report_times("skip-container", times, total);
    printf("# skip-container: %zu of %zu addresses got proposals\n", with, total);
    /* every house of the quarter stands on a street with room for a skip */
    assert_true(with >= total * 9 / 10);
}

static void test_every_address_stand_and_access(void **state)
{
    double times[512];
    size_t with, total;

    (void)state;
    run_all_addresses("info-stand", &with, &total, times);
    report_times("info-stand", times, total);
    printf("# info-stand: %zu of %zu addresses got proposals\n", with, total);
    assert_true(with >= total * 9 / 10);
    run_all_addresses("construction-access", &with, &total, times);
    report_times("construction-access", times, total);
    printf("# construction-access: %zu of %zu addresses got proposals\n", with, total);
    assert_true(with >= total * 9 / 10);
}

/* Anchored on a hydrant: every proposal keeps the clearance. */
static void test_hydrant_clearance(void **state)
{
    const ge_reflayer *hyd = ge_refsnap_layer(DEMO, "hydrants");
    size_t checked = 0;

    (void)state;
    assert_non_null(hyd);
    for (size_t i = 0; i < ge_reflayer_size(hyd); i++) {
        const ge_refitem *it = ge_reflayer_item(hyd, i);
        ge_placement_req r;
        ge_placement_result res;
        ge_err err = {0};
        double x, y;

        GEOSGeomGetX_r(H, it->geom, &x);
        GEOSGeomGetY_r(H, it->geom, &y);
        req_at(&r, "skip-container", x, y);
        assert_int_equal(ge_placement_search(H, DEMO, &r, &res, &err), GE_OK);
        assert_proposals(&r, &res);
        for (size_t k = 0; k < res.n; k++) {
            assert_true(nearest("hydrants", res.v[k].geom) >= 5.0 - 0.0005);
            checked++;
        }
        ge_placement_result_free(H, &res);
    }
    assert_true(checked > 0);
}

/* The size, the limit and the distance are checked before any search. */
static void test_bad_requests(void **state)
{
    ge_placement_req r;
    ge_placement_result res;
    ge_err err = {0};

    (void)state;
    req_at(&r, "skip-container", 0, 0);
    r.limit = 0;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "limit: 0"));
    r.limit = 11;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_EINVAL);
    r.limit = 3;
    r.max_distance_m = 201;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "max_distance_m"));
    r.max_distance_m = 50;
    r.width_m = 3.5;
    r.length_m = 4;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_ELIMIT);
    assert_non_null(
        strstr(err.msg, "size.width_m: 3.5 m is above the service's largest width of 3 m"));
    r.width_m = 2;
    r.length_m = 9;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_ELIMIT);
    assert_non_null(strstr(err.msg, "size.length_m"));
    /* a search refuses the same */
    assert_int_equal(ge_placement_search(H, DEMO, &r, &res, &err), GE_ELIMIT);
    ge_placement_result_free(H, &res);
    /* width and length given the other way round: the short side is the width */
    r.width_m = 3;
    r.length_m = 2;
    assert_int_equal(ge_placement_check(&r, NULL, &err), GE_OK);
}

static void test_shape_of_services(void **state)
{
    (void)state;
    assert_int_equal(ge_placement_shape(service("skip-container")), GE_PLACE_RECTANGLE);
    assert_int_equal(ge_placement_shape(service("info-stand")), GE_PLACE_POINT);
    assert_int_equal(ge_placement_shape(service("construction-access")), GE_PLACE_LINE);
}

/* ---- a town made here ------------------------------------------------------ */

static GEOSGeometry *wkt(const char *text)
{
    GEOSWKTReader *r = GEOSWKTReader_create_r(H);
    GEOSGeometry *g = GEOSWKTReader_read_r(H, r, text);
    GEOSWKTReader_destroy_r(H, r);
    assert_non_null(g);
    return g;
}

/* Two streets: one along y = 0 with street space, one along x = 500 without. */
static ge_refsnap *small_town(void)
{
    ge_refbuilder *b = NULL;
    ge_refsnap *s = NULL;

    assert_int_equal(ge_refindex_builder_new(25832, &b, NULL), GE_OK);
    assert_int_equal(ge_refindex_builder_add(b, "boundary",
                                             wkt("POLYGON((-1000 -1000, 1000 -1000, 1000 1000, "
                                                 "-1000 1000, -1000 -1000))"),
                                             1, NULL, NULL),
                     GE_OK);
    assert_int_equal(ge_refindex_builder_add(b, "roads", wkt("LINESTRING(-300 0, 300 0)"), 1,
                                             json_pack("{s:s, s:f}", "name", "Weg", "width", 6.0),
                                             NULL),
                     GE_OK);
    assert_int_equal(ge_refindex_builder_add(b, "roads", wkt("LINESTRING(500 -300, 500 300)"), 2,
                                             json_pack("{s:s}", "name", "Feldweg"), NULL),
                     GE_OK);
    assert_int_equal(ge_refindex_builder_add(b, "street_space",
                                             wkt("POLYGON((-300 -5.5, 300 -5.5, 300 5.5, -300 5.5, "
                                                 "-300 -5.5))"),
                                             1, NULL, NULL),
                     GE_OK);
    assert_int_equal(ge_refindex_builder_add(b, "hydrants", wkt("POINT(0 -3)"), 1, NULL, NULL),
                     GE_OK);
    for (const char *l = "buildings\0cycleways\0trees\0junctions\0"; *l; l += strlen(l) + 1)
        assert_int_equal(ge_refindex_builder_layer(b, l, NULL), GE_OK);
    assert_int_equal(ge_refindex_builder_finish(b, &s, NULL), GE_OK);
    return s;
}

static void test_no_street_space_gives_reason(void **state)
{
    ge_refsnap *town = small_town();
    ge_placement_req r;
    ge_placement_result res;
    ge_err err = {0};
    const char *de, *en;

    (void)state;
    req_at(&r, "skip-container", 520, 0);
    r.max_distance_m = 40;
    assert_int_equal(ge_placement_search(H, town, &r, &res, &err), GE_OK);
    assert_int_equal(res.n, 0);
    assert_true(json_array_size(res.reasons) >= 1);
    de = json_string_value(json_object_get(json_array_get(res.reasons, 0), "de"));
    en = json_string_value(json_object_get(json_array_get(res.reasons, 0), "en"));
    printf("# reason: %s / %s\n", de, en);
    assert_non_null(strstr(de, "Im Umkreis von 40 m"));
    assert_non_null(strstr(de, "Straßenraum"));
    assert_non_null(strstr(en, "Within 40 m"));
    assert_non_null(strstr(en, "street space"));
    ge_placement_result_free(H, &res);

    /* by the street with street space: proposals, the hydrant kept clear */
    req_at(&r, "skip-container", 0, 20);
    assert_int_equal(ge_placement_search(H, town, &r, &res, &err), GE_OK);
    assert_int_equal(res.n, 3);
    for (size_t i = 0; i < res.n; i++) {
        GEOSGeometry *hyd = wkt("POINT(0 -3)");
        double d;
        GEOSDistance_r(H, hyd, res.v[i].geom, &d);
        assert_true(d >= 5.0);
        GEOSGeom_destroy_r(H, hyd);
        assert_true(json_is_true(json_object_get(res.v[i].report, "valid")));
    }
    /* the anchor's side of the street first (north, y > 0) */
    {
        double minx, miny, maxx, maxy;
        GEOSGeom_getExtent_r(H, res.v[0].geom, &minx, &miny, &maxx, &maxy);
        assert_true(miny > 0);
    }
    ge_placement_result_free(H, &res);
    ge_refsnap_release(town);
}

/* On the shared extract: the addresses inside the boundary (many of the
 * extract's lie outside: it is cut around an Ortsteil). */
static void test_extract_addresses(void **state)
{
    const ge_reflayer *addr = ge_refsnap_layer(DEMO, "addresses");
    const ge_reflayer *town = ge_refsnap_layer(DEMO, "boundary");
    static double times[4096];
    size_t with = 0, total = 0;

    (void)state;
    if (!DEMO) skip();
    for (size_t i = 0; i < ge_reflayer_size(addr) && total < 4096; i++) {
        const ge_refitem *it = ge_reflayer_item(addr, i);
        ge_placement_req r;
        ge_placement_result res;
        ge_err err = {0};
        double x, y, t0, d;

        if (!ge_reflayer_nearest(H, town, it->geom, &d) || d > 0) continue;
        GEOSGeomGetX_r(H, it->geom, &x);
        GEOSGeomGetY_r(H, it->geom, &y);
        req_at(&r, "skip-container", x, y);
        t0 = now_ms();
        if (ge_placement_search(H, DEMO, &r, &res, &err) != GE_OK) fail_msg("%s", err.msg);
        times[total++] = now_ms() - t0;
        assert_proposals(&r, &res);
        with += res.n > 0;
        ge_placement_result_free(H, &res);
    }
    report_times("extract skip-container", times, total);
    printf("# extract skip-container: %zu of %zu addresses inside the boundary got proposals\n",
           with, total);
    assert_true(total > 100);
}

/* ---- set-up ------------------------------------------------------------- */

/* The services, today and a period that passes their lead times. */
static int setup_common(void)
{
    H = ge_geos_ctx();
    TODAY = ge_date_local(time(NULL));
    PERIOD.start = TODAY + 20;
    PERIOD.end = TODAY + 22;
    return ts_refdata_services(&SERVICES);
}

static int setup_extract(void **state)
{
    const char *osm = ts_shared_osm();

    (void)state;
    if (setup_common() < 0) return -1;
    if (!osm) return 0; /* the test skips */
    return ts_refdata_import(osm, "placement-extract", 25833, &DEMO);
}

static int setup(void **state)
{
    const char *demo = getenv("GE_DEMO_OSM");

    (void)state;
    if (setup_common() < 0 || !demo) return -1;
    return ts_refdata_import(demo, "placement", 25832, &DEMO);
}

static int teardown(void **state)
{
    (void)state;
    ge_refsnap_release(DEMO);
    ge_services_free(SERVICES);
    ge_geos_thread_cleanup();
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest extract[] = {
        cmocka_unit_test(test_extract_addresses),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_of_services),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_no_street_space_gives_reason),
        cmocka_unit_test(test_every_address_skip),
        cmocka_unit_test(test_every_address_stand_and_access),
        cmocka_unit_test(test_hydrant_clearance),
    };
    /* test_placement_extract runs the second group, test_placement the first */
    if (ts_extract_part(argc, argv))
        return ts_exit(
            ts_run_group_tests_name("shared OSM extract", extract, setup_extract, teardown));
    return ts_exit(ts_run_group_tests_name("demo quarter", tests, setup, teardown));
}
