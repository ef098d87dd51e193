/*
 * forms_common.h - what the form-server and applicant handlers
 * (handlers_drafts.c, handlers_cases.c, handlers_edit.c) share: Bearer API
 * key authentication of clients, the crs parameter, drafts' features kept as
 * GeoJSON text in the store CRS, and validating a draft with the engine.
 *
 * Features of a draft are stored as a FeatureCollection in the store's
 * metric CRS rounded to 1 mm (not in CRS84), so that what is checked at
 * submission is exactly what was drawn, without a second datum transform.
 */
#ifndef GE_FORMS_COMMON_H
#define GE_FORMS_COMMON_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>

#include "../geo/core/crs.h"
#include "../geo/core/date.h"
#include "../geo/core/geojson_in.h"
#include "../geo/rules/rules.h"
#include "../geo/store/store_forms.h"
#include "http.h"

/* Checks "Authorization: Bearer <key>": GE_OK with *client filled (clear it
 * with ge_client_clear), or a 401 problem in resp (missing header, wrong or
 * revoked key - the answer does not tell which). */
int ge_forms_auth(ge_req *req, ge_resp *resp, ge_client *client);

/* The store's CRS as a ge_crs. */
ge_crs ge_forms_store_crs(const ge_req *req);

/* The crs query parameter (default CRS84): a 400 problem naming it when it
 * is not one we support. */
int ge_forms_crs_param(ge_req *req, ge_resp *resp, ge_crs *crs, bool *explicit_crs);

/* Loads the body as JSON (depth limit, duplicate keys refused): a 400
 * problem naming line and column when it is not JSON, or not an object. */
int ge_forms_body(ge_req *req, ge_resp *resp, json_t **out);

/* Fails with a 400 problem naming the first member of obj that is not in
 * the NULL-terminated list allowed. */
int ge_forms_members(ge_req *req, ge_resp *resp, const json_t *obj, const char *what,
                     const char *const *allowed);

/* A 400 (or 413/422 per err->code) problem whose detail is err's message and
 * whose "member" extension names member. Returns err->code. */
int ge_forms_bad_member(ge_req *req, ge_resp *resp, const char *member, const ge_err *err);

/* Reads GeoJSON features (a FeatureCollection, Feature or geometry; empty
 * allowed) in crs into the stored form: FeatureCollection text in the store
 * CRS. path names the member in errors ("features"). On failure fills resp. */
int ge_forms_features_in(ge_req *req, ge_resp *resp, const json_t *features, const ge_crs *crs,
                         bool crs_explicit, const char *path, char **out_text);

/* Parses stored features text (store CRS) into GEOS features. */
int ge_forms_features_parse(const ge_req *req, GEOSContextHandle_t h, const char *text,
                            ge_features *out, ge_err *err);

/* Stored features text -> FeatureCollection in out_crs (new reference). */
json_t *ge_forms_features_out(const ge_req *req, const char *text, const ge_crs *out_crs,
                              ge_err *err);

/* Validates stored features of a service for a period (either date may be
 * NULL or "") against the current reference snapshot and, for conflict
 * rules, the open cases near by (except one made from draft_id); highlight
 * geometries in out_crs. *report is a new reference. This is the report
 * applicants and form servers read, and the one a case stores: conflicts
 * are told anonymously (GE_RULES_CONFLICTS_ANONYMOUS, geo/rules/rules.h). */
int ge_forms_validate(const ge_req *req, const char *draft_id, const char *service,
                      const char *features_text, const char *period_start, const char *period_end,
                      const ge_crs *out_crs, json_t **report, ge_err *err);

/* The same as if it were `today` (lead times), telling conflicts as
 * `conflicts` says: the caseworkers' re-check of a case judges lead times
 * on its submission date and sees every case in the way (FULL). */
int ge_forms_validate_on(const ge_req *req, const char *draft_id, const char *service,
                         const char *features_text, const char *period_start,
                         const char *period_end, ge_date today, ge_rules_conflicts conflicts,
                         const ge_crs *out_crs, json_t **report, ge_err *err);

/* At most this many features of other cases go into one validation. */
#define GE_FORMS_MAX_OTHERS 1000

/* Other applicants' cases near by, for the conflict rules (h and err set
 * by the caller; the rest zero). */
typedef struct ge_forms_others {
    GEOSContextHandle_t h;
    ge_rules_other *v;
    size_t n, cap;
    ge_err *err;
} ge_forms_others;

/* Loads the open cases whose features lie within the service's widest
 * conflict distance of the box (store CRS), except one made from
 * exclude_draft_id; nothing when the service has no conflict rule. */
int ge_forms_others_in_box(const ge_req *req, const ge_service *svc, const double box[4],
                           const char *exclude_draft_id, ge_forms_others *o, ge_err *err);
void ge_forms_others_free(ge_forms_others *o);

/* A JSON response dumped with GE_JSON_DUMP_FLAGS (coordinates and measures
 * as rounded, not with 17 digits); content_type NULL: application/json.
 * Takes the reference, also on failure. */
int ge_forms_json(ge_resp *resp, int status, json_t *doc, const char *content_type);

/* Sets Content-Crs (OGC API - Features Part 2) for a GeoJSON response. */
void ge_forms_content_crs(ge_resp *resp, const ge_crs *crs);

/* The errors of a report, [{rule, feature, message}], for 422 problems and
 * the editor's "missing" list (new reference). */
json_t *ge_forms_report_errors(const json_t *report);

/* Looks up a draft of the authenticated client: a 404 problem when there is
 * none or it is another client's (the two are not told apart). id is
 * checked for shape first. */
int ge_forms_client_draft(ge_req *req, ge_resp *resp, const ge_client *client, ge_draft *out);

/* The open draft of the path's {token} (the applicant's capability), or a
 * 404 problem (no such link) or 410 (submitted, expired) in resp. */
int ge_forms_edit_draft(ge_req *req, ge_resp *resp, ge_draft *d);

/* Reads a case's features back from the store (store CRS, properties
 * parsed). Free with ge_features_free. */
int ge_forms_case_features(const ge_req *req, GEOSContextHandle_t h, const char *case_id,
                           ge_features *out, ge_err *err);

/* Recomputes a case's content hash from what is stored and compares it with
 * the recorded one (constant time). keep (may be NULL) gets the features
 * read for it on success (free with ge_features_free). */
int ge_forms_case_verify(const ge_req *req, const ge_case *c, bool *intact, ge_features *keep,
                         ge_err *err);

/*
 * Completes the location sentences (geo/app/case_location.h) of a case
 * document made by ge_forms_case_doc, from the case's features fs (store
 * CRS) against the current reference snapshot with the clearances of the
 * case's service: "location" (the first feature's) when the stored report
 * has none; and with measures, "measures": a copy of the report's measures
 * in which each feature lacking a sentence gets the one made now. The
 * stored report ("validation") is never changed. GE_OK, or GE_ENOMEM /
 * GE_EBUDGET / GE_ECANCELED.
 */
int ge_forms_case_locations(const ge_req *req, const char *service, json_t *doc,
                            const ge_features *fs, bool measures, ge_err *err);

/* The form server's view of a case (new reference); the caseworkers' view
 * starts from it. "location" is the first feature's sentence as the stored
 * report has it, else null (ge_forms_case_locations makes it then).
 * conflicts says who reads the stored report: for
 * GE_RULES_CONFLICTS_ANONYMOUS (form servers) a report stored before
 * conflicts were told anonymously has them rewritten in the answer
 * (ge_rules_report_anonymize); the stored text, and so the content hash
 * and its check, stay as they are. Caseworkers (FULL) read it as stored. */
json_t *ge_forms_case_doc(const ge_case *c, bool intact, ge_rules_conflicts conflicts);

/* "2026-11-25T21:22:43Z" for now + seconds. */
void ge_forms_utc_in(long seconds, char out[32]);

#endif
