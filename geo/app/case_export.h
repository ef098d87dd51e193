/*
 * case_export.h - the use case of exporting cases for a caseworker's own
 * tools (review contract, issue 7): the cases a filter matches, one row
 * per case feature, written as a file by export.h.
 *
 * Each row holds case_id, service, status, reference, period_start,
 * period_end, created, valid, feature, location and location_en (export.h
 * says what each format makes of them); no applicant data and no feature
 * properties, which are never read. The location sentence is the one the
 * case's report stores, or for a report without it the one made now
 * against the current reference data (case_location.h).
 *
 * The cases are listed first and their features read afterwards in one
 * read transaction (store_export.h), so that an export never holds two
 * store connections at once (nested reads from a list callback could
 * exhaust the pool under load).
 */
#ifndef GE_APP_CASE_EXPORT_H
#define GE_APP_CASE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "crs.h"
#include "export.h"
#include "store_review.h"

/* The most cases one export holds (review contract). */
#define GE_APP_EXPORT_MAX_CASES 10000

/* A finished export. */
typedef struct ge_app_export_file {
    char *bytes; /* the file (malloc'd: free()) */
    size_t len;
    ge_crs crs;      /* of its coordinates (ge_export_output_crs) */
    size_t cases;    /* how many cases it holds */
    size_t features; /* ... and rows */
} ge_app_export_file;

/*
 * Writes the cases f matches (its page: offset, limit) in format fmt and
 * crs; german picks the language of what is written in words (KML's
 * pop-up: "Informationsstand, Genehmigt, 14.12.2026 – 17.12.2026"). limited
 * says whether the caller asked for a limit: without one the
 * caller wants every matching case, and more than GE_APP_EXPORT_MAX_CASES
 * after the offset are refused (INVALID, extras "parameter": "limit",
 * "limit", "numberMatched") rather than cut off into a file that looks
 * complete but is not. Everything else read is the store's own: a failure
 * is FAILED, never the caller's (GE_EINVAL becomes GE_EINTERNAL).
 */
int ge_app_cases_export(const ge_app *app, const ge_case_filter *f, ge_export_format fmt,
                        const ge_crs *crs, bool limited, bool german, ge_app_export_file *out,
                        ge_app_result *r);

/* The file name of an export made now (the context's clock, UTC date):
 * "cases-2026-11-25.gpkg". */
void ge_app_export_file_name(const ge_app *app, ge_export_format fmt, char *out, size_t size);

#endif
