/*
 * test_store.c - the SpatiaLite store (geo/store/store.h): creating and opening,
 * the recorded SRID, migrations from every earlier version, WAL and bad
 * paths. The import batch and the layers are in test_store_layers.c, on
 * both backends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "ts.h"
#include "ts_store.h"

/* ---- helpers -------------------------------------------------------------- */

static ge_store *open_store(const char *path, int srid)
{
    ge_store_opts o = {.path = path, .srid = srid};
    ge_store *st = NULL;
    ge_err err = {0};
    int rc = ge_store_open(&st, &o, &err);
    if (rc != GE_OK) fail_msg("ge_store_open(%s): %s", path, err.msg);
    return st;
}

static bool table_exists(const char *path, const char *table)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    bool found;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return found;
}

static void pragma_text(const char *path, const char *sql, char *out, size_t len)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_open_creates_and_records_srid(void **state)
{
    const char *dir = ts_tmpdir("store-open");
    const char *path = ts_path(dir, "geo.sqlite");
    ge_err err = {0};
    ge_store *st;
    struct stat sb;

    assert_int_not_equal(stat(path, &sb), 0);
    st = open_store(path, 25833);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(ge_store_srid(st), 25833);
    assert_int_equal(ge_store_schema_version(st), ge_store_latest_version());
    assert_true(ge_store_latest_version() >= 2);
    assert_int_equal(ge_store_ping(st, &err), GE_OK);
    ge_store_close(st);

    /* An existing store keeps its SRID, whatever the opener asks for. */
    st = open_store(path, 25832);
    assert_int_equal(ge_store_srid(st), 25833);
    ge_store_close(st);

    /* srid 0 means the default, 25832, for a new store. */
    st = open_store(ts_path(dir, "default.sqlite"), 0);
    assert_int_equal(ge_store_srid(st), 25832);
    ge_store_close(st);

    /* Read-only opening of an existing store works and reads the SRID. */
    ge_store_opts ro = {.path = path, .srid = 4326, .readonly = true};
    assert_int_equal(ge_store_open(&st, &ro, &err), GE_OK);
    assert_int_equal(ge_store_srid(st), 25833);
    ge_import_batch *b = NULL;
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_EINVAL);
    assert_null(b);
    ge_store_close(st);
}

static void test_wal_and_pragmas(void **state)
{
    const char *dir = ts_tmpdir("store-wal");
    const char *path = ts_path(dir, "geo.sqlite");
    char mode[32];
    ge_store *st = open_store(path, 25833);

    pragma_text(path, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    /* The SpatiaLite metadata is there (InitSpatialMetadata on creation). */
    assert_true(table_exists(path, "spatial_ref_sys"));
    assert_true(table_exists(path, "geometry_columns"));
    ge_store_close(st);
}

/* The tables each schema version must have. */
static const char *const tables_v1[] = {"store_meta", "layers", NULL};
static const char *const tables_v2[] = {"clients",     "drafts",           "cases", "case_features",
                                        "case_events", "idempotency_keys", NULL};
static const char *const tables_v3[] = {"users", "sessions", NULL};
static const char *const tables_v4[] = {NULL}; /* a column only: users.last_login_at */
static const char *const tables_v5[] = {"webhook_deliveries", NULL};
static const char *const tables_v6[] = {NULL}; /* an index only: cases_created */
static const char *const tables_v7[] = {NULL}; /* cases.seq, its trigger, cases_created again */
static const char *const tables_v8[] = {NULL}; /* a column only: cases.version */
static const char *const tables_v9[] = {NULL}; /* an index only: cases_draft */
static const char *const tables_v10[] = {"case_event_overrides", NULL};
static const char *const tables_v11[] = {NULL}; /* a column only: drafts.period_editable */
static const char *const tables_v12[] = {NULL}; /* a column only: layers.description_de */
static const char *const tables_v13[] = {"login_throttle", NULL};
static const char *const *const tables_by_version[] = {
    NULL,      tables_v1, tables_v2, tables_v3,  tables_v4,  tables_v5,  tables_v6,
    tables_v7, tables_v8, tables_v9, tables_v10, tables_v11, tables_v12, tables_v13};

static void check_tables(const char *path, int version)
{
    int nversions = (int)(sizeof tables_by_version / sizeof tables_by_version[0]);
    assert_int_equal(nversions - 1, ge_store_latest_version()); /* keep this list in step */
    for (int v = 1; v < nversions; v++)
        for (const char *const *t = tables_by_version[v]; *t; t++)
            if (table_exists(path, *t) != (v <= version))
                fail_msg("version %d: table %s should %sexist", version, *t,
                         v <= version ? "" : "not ");
}

static void test_migrations_from_each_version(void **state)
{
    const char *dir = ts_tmpdir("store-migrate");
    int latest = ge_store_latest_version();

    for (int k = 0; k < latest; k++) {
        char name[32];
        const char *path;
        ge_store_opts o = {.path = NULL, .srid = 25833};
        ge_store *st = NULL;
        ge_err err = {0};

        snprintf(name, sizeof name, "v%d.sqlite", k);
        path = ts_path(dir, name);
        o.path = path;
        assert_int_equal(ge_store_open_at_version(&st, &o, k, &err), GE_OK);
        assert_int_equal(ge_store_schema_version(st), k);
        ge_store_close(st);
        /* Data written by "an earlier release": a layer's row with the
         * columns every version has (this release's writer needs the
         * latest schema, layers.description_de since 12). */
        if (k >= 1) {
            sqlite3 *db;
            assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
            assert_int_equal(sqlite3_exec(db,
                                          "INSERT INTO layers (name, title, srid, feature_count,"
                                          " imported_at, version) VALUES ('hydrants', 'Hydranten',"
                                          " 25833, 5, '2026-01-01T00:00:00Z', 1)",
                                          NULL, NULL, NULL),
                             SQLITE_OK);
            sqlite3_close(db);
        }
        check_tables(path, k);

        /* Reopen as this release: migrates to the latest, keeps the data. */
        o.srid = 25832;
        assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
        assert_int_equal(ge_store_schema_version(st), latest);
        assert_int_equal(ge_store_srid(st), k >= 1 ? 25833 : 25832);
        if (k >= 1) {
            ge_layer_info li;
            assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
            assert_int_equal(li.feature_count, 5);
            assert_string_equal(li.description_de, ""); /* migration 12's default */
        }
        ge_store_close(st);
        check_tables(path, latest);
    }
}

static void test_migration_version_bounds(void **state)
{
    const char *dir = ts_tmpdir("store-bounds");
    ge_store_opts o = {.path = ts_path(dir, "geo.sqlite"), .srid = 25833};
    ge_store *st = NULL;
    ge_err err = {0};
    sqlite3 *db;

    assert_int_equal(ge_store_open_at_version(&st, &o, ge_store_latest_version() + 1, &err),
                     GE_EINVAL);
    assert_null(st);

    /* A store from a newer release is refused, not silently used. */
    st = open_store(o.path, 25833);
    ge_store_close(st);
    assert_int_equal(sqlite3_open(o.path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ge_store_open(&st, &o, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "99"));
    assert_null(st);
}

/*
 * The caseworkers' case list (store_review.c) pages newest first under
 * visibility, status and purge conditions, ties of a second broken by the
 * order of insertion (seq, migration 7): the index cases_created must
 * answer that alone, walked in order (no sort, no read of the cases' whole
 * rows). The conditions here are the list's, as bound parameters.
 */
static void test_case_list_index(void **state)
{
    const char *dir = ts_tmpdir("store-list-index");
    const char *path = ts_path(dir, "geo.sqlite");
    ge_store *st = open_store(path, 25833);
    sqlite3 *db;
    sqlite3_stmt *s;
    bool covering = false, sorted = false;
    char plan[2048] = "";
    size_t n = 0;

    (void)state;
    ge_store_close(st);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "EXPLAIN QUERY PLAN SELECT k.id, count(*) OVER (ORDER BY k.created_at"
                           " DESC, k.seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED"
                           " FOLLOWING) FROM cases k"
                           " WHERE (?1 = 1 OR k.service IN (SELECT value FROM json_each(?2)))"
                           " AND (?3 IS NULL OR k.status IN (SELECT value FROM json_each(?3)))"
                           " AND (?4 IS NULL OR k.period_end IS NULL OR k.period_end >= ?4)"
                           " AND (?5 = 1 OR k.purged_at IS NULL)"
                           " ORDER BY k.created_at DESC, k.seq DESC LIMIT 50",
                           -1, &s, NULL),
        SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(s, 3);
        if (!detail) continue;
        n += (size_t)snprintf(plan + n, n < sizeof plan ? sizeof plan - n : 0, "%s; ", detail);
        if (n >= sizeof plan) n = sizeof plan - 1;
        if (strstr(detail, "SCAN k USING COVERING INDEX cases_created")) covering = true;
        if (strstr(detail, "TEMP B-TREE")) sorted = true;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    if (!covering || sorted) fail_msg("the case list's plan: %s", plan);
}

static void test_bad_paths(void **state)
{
    const char *dir = ts_tmpdir("store-paths");
    const char *nodir = ts_path(dir, "no/such/dir/geo.sqlite");
    const char *garbage = ts_path(dir, "garbage.sqlite");
    const char *other = ts_path(dir, "other.sqlite");
    ge_store_opts o = {.srid = 25833};
    ge_store *st = NULL;
    ge_err err = {0};
    FILE *f;
    sqlite3 *db;

    o.path = nodir;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EIO);
    assert_null(st);
    assert_non_null(strstr(err.msg, nodir));

    o.path = dir; /* a directory */
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EIO);
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "directory"));

    o.path = ts_path(dir, "missing.sqlite");
    o.readonly = true;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "missing.sqlite"));
    o.readonly = false;

    f = fopen(garbage, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    o.path = garbage;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EIO);
    assert_non_null(strstr(err.msg, garbage));
    assert_non_null(strstr(err.msg, "not a database"));

    /* Someone else's SQLite file is left alone. */
    assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    o.path = other;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "something else"));
    assert_false(table_exists(other, "layers"));

    o.path = NULL;
    assert_int_equal(ge_store_open(&st, &o, &err), GE_EINVAL);
    ge_store_close(NULL);
    ge_import_batch_abort(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_records_srid),
        cmocka_unit_test(test_wal_and_pragmas),
        cmocka_unit_test(test_migrations_from_each_version),
        cmocka_unit_test(test_migration_version_bounds),
        cmocka_unit_test(test_case_list_index),
        cmocka_unit_test(test_bad_paths),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
