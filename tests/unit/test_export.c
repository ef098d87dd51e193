/*
 * test_export.c - the case exports (export.h): every format written from a
 * few known geometries in the store CRS, the bytes saved to a file and
 * reopened with GDAL, which must find the same number of features, the same
 * attributes, the geometries within a centimetre of the same points
 * transformed by our own PROJ wrapper (crs.h, not GDAL's transform), and the
 * CRS asked for (KML: always WGS 84); the location sentences in the
 * columns location and location_en (location_e in a shapefile, which keeps
 * one of 130 bytes whole: longer than the 80 a text field starts with),
 * none in DXF, where each case is a layer named by its cleaned reference
 * with a text giving the case id; DXF refuses a CRS that is not metric.
 * The Shapefile ZIP's entries are dated now. Also: the format names, refused
 * geometries that leave the export usable, CSV formula guarding (of the
 * reference and the sentences), exports in four threads at once, and no
 * /vsimem/ file left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <geos_c.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crs.h"
#include "export.h"
#include "geos_ctx.h"
#include "ts.h"
#include "zip_time.h"

#define STORE_SRID 25833

/* Known features in EPSG:25833 (Berlin-Reinickendorf), exterior rings
 * counter-clockwise. */
static const struct {
    const char *case_id;
    const char *service;
    const char *status;
    const char *reference;
    const char *start, *end;
    const char *created;
    bool valid;
    int feature;
    const char *wkt;
    const char *location, *location_en;
} rows[] = {
    {"0123456789abcdef0123456789abcdef", "skip-container", "received", "AZ-2026-0042", "2026-12-01",
     "2026-12-05", "2026-11-25T21:22:43Z", true, 0,
     "POLYGON ((385000 5828000,385010 5828000,385010 5828003,385000 5828003,385000 5828000))",
     "Lindenallee, vor Nr. 9, Nordseite, 6 m vom Hydranten",
     "Lindenallee, in front of no. 9, north side, 6 m from the hydrant"},
    {"fedcba9876543210fedcba9876543210", "construction-access", "in_review", "Bau/17 Zufahrt",
     "2026-12-10", "2027-01-31", "2026-11-24T08:00:00Z", false, 0,
     "LINESTRING (385100 5828100,385150 5828120,385180 5828180)", NULL, NULL},
    {"fedcba9876543210fedcba9876543210", "construction-access", "in_review", "Bau/17 Zufahrt",
     "2026-12-10", "2027-01-31", "2026-11-24T08:00:00Z", false, 1,
     "POLYGON ((385200 5828200,385220 5828200,385220 5828230,385200 5828200))",
     "Große Straße der Deutsch-Französischen Freundschaft Ecke "
     "Karl-Marx-Allee, zwischen Nr. 117a und 119, Südwestseite, 4,5 m vom Baum",
     "Große Straße der Deutsch-Französischen Freundschaft corner of "
     "Karl-Marx-Allee, between no. 117a and 119, south-west side, 4.5 m from the tree"},
    {"00000000000000000000000000000001", "info-stand", "approved", NULL, NULL, NULL,
     "2026-11-20T10:15:00Z", true, 0, "POINT (385300.25 5828300.75)", "Marktplatz", "Marktplatz"},
    {"00000000000000000000000000000002", "info-stand", "changes_requested", "Stand äß",
     "2026-12-24", "2026-12-24", "2026-11-21T23:59:59Z", true, 0,
     "MULTIPOLYGON (((385400 5828400,385405 5828400,385405 5828405,385400 5828405,385400 5828400)),"
     "((385410 5828400,385415 5828400,385415 5828405,385410 5828400)))",
     "Kirchweg, gegenüber Nr. 12", "Kirchweg, opposite no. 12"},
    {"00000000000000000000000000000003", "info-stand", "rejected", "multi", "2027-02-01",
     "2027-02-02", "2026-11-22T00:00:00Z", false, 0,
     "MULTIPOINT ((385500 5828500),(385501 5828502))", "bei Lindenallee 9", "near Lindenallee 9"},
};
#define NROWS (sizeof rows / sizeof rows[0])

static GEOSContextHandle_t gh;

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    gh = ge_geos_ctx_new();
    return gh ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ge_geos_ctx_free(gh);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static unsigned char *wkb_of(const char *wkt, size_t *len)
{
    OGRGeometryH g = NULL;
    unsigned char *buf;
    char *p = (char *)wkt;
    assert_int_equal(OGR_G_CreateFromWkt(&p, NULL, &g), OGRERR_NONE);
    *len = (size_t)OGR_G_WkbSize(g);
    buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(OGR_G_ExportToIsoWkb(g, wkbNDR, buf), OGRERR_NONE);
    OGR_G_DestroyGeometry(g);
    return buf;
}

static ge_export_row row_of(size_t i, unsigned char **wkb)
{
    ge_export_row r = {.case_id = rows[i].case_id,
                       .service = rows[i].service,
                       .status = rows[i].status,
                       .reference = rows[i].reference,
                       .period_start = rows[i].start,
                       .period_end = rows[i].end,
                       .created = rows[i].created,
                       .valid = rows[i].valid,
                       .feature = rows[i].feature,
                       .location = rows[i].location,
                       .location_en = rows[i].location_en};
    *wkb = wkb_of(rows[i].wkt, &r.wkb_len);
    r.wkb = *wkb;
    return r;
}

/* Writes every row in format f and crs; the file's bytes. */
static char *write_all(ge_export_format f, const ge_crs *crs, size_t *len)
{
    ge_export *x;
    ge_err err;
    char *bytes = NULL;
    int rc = ge_export_begin(&x, f, STORE_SRID, crs, &err);
    if (rc != GE_OK) fail_msg("begin %s: %s", ge_export_format_name(f), err.msg);
    for (size_t i = 0; i < NROWS; i++) {
        unsigned char *wkb;
        ge_export_row r = row_of(i, &wkb);
        rc = ge_export_add(x, &r, &err);
        free(wkb);
        if (rc != GE_OK) fail_msg("add %s row %zu: %s", ge_export_format_name(f), i, err.msg);
    }
    assert_int_equal(ge_export_count(x), NROWS);
    rc = ge_export_finish(x, time(NULL), &bytes, len, &err);
    if (rc != GE_OK) fail_msg("finish %s: %s", ge_export_format_name(f), err.msg);
    assert_non_null(bytes);
    assert_true(*len > 0);
    return bytes;
}

static const char *save(const char *dir, ge_export_format f, const char *bytes, size_t len)
{
    char name[64];
    const char *path;
    FILE *fp;
    snprintf(name, sizeof name, "cases.%s", ge_export_extension(f));
    path = ts_path(dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
    return path;
}

/* Transforms every vertex of g in place with our own PROJ wrapper. */
static void transform_ours(OGRGeometryH g, const ge_crs *to)
{
    ge_crs from;
    ge_err err;
    int n = OGR_G_GetGeometryCount(g);
    if (n > 0) {
        for (int i = 0; i < n; i++)
            transform_ours(OGR_G_GetGeometryRef(g, i), to);
        return;
    }
    assert_int_equal(ge_crs_from_epsg(STORE_SRID, &from, &err), GE_OK);
    for (int i = 0; i < OGR_G_GetPointCount(g); i++) {
        double xy[2] = {OGR_G_GetX(g, i), OGR_G_GetY(g, i)};
        assert_int_equal(ge_crs_transform(&from, to, xy, 1, &err), GE_OK);
        if (to->latlon) { /* files hold x = longitude */
            double t = xy[0];
            xy[0] = xy[1];
            xy[1] = t;
        }
        OGR_G_SetPoint_2D(g, i, xy[0], xy[1]);
    }
}

static GEOSGeometry *to_geos(OGRGeometryH g)
{
    size_t n = (size_t)OGR_G_WkbSize(g);
    unsigned char *buf = malloc(n);
    GEOSWKBReader *r = GEOSWKBReader_create_r(gh);
    GEOSGeometry *out;
    assert_int_equal(OGR_G_ExportToIsoWkb(g, wkbNDR, buf), OGRERR_NONE);
    out = GEOSWKBReader_read_r(gh, r, buf, n);
    GEOSWKBReader_destroy_r(gh, r);
    free(buf);
    assert_non_null(out);
    return out;
}

/* Every vertex of got within tol of expected and back (Hausdorff), and the
 * same geometry type - except DXF, which has no polygons (closed polylines
 * come back as lines: compare with the rings) and no multi geometries. */
static void assert_same_geometry(ge_export_format f, OGRGeometryH got, const char *wkt,
                                 const ge_crs *crs, double tol)
{
    OGRGeometryH want = NULL;
    GEOSGeometry *a, *b, *ab;
    double d = INFINITY;
    char *p = (char *)wkt;
    assert_int_equal(OGR_G_CreateFromWkt(&p, NULL, &want), OGRERR_NONE);
    transform_ours(want, crs);
    a = to_geos(want);
    b = to_geos(got);
    if (f == GE_EXPORT_DXF) {
        ab = GEOSGetNumCoordinates_r(gh, a) > 0 && GEOSGeomTypeId_r(gh, a) >= GEOS_POLYGON &&
                     GEOSGeomTypeId_r(gh, a) != GEOS_MULTIPOINT
                 ? GEOSBoundary_r(gh, a)
                 : GEOSGeom_clone_r(gh, a);
        GEOSGeom_destroy_r(gh, a);
        a = ab;
    } else if (f != GE_EXPORT_SHP || wkbFlatten(OGR_G_GetGeometryType(want)) != wkbPolygon) {
        /* A shapefile polygon layer reads back as Polygon or MultiPolygon
         * as the rings say; the rest keep their type exactly. */
        assert_string_equal(OGR_G_GetGeometryName(got), OGR_G_GetGeometryName(want));
    }
    assert_int_equal(GEOSHausdorffDistance_r(gh, a, b, &d), 1);
    if (!(d <= tol))
        fail_msg("%s: %s is %g from what was written", ge_export_format_name(f), wkt, d);
    GEOSGeom_destroy_r(gh, a);
    GEOSGeom_destroy_r(gh, b);
    OGR_G_DestroyGeometry(want);
}

/* A date or timestamp field as ISO 8601 text, whatever the field type. */
static void field_iso(OGRFeatureH feat, int i, char *out, size_t size)
{
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(feat, i));
    int y, mo, d, h, mi, tz;
    float s;
    out[0] = '\0';
    if (!OGR_F_IsFieldSetAndNotNull(feat, i)) return;
    if (t != OFTDate && t != OFTDateTime) {
        snprintf(out, size, "%s", OGR_F_GetFieldAsString(feat, i));
        return;
    }
    assert_true(OGR_F_GetFieldAsDateTimeEx(feat, i, &y, &mo, &d, &h, &mi, &s, &tz));
    if (t == OFTDate)
        snprintf(out, size, "%04d-%02d-%02d", y, mo, d);
    else
        snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, (int)s);
}

static const char *field_text(OGRFeatureH feat, const char *name)
{
    static char buf[4][512];
    static int next;
    char *out = buf[next++ % 4];
    int i = OGR_F_GetFieldIndex(feat, name);
    if (i < 0) fail_msg("no field %s", name);
    field_iso(feat, i, out, 512);
    return out;
}

static int field_int(OGRFeatureH feat, const char *name)
{
    int i = OGR_F_GetFieldIndex(feat, name);
    const char *s;
    if (i < 0) fail_msg("no field %s", name);
    s = OGR_F_GetFieldAsString(feat, i);
    if (!strcmp(s, "true")) return 1;
    if (!strcmp(s, "false")) return 0;
    return OGR_F_GetFieldAsInteger(feat, i);
}

/* The row a feature read back stands for (case_id and feature index). */
static size_t find_row(ge_export_format f, OGRFeatureH feat, OGRGeometryH g)
{
    if (f == GE_EXPORT_DXF) {
        /* Only the layer names the case (by its cleaned reference); the
         * geometry type tells the row. */
        static const char *const layers[NROWS] = {"AZ-2026-0042",   "Bau_17_Zufahrt",
                                                  "Bau_17_Zufahrt", "case_00000000",
                                                  "Stand_aess",     "multi"};
        const char *layer = field_text(feat, "Layer");
        for (size_t i = 0; i < NROWS; i++) {
            if (strcmp(layers[i], layer)) continue;
            if (!strcmp(rows[i].case_id, "fedcba9876543210fedcba9876543210"))
                return OGR_G_GetPointCount(g) == 3 ? 1
                                                   : 2; /* the line has 3 vertices, the ring 4 */
            return i;
        }
        fail_msg("DXF layer %s is no case of ours", layer);
    }
    for (size_t i = 0; i < NROWS; i++)
        if (!strcmp(rows[i].case_id, field_text(feat, "case_id")) &&
            rows[i].feature == field_int(feat, "feature"))
            return i;
    fail_msg("feature of case %s is not one we wrote", field_text(feat, "case_id"));
    return 0;
}

static void assert_attributes(ge_export_format f, OGRFeatureH feat, size_t i)
{
    const char *start = f == GE_EXPORT_SHP ? "period_sta" : "period_start";
    assert_string_equal(field_text(feat, "service"), rows[i].service);
    assert_string_equal(field_text(feat, "status"), rows[i].status);
    assert_string_equal(field_text(feat, "reference"), rows[i].reference ? rows[i].reference : "");
    assert_string_equal(field_text(feat, start), rows[i].start ? rows[i].start : "");
    assert_string_equal(field_text(feat, "period_end"), rows[i].end ? rows[i].end : "");
    assert_string_equal(field_text(feat, "created"), rows[i].created);
    assert_int_equal(field_int(feat, "valid"), rows[i].valid);
    assert_string_equal(field_text(feat, "location"), rows[i].location ? rows[i].location : "");
    assert_string_equal(field_text(feat, f == GE_EXPORT_SHP ? "location_e" : "location_en"),
                        rows[i].location_en ? rows[i].location_en : "");
}

/* Opens the file with GDAL and checks everything against rows[]. */
static void check_file(ge_export_format f, const char *path, const ge_crs *asked)
{
    ge_crs crs = ge_export_output_crs(f, asked);
    double tol = ge_crs_is_geographic(&crs) ? 1e-7 : 0.01; /* about 1 cm */
    GDALDatasetH ds;
    int seen[NROWS] = {0};
    size_t total = 0, labels = 0;

    /* GDAL reads a .shp.zip directly, like QGIS does. */
    ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) fail_msg("GDAL cannot open %s: %s", path, CPLGetLastErrorMsg());

    if (f == GE_EXPORT_SHP) {
        const char *want[] = {"cases_point", "cases_line", "cases_polygon", "cases_multipoint"};
        assert_int_equal(GDALDatasetGetLayerCount(ds), 4);
        for (size_t i = 0; i < 4; i++)
            if (!GDALDatasetGetLayerByName(ds, want[i]))
                fail_msg("no layer %s in the zip", want[i]);
    } else if (f != GE_EXPORT_DXF) {
        assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
        assert_non_null(GDALDatasetGetLayerByName(ds, "cases"));
    }

    for (int li = 0; li < GDALDatasetGetLayerCount(ds); li++) {
        OGRLayerH layer = GDALDatasetGetLayer(ds, li);
        OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
        OGRFeatureH feat;
        if (f != GE_EXPORT_CSV && f != GE_EXPORT_CSV_EXCEL && f != GE_EXPORT_DXF) {
            const char *code;
            char want[16];
            if (!srs) fail_msg("%s: layer without CRS", ge_export_format_name(f));
            OSRAutoIdentifyEPSG(srs);
            code = OSRGetAuthorityCode(srs, NULL);
            snprintf(want, sizeof want, "%d", crs.epsg);
            if (!code || strcmp(code, want))
                fail_msg("%s: CRS %s, asked for EPSG:%s", ge_export_format_name(f),
                         code ? code : "(none)", want);
        }
        OGR_L_ResetReading(layer);
        while ((feat = OGR_L_GetNextFeature(layer))) {
            OGRGeometryH g = OGR_F_GetGeometryRef(feat);
            size_t i;
            assert_non_null(g);
            if (f == GE_EXPORT_DXF && strstr(field_text(feat, "SubClasses"), "AcDbMText")) {
                /* the case id on the case's layer, once per case */
                const char *text = field_text(feat, "Text");
                bool known = false;
                for (size_t k = 0; k < NROWS; k++)
                    known = known || !strcmp(text, rows[k].case_id);
                if (!known) fail_msg("DXF text '%s' is no case id of ours", text);
                labels++;
                OGR_F_Destroy(feat);
                continue;
            }
            i = find_row(f, feat, g);
            seen[i]++;
            total++;
            if (f != GE_EXPORT_DXF) assert_attributes(f, feat, i);
            /* DXF keeps no attribute but the layer: no sentence */
            if (f == GE_EXPORT_DXF) assert_true(OGR_F_GetFieldIndex(feat, "location") < 0);
            if (f == GE_EXPORT_DXF && !strncmp(rows[i].wkt, "MULTI", 5)) {
                /* DXF writes each part as an entity of its own. */
                OGR_F_Destroy(feat);
                continue;
            }
            assert_same_geometry(f, g, rows[i].wkt, &crs, tol);
            OGR_F_Destroy(feat);
        }
    }
    if (f == GE_EXPORT_DXF) {
        /* the two parts of the MultiPolygon and of the MultiPoint */
        assert_int_equal(total, NROWS + 2);
        assert_int_equal(labels, 5); /* five cases */
        for (size_t i = 0; i < NROWS; i++)
            assert_int_equal(seen[i], strncmp(rows[i].wkt, "MULTI", 5) ? 1 : 2);
    } else {
        assert_int_equal(total, NROWS);
        for (size_t i = 0; i < NROWS; i++)
            assert_int_equal(seen[i], 1);
    }
    GDALClose(ds);
}

static bool vsimem_clean(void)
{
    char **list = VSIReadDir("/vsimem/");
    bool clean = true;
    for (int i = 0; list && list[i]; i++)
        if (!strncmp(list[i], "ge_export_", 10)) clean = false;
    CSLDestroy(list);
    return clean;
}

/* ---- tests --------------------------------------------------------------- */

static void test_format_names(void **state)
{
    static const char *names[] = {"gpkg", "shp", "kml", "csv", "dxf", "geojson", "csv-excel"};
    static const char *ext[] = {"gpkg", "shp.zip", "kml", "csv", "dxf", "geojson", "csv"};
    ge_export_format f;
    ge_err err;
    (void)state;
    assert_int_equal(GE_EXPORT_NFORMATS, 7);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(ge_export_format_parse(names[i], &f, &err), GE_OK);
        assert_int_equal(f, i);
        assert_string_equal(ge_export_format_name(f), names[i]);
        assert_string_equal(ge_export_extension(f), ext[i]);
    }
    assert_string_equal(ge_export_media_type(GE_EXPORT_GPKG), "application/geopackage+sqlite3");
    assert_string_equal(ge_export_media_type(GE_EXPORT_SHP), "application/zip");
    assert_string_equal(ge_export_media_type(GE_EXPORT_GEOJSON), "application/geo+json");
    assert_int_equal(ge_export_format_parse("xlsx", &f, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "'xlsx'"));
    assert_non_null(strstr(err.msg, "gpkg, shp, kml, csv, dxf, geojson"));
    assert_int_equal(ge_export_format_parse("GPKG", &f, &err), GE_EINVAL);
    assert_int_equal(ge_export_format_parse("", &f, &err), GE_EINVAL);
    assert_int_equal(ge_export_format_parse(NULL, &f, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "geojson"));
}

static void roundtrip(const char *crs_id)
{
    const char *dir = ts_tmpdir("export");
    ge_crs crs;
    ge_err err;
    assert_int_equal(ge_crs_parse(crs_id, &crs, &err), GE_OK);
    for (int f = 0; f < GE_EXPORT_NFORMATS; f++) {
        size_t len;
        if (!ge_export_crs_allowed((ge_export_format)f, &crs)) continue; /* test_dxf_metric */
        char *bytes = write_all((ge_export_format)f, &crs, &len);
        const char *path = save(dir, (ge_export_format)f, bytes, len);
        check_file((ge_export_format)f, path, &crs);
        free(bytes);
    }
    assert_true(vsimem_clean());
}

static void test_roundtrip_crs84(void **state)
{
    (void)state;
    roundtrip("CRS84");
}

static void test_roundtrip_store_crs(void **state)
{
    (void)state;
    roundtrip("EPSG:25833"); /* no transform at all */
}

static void test_roundtrip_other_utm_zone(void **state)
{
    (void)state;
    roundtrip("EPSG:25832"); /* a real transform between two projected CRSs */
}

static void test_roundtrip_epsg4326(void **state)
{
    (void)state;
    roundtrip("EPSG:4326"); /* files keep longitude first, only the CRS named differs */
}

static void test_geojson_crs_member(void **state)
{
    ge_crs crs;
    ge_err err;
    size_t len;
    char *bytes;
    (void)state;
    bytes = write_all(GE_EXPORT_GEOJSON, &GE_CRS84, &len);
    assert_null(strstr(bytes, "\"crs\"")); /* RFC 7946 */
    assert_non_null(strstr(bytes, "13.")); /* longitude first */
    free(bytes);
    assert_int_equal(ge_crs_parse("EPSG:25833", &crs, &err), GE_OK);
    bytes = write_all(GE_EXPORT_GEOJSON, &crs, &len);
    assert_non_null(strstr(bytes, "\"crs\""));
    assert_non_null(strstr(bytes, "25833"));
    assert_non_null(strstr(bytes, "385300.25")); /* store coordinates untouched */
    free(bytes);
}

static void test_kml_is_always_wgs84(void **state)
{
    ge_crs crs, out;
    ge_err err;
    size_t len;
    char *bytes;
    (void)state;
    assert_int_equal(ge_crs_parse("EPSG:25833", &crs, &err), GE_OK);
    out = ge_export_output_crs(GE_EXPORT_KML, &crs);
    assert_true(ge_crs_equal(&out, &GE_CRS84));
    out = ge_export_output_crs(GE_EXPORT_GPKG, &crs);
    assert_true(ge_crs_equal(&out, &crs));
    bytes = write_all(GE_EXPORT_KML, &crs, &len);
    assert_null(strstr(bytes, "385300")); /* no metres in the KML */
    assert_non_null(strstr(bytes, "<coordinates>13."));
    free(bytes);
}

static void test_csv_text(void **state)
{
    ge_export *x;
    ge_err err;
    unsigned char *wkb;
    ge_export_row r = row_of(0, &wkb);
    char *bytes;
    size_t len;
    (void)state;
    r.reference = "=HYPERLINK(\"http://evil.example\")";
    /* a street name from the imported data could be one too */
    r.location = "@SUM(1+1), vor Nr. 9";
    r.location_en = "+cmd, in front of no. 9";
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_CSV, STORE_SRID, &GE_CRS84, &err), GE_OK);
    assert_int_equal(ge_export_add(x, &r, &err), GE_OK);
    r.reference = "AZ-1";
    r.location = "Lindenallee";
    r.location_en = NULL;
    r.feature = 1;
    assert_int_equal(ge_export_add(x, &r, &err), GE_OK);
    assert_int_equal(ge_export_finish(x, time(NULL), &bytes, &len, &err), GE_OK);
    /* the header, ISO dates, WKT first, the formula defused */
    assert_non_null(strstr(bytes, "WKT,case_id,service,status,reference,period_start,period_end,"
                                  "created,valid,feature,location,location_en\r\n"));
    assert_non_null(strstr(bytes, "\"POLYGON ((13."));
    assert_non_null(strstr(bytes, "2026-12-01,2026-12-05,2026-11-25T21:22:43Z"));
    assert_non_null(strstr(bytes, "'=HYPERLINK"));
    assert_null(strstr(bytes, ",=HYPERLINK"));
    assert_non_null(strstr(bytes, ",AZ-1,"));
    assert_non_null(strstr(bytes, ",\"'@SUM(1+1), vor Nr. 9\",\"'+cmd, in front of no. 9\"\r\n"));
    assert_non_null(strstr(bytes, ",Lindenallee,\r\n"));
    free(bytes);
    free(wkb);
}

static void test_bad_geometry_keeps_export_usable(void **state)
{
    static const unsigned char garbage[] = {1, 3, 0, 0, 0, 9, 9};
    ge_export *x;
    ge_err err;
    unsigned char *wkb, *gc;
    ge_export_row r = row_of(3, &wkb), bad = r;
    char *bytes;
    size_t len, gclen;
    (void)state;
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_GPKG, STORE_SRID, &GE_CRS84, &err), GE_OK);
    bad.wkb = garbage;
    bad.wkb_len = sizeof garbage;
    assert_int_equal(ge_export_add(x, &bad, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, rows[3].case_id));
    gc = wkb_of("GEOMETRYCOLLECTION (POINT (385000 5828000))", &gclen);
    bad.wkb = gc;
    bad.wkb_len = gclen;
    assert_int_equal(ge_export_add(x, &bad, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "Collection"));
    bad.wkb = NULL;
    bad.wkb_len = 0;
    assert_int_equal(ge_export_add(x, &bad, &err), GE_EINVAL);
    assert_int_equal(ge_export_add(x, &r, &err), GE_OK);
    assert_int_equal(ge_export_count(x), 1);
    assert_int_equal(ge_export_finish(x, time(NULL), &bytes, &len, &err), GE_OK);
    assert_true(len > 1000);
    free(bytes);
    free(wkb);
    free(gc);
    assert_true(vsimem_clean());
}

static void test_begin_refuses(void **state)
{
    ge_export *x = (ge_export *)&x;
    ge_err err;
    (void)state;
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_GPKG, 4326, &GE_CRS84, &err), GE_EINVAL);
    assert_null(x);
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_NFORMATS, STORE_SRID, &GE_CRS84, &err),
                     GE_EINVAL);
    assert_null(x);
    ge_export_abort(NULL);
}

/* CRS84, or for DXF (metres only) the store's. */
static const ge_crs *any_crs(int f)
{
    static ge_crs store;
    ge_crs_from_epsg(STORE_SRID, &store, NULL);
    return f == GE_EXPORT_DXF ? &store : &GE_CRS84;
}

/* DXF is for CAD: degrees and web mercator's stretched metres are refused,
 * both UTM zones taken. */
static void test_dxf_metric(void **state)
{
    ge_export *x = (ge_export *)&x;
    ge_crs crs;
    ge_err err;
    (void)state;
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_DXF, STORE_SRID, &GE_CRS84, &err), GE_EINVAL);
    assert_null(x);
    assert_non_null(strstr(err.msg, "EPSG:25832 or EPSG:25833"));
    assert_false(ge_export_crs_allowed(GE_EXPORT_DXF, &GE_CRS84));
    ge_crs_from_epsg(3857, &crs, NULL);
    assert_false(ge_export_crs_allowed(GE_EXPORT_DXF, &crs));
    assert_true(ge_export_crs_allowed(GE_EXPORT_GPKG, &crs));
    ge_crs_from_epsg(25832, &crs, NULL);
    assert_true(ge_export_crs_allowed(GE_EXPORT_DXF, &crs));
    assert_int_equal(ge_export_begin(&x, GE_EXPORT_DXF, STORE_SRID, &crs, &err), GE_OK);
    ge_export_abort(x);
}

/* The value of a header variable of a DXF file (its group code's value
 * line after the name), as an integer; -1 when missing. */
static int dxf_header_int(const char *dxf, size_t len, const char *name)
{
    char *text = strndup(dxf, len), *line, *save = NULL;
    int seen = 0, value = -1;
    for (line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (seen == 0 && strcmp(line, name) == 0)
            seen = 1;
        else if (seen == 1)
            seen = 2; /* the group code */
        else if (seen == 2) {
            value = atoi(line);
            break;
        }
    }
    free(text);
    return value;
}

/* DXF is drawn in metres: CAD programs read the drawing's units from the
 * header ($INSUNITS 6 = metres, $MEASUREMENT 1 = metric), and scale it by
 * them when it is inserted into another drawing. GDAL's own header template
 * says inches (1) and imperial (0). */
static void test_dxf_units(void **state)
{
    size_t len;
    char *bytes = write_all(GE_EXPORT_DXF, any_crs(GE_EXPORT_DXF), &len);
    (void)state;
    assert_int_equal(dxf_header_int(bytes, len, "$INSUNITS"), 6);
    assert_int_equal(dxf_header_int(bytes, len, "$MEASUREMENT"), 1);
    /* the rest of the header as before: the release GDAL writes */
    char *text = strndup(bytes, len);
    assert_non_null(strstr(text, "$ACADVER"));
    assert_non_null(strstr(text, "AC1018"));
    free(text);
    free(bytes);
}

/* A DXF's areas are closed polylines, outlines a CAD user can snap to and
 * draw over, not GDAL's default of a solid black HATCH that hides what
 * lies under it. The rows hold polygons, so polylines there must be. */
static void test_dxf_outlines(void **state)
{
    size_t len;
    char *bytes = write_all(GE_EXPORT_DXF, any_crs(GE_EXPORT_DXF), &len);
    char *text = strndup(bytes, len);
    (void)state;
    assert_null(strstr(text, "\nHATCH\n"));
    assert_non_null(strstr(text, "\nLWPOLYLINE\n"));
    free(text);
    free(bytes);
}

/* The zip's entries are dated when it was made (local time, DOS format),
 * in the central directory and the local headers. */
static void test_shp_zip_dated(void **state)
{
    size_t len, eocd = 0;
    char *bytes = write_all(GE_EXPORT_SHP, &GE_CRS84, &len);
    const unsigned char *b = (const unsigned char *)bytes;
    unsigned date, tm_, n, pos;
    (void)state;
    ge_zip_dos_time(time(NULL), &date, &tm_);
    for (size_t i = len - 22 + 1; i-- > 0;)
        if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 5 && b[i + 3] == 6) {
            eocd = i;
            break;
        }
    assert_true(eocd > 0);
    n = b[eocd + 10] | b[eocd + 11] << 8;
    assert_true(n >= 12);
    pos = (unsigned)(b[eocd + 16] | b[eocd + 17] << 8 | b[eocd + 18] << 16 | b[eocd + 19] << 24);
    for (unsigned k = 0; k < n; k++) {
        unsigned d = b[pos + 14] | b[pos + 15] << 8;
        unsigned loc =
            (unsigned)(b[pos + 42] | b[pos + 43] << 8 | b[pos + 44] << 16 | b[pos + 45] << 24);
        /* today (a run across midnight: yesterday) */
        if (d != date && d != date - 1)
            fail_msg("zip entry %u dated %u-%02u-%02u", k, (d >> 9) + 1980, d >> 5 & 15, d & 31);
        assert_int_equal(b[loc + 12] | b[loc + 13] << 8, d);
        pos += 46 + (b[pos + 28] | b[pos + 29] << 8) + (b[pos + 30] | b[pos + 31] << 8) +
               (b[pos + 32] | b[pos + 33] << 8);
    }
    free(bytes);
}

static void test_empty_exports(void **state)
{
    const char *dir = ts_tmpdir("export_empty");
    (void)state;
    for (int f = 0; f < GE_EXPORT_NFORMATS; f++) {
        ge_export *x;
        ge_err err;
        char *bytes;
        size_t len;
        const char *path;
        GDALDatasetH ds;
        assert_int_equal(ge_export_begin(&x, (ge_export_format)f, STORE_SRID, any_crs(f), &err),
                         GE_OK);
        if (ge_export_finish(x, time(NULL), &bytes, &len, &err) != GE_OK)
            fail_msg("empty %s: %s", ge_export_format_name((ge_export_format)f), err.msg);
        path = save(dir, (ge_export_format)f, bytes, len);
        free(bytes);
        ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
        if (!ds)
            fail_msg("GDAL cannot open the empty %s", ge_export_format_name((ge_export_format)f));
        for (int li = 0; li < GDALDatasetGetLayerCount(ds); li++)
            assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, li), TRUE), 0);
        GDALClose(ds);
    }
    assert_true(vsimem_clean());
}

static void test_abort_leaves_nothing(void **state)
{
    ge_export *x;
    ge_err err;
    unsigned char *wkb;
    ge_export_row r = row_of(0, &wkb);
    (void)state;
    for (int f = 0; f < GE_EXPORT_NFORMATS; f++) {
        assert_int_equal(ge_export_begin(&x, (ge_export_format)f, STORE_SRID, any_crs(f), &err),
                         GE_OK);
        assert_int_equal(ge_export_add(x, &r, &err), GE_OK);
        assert_false(vsimem_clean());
        ge_export_abort(x);
        assert_true(vsimem_clean());
    }
    free(wkb);
}

/* ---- threads ------------------------------------------------------------- */

#define NTHREADS 4
#define NROUNDS  6

typedef struct worker {
    int index;
    int failures;
    char msg[512];
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    ge_crs crs;
    ge_err err;
    ge_crs metric;
    ge_crs_from_epsg(w->index % 2 ? 25832 : 4326, &crs, &err);
    ge_crs_from_epsg(25832, &metric, &err);
    for (int k = 0; k < NROUNDS; k++) {
        ge_export_format f = (ge_export_format)((w->index + k) % GE_EXPORT_NFORMATS);
        ge_export *x;
        char *bytes = NULL;
        size_t len = 0, n = 0;
        if (ge_export_begin(&x, f, STORE_SRID, f == GE_EXPORT_DXF ? &metric : &crs, &err) < 0)
            goto fail;
        for (size_t i = 0; i < NROWS; i++) {
            size_t wl;
            unsigned char *wkb;
            ge_export_row r = {.case_id = rows[i].case_id,
                               .service = rows[i].service,
                               .status = rows[i].status,
                               .created = rows[i].created,
                               .feature = (int)i};
            OGRGeometryH g = NULL;
            char *p = (char *)rows[i].wkt;
            OGR_G_CreateFromWkt(&p, NULL, &g);
            wl = (size_t)OGR_G_WkbSize(g);
            wkb = malloc(wl);
            OGR_G_ExportToIsoWkb(g, wkbNDR, wkb);
            OGR_G_DestroyGeometry(g);
            r.wkb = wkb;
            r.wkb_len = wl;
            if (ge_export_add(x, &r, &err) == GE_OK)
                n++;
            else
                fprintf(stderr, "thread %d %s row %zu: %s\n", w->index, ge_export_format_name(f), i,
                        err.msg);
            free(wkb);
        }
        if (n != NROWS) {
            ge_export_abort(x);
            snprintf(err.msg, sizeof err.msg, "only %zu rows", n);
            goto fail;
        }
        if (ge_export_finish(x, time(NULL), &bytes, &len, &err) < 0 || len == 0) goto fail;
        free(bytes);
        continue;
    fail:
        w->failures++;
        snprintf(w->msg, sizeof w->msg, "%s: %s", ge_export_format_name(f), err.msg);
    }
    ge_crs_thread_cleanup();
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t t[NTHREADS];
    worker w[NTHREADS];
    (void)state;
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.index = i};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++)
        if (w[i].failures) fail_msg("thread %d: %d failures, last %s", i, w[i].failures, w[i].msg);
    assert_true(vsimem_clean());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_roundtrip_crs84),
        cmocka_unit_test(test_roundtrip_store_crs),
        cmocka_unit_test(test_roundtrip_other_utm_zone),
        cmocka_unit_test(test_roundtrip_epsg4326),
        cmocka_unit_test(test_geojson_crs_member),
        cmocka_unit_test(test_kml_is_always_wgs84),
        cmocka_unit_test(test_csv_text),
        cmocka_unit_test(test_bad_geometry_keeps_export_usable),
        cmocka_unit_test(test_begin_refuses),
        cmocka_unit_test(test_dxf_metric),
        cmocka_unit_test(test_dxf_units),
        cmocka_unit_test(test_dxf_outlines),
        cmocka_unit_test(test_shp_zip_dated),
        cmocka_unit_test(test_empty_exports),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_threads),
    };
    int rc = ts_run_group_tests(tests, setup, teardown);
    ge_crs_thread_cleanup();
    GDALDestroyDriverManager();
    return ts_exit(rc);
}
