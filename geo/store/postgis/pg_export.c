/*
 * pg_export.c - export (store_export.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_export.h"

static int ge_pg_cases_features(ge_store *st, const char *const *ids, size_t n,
                                ge_store_export_cb cb, void *ud, ge_err *err)
{
    (void)st;
    (void)ids;
    (void)n;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_cases_features");
}

const ge_store_export_ops ge_pg_export_ops = {
    .cases_features = ge_pg_cases_features,
};
