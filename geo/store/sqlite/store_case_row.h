/*
 * store_case_row.h - the one way the store's files read a row of `cases`
 * into a ge_case: the column list to SELECT and the function that copies a
 * row selected with it. store_cases.c (form-server reads) and
 * store_review.c (caseworker reads, which add columns after these) share it
 * so that a new case column is added in one place.
 */
#ifndef GE_STORE_CASE_ROW_H
#define GE_STORE_CASE_ROW_H

#include <sqlite3.h>

#include "error.h"
#include "store_forms.h"
#include "sqlite_internal.h"

/* The columns ge_store_case_from_row reads, in its order; a query may add
 * columns after them (from index GE_STORE_CASE_NCOLS on). */
#define GE_STORE_CASE_COLUMNS                                                                      \
    "id, client_id, draft_id, service, reference, applicant, period_start, period_end, status,"    \
    " report, content_hash, created_at, updated_at, version"
#define GE_STORE_CASE_NCOLS 14

/* Copies the current row of `s` (selected with GE_STORE_CASE_COLUMNS first)
 * into *out, which the caller zeroed. GE_ENOMEM when the applicant or report
 * could not be copied; the caller clears *out on failure. */
int ge_store_case_from_row(sqlite3_stmt *s, ge_case *out, ge_err *err);

/* Runs sql (GE_STORE_CASE_COLUMNS first, ?1 = id) on c and reads its one
 * row into *out (zeroed by the caller); *s stays on that row for the
 * columns after GE_STORE_CASE_NCOLS, and the caller finalizes it.
 * GE_ENOENT "no such case" when there is no row. */
int ge_store_case_select_one(ge_conn *c, const char *sql, const char *id, ge_case *out,
                             sqlite3_stmt **s, ge_err *err);

#endif
