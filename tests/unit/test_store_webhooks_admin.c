/*
 * test_store_webhooks_admin.c - the operator's functions on the webhook
 * outbox (store_webhooks_admin.h) on both backends (every case once on a
 * SQLite file, once on a PostGIS database, each with the fixture below;
 * the PostGIS runs skip visibly without PostgreSQL): deliveries queued
 * by the trigger and settled with the sender's own ge_store_webhook_record,
 * then listed (states, filters, order, limits), counted, and retried by id
 * (all or nothing; unknown, delivered, pending, revoked client's and purged
 * case's deliveries refused with a message naming them) and in bulk (per
 * client; unsendable ones left and counted), and a retried delivery claimed
 * again by the sender.
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
#include "store_webhooks.h"
#include "store_webhooks_admin.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"
#include "ts_store_any.h"

/* 2026-01-01T00:00:00Z */
#define T0 INT64_C(1767225600)

static ge_store *st; /* NULL: the case's backend is not available (skip) */
static char db_path[4096];
static int64_t cl_a, cl_b, cl_r, cl_plain;
/* deliveries: a1 failed, a2 delivered, pg failed (case purged) of client A;
 * b1 failed of B; r1 failed of R (revoked) */
static int64_t d_a1, d_a2, d_pg, d_b1, d_r1;

/* A case of the client. */
static void add_case(const char *id, int64_t client)
{
    ts_any_sql(db_path,
               "INSERT INTO cases (id, client_id, service, status, created_at,"
               " updated_at) VALUES (?1, CAST(?2 AS INTEGER), 'skip-container', 'received',"
               " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
               2, id, ts_pathf("%lld", (long long)client));
}

/* The case's status event received -> in_review; the id of the delivery
 * the trigger queued. */
static int64_t add_delivery(const char *case_id)
{
    assert_int_equal(ts_any_sql(db_path,
                                "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                                " to_status) VALUES (?1, '2026-01-01T00:00:05Z', 'user:erika',"
                                " 'status', 'received', 'in_review')",
                                1, case_id),
                     1);
    return ts_any_sql_int(db_path, "SELECT max(id) FROM webhook_deliveries WHERE case_id = ?1",
                          case_id);
}

/* One attempt as the sender records it. */
static void attempt(int64_t id, int http_status)
{
    ge_webhook_policy pol = {.max_attempts = 3, .retry_base_s = 10};
    ge_webhook_attempt a = {.http_status = http_status, .error = "HTTP 410"};
    ge_err err;

    if (ge_store_webhook_record(st, id, T0, &a, &pol, NULL, NULL, NULL, &err) < 0)
        fail_msg("record %lld: %s", (long long)id, err.msg);
}

static int open_store(void **state)
{
    ge_err err;
    int rc = ts_store_open_on(*state, "store_webhooks_admin", "w.db", &st, db_path);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (ge_store_client_add(st, "A", "h1", "[]", "http://127.0.0.1:9/a", "whsec_a", time(NULL),
                            &cl_a, &err) < 0 ||
        ge_store_client_add(st, "B", "h2", "[]", "http://127.0.0.1:9/b", "whsec_b", time(NULL),
                            &cl_b, &err) < 0 ||
        ge_store_client_add(st, "R", "h3", "[]", "http://127.0.0.1:9/r", "whsec_r", time(NULL),
                            &cl_r, &err) < 0 ||
        ge_store_client_add(st, "Plain", "h4", "[]", NULL, NULL, time(NULL), &cl_plain, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    add_case("case-a1", cl_a);
    add_case("case-a2", cl_a);
    add_case("case-pg", cl_a);
    add_case("case-b1", cl_b);
    add_case("case-r1", cl_r);
    d_a1 = add_delivery("case-a1");
    d_a2 = add_delivery("case-a2");
    d_pg = add_delivery("case-pg");
    d_b1 = add_delivery("case-b1");
    d_r1 = add_delivery("case-r1");
    attempt(d_a1, 410);
    attempt(d_a2, 200);
    attempt(d_pg, 410);
    attempt(d_b1, 410);
    attempt(d_r1, 410);
    if (ge_store_client_revoke(st, cl_r, time(NULL), &err) < 0) return -1;
    /* purged after its delivery failed (retention deletes the rows; this
     * one stands for a store where one was left behind) */
    if (ts_any_sql(db_path, "UPDATE cases SET purged_at = '2026-02-01T00:00:00Z' WHERE id = ?1", 1,
                   "case-pg") != 1)
        return -1;
    return 0;
}

TS_STORE_CLOSE_FIXTURE(st)

static const ge_webhook_row *row_of(const ge_webhook_row *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id) return &v[i];
    return NULL;
}

static void test_states(void **state)
{
    ge_webhook_state s = GE_WEBHOOK_STATE_ANY;
    (void)state;

    assert_true(ge_webhook_state_parse("failed", &s));
    assert_int_equal(s, GE_WEBHOOK_STATE_FAILED);
    assert_true(ge_webhook_state_parse("pending", &s));
    assert_int_equal(s, GE_WEBHOOK_STATE_PENDING);
    assert_true(ge_webhook_state_parse("delivered", &s));
    assert_int_equal(s, GE_WEBHOOK_STATE_DELIVERED);
    assert_false(ge_webhook_state_parse("Failed", &s));
    assert_false(ge_webhook_state_parse("any", &s));
    assert_false(ge_webhook_state_parse("", &s));
    assert_false(ge_webhook_state_parse(NULL, &s));
    assert_string_equal(ge_webhook_state_name(GE_WEBHOOK_STATE_DELIVERED), "delivered");
}

static void test_list_and_count(void **state)
{
    ge_webhook_filter f = {.limit = 100};
    ge_webhook_row *v = NULL;
    const ge_webhook_row *r;
    ge_webhook_counts k;
    size_t n = 0;
    ge_err err;
    (void)state;
    if (!st) skip();

    /* everything, newest first */
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_OK);
    assert_int_equal(n, 5);
    for (size_t i = 1; i < n; i++)
        assert_true(v[i - 1].id > v[i].id);
    r = row_of(v, n, d_a1);
    assert_non_null(r);
    assert_int_equal(r->state, GE_WEBHOOK_STATE_FAILED);
    assert_int_equal(r->client_id, cl_a);
    assert_string_equal(r->client_name, "A");
    assert_false(r->client_revoked);
    assert_string_equal(r->case_id, "case-a1");
    assert_string_equal(r->from_status, "received");
    assert_string_equal(r->to_status, "in_review");
    assert_int_equal(r->attempts, 1);
    assert_string_equal(r->next_attempt_at, "");
    assert_string_equal(r->last_attempt_at, "2026-01-01T00:00:00Z");
    assert_int_equal(r->last_status, 410);
    assert_string_equal(r->last_error, "HTTP 410");
    assert_string_equal(r->failed_at, "2026-01-01T00:00:00Z");
    assert_string_equal(r->delivered_at, "");
    assert_string_equal(r->created_at, "2026-01-01T00:00:05Z");
    r = row_of(v, n, d_a2);
    assert_int_equal(r->state, GE_WEBHOOK_STATE_DELIVERED);
    assert_string_equal(r->last_error, "");
    assert_int_equal(r->last_status, 200);
    assert_string_equal(r->delivered_at, "2026-01-01T00:00:00Z");
    assert_true(row_of(v, n, d_r1)->client_revoked);
    free(v);

    /* one client's failed ones */
    f.state = GE_WEBHOOK_STATE_FAILED;
    f.client_id = cl_a;
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, d_pg);
    assert_int_equal(v[1].id, d_a1);
    free(v);

    /* the newest only */
    f = (ge_webhook_filter){.limit = 1};
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, d_r1);
    free(v);

    /* a client without deliveries, and out-of-range or unknown filters */
    f = (ge_webhook_filter){.limit = 10, .client_id = cl_plain};
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    free(v);
    f = (ge_webhook_filter){.limit = 0};
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "limit 0"));
    f.limit = GE_WEBHOOK_LIST_MAX + 1;
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_EINVAL);
    f = (ge_webhook_filter){.limit = 10, .client_id = 999};
    assert_int_equal(ge_store_webhooks_list(st, &f, &v, &n, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no client 999"));
    assert_null(v);

    assert_int_equal(ge_store_webhooks_count(st, 0, &k, &err), GE_OK);
    assert_int_equal(k.pending, 0);
    assert_int_equal(k.failed, 4);
    assert_int_equal(k.delivered, 1);
    assert_int_equal(ge_store_webhooks_count(st, cl_a, &k, &err), GE_OK);
    assert_int_equal(k.failed, 2);
    assert_int_equal(k.delivered, 1);
    assert_int_equal(ge_store_webhooks_count(st, 999, &k, &err), GE_ENOENT);
}

static void test_retry_by_id(void **state)
{
    int64_t ids[3];
    size_t retried = 99;
    ge_webhook_delivery *v = NULL;
    size_t n = 0;
    ge_err err;
    (void)state;
    if (!st) skip();

    /* all or nothing: an unknown id among them changes none */
    ids[0] = d_a1;
    ids[1] = 99999;
    assert_int_equal(ge_store_webhooks_retry(st, ids, 2, T0 + 60, &retried, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no webhook delivery 99999"));
    assert_int_equal(retried, 0);
    assert_int_equal(ts_any_sql_int(db_path,
                                    "SELECT count(*) FROM webhook_deliveries WHERE id = ?1"
                                    " AND failed_at IS NOT NULL AND attempts = 1",
                                    ts_pathf("%lld", (long long)d_a1)),
                     1);
    /* delivered, revoked client, purged case: refused, each saying why */
    ids[0] = d_a2;
    assert_int_equal(ge_store_webhooks_retry(st, ids, 1, T0 + 60, NULL, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "was delivered at 2026-01-01T00:00:00Z"));
    ids[0] = d_r1;
    assert_int_equal(ge_store_webhooks_retry(st, ids, 1, T0 + 60, NULL, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, ts_pathf("client %lld is revoked", (long long)cl_r)));
    ids[0] = d_pg;
    assert_int_equal(ge_store_webhooks_retry(st, ids, 1, T0 + 60, NULL, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "purged"));

    /* a repeated id counts once; attempts reset, due now, last result kept */
    ids[0] = d_a1;
    ids[1] = d_a1;
    assert_int_equal(ge_store_webhooks_retry(st, ids, 2, T0 + 60, &retried, &err), GE_OK);
    assert_int_equal(retried, 1);
    assert_int_equal(ts_any_sql_int(db_path,
                                    "SELECT count(*) FROM webhook_deliveries WHERE id = ?1"
                                    " AND failed_at IS NULL AND delivered_at IS NULL"
                                    " AND attempts = 0 AND last_status = 410"
                                    " AND next_attempt_at = '2026-01-01T00:01:00Z'",
                                    ts_pathf("%lld", (long long)d_a1)),
                     1);
    /* pending now: not again */
    assert_int_equal(ge_store_webhooks_retry(st, ids, 1, T0 + 60, NULL, &err), GE_ECONFLICT);
    assert_non_null(strstr(err.msg, "still pending (0 attempts so far)"));

    /* and the sender claims it when it is due, not before */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 30, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 120, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, d_a1);
    assert_int_equal(v[0].attempts, 0);
    assert_string_equal(v[0].case_id, "case-a1");
    ge_webhook_delivery_list_free(v, n);
}

static void test_retry_failed(void **state)
{
    ge_webhook_retry_stats s;
    ge_webhook_counts k;
    ge_err err;
    (void)state;
    if (!st) skip();

    /* B's only */
    assert_int_equal(ge_store_webhooks_retry_failed(st, cl_b, T0 + 300, &s, &err), GE_OK);
    assert_int_equal(s.retried, 1);
    assert_int_equal(s.unsendable, 0);
    assert_int_equal(ts_any_sql_int(db_path,
                                    "SELECT attempts FROM webhook_deliveries WHERE id = ?1"
                                    " AND failed_at IS NULL",
                                    ts_pathf("%lld", (long long)d_b1)),
                     0);
    /* the rest: A's a1 goes back; the revoked client's and the purged
     * case's stay failed */
    assert_int_equal(ge_store_webhooks_retry_failed(st, 0, T0 + 300, &s, &err), GE_OK);
    assert_int_equal(s.retried, 1);
    assert_int_equal(s.unsendable, 2);
    assert_int_equal(ge_store_webhooks_count(st, 0, &k, &err), GE_OK);
    assert_int_equal(k.failed, 2);
    assert_int_equal(k.pending, 2); /* a1 and b1 */
    assert_int_equal(k.delivered, 1);
    assert_int_equal(ge_store_webhooks_retry_failed(st, 999, T0 + 300, &s, &err), GE_ENOENT);
    assert_non_null(strstr(err.msg, "no client 999"));
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states),
        ON_BOTH(test_list_and_count),
        ON_BOTH(test_retry_by_id),
        ON_BOTH(test_retry_failed),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
