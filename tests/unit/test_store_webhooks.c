/*
 * test_store_webhooks.c - the webhook outbox of the store
 * (store_webhooks.h) on both backends (every case once on a SQLite file,
 * once on a PostGIS database; the PostGIS runs skip visibly without
 * PostgreSQL): the trigger queues one delivery
 * per status event for clients with a webhook URL only; a claim returns
 * what the request needs (with the case's version after the change, the
 * decision store's), oldest first, and leases the rows so that a second
 * claim does not get them again; a case's changes go one after the other;
 * nothing is claimed before its time, neither a fresh change nor a retry,
 * and a change the decision store records is due at once (its time is the
 * clock's, never ahead of it, however quick the changes); attempts are counted with the backoff and
 * the give-up rules of the policy; a release makes a row due again without
 * counting; the backoff doubles and stops at six hours. On PostGIS, two
 * senders with connections of their own (two instances) claiming at once
 * never get the same delivery.
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
#include "store_decisions.h"
#include "store_forms.h"
#include "store_webhooks.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"
#include "ts_store_any.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */
static char db_path[4096];
static int64_t client_hook, client_plain;

/* 2026-01-01T00:00:00Z */
#define T0 INT64_C(1767225600)

static void sql(const char *q, const char *a1, const char *a2, const char *a3)
{
    ts_any_sql(db_path, q, 3, a1, a2, a3);
}

static long long sql_int(const char *q, const char *a1)
{
    return ts_any_sql_int(db_path, q, a1);
}

static char *sql_text(const char *q, const char *a1)
{
    return ts_any_sql_text(db_path, q, a1);
}

/* A case of the client; reference may be NULL. */
static void add_case(const char *id, int64_t client, const char *reference)
{
    char cl[32];
    snprintf(cl, sizeof cl, "%lld", (long long)client);
    sql("INSERT INTO cases (id, client_id, service, reference, status, created_at, updated_at)"
        " VALUES (?1, CAST(?2 AS INTEGER), 'skip-container', ?3, 'received',"
        " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        id, cl, reference);
}

/* The case's status event received -> in_review at `at`, with a comment or NULL. */
static void add_status_event(const char *case_id, const char *at, const char *comment)
{
    sql("INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, comment)"
        " VALUES (?1, ?2, 'user:erika', 'status', 'received', 'in_review', ?3)",
        case_id, at, comment);
}

static int open_store(void **state)
{
    ge_err err;
    int rc = ts_store_open_on(*state, "store_webhooks", "w.db", &st, db_path);
    if (rc != 0) return rc < 0 ? -1 : 0;
    if (ge_store_client_add(st, "Hooked", "h1", "[]", "http://127.0.0.1:9/hook?token=abc",
                            "whsec_unit", time(NULL), &client_hook, &err) < 0 ||
        ge_store_client_add(st, "Plain", "h2", "[]", NULL, NULL, time(NULL), &client_plain, &err) <
            0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

TS_STORE_CLOSE_FIXTURE(st)

static void test_policy(void **state)
{
    (void)state;
    assert_true(ge_store_webhook_retryable(0));
    assert_true(ge_store_webhook_retryable(408));
    assert_true(ge_store_webhook_retryable(429));
    assert_true(ge_store_webhook_retryable(500));
    assert_true(ge_store_webhook_retryable(503));
    assert_false(ge_store_webhook_retryable(400));
    assert_false(ge_store_webhook_retryable(404));
    assert_false(ge_store_webhook_retryable(410));
    assert_false(ge_store_webhook_retryable(301));
    assert_int_equal(ge_store_webhook_backoff(30, 1), 30);
    assert_int_equal(ge_store_webhook_backoff(30, 2), 60);
    assert_int_equal(ge_store_webhook_backoff(30, 3), 120);
    assert_int_equal(ge_store_webhook_backoff(30, 8), 30 * 128);
    assert_int_equal(ge_store_webhook_backoff(30, 10), 15360);
    assert_int_equal(ge_store_webhook_backoff(30, 11), 21600);
    assert_int_equal(ge_store_webhook_backoff(30, 1000000), 21600);
    assert_int_equal(ge_store_webhook_backoff(86400, 1), 21600);
    assert_int_equal(ge_store_webhook_backoff(1, 1), 1);
    assert_string_equal(ge_webhook_outcome_name(GE_WEBHOOK_RETRY), "retry");
}

static void test_queue_claim_record(void **state)
{
    ge_webhook_delivery *v = NULL;
    ge_webhook_policy pol = {.max_attempts = 3, .retry_base_s = 10};
    ge_webhook_attempt fail500 = {.http_status = 500, .error = "HTTP 500"};
    ge_webhook_attempt ok200 = {.http_status = 200};
    ge_webhook_outcome o;
    size_t n = 0;
    int attempts = 0;
    int64_t next = 0, pending = 0;
    ge_err err;
    char *t;

    (void)state;
    if (!st) skip();
    add_case("case-a", client_hook, "AZ-1");
    add_case("case-b", client_hook, NULL);
    add_case("case-p", client_plain, "AZ-P");
    add_status_event("case-b", "2026-01-01T00:00:10Z", "Bitte prüfen \"hier\"");
    add_status_event("case-a", "2026-01-01T00:00:05Z", NULL);
    add_status_event("case-p", "2026-01-01T00:00:01Z", NULL);
    /* a submitted event queues nothing, nor does a client without URL */
    sql("INSERT INTO case_events (case_id, at, actor, action, to_status)"
        " VALUES (?1, '2026-01-01T00:00:00Z', 'client:1', 'submitted', 'received')",
        "case-a", NULL, NULL);
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries", NULL), 2);
    assert_int_equal(
        sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id = 'case-p'", NULL), 0);
    assert_int_equal(ge_store_webhooks_pending(st, &pending, &err), GE_OK);
    assert_int_equal(pending, 2);

    /* nothing due well before the events happened */
    assert_int_equal(ge_store_webhooks_claim(st, T0 - 20, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);

    /* oldest first, one at a time, with the request's content */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 20, 60, 1, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].case_id, "case-a");
    assert_string_equal(v[0].reference, "AZ-1");
    assert_string_equal(v[0].service, "skip-container");
    assert_string_equal(v[0].status, "in_review");
    assert_string_equal(v[0].previous_status, "received");
    assert_null(v[0].comment);
    assert_string_equal(v[0].at, "2026-01-01T00:00:05Z");
    assert_string_equal(v[0].url, "http://127.0.0.1:9/hook?token=abc");
    assert_string_equal(v[0].secret, "whsec_unit");
    assert_false(v[0].client_revoked);
    assert_int_equal(v[0].attempts, 0);
    /* one status event before it (its own): version 2; the later
     * 'submitted' row does not count */
    assert_int_equal(v[0].version, 2);
    int64_t id_a = v[0].id;
    ge_webhook_delivery_list_free(v, n);
    /* leased: the next claim gets only the other one, with a NULL reference */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 20, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].case_id, "case-b");
    assert_null(v[0].reference);
    assert_string_equal(v[0].comment, "Bitte prüfen \"hier\"");
    int64_t id_b = v[0].id;
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 21, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);

    /* a: 500, 500 -> retries after 10 s then 20 s; 500 again -> failed (3 attempts) */
    assert_int_equal(
        ge_store_webhook_record(st, id_a, T0 + 30, &fail500, &pol, &o, &attempts, &next, &err),
        GE_OK);
    assert_int_equal(o, GE_WEBHOOK_RETRY);
    assert_int_equal(attempts, 1);
    assert_int_equal(next, T0 + 40);
    t = sql_text("SELECT next_attempt_at || '|' || last_attempt_at || '|' || last_status || '|'"
                 " || last_error FROM webhook_deliveries WHERE case_id = 'case-a'",
                 NULL);
    assert_string_equal(t, "2026-01-01T00:00:40Z|2026-01-01T00:00:30Z|500|HTTP 500");
    free(t);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 39, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0); /* not due yet */
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 40, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].attempts, 1);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(
        ge_store_webhook_record(st, id_a, T0 + 41, &fail500, &pol, &o, &attempts, &next, &err),
        GE_OK);
    assert_int_equal(o, GE_WEBHOOK_RETRY);
    assert_int_equal(next, T0 + 41 + 20);
    assert_int_equal(
        ge_store_webhook_record(st, id_a, T0 + 70, &fail500, &pol, &o, &attempts, &next, &err),
        GE_OK);
    assert_int_equal(o, GE_WEBHOOK_FAILED);
    assert_int_equal(attempts, 3);
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id = 'case-a'"
                             " AND failed_at = '2026-01-01T00:01:10Z' AND delivered_at IS NULL",
                             NULL),
                     1);
    /* settled: another record is refused */
    assert_int_equal(ge_store_webhook_record(st, id_a, T0 + 71, &ok200, &pol, &o, NULL, NULL, &err),
                     GE_ENOENT);

    /* b: released (shutdown) -> due again, no attempt counted; then 200 -> delivered */
    assert_int_equal(ge_store_webhook_release(st, id_b, T0 + 22, &err), GE_OK);
    assert_int_equal(
        sql_int("SELECT attempts FROM webhook_deliveries WHERE case_id = 'case-b'", NULL), 0);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 22, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(
        ge_store_webhook_record(st, id_b, T0 + 23, &ok200, &pol, &o, &attempts, NULL, &err), GE_OK);
    assert_int_equal(o, GE_WEBHOOK_DELIVERED);
    assert_int_equal(attempts, 1);
    t = sql_text("SELECT delivered_at || '|' || last_status || '|' ||"
                 " coalesce(last_error, 'none') FROM webhook_deliveries WHERE case_id = 'case-b'",
                 NULL);
    assert_string_equal(t, "2026-01-01T00:00:23Z|200|none");
    free(t);
    assert_int_equal(ge_store_webhooks_pending(st, &pending, &err), GE_OK);
    assert_int_equal(pending, 0);
}

static void test_give_up_rules(void **state)
{
    ge_webhook_delivery *v = NULL;
    ge_webhook_policy pol = {.max_attempts = 8, .retry_base_s = 30};
    ge_webhook_attempt gone = {.http_status = 410, .error = "HTTP 410"};
    ge_webhook_attempt revoked = {.http_status = 0, .error = "client revoked", .permanent = true};
    ge_webhook_outcome o;
    size_t n = 0;
    ge_err err;

    (void)state;
    if (!st) skip();
    add_case("case-c", client_hook, "AZ-C");
    add_case("case-d", client_hook, "AZ-D");
    add_status_event("case-c", "2026-01-01T00:00:00Z", NULL);
    add_status_event("case-d", "2026-01-01T00:00:00Z", NULL);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 1, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 2);
    /* 410: failed after one attempt */
    assert_int_equal(
        ge_store_webhook_record(st, v[0].id, T0 + 2, &gone, &pol, &o, NULL, NULL, &err), GE_OK);
    assert_int_equal(o, GE_WEBHOOK_FAILED);
    /* a permanent failure wins over any status */
    assert_int_equal(
        ge_store_webhook_record(st, v[1].id, T0 + 2, &revoked, &pol, &o, NULL, NULL, &err), GE_OK);
    assert_int_equal(o, GE_WEBHOOK_FAILED);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id IN"
                             " ('case-c', 'case-d') AND failed_at IS NOT NULL AND attempts = 1",
                             NULL),
                     2);
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id = 'case-d'"
                             " AND last_status IS NULL AND last_error = 'client revoked'",
                             NULL),
                     1);
    /* a revoked client's row says so at the claim */
    sql("UPDATE clients SET revoked_at = '2026-01-01T00:00:00Z' WHERE name = 'Hooked'", NULL, NULL,
        NULL);
    add_case("case-e", client_hook, "AZ-E");
    add_status_event("case-e", "2026-01-01T00:00:00Z", NULL);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_true(v[0].client_revoked);
    assert_int_equal(
        ge_store_webhook_record(st, v[0].id, T0 + 3, &revoked, &pol, &o, NULL, NULL, &err), GE_OK);
    ge_webhook_delivery_list_free(v, n);
}

static void test_order_fresh_and_lease(void **state)
{
    ge_webhook_delivery *v = NULL;
    ge_webhook_policy pol = {.max_attempts = 8, .retry_base_s = 30};
    ge_webhook_attempt ok200 = {.http_status = 200};
    ge_webhook_attempt fail503 = {.http_status = 503, .error = "HTTP 503"};
    size_t n = 0;
    int64_t first;
    ge_err err;
    char *t;

    (void)state;
    if (!st) skip();
    sql("UPDATE clients SET revoked_at = NULL WHERE name = 'Hooked'", NULL, NULL, NULL);
    /* two quick changes of one case in the same second */
    add_case("case-f", client_hook, "AZ-F");
    add_status_event("case-f", "2026-01-01T01:00:00Z", "first");
    add_status_event("case-f", "2026-01-01T01:00:00Z", "second");
    /* not a second before their time */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3599, 1, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
    /* due at their time, but one per case, the older first */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3600, 1, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].comment, "first");
    assert_int_equal(v[0].version, 2);
    first = v[0].id;
    ge_webhook_delivery_list_free(v, n);
    /* the lease is at least GE_WEBHOOK_LEASE_MIN_S even when asked for 1 s */
    t = sql_text("SELECT next_attempt_at FROM webhook_deliveries WHERE case_id = 'case-f'"
                 " ORDER BY id LIMIT 1",
                 NULL);
    assert_string_equal(t, "2026-01-01T01:00:30Z");
    free(t);
    /* while the first is pending (leased, then retried), the second waits */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3600, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(
        ge_store_webhook_record(st, first, T0 + 3601, &fail503, &pol, NULL, NULL, NULL, &err),
        GE_OK);
    /* a retry is never early: due at +30 s, not claimable at +25 s */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3601 + 25, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3601 + 30, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, first);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(
        ge_store_webhook_record(st, first, T0 + 3632, &ok200, &pol, NULL, NULL, NULL, &err), GE_OK);
    /* delivered: now the second */
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 3632, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].comment, "second");
    assert_int_equal(v[0].version, 3); /* same second as the first, one version on */
    assert_int_equal(
        ge_store_webhook_record(st, v[0].id, T0 + 3633, &ok200, &pol, NULL, NULL, NULL, &err),
        GE_OK);
    ge_webhook_delivery_list_free(v, n);
    /* a receiver's Retry-After longer than the backoff is kept to, within the cap */
    {
        ge_webhook_attempt busy = {.http_status = 429, .error = "HTTP 429", .retry_after_s = 120};
        ge_webhook_attempt huge = {
            .http_status = 503, .error = "HTTP 503", .retry_after_s = 10 * 86400};
        ge_webhook_attempt shorter = {.http_status = 503, .error = "HTTP 503", .retry_after_s = 5};
        int64_t next = 0, id;
        add_case("case-h", client_hook, "AZ-H");
        add_status_event("case-h", "2026-01-01T00:00:00Z", NULL);
        assert_int_equal(ge_store_webhooks_claim(st, T0 + 3700, 60, 8, &v, &n, &err), GE_OK);
        assert_int_equal(n, 1);
        id = v[0].id;
        ge_webhook_delivery_list_free(v, n);
        assert_int_equal(
            ge_store_webhook_record(st, id, T0 + 3700, &busy, &pol, NULL, NULL, &next, &err),
            GE_OK);
        assert_int_equal(next, T0 + 3700 + 120);
        assert_int_equal(
            ge_store_webhook_record(st, id, T0 + 3900, &shorter, &pol, NULL, NULL, &next, &err),
            GE_OK);
        assert_int_equal(next, T0 + 3900 + 60); /* the backoff (30 x 2) is longer */
        assert_int_equal(
            ge_store_webhook_record(st, id, T0 + 4000, &huge, &pol, NULL, NULL, &next, &err),
            GE_OK);
        assert_int_equal(next, T0 + 4000 + GE_WEBHOOK_BACKOFF_MAX_S);
        assert_int_equal(
            ge_store_webhook_record(st, id, T0 + 4001, &ok200, &pol, NULL, NULL, NULL, &err),
            GE_OK);
    }
    /* a fresh change is not claimed a second before its time (there is no
     * window ahead of the clock), and is at its time */
    add_case("case-g", client_hook, "AZ-G");
    add_status_event("case-g", "2026-01-01T02:00:00Z", NULL);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 7200 - 1, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
    assert_int_equal(ge_store_webhooks_claim(st, T0 + 7200, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].case_id, "case-g");
    assert_int_equal(
        ge_store_webhook_record(st, v[0].id, T0 + 7200, &ok200, &pol, NULL, NULL, NULL, &err),
        GE_OK);
    ge_webhook_delivery_list_free(v, n);
}

/* RFC 3339 UTC as the store writes it -> Unix seconds; -1 when not that. */
static int64_t unix_time(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!text || strlen(text) != 20 ||
        sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/*
 * The guarantee that replaced the claim's window ahead of the clock: a
 * status change made by the decision store (as PATCH /v1/cases/{id} makes
 * it) records the clock's time, never a later one, however quickly changes
 * of one case follow each other, so the sender's next claim with the clock's
 * time takes its delivery at once. Before migration 8 the decision store
 * pushed the second change of a second one second ahead, and without the
 * window its delivery would have waited.
 */
static void test_decision_due_at_once(void **state)
{
    static const ge_case_status steps[] = {GE_CASE_IN_REVIEW, GE_CASE_CHANGES_REQUESTED,
                                           GE_CASE_IN_REVIEW, GE_CASE_CHANGES_REQUESTED,
                                           GE_CASE_IN_REVIEW, GE_CASE_APPROVED};
    ge_webhook_policy pol = {.max_attempts = 8, .retry_base_s = 30};
    ge_webhook_attempt ok200 = {.http_status = 200};
    ge_webhook_delivery *v = NULL;
    size_t n = 0;
    ge_err err;

    (void)state;
    if (!st) skip();
    /* what the tests before left pending (at times long past) is settled,
     * so that each claim below can only find the change just made */
    sql("UPDATE webhook_deliveries SET failed_at = '2026-01-01T00:00:00Z'"
        " WHERE delivered_at IS NULL AND failed_at IS NULL",
        NULL, NULL, NULL);
    add_case("case-now", client_hook, "AZ-NOW");
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        ge_status_change in = {
            .case_id = "case-now", .to = steps[i], .comment = "Schritt", .actor = "user:erika"};
        ge_status_result r;
        int64_t before = (int64_t)time(NULL), after, at;
        char *event_at;

        assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
        assert_int_equal(r.outcome, GE_DECISION_OK);
        after = (int64_t)time(NULL);
        assert_int_equal(r.version, (int64_t)i + 2);
        /* the recorded time lies between the clock before and after */
        at = unix_time(r.updated_at);
        assert_true(at >= before);
        assert_true(at <= after);
        event_at = sql_text("SELECT at FROM case_events WHERE case_id = 'case-now'"
                            " ORDER BY id DESC LIMIT 1",
                            NULL);
        assert_string_equal(event_at, r.updated_at);
        free(event_at);
        /* claimed at once with the clock's time, and it is this change */
        assert_int_equal(ge_store_webhooks_claim(st, after, 60, 8, &v, &n, &err), GE_OK);
        assert_int_equal(n, 1);
        assert_int_equal(v[0].event_id, r.event_id);
        assert_string_equal(v[0].status, ge_case_status_name(steps[i]));
        assert_string_equal(v[0].at, r.updated_at);
        /* the version the decision store wrote, which the case's ETag names */
        assert_int_equal(v[0].version, r.version);
        assert_int_equal(v[0].version,
                         sql_int("SELECT version FROM cases WHERE id = 'case-now'", NULL));
        assert_int_equal(
            ge_store_webhook_record(st, v[0].id, after, &ok200, &pol, NULL, NULL, NULL, &err),
            GE_OK);
        ge_webhook_delivery_list_free(v, n);
    }
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries WHERE case_id = 'case-now'"
                             " AND delivered_at IS NOT NULL",
                             NULL),
                     (long long)(sizeof steps / sizeof steps[0]));
}

/*
 * A case written before migration 8 (schema 7 had no version) got its
 * version from its events when the store was migrated; the deliveries of
 * its old changes, still pending, and of a change after the migration
 * carry the versions that numbering and the decision store give: 2, 3,
 * then the decision's own, which the case's ETag names.
 */
static void test_versions_of_a_migrated_case(void **state)
{
    ge_webhook_policy pol = {.max_attempts = 8, .retry_base_s = 30};
    ge_webhook_attempt ok200 = {.http_status = 200};
    ge_status_change in = {.case_id = "case-m",
                           .to = GE_CASE_CHANGES_REQUESTED,
                           .comment = "Bitte Lage prüfen",
                           .actor = "user:erika"};
    ge_status_result r;
    ge_webhook_delivery *v = NULL;
    size_t n = 0;
    ge_err err;
    int64_t now = (int64_t)time(NULL);

    (void)state;
    if (!st) skip();
    sql("UPDATE webhook_deliveries SET failed_at = '2026-01-01T00:00:00Z'"
        " WHERE delivered_at IS NULL AND failed_at IS NULL",
        NULL, NULL, NULL);
    /* the history as schema 7 wrote it: submitted and two status changes
     * (both written as received -> in_review here: only their number
     * matters), the version column not yet counted */
    add_case("case-m", client_hook, "AZ-M");
    sql("INSERT INTO case_events (case_id, at, actor, action, to_status)"
        " VALUES (?1, '2026-01-01T03:00:00Z', 'client:1', 'submitted', 'received')",
        "case-m", NULL, NULL);
    add_status_event("case-m", "2026-01-01T03:00:01Z", NULL);
    add_status_event("case-m", "2026-01-01T03:00:01Z", "wieder");
    sql("UPDATE cases SET status = 'in_review', version = 1 WHERE id = ?1", "case-m", NULL, NULL);
    /* migration 8's numbering of existing cases */
    sql("UPDATE cases SET version = 1 + (SELECT count(*) FROM case_events e"
        " WHERE e.case_id = cases.id AND e.action IN ('status', 'purged')) WHERE id = ?1",
        "case-m", NULL, NULL);
    assert_int_equal(sql_int("SELECT version FROM cases WHERE id = ?1", "case-m"), 3);
    /* a decision after the migration */
    assert_int_equal(ge_store_case_set_status(st, &in, time(NULL), &r, &err), GE_OK);
    assert_int_equal(r.outcome, GE_DECISION_OK);
    assert_int_equal(r.version, 4);
    /* one at a time in order, each with the version its change made */
    for (int64_t want = 2; want <= 4; want++) {
        assert_int_equal(ge_store_webhooks_claim(st, now + 1, 60, 8, &v, &n, &err), GE_OK);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].case_id, "case-m");
        assert_int_equal(v[0].version, want);
        if (want == 4) assert_int_equal(v[0].event_id, r.event_id);
        assert_int_equal(
            ge_store_webhook_record(st, v[0].id, now + 1, &ok200, &pol, NULL, NULL, NULL, &err),
            GE_OK);
        ge_webhook_delivery_list_free(v, n);
    }
    assert_int_equal(ge_store_webhooks_claim(st, now + 1, 60, 8, &v, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    ge_webhook_delivery_list_free(v, n);
}

/* One sender of the race below: its own store (its own pool and
 * connection, as another instance has), claiming a few at a time and
 * recording each claimed delivery as delivered, until nothing is pending. */
typedef struct claimer {
    const char *conninfo;
    pthread_barrier_t *start;
    int64_t *got; /* the ids it claimed, in order */
    size_t n, cap;
    int rc;
    char msg[256];
} claimer;

static void *claimer_run(void *arg)
{
    claimer *cl = arg;
    ge_store_opts o = {.path = cl->conninfo, .srid = 25832};
    ge_webhook_policy pol = {.max_attempts = 8, .retry_base_s = 30};
    ge_webhook_attempt ok200 = {.http_status = 200};
    ge_store *s = NULL;
    ge_err err;

    cl->rc = ge_store_open(&s, &o, &err);
    pthread_barrier_wait(cl->start);
    for (int round = 0; cl->rc == GE_OK && round < 100000; round++) {
        ge_webhook_delivery *v = NULL;
        size_t n = 0;
        int64_t pending = 0;
        cl->rc = ge_store_webhooks_claim(s, T0 + 60, 600, 3, &v, &n, &err);
        for (size_t i = 0; cl->rc == GE_OK && i < n; i++) {
            if (cl->n == cl->cap) {
                cl->cap = cl->cap ? 2 * cl->cap : 64;
                cl->got = realloc(cl->got, cl->cap * sizeof *cl->got);
            }
            cl->got[cl->n++] = v[i].id;
            cl->rc =
                ge_store_webhook_record(s, v[i].id, T0 + 60, &ok200, &pol, NULL, NULL, NULL, &err);
        }
        ge_webhook_delivery_list_free(v, n);
        if (cl->rc == GE_OK && n == 0) {
            cl->rc = ge_store_webhooks_pending(s, &pending, &err);
            if (cl->rc == GE_OK && pending == 0) break;
        }
    }
    if (cl->rc != GE_OK) snprintf(cl->msg, sizeof cl->msg, "%s", err.msg);
    ge_store_close(s);
    return NULL;
}

/*
 * Two instances on one PostGIS send from one outbox: each claims with its
 * own connection at the same time, and no delivery goes to both (FOR UPDATE
 * SKIP LOCKED and the lease in one statement); every delivery goes out, and
 * the second change of a case only after the first was delivered.
 */
static void test_two_claimers_never_share(void **state)
{
    enum { CASES = 120 };
    pthread_barrier_t start;
    pthread_t th[2];
    claimer cl[2];
    char id[32];
    long long total;

    (void)state;
    if (!st) skip();
    for (int i = 0; i < CASES; i++) {
        snprintf(id, sizeof id, "case-%03d", i);
        add_case(id, client_hook, id);
        add_status_event(id, "2026-01-01T00:00:00Z", "first");
        if (i % 3 == 0) add_status_event(id, "2026-01-01T00:00:00Z", "second");
    }
    total = sql_int("SELECT count(*) FROM webhook_deliveries", NULL);
    assert_int_equal(total, CASES + CASES / 3);
    pthread_barrier_init(&start, NULL, 2);
    for (int i = 0; i < 2; i++) {
        memset(&cl[i], 0, sizeof cl[i]);
        cl[i].conninfo = db_path;
        cl[i].start = &start;
        assert_int_equal(pthread_create(&th[i], NULL, claimer_run, &cl[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < 2; i++)
        if (cl[i].rc != GE_OK) fail_msg("claimer %d: %s", i, cl[i].msg);
    printf("claimer 0 got %zu, claimer 1 got %zu of %lld deliveries\n", cl[0].n, cl[1].n, total);
    /* each delivery claimed once in all: no id twice, none missing */
    assert_int_equal((long long)(cl[0].n + cl[1].n), total);
    for (size_t i = 0; i < cl[0].n; i++) {
        for (size_t j = 0; j < cl[1].n; j++)
            assert_true(cl[0].got[i] != cl[1].got[j]);
        for (size_t j = i + 1; j < cl[0].n; j++)
            assert_true(cl[0].got[i] != cl[0].got[j]);
    }
    for (size_t i = 0; i < cl[1].n; i++)
        for (size_t j = i + 1; j < cl[1].n; j++)
            assert_true(cl[1].got[i] != cl[1].got[j]);
    assert_int_equal(sql_int("SELECT count(*) FROM webhook_deliveries"
                             " WHERE delivered_at IS NOT NULL AND attempts = 1",
                             NULL),
                     total);
    free(cl[0].got);
    free(cl[1].got);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy),
        ON_BOTH(test_queue_claim_record),
        ON_BOTH(test_give_up_rules),
        ON_BOTH(test_order_fresh_and_lease),
        ON_BOTH(test_decision_due_at_once),
        ON_BOTH(test_versions_of_a_migrated_case),
        cmocka_unit_test_prestate_setup_teardown(test_two_claimers_never_share, open_store,
                                                 close_store, TS_STORE_POSTGIS),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
