/*
 * export.c - ge_export_*: case features into GeoPackage, zipped Shapefile,
 * KML, CSV, DXF or GeoJSON files with GDAL's vector API (see export.h for
 * what each format holds).
 *
 * Every export writes a real GDAL dataset into its own /vsimem/ directory
 * (a name no other export can have: process id and a counter), so GDAL's
 * drivers do all the format work and several exports run at once without
 * sharing anything but GDAL's driver registry. finish copies the file out
 * and removes the directory recursively, abort just removes it: drivers
 * that write side files (GeoPackage journals, the shapefile parts before
 * they are zipped) leave nothing behind either way.
 *
 * GDAL reports problems through its per-thread error handler stack: each
 * public function pushes a handler of its own for its duration, so that the
 * first failure ends up in err and no message reaches the server's log as
 * a stray line on standard error.
 */
#include "export.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dxf_layers.h"
#include "zip_time.h"

/* The shapefile parts of a .shp.zip, one per geometry type. */
enum { GE_SHP_POINT, GE_SHP_MULTIPOINT, GE_SHP_LINE, GE_SHP_POLYGON, GE_SHP_NLAYERS };

static const struct {
    const char *name;
    OGRwkbGeometryType type;
} ge_export_shp_layers[GE_SHP_NLAYERS] = {
    [GE_SHP_POINT] = {"cases_point", wkbPoint},
    [GE_SHP_MULTIPOINT] = {"cases_multipoint", wkbMultiPoint},
    [GE_SHP_LINE] = {"cases_line", wkbLineString},    /* takes MultiLineString too */
    [GE_SHP_POLYGON] = {"cases_polygon", wkbPolygon}, /* takes MultiPolygon too */
};

static const struct {
    const char *name;
    const char *driver;
    const char *media_type;
    const char *extension;
} ge_export_formats[GE_EXPORT_NFORMATS] = {
    [GE_EXPORT_GPKG] = {"gpkg", "GPKG", "application/geopackage+sqlite3", "gpkg"},
    [GE_EXPORT_SHP] = {"shp", "ESRI Shapefile", "application/zip", "shp.zip"},
    [GE_EXPORT_KML] = {"kml", "KML", "application/vnd.google-earth.kml+xml", "kml"},
    [GE_EXPORT_CSV] = {"csv", "CSV", "text/csv; charset=utf-8", "csv"},
    [GE_EXPORT_DXF] = {"dxf", "DXF", "image/vnd.dxf", "dxf"},
    [GE_EXPORT_GEOJSON] = {"geojson", "GeoJSON", "application/geo+json", "geojson"},
    [GE_EXPORT_CSV_EXCEL] = {"csv-excel", "CSV", "text/csv; charset=utf-8", "csv"},
};

#define GE_EXPORT_NAMES "gpkg, shp, kml, csv, dxf, geojson, csv-excel"

static bool ge_export_is_csv(ge_export_format f)
{
    return f == GE_EXPORT_CSV || f == GE_EXPORT_CSV_EXCEL;
}

/* The attribute fields, in this order in every format but DXF. */
enum {
    GE_XF_CASE_ID,
    GE_XF_SERVICE,
    GE_XF_STATUS,
    GE_XF_REFERENCE,
    GE_XF_PERIOD_START,
    GE_XF_PERIOD_END,
    GE_XF_CREATED,
    GE_XF_VALID,
    GE_XF_FEATURE,
    GE_XF_LOCATION,
    GE_XF_LOCATION_EN,
    GE_XF_NFIELDS
};

static const char *const ge_export_field_names[GE_XF_NFIELDS] = {
    "case_id", "service", "status",  "reference", "period_start", "period_end",
    "created", "valid",   "feature", "location",  "location_en",
};

/* The longest free-text value a CSV cell is guarded for without being cut
 * (a reference has at most 255 bytes, a location sentence 1400). */
#define GE_EXPORT_TEXT_MAX 2048

struct ge_export {
    ge_export_format f;
    ge_crs crs; /* of the output */
    char dir[96];
    char path[160];
    GDALDatasetH ds;
    OGRSpatialReferenceH srs;        /* of the output */
    OGRCoordinateTransformationH ct; /* NULL when the output is in the store CRS */
    OGRLayerH layer;                 /* every format but shp */
    OGRLayerH shp[GE_SHP_NLAYERS];
    int fidx[GE_XF_NFIELDS];  /* our fields' indexes (drivers may add fields before them) */
    int kml_name, kml_desc;   /* KML's own Name and Description fields, -1 if missing */
    int dxf_layer_field;      /* DXF's "Layer" field, -1 if missing */
    ge_dxf_layers *dxf_names; /* DXF: each case's layer */
    size_t count;
    bool in_transaction;
    bool cpl_failed; /* a GDAL error (CE_Failure or worse) since the last reset */
    char cpl_msg[256];
};

static pthread_once_t ge_export_gdal_once = PTHREAD_ONCE_INIT;
static atomic_ullong ge_export_serial;

static void ge_export_gdal_init(void)
{
    GDALAllRegister();
}

/* ---- formats ------------------------------------------------------------- */

int ge_export_format_parse(const char *name, ge_export_format *out, ge_err *err)
{
    for (int i = 0; name && i < GE_EXPORT_NFORMATS; i++)
        if (!strcmp(name, ge_export_formats[i].name)) {
            *out = (ge_export_format)i;
            return GE_OK;
        }
    if (!name) return ge_err_set(err, GE_EINVAL, "no format given; one of " GE_EXPORT_NAMES);
    return ge_err_set(err, GE_EINVAL, "format '%.64s' is not supported; one of " GE_EXPORT_NAMES,
                      name);
}

const char *ge_export_format_names(void)
{
    return GE_EXPORT_NAMES;
}

const char *ge_export_format_name(ge_export_format f)
{
    return f < GE_EXPORT_NFORMATS ? ge_export_formats[f].name : "?";
}

const char *ge_export_media_type(ge_export_format f)
{
    return f < GE_EXPORT_NFORMATS ? ge_export_formats[f].media_type : "application/octet-stream";
}

const char *ge_export_extension(ge_export_format f)
{
    return f < GE_EXPORT_NFORMATS ? ge_export_formats[f].extension : "bin";
}

ge_crs ge_export_output_crs(ge_export_format f, const ge_crs *crs)
{
    /* KML 2.2 defines its coordinates as WGS 84 longitude, latitude. */
    if (f == GE_EXPORT_KML || !crs) return GE_CRS84;
    return *crs;
}

bool ge_export_crs_allowed(ge_export_format f, const ge_crs *crs)
{
    /* CAD draws in true metres: degrees are useless there, and web
     * mercator's metres are 1.6 times too long in Germany. */
    if (f == GE_EXPORT_DXF) return crs && ge_crs_is_store_srid(crs->epsg);
    return true;
}

/* ---- GDAL messages ------------------------------------------------------- */

static void CPL_STDCALL ge_export_cpl_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    ge_export *x = CPLGetErrorHandlerUserData();
    (void)no;
    /* Warnings (a shapefile field name cut to 10 characters ...) are
     * expected and documented; they are dropped, not printed. */
    if (x && cls >= CE_Failure && !x->cpl_failed) {
        x->cpl_failed = true;
        snprintf(x->cpl_msg, sizeof x->cpl_msg, "%s", msg ? msg : "GDAL error");
    }
}

static void ge_export_cpl_reset(ge_export *x)
{
    x->cpl_failed = false;
    x->cpl_msg[0] = '\0';
}

static void ge_export_cpl_begin(ge_export *x)
{
    ge_export_cpl_reset(x);
    CPLPushErrorHandlerEx(ge_export_cpl_handler, x);
}

static void ge_export_cpl_end(void)
{
    CPLPopErrorHandler();
}

static const char *ge_export_cpl_msg(const ge_export *x)
{
    return x->cpl_msg[0] ? x->cpl_msg : "no message from GDAL";
}

/* ---- begin --------------------------------------------------------------- */

static OGRSpatialReferenceH ge_export_srs(int epsg)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    if (!s) return NULL;
    if (OSRImportFromEPSG(s, epsg) != OGRERR_NONE) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    /* x = easting/longitude, y = northing/latitude: how the files hold
     * coordinates and how the store's WKB comes. */
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

static bool ge_export_text_only(ge_export_format f)
{
    /* CSV and KML hold text anyway; typed date fields would come out in
     * GDAL's own "2026/12/01" form instead of ISO 8601. */
    return ge_export_is_csv(f) || f == GE_EXPORT_KML;
}

static int ge_export_fields(ge_export *x, OGRLayerH layer, ge_err *err)
{
    for (int i = 0; i < GE_XF_NFIELDS; i++) {
        OGRFieldType type = OFTString;
        OGRFieldSubType sub = OFSTNone;
        OGRFieldDefnH fd;
        OGRErr e;
        if (!ge_export_text_only(x->f)) {
            if (i == GE_XF_PERIOD_START || i == GE_XF_PERIOD_END) type = OFTDate;
            /* dBase has dates but no timestamps: GDAL would cut the
             * time off, so a shapefile gets the ISO text. */
            if (i == GE_XF_CREATED && x->f != GE_EXPORT_SHP) type = OFTDateTime;
        }
        if (i == GE_XF_VALID) {
            type = OFTInteger;
            sub = OFSTBoolean;
        }
        if (i == GE_XF_FEATURE) type = OFTInteger;
        fd = OGR_Fld_Create(ge_export_field_names[i], type);
        if (!fd) return ge_err_set(err, GE_ENOMEM, "out of memory");
        OGR_Fld_SetSubType(fd, sub);
        e = OGR_L_CreateField(layer, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE)
            return ge_err_set(err, GE_EINTERNAL, "%s export: field '%s': %s",
                              ge_export_format_name(x->f), ge_export_field_names[i],
                              ge_export_cpl_msg(x));
        /* By position, not by name: the shapefile driver cuts names to 10
         * characters. Every shapefile layer gets the same fields. */
        x->fidx[i] = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(layer)) - 1;
    }
    return GE_OK;
}

static OGRLayerH ge_export_layer(ge_export *x, const char *name, OGRwkbGeometryType type,
                                 ge_err *err)
{
    char precision[48];
    const char *opts[6] = {NULL};
    size_t n = 0;
    OGRLayerH layer;

    switch (x->f) {
    case GE_EXPORT_SHP:
        opts[n++] = "ENCODING=UTF-8";
        break;
    case GE_EXPORT_CSV:
        opts[n++] = "GEOMETRY=AS_WKT";
        opts[n++] = "LINEFORMAT=CRLF"; /* RFC 4180 */
        break;
    case GE_EXPORT_CSV_EXCEL:
        opts[n++] = "GEOMETRY=AS_WKT";
        opts[n++] = "LINEFORMAT=CRLF";
        opts[n++] = "SEPARATOR=SEMICOLON"; /* German Excel's list separator */
        opts[n++] = "WRITE_BOM=YES";       /* else Excel reads the umlauts as cp1252 */
        break;
    case GE_EXPORT_GEOJSON:
        /* RFC 7946 wants CRS84 and no "crs" member; other CRSs are written
         * the GeoJSON 2008 way, with the CRS named. */
        if (ge_crs_equal(&x->crs, &GE_CRS84)) opts[n++] = "RFC7946=YES";
        snprintf(precision, sizeof precision, "COORDINATE_PRECISION=%d", ge_crs_decimals(&x->crs));
        opts[n++] = precision;
        break;
    default:
        break;
    }
    layer = GDALDatasetCreateLayer(x->ds, name, x->srs, type, (char **)opts);
    if (!layer) {
        ge_err_set(err, GE_EINTERNAL, "%s export: layer '%s': %s", ge_export_format_name(x->f),
                   name, ge_export_cpl_msg(x));
        return NULL;
    }
    if (x->f == GE_EXPORT_DXF) {
        /* DXF has a fixed set of fields; the entity's layer is the one
         * attribute a CAD program shows for it. */
        x->dxf_layer_field = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "Layer");
        return layer;
    }
    if (x->f == GE_EXPORT_KML) {
        /* KML's layer comes with Name and Description (a Placemark's label
         * and balloon text) before our fields. */
        x->kml_name = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "Name");
        x->kml_desc = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(layer), "Description");
    }
    if (ge_export_fields(x, layer, err) < 0) return NULL;
    return layer;
}

/* DXF: GDAL's header template (header.dxf among GDAL's data) with the
 * drawing's units set to metres ($INSUNITS 6) and metric measurement
 * ($MEASUREMENT 1). The template says inches (1) and imperial (0), and CAD
 * programs scale a drawing by its units when they insert it into another.
 * Written into the export's folder as path; path stays empty when the
 * template cannot be read or holds these variables otherwise than expected,
 * and GDAL's own is used (test_export checks the units). */
static void ge_export_dxf_header(const ge_export *x, char *path, size_t size)
{
    static const struct {
        const char *name;
        int value;
    } vars[] = {{"$INSUNITS", 6}, {"$MEASUREMENT", 1}};
    const char *tmpl = CPLFindFile("gdal", "header.dxf");
    GByte *bytes = NULL;
    vsi_l_offset len = 0;
    VSILFILE *fp;
    char *text;

    path[0] = '\0';
    if (!tmpl || !VSIIngestFile(NULL, tmpl, &bytes, &len, 1 << 20)) return;
    text = (char *)bytes; /* VSIIngestFile ends it with a NUL */
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        size_t n = strlen(vars[i].name), width;
        char *p = text, *value, *end, num[16];
        /* the variable's name on a line of its own */
        while ((p = strstr(p, vars[i].name)) &&
               !((p == text || p[-1] == '\n') && (p[n] == '\r' || p[n] == '\n')))
            p += n;
        if (!p) goto fail;
        /* then its group code's line, then the value's */
        if (!(value = strchr(p, '\n')) || !(value = strchr(value + 1, '\n'))) goto fail;
        value++;
        end = value + strcspn(value, "\r\n");
        width = (size_t)(end - value);
        if (snprintf(num, sizeof num, "%*d", (int)width, vars[i].value) != (int)width) goto fail;
        memcpy(value, num, width);
    }
    snprintf(path, size, "%s/header.dxf", x->dir);
    /* the file takes the bytes (freed with the folder, VSIRmdirRecursive) */
    fp = VSIFileFromMemBuffer(path, bytes, len, TRUE);
    if (!fp) {
        path[0] = '\0';
        return;
    }
    VSIFCloseL(fp);
    return;
fail:
    path[0] = '\0';
    VSIFree(bytes);
}

int ge_export_begin(ge_export **out, ge_export_format f, int store_srid, const ge_crs *crs,
                    ge_err *err)
{
    ge_export *x = NULL;
    OGRSpatialReferenceH store_srs = NULL;
    GDALDriverH drv;
    char *hatch_was = NULL;
    bool hatch_set = false;
    int rc = GE_OK;

    *out = NULL;
    if (f >= GE_EXPORT_NFORMATS) return ge_err_set(err, GE_EINVAL, "unknown export format");
    if (!ge_crs_is_store_srid(store_srid))
        return ge_err_set(err, GE_EINVAL, "store SRID %d is not a metric store CRS", store_srid);
    if (!ge_export_crs_allowed(f, crs))
        return ge_err_set(err, GE_EINVAL,
                          "%s is written in metres: EPSG:25832 or EPSG:25833, not EPSG:%d",
                          ge_export_format_name(f), crs ? crs->epsg : 4326);
    pthread_once(&ge_export_gdal_once, ge_export_gdal_init);

    x = calloc(1, sizeof *x);
    if (!x) return ge_err_set(err, GE_ENOMEM, "out of memory");
    x->f = f;
    x->crs = ge_export_output_crs(f, crs);
    x->dxf_layer_field = x->kml_name = x->kml_desc = -1;
    snprintf(x->dir, sizeof x->dir, "/vsimem/ge_export_%ld_%llu", (long)getpid(),
             (unsigned long long)atomic_fetch_add(&ge_export_serial, 1));
    snprintf(x->path, sizeof x->path, "%s/cases.%s", x->dir, ge_export_extension(f));
    ge_export_cpl_begin(x);

    drv = GDALGetDriverByName(ge_export_formats[f].driver);
    if (!drv) {
        rc = ge_err_set(err, GE_EINTERNAL, "GDAL has no %s driver", ge_export_formats[f].driver);
        goto err;
    }
    x->srs = ge_export_srs(x->crs.epsg);
    store_srs = ge_export_srs(store_srid);
    if (!x->srs || !store_srs) {
        rc = ge_err_set(err, GE_EINVAL, "GDAL does not know EPSG:%d or EPSG:%d: %s", x->crs.epsg,
                        store_srid, ge_export_cpl_msg(x));
        goto err;
    }
    if (x->crs.epsg != store_srid) {
        x->ct = OCTNewCoordinateTransformation(store_srs, x->srs);
        if (!x->ct) {
            rc = ge_err_set(err, GE_EINVAL, "no transformation from EPSG:%d to EPSG:%d: %s",
                            store_srid, x->crs.epsg, ge_export_cpl_msg(x));
            goto err;
        }
    }
    if (VSIMkdir(x->dir, 0700) != 0) {
        rc = ge_err_set(err, GE_EINTERNAL, "cannot make %s", x->dir);
        goto err;
    }
    {
        char header[sizeof x->dir + 16];
        char **opts = NULL;
        if (f == GE_EXPORT_DXF) {
            ge_export_dxf_header(x, header, sizeof header);
            if (header[0]) opts = CSLSetNameValue(opts, "HEADER", header);
            /* Areas as closed polylines, their outlines, not as GDAL's
             * default solid HATCH: a filled area hides what lies under it
             * in a CAD drawing, and its edges are no lines to snap to. The
             * writer's layer reads the option when it is made (below);
             * thread-local and restored, so nothing else sees it. */
            const char *hatch = CPLGetThreadLocalConfigOption("DXF_WRITE_HATCH", NULL);
            hatch_was = hatch ? CPLStrdup(hatch) : NULL;
            hatch_set = true;
            CPLSetThreadLocalConfigOption("DXF_WRITE_HATCH", "NO");
        }
        x->ds = GDALCreate(drv, x->path, 0, 0, 0, GDT_Unknown, opts);
        CSLDestroy(opts);
    }
    if (!x->ds) {
        rc = ge_err_set(err, GE_EINTERNAL, "%s export: cannot create the file: %s",
                        ge_export_format_name(f), ge_export_cpl_msg(x));
        goto err;
    }
    if (f == GE_EXPORT_DXF && !(x->dxf_names = ge_dxf_layers_new())) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto err;
    }
    if (f == GE_EXPORT_SHP) {
        /* Always the three common ones, so that the zip's parts do not
         * depend on what happened to be drawn; MultiPoint only on demand. */
        for (int i = 0; i < GE_SHP_NLAYERS; i++) {
            if (i == GE_SHP_MULTIPOINT) continue;
            x->shp[i] =
                ge_export_layer(x, ge_export_shp_layers[i].name, ge_export_shp_layers[i].type, err);
            if (!x->shp[i]) {
                rc = err ? err->code : GE_EINTERNAL;
                goto err;
            }
        }
    } else {
        x->layer = ge_export_layer(x, "cases", wkbUnknown, err);
        if (!x->layer) {
            rc = err ? err->code : GE_EINTERNAL;
            goto err;
        }
    }
    if (hatch_set) {
        CPLSetThreadLocalConfigOption("DXF_WRITE_HATCH", hatch_was);
        CPLFree(hatch_was);
        hatch_set = false;
    }
    /* One transaction for the whole file: the GeoPackage driver would
     * otherwise commit (and journal) every feature on its own. Drivers
     * without transactions say so and write as they go. */
    x->in_transaction = GDALDatasetStartTransaction(x->ds, FALSE) == OGRERR_NONE;
    ge_export_cpl_reset(x);
    OSRDestroySpatialReference(store_srs);
    ge_export_cpl_end();
    *out = x;
    return GE_OK;

err:
    if (hatch_set) {
        CPLSetThreadLocalConfigOption("DXF_WRITE_HATCH", hatch_was);
        CPLFree(hatch_was);
    }
    if (store_srs) OSRDestroySpatialReference(store_srs);
    ge_export_cpl_end();
    ge_export_abort(x);
    return rc;
}

/* ---- rows ---------------------------------------------------------------- */

static void ge_export_set_text(OGRFeatureH feat, int field, const char *value)
{
    if (value && *value)
        OGR_F_SetFieldString(feat, field, value);
    else
        OGR_F_SetFieldNull(feat, field);
}

/* A spreadsheet runs a cell starting with one of these as a formula
 * (CSV injection). The free-text fields are the reference (the form's) and
 * the location sentences, which start with a name from the imported
 * reference data. */
static bool ge_export_formula_like(const char *s)
{
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
                 (*s > 0 && (unsigned char)*s < 0x20));
}

/* A free-text field's value: in CSV one that looks like a formula gets a
 * leading apostrophe (in buf, of size n). */
static const char *ge_export_text_value(const ge_export *x, const char *value, char *buf, size_t n)
{
    if (!ge_export_is_csv(x->f) || !ge_export_formula_like(value)) return value;
    snprintf(buf, n, "'%s", value);
    return buf;
}

static OGRLayerH ge_export_shp_for(ge_export *x, OGRwkbGeometryType flat, ge_err *err)
{
    int which;
    switch (flat) {
    case wkbPoint:
        which = GE_SHP_POINT;
        break;
    case wkbMultiPoint:
        which = GE_SHP_MULTIPOINT;
        break;
    case wkbLineString:
    case wkbMultiLineString:
        which = GE_SHP_LINE;
        break;
    default:
        which = GE_SHP_POLYGON;
        break;
    }
    if (!x->shp[which])
        x->shp[which] = ge_export_layer(x, ge_export_shp_layers[which].name,
                                        ge_export_shp_layers[which].type, err);
    return x->shp[which];
}

/* Writes one feature with geometry g (taken) into layer. */
static int ge_export_put(ge_export *x, OGRLayerH layer, const ge_export_row *row,
                         const char *layer_name, OGRGeometryH g, ge_err *err)
{
    OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    int rc = GE_OK;

    if (!feat) {
        OGR_G_DestroyGeometry(g);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    if (x->f == GE_EXPORT_DXF) {
        if (x->dxf_layer_field >= 0) ge_export_set_text(feat, x->dxf_layer_field, layer_name);
    } else {
        char quoted[3][GE_EXPORT_TEXT_MAX + 2];
        const char *ref = ge_export_text_value(x, row->reference, quoted[0], sizeof quoted[0]);
        ge_export_set_text(feat, x->fidx[GE_XF_CASE_ID], row->case_id);
        ge_export_set_text(feat, x->fidx[GE_XF_SERVICE], row->service);
        ge_export_set_text(feat, x->fidx[GE_XF_STATUS], row->status);
        ge_export_set_text(feat, x->fidx[GE_XF_REFERENCE], ref);
        ge_export_set_text(feat, x->fidx[GE_XF_PERIOD_START], row->period_start);
        ge_export_set_text(feat, x->fidx[GE_XF_PERIOD_END], row->period_end);
        ge_export_set_text(feat, x->fidx[GE_XF_CREATED], row->created);
        OGR_F_SetFieldInteger(feat, x->fidx[GE_XF_VALID], row->valid ? 1 : 0);
        OGR_F_SetFieldInteger(feat, x->fidx[GE_XF_FEATURE], row->feature);
        ge_export_set_text(feat, x->fidx[GE_XF_LOCATION],
                           ge_export_text_value(x, row->location, quoted[1], sizeof quoted[1]));
        ge_export_set_text(feat, x->fidx[GE_XF_LOCATION_EN],
                           ge_export_text_value(x, row->location_en, quoted[2], sizeof quoted[2]));
        if (x->kml_name >= 0)
            ge_export_set_text(feat, x->kml_name,
                               row->reference && *row->reference ? row->reference : row->case_id);
        if (x->kml_desc >= 0 && row->description)
            ge_export_set_text(feat, x->kml_desc, row->description);
    }
    OGR_F_SetGeometryDirectly(feat, g);
    if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
        rc = ge_err_set(err, GE_EINTERNAL, "%s export: case %.40s feature %d: %s",
                        ge_export_format_name(x->f), row->case_id ? row->case_id : "", row->feature,
                        ge_export_cpl_msg(x));
    OGR_F_Destroy(feat);
    return rc;
}

/* The text entity that names case cid on its DXF layer: at a point on the
 * surface of g (the case's first feature, in the output CRS), 0.25 m high. */
static int ge_export_dxf_label(ge_export *x, OGRLayerH layer, const char *cid,
                               const char *layer_name, OGRGeometryH g, ge_err *err)
{
    OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(layer));
    OGRGeometryH at = OGR_G_PointOnSurface(g);
    char style[160];
    int rc = GE_OK;

    if (!feat || !at) {
        if (feat) OGR_F_Destroy(feat);
        if (at) OGR_G_DestroyGeometry(at);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    /* the id is hex: nothing in it needs quoting in a style string */
    snprintf(style, sizeof style, "LABEL(f:\"Arial\",t:\"%.40s\",s:0.25g,p:1)", cid);
    OGR_F_SetStyleString(feat, style);
    if (x->dxf_layer_field >= 0) ge_export_set_text(feat, x->dxf_layer_field, layer_name);
    OGR_F_SetGeometryDirectly(feat, at);
    if (OGR_L_CreateFeature(layer, feat) != OGRERR_NONE)
        rc = ge_err_set(err, GE_EINTERNAL, "dxf export: case %.40s label: %s", cid,
                        ge_export_cpl_msg(x));
    OGR_F_Destroy(feat);
    return rc;
}

int ge_export_add(ge_export *x, const ge_export_row *row, ge_err *err)
{
    OGRGeometryH g = NULL;
    OGRLayerH layer;
    OGRwkbGeometryType flat;
    int rc = GE_OK;
    const char *cid = row->case_id ? row->case_id : "";

    ge_export_cpl_begin(x);
    if (!row->wkb || row->wkb_len == 0 ||
        OGR_G_CreateFromWkbEx(row->wkb, NULL, &g, row->wkb_len) != OGRERR_NONE || !g) {
        rc = ge_err_set(err, GE_EINVAL, "case %.40s feature %d: unreadable WKB", cid, row->feature);
        goto err;
    }
    OGR_G_FlattenTo2D(g);
    flat = wkbFlatten(OGR_G_GetGeometryType(g));
    if (flat < wkbPoint || flat > wkbMultiPolygon) {
        rc =
            ge_err_set(err, GE_EINVAL, "case %.40s feature %d: geometry type %s cannot be exported",
                       cid, row->feature, OGRGeometryTypeToName(flat));
        goto err;
    }
    if (x->ct && OGR_G_Transform(g, x->ct) != OGRERR_NONE) {
        rc = ge_err_set(err, GE_EINVAL, "case %.40s feature %d: cannot transform to EPSG:%d: %s",
                        cid, row->feature, x->crs.epsg, ge_export_cpl_msg(x));
        goto err;
    }
    layer = x->f == GE_EXPORT_SHP ? ge_export_shp_for(x, flat, err) : x->layer;
    if (!layer) {
        rc = err ? err->code : GE_EINTERNAL;
        goto err;
    }
    if (x->f == GE_EXPORT_DXF) {
        bool is_new = false;
        const char *name = ge_dxf_layers_get(x->dxf_names, cid, row->reference, &is_new);
        if (!name) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
            goto err;
        }
        /* The case id, the one attribute DXF can hold besides the layer:
         * a text on the case's layer at its first feature. */
        if (is_new) rc = ge_export_dxf_label(x, layer, cid, name, g, err);
        if (rc == GE_OK && OGR_GT_IsSubClassOf(flat, wkbGeometryCollection)) {
            /* DXF has no multi entities (GDAL's writer refuses MultiPoint):
             * one entity per part, all on the case's layer. */
            for (int i = 0; rc == GE_OK && i < OGR_G_GetGeometryCount(g); i++)
                rc = ge_export_put(x, layer, row, name, OGR_G_Clone(OGR_G_GetGeometryRef(g, i)),
                                   err);
        } else if (rc == GE_OK) {
            rc = ge_export_put(x, layer, row, name, g, err);
            g = NULL;
        }
    } else {
        rc = ge_export_put(x, layer, row, NULL, g, err);
        g = NULL;
    }
    if (rc == GE_OK) x->count++;

err:
    if (g) OGR_G_DestroyGeometry(g);
    ge_export_cpl_end();
    return rc;
}

size_t ge_export_count(const ge_export *x)
{
    return x ? x->count : 0;
}

/* ---- finish -------------------------------------------------------------- */

int ge_export_finish(ge_export *x, time_t now, char **bytes, size_t *len, ge_err *err)
{
    vsi_l_offset size = 0;
    GByte *data;
    int rc = GE_OK;

    *bytes = NULL;
    *len = 0;
    ge_export_cpl_begin(x);
    if (x->in_transaction && GDALDatasetCommitTransaction(x->ds) != OGRERR_NONE) {
        rc = ge_err_set(err, GE_EINTERNAL, "%s export: commit: %s", ge_export_format_name(x->f),
                        ge_export_cpl_msg(x));
        goto err;
    }
    x->in_transaction = false;
    /* Closing writes what the drivers keep back: the GeoPackage's last
     * pages, the shapefiles into their zip, GeoJSON's closing brackets. */
    GDALClose(x->ds);
    x->ds = NULL;
    if (x->cpl_failed) {
        rc = ge_err_set(err, GE_EINTERNAL, "%s export: closing the file: %s",
                        ge_export_format_name(x->f), ge_export_cpl_msg(x));
        goto err;
    }
    data = VSIGetMemFileBuffer(x->path, &size, FALSE);
    if (!data) {
        rc = ge_err_set(err, GE_EINTERNAL, "%s export: the driver wrote no file",
                        ge_export_format_name(x->f));
        goto err;
    }
    *bytes = malloc((size_t)size + 1);
    if (!*bytes) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory for a %llu byte export",
                        (unsigned long long)size);
        goto err;
    }
    memcpy(*bytes, data, (size_t)size);
    (*bytes)[size] = '\0'; /* text formats can be read as a C string */
    *len = (size_t)size;
    /* GDAL dates the zip's entries 1980; they were made now. */
    if (x->f == GE_EXPORT_SHP &&
        (rc = ge_zip_set_time((unsigned char *)*bytes, *len, now, err)) < 0) {
        free(*bytes);
        *bytes = NULL;
        *len = 0;
        goto err;
    }

err:
    ge_export_cpl_end();
    ge_export_abort(x);
    return rc;
}

void ge_export_abort(ge_export *x)
{
    if (!x) return;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    if (x->ds) GDALClose(x->ds);
    if (x->dir[0]) VSIRmdirRecursive(x->dir);
    CPLPopErrorHandler();
    if (x->ct) OCTDestroyCoordinateTransformation(x->ct);
    if (x->srs) OSRDestroySpatialReference(x->srs);
    ge_dxf_layers_free(x->dxf_names);
    free(x);
}
