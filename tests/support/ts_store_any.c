/*
 * ts_store_any.c - plain SQL on a test store of either backend
 * (ts_store_any.h).
 */
#include "ts_store_any.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "ts_pg.h"
#include "ts_store.h"

/* sql with ?N turned into $N (the SQL of these tests has no '?' else). */
static char *ts_any_pg_text(const char *sql)
{
    char *out = strdup(sql);
    if (!out) fail_msg("out of memory");
    for (char *p = out; *p; p++)
        if (*p == '?') *p = '$';
    return out;
}

/* Runs sql on the database at conninfo; the result (the caller clears). */
static PGresult *ts_any_pg_run(const char *conninfo, const char *sql, int n,
                               const char *const *params)
{
    PGconn *c = ts_pg_connect(conninfo);
    char *text = ts_any_pg_text(sql);
    PGresult *r = PQexecParams(c, text, n, NULL, params, NULL, NULL, 0);
    ExecStatusType s = PQresultStatus(r);

    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        fail_msg("%s: %s", text, msg);
    }
    free(text);
    PQfinish(c);
    return r;
}

long long ts_any_sql(const char *path, const char *sql, int n, ...)
{
    const char *params[16];
    va_list ap;
    long long changed;

    va_start(ap, n);
    if (!ge_store_path_is_postgres(path)) {
        changed = ts_store_sqlv(path, sql, n, ap);
        va_end(ap);
        return changed;
    }
    assert_true(n >= 0 && n <= 16);
    for (int i = 0; i < n; i++)
        params[i] = va_arg(ap, const char *);
    va_end(ap);
    /* SQLite leaves a parameter it does not use unbound; PostgreSQL wants
     * exactly the ones it sees: pass only up to the highest ?N used. */
    int used = 0;
    for (const char *p = sql; (p = strchr(p, '?')) != NULL; p++) {
        int k = atoi(p + 1);
        if (k > used) used = k;
    }
    PGresult *r = ts_any_pg_run(path, sql, used < n ? used : n, params);
    changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return changed;
}

long long ts_any_sql_int(const char *path, const char *sql, const char *arg)
{
    if (!ge_store_path_is_postgres(path)) return ts_store_sql_int(path, sql, arg);
    const char *p[] = {arg};
    PGresult *r = ts_any_pg_run(path, sql, arg ? 1 : 0, p);
    long long v = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return v;
}

char *ts_any_sql_text(const char *path, const char *sql, const char *arg)
{
    if (!ge_store_path_is_postgres(path)) return ts_store_sql_text(path, sql, arg);
    const char *p[] = {arg};
    PGresult *r = ts_any_pg_run(path, sql, arg ? 1 : 0, p);
    char *v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return v;
}
