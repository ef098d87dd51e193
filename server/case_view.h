/*
 * case_view.h - the caseworker's answer of GET /v1/cases/{id} (review
 * contract, issue 7), shared by that route and PATCH /v1/cases/{id}, which
 * answers with the same document after a status change.
 *
 * The document is the form server's view (ge_forms_case_doc: case_id,
 * status, service, reference, draft_id, created, updated, version, period,
 * content_hash, content_hash_valid, validation, applicant) plus
 *
 *   closed         the closing time or null
 *   purged         the purge time or null (the case is then anonymised)
 *   features       FeatureCollection in CRS84 (or ?crs=)
 *   measures       the submitted report's measures, each with its feature's
 *                  location sentence: the stored one, or where the report
 *                  has none the one made now (geo/app/case_location.h); the
 *                  first feature's is also "location", as in the form
 *                  server's view
 *   revalidation   {checked_at, differs, report}: the same features and
 *                  period checked now against the server's current services
 *                  and reference data; the case itself (its draft) takes no
 *                  part in the conflict rule. differs compares valid and the
 *                  violations (rule, severity, feature) with the report as
 *                  submitted.
 *   transitions    the statuses that may follow (geo/app/case_status.h)
 *   history        the events, oldest first, as GET /v1/cases/{id}/history
 *
 * Both views carry the case's entity tag as ETag: "v<version>" (the
 * version of migration 8: 1 at submission, + 1 with every change). It is
 * strong and names one stored state of the case, which is what If-Match of
 * PATCH /v1/cases/{id} compares; clients keep it opaque and send it back as
 * received. It is a plain header, not the HTTP layer's resp->etag: these
 * answers are no-store and carry what is computed at read time
 * (content_hash_valid, revalidation), so an If-None-Match must never turn
 * them into a 304, and the tag must not change with the content coding
 * (http_send.c marks gzipped tags "-gz") or a gzipped GET would give a tag
 * that If-Match does not know.
 */
#ifndef GE_CASE_VIEW_H
#define GE_CASE_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../geo/store/store_review.h"
#include "http.h"
#include "session.h"

/*
 * Sends the session answer for case_id with http_status (200, or what the
 * caller needs). A case the session may not see, or that does not exist, is
 * a 404 problem naming the parameter "id" (the two are not told apart).
 * Reads ?crs= for the features (400 naming it when unsupported). Returns
 * GE_OK or the code of the problem sent.
 */
int ge_case_view_send(ge_req *req, ge_resp *resp, ge_ctx *ctx, const ge_session *s,
                      const char *case_id, unsigned http_status);

/* The longest entity tag of a case, quotes and NUL included. */
#define GE_CASE_VIEW_ETAG_MAX 32

/* The entity tag of a case's version, with its quotes: "\"v3\"". */
void ge_case_view_etag(int64_t version, char out[GE_CASE_VIEW_ETAG_MAX]);

/* Sets the ETag header of resp to the tag of version. */
void ge_case_view_set_etag(ge_resp *resp, int64_t version);

/* The version an entity tag's opaque part (without quotes: "v3") names;
 * false for anything this server never sends as a case's tag. */
bool ge_case_view_etag_version(const char *opaque, int64_t *version);

/* The distance within which other cases conflict with a case of this
 * service by default: its service's conflict rule's, else the
 * conflict_distance setting (the list's counts, GET /v1/cases/{id}/conflicts
 * and the approval's check agree on it). */
double ge_case_view_conflict_distance(const ge_req *req, const char *service);

/* A case's history as {"events": [...]} (new reference), or NULL with err.
 * Each event's overridden_conflicts names the other cases an approval was
 * made over (case_event_overrides), with their reference only where the
 * session may see their service. */
json_t *ge_case_view_history(ge_store *st, const ge_session *s, const char *case_id, ge_err *err);

/* The 404 problem for a case the session may not see or that does not exist. */
int ge_case_view_not_found(ge_req *req, ge_resp *resp, const char *case_id);

/* The case named by the path parameter {id} if the session may see it
 * (purged cases too): GE_OK with *out (clear with ge_case_clear) and, when
 * purged_at is not NULL, the purge time ("" when kept), or a 404 (or server
 * error) problem in resp. */
int ge_case_view_find(ge_req *req, ge_resp *resp, const ge_session *s, ge_case *out,
                      char *purged_at);

/* Does the request carry a form server's key (Authorization header)? Routes
 * open to both form servers and caseworkers then take the Bearer path, else
 * the session's. */
bool ge_case_view_has_bearer(const ge_req *req);

#endif
