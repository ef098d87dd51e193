/*
 * test_api_ops.c - the HTTP layer against the real geoeditor binary:
 * /healthz, /readyz, /metrics (format and counting), 404/405/400 problems in
 * English and German, body limits (Content-Length and chunked) and header
 * limits with the server staying up, many concurrent keep-alive clients,
 * gzip, the access log (JSON, no query strings or tokens), draining on
 * SIGTERM, the grace limit, a port that is already in use, who may read
 * /metrics (metrics_allow, metrics_token), and that a server others can reach
 * needs public_url.
 *
 * Most tests share one server started with small limits; the shutdown tests
 * start their own. No assertion depends on how long something takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_server.h"

#define MAX_BODY   2048
#define MAX_HEADER 8192

static ts_server shared;

static const char *const shared_args[] = {"--max-body", "2048", "--max-header", "8192", "--threads",
                                          "4",          NULL};

static int start_shared(void **state)
{
    ts_server_opts o = {.args = shared_args};
    return ts_server_start(&shared, "api_ops", &o);
}

static int stop_shared(void **state)
{
    int status = ts_server_stop(&shared);
    if (status != 0) fprintf(stderr, "shared server exited with %d\n", status);
    return status == 0 ? 0 : -1;
}

/* ---- helpers -------------------------------------------------------------- */

static void get(const char *path, ts_http_resp *r)
{
    if (ts_http_get(ts_server_url(&shared, path), r) != 0) fail_msg("GET %s: %s", path, r->error);
}

static json_t *parse_json(const ts_http_resp *r)
{
    json_error_t e;
    json_t *doc = json_loadb(r->body, r->body_len, 0, &e);
    if (!doc) fail_msg("not JSON (%s): %.300s", e.text, r->body);
    return doc;
}

/* Checks an RFC 7807 document and returns it (decref it). */
static json_t *expect_problem(const ts_http_resp *r, int status)
{
    json_t *p;
    const char *ct = ts_http_header(r, "Content-Type");

    if (r->status != status) fail_msg("expected %d, got %ld: %.300s", status, r->status, r->body);
    if (!ct || strcmp(ct, "application/problem+json") != 0)
        fail_msg("Content-Type of a problem: %s", ct ? ct : "(none)");
    p = parse_json(r);
    assert_int_equal(json_integer_value(json_object_get(p, "status")), status);
    assert_non_null(json_string_value(json_object_get(p, "type")));
    assert_non_null(json_string_value(json_object_get(p, "title")));
    assert_non_null(json_string_value(json_object_get(p, "detail")));
    return p;
}

static const char *detail_of(json_t *p)
{
    return json_string_value(json_object_get(p, "detail"));
}

/* Fails unless the series reaches exactly `want` within 5 s (the server
 * counts a request once its response is sent: see ts_metrics.h). */
static void expect_metric(const char *series, double want)
{
    double v = ts_metric_wait(&shared, series, want, 5);
    if (v != want) fail_msg("%s is %g, expected %g", series, v, want);
}

/* Fails unless the series reaches at least `min` within 5 s. */
static void expect_at_least(const char *series, double min)
{
    double v = ts_metric_wait_at_least(&shared, series, min, 5);
    if (v < min) fail_msg("%s is %g, expected at least %g", series, v, min);
}

static void expect_healthy(void)
{
    ts_http_resp r;
    get("/healthz", &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
}

static char *raw_request(int port, const char *text, size_t len)
{
    char *answer = ts_http_raw(port, text, len, 30000);
    if (!answer) fail_msg("cannot connect to port %d", port);
    return answer;
}

/* ---- operations endpoints ------------------------------------------------ */

static void test_healthz_readyz(void **state)
{
    ts_http_resp r;
    json_t *doc;
    ts_http_req head = {.method = "HEAD", .url = ts_server_url(&shared, "/healthz")};

    get("/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/json");
    assert_string_equal(ts_http_header(&r, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(ts_http_header(&r, "Referrer-Policy"), "no-referrer");
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "no-store");
    assert_non_null(ts_http_header(&r, "Content-Security-Policy"));
    assert_non_null(ts_http_header(&r, "X-Request-Id"));
    doc = parse_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "ok");
    json_decref(doc);
    ts_http_resp_free(&r);

    get("/readyz", &r);
    assert_int_equal(r.status, 200);
    doc = parse_json(&r);
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "ready");
    json_decref(doc);
    ts_http_resp_free(&r);

    /* HEAD is answered by the GET route, without a body */
    assert_int_equal(ts_http(&head, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(ts_http_header(&r, "Content-Length"), "15");
    ts_http_resp_free(&r);
}

/* Every sample line is "name{labels} value" (exposition format 0.0.4). */
static void check_exposition(const char *text)
{
    const char *line = text;
    int samples = 0;

    while (*line) {
        const char *eol = strchr(line, '\n'), *p = line;
        if (!eol) fail_msg("the exposition must end with a newline");
        if (*line != '#') {
            if (!(isalpha((unsigned char)*p) || *p == '_'))
                fail_msg("bad metric line: %.*s", (int)(eol - line), line);
            while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
                p++;
            if (*p == '{') {
                p = strchr(p, '}');
                if (!p || p > eol) fail_msg("unclosed labels: %.*s", (int)(eol - line), line);
                p++;
            }
            if (*p != ' ') fail_msg("no value: %.*s", (int)(eol - line), line);
            char *end;
            strtod(p + 1, &end);
            if (end != eol) fail_msg("bad value: %.*s", (int)(eol - line), line);
            samples++;
        }
        line = eol + 1;
    }
    assert_true(samples > 10);
}

#define METRICS_TOKEN "m3tr1cs-t0ken-for-the-test-0123"

/* GET /metrics from the loopback address src, with an Authorization header
 * when auth is not NULL. */
static void get_metrics_from(const ts_server *s, const char *src, const char *auth,
                             const char *lang, ts_http_resp *r)
{
    char h[256], l[64];
    const char *hdrs[3] = {NULL, NULL, NULL};
    int n = 0;
    ts_http_req q = {.url = ts_server_url(s, "/metrics"), .local_addr = src, .headers = hdrs};

    if (auth) {
        snprintf(h, sizeof h, "Authorization: %s", auth);
        hdrs[n++] = h;
    }
    if (lang) {
        snprintf(l, sizeof l, "Accept-Language: %s", lang);
        hdrs[n++] = l;
    }
    if (ts_http(&q, r) != 0) fail_msg("GET /metrics from %s: %s", src, r->error);
}

static void expect_metrics_403(const ts_server *s, const char *src, const char *auth)
{
    ts_http_resp r;
    json_t *doc;

    get_metrics_from(s, src, auth, NULL, &r);
    if (r.status != 403)
        fail_msg("/metrics from %s with '%s': %ld, expected 403", src, auth ? auth : "-", r.status);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_non_null(strstr(json_string_value(json_object_get(doc, "detail")), "metrics_allow"));
    assert_non_null(strstr(json_string_value(json_object_get(doc, "detail")), "metrics_token"));
    assert_string_equal(json_string_value(json_object_get(doc, "remote")), src);
    assert_null(strstr(r.body, "http_requests_total"));
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_metrics(void **state)
{
    const char *ok = "http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}";
    const char *count = "http_request_duration_seconds_count{route=\"/healthz\"}";
    const char *inf = "http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}";
    ts_http_resp r;
    double before, count_before;

    expect_healthy();
    ts_metric_settled(&shared, ok);
    get("/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"),
                        "text/plain; version=0.0.4; charset=utf-8");
    check_exposition(r.body);
    assert_non_null(strstr(r.body, "# TYPE http_requests_total counter\n"));
    assert_non_null(strstr(r.body, "# TYPE http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(r.body, "http_request_duration_seconds_sum{route=\"/healthz\"} "));
    assert_non_null(strstr(r.body, "\nhttp_requests_in_flight "));
    assert_non_null(strstr(r.body, "\nprocess_start_time_seconds "));
    assert_non_null(strstr(r.body, "\ngeoeditor_build_info{version=\""));
    before = ts_metric_in(r.body, ok);
    count_before = ts_metric_in(r.body, count);
    assert_true(before >= 1);
    assert_true(ts_metric_in(r.body, inf) == count_before);
    ts_http_resp_free(&r);

    /* the default metrics_allow is all of loopback */
    get_metrics_from(&shared, "127.0.0.2", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);

    for (int i = 0; i < 3; i++)
        expect_healthy();
    expect_metric(ok, before + 3);
    expect_metric(count, count_before + 3);

    /* Unknown paths share one label: the raw path never becomes a series. */
    get("/no-such-path-for-metrics", &r);
    ts_http_resp_free(&r);
    get("/metrics", &r);
    assert_null(strstr(r.body, "no-such-path-for-metrics"));
    ts_http_resp_free(&r);
    expect_at_least("http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}", 1);
}

/* ---- problems ----------------------------------------------------------- */

static void test_not_found(void **state)
{
    ts_http_resp r;
    json_t *p;
    const char *de[] = {"Accept-Language: de-DE,de;q=0.9,en;q=0.8", NULL};
    ts_http_req req = {.url = ts_server_url(&shared, "/no/such/path"), .headers = de};

    get("/no/such/path", &r);
    p = expect_problem(&r, 404);
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Not Found");
    assert_string_equal(json_string_value(json_object_get(p, "type")),
                        "urn:geoeditor:problem:not-found");
    assert_non_null(strstr(detail_of(p), "/no/such/path"));
    assert_string_equal(json_string_value(json_object_get(p, "instance")), "/no/such/path");
    assert_string_equal(ts_http_header(&r, "Content-Language"), "en");
    json_decref(p);
    ts_http_resp_free(&r);

    assert_int_equal(ts_http(&req, &r), 0);
    p = expect_problem(&r, 404);
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Nicht gefunden");
    assert_non_null(strstr(detail_of(p), "/no/such/path"));
    assert_string_equal(ts_http_header(&r, "Content-Language"), "de");
    json_decref(p);
    ts_http_resp_free(&r);
}

static void test_method_not_allowed(void **state)
{
    ts_http_resp r;
    json_t *p;
    ts_http_req post = {.url = ts_server_url(&shared, "/healthz"), .body = "{}", .body_len = 2};
    ts_http_req del = {.method = "DELETE", .url = ts_server_url(&shared, "/metrics")};
    ts_http_req opt = {.method = "OPTIONS", .url = ts_server_url(&shared, "/readyz")};

    assert_int_equal(ts_http(&post, &r), 0);
    p = expect_problem(&r, 405);
    assert_string_equal(ts_http_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    assert_string_equal(json_string_value(json_object_get(p, "title")), "Method Not Allowed");
    assert_non_null(strstr(detail_of(p), "POST"));
    assert_non_null(strstr(detail_of(p), "/healthz"));
    json_decref(p);
    ts_http_resp_free(&r);

    assert_int_equal(ts_http(&del, &r), 0);
    p = expect_problem(&r, 405);
    assert_string_equal(ts_http_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    json_decref(p);
    ts_http_resp_free(&r);

    assert_int_equal(ts_http(&opt, &r), 0);
    assert_int_equal(r.status, 204);
    assert_string_equal(ts_http_header(&r, "Allow"), "GET, HEAD, OPTIONS");
    ts_http_resp_free(&r);

    /* the 405 counts under the route's pattern */
    expect_at_least("http_requests_total{route=\"/healthz\",method=\"POST\",status=\"405\"}", 1);
}

static void test_bad_requests(void **state)
{
    ts_http_resp r;
    json_t *p;
    char *answer;
    const char garbage[] = "THIS IS NOT HTTP\r\n\r\n";

    get("/collections/%zz", &r);
    p = expect_problem(&r, 400);
    json_decref(p);
    ts_http_resp_free(&r);

    get("/healthz?limit=%zz", &r);
    p = expect_problem(&r, 400);
    assert_string_equal(json_string_value(json_object_get(p, "parameter")), "limit");
    json_decref(p);
    ts_http_resp_free(&r);

    /* libmicrohttpd answers a broken request line itself; we stay up */
    answer = raw_request(shared.port, garbage, sizeof garbage - 1);
    assert_int_equal(ts_http_raw_status(answer) / 100, 4);
    free(answer);
    expect_healthy();
}

/* ---- limits ------------------------------------------------------------- */

static void test_body_limit_content_length(void **state)
{
    /* Only the headers are sent: the 413 must come without the body. */
    const char req[] = "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 100000000\r\n\r\n";
    char *answer = raw_request(shared.port, req, sizeof req - 1);
    const char *body;
    json_error_t e;
    json_t *p;
    char *at_limit;
    ts_http_resp r;
    ts_http_req post = {.url = ts_server_url(&shared, "/healthz")};

    assert_int_equal(ts_http_raw_status(answer), 413);
    assert_non_null(strstr(answer, "application/problem+json"));
    body = strstr(answer, "\r\n\r\n");
    assert_non_null(body);
    p = json_loads(body + 4, 0, &e);
    if (!p) fail_msg("413 body is not JSON: %s", body + 4);
    assert_int_equal(json_integer_value(json_object_get(p, "limit")), MAX_BODY);
    assert_non_null(strstr(detail_of(p), "100000000"));
    assert_non_null(strstr(detail_of(p), "2048"));
    json_decref(p);
    free(answer);
    expect_healthy();

    /* exactly at the limit is accepted (and then refused by method, not size) */
    at_limit = malloc(MAX_BODY);
    memset(at_limit, 'x', MAX_BODY);
    post.body = at_limit;
    post.body_len = MAX_BODY;
    assert_int_equal(ts_http(&post, &r), 0);
    assert_int_equal(r.status, 405);
    ts_http_resp_free(&r);
    free(at_limit);
}

static void test_body_limit_chunked(void **state)
{
    size_t n = 8 * MAX_BODY;
    char *big = malloc(n);
    ts_http_resp r;
    ts_http_req post = {.url = ts_server_url(&shared, "/healthz"), .chunked = true};
    json_t *p;

    memset(big, 'y', n);
    post.body = big;
    post.body_len = n;
    assert_int_equal(ts_http(&post, &r), 0);
    p = expect_problem(&r, 413);
    assert_int_equal(json_integer_value(json_object_get(p, "limit")), MAX_BODY);
    json_decref(p);
    ts_http_resp_free(&r);
    free(big);

    expect_healthy();
    expect_at_least("http_requests_total{route=\"/healthz\",method=\"POST\",status=\"413\"}", 2);
}

static char *request_with_header(size_t filler)
{
    const char head[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Filler: ";
    const char tail[] = "\r\nConnection: close\r\n\r\n";
    char *req = malloc(sizeof head + filler + sizeof tail);
    memcpy(req, head, sizeof head - 1);
    memset(req + sizeof head - 1, 'h', filler);
    memcpy(req + sizeof head - 1 + filler, tail, sizeof tail);
    return req;
}

static void test_header_limit(void **state)
{
    char *req, *answer;
    const char *body;
    json_t *p;
    json_error_t e;

    /* under the limit */
    req = request_with_header(MAX_HEADER / 2);
    answer = raw_request(shared.port, req, strlen(req));
    assert_int_equal(ts_http_raw_status(answer), 200);
    free(answer);
    free(req);

    /* just over it: our own 431 problem, naming the limit */
    req = request_with_header(MAX_HEADER + 100);
    answer = raw_request(shared.port, req, strlen(req));
    assert_int_equal(ts_http_raw_status(answer), 431);
    assert_non_null(strstr(answer, "application/problem+json"));
    body = strstr(answer, "\r\n\r\n");
    p = body ? json_loads(body + 4, 0, &e) : NULL;
    if (!p) fail_msg("431 body is not JSON: %s", answer);
    assert_int_equal(json_integer_value(json_object_get(p, "limit")), MAX_HEADER);
    json_decref(p);
    free(answer);
    free(req);
    expect_healthy();

    /* far over it: libmicrohttpd's own 431 (the connection's memory is full) */
    req = request_with_header(200000);
    answer = raw_request(shared.port, req, strlen(req));
    assert_int_equal(ts_http_raw_status(answer), 431);
    free(answer);
    free(req);
    expect_healthy();
    expect_at_least("http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"431\"}", 1);
    expect_at_least("http_requests_total{route=\"/healthz\",method=\"GET\",status=\"431\"}", 1);
}

/* ---- concurrency, keep-alive, gzip --------------------------------------- */

#define CLIENTS  8
#define REQUESTS 40

typedef struct client_result {
    int ok;
    long connects;
} client_result;

static void *client_thread(void *arg)
{
    client_result *res = arg;
    CURL *c = curl_easy_init();
    const char *url = ts_server_url(&shared, "/healthz");
    char myurl[256];

    snprintf(myurl, sizeof myurl, "%s", url);
    for (int i = 0; i < REQUESTS; i++) {
        ts_http_resp r;
        ts_http_req req = {.url = myurl, .handle = c};
        long connects = 0;
        if (ts_http(&req, &r) == 0 && r.status == 200 && strcmp(r.body, "{\"status\":\"ok\"}") == 0)
            res->ok++;
        curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
        res->connects += connects;
        ts_http_resp_free(&r);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static void test_concurrent_keepalive(void **state)
{
    pthread_t th[CLIENTS];
    client_result res[CLIENTS];
    const char *series = "http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}";
    double before = ts_metric_settled(&shared, series);

    memset(res, 0, sizeof res);
    for (int i = 0; i < CLIENTS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, client_thread, &res[i]), 0);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < CLIENTS; i++) {
        assert_int_equal(res[i].ok, REQUESTS);
        /* keep-alive: far fewer connections than requests */
        if (res[i].connects >= REQUESTS / 2)
            fail_msg("client %d opened %ld connections for %d requests", i, res[i].connects,
                     REQUESTS);
    }
    expect_metric(series, before + CLIENTS * REQUESTS);
}

static void test_gzip(void **state)
{
    ts_http_resp r;
    ts_http_req gz = {.url = ts_server_url(&shared, "/metrics"), .decode = true};
    ts_http_req plain = {.url = ts_server_url(&shared, "/metrics")};

    assert_int_equal(ts_http(&gz, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Encoding"), "gzip");
    assert_string_equal(ts_http_header(&r, "Vary"), "Accept-Encoding");
    /* libcurl decoded it: the text is readable */
    assert_non_null(strstr(r.body, "# TYPE http_requests_total counter"));
    check_exposition(r.body);
    ts_http_resp_free(&r);

    assert_int_equal(ts_http(&plain, &r), 0);
    assert_null(ts_http_header(&r, "Content-Encoding"));
    assert_non_null(strstr(r.body, "# TYPE http_requests_total counter"));
    ts_http_resp_free(&r);
}

/* ---- the access log ------------------------------------------------------ */

static void test_access_log(void **state)
{
    const char *secret = "SeCrEtQuErYvAlUe1234";
    const char *token = "T0kenT0kenT0kenT0kenT0ken_42";
    char path[256];
    ts_http_resp r;
    char *log, *line;
    int requests = 0;

    snprintf(path, sizeof path, "/healthz?api_key=%s", secret);
    get(path, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    snprintf(path, sizeof path, "/edit/%s/features?token=%s", token, secret);
    get(path, &r);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);
    /* the 404 problem does not echo the token either */
    get(path, &r);
    assert_null(strstr(r.body, token));
    ts_http_resp_free(&r);
    assert_true(ts_server_log_wait(&shared, "\"path\":\"/edit/{redacted}/features\"", 30));

    log = ts_server_log(&shared);
    assert_null(strstr(log, secret));
    assert_null(strstr(log, token));
    /* one JSON object per line; requests carry what an operator needs */
    for (line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        json_error_t e;
        json_t *o = json_loads(line, 0, &e);
        if (!o) fail_msg("log line is not JSON: %s", line);
        if (strcmp(json_string_value(json_object_get(o, "msg")), "request") == 0) {
            const char *keys[] = {"method", "route",       "path",   "status",
                                  "bytes",  "duration_ms", "remote", "request_id"};
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (!json_object_get(o, keys[i]))
                    fail_msg("request log line without '%s': %s", keys[i], line);
            assert_null(strchr(json_string_value(json_object_get(o, "path")), '?'));
            requests++;
        }
        json_decref(o);
    }
    assert_true(requests > 5);
    free(log);
}

/* ---- shutdown and start-up failures -------------------------------------- */

/* Waits until the server counts `n` requests in flight besides the scrape. */
static void wait_in_flight(const ts_server *s, int n)
{
    for (int i = 0; i < 3000; i++) {
        if (ts_metric(s, "http_requests_in_flight") >= n + 1) return;
        usleep(10000);
    }
    fail_msg("the server never had %d request(s) in flight", n);
}

/* The shutdown tests' own server, killed by the teardown if a test fails. */
static ts_server own;

static int kill_own(void **state)
{
    ts_server_kill(&own);
    return 0;
}

static void test_sigterm_drains(void **state)
{
    ts_server *s = &own;
    const char head[] = "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345";
    char *answer;
    int fd, refused = 0;

    assert_int_equal(ts_server_start(s, "api_ops_drain", NULL), 0);
    fd = ts_http_connect(s->port);
    assert_true(fd >= 0);
    /* half a body: the request is in flight until the rest arrives */
    assert_int_equal(ts_http_send_all(fd, head, sizeof head - 1), 0);
    wait_in_flight(s, 1);

    assert_int_equal(ts_server_signal(s, SIGTERM), 0);
    assert_true(ts_server_log_wait(s, "\"msg\":\"shutting down\"", 60));
    /* no new connections once it drains */
    for (int i = 0; i < 3000 && !refused; i++) {
        int probe = ts_http_connect(s->port);
        if (probe < 0)
            refused = 1;
        else {
            close(probe);
            usleep(10000);
        }
    }
    assert_true(refused);

    /* the request in flight still gets its whole answer */
    assert_int_equal(ts_http_send_all(fd, "67890", 5), 0);
    answer = ts_http_read_all(fd, 30000, NULL);
    close(fd);
    assert_int_equal(ts_http_raw_status(answer), 405);
    assert_non_null(strstr(answer, "Connection: close"));
    assert_non_null(strstr(answer, "\"status\":405,"));
    free(answer);

    assert_int_equal(ts_server_wait(s, 60), 0);
    assert_true(ts_server_log_wait(s, "\"drained\":true", 0));
}

static void test_grace_limit(void **state)
{
    ts_server *s = &own;
    const char *args[] = {"--shutdown-grace", "1", NULL};
    ts_server_opts o = {.args = args};
    const char head[] = "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n1";
    int fd;

    assert_int_equal(ts_server_start(s, "api_ops_grace", &o), 0);
    fd = ts_http_connect(s->port);
    assert_true(fd >= 0);
    assert_int_equal(ts_http_send_all(fd, head, sizeof head - 1), 0);
    wait_in_flight(s, 1);
    /* the client never finishes: the server stops after the grace time anyway */
    assert_int_equal(ts_server_signal(s, SIGINT), 0);
    assert_int_equal(ts_server_wait(s, 60), 0);
    assert_true(ts_server_log_wait(s, "\"drained\":false", 0));
    close(fd);
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_port_in_use(void **state)
{
    ts_server second;
    ts_server_opts o = {.port = shared.port, .no_wait = true};
    char expect[128], *log;

    assert_int_equal(ts_server_start(&second, "api_ops_port", &o), 0);
    assert_true(ts_server_wait(&second, 60) > 0);
    log = ts_server_log(&second);
    snprintf(expect, sizeof expect, "cannot listen on 127.0.0.1:%d: Address already in use",
             shared.port);
    if (count_lines_with(log, expect) != 1)
        fail_msg("expected one line with '%s', log:\n%s", expect, log);
    free(log);
    /* the first server is unharmed */
    expect_healthy();
}

/* ---- who may read /metrics ------------------------------------------------ */

static void test_metrics_access(void **state)
{
    const char *args[] = {"--metrics-allow", "127.0.0.1/32", NULL};
    /* the token through the environment: a flag would show in ps */
    const char *env[] = {"GEOEDITOR_METRICS_TOKEN=" METRICS_TOKEN, NULL};
    ts_server_opts o = {.args = args, .env = env};
    ts_http_resp r;

    assert_int_equal(ts_server_start(&own, "api_ops_metrics", &o), 0);
    get_metrics_from(&own, "127.0.0.1", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "# TYPE http_requests_total counter"));
    ts_http_resp_free(&r);

    expect_metrics_403(&own, "127.0.0.2", NULL);
    expect_metrics_403(&own, "127.0.0.2", "Bearer m3tr1cs-t0ken-for-the-test-0124");
    expect_metrics_403(&own, "127.0.0.2", "Bearer m3tr1cs-t0ken-for-the-test-012");
    expect_metrics_403(&own, "127.0.0.2", "Basic " METRICS_TOKEN);
    get_metrics_from(&own, "127.0.0.2", NULL, "de", &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "darf von den Adressen in der Einstellung metrics_allow"));
    ts_http_resp_free(&r);

    get_metrics_from(&own, "127.0.0.2", "Bearer " METRICS_TOKEN, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "# TYPE http_requests_total counter"));
    ts_http_resp_free(&r);
    /* the refusals were counted like any answer (read from 127.0.0.1) */
    assert_true(ts_metric_wait_at_least(&own,
                                        "http_requests_total{route=\"/metrics\",method=\"GET\","
                                        "status=\"403\"}",
                                        5, 10) >= 5);
    assert_int_equal(ts_server_stop(&own), 0);
}

/* The memory gauges: present, and their values plausible - the configured
 * limits as set, the pool's counts within its size, mallinfo2's parts
 * adding up, and the trimmer trimming. */
static void test_metrics_memory(void **state)
{
    const char *args[] = {"--tile-cache",
                          "8M",
                          "--store-cache",
                          "1M",
                          "--prepared-cache",
                          "3M",
                          "--malloc-trim-interval",
                          "1",
                          NULL};
    ts_server_opts o = {.args = args};
    const char *names[] = {"process_resident_memory_bytes",
                           "geoeditor_tile_cache_bytes",
                           "geoeditor_tile_cache_limit_bytes",
                           "geoeditor_tile_cache_entries",
                           "geoeditor_tile_cache_hits_total",
                           "geoeditor_tile_cache_misses_total",
                           "geoeditor_tile_cache_evictions_total",
                           "geoeditor_store_connections{state=\"open\"}",
                           "geoeditor_store_connections{state=\"idle\"}",
                           "geoeditor_store_connections_max",
                           "geoeditor_store_page_cache_bytes",
                           "geoeditor_store_page_cache_limit_bytes",
                           "geoeditor_store_schema_bytes",
                           "geoeditor_store_statement_bytes",
                           "geoeditor_sqlite_memory_bytes",
                           "geoeditor_sqlite_memory_highwater_bytes",
                           "geoeditor_prepared_geometries",
                           "geoeditor_prepared_geometry_bytes",
                           "geoeditor_prepared_geometry_limit_bytes",
                           "geoeditor_prepared_geometries_evicted_total",
                           "geoeditor_malloc_bytes{kind=\"arena\"}",
                           "geoeditor_malloc_bytes{kind=\"in_use\"}",
                           "geoeditor_malloc_bytes{kind=\"free\"}",
                           "geoeditor_malloc_bytes{kind=\"mmap\"}",
                           "geoeditor_malloc_bytes{kind=\"releasable\"}",
                           "geoeditor_malloc_arenas",
                           "geoeditor_malloc_trims_total",
                           "geoeditor_malloc_trimmed_bytes_total"};
    ts_http_resp r;
    double rss, open, idle, used, arena, in_use, freeb, cache;
    bool pg;

    assert_int_equal(ts_server_start(&own, "api_ops_memory", &o), 0);
    pg = ts_store_is_pg(own.db);
    get_metrics_from(&own, "127.0.0.1", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    check_exposition(r.body);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_metric_in(r.body, names[i]) < 0) fail_msg("/metrics lacks %s", names[i]);
    assert_non_null(strstr(r.body, "# TYPE geoeditor_malloc_bytes gauge\n"));
    assert_non_null(strstr(r.body, "# TYPE geoeditor_malloc_trims_total counter\n"));

    /* a server process is megabytes, not bytes nor terabytes */
    rss = ts_metric_in(r.body, "process_resident_memory_bytes");
    assert_true(rss > 4e6 && rss < 8e9);
    /* the limits are the settings */
    assert_true(ts_metric_in(r.body, "geoeditor_tile_cache_limit_bytes") == 8 << 20);
    /* (SQLite's figures: a PostGIS store answers 0 for them, ts_backend.h) */
    assert_true(ts_metric_in(r.body, "geoeditor_store_page_cache_limit_bytes") ==
                (pg ? 0 : 1 << 20));
    assert_true(ts_metric_in(r.body, "geoeditor_prepared_geometry_limit_bytes") == 3 << 20);
    /* nothing checked yet, nothing prepared */
    assert_true(ts_metric_in(r.body, "geoeditor_prepared_geometries") == 0);
    assert_true(ts_metric_in(r.body, "geoeditor_prepared_geometry_bytes") == 0);
    /* no tile asked for yet */
    assert_true(ts_metric_in(r.body, "geoeditor_tile_cache_entries") == 0);
    assert_true(ts_metric_in(r.body, "geoeditor_tile_cache_bytes") == 0);
    /* the pool: at least the connection that counted the webhook outbox */
    assert_true(ts_metric_in(r.body, "geoeditor_store_connections_max") == 8);
    open = ts_metric_in(r.body, "geoeditor_store_connections{state=\"open\"}");
    idle = ts_metric_in(r.body, "geoeditor_store_connections{state=\"idle\"}");
    assert_true(open >= 1 && open <= 8);
    assert_true(idle >= 0 && idle <= open);
    /* idle connections have read the schema; SQLite holds at least that */
    used = ts_metric_in(r.body, "geoeditor_sqlite_memory_bytes");
    assert_true(pg ? used == 0 : used > 0);
    assert_true(ts_metric_in(r.body, "geoeditor_sqlite_memory_highwater_bytes") >= used);
    /* cache_size counts page contents; the bytes include each page's header
     * (a few hundred bytes on 4 KiB pages) */
    cache = ts_metric_in(r.body, "geoeditor_store_page_cache_bytes");
    if (cache < 0 || cache > idle * 1.2 * (1 << 20))
        fail_msg("page caches %.0f bytes for %.0f idle connections of 1 MiB", cache, idle);
    /* mallinfo2: the heaps are what is in use plus what is free in them,
     * and all of that is resident at most */
    arena = ts_metric_in(r.body, "geoeditor_malloc_bytes{kind=\"arena\"}");
    in_use = ts_metric_in(r.body, "geoeditor_malloc_bytes{kind=\"in_use\"}");
    freeb = ts_metric_in(r.body, "geoeditor_malloc_bytes{kind=\"free\"}");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* a sanitizer build's server allocates through the sanitizer, not
     * glibc's heaps, so mallinfo2 tells nothing there: present is enough */
    assert_true(in_use >= 0 && arena >= 0 && freeb >= 0);
#else
    assert_true(in_use > 0);
    assert_true(arena == in_use + freeb);
#endif
    assert_true(ts_metric_in(r.body, "geoeditor_malloc_arenas") >= 1);
    ts_http_resp_free(&r);

    /* the trimmer runs every second */
    assert_true(ts_metric_wait_at_least(&own, "geoeditor_malloc_trims_total", 2, 10) >= 2);
    assert_int_equal(ts_server_stop(&own), 0);
}

/* A bad metrics_allow or a short metrics_token stop the start with a clear
 * message. */
static void test_metrics_settings_checked(void **state)
{
    const char *bad_allow[] = {"--metrics-allow", "127.0.0.1, 10.0.0.0/33", NULL};
    const char *short_token[] = {"--metrics-token", "0123456789", NULL};
    ts_server_opts a = {.args = bad_allow, .no_wait = true};
    ts_server_opts t = {.args = short_token, .no_wait = true};
    char *log;

    assert_int_equal(ts_server_start(&own, "api_ops_metrics_bad", &a), 0);
    assert_true(ts_server_wait(&own, 60) > 0);
    log = ts_server_log(&own);
    if (!strstr(log, "setting 'metrics_allow': '10.0.0.0/33' is not an address or "
                     "address/prefix"))
        fail_msg("no clear message for a bad metrics_allow:\n%s", log);
    free(log);

    assert_int_equal(ts_server_start(&own, "api_ops_metrics_short", &t), 0);
    assert_true(ts_server_wait(&own, 60) > 0);
    log = ts_server_log(&own);
    if (!strstr(log, "setting 'metrics_token': 10 characters; at least 16 are needed"))
        fail_msg("no clear message for a short metrics_token:\n%s", log);
    free(log);
}

/* Without public_url the links could only come from the Host header: a
 * server on a non-loopback address refuses to start, naming the setting,
 * before it listens; a public_url without a scheme is refused too. */
static void test_links_need_public_url(void **state)
{
    const char *any[] = {"--bind", "0.0.0.0", NULL};
    const char *no_scheme[] = {"--public-url", "geo.example.de", NULL};
    ts_server_opts a = {.args = any, .no_wait = true};
    ts_server_opts b = {.args = no_scheme, .no_wait = true};
    char *log;

    assert_int_equal(ts_server_start(&own, "api_ops_bind_any", &a), 0);
    assert_true(ts_server_wait(&own, 60) > 0);
    log = ts_server_log(&own);
    if (!strstr(log, "public_url is not set, and 0.0.0.0:0 is not a loopback address: set "
                     "public_url to the URL clients reach the server at"))
        fail_msg("no clear message for --bind 0.0.0.0 without public_url:\n%s", log);
    assert_null(strstr(log, "\"msg\":\"listening\""));
    free(log);

    assert_int_equal(ts_server_start(&own, "api_ops_public_url", &b), 0);
    assert_true(ts_server_wait(&own, 60) > 0);
    log = ts_server_log(&own);
    if (!strstr(log, "setting 'public_url': 'geo.example.de' must start with http:// or "
                     "https://"))
        fail_msg("no clear message for a public_url without scheme:\n%s", log);
    free(log);
}

int main(void)
{
    const struct CMUnitTest shared_tests[] = {
        cmocka_unit_test(test_healthz_readyz),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_body_limit_content_length),
        cmocka_unit_test(test_body_limit_chunked),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_concurrent_keepalive),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_access_log),
        cmocka_unit_test(test_port_in_use),
    };
    const struct CMUnitTest own_server_tests[] = {
        cmocka_unit_test_teardown(test_sigterm_drains, kill_own),
        cmocka_unit_test_teardown(test_grace_limit, kill_own),
        cmocka_unit_test_teardown(test_metrics_access, kill_own),
        cmocka_unit_test_teardown(test_metrics_memory, kill_own),
        cmocka_unit_test_teardown(test_metrics_settings_checked, kill_own),
        cmocka_unit_test_teardown(test_links_need_public_url, kill_own),
    };
    int failed;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    failed = ts_run_group_tests_name("shared server", shared_tests, start_shared, stop_shared);
    failed += ts_run_group_tests_name("own server", own_server_tests, NULL, NULL);
    curl_global_cleanup();
    return ts_exit(failed);
}
