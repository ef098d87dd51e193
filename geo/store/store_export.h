/*
 * store_export.h - the store's side of the case export: the features of
 * many cases read in one go, for GET /v1/export (export.h writes them).
 *
 * Reading a case's features one call at a time (ge_store_case_features)
 * costs a pooled connection, a prepared statement and a read lock per case;
 * an export of thousands of cases spent more time on that than on writing
 * the file. Here one connection, one prepared statement and one read
 * transaction serve all of them, which also gives the export one
 * consistent snapshot. Implemented in store_export.c.
 */
#ifndef GE_STORE_EXPORT_H
#define GE_STORE_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* One feature: the case's position in ids, the feature's index in its
 * case, its WKB in the store CRS (valid during the call only). A non-zero
 * return stops the reading and is returned. The feature's properties are
 * not read: nothing that goes out of the export needs them. */
typedef int (*ge_store_export_cb)(void *ud, size_t case_index, int64_t idx,
                                  const unsigned char *wkb, size_t wkb_len);

/* Visits the features of cases ids[0..n-1], case by case in that order,
 * each case's features by index. Unknown ids have no features. */
int ge_store_cases_features(ge_store *st, const char *const *ids, size_t n, ge_store_export_cb cb,
                            void *ud, ge_err *err);

#endif
