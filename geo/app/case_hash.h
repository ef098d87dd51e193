/*
 * case_hash.h - the content hash of a submitted case: what lets a caseworker
 * trust that the drawing and the validation report in front of them are what
 * the applicant saw when they submitted.
 *
 * The hash is the hex SHA-256 of one canonical serialisation of
 *   {"features": FeatureCollection, "report": report}
 * where the FeatureCollection holds the case's features in order, each
 * {"geometry", "properties", "type": "Feature"} with coordinates in the
 * store's CRS rounded to its precision (3 decimals, 1 mm) and the report is
 * the stored validation report; the document is written by jansson with
 * sorted keys, no whitespace, ASCII only (\uXXXX escapes) and reals with 15
 * significant digits. Anyone holding the features (GET
 * /v1/cases/{id}/features?crs=EPSG:<store srid>) and the report can
 * recompute it with any JSON library that sorts keys.
 *
 * Both the submission and every later check compute it from the stored forms
 * (WKB and JSON text read back), never from in-memory values, so that a
 * double that prints differently before and after storage cannot change it.
 */
#ifndef GE_CASE_HASH_H
#define GE_CASE_HASH_H

#include <geos_c.h>
#include <jansson.h>

#include "error.h"
#include "geojson_in.h"
#include "token.h"

/* features: in the store CRS (srid); report_json: the report as stored. */
int ge_case_hash(GEOSContextHandle_t h, const ge_features *features, int srid,
                 const char *report_json, char out[GE_TOKEN_HASH_LEN], ge_err *err);

#endif
