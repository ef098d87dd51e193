/*
 * test_rules_extract.c - the rule engine on the shared OSM extract: imported
 * with data/layers/osm.json into a store in EPSG:25833, read into a
 * reference snapshot, then a valid placement for each shipped service
 * (searched along the real roads, not hard-coded), hydrant distances of
 * 4.99, 5.00 and 5.01 m around a real hydrant sent as GeoJSON, and every
 * min_distance rule's verdict and measured distance on a few hundred
 * drawings against a plain scan of every reference item (the same drawing
 * also gives the same report twice). How long a validation takes on this
 * data is bench/validate's (cpu.c), not a test's.
 *
 * Skips, visibly, when the extract is absent.
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

#include "geojson_in.h"
#include "geojson_out.h"
#include "geos_ctx.h"
#include "import.h"
#include "refindex.h"
#include "rules.h"
#include "service.h"
#include "store.h"
#include "ts.h"
#include "ts_refdata.h"

static GEOSContextHandle_t H;
static ge_refsnap *SNAP;
static ge_services *SERVICES;
static ge_date TODAY;

static int setup(void **state)
{
    (void)state;
    TODAY = ge_date_from_ymd(2026, 7, 1);
    return ts_refdata_setup_extract("rules-extract", &H, &SNAP, &SERVICES);
}

static int teardown(void **state)
{
    (void)state;
    return ts_refdata_teardown(SNAP, SERVICES);
}

#define NEED_EXTRACT()                                                                             \
    do {                                                                                           \
        if (!SNAP) skip();                                                                         \
    } while (0)

/* ---- helpers -------------------------------------------------------------- */

static json_t *validate_geom(const ge_service *svc, GEOSGeometry *g, int lead, int days)
{
    ge_feature item = {.geom = g};
    ge_features fs = {.items = &item, .n = 1};
    ge_period period = {TODAY + lead, TODAY + lead + days - 1};
    ge_rules_input in;
    json_t *report = NULL;
    ge_err err = {0};

    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = ge_refsnap_srid(SNAP);
    in.today = TODAY;
    in.period = &period;
    if (ge_rules_validate(H, SNAP, &in, &report, &err) != GE_OK) fail_msg("validate: %s", err.msg);
    return report;
}

static bool clean(const json_t *report)
{
    return json_is_true(json_object_get(report, "valid")) &&
           json_array_size(json_object_get(report, "violations")) == 0;
}

/* A placement relative to one road segment: along = distance from the
 * segment start, (u0, v0, u1, v1) a box in the segment's frame (u along,
 * v to the left). */
typedef struct frame {
    double x, y, ux, uy; /* origin and unit direction */
} frame;

static void frame_point(const frame *f, double u, double v, double *x, double *y)
{
    *x = f->x + u * f->ux - v * f->uy;
    *y = f->y + u * f->uy + v * f->ux;
}

static GEOSGeometry *frame_box(const frame *f, double u0, double v0, double u1, double v1)
{
    double xy[10];
    frame_point(f, u0, v0, &xy[0], &xy[1]);
    frame_point(f, u1, v0, &xy[2], &xy[3]);
    frame_point(f, u1, v1, &xy[4], &xy[5]);
    frame_point(f, u0, v1, &xy[6], &xy[7]);
    xy[8] = xy[0], xy[9] = xy[1];
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(H, xy, 5, 0, 0);
    return GEOSGeom_createPolygon_r(H, GEOSGeom_createLinearRing_r(H, seq), NULL, 0);
}

static GEOSGeometry *frame_line(const frame *f, double u0, double v0, double u1, double v1)
{
    double xy[4];
    frame_point(f, u0, v0, &xy[0], &xy[1]);
    frame_point(f, u1, v1, &xy[2], &xy[3]);
    return GEOSGeom_createLineString_r(H, GEOSCoordSeq_copyFromBuffer_r(H, xy, 2, 0, 0));
}

typedef GEOSGeometry *(*make_fn)(const frame *f);

static GEOSGeometry *make_skip(const frame *f)
{
    return frame_box(f, 3, 0.3, 7, 2.3); /* 4 x 2 m beside the centre line */
}

static GEOSGeometry *make_access(const frame *f)
{
    return frame_line(f, 5, 0.2, 5, 8.0); /* from the centre line out across the kerb */
}

static GEOSGeometry *make_stand(const frame *f)
{
    double x, y;
    frame_point(f, 5, 1.5, &x, &y);
    return GEOSGeom_createPointFromXY_r(H, x, y);
}

/* Tries the placement on segments of real roads (at least 10 m long) until
 * one passes every rule; returns the report of that one, or NULL. */
static json_t *find_valid_placement(const ge_service *svc, make_fn make, char *wkt, size_t n)
{
    const ge_reflayer *roads = ge_refsnap_layer(SNAP, "roads");
    GEOSWKTWriter *w = GEOSWKTWriter_create_r(H);
    json_t *found = NULL;

    assert_non_null(roads);
    GEOSWKTWriter_setRoundingPrecision_r(H, w, 3);
    for (size_t i = 0; i < ge_reflayer_size(roads) && !found; i += 7) {
        const GEOSGeometry *g = ge_reflayer_item(roads, i)->geom;
        const GEOSGeometry *line =
            GEOSGetNumGeometries_r(H, g) > 0 ? GEOSGetGeometryN_r(H, g, 0) : g;
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(H, line);
        unsigned size = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(H, seq, &size)) continue;
        for (unsigned k = 0; k + 1 < size && !found; k++) {
            double x0, y0, x1, y1, len;
            GEOSCoordSeq_getXY_r(H, seq, k, &x0, &y0);
            GEOSCoordSeq_getXY_r(H, seq, k + 1, &x1, &y1);
            len = hypot(x1 - x0, y1 - y0);
            if (len < 10) continue;
            frame f = {x0, y0, (x1 - x0) / len, (y1 - y0) / len};
            GEOSGeometry *cand = make(&f);
            json_t *rep = validate_geom(svc, cand, 20, 3);
            if (clean(rep)) {
                char *s = GEOSWKTWriter_write_r(H, w, cand);
                snprintf(wkt, n, "%s", s);
                GEOSFree_r(H, s);
                found = rep;
            } else {
                json_decref(rep);
            }
            GEOSGeom_destroy_r(H, cand);
        }
    }
    GEOSWKTWriter_destroy_r(H, w);
    return found;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_layers_present(void **state)
{
    static const char *const layers[] = {"boundary",  "buildings", "roads", "street_space",
                                         "junctions", "hydrants",  "trees", "cycleways"};
    (void)state;
    NEED_EXTRACT();
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
        const ge_reflayer *l = ge_refsnap_layer(SNAP, layers[i]);
        if (!l || ge_reflayer_size(l) == 0) fail_msg("layer %s is missing or empty", layers[i]);
    }
    /* pedestrian_areas is what info-stand may name without the data having it */
    size_t n = ge_services_check_layers(SERVICES, SNAP, NULL, NULL);
    printf("services name %zu layer(s) the extract does not have\n", n);
}

static void test_valid_placement_per_service(void **state)
{
    static const struct {
        const char *service;
        make_fn make;
    } runs[] = {
        {"skip-container", make_skip},
        {"construction-access", make_access},
        {"info-stand", make_stand},
    };
    (void)state;
    NEED_EXTRACT();
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char wkt[512] = "";
        json_t *rep = find_valid_placement(ge_services_find(SERVICES, runs[i].service),
                                           runs[i].make, wkt, sizeof wkt);
        if (!rep) fail_msg("%s: no valid placement found along the roads", runs[i].service);
        printf("%s: valid at %s\n", runs[i].service, wkt);
        json_decref(rep);
    }
}

/* A hydrant that stands in the street space, with room around it. */
static const ge_refitem *street_hydrant(double *hx, double *hy)
{
    const ge_reflayer *hydrants = ge_refsnap_layer(SNAP, "hydrants");
    const ge_reflayer *street = ge_refsnap_layer(SNAP, "street_space");
    for (size_t i = 0; i < ge_reflayer_size(hydrants); i++) {
        const ge_refitem *it = ge_reflayer_item(hydrants, i);
        ge_refhits hits = {0};
        bool in = false;
        GEOSGeomGetX_r(H, it->geom, hx);
        GEOSGeomGetY_r(H, it->geom, hy);
        ge_reflayer_query(H, street, *hx, *hy, *hx, *hy, &hits, NULL);
        for (size_t k = 0; k < hits.n && !in; k++)
            in = GEOSIntersects_r(H, hits.v[k]->geom, it->geom) == 1;
        ge_refhits_free(&hits);
        if (in) return it;
    }
    return NULL;
}

static json_t *hydrant_violation(const json_t *report)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "rule")), "hydrant-distance")) return v;
    }
    return NULL;
}

static void test_hydrant_distance_boundaries(void **state)
{
    const ge_service *skip = ge_services_find(SERVICES, "skip-container");
    const ge_refitem *hydrant;
    double hx, hy;
    static const struct {
        double d;
        bool violation;
    } cases[] = {{4.99, true}, {5.00, false}, {5.01, false}};
    (void)state;
    NEED_EXTRACT();
    hydrant = street_hydrant(&hx, &hy);
    assert_non_null(hydrant);
    printf("hydrant %lld at (%.3f, %.3f)\n", (long long)hydrant->fid, hx, hy);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* A 2 x 4 m skip whose west edge is exactly d east of the hydrant,
         * sent as GeoJSON in the store CRS as a form would. */
        char doc[1024];
        double x0 = hx + cases[i].d, y0 = hy - 1;
        ge_geojson_in_opts o;
        ge_features fs;
        ge_rules_input in;
        ge_err err = {0};
        json_t *report, *v;
        ge_period period = {TODAY + 20, TODAY + 22};

        snprintf(
            doc, sizeof doc,
            "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\","
            "\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}",
            x0, y0, x0 + 4, y0, x0 + 4, y0 + 2, x0, y0 + 2, x0, y0);
        ge_geojson_in_opts_init(&o);
        o.store_srid = ge_refsnap_srid(SNAP);
        ge_crs_parse("http://www.opengis.net/def/crs/EPSG/0/25833", &o.crs, NULL);
        o.crs_explicit = true;
        if (ge_geojson_in_parse_text(H, doc, strlen(doc), &o, &fs, &err) != GE_OK)
            fail_msg("%s", err.msg);
        ge_rules_input_init(&in);
        in.service = skip;
        in.features = &fs;
        in.srid = ge_refsnap_srid(SNAP);
        in.today = TODAY;
        in.period = &period;
        assert_int_equal(ge_rules_validate(H, SNAP, &in, &report, &err), GE_OK);
        v = hydrant_violation(report);
        if (cases[i].violation != (v != NULL)) {
            char *s = json_dumps(report, GE_JSON_DUMP_FLAGS);
            fail_msg("%.2f m: %s", cases[i].d, s);
        }
        if (v) {
            const char *de =
                json_string_value(json_object_get(json_object_get(v, "message"), "de"));
            const char *en =
                json_string_value(json_object_get(json_object_get(v, "message"), "en"));
            assert_true(!strncmp(de, "4,99 m Abstand zum Hydranten, mindestens 5 m.", 45));
            assert_true(!strncmp(en, "4.99 m from the hydrant, at least 5 m.", 38));
            assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "ref"), "id")),
                             hydrant->fid);
            assert_true(fabs(json_number_value(json_object_get(v, "measured")) - 4.99) < 0.0015);
        }
        json_decref(report);
        ge_features_free(H, &fs);
    }
}

/* ---- min_distance against a plain scan ------------------------------------ */

/* The nearest distance from g to any item of the layers by a plain scan of
 * every item (no index, no envelope test, no prepared geometry): the
 * reference the engine's indexed search must agree with. */
static double scan_nearest(const GEOSGeometry *g, char *const *layers, size_t nlayers)
{
    double best = INFINITY;
    for (size_t l = 0; l < nlayers; l++) {
        const ge_reflayer *layer = ge_refsnap_layer(SNAP, layers[l]);
        for (size_t i = 0; layer && i < ge_reflayer_size(layer); i++) {
            double d;
            if (GEOSDistance_r(H, g, ge_reflayer_item(layer, i)->geom, &d) != 1)
                fail_msg("GEOSDistance failed on %s item %zu", layers[l], i);
            if (d < best) best = d;
        }
    }
    return best;
}

static const json_t *violation_of(const json_t *report, const char *rule)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "rule")), rule)) return v;
    }
    return NULL;
}

/* Drawings of one service's shape: along real roads (the first segment of
 * every 11th road), and beside real hydrants, trees and junctions at
 * distances that straddle every min_distance limit of the shipped services
 * (1.5 to 10 m; the access line and the stand lie 2 m further out). */
static size_t make_placements(make_fn make, GEOSGeometry **out, size_t cap)
{
    static const char *const anchors[] = {"hydrants", "trees", "junctions"};
    static const double dists[] = {0.4, 1.2, 2.2, 2.8, 3.6, 4.4, 5.3, 7.5, 9.6};
    const ge_reflayer *roads = ge_refsnap_layer(SNAP, "roads");
    size_t n = 0;

    assert_non_null(roads);
    for (size_t k = 0; k < ge_reflayer_size(roads) && n < 64; k += 11) {
        const GEOSGeometry *r = ge_reflayer_item(roads, k)->geom;
        const GEOSGeometry *line =
            GEOSGetNumGeometries_r(H, r) > 0 ? GEOSGetGeometryN_r(H, r, 0) : r;
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(H, line);
        double x0, y0, x1, y1, len;
        GEOSCoordSeq_getXY_r(H, seq, 0, &x0, &y0);
        GEOSCoordSeq_getXY_r(H, seq, 1, &x1, &y1);
        len = hypot(x1 - x0, y1 - y0);
        if (len < 1) continue;
        frame f = {x0, y0, (x1 - x0) / len, (y1 - y0) / len};
        out[n++] = make(&f);
    }
    for (size_t a = 0; a < sizeof anchors / sizeof anchors[0]; a++) {
        const ge_reflayer *l = ge_refsnap_layer(SNAP, anchors[a]);
        size_t size = l ? ge_reflayer_size(l) : 0, step = size / 8 ? size / 8 : 1;
        for (size_t i = 0; i < size; i += step) {
            const ge_refitem *it = ge_reflayer_item(l, i);
            double cx = (it->minx + it->maxx) / 2, cy = (it->miny + it->maxy) / 2;
            for (size_t d = 0; d < sizeof dists / sizeof dists[0] && n < cap; d++) {
                /* the skip's box spans u 3..7, v 0.3..2.3: its west edge
                 * lies dists[d] east of the item's centre */
                frame f = {cx + dists[d] - 3, cy - 1.3, 1, 0};
                out[n++] = make(&f);
            }
        }
    }
    return n;
}

/* Every min_distance rule of each service, on a few hundred drawings: the
 * verdict and the measured distance equal those of a plain scan of every
 * item of the rule's layers, and a drawing validated a second time (with the
 * per-thread prepared geometries made by the first) gives the same report.
 * Both verdicts must occur for every rule, or the comparison proves little.
 * (How long a validation takes is measured by bench/validate, cpu.c.) */
static void test_min_distances_match_a_full_scan(void **state)
{
    static const struct {
        const char *service;
        make_fn make;
    } runs[] = {
        {"skip-container", make_skip},
        {"construction-access", make_access},
        {"info-stand", make_stand},
    };
    enum { CAP = 400 };
    (void)state;
    NEED_EXTRACT();
    for (size_t s = 0; s < sizeof runs / sizeof runs[0]; s++) {
        const ge_service *svc = ge_services_find(SERVICES, runs[s].service);
        GEOSGeometry *g[CAP];
        size_t n, violated[64] = {0}, kept[64] = {0}, at_limit = 0;

        assert_non_null(svc);
        assert_true(svc->nrules <= 64);
        n = make_placements(runs[s].make, g, CAP);
        assert_true(n > 200);
        for (size_t k = 0; k < n; k++) {
            json_t *report = validate_geom(svc, g[k], 20, 3);
            json_t *again = validate_geom(svc, g[k], 20, 3);
            char *a = json_dumps(report, JSON_SORT_KEYS | JSON_COMPACT);
            char *b = json_dumps(again, JSON_SORT_KEYS | JSON_COMPACT);
            if (strcmp(a, b) != 0)
                fail_msg("%s: the same drawing gave two reports:\n%s\n%s", svc->id, a, b);
            free(a);
            free(b);
            for (size_t r = 0; r < svc->nrules; r++) {
                const ge_rule *rule = &svc->rules[r];
                const json_t *v;
                double want;
                if (rule->kind != GE_RULE_MIN_DISTANCE) continue;
                want = scan_nearest(g[k], rule->layers, rule->nlayers);
                v = violation_of(report, rule->id);
                /* the engine compares at 0.5 mm: right at the limit either
                 * verdict is fair */
                if (fabs(want - rule->min) < 0.001) {
                    at_limit++;
                    continue;
                }
                if ((want < rule->min) != (v != NULL)) {
                    char *rep = json_dumps(report, GE_JSON_DUMP_FLAGS);
                    fail_msg("%s %s: the nearest item is %.4f m away (limit %.2f m), the "
                             "engine %s: %s",
                             svc->id, rule->id, want, rule->min,
                             v ? "reports a violation" : "reports none", rep);
                }
                if (!v) {
                    kept[r]++;
                    continue;
                }
                violated[r]++;
                if (fabs(json_number_value(json_object_get(v, "measured")) - want) > 0.0006)
                    fail_msg("%s %s: measured %.4f m, the nearest item is %.4f m away", svc->id,
                             rule->id, json_number_value(json_object_get(v, "measured")), want);
            }
            json_decref(report);
            json_decref(again);
        }
        for (size_t r = 0; r < svc->nrules; r++) {
            const ge_rule *rule = &svc->rules[r];
            if (rule->kind != GE_RULE_MIN_DISTANCE) continue;
            printf("%s %s: %zu drawings too close, %zu far enough\n", svc->id, rule->id,
                   violated[r], kept[r]);
            if (violated[r] == 0 || kept[r] == 0)
                fail_msg("%s %s: the drawings test only one verdict", svc->id, rule->id);
        }
        if (at_limit) printf("%s: %zu distance(s) within 1 mm of a limit\n", svc->id, at_limit);
        for (size_t k = 0; k < n; k++)
            GEOSGeom_destroy_r(H, g[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_present),
        cmocka_unit_test(test_valid_placement_per_service),
        cmocka_unit_test(test_hydrant_distance_boundaries),
        cmocka_unit_test(test_min_distances_match_a_full_scan),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
