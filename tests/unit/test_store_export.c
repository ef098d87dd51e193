/*
 * test_store_export.c - ge_store_cases_features (store_export.h) on a real
 * store file: features come case by case in the order of the ids given
 * (not the store's), each case's by index, with the case's position and the
 * WKB as stored; unknown ids and an empty list give nothing; a callback's
 * non-zero return stops the reading and is returned, and the connection
 * still goes back to the pool (ten stopped reads on a pool of eight).
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

#include "store.h"
#include "store_export.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"

static ge_store *st;
static int64_t client;
static char ids[3][40];

/* A case of n points at (390000 + 10 k, 5820000 + i) for feature i. */
static void add_case(int k, int n, char case_id[40])
{
    char key[16];
    unsigned char pts[4][21];
    ge_case_feature f[4];
    ge_case_submit in;
    ge_submit_outcome out;
    ge_draft d;
    ge_err err;

    ts_store_draft(st, client, "info-stand", &d);
    for (int i = 0; i < n; i++) {
        ts_wkb_point(pts[i], 390000 + 10.0 * k, 5820000 + i);
        f[i] = (ge_case_feature){.wkb = pts[i], .wkb_len = 21, .props_json = "{\"note\":\"x\"}"};
    }
    memset(&in, 0, sizeof in);
    snprintf(key, sizeof key, "k%d", k);
    in.client_id = client;
    in.draft_id = d.id;
    in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[]}";
    in.idempotency_key = key;
    in.request_hash = key;
    in.service = "info-stand";
    in.applicant_json = "{}";
    in.report_json = "{\"valid\":true}";
    in.content_hash = "h";
    in.features = f;
    in.nfeatures = (size_t)n;
    assert_int_equal(ge_store_case_submit(st, &in, &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
}

static int setup(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    (void)state;
    if (ts_store_open("store_export", "e.db", &st, NULL) < 0 || ge_token_new("gek_", key, &err) < 0)
        return -1;
    ge_token_hash(key, hash);
    if (ge_store_client_add(st, "export", hash, "[\"https://a.example\"]", NULL, NULL, &client,
                            &err) < 0)
        return -1;
    add_case(0, 1, ids[0]);
    add_case(1, 3, ids[1]);
    add_case(2, 2, ids[2]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_store_close(st);
    return 0;
}

typedef struct seen {
    size_t n;
    size_t case_index[16];
    int64_t idx[16];
    double x[16], y[16];
    size_t stop_after; /* 0: never */
} seen;

static int collect(void *ud, size_t case_index, int64_t idx, const unsigned char *wkb,
                   size_t wkb_len)
{
    seen *s = ud;
    assert_int_equal(wkb_len, 21);
    assert_true(s->n < 16);
    s->case_index[s->n] = case_index;
    s->idx[s->n] = idx;
    memcpy(&s->x[s->n], wkb + 5, 8);
    memcpy(&s->y[s->n], wkb + 13, 8);
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

static void test_order_and_content(void **state)
{
    /* the caller's order (newest first in the export), not the store's */
    const char *order[] = {ids[2], "0123456789abcdef0123456789abcdef", ids[1], ids[0]};
    static const size_t want_case[] = {0, 0, 2, 2, 2, 3};
    static const int64_t want_idx[] = {0, 1, 0, 1, 2, 0};
    static const int want_k[] = {2, 2, 1, 1, 1, 0};
    seen s = {0};
    ge_err err;
    (void)state;
    assert_int_equal(ge_store_cases_features(st, order, 4, collect, &s, &err), GE_OK);
    assert_int_equal(s.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(s.case_index[i], want_case[i]);
        assert_int_equal(s.idx[i], want_idx[i]);
        assert_true(s.x[i] == 390000 + 10.0 * want_k[i]);
        assert_true(s.y[i] == 5820000 + (double)want_idx[i]);
    }
}

static void test_empty_and_stop(void **state)
{
    const char *one[] = {ids[1]};
    seen s = {0};
    ge_err err;
    char more[40];
    (void)state;
    assert_int_equal(ge_store_cases_features(st, NULL, 0, collect, &s, &err), GE_OK);
    assert_int_equal(s.n, 0);
    s.stop_after = 2;
    assert_int_equal(ge_store_cases_features(st, one, 1, collect, &s, &err), 42);
    assert_int_equal(s.n, 2);
    /* the connection goes back every time (the pool holds eight) */
    for (int i = 0; i < 10; i++) {
        s = (seen){.stop_after = 1};
        assert_int_equal(ge_store_cases_features(st, one, 1, collect, &s, &err), 42);
    }
    add_case(3, 1, more);
    s = (seen){0};
    one[0] = more;
    assert_int_equal(ge_store_cases_features(st, one, 1, collect, &s, &err), GE_OK);
    assert_int_equal(s.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_content),
        cmocka_unit_test(test_empty_and_stop),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
