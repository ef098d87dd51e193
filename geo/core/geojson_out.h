/*
 * geojson_out.h - GEOS geometries (store CRS) -> GeoJSON (jansson), in a
 * requested CRS and with that CRS's precision.
 *
 * Output follows RFC 7946: polygons' exterior rings counterclockwise, holes
 * clockwise (the right-hand rule), whatever winding the geometry had; in CRS84
 * the coordinates are longitude, latitude. Coordinates are rounded to
 * ge_crs_decimals(to) decimals. jansson prints reals with 17 significant
 * digits, which would show a rounded 0.1 as 0.10000000000000001; dump every
 * document that holds our numbers with GE_JSON_DUMP_FLAGS (15 digits print
 * every rounded value as written).
 */
#ifndef GE_GEOJSON_OUT_H
#define GE_GEOJSON_OUT_H

#include <geos_c.h>
#include <jansson.h>

#include "crs.h"
#include "error.h"
#include "geojson_in.h"

#define GE_JSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A geometry object ({"type": ..., "coordinates": ...}); GeometryCollections
 * (which overlay results can be) are written as such. New reference or NULL. */
json_t *ge_geojson_out_geometry(GEOSContextHandle_t h, const GEOSGeometry *g, const ge_crs *from,
                                const ge_crs *to, ge_err *err);

/* A Feature with the given id and properties (either may be NULL). */
json_t *ge_geojson_out_feature(GEOSContextHandle_t h, const GEOSGeometry *g, json_t *id,
                               json_t *properties, const ge_crs *from, const ge_crs *to,
                               ge_err *err);

/* A FeatureCollection of parsed features (ids and properties kept). */
json_t *ge_geojson_out_features(GEOSContextHandle_t h, const ge_features *f, const ge_crs *from,
                                const ge_crs *to, ge_err *err);

/* v rounded to the given number of decimals, with -0 written as 0. */
double ge_geojson_round(double v, int decimals);

#endif
