/*
 * test_api_proxy.c - the client's address behind a reverse proxy
 * (trusted_proxies, forwarded.h) against the real server, the proxy played
 * by connections from 127.0.0.1 (trusted) and other clients by 127.0.0.x
 * (not): X-Forwarded-For from an untrusted peer is ignored (the login
 * throttle counts the peer); two clients forwarded by a trusted proxy are
 * throttled apart; a forged chain "1.2.3.x, <client>" counts the rightmost
 * untrusted hop; /metrics' allow list goes by the forwarded client from a
 * trusted proxy only, a client's own header field before the proxy's
 * included; malformed values fall back to the peer (no 500) with one
 * warning; Forwarded (RFC 7239) instead when so set; the access log names client and peer; and
 * max_connections_per_ip spares the trusted proxy (its connections carry many clients) while it
 * still caps any other peer.
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
#include <unistd.h>

#include "ts.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_server.h"

#define PW_BERTA "Blue skip on Linden street 2026"
#define PROXY    "127.0.0.1"
/* 20 failures lock an address group (server/session.c) */
#define ADDR_FAILURES 20

static void start(ts_server *s, const char *name)
{
    const char *args[] = {"--trusted-proxies", PROXY "/32", "--metrics-allow", "10.9.8.7", NULL};
    ts_server_opts o = {.args = args};
    assert_int_equal(ts_server_start(s, name, &o), 0);
    assert_int_equal(ts_review_user_add(s->db, "berta", "caseworker", "skip-container", PW_BERTA),
                     0);
}

/* One request from src with up to two forwarding header lines (NULL: none). */
static long call_from(const ts_server *s, const char *src, const char *path, const char *xff1,
                      const char *xff2, const char *body)
{
    char h1[256], h2[256];
    const char *headers[4] = {"Content-Type: application/json", NULL, NULL, NULL};
    int n = 1;
    ts_http_resp r;
    long st;

    if (xff1) {
        snprintf(h1, sizeof h1, "X-Forwarded-For: %s", xff1);
        headers[n++] = h1;
    }
    if (xff2) {
        snprintf(h2, sizeof h2, "X-Forwarded-For: %s", xff2);
        headers[n++] = h2;
    }
    ts_http_req q = {.method = body ? "POST" : "GET",
                     .url = ts_server_url(s, path),
                     .headers = headers,
                     .body = body,
                     .body_len = body ? strlen(body) : 0,
                     .local_addr = src};
    if (ts_http(&q, &r) != 0) fail_msg("%s from %s: %s", path, src, r.error);
    st = r.status;
    if (st >= 500) fail_msg("%s from %s (%s): %ld %s", path, src, xff1 ? xff1 : "-", st, r.body);
    ts_http_resp_free(&r);
    return st;
}

static long login_from(const ts_server *s, const char *src, const char *xff, const char *name,
                       const char *pw)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
    return call_from(s, src, "/v1/login", xff, NULL, body);
}

/* ADDR_FAILURES failed logins under made-up names, forwarding pre + i +
 * post (post NULL: pre alone). */
static void spray(const ts_server *s, const char *src, const char *pre, const char *post,
                  const char *tag)
{
    for (int i = 0; i < ADDR_FAILURES; i++) {
        char name[48], xff[128];
        snprintf(name, sizeof name, "%s-%d", tag, i);
        if (post)
            snprintf(xff, sizeof xff, "%s%d%s", pre, i, post);
        else
            snprintf(xff, sizeof xff, "%s", pre);
        if (login_from(s, src, xff, name, "one common password") != 401)
            fail_msg("failure %d of %s was not 401", i, tag);
    }
}

/* An untrusted peer's X-Forwarded-For is ignored: its failures under ever
 * new forwarded addresses lock the peer itself. */
static void test_untrusted_ignored(void **state)
{
    ts_server s;
    char *log;
    (void)state;

    start(&s, "api_proxy_untrusted");
    spray(&s, "127.0.0.2", "198.51.100.", "", "untrusted");
    assert_int_equal(login_from(&s, "127.0.0.2", "198.51.100.99", "berta", PW_BERTA), 429);
    assert_int_equal(login_from(&s, "127.0.0.3", NULL, "berta", PW_BERTA), 200);
    log = ts_server_log(&s);
    assert_non_null(strstr(log, "\"remote\":\"127.0.0.2\",\"peer\":\"127.0.0.2\""));
    assert_null(strstr(log, "198.51.100."));
    free(log);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Two clients behind the trusted proxy: one's failures do not lock the
 * other out (they used to: every request came from the proxy). */
static void test_trusted_clients_apart(void **state)
{
    ts_server s;
    char *log;
    (void)state;

    start(&s, "api_proxy_trusted");
    spray(&s, PROXY, "198.51.100.1", NULL, "client-one");
    assert_int_equal(login_from(&s, PROXY, "198.51.100.1", "berta", PW_BERTA), 429);
    assert_int_equal(login_from(&s, PROXY, "198.51.100.2", "berta", PW_BERTA), 200);
    /* IPv6 clients, bracketed with a port, grouped per /64 as directly */
    spray(&s, PROXY, "[2001:db8:1:2::", "]:4711", "client-six");
    assert_int_equal(login_from(&s, PROXY, "2001:db8:1:2::ff", "berta", PW_BERTA), 429);
    assert_int_equal(login_from(&s, PROXY, "2001:db8:1:3::1", "berta", PW_BERTA), 200);
    log = ts_server_log(&s);
    assert_non_null(strstr(log, "\"remote\":\"198.51.100.1\",\"peer\":\"127.0.0.1\""));
    assert_non_null(strstr(log, "\"remote\":\"2001:db8:1:2::1\",\"peer\":\"127.0.0.1\""));
    free(log);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* A client that sends its own "X-Forwarded-For: 1.2.3.x" gets the proxy's
 * append behind it; the rightmost untrusted hop is counted, whatever the
 * forged part says - also when the proxy adds a second header field. */
static void test_forged_chain(void **state)
{
    ts_server s;
    (void)state;

    start(&s, "api_proxy_forged");
    spray(&s, PROXY, "1.2.3.", ", 198.51.100.9", "forger");
    assert_int_equal(login_from(&s, PROXY, "5.6.7.8, 198.51.100.9", "berta", PW_BERTA), 429);
    assert_int_equal(call_from(&s, PROXY, "/v1/login", "5.6.7.8", "198.51.100.9",
                               "{\"name\":\"berta\",\"password\":\"" PW_BERTA "\"}"),
                     429);
    /* the forged addresses were never counted */
    assert_int_equal(login_from(&s, PROXY, "1.2.3.4", "berta", PW_BERTA), 200);
    assert_int_equal(login_from(&s, PROXY, "198.51.100.10", "berta", PW_BERTA), 200);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* metrics_allow (10.9.8.7 here) by the forwarded client, and only when a
 * trusted proxy forwards it. */
static void test_metrics_allow(void **state)
{
    ts_server s;
    (void)state;

    start(&s, "api_proxy_metrics");
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.7", NULL, NULL), 200);
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.6", NULL, NULL), 403);
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.7, 10.9.8.6", NULL, NULL), 403);
    /* the client's own field first, the proxy's second: joined, so the
     * proxy's (rightmost) decides */
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.7", "10.9.8.6", NULL), 403);
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.6", "10.9.8.7", NULL), 200);
    /* forged by an untrusted peer */
    assert_int_equal(call_from(&s, "127.0.0.2", "/metrics", "10.9.8.7", NULL, NULL), 403);
    /* the proxy itself is not in the list */
    assert_int_equal(call_from(&s, PROXY, "/metrics", NULL, NULL, NULL), 403);
    /* malformed: the peer, not the half-read header */
    assert_int_equal(call_from(&s, PROXY, "/metrics", "10.9.8.7, unknown", NULL, NULL), 403);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Malformed values from the trusted proxy: the peer counts, no 500, one
 * warning in the log for the lot. */
static void test_bad_values(void **state)
{
    static const char *const bad[] = {"unknown",           "[2001:db8::1",   "not an address", ",",
                                      "198.51.100.1:http", "198.51.100.1, ", "fe80::1%eth0"};
    ts_server s;
    char *log, *at;
    int warnings = 0;
    (void)state;

    start(&s, "api_proxy_bad");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(call_from(&s, PROXY, "/healthz", bad[i], NULL, NULL), 200);
        char name[32];
        snprintf(name, sizeof name, "nobody-bad-%zu", i);
        assert_int_equal(login_from(&s, PROXY, bad[i], name, "one common password"), 401);
    }
    /* each counted against the proxy's address: 20 lock it */
    for (size_t i = sizeof bad / sizeof bad[0]; i < ADDR_FAILURES; i++) {
        char name[32], xff[32];
        snprintf(name, sizeof name, "nobody-bad-%zu", i);
        snprintf(xff, sizeof xff, "garbage-%zu", i);
        assert_int_equal(login_from(&s, PROXY, xff, name, "one common password"), 401);
    }
    assert_int_equal(login_from(&s, PROXY, "unknown", "berta", PW_BERTA), 429);
    /* the proxy's own address is locked; a well-formed client is not */
    assert_int_equal(login_from(&s, PROXY, "198.51.100.20", "berta", PW_BERTA), 200);
    log = ts_server_log(&s);
    for (at = log; (at = strstr(at, "malformed forwarding header")) != NULL; at++)
        warnings++;
    assert_int_equal(warnings, 1);
    assert_non_null(strstr(log, "\"remote\":\"127.0.0.1\",\"peer\":\"127.0.0.1\""));
    free(log);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* GET /metrics from src with one header line; the status. */
static long metrics_with(const ts_server *s, const char *src, const char *line)
{
    const char *headers[] = {line, NULL};
    ts_http_req q = {.url = ts_server_url(s, "/metrics"), .headers = headers, .local_addr = src};
    ts_http_resp r;
    long st;
    if (ts_http(&q, &r) != 0) fail_msg("/metrics from %s: %s", src, r.error);
    st = r.status;
    ts_http_resp_free(&r);
    return st;
}

/* forwarded_header = Forwarded (RFC 7239): its for= is read, and then
 * X-Forwarded-For - which the proxy would pass through from the client -
 * is not. */
static void test_forwarded_header(void **state)
{
    const char *args[] = {
        "--trusted-proxies", PROXY "/32", "--metrics-allow", "10.9.8.7", "--forwarded-header",
        "Forwarded",         NULL};
    ts_server_opts o = {.args = args};
    ts_server s;
    (void)state;

    assert_int_equal(ts_server_start(&s, "api_proxy_rfc7239", &o), 0);
    assert_int_equal(metrics_with(&s, PROXY, "Forwarded: for=10.9.8.7;proto=https"), 200);
    assert_int_equal(metrics_with(&s, PROXY, "Forwarded: for=\"10.9.8.7:4711\", for=10.9.8.6"),
                     403);
    assert_int_equal(metrics_with(&s, PROXY, "X-Forwarded-For: 10.9.8.7"), 403);
    assert_int_equal(metrics_with(&s, "127.0.0.2", "Forwarded: for=10.9.8.7"), 403);
    assert_int_equal(metrics_with(&s, PROXY, "Forwarded: for=unknown"), 403);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* max_connections_per_ip 3: five connections from the proxy are all
 * served, a fourth from another peer is closed at accept. */
static void test_connection_cap(void **state)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    const char *args[] = {"--trusted-proxies", PROXY "/32", "--max-connections-per-ip", "3", NULL};
    ts_server_opts o = {.args = args};
    ts_server s;
    int proxy[5], other[3], extra;
    (void)state;

    assert_int_equal(ts_server_start(&s, "api_proxy_conncap", &o), 0);
    for (int i = 0; i < 5; i++) {
        proxy[i] = ts_http_connect_from(s.port, PROXY);
        assert_true(proxy[i] >= 0);
    }
    for (int i = 0; i < 3; i++) {
        other[i] = ts_http_connect_from(s.port, "127.0.0.5");
        assert_true(other[i] >= 0);
    }
    extra = ts_http_connect_from(s.port, "127.0.0.5");
    assert_true(extra >= 0);
    if (!ts_http_wait_closed(extra, 10000))
        fail_msg("a fourth connection from 127.0.0.5 stayed open (max_connections_per_ip 3)");
    close(extra);
    for (int i = 0; i < 5; i++) {
        char *answer;
        assert_int_equal(ts_http_send_all(proxy[i], req, sizeof req - 1), 0);
        answer = ts_http_read_all(proxy[i], 10000, NULL);
        if (!answer || ts_http_raw_status(answer) != 200)
            fail_msg("connection %d of 5 from the trusted proxy: %.80s", i + 1,
                     answer ? answer : "(nothing)");
        free(answer);
        close(proxy[i]);
    }
    for (int i = 0; i < 3; i++) {
        char *answer;
        assert_int_equal(ts_http_send_all(other[i], req, sizeof req - 1), 0);
        answer = ts_http_read_all(other[i], 10000, NULL);
        assert_non_null(answer);
        assert_int_equal(ts_http_raw_status(answer), 200);
        free(answer);
        close(other[i]);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untrusted_ignored), cmocka_unit_test(test_trusted_clients_apart),
        cmocka_unit_test(test_forged_chain),      cmocka_unit_test(test_metrics_allow),
        cmocka_unit_test(test_bad_values),        cmocka_unit_test(test_forwarded_header),
        cmocka_unit_test(test_connection_cap),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
