/*
 * pg_clients.c - form-server clients in the PostGIS store (store_forms.h):
 * add, list, revoke, and find the active client of an API key by its hash;
 * the same answers as sqlite/store_clients.c, and the example the other
 * pg_<subject>.c files follow (geo/store/README.md).
 *
 * Two instances may add a client of the same name at once: the insert says
 * ON CONFLICT (name) DO NOTHING and no row back means the name is taken,
 * rather than checking first. As in the SQLite store, the key hash found is
 * compared again in constant time (ge_client_key_matches).
 */
#include "date.h"
#include "pg_store.h"
#include "store_forms.h"
#include "store_shared.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ge_pg_client_add(ge_store *st, const char *name, const char *key_hash,
                            const char *origins_json, const char *webhook_url,
                            const char *webhook_secret, time_t now, int64_t *id, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, at);
    const char *p[] = {name, key_hash, origins_json, webhook_url, webhook_secret, at};
    rc = ge_pg_exec(c, "adding a client",
                    "INSERT INTO clients (name, api_key_hash, allowed_origins,"
                    " webhook_url, webhook_secret, created_at)"
                    " VALUES ($1, $2, $3::json, $4, $5, $6)"
                    " ON CONFLICT (name) DO NOTHING RETURNING id",
                    6, p, &r, err);
    if (rc == GE_OK && PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ECONFLICT, "a client named '%.100s' exists already", name);
    else if (rc == GE_OK)
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

#define GE_CLIENT_COLUMNS "id, name, allowed_origins, webhook_url, created_at, revoked_at"

static int ge_client_from_row(const PGresult *r, int row, ge_client *out, ge_err *err)
{
    int rc = GE_OK;
    memset(out, 0, sizeof *out);
    out->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    ge_pg_copy_text(out->name, sizeof out->name, r, row, 1);
    out->origins_json = PQgetisnull(r, row, 2) ? strdup("[]") : ge_pg_dup_text(r, row, 2, &rc, err);
    ge_pg_copy_text(out->webhook_url, sizeof out->webhook_url, r, row, 3);
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, row, 4);
    ge_pg_copy_text(out->revoked_at, sizeof out->revoked_at, r, row, 5);
    if (!out->origins_json) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return rc;
}

static int ge_pg_client_list(ge_store *st, ge_client **out, size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_client *v = NULL;
    size_t cnt = 0;
    int rc = ge_pg_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "listing clients", "SELECT " GE_CLIENT_COLUMNS " FROM clients ORDER BY id",
                    0, NULL, &r, err);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    int rows = PQntuples(r);
    if (rows > 0) {
        v = calloc((size_t)rows, sizeof *v);
        if (!v) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    for (int i = 0; rc == GE_OK && i < rows; i++)
        rc = ge_client_from_row(r, i, &v[cnt++], err);
    PQclear(r);
    if (rc < 0) {
        ge_client_list_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return GE_OK;
}

static int ge_pg_client_revoke(ge_store *st, int64_t id, time_t now, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char at[GE_DATE_UTC_LEN], ids[24];
    int64_t exists = 0;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, at);
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {at, ids};
    rc = ge_pg_exec(c, "revoking a client",
                    "UPDATE clients SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", 2, p,
                    &r, err);
    if (rc == GE_OK && strcmp(PQcmdTuples(r), "1") != 0) {
        rc = ge_pg_int(c, "revoking a client", "SELECT count(*) FROM clients WHERE id = $1", ids,
                       &exists, err);
        if (rc == GE_OK) rc = ge_client_revoke_refused(id, exists, err);
    }
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_client_by_key(ge_store *st, const char *key_hash, ge_client *out, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) return rc;
    const char *p[] = {key_hash};
    rc = ge_pg_exec(c, "looking up a client",
                    "SELECT " GE_CLIENT_COLUMNS ", api_key_hash FROM clients"
                    " WHERE api_key_hash = $1 AND revoked_at IS NULL",
                    1, p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0) {
        rc = ge_client_key_matches(NULL, key_hash, out, err);
    } else if (rc == GE_OK) {
        rc = ge_client_from_row(r, 0, out, err);
        if (rc == GE_OK) rc = ge_client_key_matches(PQgetvalue(r, 0, 6), key_hash, out, err);
    }
    PQclear(r);
    return rc;
}

const ge_store_clients_ops ge_pg_clients_ops = {
    .client_add = ge_pg_client_add,
    .client_list = ge_pg_client_list,
    .client_revoke = ge_pg_client_revoke,
    .client_by_key = ge_pg_client_by_key,
};
