/*
 * ts_store.c - helpers for unit tests on a store (ts_store.h).
 */
#include "ts_store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token.h"
#include "ts.h"
#include "ts_backend.h"
#include "ts_pg.h"

int ts_store_open_on(const char *backend, const char *name, const char *file, ge_store **st,
                     char *path_out)
{
    ge_store_opts o = {.srid = 25832};
    ge_err err;

    *st = NULL;
    if (strcmp(backend, TS_STORE_POSTGIS) == 0) {
        o.path = ts_pg_db(name, 1);
        if (!o.path) return 1;
    } else {
        o.path = ts_path(ts_tmpdir(name), file);
    }
    if (path_out) snprintf(path_out, 4096, "%s", o.path);
    if (ge_store_open(st, &o, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

int ts_store_open(const char *name, const char *file, ge_store **st, char *path_out)
{
    const char *backend = getenv("GE_TEST_STORE");
    int rc = ts_store_open_on(backend && strcmp(backend, TS_STORE_POSTGIS) == 0 ? TS_STORE_POSTGIS
                                                                                : TS_STORE_SQLITE,
                              name, file, st, path_out);
    return rc == 0 ? 0 : -1;
}

void ts_wkb_point(unsigned char out[21], double x, double y)
{
    uint32_t type = 1;
    out[0] = 1; /* little endian, as on the machines we run on */
    memcpy(out + 1, &type, 4);
    memcpy(out + 5, &x, 8);
    memcpy(out + 13, &y, 8);
}

void ts_store_draft(ge_store *st, int64_t client, const char *service, ge_draft *d)
{
    char token[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN];
    ge_err err;

    memset(d, 0, sizeof *d);
    assert_int_equal(ge_token_id(d->id, &err), GE_OK);
    assert_int_equal(ge_token_new("", token, &err), GE_OK);
    ge_token_hash(token, th);
    d->client_id = client;
    snprintf(d->service, sizeof d->service, "%s", service);
    snprintf(d->expires_at, sizeof d->expires_at, "2999-01-01T00:00:00Z");
    assert_int_equal(ge_store_draft_create(st, d, th, time(NULL), &err), GE_OK);
}

static sqlite3 *ts_store_sql_open(const char *path)
{
    sqlite3 *h = NULL;

    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fail_msg("%s: %s", path, h ? sqlite3_errmsg(h) : "cannot open");
    sqlite3_busy_timeout(h, 20000);
    sqlite3_exec(h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return h;
}

/* ---- the same statements on a PostGIS store (ts_backend.h) ---------------- */

/* sql with SQLite's "?N" as PostgreSQL's "$N" (not inside quotes); malloc'd */
static char *ts_store_pg_sql(const char *sql)
{
    char *out = malloc(strlen(sql) + 1), *o = out;
    char quote = 0;

    if (!out) abort();
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote) quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '?' && p[1] >= '0' && p[1] <= '9') {
            *o++ = '$';
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* Runs sql with n text parameters on the database of path; the result
 * (fails the test unless the statement ran). */
static PGresult *ts_store_pg_exec(const char *path, const char *sql, int n,
                                  const char *const *params)
{
    PGconn *c = ts_pg_connect(ts_store_db(path, false));
    char *q = ts_store_pg_sql(sql);
    PGresult *r = PQexecParams(c, q, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        free(q);
        fail_msg("%s (PostGIS): %s", sql, msg);
    }
    free(q);
    PQfinish(c);
    return r;
}

long long ts_store_sqlv(const char *path, const char *sql, int n, va_list ap)
{
    if (ts_store_is_pg(path)) {
        const char *params[32];
        long long changed;
        PGresult *r;

        for (int i = 0; i < n && i < 32; i++)
            params[i] = va_arg(ap, const char *);
        r = ts_store_pg_exec(path, sql, n, params);
        changed = atoll(PQcmdTuples(r));
        PQclear(r);
        return changed;
    }
    sqlite3 *h = ts_store_sql_open(path);
    sqlite3_stmt *s = NULL;
    long long changed;

    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    for (int i = 1; i <= n; i++) {
        const char *v = va_arg(ap, const char *);
        if (v)
            sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(s, i);
    }
    if (sqlite3_step(s) != SQLITE_DONE) fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    changed = sqlite3_changes(h);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return changed;
}

long long ts_store_sql(const char *path, const char *sql, int n, ...)
{
    va_list ap;
    long long changed;

    va_start(ap, n);
    changed = ts_store_sqlv(path, sql, n, ap);
    va_end(ap);
    return changed;
}

/* Steps sql (?1 = arg) to its first row: the statement, or NULL for none. */
static sqlite3_stmt *ts_store_sql_row(sqlite3 *h, const char *sql, const char *arg)
{
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    if (arg) sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s) == SQLITE_ROW) return s;
    sqlite3_finalize(s);
    return NULL;
}

/* The first column of the first row of sql on a PostGIS store, malloc'd, or NULL. */
static char *ts_store_pg_first(const char *path, const char *sql, const char *arg)
{
    PGresult *r = ts_store_pg_exec(path, sql, arg ? 1 : 0, &arg);
    char *v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}

long long ts_store_sql_int(const char *path, const char *sql, const char *arg)
{
    if (ts_store_is_pg(path)) {
        PGresult *r = ts_store_pg_exec(path, sql, arg ? 1 : 0, &arg);
        long long v = PQntuples(r) > 0 ? atoll(PQgetvalue(r, 0, 0)) : -1;
        PQclear(r);
        return v;
    }
    sqlite3 *h = ts_store_sql_open(path);
    sqlite3_stmt *s = ts_store_sql_row(h, sql, arg);
    long long v = s ? sqlite3_column_int64(s, 0) : -1;

    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

char *ts_store_sql_text(const char *path, const char *sql, const char *arg)
{
    if (ts_store_is_pg(path)) return ts_store_pg_first(path, sql, arg);
    sqlite3 *h = ts_store_sql_open(path);
    sqlite3_stmt *s = ts_store_sql_row(h, sql, arg);
    const unsigned char *t = s ? sqlite3_column_text(s, 0) : NULL;
    char *v = t ? strdup((const char *)t) : NULL;

    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

char *ts_store_contents(const char *path, size_t *len)
{
    if (!ts_store_is_pg(path)) return ts_read_file(path, len);
    PGresult *r = ts_store_pg_exec(
        path,
        "SELECT format('SELECT string_agg(t::text, chr(10)) FROM %I.%I t', schemaname, tablename)"
        " FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        0, NULL);
    size_t cap = 1, used = 0;
    char *out = calloc(1, 1);

    for (int i = 0; out && i < PQntuples(r); i++) {
        char *rows = ts_store_pg_first(path, PQgetvalue(r, i, 0), NULL);
        size_t n = rows ? strlen(rows) : 0;
        if (used + n + 2 > cap) {
            cap = (used + n + 2) * 2;
            out = realloc(out, cap);
            if (!out) abort();
        }
        memcpy(out + used, rows ? rows : "", n);
        used += n;
        out[used++] = '\n';
        out[used] = '\0';
        free(rows);
    }
    PQclear(r);
    if (len) *len = used;
    return out;
}

bool ts_store_integrity_ok(const char *path)
{
    if (!ts_store_is_pg(path)) return false; /* the caller checks the file its own way */
    /* PostgreSQL's counterpart of PRAGMA integrity_check: amcheck on every
     * B-tree index of the store's tables (with their heaps) */
    free(ts_store_pg_first(path, "CREATE EXTENSION IF NOT EXISTS amcheck", NULL));
    char *bad = ts_store_pg_first(
        path,
        "SELECT count(*) FROM (SELECT bt_index_check(c.oid, true) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
        " WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace) x",
        NULL);
    bool ok = bad != NULL; /* amcheck raises an error (fails the test) on a bad index */
    free(bad);
    return ok;
}
