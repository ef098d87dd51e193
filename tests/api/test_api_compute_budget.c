/*
 * test_api_compute_budget.c - what the most expensive drawings the limits
 * allow cost the server: self-crossing stars and lines, a valid drawing of
 * 10,000 vertices, and several of them at once, on the public validation
 * route, the applicant's editor link and the form server's draft.
 *
 * What it shows:
 *  - star polygons of 61, 101 and 501 vertices (every edge crosses the
 *    others) and a self-crossing line of 4,001 vertices are answered with a
 *    report: valid_geometry is broken, the rules that would overlay the
 *    drawing are listed as unchecked with the reason, and the server's peak
 *    memory stays small (the line once took ~4 GB);
 *  - a drawing that needs more than compute_budget_ms of CPU time gets a 422
 *    problem naming the budget, in German and English;
 *  - while the compute pool is busy with four such drawings, /healthz
 *    answers, and when their clients hang up the work stops (counted in
 *    /metrics as stopped for "client_gone");
 *  - on SIGTERM a computation in progress is stopped once shutdown_grace has
 *    passed: its client gets a 503 and the server exits.
 * The demo quarter (made by the build) is the reference data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ts_group.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_run.h"
#include "ts_server.h"

static char db_path[4096];
static double hyd_lon, hyd_lat; /* a hydrant of the demo quarter */
static double mid_lon, mid_lat; /* the middle of its boundary's box */

/* ---- drawings ------------------------------------------------------------ */

/* Appends text to a growing buffer. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void buf_add(buf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    for (;;) {
        va_start(ap, fmt);
        k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->p && b->n + (size_t)k < b->cap) break;
        b->cap = b->cap ? 2 * (b->cap + (size_t)k) : 4096 + (size_t)k;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    b->n += (size_t)k;
}

/* lon/lat of a point dx, dy metres from lon0, lat0. */
static void offset(double lon0, double lat0, double dx, double dy, double *lon, double *lat)
{
    *lon = lon0 + dx / (111320.0 * cos(lat0 * M_PI / 180));
    *lat = lat0 + dy / 110540.0;
}

/* A star of n vertices with radius r metres around the hydrant: vertex i
 * at angle i*k/n of a turn with k close to n/2, so that every edge crosses
 * nearly every other. A polygon (closed) or a line, as a FeatureCollection. */
static char *star_fc(int n, double r, bool polygon)
{
    int k = n % 2 ? (n - 1) / 2 : n / 2 - 1;
    buf b = {0};

    buf_add(&b,
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
            "\"properties\":{},\"geometry\":{\"type\":\"%s\",\"coordinates\":%s",
            polygon ? "Polygon" : "LineString", polygon ? "[[" : "[");
    for (int i = 0; i <= (polygon ? n : n - 1); i++) {
        double a = 2 * M_PI * (double)((i % n) * k % n) / n, lon, lat;
        offset(hyd_lon, hyd_lat, r * cos(a), r * sin(a), &lon, &lat);
        buf_add(&b, "%s[%.9f,%.9f]", i ? "," : "", lon, lat);
    }
    buf_add(&b, "%s}}]}", polygon ? "]]" : "]");
    return b.p;
}

/* The same as a request of POST /v1/validate. */
static char *star_body(const char *service, int n, double r, bool polygon)
{
    char *fc = star_fc(n, r, polygon);
    buf b = {0};

    buf_add(&b, "{\"service\":\"%s\",\"features\":%s}", service, fc);
    free(fc);
    return b.p;
}

/* A valid polygon of n vertices: a circle of radius r metres around the
 * middle of the quarter whose every other vertex sits w metres farther out (a saw-tooth
 * edge). Across the street space of a quarter it is expensive to judge
 * (thousands of vertices to cut and to measure) but breaks no geometry rule. */
static char *saw_body(int n, double r, double w)
{
    buf b = {0};

    buf_add(&b, "{\"service\":\"skip-container\",\"features\":{\"type\":\"FeatureCollection\","
                "\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
                "\"Polygon\",\"coordinates\":[[");
    for (int i = 0; i <= n; i++) {
        double a = 2 * M_PI * (i % n) / n, rr = r + ((i % n) % 2 ? w : 0), lon, lat;
        offset(mid_lon, mid_lat, rr * cos(a), rr * sin(a), &lon, &lat);
        buf_add(&b, "%s[%.9f,%.9f]", i ? "," : "", lon, lat);
    }
    buf_add(&b, "]]}}]}}");
    return b.p;
}

/* The heavy drawing: the most vertices a request may have (10,000). */
static char *heavy_body(void)
{
    return saw_body(9999, 250, 20);
}

/* ---- helpers ------------------------------------------------------------- */

static long post(const ts_server *s, const char *path, const char *body, const char *lang,
                 json_t **doc)
{
    char accept[64];
    const char *headers[] = {"Content-Type: application/json", accept, NULL};
    ts_http_req req = {.url = ts_server_url(s, path),
                       .headers = headers,
                       .body = body,
                       .body_len = strlen(body),
                       .timeout_s = 300};
    ts_http_resp r = {0};
    long status;

    snprintf(accept, sizeof accept, "Accept-Language: %s", lang ? lang : "en");
    assert_int_equal(ts_http(&req, &r), 0);
    status = r.status;
    if (doc) *doc = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    return status;
}

static bool has_rule(const json_t *list, const char *rule)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (!strcmp(json_string_value(json_object_get(v, "rule")), rule)) return true;
    }
    return false;
}

/* The report says: malformed, and the overlay rules wait for a correction. */
static void assert_malformed_report(const json_t *report, const char *reason_en,
                                    const char *const *unchecked)
{
    const json_t *viol = json_object_get(report, "violations");
    const json_t *un = json_object_get(report, "unchecked");
    size_t i;
    json_t *v;

    assert_non_null(report);
    assert_true(json_is_false(json_object_get(report, "valid")));
    assert_true(has_rule(viol, "valid-geometry"));
    for (const char *const *u = unchecked; *u; u++) {
        if (!has_rule(un, *u)) fail_msg("rule %s not listed as unchecked", *u);
        assert_false(has_rule(viol, *u));
    }
    json_array_foreach(un, i, v)
    {
        const char *en = json_string_value(json_object_get(json_object_get(v, "reason"), "en"));
        const char *de = json_string_value(json_object_get(json_object_get(v, "reason"), "de"));
        if (!strstr(en, "malformed")) continue;
        assert_non_null(strstr(en, reason_en));
        assert_non_null(strstr(de, "fehlerhaft"));
    }
}

/* The server's peak resident memory in kB (VmHWM). */
static long peak_kb(const ts_server *s)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
    f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    fclose(f);
    return kb;
}

/* Sends a POST on a raw socket and leaves it there: a client waiting. */
static int send_waiting(const ts_server *s, const char *path, const char *body)
{
    int fd = ts_http_connect(s->port);
    char head[256];

    assert_true(fd >= 0);
    snprintf(head, sizeof head,
             "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             path, strlen(body));
    assert_int_equal(ts_http_send_all(fd, head, strlen(head)), 0);
    assert_int_equal(ts_http_send_all(fd, body, strlen(body)), 0);
    return fd;
}

static int start(ts_server *s, const char *name, const char *const *args)
{
    ts_server_opts o = {.db = db_path, .args = args};
    return ts_server_start(s, name, &o);
}

/* ---- tests --------------------------------------------------------------- */

/* Stars and a star line on /v1/validate: reports, and memory stays small. */
static void test_stars_get_reports(void **state)
{
    static const char *const poly_unchecked[] = {"area", "inside-street-space", "outside-buildings",
                                                 NULL};
    static const char *const line_unchecked[] = {"inside-city", NULL};
    static const int sizes[] = {61, 101, 501};
    ts_server s;
    json_t *doc;
    long kb;

    (void)state;
    assert_int_equal(start(&s, "api_budget_stars", NULL), 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *body = star_body("skip-container", sizes[i], 3, true);
        assert_int_equal(post(&s, "/v1/validate", body, "en", &doc), 200);
        assert_malformed_report(doc, "the outline crosses itself", poly_unchecked);
        json_decref(doc);
        free(body);
    }
    {
        char *body = star_body("construction-access", 4001, 3, false);
        assert_int_equal(post(&s, "/v1/validate", body, "de", &doc), 200);
        assert_malformed_report(doc, "the line crosses itself", line_unchecked);
        json_decref(doc);
        free(body);
    }
    /* Noding the line's 8 million crossings once took ~4 GB; now the whole
     * server stays far below (a sanitizer build needs about three times as
     * much as a release build). */
    kb = peak_kb(&s);
    assert_true(kb > 0);
    if (kb > 600 * 1024) fail_msg("peak memory %ld kB", kb);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* The same drawings through the applicant's editor link and the form
 * server's draft: reports there too, and the draft stays readable. */
static void test_stars_on_editor_and_draft(void **state)
{
    static const char *const unchecked[] = {"inside-street-space", NULL};
    char key[128], id[128], token[128], path[512], *star;
    json_t *doc;
    ts_server s;
    ts_http_resp r = {0};

    (void)state;
    assert_int_equal(ts_forms_client_add(db_path, "budget-form", key), 0);
    assert_int_equal(start(&s, "api_budget_editor", NULL), 0);
    assert_int_equal(ts_forms_draft(&s, key,
                                    "{\"service\":\"skip-container\",\"reference\":\"BUDGET-1\"}",
                                    id, token),
                     201);
    /* the editor's live check and autosave take the FeatureCollection */
    star = star_fc(501, 3, true);
    snprintf(path, sizeof path, "/v1/edit/%s/validate", token);
    assert_int_equal(post(&s, path, star, "en", &doc), 200);
    assert_malformed_report(doc, "the outline crosses itself", unchecked);
    json_decref(doc);
    snprintf(path, sizeof path, "/v1/edit/%s/features", token);
    {
        const char *headers[] = {"Content-Type: application/json", NULL};
        ts_http_req req = {.method = "PUT",
                           .url = ts_server_url(&s, path),
                           .headers = headers,
                           .body = star,
                           .body_len = strlen(star)};
        assert_int_equal(ts_http(&req, &r), 0);
        assert_int_equal(r.status, 200);
        ts_http_resp_free(&r);
    }
    snprintf(path, sizeof path, "/v1/drafts/%s", id);
    assert_int_equal(ts_forms_call("GET", ts_server_url(&s, path), key, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    doc = ts_forms_json(&r);
    assert_true(has_rule(json_object_get(json_object_get(doc, "validation"), "violations"),
                         "valid-geometry"));
    json_decref(doc);
    ts_http_resp_free(&r);
    free(star);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* More than the budget: 422 naming it, in both languages. */
static void test_budget_exceeded(void **state)
{
    static const char *const args[] = {"--compute-budget-ms", "1", NULL};
    char *body = heavy_body();
    ts_server s;
    json_t *doc;

    (void)state;
    assert_int_equal(start(&s, "api_budget_exceeded", args), 0);
    assert_int_equal(post(&s, "/v1/validate", body, "de", &doc), 422);
    assert_int_equal(json_integer_value(json_object_get(doc, "budget_ms")), 1);
    assert_non_null(
        strstr(json_string_value(json_object_get(doc, "detail")), "Rechenzeit von 1 ms"));
    json_decref(doc);
    assert_int_equal(post(&s, "/v1/validate", body, "en", &doc), 422);
    assert_non_null(
        strstr(json_string_value(json_object_get(doc, "detail")), "computing budget of 1 ms"));
    json_decref(doc);
    assert_true(ts_metric_wait(&s, "geoeditor_compute_stopped_total{reason=\"budget\"}", 2, 10) ==
                2);
    /* the server is fine afterwards */
    {
        ts_http_resp r = {0};
        assert_int_equal(ts_http_get(ts_server_url(&s, "/healthz"), &r), 0);
        assert_int_equal(r.status, 200);
        ts_http_resp_free(&r);
    }
    free(body);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* Four heavy drawings on two compute threads: /healthz answers while they
 * run, and hanging up stops them. */
static void test_busy_pool_and_hangups(void **state)
{
    static const char *const args[] = {
        "--compute-budget-ms", "600000", "--compute-threads", "2", "--threads", "2", NULL};
    char *body = heavy_body();
    int fds[4];
    ts_server s;
    ts_http_resp r = {0};

    (void)state;
    assert_int_equal(start(&s, "api_budget_busy", args), 0);
    for (int i = 0; i < 4; i++)
        fds[i] = send_waiting(&s, "/v1/validate", body);
    /* all four are on the pool: two computing, two waiting */
    assert_true(ts_metric_wait(&s, "geoeditor_compute_pending", 4, 60) == 4);
    assert_int_equal(ts_http_get(ts_server_url(&s, "/healthz"), &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    /* ... and were still computing when /healthz answered */
    assert_true(ts_metric(&s, "geoeditor_compute_pending") >= 2);
    for (int i = 0; i < 4; i++)
        close(fds[i]);
    /* nobody waits for them any more: each one is stopped */
    assert_true(
        ts_metric_wait(&s, "geoeditor_compute_stopped_total{reason=\"client_gone\"}", 4, 120) == 4);
    assert_true(ts_metric_wait(&s, "geoeditor_compute_pending", 0, 10) == 0);
    free(body);
    assert_int_equal(ts_server_stop(&s), 0);
}

/* SIGTERM during a long computation: once shutdown_grace has passed (none
 * here) it is stopped, its client hears 503, and the server exits cleanly. */
static void test_shutdown_stops_computation(void **state)
{
    static const char *const args[] = {"--compute-budget-ms", "600000", "--shutdown-grace", "0",
                                       NULL};
    char *body = heavy_body(), *answer;
    ts_server s;
    int fd;

    (void)state;
    assert_int_equal(start(&s, "api_budget_shutdown", args), 0);
    fd = send_waiting(&s, "/v1/validate", body);
    assert_true(ts_metric_wait(&s, "geoeditor_compute_pending", 1, 60) == 1);
    assert_int_equal(ts_server_signal(&s, SIGTERM), 0);
    answer = ts_http_read_all(fd, 30000, NULL);
    close(fd);
    assert_non_null(answer);
    assert_int_equal(ts_http_raw_status(answer), 503);
    assert_non_null(strstr(answer, "Retry-After: 5"));
    assert_non_null(strstr(answer, "shutting down"));
    free(answer);
    assert_int_equal(ts_server_wait(&s, 30), 0);
    assert_true(ts_server_log_wait(&s, "\"stopped\"", 1));
    free(body);
}

/* ---- set-up --------------------------------------------------------------- */

static int setup(void **state)
{
    const char *demo = getenv("GE_DEMO_OSM");
    const char *dir = ts_tmpdir("api_budget");
    ts_server s;
    ts_http_resp r = {0};
    json_t *doc, *c;

    (void)state;
    if (!demo || !dir) return -1;
    snprintf(db_path, sizeof db_path, "%s/demo.sqlite", dir);
    if (ts_run_import(db_path, demo) < 0) return -1;
    /* a hydrant to draw around, read through the public API */
    if (start(&s, "api_budget_setup", NULL) < 0) return -1;
    if (ts_http_get(ts_server_url(&s, "/collections/hydrants/items?limit=1"), &r) < 0) return -1;
    doc = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    c = json_object_get(
        json_object_get(json_array_get(json_object_get(doc, "features"), 0), "geometry"),
        "coordinates");
    hyd_lon = json_real_value(json_array_get(c, 0));
    hyd_lat = json_real_value(json_array_get(c, 1));
    json_decref(doc);
    if (ts_http_get(ts_server_url(&s, "/collections/boundary"), &r) < 0) return -1;
    doc = json_loads(r.body, 0, NULL);
    ts_http_resp_free(&r);
    c = json_array_get(
        json_object_get(json_object_get(json_object_get(doc, "extent"), "spatial"), "bbox"), 0);
    mid_lon = (json_real_value(json_array_get(c, 0)) + json_real_value(json_array_get(c, 2))) / 2;
    mid_lat = (json_real_value(json_array_get(c, 1)) + json_real_value(json_array_get(c, 3))) / 2;
    json_decref(doc);
    ts_server_stop(&s);
    return hyd_lon != 0 && mid_lon != 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stars_get_reports),
        cmocka_unit_test(test_stars_on_editor_and_draft),
        cmocka_unit_test(test_budget_exceeded),
        cmocka_unit_test(test_busy_pool_and_hangups),
        cmocka_unit_test(test_shutdown_stops_computation),
    };
    return ts_exit(ts_run_group_tests(tests, setup, NULL));
}
