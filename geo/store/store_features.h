/*
 * store_features.h - reading a reference layer's features page by page, for
 * the OGC API - Features items and feature routes.
 *
 * Paging is by key, never by OFFSET: a page is "the next `limit` matching
 * features after fid A" or "the `limit` matching features just before fid B".
 * An import that replaces the layer between two requests therefore never makes
 * a client see a feature twice or skip one that kept its fid, and deep pages
 * cost what the first page costs.
 *
 * A query reads its page, the count and the layer's version from one read
 * transaction, so numberMatched, the features and the ETag (built from the
 * version) agree even while an import commits.
 *
 * Features go to a callback one at a time (ge_feature_cb of store.h) as they
 * come from the database, so a caller that writes each one out keeps memory
 * bounded whatever the page size.
 */
#ifndef GE_STORE_FEATURES_H
#define GE_STORE_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* A property filter: features whose property `name` equals `value` (compared
 * as text, so ?lanes=2 matches the string "2" and the number 2). */
typedef struct ge_features_filter {
    const char *name;
    const char *value;
} ge_features_filter;

typedef struct ge_features_query {
    const char *layer;
    bool has_bbox;
    double bbox[4]; /* minx, miny, maxx, maxy in the store CRS; intersecting features */
    int64_t after;  /* features with fid > after (0: from the start) */
    int64_t before; /* > 0: the page just before this fid (after is then ignored) */
    size_t limit;   /* >= 1 */
    const ge_features_filter *filters;
    size_t n_filters;
    bool count; /* fill numberMatched (one more query) */
} ge_features_query;

typedef struct ge_features_page {
    int64_t matched; /* features matching bbox and filters; -1 when not counted */
    size_t returned;
    int64_t first_fid; /* of the page; 0 when empty */
    int64_t last_fid;
    bool has_next;   /* matching features after last_fid (or after the cursor) */
    bool has_prev;   /* matching features before first_fid (or before the cursor) */
    int64_t version; /* the layer's version, read in the same transaction */
} ge_features_page;

/*
 * Runs the query and calls cb for each feature of the page in fid order. A
 * non-zero return of cb stops the page and is returned. GE_ENOENT when the
 * layer does not exist, GE_EINVAL for a bad layer name or limit 0.
 */
int ge_store_features_query(ge_store *st, const ge_features_query *q, ge_feature_cb cb, void *ud,
                            ge_features_page *page, ge_err *err);

/* One feature by fid; GE_ENOENT when the layer or the feature does not exist.
 * *version (may be NULL) gets the layer's version. */
int ge_store_feature_get(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb, void *ud,
                         int64_t *version, ge_err *err);

/*
 * The property names the layer's features have, sorted; for filters and
 * "unknown parameter" checks. Free with ge_store_names_free(). *version gets the
 * layer's version the names belong to (callers cache by it).
 */
int ge_store_layer_property_names(ge_store *st, const char *layer, char ***names, size_t *n,
                                  int64_t *version, ge_err *err);
void ge_store_names_free(char **names, size_t n);

#endif
