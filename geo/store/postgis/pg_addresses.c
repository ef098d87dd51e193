/*
 * pg_addresses.c - addresses (store_addresses.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_addresses.h"

static int ge_pg_addresses_search(ge_store *st, const char *q, int limit, ge_address *out,
                                  size_t *n, ge_err *err)
{
    (void)st;
    (void)q;
    (void)limit;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_addresses_search");
}

const ge_store_addresses_ops ge_pg_addresses_ops = {
    .addresses_search = ge_pg_addresses_search,
};
