/*
 * store_users.c - caseworker accounts and login sessions in the store
 * (store_users.h).
 *
 * A user's role lives in the "roles" JSON array of migration 3 as a single
 * element: one role per user is all the review app needs, and the array
 * keeps the door open for more. Ending a user's sessions (password change,
 * disabling) happens in the same transaction as the change, so there is no
 * moment in which the old password's session still works.
 */
#include "store_users.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

/* The columns ge_user_from_row reads, from "users u". */
#define GE_USER_COLUMNS                                                                            \
    "u.id, u.name, coalesce(json_extract(u.roles, '$[0]'), ''), u.services, u.disabled,"           \
    " u.created_at, u.last_login_at"
#define GE_USER_NCOLUMNS 7

static int ge_user_from_row(sqlite3_stmt *s, int col, ge_user *out, ge_err *err)
{
    const unsigned char *sv = sqlite3_column_text(s, col + 3);
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(s, col);
    ge_store_copy_text(out->name, sizeof out->name, sqlite3_column_text(s, col + 1));
    ge_store_copy_text(out->role, sizeof out->role, sqlite3_column_text(s, col + 2));
    out->services_json = strdup(sv ? (const char *)sv : "[]");
    out->disabled = sqlite3_column_int(s, col + 4) != 0;
    ge_store_copy_text(out->created_at, sizeof out->created_at, sqlite3_column_text(s, col + 5));
    ge_store_copy_text(out->last_login_at, sizeof out->last_login_at,
                       sqlite3_column_text(s, col + 6));
    if (!out->services_json) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return GE_OK;
}

static int ge_sqlite_user_add(ge_store *st, const char *name, const char *password_hash,
                              const char *role, const char *services_json, time_t now, int64_t *id,
                              ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO users (name, password_hash, roles, services,"
                              " created_at, updated_at)"
                              " VALUES (?1, ?2, json_array(?3), json(?4), ?5, ?5)",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, password_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, services_json ? services_json : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, at, -1, SQLITE_TRANSIENT);
    rc = ge_store_insert_named(c, s, "users.name", "user", name, id, err);
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

/* Runs an UPDATE of one user by name (?1) and, when it changed the user,
 * deletes their sessions, in one transaction. *changed tells whether a row
 * matched. */
static int ge_user_update(ge_store *st, const char *sql, const char *name, const char *arg2,
                          time_t now, bool *changed, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    bool in_tx = false;
    int rc = ge_store_acquire(st, &c, err);

    *changed = false;
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, at, -1, SQLITE_TRANSIENT);
    if (arg2) sqlite3_bind_text(s, 3, arg2, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "updating a user");
        goto err;
    }
    *changed = sqlite3_changes(c->db) == 1;
    sqlite3_finalize(s);
    s = NULL;
    if (*changed) {
        rc = ge_store_sql_prepare(
            c, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)", &s,
            err);
        if (rc < 0) goto err;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "ending a user's sessions");
            goto err;
        }
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
err:
    sqlite3_finalize(s);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_user_exists(ge_store *st, const char *name, int64_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    int rc = ge_store_acquire(st, &c, err);
    *n = 0;
    if (rc == GE_OK)
        rc = ge_store_sql_int(c, "SELECT count(*) FROM users WHERE name = ?1", name, n, err);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_user_set_password(ge_store *st, const char *name, const char *password_hash,
                                       time_t now, ge_err *err)
{
    bool changed;
    int rc = ge_user_update(st,
                            "UPDATE users SET password_hash = ?3, updated_at = ?2,"
                            " failed_logins = 0, locked_until = NULL WHERE name = ?1",
                            name, password_hash, now, &changed, err);
    if (rc == GE_OK && !changed) rc = ge_err_set(err, GE_ENOENT, "there is no user '%.100s'", name);
    return rc;
}

static int ge_sqlite_user_disable(ge_store *st, const char *name, time_t now, ge_err *err)
{
    bool changed;
    int64_t n = 0;
    int rc = ge_user_update(st,
                            "UPDATE users SET disabled = 1, updated_at = ?2"
                            " WHERE name = ?1 AND disabled = 0",
                            name, NULL, now, &changed, err);
    if (rc < 0 || changed) return rc;
    rc = ge_user_exists(st, name, &n, err);
    if (rc < 0) return rc;
    return n ? ge_err_set(err, GE_ECONFLICT, "user '%.100s' is disabled already", name)
             : ge_err_set(err, GE_ENOENT, "there is no user '%.100s'", name);
}

static int ge_sqlite_user_list(ge_store *st, ge_user **out, size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_user *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = ge_store_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) goto err;
    rc =
        ge_store_sql_prepare(c, "SELECT " GE_USER_COLUMNS " FROM users u ORDER BY u.name", &s, err);
    if (rc < 0) goto err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_user *nv = ge_store_grow(v, &cap, cnt, sizeof *v, 8, err);
        if (!nv) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = nv;
        rc = ge_user_from_row(s, 0, &v[cnt++], err);
        if (rc < 0) goto err;
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "listing users");
        goto err;
    }
    *out = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
    rc = GE_OK;
err:
    ge_user_list_free(v, cnt);
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_user_credentials(ge_store *st, const char *name, ge_user *out,
                                      char hash[GE_PASSWORD_HASH_MAX], ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    hash[0] = '\0';
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT " GE_USER_COLUMNS ", u.password_hash FROM users u"
                              " WHERE u.name = ?1",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        rc = ge_user_from_row(s, 0, out, err);
        ge_store_copy_text(hash, GE_PASSWORD_HASH_MAX, sqlite3_column_text(s, GE_USER_NCOLUMNS));
    } else if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "no such user");
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "looking up a user");
    }
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_session_create(ge_store *st, const char *id_hash, const char *csrf_hash,
                                    int64_t user_id, const char *expires_at, time_t now,
                                    ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char at[GE_DATE_UTC_LEN];
    bool in_tx = false;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at,"
                              " last_seen, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, at);
    sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_text(s, 3, csrf_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, expires_at, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "starting a session");
        goto err;
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = ge_store_sql_prepare(c, "UPDATE users SET last_login_at = ?2 WHERE id = ?1", &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, user_id);
    sqlite3_bind_text(s, 2, at, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "recording a login");
        goto err;
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
err:
    sqlite3_finalize(s);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_session_get(ge_store *st, const char *id_hash, ge_session_row *out,
                                 ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    memset(out, 0, sizeof *out);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT " GE_USER_COLUMNS ", s.csrf_hash, s.created_at,"
                              " s.last_seen, s.expires_at"
                              " FROM sessions s JOIN users u ON u.id = s.user_id"
                              " WHERE s.id_hash = ?1 AND u.disabled = 0",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, id_hash, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        rc = ge_user_from_row(s, 0, &out->user, err);
        ge_store_copy_text(out->csrf_hash, sizeof out->csrf_hash,
                           sqlite3_column_text(s, GE_USER_NCOLUMNS));
        ge_store_copy_text(out->created_at, sizeof out->created_at,
                           sqlite3_column_text(s, GE_USER_NCOLUMNS + 1));
        ge_store_copy_text(out->last_seen, sizeof out->last_seen,
                           sqlite3_column_text(s, GE_USER_NCOLUMNS + 2));
        ge_store_copy_text(out->expires_at, sizeof out->expires_at,
                           sqlite3_column_text(s, GE_USER_NCOLUMNS + 3));
    } else if (rc == SQLITE_DONE) {
        rc = ge_err_set(err, GE_ENOENT, "no such session");
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "looking up a session");
    }
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

/* Runs one statement with the text parameters ?1 and ?2 (either may be
 * NULL); *changes is how many rows it changed. */
static int ge_session_exec(ge_store *st, const char *sql, const char *a1, const char *a2,
                           int64_t *changes, const char *what, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c, sql, &s, err);
    if (rc < 0) goto err;
    if (a1) sqlite3_bind_text(s, 1, a1, -1, SQLITE_TRANSIENT);
    if (a2) sqlite3_bind_text(s, 2, a2, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, what);
        goto err;
    }
    *changes = sqlite3_changes(c->db);
    rc = GE_OK;
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_session_touch(ge_store *st, const char *id_hash, time_t now, ge_err *err)
{
    char at[GE_DATE_UTC_LEN];
    int64_t n = 0;
    ge_date_utc(now, at);
    return ge_session_exec(st, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1", id_hash, at,
                           &n, "recording session activity", err);
}

static int ge_sqlite_session_delete(ge_store *st, const char *id_hash, ge_err *err)
{
    int64_t n = 0;
    int rc = ge_session_exec(st, "DELETE FROM sessions WHERE id_hash = ?1", id_hash, NULL, &n,
                             "ending a session", err);
    if (rc == GE_OK && n == 0) rc = ge_err_set(err, GE_ENOENT, "no such session");
    return rc;
}

static int ge_sqlite_sessions_expire(ge_store *st, time_t now, const char *idle_before, int64_t *n,
                                     ge_err *err)
{
    char at[GE_DATE_UTC_LEN];
    int64_t k = 0;
    int rc;

    ge_date_utc(now, at);
    rc = ge_session_exec(st, "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen < ?2", at,
                         idle_before, &k, "ending expired sessions", err);
    if (n) *n = k;
    return rc;
}

/* ---- the login throttle's cells (migration 13) ---------------------------- */

static int ge_sqlite_throttle_update(ge_store *st, ge_store_throttle_cell *cells, size_t n,
                                     ge_store_throttle_fn fn, void *ud, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    bool in_tx = false;
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    /* The one writer: no other process reads these cells until COMMIT. */
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(c,
                              "SELECT failures, epoch, window_end FROM login_throttle"
                              " WHERE tbl = ?1 AND idx = ?2",
                              &s, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int(s, 1, cells[i].tbl);
        sqlite3_bind_int64(s, 2, cells[i].idx);
        rc = sqlite3_step(s);
        cells[i].failures = cells[i].epoch = cells[i].window_end = 0;
        if (rc == SQLITE_ROW) {
            cells[i].failures = sqlite3_column_int64(s, 0);
            cells[i].epoch = sqlite3_column_int64(s, 1);
            cells[i].window_end = sqlite3_column_int64(s, 2);
        } else if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "reading the login throttle");
            goto err;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = fn(ud, cells, n);
    if (rc != 0) goto err;
    rc =
        ge_store_sql_prepare(c,
                             "INSERT OR REPLACE INTO login_throttle"
                             " (tbl, idx, failures, epoch, window_end) VALUES (?1, ?2, ?3, ?4, ?5)",
                             &s, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int(s, 1, cells[i].tbl);
        sqlite3_bind_int64(s, 2, cells[i].idx);
        sqlite3_bind_int64(s, 3, cells[i].failures);
        sqlite3_bind_int64(s, 4, cells[i].epoch);
        sqlite3_bind_int64(s, 5, cells[i].window_end);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "writing the login throttle");
            goto err;
        }
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
err:
    sqlite3_finalize(s);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_throttle_key(ge_store *st, const unsigned char fresh[32],
                                  unsigned char key[32], ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char hex[65];
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    ge_store_throttle_key_hex(fresh, hex);
    rc = ge_store_sql_prepare(c,
                              "INSERT OR IGNORE INTO store_meta (key, value)"
                              " VALUES ('login_throttle_key', ?1)",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, hex, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "storing the login throttle's key");
        goto err;
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = ge_store_sql_prepare(c, "SELECT value FROM store_meta WHERE key = 'login_throttle_key'",
                              &s, err);
    if (rc < 0) goto err;
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "reading the login throttle's key");
        goto err;
    }
    rc = ge_store_throttle_key_parse((const char *)sqlite3_column_text(s, 0), key, err);
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_users_ops ge_sqlite_users_ops = {
    .user_add = ge_sqlite_user_add,
    .user_set_password = ge_sqlite_user_set_password,
    .user_disable = ge_sqlite_user_disable,
    .user_list = ge_sqlite_user_list,
    .user_credentials = ge_sqlite_user_credentials,
    .session_create = ge_sqlite_session_create,
    .session_get = ge_sqlite_session_get,
    .session_touch = ge_sqlite_session_touch,
    .session_delete = ge_sqlite_session_delete,
    .sessions_expire = ge_sqlite_sessions_expire,
    .throttle_update = ge_sqlite_throttle_update,
    .throttle_key = ge_sqlite_throttle_key,
};
