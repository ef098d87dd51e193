/*
 * test_api_oapif_gdal.c - GDAL's OAPIF driver as a real client of our OGC API
 * - Features, on the shared OSM extract imported by the real binary
 * (EPSG:25833; skips visibly when ../shared/data is absent):
 *
 *  - `ogrinfo -ro OAPIF:http://127.0.0.1:PORT` lists every collection;
 *  - `ogr2ogr -oo PAGE_SIZE=100` copies every collection into a GeoPackage,
 *    paging through our next links (the items route must be called at least
 *    once per page, counted in /metrics);
 *  - each copied layer has the store's feature count and fids, and every
 *    geometry, reprojected by GDAL from CRS84 back to EPSG:25833, lies within
 *    1 cm (Hausdorff distance, GEOS) of the geometry in the store, which GDAL
 *    reads from the SpatiaLite file itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <gdal.h>
#include <geos_c.h>
#include <jansson.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_run.h"
#include "ts_server.h"

#define PAGE_SIZE   100
#define TOLERANCE_M 0.01

static ts_server srv;
static bool have_data;
static char out_gpkg[4096];

static int setup(void **state)
{
    const char *osm = ts_shared_osm();
    ts_server_opts o = {0};
    char db[4096];
    (void)state;

    if (!osm) return 0;
    have_data = true;
    snprintf(db, sizeof db, "%s", ts_path(ts_tmpdir("api_oapif_gdal_db"), "osm.db"));
    if (ts_run_import_srid(db, "25833", osm) != 0) return -1;
    o.db = db;
    GDALAllRegister();
    return ts_server_start(&srv, "api_oapif_gdal", &o);
}

static int teardown(void **state)
{
    (void)state;
    if (!have_data) return 0;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* The collections with their feature counts, from our own API. */
static json_t *collections(void)
{
    ts_http_resp r;
    json_t *doc;
    assert_int_equal(ts_http_get(ts_server_url(&srv, "/collections"), &r), 0);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    ts_http_resp_free(&r);
    return doc;
}

/* Successful GETs of the items route, from /metrics. */
#define ITEMS_REQUESTS                                                                             \
    "http_requests_total{route=\"/collections/{id}/items\",method=\"GET\",status=\"200\"}"

static long items_requests(void)
{
    double v = ts_metric(&srv, ITEMS_REQUESTS);
    return v < 0 ? 0 : (long)v;
}

static void test_ogrinfo_lists_every_collection(void **state)
{
    char ds[128];
    ts_run_result r;
    json_t *doc, *c;
    size_t i;
    (void)state;

    if (!have_data) skip();
    snprintf(ds, sizeof ds, "OAPIF:%s", srv.base);
    {
        const char *argv[] = {"ogrinfo", "-ro", "-q", ds, NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
    }
    if (r.status != 0) fprintf(stderr, "ogrinfo: %s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    doc = collections();
    assert_true(json_array_size(json_object_get(doc, "collections")) >= 11);
    json_array_foreach(json_object_get(doc, "collections"), i, c)
    {
        char line[128];
        snprintf(line, sizeof line, "%zu: %s ", i + 1, json_string_value(json_object_get(c, "id")));
        if (!strstr(r.out, line)) fail_msg("ogrinfo does not list '%s':\n%s", line, r.out);
    }
    json_decref(doc);
    ts_run_free(&r);
}

/* Hausdorff distance of two OGR geometries, through GEOS. */
static double distance(GEOSContextHandle_t h, OGRGeometryH a, OGRGeometryH b)
{
    size_t na = (size_t)OGR_G_WkbSize(a), nb = (size_t)OGR_G_WkbSize(b);
    unsigned char *wa = malloc(na), *wb = malloc(nb);
    GEOSWKBReader *rd = GEOSWKBReader_create_r(h);
    GEOSGeometry *ga, *gb;
    double d = -1;

    OGR_G_ExportToIsoWkb(a, wkbNDR, wa);
    OGR_G_ExportToIsoWkb(b, wkbNDR, wb);
    ga = GEOSWKBReader_read_r(h, rd, wa, na);
    gb = GEOSWKBReader_read_r(h, rd, wb, nb);
    if (!ga || !gb || !GEOSHausdorffDistance_r(h, ga, gb, &d)) d = -1;
    if (ga) GEOSGeom_destroy_r(h, ga);
    if (gb) GEOSGeom_destroy_r(h, gb);
    GEOSWKBReader_destroy_r(h, rd);
    free(wa);
    free(wb);
    return d;
}

/* Every feature of the copied layer against the store's, by fid. */
static void compare_layer(GDALDatasetH copy, GDALDatasetH store, const char *name,
                          json_int_t expected, GEOSContextHandle_t h, double *worst)
{
    char table[96];
    OGRLayerH lc = GDALDatasetGetLayerByName(copy, name), ls;
    OGRSpatialReferenceH utm = OSRNewSpatialReference(NULL);
    OGRCoordinateTransformationH ct = NULL;
    OGRFeatureH f;
    json_int_t n = 0;

    snprintf(table, sizeof table, "ref_%s", name);
    ls = GDALDatasetGetLayerByName(store, table);
    if (expected == 0 && !lc) goto out; /* an empty collection may leave no layer */
    if (!lc) fail_msg("layer %s was not copied", name);
    assert_non_null(ls);
    OSRImportFromEPSG(utm, 25833);
    OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
    {
        OGRSpatialReferenceH src = OGR_L_GetSpatialRef(lc);
        assert_non_null(src);
        OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(src, utm);
        assert_non_null(ct);
    }
    assert_int_equal(OGR_L_GetFeatureCount(lc, TRUE), expected);
    assert_int_equal(OGR_L_GetFeatureCount(ls, TRUE), expected);
    OGR_L_ResetReading(lc);
    while ((f = OGR_L_GetNextFeature(lc))) {
        GIntBig fid = OGR_F_GetFID(f);
        OGRFeatureH sf = OGR_L_GetFeature(ls, fid);
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        double d;
        if (!sf) fail_msg("%s: feature %lld is not in the store", name, (long long)fid);
        assert_non_null(g);
        assert_int_equal(OGR_G_Transform(g, ct), OGRERR_NONE);
        d = distance(h, g, OGR_F_GetGeometryRef(sf));
        if (d < 0 || d > TOLERANCE_M)
            fail_msg("%s: feature %lld differs by %.4f m after the round trip", name,
                     (long long)fid, d);
        if (d > *worst) *worst = d;
        OGR_F_Destroy(sf);
        OGR_F_Destroy(f);
        n++;
    }
    assert_int_equal(n, expected);
out:
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(utm);
}

static void test_ogr2ogr_copies_every_collection(void **state)
{
    char ds[128], page[32];
    ts_run_result r;
    json_t *doc, *c;
    size_t i;
    long before, after, pages = 0;
    GDALDatasetH copy, store;
    GEOSContextHandle_t h;
    double worst = 0;
    (void)state;

    if (!have_data) skip();
    snprintf(ds, sizeof ds, "OAPIF:%s", srv.base);
    snprintf(page, sizeof page, "PAGE_SIZE=%d", PAGE_SIZE);
    snprintf(out_gpkg, sizeof out_gpkg, "%s",
             ts_path(ts_tmpdir("api_oapif_gdal_out"), "copy.gpkg"));
    doc = collections();
    json_array_foreach(json_object_get(doc, "collections"), i, c)
    {
        json_int_t n = json_integer_value(json_object_get(c, "numberOfFeatures"));
        pages += n ? (long)((n + PAGE_SIZE - 1) / PAGE_SIZE) : 1;
    }
    before = items_requests();
    {
        const char *argv[] = {"ogr2ogr", "-f", "GPKG", "-preserve_fid", "-oo", page,
                              out_gpkg,  ds,   NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
    }
    if (r.status != 0) fprintf(stderr, "ogr2ogr: %s\n%s\n", r.out, r.err);
    assert_int_equal(r.status, 0);
    ts_run_free(&r);
    /* the server counts a request after its response is sent: give the last one a moment */
    after = (long)ts_metric_wait_at_least(&srv, ITEMS_REQUESTS, (double)(before + pages), 5);
    /* paged: at least one request per page of PAGE_SIZE */
    if (after - before < pages)
        fail_msg("ogr2ogr made %ld items requests, want at least %ld pages", after - before, pages);

    copy = GDALOpenEx(out_gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    store = GDALOpenEx(ts_store_gdal(srv.db), GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(copy);
    assert_non_null(store);
    h = GEOS_init_r();
    json_array_foreach(json_object_get(doc, "collections"), i, c)
    {
        compare_layer(copy, store, json_string_value(json_object_get(c, "id")),
                      json_integer_value(json_object_get(c, "numberOfFeatures")), h, &worst);
    }
    printf("ogr2ogr copied %zu collections in %ld pages; worst geometry difference %.4f m\n",
           json_array_size(json_object_get(doc, "collections")), after - before, worst);
    GEOS_finish_r(h);
    GDALClose(copy);
    GDALClose(store);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ogrinfo_lists_every_collection),
        cmocka_unit_test(test_ogr2ogr_copies_every_collection),
    };
    int failed;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return ts_exit(failed);
}
