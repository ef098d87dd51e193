/*
 * pg_tiles.c - tiles (store_tiles.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_tiles.h"

static int ge_pg_tiles_version(ge_store *st, const char *layer, int64_t *version, ge_err *err)
{
    (void)st;
    (void)layer;
    (void)version;
    return ge_pg_unsupported(err, "ge_store_tiles_version");
}

static int ge_pg_tiles_query(ge_store *st, const char *layer, const double box[4], int64_t *version,
                             ge_feature_cb cb, void *ud, ge_err *err)
{
    (void)st;
    (void)layer;
    (void)box;
    (void)version;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_tiles_query");
}

static int ge_pg_tiles_fields(ge_store *st, const char *layer, json_t **out, ge_err *err)
{
    (void)st;
    (void)layer;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_tiles_fields");
}

const ge_store_tiles_ops ge_pg_tiles_ops = {
    .tiles_version = ge_pg_tiles_version,
    .tiles_query = ge_pg_tiles_query,
    .tiles_fields = ge_pg_tiles_fields,
};
