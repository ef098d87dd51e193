/*
 * store_feature_rules.c - what the feature pages of both backends decide
 * without SQL (store_shared.h): the query's checks, the layer's and a
 * feature's absence, and which rows make the page. sqlite/store_features.c
 * and postgis/pg_features.c build and run the statements.
 */
#include "store_shared.h"

#include <string.h>

int ge_features_layer_check(const char *layer, ge_err *err)
{
    if (ge_store_layer_name_valid(layer)) return GE_OK;
    return ge_err_set(err, GE_EINVAL, "layer name '%.64s' is not valid", layer ? layer : "(null)");
}

int ge_features_query_start(const ge_features_query *q, size_t max_filters, ge_features_page *page,
                            ge_err *err)
{
    int rc;

    memset(page, 0, sizeof *page);
    page->matched = -1;
    rc = ge_features_layer_check(q->layer, err);
    if (rc < 0) return rc;
    if (q->limit < 1) return ge_err_set(err, GE_EINVAL, "limit must be at least 1");
    if (q->n_filters > max_filters)
        return ge_err_set(err, GE_EINVAL, "at most %zu property filters", max_filters);
    for (size_t i = 0; i < q->n_filters; i++) {
        const char *name = q->filters[i].name;
        /* A name with a quote or backslash cannot be a key of SQLite's JSON
         * paths; PostGIS refuses the same names so both answer alike. The
         * caller only passes names the layer has, which come from OSM tags. */
        if (!name || strpbrk(name, "\"\\") || strlen(name) > 120)
            return ge_err_set(err, GE_EINVAL, "property name '%.64s' cannot be filtered",
                              name ? name : "");
    }
    return GE_OK;
}

int ge_features_layer_found(const char *layer, int64_t v, int64_t *version, ge_err *err)
{
    if (v < 0) return ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", layer);
    *version = v;
    return GE_OK;
}

bool ge_features_page_take(const ge_features_query *q, ge_features_page *page, int64_t fid)
{
    if (page->returned == q->limit) {
        page->has_next = true;
        return false;
    }
    if (!page->returned) page->first_fid = fid;
    page->last_fid = fid;
    page->returned++;
    return true;
}

int ge_features_missing(const char *layer, int64_t fid, ge_err *err)
{
    return ge_err_set(err, GE_ENOENT, "feature %lld does not exist in layer '%s'", (long long)fid,
                      layer);
}
