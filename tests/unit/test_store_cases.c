/*
 * test_store_cases.c - cases in the store (store_forms.h) and their tiles'
 * box query (store_case_tiles.h) on both backends (ts_store_open_on; the
 * PostGIS runs skip visibly without PostgreSQL): every outcome of a
 * submission (created, replayed, key reused, draft submitted, changed,
 * expired), a geometry the store refuses leaving nothing behind, the case
 * read back by id, by draft and its features, the spatial query for
 * conflicts, the case tiles' version and box; and several threads
 * submitting with one idempotency key at once, which must make exactly one
 * case: half of them through a second store opened on the same database,
 * as a second instance would (on PostGIS every thread has a connection of
 * its own).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_case_tiles.h"
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_rows.h"
#include "ts_store_both.h"

static ge_store *st;     /* NULL: the case's backend is not available (skip) */
static char where[4096]; /* its file or connection string */

#define FC_A "{\"type\":\"FeatureCollection\",\"features\":[]}"

TS_STORE_FIXTURE(st, "store_cases", "cases.db", where)

static void submit_in(ge_case_submit *in, int64_t client, const ge_draft *d, const char *key,
                      const char *req_hash, const ge_case_feature *f, size_t nf)
{
    ts_store_submit_in(in, client, d, key, req_hash, f, nf);
    in->reference = "AZ-1";
    in->applicant_json = "{\"name\":\"Erika\"}";
    in->actor = "client:test";
}

static void test_submission_outcomes(void **state)
{
    char case_id[40], first[40];
    unsigned char pt[21], bad[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt, .props_json = "{\"a\":1}"};
    ge_case_feature fb = {.wkb = bad, .wkb_len = sizeof bad};
    ge_draft d, d2, d3;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_err err;
    bool same = true;

    (void)state;
    if (!st) skip();
    ts_wkb_point(pt, 390000, 5820000);
    memcpy(bad, pt, sizeof bad);
    bad[1] = 0x99; /* no such geometry type */
    int64_t client = ts_store_add_client(st, "cases", NULL, NULL);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, NULL);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d2, NULL);
    ts_store_make_draft(st, client, "2000-01-01T00:00:00Z", &d3, NULL);

    /* a geometry the store refuses: nothing of the submission stays */
    submit_in(&in, client, &d, "k-bad", "r1", &fb, 1);
    assert_true(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err) < 0);
    assert_string_equal(case_id, "");
    assert_int_equal(ge_store_case_by_key(st, client, "k-bad", "r1", case_id, &same, &err),
                     GE_ENOENT);
    assert_false(same);

    submit_in(&in, client, &d, "k1", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
    assert_int_equal(strlen(case_id), 32);
    snprintf(first, sizeof first, "%s", case_id);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_REPLAYED);
    assert_string_equal(case_id, first);
    in.request_hash = "r2";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_KEY_REUSED);
    submit_in(&in, client, &d, "k2", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_SUBMITTED);
    submit_in(&in, client, &d2, "k3", "r1", &f, 1);
    in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[1]}";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_CHANGED);
    submit_in(&in, client, &d3, "k4", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_DRAFT_EXPIRED);
    /* refusals leave their keys unused */
    assert_int_equal(ge_store_case_by_key(st, client, "k3", "r1", case_id, &same, &err), GE_ENOENT);
    assert_int_equal(ge_store_case_by_key(st, client, "k1", "r2", case_id, &same, &err), GE_OK);
    assert_false(same);
    assert_int_equal(ge_store_case_by_key(st, client, "k1", "r1", case_id, &same, &err), GE_OK);
    assert_true(same);
    assert_string_equal(case_id, first);
    /* another client's key of the same name is another key */
    assert_int_equal(ge_store_case_by_key(st, client + 1, "k1", "r1", case_id, &same, &err),
                     GE_ENOENT);

    /* an unknown draft */
    ge_draft none = d;
    snprintf(none.id, sizeof none.id, "0123456789abcdef0123456789abcdef");
    submit_in(&in, client, &none, "k5", "r1", &f, 1);
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no such draft"));

    /* the draft is closed to autosave now */
    char upd[32];
    assert_int_equal(ge_store_draft_save(st, d.id, FC_A, NULL, time(NULL), upd, &err), GE_EGONE);
}

typedef struct feat_seen {
    int n;
    unsigned char wkb[64];
    size_t len;
    char props[64];
} feat_seen;

static int feature_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                      const char *props)
{
    feat_seen *s = ud;
    assert_int_equal(fid, s->n);
    if (len <= sizeof s->wkb) memcpy(s->wkb, wkb, len);
    s->len = len;
    snprintf(s->props, sizeof s->props, "%s", props ? props : "");
    s->n++;
    return 0;
}

static void test_case_reads(void **state)
{
    char case_id[40];
    unsigned char pt[21], pt2[21];
    ge_case_feature f[2] = {{.wkb = pt, .wkb_len = sizeof pt, .props_json = "{\"a\":1}"},
                            {.wkb = pt2, .wkb_len = sizeof pt2, .props_json = "{\"b\":\"x\"}"}};
    ge_draft d, d2;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_case c;
    ge_err err;
    feat_seen seen = {0};
    int near = 0;

    (void)state;
    if (!st) skip();
    ts_wkb_point(pt, 390000, 5820000);
    ts_wkb_point(pt2, 390005.5, 5820003.25);
    int64_t client = ts_store_add_client(st, "reads", NULL, NULL);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, NULL);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d2, NULL);
    submit_in(&in, client, &d, "k1", "r1", f, 2);
    assert_int_equal(ge_store_case_submit(st, &in, 1800000000, &out, case_id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);

    assert_int_equal(ge_store_case_get(st, case_id, &c, &err), GE_OK);
    assert_string_equal(c.id, case_id);
    assert_int_equal(c.client_id, client);
    assert_string_equal(c.draft_id, d.id);
    assert_string_equal(c.service, "info-stand");
    assert_string_equal(c.reference, "AZ-1");
    assert_string_equal(c.applicant, "{\"name\":\"Erika\"}");
    assert_string_equal(c.period_start, "2026-12-01");
    assert_string_equal(c.period_end, "2026-12-02");
    assert_string_equal(c.status, "received");
    assert_string_equal(c.report, "{\"valid\":true}");
    assert_string_equal(c.content_hash, "h");
    assert_string_equal(c.created_at, "2027-01-15T08:00:00Z");
    assert_string_equal(c.updated_at, "2027-01-15T08:00:00Z");
    assert_int_equal(c.version, 1);
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_get(st, "nope", &c, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no such case"));

    /* the case a draft became: none for a draft still open */
    assert_int_equal(ge_store_case_by_draft(st, d.id, &c, &err), GE_OK);
    assert_string_equal(c.id, case_id);
    ge_case_clear(&c);
    assert_int_equal(ge_store_case_by_draft(st, d2.id, &c, &err), GE_ENOENT);
    assert_int_equal(ge_store_case_by_draft(st, "nope", &c, &err), GE_ENOENT);

    /* the features come back in their order, the same bytes */
    assert_int_equal(ge_store_case_features(st, case_id, feature_cb, &seen, &err), GE_OK);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.len, sizeof pt2);
    assert_memory_equal(seen.wkb, pt2, sizeof pt2);
    assert_string_equal(seen.props, "{\"b\":\"x\"}");

    /* the conflict query finds the case near its point, not far away, and
     * not for the draft it was made from */
    double here[4] = {389990, 5819990, 390010, 5820010};
    double far[4] = {300000, 5000000, 300010, 5000010};
    assert_int_equal(ge_store_cases_near(st, here, NULL, 10, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 2); /* one row per feature */
    near = 0;
    assert_int_equal(ge_store_cases_near(st, here, NULL, 1, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 1);
    near = 0;
    assert_int_equal(ge_store_cases_near(st, far, NULL, 10, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 0);
    assert_int_equal(ge_store_cases_near(st, here, d.id, 10, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 0);
    assert_int_equal(ge_store_cases_near(st, here, d2.id, 10, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 2);
}

typedef struct tile_seen {
    int n;
    char case_id[40];
    char service[64];
    int valid; /* 1 true, 0 false, -1 null */
} tile_seen;

static int tile_cb(void *ud, int64_t fid, const unsigned char *wkb, size_t len, const char *props)
{
    tile_seen *s = ud;
    json_error_t je;
    json_t *p = json_loads(props, 0, &je);
    (void)fid;
    assert_true(len == 21 && wkb[0] == 1);
    assert_non_null(p);
    snprintf(s->case_id, sizeof s->case_id, "%s", json_string_value(json_object_get(p, "case_id")));
    snprintf(s->service, sizeof s->service, "%s", json_string_value(json_object_get(p, "service")));
    assert_string_equal(json_string_value(json_object_get(p, "status")), "received");
    assert_string_equal(json_string_value(json_object_get(p, "reference")), "AZ-1");
    json_t *v = json_object_get(p, "valid");
    assert_non_null(v);
    s->valid = json_is_true(v) ? 1 : json_is_false(v) ? 0 : -1;
    json_decref(p);
    s->n++;
    return 0;
}

static void test_case_tiles(void **state)
{
    char case_id[40];
    unsigned char pt[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt};
    ge_draft d;
    ge_case_submit in;
    ge_submit_outcome out;
    ge_err err;
    int64_t v0 = -1, v1 = -1, vq = -1;
    double box[4] = {389990, 5819990, 390010, 5820010};
    double far[4] = {300000, 5000000, 300010, 5000010};
    tile_seen seen = {0};

    (void)state;
    if (!st) skip();
    assert_int_equal(ge_store_case_tiles_version(st, &v0, &err), GE_OK);
    assert_int_equal(v0, 0);
    ts_wkb_point(pt, 390000, 5820000);
    int64_t client = ts_store_add_client(st, "tiles", NULL, NULL);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, NULL);
    submit_in(&in, client, &d, "k1", "r1", &f, 1);
    in.report_json = "{\"valid\":false,\"violations\":[]}";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, case_id, &err), GE_OK);
    assert_int_equal(ge_store_case_tiles_version(st, &v1, &err), GE_OK);
    assert_true(v1 > v0);

    assert_int_equal(ge_store_case_tiles_query(st, box, NULL, &vq, tile_cb, &seen, &err), GE_OK);
    assert_int_equal(vq, v1);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.case_id, case_id);
    assert_string_equal(seen.service, "info-stand");
    assert_int_equal(seen.valid, 0);
    seen.n = 0;
    assert_int_equal(ge_store_case_tiles_query(st, box, "[\"info-stand\",\"other\"]", NULL, tile_cb,
                                               &seen, &err),
                     GE_OK);
    assert_int_equal(seen.n, 1);
    seen.n = 0;
    assert_int_equal(ge_store_case_tiles_query(st, box, "[\"other\"]", NULL, tile_cb, &seen, &err),
                     GE_OK);
    assert_int_equal(seen.n, 0);
    assert_int_equal(ge_store_case_tiles_query(st, far, NULL, NULL, tile_cb, &seen, &err), GE_OK);
    assert_int_equal(seen.n, 0);
    box[2] = 1.0 / 0.0;
    assert_int_equal(ge_store_case_tiles_query(st, box, NULL, NULL, tile_cb, &seen, &err),
                     GE_EINVAL);
    assert_non_null(strstr(err.msg, "not finite"));
}

#define RACERS 8

typedef struct racer {
    ge_store *st;
    ge_case_submit in;
    int rc;
    ge_submit_outcome out;
    char case_id[40];
    ge_err err;
} racer;

static void *race(void *p)
{
    racer *x = p;
    x->rc = ge_store_case_submit(x->st, &x->in, time(NULL), &x->out, x->case_id, &x->err);
    return NULL;
}

/* RACERS threads submit at once, the odd ones through the second
 * instance; the number of each outcome. */
static void run_race(racer *x, ge_store *other_instance, int *created, int *replayed, int *other)
{
    pthread_t t[RACERS];
    *created = *replayed = *other = 0;
    for (int i = 0; i < RACERS; i++)
        x[i].st = i % 2 ? other_instance : st;
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
    for (int i = 0; i < RACERS; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        if (x[i].rc != GE_OK) fail_msg("racer %d: %s", i, x[i].err.msg);
        *created += x[i].out == GE_SUBMIT_CREATED;
        *replayed += x[i].out == GE_SUBMIT_REPLAYED;
        *other += x[i].out != GE_SUBMIT_CREATED && x[i].out != GE_SUBMIT_REPLAYED;
    }
}

static void test_one_key_at_once_makes_one_case(void **state)
{
    unsigned char pt[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt};
    ge_draft d[RACERS];
    racer x[RACERS];
    int created, replayed, other, winner = -1;
    int near = 0;
    ge_err err;
    double here[4] = {389990, 5819990, 390010, 5820010};
    ge_store_opts o = {.path = where, .srid = 25832};
    ge_store *st2 = NULL;

    (void)state;
    if (!st) skip();
    assert_int_equal(ge_store_open(&st2, &o, &err), GE_OK);
    ts_wkb_point(pt, 390000, 5820000);
    int64_t client = ts_store_add_client(st, "racers", NULL, NULL);

    /* one draft, one key, one request, sent eight times at once */
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d[0], NULL);
    memset(x, 0, sizeof x);
    for (int i = 0; i < RACERS; i++)
        submit_in(&x[i].in, client, &d[0], "same-key", "r1", &f, 1);
    run_race(x, st2, &created, &replayed, &other);
    assert_int_equal(created, 1);
    assert_int_equal(replayed, RACERS - 1);
    for (int i = 0; i < RACERS; i++)
        if (x[i].out == GE_SUBMIT_CREATED) winner = i;
    for (int i = 0; i < RACERS; i++)
        assert_string_equal(x[i].case_id, x[winner].case_id);

    /* one key on eight drafts (a form server that reused its key): still
     * one case, the others see the key taken by the same request */
    memset(x, 0, sizeof x);
    for (int i = 0; i < RACERS; i++) {
        ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d[i], NULL);
        submit_in(&x[i].in, client, &d[i], "second-key", "r2", &f, 1);
    }
    run_race(x, st2, &created, &replayed, &other);
    assert_int_equal(created, 1);
    assert_int_equal(replayed, RACERS - 1);

    /* one draft under eight keys: one case, seven "draft submitted" */
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d[0], NULL);
    memset(x, 0, sizeof x);
    char keys[RACERS][16];
    for (int i = 0; i < RACERS; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%d", i);
        submit_in(&x[i].in, client, &d[0], keys[i], "r3", &f, 1);
    }
    run_race(x, st2, &created, &replayed, &other);
    assert_int_equal(created, 1);
    assert_int_equal(replayed, 0);
    assert_int_equal(other, RACERS - 1);
    for (int i = 0; i < RACERS; i++)
        assert_true(x[i].out == GE_SUBMIT_CREATED || x[i].out == GE_SUBMIT_DRAFT_SUBMITTED);

    /* three cases in all */
    assert_int_equal(ge_store_cases_near(st2, here, NULL, 100, ts_store_count_near, &near, &err),
                     GE_OK);
    assert_int_equal(near, 3);
    ge_store_close(st2);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_submission_outcomes),
        ON_BOTH(test_case_reads),
        ON_BOTH(test_case_tiles),
        ON_BOTH(test_one_key_at_once_makes_one_case),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
