/*
 * case_view.h - the caseworker's answer of GET /v1/cases/{id} (review
 * contract, issue 7), shared by that route and PATCH /v1/cases/{id}, which
 * answers with the same document after a status change.
 *
 * The document and what it holds are the use case's (geo/app/case_review.h:
 * ge_app_case_review); this file parses, answers and tags it.
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

#include "../geo/app/app.h"
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

/* The 404 problem for a case the session may not see or that does not exist
 * (ge_app_case_not_visible). */
int ge_case_view_not_found(ge_req *req, ge_resp *resp, const char *case_id);

/* What the session may see, as the use cases take it (geo/app/cases.h): a
 * malloc'd filter of visibility only (free it), or a server error in resp. */
int ge_case_view_who(ge_req *req, ge_resp *resp, const ge_session *s, ge_case_filter **who);

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
