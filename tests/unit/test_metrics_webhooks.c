/*
 * test_metrics_webhooks.c - the webhook series of the Prometheus exposition
 * (server/metrics.h): geoeditor_webhook_attempts_total by outcome, present
 * at 0 from the start and counted from several threads, and the pending
 * gauge, shown only once the scrape could read it.
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

static const char *const routes[] = {"/metrics"};

#define DELIVERED "geoeditor_webhook_attempts_total{outcome=\"delivered\"}"
#define RETRY     "geoeditor_webhook_attempts_total{outcome=\"retry\"}"
#define FAILED    "geoeditor_webhook_attempts_total{outcome=\"failed\"}"
#define PENDING   "geoeditor_webhook_deliveries_pending"

static void test_zero_from_the_start(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 1, "x");
    char *text;
    (void)state;

    text = ge_metrics_render(m, NULL, NULL);
    assert_non_null(strstr(text, "# TYPE geoeditor_webhook_attempts_total counter\n"));
    assert_true(ts_metric_in(text, DELIVERED) == 0);
    assert_true(ts_metric_in(text, RETRY) == 0);
    assert_true(ts_metric_in(text, FAILED) == 0);
    /* not read yet: no gauge rather than a made-up 0 */
    assert_null(strstr(text, PENDING));
    free(text);
    ge_metrics_free(m);
}

static void test_counts_and_gauge(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 1, "x");
    char *text;
    (void)state;

    ge_metrics_webhook_attempt(m, GE_WEBHOOK_RETRY);
    ge_metrics_webhook_attempt(m, GE_WEBHOOK_RETRY);
    ge_metrics_webhook_attempt(m, GE_WEBHOOK_DELIVERED);
    ge_metrics_webhook_attempt(m, GE_WEBHOOK_FAILED);
    ge_metrics_webhook_attempt(NULL, GE_WEBHOOK_FAILED); /* no metrics: nothing */
    ge_metrics_set_webhooks_pending(m, 3);
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(ts_metric_in(text, DELIVERED) == 1);
    assert_true(ts_metric_in(text, RETRY) == 2);
    assert_true(ts_metric_in(text, FAILED) == 1);
    assert_non_null(strstr(text, "# TYPE " PENDING " gauge\n"));
    assert_true(ts_metric_in(text, PENDING) == 3);
    free(text);

    /* a scrape that could not read the store leaves the gauge out */
    ge_metrics_set_webhooks_pending(m, -1);
    text = ge_metrics_render(m, NULL, NULL);
    assert_null(strstr(text, PENDING));
    assert_true(ts_metric_in(text, RETRY) == 2);
    free(text);
    ge_metrics_set_webhooks_pending(m, 0);
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(ts_metric_in(text, PENDING) == 0);
    free(text);
    ge_metrics_free(m);
}

static void *hammer(void *arg)
{
    for (int i = 0; i < 10000; i++)
        ge_metrics_webhook_attempt(arg, GE_WEBHOOK_DELIVERED);
    return NULL;
}

static void test_threads(void **state)
{
    ge_metrics *m = ge_metrics_new(routes, 1, "x");
    pthread_t th[4];
    char *text;
    (void)state;

    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, hammer, m);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    text = ge_metrics_render(m, NULL, NULL);
    assert_true(ts_metric_in(text, DELIVERED) == 40000);
    free(text);
    ge_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_from_the_start),
        cmocka_unit_test(test_counts_and_gauge),
        cmocka_unit_test(test_threads),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
