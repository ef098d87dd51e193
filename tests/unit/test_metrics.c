/*
 * test_metrics.c - the Prometheus exposition (server/metrics.h): counters by
 * route/method/status, cumulative histogram buckets, status classes for rare
 * codes, label escaping, gauges, counting from many threads at once, and
 * the case exports' gauge and counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "ts.h"
#include "ts_metrics.h"

static const char *const routes[] = {"/healthz", "/collections/{id}", "/odd\"route\\"};

static void test_counts_and_histogram(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 3, "1.2.3");
    char *text;
    size_t len;

    assert_non_null(m);
    assert_int_equal(ge_metrics_route_static(m), 3);
    assert_int_equal(ge_metrics_route_unmatched(m), 4);
    for (int i = 0; i < 3; i++) {
        ge_metrics_request_begin(m);
        ge_metrics_request_end(m, 0, "GET", 200, 0.0005);
    }
    ge_metrics_request_begin(m);
    ge_metrics_request_end(m, 0, "GET", 200, 0.3);
    ge_metrics_request_begin(m);
    ge_metrics_request_end(m, 1, "BREW", 418, 20.0); /* other method, rare status */
    ge_metrics_request_refused(m, 431);
    ge_metrics_request_begin(m); /* still running */
    ge_metrics_connection_open(m);
    ge_metrics_connection_open(m);
    ge_metrics_connection_close(m);
    ge_metrics_request_begin(m);
    ge_metrics_request_end(m, 99, "GET", 404, 0.01); /* out of range: unmatched */

    text = ge_metrics_render(m, NULL, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    assert_true(
        ts_metric_in(text,
                     "http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}") == 4);
    assert_true(
        ts_metric_in(
            text,
            "http_requests_total{route=\"/collections/{id}\",method=\"OTHER\",status=\"4xx\"}") ==
        1);
    assert_true(
        ts_metric_in(
            text, "http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"431\"}") == 1);
    assert_true(
        ts_metric_in(
            text, "http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}") == 1);
    /* series without requests are not printed */
    assert_null(strstr(text, "status=\"201\""));
    /* cumulative buckets */
    assert_true(
        ts_metric_in(text,
                     "http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.001\"}") == 3);
    assert_true(
        ts_metric_in(text,
                     "http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"}") == 3);
    assert_true(
        ts_metric_in(text, "http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.5\"}") ==
        4);
    assert_true(
        ts_metric_in(text,
                     "http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"}") == 4);
    assert_true(ts_metric_in(text, "http_request_duration_seconds_count{route=\"/healthz\"}") == 4);
    assert_true(ts_metric_in(text, "http_request_duration_seconds_sum{route=\"/healthz\"}") > 0.3);
    assert_true(
        ts_metric_in(
            text, "http_request_duration_seconds_bucket{route=\"/collections/{id}\",le=\"10\"}") ==
        0);
    assert_true(
        ts_metric_in(
            text,
            "http_request_duration_seconds_bucket{route=\"/collections/{id}\",le=\"+Inf\"}") == 1);
    assert_true(ts_metric_in(text, "http_requests_in_flight") == 1);
    assert_true(ts_metric_in(text, "http_connections_open") == 1);
    assert_true(ts_metric_in(text, "process_start_time_seconds") > 1.5e9);
    assert_true(ts_metric_in(text, "geoeditor_build_info{version=\"1.2.3\"}") == 1);
    assert_int_equal(ge_metrics_in_flight(m), 1);
    free(text);
    ge_metrics_free(m);
}

static void test_label_escaping(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 3, "x");
    char *text;

    ge_metrics_request_begin(m);
    ge_metrics_request_end(m, 2, "GET", 200, 0);
    text = ge_metrics_render(m, NULL, NULL);
    assert_non_null(strstr(text, "route=\"/odd\\\"route\\\\\""));
    free(text);
    ge_metrics_free(m);
}

static void *hammer(void *arg)
{
    ge_metrics *m = arg;
    for (int i = 0; i < 10000; i++) {
        ge_metrics_request_begin(m);
        ge_metrics_request_end(m, 1, "POST", 201, 0.002);
    }
    return NULL;
}

static void test_threads(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 3, "x");
    pthread_t th[4];
    char *text;

    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer, m);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(
        ts_metric_in(
            text,
            "http_requests_total{route=\"/collections/{id}\",method=\"POST\",status=\"201\"}") ==
        40000);
    assert_true(
        ts_metric_in(text, "http_request_duration_seconds_count{route=\"/collections/{id}\"}") ==
        40000);
    assert_true(ts_metric_in(text, "http_requests_in_flight") == 0);
    free(text);
    ge_metrics_free(m);
}

static void test_exports(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 3, "x");
    char *text;

    /* both series are there from the start, at 0 */
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(ts_metric_in(text, "geoeditor_exports_in_flight") == 0);
    assert_true(ts_metric_in(text, "geoeditor_exports_refused_total") == 0);
    assert_non_null(strstr(text, "\n# TYPE geoeditor_exports_in_flight gauge\n"));
    assert_non_null(strstr(text, "\n# TYPE geoeditor_exports_refused_total counter\n"));
    free(text);
    ge_metrics_export_begin(m);
    ge_metrics_export_begin(m);
    ge_metrics_export_refused(m);
    ge_metrics_export_end(m);
    ge_metrics_export_refused(m);
    ge_metrics_export_refused(m);
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(ts_metric_in(text, "geoeditor_exports_in_flight") == 1);
    assert_true(ts_metric_in(text, "geoeditor_exports_refused_total") == 3);
    free(text);
    ge_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_histogram),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_exports),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
