/*
 * test_store_tiles.c - what tile generation asks of the store
 * (store_tiles.h) on both backends (each case on a SQLite file and on a
 * PostGIS database; the PostGIS runs skip visibly without PostgreSQL): the
 * features whose bounding box meets a box, in fid order, edges included, a
 * line found by its box; the version of the same snapshot, counting up with
 * every import; the property kinds (a mixed column is a String); the
 * errors (unknown layer, bad name, a box that is not finite) and a callback
 * that stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_tiles.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */

/* Points 1..9 at (1000 i, 2000); feature 10 a line from (500, 0) to (500,
 * 5000), whose box holds no point of the query boxes below but meets them. */
static void import_layer(void)
{
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};
    unsigned char line[41] = {1, 2, 0, 0, 0, 2, 0, 0, 0};
    double coords[4] = {500, 0, 500, 5000};

    memcpy(line + 9, coords, sizeof coords);
    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, "things");
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    for (int i = 1; i <= 9; i++) {
        unsigned char wkb[21];
        char props[96];
        ts_wkb_point(wkb, 1000.0 * i, 2000);
        snprintf(props, sizeof props, "{\"n\":%d,\"open\":%s,\"name\":\"p%d\",\"mixed\":%s}", i,
                 i % 2 ? "true" : "false", i, i == 3 ? "\"x\"" : "1");
        assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, props, &err), GE_OK);
    }
    assert_int_equal(ge_import_batch_add(b, line, sizeof line, "{\"n\":null}", &err), GE_OK);
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
}

static int open_store(void **state)
{
    int rc = ts_store_open_on(*state, "store_tiles", "tiles.db", &st, NULL);
    if (rc == 0) import_layer();
    return rc < 0 ? -1 : 0;
}

TS_STORE_CLOSE_FIXTURE(st)

typedef struct seen {
    int64_t fids[16];
    size_t n, stop_after;
} seen;

static int seen_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    seen *s = ud;
    assert_non_null(wkb);
    assert_true(len == 21 || len == 41);
    assert_non_null(props);
    if (s->n < 16) s->fids[s->n] = fid;
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static void test_box_version_and_order(void **state)
{
    /* from x 2000 to 4000 exactly: points 2, 3, 4 on and inside the edges */
    const double box[4] = {2000, 1000, 4000, 3000};
    /* a box left of every point that the line's box meets */
    const double left[4] = {0, 4000, 600, 4500};
    seen s = {0};
    int64_t v = -1, v2 = -1;
    ge_err err = {0};
    (void)state;
    if (!st) skip();

    assert_int_equal(ge_store_tiles_query(st, "things", box, &v, seen_cb, &s, &err), GE_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.fids[0], 2);
    assert_int_equal(s.fids[2], 4);
    assert_int_equal(v, 1);
    s = (seen){0};
    assert_int_equal(ge_store_tiles_query(st, "things", left, NULL, seen_cb, &s, &err), GE_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.fids[0], 10);

    import_layer();
    assert_int_equal(ge_store_tiles_version(st, "things", &v2, &err), GE_OK);
    assert_int_equal(v2, 2);
    s = (seen){.stop_after = 2};
    assert_int_equal(ge_store_tiles_query(st, "things", box, &v, seen_cb, &s, &err), 7);
    assert_int_equal(s.n, 2);
}

static void test_fields(void **state)
{
    json_t *f = NULL;
    ge_err err = {0};
    (void)state;
    if (!st) skip();

    assert_int_equal(ge_store_tiles_fields(st, "things", &f, &err), GE_OK);
    assert_int_equal(json_object_size(f), 4);
    assert_string_equal(json_string_value(json_object_get(f, "n")), "Number");
    assert_string_equal(json_string_value(json_object_get(f, "open")), "Boolean");
    assert_string_equal(json_string_value(json_object_get(f, "name")), "String");
    assert_string_equal(json_string_value(json_object_get(f, "mixed")), "String");
    json_decref(f);
}

static void test_errors(void **state)
{
    const double box[4] = {0, 0, 1, 1}, bad[4] = {0, NAN, 1, 1};
    int64_t v = 0;
    json_t *f = NULL;
    ge_err err = {0};
    (void)state;
    if (!st) skip();

    assert_int_equal(ge_store_tiles_version(st, "nothing", &v, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "nothing"));
    assert_int_equal(ge_store_tiles_query(st, "nothing", box, &v, seen_cb, NULL, &err), GE_ENOENT);
    assert_int_equal(ge_store_tiles_fields(st, "nothing", &f, &err), GE_ENOENT);
    assert_null(f);
    assert_int_equal(ge_store_tiles_version(st, "Bad-Name", &v, &err), GE_EINVAL);
    assert_int_equal(ge_store_tiles_query(st, "things", bad, &v, seen_cb, NULL, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "not finite"));
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_box_version_and_order),
        ON_BOTH(test_fields),
        ON_BOTH(test_errors),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
