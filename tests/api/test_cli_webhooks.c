/*
 * test_cli_webhooks.c - "geoeditor webhooks list|retry" and the webhook
 * metrics, with the real binary on a real store that a real server is
 * running on, and a real receiver (ts_receiver.h) that fails and then
 * succeeds.
 *
 * The server gives up after two attempts (webhook_max_attempts 2, retry
 * base 1 s). /flaky answers 500, 500, then 200: a delivery fails, "retry ID"
 * puts it back, and the running server delivers it on its own (same
 * delivery id, same body). /gone answers 410 twice, then 200: two cases'
 * deliveries fail at their first attempt and "retry --failed --client ID"
 * takes those of that client only. /always410 never accepts; its client is
 * revoked and its delivery then stays failed. /hang holds its requests
 * (webhook_timeout 30 s), which keeps deliveries pending for the gauge.
 *
 * Checks: the table and the JSON of list (members, values, filters,
 * counts), retry by id and in bulk, that a delivered, pending, unknown or
 * revoked client's delivery is refused with a message naming it and
 * nothing changes, usage errors with exit status 2, and the values of
 * geoeditor_webhook_attempts_total{outcome} and
 * geoeditor_webhook_deliveries_pending after the deliveries.
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
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_receiver.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define ADMIN          "wh-admin"
#define ADMIN_PASSWORD "webhooks-cli-password-1"

static const ts_rx_route routes[] = {
    {.path = "/flaky", .statuses = {500, 500, 200}},
    {.path = "/gone", .statuses = {410, 410, 200}},
    {.path = "/always410", .statuses = {410}},
    {.path = "/hang", .hang = true},
};

static ts_server srv;
static ts_review_session admin;

typedef struct client {
    char name[32];
    char key[128];
    long long id;
} client;

static client c_flaky, c_gone, c_always, c_hang;

/* ---- helpers ----------------------------------------------------------- */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int client_add(const char *name, const char *path, client *c)
{
    char url[256];

    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", ts_rx_port(), path);
    if (ts_review_client_with_webhook(srv.db, name, url, c->key, NULL) != 0) return -1;
    c->id = ts_forms_sql_int(srv.db, "SELECT id FROM clients WHERE name = ?1", name);
    return c->id > 0 ? 0 : -1;
}

/* A new case of the client, moved received -> in_review by the admin
 * (PATCH /v1/cases/{id}), which queues one delivery. Its id. */
static long long new_delivery(const client *c, char *case_id)
{
    ts_http_resp r;

    assert_int_equal(ts_review_case(&srv, c->key, 13.31, 52.585, "Erika", case_id), 0);
    assert_int_equal(ts_review_call(&srv, "PATCH", ts_pathf("/v1/cases/%s", case_id), admin.cookie,
                                    admin.csrf, NULL, "{\"status\":\"in_review\"}", &r),
                     0);
    if (r.status != 200) fail_msg("PATCH: %ld %s", r.status, r.body);
    ts_http_resp_free(&r);
    return ts_forms_sql_int(srv.db, "SELECT id FROM webhook_deliveries WHERE case_id = ?1",
                            case_id);
}

static const char *id_text(long long id)
{
    return ts_pathf("%lld", id);
}

/* The state of delivery id: "pending", "failed", "delivered" by its columns. */
static const char *state_of(long long id)
{
    return ts_review_sql_text(srv.db,
                              "SELECT CASE WHEN delivered_at IS NOT NULL THEN 'delivered'"
                              " WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END"
                              " FROM webhook_deliveries WHERE id = ?1",
                              id_text(id));
}

static bool wait_state(long long id, const char *state, int timeout_s)
{
    double until = mono() + timeout_s;

    while (strcmp(state_of(id), state) != 0) {
        if (mono() > until) return false;
        usleep(50000);
    }
    return true;
}

/* "geoeditor webhooks ARGS... --db <store>"; args end with NULL. */
static void wh(ts_run_result *r, ...)
{
    const char *argv[32] = {NULL, "webhooks"};
    size_t n = 2;
    const char *a;
    va_list ap;

    va_start(ap, r);
    while ((a = va_arg(ap, const char *)) != NULL && n < 28)
        argv[n++] = a;
    va_end(ap);
    argv[n++] = "--db";
    argv[n++] = srv.db;
    argv[n] = NULL;
    assert_int_equal(ts_run(r, NULL, argv), 0);
}

/* list --json with the given filter arguments (NULL-terminated, up to 6). */
static json_t *list_json(const char *a1, const char *a2, const char *a3, const char *a4)
{
    ts_run_result r;
    json_t *doc;

    wh(&r, "list", "--json", a1, a2, a3, a4, NULL);
    if (r.status != 0) fail_msg("list --json: %d %s", r.status, r.err);
    doc = json_loads(r.out, 0, NULL);
    if (!doc) fail_msg("list --json printed no JSON: %s", r.out);
    ts_run_free(&r);
    return doc;
}

/* The delivery with this id in a list --json document, or NULL. */
static json_t *find(json_t *doc, long long id)
{
    size_t i;
    json_t *d;

    json_array_foreach(json_object_get(doc, "deliveries"), i,
                       d) if (json_integer_value(json_object_get(d, "id")) == id) return d;
    return NULL;
}

/* The line of the table that starts with this delivery id, copied. */
static char *table_line(const char *out, long long id)
{
    char prefix[32];
    const char *p = out;

    snprintf(prefix, sizeof prefix, "%lld ", id);
    while (p && *p) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) return strndup(p, strcspn(p, "\n"));
        p = strchr(p, '\n');
        if (p) p++;
    }
    return NULL;
}

static double metric(const char *series)
{
    return ts_metric(&srv, series);
}

#define DELIVERED "geoeditor_webhook_attempts_total{outcome=\"delivered\"}"
#define RETRY     "geoeditor_webhook_attempts_total{outcome=\"retry\"}"
#define FAILED    "geoeditor_webhook_attempts_total{outcome=\"failed\"}"
#define PENDING   "geoeditor_webhook_deliveries_pending"

/* Waits until a counter reaches want (it moves just after the store row). */
static double wait_metric(const char *series, double want, int timeout_s)
{
    return ts_metric_wait_at_least(&srv, series, want, timeout_s);
}

/* ---- setup --------------------------------------------------------------- */

static int setup(void **state)
{
    static const char *const args[] = {"--webhook-retry-base",
                                       "1",
                                       "--webhook-max-attempts",
                                       "2",
                                       "--webhook-timeout",
                                       "30",
                                       "--shutdown-grace",
                                       "2",
                                       NULL};
    ts_server_opts o = {.args = args};
    (void)state;

    if (ts_rx_start(routes, sizeof routes / sizeof routes[0]) != 0) return -1;
    if (ts_server_start(&srv, "cli_webhooks", &o) != 0) return -1;
    if (client_add("Flaky", "/flaky", &c_flaky) != 0 || client_add("Gone", "/gone", &c_gone) != 0 ||
        client_add("Always410", "/always410", &c_always) != 0 ||
        client_add("Hang", "/hang", &c_hang) != 0)
        return -1;
    if (ts_review_user_add(srv.db, ADMIN, "admin", NULL, ADMIN_PASSWORD) != 0) return -1;
    if (ts_review_login(&srv, ADMIN, ADMIN_PASSWORD, &admin) != 200) return -1;
    return 0;
}

static int teardown(void **state)
{
    int rc;
    (void)state;
    /* First the receiver: it lets hanging requests answer, so the server
     * has nothing in flight when it is asked to stop. */
    ts_rx_stop();
    rc = ts_server_stop(&srv);
    return rc == 0 ? 0 : -1;
}

/* ---- the tests ------------------------------------------------------------- */

static void test_empty_outbox_and_metrics_at_zero(void **state)
{
    ts_run_result r;
    json_t *doc;
    (void)state;

    wh(&r, "list", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "(no webhook deliveries)"));
    assert_non_null(strstr(r.out, "0 shown; 0 pending, 0 failed, 0 delivered"));
    ts_run_free(&r);
    doc = list_json(NULL, NULL, NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 0);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "failed")),
                     0);
    json_decref(doc);
    /* every outcome is a series from the start, and the gauge reads the store */
    assert_true(metric(DELIVERED) == 0);
    assert_true(metric(RETRY) == 0);
    assert_true(metric(FAILED) == 0);
    assert_true(metric(PENDING) == 0);
}

static void test_failed_delivery_retried_by_id(void **state)
{
    char case_id[64], *line;
    long long id;
    ts_run_result r;
    json_t *doc, *d;
    ts_rx_hit first, third;
    double delivered0 = metric(DELIVERED), retry0 = metric(RETRY), failed0 = metric(FAILED);
    (void)state;

    /* 500, then 500 a second later: given up after webhook_max_attempts 2 */
    id = new_delivery(&c_flaky, case_id);
    assert_true(id > 0);
    if (!wait_state(id, "failed", 20)) fail_msg("delivery %lld did not fail", id);
    assert_int_equal(ts_rx_count("/flaky"), 2);
    assert_true(wait_metric(FAILED, failed0 + 1, 5) == failed0 + 1);
    assert_true(metric(RETRY) == retry0 + 1);
    assert_true(metric(DELIVERED) == delivered0);

    /* the table: one line per delivery with its state, client, case, change,
     * attempts, no next attempt, the last result */
    wh(&r, "list", "--status", "failed", NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(strncmp(r.out, "ID", 2), 0);
    {
        const char *cols[] = {"STATE",    "CLIENT",       "CASE",        "EVENT",
                              "ATTEMPTS", "NEXT ATTEMPT", "LAST RESULT", "CREATED"};
        const char *p = r.out;
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            const char *q = strstr(p, cols[i]);
            if (!q || q > r.out + strcspn(r.out, "\n")) fail_msg("heading %s missing", cols[i]);
            p = q;
        }
    }
    line = table_line(r.out, id);
    if (!line) fail_msg("no line for delivery %lld in:\n%s", id, r.out);
    assert_non_null(strstr(line, " failed "));
    assert_non_null(strstr(line, ts_pathf(" Flaky (%lld) ", c_flaky.id)));
    assert_non_null(strstr(line, case_id));
    assert_non_null(strstr(line, " received -> in_review "));
    assert_non_null(strstr(line, "  2  "));
    assert_non_null(strstr(line, "  -  "));
    assert_non_null(strstr(line, "HTTP 500"));
    free(line);
    assert_non_null(strstr(r.out, "1 shown; "));
    ts_run_free(&r);

    /* the same as JSON, with every member */
    doc = list_json("--status", "failed", "--client", ts_pathf("%lld", c_flaky.id));
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 1);
    d = find(doc, id);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "status")), "failed");
    assert_int_equal(json_integer_value(json_object_get(d, "client_id")), c_flaky.id);
    assert_string_equal(json_string_value(json_object_get(d, "client")), "Flaky");
    assert_true(json_is_false(json_object_get(d, "client_revoked")));
    assert_string_equal(json_string_value(json_object_get(d, "case_id")), case_id);
    assert_string_equal(json_string_value(json_object_get(d, "event")), "case.status_changed");
    assert_string_equal(json_string_value(json_object_get(d, "previous_case_status")), "received");
    assert_string_equal(json_string_value(json_object_get(d, "case_status")), "in_review");
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 2);
    assert_true(json_is_null(json_object_get(d, "next_attempt_at")));
    assert_int_equal(strlen(json_string_value(json_object_get(d, "last_attempt_at"))), 20);
    assert_int_equal(json_integer_value(json_object_get(d, "last_http_status")), 500);
    assert_string_equal(json_string_value(json_object_get(d, "last_error")), "HTTP 500");
    assert_true(json_is_null(json_object_get(d, "delivered_at")));
    assert_int_equal(strlen(json_string_value(json_object_get(d, "failed_at"))), 20);
    assert_int_equal(strlen(json_string_value(json_object_get(d, "created_at"))), 20);
    assert_int_equal(json_object_size(d), 17);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "failed")),
                     1);
    json_decref(doc);

    /* retry: back to pending, and the running server delivers it (200 now) */
    wh(&r, "retry", id_text(id), NULL);
    if (r.status != 0) fail_msg("retry: %d %s", r.status, r.err);
    assert_non_null(strstr(r.out, ts_pathf("1 failed delivery put back to pending: %lld\n", id)));
    ts_run_free(&r);
    if (!ts_rx_wait("/flaky", 3, 20)) fail_msg("the retried delivery did not arrive");
    if (!wait_state(id, "delivered", 10)) fail_msg("delivery %lld not recorded delivered", id);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT attempts * 1000 + last_status FROM"
                                      " webhook_deliveries WHERE id = ?1",
                                      id_text(id)),
                     1200);
    /* the same delivery and body as before, signed anew */
    first = ts_rx_get("/flaky", 0);
    third = ts_rx_get("/flaky", 2);
    assert_string_equal(third.delivery, id_text(id));
    assert_string_equal(first.delivery, third.delivery);
    assert_string_equal(first.body, third.body);
    assert_true(wait_metric(DELIVERED, delivered0 + 1, 5) == delivered0 + 1);
    assert_true(metric(FAILED) == failed0 + 1);
    assert_true(metric(RETRY) == retry0 + 1);

    /* listed as delivered now */
    doc = list_json("--status", "delivered", NULL, NULL);
    d = find(doc, id);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "status")), "delivered");
    assert_int_equal(json_integer_value(json_object_get(d, "last_http_status")), 200);
    assert_true(json_is_null(json_object_get(d, "last_error")));
    assert_true(json_is_null(json_object_get(d, "failed_at")));
    json_decref(doc);
    doc = list_json("--status", "failed", NULL, NULL);
    assert_null(find(doc, id));
    json_decref(doc);

    /* a delivered one is not retried, and says why */
    wh(&r, "retry", id_text(id), NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, ts_pathf("webhook delivery %lld was delivered at", id)));
    assert_non_null(strstr(r.err, "nothing was changed"));
    ts_run_free(&r);
    assert_int_equal(ts_rx_count("/flaky"), 3);
}

static void test_retry_failed_of_one_client(void **state)
{
    char case1[64], case2[64], case3[64];
    long long g1, g2, a1;
    ts_run_result r;
    json_t *doc, *d;
    double delivered0 = metric(DELIVERED), failed0 = metric(FAILED);
    (void)state;

    /* /gone answers 410 twice, then 200; /always410 always 410: each
     * delivery fails after its first attempt */
    g1 = new_delivery(&c_gone, case1);
    g2 = new_delivery(&c_gone, case2);
    a1 = new_delivery(&c_always, case3);
    assert_true(g1 > 0 && g2 > g1 && a1 > g2);
    if (!wait_state(g1, "failed", 20) || !wait_state(g2, "failed", 20) ||
        !wait_state(a1, "failed", 20))
        fail_msg("the 410 deliveries did not fail");
    assert_true(wait_metric(FAILED, failed0 + 3, 5) == failed0 + 3);

    /* filters: one client's failed ones; everyone's; the newest only */
    doc = list_json("--status", "failed", "--client", ts_pathf("%lld", c_gone.id));
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 2);
    d = json_array_get(json_object_get(doc, "deliveries"), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "id")), g2); /* newest first */
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "last_http_status")), 410);
    assert_non_null(find(doc, g1));
    assert_null(find(doc, a1));
    json_decref(doc);
    doc = list_json("--status", "failed", NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "failed")),
                     3);
    json_decref(doc);
    doc = list_json("--limit", "1", NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 1);
    assert_non_null(find(doc, a1));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(doc, "counts"), "delivered")), 1);
    json_decref(doc);

    /* one unknown id among several: nothing is retried */
    wh(&r, "retry", id_text(g1), "99999999", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no webhook delivery 99999999"));
    assert_non_null(strstr(r.err, "nothing was changed"));
    assert_string_equal(r.out, "");
    ts_run_free(&r);
    assert_string_equal(state_of(g1), "failed");

    /* every failed one of Gone, and only those */
    wh(&r, "retry", "--failed", "--client", ts_pathf("%lld", c_gone.id), NULL);
    if (r.status != 0) fail_msg("retry --failed: %d %s", r.status, r.err);
    assert_non_null(strstr(r.out, "2 failed deliveries of this client put back to pending\n"));
    ts_run_free(&r);
    if (!wait_state(g1, "delivered", 20) || !wait_state(g2, "delivered", 20))
        fail_msg("the retried deliveries were not delivered");
    assert_int_equal(ts_rx_count("/gone"), 4);
    assert_true(wait_metric(DELIVERED, delivered0 + 2, 5) == delivered0 + 2);
    assert_string_equal(state_of(a1), "failed");
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT attempts FROM webhook_deliveries WHERE id = ?1",
                                      id_text(a1)),
                     1);

    /* a revoked client's delivery stays failed: by id it is refused, in
     * bulk it is counted and left */
    {
        const char *argv[] = {
            NULL, "client", "revoke", "--db", srv.db, ts_pathf("%lld", c_always.id), NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_int_equal(r.status, 0);
        ts_run_free(&r);
    }
    wh(&r, "retry", id_text(a1), NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(
        strstr(r.err, ts_pathf("webhook delivery %lld: client %lld is revoked", a1, c_always.id)));
    ts_run_free(&r);
    wh(&r, "retry", "--failed", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "0 failed deliveries put back to pending; 1 left failed"));
    ts_run_free(&r);
    doc = list_json("--status", "failed", NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 1);
    assert_true(json_is_true(json_object_get(find(doc, a1), "client_revoked")));
    json_decref(doc);
    wh(&r, "list", "--status", "failed", NULL);
    assert_non_null(strstr(r.out, ts_pathf("Always410 (%lld, revoked)", c_always.id)));
    ts_run_free(&r);
    usleep(1500000);
    assert_int_equal(ts_rx_count("/always410"), 1);
    assert_string_equal(state_of(a1), "failed");
}

static void test_pending_deliveries(void **state)
{
    char case1[64], case2[64];
    long long h1, h2;
    ts_run_result r;
    json_t *doc, *d;
    char *line;
    (void)state;

    /* /hang holds both requests: the deliveries stay pending, claimed */
    h1 = new_delivery(&c_hang, case1);
    h2 = new_delivery(&c_hang, case2);
    if (!ts_rx_wait("/hang", 2, 20)) fail_msg("the deliveries did not reach /hang");
    assert_true(metric(PENDING) == 2);
    assert_int_equal(ts_forms_sql_int(srv.db,
                                      "SELECT count(*) FROM webhook_deliveries"
                                      " WHERE delivered_at IS NULL AND failed_at IS NULL",
                                      NULL),
                     2);

    doc = list_json("--status", "pending", NULL, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "deliveries")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "counts"), "pending")),
                     2);
    d = find(doc, h1);
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "status")), "pending");
    assert_int_equal(json_integer_value(json_object_get(d, "attempts")), 0);
    /* claimed: due again only when the lease ends */
    assert_int_equal(strlen(json_string_value(json_object_get(d, "next_attempt_at"))), 20);
    assert_true(json_is_null(json_object_get(d, "last_attempt_at")));
    assert_true(json_is_null(json_object_get(d, "last_http_status")));
    assert_true(json_is_null(json_object_get(d, "last_error")));
    assert_non_null(find(doc, h2));
    json_decref(doc);

    wh(&r, "list", "--status", "pending", NULL);
    line = table_line(r.out, h2);
    assert_non_null(line);
    assert_non_null(strstr(line, " pending "));
    assert_non_null(strstr(line, ts_review_sql_text(srv.db,
                                                    "SELECT next_attempt_at FROM"
                                                    " webhook_deliveries WHERE id = ?1",
                                                    id_text(h2))));
    free(line);
    assert_non_null(strstr(r.out, "2 shown; 2 pending, "));
    ts_run_free(&r);

    /* pending ones are not retried */
    wh(&r, "retry", id_text(h1), NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, ts_pathf("webhook delivery %lld is still pending", h1)));
    ts_run_free(&r);
}

/* Runs webhooks with these arguments; expects status and a message. */
static void bad(int status, const char *message, ...)
{
    const char *argv[32] = {NULL, "webhooks"};
    size_t n = 2;
    const char *a;
    ts_run_result r;
    va_list ap;

    va_start(ap, message);
    while ((a = va_arg(ap, const char *)) != NULL && n < 28)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    assert_int_equal(ts_run(&r, NULL, argv), 0);
    if (r.status != status || !strstr(r.err, message))
        fail_msg("webhooks %s %s: status %d, stderr '%s'; wanted %d and '%s'", argv[2],
                 argv[3] ? argv[3] : "", r.status, r.err, status, message);
    assert_string_equal(r.out, "");
    ts_run_free(&r);
}

static void test_bad_input(void **state)
{
    const char *db = srv.db;
    (void)state;

    bad(2, "missing argument", "--db", db, NULL);
    bad(2, "unknown action 'send' (list or retry)", "send", "--db", db, NULL);
    bad(2, "--status 'sent': give pending, failed or delivered", "list", "--status", "sent", "--db",
        db, NULL);
    bad(2, "--limit '0': give a number from 1 to 10000", "list", "--limit", "0", "--db", db, NULL);
    bad(2, "--limit '10001'", "list", "--limit", "10001", "--db", db, NULL);
    bad(2, "--limit 'ten'", "list", "--limit", "ten", "--db", db, NULL);
    bad(2, "--client 'abc' is not a client id", "list", "--client", "abc", "--db", db, NULL);
    bad(1, "no client 424242", "list", "--client", "424242", "--db", db, NULL);
    bad(2, "unexpected argument 'all' after 'list'", "list", "all", "--db", db, NULL);
    bad(2, "list takes --status failed, not --failed", "list", "--failed", "--db", db, NULL);
    bad(2, "unknown option '--force'", "retry", "--force", "--db", db, NULL);
    bad(2, "retry needs delivery IDs or --failed", "retry", "--db", db, NULL);
    bad(2, "'abc' is not a delivery id", "retry", "abc", "--db", db, NULL);
    bad(2, "'0' is not a delivery id", "retry", "0", "--db", db, NULL);
    bad(2, "either delivery IDs or --failed, not both", "retry", "1", "--failed", "--db", db, NULL);
    bad(2, "--json is for list, not retry", "retry", "--json", "1", "--db", db, NULL);
    bad(2, "--client goes with retry --failed", "retry", "1", "--client", "1", "--db", db, NULL);
    bad(1, "no client 424242", "retry", "--failed", "--client", "424242", "--db", db, NULL);
    bad(1, "no webhook delivery 99999999", "retry", "99999999", "--db", db, NULL);
    bad(1, "no store at", "list", "--db", ts_path(srv.dir, "missing.sqlite"), NULL);
    bad(1, "no store at", "retry", "--failed", "--db", ts_path(srv.dir, "missing.sqlite"), NULL);
    /* neither created a store */
    assert_int_equal(access(ts_path(srv.dir, "missing.sqlite"), F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_outbox_and_metrics_at_zero),
        cmocka_unit_test(test_failed_delivery_retried_by_id),
        cmocka_unit_test(test_retry_failed_of_one_client),
        cmocka_unit_test(test_pending_deliveries),
        cmocka_unit_test(test_bad_input),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
