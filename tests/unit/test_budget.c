/*
 * test_budget.c - geo/core/budget.h: a thread's cost budget stops GEOS work that
 * runs too long, that nobody waits for, or that a shutdown ends; unarmed,
 * GEOS runs unbounded; and the rule engine answers GE_EBUDGET instead of a
 * report built from interrupted (and so wrong) predicates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <geos_c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "rules.h"
#include "service.h"
#include "ts.h"
#include "ts_group.h"

/* A star polygon of n vertices: each edge crosses nearly every other, so
 * GEOSMakeValid has to node about n*n/4 crossings. */
static GEOSGeometry *star(GEOSContextHandle_t h, int n)
{
    int k = n % 2 ? (n - 1) / 2 : n / 2 - 1;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);

    for (int i = 0; i <= n; i++) {
        double a = 2 * M_PI * (double)((i % n) * k % n) / n;
        GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, 100 * cos(a), 100 * sin(a));
    }
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), NULL, 0);
}

static void test_exhausted_interrupts_geos(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSGeometry *g = star(h, 2001), *fixed;
    unsigned long before = ge_budget_interrupts();

    (void)state;
    ge_budget_begin(5, NULL, NULL);
    assert_int_equal(ge_budget_limit_ms(), 5);
    fixed = GEOSMakeValid_r(h, g); /* seconds of work unbounded */
    assert_null(fixed);
    assert_int_equal(ge_budget_state_now(), GE_BUDGET_EXHAUSTED);
    assert_true(ge_budget_interrupts() > before);
    assert_non_null(strstr(ge_geos_last_error(h), "Interrupted"));
    assert_true(ge_budget_check());
    /* the CPU time used is about the budget, not the seconds MakeValid needs */
    assert_true(ge_budget_used_ms() >= 5);
    ge_budget_end();
    assert_int_equal(ge_budget_state_now(), GE_BUDGET_RUNNING);
    assert_false(ge_budget_check());
    GEOSGeom_destroy_r(h, g);
}

static void test_unarmed_runs_to_the_end(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSGeometry *g = star(h, 41), *fixed;

    (void)state;
    ge_budget_init();
    fixed = GEOSMakeValid_r(h, g);
    assert_non_null(fixed);
    assert_int_equal(GEOSisValid_r(h, fixed), 1);
    assert_int_equal(ge_budget_limit_ms(), 0);
    GEOSGeom_destroy_r(h, fixed);
    GEOSGeom_destroy_r(h, g);
}

static int gone_calls;
static bool gone_after_two(void *ud)
{
    (void)ud;
    return ++gone_calls > 2;
}

static void test_gone_cancels(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSGeometry *g = star(h, 2001), *fixed;

    (void)state;
    gone_calls = 0;
    ge_budget_begin(0, gone_after_two, NULL); /* no time limit */
    fixed = GEOSMakeValid_r(h, g);
    assert_null(fixed);
    assert_int_equal(ge_budget_state_now(), GE_BUDGET_CANCELLED);
    assert_true(gone_calls >= 3);
    ge_budget_end();
    GEOSGeom_destroy_r(h, g);
}

static void test_stop_all(void **state)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSGeometry *g = star(h, 2001), *fixed;

    (void)state;
    ge_budget_begin(0, NULL, NULL);
    ge_budget_stop_all();
    fixed = GEOSMakeValid_r(h, g);
    ge_budget_resume_all();
    assert_null(fixed);
    assert_int_equal(ge_budget_state_now(), GE_BUDGET_SHUTDOWN);
    ge_budget_end();
    GEOSGeom_destroy_r(h, g);
}

/* The engine under an exhausted budget: GE_EBUDGET naming the budget and
 * the drawing's size, and no report. A valid drawing with thousands of
 * vertices across a street space made of many pieces keeps the engine
 * cutting and measuring long enough. */
static void test_rules_answer_ebudget(void **state)
{
    static const char *svc_json =
        "{\"id\":\"t\",\"version\":1,\"title\":{\"de\":\"T\",\"en\":\"T\"},"
        "\"description\":{\"de\":\"D\",\"en\":\"D\"},\"retention_days\":30,\"rules\":[{"
        "\"id\":\"inside\",\"kind\":\"inside\",\"severity\":\"error\",\"params\":{"
        "\"layers\":[\"street_space\"]},\"messages\":{\"de\":\"Ragt {measured} m "
        "hinaus.\",\"en\":\"Sticks out {measured} m.\"},\"source\":\"test\"}]}";
    GEOSContextHandle_t h = ge_geos_ctx();
    json_t *doc = json_loads(svc_json, 0, NULL);
    ge_service *svc = NULL;
    ge_refbuilder *b = NULL;
    ge_refsnap *snap = NULL;
    ge_features fs = {0};
    ge_rules_input in;
    json_t *report = NULL;
    ge_err err = {0};
    GEOSCoordSequence *seq;
    int n = 9999;

    (void)state;
    assert_non_null(doc);
    assert_int_equal(ge_service_parse(doc, "t.json", &svc, &err), GE_OK);
    json_decref(doc);
    /* street space: 400 thin strips across the drawing */
    assert_int_equal(ge_refindex_builder_new(25832, &b, &err), GE_OK);
    for (int i = 0; i < 400; i++) {
        GEOSCoordSequence *s = GEOSCoordSeq_create_r(h, 5, 2);
        double x0 = -400 + 2 * i;
        GEOSCoordSeq_setXY_r(h, s, 0, x0, -400);
        GEOSCoordSeq_setXY_r(h, s, 1, x0 + 1.5, -400);
        GEOSCoordSeq_setXY_r(h, s, 2, x0 + 1.5, 400);
        GEOSCoordSeq_setXY_r(h, s, 3, x0, 400);
        GEOSCoordSeq_setXY_r(h, s, 4, x0, -400);
        assert_int_equal(ge_refindex_builder_add(b, "street_space",
                                                 GEOSGeom_createPolygon_r(
                                                     h, GEOSGeom_createLinearRing_r(h, s), NULL, 0),
                                                 i + 1, NULL, &err),
                         GE_OK);
    }
    assert_int_equal(ge_refindex_builder_finish(b, &snap, &err), GE_OK);
    /* a saw-tooth circle of 10,000 vertices over them */
    seq = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    for (int i = 0; i <= n; i++) {
        double a = 2 * M_PI * (i % n) / n, r = 300 + ((i % n) % 2 ? 20 : 0);
        GEOSCoordSeq_setXY_r(h, seq, (unsigned)i, r * cos(a), r * sin(a));
    }
    fs.n = 1;
    fs.items = calloc(1, sizeof *fs.items);
    fs.items[0].geom = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), NULL, 0);
    ge_rules_input_init(&in);
    in.service = svc;
    in.features = &fs;
    in.srid = 25832;
    ge_budget_begin(1, NULL, NULL);
    assert_int_equal(ge_rules_validate(h, snap, &in, &report, &err), GE_EBUDGET);
    ge_budget_end();
    assert_null(report);
    assert_non_null(strstr(err.msg, "10000 vertices"));
    assert_non_null(strstr(err.msg, "budget of 1 ms"));
    /* without a budget the same drawing gets its report */
    assert_int_equal(ge_rules_validate(h, snap, &in, &report, &err), GE_OK);
    assert_non_null(report);
    json_decref(report);
    ge_features_free(h, &fs);
    ge_refsnap_release(snap);
    ge_service_free(svc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exhausted_interrupts_geos),
        cmocka_unit_test(test_unarmed_runs_to_the_end),
        cmocka_unit_test(test_gone_cancels),
        cmocka_unit_test(test_stop_all),
        cmocka_unit_test(test_rules_answer_ebudget),
    };
    int rc = ts_run_group_tests(tests, NULL, NULL);
    ge_geos_thread_cleanup();
    return ts_exit(rc);
}
