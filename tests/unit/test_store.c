/*
 * test_store.c - the SpatiaLite store (geo/store/store.h): creating and opening,
 * the recorded SRID, migrations from every earlier version, WAL, the import
 * batch (commit, abort, readers during a batch), layer-name checks, bad paths
 * and concurrent readers.
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

static ge_layer_info layer_meta(const char *name)
{
    ge_layer_info li;
    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, "%s", name);
    snprintf(li.title, sizeof li.title, "Title of %s", name);
    snprintf(li.source, sizeof li.source, "test");
    snprintf(li.attribution, sizeof li.attribution, "(c) test");
    return li;
}

/* Writes n points (i*10, i*20 + offset) with props {"i": i, "gen": gen}. */
static void write_points(ge_import_batch *b, const char *name, int n, int gen)
{
    ge_err err = {0};
    ge_layer_info li = layer_meta(name);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    for (int i = 0; i < n; i++) {
        unsigned char wkb[21];
        char props[64];
        ts_wkb_point(wkb, 380000.0 + i * 10, 5820000.0 + i * 20 + gen);
        snprintf(props, sizeof props, "{\"i\":%d,\"gen\":%d}", i, gen);
        if (ge_import_batch_add(b, wkb, sizeof wkb, props, &err) != GE_OK)
            fail_msg("add: %s", err.msg);
    }
}

static void import_points(ge_store *st, const char *name, int n, int gen)
{
    ge_import_batch *b = NULL;
    ge_err err = {0};
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    write_points(b, name, n, gen);
    if (ge_import_batch_commit(b, &err) != GE_OK) fail_msg("commit: %s", err.msg);
}

typedef struct scan_acc {
    int64_t n, last_fid;
    int gen;        /* -1 until the first feature */
    bool mixed_gen; /* features of two imports in one scan */
    bool out_of_order;
    unsigned char first_wkb[21];
    char first_props[64];
} scan_acc;

static int scan_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    scan_acc *a = ud;
    const char *g = strstr(props, "\"gen\":");
    int gen = g ? atoi(g + 6) : -2;
    if (fid <= a->last_fid) a->out_of_order = true;
    a->last_fid = fid;
    if (a->n == 0) {
        if (len == sizeof a->first_wkb) memcpy(a->first_wkb, wkb, len);
        snprintf(a->first_props, sizeof a->first_props, "%s", props);
        a->gen = gen;
    } else if (gen != a->gen) {
        a->mixed_gen = true;
    }
    a->n++;
    return 0;
}

static scan_acc scan_layer(ge_store *st, const char *name)
{
    scan_acc a = {.gen = -1};
    ge_err err = {0};
    if (ge_store_layer_scan(st, name, scan_cb, &a, &err) != GE_OK)
        fail_msg("scan %s: %s", name, err.msg);
    return a;
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

static void test_batch_commit_and_abort(void **state)
{
    const char *dir = ts_tmpdir("store-batch");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};
    scan_acc a;
    unsigned char expect[21];

    import_points(st, "hydrants", 3, 1);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 3);
    assert_int_equal(li.version, 1);
    assert_int_equal(li.srid, 25833);
    assert_string_equal(li.geometry_type, "Point");
    assert_string_equal(li.title, "Title of hydrants");
    assert_string_equal(li.attribution, "(c) test");
    assert_true(li.bbox[0] == 380000.0 && li.bbox[1] == 5820001.0);
    assert_true(li.bbox[2] == 380020.0 && li.bbox[3] == 5820041.0);
    assert_int_equal(strlen(li.imported_at), 20); /* 2026-07-01T12:00:00Z */
    assert_int_equal(li.imported_at[19], 'Z');

    a = scan_layer(st, "hydrants");
    assert_int_equal(a.n, 3);
    assert_false(a.out_of_order);
    ts_wkb_point(expect, 380000.0, 5820001.0);
    assert_memory_equal(a.first_wkb, expect, sizeof expect);
    assert_string_equal(a.first_props, "{\"i\":0,\"gen\":1}");

    /* Begin, rewrite the layer and add a new one, abort: all as before. */
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    write_points(b, "hydrants", 1, 2);
    write_points(b, "trees", 4, 2);
    /* Readers meanwhile see the committed data only. */
    a = scan_layer(st, "hydrants");
    assert_int_equal(a.n, 3);
    assert_int_equal(a.gen, 1);
    assert_int_equal(ge_store_layer_get(st, "trees", &li, &err), GE_ENOENT);
    ge_import_batch_abort(b);

    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 3);
    assert_int_equal(li.version, 1);
    a = scan_layer(st, "hydrants");
    assert_int_equal(a.n, 3);
    assert_int_equal(a.gen, 1);
    assert_false(a.mixed_gen);
    assert_int_equal(ge_store_layer_get(st, "trees", &li, &err), GE_ENOENT);
    assert_int_equal(err.code, GE_ENOENT);
    assert_non_null(strstr(err.msg, "trees"));

    /* A second import replaces the layer and counts its version up. */
    import_points(st, "hydrants", 2, 3);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 2);
    assert_int_equal(li.version, 2);
    a = scan_layer(st, "hydrants");
    assert_int_equal(a.n, 2);
    assert_int_equal(a.gen, 3);
    assert_false(a.mixed_gen);

    /* An empty layer: count 0, bbox all 0. */
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    write_points(b, "pedestrian_areas", 0, 0);
    write_points(b, "trees", 2, 4);
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
    assert_int_equal(ge_store_layer_get(st, "pedestrian_areas", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 0);
    assert_true(li.bbox[0] == 0 && li.bbox[3] == 0);
    assert_string_equal(li.geometry_type, "Geometry");

    ge_layer_info *list = NULL;
    size_t n = 0;
    assert_int_equal(ge_store_layer_list(st, &list, &n, &err), GE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "hydrants");
    assert_string_equal(list[1].name, "pedestrian_areas");
    assert_string_equal(list[2].name, "trees");
    free(list);
    ge_store_close(st);
}

static void test_batch_rejects_bad_features(void **state)
{
    const char *dir = ts_tmpdir("store-badfeat");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_batch *b = NULL;
    ge_layer_info li = layer_meta("mixed");
    ge_err err = {0};
    unsigned char wkb[21], junk[21];
    /* LINESTRING(0 0, 1 1) */
    unsigned char line[41] = {1, 2, 0, 0, 0, 2, 0, 0, 0};
    double coords[4] = {0, 0, 1, 1};
    memcpy(line + 9, coords, sizeof coords);

    ts_wkb_point(wkb, 1, 2);
    memset(junk, 0x42, sizeof junk);
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    assert_int_equal(ge_import_batch_add(b, junk, sizeof junk, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "WKB"));
    junk[0] = 1; /* a plausible header, garbage body */
    assert_int_equal(ge_import_batch_add(b, junk, 9, NULL, &err), GE_EINVAL);
    assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, "[1,2]", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "JSON object"));
    assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, "{not json", &err), GE_EINVAL);
    /* The batch survives rejected features. */
    assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, NULL, &err), GE_OK);
    assert_int_equal(ge_import_batch_add(b, line, sizeof line, "{\"a\":1}", &err), GE_OK);
    /* The same layer twice in one batch is a caller bug. */
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_ECONFLICT);
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);

    assert_int_equal(ge_store_layer_get(st, "mixed", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 2);
    assert_string_equal(li.geometry_type, "Geometry");
    scan_acc a = scan_layer(st, "mixed");
    assert_int_equal(a.n, 2);
    assert_string_equal(a.first_props, "{}");
    ge_store_close(st);
}

static void test_bad_layer_names(void **state)
{
    const char *dir = ts_tmpdir("store-names");
    ge_store *st = open_store(ts_path(dir, "geo.sqlite"), 25833);
    ge_import_batch *b = NULL;
    ge_err err = {0};
    ge_layer_info li;
    char longest[64], toolong[65];
    static const char *const bad[] = {"",        "Hydrants", "1abc", "_x",
                                      "a-b",     "a b",      "ä",    "x\"; DROP TABLE layers; --",
                                      "layers'", NULL};

    memset(longest, 'a', 63);
    longest[63] = '\0';
    memset(toolong, 'a', 64);
    toolong[64] = '\0';
    assert_true(ge_store_layer_name_valid("hydrants"));
    assert_true(ge_store_layer_name_valid("a"));
    assert_true(ge_store_layer_name_valid("street_space_2"));
    assert_true(ge_store_layer_name_valid(longest));
    assert_false(ge_store_layer_name_valid(toolong));
    assert_false(ge_store_layer_name_valid(NULL));

    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    for (const char *const *n = bad; *n; n++) {
        memset(&li, 0, sizeof li);
        snprintf(li.name, sizeof li.name, "%s", *n);
        err.code = 0;
        assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_EINVAL);
        assert_int_equal(err.code, GE_EINVAL);
        assert_non_null(strstr(err.msg, "not valid"));
        assert_int_equal(ge_store_layer_get(st, *n, &li, &err), GE_EINVAL);
        assert_int_equal(ge_store_layer_scan(st, *n, scan_cb, NULL, &err), GE_EINVAL);
    }
    li = layer_meta(longest);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
    assert_int_equal(ge_store_layer_get(st, longest, &li, &err), GE_OK);
    ge_store_close(st);
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

/* Readers on several threads while a writer replaces the layer again and
 * again: every scan sees one whole import, never a mix or a half. */
typedef struct reader_arg {
    ge_store *st;
    int rounds;
    int bad;
} reader_arg;

static void *reader_main(void *p)
{
    reader_arg *ra = p;
    for (int r = 0; r < ra->rounds; r++) {
        scan_acc a = {.gen = -1};
        ge_err err = {0};
        ge_layer_info li;
        if (ge_store_layer_scan(ra->st, "trees", scan_cb, &a, &err) != GE_OK ||
            ge_store_layer_get(ra->st, "trees", &li, &err) != GE_OK) {
            ra->bad++;
            continue;
        }
        /* generation g has 200 + 100 * (g % 2) features */
        if (a.mixed_gen || a.out_of_order || a.n != 200 + 100 * (a.gen % 2)) ra->bad++;
    }
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    const char *dir = ts_tmpdir("store-threads");
    ge_store_opts o = {.path = ts_path(dir, "geo.sqlite"), .srid = 25833, .pool_size = 3};
    ge_store *st = NULL;
    ge_err err = {0};
    enum { NREADERS = 6 };
    pthread_t th[NREADERS];
    reader_arg ra[NREADERS];

    assert_int_equal(ge_store_open(&st, &o, &err), GE_OK);
    import_points(st, "trees", 200, 0);
    for (int i = 0; i < NREADERS; i++) {
        ra[i] = (reader_arg){.st = st, .rounds = 30};
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &ra[i]), 0);
    }
    for (int g = 1; g <= 10; g++)
        import_points(st, "trees", 200 + 100 * (g % 2), g);
    for (int i = 0; i < NREADERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(ra[i].bad, 0);
    }
    ge_layer_info li;
    assert_int_equal(ge_store_layer_get(st, "trees", &li, &err), GE_OK);
    assert_int_equal(li.version, 11);
    assert_int_equal(li.feature_count, 200);
    ge_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_creates_and_records_srid),
        cmocka_unit_test(test_wal_and_pragmas),
        cmocka_unit_test(test_migrations_from_each_version),
        cmocka_unit_test(test_migration_version_bounds),
        cmocka_unit_test(test_case_list_index),
        cmocka_unit_test(test_batch_commit_and_abort),
        cmocka_unit_test(test_batch_rejects_bad_features),
        cmocka_unit_test(test_bad_layer_names),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_concurrent_readers),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
