/*
 * test_api_tiles.c - vector tiles and TileJSON against the real server over
 * the shared OSM extract, imported by the real "geoeditor import" (which
 * also builds the base map MBTiles).
 *
 *  - Dynamic tiles at zoom 14-17 of polygon, line and point layers, decoded
 *    by the tests' own MVT decoder, hold exactly the right features: every
 *    feature that meets the tile is there, nothing is there that does not
 *    meet the tile plus its buffer (computed independently from a full scan
 *    of the store with GEOS); rings are wound as the spec wants.
 *  - GDAL's MVT driver (a real client) reads a saved tile: layer, geometry
 *    type, feature count and attributes.
 *  - TileJSON 3.0 of a collection and of the base map; base map tiles match
 *    the MBTiles file, gzipped and plain.
 *  - ETag and 304, gzip, Cache-Control, 204 for empty tiles, and the cache
 *    is invalidated by a new import.
 *  - Every bad input is a 4xx problem naming the parameter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <geos_c.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basemap.h"
#include "crs.h"
#include "geos_ctx.h"
#include "mbtiles.h"
#include "store.h"
#include "tilemath.h"
#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_mvt.h"
#include "ts_run.h"
#include "ts_server.h"

/* The middle of the shared extract (Borsigwalde). */
#define LON 13.311
#define LAT 52.5845

static ts_server srv;
static bool have_data;
static char dir[4096], db[4096 + 32], osm[4096];

static int setup(void **state)
{
    const char *p = ts_shared_osm();
    (void)state;
    if (!p) return 0; /* every test skips with the message printed above */
    snprintf(osm, sizeof osm, "%s", p);
    snprintf(dir, sizeof dir, "%s", ts_tmpdir("api_tiles_data"));
    snprintf(db, sizeof db, "%s/store.db", dir);
    if (ts_run_import(db, osm) != 0) return -1;
    ts_server_opts o = {.db = db};
    if (ts_server_start(&srv, "api_tiles", &o) != 0) return -1;
    have_data = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_geos_thread_cleanup();
    ge_crs_thread_cleanup();
    if (!have_data) return 0;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

#define NEED_DATA()                                                                                \
    do {                                                                                           \
        if (!have_data) skip();                                                                    \
    } while (0)

static void get(const char *path, const char *const *headers, ts_http_resp *r)
{
    ts_http_req q = {.url = ts_server_url(&srv, path), .headers = headers};
    if (ts_http(&q, r) != 0) fail_msg("GET %s: %s", path, r->error);
}

static json_t *get_json(const char *path, long status)
{
    return ts_http_get_json(ts_server_url(&srv, path), NULL, status, NULL);
}

static void tile_path(char *out, size_t n, const char *layer, const ge_tile *t)
{
    snprintf(out, n, "/collections/%s/tiles/WebMercatorQuad/%d/%u/%u", layer, t->z, t->y, t->x);
}

/* ---- the store's features in EPSG:3857, from a full scan ------------------ */

typedef struct feat {
    int64_t fid;
    GEOSGeometry *g;
} feat;

typedef struct feats {
    feat *v;
    size_t n;
    ge_crs from, to;
} feats;

static void to_3857(double x, double y, double *ox, double *oy, void *ud)
{
    feats *fs = ud;
    double xy[2] = {x, y};
    assert_int_equal(ge_crs_transform(&fs->from, &fs->to, xy, 1, NULL), GE_OK);
    *ox = xy[0];
    *oy = xy[1];
}

static int xform_cb(double *x, double *y, void *ud)
{
    to_3857(*x, *y, x, y, ud);
    return 1;
}

static int collect(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    feats *fs = ud;
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSWKBReader *r = GEOSWKBReader_create_r(h);
    GEOSGeometry *g = GEOSWKBReader_read_r(h, r, wkb, len);
    (void)props;
    GEOSWKBReader_destroy_r(h, r);
    assert_non_null(g);
    GEOSGeometry *t = GEOSGeom_transformXY_r(h, g, xform_cb, fs);
    GEOSGeom_destroy_r(h, g);
    assert_non_null(t);
    fs->v = realloc(fs->v, (fs->n + 1) * sizeof *fs->v);
    fs->v[fs->n].fid = fid;
    fs->v[fs->n].g = t;
    fs->n++;
    return 0;
}

static void load_layer(const char *name, feats *fs)
{
    ge_store *st;
    ge_err err;
    ge_store_opts o = {.path = ts_store_db(db, false), .readonly = true};
    memset(fs, 0, sizeof *fs);
    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    assert_int_equal(ge_crs_from_epsg(ge_store_srid(st), &fs->from, &err), GE_OK);
    assert_int_equal(ge_crs_from_epsg(3857, &fs->to, &err), GE_OK);
    assert_int_equal(ge_store_layer_scan(st, name, collect, fs, &err), GE_OK);
    ge_store_close(st);
    assert_true(fs->n > 0);
}

static void free_layer(feats *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        GEOSGeom_destroy_r(ge_geos_ctx(), fs->v[i].g);
    free(fs->v);
}

static GEOSGeometry *rect(double x0, double y0, double x1, double y1)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    return GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
}

static bool has_id(const ts_mvt_layer *l, int64_t fid)
{
    for (size_t i = 0; l && i < l->nfeatures; i++)
        if (l->features[i].has_id && l->features[i].id == (uint64_t)fid) return true;
    return false;
}

/* Fetches the tile of layer at t and checks its features against the scan:
 * all that meet the tile are in it; all in it meet the buffered tile. */
static size_t check_tile(const char *layer, const feats *fs, const ge_tile *t)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    double b[4];
    char path[256], msg[256];
    ts_http_resp r;
    ts_mvt m = {0};
    size_t lower = 0;

    ge_tilemath_bounds(t, b);
    double unit = (b[2] - b[0]) / 4096;
    GEOSGeometry *inner = rect(b[0], b[1], b[2], b[3]);
    GEOSGeometry *outer =
        rect(b[0] - 65 * unit, b[1] - 65 * unit, b[2] + 65 * unit, b[3] + 65 * unit);
    tile_path(path, sizeof path, layer, t);
    get(path, NULL, &r);
    assert_true(r.status == 200 || r.status == 204);
    if (r.status == 200) {
        assert_string_equal(ts_http_header(&r, "Content-Type"),
                            "application/vnd.mapbox-vector-tile");
        if (ts_mvt_decode(r.body, r.body_len, &m, msg, sizeof msg) < 0)
            fail_msg("%s: %s", path, msg);
        assert_int_equal(m.nlayers, 1);
    }
    const ts_mvt_layer *l = ts_mvt_layer_get(&m, layer);
    if (l) {
        assert_int_equal(l->version, 2);
        assert_int_equal(l->extent, 4096);
    }
    for (size_t i = 0; i < fs->n; i++) {
        if (GEOSIntersects_r(h, fs->v[i].g, inner) == 1) {
            lower++;
            if (!has_id(l, fs->v[i].fid))
                fail_msg("%s: feature %lld meets the tile but is missing", path,
                         (long long)fs->v[i].fid);
        }
    }
    for (size_t i = 0; l && i < l->nfeatures; i++) {
        const ts_mvt_feature *f = &l->features[i];
        bool found = false;
        assert_true(f->has_id);
        for (size_t k = 0; k < fs->n && !found; k++)
            if (fs->v[k].fid == (int64_t)f->id) {
                found = true;
                if (GEOSIntersects_r(h, fs->v[k].g, outer) != 1)
                    fail_msg("%s: feature %llu is outside the buffered tile", path,
                             (unsigned long long)f->id);
            }
        assert_true(found);
        for (size_t p = 0; p < f->npoints; p++) {
            assert_in_range(f->xy[2 * p] + 64, 0, 4096 + 128);
            assert_in_range(f->xy[2 * p + 1] + 64, 0, 4096 + 128);
        }
        if (f->type == 3) {
            /* the first ring of a polygon is an exterior: positive area */
            assert_true(f->nparts >= 1);
            assert_true(f->parts[0].closed);
            assert_true(f->parts[0].area2 > 0);
            for (size_t p = 0; p < f->nparts; p++)
                assert_true(f->parts[p].area2 != 0);
        }
    }
    size_t got = l ? l->nfeatures : 0;
    assert_true(got >= lower);
    GEOSGeom_destroy_r(h, inner);
    GEOSGeom_destroy_r(h, outer);
    ts_mvt_free(&m);
    ts_http_resp_free(&r);
    return got;
}

static void test_tiles_hold_the_right_features(void **state)
{
    static const struct {
        const char *layer;
        int type;
    } layers[] = {{"buildings", 3}, {"roads", 2}, {"trees", 1}, {"hydrants", 1}};
    (void)state;
    NEED_DATA();
    for (size_t li = 0; li < sizeof layers / sizeof layers[0]; li++) {
        feats fs;
        size_t total = 0;
        load_layer(layers[li].layer, &fs);
        for (int z = 14; z <= 17; z++) {
            ge_tile t;
            ge_tilemath_tile_at(z, LON, LAT, &t);
            total += check_tile(layers[li].layer, &fs, &t);
            t.x++; /* and a neighbour: features on the shared edge are in both */
            total += check_tile(layers[li].layer, &fs, &t);
        }
        printf("%s: %zu features in 8 tiles, %zu in the store\n", layers[li].layer, total, fs.n);
        assert_true(total > 0);
        free_layer(&fs);
    }
}

static void test_gdal_mvt_driver_reads_a_tile(void **state)
{
    char path[256], dirs[4200], file[4300], count[64];
    ts_http_resp r;
    ts_run_result rr;
    ts_mvt m;
    ge_tile t;
    (void)state;
    NEED_DATA();
    ge_tilemath_tile_at(16, LON, LAT, &t);
    tile_path(path, sizeof path, "buildings", &t);
    get(path, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(ts_mvt_decode(r.body, r.body_len, &m, NULL, 0), 0);
    /* The MVT driver takes Z/X/Y from the path: .../16/35191/21473.pbf */
    snprintf(dirs, sizeof dirs, "%s/gdal/%d/%u", dir, t.z, t.x);
    const char *mk[] = {"mkdir", "-p", dirs, NULL};
    assert_int_equal(ts_run(&rr, NULL, mk), 0);
    ts_run_free(&rr);
    snprintf(file, sizeof file, "%s/%u.pbf", dirs, t.y);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(r.body, 1, r.body_len, f), r.body_len);
    fclose(f);

    /* CLIP=NO: GDAL would otherwise drop what lies only in the buffer. */
    const char *argv[] = {"ogrinfo", "-ro", "-so", "-al", "-oo", "CLIP=NO", file, NULL};
    assert_int_equal(ts_run(&rr, NULL, argv), 0);
    if (rr.status != 0) fail_msg("ogrinfo: %s", rr.err);
    assert_non_null(strstr(rr.out, "using driver `MVT'"));
    assert_non_null(strstr(rr.out, "Layer name: buildings"));
    assert_non_null(strstr(rr.out, "Geometry: Polygon"));
    assert_non_null(strstr(rr.out, "building: String"));
    assert_non_null(strstr(rr.out, "housenumber: String"));
    snprintf(count, sizeof count, "Feature Count: %zu\n", m.layers[0].nfeatures);
    if (!strstr(rr.out, count)) fail_msg("expected '%s' in %s", count, rr.out);
    ts_run_free(&rr);

    /* Features and attribute values as GDAL reads them, in EPSG:3857. */
    const char *argv2[] = {"ogrinfo", "-ro", "-al", "-oo", "CLIP=NO", file, NULL};
    assert_int_equal(ts_run(&rr, NULL, argv2), 0);
    assert_int_equal(rr.status, 0);
    assert_non_null(strstr(rr.out, "building (String) = "));
    assert_non_null(strstr(rr.out, "POLYGON (("));
    assert_non_null(strstr(rr.out, "ID[\"EPSG\",3857]"));
    ts_run_free(&rr);
    ts_mvt_free(&m);
    ts_http_resp_free(&r);
}

static void test_collection_tilejson(void **state)
{
    (void)state;
    NEED_DATA();
    json_t *j = get_json("/collections/buildings/tiles/WebMercatorQuad", 200);
    assert_string_equal(json_string_value(json_object_get(j, "tilejson")), "3.0.0");
    const char *tiles = json_string_value(json_array_get(json_object_get(j, "tiles"), 0));
    assert_non_null(tiles);
    assert_non_null(strstr(tiles, "/collections/buildings/tiles/WebMercatorQuad/{z}/{y}/{x}"));
    assert_string_equal(json_string_value(json_object_get(j, "attribution")),
                        "(c) OpenStreetMap contributors");
    json_t *vl = json_array_get(json_object_get(j, "vector_layers"), 0);
    assert_string_equal(json_string_value(json_object_get(vl, "id")), "buildings");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(vl, "fields"), "building")), "String");
    json_t *b = json_object_get(j, "bounds");
    assert_true(json_real_value(json_array_get(b, 0)) > 13.2 &&
                json_real_value(json_array_get(b, 2)) < 13.4);
    assert_true(json_real_value(json_array_get(b, 1)) > 52.5 &&
                json_real_value(json_array_get(b, 3)) < 52.7);
    json_decref(j);

    j = get_json("/collections/roads/tiles", 200);
    json_t *ts = json_array_get(json_object_get(j, "tilesets"), 0);
    assert_string_equal(json_string_value(json_object_get(ts, "tileMatrixSetURI")),
                        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad");
    assert_string_equal(json_string_value(json_object_get(ts, "dataType")), "vector");
    json_decref(j);
}

static void test_basemap(void **state)
{
    char path[256], mb_path[4200], msg[256];
    ts_http_resp plain, gz;
    ts_mvt m;
    ge_tile t;
    (void)state;
    NEED_DATA();
    json_t *j = get_json("/tiles/basemap/WebMercatorQuad", 200);
    assert_string_equal(json_string_value(json_object_get(j, "tilejson")), "3.0.0");
    assert_string_equal(json_string_value(json_object_get(j, "attribution")),
                        "(c) OpenStreetMap contributors");
    assert_int_equal(json_integer_value(json_object_get(j, "minzoom")), GE_BASEMAP_MINZOOM);
    assert_int_equal(json_integer_value(json_object_get(j, "maxzoom")), GE_BASEMAP_MAXZOOM);
    const char *want[] = {"landuse", "water", "buildings", "roads", "housenumbers"};
    json_t *vl = json_object_get(j, "vector_layers");
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t i = 0; i < json_array_size(vl); i++)
            found |= strcmp(json_string_value(json_object_get(json_array_get(vl, i), "id")),
                            want[w]) == 0;
        if (!found) fail_msg("vector layer %s missing", want[w]);
    }
    json_decref(j);
    j = get_json("/tiles", 200);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(j, "tilesets"), 0), "id")),
        "basemap");
    json_decref(j);

    ge_tilemath_tile_at(16, LON, LAT, &t);
    snprintf(path, sizeof path, "/tiles/basemap/WebMercatorQuad/%d/%u/%u", t.z, t.y, t.x);
    get(path, NULL, &plain);
    assert_int_equal(plain.status, 200);
    assert_null(ts_http_header(&plain, "Content-Encoding"));
    const char *hz[] = {"Accept-Encoding: gzip", NULL};
    get(path, hz, &gz);
    assert_int_equal(gz.status, 200);
    assert_string_equal(ts_http_header(&gz, "Content-Encoding"), "gzip");
    size_t n;
    unsigned char *inflated = ts_gunzip(gz.body, gz.body_len, &n);
    assert_non_null(inflated);
    assert_int_equal(n, plain.body_len);
    assert_memory_equal(inflated, plain.body, n);

    /* The same bytes as in the MBTiles file beside the store. */
    ge_mbtiles *mb;
    ge_err err;
    unsigned char *stored;
    size_t stored_len;
    ge_basemap_path(db, mb_path, sizeof mb_path);
    assert_int_equal(ge_mbtiles_open(&mb, mb_path, &err), GE_OK);
    assert_int_equal(ge_mbtiles_get(mb, &t, &stored, &stored_len, &err), GE_OK);
    assert_int_equal(stored_len, gz.body_len);
    assert_memory_equal(stored, gz.body, stored_len);
    free(stored);
    ge_mbtiles_close(mb);

    if (ts_mvt_decode(plain.body, plain.body_len, &m, msg, sizeof msg) < 0) fail_msg("%s", msg);
    const ts_mvt_layer *roads = ts_mvt_layer_get(&m, "roads");
    assert_non_null(ts_mvt_layer_get(&m, "buildings"));
    assert_non_null(ts_mvt_layer_get(&m, "landuse"));
    assert_non_null(ts_mvt_layer_get(&m, "housenumbers"));
    assert_non_null(roads);
    bool named = false;
    for (size_t i = 0; i < roads->nfeatures; i++) {
        json_t *p = roads->features[i].props;
        assert_non_null(json_object_get(p, "class"));
        assert_null(json_object_get(p, "osm_id")); /* only the listed fields */
        named |= json_object_get(p, "name") != NULL;
    }
    assert_true(named);
    /* The labels the style sets at this zoom: street names on the roads'
     * lines, house numbers on the address points (issue 5). */
    {
        const ts_mvt_layer *hn = ts_mvt_layer_get(&m, "housenumbers");
        size_t numbered = 0, street_names = 0;
        for (size_t i = 0; i < hn->nfeatures; i++) {
            const char *v =
                json_string_value(json_object_get(hn->features[i].props, "housenumber"));
            assert_int_equal(hn->features[i].type, 1);
            if (v && *v >= '1' && *v <= '9') numbered++;
        }
        for (size_t i = 0; i < roads->nfeatures; i++) {
            const char *v = json_string_value(json_object_get(roads->features[i].props, "name"));
            if (roads->features[i].type == 2 && v && strlen(v) > 3) street_names++;
        }
        if (numbered < 10 || street_names < 3)
            fail_msg("z16 base map tile: %zu house numbers, %zu named road lines", numbered,
                     street_names);
    }
    ts_mvt_free(&m);
    free(inflated);
    ts_http_resp_free(&plain);
    ts_http_resp_free(&gz);

    /* Outside the data but inside the matrix: empty, 204. */
    get("/tiles/basemap/WebMercatorQuad/16/0/0", NULL, &plain);
    assert_int_equal(plain.status, 204);
    assert_int_equal(plain.body_len, 0);
    ts_http_resp_free(&plain);
}

static void test_etag_gzip_cache_and_empty(void **state)
{
    char path[256], inm[160];
    ts_http_resp r, r2;
    ge_tile t;
    (void)state;
    NEED_DATA();
    ge_tilemath_tile_at(15, LON, LAT, &t);
    tile_path(path, sizeof path, "buildings", &t);
    get(path, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "public, max-age=60");
    assert_string_equal(ts_http_header(&r, "Access-Control-Allow-Origin"), "*");
    const char *etag = ts_http_header(&r, "ETag");
    assert_non_null(etag);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *h[] = {inm, NULL};
    get(path, h, &r2);
    assert_int_equal(r2.status, 304);
    assert_int_equal(r2.body_len, 0);
    ts_http_resp_free(&r2);

    /* gzip when accepted; a second fetch (cached) gives the same bytes */
    const char *hz[] = {"Accept-Encoding: gzip", NULL};
    get(path, hz, &r2);
    assert_string_equal(ts_http_header(&r2, "Content-Encoding"), "gzip");
    assert_true(r2.body_len < r.body_len);
    size_t n;
    unsigned char *plain = ts_gunzip(r2.body, r2.body_len, &n);
    assert_int_equal(n, r.body_len);
    assert_memory_equal(plain, r.body, n);
    free(plain);
    ts_http_resp_free(&r2);
    get(path, NULL, &r2);
    assert_int_equal(r2.body_len, r.body_len);
    assert_memory_equal(r2.body, r.body, r.body_len);
    ts_http_resp_free(&r2);

    /* An empty tile: 204, no body, still cacheable */
    get("/collections/buildings/tiles/WebMercatorQuad/16/0/0", NULL, &r2);
    assert_int_equal(r2.status, 204);
    assert_int_equal(r2.body_len, 0);
    assert_non_null(ts_http_header(&r2, "ETag"));
    ts_http_resp_free(&r2);
    ts_http_resp_free(&r);
}

/* /metrics tells what the tile cache holds: a new tile is a miss and one
 * more entry of at least its bytes, the same tile again a hit. */
static void test_tile_cache_gauges(void **state)
{
    char path[256];
    ts_http_resp r;
    ge_tile t;
    double entries, bytes, hits, misses;
    (void)state;
    NEED_DATA();
    ge_tilemath_tile_at(14, LON, LAT, &t);
    tile_path(path, sizeof path, "landuse", &t);
    entries = ts_metric(&srv, "geoeditor_tile_cache_entries");
    bytes = ts_metric(&srv, "geoeditor_tile_cache_bytes");
    hits = ts_metric(&srv, "geoeditor_tile_cache_hits_total");
    misses = ts_metric(&srv, "geoeditor_tile_cache_misses_total");
    assert_true(entries >= 0 && bytes >= 0 && hits >= 0 && misses >= 0);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_limit_bytes") == 64 << 20);

    get(path, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_entries") == entries + 1);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_bytes") >= bytes + (double)r.body_len);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_misses_total") >= misses + 1);
    ts_http_resp_free(&r);
    get(path, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_hits_total") >= hits + 1);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_entries") == entries + 1);
    assert_true(ts_metric(&srv, "geoeditor_tile_cache_evictions_total") == 0);
}

static void test_new_import_invalidates_tiles(void **state)
{
    char path[256], etag1[128], etag2[128];
    ts_http_resp r;
    ge_tile t;
    (void)state;
    NEED_DATA();
    ge_tilemath_tile_at(17, LON, LAT, &t);
    tile_path(path, sizeof path, "roads", &t);
    get(path, NULL, &r);
    assert_true(r.status == 200 || r.status == 204);
    snprintf(etag1, sizeof etag1, "%s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    get("/tiles/basemap/WebMercatorQuad/16/21473/35191", NULL, &r);
    char bm1[128];
    snprintf(bm1, sizeof bm1, "%s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);

    /* Import again while the server runs: new layer versions, new base map. */
    assert_int_equal(ts_run_import(db, osm), 0);

    get(path, NULL, &r);
    snprintf(etag2, sizeof etag2, "%s", ts_http_header(&r, "ETag"));
    ts_http_resp_free(&r);
    if (strcmp(etag1, etag2) == 0) fail_msg("ETag %s did not change with the import", etag1);
    get("/tiles/basemap/WebMercatorQuad/16/21473/35191", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(ts_http_header(&r, "ETag"), bm1);
    ts_http_resp_free(&r);
}

static void test_bad_input_is_a_problem_naming_the_parameter(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *parameter;
    } cases[] = {
        {"/collections/buildings/tiles/WebMercatorQuad/25/0/0", 400, "z"},
        {"/collections/buildings/tiles/WebMercatorQuad/-1/0/0", 400, "z"},
        {"/collections/buildings/tiles/WebMercatorQuad/abc/0/0", 400, "z"},
        {"/collections/buildings/tiles/WebMercatorQuad/1.5/0/0", 400, "z"},
        {"/collections/buildings/tiles/WebMercatorQuad/99999999999999999999/0/0", 400, "z"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/4/0", 400, "y"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/-1/0", 400, "y"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/x/0", 400, "y"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/0/4", 400, "x"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/0/-3", 400, "x"},
        {"/collections/buildings/tiles/WebMercatorQuad/0/0/1", 400, "x"},
        {"/collections/buildings/tiles/WebMercatorQuad/2/0/1e3", 400, "x"},
        {"/collections/nosuchlayer/tiles/WebMercatorQuad/2/0/0", 404, "collectionId"},
        {"/collections/Bad%20Name/tiles/WebMercatorQuad/2/0/0", 404, "collectionId"},
        {"/collections/nosuchlayer/tiles/WebMercatorQuad", 404, "collectionId"},
        {"/collections/nosuchlayer/tiles", 404, "collectionId"},
        {"/collections/buildings/tiles/WorldCRS84Quad/2/0/0", 404, "tileMatrixSetId"},
        {"/collections/buildings/tiles/WorldCRS84Quad", 404, "tileMatrixSetId"},
        {"/tiles/other/WebMercatorQuad/2/0/0", 404, "tilesetId"},
        {"/tiles/other/WebMercatorQuad", 404, "tilesetId"},
        {"/tiles/basemap/WorldCRS84Quad/2/0/0", 404, "tileMatrixSetId"},
        {"/tiles/basemap/WebMercatorQuad/30/0/0", 400, "z"},
        {"/tiles/basemap/WebMercatorQuad/3/8/0", 400, "y"},
        {"/tiles/basemap/WebMercatorQuad/3/0/8", 400, "x"},
    };
    (void)state;
    NEED_DATA();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ts_http_resp r;
        json_t *j;
        get(cases[i].path, NULL, &r);
        if (r.status != cases[i].status)
            fail_msg("%s: %ld, not %ld", cases[i].path, r.status, cases[i].status);
        assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
        j = json_loads(r.body, 0, NULL);
        assert_non_null(j);
        const char *param = json_string_value(json_object_get(j, "parameter"));
        if (!param || strcmp(param, cases[i].parameter) != 0)
            fail_msg("%s: parameter %s, not %s", cases[i].path, param ? param : "(none)",
                     cases[i].parameter);
        assert_non_null(json_string_value(json_object_get(j, "detail")));
        json_decref(j);
        ts_http_resp_free(&r);
    }

    /* German when asked for */
    const char *de[] = {"Accept-Language: de", NULL};
    ts_http_resp r;
    get("/collections/nosuchlayer/tiles/WebMercatorQuad/2/0/0", de, &r);
    assert_non_null(strstr(r.body, "Kachelsatz"));
    ts_http_resp_free(&r);
}

/* A store without a base map (no import yet): the base map is a 404 that
 * says how to make it, and the server stays up. */
static void test_no_basemap_yet(void **state)
{
    ts_server other;
    ts_http_resp r;
    (void)state;
    assert_int_equal(ts_server_start(&other, "api_tiles_empty", NULL), 0);
    const char *paths[] = {"/tiles/basemap/WebMercatorQuad",
                           "/tiles/basemap/WebMercatorQuad/1/0/0"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(ts_http_get(ts_server_url(&other, paths[i]), &r), 0);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.body, "geoeditor import"));
        assert_non_null(strstr(r.body, "\"parameter\":\"tilesetId\""));
        ts_http_resp_free(&r);
    }
    assert_int_equal(ts_http_get(ts_server_url(&other, "/healthz"), &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    assert_int_equal(ts_server_stop(&other), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiles_hold_the_right_features),
        cmocka_unit_test(test_gdal_mvt_driver_reads_a_tile),
        cmocka_unit_test(test_collection_tilejson),
        cmocka_unit_test(test_basemap),
        cmocka_unit_test(test_etag_gzip_cache_and_empty),
        cmocka_unit_test(test_tile_cache_gauges),
        cmocka_unit_test(test_bad_input_is_a_problem_naming_the_parameter),
        cmocka_unit_test(test_new_import_invalidates_tiles),
        cmocka_unit_test(test_no_basemap_yet),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
