/*
 * case_review.h - the use cases of a caseworker looking at one case
 * (review contract, issue 7): its view, its history and the other cases
 * that conflict with it. Who looks is a visibility filter (cases.h).
 *
 * The view is the form server's document (ge_app_case_doc: case_id,
 * status, service, reference, draft_id, created, updated, version, period,
 * content_hash, content_hash_valid, validation, applicant) plus
 *
 *   closed         the closing time or null
 *   purged         the purge time or null (the case is then anonymised;
 *                  its content hash is not checked, content_hash_valid
 *                  null, and content_hash_note says why, in German and
 *                  English)
 *   features       FeatureCollection in the CRS asked for
 *   measures       the submitted report's measures, each with its feature's
 *                  location sentence: the stored one, or where the report
 *                  has none the one made now (case_location.h); the
 *                  first feature's is also "location", as in the form
 *                  server's view
 *   revalidation   {checked_at, differs, report}: the same features and
 *                  period checked now against the current services and
 *                  reference data; the case itself (its draft) takes no
 *                  part in the conflict rule. differs compares valid and the
 *                  violations (rule, severity, feature) with the report as
 *                  submitted.
 *   transitions    the statuses that may follow (case_status.h)
 *   history        the events, oldest first, as ge_app_case_history
 */
#ifndef GE_APP_CASE_REVIEW_H
#define GE_APP_CASE_REVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "crs.h"
#include "store_forms.h"
#include "store_review.h"

/* A caseworker's view of case id (above) with the features in crs: *doc a
 * new reference, *version the case's version; NOT_FOUND for a case who may
 * not see or that does not exist (the two are not told apart). */
int ge_app_case_review(const ge_app *app, const ge_case_filter *who, const char *id,
                       const ge_crs *crs, json_t **doc, int64_t *version, ge_app_result *r);

/* A case's history as {"events": [...]} (new reference), or NULL with err.
 * Each event's overridden_conflicts names the other cases an approval was
 * made over (case_event_overrides), with their reference only where who
 * may see their service (who NULL: nowhere). */
json_t *ge_app_case_history(const ge_app *app, const ge_case_filter *who, const char *case_id,
                            ge_err *err);

/* At most this many conflicting cases are listed (nearest first). */
#define GE_APP_CASE_MAX_CONFLICTS 200

/*
 * The other cases that conflict with c (found for who) within distance
 * metres, nearest first: {distance_m, cases: [{case_id, service, status,
 * period, distance_m, visible, features (in crs), location, reference}]};
 * a case of a service who may not see is named without its reference
 * (visible false: the place is taken, but not by whom). *doc a new
 * reference.
 */
int ge_app_case_conflicts(const ge_app *app, const ge_case_filter *who, const ge_case *c,
                          double distance, const ge_crs *crs, json_t **doc, ge_app_result *r);

#endif
