/*
 * pg_drafts.c - drafts (store_forms.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_forms.h"

static int ge_pg_draft_create(ge_store *st, const ge_draft *d, const char *token_hash, time_t now,
                              ge_err *err)
{
    (void)st;
    (void)d;
    (void)token_hash;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_draft_create");
}

static int ge_pg_draft_get(ge_store *st, const char *id, ge_draft *out, ge_err *err)
{
    (void)st;
    (void)id;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_draft_get");
}

static int ge_pg_draft_by_token(ge_store *st, const char *token_hash, ge_draft *out, ge_err *err)
{
    (void)st;
    (void)token_hash;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_draft_by_token");
}

static int ge_pg_draft_save(ge_store *st, const char *id, const char *features_json,
                            const char *validation_json, time_t now, char updated_at[32],
                            ge_err *err)
{
    (void)st;
    (void)id;
    (void)features_json;
    (void)validation_json;
    (void)now;
    (void)updated_at;
    return ge_pg_unsupported(err, "ge_store_draft_save");
}

static int ge_pg_draft_set_period(ge_store *st, const char *id, const char *start, const char *end,
                                  const char *validation_json, time_t now, char updated_at[32],
                                  ge_err *err)
{
    (void)st;
    (void)id;
    (void)start;
    (void)end;
    (void)validation_json;
    (void)now;
    (void)updated_at;
    return ge_pg_unsupported(err, "ge_store_draft_set_period");
}

static int ge_pg_draft_update(ge_store *st, const ge_draft *from, const ge_draft *to, time_t now,
                              char updated_at[32], ge_err *err)
{
    (void)st;
    (void)from;
    (void)to;
    (void)now;
    (void)updated_at;
    return ge_pg_unsupported(err, "ge_store_draft_update");
}

const ge_store_drafts_ops ge_pg_drafts_ops = {
    .draft_create = ge_pg_draft_create,
    .draft_get = ge_pg_draft_get,
    .draft_by_token = ge_pg_draft_by_token,
    .draft_save = ge_pg_draft_save,
    .draft_set_period = ge_pg_draft_set_period,
    .draft_update = ge_pg_draft_update,
};
