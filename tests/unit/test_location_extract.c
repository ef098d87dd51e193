/*
 * test_location_extract.c - the location sentence on the shared OSM extract
 * (imported with data/layers/osm.json into a store in EPSG:25833): for every
 * address inside the boundary whose street is a road of the same name, a
 * point on that street in front of it (3 m from the centre line towards the
 * address) must get a sentence that begins with the street's name. Prints
 * how many also name the address's own number, what the misses are, and the
 * CPU time per feature (never asserted).
 *
 * Skips, visibly, when the extract is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crs.h"
#include "geos_ctx.h"
#include "import.h"
#include "location.h"
#include "refindex.h"
#include "service.h"
#include "store.h"
#include "ts.h"
#include "ts_refdata.h"
#include "ts_group.h"

/* How far a road of the address's street may be for the address to count. */
#define ROAD_SEARCH_M 60.0
/* The point on the street: this far from its centre line towards the house. */
#define KERB_M 3.0

static GEOSContextHandle_t H;
static ge_refsnap *SNAP;
static ge_services *SERVICES;

static int setup(void **state)
{
    (void)state;
    return ts_refdata_setup_extract("location-extract", &H, &SNAP, &SERVICES);
}

static int teardown(void **state)
{
    (void)state;
    return ts_refdata_teardown(SNAP, SERVICES);
}

static bool inside_boundary(double x, double y)
{
    const ge_reflayer *b = ge_refsnap_layer(SNAP, "boundary");
    ge_refhits hits = {0};
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(H, x, y);
    bool in = false;

    ge_reflayer_query(H, b, x, y, x, y, &hits, NULL);
    for (size_t i = 0; i < hits.n && !in; i++) {
        const GEOSPreparedGeometry *p = ge_refsnap_prepared(H, SNAP, hits.v[i]);
        in = (p ? GEOSPreparedIntersects_r(H, p, pt) : GEOSIntersects_r(H, hits.v[i]->geom, pt)) ==
             1;
    }
    ge_refhits_free(&hits);
    GEOSGeom_destroy_r(H, pt);
    return in;
}

/* The point of the nearest road named street (exactly, as the address
 * writes it) nearest to (x, y); false when none is within ROAD_SEARCH_M. */
static bool street_point(const char *street, double x, double y, double *qx, double *qy)
{
    const ge_reflayer *roads = ge_refsnap_layer(SNAP, "roads");
    ge_refhits hits = {0};
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(H, x, y);
    double best = INFINITY;

    ge_reflayer_query(H, roads, x - ROAD_SEARCH_M, y - ROAD_SEARCH_M, x + ROAD_SEARCH_M,
                      y + ROAD_SEARCH_M, &hits, NULL);
    for (size_t i = 0; i < hits.n; i++) {
        const char *name = json_string_value(json_object_get(hits.v[i]->props, "name"));
        GEOSCoordSequence *seq;
        double d, ax, ay;
        if (!name || strcmp(name, street)) continue;
        seq = GEOSNearestPoints_r(H, hits.v[i]->geom, pt);
        GEOSCoordSeq_getXY_r(H, seq, 0, &ax, &ay);
        GEOSCoordSeq_destroy_r(H, seq);
        d = hypot(ax - x, ay - y);
        if (d < best) {
            best = d;
            *qx = ax;
            *qy = ay;
        }
    }
    ge_refhits_free(&hits);
    GEOSGeom_destroy_r(H, pt);
    return best <= ROAD_SEARCH_M;
}

static bool starts_with_street(const char *s, const char *street)
{
    size_t n = strlen(street);
    return s && !strncmp(s, street, n) && (s[n] == '\0' || s[n] == ',');
}

static void test_every_address_names_its_street(void **state)
{
    const ge_reflayer *addrs;
    const ge_service *skip;
    size_t total = 0, inside = 0, no_road = 0, tried = 0, named = 0, own_number = 0, said = 0;
    size_t shown = 0;
    struct timespec t0, t1;
    double us = 0;
    (void)state;

    if (!SNAP) skip();
    addrs = ge_refsnap_layer(SNAP, "addresses");
    skip = ge_services_find(SERVICES, "skip-container");
    assert_non_null(addrs);
    for (size_t i = 0; i < ge_reflayer_size(addrs); i++) {
        const ge_refitem *it = ge_reflayer_item(addrs, i);
        const char *street = json_string_value(json_object_get(it->props, "street"));
        const char *nr = json_string_value(json_object_get(it->props, "housenumber"));
        double ax = it->minx, ay = it->miny, qx = 0, qy = 0, d, px, py;
        ge_err err = {0};
        GEOSGeometry *g;
        json_t *loc;
        const char *de;
        char own[96];

        total++;
        if (!street || !nr || !inside_boundary(ax, ay)) continue;
        inside++;
        if (!street_point(street, ax, ay, &qx, &qy)) {
            no_road++; /* its street is no road here (a footway, a private way) */
            continue;
        }
        d = hypot(ax - qx, ay - qy);
        if (d < 2 * KERB_M) continue; /* the address point lies on the street itself */
        tried++;
        px = qx + KERB_M * (ax - qx) / d;
        py = qy + KERB_M * (ay - qy) / d;
        g = GEOSGeom_createPointFromXY_r(H, px, py);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        loc = ge_location_describe(H, SNAP, g, skip, &err);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        us += (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
        GEOSGeom_destroy_r(H, g);
        if (err.code != GE_OK) fail_msg("%s %s: %s", street, nr, err.msg);
        said += loc != NULL;
        de = json_string_value(json_object_get(loc, "de"));
        if (starts_with_street(de, street)) {
            named++;
            snprintf(own, sizeof own, "vor Nr. %s,", nr);
            if (strstr(de, own)) own_number++;
        } else if (shown++ < 10) {
            printf("  miss: %s %s at (%.1f, %.1f): \"%s\"\n", street, nr, px, py, de ? de : "-");
        }
        json_decref(loc);
    }
    printf("%zu addresses, %zu inside the boundary, %zu of them on no road of their street's "
           "name within %.0f m;\n%zu points in front of the others: %zu sentences, %zu name the "
           "street (%.1f%%), %zu say \"vor Nr.\" with the address's own number (%.1f%%); "
           "%.1f us of CPU time per feature\n",
           total, inside, no_road, ROAD_SEARCH_M, tried, said, named,
           100.0 * (double)named / (double)(tried ? tried : 1), own_number,
           100.0 * (double)own_number / (double)(tried ? tried : 1),
           us / (double)(tried ? tried : 1));
    assert_true(tried > 500);
    /* Misses are points nearer to another named road than to their own:
     * addresses at corners, whose nearest point of their street is the
     * junction, and streets whose centre line runs close to another's. */
    assert_true((double)named >= 0.97 * (double)tried);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_address_names_its_street),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
