/*
 * store_clients.c - form-server clients in the store (store_forms.h): add,
 * list, revoke, and find the active client of an API key by its hash.
 *
 * The key itself never reaches the store; the lookup is by the hash's unique
 * index. That lookup is not constant-time, and need not be: what an attacker
 * could learn from its timing is a prefix of a hash, which without a
 * preimage tells nothing about a key. The caller still compares the hash it
 * computed with the one found in constant time (ge_client_key_matches), so that a
 * collation or index oddity can never let a near miss through.
 */
#include "store_forms.h"
#include "store_shared.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

static int ge_sqlite_client_add(ge_store *st, const char *name, const char *key_hash,
                                const char *origins_json, const char *webhook_url,
                                const char *webhook_secret, time_t now, int64_t *id, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO clients (name, api_key_hash, allowed_origins,"
                              " webhook_url, webhook_secret, created_at)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, key_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, origins_json, -1, SQLITE_TRANSIENT);
    if (webhook_url) sqlite3_bind_text(s, 4, webhook_url, -1, SQLITE_TRANSIENT);
    if (webhook_secret) sqlite3_bind_text(s, 5, webhook_secret, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 6, at, -1, SQLITE_TRANSIENT);
    rc = ge_store_insert_named(c, s, "clients.name", "client", name, id, err);
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_client_from_row(sqlite3_stmt *s, ge_client *out, ge_err *err)
{
    const unsigned char *o = sqlite3_column_text(s, 2);
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(s, 0);
    ge_store_copy_text(out->name, sizeof out->name, sqlite3_column_text(s, 1));
    out->origins_json = strdup(o ? (const char *)o : "[]");
    ge_store_copy_text(out->webhook_url, sizeof out->webhook_url, sqlite3_column_text(s, 3));
    ge_store_copy_text(out->created_at, sizeof out->created_at, sqlite3_column_text(s, 4));
    ge_store_copy_text(out->revoked_at, sizeof out->revoked_at, sqlite3_column_text(s, 5));
    if (!out->origins_json) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

#define GE_CLIENT_COLUMNS "id, name, allowed_origins, webhook_url, created_at, revoked_at"

static int ge_sqlite_client_list(ge_store *st, ge_client **out, size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_client *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = ge_store_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c, "SELECT " GE_CLIENT_COLUMNS " FROM clients ORDER BY id", &s, err);
    if (rc < 0) goto err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_client *nv = ge_store_grow(v, &cap, cnt, sizeof *v, 8, err);
        if (!nv) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = nv;
        rc = ge_client_from_row(s, &v[cnt++], err);
        if (rc < 0) goto err;
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "listing clients");
        goto err;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
    rc = GE_OK;
err:
    ge_client_list_free(v, cnt);
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_client_revoke(ge_store *st, int64_t id, time_t now, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    int64_t exists = 0;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(
        c, "UPDATE clients SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL", &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "revoking a client");
        goto err;
    }
    if (sqlite3_changes(c->db) == 1) {
        rc = GE_OK;
        goto err;
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = ge_store_sql_prepare(c, "SELECT count(*) FROM clients WHERE id = ?1", &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) exists = sqlite3_column_int64(s, 0);
    rc = ge_client_revoke_refused(id, exists, err);
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_client_by_key(ge_store *st, const char *key_hash, ge_client *out, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT " GE_CLIENT_COLUMNS ", api_key_hash FROM clients"
                              " WHERE api_key_hash = ?1 AND revoked_at IS NULL",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, key_hash, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(s, 6);
        rc = ge_client_from_row(s, out, err);
        if (rc == GE_OK) rc = ge_client_key_matches((const char *)h, key_hash, out, err);
    } else if (rc == SQLITE_DONE) {
        rc = ge_client_key_matches(NULL, key_hash, out, err);
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "looking up a client");
    }
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_clients_ops ge_sqlite_clients_ops = {
    .client_add = ge_sqlite_client_add,
    .client_list = ge_sqlite_client_list,
    .client_revoke = ge_sqlite_client_revoke,
    .client_by_key = ge_sqlite_client_by_key,
};
