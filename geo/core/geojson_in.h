/*
 * geojson_in.h - reading GeoJSON (RFC 7946) drawings into GEOS geometries in
 * the store's metric CRS, with limits and errors that name the JSON path.
 *
 * Accepted: a FeatureCollection, a Feature or a bare geometry of type Point,
 * LineString, Polygon, MultiPoint, MultiLineString or MultiPolygon.
 * GeometryCollection is refused: the rule engine checks one geometry per
 * feature, and every editor we know of makes one feature per drawn shape, so
 * a collection inside a feature would only hide which part broke a rule.
 *
 * Every error names where and what: "features[1].geometry.coordinates[0][4]:
 * longitude 200 is out of range (-180..180)". Members of geometry objects are
 * checked strictly (an unknown member is most likely a typo such as
 * "coordinate"); Features and FeatureCollections may carry foreign members
 * (RFC 7946 section 6.1), which are ignored.
 */
#ifndef GE_GEOJSON_IN_H
#define GE_GEOJSON_IN_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crs.h"
#include "error.h"

typedef struct ge_geojson_limits {
    size_t max_features; /* 0: GE_GEOJSON_MAX_FEATURES */
    size_t max_vertices; /* positions over all features; 0: GE_GEOJSON_MAX_VERTICES */
} ge_geojson_limits;

#define GE_GEOJSON_MAX_FEATURES 100
#define GE_GEOJSON_MAX_VERTICES 10000

/*
 * Nesting. The one limit a client meets is on a feature's properties, the
 * only part of a feature whose shape is free: they nest at most
 * GE_GEOJSON_MAX_PROPERTIES_DEPTH levels, counted from the properties object
 * (level 1; {"a": {"b": [1]}} is 3 levels). It is measured on the feature
 * itself, wherever the feature comes in - a request body, or a stored draft
 * read back - so what was accepted once is read back unchanged: a limit on
 * the whole document would judge the same feature by how many levels its
 * document wraps around it (a draft body with a FeatureCollection wraps the
 * feature in one level more than the stored FeatureCollection; a bare Feature
 * in a draft body in one fewer, as the whole body of an autosave in two fewer).
 *
 * GE_JSON_MAX_DEPTH guards a whole document before jansson recurses into it
 * (stack use against nesting bombs). It leaves room for the deepest
 * properties in the deepest wrapping any document has
 * (GE_GEOJSON_WRAP_DEPTH: request body > FeatureCollection > "features" >
 * Feature > properties), so properties over their limit are still refused
 * by the properties check, which names them.
 */
#define GE_GEOJSON_MAX_PROPERTIES_DEPTH 32
#define GE_GEOJSON_WRAP_DEPTH           4
#define GE_JSON_MAX_DEPTH               64
_Static_assert(GE_JSON_MAX_DEPTH > GE_GEOJSON_MAX_PROPERTIES_DEPTH + GE_GEOJSON_WRAP_DEPTH,
               "the document guard must not refuse properties the properties limit judges");

typedef struct ge_geojson_in_opts {
    ge_geojson_limits limits;
    ge_crs crs;        /* CRS of the coordinates (GE_CRS84 unless the request names one) */
    bool crs_explicit; /* the request named crs: a legacy "crs" member must then agree */
    int store_srid;    /* target CRS: the store's (25832 or 25833) */
    bool allow_empty;  /* accept a FeatureCollection without features (an empty draft) */
    const char *path;  /* prefix of error paths, e.g. "features" when the collection is a
                          member of a request body; NULL for a document of its own */
} ge_geojson_in_opts;

/* Fills limits and crs with the defaults (CRS84, store 25832). */
void ge_geojson_in_opts_init(ge_geojson_in_opts *o);

typedef struct ge_feature {
    GEOSGeometry *geom; /* in the store CRS */
    json_t *properties; /* a reference to the feature's properties object, or NULL */
    json_t *id;         /* a reference to the feature's id, or NULL */
} ge_feature;

typedef struct ge_features {
    ge_feature *items;
    size_t n;
    size_t nvertices; /* positions read */
    ge_crs crs;       /* the CRS the coordinates came in */
} ge_features;

/*
 * Loads JSON text with jansson after a cheap scan that refuses nesting deeper
 * than GE_JSON_MAX_DEPTH before any allocation. Errors name line and column
 * and what was found: "line 1, column 14: NaN is not a JSON number ...".
 * Duplicate object keys are refused. *out is a new reference.
 */
int ge_geojson_in_load(const char *buf, size_t len, json_t **out, ge_err *err);

/* Reads a loaded GeoJSON document. On success *out holds the features
 * (free with ge_features_free); on failure *out is empty. */
int ge_geojson_in_parse(GEOSContextHandle_t h, const json_t *doc, const ge_geojson_in_opts *o,
                        ge_features *out, ge_err *err);

/* ge_geojson_in_load + ge_geojson_in_parse. */
int ge_geojson_in_parse_text(GEOSContextHandle_t h, const char *buf, size_t len,
                             const ge_geojson_in_opts *o, ge_features *out, ge_err *err);

void ge_features_free(GEOSContextHandle_t h, ge_features *f);

/* GeoJSON name of a GEOS geometry's type ("Polygon"), or "Geometry". */
const char *ge_geojson_type_name(GEOSContextHandle_t h, const GEOSGeometry *g);

#endif
