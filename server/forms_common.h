/*
 * forms_common.h - what the form-server and applicant handlers
 * (handlers_drafts.c, handlers_cases.c, handlers_edit.c) share: Bearer API
 * key authentication of clients, the crs parameter, drafts' features kept as
 * GeoJSON text in the store CRS (read back and checked by the use cases
 * in geo/app/draft_check.h; cases are read back by geo/app/cases.h).
 */
#ifndef GE_FORMS_COMMON_H
#define GE_FORMS_COMMON_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>

#include "../geo/app/draft_check.h"
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

/* A JSON response dumped with GE_JSON_DUMP_FLAGS (coordinates and measures
 * as rounded, not with 17 digits); content_type NULL: application/json.
 * Takes the reference, also on failure. */
int ge_forms_json(ge_resp *resp, int status, json_t *doc, const char *content_type);

/* Sets Content-Crs (OGC API - Features Part 2) for a GeoJSON response. */
void ge_forms_content_crs(ge_resp *resp, const ge_crs *crs);

/* Looks up a draft of the authenticated client: a 404 problem when there is
 * none or it is another client's (the two are not told apart). id is
 * checked for shape first. */
int ge_forms_client_draft(ge_req *req, ge_resp *resp, const ge_client *client, ge_draft *out);

/* The open draft of the path's {token} (the applicant's capability), or a
 * 404 problem (no such link) or 410 (submitted, expired) in resp. */
int ge_forms_edit_draft(ge_req *req, ge_resp *resp, ge_draft *d);

/* "2026-11-25T21:22:43Z" for now + seconds, by the server's clock. */
void ge_forms_utc_in(const ge_req *req, long seconds, char out[32]);

#endif
