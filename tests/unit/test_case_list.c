/*
 * test_case_list.c - the case list use case (geo/app/case_list.h) reads
 * "today" from its context's clock: the summary's today and its window of
 * cases starting soon move with the clock, which the API tests (a server on
 * the real clock) cannot show. A real store file, two open cases whose
 * periods start ten days apart, the clock set to days before each.
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

#include "case_list.h"
#include "store.h"
#include "store_forms.h"
#include "store_review.h"
#include "token.h"
#include "ts.h"
#include "ts_store.h"

static ge_store *st;
static char path[4096];
static int64_t client;

/* A case of one point with period [ps, pe], as a submission makes it. */
static void make_case(const char *key, const char *ps, const char *pe)
{
    unsigned char pt[21];
    ge_case_feature f = {.wkb = pt, .wkb_len = sizeof pt, .props_json = "{}"};
    ge_draft d;
    ge_case_submit in;
    ge_submit_outcome out;
    char id[40];
    ge_err err;

    ts_store_draft(st, client, "info-stand", &d);
    ts_wkb_point(pt, 390000, 5820000);
    memset(&in, 0, sizeof in);
    in.client_id = client;
    in.draft_id = d.id;
    in.draft_features = "{\"type\":\"FeatureCollection\",\"features\":[]}";
    in.idempotency_key = key;
    in.request_hash = "r";
    in.service = "info-stand";
    in.applicant_json = "{}";
    in.period_start = ps;
    in.period_end = pe;
    in.report_json = "{\"valid\":true,\"violations\":[]}";
    in.content_hash = "h";
    in.features = &f;
    in.nfeatures = 1;
    in.actor = "client:1";
    assert_int_equal(ge_store_case_submit(st, &in, time(NULL), &out, id, &err), GE_OK);
    assert_int_equal(out, GE_SUBMIT_CREATED);
    ge_draft_clear(&d);
}

static int setup(void **state)
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN];
    ge_err err;
    (void)state;
    /* the calendar day of the clock's time is the local one: fix it */
    setenv("TZ", "UTC", 1);
    tzset();
    if (ts_store_open("case_list", "l.db", &st, path) < 0) return -1;
    if (ge_token_new("gek_", key, &err) < 0) return -1;
    ge_token_hash(key, hash);
    if (ge_store_client_add(st, "list", hash, "[]", NULL, NULL, time(NULL), &client, &err) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ge_store_close(st);
    return 0;
}

static time_t fixed_clock(void *ud)
{
    return *(const time_t *)ud;
}

/* The summary's today, its starting-soon window and count at the clock's
 * time now. */
static void summary_at(time_t now, const char *today, const char *until, json_int_t soon)
{
    ge_app app = {.store = st, .clock = fixed_clock, .clock_ud = &now, .conflict_distance = 2};
    ge_case_filter *f = malloc(sizeof *f);
    ge_app_result r;
    json_t *doc = NULL, *s, *w;

    assert_non_null(f);
    ge_case_filter_init(f);
    f->admin = true;
    ge_app_result_init(&r);
    assert_int_equal(ge_app_cases_list(&app, f, &doc, &r), GE_OK);
    assert_int_equal(json_integer_value(json_object_get(doc, "numberMatched")), 2);
    s = json_object_get(doc, "summary");
    w = json_object_get(s, "starting_soon");
    assert_string_equal(json_string_value(json_object_get(s, "today")), today);
    assert_string_equal(json_string_value(json_object_get(w, "from")), today);
    assert_string_equal(json_string_value(json_object_get(w, "until")), until);
    assert_int_equal(json_integer_value(json_object_get(w, "count")), soon);
    assert_int_equal(json_integer_value(json_object_get(s, "open")), 2);
    json_decref(doc);
    ge_app_result_clear(&r);
    free(f);
}

static void test_summary_reads_the_clock(void **state)
{
    (void)state;
    make_case("k-june", "2030-06-20", "2030-06-21");
    make_case("k-late", "2030-06-30", "2030-07-01");
    /* 2030-06-16T12:00:00Z: the June case starts within the week */
    summary_at((time_t)1907841600, "2030-06-16", "2030-06-23", 1);
    /* ten days later: the June case has started, the later one is near */
    summary_at((time_t)1907841600 + 10 * 86400, "2030-06-26", "2030-07-03", 1);
    /* a month earlier: neither */
    summary_at((time_t)1907841600 - 30 * 86400, "2030-05-17", "2030-05-24", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_reads_the_clock),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
