/*
 * store_case_tiles.h - what the review app's case tiles ask of the store:
 * the drawn features of cases whose bounding boxes meet a box (through the
 * case_features spatial index), with the few case attributes a map colours
 * and labels by, limited to the services a caseworker may see; and a version
 * that changes whenever any case changes, for caches and ETags.
 *
 * Every change of a case adds a case_events row (submission, each status
 * change, the purge), and event ids only grow, so the largest event id is
 * such a version and costs one look at the end of a B-tree.
 */
#ifndef GE_STORE_CASE_TILES_H
#define GE_STORE_CASE_TILES_H

#include <stdint.h>

#include "error.h"
#include "store.h"

/* The case data version: the largest case_events id (0 without cases). */
int ge_store_case_tiles_version(ge_store *st, int64_t *version, ge_err *err);

/*
 * Visits, in fid order, every feature of a case that is not purged, whose
 * service is in services_json (a JSON array of service ids; NULL: every
 * service), and whose bounding box meets box (minx, miny, maxx, maxy in the
 * store's SRID). cb gets the feature's fid (unique over all cases), its ISO
 * WKB and as properties the JSON object
 *   {"case_id", "service", "status", "reference" (null when none),
 *    "valid" (the report's verdict at submission, null when unknown)}.
 * *version (may be NULL) gets the case data version of the same read
 * snapshot. A non-zero return from cb stops and is returned.
 */
int ge_store_case_tiles_query(ge_store *st, const double box[4], const char *services_json,
                              int64_t *version, ge_feature_cb cb, void *ud, ge_err *err);

#endif
