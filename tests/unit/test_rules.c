/*
 * test_rules.c - the rule engine on synthetic reference layers built in
 * memory: every rule kind just inside, exactly at and just outside its
 * limit; messages in both languages; unchecked rules; the shipped services;
 * concurrent validation with a snapshot swap; and the time per validation.
 *
 * The layers lie in EPSG:25833 around (X0, Y0); every WKT below is in local
 * metres and moved there, so "4.99 m from the hydrant" reads as such.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "geojson_out.h"
#include "geos_ctx.h"
#include "rules.h"
#include "ts.h"
#include "ts_refdata.h"

#define X0       385000.0
#define Y0       5826000.0
#define NOPERIOD INT_MIN

static GEOSContextHandle_t H;
static ge_refsnap *SNAP;
static ge_date TODAY;

/* ---- building blocks ------------------------------------------------------ */

static GEOSGeometry *local(const char *wkt)
{
    return ts_refdata_local(wkt, X0, Y0);
}

static void add(ge_refbuilder *b, const char *layer, const char *wkt, int64_t fid)
{
    assert_int_equal(ge_refindex_builder_add(b, layer, local(wkt), fid, NULL, NULL), GE_OK);
}

/*
 * The town: a round boundary (radius 1000 m, many vertices so that it is
 * prepared), a 20 m wide street along y = 0 in two adjacent pieces, its
 * centre line, a building north of it touching the street edge, a cycle
 * path, a hydrant, a tree and a junction.
 */
static ge_refsnap *make_town(bool with_hydrants)
{
    ge_refbuilder *b;
    ge_refsnap *s;
    GEOSGeometry *centre = GEOSGeom_createPointFromXY_r(H, X0, Y0);

    assert_int_equal(ge_refindex_builder_new(25833, &b, NULL), GE_OK);
    assert_int_equal(
        ge_refindex_builder_add(b, "boundary", GEOSBuffer_r(H, centre, 1000, 32), 1, NULL, NULL),
        GE_OK);
    GEOSGeom_destroy_r(H, centre);
    add(b, "street_space", "POLYGON((-500 -10, 500 -10, 500 10, -500 10, -500 -10))", 1);
    add(b, "street_space", "POLYGON((500 -10, 600 -10, 600 10, 500 10, 500 -10))", 2);
    add(b, "roads", "LINESTRING(-500 0, 600 0)", 1);
    add(b, "buildings", "POLYGON((100 10, 120 10, 120 30, 100 30, 100 10))", 7);
    add(b, "cycleways", "LINESTRING(200 -8, 300 -8)", 3);
    if (with_hydrants) add(b, "hydrants", "POINT(50 0)", 42);
    add(b, "trees", "POINT(150 9)", 5);
    add(b, "junctions", "POINT(400 0)", 9);
    assert_int_equal(ge_refindex_builder_layer(b, "water", NULL), GE_OK); /* present, empty */
    assert_int_equal(ge_refindex_builder_finish(b, &s, NULL), GE_OK);
    return s;
}

#define SVC_HEAD                                                                                   \
    "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\",\"en\":"    \
    "\"D\"},\"retention_days\":30,\"rules\":["

static ge_service *service_of(const char *rules)
{
    char doc[8192];
    json_error_t je;
    json_t *j;
    ge_service *s;
    ge_err err = {0};

    snprintf(doc, sizeof doc, SVC_HEAD "%s]}", rules);
    j = json_loads(doc, 0, &je);
    if (!j) fail_msg("test service is not JSON: %s", je.text);
    if (ge_service_parse(j, "test.json", &s, &err) != GE_OK) fail_msg("test service: %s", err.msg);
    json_decref(j);
    return s;
}

typedef struct run {
    json_t *report;
    json_t *violations;
} run;

static run validate(const ge_service *svc, const char *const *wkts, int pstart, int pend,
                    const ge_rules_other *others, size_t nothers)
{
    ge_feature items[8] = {{0}};
    ge_features fs = {.items = items};
    ge_period period;
    ge_rules_input in;
    ge_err err = {0};
    run r;

    for (size_t i = 0; wkts && wkts[i]; i++)
        items[fs.n++].geom = local(wkts[i]);
    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = 25833;
    in.today = TODAY;
    in.others = others;
    in.nothers = nothers;
    if (pstart != NOPERIOD) {
        period.start = TODAY + pstart;
        period.end = TODAY + pend;
        in.period = &period;
    }
    if (ge_rules_validate(H, SNAP, &in, &r.report, &err) != GE_OK)
        fail_msg("validate: %s", err.msg);
    for (size_t i = 0; i < fs.n; i++)
        GEOSGeom_destroy_r(H, items[i].geom);
    r.violations = json_object_get(r.report, "violations");
    return r;
}

/* ---- the table ------------------------------------------------------------ */

/* clang-format off */
#define MSG(de, en) ",\"messages\":{\"de\":\"" de "\",\"en\":\"" en "\"},\"source\":\"test\"}"
#define MSG2(dmin, emin, dmax, emax)                                                               \
    ",\"messages\":{\"min\":{\"de\":\"" dmin "\",\"en\":\"" emin "\"},\"max\":{\"de\":\"" dmax     \
    "\",\"en\":\"" emax "\"}},\"source\":\"test\"}"

#define R_TYPE "{\"id\":\"type\",\"kind\":\"geometry_type\",\"severity\":\"error\",\"params\":{\"types\":[\"Polygon\",\"LineString\"]}" \
    MSG("Bitte zeichnen Sie eine {limit}; gezeichnet: {measured}.", "Please draw a {limit}; drawn: {measured}.")
#define R_COUNT "{\"id\":\"count\",\"kind\":\"count\",\"severity\":\"error\",\"params\":{\"min\":1,\"max\":2}" \
    MSG2("Mindestens {limit}.", "At least {limit}.", "{measured} Flächen, höchstens {limit}.", "{measured} areas, at most {limit}.")
#define R_VALID "{\"id\":\"valid\",\"kind\":\"valid_geometry\",\"severity\":\"error\"" \
    MSG("Fehlerhaft: {reason}.", "Malformed: {reason}.")
#define R_AREA "{\"id\":\"area\",\"kind\":\"area\",\"severity\":\"error\",\"params\":{\"min_m2\":1,\"max_m2\":6}" \
    MSG2("{measured} m², mindestens {limit} m².", "{measured} m², at least {limit} m².", "{measured} m², höchstens {limit} m².", "{measured} m², at most {limit} m².")
#define R_LENGTH "{\"id\":\"length\",\"kind\":\"length\",\"severity\":\"error\",\"params\":{\"max_m\":15}" \
    MSG("{measured} m lang, höchstens {limit} m.", "{measured} m long, at most {limit} m.")
#define R_WIDTH "{\"id\":\"width\",\"kind\":\"dimensions\",\"severity\":\"error\",\"params\":{\"measure\":\"width\",\"max_m\":3}" \
    MSG("{measured} m breit, höchstens {limit} m.", "{measured} m wide, at most {limit} m.")
#define R_RLENGTH "{\"id\":\"rlength\",\"kind\":\"dimensions\",\"severity\":\"error\",\"params\":{\"measure\":\"length\",\"min_m\":1.5}" \
    MSG("{measured} m lang, mindestens {limit} m.", "{measured} m long, at least {limit} m.")
#define R_INSIDE "{\"id\":\"inside\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{\"layers\":[\"street_space\"],\"tolerance_m\":0.05}" \
    MSG("Ragt {measured} m aus dem Straßenraum.", "Sticks out {measured} m from the street space.")
#define R_INSIDE_TOWN "{\"id\":\"town\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{\"layers\":[\"boundary\"]}" \
    MSG("{measured} m außerhalb der Stadt.", "{measured} m outside the town.")
#define R_BUILDINGS "{\"id\":\"buildings\",\"kind\":\"outside\",\"severity\":\"error\",\"params\":{\"layers\":[\"buildings\"],\"min_overlap\":0.01}" \
    MSG("Überschneidet ein Gebäude.", "Overlaps a building.")
#define R_CYCLE "{\"id\":\"cycle\",\"kind\":\"outside\",\"severity\":\"error\",\"params\":{\"layers\":[\"cycleways\"]}" \
    MSG("Auf {measured} m Radweg.", "On {measured} m of cycle path.")
#define R_HYDRANT "{\"id\":\"hydrant\",\"kind\":\"min_distance\",\"severity\":\"error\",\"params\":{\"layers\":[\"hydrants\"],\"min_m\":5}" \
    MSG("{measured} m Abstand zum Hydranten, mindestens {limit} m.", "{measured} m from the hydrant, at least {limit} m.")
#define R_ROAD "{\"id\":\"road\",\"kind\":\"max_distance\",\"severity\":\"error\",\"params\":{\"layers\":[\"roads\"],\"max_m\":0.5}" \
    MSG("{measured} m bis zur Straße, höchstens {limit} m.", "{measured} m to the road, at most {limit} m.")
#define R_PLEN "{\"id\":\"plen\",\"kind\":\"period_length\",\"severity\":\"error\",\"params\":{\"max_days\":14}" \
    MSG("{measured} Tage ({start} bis {end}), höchstens {limit}.", "{measured} days ({start} to {end}), at most {limit}.")
#define R_LEAD "{\"id\":\"lead\",\"kind\":\"period_lead\",\"severity\":\"error\",\"params\":{\"min_days\":5}" \
    MSG("Beginn {start} zu früh, frühestens {earliest}.", "Start {start} too soon, earliest {earliest}.")

#define SQ(x0, y0, x1, y1) "POLYGON((" #x0 " " #y0 ", " #x1 " " #y0 ", " #x1 " " #y1 ", " #x0 " " #y1 ", " #x0 " " #y0 "))"

typedef struct rcase {
    const char *name;
    const char *rule;
    const char *wkt[4];
    int pstart, pend;  /* days from TODAY, or NOPERIOD */
    size_t nviol;
    double measured;   /* NAN: null; -1: not checked */
    const char *de, *en;
    const char *highlight; /* GeoJSON type of the highlight, or NULL */
} rcase;

static const rcase cases[] = {
    /* geometry_type */
    { "type ok", R_TYPE, { SQ(0, 0, 2, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "type point", R_TYPE, { "POINT(1 1)" }, NOPERIOD, 0, 1, -1,
      "Bitte zeichnen Sie eine Linie oder Fläche; gezeichnet: Punkt.",
      "Please draw a line or area; drawn: point.", NULL },
    /* count: 1 and 2 inside, 3 outside */
    { "count 1", R_COUNT, { "POINT(1 1)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "count 2 (at max)", R_COUNT, { "POINT(1 1)", "POINT(2 2)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "count 3", R_COUNT, { "POINT(1 1)", "POINT(2 2)", "POINT(3 3)" }, NOPERIOD, 0, 1, 3,
      "3 Flächen, höchstens 2.", "3 areas, at most 2.", NULL },
    { "count 0", R_COUNT, { NULL }, NOPERIOD, 0, 1, 0, "Mindestens 1.", "At least 1.", NULL },
    /* valid_geometry: a bow tie crosses itself at (1 1) */
    { "valid", R_VALID, { SQ(0, 0, 2, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "bow tie", R_VALID, { "POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))" }, NOPERIOD, 0, 1, -1,
      "Fehlerhaft: Die Umrisslinie überschneidet sich selbst.", "Malformed: the outline crosses itself.", "Point" },
    /* area: 1..6 m2 */
    { "area 5.97", R_AREA, { SQ(0, 0, 3, 1.99) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "area 6.00", R_AREA, { SQ(0, 0, 3, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "area 6.03", R_AREA, { SQ(0, 0, 3, 2.01) }, NOPERIOD, 0, 1, 6.03,
      "6,03 m², höchstens 6 m².", "6.03 m², at most 6 m².", "Polygon" },
    { "area 9", R_AREA, { SQ(0, 0, 3, 3) }, NOPERIOD, 0, 1, 9, "9 m², höchstens 6 m².", "9 m², at most 6 m².", NULL },
    { "area 1.00", R_AREA, { SQ(0, 0, 1, 1) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "area 0.99", R_AREA, { SQ(0, 0, 1, 0.99) }, NOPERIOD, 0, 1, 0.99,
      "0,99 m², mindestens 1 m².", "0.99 m², at least 1 m².", NULL },
    { "area skips lines", R_AREA, { "LINESTRING(0 0, 100 0)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    /* length of lines: at most 15 m */
    { "length 14.99", R_LENGTH, { "LINESTRING(0 0, 14.99 0)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "length 15.00", R_LENGTH, { "LINESTRING(0 0, 15 0)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "length 15.01", R_LENGTH, { "LINESTRING(0 0, 15.01 0)" }, NOPERIOD, 0, 1, 15.01,
      "15,01 m lang, höchstens 15 m.", "15.01 m long, at most 15 m.", "LineString" },
    { "length 20.34", R_LENGTH, { "LINESTRING(0 0, 20.34 0)" }, NOPERIOD, 0, 1, 20.34,
      "20,4 m lang, höchstens 15 m.", "20.4 m long, at most 15 m.", NULL },
    /* dimensions: width (short side) at most 3 m, a rotated rectangle too */
    { "width 2.99", R_WIDTH, { SQ(0, 0, 6, 2.99) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "width 3.00", R_WIDTH, { SQ(0, 0, 6, 3) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "width 3.01", R_WIDTH, { SQ(0, 0, 6, 3.01) }, NOPERIOD, 0, 1, 3.01,
      "3,01 m breit, höchstens 3 m.", "3.01 m wide, at most 3 m.", NULL },
    { "width rotated 3.01", R_WIDTH, { "POLYGON((0 0, 3.6 4.8, 1.192 6.606, -2.408 1.806, 0 0))" },
      NOPERIOD, 0, 1, 3.01, "3,01 m breit", "3.01 m wide", NULL },
    { "rect length 1.49", R_RLENGTH, { SQ(0, 0, 1.49, 1) }, NOPERIOD, 0, 1, 1.49,
      "1,49 m lang, mindestens 1,5 m.", "1.49 m long, at least 1.5 m.", NULL },
    { "rect length 1.50", R_RLENGTH, { SQ(0, 0, 1.5, 1) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    /* inside the street space (edge at y = 10), 5 cm tolerance */
    { "inside", R_INSIDE, { SQ(0, 0, 3, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "inside flush with edge", R_INSIDE, { SQ(0, 8, 3, 10) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "inside +0.04", R_INSIDE, { SQ(0, 8, 3, 10.04) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "inside +0.05", R_INSIDE, { SQ(0, 8, 3, 10.05) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "inside +0.06", R_INSIDE, { SQ(0, 8, 3, 10.06) }, NOPERIOD, 0, 1, 0.06,
      "Ragt 0,06 m aus dem Straßenraum.", "Sticks out 0.06 m from the street space.", "Polygon" },
    { "inside +1.2", R_INSIDE, { SQ(0, 8, 3, 11.2) }, NOPERIOD, 0, 1, 1.2,
      "Ragt 1,2 m aus dem Straßenraum.", "Sticks out 1.2 m from the street space.", "Polygon" },
    { "across two street pieces", R_INSIDE, { SQ(498, 0, 503, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "point far outside", R_INSIDE, { "POINT(0 50)" }, NOPERIOD, 0, 1, 40,
      "Ragt 40 m aus dem Straßenraum.", NULL, "Point" },
    { "line partly outside", R_INSIDE, { "LINESTRING(0 0, 0 13)" }, NOPERIOD, 0, 1, 3, NULL, NULL, "LineString" },
    { "inside the town (prepared)", R_INSIDE_TOWN, { SQ(0, 0, 3, 2) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "outside the town", R_INSIDE_TOWN, { SQ(995, 0, 1010, 2) }, NOPERIOD, 0, 1, 10.046, "10,1 m außerhalb der Stadt.", "10.1 m outside the town.", "Polygon" },
    /* outside buildings (x 100..120, y 10..30) */
    { "touching building", R_BUILDINGS, { SQ(100, 8, 103, 10) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "overlap 0.005 m2", R_BUILDINGS, { SQ(100, 8, 101, 10.005) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "overlap 0.5 m2", R_BUILDINGS, { SQ(100, 8, 101, 10.5) }, NOPERIOD, 0, 1, 0.5,
      "Überschneidet ein Gebäude.", "Overlaps a building.", "Polygon" },
    { "point in building", R_BUILDINGS, { "POINT(110 20)" }, NOPERIOD, 0, 1, NAN, NULL, NULL, "Point" },
    { "across cycle path", R_CYCLE, { SQ(210, -9, 213, -7) }, NOPERIOD, 0, 1, 3,
      "Auf 3 m Radweg.", "On 3 m of cycle path.", "LineString" },
    { "beside cycle path", R_CYCLE, { SQ(210, -7.9, 213, -6) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    /* min distance to the hydrant at (50 0): 4.99 breaks, 5.00 and 5.01 pass */
    { "hydrant 4.99", R_HYDRANT, { "POINT(54.99 0)" }, NOPERIOD, 0, 1, 4.99,
      "4,99 m Abstand zum Hydranten, mindestens 5 m.", "4.99 m from the hydrant, at least 5 m.", "LineString" },
    { "hydrant 5.00", R_HYDRANT, { "POINT(55 0)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "hydrant 5.01", R_HYDRANT, { "POINT(55.01 0)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "hydrant 4.999 floors", R_HYDRANT, { "POINT(54.999 0)" }, NOPERIOD, 0, 1, 4.999,
      "4,99 m Abstand zum Hydranten, mindestens 5 m.", "4.99 m from the hydrant, at least 5 m.", NULL },
    { "hydrant 3.2", R_HYDRANT, { "POINT(50 3.2)" }, NOPERIOD, 0, 1, 3.2,
      "3,2 m Abstand zum Hydranten, mindestens 5 m.", "3.2 m from the hydrant, at least 5 m.", NULL },
    { "hydrant under rectangle", R_HYDRANT, { SQ(49, -1, 52, 1) }, NOPERIOD, 0, 1, 0,
      "0 m Abstand zum Hydranten, mindestens 5 m.", "0 m from the hydrant, at least 5 m.", "Point" },
    { "rectangle edge 4.99", R_HYDRANT, { SQ(54.99, -1, 58, 1) }, NOPERIOD, 0, 1, 4.99, "4,99 m", "4.99 m", NULL },
    { "rectangle edge 5.00", R_HYDRANT, { SQ(55, -1, 58, 1) }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    /* max distance to the road centre line y = 0: 0.5 m */
    { "road 0.49", R_ROAD, { "LINESTRING(0 0.49, 0 8)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "road 0.50", R_ROAD, { "LINESTRING(0 0.5, 0 8)" }, NOPERIOD, 0, 0, -1, NULL, NULL, NULL },
    { "road 0.51", R_ROAD, { "LINESTRING(0 0.51, 0 8)" }, NOPERIOD, 0, 1, 0.51,
      "0,51 m bis zur Straße, höchstens 0,5 m.", "0.51 m to the road, at most 0.5 m.", "LineString" },
    { "road far", R_ROAD, { "LINESTRING(0 30, 0 38)" }, NOPERIOD, 0, 1, 30,
      "30 m bis zur Straße, höchstens 0,5 m.", "30 m to the road, at most 0.5 m.", "LineString" },
    /* period length at most 14 days, both ends counted */
    { "period 14 days", R_PLEN, { "POINT(0 0)" }, 10, 23, 0, -1, NULL, NULL, NULL },
    { "period 15 days", R_PLEN, { "POINT(0 0)" }, 10, 24, 1, 15,
      "15 Tage (11.07.2026 bis 25.07.2026), höchstens 14.", "15 days (2026-07-11 to 2026-07-25), at most 14.", NULL },
    { "period missing", R_PLEN, { "POINT(0 0)" }, NOPERIOD, 0, 1, NAN,
      "Bitte geben Sie den Zeitraum der Nutzung an (Beginn und Ende).", "Please give the period of use (start and end).", NULL },
    /* lead time: at least 5 days */
    { "lead 5", R_LEAD, { "POINT(0 0)" }, 5, 6, 0, -1, NULL, NULL, NULL },
    { "lead 4", R_LEAD, { "POINT(0 0)" }, 4, 6, 1, 4,
      "Beginn 05.07.2026 zu früh, frühestens 06.07.2026.", "Start 2026-07-05 too soon, earliest 2026-07-06.", NULL },
};
/* clang-format on */

static void check_case(const rcase *c)
{
    ge_service *svc = service_of(c->rule);
    run r = validate(svc, c->wkt, c->pstart, c->pend, NULL, 0);
    json_t *v = json_array_get(r.violations, 0);

    if (json_array_size(r.violations) != c->nviol) {
        char *s = json_dumps(r.report, GE_JSON_DUMP_FLAGS);
        fail_msg("%s: %zu violations, want %zu: %s", c->name, json_array_size(r.violations),
                 c->nviol, s);
    }
    if (c->nviol) {
        json_t *m = json_object_get(v, "measured");
        const char *de = json_string_value(json_object_get(json_object_get(v, "message"), "de"));
        const char *en = json_string_value(json_object_get(json_object_get(v, "message"), "en"));
        json_t *geom = json_object_get(v, "geometry");
        if (isnan(c->measured) && !json_is_null(m))
            fail_msg("%s: measured should be null", c->name);
        if (!isnan(c->measured) && c->measured >= 0 &&
            (!json_is_number(m) || fabs(json_number_value(m) - c->measured) > 0.0015))
            fail_msg("%s: measured %g, want %g", c->name, json_number_value(m), c->measured);
        if (c->de && (!de || !strstr(de, c->de)))
            fail_msg("%s: de '%s', want '%s'", c->name, de, c->de);
        if (c->en && (!en || !strstr(en, c->en)))
            fail_msg("%s: en '%s', want '%s'", c->name, en, c->en);
        if (c->highlight && strcmp(json_string_value(json_object_get(geom, "type"))
                                       ? json_string_value(json_object_get(geom, "type"))
                                       : "",
                                   c->highlight))
            fail_msg("%s: highlight %s, want %s", c->name,
                     json_string_value(json_object_get(geom, "type")), c->highlight);
        assert_string_equal(json_string_value(json_object_get(v, "severity")), "error");
        assert_true(json_is_false(json_object_get(r.report, "valid")));
    } else {
        assert_true(json_is_true(json_object_get(r.report, "valid")));
    }
    json_decref(r.report);
    ge_service_free(svc);
}

/* A reference item with a coordinate that is not finite is refused, not
 * indexed (found by tests/fuzz/fuzz_wkb: a NaN made the subdivision's overlay
 * throw, and GEOS 3.11 leaked what it had made). */
static void test_refindex_refuses_nan(void **state)
{
    ge_refbuilder *b;
    ge_refsnap *s;
    ge_err err;
    GEOSCoordSequence *seq;
    GEOSGeometry *g;
    (void)state;

    assert_int_equal(ge_refindex_builder_new(25833, &b, NULL), GE_OK);
    /* a long line (subdivided) with a NaN in the middle */
    seq = GEOSCoordSeq_create_r(H, 600, 2);
    for (unsigned i = 0; i < 600; i++)
        GEOSCoordSeq_setXY_r(H, seq, i, 385000 + i, i == 300 ? NAN : 5826000 + (i % 7));
    g = GEOSGeom_createLineString_r(H, seq);
    assert_int_equal(ge_refindex_builder_add(b, "roads", g, 1, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "not a finite number"));
    /* a point at infinity, and one fine point */
    assert_int_equal(ge_refindex_builder_add(b, "hydrants",
                                             GEOSGeom_createPointFromXY_r(H, INFINITY, 1), 2, NULL,
                                             &err),
                     GE_EINVAL);
    assert_int_equal(ge_refindex_builder_add(b, "hydrants",
                                             GEOSGeom_createPointFromXY_r(H, 385000, 5826000), 3,
                                             NULL, &err),
                     GE_OK);
    assert_int_equal(ge_refindex_builder_finish(b, &s, NULL), GE_OK);
    assert_int_equal(ge_reflayer_size(ge_refsnap_layer(s, "hydrants")), 1);
    ge_refsnap_release(s);
}

/* A thread keeps its prepared geometries within the limit: the oldest go
 * first, a kept one is handed out again, one bigger than the whole limit is
 * not prepared, and the snapshot's end frees them all (the counters of
 * ge_refindex_prepared_stats_get say so). */
static void test_prepared_cache_limit(void **state)
{
    ge_refbuilder *b;
    ge_refsnap *s;
    const ge_reflayer *l;
    const GEOSPreparedGeometry *p[5], *again;
    ge_refindex_prepared_stats base, now;
    size_t cost;
    (void)state;

    assert_int_equal(ge_refindex_builder_new(25833, &b, NULL), GE_OK);
    for (int i = 0; i < 5; i++) {
        GEOSGeometry *c = GEOSGeom_createPointFromXY_r(H, X0 + 100.0 * i, Y0);
        /* 16 segments a quarter: 65 vertices, enough to be prepared */
        assert_int_equal(
            ge_refindex_builder_add(b, "buildings", GEOSBuffer_r(H, c, 20, 16), i + 1, NULL, NULL),
            GE_OK);
        GEOSGeom_destroy_r(H, c);
    }
    assert_int_equal(ge_refindex_builder_finish(b, &s, NULL), GE_OK);
    l = ge_refsnap_layer(s, "buildings");
    assert_int_equal(ge_reflayer_size(l), 5);
    cost = (size_t)ge_reflayer_item(l, 0)->npoints * GE_REFINDEX_PREPARED_BYTES_PER_POINT;
    assert_true(ge_reflayer_item(l, 0)->npoints >= GE_REFINDEX_PREPARE_MIN_POINTS);

    ge_refindex_prepared_stats_get(&base);
    ge_refindex_set_prepared_limit(3 * cost + cost / 2); /* room for three */
    for (int i = 0; i < 5; i++) {
        GEOSGeometry *in = GEOSGeom_createPointFromXY_r(H, X0 + 100.0 * i, Y0);
        p[i] = ge_refsnap_prepared(H, s, ge_reflayer_item(l, (size_t)i));
        assert_non_null(p[i]);
        assert_int_equal(GEOSPreparedIntersects_r(H, p[i], in), 1);
        GEOSGeom_destroy_r(H, in);
    }
    ge_refindex_prepared_stats_get(&now);
    assert_int_equal(now.geometries - base.geometries, 3);
    assert_int_equal(now.bytes - base.bytes, 3 * cost);
    assert_int_equal(now.evicted - base.evicted, 2);
    /* the newest is kept and handed out again; the oldest is made anew */
    assert_ptr_equal(ge_refsnap_prepared(H, s, ge_reflayer_item(l, 4)), p[4]);
    again = ge_refsnap_prepared(H, s, ge_reflayer_item(l, 0));
    assert_non_null(again);
    ge_refindex_prepared_stats_get(&now);
    assert_int_equal(now.geometries - base.geometries, 3);
    assert_int_equal(now.evicted - base.evicted, 3);

    /* a limit below one geometry: nothing new is prepared */
    ge_refindex_set_prepared_limit(cost - 1);
    assert_null(ge_refsnap_prepared(H, s, ge_reflayer_item(l, 1)));
    ge_refindex_set_prepared_limit(0);
    assert_null(ge_refsnap_prepared(H, s, ge_reflayer_item(l, 2)));

    ge_refindex_set_prepared_limit(GE_REFINDEX_PREPARED_DEFAULT);
    ge_refsnap_release(s);
    ge_refindex_prepared_stats_get(&now);
    assert_int_equal(now.geometries, base.geometries);
    assert_int_equal(now.bytes, base.bytes);
}

static void test_rule_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
}

/* ---- details -------------------------------------------------------------- */

static void test_number_format(void **state)
{
    static const struct {
        double v;
        int decimals, dir;
        const char *de, *en;
    } t[] = {
        {3.2, 1, 0, "3,2", "3.2"},      {5.0, 2, 0, "5", "5"},
        {4.99, 2, -1, "4,99", "4.99"},  {4.999, 2, -1, "4,99", "4.99"},
        {4.9, 1, -1, "4,9", "4.9"},     {0.501, 2, 1, "0,51", "0.51"},
        {1.5, 2, 0, "1,5", "1.5"},      {0.0, 1, 0, "0", "0"},
        {-0.01, 1, 0, "0", "0"},        {20.34, 1, 1, "20,4", "20.4"},
        {20.34, 1, -1, "20,3", "20.3"}, {1234.5, 1, 0, "1234,5", "1234.5"},
    };
    char buf[32];
    (void)state;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ge_rules_format_number(t[i].v, t[i].decimals, t[i].dir, true, buf, sizeof buf);
        assert_string_equal(buf, t[i].de);
        ge_rules_format_number(t[i].v, t[i].decimals, t[i].dir, false, buf, sizeof buf);
        assert_string_equal(buf, t[i].en);
    }
}

static void test_highlight_is_shortest_line_in_crs84(void **state)
{
    ge_service *svc = service_of(R_HYDRANT);
    const char *wkt[] = {"POINT(53 3.9)", NULL};
    run r = validate(svc, wkt, NOPERIOD, 0, NULL, 0);
    json_t *v = json_array_get(r.violations, 0), *g = json_object_get(v, "geometry");
    json_t *ref = json_object_get(v, "ref");
    (void)state;
    assert_string_equal(json_string_value(json_object_get(g, "type")), "LineString");
    /* lon/lat near Berlin, 7 decimals */
    double lon =
        json_number_value(json_array_get(json_array_get(json_object_get(g, "coordinates"), 1), 0));
    assert_true(lon > 13 && lon < 14);
    assert_string_equal(json_string_value(json_object_get(ref, "layer")), "hydrants");
    assert_int_equal(json_integer_value(json_object_get(ref, "id")), 42);
    assert_string_equal(json_string_value(json_object_get(v, "unit")), "m");
    assert_string_equal(json_string_value(json_object_get(v, "bound")), "min");
    assert_true(json_number_value(json_object_get(v, "limit")) == 5.0);
    assert_true(fabs(json_number_value(json_object_get(v, "measured")) - 4.92) < 1e-9);
    json_decref(r.report);
    ge_service_free(svc);
}

static void test_measures(void **state)
{
    ge_service *svc = service_of(R_TYPE);
    const char *wkt[] = {SQ(0, 0, 3, 2), "LINESTRING(0 0, 3 4)", "POINT(1 1)", NULL};
    run r = validate(svc, wkt, NOPERIOD, 0, NULL, 0);
    json_t *m = json_object_get(r.report, "measures");
    (void)state;
    assert_int_equal(json_array_size(m), 3);
    json_t *p = json_array_get(m, 0);
    assert_string_equal(json_string_value(json_object_get(p, "type")), "Polygon");
    assert_true(fabs(json_number_value(json_object_get(p, "area_m2")) - 6) < 1e-6);
    assert_true(fabs(json_number_value(json_object_get(p, "perimeter_m")) - 10) < 1e-6);
    assert_true(fabs(json_number_value(json_object_get(p, "width_m")) - 2) < 1e-6);
    assert_true(fabs(json_number_value(json_object_get(p, "length_m")) - 3) < 1e-6);
    assert_true(fabs(json_number_value(json_object_get(json_array_get(m, 1), "length_m")) - 5) <
                1e-6);
    assert_null(json_object_get(json_array_get(m, 2), "area_m2"));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 2), "feature")), 2);
    json_decref(r.report);
    ge_service_free(svc);
}

static void test_unchecked_when_layer_missing(void **state)
{
    ge_service *svc = service_of(
        "{\"id\":\"peds\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{\"layers\":["
        "\"pedestrian_areas\"]}" MSG(
            "x", "x") ","
                      "{\"id\":\"either\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{"
                      "\"layers\":[\"pedestrian_areas\",\"street_space\"]}" MSG(
                          "aus {measured}",
                          "out {measured}") ","
                                            "{\"id\":\"water\",\"kind\":\"min_distance\","
                                            "\"severity\":\"error\",\"params\":{\"layers\":["
                                            "\"water\"],\"min_m\":5}" MSG("x", "x"));
    const char *inside[] = {SQ(0, 0, 2, 2), NULL}, *outside[] = {SQ(0, 0, 2, 12), NULL};
    run r = validate(svc, inside, NOPERIOD, 0, NULL, 0);
    json_t *u = json_object_get(r.report, "unchecked");
    (void)state;
    /* a missing layer is neither passed nor failed */
    assert_int_equal(json_array_size(r.violations), 0);
    assert_int_equal(json_array_size(u), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(u, 0), "rule")), "peds");
    assert_non_null(strstr(
        json_string_value(json_object_get(json_object_get(json_array_get(u, 0), "reason"), "en")),
        "'pedestrian_areas'"));
    assert_true(json_is_true(json_object_get(r.report, "valid")));
    json_decref(r.report);
    /* the union still judges by the layers that exist */
    r = validate(svc, outside, NOPERIOD, 0, NULL, 0);
    assert_int_equal(json_array_size(r.violations), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.violations, 0), "rule")),
                        "either");
    json_decref(r.report);
    ge_service_free(svc);
}

static void test_no_snapshot_everything_spatial_unchecked(void **state)
{
    ge_service *svc = service_of(R_HYDRANT "," R_AREA);
    ge_feature item = {.geom = local(SQ(0, 0, 3, 3))};
    ge_features fs = {.items = &item, .n = 1};
    ge_rules_input in;
    json_t *rep;
    (void)state;
    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = 25833;
    assert_int_equal(ge_rules_validate(H, NULL, &in, &rep, NULL), GE_OK);
    assert_int_equal(json_array_size(json_object_get(rep, "unchecked")), 1);
    assert_int_equal(json_array_size(json_object_get(rep, "violations")),
                     1); /* the area still counts */
    json_decref(rep);
    /* a snapshot in another CRS is refused */
    in.srid = 25832;
    ge_err err;
    assert_int_equal(ge_rules_validate(H, SNAP, &in, &rep, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "EPSG:25832"));
    GEOSGeom_destroy_r(H, item.geom);
    ge_service_free(svc);
}

static void test_warnings_keep_valid(void **state)
{
    ge_service *svc = service_of(
        "{\"id\":\"hydrant\",\"kind\":\"min_distance\",\"severity\":\"warning\",\"params\":{"
        "\"layers\":[\"hydrants\"],\"min_m\":5}" MSG("{measured} m", "{measured} m"));
    const char *wkt[] = {"POINT(52 0)", NULL};
    run r = validate(svc, wkt, NOPERIOD, 0, NULL, 0);
    (void)state;
    assert_int_equal(json_array_size(r.violations), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(r.violations, 0), "severity")), "warning");
    assert_true(json_is_true(json_object_get(r.report, "valid")));
    json_decref(r.report);
    ge_service_free(svc);
}

/* A conflict check of wkts against others in the period TODAY+11..14 for
 * an audience (ge_rules_input_init's default when mode < 0); highlights in
 * the store CRS, so that tests can read them in local metres (x - X0). */
static run conflict_run(const ge_service *svc, const char *const *wkts,
                        const ge_rules_other *others, size_t nothers, int mode)
{
    ge_feature items[8] = {{0}};
    ge_features fs = {.items = items};
    ge_period period = {TODAY + 11, TODAY + 14};
    ge_rules_input in;
    ge_err err = {0};
    run r;

    for (size_t i = 0; wkts && wkts[i]; i++)
        items[fs.n++].geom = local(wkts[i]);
    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = 25833;
    in.today = TODAY;
    in.others = others;
    in.nothers = nothers;
    in.period = &period;
    if (mode >= 0) in.conflicts = (ge_rules_conflicts)mode;
    assert_int_equal(ge_crs_from_epsg(25833, &in.out_crs, NULL), GE_OK);
    if (ge_rules_validate(H, SNAP, &in, &r.report, &err) != GE_OK)
        fail_msg("validate: %s", err.msg);
    for (size_t i = 0; i < fs.n; i++)
        GEOSGeom_destroy_r(H, items[i].geom);
    r.violations = json_object_get(r.report, "violations");
    return r;
}

/* The bounding box of a GeoJSON geometry's coordinates, in local metres. */
static void local_box(const json_t *coords, double box[4])
{
    size_t i;
    json_t *c;

    if (json_is_number(json_array_get(coords, 0))) {
        double x = json_number_value(json_array_get(coords, 0)) - X0;
        double y = json_number_value(json_array_get(coords, 1)) - Y0;
        box[0] = fmin(box[0], x);
        box[1] = fmin(box[1], y);
        box[2] = fmax(box[2], x);
        box[3] = fmax(box[3], y);
        return;
    }
    json_array_foreach(coords, i, c) local_box(c, box);
}

static void geometry_box(const json_t *g, double box[4])
{
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    local_box(json_object_get(g, "coordinates"), box);
}

static void test_conflict(void **state)
{
    ge_service *svc =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
                   "{\"services\":[\"t\",\"other\"],\"distance_m\":2}" MSG(
                       "In {measured} m liegt {other} ({other_service}).",
                       "{other} ({other_service}) is {measured} m away."));
    const char *wkt[] = {SQ(0, 0, 3, 2), NULL};
    GEOSGeometry *at2 = local(SQ(5, 0, 8, 2)), *at201 = local(SQ(5.01, 0, 8, 2));
    ge_rules_other o[] = {
        {"case-1", "t", at2, true, {TODAY + 10, TODAY + 12}},
        {"case-2", "t", at201, true, {TODAY + 10, TODAY + 12}},
        {"case-3", "unrelated", at2, true, {TODAY + 10, TODAY + 12}},
        {"case-4", "other", at2, true, {TODAY + 20, TODAY + 30}}, /* later */
        {"case-5", "other", at2, false, {0, 0}},                  /* no period: overlaps */
    };
    run r = conflict_run(svc, wkt, o, 5, GE_RULES_CONFLICTS_FULL);
    (void)state;
    assert_int_equal(json_array_size(r.violations), 2);
    json_t *v = json_array_get(r.violations, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "ref"), "other")),
                        "case-1");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "In 2 m liegt case-1 (t).");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "en")),
                        "case-1 (t) is 2 m away.");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(r.violations, 1), "ref"), "other")),
                        "case-5");
    json_decref(r.report);
    GEOSGeom_destroy_r(H, at2);
    GEOSGeom_destroy_r(H, at201);
    ge_service_free(svc);
}

/* Shapes that meet (distance 0) overlap: the message says so instead of
 * the template's "in 0 m"; a shape 1 cm away keeps the template. */
static void test_conflict_overlap_message(void **state)
{
    ge_service *svc =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
                   "{\"services\":[\"t\"],\"distance_m\":2}" MSG(
                       "Im selben Zeitraum ist in {measured} m Entfernung {other}.",
                       "{other} lies {measured} m away."));
    const char *wkt[] = {SQ(0, 0, 3, 2), NULL};
    GEOSGeometry *over = local(SQ(2, 1, 5, 3)), *touch = local(SQ(3, 0, 5, 2)),
                 *near = local(SQ(3.01, 0, 5, 2));
    ge_rules_other o[] = {
        {"case-1", "t", over, true, {TODAY + 10, TODAY + 12}},
        {"case-2", "t", touch, true, {TODAY + 10, TODAY + 12}},
        {"case-3", "t", near, true, {TODAY + 10, TODAY + 12}},
    };
    run r = conflict_run(svc, wkt, o, 3, GE_RULES_CONFLICTS_FULL);
    json_t *m;
    (void)state;
    assert_int_equal(json_array_size(r.violations), 3);
    for (int i = 0; i < 2; i++) {
        m = json_object_get(json_array_get(r.violations, (size_t)i), "message");
        assert_string_equal(json_string_value(json_object_get(m, "de")),
                            i == 0 ? "Im selben Zeitraum überschneidet sich die Zeichnung mit "
                                     "einem anderen Antrag (case-1)."
                                   : "Im selben Zeitraum überschneidet sich die Zeichnung mit "
                                     "einem anderen Antrag (case-2).");
        assert_string_equal(json_string_value(json_object_get(m, "en")),
                            i == 0 ? "The drawing overlaps another application (case-1) in the "
                                     "same period."
                                   : "The drawing overlaps another application (case-2) in the "
                                     "same period.");
        assert_true(json_number_value(
                        json_object_get(json_array_get(r.violations, (size_t)i), "measured")) == 0);
    }
    m = json_object_get(json_array_get(r.violations, 2), "message");
    assert_string_equal(json_string_value(json_object_get(m, "de")),
                        "Im selben Zeitraum ist in 0,1 m Entfernung case-3.");
    assert_string_equal(json_string_value(json_object_get(m, "en")), "case-3 lies 0.1 m away.");
    json_decref(r.report);
    GEOSGeom_destroy_r(H, over);
    GEOSGeom_destroy_r(H, touch);
    GEOSGeom_destroy_r(H, near);
    ge_service_free(svc);
}

/* A caller that may not look at other cases (the public POST /v1/validate)
 * gets the conflict rule under "unchecked", per feature, with a reason in
 * both languages, and no conflict violation even when a case is near. */
static void test_conflict_unchecked(void **state)
{
    ge_service *svc =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
                   "{\"services\":[\"t\"],\"distance_m\":2}" MSG("{other}", "{other}"));
    ge_feature items[] = {{.geom = local(SQ(0, 0, 3, 2))}, {.geom = local("POINT(3.5 1)")}};
    ge_features fs = {.items = items, .n = 2};
    GEOSGeometry *near = local(SQ(4, 0, 8, 2));
    ge_rules_other o = {"case-1", "t", near, false, {0, 0}};
    ge_rules_input in;
    json_t *rep, *u;
    (void)state;
    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = 25833;
    in.others = &o;
    in.nothers = 1;
    in.conflicts = GE_RULES_CONFLICTS_UNCHECKED;
    assert_int_equal(ge_rules_validate(H, SNAP, &in, &rep, NULL), GE_OK);
    assert_int_equal(json_array_size(json_object_get(rep, "violations")), 0);
    assert_true(json_is_true(json_object_get(rep, "valid")));
    u = json_object_get(rep, "unchecked");
    assert_int_equal(json_array_size(u), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(u, i), *reason = json_object_get(e, "reason");
        assert_string_equal(json_string_value(json_object_get(e, "rule")), "conflict");
        assert_int_equal(json_integer_value(json_object_get(e, "feature")), (json_int_t)i);
        assert_string_equal(json_string_value(json_object_get(reason, "de")),
                            "Überschneidungen mit anderen Anträgen werden hier nicht geprüft, "
                            "weil deren Daten nicht öffentlich sind; die Behörde prüft sie bei der "
                            "Bearbeitung.");
        assert_string_equal(json_string_value(json_object_get(reason, "en")),
                            "Conflicts with other applications are not checked here because their "
                            "data is not public; the authority checks them when it processes the "
                            "application.");
    }
    json_decref(rep);
    /* The same input checked by a caller that may look: the warning. */
    in.conflicts = GE_RULES_CONFLICTS_FULL;
    assert_int_equal(ge_rules_validate(H, SNAP, &in, &rep, NULL), GE_OK);
    assert_int_equal(json_array_size(json_object_get(rep, "violations")), 2);
    assert_int_equal(json_array_size(json_object_get(rep, "unchecked")), 0);
    json_decref(rep);
    GEOSGeom_destroy_r(H, items[0].geom);
    GEOSGeom_destroy_r(H, items[1].geom);
    GEOSGeom_destroy_r(H, near);
    ge_service_free(svc);
}

/*
 * Applicants and form servers (the default audience) learn that another
 * application occupies part of their drawing in the period, and which part:
 * one violation per feature however many cases are near, the part of the
 * feature within the rule's distance of them and its size, no "ref", no
 * distance, no id, service or period of another case and no vertex outside
 * the feature. The same input read by a caseworker names each case.
 */
static void test_conflict_anonymous(void **state)
{
    ge_service *svc =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
                   "{\"services\":[\"t\",\"other\"],\"distance_m\":2}" MSG(
                       "In {measured} m liegt {other} ({other_service}).",
                       "{other} ({other_service}) is {measured} m away."));
    const char *wkt[] = {SQ(0, 0, 3, 2), NULL};
    /* 1 m east of the drawing; the second also reaches far beyond it */
    GEOSGeometry *near = local(SQ(4, 0, 8, 2)), *long_one = local(SQ(4, 0, 40, 2));
    ge_rules_other o[] = {
        {"case-1", "t", near, true, {TODAY + 10, TODAY + 12}},
        {"case-5", "other", long_one, false, {0, 0}},                  /* no period: overlaps */
        {"case-3", "unrelated", near, true, {TODAY + 10, TODAY + 12}}, /* not listed */
        {"case-4", "other", near, true, {TODAY + 20, TODAY + 30}},     /* later */
    };
    run r, one, full;
    json_t *v, *g;
    char *text, *text_one;
    double box[4];
    (void)state;

    assert_int_equal(GE_RULES_CONFLICTS_ANONYMOUS, 0); /* what a zeroed input says */
    r = conflict_run(svc, wkt, o, 4, -1);
    assert_int_equal(json_array_size(r.violations), 1);
    v = json_array_get(r.violations, 0);
    assert_string_equal(json_string_value(json_object_get(v, "kind")), "conflict");
    assert_string_equal(json_string_value(json_object_get(v, "severity")), "warning");
    assert_int_equal(json_integer_value(json_object_get(v, "feature")), 0);
    assert_null(json_object_get(v, "ref"));
    assert_true(json_is_null(json_object_get(v, "limit")));
    assert_true(json_is_null(json_object_get(v, "bound")));
    assert_string_equal(json_string_value(json_object_get(v, "unit")), "m2");
    /* the strip x 2..3 of the drawing lies within 2 m of the others */
    assert_true(fabs(json_number_value(json_object_get(v, "measured")) - 2.0) < 1e-3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Im selben Zeitraum liegt ein anderer Antrag höchstens 2 m von dieser "
                        "Fläche entfernt; betroffen ist der markierte Teil (2 m²).");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "en")),
                        "Another application in the same period lies within 2 m of this area; "
                        "the highlighted part (2 m²) is affected.");
    g = json_object_get(v, "geometry");
    assert_non_null(strstr(json_string_value(json_object_get(g, "type")), "Polygon"));
    geometry_box(g, box);
    assert_true(fabs(box[0] - 2) < 1e-3 && fabs(box[1]) < 1e-3 && fabs(box[2] - 3) < 1e-3 &&
                fabs(box[3] - 2) < 1e-3);
    text = json_dumps(r.report, JSON_COMPACT);
    assert_null(strstr(text, "case-"));
    assert_null(strstr(text, "\"ref\""));
    assert_null(strstr(text, "\"other\""));
    assert_null(strstr(text, "unrelated"));

    /* One case instead of two, and a shorter one: not a byte differs, so
     * neither how many cases nor their extent beyond the drawing shows. */
    one = conflict_run(svc, wkt, o, 1, GE_RULES_CONFLICTS_ANONYMOUS);
    text_one = json_dumps(one.report, JSON_COMPACT);
    assert_string_equal(text, text_one);

    /* A caseworker reads the same input case by case, with each shape. */
    full = conflict_run(svc, wkt, o, 4, GE_RULES_CONFLICTS_FULL);
    assert_int_equal(json_array_size(full.violations), 2);
    v = json_array_get(full.violations, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "ref"), "other")),
                        "case-5");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "ref"), "service")),
                        "other");
    assert_true(json_number_value(json_object_get(v, "measured")) == 1.0);
    geometry_box(json_object_get(v, "geometry"), box);
    assert_true(fabs(box[2] - 40) < 1e-3);
    free(text);
    free(text_one);
    json_decref(r.report);
    json_decref(one.report);
    json_decref(full.report);
    GEOSGeom_destroy_r(H, near);
    GEOSGeom_destroy_r(H, long_one);
    ge_service_free(svc);
}

/* Lines get the overlapping length, points themselves without a figure; a
 * rule with distance 0 says "uses part of this area", and shapes that only
 * touch get the feature itself highlighted and no figure. */
static void test_conflict_anonymous_lines_points_touching(void **state)
{
    ge_service *near2 =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
                   "{\"distance_m\":2}" MSG("{other}", "{other}"));
    ge_service *meet =
        service_of("{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"error\",\"params\":"
                   "{\"distance_m\":0}" MSG("{other}", "{other}"));
    const char *lp[] = {"LINESTRING(0 1, 6 1)", "POINT(3 1)", NULL};
    const char *areas[] = {SQ(0, 0, 3, 2), SQ(10, 0, 13, 2), NULL};
    GEOSGeometry *a = local(SQ(4, 0, 8, 2)), *b = local(SQ(2, 1, 5, 3)),
                 *c = local(SQ(13, 0, 15, 2));
    ge_rules_other o1[] = {{"case-1", "t", a, false, {0, 0}}};
    ge_rules_other o2[] = {{"case-2", "t", b, false, {0, 0}}, {"case-3", "t", c, false, {0, 0}}};
    run r;
    json_t *v, *g;
    char *text;
    double box[4];
    (void)state;

    r = conflict_run(near2, lp, o1, 1, GE_RULES_CONFLICTS_ANONYMOUS);
    assert_int_equal(json_array_size(r.violations), 2);
    v = json_array_get(r.violations, 0); /* the line: x 2..6 lies within 2 m */
    assert_string_equal(json_string_value(json_object_get(v, "unit")), "m");
    assert_true(fabs(json_number_value(json_object_get(v, "measured")) - 4.0) < 1e-3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Im selben Zeitraum liegt ein anderer Antrag höchstens 2 m von dieser "
                        "Strecke entfernt; betroffen ist der markierte Teil (4 m).");
    g = json_object_get(v, "geometry");
    assert_non_null(strstr(json_string_value(json_object_get(g, "type")), "LineString"));
    geometry_box(g, box);
    assert_true(fabs(box[0] - 2) < 1e-3 && fabs(box[2] - 6) < 1e-3);
    v = json_array_get(r.violations, 1); /* the point: itself, no figure */
    assert_true(json_is_null(json_object_get(v, "measured")));
    assert_true(json_is_null(json_object_get(v, "unit")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "en")),
                        "Another application in the same period lies within 2 m of this place.");
    g = json_object_get(v, "geometry");
    assert_string_equal(json_string_value(json_object_get(g, "type")), "Point");
    geometry_box(g, box);
    assert_true(fabs(box[0] - 3) < 1e-3 && fabs(box[1] - 1) < 1e-3);
    text = json_dumps(r.report, JSON_COMPACT);
    assert_null(strstr(text, "case-"));
    free(text);
    json_decref(r.report);

    r = conflict_run(meet, areas, o2, 2, GE_RULES_CONFLICTS_ANONYMOUS);
    assert_int_equal(json_array_size(r.violations), 2);
    assert_true(json_is_false(json_object_get(r.report, "valid"))); /* severity stays */
    v = json_array_get(r.violations, 0);
    assert_true(fabs(json_number_value(json_object_get(v, "measured")) - 1.0) < 1e-6);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Ein anderer Antrag belegt im selben Zeitraum bereits einen Teil dieser "
                        "Fläche (1 m² Überschneidung).");
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "en")),
                        "Another application already uses part of this area in the same period "
                        "(1 m² overlap).");
    geometry_box(json_object_get(v, "geometry"), box);
    assert_true(fabs(box[0] - 2) < 1e-6 && fabs(box[1] - 1) < 1e-6 && fabs(box[2] - 3) < 1e-6 &&
                fabs(box[3] - 2) < 1e-6);
    v = json_array_get(r.violations, 1); /* touches along x = 13 only */
    assert_int_equal(json_integer_value(json_object_get(v, "feature")), 1);
    assert_true(json_is_null(json_object_get(v, "measured")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Ein anderer Antrag belegt im selben Zeitraum bereits diese Stelle oder "
                        "grenzt an sie.");
    geometry_box(json_object_get(v, "geometry"), box);
    assert_true(fabs(box[0] - 10) < 1e-6 && fabs(box[2] - 13) < 1e-6);
    json_decref(r.report);
    GEOSGeom_destroy_r(H, a);
    GEOSGeom_destroy_r(H, b);
    GEOSGeom_destroy_r(H, c);
    ge_service_free(near2);
    ge_service_free(meet);
}

/* A rule's own "anonymous" message, with {limit} and {overlap}; where the
 * overlap has no size (a point) one that speaks of it gives way to the
 * built-in text. */
static void test_conflict_anonymous_service_text(void **state)
{
    ge_service *svc = service_of(
        "{\"id\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"params\":"
        "{\"distance_m\":2},\"messages\":{\"de\":\"{other}\",\"en\":\"{other}\",\"anonymous\":{"
        "\"de\":\"Belegt: {overlap} im Umkreis von {limit} m.\",\"en\":\"Taken: {overlap} within "
        "{limit} m.\"}},\"source\":\"test\"}");
    const char *wkt[] = {SQ(0, 0, 3, 2), "POINT(3 1)", NULL};
    GEOSGeometry *a = local(SQ(4, 0, 8, 2));
    ge_rules_other o[] = {{"case-1", "t", a, false, {0, 0}}};
    run r = conflict_run(svc, wkt, o, 1, GE_RULES_CONFLICTS_ANONYMOUS);
    json_t *m;
    (void)state;
    assert_int_equal(json_array_size(r.violations), 2);
    m = json_object_get(json_array_get(r.violations, 0), "message");
    assert_string_equal(json_string_value(json_object_get(m, "de")),
                        "Belegt: 2 m² im Umkreis von 2 m.");
    assert_string_equal(json_string_value(json_object_get(m, "en")), "Taken: 2 m² within 2 m.");
    m = json_object_get(json_array_get(r.violations, 1), "message");
    assert_string_equal(json_string_value(json_object_get(m, "en")),
                        "Another application in the same period lies within 2 m of this place.");
    json_decref(r.report);
    GEOSGeom_destroy_r(H, a);
    ge_service_free(svc);
}

/* A report stored before conflicts were told anonymously: each conflict
 * that names another case becomes one anonymous violation per rule and
 * feature, without shape, figure or ref; everything else stays. */
static void test_report_anonymize(void **state)
{
    json_t *rep = json_loads(
        "{\"valid\":true,\"violations\":["
        "{\"rule\":\"hydrant\",\"kind\":\"min_distance\",\"severity\":\"warning\",\"feature\":0,"
        "\"message\":{\"de\":\"h\",\"en\":\"h\"},\"measured\":4,\"limit\":5,\"unit\":\"m\","
        "\"bound\":\"min\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},"
        "\"ref\":{\"layer\":\"hydrants\",\"id\":42}},"
        "{\"rule\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"feature\":0,"
        "\"message\":{\"de\":\"In 1 m liegt abc123 (t).\",\"en\":\"abc123\"},\"measured\":1,"
        "\"limit\":10,\"unit\":\"m\",\"bound\":\"max\",\"geometry\":{\"type\":\"Point\","
        "\"coordinates\":[13.3,52.5]},\"ref\":{\"other\":\"abc123\",\"service\":\"t\"}},"
        "{\"rule\":\"conflict\",\"kind\":\"conflict\",\"severity\":\"warning\",\"feature\":0,"
        "\"message\":{\"de\":\"def456\",\"en\":\"def456\"},\"measured\":0,\"limit\":10,"
        "\"unit\":\"m\",\"bound\":\"max\",\"geometry\":null,\"ref\":{\"other\":\"def456\","
        "\"service\":\"t\"}}]}",
        0, NULL);
    json_t *v, *again;
    char *text;
    (void)state;
    assert_non_null(rep);
    assert_int_equal(ge_rules_report_anonymize(rep), 2);
    assert_int_equal(json_array_size(json_object_get(rep, "violations")), 2);
    v = json_array_get(json_object_get(rep, "violations"), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "ref"), "id")), 42);
    v = json_array_get(json_object_get(rep, "violations"), 1);
    assert_null(json_object_get(v, "ref"));
    assert_true(json_is_null(json_object_get(v, "geometry")));
    assert_true(json_is_null(json_object_get(v, "measured")));
    assert_true(json_is_null(json_object_get(v, "limit")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "message"), "de")),
                        "Im selben Zeitraum liegt ein anderer Antrag höchstens 10 m von dieser "
                        "Stelle entfernt.");
    text = json_dumps(rep, JSON_COMPACT);
    assert_null(strstr(text, "abc123"));
    assert_null(strstr(text, "def456"));
    assert_null(strstr(text, "13.3"));
    /* a report written anonymously is left alone */
    again = json_deep_copy(rep);
    assert_int_equal(ge_rules_report_anonymize(again), 0);
    assert_true(json_equal(again, rep));
    free(text);
    json_decref(again);
    json_decref(rep);
}

static void test_period_from_json(void **state)
{
    ge_period p;
    ge_err err;
    json_t *j;
    (void)state;
    j = json_pack("{s:s, s:s}", "start", "2026-08-01", "end", "2026-08-14");
    assert_int_equal(ge_rules_period_from_json(j, &p, &err), GE_OK);
    assert_int_equal(p.end - p.start + 1, 14);
    json_decref(j);
    j = json_pack("{s:s, s:s}", "start", "2026-08-05", "end", "2026-08-01");
    assert_int_equal(ge_rules_period_from_json(j, &p, &err), GE_EINVAL);
    assert_string_equal(err.msg, "period: end 2026-08-01 is before start 2026-08-05");
    json_decref(j);
    j = json_pack("{s:s, s:s}", "start", "2026-02-30", "end", "2026-03-01");
    assert_int_equal(ge_rules_period_from_json(j, &p, &err), GE_EINVAL);
    assert_string_equal(err.msg, "period.start: '2026-02-30' is not a calendar date");
    json_decref(j);
    j = json_pack("{s:s}", "start", "2026-08-01T10:00:00Z");
    assert_int_equal(ge_rules_period_from_json(j, &p, &err), GE_EINVAL);
    assert_non_null(strstr(
        err.msg, "period.start: '2026-08-01T10:00:00Z' is not a date of the form YYYY-MM-DD"));
    json_decref(j);
    j = json_pack("{s:s, s:s, s:i}", "start", "2026-08-01", "end", "2026-08-02", "days", 2);
    assert_int_equal(ge_rules_period_from_json(j, &p, &err), GE_EINVAL);
    assert_string_equal(err.msg, "period: unknown member 'days' (start, end)");
    json_decref(j);
}

/* ---- the shipped services on the synthetic town -------------------------- */

static ge_services *shipped(void)
{
    char dir[4096];
    ge_services *ss;
    ge_err err = {0};
    snprintf(dir, sizeof dir, "%s/data/services", ts_env("GE_SOURCE_DIR"));
    if (ge_services_load_dir(dir, &ss, &err) != GE_OK) fail_msg("%s", err.msg);
    return ss;
}

static void test_shipped_services_valid_placements(void **state)
{
    ge_services *ss = shipped();
    static const struct {
        const char *service;
        const char *wkt;
    } ok[] = {
        /* a 2 x 4 m skip at the kerb, 20 m from hydrant, tree and junction */
        {"skip-container", SQ(20, 7, 24, 9)},
        /* an access line from the centre line across the kerb */
        {"construction-access", "LINESTRING(-30 0.3, -30 9.9)"},
        /* a stand as a point and as a 3 x 2 m area */
        {"info-stand", "POINT(-60 8)"},
        {"info-stand", SQ(-60, 7, -57, 9)},
    };
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *wkt[] = {ok[i].wkt, NULL};
        run r = validate(ge_services_find(ss, ok[i].service), wkt, 20, 22, NULL, 0);
        if (json_array_size(r.violations) ||
            json_array_size(json_object_get(r.report, "unchecked")) > 1) {
            char *s = json_dumps(r.report, GE_JSON_DUMP_FLAGS);
            fail_msg("%s %s: %s", ok[i].service, ok[i].wkt, s);
        }
        assert_true(json_is_true(json_object_get(r.report, "valid")));
        json_decref(r.report);
    }
    ge_services_free(ss);
}

static void test_shipped_skip_messages(void **state)
{
    ge_services *ss = shipped();
    const ge_service *skip = ge_services_find(ss, "skip-container");
    /* a good place, but starting tomorrow */
    const char *good[] = {SQ(20, 7, 24, 9), NULL};
    /* 3.2 m from the hydrant and nothing else wrong */
    const char *near[] = {SQ(53.2, 0, 57.2, 2), NULL};
    run r = validate(skip, good, 1, 3, NULL, 0);
    json_t *v = json_array_get(r.violations, 0);
    (void)state;
    assert_int_equal(json_array_size(r.violations), 1);
    assert_string_equal(json_string_value(json_object_get(v, "rule")), "lead-time");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "message"), "de")),
        "Der Beginn am 02.07.2026 ist zu früh: der Antrag braucht mindestens 5 Tage "
        "Vorlauf, frühester Beginn ist der 06.07.2026.");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "message"), "en")),
        "The start on 2026-07-02 is too soon: the application needs at least 5 days' "
        "notice; the earliest start is 2026-07-06.");
    json_decref(r.report);
    r = validate(skip, near, 10, 12, NULL, 0);
    v = json_array_get(r.violations, 0);
    assert_int_equal(json_array_size(r.violations), 1);
    assert_string_equal(json_string_value(json_object_get(v, "rule")), "hydrant-distance");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "message"), "de")),
        "3,2 m Abstand zum Hydranten, mindestens 5 m. Bitte verschieben Sie die Mulde, damit "
        "der Hydrant für die Feuerwehr frei zugänglich bleibt.");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(v, "message"), "en")),
        "3.2 m from the hydrant, at least 5 m. Please move the skip so that the fire brigade "
        "can reach the hydrant.");
    json_decref(r.report);
    ge_services_free(ss);
}

/* ---- threads -------------------------------------------------------------- */

typedef struct worker {
    ge_refindex *ri;
    const ge_service *svc;
    int iterations;
    int wrong;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    GEOSContextHandle_t h = ge_geos_ctx();
    /* a skip 4.2 m from the hydrant and 0.06 m outside the street: two errors */
    GEOSGeometry *g = local("POLYGON((54.2 7, 58.2 7, 58.2 10.06, 54.2 10.06, 54.2 7))");
    ge_feature item = {.geom = g};
    ge_features fs = {.items = &item, .n = 1};
    ge_period p = {TODAY + 10, TODAY + 12};
    ge_rules_input in;

    ge_rules_input_init(&in);
    in.service = w->svc;
    in.features = &fs;
    in.srid = 25833;
    in.today = TODAY;
    in.period = &p;
    for (int i = 0; i < w->iterations; i++) {
        ge_refsnap *s = ge_refindex_acquire(w->ri);
        json_t *rep = NULL;
        if (ge_rules_validate(h, s, &in, &rep, NULL) != GE_OK ||
            json_array_size(json_object_get(rep, "violations")) != 2)
            w->wrong++;
        json_decref(rep);
        ge_refsnap_release(s);
    }
    GEOSGeom_destroy_r(h, g);
    /* no ge_*_thread_cleanup(): thread exit frees the GEOS and PROJ state (LSan checks) */
    return NULL;
}

static void test_concurrent_validation_with_swaps(void **state)
{
    ge_services *ss = shipped();
    ge_refindex *ri;
    pthread_t t[4];
    worker w[4];
    (void)state;
    assert_int_equal(ge_refindex_new(&ri, NULL), GE_OK);
    ge_refindex_publish(ri, make_town(true));
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){ri, ge_services_find(ss, "skip-container"), 300, 0};
        pthread_create(&t[i], NULL, worker_main, &w[i]);
    }
    /* imports happen while validating: readers keep their snapshot */
    for (int i = 0; i < 20; i++)
        ge_refindex_publish(ri, make_town(true));
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].wrong, 0);
    }
    ge_refindex_free(ri);
    ge_services_free(ss);
}

/* ---- time per validation (printed, never asserted) ----------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_print_validation_time(void **state)
{
    ge_services *ss = shipped();
    ge_refbuilder *b;
    ge_refsnap *big, *keep = SNAP;
    GEOSGeometry *centre = GEOSGeom_createPointFromXY_r(H, X0, Y0);
    (void)state;
    /* the synthetic town plus thousands of trees and buildings, as in a real extract */
    assert_int_equal(ge_refindex_builder_new(25833, &b, NULL), GE_OK);
    assert_int_equal(
        ge_refindex_builder_add(b, "boundary", GEOSBuffer_r(H, centre, 1000, 64), 1, NULL, NULL),
        GE_OK);
    GEOSGeom_destroy_r(H, centre);
    add(b, "street_space", "POLYGON((-500 -10, 500 -10, 500 10, -500 10, -500 -10))", 1);
    add(b, "roads", "LINESTRING(-500 0, 600 0)", 1);
    add(b, "hydrants", "POINT(50 0)", 42);
    add(b, "junctions", "POINT(400 0)", 9);
    add(b, "cycleways", "LINESTRING(200 -8, 300 -8)", 3);
    srand(7);
    for (int i = 0; i < 3000; i++) {
        char wkt[128];
        double x = rand() % 1800 - 900, y = rand() % 1800 - 900;
        if (fabs(y) < 40) y += 80;
        snprintf(wkt, sizeof wkt, "POINT(%g %g)", x, y);
        add(b, "trees", wkt, i);
        snprintf(wkt, sizeof wkt, "POLYGON((%g %g, %g %g, %g %g, %g %g, %g %g))", x + 3, y, x + 15,
                 y, x + 15, y + 10, x + 3, y + 10, x + 3, y);
        add(b, "buildings", wkt, i);
    }
    assert_int_equal(ge_refindex_builder_finish(b, &big, NULL), GE_OK);
    SNAP = big;
    static const struct {
        const char *service, *wkt;
    } runs[] = {
        {"skip-container", SQ(20, 7, 24, 9)},    /* valid */
        {"skip-container", SQ(52, 7, 56, 10.5)}, /* hydrant and street space */
        {"construction-access", "LINESTRING(-30 0.3, -30 9.9)"},
        {"info-stand", "POINT(-60 8)"},
    };
    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        const char *wkt[] = {runs[k].wkt, NULL};
        const ge_service *svc = ge_services_find(ss, runs[k].service);
        int n = 2000;
        run r = validate(svc, wkt, 10, 12, NULL, 0); /* warm: prepared geometries, PROJ */
        json_decref(r.report);
        double t0 = now_s();
        for (int i = 0; i < n; i++) {
            r = validate(svc, wkt, 10, 12, NULL, 0);
            json_decref(r.report);
        }
        printf("validation time: %-20s %-45s %.1f us per single-feature validation\n",
               runs[k].service, runs[k].wkt, (now_s() - t0) / n * 1e6);
    }
    SNAP = keep;
    ge_refsnap_release(big);
    ge_services_free(ss);
}

static int setup(void **state)
{
    (void)state;
    H = ge_geos_ctx();
    TODAY = ge_date_from_ymd(2026, 7, 1);
    SNAP = make_town(true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_refdata_teardown(SNAP, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test(test_refindex_refuses_nan),
        cmocka_unit_test(test_prepared_cache_limit),
        cmocka_unit_test(test_number_format),
        cmocka_unit_test(test_highlight_is_shortest_line_in_crs84),
        cmocka_unit_test(test_measures),
        cmocka_unit_test(test_unchecked_when_layer_missing),
        cmocka_unit_test(test_no_snapshot_everything_spatial_unchecked),
        cmocka_unit_test(test_warnings_keep_valid),
        cmocka_unit_test(test_conflict),
        cmocka_unit_test(test_conflict_overlap_message),
        cmocka_unit_test(test_conflict_unchecked),
        cmocka_unit_test(test_conflict_anonymous),
        cmocka_unit_test(test_conflict_anonymous_lines_points_touching),
        cmocka_unit_test(test_conflict_anonymous_service_text),
        cmocka_unit_test(test_report_anonymize),
        cmocka_unit_test(test_period_from_json),
        cmocka_unit_test(test_shipped_services_valid_placements),
        cmocka_unit_test(test_shipped_skip_messages),
        cmocka_unit_test(test_concurrent_validation_with_swaps),
        cmocka_unit_test(test_print_validation_time),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
