/*
 * test_store_layers.c - reference layers and the import batch (store.h) on
 * both backends (every case once on a SQLite file, once on a PostGIS
 * database; the PostGIS runs skip visibly without PostgreSQL): commit and
 * abort, readers during a batch, a second import counting the version up,
 * features refused one by one, layer-name checks, readers on several
 * threads while the layer is replaced again and again, and two instances
 * importing at once.
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
#include <time.h>

#include "store.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

static ge_store *st;       /* NULL: the case's backend is not available (skip) */
static char st_path[4096]; /* its file or connection string */

TS_STORE_FIXTURE(st, "store_layers", "layers.db", st_path)

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

static void import_points(ge_store *s, const char *name, int n, int gen)
{
    ge_import_batch *b = NULL;
    ge_err err = {0};
    assert_int_equal(ge_import_batch_begin(s, time(NULL), &b, &err), GE_OK);
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

static scan_acc scan_layer(ge_store *s, const char *name)
{
    scan_acc a = {.gen = -1};
    ge_err err = {0};
    if (ge_store_layer_scan(s, name, scan_cb, &a, &err) != GE_OK)
        fail_msg("scan %s: %s", name, err.msg);
    return a;
}

static void test_batch_commit_and_abort(void **state)
{
    if (!st) skip();
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};
    scan_acc a;
    unsigned char expect[21];

    import_points(st, "hydrants", 3, 1);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_int_equal(li.feature_count, 3);
    assert_int_equal(li.version, 1);
    assert_int_equal(li.srid, ge_store_srid(st));
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
}

static void test_batch_rejects_bad_features(void **state)
{
    if (!st) skip();
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
}

static void test_bad_layer_names(void **state)
{
    if (!st) skip();
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
    if (strcmp(*state, TS_STORE_POSTGIS) == 0) {
        /* "ref_" + 63 would be cut to PostgreSQL's 63 bytes, and two long
         * names would share one table: refused, 59 is the most there */
        assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_EINVAL);
        assert_non_null(strstr(err.msg, "at most 59"));
        longest[59] = '\0';
        li = layer_meta(longest);
    }
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
    assert_int_equal(ge_store_layer_get(st, longest, &li, &err), GE_OK);
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
    ge_err err = {0};
    enum { NREADERS = 6 };
    pthread_t th[NREADERS];
    reader_arg ra[NREADERS];

    if (!st) skip();
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
}

/* Two instances import the same new layer at once, each through its own
 * store handle: one waits for the other (SQLite's one writer, PostGIS's
 * advisory lock) instead of both creating ref_trees, and the layer ends as
 * one whole import with version 2. */
typedef struct importer_arg {
    ge_store *st;
    int gen;
    int rc;
    char msg[256];
} importer_arg;

static void *importer_main(void *p)
{
    importer_arg *ia = p;
    ge_import_batch *b = NULL;
    ge_err err = {0};
    ge_layer_info li = layer_meta("trees");
    ia->rc = ge_import_batch_begin(ia->st, time(NULL), &b, &err);
    if (ia->rc == GE_OK) ia->rc = ge_import_batch_layer(b, &li, &err);
    for (int i = 0; ia->rc == GE_OK && i < 50; i++) {
        unsigned char wkb[21];
        char props[64];
        ts_wkb_point(wkb, 380000.0 + i, 5820000.0);
        snprintf(props, sizeof props, "{\"i\":%d,\"gen\":%d}", i, ia->gen);
        ia->rc = ge_import_batch_add(b, wkb, sizeof wkb, props, &err);
    }
    if (ia->rc == GE_OK)
        ia->rc = ge_import_batch_commit(b, &err);
    else if (b)
        ge_import_batch_abort(b);
    snprintf(ia->msg, sizeof ia->msg, "%s", ia->rc == GE_OK ? "" : err.msg);
    return NULL;
}

static void test_two_instances_import_at_once(void **state)
{
    ge_store *other = NULL;
    ge_store_opts o = {.path = st_path};
    ge_err err = {0};
    pthread_t th[2];
    importer_arg ia[2];
    (void)state;
    if (!st) skip();

    assert_int_equal(ge_store_open(&other, &o, &err), GE_OK);
    ia[0] = (importer_arg){.st = st, .gen = 1};
    ia[1] = (importer_arg){.st = other, .gen = 2};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, importer_main, &ia[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        if (ia[i].rc != GE_OK) fail_msg("import %d: %s", i + 1, ia[i].msg);
    }
    ge_layer_info li;
    assert_int_equal(ge_store_layer_get(other, "trees", &li, &err), GE_OK);
    assert_int_equal(li.version, 2);
    assert_int_equal(li.feature_count, 50);
    scan_acc a = scan_layer(st, "trees");
    assert_int_equal(a.n, 50);
    assert_false(a.mixed_gen);
    ge_store_close(other);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_batch_commit_and_abort),
        ON_BOTH(test_batch_rejects_bad_features),
        ON_BOTH(test_bad_layer_names),
        ON_BOTH(test_concurrent_readers),
        ON_BOTH(test_two_instances_import_at_once),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
