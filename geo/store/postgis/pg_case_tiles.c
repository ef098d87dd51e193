/*
 * pg_case_tiles.c - case tiles (store_case_tiles.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_case_tiles.h"

static int ge_pg_case_tiles_version(ge_store *st, int64_t *version, ge_err *err)
{
    (void)st;
    (void)version;
    return ge_pg_unsupported(err, "ge_store_case_tiles_version");
}

static int ge_pg_case_tiles_query(ge_store *st, const double box[4], const char *services_json,
                                  int64_t *version, ge_feature_cb cb, void *ud, ge_err *err)
{
    (void)st;
    (void)box;
    (void)services_json;
    (void)version;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_case_tiles_query");
}

const ge_store_case_tiles_ops ge_pg_case_tiles_ops = {
    .case_tiles_version = ge_pg_case_tiles_version,
    .case_tiles_query = ge_pg_case_tiles_query,
};
