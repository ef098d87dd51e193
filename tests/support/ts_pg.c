/*
 * ts_pg.c - the PostgreSQL server of the PostGIS store's tests (ts_pg.h).
 */
#include "ts_pg.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ts.h"

enum { TS_PG_UNKNOWN, TS_PG_READY, TS_PG_ABSENT, TS_PG_BROKEN };

static int ts_pg_state = TS_PG_UNKNOWN;
static char ts_pg_base[1024]; /* the server's URI (its database "geoeditor" or the given one) */
static char ts_pg_dir[256];   /* the throwaway cluster's directory, when we started one */
static char ts_pg_made[320][64];
static int ts_pg_nmade;

static void ts_pg_stop(void)
{
    char cmd[1024];
    if (ts_pg_dir[0]) {
        snprintf(cmd, sizeof cmd, "'%s/scripts/pg-throwaway' stop '%s'", ts_env("GE_SOURCE_DIR"),
                 ts_pg_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "ts_pg: stopping the cluster in %s failed\n", ts_pg_dir);
        ts_pg_dir[0] = '\0';
        return;
    }
    /* a server that outlives us: drop what we made in it */
    if (ts_pg_state == TS_PG_READY && ts_pg_nmade > 0) {
        PGconn *c = PQconnectdb(ts_pg_base);
        for (int i = 0; i < ts_pg_nmade && PQstatus(c) == CONNECTION_OK; i++) {
            snprintf(cmd, sizeof cmd, "DROP DATABASE IF EXISTS %s WITH (FORCE)", ts_pg_made[i]);
            PQclear(PQexec(c, cmd));
        }
        PQfinish(c);
    }
}

static void ts_pg_start(void)
{
    const char *uri = getenv("GE_TEST_PG_URI");
    char cmd[1024];
    FILE *f;
    int status;
    size_t n;

    if (ts_pg_state != TS_PG_UNKNOWN) return;
    atexit(ts_pg_stop);
    if (uri && *uri) {
        snprintf(ts_pg_base, sizeof ts_pg_base, "%s", uri);
        ts_pg_state = TS_PG_READY;
        return;
    }
    const char *source = ts_env("GE_SOURCE_DIR"); /* before mkdtemp: it aborts when unset */
    /* in /tmp: short enough for the unix socket, and open to the "postgres"
     * user that owns the cluster when we run as root */
    snprintf(ts_pg_dir, sizeof ts_pg_dir, "/tmp/ge-pg-test.XXXXXX");
    if (!mkdtemp(ts_pg_dir)) {
        ts_pg_dir[0] = '\0';
        ts_pg_state = TS_PG_BROKEN;
        return;
    }
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg-throwaway' start '%s'", source, ts_pg_dir);
    f = popen(cmd, "r");
    if (!f || !fgets(ts_pg_base, sizeof ts_pg_base, f)) ts_pg_base[0] = '\0';
    status = f ? pclose(f) : -1;
    n = strlen(ts_pg_base);
    while (n > 0 && (ts_pg_base[n - 1] == '\n' || ts_pg_base[n - 1] == '\r'))
        ts_pg_base[--n] = '\0';
    if (WIFEXITED(status) && WEXITSTATUS(status) == TS_SKIPPED) {
        printf("SKIP: PostgreSQL 15 with PostGIS is not installed (scripts/pg-throwaway says "
               "why above; scripts/setup installs them)\n");
        ts_pg_state = TS_PG_ABSENT;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n == 0) {
        fprintf(stderr, "FAIL: scripts/pg-throwaway start %s failed (status %d)\n", ts_pg_dir,
                status);
        ts_pg_state = TS_PG_BROKEN;
    } else {
        ts_pg_state = TS_PG_READY;
    }
}

/* base's connection string with another database */
static void ts_pg_conninfo(const char *db, char *out, size_t cap)
{
    PQconninfoOption *opts = PQconninfoParse(ts_pg_base, NULL);
    size_t len = 0;
    out[0] = '\0';
    if (!opts) fail_msg("ts_pg: cannot parse '%s'", ts_pg_base);
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val || strcmp(o->keyword, "dbname") == 0) continue;
        len += (size_t)snprintf(out + len, cap - len, "%s='", o->keyword);
        for (const char *v = o->val; *v && len + 4 < cap; v++) {
            if (*v == '\'' || *v == '\\') out[len++] = '\\';
            out[len++] = *v;
        }
        len += (size_t)snprintf(out + len, cap - len, "' ");
    }
    snprintf(out + len, cap - len, "dbname='%s'", db);
    PQconninfoFree(opts);
}

static void ts_pg_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

PGconn *ts_pg_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQfinish(c);
        fail_msg("ts_pg: cannot connect: %s", msg);
    }
    PQsetNoticeProcessor(c, ts_pg_quiet, NULL); /* "NOTICE: ... skipping" */
    return c;
}

char *ts_pg_sql(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    char *v = NULL;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
        PQclear(r);
        fail_msg("ts_pg: '%s': %s", sql, msg);
    }
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

PGconn *ts_pg_admin(void)
{
    static char conninfo[2048];
    ts_pg_start();
    if (ts_pg_state != TS_PG_READY) fail_msg("ts_pg: no server");
    ts_pg_conninfo("postgres", conninfo, sizeof conninfo);
    return ts_pg_connect(conninfo);
}

const char *ts_pg_db(const char *name, int with_postgis)
{
    static char conninfo[2048];
    char db[64], sql[256];
    PGconn *c;

    ts_pg_start();
    if (ts_pg_state == TS_PG_ABSENT) return NULL;
    if (ts_pg_state != TS_PG_READY) fail_msg("ts_pg: no server (see above)");
    /* the pid: test programs may share one server at once */
    snprintf(db, sizeof db, "t%ld_%s", (long)getpid(), name);
    c = ts_pg_admin();
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    free(ts_pg_sql(c, sql));
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db);
    free(ts_pg_sql(c, sql));
    PQfinish(c);
    if (ts_pg_nmade < 320) snprintf(ts_pg_made[ts_pg_nmade++], sizeof ts_pg_made[0], "%s", db);
    ts_pg_conninfo(db, conninfo, sizeof conninfo);
    if (with_postgis) {
        c = ts_pg_connect(conninfo);
        free(ts_pg_sql(c, "CREATE EXTENSION postgis"));
        PQfinish(c);
    }
    return conninfo;
}
