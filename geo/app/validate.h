/*
 * validate.h - one validation request, from its JSON body to the report:
 * what POST /v1/validate (and the editor's validate call) hands to geo/.
 *
 * Body: {"service": id, "features": FeatureCollection | Feature | geometry,
 *        "period": {"start", "end"}?, "crs": CRS URI?}
 * "crs" names the CRS of the coordinates when the request has no crs
 * parameter (CRS84 when neither says); GeoJSON's legacy "crs" member inside
 * "features" is honoured too and must agree. Any other member is an error.
 *
 * Return codes map onto problem types: GE_EINVAL (malformed body or
 * GeoJSON: 400), GE_ELIMIT (too many features or vertices, nesting too deep:
 * 413 or 422), GE_ENOENT (no such service: 422, naming the known ones); the
 * message names the member, the value and the limit. A drawing that breaks
 * rules is not an error: it is a report with "valid": false.
 */
#ifndef GE_VALIDATE_H
#define GE_VALIDATE_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crs.h"
#include "date.h"
#include "error.h"
#include "geojson_in.h"
#include "refindex.h"
#include "rules.h"
#include "service.h"

typedef struct ge_validate_opts {
    const ge_services *services;
    const ge_refsnap *snap; /* the acquired snapshot; NULL: no reference data yet */
    int store_srid;         /* used when snap is NULL */
    ge_crs crs;             /* of the coordinates, from the request's crs parameter */
    bool crs_explicit;      /* the request named crs (the body must then not differ) */
    ge_crs out_crs;         /* of highlight geometries in the report */
    ge_date today;
    ge_geojson_limits limits;     /* zeros: the defaults of geojson_in.h */
    const ge_rules_other *others; /* for conflict rules (drafts and cases near by) */
    size_t nothers;
    ge_rules_conflicts conflicts; /* what conflicts may tell: see ge_rules_input */
} ge_validate_opts;

/* Defaults: CRS84 in and out, default limits, store 25832; today is the
 * caller's to set (its clock's date, ge_app_today). */
void ge_validate_opts_init(ge_validate_opts *o);

/* Validates a loaded request body. *report is a new reference on success. */
int ge_validate_request(GEOSContextHandle_t h, const json_t *body, const ge_validate_opts *o,
                        json_t **report, ge_err *err);

/* The same from the raw body: depth check, JSON errors with line and column. */
int ge_validate_request_text(GEOSContextHandle_t h, const char *buf, size_t len,
                             const ge_validate_opts *o, json_t **report, ge_err *err);

/* What POST /v1/validate does with its body: reads it, validates it and
 * writes the report as JSON text (*text malloc'd, *text_len bytes, no NUL
 * counted). The report's geometries go out in the CRS the coordinates came
 * in: o->out_crs, unless o->crs_explicit is false and the body's "crs" names
 * a CRS we know. bench/validate/cpu.c measures exactly this call. */
int ge_validate_report_text(GEOSContextHandle_t h, const char *buf, size_t len,
                            const ge_validate_opts *o, char **text, size_t *text_len, ge_err *err);

#endif
