/*
 * test_api_webhooks.c - the webhook sender of the real server against a
 * real receiver (ts_receiver.h): a libmicrohttpd server in this test process
 * on loopback, answering each path with a script of statuses (or hanging).
 *
 * Form-server clients are made with "geoeditor client add --webhook"; cases
 * by the form-server API (draft, submit); status changes by
 * PATCH /v1/cases/{id} as a logged-in admin ("geoeditor user add", POST
 * /v1/login), which kicks the sender, and once by writing the status event
 * into the running server's store file as another process would (found by
 * the sender's poll). The trigger queues the delivery either way.
 *
 * Checks: the body's members and headers, the signature verifying with the
 * client's secret and not with another, a fresh timestamp; a case's changes
 * arriving in order; more deliveries than one batch; 500, 500, 200 -> three
 * attempts then delivered; a 429's Retry-After kept to; 410 -> failed after
 * one attempt; an unreachable port -> attempts with the error recorded,
 * then failed after webhook_max_attempts; a client without webhook gets no
 * row; no secret and no query string of a webhook URL in the log; SIGTERM
 * while a receiver hangs ends the server within shutdown_grace and gives
 * the delivery back, while an attempt that answers within the grace is
 * recorded as delivered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_pg.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_receiver.h"
#include "ts_run.h"
#include "ts_server.h"
#include "webhook_sign.h"

/* ---- the receiver (ts_receiver.h) ------------------------------------------- */

static const ts_rx_route routes[] = {
    {.path = "/flaky", .statuses = {500, 500, 200}},
    {.path = "/busy", .statuses = {429, 200}, .retry_after = "3"},
    {.path = "/gone", .statuses = {410}},
    {.path = "/hang", .hang = true},
    {.path = "/slow", .delay_ms = 1500},
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the server, clients and cases --------------------------------------- */

static ts_server srv;

typedef struct client {
    char key[128];
    char secret[128];
    char url[256];
} client;

static client c_ok, c_flaky, c_gone, c_dead, c_plain;

/* A port nobody listens on: bound, then closed again. */
static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;
    if (fd < 0) return 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* "geoeditor client add" with a webhook URL (or none). */
static int client_add(const char *db, const char *name, const char *url, client *out)
{
    const char *argv[] = {NULL,
                          "client",
                          "add",
                          "--db",
                          db,
                          "--name",
                          name,
                          "--origin",
                          "https://forms.example.de",
                          url ? "--webhook" : NULL,
                          url,
                          NULL};
    ts_run_result r;
    const char *p;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (url) snprintf(out->url, sizeof out->url, "%s", url);
    if (ts_run(&r, NULL, argv) != 0 || r.status != 0) {
        fprintf(stderr, "client add failed: %s\n", r.err ? r.err : "");
        goto out;
    }
    p = strstr(r.out, "api_key: ");
    if (!p || sscanf(p, "api_key: %127s", out->key) != 1) goto out;
    if (url) {
        p = strstr(r.out, "webhook_secret: ");
        if (!p || sscanf(p, "webhook_secret: %127s", out->secret) != 1) goto out;
    }
    rc = 0;
out:
    ts_run_free(&r);
    return rc;
}

/* A submitted case of the client: its id into case_id (64 bytes). */
static void new_case(const ts_server *s, const client *c, const char *reference, char *case_id)
{
    char id[128], token[128], url[512], body[256], idem[64];
    ts_http_resp r;
    json_t *doc;
    static int n;

    /* each case some 70 m east of the last, so that no two conflict (an
     * approval over a conflict needs override_conflicts) */
    assert_int_equal(
        ts_forms_draft(s, c->key, ts_forms_stand_body(13.31 + 0.001 * n, 52.585), id, token), 201);
    snprintf(url, sizeof url, "%s/v1/drafts/%s/submit", s->base, id);
    snprintf(body, sizeof body, "{\"reference\":\"%s\",\"applicant\":{\"name\":\"Erika\"}}",
             reference);
    snprintf(idem, sizeof idem, "wh-%d", ++n);
    assert_int_equal(ts_forms_call("POST", url, c->key, idem, body, &r), 0);
    if (r.status != 201) fail_msg("submit: %ld %s", r.status, r.body);
    doc = ts_forms_json(&r);
    snprintf(case_id, 64, "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* ---- caseworkers: PATCH /v1/cases/{id} ----------------------------------- */

#define ADMIN_NAME     "erika"
#define ADMIN_PASSWORD "webhook-test-password-1"

typedef struct session {
    char cookie[256]; /* "ge_session=..." */
    char csrf[128];
} session;

/* "geoeditor user add" (password on standard input), then POST /v1/login. */
static int caseworker_login(const ts_server *s, session *out)
{
    const char *argv[] = {NULL,     "user",     "add",    "--db",  s->db,
                          "--name", ADMIN_NAME, "--role", "admin", NULL};
    const char *h[] = {"Content-Type: application/json", NULL};
    const char *body = "{\"name\":\"" ADMIN_NAME "\",\"password\":\"" ADMIN_PASSWORD "\"}";
    ts_http_req q = {.method = "POST", .headers = h, .body = body, .body_len = strlen(body)};
    ts_run_result r;
    ts_http_resp resp;
    const char *cookie;
    json_t *doc;
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (ts_run(&r, ADMIN_PASSWORD "\n", argv) != 0 || r.status != 0) {
        fprintf(stderr, "user add failed: %s\n", r.err ? r.err : "");
        ts_run_free(&r);
        return -1;
    }
    ts_run_free(&r);
    q.url = ts_server_url(s, "/v1/login");
    if (ts_http(&q, &resp) != 0 || resp.status != 200) goto out;
    cookie = ts_http_header(&resp, "Set-Cookie");
    doc = ts_forms_json(&resp);
    if (cookie && doc && json_string_value(json_object_get(doc, "csrf_token"))) {
        snprintf(out->cookie, sizeof out->cookie, "%.*s", (int)strcspn(cookie, ";"), cookie);
        snprintf(out->csrf, sizeof out->csrf, "%s",
                 json_string_value(json_object_get(doc, "csrf_token")));
        rc = 0;
    }
    json_decref(doc);
out:
    if (rc != 0) fprintf(stderr, "login failed: %ld %s\n", resp.status, resp.body ? resp.body : "");
    ts_http_resp_free(&resp);
    return rc;
}

static session admin; /* on srv */

/* A caseworker's decision: PATCH /v1/cases/{id} to `to` with a comment (or
 * none); the answer's ETag into etag (64 bytes) unless NULL. Returns the
 * monotonic time the answer arrived. */
static double change_status_etag(const ts_server *s, const session *sess, const char *case_id,
                                 const char *to, const char *comment, char *etag)
{
    char cookie[300], csrf[160], path[128];
    const char *h[] = {cookie, csrf, "Content-Type: application/json", NULL};
    json_t *b = json_pack("{s:s, s:s?}", "status", to, "comment", comment);
    char *body = json_dumps(b, JSON_COMPACT);
    ts_http_req q = {.method = "PATCH", .headers = h, .body = body, .body_len = strlen(body)};
    ts_http_resp r;
    double at;

    snprintf(cookie, sizeof cookie, "Cookie: %s", sess->cookie);
    snprintf(csrf, sizeof csrf, "X-CSRF-Token: %s", sess->csrf);
    snprintf(path, sizeof path, "/v1/cases/%s", case_id);
    q.url = ts_server_url(s, path);
    assert_int_equal(ts_http(&q, &r), 0);
    at = mono();
    if (r.status != 200) fail_msg("PATCH %s: %ld %s", path, r.status, r.body);
    if (etag) {
        const char *e = ts_http_header(&r, "ETag");
        if (!e) fail_msg("PATCH %s: no ETag", path);
        snprintf(etag, 64, "%s", e);
    }
    ts_http_resp_free(&r);
    free(body);
    json_decref(b);
    return at;
}

static double change_status(const ts_server *s, const session *sess, const char *case_id,
                            const char *to, const char *comment)
{
    return change_status_etag(s, sess, case_id, to, comment, NULL);
}

/* received -> in_review as another process writes it straight into the
 * store file (no kick: the sender's poll must find it): the case row (its
 * version one on, as every writer of a change does since migration 8) and
 * its status event in one transaction. */
static void write_status_event(const ts_server *s, const char *case_id)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    if (ts_store_is_pg(s->db)) { /* the same on PostGIS (ts_backend.h) */
        static const char now[] =
            "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
        char sql[512];
        PGconn *c = ts_pg_connect(ts_store_db(s->db, false));
        const char *params[] = {case_id};
        PGresult *r;
        free(ts_pg_sql(c, "BEGIN"));
        snprintf(sql, sizeof sql,
                 "UPDATE cases SET status = 'in_review', version = version + 1, updated_at = %s"
                 " WHERE id = $1",
                 now);
        r = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        snprintf(sql, sizeof sql,
                 "INSERT INTO case_events (case_id, at, actor, action, from_status, to_status)"
                 " VALUES ($1, %s, 'user:other-process', 'status', 'received', 'in_review')",
                 now);
        r = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        free(ts_pg_sql(c, "COMMIT"));
        PQfinish(c);
        return;
    }
    assert_int_equal(sqlite3_open_v2(s->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "UPDATE cases SET status = 'in_review', version = version + 1,"
                           " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?1",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                           " to_status) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),"
                           " 'user:other-process', 'status', 'received', 'in_review')",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static long long row_int(const ts_server *s, const char *sql, const char *case_id)
{
    return ts_forms_sql_int(s->db, sql, case_id);
}

/* Waits until the SQL yields a value >= want; the last value. */
static long long wait_row(const ts_server *s, const char *sql, const char *case_id, long long want,
                          int timeout_s)
{
    double until = mono() + timeout_s;
    long long v;
    while ((v = row_int(s, sql, case_id)) < want && mono() < until)
        usleep(50000);
    return v;
}

/* The retry_in_s the sender logged for a case's attempt (1 = the first);
 * -1 when there is no such line. */
static long long logged_retry_in(const ts_server *s, const char *case_id, int attempt)
{
    char *log = ts_server_log(s), *line;
    long long v = -1;

    for (line = strtok(log, "\n"); line && v < 0; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        const char *msg = o ? json_string_value(json_object_get(o, "msg")) : NULL;
        const char *id = o ? json_string_value(json_object_get(o, "case_id")) : NULL;
        if (msg && id && strcmp(msg, "webhook attempt") == 0 && strcmp(id, case_id) == 0 &&
            json_integer_value(json_object_get(o, "attempt")) == attempt)
            v = json_integer_value(json_object_get(o, "retry_in_s"));
        json_decref(o);
    }
    free(log);
    return v;
}

/* Waits until the attempt is recorded (its log line), checks the backoff
 * the sender set for the next one by its clock, and moves that clock on by
 * as much: the next attempt is due at the sender's next look (its poll,
 * once a second), without waiting out the backoff. */
static void skip_backoff(ts_server *s, const char *case_id, int attempt, long long backoff_s)
{
    double until = mono() + 15;
    long long v;
    while ((v = logged_retry_in(s, case_id, attempt)) < 0 && mono() < until)
        usleep(50000);
    assert_int_equal(v, backoff_s);
    ts_server_set_clock(s, s->clock_s + (long)backoff_s);
}

/* The seconds between two attempts by the sender's clock (their signed
 * X-GeoEditor-Timestamp). */
static long long sent_apart(const ts_rx_hit *a, const ts_rx_hit *b)
{
    return atoll(b->timestamp) - atoll(a->timestamp);
}

static int setup(void **state)
{
    static const char *const args[] = {
        "--webhook-retry-base", "1", "--webhook-max-attempts", "3", "--webhook-timeout", "5", NULL};
    ts_server_opts o = {.args = args};
    char url[256];
    (void)state;
    if (ts_rx_start(routes, sizeof routes / sizeof routes[0]) != 0) return -1;
    if (ts_server_start(&srv, "api_webhooks", &o) != 0) return -1;
    /* The ok client's URL carries a token in its query: it must stay out of the log. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok?token=QUERYSECRET42", ts_rx_port());
    if (client_add(srv.db, "OK", url, &c_ok) != 0) return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/flaky", ts_rx_port());
    if (client_add(srv.db, "Flaky", url, &c_flaky) != 0) return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/gone", ts_rx_port());
    if (client_add(srv.db, "Gone", url, &c_gone) != 0) return -1;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/dead", free_port());
    if (client_add(srv.db, "Dead", url, &c_dead) != 0) return -1;
    if (client_add(srv.db, "Plain", NULL, &c_plain) != 0) return -1;
    if (caseworker_login(&srv, &admin) != 0) return -1;
    return 0;
}

static int teardown(void **state)
{
    int rc;
    (void)state;
    rc = ts_server_stop(&srv);
    ts_rx_stop();
    return rc == 0 ? 0 : -1;
}

/* ---- the tests ------------------------------------------------------------ */

static void test_signed_delivery(void **state)
{
    char case_id[64], did[32];
    const char *comment = "Wir prüfen den Standort \"am Markt\".";
    json_t *b;
    ts_rx_hit h;
    long long id;
    double answered;
    (void)state;

    new_case(&srv, &c_ok, "AZ-OK-1", case_id);
    answered = change_status(&srv, &admin, case_id, "in_review", comment);
    if (!ts_rx_wait("/ok", 1, 15)) fail_msg("no delivery reached the receiver");
    h = ts_rx_get("/ok", 0);
    /* ge_webhooks_kick() after the commit: no wait for the next poll (the
     * figure is printed, not asserted; the request may even beat the answer) */
    printf("# delivery arrived %.0f ms after the PATCH answer\n",
           h.arrived > answered ? (h.arrived - answered) * 1000 : 0.0);

    /* the headers */
    assert_string_equal(h.content_type, "application/json");
    assert_string_equal(h.event, "case.status_changed");
    id = row_int(&srv, "SELECT id FROM webhook_deliveries WHERE case_id = ?1", case_id);
    snprintf(did, sizeof did, "%lld", id);
    assert_string_equal(h.delivery, did);
    assert_true(labs((long)(strtoll(h.timestamp, NULL, 10) - (long long)time(NULL))) <= 30);
    assert_int_equal(strncmp(h.signature, "sha256=", 7), 0);
    assert_int_equal(strlen(h.signature), 7 + 64);
    for (size_t i = 7; h.signature[i]; i++)
        assert_non_null(strchr("0123456789abcdef", h.signature[i]));

    /* the signature: good with the client's secret, bad with any other */
    assert_true(ge_webhook_verify(c_ok.secret, h.timestamp, h.body, strlen(h.body), h.signature,
                                  time(NULL), 300));
    assert_false(ge_webhook_verify(c_flaky.secret, h.timestamp, h.body, strlen(h.body), h.signature,
                                   time(NULL), 300));
    assert_false(ge_webhook_verify("whsec_wrong", h.timestamp, h.body, strlen(h.body), h.signature,
                                   time(NULL), 300));

    /* the body */
    b = json_loads(h.body, 0, NULL);
    assert_non_null(b);
    assert_string_equal(json_string_value(json_object_get(b, "type")), "case.status_changed");
    assert_int_equal(json_integer_value(json_object_get(b, "delivery_id")), id);
    assert_string_equal(json_string_value(json_object_get(b, "case_id")), case_id);
    assert_string_equal(json_string_value(json_object_get(b, "reference")), "AZ-OK-1");
    assert_string_equal(json_string_value(json_object_get(b, "service")), "info-stand");
    assert_string_equal(json_string_value(json_object_get(b, "status")), "in_review");
    assert_string_equal(json_string_value(json_object_get(b, "previous_status")), "received");
    assert_string_equal(json_string_value(json_object_get(b, "comment")), comment);
    assert_int_equal(strlen(json_string_value(json_object_get(b, "at"))), 20);
    assert_int_equal(json_integer_value(json_object_get(b, "version")), 2);
    assert_int_equal(json_object_size(b), 10);
    json_decref(b);

    /* recorded as delivered after one attempt */
    assert_int_equal(wait_row(&srv,
                              "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                              " AND delivered_at IS NOT NULL AND attempts = 1 AND last_status = 200"
                              " AND failed_at IS NULL",
                              case_id, 1, 10),
                     1);
    /* and not sent again */
    usleep(1500000);
    assert_int_equal(ts_rx_count("/ok"), 1);
}

static void test_event_from_another_process(void **state)
{
    char case_id[64];
    size_t before = ts_rx_count("/ok");
    ts_rx_hit h;
    (void)state;

    /* nobody kicks the sender: its poll finds the row within a second or so */
    new_case(&srv, &c_ok, "AZ-OK-2", case_id);
    write_status_event(&srv, case_id);
    if (!ts_rx_wait("/ok", before + 1, 15)) fail_msg("the polled delivery did not arrive");
    h = ts_rx_get("/ok", before);
    assert_non_null(strstr(h.body, case_id));
    assert_non_null(strstr(h.body, "\"version\":2}"));
    assert_true(ge_webhook_verify(c_ok.secret, h.timestamp, h.body, strlen(h.body), h.signature,
                                  time(NULL), 300));
    assert_int_equal(wait_row(&srv,
                              "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                              " AND delivered_at IS NOT NULL AND attempts = 1",
                              case_id, 1, 10),
                     1);
}

static void test_changes_of_a_case_in_order(void **state)
{
    char case_id[64], etag0[64], etag1[64], want[64];
    size_t before = ts_rx_count("/ok");
    json_t *b0, *b1;
    (void)state;

    /* two decisions in quick succession: announced one after the other, each
     * with the version it made, which the PATCH answer's ETag names */
    new_case(&srv, &c_ok, "AZ-OK-3", case_id);
    change_status_etag(&srv, &admin, case_id, "in_review", NULL, etag0);
    change_status_etag(&srv, &admin, case_id, "approved", "Genehmigt.", etag1);
    if (!ts_rx_wait("/ok", before + 2, 15)) fail_msg("both changes should arrive");
    b0 = json_loads(ts_rx_get("/ok", before).body, 0, NULL);
    b1 = json_loads(ts_rx_get("/ok", before + 1).body, 0, NULL);
    assert_non_null(b0);
    assert_non_null(b1);
    assert_string_equal(json_string_value(json_object_get(b0, "status")), "in_review");
    assert_string_equal(json_string_value(json_object_get(b1, "previous_status")), "in_review");
    assert_string_equal(json_string_value(json_object_get(b1, "status")), "approved");
    assert_string_equal(json_string_value(json_object_get(b1, "comment")), "Genehmigt.");
    assert_true(json_integer_value(json_object_get(b0, "delivery_id")) <
                json_integer_value(json_object_get(b1, "delivery_id")));
    assert_true(json_is_integer(json_object_get(b0, "version")));
    assert_int_equal(json_integer_value(json_object_get(b0, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(b1, "version")), 3);
    snprintf(want, sizeof want, "\"v%lld\"",
             (long long)json_integer_value(json_object_get(b0, "version")));
    assert_string_equal(etag0, want);
    snprintf(want, sizeof want, "\"v%lld\"",
             (long long)json_integer_value(json_object_get(b1, "version")));
    assert_string_equal(etag1, want);
    /* the last member, after at: the rest of the body is as before */
    assert_non_null(strstr(ts_rx_get("/ok", before + 1).body, "\",\"version\":3}"));
    json_decref(b0);
    json_decref(b1);
}

static void test_more_than_one_batch(void **state)
{
    enum { N = 12 }; /* more than the sender has in flight at once */
    client c_many;
    char url[256], case_ids[N][64];
    (void)state;

    snprintf(url, sizeof url, "http://127.0.0.1:%d/many", ts_rx_port());
    assert_int_equal(client_add(srv.db, "Many", url, &c_many), 0);
    for (int i = 0; i < N; i++) {
        char ref[32];
        snprintf(ref, sizeof ref, "AZ-MANY-%d", i);
        new_case(&srv, &c_many, ref, case_ids[i]);
    }
    for (int i = 0; i < N; i++)
        write_status_event(&srv, case_ids[i]);
    if (!ts_rx_wait("/many", N, 30)) fail_msg("only %zu of %d arrived", ts_rx_count("/many"), N);
    for (int i = 0; i < N; i++) {
        ts_rx_hit h = ts_rx_get("/many", (size_t)i);
        assert_true(ge_webhook_verify(c_many.secret, h.timestamp, h.body, strlen(h.body),
                                      h.signature, time(NULL), 300));
        assert_int_equal(wait_row(&srv,
                                  "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                                  " AND delivered_at IS NOT NULL AND attempts = 1",
                                  case_ids[i], 1, 10),
                         1);
    }
}

static void test_retry_then_delivered(void **state)
{
    char case_id[64];
    (void)state;

    new_case(&srv, &c_flaky, "AZ-FLAKY", case_id);
    change_status(&srv, &admin, case_id, "in_review", NULL);
    /* 500 at once, 500 after 1 s, 200 after 2 s more: by the server's
     * clock, moved on rather than waited for */
    skip_backoff(&srv, case_id, 1, 1);
    skip_backoff(&srv, case_id, 2, 2);
    if (!ts_rx_wait("/flaky", 3, 30)) fail_msg("only %zu attempts arrived", ts_rx_count("/flaky"));
    assert_int_equal(
        wait_row(&srv,
                 "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                 " AND delivered_at IS NOT NULL AND attempts = 3 AND last_status = 200",
                 case_id, 1, 10),
        1);
    /* the same delivery each time, the same body, each attempt signed anew */
    ts_rx_hit h0 = ts_rx_get("/flaky", 0), h1 = ts_rx_get("/flaky", 1), h2 = ts_rx_get("/flaky", 2);
    assert_string_equal(h0.delivery, h2.delivery);
    assert_string_equal(h0.body, h2.body);
    for (size_t i = 0; i < 3; i++) {
        ts_rx_hit h = ts_rx_get("/flaky", i);
        assert_true(ge_webhook_verify(c_flaky.secret, h.timestamp, h.body, strlen(h.body),
                                      h.signature, time(NULL), 300));
    }
    /* a backoff between the attempts by the server's clock: 1 s, then 2 s */
    assert_true(sent_apart(&h0, &h1) >= 1);
    assert_true(sent_apart(&h1, &h2) >= 2);
    /* no comment: null, not missing */
    assert_non_null(strstr(h0.body, "\"comment\":null"));
    usleep(1500000);
    assert_int_equal(ts_rx_count("/flaky"), 3);
}

static void test_retry_after_is_kept_to(void **state)
{
    client c_busy;
    char url[256], case_id[64];
    ts_rx_hit h0, h1;
    (void)state;

    snprintf(url, sizeof url, "http://127.0.0.1:%d/busy", ts_rx_port());
    assert_int_equal(client_add(srv.db, "Busy", url, &c_busy), 0);
    new_case(&srv, &c_busy, "AZ-BUSY", case_id);
    change_status(&srv, &admin, case_id, "in_review", NULL);
    /* 429 with Retry-After: 3 beats the backoff of 1 s */
    skip_backoff(&srv, case_id, 1, 3);
    if (!ts_rx_wait("/busy", 2, 20)) fail_msg("the retry did not arrive");
    assert_int_equal(wait_row(&srv,
                              "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                              " AND delivered_at IS NOT NULL AND attempts = 2",
                              case_id, 1, 10),
                     1);
    h0 = ts_rx_get("/busy", 0);
    h1 = ts_rx_get("/busy", 1);
    assert_true(sent_apart(&h0, &h1) >= 3); /* by the server's clock */
}

static void test_gone_fails_at_once(void **state)
{
    char case_id[64];
    (void)state;

    new_case(&srv, &c_gone, "AZ-GONE", case_id);
    change_status(&srv, &admin, case_id, "in_review", "x");
    if (!ts_rx_wait("/gone", 1, 15)) fail_msg("no attempt arrived");
    assert_int_equal(wait_row(&srv,
                              "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                              " AND failed_at IS NOT NULL AND delivered_at IS NULL"
                              " AND attempts = 1 AND last_status = 410",
                              case_id, 1, 10),
                     1);
    /* past the 1 s and 2 s a retry would wait, by the server's clock; then
     * one poll of the sender (once a second) finds nothing due */
    ts_server_set_clock(&srv, srv.clock_s + 3);
    usleep(1500000);
    assert_int_equal(ts_rx_count("/gone"), 1);
}

static void test_unreachable_retries_then_fails(void **state)
{
    char case_id[64];
    long long n;
    (void)state;

    new_case(&srv, &c_dead, "AZ-DEAD", case_id);
    change_status(&srv, &admin, case_id, "in_review", NULL);
    /* attempts grow (after 1 s, then 2 s by the server's clock, moved on),
     * each with the error and no status */
    skip_backoff(&srv, case_id, 1, 1);
    n = wait_row(&srv, "SELECT attempts FROM webhook_deliveries WHERE case_id = ?1", case_id, 2,
                 15);
    assert_true(n >= 2);
    assert_int_equal(row_int(&srv,
                             "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                             " AND last_status IS NULL AND length(last_error) > 5"
                             " AND last_attempt_at IS NOT NULL",
                             case_id),
                     1);
    skip_backoff(&srv, case_id, 2, 2);
    /* webhook_max_attempts = 3: failed after the third */
    assert_int_equal(wait_row(&srv,
                              "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                              " AND failed_at IS NOT NULL AND attempts = 3",
                              case_id, 1, 20),
                     1);
}

static void test_no_webhook_no_row(void **state)
{
    char case_id[64];
    (void)state;

    new_case(&srv, &c_plain, "AZ-PLAIN", case_id);
    change_status(&srv, &admin, case_id, "in_review", NULL);
    assert_int_equal(row_int(&srv,
                             "SELECT count(*) FROM case_events WHERE case_id = ?1"
                             " AND action = 'status'",
                             case_id),
                     1);
    assert_int_equal(
        row_int(&srv, "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1", case_id), 0);
}

static void test_log_lines_and_no_secrets(void **state)
{
    char *log = ts_server_log(&srv);
    const client *all[] = {&c_ok, &c_flaky, &c_gone, &c_dead};
    char *line;
    int attempts = 0;
    (void)state;

    assert_non_null(log);
    for (size_t i = 0; i < 4; i++) {
        if (strstr(log, all[i]->secret)) fail_msg("webhook secret %zu in the server log", i);
        /* nor its random part alone */
        if (strstr(log, all[i]->secret + 6)) fail_msg("webhook secret %zu (tail) in the log", i);
        if (strstr(log, all[i]->key)) fail_msg("API key %zu in the server log", i);
    }
    if (strstr(log, "QUERYSECRET42")) fail_msg("a webhook URL's query string in the log");
    if (strstr(log, ADMIN_PASSWORD)) fail_msg("the caseworker's password in the log");
    if (strstr(log, admin.csrf)) fail_msg("the CSRF token in the log");
    /* one JSON line per attempt with delivery, case, status and duration */
    for (line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        const char *msg = o ? json_string_value(json_object_get(o, "msg")) : NULL;
        if (msg && strcmp(msg, "webhook attempt") == 0) {
            attempts++;
            assert_true(json_is_integer(json_object_get(o, "delivery_id")));
            assert_non_null(json_string_value(json_object_get(o, "case_id")));
            assert_true(json_is_integer(json_object_get(o, "status")));
            assert_true(json_is_integer(json_object_get(o, "duration_ms")));
            assert_non_null(json_string_value(json_object_get(o, "outcome")));
        }
        json_decref(o);
    }
    /* ok 1, flaky 3, gone 1, dead 3 */
    assert_true(attempts >= 8);
    free(log);
}

/* A server of its own with the given grace, a client posting to path, and a
 * status change whose first attempt has reached the receiver. */
static void start_pending(ts_server *s2, const char *name, const char *grace, const char *path,
                          char *case_id)
{
    const char *args[] = {"--shutdown-grace", grace, "--webhook-timeout", "60", NULL};
    ts_server_opts o = {.args = args};
    client c;
    session se2;
    char url[256];
    size_t before = ts_rx_count(path);

    assert_int_equal(ts_server_start(s2, name, &o), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", ts_rx_port(), path);
    assert_int_equal(client_add(s2->db, name, url, &c), 0);
    assert_int_equal(caseworker_login(s2, &se2), 0);
    new_case(s2, &c, "AZ-SHUTDOWN", case_id);
    change_status(s2, &se2, case_id, "in_review", NULL);
    if (!ts_rx_wait(path, before + 1, 15)) {
        ts_server_kill(s2);
        fail_msg("no attempt arrived at %s", path);
    }
}

/* SIGTERM; the seconds until the process ended with status 0. */
static double sigterm_and_wait(ts_server *s2)
{
    double t0 = mono();
    assert_int_equal(ts_server_signal(s2, SIGTERM), 0);
    if (ts_server_wait(s2, 30) < 0) {
        ts_server_kill(s2);
        fail_msg("the server did not stop within 30 s");
    }
    assert_int_equal(s2->exit_status, 0);
    return mono() - t0;
}

static void test_shutdown_with_hanging_receiver(void **state)
{
    ts_server s2;
    char case_id[64];
    double took;
    (void)state;

    start_pending(&s2, "api_webhooks_hang", "2", "/hang", case_id);
    took = sigterm_and_wait(&s2);
    printf("# SIGTERM with a hanging receiver: stopped after %.2f s (grace 2 s, webhook "
           "timeout 60 s)\n",
           took);
    /* the attempt had the grace, and no more: not the 60 s webhook timeout */
    assert_true(took >= 1.5);
    assert_true(took < 2 + 8);
    /* the cut-off attempt is given back: not counted, due again, not failed */
    assert_int_equal(
        row_int(&s2,
                ts_pathf("SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                         " AND attempts = 0 AND failed_at IS NULL AND"
                         " delivered_at IS NULL AND next_attempt_at <= %s",
                         /* now as text on each store (ts_backend.h) */
                         ts_store_is_pg(s2.db) ? "to_char(now() AT TIME ZONE 'UTC',"
                                                 " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                                               : "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"),
                case_id),
        1);
    {
        char *log = ts_server_log(&s2);
        assert_non_null(strstr(log, "webhook attempt cut off"));
        free(log);
    }
}

static void test_shutdown_lets_a_slow_attempt_finish(void **state)
{
    ts_server s2;
    char case_id[64];
    double took;
    (void)state;

    /* the receiver answers after 1.5 s; the grace of 10 s lets it */
    start_pending(&s2, "api_webhooks_slow", "10", "/slow", case_id);
    took = sigterm_and_wait(&s2);
    printf("# SIGTERM with a slow receiver (1.5 s): stopped after %.2f s (grace 10 s)\n", took);
    assert_int_equal(row_int(&s2,
                             "SELECT count(*) FROM webhook_deliveries WHERE case_id = ?1"
                             " AND attempts = 1 AND delivered_at IS NOT NULL",
                             case_id),
                     1);
    assert_true(took < 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_delivery),
        cmocka_unit_test(test_event_from_another_process),
        cmocka_unit_test(test_changes_of_a_case_in_order),
        cmocka_unit_test(test_more_than_one_batch),
        cmocka_unit_test(test_retry_then_delivered),
        cmocka_unit_test(test_retry_after_is_kept_to),
        cmocka_unit_test(test_gone_fails_at_once),
        cmocka_unit_test(test_unreachable_retries_then_fails),
        cmocka_unit_test(test_no_webhook_no_row),
        cmocka_unit_test(test_log_lines_and_no_secrets),
        cmocka_unit_test(test_shutdown_with_hanging_receiver),
        cmocka_unit_test(test_shutdown_lets_a_slow_attempt_finish),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
