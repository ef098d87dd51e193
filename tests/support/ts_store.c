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

long long ts_store_sqlv(const char *path, const char *sql, int n, va_list ap)
{
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

long long ts_store_sql_int(const char *path, const char *sql, const char *arg)
{
    sqlite3 *h = ts_store_sql_open(path);
    sqlite3_stmt *s = ts_store_sql_row(h, sql, arg);
    long long v = s ? sqlite3_column_int64(s, 0) : -1;

    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

char *ts_store_sql_text(const char *path, const char *sql, const char *arg)
{
    sqlite3 *h = ts_store_sql_open(path);
    sqlite3_stmt *s = ts_store_sql_row(h, sql, arg);
    const unsigned char *t = s ? sqlite3_column_text(s, 0) : NULL;
    char *v = t ? strdup((const char *)t) : NULL;

    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}
