/*
 * test_store_drafts.c - the store's drafts (store_forms.h) on both
 * backends, each case once on a SQLite file and once on a PostGIS database
 * (the PostGIS runs skip visibly without PostgreSQL; the pattern of
 * test_store_clients.c): found by token, autosave refused for submitted
 * and expired drafts and for text that is not JSON, a change only while
 * the draft is still in the state read before it, and the applicant's
 * period change only while the draft allows it.
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
#include "store_forms.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_rows.h"
#include "ts_store_both.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */

TS_STORE_FIXTURE(st, "store_drafts", "drafts.db", NULL)

#define FC_A "{\"type\":\"FeatureCollection\",\"features\":[]}"

static void test_drafts(void **state)
{
    char key[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN], th_old[GE_TOKEN_HASH_LEN], upd[32];
    ge_draft d, old, got;
    ge_err err;
    int64_t client;

    (void)state;
    if (!st) skip();
    client = ts_store_add_client(st, "drafts", NULL, key);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, th);
    ts_store_make_draft(st, client, "2000-01-01T00:00:00Z", &old, th_old);
    assert_int_equal(ge_store_draft_by_token(st, th, &got, &err), GE_OK);
    assert_string_equal(got.id, d.id);
    assert_string_equal(got.locale, "de");
    assert_non_null(strstr(got.features, "FeatureCollection"));
    ge_draft_clear(&got);
    assert_int_equal(ge_store_draft_by_token(st, "00", &got, &err), GE_ENOENT);
    assert_int_equal(ge_store_draft_save(st, d.id, FC_A, NULL, time(NULL), upd, &err), GE_OK);
    /* an expired draft keeps what it had */
    assert_int_equal(ge_store_draft_save(st, old.id, FC_A, NULL, time(NULL), upd, &err), GE_EGONE);
    assert_int_equal(ge_store_draft_save(st, "nope", FC_A, NULL, time(NULL), upd, &err), GE_ENOENT);
    /* the store refuses text that is not JSON */
    assert_int_equal(ge_store_draft_save(st, d.id, "{", NULL, time(NULL), upd, &err), GE_EINVAL);
}

#define FC_B                                                                                       \
    "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"       \
    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}]}"

/* A change under a state read before: only while the draft is still in it. */
static void test_draft_update(void **state)
{
    char key[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN], th_old[GE_TOKEN_HASH_LEN], upd[32];
    ge_draft d, old, from, to, got;
    ge_err err;
    int64_t client;

    (void)state;
    if (!st) skip();
    client = ts_store_add_client(st, "draft-update", NULL, key);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, th);
    ts_store_make_draft(st, client, "2000-01-01T00:00:00Z", &old, th_old);
    assert_int_equal(ge_store_draft_get(st, d.id, &from, &err), GE_OK);
    to = from;
    to.features = (char *)FC_B;
    snprintf(to.reference, sizeof to.reference, "R-2");
    snprintf(to.period_start, sizeof to.period_start, "2027-03-01");
    snprintf(to.period_end, sizeof to.period_end, "2027-03-02");
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_OK);
    assert_int_equal(ge_store_draft_get(st, d.id, &got, &err), GE_OK);
    assert_string_equal(got.reference, "R-2");
    assert_string_equal(got.period_start, "2027-03-01");
    assert_non_null(strstr(got.features, "Point"));
    ge_draft_clear(&got);
    /* the same state again is stale now: nothing changes */
    snprintf(to.reference, sizeof to.reference, "R-3");
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_ECONFLICT);
    ge_draft_clear(&from);
    /* an autosave in between makes a state read before it stale */
    assert_int_equal(ge_store_draft_get(st, d.id, &from, &err), GE_OK);
    assert_int_equal(ge_store_draft_save(st, d.id, FC_A, NULL, time(NULL), upd, &err), GE_OK);
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_ECONFLICT);
    assert_int_equal(ge_store_draft_get(st, d.id, &got, &err), GE_OK);
    assert_string_equal(got.reference, "R-2");
    ge_draft_clear(&got);
    ge_draft_clear(&from);
    /* expired: gone; unknown: no such draft */
    assert_int_equal(ge_store_draft_get(st, old.id, &from, &err), GE_OK);
    to = from;
    to.features = NULL;
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_EGONE);
    snprintf(from.id, sizeof from.id, "nope");
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_ENOENT);
    ge_draft_clear(&from);
}

/* The applicant's period change: only while the draft allows it (checked in
 * the UPDATE, so a form server's PATCH turning it off wins), only the period
 * and the report change; an option set by PATCH is stored and read back. */
static void test_draft_set_period(void **state)
{
    char key[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN], th_old[GE_TOKEN_HASH_LEN], upd[32];
    ge_draft d, old, from, to, got;
    ge_err err;
    int64_t client;

    (void)state;
    if (!st) skip();
    client = ts_store_add_client(st, "draft-period", NULL, key);
    ts_store_make_draft(st, client, "2999-01-01T00:00:00Z", &d, th);
    ts_store_make_draft(st, client, "2000-01-01T00:00:00Z", &old, th_old);
    /* not allowed (the default): GE_ECONFLICT, nothing changed */
    assert_int_equal(ge_store_draft_set_period(st, d.id, "2027-03-01", "2027-03-02", NULL,
                                               time(NULL), upd, &err),
                     GE_ECONFLICT);
    assert_int_equal(ge_store_draft_get(st, d.id, &got, &err), GE_OK);
    assert_false(got.period_editable);
    assert_string_equal(got.period_start, "");
    ge_draft_clear(&got);
    /* the form server allows it (PATCH): stored, and then the period changes */
    assert_int_equal(ge_store_draft_get(st, d.id, &from, &err), GE_OK);
    to = from;
    to.features = NULL;
    to.period_editable = true;
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_OK);
    ge_draft_clear(&from);
    assert_int_equal(ge_store_draft_set_period(st, d.id, "2027-03-01", "2027-03-02",
                                               "{\"valid\":true}", time(NULL), upd, &err),
                     GE_OK);
    assert_int_equal(ge_store_draft_get(st, d.id, &got, &err), GE_OK);
    assert_true(got.period_editable);
    assert_string_equal(got.period_start, "2027-03-01");
    assert_string_equal(got.period_end, "2027-03-02");
    assert_string_equal(got.features, FC_A);
    assert_string_equal(got.updated_at, upd);
    ge_draft_clear(&got);
    /* a state read before the option changed is stale for PATCH */
    assert_int_equal(ge_store_draft_get(st, d.id, &from, &err), GE_OK);
    to = from;
    to.features = NULL;
    from.period_editable = false;
    assert_int_equal(ge_store_draft_update(st, &from, &to, time(NULL), upd, &err), GE_ECONFLICT);
    ge_draft_clear(&from);
    /* expired: gone; unknown: no such draft */
    assert_int_equal(ge_store_draft_set_period(st, old.id, "2027-03-01", "2027-03-02", NULL,
                                               time(NULL), upd, &err),
                     GE_EGONE);
    assert_int_equal(ge_store_draft_set_period(st, "nope", "2027-03-01", "2027-03-02", NULL,
                                               time(NULL), upd, &err),
                     GE_ENOENT);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_drafts),
        ON_BOTH(test_draft_update),
        ON_BOTH(test_draft_set_period),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
