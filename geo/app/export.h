/*
 * export.h - case features written to the files caseworkers' tools read
 * (GeoPackage, zipped Shapefile, KML, CSV with WKT, DXF, GeoJSON), through
 * GDAL's vector API, in memory.
 *
 * A caller opens an export for a format and a CRS, adds one row per case
 * feature (the case's metadata and the feature's WKB in the store CRS), and
 * finishes it into a malloc'd byte buffer holding the file:
 *
 *   ge_export *x;
 *   rc = ge_export_begin(&x, GE_EXPORT_GPKG, 25833, &crs, &err);
 *   for (...) rc = ge_export_add(x, &row, &err);         // any error: ge_export_abort(x)
 *   rc = ge_export_finish(x, &bytes, &len, &err);        // x is gone either way
 *
 * Every format holds the attributes case_id, service, status, reference,
 * period_start, period_end (dates), created (timestamp), valid (boolean),
 * feature (the feature's index in its case), location and location_en (the
 * feature's location sentence in German, the office's language, and in
 * English; empty when none can be said; case_location.h), and nothing
 * else: in particular no applicant data and no feature properties (an
 * applicant may have typed anything into those). What each format does
 * with them:
 *
 *   gpkg     one layer "cases", typed columns, the CRS asked for.
 *   shp      a ZIP (.shp.zip, GDAL >= 3.1) of shapefiles: a shapefile holds
 *            one geometry type, so the zip always holds cases_point,
 *            cases_line (LineString, MultiLineString) and cases_polygon
 *            (Polygon, MultiPolygon), empty ones included so that scripts can
 *            rely on their names, plus cases_multipoint only when a
 *            MultiPoint occurs. Field names are cut to 10 characters by the
 *            format (period_start becomes period_sta, location_en
 *            location_e); a .prj names the CRS and a .cpg says UTF-8.
 *            Timestamps are text (dBase has no such type). The zip's
 *            entries are dated when the export was made (zip_time.h). GDAL widens a
 *            text field for a longer value, up to dBase's 254 bytes (a
 *            location sentence is far shorter).
 *   kml      always WGS 84 longitude/latitude (the only CRS KML knows): the
 *            CRS asked for is ignored (ge_export_output_crs says so); the
 *            attributes go into ExtendedData of one Folder "cases"; the
 *            placemark's name is the reference, its pop-up text the row's
 *            description (written in words by the caller).
 *   csv      one row per feature, the geometry as WKT in the first column
 *            "WKT", attributes as ISO 8601 text. CSV carries no CRS: the
 *            caller should name it (the HTTP answer's Content-Crs header).
 *            A reference or location sentence starting with =, +, -, @ or a
 *            control character gets a leading apostrophe, so that a
 *            spreadsheet does not run it as a formula (a sentence starts
 *            with a street name from the imported data).
 *   csv-excel the same table for a German Excel, which reads UTF-8 only
 *            after a byte order mark and splits at its list separator:
 *            the BOM first and semicolons between the cells (csv stays
 *            RFC 4180 for programs: no BOM, commas).
 *   dxf      always in metres (EPSG:25832 or 25833; another CRS is
 *            refused): the geometries as DXF entities (points, polylines;
 *            polygons as closed polylines), each case's on a DXF layer named
 *            by its cleaned reference (dxf_layers.h: unique, characters
 *            every CAD program takes). DXF entities carry no attributes
 *            (GDAL's DXF writer knows only its fixed fields: Layer,
 *            Linetype, Text ...), so the case id is a TEXT entity on the
 *            case's layer at its first feature (ogrinfo: the Text field),
 *            and the location sentence is not in a DXF file. No CRS in the
 *            file.
 *   geojson  CRS84 (the default): RFC 7946 (longitude, latitude, 7
 *            decimals, no "crs" member). Another CRS: GeoJSON 2008 style
 *            with a "crs" member naming it (3 decimals for metres).
 *
 * Axis order: files always hold coordinates as x = easting/longitude,
 * y = northing/latitude, which is how GeoPackage, Shapefile and the rest
 * define them; EPSG:4326 differs from CRS84 only in the CRS named.
 *
 * Thread safety: any number of exports may run at once in different
 * threads (each has its own GDAL dataset under a unique /vsimem/ directory,
 * removed by finish and abort); one export must be used by one thread at a
 * time. GDAL messages are caught per call and never reach standard error.
 */
#ifndef GE_EXPORT_H
#define GE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "crs.h"
#include "error.h"

typedef enum ge_export_format {
    GE_EXPORT_GPKG,
    GE_EXPORT_SHP,
    GE_EXPORT_KML,
    GE_EXPORT_CSV,
    GE_EXPORT_DXF,
    GE_EXPORT_GEOJSON,
    GE_EXPORT_CSV_EXCEL,
    GE_EXPORT_NFORMATS
} ge_export_format;

/* "gpkg", "shp", "kml", "csv", "dxf", "geojson", "csv-excel" -> format. Anything else
 * (NULL included): GE_EINVAL with a message naming the value and the
 * allowed ones. */
int ge_export_format_parse(const char *name, ge_export_format *out, ge_err *err);

/* The allowed names, "gpkg, shp, kml, csv, dxf, geojson, csv-excel". */
const char *ge_export_format_names(void);

/* The short name ("gpkg" ...). */
const char *ge_export_format_name(ge_export_format f);

/* The media type of the file ("application/geopackage+sqlite3" ...). */
const char *ge_export_media_type(ge_export_format f);

/* The file name extension without the dot: "gpkg", "shp.zip", "kml", "csv",
 * "dxf", "geojson". */
const char *ge_export_extension(ge_export_format f);

/* Whether format f can be written in crs: every CRS but for DXF, which
 * takes only the metric EPSG:25832 and 25833. */
bool ge_export_crs_allowed(ge_export_format f, const ge_crs *crs);

/* The CRS the file will be in when asked for crs: crs itself, except for
 * KML (always CRS84). */
ge_crs ge_export_output_crs(ge_export_format f, const ge_crs *crs);

/* One case feature. Strings are UTF-8; NULL or "" leaves a field empty
 * (null where the format knows null). */
typedef struct ge_export_row {
    const char *case_id;
    const char *service;
    const char *status;
    const char *reference;
    const char *period_start; /* YYYY-MM-DD */
    const char *period_end;
    const char *created; /* YYYY-MM-DDTHH:MM:SSZ */
    bool valid;
    int feature;              /* index of the feature in its case, from 0 */
    const char *location;     /* its location sentence, German; NULL: none */
    const char *location_en;  /* ... English */
    const char *description;  /* KML's pop-up text in the export's language; NULL: none */
    const unsigned char *wkb; /* ISO WKB in the store CRS */
    size_t wkb_len;
} ge_export_row;

typedef struct ge_export ge_export;

/* Starts an export of format f from store_srid (25832 or 25833) to crs
 * (ge_crs_parse; KML: ignored, see above). GE_EINVAL for a store_srid or
 * crs GDAL cannot take or the format does not allow
 * (ge_export_crs_allowed), GE_EINTERNAL when GDAL lacks the driver. */
int ge_export_begin(ge_export **out, ge_export_format f, int store_srid, const ge_crs *crs,
                    ge_err *err);

/* Adds one feature. GE_EINVAL (naming case and feature) for WKB that is not
 * a Point, LineString, Polygon or their Multi forms, or that cannot be
 * transformed; the export stays usable. */
int ge_export_add(ge_export *x, const ge_export_row *row, ge_err *err);

/* The number of rows added so far. */
size_t ge_export_count(const ge_export *x);

/* Closes the file and hands back its bytes (*bytes malloc'd, free()); now
 * dates the entries of a zip (Shapefile). Frees x, also on failure. */
int ge_export_finish(ge_export *x, time_t now, char **bytes, size_t *len, ge_err *err);

/* Drops an unfinished export and its in-memory files. NULL is fine. */
void ge_export_abort(ge_export *x);

#endif
