/*
 * crs.h - the coordinate reference systems geoEDITOR accepts and emits, and
 * the PROJ transforms between them and the store's metric CRS.
 *
 * Supported: OGC CRS84 (WGS 84 longitude/latitude, the GeoJSON default),
 * EPSG:4326 (WGS 84 in its authority axis order latitude, longitude, as OGC
 * API - Features Part 2 means it), EPSG:3857 (web mercator), EPSG:25832 and
 * EPSG:25833 (ETRS89 / UTM 32N and 33N, the store CRSs of German deployments).
 *
 * Axis order is part of a ge_crs: CRS84 and EPSG:4326 are the same datum,
 * but "CRS84" means x = longitude, y = latitude while the EPSG:4326 URI means
 * the first coordinate is the latitude. Callers that want GIS order for
 * EPSG:4326 (some clients send it so) set latlon = false explicitly.
 *
 * Transforms are cached per thread (PROJ contexts are not thread-safe: each
 * thread has its own PJ_CONTEXT and PJ objects), freed when the thread ends
 * (the main thread calls ge_crs_thread_cleanup() itself).
 */
#ifndef GE_CRS_H
#define GE_CRS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct ge_crs {
    int epsg;    /* 4326 (also for CRS84), 3857, 25832, 25833 */
    bool latlon; /* coordinates are (latitude, longitude): EPSG:4326 in authority order */
} ge_crs;

/* The default of GeoJSON (RFC 7946) and of OGC API - Features. */
extern const ge_crs GE_CRS84;

/* Parses an identifier: "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
 * "CRS84", "OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84",
 * "EPSG:n", "http://www.opengis.net/def/crs/EPSG/0/n", "urn:ogc:def:crs:EPSG::n"
 * for n in 4326, 3857, 25832, 25833. Any EPSG:4326 form means latitude first.
 * Anything else: GE_EINVAL naming the value and listing what is supported. */
int ge_crs_parse(const char *id, ge_crs *out, ge_err *err);

/* A supported EPSG code in its authority axis order except 4326, which is
 * given as CRS84 (longitude first) because that is what callers holding a bare
 * code mean. GE_EINVAL for unsupported codes. */
int ge_crs_from_epsg(int epsg, ge_crs *out, ge_err *err);

/* Whether a store may use this CRS (metric: 25832, 25833). */
bool ge_crs_is_store_srid(int epsg);

bool ge_crs_equal(const ge_crs *a, const ge_crs *b);
bool ge_crs_is_geographic(const ge_crs *c);

/* The canonical OGC URI ("http://www.opengis.net/def/crs/OGC/1.3/CRS84" ...). */
const char *ge_crs_uri(const ge_crs *c);

/* All supported URIs, for OGC API "crs" lists; NULL-terminated. */
const char *const *ge_crs_supported_uris(void);

/* Decimals worth writing for coordinates in c: 7 for degrees (about 1 cm),
 * 3 for UTM metres (1 mm, so distances near a limit survive a round trip),
 * 2 for web mercator (1 cm of map unit, under 1 cm on the ground in Germany). */
int ge_crs_decimals(const ge_crs *c);

/* Names of the two axes as the coordinates come: "longitude"/"latitude",
 * "latitude"/"longitude" or "easting"/"northing". */
const char *ge_crs_axis_name(const ge_crs *c, int axis);

/* Checks that (a, b), in c's axis order, is finite and inside c's valid
 * range: longitude -180..180, latitude -90..90, and generous projected
 * bounds. On failure returns GE_EINVAL and writes e.g.
 * "longitude 200 is out of range (-180..180)" into err. */
int ge_crs_check(const ge_crs *c, double a, double b, ge_err *err);

/* Transforms n interleaved coordinate pairs in place from one CRS to another,
 * each in its own axis order. GE_EINVAL when PROJ cannot transform a point
 * (named in err), GE_EINTERNAL when PROJ cannot build the transform. */
int ge_crs_transform(const ge_crs *from, const ge_crs *to, double *xy, size_t n, ge_err *err);

/* Frees the calling thread's PROJ context and cached transforms. */
void ge_crs_thread_cleanup(void);

#endif
