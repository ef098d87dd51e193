/*
 * pg_features.c - features (store_features.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_features.h"

static int ge_pg_features_query(ge_store *st, const ge_features_query *q, ge_feature_cb cb,
                                void *ud, ge_features_page *page, ge_err *err)
{
    (void)st;
    (void)q;
    (void)cb;
    (void)ud;
    (void)page;
    return ge_pg_unsupported(err, "ge_store_features_query");
}

static int ge_pg_feature_get(ge_store *st, const char *layer, int64_t fid, ge_feature_cb cb,
                             void *ud, int64_t *version, ge_err *err)
{
    (void)st;
    (void)layer;
    (void)fid;
    (void)cb;
    (void)ud;
    (void)version;
    return ge_pg_unsupported(err, "ge_store_feature_get");
}

static int ge_pg_layer_property_names(ge_store *st, const char *layer, char ***names, size_t *n,
                                      int64_t *version, ge_err *err)
{
    (void)st;
    (void)layer;
    (void)names;
    (void)n;
    (void)version;
    return ge_pg_unsupported(err, "ge_store_layer_property_names");
}

const ge_store_features_ops ge_pg_features_ops = {
    .features_query = ge_pg_features_query,
    .feature_get = ge_pg_feature_get,
    .layer_property_names = ge_pg_layer_property_names,
};
