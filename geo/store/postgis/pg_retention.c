/*
 * pg_retention.c - retention (store_retention.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_retention.h"

static int ge_pg_retention_services(ge_store *st, char (**out)[64], size_t *n, ge_err *err)
{
    (void)st;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_retention_services");
}

static int ge_pg_retention_closed(ge_store *st, const char *service, const char *cutoff,
                                  ge_store_closed_case **out, size_t *n, ge_err *err)
{
    (void)st;
    (void)service;
    (void)cutoff;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_retention_closed");
}

static int ge_pg_retention_purge(ge_store *st, const char *case_id, const char *service,
                                 const char *cutoff, const char *now, bool *purged, ge_err *err)
{
    (void)st;
    (void)case_id;
    (void)service;
    (void)cutoff;
    (void)now;
    (void)purged;
    return ge_pg_unsupported(err, "ge_store_retention_purge");
}

static int ge_pg_retention_checkpoint(ge_store *st, bool *complete, ge_err *err)
{
    (void)st;
    (void)complete;
    return ge_pg_unsupported(err, "ge_store_retention_checkpoint");
}

const ge_store_retention_ops ge_pg_retention_ops = {
    .retention_services = ge_pg_retention_services,
    .retention_closed = ge_pg_retention_closed,
    .retention_purge = ge_pg_retention_purge,
    .retention_checkpoint = ge_pg_retention_checkpoint,
};
