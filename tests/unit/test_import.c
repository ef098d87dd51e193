/*
 * test_import.c - the importer (geo/import/import.h): the shared OSM extract with
 * data/layers/osm.json (counts, coordinates, boundary, street space,
 * re-import), a city's own GeoPackage and GeoJSON with a mapping of their
 * own, the boundary fallbacks, and every error an import can meet, each
 * leaving the store as it was.
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
#include <sys/stat.h>
#include <time.h>

#include <gdal.h>
#include <geos_c.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_vsi.h>
#include <zlib.h>

#include "import.h"
#include "import_mapping.h"
#include "store.h"
#include "ts.h"
#include "ts_pg.h"

/* ---- helpers -------------------------------------------------------------- */

typedef struct report_log {
    int progress;        /* final == false */
    char text[16384];    /* final lines, '\n'-separated */
    char warnings[4096]; /* opts.warn lines, '\n'-separated */
} report_log;

static void warn_cb(void *ud, const char *line)
{
    report_log *log = ud;
    size_t len = strlen(log->warnings);
    snprintf(log->warnings + len, sizeof log->warnings - len, "%s\n", line);
}

static void report_cb(void *ud, bool final, const char *line)
{
    report_log *log = ud;
    size_t len;
    if (!final) {
        log->progress++;
        return;
    }
    len = strlen(log->text);
    snprintf(log->text + len, sizeof log->text - len, "%s\n", line);
}

static ge_store *open_store(const char *path, int srid)
{
    ge_store_opts o = {.path = path, .srid = srid};
    ge_store *st = NULL;
    ge_err err = {0};
    if (ge_store_open(&st, &o, &err) != GE_OK) fail_msg("ge_store_open(%s): %s", path, err.msg);
    return st;
}

static int run_import(ge_store *st, const char *source, const char *mapping, const char *boundary,
                      ge_import_result *res, report_log *log, ge_err *err)
{
    const char *sources[] = {source};
    ge_import_opts o = {.sources = sources,
                        .nsources = 1,
                        .mapping_path = mapping,
                        .boundary_path = boundary,
                        .report = log ? report_cb : NULL,
                        .warn = log ? warn_cb : NULL,
                        .report_ud = log};
    if (log) memset(log, 0, sizeof *log);
    return ge_import_run(st, &o, time(NULL), res, err);
}

static const ge_import_layer_result *result_of(const ge_import_result *res, const char *layer)
{
    for (size_t i = 0; i < res->nlayers; i++)
        if (strcmp(res->layers[i].layer, layer) == 0) return &res->layers[i];
    fail_msg("no result for layer %s", layer);
    return NULL;
}

static const char *osm_mapping(void)
{
    return ts_path(ts_env("GE_SOURCE_DIR"), "data/layers/osm.json");
}

/* Every feature of a layer as GEOS geometries (a collection), props kept. */
typedef struct layer_geoms {
    GEOSContextHandle_t gh;
    GEOSWKBReader *rd;
    GEOSGeometry **g;
    char **props;
    size_t n, cap;
} layer_geoms;

static int collect_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                      const char *props)
{
    layer_geoms *lg = ud;
    if (lg->n == lg->cap) {
        lg->cap = lg->cap ? lg->cap * 2 : 256;
        lg->g = realloc(lg->g, lg->cap * sizeof *lg->g);
        lg->props = realloc(lg->props, lg->cap * sizeof *lg->props);
        assert_non_null(lg->g);
        assert_non_null(lg->props);
    }
    lg->g[lg->n] = GEOSWKBReader_read_r(lg->gh, lg->rd, wkb, len);
    assert_non_null(lg->g[lg->n]);
    lg->props[lg->n] = strdup(props);
    lg->n++;
    return 0;
}

static layer_geoms load_layer(ge_store *st, GEOSContextHandle_t gh, const char *name)
{
    layer_geoms lg = {.gh = gh};
    ge_err err = {0};
    lg.rd = GEOSWKBReader_create_r(gh);
    if (ge_store_layer_scan(st, name, collect_cb, &lg, &err) != GE_OK)
        fail_msg("scan %s: %s", name, err.msg);
    return lg;
}

static void free_layer(layer_geoms *lg)
{
    for (size_t i = 0; i < lg->n; i++) {
        GEOSGeom_destroy_r(lg->gh, lg->g[i]);
        free(lg->props[i]);
    }
    free(lg->g);
    free(lg->props);
    GEOSWKBReader_destroy_r(lg->gh, lg->rd);
}

/* FNV-1a over everything a reader can see: metadata and every feature. */
typedef struct digest {
    uint64_t h;
} digest;

static void digest_add(digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 0x100000001b3ull;
}

static int digest_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    digest_add(ud, &fid, sizeof fid);
    digest_add(ud, wkb, len);
    digest_add(ud, props, strlen(props));
    return 0;
}

static uint64_t store_digest(ge_store *st)
{
    digest d = {0xcbf29ce484222325ull};
    ge_layer_info *list = NULL;
    size_t n = 0;
    ge_err err = {0};
    assert_int_equal(ge_store_layer_list(st, &list, &n, &err), GE_OK);
    for (size_t i = 0; i < n; i++) {
        digest_add(&d, &list[i], sizeof list[i]);
        assert_int_equal(ge_store_layer_scan(st, list[i].name, digest_cb, &d, &err), GE_OK);
    }
    free(list);
    return d.h;
}

static uint64_t file_digest(const char *path)
{
    digest d = {0xcbf29ce484222325ull};
    unsigned char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        digest_add(&d, buf, n);
    fclose(f);
    return d.h;
}

static GEOSContextHandle_t geos_new(void)
{
    GEOSContextHandle_t gh = GEOS_init_r();
    assert_non_null(gh);
    return gh;
}

/* ---- the shared OSM extract ----------------------------------------------- */

/* Imported once (group setup); the tests below read this store. */
static struct {
    const char *osm;
    char dir[4096];
    char path[4096];
    ge_store *st;
    ge_import_result res;
    report_log log;
    double seconds;
} osm;

static int osm_setup(void **state)
{
    ge_err err = {0};
    struct timespec t0, t1;
    int rc;

    osm.osm = ts_shared_osm();
    if (!osm.osm) return 0;
    snprintf(osm.dir, sizeof osm.dir, "%s", ts_tmpdir("import-osm"));
    snprintf(osm.path, sizeof osm.path, "%s/geo.sqlite", osm.dir);
    /* GE_TEST_STORE=postgis: the same group on a PostGIS database */
    const char *backend = getenv("GE_TEST_STORE");
    if (backend && strcmp(backend, "postgis") == 0) {
        const char *uri = ts_pg_db("import_osm", 1);
        if (!uri) {
            osm.osm = NULL; /* the cases skip */
            return 0;
        }
        snprintf(osm.path, sizeof osm.path, "%s", uri);
    }
    osm.st = open_store(osm.path, 25833);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = run_import(osm.st, osm.osm, osm_mapping(), NULL, &osm.res, &osm.log, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != GE_OK) {
        fprintf(stderr, "import failed: %s\n", err.msg);
        return -1;
    }
    osm.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "shared extract imported in %.2f s:\n%s", osm.seconds, osm.log.text);
    return 0;
}

static int osm_teardown(void **state)
{
    ge_import_result_free(&osm.res);
    ge_store_close(osm.st);
    return 0;
}

#define NEED_OSM()                                                                                 \
    do {                                                                                           \
        if (!osm.osm) {                                                                            \
            fprintf(stderr, "SKIP: the shared OSM extract is absent\n");                           \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static int64_t count_of(const char *layer)
{
    ge_layer_info li;
    ge_err err = {0};
    if (ge_store_layer_get(osm.st, layer, &li, &err) != GE_OK) fail_msg("%s", err.msg);
    assert_int_equal(li.feature_count, result_of(&osm.res, layer)->count);
    return li.feature_count;
}

static void test_osm_counts(void **state)
{
    NEED_OSM();
    /* the true counts, from ogrinfo on the extract (data/README.md) */
    assert_int_equal(count_of("hydrants"), 46);
    assert_in_range(count_of("buildings"), 3700, 3740); /* 3,720 building polygons */
    assert_in_range(count_of("trees"), 2860, 2870);     /* 2,866 natural=tree */
    assert_int_equal(count_of("boundary"), 1);
    assert_in_range(count_of("street_space"), 1, 500);
    assert_in_range(count_of("junctions"), 101, 400);
    assert_in_range(count_of("cycleways"), 234, 400); /* 144 ways + sides of 90 roads */
    assert_in_range(count_of("addresses"), 1400,
                    2700); /* 1,470 points + 1,205 areas, less repeats */
    assert_in_range(count_of("roads"), 600, 1500);
    assert_in_range(count_of("paths"), 1000, 2000); /* 1,433 footways, paths and steps */
    assert_in_range(count_of("landuse"), 250, 350);
    assert_in_range(count_of("water"), 1, 20);

    /* no pedestrian zone, no square: reported missing, not an error */
    const ge_import_layer_result *ped = result_of(&osm.res, "pedestrian_areas");
    assert_true(ped->missing);
    assert_int_equal(ped->count, 0);
    assert_non_null(strstr(osm.log.text, "pedestrian_areas: missing"));
    for (size_t i = 0; i < osm.res.nlayers; i++)
        if (strcmp(osm.res.layers[i].layer, "pedestrian_areas") != 0)
            assert_false(osm.res.layers[i].missing);

    /* a final line per layer, progress lines along the way */
    assert_non_null(strstr(osm.log.text, "hydrants: 46 features"));
    assert_true(osm.log.progress > 10);
    assert_non_null(strstr(result_of(&osm.res, "street_space")->note, "street-area polygons"));
    fprintf(stderr, "import time: %.2f s\n", osm.seconds);
}

static void test_osm_metadata_and_coordinates(void **state)
{
    ge_layer_info *list = NULL;
    size_t n = 0;
    ge_err err = {0};

    NEED_OSM();
    assert_int_equal(ge_store_layer_list(osm.st, &list, &n, &err), GE_OK);
    assert_int_equal(n, 13);
    for (size_t i = 0; i < n; i++) {
        ge_layer_info *li = &list[i];
        assert_int_equal(li->srid, 25833);
        assert_int_equal(li->version, 1);
        assert_string_equal(li->attribution, "(c) OpenStreetMap contributors");
        assert_string_equal(li->source, "berlin-borsigwalde.osm.pbf");
        if (li->feature_count == 0) continue;
        /* ETRS89 / UTM 33N metres: Borsigwalde lies at about 384-387 km E, 5,826-5,829 km N */
        if (!(li->bbox[0] > 383000 && li->bbox[2] < 388000 && li->bbox[1] > 5825000 &&
              li->bbox[3] < 5830000))
            fail_msg("layer %s: bbox %.0f %.0f %.0f %.0f is not in Borsigwalde (EPSG:25833)",
                     li->name, li->bbox[0], li->bbox[1], li->bbox[2], li->bbox[3]);
    }
    free(list);

    ge_layer_info li;
    assert_int_equal(ge_store_layer_get(osm.st, "hydrants", &li, &err), GE_OK);
    assert_string_equal(li.geometry_type, "Point");
    assert_string_equal(li.title, "Hydranten");
    assert_int_equal(ge_store_layer_get(osm.st, "roads", &li, &err), GE_OK);
    assert_string_equal(li.geometry_type, "LineString");
    assert_int_equal(ge_store_layer_get(osm.st, "street_space", &li, &err), GE_OK);
    assert_string_equal(li.geometry_type, "Polygon");
}

static void test_osm_boundary(void **state)
{
    GEOSContextHandle_t gh;
    layer_geoms b;
    double area = 0;

    NEED_OSM();
    gh = geos_new();
    b = load_layer(osm.st, gh, "boundary");
    assert_int_equal(b.n, 1);
    assert_int_equal(GEOSisValid_r(gh, b.g[0]), 1);
    GEOSArea_r(gh, b.g[0], &area);
    /* Borsigwalde: about 2.0 km² */
    if (!(area > 1.5e6 && area < 3.0e6))
        fail_msg("boundary area %.0f m² is not plausible for Borsigwalde", area);
    assert_non_null(strstr(b.props[0], "\"name\":\"Borsigwalde\""));
    assert_non_null(strstr(b.props[0], "\"admin_level\":10"));
    free_layer(&b);
    GEOS_finish_r(gh);

    /* Borsigwalde is one district of the extract (which reaches into Wittenau):
     * it holds about 40 % of the imported features, and the importer says so,
     * naming the way out. */
    fprintf(stderr, "warnings of the shared extract's import:\n%s", osm.log.warnings);
    assert_non_null(strstr(osm.log.warnings, "boundary: the boundary holds only"));
    assert_non_null(strstr(osm.log.warnings, "--boundary FILE"));
    int share = -1;
    const char *at = strstr(osm.log.warnings, "holds only ");
    assert_non_null(at);
    assert_int_equal(sscanf(at, "holds only %d %%", &share), 1);
    assert_in_range(share, 30, 49);
    assert_non_null(strstr(result_of(&osm.res, "boundary")->note, "WARNING: holds only"));
    assert_non_null(strstr(osm.log.text, "boundary: 1 feature (")); /* the report line */
    assert_non_null(strstr(osm.log.text, "WARNING: holds only"));
}

/* The street space covers the road centrelines: every public road is in it. */
static void test_osm_street_space_covers_roads(void **state)
{
    GEOSContextHandle_t gh;
    layer_geoms ss, roads;
    GEOSGeometry *all, *u;
    const GEOSPreparedGeometry *prep;
    double total = 0, covered = 0, area = 0;

    NEED_OSM();
    gh = geos_new();
    ss = load_layer(osm.st, gh, "street_space");
    roads = load_layer(osm.st, gh, "roads");
    assert_true(ss.n > 0 && roads.n > 0);
    for (size_t i = 0; i < ss.n; i++) {
        double a = 0;
        assert_int_equal(GEOSisValid_r(gh, ss.g[i]), 1);
        assert_int_equal(GEOSGeomTypeId_r(gh, ss.g[i]), GEOS_POLYGON);
        GEOSArea_r(gh, ss.g[i], &a);
        area += a;
    }
    /* 61 km of road at 5-10 m: some 0.3-0.7 km² */
    assert_true(area > 2.0e5 && area < 1.5e6);
    all = GEOSGeom_createCollection_r(gh, GEOS_GEOMETRYCOLLECTION, ss.g, (unsigned)ss.n);
    for (size_t i = 0; i < ss.n; i++)
        free(ss.props[i]);
    ss.n = 0; /* the geometries are now owned by `all` */
    u = GEOSUnaryUnion_r(gh, all);
    prep = GEOSPrepare_r(gh, u);
    for (size_t i = 0; i < roads.n; i++) {
        double len = 0, in = 0;
        GEOSLength_r(gh, roads.g[i], &len);
        total += len;
        if (GEOSPreparedCovers_r(gh, prep, roads.g[i])) {
            covered += len;
        } else {
            GEOSGeometry *x = GEOSIntersection_r(gh, roads.g[i], u);
            GEOSLength_r(gh, x, &in);
            covered += in;
            GEOSGeom_destroy_r(gh, x);
        }
    }
    fprintf(stderr, "street space %.3f km², covers %.1f of %.1f km of road centrelines\n",
            area / 1e6, covered / 1000, total / 1000);
    assert_true(covered / total > 0.95);
    GEOSPreparedGeom_destroy_r(gh, prep);
    GEOSGeom_destroy_r(gh, u);
    GEOSGeom_destroy_r(gh, all);
    free_layer(&ss);
    free_layer(&roads);
    GEOS_finish_r(gh);
}

static void test_osm_derived_props(void **state)
{
    GEOSContextHandle_t gh;
    layer_geoms j, c, a;
    size_t lanes = 0, tracks = 0, ways = 0, left = 0, right = 0, named = 0;

    NEED_OSM();
    gh = geos_new();
    j = load_layer(osm.st, gh, "junctions");
    for (size_t i = 0; i < j.n; i++) {
        assert_non_null(strstr(j.props[i], "\"degree\":"));
        assert_null(strstr(j.props[i], "\"degree\":1,"));
        assert_null(strstr(j.props[i], "\"degree\":2,"));
        named += strstr(j.props[i], "\"names\":[\"") != NULL;
        assert_int_equal(GEOSGeomTypeId_r(gh, j.g[i]), GEOS_POINT);
    }
    assert_true(named > j.n / 2);

    c = load_layer(osm.st, gh, "cycleways");
    for (size_t i = 0; i < c.n; i++) {
        lanes += strstr(c.props[i], "\"kind\":\"lane\"") != NULL;
        tracks += strstr(c.props[i], "\"kind\":\"track\"") != NULL;
        ways += strstr(c.props[i], "\"kind\":\"cycleway\"") != NULL;
        left += strstr(c.props[i], "\"side\":\"left\"") != NULL;
        right += strstr(c.props[i], "\"side\":\"right\"") != NULL;
    }
    assert_int_equal(ways, 144);
    assert_true(lanes > 20 && tracks > 20);
    assert_int_equal(left + right, lanes + tracks);
    assert_true(left > 0 && right > 0);

    a = load_layer(osm.st, gh, "addresses");
    for (size_t i = 0; i < a.n; i++) {
        assert_non_null(strstr(a.props[i], "\"housenumber\":"));
        assert_non_null(strstr(a.props[i], "\"label\":"));
        assert_int_equal(GEOSGeomTypeId_r(gh, a.g[i]), GEOS_POINT);
    }
    free_layer(&j);
    free_layer(&c);
    free_layer(&a);
    GEOS_finish_r(gh);
}

/* A lane on the left lies left of its road, at about half the road's width. */
static void test_osm_cycle_lanes_on_their_side(void **state)
{
    GEOSContextHandle_t gh;
    layer_geoms c, roads;
    size_t checked = 0;

    NEED_OSM();
    gh = geos_new();
    c = load_layer(osm.st, gh, "cycleways");
    roads = load_layer(osm.st, gh, "roads");
    for (size_t i = 0; i < c.n && checked < 20; i++) {
        const char *id = strstr(c.props[i], "\"osm_id\":\"");
        bool is_left = strstr(c.props[i], "\"side\":\"left\"") != NULL;
        char key[64];
        if (!id || strstr(c.props[i], "\"kind\":\"cycleway\"") ||
            GEOSGeomTypeId_r(gh, c.g[i]) != GEOS_LINESTRING)
            continue;
        snprintf(key, sizeof key, "%.*s", (int)(strchr(id + 10, '"') - id + 1), id);
        for (size_t k = 0; k < roads.n; k++) {
            double x0, y0, x1, y1, px, py, dist = 0;
            GEOSGeometry *mid;
            if (!strstr(roads.props[k], key) || GEOSGeomTypeId_r(gh, roads.g[k]) != GEOS_LINESTRING)
                continue;
            /* the side of the lane's middle against the road's nearest segment */
            mid = GEOSInterpolateNormalized_r(gh, c.g[i], 0.5);
            GEOSGeomGetX_r(gh, mid, &px);
            GEOSGeomGetY_r(gh, mid, &py);
            GEOSDistance_r(gh, mid, roads.g[k], &dist);
            double at = GEOSProject_r(gh, roads.g[k], mid);
            double len = 0;
            GEOSLength_r(gh, roads.g[k], &len);
            GEOSGeometry *p0 = GEOSInterpolate_r(gh, roads.g[k], fmax(0, at - 1));
            GEOSGeometry *p1 = GEOSInterpolate_r(gh, roads.g[k], fmin(len, at + 1));
            GEOSGeomGetX_r(gh, p0, &x0);
            GEOSGeomGetY_r(gh, p0, &y0);
            GEOSGeomGetX_r(gh, p1, &x1);
            GEOSGeomGetY_r(gh, p1, &y1);
            double cross = (x1 - x0) * (py - y0) - (y1 - y0) * (px - x0);
            if (is_left)
                assert_true(cross > 0);
            else
                assert_true(cross < 0);
            assert_true(dist > 0.5 && dist < 10.0);
            GEOSGeom_destroy_r(gh, p0);
            GEOSGeom_destroy_r(gh, p1);
            GEOSGeom_destroy_r(gh, mid);
            checked++;
            break;
        }
    }
    assert_true(checked >= 10);
    free_layer(&c);
    free_layer(&roads);
    GEOS_finish_r(gh);
}

/* Importing again replaces every layer: same counts, versions one up. */
static void test_osm_reimport(void **state)
{
    ge_import_result res;
    report_log *log;
    ge_err err = {0};
    ge_layer_info *list = NULL;
    size_t n = 0;

    NEED_OSM();
    log = calloc(1, sizeof *log);
    assert_int_equal(run_import(osm.st, osm.osm, osm_mapping(), NULL, &res, log, &err), GE_OK);
    assert_int_equal(res.nlayers, osm.res.nlayers);
    for (size_t i = 0; i < res.nlayers; i++) {
        assert_string_equal(res.layers[i].layer, osm.res.layers[i].layer);
        assert_int_equal(res.layers[i].count, osm.res.layers[i].count);
    }
    assert_int_equal(ge_store_layer_list(osm.st, &list, &n, &err), GE_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list[i].version, 2);
        assert_int_equal(list[i].feature_count, result_of(&res, list[i].name)->count);
    }
    free(list);
    ge_import_result_free(&res);
    free(log);
}

/* Failed imports of every kind leave the store exactly as it was. */
static void test_osm_failed_import_leaves_store(void **state)
{
    const char *dir, *corrupt, *truncated, *badwhere;
    ge_import_result res;
    ge_err err = {0};
    uint64_t before, file_before;
    FILE *in, *out;
    char buf[4096];
    size_t total = 0, n;

    NEED_OSM();
    dir = ts_tmpdir("import-fail");
    corrupt = ts_path(dir, "random.osm.pbf");
    truncated = ts_path(dir, "truncated.osm.pbf");
    badwhere = ts_path(dir, "badwhere.json");

    /* random bytes named .osm.pbf */
    out = fopen(corrupt, "wb");
    assert_non_null(out);
    srand(42);
    for (int i = 0; i < 100000; i++)
        fputc(rand() & 0xff, out);
    fclose(out);
    /* the first fifth of the real extract */
    in = fopen(osm.osm, "rb");
    out = fopen(truncated, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while (total < 200000 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        fwrite(buf, 1, n, out);
        total += n;
    }
    fclose(in);
    fclose(out);
    /* a mapping that fails in its second layer, after the first was written */
    ts_write_text(badwhere, "{\"layers\": {"
                            "\"hydrants\": {\"source\": \"points\", \"geometry\": \"point\"},"
                            "\"trees\": {\"source\": \"points\", \"geometry\": \"point\","
                            "            \"where\": \"no_such_column = 'tree'\"}}}");

    before = store_digest(osm.st);
    assert_int_equal(run_import(osm.st, corrupt, osm_mapping(), NULL, &res, NULL, &err), GE_EIO);
    assert_non_null(strstr(err.msg, "random.osm.pbf"));
    assert_int_equal(res.nlayers, 0);
    assert_int_equal(store_digest(osm.st), before);

    assert_int_equal(run_import(osm.st, truncated, osm_mapping(), NULL, &res, NULL, &err), GE_EIO);
    assert_non_null(strstr(err.msg, "truncated.osm.pbf"));
    assert_int_equal(store_digest(osm.st), before);

    assert_int_equal(run_import(osm.st, osm.osm, badwhere, NULL, &res, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "layers.trees.where"));
    assert_non_null(strstr(err.msg, "no_such_column"));
    assert_int_equal(store_digest(osm.st), before);

    /* and the file itself is byte for byte the same */
    if (ge_store_path_is_postgres(osm.path)) return; /* no file */
    ge_store_close(osm.st);
    file_before = file_digest(osm.path);
    osm.st = open_store(osm.path, 25833);
    assert_int_equal(run_import(osm.st, corrupt, osm_mapping(), NULL, &res, NULL, &err), GE_EIO);
    assert_int_equal(run_import(osm.st, osm.osm, badwhere, NULL, &res, NULL, &err), GE_EINVAL);
    ge_store_close(osm.st);
    assert_true(file_digest(osm.path) == file_before);
    osm.st = open_store(osm.path, 25833);
    assert_int_equal(store_digest(osm.st), before);
}

/* ---- a city's own files --------------------------------------------------- */

/* Writes hydranten.gpkg (EPSG:25832, layer "hydranten": art, nummer) with OGR. */
static void write_city_gpkg(const char *path)
{
    GDALDriverH drv;
    GDALDatasetH ds;
    OGRSpatialReferenceH srs;
    OGRLayerH layer;
    OGRFieldDefnH fd;
    static const struct {
        double x, y;
        const char *art;
        int nummer;
    } rows[] = {{790000, 5833000, "Unterflur", 101},
                {790100, 5833050, "Ueberflur", 102},
                {790200, 5833100, "ausser Betrieb", 103}};

    GDALAllRegister();
    drv = GDALGetDriverByName("GPKG");
    assert_non_null(drv);
    ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 25832);
    layer = GDALDatasetCreateLayer(ds, "hydranten", srs, wkbPoint, NULL);
    assert_non_null(layer);
    fd = OGR_Fld_Create("art", OFTString);
    OGR_L_CreateField(layer, fd, TRUE);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("nummer", OFTInteger);
    OGR_L_CreateField(layer, fd, TRUE);
    OGR_Fld_Destroy(fd);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(layer));
        OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(g, 0, rows[i].x, rows[i].y);
        OGR_F_SetGeometryDirectly(f, g);
        OGR_F_SetFieldString(f, 0, rows[i].art);
        OGR_F_SetFieldInteger(f, 1, rows[i].nummer);
        assert_int_equal(OGR_L_CreateFeature(layer, f), OGRERR_NONE);
        OGR_F_Destroy(f);
    }
    OSRDestroySpatialReference(srs);
    GDALClose(ds);
}

typedef struct first_point {
    double x, y;
    char props[256];
    int n;
} first_point;

static int first_point_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                          const char *props)
{
    first_point *fp = ud;
    if (fp->n++ == 0) {
        assert_true(len == 21 && wkb[0] == 1 && wkb[1] == 1); /* ISO WKB point, little endian */
        memcpy(&fp->x, wkb + 5, 8);
        memcpy(&fp->y, wkb + 13, 8);
        snprintf(fp->props, sizeof fp->props, "%s", props);
    }
    return 0;
}

static void test_city_geopackage(void **state)
{
    const char *dir = ts_tmpdir("import-city");
    const char *gpkg = ts_path(dir, "hydranten.gpkg");
    const char *mapping = ts_path(dir, "city.json");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_result res;
    report_log *log = calloc(1, sizeof *log);
    ge_layer_info li;
    ge_err err = {0};
    first_point fp = {0};

    write_city_gpkg(gpkg);
    ts_write_text(
        mapping,
        "{\n"
        "  \"attribution\": \"Stadt Musterstadt\",\n"
        "  \"layers\": {\n"
        "    \"hydrants\": {\n"
        "      \"title\": \"Hydranten der Stadt\",\n"
        "      \"source\": \"hydranten\",\n"
        "      \"where\": \"art <> 'ausser Betrieb'\",\n"
        "      \"geometry\": \"point\",\n"
        "      \"properties\": {\"type\": \"art\", \"ref\": \"nummer\",\n"
        "                     \"ref_text\": {\"field\": \"nummer\", \"type\": \"string\"}}\n"
        "    }\n"
        "  }\n"
        "}\n");
    if (run_import(st, gpkg, mapping, NULL, &res, log, &err) != GE_OK)
        fail_msg("import: %s", err.msg);
    assert_int_equal(res.nlayers, 1);
    assert_int_equal(res.layers[0].count, 2);
    assert_false(res.layers[0].missing);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_string_equal(li.title, "Hydranten der Stadt");
    assert_string_equal(li.attribution, "Stadt Musterstadt");
    assert_string_equal(li.source, "hydranten.gpkg");
    assert_int_equal(ge_store_layer_scan(st, "hydrants", first_point_cb, &fp, &err), GE_OK);
    /* EPSG:25832 (790000, 5833000) is EPSG:25833 (383419.927, 5825781.941) (PROJ cs2cs) */
    assert_true(fabs(fp.x - 383419.927) < 0.01 && fabs(fp.y - 5825781.941) < 0.01);
    assert_string_equal(fp.props, "{\"type\":\"Unterflur\",\"ref\":101,\"ref_text\":\"101\"}");
    ge_import_result_free(&res);
    free(log);
    ge_store_close(st);
}

/* GeoJSON (CRS84, longitude first) with what a city file may hold besides
 * good polygons: a self-intersecting one, a line, an empty geometry. */
static const char *const zones_geojson =
    "{\"type\": \"FeatureCollection\", \"name\": \"zonen\", \"features\": [\n"
    " {\"type\": \"Feature\", \"properties\": {\"name\": \"A\", \"breite\": \"3,5\"},\n"
    "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[13.3, 52.58], [13.301, 52.58],"
    " [13.301, 52.581], [13.3, 52.581], [13.3, 52.58]]]}},\n"
    " {\"type\": \"Feature\", \"properties\": {\"name\": \"bowtie\", \"breite\": \"viel\"},\n"
    "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[[13.31, 52.58], [13.311, 52.581],"
    " [13.311, 52.58], [13.31, 52.581], [13.31, 52.58]]]}},\n"
    " {\"type\": \"Feature\", \"properties\": {\"name\": \"line\"},\n"
    "  \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[13.3, 52.58], [13.31, "
    "52.58]]}},\n"
    " {\"type\": \"Feature\", \"properties\": {\"name\": \"empty\"}, \"geometry\": null}\n"
    "]}\n";

static void test_city_geojson_validity_and_kinds(void **state)
{
    const char *dir = ts_tmpdir("import-geojson");
    const char *src = ts_path(dir, "zonen.geojson");
    const char *mapping = ts_path(dir, "zones.json");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_result res;
    ge_err err = {0};
    GEOSContextHandle_t gh = geos_new();
    layer_geoms z;

    ts_write_text(src, zones_geojson);
    ts_write_text(mapping,
                  "{\"layers\": {\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\","
                  " \"properties\": {\"name\": \"name\","
                  " \"width\": {\"field\": \"breite\", \"type\": \"number\"}}}}}");
    if (run_import(st, src, mapping, NULL, &res, NULL, &err) != GE_OK)
        fail_msg("import: %s", err.msg);
    assert_int_equal(res.layers[0].count, 2);
    assert_non_null(strstr(res.layers[0].note, "1 skipped (other geometry kind)"));
    assert_non_null(strstr(res.layers[0].note, "1 dropped (empty"));
    assert_non_null(strstr(res.layers[0].note, "1 made valid"));

    z = load_layer(st, gh, "zones");
    assert_int_equal(z.n, 2);
    for (size_t i = 0; i < z.n; i++)
        assert_int_equal(GEOSisValid_r(gh, z.g[i]), 1);
    /* lon 13.3, lat 52.58 is EPSG:25833 (384812.769, 5826907.989) (PROJ cs2cs): axis order right */
    double x = 0, y = 0;
    const GEOSGeometry *ring = GEOSGetExteriorRing_r(gh, z.g[0]);
    GEOSCoordSeq_getXY_r(gh, GEOSGeom_getCoordSeq_r(gh, ring), 0, &x, &y);
    assert_true(fabs(x - 384812.769) < 1.0 && fabs(y - 5826907.989) < 1.0);
    assert_string_equal(z.props[0], "{\"name\":\"A\",\"width\":3.5}");
    assert_string_equal(z.props[1], "{\"name\":\"bowtie\"}"); /* "viel" is no number */
    assert_int_equal(GEOSGeomTypeId_r(gh, z.g[1]),
                     GEOS_MULTIPOLYGON); /* the bowtie: two triangles */
    free_layer(&z);
    GEOS_finish_r(gh);
    ge_import_result_free(&res);
    ge_store_close(st);
}

/* No administrative area: a --boundary file, or else the data extent. */
static void test_boundary_file_and_extent(void **state)
{
    const char *dir = ts_tmpdir("import-boundary");
    const char *src = ts_path(dir, "zonen.geojson");
    const char *bfile = ts_path(dir, "grenze.geojson");
    const char *mapping = ts_path(dir, "m.json");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_result res;
    report_log *log = calloc(1, sizeof *log);
    ge_err err = {0};
    GEOSContextHandle_t gh = geos_new();
    layer_geoms b;
    double area = 0;

    ts_write_text(src, zones_geojson);
    ts_write_text(
        bfile, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\","
               " \"properties\": {\"name\": \"Musterstadt\"}, \"geometry\": {\"type\": \"Polygon\","
               " \"coordinates\": [[[13.29, 52.57], [13.33, 52.57], [13.33, 52.6], [13.29, 52.6],"
               " [13.29, 52.57]]]}}]}");
    ts_write_text(mapping,
                  "{\"layers\": {"
                  "\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\"},"
                  "\"boundary\": {\"derive\": \"boundary\", \"source\": \"zonen\","
                  "  \"where\": \"name = 'no such'\", \"properties\": {\"name\": \"name\"}}}}");

    /* with a boundary file: its polygon */
    const char *sources[] = {src};
    ge_import_opts o = {.sources = sources,
                        .nsources = 1,
                        .mapping_path = mapping,
                        .boundary_path = bfile,
                        .report = report_cb,
                        .warn = warn_cb,
                        .report_ud = log};
    if (ge_import_run(st, &o, time(NULL), &res, &err) != GE_OK) fail_msg("import: %s", err.msg);
    assert_int_equal(result_of(&res, "boundary")->count, 1);
    assert_string_equal(log->warnings, ""); /* it holds all the zones */
    b = load_layer(st, gh, "boundary");
    GEOSArea_r(gh, b.g[0], &area);
    assert_true(area > 8e6 && area < 12e6); /* 0.04° x 0.03° at 52.6° N: about 9 km² */
    assert_non_null(strstr(b.props[0], "Musterstadt"));
    free_layer(&b);
    ge_import_result_free(&res);

    /* a boundary file beside the data: a warning that says to check it */
    ts_write_text(
        bfile, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\","
               " \"properties\": {}, \"geometry\": {\"type\": \"Polygon\","
               " \"coordinates\": [[[13.32, 52.57], [13.33, 52.57], [13.33, 52.6], [13.32, 52.6],"
               " [13.32, 52.57]]]}}]}");
    memset(log, 0, sizeof *log);
    if (ge_import_run(st, &o, time(NULL), &res, &err) != GE_OK) fail_msg("import: %s", err.msg);
    assert_non_null(strstr(log->warnings, "boundary: the boundary holds only 0 % of the "
                                          "imported features (0 of "));
    assert_non_null(strstr(log->warnings, "Check the file given with --boundary FILE."));
    assert_non_null(strstr(result_of(&res, "boundary")->note, "WARNING: holds only 0 %"));
    ge_import_result_free(&res);

    /* without: the extent of the data, with a warning */
    o.boundary_path = NULL;
    memset(log, 0, sizeof *log);
    if (ge_import_run(st, &o, time(NULL), &res, &err) != GE_OK) fail_msg("import: %s", err.msg);
    assert_non_null(strstr(log->text, "boundary: WARNING"));
    assert_non_null(strstr(log->warnings, "boundary: no administrative boundary in the sources"));
    assert_null(strstr(log->warnings, "holds only")); /* the extent holds everything */
    assert_false(result_of(&res, "boundary")->missing);
    b = load_layer(st, gh, "boundary");
    assert_int_equal(b.n, 1);
    GEOSArea_r(gh, b.g[0], &area);
    assert_true(area > 1e4 && area < 1e6); /* the zones' extent: some 0.8 x 0.1 km */
    free_layer(&b);
    ge_import_result_free(&res);

    /* a missing boundary file is an error before anything is written */
    o.boundary_path = ts_path(dir, "nosuch.geojson");
    assert_int_equal(ge_import_run(st, &o, time(NULL), &res, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "nosuch.geojson"));
    free(log);
    GEOS_finish_r(gh);
    ge_store_close(st);
}

/* ---- errors --------------------------------------------------------------- */

typedef struct mapping_case {
    const char *json;
    int code;
    const char *expect[3]; /* substrings of the message */
} mapping_case;

static void test_mapping_errors(void **state)
{
    const char *dir = ts_tmpdir("import-mapping");
    const char *src = ts_path(dir, "zonen.geojson");
    const char *mapping = ts_path(dir, "bad.json");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_result res;
    ge_err err = {0};
    static const mapping_case cases[] = {
        {"{\"layers\": {\"hydrants\": {\"sourc\": \"points\", \"geometry\": \"point\"}}}",
         GE_EINVAL,
         {"bad.json: layers.hydrants: unknown key 'sourc'", "(known: comment, title,", "source"}},
        {"{\"layer\": {}}", GE_EINVAL, {"bad.json: unknown key 'layer'", "known:", "layers"}},
        {"{\"layers\": {\"h\": {\"source\": \"s\", \"geometry\": \"point\","
         " \"properties\": {\"ref\": {\"field\": \"nr\", \"typ\": \"integer\"}}}}}",
         GE_EINVAL,
         {"layers.h.properties.ref: unknown key 'typ'", "field, type", NULL}},
        {"{\"road_widths\": {\"lane_widht\": 3}, \"layers\": {\"h\": {\"source\": \"s\","
         " \"geometry\": \"point\"}}}",
         GE_EINVAL,
         {"road_widths: unknown key 'lane_widht'", NULL, NULL}},
        {"{\"layers\": {\"s\": {\"derive\": \"street_space\", \"source\": \"l\","
         " \"areas\": {\"source\": \"p\", \"wher\": \"x\"}}}}",
         GE_EINVAL,
         {"layers.s.areas: unknown key 'wher'", NULL, NULL}},
        {"{\"layers\": {\"j\": {\"derive\": \"junctions\", \"source\": \"l\", \"areas\": {}}}}",
         GE_EINVAL,
         {"layers.j: unknown key 'areas'", "min_degree", NULL}},
        {"{\"layers\": {\n  \"h\": {\"source\": \"s\",,}\n}}",
         GE_EINVAL,
         {"bad.json: line 2, column", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"source\": \"s\", \"geometry\": \"point\", \"where\": 5}}}",
         GE_EINVAL,
         {"layers.h.where: want a string, got a number", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"source\": \"s\", \"geometry\": \"point\","
         " \"description_de\": {\"de\": \"Hydranten\"}}}}",
         GE_EINVAL,
         {"bad.json: layers.h.description_de: want a string, got an object", NULL, NULL}},
        {"{\"layers\": {\"Hydranten\": {\"source\": \"s\", \"geometry\": \"point\"}}}",
         GE_EINVAL,
         {"layers.Hydranten: 'Hydranten' is not a valid layer name", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"source\": \"s\", \"geometry\": \"area\"}}}",
         GE_EINVAL,
         {"layers.h.geometry: unknown geometry 'area'", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"source\": \"s\"}}}",
         GE_EINVAL,
         {"layers.h: 'geometry' is missing", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"geometry\": \"point\"}}}",
         GE_EINVAL,
         {"layers.h: 'source' is missing", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"derive\": \"magic\", \"source\": \"s\"}}}",
         GE_EINVAL,
         {"layers.h.derive: unknown derivation 'magic'", NULL, NULL}},
        {"{\"layers\": {\"j\": {\"derive\": \"junctions\", \"source\": \"l\", \"geometry\": "
         "\"line\"}}}",
         GE_EINVAL,
         {"layers.j.geometry: derive 'junctions' makes point features", NULL, NULL}},
        {"{\"layers\": {\"h\": {\"source\": \"s\", \"geometry\": \"point\"},"
         " \"h\": {\"source\": \"t\", \"geometry\": \"point\"}}}",
         GE_EINVAL,
         {"bad.json: line 1", "duplicate", NULL}},
        {"{\"layers\": {}}",
         GE_EINVAL,
         {"layers: want an object with at least one layer", NULL, NULL}},
        {"[1, 2]", GE_EINVAL, {"want a JSON object at the top", NULL, NULL}},
    };

    ts_write_text(src, zones_geojson);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_write_text(mapping, cases[i].json);
        memset(&err, 0, sizeof err);
        int rc = run_import(st, src, mapping, NULL, &res, NULL, &err);
        if (rc != cases[i].code)
            fail_msg("case %zu: rc %d (%s), want %d", i, rc, err.msg, cases[i].code);
        assert_int_equal(err.code, cases[i].code);
        for (int k = 0; k < 3 && cases[i].expect[k]; k++)
            if (!strstr(err.msg, cases[i].expect[k]))
                fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].expect[k]);
        assert_int_equal(res.nlayers, 0);
        assert_null(res.layers);
    }
    /* no mapping file at all */
    assert_int_equal(run_import(st, src, ts_path(dir, "nosuch.json"), NULL, &res, NULL, &err),
                     GE_ENOENT);
    assert_non_null(strstr(err.msg, "nosuch.json"));
    /* nothing was written by any of them */
    ge_layer_info *list = NULL;
    size_t n = 1;
    assert_int_equal(ge_store_layer_list(st, &list, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    free(list);
    ge_store_close(st);
}

static void test_source_errors(void **state)
{
    const char *dir = ts_tmpdir("import-source");
    const char *src = ts_path(dir, "zonen.geojson");
    const char *mapping = ts_path(dir, "m.json");
    const char *random_pbf = ts_path(dir, "random.osm.pbf");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_result res;
    report_log *log = calloc(1, sizeof *log);
    ge_err err = {0};
    FILE *f;

    ts_write_text(src, zones_geojson);
    ts_write_text(mapping,
                  "{\"layers\": {\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\"}}}");
    assert_int_equal(run_import(st, src, mapping, NULL, &res, NULL, &err), GE_OK);
    ge_import_result_free(&res);
    uint64_t before = store_digest(st);

    /* a source file that is not there */
    const char *missing = ts_path(dir, "nosuch.osm.pbf");
    assert_int_equal(run_import(st, missing, mapping, NULL, &res, NULL, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "nosuch.osm.pbf"));
    assert_non_null(strstr(err.msg, "no such file"));

    /* random bytes that only look like an extract by their name */
    f = fopen(random_pbf, "wb");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputc((i * 2654435761u) >> 24, f);
    fclose(f);
    assert_int_equal(run_import(st, random_pbf, mapping, NULL, &res, NULL, &err), GE_EIO);
    assert_non_null(strstr(err.msg, "random.osm.pbf"));
    assert_non_null(strstr(err.msg, "cannot open"));

    /* a filter OGR cannot parse, a property field the source lacks */
    ts_write_text(mapping,
                  "{\"layers\": {\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\","
                  " \"where\": \"name ===\"}}}");
    assert_int_equal(run_import(st, src, mapping, NULL, &res, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "layers.zones.where"));
    ts_write_text(mapping,
                  "{\"layers\": {\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\","
                  " \"properties\": {\"n\": \"nmae\"}}}}");
    assert_int_equal(run_import(st, src, mapping, NULL, &res, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "layers.zones.properties.n"));
    assert_non_null(strstr(err.msg, "no field 'nmae'"));
    assert_int_equal(store_digest(st), before);

    /* a source layer that does not exist: that layer is missing, the rest imports */
    ts_write_text(mapping, "{\"layers\": {"
                           "\"zones\": {\"source\": \"zonen\", \"geometry\": \"polygon\"},"
                           "\"hydrants\": {\"source\": \"hydranten\", \"geometry\": \"point\"}}}");
    assert_int_equal(run_import(st, src, mapping, NULL, &res, log, &err), GE_OK);
    assert_true(result_of(&res, "hydrants")->missing);
    assert_false(result_of(&res, "zones")->missing);
    assert_non_null(strstr(log->text, "hydrants: missing"));
    assert_non_null(strstr(result_of(&res, "hydrants")->note, "hydranten"));
    ge_layer_info li;
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_ENOENT);
    assert_int_equal(ge_store_layer_get(st, "zones", &li, &err), GE_OK);
    assert_int_equal(li.version, 2);
    ge_import_result_free(&res);

    /* bad arguments */
    ge_import_opts none = {0};
    assert_int_equal(ge_import_run(st, &none, time(NULL), &res, &err), GE_EINVAL);
    free(log);
    ge_store_close(st);
}

/* ---- compressed files and archives ---------------------------------------- */

/* file -> path.gz with zlib. */
static void gzip_file(const char *file, const char *path)
{
    size_t len;
    char *text = ts_read_file(file, &len);
    gzFile gz = gzopen(path, "wb");
    assert_non_null(text);
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, text, (unsigned)len), (int)len);
    assert_int_equal(gzclose(gz), Z_OK);
    free(text);
}

/* Files into a new zip archive (written by GDAL's /vsizip/), each under its
 * name in names. */
static void zip_files(const char *zip, const char *const *files, const char *const *names)
{
    for (size_t i = 0; files[i]; i++) {
        size_t len;
        char *text = ts_read_file(files[i], &len), member[4200];
        VSILFILE *f;
        snprintf(member, sizeof member, "/vsizip/%s/%s", zip, names[i]);
        assert_non_null(text);
        f = VSIFOpenL(member, "wb");
        if (!f) fail_msg("cannot write %s", member);
        assert_int_equal(VSIFWriteL(text, 1, len, f), len);
        assert_int_equal(VSIFCloseL(f), 0);
        free(text);
    }
}

/* Per layer "name count", in the import's order. */
static void layer_counts(const ge_import_result *res, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < res->nlayers; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s %lld\n", res->layers[i].layer,
                 (long long)res->layers[i].count);
}

/* "geoeditor import city.osm.gz" used to fail ("not a vector format GDAL
 * can read"): .gz and .zip sources are read through GDAL's virtual file
 * systems and give the same layers as the plain file. bzip2 GDAL cannot
 * read: refused, saying to decompress. */
static void test_compressed_sources(void **state)
{
    const char *dir = ts_tmpdir("import-compressed");
    const char *demo = ts_demo_osm();
    char plain[4096], counts[4096], gz[4096], zip[4096], two[4096], bz2[4096];
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25832);
    ge_import_result res;
    report_log *log = calloc(1, sizeof *log);
    ge_layer_info li;
    ge_err err = {0};
    uint64_t before;
    (void)state;

    assert_int_equal(run_import(st, demo, osm_mapping(), NULL, &res, log, &err), GE_OK);
    layer_counts(&res, plain, sizeof plain);
    assert_true(res.nlayers > 10);
    assert_int_equal(result_of(&res, "boundary")->count, 1);
    /* the demo quarter's boundary holds all of it: no warning */
    assert_string_equal(log->warnings, "");
    ge_import_result_free(&res);

    snprintf(gz, sizeof gz, "%s", ts_path(dir, "musterstadt.osm.gz"));
    gzip_file(demo, gz);
    if (run_import(st, gz, osm_mapping(), NULL, &res, log, &err) != GE_OK)
        fail_msg("importing %s: %s", gz, err.msg);
    layer_counts(&res, counts, sizeof counts);
    assert_string_equal(counts, plain);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_string_equal(li.source, "musterstadt.osm.gz");
    ge_import_result_free(&res);

    /* a zip with the extract and a note beside it: the one file GDAL reads */
    snprintf(zip, sizeof zip, "%s", ts_path(dir, "musterstadt.zip"));
    {
        const char *files[] = {demo, osm_mapping(), NULL};
        const char *names[] = {"musterstadt.osm", "LIESMICH.txt", NULL};
        zip_files(zip, files, names);
    }
    if (run_import(st, zip, osm_mapping(), NULL, &res, log, &err) != GE_OK)
        fail_msg("importing %s: %s", zip, err.msg);
    layer_counts(&res, counts, sizeof counts);
    assert_string_equal(counts, plain);
    ge_import_result_free(&res);
    before = store_digest(st);

    /* a zip with two extracts: which one is meant? */
    snprintf(two, sizeof two, "%s", ts_path(dir, "two.zip"));
    {
        const char *files[] = {demo, demo, NULL};
        const char *names[] = {"a.osm", "b.osm", NULL};
        zip_files(two, files, names);
    }
    assert_int_equal(run_import(st, two, osm_mapping(), NULL, &res, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "2 files GDAL can read (a.osm, b.osm); name one"));
    assert_non_null(strstr(err.msg, "/vsizip/"));

    /* bzip2: GDAL 3.6 has no virtual file system for it */
    snprintf(bz2, sizeof bz2, "%s", ts_path(dir, "musterstadt.osm.bz2"));
    ts_write_text(bz2, "BZh91AY&SY");
    assert_int_equal(run_import(st, bz2, osm_mapping(), NULL, &res, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "GDAL cannot read .bz2 files"));
    assert_non_null(strstr(err.msg, "decompress it first (bunzip2 -k "));
    assert_int_equal(store_digest(st), before); /* refused before anything was written */
    free(log);
    ge_store_close(st);
}

/* The mapping file that ships parses, and the number reader reads OSM lengths. */
static void test_osm_mapping_and_numbers(void **state)
{
    ge_import_mapping *m = NULL;
    ge_err err = {0};
    double v = 0;

    if (ge_import_mapping_load(osm_mapping(), &m, &err) != GE_OK) fail_msg("%s", err.msg);
    assert_int_equal(m->nlayers, 13);
    assert_non_null(strstr(m->osm_config, "data/layers/osmconf.ini"));
    assert_true(ge_import_mapping_class_width(m, "residential") > 3.0);
    assert_true(ge_import_mapping_class_width(m, "no_such_class") == m->roads.fallback_width);
    ge_import_mapping_free(m);

    assert_true(ge_import_parse_number("6", &v) && v == 6.0);
    assert_true(ge_import_parse_number("6,5", &v) && v == 6.5);
    assert_true(ge_import_parse_number(" 6.5 m", &v) && v == 6.5);
    assert_true(ge_import_parse_number("7m", &v) && v == 7.0);
    assert_false(ge_import_parse_number("6;7", &v));
    assert_false(ge_import_parse_number("20'", &v));
    assert_false(ge_import_parse_number("viel", &v));
    assert_false(ge_import_parse_number("", &v));
    assert_false(ge_import_parse_number("nan", &v));
    assert_false(ge_import_parse_number(NULL, &v));
}

int main(int argc, char **argv)
{
    const struct CMUnitTest osm_tests[] = {
        cmocka_unit_test(test_osm_counts),
        cmocka_unit_test(test_osm_metadata_and_coordinates),
        cmocka_unit_test(test_osm_boundary),
        cmocka_unit_test(test_osm_street_space_covers_roads),
        cmocka_unit_test(test_osm_derived_props),
        cmocka_unit_test(test_osm_cycle_lanes_on_their_side),
        cmocka_unit_test(test_osm_reimport),
        cmocka_unit_test(test_osm_failed_import_leaves_store),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_osm_mapping_and_numbers),
        cmocka_unit_test(test_city_geopackage),
        cmocka_unit_test(test_city_geojson_validity_and_kinds),
        cmocka_unit_test(test_boundary_file_and_extent),
        cmocka_unit_test(test_mapping_errors),
        cmocka_unit_test(test_source_errors),
        cmocka_unit_test(test_compressed_sources),
    };
    int failed;

    /* test_import_extract runs the first group, test_import the second */
    if (ts_extract_part(argc, argv))
        failed = ts_run_group_tests_name("import (shared OSM extract)", osm_tests, osm_setup,
                                         osm_teardown);
    else
        failed = ts_run_group_tests_name("import (own files and errors)", tests, NULL, NULL);
    GDALDestroy();
    return ts_exit(failed);
}
