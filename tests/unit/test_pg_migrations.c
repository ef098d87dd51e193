/*
 * test_pg_migrations.c - the PostGIS store's schema migrations
 * (geo/store/postgis/pg_migrate.h) against a real PostgreSQL (tests/support/
 * ts_pg.h): from an empty database (PostGIS added, the SRID recorded, the
 * geometry column typed and indexed), again as a no-op, in two steps over
 * existing rows, four runners at once migrating once, a newer schema
 * refused with the SQLite store's words, a database of something else
 * refused; the triggers doing what SQLite's do; and the schema the same as
 * the SQLite store's, table by table and column by column (and whether
 * it may be NULL), index by index and trigger by trigger, so that a migration added to one store
 * and not the other fails here. Skipped visibly without PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "pg_migrate.h"
#include "store.h"
#include "ts.h"
#include "ts_pg.h"
#include "ts_store.h"

static void migrate_ok(PGconn *c, int srid, int target, int expect_applied)
{
    ge_err err = {0};
    int applied = -1;
    if (ge_pg_migrate(c, srid, target, &applied, &err) != GE_OK)
        fail_msg("ge_pg_migrate: %s", err.msg);
    assert_int_equal(applied, expect_applied);
    assert_int_equal(PQtransactionStatus(c), PQTRANS_IDLE);
}

static int schema_version(PGconn *c)
{
    ge_err err = {0};
    int v = -1;
    if (ge_pg_schema_version(c, &v, &err) != GE_OK) fail_msg("schema version: %s", err.msg);
    return v;
}

static void assert_sql(PGconn *c, const char *sql, const char *expect)
{
    char *v = ts_pg_sql(c, sql);
    if (!v || strcmp(v, expect) != 0)
        fail_msg("%s: '%s', expected '%s'", sql, v ? v : "(null)", expect);
    free(v);
}

/* ---- from empty, again, in steps ---------------------------------------------- */

static void test_migrates_an_empty_database(void **state)
{
    const char *db = ts_pg_db("mig_empty", 0);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    assert_int_equal(schema_version(c), 0);
    /* no PostGIS yet: the runner adds it, as InitSpatialMetadata in SQLite */
    assert_sql(c, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", "0");

    migrate_ok(c, 25833, ge_pg_latest_version(), ge_pg_latest_version());
    assert_int_equal(schema_version(c), ge_pg_latest_version());
    assert_int_equal(ge_pg_latest_version(), ge_store_latest_version());
    assert_sql(c, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'", "1");
    assert_sql(c, "SELECT value FROM store_meta WHERE key = 'srid'", "25833");
    assert_sql(c,
               "SELECT value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'"
               " FROM store_meta WHERE key = 'created_at'",
               "t");
    assert_sql(c,
               "SELECT srid || ' ' || type || ' ' || coord_dimension FROM geometry_columns"
               " WHERE f_table_name = 'case_features' AND f_geometry_column = 'geometry'",
               "25833 GEOMETRY 2");
    assert_sql(c,
               "SELECT count(*) FROM pg_indexes WHERE indexname = 'case_features_geometry'"
               " AND indexdef LIKE '%USING gist (geometry)%'",
               "1");
    assert_sql(c, "SELECT count(*) FROM schema_version", "1");
    /* the lock is given back */
    assert_sql(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", "0");

    /* again: nothing to do, nothing changed */
    migrate_ok(c, 25832, ge_pg_latest_version(), 0);
    assert_sql(c, "SELECT value FROM store_meta WHERE key = 'srid'", "25833");
    assert_int_equal(schema_version(c), ge_pg_latest_version());
    PQfinish(c);
}

/* Rows written at version 6 come through 7 (seq) and 8 (version) as
 * store_migrations.c's comments say they do in SQLite. */
static void test_migrates_in_steps_over_existing_rows(void **state)
{
    const char *db = ts_pg_db("mig_steps", 1);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    migrate_ok(c, 25832, 6, 6);
    assert_int_equal(schema_version(c), 6);
    free(ts_pg_sql(c, "INSERT INTO clients (name, api_key_hash, created_at)"
                      " VALUES ('form', 'h', '2026-01-01T00:00:00Z')"));
    free(ts_pg_sql(c, "INSERT INTO cases (id, client_id, service, created_at, updated_at)"
                      " VALUES ('b', 1, 's', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'),"
                      "        ('a', 1, 's', '2026-01-03T00:00:00Z', '2026-01-03T00:00:00Z')"));
    free(ts_pg_sql(c,
                   "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status)"
                   " VALUES ('a', '2026-01-04T00:00:00Z', 'u', 'status', 'received', 'in_review'),"
                   "        ('a', '2026-01-04T00:00:00Z', 'u', 'comment', NULL, NULL)"));

    migrate_ok(c, 25832, ge_pg_latest_version(), ge_pg_latest_version() - 6);
    /* seq in the order of insertion as best known: created_at */
    assert_sql(c, "SELECT string_agg(id || seq, ',' ORDER BY id) FROM cases", "a2,b1");
    /* version: 1 + status changes */
    assert_sql(c, "SELECT string_agg(id || version, ',' ORDER BY id) FROM cases", "a2,b1");
    /* new rows get the next number from the trigger */
    free(ts_pg_sql(c, "INSERT INTO cases (id, client_id, service, created_at, updated_at)"
                      " VALUES ('c', 1, 's', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"));
    assert_sql(c, "SELECT seq FROM cases WHERE id = 'c'", "3");
    PQfinish(c);
}

/* ---- the triggers do what SQLite's do --------------------------------------------- */

static void expect_refused(PGconn *c, const char *sql, const char *message)
{
    PGresult *r = PQexec(c, sql);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (PQresultStatus(r) != PGRES_FATAL_ERROR) fail_msg("'%s' was not refused", sql);
    assert_string_equal(state, "23000");
    assert_string_equal(msg, message);
    PQclear(r);
}

static void test_triggers(void **state)
{
    const char *db = ts_pg_db("mig_triggers", 1);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    migrate_ok(c, 25832, ge_pg_latest_version(), ge_pg_latest_version());
    free(ts_pg_sql(c, "INSERT INTO clients (name, api_key_hash, webhook_url, created_at) VALUES"
                      " ('hooked', 'h1', 'http://127.0.0.1:1/hook', '2026-01-01T00:00:00Z'),"
                      " ('quiet', 'h2', '', '2026-01-01T00:00:00Z')"));
    free(ts_pg_sql(c, "INSERT INTO cases (id, client_id, service, created_at, updated_at) VALUES"
                      " ('k1', 1, 's', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'),"
                      " ('k2', 2, 's', '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z')"));
    free(ts_pg_sql(c, "INSERT INTO case_events (case_id, at, actor, action) VALUES"
                      " ('k1', '2026-01-03T00:00:00Z', 'u', 'status'),"
                      " ('k1', '2026-01-03T00:00:01Z', 'u', 'comment'),"
                      " ('k2', '2026-01-03T00:00:00Z', 'u', 'status')"));
    /* the outbox: one delivery per status event of a client with a webhook */
    assert_sql(c,
               "SELECT string_agg(case_id || '@' || next_attempt_at, ',') FROM webhook_deliveries",
               "k1@2026-01-03T00:00:00Z");

    expect_refused(c, "UPDATE case_events SET actor = 'x'", "case_events is append-only");
    expect_refused(c, "DELETE FROM case_events WHERE case_id = 'k2'",
                   "case_events is append-only until the case is purged");
    /* once purged, the case's events may go, and it announces nothing */
    free(ts_pg_sql(c, "UPDATE cases SET purged_at = '2026-02-01T00:00:00Z' WHERE id = 'k1'"));
    free(ts_pg_sql(c, "DELETE FROM webhook_deliveries"));
    free(ts_pg_sql(c, "DELETE FROM case_events WHERE case_id = 'k1'"));
    free(ts_pg_sql(c, "INSERT INTO case_events (case_id, at, actor, action) VALUES"
                      " ('k1', '2026-02-01T00:00:00Z', 'retention', 'status')"));
    assert_sql(c, "SELECT count(*) FROM webhook_deliveries", "0");

    free(ts_pg_sql(c, "INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
                      " SELECT id, 'k1', 3.5 FROM case_events WHERE case_id = 'k2'"));
    expect_refused(c, "UPDATE case_event_overrides SET distance_m = 1",
                   "case_event_overrides is append-only");
    PQfinish(c);
}

/* ---- several runners at once ----------------------------------------------------- */

#define RUNNERS 4

typedef struct runner {
    PGconn *c;
    pthread_barrier_t *start;
    int rc, applied;
    char msg[512];
} runner;

static void *runner_run(void *arg)
{
    runner *r = arg;
    ge_err err = {0};
    pthread_barrier_wait(r->start);
    r->rc = ge_pg_migrate(r->c, 25832, ge_pg_latest_version(), &r->applied, &err);
    snprintf(r->msg, sizeof r->msg, "%s", err.msg);
    return NULL;
}

static void test_runners_at_once_migrate_once(void **state)
{
    const char *db = ts_pg_db("mig_concurrent", 0);
    if (!db) skip();
    pthread_barrier_t start;
    pthread_t t[RUNNERS];
    runner r[RUNNERS];
    int total = 0;

    pthread_barrier_init(&start, NULL, RUNNERS);
    for (int i = 0; i < RUNNERS; i++)
        r[i] = (runner){.c = ts_pg_connect(db), .start = &start};
    for (int i = 0; i < RUNNERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, runner_run, &r[i]), 0);
    for (int i = 0; i < RUNNERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < RUNNERS; i++) {
        if (r[i].rc != GE_OK) fail_msg("runner %d: %s", i, r[i].msg);
        total += r[i].applied;
    }
    /* each migration applied once, by whichever runner came first */
    assert_int_equal(total, ge_pg_latest_version());
    assert_int_equal(schema_version(r[0].c), ge_pg_latest_version());
    for (int i = 0; i < RUNNERS; i++)
        PQfinish(r[i].c);
    pthread_barrier_destroy(&start);
}

/* ---- refusals -------------------------------------------------------------------- */

/* What the SQLite store says of a store newer than the build, from "' has"
 * on (before it: the store's name). */
static char *sqlite_newer_message(void)
{
    char path[4096], tail[512];
    ge_store *st = NULL;
    ge_err err = {0};
    ge_store_opts o = {.path = path};
    if (ts_store_open("test_pg_migrations", "newer.db", &st, path) != 0) fail();
    ge_store_close(st);
    snprintf(tail, sizeof tail, "PRAGMA user_version = %d", ge_store_latest_version() + 1);
    ts_store_sql(path, tail, 0);
    st = NULL;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "' has"));
    return strdup(strstr(err.msg, "' has"));
}

static void test_newer_schema_is_refused(void **state)
{
    const char *db = ts_pg_db("mig_newer", 1);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    char sql[128], expect[256];
    ge_err err = {0};
    int applied = -1;

    migrate_ok(c, 25832, ge_pg_latest_version(), ge_pg_latest_version());
    snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %d", ge_pg_latest_version() + 1);
    free(ts_pg_sql(c, sql));

    assert_int_equal(ge_pg_migrate(c, 25832, ge_pg_latest_version(), &applied, &err), GE_ECONFLICT);
    assert_int_equal(applied, 0);
    snprintf(expect, sizeof expect, "' has schema version %d, newer than this build knows (%d)",
             ge_pg_latest_version() + 1, ge_pg_latest_version());
    assert_non_null(strstr(err.msg, expect));
    assert_true(strncmp(err.msg, "store 'postgresql://", 20) == 0);
    /* word for word what the SQLite store says */
    char *sqlite_says = sqlite_newer_message();
    assert_string_equal(strstr(err.msg, "' has"), sqlite_says);
    free(sqlite_says);
    /* and nothing was touched, the lock given back */
    assert_sql(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", "0");
    PQfinish(c);
}

static void test_database_of_something_else_is_refused(void **state)
{
    const char *db = ts_pg_db("mig_foreign", 1);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    ge_err err = {0};
    free(ts_pg_sql(c, "CREATE TABLE invoices (id integer)"));
    assert_int_equal(ge_pg_migrate(c, 25832, ge_pg_latest_version(), NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "the database is one of something else (1 tables"));
    assert_sql(c, "SELECT to_regclass('schema_version') IS NULL", "t");
    PQfinish(c);
}

/* ---- the same schema as the SQLite store ---------------------------------------------- */

typedef struct lines {
    char **v;
    size_t n, cap;
} lines;

static void lines_add(lines *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n++] = strdup(s);
}

static int lines_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, joined by newlines; freed. */
static char *lines_join(lines *l)
{
    size_t len = 1;
    char *out;
    qsort(l->v, l->n, sizeof *l->v, lines_cmp);
    for (size_t i = 0; i < l->n; i++)
        len += strlen(l->v[i]) + 1;
    out = calloc(1, len);
    assert_non_null(out);
    for (size_t i = 0; i < l->n; i++) {
        strcat(out, l->v[i]);
        strcat(out, "\n");
        free(l->v[i]);
    }
    free(l->v);
    *l = (lines){0};
    return out;
}

static void sqlite_lines(sqlite3 *db, const char *sql, lines *out)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    while (sqlite3_step(s) == SQLITE_ROW)
        lines_add(out, (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

static void pg_lines(PGconn *c, const char *sql, lines *out)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    for (int i = 0; i < PQntuples(r); i++)
        lines_add(out, PQgetvalue(r, i, 0));
    PQclear(r);
}

/* A SQLite store at the latest version, its tables beside SpatiaLite's in
 * the temporary table ours(name): the tables a store at version 0 lacks,
 * without the spatial index's R*Tree tables (idx_<table>_<column>, whose
 * PostGIS counterpart is a GiST index). */
static sqlite3 *sqlite_store(void)
{
    char path[4096], path0[4096];
    ge_store *st = NULL;
    ge_err err = {0};
    sqlite3 *db;
    if (ts_store_open("test_pg_migrations", "latest.db", &st, path) != 0) fail();
    ge_store_close(st);
    snprintf(path0, sizeof path0, "%s.v0", path);
    ge_store_opts o = {.path = path0};
    if (ge_store_open_at_version(&st, &o, 0, &err) != GE_OK) fail_msg("v0: %s", err.msg);
    ge_store_close(st);

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    char attach[4200];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS v0", path0);
    assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TEMP TABLE ours AS SELECT name FROM main.sqlite_master"
                                  " WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                  " AND name NOT LIKE 'idx_%'"
                                  " AND name NOT IN (SELECT name FROM v0.sqlite_master)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

/* The PostGIS side's tables: the schema's own, without PostGIS's and the
 * runner's schema_version (SQLite's user_version). */
#define PG_OURS                                                                                    \
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"       \
    " AND table_type = 'BASE TABLE' AND table_name NOT IN ('spatial_ref_sys', 'schema_version')"

static void compare(const char *what, lines *sqlite_side, lines *pg_side)
{
    char *a = lines_join(sqlite_side), *b = lines_join(pg_side);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "%s differ.\n--- SQLite store:\n%s--- PostGIS store:\n%s", what, a, b);
        fail_msg("the %s of the two stores differ (a migration in one store and not the other?)",
                 what);
    }
    assert_true(strlen(a) > 0);
    free(a);
    free(b);
}

static void test_schema_matches_the_sqlite_store(void **state)
{
    const char *db = ts_pg_db("mig_schema", 0);
    if (!db) skip();
    PGconn *c = ts_pg_connect(db);
    migrate_ok(c, 25832, ge_pg_latest_version(), ge_pg_latest_version());
    sqlite3 *lite = sqlite_store();
    lines l = {0}, p = {0};

    /* tables and their columns */
    sqlite_lines(lite, "SELECT o.name || '.' || c.name FROM ours o, pragma_table_info(o.name) c",
                 &l);
    pg_lines(c,
             "SELECT table_name || '.' || column_name FROM information_schema.columns"
             " WHERE table_schema = current_schema() AND table_name IN (" PG_OURS ")",
             &p);
    compare("tables and columns", &l, &p);

    /* which columns may be NULL; a primary key's may not on either side
     * (SQLite lets a TEXT PRIMARY KEY hold NULL, a quirk the store never uses) */
    sqlite_lines(lite,
                 "SELECT o.name || '.' || c.name || CASE WHEN c.\"notnull\" OR c.pk > 0"
                 " THEN ' NOT NULL' ELSE '' END FROM ours o, pragma_table_info(o.name) c",
                 &l);
    pg_lines(c,
             "SELECT table_name || '.' || column_name || CASE WHEN is_nullable = 'NO'"
             " THEN ' NOT NULL' ELSE '' END FROM information_schema.columns"
             " WHERE table_schema = current_schema() AND table_name IN (" PG_OURS ")",
             &p);
    compare("columns that may be NULL", &l, &p);

    /* indexes by name, but the ones a constraint makes (SQLite's nameless
     * autoindexes, PostgreSQL's <table>_pkey and _key) and the spatial index
     * (an R*Tree table in SQLite, checked above through idx_ and in
     * test_migrates_an_empty_database) */
    sqlite_lines(lite,
                 "SELECT tbl_name || ' ' || name FROM sqlite_master WHERE type = 'index'"
                 " AND sql IS NOT NULL AND tbl_name IN (SELECT name FROM ours)",
                 &l);
    pg_lines(c,
             "SELECT tablename || ' ' || indexname FROM pg_indexes"
             " WHERE schemaname = current_schema() AND tablename IN (" PG_OURS ")"
             " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
             " AND indexname <> 'case_features_geometry'",
             &p);
    compare("indexes", &l, &p);
    sqlite_lines(lite,
                 "SELECT name FROM sqlite_master WHERE type = 'table'"
                 " AND name = 'idx_case_features_geometry'",
                 &l);
    pg_lines(
        c, "SELECT 'idx_' || indexname FROM pg_indexes WHERE indexname = 'case_features_geometry'",
        &p);
    compare("spatial indexes", &l, &p);

    /* triggers by name, but SpatiaLite's own on the geometry column (the
     * spatial index's gii_/giu_/gid_ and the like, which PostGIS does
     * without) */
    sqlite_lines(lite,
                 "SELECT tbl_name || ' ' || name FROM sqlite_master WHERE type = 'trigger'"
                 " AND tbl_name IN (SELECT name FROM ours)"
                 " AND name NOT LIKE '%case_features_geometry%'",
                 &l);
    pg_lines(c,
             "SELECT DISTINCT event_object_table || ' ' || trigger_name"
             " FROM information_schema.triggers WHERE trigger_schema = current_schema()"
             " AND event_object_table IN (" PG_OURS ")",
             &p);
    compare("triggers", &l, &p);

    sqlite3_close(lite);
    PQfinish(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrates_an_empty_database),
        cmocka_unit_test(test_migrates_in_steps_over_existing_rows),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_runners_at_once_migrate_once),
        cmocka_unit_test(test_newer_schema_is_refused),
        cmocka_unit_test(test_database_of_something_else_is_refused),
        cmocka_unit_test(test_schema_matches_the_sqlite_store),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
