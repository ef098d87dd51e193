/*
 * test_store_features.c - feature pages of the store (store_features.h) on
 * both backends (each case on a SQLite file and on a PostGIS database; the
 * PostGIS runs skip visibly without PostgreSQL): keyset paging forwards and backwards with the
 * has_next/has_prev flags at every page boundary, numberMatched, bbox through
 * the spatial index (edges included), property filters (text and numbers,
 * combined with a bbox), one feature, property names, and the errors (unknown
 * layer or feature, bad names, limit 0).
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
#include <time.h>

#include "store.h"
#include "store_features.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

#define N 50 /* points 1..50 at (385000 + 10 i, 5820000 + 10 i) */

static ge_store *st; /* NULL: the case's backend is not available (skip) */

static int setup(void **state)
{
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};

    int rc = ts_store_open_on(*state, "store_features", "s.db", &st, NULL);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (ge_import_batch_begin(st, time(NULL), &b, &err) < 0) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, "pts");
    if (ge_import_batch_layer(b, &li, &err) < 0) return -1;
    for (int i = 1; i <= N; i++) {
        unsigned char wkb[21];
        char props[96];
        ts_wkb_point(wkb, 385000.0 + 10 * i, 5820000.0 + 10 * i);
        snprintf(props, sizeof props, "{\"kind\":\"%s\",\"n\":%d%s}", i % 2 ? "odd" : "even", i,
                 i == 7 ? ",\"note\":\"seven\"" : "");
        if (ge_import_batch_add(b, wkb, sizeof wkb, props, &err) < 0) return -1;
    }
    if (ge_import_batch_commit(b, &err) < 0) {
        fprintf(stderr, "commit: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_store_close(st);
    st = NULL;
    return 0;
}

typedef struct collect {
    int64_t fids[N + 1];
    size_t n;
    char props[256];
} collect;

static int collect_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                      const char *props)
{
    collect *c = ud;
    assert_non_null(wkb);
    assert_int_equal(len, 21);
    if (c->n < N + 1) c->fids[c->n++] = fid;
    snprintf(c->props, sizeof c->props, "%s", props);
    return 0;
}

static ge_features_page query(ge_features_query *q, collect *c)
{
    ge_features_page page;
    ge_err err = {0};
    memset(c, 0, sizeof *c);
    q->layer = q->layer ? q->layer : "pts";
    q->count = true;
    if (ge_store_features_query(st, q, collect_cb, c, &page, &err) != GE_OK)
        fail_msg("query: %s", err.msg);
    assert_int_equal(page.returned, c->n);
    return page;
}

static void test_forward_and_back(void **state)
{
    int64_t after = 0, seen = 0;
    int pages = 0;
    (void)state;
    if (!st) skip();

    for (;;) {
        ge_features_query q = {.limit = 7, .after = after};
        collect c;
        ge_features_page p = query(&q, &c);
        assert_int_equal(p.matched, N);
        assert_int_equal(p.has_prev, after > 0);
        for (size_t i = 0; i < c.n; i++)
            assert_int_equal(c.fids[i], ++seen);
        pages++;
        if (!p.has_next) break;
        assert_int_equal(c.n, 7);
        after = p.last_fid;
    }
    assert_int_equal(seen, N);
    assert_int_equal(pages, (N + 6) / 7);

    /* the page before fid 22: 15..21, with more before it and after it */
    {
        ge_features_query q = {.limit = 7, .before = 22};
        collect c;
        ge_features_page p = query(&q, &c);
        assert_int_equal(c.n, 7);
        assert_int_equal(p.first_fid, 15);
        assert_int_equal(p.last_fid, 21);
        assert_true(p.has_prev);
        assert_true(p.has_next);
    }
    /* the page before fid 5 is short and has nothing before it */
    {
        ge_features_query q = {.limit = 7, .before = 5};
        collect c;
        ge_features_page p = query(&q, &c);
        assert_int_equal(c.n, 4);
        assert_int_equal(p.first_fid, 1);
        assert_false(p.has_prev);
        assert_true(p.has_next);
    }
    /* exactly at the end: the last full page has no next */
    {
        ge_features_query q = {.limit = 10, .after = 40};
        collect c;
        ge_features_page p = query(&q, &c);
        assert_int_equal(c.n, 10);
        assert_false(p.has_next);
        assert_true(p.has_prev);
    }
    /* past the end: empty, with a previous page */
    {
        ge_features_query q = {.limit = 10, .after = 50};
        collect c;
        ge_features_page p = query(&q, &c);
        assert_int_equal(c.n, 0);
        assert_false(p.has_next);
        assert_true(p.has_prev);
    }
}

static void test_bbox_and_filters(void **state)
{
    collect c;
    ge_features_page p;
    ge_features_filter odd = {"kind", "odd"}, n3 = {"n", "3"}, note = {"note", "seven"};
    (void)state;
    if (!st) skip();

    /* points 10..19; the box's edges touch points 10 and 19 exactly */
    {
        ge_features_query q = {
            .limit = 100, .has_bbox = true, .bbox = {385100, 5820100, 385190, 5820190}};
        p = query(&q, &c);
        assert_int_equal(p.matched, 10);
        assert_int_equal(c.fids[0], 10);
        assert_int_equal(c.fids[9], 19);
    }
    /* a box between points holds nothing */
    {
        ge_features_query q = {
            .limit = 100, .has_bbox = true, .bbox = {385101, 5820101, 385109, 5820109}};
        p = query(&q, &c);
        assert_int_equal(p.matched, 0);
        assert_false(p.has_next);
    }
    /* text filter, paged */
    {
        ge_features_query q = {.limit = 5, .filters = &odd, .n_filters = 1};
        p = query(&q, &c);
        assert_int_equal(p.matched, N / 2);
        assert_int_equal(c.fids[0], 1);
        assert_int_equal(c.fids[4], 9);
        assert_true(p.has_next);
    }
    /* a number compared as text */
    {
        ge_features_query q = {.limit = 5, .filters = &n3, .n_filters = 1};
        p = query(&q, &c);
        assert_int_equal(p.matched, 1);
        assert_int_equal(c.fids[0], 3);
        assert_string_equal(c.props, "{\"kind\":\"odd\",\"n\":3}");
    }
    /* a property only one feature has */
    {
        ge_features_query q = {.limit = 5, .filters = &note, .n_filters = 1};
        p = query(&q, &c);
        assert_int_equal(p.matched, 1);
        assert_int_equal(c.fids[0], 7);
    }
    /* filter and bbox together: the odd ones of 10..19 */
    {
        ge_features_query q = {.limit = 100,
                               .has_bbox = true,
                               .bbox = {385100, 5820100, 385190, 5820190},
                               .filters = &odd,
                               .n_filters = 1};
        p = query(&q, &c);
        assert_int_equal(p.matched, 5);
        assert_int_equal(c.fids[0], 11);
    }
}

/* A filter compares a number as the SQLite store writes it (1e2 is
 * "100.0", 2.50 is "2.5", true is "1"), on both stores alike. */
static void test_number_text(void **state)
{
    static const char *const props[] = {"{\"v\":1e2}", "{\"v\":2.50}", "{\"v\":true}", "{\"v\":7}",
                                        "{\"v\":\"1e2\"}"};
    static const struct {
        const char *value;
        int64_t fid; /* the one feature found */
    } want[] = {{"100.0", 1}, {"2.5", 2}, {"1", 3}, {"7", 4}, {"1e2", 5}};
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};
    collect c;
    (void)state;
    if (!st) skip();

    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, "nums");
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        unsigned char wkb[21];
        ts_wkb_point(wkb, 385000.0 + (double)i, 5820000.0);
        assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, props[i], &err), GE_OK);
    }
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        ge_features_filter f = {"v", want[i].value};
        ge_features_query q = {.layer = "nums", .limit = 10, .filters = &f, .n_filters = 1};
        ge_features_page p = query(&q, &c);
        if (p.matched != 1 || c.fids[0] != want[i].fid)
            fail_msg("v=%s: %lld matched, first fid %lld (want fid %lld)", want[i].value,
                     (long long)p.matched, (long long)c.fids[0], (long long)want[i].fid);
    }
}

static void test_one_and_names(void **state)
{
    collect c;
    int64_t version = 0;
    char **names = NULL;
    size_t n = 0;
    ge_err err = {0};
    (void)state;
    if (!st) skip();

    memset(&c, 0, sizeof c);
    assert_int_equal(ge_store_feature_get(st, "pts", 7, collect_cb, &c, &version, &err), GE_OK);
    assert_int_equal(c.fids[0], 7);
    assert_true(version >= 1);
    assert_int_equal(ge_store_feature_get(st, "pts", 999, collect_cb, &c, NULL, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "999"));
    assert_int_equal(ge_store_layer_property_names(st, "pts", &names, &n, &version, &err), GE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "kind");
    assert_string_equal(names[1], "n");
    assert_string_equal(names[2], "note");
    ge_store_names_free(names, n);
}

static void test_errors(void **state)
{
    ge_features_page p;
    ge_err err = {0};
    collect c;
    ge_features_filter quote = {"a\"b", "x"};
    (void)state;
    if (!st) skip();

    {
        ge_features_query q = {.layer = "nope", .limit = 5};
        assert_int_equal(ge_store_features_query(st, &q, collect_cb, &c, &p, &err), GE_ENOENT);
    }
    {
        ge_features_query q = {.layer = "pts\"; DROP TABLE layers; --", .limit = 5};
        assert_int_equal(ge_store_features_query(st, &q, collect_cb, &c, &p, &err), GE_EINVAL);
    }
    {
        ge_features_query q = {.layer = "pts", .limit = 0};
        assert_int_equal(ge_store_features_query(st, &q, collect_cb, &c, &p, &err), GE_EINVAL);
    }
    {
        ge_features_query q = {.layer = "pts", .limit = 5, .filters = &quote, .n_filters = 1};
        assert_int_equal(ge_store_features_query(st, &q, collect_cb, &c, &p, &err), GE_EINVAL);
    }
    assert_int_equal(ge_store_feature_get(st, "nope", 1, collect_cb, &c, NULL, &err), GE_ENOENT);
    /* the layer is intact */
    {
        ge_features_query q = {.limit = 100};
        p = query(&q, &c);
        assert_int_equal(p.matched, N);
    }
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_forward_and_back), ON_BOTH(test_bbox_and_filters), ON_BOTH(test_number_text),
        ON_BOTH(test_one_and_names),    ON_BOTH(test_errors),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
