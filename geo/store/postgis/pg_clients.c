/*
 * pg_clients.c - clients (store_forms.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md).
 */
#include "pg_store.h"
#include "store_forms.h"

static int ge_pg_client_add(ge_store *st, const char *name, const char *key_hash, const char *origins_json, const char *webhook_url, const char *webhook_secret, time_t now, int64_t *id, ge_err *err)
{
    (void)st;
    (void)name;
    (void)key_hash;
    (void)origins_json;
    (void)webhook_url;
    (void)webhook_secret;
    (void)now;
    (void)id;
    return ge_pg_unsupported(err, "ge_store_client_add");
}

static int ge_pg_client_list(ge_store *st, ge_client **out, size_t *n, ge_err *err)
{
    (void)st;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_client_list");
}

static int ge_pg_client_revoke(ge_store *st, int64_t id, time_t now, ge_err *err)
{
    (void)st;
    (void)id;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_client_revoke");
}

static int ge_pg_client_by_key(ge_store *st, const char *key_hash, ge_client *out, ge_err *err)
{
    (void)st;
    (void)key_hash;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_client_by_key");
}

const ge_store_clients_ops ge_pg_clients_ops = {
    .client_add = ge_pg_client_add,
    .client_list = ge_pg_client_list,
    .client_revoke = ge_pg_client_revoke,
    .client_by_key = ge_pg_client_by_key,
};
