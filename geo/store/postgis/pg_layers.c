/*
 * pg_layers.c - layers (store.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store.h"

static int ge_pg_layers_stamp(ge_store *st, int64_t *stamp, ge_err *err)
{
    (void)st;
    (void)stamp;
    return ge_pg_unsupported(err, "ge_store_layers_stamp");
}

static int ge_pg_layer_list(ge_store *st, ge_layer_info **out, size_t *n, ge_err *err)
{
    (void)st;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_layer_list");
}

static int ge_pg_layer_get(ge_store *st, const char *name, ge_layer_info *out, ge_err *err)
{
    (void)st;
    (void)name;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_layer_get");
}

static int ge_pg_layer_scan(ge_store *st, const char *name, ge_feature_cb cb, void *ud, ge_err *err)
{
    (void)st;
    (void)name;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_layer_scan");
}

static int ge_pg_batch_begin(ge_store *st, time_t now, void **batch, ge_err *err)
{
    (void)st;
    (void)now;
    *batch = NULL;
    return ge_pg_unsupported(err, "ge_import_batch_begin");
}

static int ge_pg_batch_layer(void *batch, const ge_layer_info *meta, ge_err *err)
{
    (void)batch;
    (void)meta;
    return ge_pg_unsupported(err, "ge_import_batch_layer");
}

static int ge_pg_batch_add(void *batch, const unsigned char *wkb, size_t wkb_len,
                           const char *props_json, ge_err *err)
{
    (void)batch;
    (void)wkb;
    (void)wkb_len;
    (void)props_json;
    return ge_pg_unsupported(err, "ge_import_batch_add");
}

static int ge_pg_batch_commit(void *batch, ge_err *err)
{
    (void)batch;
    return ge_pg_unsupported(err, "ge_import_batch_commit");
}

static void ge_pg_batch_abort(void *batch)
{
    (void)batch;
}

const ge_store_layers_ops ge_pg_layers_ops = {
    .layers_stamp = ge_pg_layers_stamp,
    .layer_list = ge_pg_layer_list,
    .layer_get = ge_pg_layer_get,
    .layer_scan = ge_pg_layer_scan,
    .batch_begin = ge_pg_batch_begin,
    .batch_layer = ge_pg_batch_layer,
    .batch_add = ge_pg_batch_add,
    .batch_commit = ge_pg_batch_commit,
    .batch_abort = ge_pg_batch_abort,
};
