/*
 * store_export.h - the store's side of the case export: the features of
 * many cases read in one go, for GET /v1/export (export.h writes them).
 *
 * Reading a case's features one call at a time (ge_store_case_features)
 * costs a pooled connection, a prepared statement and a read lock per case;
 * an export of thousands of cases spent more time on that than on writing
 * the file. Here one connection, two prepared statements and one read
 * transaction serve all of them, which also gives the export one
 * consistent snapshot. Each feature comes with its location sentence as
 * the case's report stores it: only the report's measures are read out,
 * once per case (its violations may hold large geometries).
 * Implemented in store_export.c.
 */
#ifndef GE_STORE_EXPORT_H
#define GE_STORE_EXPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* One feature of a case. Everything is valid during the call only. */
typedef struct ge_store_export_feature {
    size_t case_index;        /* the case's position in ids */
    int64_t idx;              /* the feature's index in its case */
    const unsigned char *wkb; /* the feature in the store CRS */
    size_t wkb_len;
    /* its location sentence {"de", "en"} as the case's report stores it
     * (case_location.h), NULL when the report has none */
    const json_t *location;
} ge_store_export_feature;

/* Called per feature; a non-zero return stops the reading and is returned.
 * The feature's properties are not read: nothing that goes out of the
 * export needs them. */
typedef int (*ge_store_export_cb)(void *ud, const ge_store_export_feature *f);

/* Visits the features of cases ids[0..n-1], case by case in that order,
 * each case's features by index. Unknown ids have no features. */
int ge_store_cases_features(ge_store *st, const char *const *ids, size_t n, ge_store_export_cb cb,
                            void *ud, ge_err *err);

#endif
