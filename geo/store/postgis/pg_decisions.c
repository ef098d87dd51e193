/*
 * pg_decisions.c - decisions (store_decisions.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_decisions.h"

static int ge_pg_case_set_status(ge_store *st, const ge_status_change *in, time_t now,
                                 ge_status_result *out, ge_err *err)
{
    (void)st;
    (void)in;
    (void)now;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_case_set_status");
}

const ge_store_decisions_ops ge_pg_decisions_ops = {
    .case_set_status = ge_pg_case_set_status,
};
