/*
 * pg_users.c - caseworker accounts and login sessions in the PostGIS store
 * (store_users.h); the same answers as sqlite/store_users.c.
 *
 * Sessions live in the store, so a caseworker's session made by one
 * instance is found, touched and ended by every other. Where the SQLite
 * store runs two statements under its one writer, this file says them as
 * one statement with a data-modifying WITH, which PostgreSQL runs
 * atomically: a password change or disabling and the end of that user's
 * sessions; a session's start and the user's last login. Two instances
 * adding the same name at once: ON CONFLICT (name) DO NOTHING, and no row
 * back means the name is taken.
 */
#include "date.h"
#include "pg_store.h"
#include "store_users.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns ge_user_from_row reads, from "users u". */
#define GE_USER_COLUMNS                                                                            \
    "u.id, u.name, coalesce(u.roles->>0, ''), u.services::text, u.disabled,"                       \
    " u.created_at, u.last_login_at"
#define GE_USER_NCOLUMNS 7

static int ge_user_from_row(const PGresult *r, int row, ge_user *out, ge_err *err)
{
    memset(out, 0, sizeof *out);
    out->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    ge_pg_copy_text(out->name, sizeof out->name, r, row, 1);
    ge_pg_copy_text(out->role, sizeof out->role, r, row, 2);
    out->services_json = strdup(PQgetisnull(r, row, 3) ? "[]" : PQgetvalue(r, row, 3));
    out->disabled = strtoll(PQgetvalue(r, row, 4), NULL, 10) != 0;
    ge_pg_copy_text(out->created_at, sizeof out->created_at, r, row, 5);
    ge_pg_copy_text(out->last_login_at, sizeof out->last_login_at, r, row, 6);
    if (!out->services_json) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

static int ge_pg_user_add(ge_store *st, const char *name, const char *password_hash,
                          const char *role, const char *services_json, time_t now, int64_t *id,
                          ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, at);
    const char *p[] = {name, password_hash, role, services_json ? services_json : "[]", at};
    rc = ge_pg_exec(c, "adding a user",
                    "INSERT INTO users (name, password_hash, roles, services,"
                    " created_at, updated_at)"
                    " VALUES ($1, $2, json_build_array($3::text), $4::json, $5, $5)"
                    " ON CONFLICT (name) DO NOTHING RETURNING id",
                    5, p, &r, err);
    if (rc == GE_OK && PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ECONFLICT, "a user named '%.100s' exists already", name);
    else if (rc == GE_OK && id)
        *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

/*
 * Runs an UPDATE of one user by name ($1; $2 is now, $3 an optional value)
 * given as the SET list and the extra condition, and deletes the user's
 * sessions when it changed them, in one statement. *changed tells whether a
 * row matched.
 */
static int ge_user_update(ge_store *st, const char *sql, const char *name, const char *arg3,
                          time_t now, bool *changed, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_pg_acquire(st, &c, err);

    *changed = false;
    if (rc < 0) return rc;
    ge_date_utc(now, at);
    const char *p[] = {name, at, arg3};
    rc = ge_pg_exec(c, "updating a user", sql, arg3 ? 3 : 2, p, &r, err);
    if (rc == GE_OK) *changed = strtoll(PQgetvalue(r, 0, 0), NULL, 10) == 1;
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

/* The statement ge_user_update runs: SET and WHERE of the update, then
 * the deletion of the updated user's sessions and the count. */
#define GE_USER_UPDATE_SQL(SET_WHERE)                                                              \
    "WITH u AS (UPDATE users SET " SET_WHERE " RETURNING id),"                                     \
    " s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u))"                             \
    " SELECT count(*) FROM u"

static int ge_user_exists(ge_store *st, const char *name, int64_t *n, ge_err *err)
{
    PGconn *c = NULL;
    int rc = ge_pg_acquire(st, &c, err);
    *n = 0;
    if (rc == GE_OK)
        rc = ge_pg_int(c, "looking up a user", "SELECT count(*) FROM users WHERE name = $1", name,
                       n, err);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_user_set_password(ge_store *st, const char *name, const char *password_hash,
                                   time_t now, ge_err *err)
{
    bool changed;
    int rc = ge_user_update(st,
                            GE_USER_UPDATE_SQL("password_hash = $3, updated_at = $2,"
                                               " failed_logins = 0, locked_until = NULL"
                                               " WHERE name = $1"),
                            name, password_hash, now, &changed, err);
    if (rc == GE_OK && !changed) rc = ge_err_set(err, GE_ENOENT, "there is no user '%.100s'", name);
    return rc;
}

static int ge_pg_user_disable(ge_store *st, const char *name, time_t now, ge_err *err)
{
    bool changed;
    int64_t n = 0;
    int rc = ge_user_update(
        st, GE_USER_UPDATE_SQL("disabled = 1, updated_at = $2 WHERE name = $1 AND disabled = 0"),
        name, NULL, now, &changed, err);
    if (rc < 0 || changed) return rc;
    rc = ge_user_exists(st, name, &n, err);
    if (rc < 0) return rc;
    return n ? ge_err_set(err, GE_ECONFLICT, "user '%.100s' is disabled already", name)
             : ge_err_set(err, GE_ENOENT, "there is no user '%.100s'", name);
}

static int ge_pg_user_list(ge_store *st, ge_user **out, size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_user *v = NULL;
    size_t cnt = 0;
    int rc = ge_pg_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "listing users", "SELECT " GE_USER_COLUMNS " FROM users u ORDER BY u.name",
                    0, NULL, &r, err);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    int rows = PQntuples(r);
    if (rows > 0) {
        v = calloc((size_t)rows, sizeof *v);
        if (!v) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    for (int i = 0; rc == GE_OK && i < rows; i++)
        rc = ge_user_from_row(r, i, &v[cnt++], err);
    PQclear(r);
    if (rc < 0) {
        ge_user_list_free(v, cnt);
        return rc;
    }
    *out = v;
    *n = cnt;
    return GE_OK;
}

static int ge_pg_user_credentials(ge_store *st, const char *name, ge_user *out,
                                  char hash[GE_PASSWORD_HASH_MAX], ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    hash[0] = '\0';
    if (rc < 0) return rc;
    const char *p[] = {name};
    rc = ge_pg_exec(c, "looking up a user",
                    "SELECT " GE_USER_COLUMNS ", u.password_hash FROM users u WHERE u.name = $1", 1,
                    p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0) {
        rc = ge_err_set(err, GE_ENOENT, "no such user");
    } else if (rc == GE_OK) {
        rc = ge_user_from_row(r, 0, out, err);
        ge_pg_copy_text(hash, GE_PASSWORD_HASH_MAX, r, 0, GE_USER_NCOLUMNS);
    }
    PQclear(r);
    return rc;
}

static int ge_pg_session_create(ge_store *st, const char *id_hash, const char *csrf_hash,
                                int64_t user_id, const char *expires_at, time_t now, ge_err *err)
{
    PGconn *c = NULL;
    char at[GE_DATE_UTC_LEN], uid[24];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_date_utc(now, at);
    snprintf(uid, sizeof uid, "%" PRId64, user_id);
    const char *p[] = {id_hash, uid, csrf_hash, at, expires_at};
    /* The session and the user's last login in one statement. */
    rc = ge_pg_exec(c, "starting a session",
                    "WITH s AS (INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at,"
                    " last_seen, expires_at) VALUES ($1, $2, $3, $4, $4, $5) RETURNING user_id)"
                    " UPDATE users SET last_login_at = $4 WHERE id = (SELECT user_id FROM s)",
                    5, p, NULL, err);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_session_get(ge_store *st, const char *id_hash, ge_session_row *out, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) return rc;
    const char *p[] = {id_hash};
    rc = ge_pg_exec(c, "looking up a session",
                    "SELECT " GE_USER_COLUMNS ", s.csrf_hash, s.created_at,"
                    " s.last_seen, s.expires_at"
                    " FROM sessions s JOIN users u ON u.id = s.user_id"
                    " WHERE s.id_hash = $1 AND u.disabled = 0",
                    1, p, &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 0) {
        rc = ge_err_set(err, GE_ENOENT, "no such session");
    } else if (rc == GE_OK) {
        rc = ge_user_from_row(r, 0, &out->user, err);
        ge_pg_copy_text(out->csrf_hash, sizeof out->csrf_hash, r, 0, GE_USER_NCOLUMNS);
        ge_pg_copy_text(out->created_at, sizeof out->created_at, r, 0, GE_USER_NCOLUMNS + 1);
        ge_pg_copy_text(out->last_seen, sizeof out->last_seen, r, 0, GE_USER_NCOLUMNS + 2);
        ge_pg_copy_text(out->expires_at, sizeof out->expires_at, r, 0, GE_USER_NCOLUMNS + 3);
    }
    PQclear(r);
    return rc;
}

/* Runs one statement with the n (1 or 2) text parameters $1 and $2 (NULL
 * binds NULL); *changes is how many rows it changed. */
static int ge_session_exec(ge_store *st, const char *sql, int n, const char *a1, const char *a2,
                           int64_t *changes, const char *what, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    const char *p[] = {a1, a2};
    rc = ge_pg_exec(c, what, sql, n, p, &r, err);
    if (rc == GE_OK) *changes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_session_touch(ge_store *st, const char *id_hash, time_t now, ge_err *err)
{
    char at[GE_DATE_UTC_LEN];
    int64_t n = 0;
    ge_date_utc(now, at);
    return ge_session_exec(st, "UPDATE sessions SET last_seen = $2 WHERE id_hash = $1", 2, id_hash,
                           at, &n, "recording session activity", err);
}

static int ge_pg_session_delete(ge_store *st, const char *id_hash, ge_err *err)
{
    int64_t n = 0;
    int rc = ge_session_exec(st, "DELETE FROM sessions WHERE id_hash = $1", 1, id_hash, NULL, &n,
                             "ending a session", err);
    if (rc == GE_OK && n == 0) rc = ge_err_set(err, GE_ENOENT, "no such session");
    return rc;
}

static int ge_pg_sessions_expire(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                                 ge_err *err)
{
    char at[GE_DATE_UTC_LEN];
    int64_t k = 0;
    int rc;

    ge_date_utc(now, at);
    rc = ge_session_exec(st, "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen < $2", 2, at,
                         idle_before, &k, "ending expired sessions", err);
    if (n) *n = k;
    return rc;
}

/* ---- the login throttle's cells (migration 13) ---------------------------- */

/* Orders cells by (tbl, idx): every caller locks in this order, so two
 * logins on two instances never wait for each other in a circle. */
static int ge_throttle_cell_cmp(const void *a, const void *b)
{
    const ge_store_throttle_cell *x = *(ge_store_throttle_cell *const *)a;
    const ge_store_throttle_cell *y = *(ge_store_throttle_cell *const *)b;
    if (x->tbl != y->tbl) return x->tbl < y->tbl ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

#define GE_PG_THROTTLE_MAX 16

/*
 * Each cell's row is made if missing and locked in one upsert (ON CONFLICT
 * DO UPDATE locks the row it meets), in (tbl, idx) order; the callback then
 * changes the cells and they are written back before COMMIT. An instance
 * that wants one of them meanwhile waits at its upsert.
 */
static int ge_pg_throttle_update(ge_store *st, ge_store_throttle_cell *cells, size_t n,
                                 ge_store_throttle_fn fn, void *ud, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_store_throttle_cell *order[GE_PG_THROTTLE_MAX];
    char tbl[24], idx[24], f[24], e[24], w[24];
    int rc;

    if (n > GE_PG_THROTTLE_MAX)
        return ge_err_set(err, GE_EINVAL, "at most %d throttle cells at once", GE_PG_THROTTLE_MAX);
    for (size_t i = 0; i < n; i++)
        order[i] = &cells[i];
    qsort(order, n, sizeof order[0], ge_throttle_cell_cmp);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "reading the login throttle", "BEGIN", 0, NULL, NULL, err);
    for (size_t i = 0; rc == GE_OK && i < n; i++) {
        ge_store_throttle_cell *x = order[i];
        snprintf(tbl, sizeof tbl, "%d", x->tbl);
        snprintf(idx, sizeof idx, "%" PRId64, x->idx);
        const char *p[] = {tbl, idx};
        rc = ge_pg_exec(c, "reading the login throttle",
                        "INSERT INTO login_throttle (tbl, idx) VALUES ($1, $2)"
                        " ON CONFLICT (tbl, idx) DO UPDATE SET tbl = EXCLUDED.tbl"
                        " RETURNING failures, epoch, window_end",
                        2, p, &r, err);
        if (rc == GE_OK) {
            x->failures = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            x->epoch = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            x->window_end = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
        }
        PQclear(r);
        r = NULL;
    }
    if (rc == GE_OK) rc = fn(ud, cells, n);
    for (size_t i = 0; rc == GE_OK && i < n; i++) {
        ge_store_throttle_cell *x = order[i];
        snprintf(tbl, sizeof tbl, "%d", x->tbl);
        snprintf(idx, sizeof idx, "%" PRId64, x->idx);
        snprintf(f, sizeof f, "%" PRId64, x->failures);
        snprintf(e, sizeof e, "%" PRId64, x->epoch);
        snprintf(w, sizeof w, "%" PRId64, x->window_end);
        const char *p[] = {tbl, idx, f, e, w};
        rc = ge_pg_exec(c, "writing the login throttle",
                        "UPDATE login_throttle SET failures = $3, epoch = $4, window_end = $5"
                        " WHERE tbl = $1 AND idx = $2",
                        5, p, NULL, err);
    }
    if (rc == GE_OK) rc = ge_pg_exec(c, "writing the login throttle", "COMMIT", 0, NULL, NULL, err);
    ge_pg_release(st, c); /* rolls back a transaction left open */
    return rc;
}

static int ge_pg_throttle_key(ge_store *st, const unsigned char fresh[32], unsigned char key[32],
                              ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char hex[65];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    ge_store_throttle_key_hex(fresh, hex);
    const char *p[] = {hex};
    /* The first instance's key wins; every other reads it. */
    rc = ge_pg_exec(c, "storing the login throttle's key",
                    "INSERT INTO store_meta (key, value) VALUES ('login_throttle_key', $1)"
                    " ON CONFLICT (key) DO NOTHING",
                    1, p, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_exec(c, "reading the login throttle's key",
                        "SELECT value FROM store_meta WHERE key = 'login_throttle_key'", 0, NULL,
                        &r, err);
    ge_pg_release(st, c);
    if (rc == GE_OK && PQntuples(r) == 1)
        rc = ge_store_throttle_key_parse(PQgetvalue(r, 0, 0), key, err);
    else if (rc == GE_OK)
        rc = ge_err_set(err, GE_EIO, "store: the login throttle's key is missing");
    PQclear(r);
    return rc;
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
    .throttle_update = ge_pg_throttle_update,
    .throttle_key = ge_pg_throttle_key,
};
