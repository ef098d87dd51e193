/*
 * pg_users.c - users (store_users.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_users.h"

static int ge_pg_user_add(ge_store *st, const char *name, const char *password_hash,
                          const char *role, const char *services_json, time_t now, int64_t *id,
                          ge_err *err)
{
    (void)st;
    (void)name;
    (void)password_hash;
    (void)role;
    (void)services_json;
    (void)now;
    (void)id;
    return ge_pg_unsupported(err, "ge_store_user_add");
}

static int ge_pg_user_set_password(ge_store *st, const char *name, const char *password_hash,
                                   time_t now, ge_err *err)
{
    (void)st;
    (void)name;
    (void)password_hash;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_user_set_password");
}

static int ge_pg_user_disable(ge_store *st, const char *name, time_t now, ge_err *err)
{
    (void)st;
    (void)name;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_user_disable");
}

static int ge_pg_user_list(ge_store *st, ge_user **out, size_t *n, ge_err *err)
{
    (void)st;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_user_list");
}

static int ge_pg_user_credentials(ge_store *st, const char *name, ge_user *out,
                                  char hash[GE_PASSWORD_HASH_MAX], ge_err *err)
{
    (void)st;
    (void)name;
    (void)out;
    (void)hash;
    return ge_pg_unsupported(err, "ge_store_user_credentials");
}

static int ge_pg_session_create(ge_store *st, const char *id_hash, const char *csrf_hash,
                                int64_t user_id, const char *expires_at, time_t now, ge_err *err)
{
    (void)st;
    (void)id_hash;
    (void)csrf_hash;
    (void)user_id;
    (void)expires_at;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_session_create");
}

static int ge_pg_session_get(ge_store *st, const char *id_hash, ge_session_row *out, ge_err *err)
{
    (void)st;
    (void)id_hash;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_session_get");
}

static int ge_pg_session_touch(ge_store *st, const char *id_hash, time_t now, ge_err *err)
{
    (void)st;
    (void)id_hash;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_session_touch");
}

static int ge_pg_session_delete(ge_store *st, const char *id_hash, ge_err *err)
{
    (void)st;
    (void)id_hash;
    return ge_pg_unsupported(err, "ge_store_session_delete");
}

static int ge_pg_sessions_expire(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                                 ge_err *err)
{
    (void)st;
    (void)now;
    (void)idle_before;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_sessions_expire");
}

const ge_store_users_ops ge_pg_users_ops = {
    .user_add = ge_pg_user_add,
    .user_set_password = ge_pg_user_set_password,
    .user_disable = ge_pg_user_disable,
    .user_list = ge_pg_user_list,
    .user_credentials = ge_pg_user_credentials,
    .session_create = ge_pg_session_create,
    .session_get = ge_pg_session_get,
    .session_touch = ge_pg_session_touch,
    .session_delete = ge_pg_session_delete,
    .sessions_expire = ge_pg_sessions_expire,
};
