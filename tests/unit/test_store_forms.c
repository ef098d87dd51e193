/*
 * test_store_forms.c - the store's clients, drafts and cases
 * (store_forms.h) and the secrets and hashes they keep (token.h,
 * case_hash.h): keys found only while active, revoke of unknown or revoked
 * clients (both also on PostGIS in test_store_clients.c; the drafts' cases
 * are in test_store_drafts.c, the cases' in test_store_cases.c, on both
 * backends), every outcome
 * of a submission (created, replayed, key reused, draft submitted, changed,
 * expired), a geometry the store refuses leaving nothing behind, the spatial
 * query for conflicts, and a content hash that does not depend on key order.
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

#include "case_hash.h"
#include "geos_ctx.h"
#include "store.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_rows.h"

static ge_store *st;
static char path[4096];

static int setup(void **state)
{
    (void)state;
    return ts_store_open("store_forms", "f.db", &st, path);
}

static int teardown(void **state)
{
    (void)state;
    ge_store_close(st);
    return 0;
}

static void test_tokens(void **state)
{
    char a[GE_TOKEN_MAX], b[GE_TOKEN_MAX], ha[GE_TOKEN_HASH_LEN], ha2[GE_TOKEN_HASH_LEN],
        hb[GE_TOKEN_HASH_LEN], id[GE_TOKEN_ID_LEN];
    ge_err err;
    (void)state;
    assert_int_equal(ge_token_new("", a, &err), GE_OK);
    assert_int_equal(ge_token_new("", b, &err), GE_OK);
    assert_int_equal(strlen(a), GE_TOKEN_LEN);
    assert_string_not_equal(a, b);
    assert_true(ge_token_plausible(a));
    assert_false(ge_token_plausible("has space"));
    assert_false(ge_token_plausible(""));
    assert_false(ge_token_plausible("a/b"));
    ge_token_hash(a, ha);
    ge_token_hash(a, ha2);
    ge_token_hash(b, hb);
    assert_int_equal(strlen(ha), 64);
    assert_true(ge_token_equal(ha, ha2));
    assert_false(ge_token_equal(ha, hb));
    assert_false(ge_token_equal(ha, "abc"));
    assert_null(strstr(ha, a));
    assert_int_equal(ge_token_id(id, &err), GE_OK);
    assert_int_equal(strspn(id, "0123456789abcdef"), 32);
    /* a known SHA-256 vector */
    ge_token_sha256_hex("abc", 3, ha);
    assert_string_equal(ha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_clients(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN], other[GE_TOKEN_MAX];
    ge_client c, *v = NULL;
    size_t n = 0;
    int64_t id, id2;
    ge_err err;

    (void)state;
    id = ts_store_add_client(st, "clients-a", NULL, key);
    id2 = ts_store_add_client(st, "clients-b", NULL, other);
    ge_token_hash(key, hash);
    assert_int_equal(
        ge_store_client_add(st, "clients-a", "x", "[]", NULL, NULL, time(NULL), &id2, &err),
        GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "exists already"));
    assert_int_equal(ge_store_client_by_key(st, hash, &c, &err), GE_OK);
    assert_int_equal(c.id, id);
    assert_string_equal(c.name, "clients-a");
    assert_string_equal(c.origins_json, "[\"https://a.example\"]");
    ge_client_clear(&c);
    assert_int_equal(ge_store_client_revoke(st, id, time(NULL), &err), GE_OK);
    assert_int_equal(ge_store_client_by_key(st, hash, &c, &err), GE_ENOENT);
    assert_int_equal(ge_store_client_revoke(st, id, time(NULL), &err), GE_ECONFLICT);
    assert_int_equal(ge_store_client_revoke(st, 99999, time(NULL), &err), GE_ENOENT);
    assert_int_equal(ge_store_client_list(st, &v, &n, &err), GE_OK);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id) assert_true(v[i].revoked_at[0] != '\0');
    ge_client_list_free(v, n);
}

#define FC_A "{\"type\":\"FeatureCollection\",\"features\":[]}"

static void test_cases(void **state)
{
    char key[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN], th2[GE_TOKEN_HASH_LEN], th3[GE_TOKEN_HASH_LEN];
    char case_id[40], first[40];
    unsigned char pt[21], bad[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt, .props_json = "{\"a\":1}"};
    ge_case_feature fb = {.wkb = bad, .wkb_len = sizeof bad};
    ge_draft d, d2, d3;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_case c;
    ge_err err;
    int64_t client;
    bool same;
    int near = 0;

    (void)state;
    ts_wkb_point(pt, 390000, 5820000);
    memcpy(bad, pt, sizeof bad);
    bad[1] = 0x99; /* no such geometry type */
    client = ts_store_add_client(st, "cases", NULL, key);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, th);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d2, th2);
    ts_store_make_draft(st, client, "2000-01-01T00:00:00Z", &d3, th3);

    /* a geometry the store refuses: nothing of the submission stays */
    ts_store_submit_in(&in, client, &d, "k-bad", "r1", &fb, 1);
    assert_true(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err) < 0);
    assert_int_equal(ge_store_case_by_key(st, client, "k-bad", "r1", case_id, &same, &err),
                     GE_ENOENT);

    ts_store_submit_in(&in, client, &d, "k1", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
    snprintf(first, sizeof first, "%s", case_id);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_REPLAYED);
    assert_string_equal(case_id, first);
    in.request_hash = "r2";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_KEY_REUSED);
    ts_store_submit_in(&in, client, &d, "k2", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_SUBMITTED);
    ts_store_submit_in(&in, client, &d2, "k3", "r1", &f, 1);
    in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[1]}";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_CHANGED);
    ts_store_submit_in(&in, client, &d3, "k4", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_EXPIRED);
    assert_int_equal(ge_store_case_by_key(st, client, "k1", "r1", case_id, &same, &err), GE_OK);
    assert_true(same);
    assert_string_equal(case_id, first);

    assert_int_equal(ge_store_case_get(st, first, &c, &err), GE_OK);
    assert_string_equal(c.status, "received");
    assert_string_equal(c.draft_id, d.id);
    assert_string_equal(c.period_start, "2026-12-01");
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_get(st, "nope", &c, &err), GE_ENOENT);

    /* the case a draft became (the applicant's print link after submission):
     * none for a draft still open, none once the case is purged */
    assert_int_equal(ge_store_case_by_draft(st, d.id, &c, &err), GE_OK);
    assert_string_equal(c.id, first);
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_by_draft(st, d2.id, &c, &err), GE_ENOENT);
    assert_int_equal(ge_store_case_by_draft(st, "nope", &c, &err), GE_ENOENT);
    assert_int_equal(ts_store_sql(path,
                                  "UPDATE cases SET purged_at = '2026-01-01T00:00:00Z'"
                                  " WHERE id = ?1",
                                  1, first),
                     1);
    assert_int_equal(ge_store_case_by_draft(st, d.id, &c, &err), GE_ENOENT);
    assert_int_equal(
        ts_store_sql(path, "UPDATE cases SET purged_at = NULL WHERE id = ?1", 1, first), 1);

    /* the conflict query finds the case near its point, not far away, and
     * not for the draft it was made from */
    {
        double here[4] = {389990, 5819990, 390010, 5820010};
        double far[4] = {300000, 5000000, 300010, 5000010};
        assert_int_equal(ge_store_cases_near(st, here, NULL, 10, ts_store_count_near, &near, &err),
                         GE_OK);
        assert_int_equal(near, 1);
        near = 0;
        assert_int_equal(ge_store_cases_near(st, far, NULL, 10, ts_store_count_near, &near, &err),
                         GE_OK);
        assert_int_equal(near, 0);
        assert_int_equal(ge_store_cases_near(st, here, d.id, 10, ts_store_count_near, &near, &err),
                         GE_OK);
        assert_int_equal(near, 0);
    }
    /* the draft is closed to autosave now */
    {
        char upd[32];
        assert_int_equal(ge_store_draft_save(st, d.id, FC_A, NULL, time(NULL), upd, &err),
                         GE_EGONE);
    }
}

static void test_case_hash(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    ge_features fs = {0};
    ge_feature item;
    char a[GE_TOKEN_HASH_LEN], b[GE_TOKEN_HASH_LEN], c[GE_TOKEN_HASH_LEN];
    ge_err err;
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 1, 2);

    (void)state;
    GEOSCoordSeq_setXY_r(h, cs, 0, 390000.1234, 5820000.5678);
    item.geom = GEOSGeom_createPoint_r(h, cs);
    item.properties = json_pack("{s:i, s:s}", "b", 1, "a", "x");
    item.id = NULL;
    fs.items = &item;
    fs.n = 1;
    assert_int_equal(ge_case_hash(h, &fs, 25832, "{\"valid\":true,\"violations\":[]}", a, &err),
                     GE_OK);
    /* the report's key order does not matter */
    assert_int_equal(ge_case_hash(h, &fs, 25832, "{\"violations\":[],\"valid\":true}", b, &err),
                     GE_OK);
    assert_string_equal(a, b);
    /* a changed property does */
    json_object_set_new(item.properties, "b", json_integer(2));
    assert_int_equal(ge_case_hash(h, &fs, 25832, "{\"valid\":true,\"violations\":[]}", c, &err),
                     GE_OK);
    assert_string_not_equal(a, c);
    assert_int_equal(ge_case_hash(h, &fs, 25832, "{not json", c, &err), GE_EINVAL);
    json_decref(item.properties);
    GEOSGeom_destroy_r(h, item.geom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_clients),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_case_hash),
    };
    int rc = ts_run_group_tests(tests, setup, teardown);
    ge_geos_thread_cleanup();
    return ts_exit(rc);
}
