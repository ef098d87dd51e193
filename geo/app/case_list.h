/*
 * case_list.h - the use case of listing cases for a caseworker (review
 * contract, issue 7): the cases a filter matches (store_review.h: its
 * criteria, order and page, and who asks), each with the number of cases
 * that conflict with it and the location sentence of its first feature,
 * and the morning's summary.
 */
#ifndef GE_APP_CASE_LIST_H
#define GE_APP_CASE_LIST_H

#include <jansson.h>

#include "app.h"
#include "store_review.h"

/* "Starting soon" in the summary: from today to today + this many days. */
#define GE_APP_CASES_SOON_DAYS 7

/*
 * The page of cases f matches, as {cases, numberMatched, numberReturned,
 * limit, offset, sort, summary} (*doc a new reference):
 *
 *   cases    [{case_id, service, status, reference, period, created,
 *            updated, closed, valid, errors, warnings, applicant_name,
 *            bbox (CRS84), location, conflicts, purged (when purged)}];
 *            conflicts counts the cases ge_app_case_conflicts would list
 *            at the service's distance; location is the first feature's
 *            sentence (the report's, else made now; null when none can
 *            be said)
 *   summary  the cases f matches apart from its statuses and paging: how
 *            many in each status, open, closed and total, and the open
 *            ones that start from today (the context's clock, local
 *            calendar day) to GE_APP_CASES_SOON_DAYS days ahead
 */
int ge_app_cases_list(const ge_app *app, const ge_case_filter *f, json_t **doc, ge_app_result *r);

#endif
