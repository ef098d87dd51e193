/*
 * case_filter.h - the caseworkers' case filter from a query string, shared by
 * the case list (GET /v1/cases), the export (GET /v1/export) and the case
 * tiles, so that all three read service, status, from, to, bbox, q, limit,
 * offset and purged the same way (review contract, issue 7):
 *
 *   service  comma list of service ids (each must be configured)
 *   status   comma list of received, in_review, approved, rejected,
 *            changes_requested, or the groups open (received, in_review,
 *            changes_requested) and closed (approved, rejected)
 *   from,to  YYYY-MM-DD; the case's period overlaps [from, to]
 *   bbox     minx,miny,maxx,maxy in CRS84; converted to the store CRS here
 *   q        free text, at most GE_CASE_FILTER_Q_MAX bytes
 *   limit    1..max (default given by the caller), offset >= 0
 *   purged   true|false: include purged cases
 *
 * Each bad parameter is a 400 problem whose "parameter" member names it.
 * The session decides visibility: admins see all services, caseworkers only
 * theirs (the filter carries that into the store). Parameters this module
 * does not know are left to the caller (ge_case_filter_is_param), because
 * the export and the tiles have parameters of their own.
 */
#ifndef GE_CASE_FILTER_H
#define GE_CASE_FILTER_H

#include <stdbool.h>

#include "../geo/store/store_review.h"
#include "http.h"
#include "session.h"

#define GE_CASE_LIST_LIMIT_DEFAULT 50
#define GE_CASE_LIST_LIMIT_MAX     500

/* The filter of GET /v1/cases (limit default 50, max 500): GE_OK with *out
 * filled, or a 400 problem in resp naming the parameter (GE_EINVAL). */
int ge_case_filter_from_query(ge_req *req, ge_resp *resp, const ge_session *s, ge_case_filter *out);

/* The same with other limits (the export: default and max 10000). */
int ge_case_filter_from_query_limits(ge_req *req, ge_resp *resp, const ge_session *s,
                                     long limit_default, long limit_max, ge_case_filter *out);

/* Only the session's visibility (admin flag, allowed services), no other
 * restriction and no limit: for callers without a query (tiles, conflicts). */
int ge_case_filter_from_session(const ge_session *s, ge_case_filter *out, ge_err *err);

/* Is name one of the parameters ge_case_filter_from_query reads? */
bool ge_case_filter_is_param(const char *name);

#endif
