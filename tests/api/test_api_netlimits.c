/*
 * test_api_netlimits.c - what the HTTP layer does against clients that hold
 * connections or send ambiguous requests, on the real geoeditor binary:
 *
 *  - slowloris: clients that send a header line every second are cut after
 *    header_timeout, one that trickles its body after body_timeout, one that
 *    trickles the next request on a kept-alive connection likewise, while an
 *    idle kept-alive connection is left alone and everyone else is served;
 *  - the per-address cap (max_connections_per_ip) closes one connection too
 *    many from one address while other addresses are served;
 *  - two different Content-Length values, Content-Length with
 *    Transfer-Encoding, and unknown transfer codings get a 400 naming the
 *    header.
 *
 * Clients come from several loopback addresses (127.0.0.2, ...: all of
 * 127.0.0.0/8 is local on Linux). Time enters only as generous upper bounds
 * that prove a behaviour ("closed within 15 s" with a 2 s deadline, where the
 * old server kept such connections for ever).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ts.h"
#include "ts_group.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_server.h"

#define SLOW    40 /* slowloris connections */
#define BOUND_S 15 /* "closed within": far above the 2-3 s deadlines */

/* Short deadlines; room for the SLOW connections from one address. */
static ts_server slow;
/* clang-format off */
static const char *const slow_args[] = {"--header-timeout", "2", "--body-timeout", "3",
                                        "--max-connections-per-ip", "41", "--threads", "2", NULL};
/* clang-format on */

/* A small per-address cap and no header deadline, so that held connections
 * stay held while the test looks. */
static ts_server capped;
static const char *const capped_args[] = {"--max-connections-per-ip", "3", "--header-timeout", "0",
                                          NULL};

static int start_servers(void **state)
{
    ts_server_opts a = {.args = slow_args}, b = {.args = capped_args};
    (void)state;
    if (ts_server_start(&slow, "api_netlimits_slow", &a) != 0) return -1;
    return ts_server_start(&capped, "api_netlimits_capped", &b);
}

static int stop_servers(void **state)
{
    int a = ts_server_stop(&slow), b = ts_server_stop(&capped);
    (void)state;
    return a == 0 && b == 0 ? 0 : -1;
}

/* ---- helpers -------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Has the server closed fd? Looks without waiting; data it sent is dropped. */
static int closed_now(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) continue;
        if (r == 0) return 1;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : 1;
    }
}

static int connect_from(const ts_server *s, const char *src)
{
    int fd = ts_http_connect_from(s->port, src);
    if (fd < 0) fail_msg("cannot connect to port %d from %s", s->port, src);
    return fd;
}

static void send_text(int fd, const char *text)
{
    /* a closed peer may fail the send; the caller looks at closed_now() */
    (void)ts_http_send_all(fd, text, strlen(text));
}

/* Reads one answer to GET /healthz on a kept-alive connection (its body is
 * the last thing in it). */
static void read_healthz_answer(int fd)
{
    char buf[4096];
    size_t len = 0;
    double until = now_s() + 30;

    buf[0] = '\0';
    while (!strstr(buf, "{\"status\":\"ok\"}") && now_s() < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t r;
        if (poll(&p, 1, 1000) <= 0) continue;
        r = recv(fd, buf + len, sizeof buf - 1 - len, 0);
        if (r <= 0) break;
        len += (size_t)r;
        buf[len] = '\0';
    }
    if (ts_http_raw_status(buf) != 200 || !strstr(buf, "{\"status\":\"ok\"}"))
        fail_msg("no 200 from /healthz on a kept-alive connection: '%s'", buf);
}

static void get_healthz_from(const ts_server *s, const char *src)
{
    ts_http_resp r;
    ts_http_req q = {.url = ts_server_url(s, "/healthz"), .local_addr = src, .timeout_s = 30};
    if (ts_http(&q, &r) != 0) fail_msg("GET /healthz from %s: %s", src, r.error);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

/* ---- slow clients ---------------------------------------------------------- */

/* 40 connections send a request line, then a header line every second:
 * every byte resets libmicrohttpd's idle timeout, so before the reaper they
 * stayed open for as long as they kept sending. */
static void test_slowloris_headers(void **state)
{
    int fds[SLOW], open_n = SLOW;
    bool served = false;
    double t0, last_line = 0;
    const char *series = "geoeditor_connections_timed_out_total{phase=\"header\"}";
    char *log;
    (void)state;

    for (int i = 0; i < SLOW; i++) {
        fds[i] = connect_from(&slow, "127.0.0.1");
        send_text(fds[i], "GET /healthz HTTP/1.1\r\nHost: t\r\n");
    }
    t0 = now_s();
    while (open_n > 0 && now_s() - t0 < BOUND_S) {
        if (now_s() - last_line >= 1.0) {
            last_line = now_s();
            for (int i = 0; i < SLOW; i++)
                if (fds[i] >= 0) send_text(fds[i], "X-Slow: 1\r\n");
        }
        /* Meanwhile another address is served at once. */
        if (!served) {
            get_healthz_from(&slow, "127.0.0.2");
            served = true;
        }
        for (int i = 0; i < SLOW; i++)
            if (fds[i] >= 0 && closed_now(fds[i])) {
                close(fds[i]);
                fds[i] = -1;
                open_n--;
            }
        usleep(100 * 1000);
    }
    for (int i = 0; i < SLOW; i++)
        if (fds[i] >= 0) close(fds[i]);
    if (open_n > 0)
        fail_msg("%d of %d slow connections still open after %d s (header_timeout 2 s)", open_n,
                 SLOW, BOUND_S);
    assert_true(served);
    assert_true(ts_metric_wait_at_least(&slow, series, SLOW, 10) >= SLOW);
    log = ts_server_log(&slow);
    assert_non_null(strstr(log, "\"msg\":\"connection timed out\",\"phase\":\"header\","
                                "\"remote\":\"127.0.0.1\",\"limit_s\":2"));
    free(log);
    /* the address is welcome again once its connections are gone */
    get_healthz_from(&slow, "127.0.0.1");
}

/* Complete headers, then one body byte a second: cut after body_timeout. */
static void test_slow_body(void **state)
{
    const char *series = "geoeditor_connections_timed_out_total{phase=\"body\"}";
    double before = ts_metric_settled(&slow, series), t0;
    int fd = connect_from(&slow, "127.0.0.3"), closed = 0;
    (void)state;

    send_text(fd, "POST /v1/validate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  "Content-Length: 1000\r\n\r\n");
    t0 = now_s();
    while (!closed && now_s() - t0 < BOUND_S) {
        send_text(fd, " ");
        closed = ts_http_wait_closed(fd, 1000);
    }
    close(fd);
    if (!closed)
        fail_msg("a body trickling one byte a second still flows after %d s (body_timeout 3 s)",
                 BOUND_S);
    assert_true(ts_metric_wait_at_least(&slow, series, before + 1, 10) >= before + 1);
}

/* On two kept-alive connections after one request each: the one that then
 * trickles its next request is cut after header_timeout; the one that sends
 * nothing is left to connection_timeout (30 s) and still answers after the
 * other was cut (so it was idle for longer than header_timeout). */
static void test_keepalive(void **state)
{
    const char *req = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    int trickle = connect_from(&slow, "127.0.0.4"), idle = connect_from(&slow, "127.0.0.4");
    int closed = 0;
    double t0;
    (void)state;

    send_text(trickle, req);
    read_healthz_answer(trickle);
    send_text(idle, req);
    read_healthz_answer(idle);

    send_text(trickle, "GET /healthz HTTP/1.1\r\n");
    t0 = now_s();
    while (!closed && now_s() - t0 < BOUND_S) {
        closed = ts_http_wait_closed(trickle, 1000);
        if (!closed) send_text(trickle, "X-Slow: 1\r\n");
    }
    close(trickle);
    if (!closed)
        fail_msg("a next request trickling on a kept-alive connection still flows after %d s",
                 BOUND_S);
    assert_false(closed_now(idle));
    send_text(idle, req);
    read_healthz_answer(idle);
    close(idle);
}

/* ---- the per-address cap --------------------------------------------------- */

static void test_per_ip_cap(void **state)
{
    int held[3], extra, again = -1, served_again = 0;
    char *answer;
    (void)state;

    for (int i = 0; i < 3; i++) {
        held[i] = connect_from(&capped, "127.0.0.5");
        send_text(held[i], "GET /healthz HTTP/1.1\r\n");
    }
    /* The kernel completes the handshake; the server closes it after accept. */
    extra = connect_from(&capped, "127.0.0.5");
    if (!ts_http_wait_closed(extra, 10000))
        fail_msg("a fourth connection from one address stayed open (max_connections_per_ip 3)");
    close(extra);
    assert_true(ts_metric_wait_at_least(&capped, "geoeditor_connections_refused_total", 1, 10) >=
                1);

    /* another address is served meanwhile */
    get_healthz_from(&capped, "127.0.0.6");

    /* the three held connections were not touched: each finishes its request */
    for (int i = 0; i < 3; i++) {
        send_text(held[i], "Host: t\r\n\r\n");
        read_healthz_answer(held[i]);
    }
    close(held[0]);
    /* With one gone (the server notices at its own pace), the address gets
     * a connection again. */
    for (int tries = 0; tries < 100 && !served_again; tries++) {
        again = connect_from(&capped, "127.0.0.5");
        send_text(again, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        answer = ts_http_read_all(again, 10000, NULL);
        served_again = ts_http_raw_status(answer) == 200;
        free(answer);
        close(again);
        if (!served_again) usleep(100 * 1000);
    }
    assert_true(served_again);
    close(held[1]);
    close(held[2]);
}

/* ---- body framing ---------------------------------------------------------- */

/* One raw request to the slow server, its whole answer (or NULL). */
static char *raw(const char *request)
{
    return ts_http_raw(slow.port, request, strlen(request), 10000);
}

/* Sends a raw request to /healthz (POST there is 405 when the framing is
 * fine) and checks a 400 naming header whose detail contains needle. */
static void expect_framing_400(const char *request, const char *header, const char *needle)
{
    char *answer = raw(request), *body;
    json_t *doc;

    assert_non_null(answer);
    if (ts_http_raw_status(answer) != 400)
        fail_msg("expected 400 for\n%s\ngot:\n%s", request, answer);
    assert_non_null(strstr(answer, "Content-Type: application/problem+json"));
    assert_non_null(strstr(answer, "Connection: close"));
    body = strstr(answer, "\r\n\r\n");
    assert_non_null(body);
    doc = json_loads(body + 4, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "header")), header);
    if (!strstr(json_string_value(json_object_get(doc, "detail")), needle))
        fail_msg("detail '%s' lacks '%s'", json_string_value(json_object_get(doc, "detail")),
                 needle);
    json_decref(doc);
    free(answer);
}

static void test_framing(void **state)
{
    char *answer;
    (void)state;

    expect_framing_400("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                       "Content-Length: 12\r\n\r\n{}0123456789",
                       "Content-Length", "different values ('2' and '12')");
    expect_framing_400("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                       "Content-Length", "both Content-Length and Transfer-Encoding");
    expect_framing_400("POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"
                       "xxxx",
                       "Transfer-Encoding", "'gzip' is not supported");
    expect_framing_400("POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                       "Transfer-Encoding", "(repeated)");

    /* German too */
    answer = raw("POST /healthz HTTP/1.1\r\nHost: t\r\nAccept-Language: de\r\n"
                 "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
    assert_int_equal(ts_http_raw_status(answer), 400);
    assert_non_null(strstr(answer, "Content-Length-Header mit verschiedenen Werten"));
    free(answer);

    /* The same length twice is one length (RFC 9110, 8.6), and a plain
     * chunked body is fine: both reach the route (405: GET only). */
    answer = raw("POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                 "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
    assert_int_equal(ts_http_raw_status(answer), 405);
    free(answer);
    answer = raw("POST /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n"
                 "Connection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
    assert_int_equal(ts_http_raw_status(answer), 405);
    free(answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slowloris_headers), cmocka_unit_test(test_slow_body),
        cmocka_unit_test(test_keepalive),         cmocka_unit_test(test_per_ip_cap),
        cmocka_unit_test(test_framing),
    };
    int failed;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests_name("netlimits", tests, start_servers, stop_servers);
    curl_global_cleanup();
    return ts_exit(failed);
}
