/*
 * test_store_export.c - ge_store_cases_features (store_export.h) on both
 * backends (each case on a SQLite file and on a PostGIS database, which
 * skips visibly without PostgreSQL or while its cases subject is not
 * written): features come case by case in the order of the ids given
 * (not the store's), each case's by index, with the case's position and the
 * WKB as stored; each with the location sentence its case's report stores
 * for it (by the measures entry's "feature", none for a report without
 * measures, an entry without a sentence or one that is not {de, en});
 * unknown ids and an empty list give nothing; a callback's non-zero return
 * stops the reading and is returned, and the connection still goes back to
 * the pool (ten stopped reads on a pool of eight).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_export.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */
static int64_t client;
static char ids[3][40];

/* A case of n points at (390000 + 10 k, 5820000 + i) for feature i, with
 * this report. */
static void add_case_report(int k, int n, const char *report, char case_id[40])
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
    in.report_json = report;
    in.content_hash = "h";
    in.features = f;
    in.nfeatures = (size_t)n;
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
}

static void add_case(int k, int n, char case_id[40])
{
    add_case_report(k, n, "{\"valid\":true}", case_id);
}

/* The cases are another subject of the store: a backend that cannot store
 * them yet answers GE_EINTERNAL, where one that can says GE_ENOENT. */
static bool cases_written(const char *backend)
{
    ge_case c;
    ge_err err = {0};
    memset(&c, 0, sizeof c);
    int rc = ge_store_case_get(st, "0123456789abcdef0123456789abcdef", &c, &err);
    if (rc == GE_OK) ge_case_clear(&c);
    if (rc != GE_EINTERNAL) return true;
    printf("SKIP: %s: %s\n", backend, err.msg);
    return false;
}

static int setup(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    int rc = ts_store_open_on(*state, "store_export", "e.db", &st, NULL);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (!cases_written(*state)) {
        ge_store_close(st);
        st = NULL;
        return 0;
    }
    if (ge_token_new("gek_", key, &err) < 0) return -1;
    ge_token_hash(key, hash);
    if (ge_store_client_add(st, "export", hash, "[\"https://a.example\"]", NULL, NULL, time(NULL),
                            &client, &err) < 0)
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
    st = NULL;
    return 0;
}

typedef struct seen {
    size_t n;
    size_t case_index[16];
    int64_t idx[16];
    double x[16], y[16];
    char de[16][64];   /* the location's, "" when none */
    size_t stop_after; /* 0: never */
} seen;

static int collect(void *ud, const ge_store_export_feature *f)
{
    seen *s = ud;
    assert_int_equal(f->wkb_len, 21);
    assert_true(s->n < 16);
    s->case_index[s->n] = f->case_index;
    s->idx[s->n] = f->idx;
    memcpy(&s->x[s->n], f->wkb + 5, 8);
    memcpy(&s->y[s->n], f->wkb + 13, 8);
    snprintf(s->de[s->n], sizeof s->de[s->n], "%s",
             f->location ? json_string_value(json_object_get(f->location, "de")) : "");
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
    if (!st) skip();
    assert_int_equal(ge_store_cases_features(st, order, 4, collect, &s, &err), GE_OK);
    assert_int_equal(s.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(s.case_index[i], want_case[i]);
        assert_int_equal(s.idx[i], want_idx[i]);
        assert_true(s.x[i] == 390000 + 10.0 * want_k[i]);
        assert_true(s.y[i] == 5820000 + (double)want_idx[i]);
        assert_string_equal(s.de[i], ""); /* the reports hold no measures */
    }
}

/* The sentences of the report, by the measures entry's "feature" (the
 * entries here out of order), none where it has none or a broken one. */
static void test_locations(void **state)
{
    static const char report[] = "{\"valid\":true,\"violations\":[],\"measures\":["
                                 "{\"feature\":2,\"location\":{\"de\":\"Lindenallee, vor Nr. 9\","
                                 "\"en\":\"Lindenallee, in front of no. 9\"}},"
                                 "{\"feature\":0,\"location\":{\"de\":\"Ahornweg, Nordseite\","
                                 "\"en\":\"Ahornweg, north side\"}},"
                                 "{\"feature\":1},"
                                 "{\"feature\":3,\"location\":{\"de\":\"nur deutsch\"}}]}";
    char id[40];
    const char *one[1];
    seen s = {0};
    ge_err err;
    (void)state;
    if (!st) skip();
    add_case_report(4, 4, report, id);
    one[0] = id;
    assert_int_equal(ge_store_cases_features(st, one, 1, collect, &s, &err), GE_OK);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.de[0], "Ahornweg, Nordseite");
    assert_string_equal(s.de[1], "");
    assert_string_equal(s.de[2], "Lindenallee, vor Nr. 9");
    assert_string_equal(s.de[3], "");
}

static void test_empty_and_stop(void **state)
{
    const char *one[] = {ids[1]};
    seen s = {0};
    ge_err err;
    char more[40];
    (void)state;
    if (!st) skip();
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

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_order_and_content),
        ON_BOTH(test_empty_and_stop),
        ON_BOTH(test_locations),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
