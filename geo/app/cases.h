/*
 * cases.h - the use cases of viewing one case: finding it for a form
 * server (its own cases) or a caseworker (the services they may see), its
 * features read back from the store, its content hash checked, its
 * location sentences, the document both views start from, and the form
 * server's view. The caseworkers' view, a case's history and its
 * conflicts are in case_review.h. The refusals' texts (no such case)
 * exist here once, in German and English.
 *
 * Who a caseworker is, for these use cases, is what they may see: a
 * ge_case_filter holding only visibility (admin, allowed services), as
 * the server makes it from a session.
 */
#ifndef GE_APP_CASES_H
#define GE_APP_CASES_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "crs.h"
#include "geojson_in.h"
#include "rules.h"
#include "store_forms.h"
#include "store_review.h"

/* Is id shaped like a case id (32 lowercase hexadecimal digits)? */
bool ge_app_case_id_plausible(const char *id);

/*
 * The distance within which other cases conflict with a case of this
 * service by default: its service's conflict rule's (what the applicant's
 * check used), else the context's conflict_distance. The list's counts,
 * the conflicts of a case and the approval's check agree on it: a
 * caseworker must not read "within 2 m" on a case whose rule looked 3 m
 * around it.
 */
double ge_app_case_conflict_distance(const ge_app *app, const char *service);

/* The longest entity tag of a case, quotes and NUL included. */
#define GE_APP_CASE_TAG_MAX 32

/* The entity tag of a case's version, with its quotes ("\"v3\""): what
 * its views carry as ETag and what a decision's refusals name. */
void ge_app_case_tag(int64_t version, char out[GE_APP_CASE_TAG_MAX]);

/* Reads a case's features back from the store (store CRS, properties
 * parsed). Free with ge_features_free. */
int ge_app_case_features(const ge_app *app, GEOSContextHandle_t h, const char *case_id,
                         ge_features *out, ge_err *err);

/* Recomputes a case's content hash from what is stored and compares it with
 * the recorded one (constant time). keep (may be NULL) gets the features
 * read for it on success (free with ge_features_free). */
int ge_app_case_verify(const ge_app *app, const ge_case *c, bool *intact, ge_features *keep,
                       ge_err *err);

/*
 * Completes the location sentences (case_location.h) of a case document
 * made by ge_app_case_doc, from the case's features fs (store CRS)
 * against the current reference snapshot with the clearances of the
 * case's service: "location" (the first feature's) when the stored report
 * has none; and with measures, "measures": a copy of the report's measures
 * in which each feature lacking a sentence gets the one made now. The
 * stored report ("validation") is never changed. GE_OK, or GE_ENOMEM /
 * GE_EBUDGET / GE_ECANCELED.
 */
int ge_app_case_locations(const ge_app *app, const char *service, json_t *doc,
                          const ge_features *fs, bool measures, ge_err *err);

/* The form server's view of a case (new reference); the caseworkers' view
 * starts from it. "location" is the first feature's sentence as the stored
 * report has it, else null (ge_app_case_locations makes it then).
 * conflicts says who reads the stored report: for
 * GE_RULES_CONFLICTS_ANONYMOUS (form servers) a report stored before
 * conflicts were told anonymously has them rewritten in the answer
 * (ge_rules_report_anonymize); the stored text, and so the content hash
 * and its check, stay as they are. Caseworkers (FULL) read it as stored. */
json_t *ge_app_case_doc(const ge_case *c, bool intact, ge_rules_conflicts conflicts);

/* A case's features as a GeoJSON FeatureCollection in crs (*fc a new
 * reference); properties as stored (a purged case's are empty). */
int ge_app_case_features_out(const ge_app *app, const char *case_id, const ge_crs *crs, json_t **fc,
                             ge_app_result *r);

/* ---- finding a case ------------------------------------------------------- */

/* The case id of a form server's client: NOT_FOUND (extra "parameter":
 * "id") when there is none or it is another client's (the two are not
 * told apart). Clear out with ge_case_clear. */
int ge_app_case_of_client(const ge_app *app, int64_t client_id, const char *id, ge_case *out,
                          ge_app_result *r);

/* The refusal for a case a caseworker may not see or that does not exist
 * (NOT_FOUND, extra "parameter": "id"). */
int ge_app_case_not_visible(const char *id, ge_app_result *r);

/* The case id if who may see it (purged cases too): GE_OK with *out (clear
 * with ge_case_clear) and its closing and purge times ("" when not set;
 * either may be NULL), or NOT_FOUND (ge_app_case_not_visible). */
int ge_app_case_find(const ge_app *app, const ge_case_filter *who, const char *id, ge_case *out,
                     char closed_at[32], char purged_at[32], ge_app_result *r);

/* ---- the form server's view ---------------------------------------------- */

/*
 * A client's case as the form server sees it: ge_app_case_doc with its
 * content hash checked against what is stored now (recomputed on every
 * read: a case whose rows were altered behind the API's back says so
 * instead of passing as authentic) and the first feature's location
 * sentence. *doc a new reference, *version the case's version.
 */
int ge_app_case_view_client(const ge_app *app, int64_t client_id, const char *id, json_t **doc,
                            int64_t *version, ge_app_result *r);

#endif
