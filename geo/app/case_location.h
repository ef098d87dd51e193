/*
 * case_location.h - the location sentence (location.h) of a submitted
 * case's features, for the case list, the case views and the export.
 *
 * A case's report stores each feature's sentence (measures[i].location)
 * since the rule engine made them; that one is what the applicant saw and
 * what a case says of itself. A report without it (a case submitted
 * before, or one whose feature had nothing near it then) gets the sentence
 * made now from the case's stored feature against the current reference
 * data, with the clearances of the case's service. Nothing is written
 * back: a case's stored report is immutable and covered by its content
 * hash, so the sentence made now exists only in the answer.
 *
 * Cost: a stored sentence costs a JSON lookup; one made now costs what
 * ge_location_describe costs (about 10-40 us per feature on the shared
 * extract, a few ms for a 10,000-vertex drawing).
 */
#ifndef GE_CASE_LOCATION_H
#define GE_CASE_LOCATION_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "geojson_in.h"
#include "refindex.h"
#include "service.h"

/* Is v a location sentence: an object with the strings "de" and "en"? */
bool ge_case_location_valid(const json_t *v);

/* The sentence a report (parsed, may be NULL) stores for feature i: its
 * measures entry whose "feature" is i, when that holds a valid sentence.
 * A borrowed reference, or NULL. */
json_t *ge_case_location_stored(const json_t *report, size_t feature);

/*
 * The sentence of a case's feature: stored (may be NULL) when it is a
 * valid sentence (a new reference to it), else the one made now for g
 * (store CRS, snap's; may be NULL: none) against snap with svc's clearances
 * (svc may be NULL: the service is gone). NULL when there is none: err
 * GE_OK when nothing can be said, < 0 on failure (GE_ENOMEM, GE_EBUDGET,
 * GE_EINTERNAL; see ge_location_describe).
 */
json_t *ge_case_location(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                         const json_t *stored, const GEOSGeometry *g, ge_err *err);

/* The same for a feature given as WKB (ISO or SpatiaLite's AsBinary, store
 * CRS; NULL or unreadable: none). */
json_t *ge_case_location_wkb(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                             const json_t *stored, const unsigned char *wkb, size_t wkb_len,
                             ge_err *err);

/* Does a failure of ge_case_location fail the answer it was for? Only
 * memory and the budget (budget.h: the CPU time is used up, the client is
 * gone, the server stops) do; a feature GEOS fails on (GE_EINTERNAL) just
 * has no sentence, like one with nothing near. */
bool ge_case_location_fatal(int code);

/*
 * Gives every entry of measures (a report's "measures" array, changed in
 * place: pass a copy of a stored report) that has no valid sentence the one
 * made now for its feature in fs (by its "feature" index; an entry whose
 * feature fs lacks stays as it is). GE_OK, or a failure of
 * ge_case_location that ge_case_location_fatal calls fatal (an entry
 * nothing can be said of stays without).
 */
int ge_case_location_complete(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_service *svc,
                              json_t *measures, const ge_features *fs, ge_err *err);

#endif
