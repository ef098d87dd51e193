/*
 * test_location.c - the location sentence (geo/maps/location.h) and the words for
 * layers (geo/maps/layer_words.h).
 *
 * Two worlds: a synthetic town built in memory (EPSG:25832 around (X0, Y0),
 * WKT in local metres) with a straight street numbered on both sides and
 * drawn as two ways in opposite directions, a cross street spelled
 * "Birkenstraße" whose addresses say "Birkenstr.", a street without
 * numbers, a diagonal street, a dual carriageway, a square, a layer the
 * table does not know, big features and a place far from everything; and
 * the project's demo quarter (GE_DEMO_OSM, imported into a fresh store),
 * where six spots chosen from data/demo/make_demo.py must read exactly as
 * written below in both languages. The CPU time per feature is printed,
 * never asserted.
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
#include "layer_words.h"
#include "location.h"
#include "rules.h"
#include "store.h"
#include "ts.h"
#include "ts_refdata.h"
#include "ts_group.h"

#define X0 500000.0
#define Y0 5700000.0

static GEOSContextHandle_t H;
static ge_refsnap *TOWN;
static ge_refsnap *DEMO;
static ge_services *SERVICES;
static ge_service *POLLER; /* a service with a rule on a layer the table does not know */

/* ---- building blocks ------------------------------------------------------ */

static GEOSGeometry *local(const char *wkt)
{
    return ts_refdata_local(wkt, X0, Y0);
}

static void add(ge_refbuilder *b, const char *layer, const char *wkt, const char *props)
{
    static int64_t fid;
    json_t *p = props ? json_loads(props, 0, NULL) : NULL;
    if (props && !p) fail_msg("bad props in test: %s", props);
    assert_int_equal(ge_refindex_builder_add(b, layer, local(wkt), ++fid, p, NULL), GE_OK);
}

static void address(ge_refbuilder *b, double x, double y, const char *street, const char *nr)
{
    char wkt[64], props[256];
    snprintf(wkt, sizeof wkt, "POINT(%g %g)", x, y);
    snprintf(props, sizeof props,
             "{\"street\": \"%s\", \"housenumber\": \"%s\", \"label\": \"%s %s\"}", street, nr,
             street, nr);
    add(b, "addresses", wkt, props);
}

/*
 * The town (local metres):
 *   Ahornweg along y = 0 from x 0 to 200, as two ways drawn towards x = 100
 *   from both ends; north side (y 15) nos. 1, 3, 5, 7, 9, 11 at x 10..110,
 *   south side (y -15) nos. 12, 10, 8 at x 20, 40, 60 (counting down) and
 *   no. 2 at x 170;
 *   Birkenstraße along x = 200 (y -100..100), a T-junction with the
 *   Ahornweg at (200, 0), no. 4 east of it at (215, 50) as "Birkenstr. 4";
 *   a hydrant at (30, 3);
 *   Feldweg along y = 300, without numbers, a bollard (layer "poller") at
 *   (100, 306);
 *   Eschenweg diagonal from (400, 0) to (500, 100);
 *   Doppelallee: two carriageways y = 500 and y = 520;
 *   Rosenplatz: a square (pedestrian area) at x 600..700, y 200..300.
 */
static ge_refsnap *make_town(void)
{
    ge_refbuilder *b;
    ge_refsnap *s;

    assert_int_equal(ge_refindex_builder_new(25832, &b, NULL), GE_OK);
    add(b, "roads", "LINESTRING(0 0, 100 0)",
        "{\"name\": \"Ahornweg\", \"class\": \"residential\"}");
    add(b, "roads", "LINESTRING(200 0, 100 0)",
        "{\"name\": \"Ahornweg\", \"class\": \"residential\"}");
    add(b, "roads", "LINESTRING(200 -100, 200 100)", "{\"name\": \"Birkenstraße\"}");
    add(b, "roads", "LINESTRING(0 300, 200 300)", "{\"name\": \"Feldweg\"}");
    add(b, "roads", "LINESTRING(400 0, 500 100)", "{\"name\": \"Eschenweg\"}");
    add(b, "roads", "LINESTRING(0 500, 200 500)",
        "{\"name\": \"Doppelallee\", \"oneway\": \"yes\"}");
    add(b, "roads", "LINESTRING(200 520, 0 520)",
        "{\"name\": \"Doppelallee\", \"oneway\": \"yes\"}");
    add(b, "roads", "LINESTRING(0 -200, 200 -200)", NULL); /* unnamed */
    add(b, "junctions", "POINT(200 0)",
        "{\"degree\": 3, \"names\": [\"Ahornweg\", \"Birkenstraße\"]}");
    for (int i = 0; i < 6; i++) {
        char nr[8];
        snprintf(nr, sizeof nr, "%d", 1 + 2 * i);
        address(b, 10 + 20 * i, 15, "Ahornweg", nr);
    }
    address(b, 20, -15, "Ahornweg", "12");
    address(b, 40, -15, "Ahornweg", "10");
    address(b, 60, -15, "Ahornweg", "8");
    address(b, 170, -15, "Ahornweg", "2");
    address(b, 215, 50, "Birkenstr.", "4");
    address(b, 215, 80, "Birkenstrasse", "6");
    add(b, "hydrants", "POINT(30 3)", NULL);
    add(b, "poller", "POINT(100 306)", NULL);
    add(b, "pedestrian_areas", "POLYGON((600 200, 700 200, 700 300, 600 300, 600 200))",
        "{\"name\": \"Rosenplatz\", \"place\": \"square\"}");
    address(b, 650, 290, "Rosenplatz", "2");
    assert_int_equal(ge_refindex_builder_finish(b, &s, NULL), GE_OK);
    return s;
}

#define SVC_HEAD                                                                                   \
    "{\"id\":\"t\",\"title\":{\"de\":\"T\",\"en\":\"T\"},\"description\":{\"de\":\"D\",\"en\":"    \
    "\"D\"},\"retention_days\":30,\"rules\":["
#define MSG ",\"messages\":{\"de\":\"x\",\"en\":\"x\"},\"source\":\"test\"}"

static ge_service *service_of(const char *rules)
{
    char doc[4096];
    json_t *j;
    ge_service *s;
    ge_err err = {0};

    snprintf(doc, sizeof doc, SVC_HEAD "%s]}", rules);
    j = json_loads(doc, 0, NULL);
    if (!j) fail_msg("test service is not JSON");
    if (ge_service_parse(j, "test.json", &s, &err) != GE_OK) fail_msg("test service: %s", err.msg);
    json_decref(j);
    return s;
}

/* ---- the demo quarter ----------------------------------------------------------- */

static ge_refsnap *import_demo(void)
{
    ge_refsnap *snap = NULL;
    ts_refdata_import(ts_demo_osm(), "location-demo", 25832, &snap);
    return snap;
}

static int setup(void **state)
{
    (void)state;
    H = ge_geos_ctx();
    TOWN = make_town();
    if (ts_refdata_services(&SERVICES) < 0) return -1;
    POLLER = service_of("{\"id\":\"poller\",\"kind\":\"min_distance\",\"severity\":\"error\","
                        "\"params\":{\"layers\":[\"poller\"],\"min_m\":2}" MSG
                        ",{\"id\":\"hydrant\",\"kind\":\"min_distance\",\"severity\":\"error\","
                        "\"params\":{\"layers\":[\"hydrants\"],\"min_m\":5}" MSG);
    DEMO = import_demo();
    return DEMO ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ge_refsnap_release(TOWN);
    ge_refsnap_release(DEMO);
    ge_services_free(SERVICES);
    ge_service_free(POLLER);
    ge_crs_thread_cleanup();
    ge_geos_thread_cleanup();
    return 0;
}

/* The sentence for g (taken), or fails; NULL when nothing is said. */
static json_t *describe(const ge_refsnap *snap, GEOSGeometry *g, const ge_service *svc)
{
    ge_err err = {0};
    json_t *loc = ge_location_describe(H, snap, g, svc, &err);
    GEOSGeom_destroy_r(H, g);
    if (err.code != GE_OK) fail_msg("ge_location_describe: %s", err.msg);
    return loc;
}

static void expect(json_t *loc, const char *de, const char *en)
{
    if (!loc) fail_msg("no sentence; expected \"%s\"", de);
    const char *got_de = json_string_value(json_object_get(loc, "de"));
    const char *got_en = json_string_value(json_object_get(loc, "en"));
    if (!got_de || strcmp(got_de, de)) fail_msg("de: \"%s\", expected \"%s\"", got_de, de);
    if (!got_en || strcmp(got_en, en)) fail_msg("en: \"%s\", expected \"%s\"", got_en, en);
    json_decref(loc);
}

#define TOWN_AT(wkt, svc, de, en) expect(describe(TOWN, local(wkt), svc), de, en)

/* ---- layer words ------------------------------------------------------------ */

static void test_layer_words(void **state)
{
    const ge_layer_words *w;
    (void)state;

    w = ge_layer_words_find("hydrants");
    assert_true(w->known);
    assert_string_equal(w->de_from, "vom Hydranten");
    assert_string_equal(w->de_plural, "Hydranten");
    assert_string_equal(w->en_from, "from the hydrant");
    assert_string_equal(w->en_plural, "hydrants");
    w = ge_layer_words_find("trees");
    assert_string_equal(w->de_from, "vom Baum");
    assert_string_equal(w->de_plural, "Bäumen");
    assert_string_equal(w->de_plural_nom, "Bäume");
    w = ge_layer_words_find("cycleways");
    assert_string_equal(w->de_from, "vom Radweg");
    assert_string_equal(w->en_plural, "cycle paths");
    assert_string_equal(ge_layer_words_find("buildings")->de_from, "vom Gebäude");
    assert_string_equal(ge_layer_words_find("junctions")->de_plural, "Kreuzungen und Einmündungen");
    assert_string_equal(ge_layer_words_find("junctions")->en_plural, "junctions");

    /* a junction item: three arms are an Einmündung, four a Kreuzung */
    json_t *t = json_pack("{s:i}", "degree", 3), *x = json_pack("{s:i}", "degree", 4);
    assert_string_equal(ge_layer_words_item("junctions", t)->de_from, "von der Einmündung");
    assert_string_equal(ge_layer_words_item("junctions", x)->de_from, "von der Kreuzung");
    assert_string_equal(ge_layer_words_item("junctions", NULL)->de_from, "von der Kreuzung");
    assert_string_equal(ge_layer_words_item("hydrants", t)->de_from, "vom Hydranten");
    json_decref(t);
    json_decref(x);

    /* every layer the OSM mapping makes is in the table */
    char path[4096];
    snprintf(path, sizeof path, "%s/data/layers/osm.json", ts_env("GE_SOURCE_DIR"));
    json_t *mapping = json_load_file(path, 0, NULL), *layer;
    const char *name;
    assert_non_null(mapping);
    json_object_foreach(json_object_get(mapping, "layers"), name, layer)
    {
        if (!ge_layer_words_find(name)->known) fail_msg("layer %s has no words", name);
    }
    json_decref(mapping);

    /* an unknown layer: neutral, with its name, the same entry every time */
    w = ge_layer_words_find("poller");
    assert_false(w->known);
    assert_string_equal(w->layer, "poller");
    assert_string_equal(w->de_from, "vom nächsten Objekt der Ebene „poller“");
    assert_string_equal(w->de_plural, "Objekten der Ebene „poller“");
    assert_string_equal(w->en_from, "from the nearest item of layer “poller”");
    assert_string_equal(w->en_plural, "items of layer “poller”");
    assert_ptr_equal(ge_layer_words_find("poller"), w);
    /* what is no layer name gets no quote of it */
    assert_string_equal(ge_layer_words_find("Poller „x“")->de_from, "vom nächsten Referenzobjekt");
    assert_string_equal(ge_layer_words_find(NULL)->en_from, "from the nearest reference item");
}

/* ---- the synthetic town -------------------------------------------------------- */

static void test_numbers_on_a_straight_street(void **state)
{
    (void)state;
    /* 4 x 2 m, 2 m north of the centre line, 2 m along from no. 5 */
    TOWN_AT("POLYGON((50 1, 54 1, 54 3, 50 3, 50 1))", NULL, "Ahornweg, vor Nr. 5, Nordseite",
            "Ahornweg, in front of no. 5, north side");
    /* half way between 7 and 9 */
    TOWN_AT("POINT(80 2)", NULL, "Ahornweg, zwischen Nr. 7 und 9, Nordseite",
            "Ahornweg, between nos. 7 and 9, north side");
    /* between 9 and 11: in natural order, not "11 und 9" */
    TOWN_AT("POINT(100 2)", NULL, "Ahornweg, zwischen Nr. 9 und 11, Nordseite",
            "Ahornweg, between nos. 9 and 11, north side");
    /* the south side counts down along the frame: still 8 before 10 */
    TOWN_AT("POINT(50 -2)", NULL, "Ahornweg, zwischen Nr. 8 und 10, Südseite",
            "Ahornweg, between nos. 8 and 10, south side");
    /* nothing on the north side near x 172, no. 2 across the street */
    TOWN_AT("POINT(172 3)", NULL, "Ahornweg, gegenüber Nr. 2, Nordseite",
            "Ahornweg, opposite no. 2, north side");
    /* on the centre line: no side, the nearest number either side */
    TOWN_AT("POLYGON((48 -2, 52 -2, 52 2, 48 2, 48 -2))", NULL, "Ahornweg, bei Nr. 5",
            "Ahornweg, near no. 5");
    /* just off the centre line but reaching across it: no side either */
    TOWN_AT("POLYGON((48 -1, 52 -1, 52 4, 48 4, 48 -1))", NULL, "Ahornweg, bei Nr. 5",
            "Ahornweg, near no. 5");
    /* "Birkenstr. 4" and "Birkenstrasse 6" are numbers of the Birkenstraße */
    TOWN_AT("POINT(203 50)", NULL, "Birkenstraße, vor Nr. 4, Ostseite",
            "Birkenstraße, in front of no. 4, east side");
    TOWN_AT("POINT(203 70)", NULL, "Birkenstraße, zwischen Nr. 4 und 6, Ostseite",
            "Birkenstraße, between nos. 4 and 6, east side");
}

static void test_corner_and_sides(void **state)
{
    (void)state;
    /* 4 m from the Ahornweg, 7 m from the Birkenstraße, 8 m from their junction */
    TOWN_AT("POINT(193 4)", NULL, "Ahornweg, Ecke Birkenstraße, Nordseite",
            "Ahornweg, corner of Birkenstraße, north side");
    /* a street without numbers */
    TOWN_AT("POINT(100 303)", NULL, "Feldweg, Nordseite", "Feldweg, north side");
    TOWN_AT("POINT(100 297)", NULL, "Feldweg, Südseite", "Feldweg, south side");
    /* within a metre of the centre line: no side */
    TOWN_AT("POINT(100 300.5)", NULL, "Feldweg", "Feldweg");
    /* a street at 45 degrees: its sides face north-west and south-east */
    TOWN_AT("POINT(447 53)", NULL, "Eschenweg, Nordwestseite", "Eschenweg, north-west side");
    TOWN_AT("POINT(453 47)", NULL, "Eschenweg, Südostseite", "Eschenweg, south-east side");
    /* between the two carriageways of a dual carriageway: no side; beyond one: its side */
    TOWN_AT("POINT(100 510)", NULL, "Doppelallee", "Doppelallee");
    TOWN_AT("POINT(100 525)", NULL, "Doppelallee, Nordseite", "Doppelallee, north side");
    /* a square: its name, numbers near by */
    TOWN_AT("POINT(650 280)", NULL, "Rosenplatz, bei Nr. 2", "Rosenplatz, near no. 2");
    TOWN_AT("POINT(620 220)", NULL, "Rosenplatz", "Rosenplatz");
    /* an unnamed road is no street; no address near: nothing to say */
    assert_null(describe(TOWN, local("POINT(100 -197)"), NULL));
}

static void test_clearance(void **state)
{
    (void)state;
    /* the hydrant (limit 5) 4.6 m away */
    TOWN_AT("POINT(30 7.6)", POLLER, "Ahornweg, vor Nr. 3, Nordseite, 4,6 m vom Hydranten",
            "Ahornweg, in front of no. 3, north side, 4.6 m from the hydrant");
    /* near the limit two decimals, rounded down like the engine's messages */
    TOWN_AT("POINT(30 7.9999)", POLLER, "Ahornweg, vor Nr. 3, Nordseite, 4,99 m vom Hydranten",
            "Ahornweg, in front of no. 3, north side, 4.99 m from the hydrant");
    /* on it */
    TOWN_AT("POINT(30 3)", POLLER, "Ahornweg, vor Nr. 3, Nordseite, am Hydranten",
            "Ahornweg, in front of no. 3, north side, at the hydrant");
    /* farther than the limit plus 10 m: not told */
    TOWN_AT("POINT(50 2)", POLLER, "Ahornweg, vor Nr. 5, Nordseite",
            "Ahornweg, in front of no. 5, north side");
    /* a layer the table does not know: the neutral form with its name */
    TOWN_AT("POINT(100 303)", POLLER,
            "Feldweg, Nordseite, 3 m vom nächsten Objekt der Ebene „poller“",
            "Feldweg, north side, 3 m from the nearest item of layer “poller”");
    /* without a service, no clearance */
    TOWN_AT("POINT(30 7.6)", NULL, "Ahornweg, vor Nr. 3, Nordseite",
            "Ahornweg, in front of no. 3, north side");
}

/* A feature 40 m across or more is on a street only when all of it is
 * near the street; it gets no corner, no house number and no "am ...". */
static void test_big_features(void **state)
{
    (void)state;
    /* 100 x 100 m across the Ahornweg: its centre is on the street, most of it is not */
    assert_null(describe(TOWN, local("POLYGON((50 -50, 150 -50, 150 50, 50 50, 50 -50))"), POLLER));
    /* a 160 m fence along the Feldweg */
    TOWN_AT("LINESTRING(20 303, 180 303)", POLLER,
            "Feldweg, Nordseite, 3 m vom nächsten Objekt der Ebene „poller“",
            "Feldweg, north side, 3 m from the nearest item of layer “poller”");
    /* 60 m along the Ahornweg over the hydrant: no "am Hydranten" */
    TOWN_AT("POLYGON((0 1, 60 1, 60 10, 0 10, 0 1))", POLLER, "Ahornweg, Nordseite",
            "Ahornweg, north side");
}

static void test_far_from_everything(void **state)
{
    ge_err err = {.code = GE_EINTERNAL};
    GEOSGeometry *g = local("POINT(5000 5000)");
    (void)state;
    /* NULL, and err says it is no failure */
    assert_null(ge_location_describe(H, TOWN, g, POLLER, &err));
    assert_int_equal(err.code, GE_OK);
    /* no snapshot: the same */
    err.code = GE_EINTERNAL;
    assert_null(ge_location_describe(H, NULL, g, POLLER, &err));
    assert_int_equal(err.code, GE_OK);
    GEOSGeom_destroy_r(H, g);
}

/* The engine adds the sentence to every feature's measures, and none where
 * nothing can be said. */
static void test_in_the_report(void **state)
{
    ge_feature items[2] = {{.geom = local("POINT(30 7.6)")}, {.geom = local("POINT(5000 5000)")}};
    ge_features fs = {.items = items, .n = 2};
    ge_rules_input in;
    json_t *report = NULL, *m;
    ge_err err = {0};
    (void)state;

    ge_rules_input_init(&in);
    in.service = POLLER;
    in.features = &fs;
    in.srid = 25832;
    assert_int_equal(ge_rules_validate(H, TOWN, &in, &report, &err), GE_OK);
    m = json_object_get(report, "measures");
    assert_int_equal(json_array_size(m), 2);
    expect(json_incref(json_object_get(json_array_get(m, 0), "location")),
           "Ahornweg, vor Nr. 3, Nordseite, 4,6 m vom Hydranten",
           "Ahornweg, in front of no. 3, north side, 4.6 m from the hydrant");
    assert_null(json_object_get(json_array_get(m, 1), "location"));
    json_decref(report);
    GEOSGeom_destroy_r(H, items[0].geom);
    GEOSGeom_destroy_r(H, items[1].geom);
}

/* ---- the demo quarter ------------------------------------------------------------ */

/* make_demo.py's local metres to the store CRS (EPSG:25832), as it makes them. */
static void demo_xy(double x, double y, double *ex, double *ny)
{
    const double lon0 = 9.93, lat0 = 51.54, m_lat = 111320.0;
    const double m_lon = 111320.0 * cos(lat0 * M_PI / 180.0);
    double xy[2] = {lon0 + x / m_lon, lat0 + y / m_lat};
    ge_crs utm;
    ge_crs_from_epsg(25832, &utm, NULL);
    assert_int_equal(ge_crs_transform(&GE_CRS84, &utm, xy, 1, NULL), GE_OK);
    *ex = xy[0];
    *ny = xy[1];
}

/* A box of demo metres, in the store CRS. */
static GEOSGeometry *demo_box(double x0, double y0, double x1, double y1)
{
    double xy[10];
    demo_xy(x0, y0, &xy[0], &xy[1]);
    demo_xy(x1, y0, &xy[2], &xy[3]);
    demo_xy(x1, y1, &xy[4], &xy[5]);
    demo_xy(x0, y1, &xy[6], &xy[7]);
    xy[8] = xy[0];
    xy[9] = xy[1];
    return GEOSGeom_createPolygon_r(
        H, GEOSGeom_createLinearRing_r(H, GEOSCoordSeq_copyFromBuffer_r(H, xy, 5, 0, 0)), NULL, 0);
}

static GEOSGeometry *demo_point(double x, double y)
{
    double ex, ny;
    demo_xy(x, y, &ex, &ny);
    return GEOSGeom_createPointFromXY_r(H, ex, ny);
}

static void test_demo_spots(void **state)
{
    const ge_service *skip = ge_services_find(SERVICES, "skip-container");
    const ge_service *stand = ge_services_find(SERVICES, "info-stand");
    (void)state;
    assert_non_null(skip);
    /* Lindenallee (y -100, 6.5 m wide): no. 15's house spans x -95..-83 on
     * the north side; a hydrant stands at (-85, -95.5) */
    expect(describe(DEMO, demo_box(-95, -98.5, -91, -96.5), skip),
           "Lindenallee, vor Nr. 15, Nordseite, 6 m vom Hydranten",
           "Lindenallee, in front of no. 15, north side, 6 m from the hydrant");
    /* between the houses of nos. 9 (x -155..-143) and 11 (x -135..-123);
     * the lime trees stand every 12 m on the south kerb (y -106) */
    expect(describe(DEMO, demo_box(-141, -98.5, -137, -96.5), skip),
           "Lindenallee, zwischen Nr. 9 und 11, Nordseite, 7,5 m vom Baum",
           "Lindenallee, between nos. 9 and 11, north side, 7.5 m from the tree");
    /* west of the Schulstraße only the south side is built: no. 12 (x -320..-308) */
    expect(describe(DEMO, demo_box(-316, -98.5, -312, -96.5), skip),
           "Lindenallee, gegenüber Nr. 12, Nordseite, 7,7 m vom Baum",
           "Lindenallee, opposite no. 12, north side, 7.7 m from the tree");
    /* the Kirchweg ends at the Lindenallee at (0, -100): a T-junction */
    expect(describe(DEMO, demo_box(-13, -98.5, -9, -96.5), skip),
           "Lindenallee, Ecke Kirchweg, Nordseite, 9,1 m von der Einmündung",
           "Lindenallee, corner of Kirchweg, north side, 9.1 m from the junction");
    /* the school's address node, Am Anger 3 at (-180, 35), north of the lane */
    expect(describe(DEMO, demo_point(-180, 21.5), stand), "Am Anger, vor Nr. 3, Nordseite",
           "Am Anger, in front of no. 3, north side");
    /* an information stand on the market square, far from any street */
    expect(describe(DEMO, demo_point(90, 60), stand), "Marktplatz", "Marktplatz");
}

/* The cost: a skip container every 2 m along both kerbs of every demo
 * street segment; printed, never asserted. */
static void test_demo_cost(void **state)
{
    const ge_service *skip = ge_services_find(SERVICES, "skip-container");
    const ge_reflayer *roads = ge_refsnap_layer(DEMO, "roads");
    struct timespec t0, t1;
    size_t n = 0, said = 0;
    double ms;
    (void)state;

    assert_non_null(roads);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (size_t i = 0; i < ge_reflayer_size(roads); i++) {
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(H, ge_reflayer_item(roads, i)->geom);
        unsigned size = 0;
        GEOSCoordSeq_getSize_r(H, seq, &size);
        for (unsigned k = 0; k + 1 < size; k++) {
            double x0, y0, x1, y1, len, ux, uy;
            GEOSCoordSeq_getXY_r(H, seq, k, &x0, &y0);
            GEOSCoordSeq_getXY_r(H, seq, k + 1, &x1, &y1);
            len = hypot(x1 - x0, y1 - y0);
            ux = (x1 - x0) / len;
            uy = (y1 - y0) / len;
            for (double u = 2; u + 4 < len; u += 2)
                for (int side = -1; side <= 1; side += 2) {
                    double bx = x0 + u * ux - side * 3 * uy, by = y0 + u * uy + side * 3 * ux;
                    GEOSGeometry *g = GEOSGeom_createRectangle_r(H, bx - 2, by - 1, bx + 2, by + 1);
                    json_t *loc = describe(DEMO, g, skip);
                    said += loc != NULL;
                    json_decref(loc);
                    n++;
                }
        }
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("demo quarter: %zu sentences for %zu skip containers along the streets, "
           "%.1f us of CPU time per feature\n",
           said, n, 1000.0 * ms / (double)n);
    assert_true(n > 1000);
    assert_true(said == n);

    /* the heaviest drawing a request may hold: a saw-toothed ring of 9,999
     * vertices, 500 m across the quarter (as tests/api/test_api_compute_budget.c) */
    double *xy = malloc(2 * 10000 * sizeof *xy);
    assert_non_null(xy);
    for (int i = 0; i <= 9999; i++) {
        double a = 2 * M_PI * (i % 9999) / 9999, r = 250 + ((i % 9999) % 2 ? 20 : 0);
        demo_xy(r * cos(a), r * sin(a), &xy[2 * i], &xy[2 * i + 1]);
    }
    GEOSGeometry *ring = GEOSGeom_createPolygon_r(
        H, GEOSGeom_createLinearRing_r(H, GEOSCoordSeq_copyFromBuffer_r(H, xy, 10000, 0, 0)), NULL,
        0);
    free(xy);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    json_t *loc = describe(DEMO, ring, skip);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    printf("a 9,999-vertex drawing across the quarter: %.1f ms of CPU time, \"%s\"\n",
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
           loc ? json_string_value(json_object_get(loc, "de")) : "(nothing)");
    json_decref(loc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_words),
        cmocka_unit_test(test_numbers_on_a_straight_street),
        cmocka_unit_test(test_corner_and_sides),
        cmocka_unit_test(test_clearance),
        cmocka_unit_test(test_big_features),
        cmocka_unit_test(test_far_from_everything),
        cmocka_unit_test(test_in_the_report),
        cmocka_unit_test(test_demo_spots),
        cmocka_unit_test(test_demo_cost),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
