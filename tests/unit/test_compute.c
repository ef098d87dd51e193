/*
 * test_compute.c - the computing routes' thread pool (server/compute.h):
 * every submitted job runs, a full queue refuses at once, a stopped pool
 * refuses but stays readable until it is freed, and a place reserved before
 * the stop still gets its job run (a worker that reserved must be able to
 * submit, or its connection would stay suspended).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "compute.h"
#include "ts.h"

static void count_job(void *ud)
{
    atomic_fetch_add((atomic_int *)ud, 1);
}

static void test_every_job_runs(void **state)
{
    ge_compute *c;
    ge_err err;
    atomic_int ran = 0;
    (void)state;
    assert_int_equal(ge_compute_new(&c, 2, 100, &err), GE_OK);
    for (int i = 0; i < 100; i++) {
        assert_true(ge_compute_reserve(c));
        ge_compute_submit(c, (ge_compute_job){count_job, &ran});
    }
    ge_compute_free(c); /* lets the queued jobs run first */
    assert_int_equal(atomic_load(&ran), 100);
}

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
} gate;

static void gate_job(void *ud)
{
    gate *g = ud;
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void test_full_queue_refuses(void **state)
{
    ge_compute *c;
    ge_err err;
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
    (void)state;
    /* one thread, two waiting: three places in all */
    assert_int_equal(ge_compute_new(&c, 1, 2, &err), GE_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(ge_compute_reserve(c));
        ge_compute_submit(c, (ge_compute_job){gate_job, &g});
    }
    assert_false(ge_compute_reserve(c));
    assert_int_equal(ge_compute_pending(c), 3);
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    ge_compute_free(c);
}

static void test_stopped_pool_refuses_and_stays_readable(void **state)
{
    ge_compute *c;
    ge_err err;
    atomic_int ran = 0;
    (void)state;
    assert_int_equal(ge_compute_new(&c, 2, 4, &err), GE_OK);
    assert_true(ge_compute_reserve(c));
    ge_compute_submit(c, (ge_compute_job){count_job, &ran});
    ge_compute_stop(c);
    assert_int_equal(atomic_load(&ran), 1);
    /* what an HTTP worker may still do until the daemon has stopped */
    assert_false(ge_compute_reserve(c));
    assert_int_equal(ge_compute_pending(c), 0);
    ge_compute_stop(c); /* again: nothing to do */
    ge_compute_free(c);
    ge_compute_free(NULL);
}

static void *stopper(void *arg)
{
    ge_compute_stop(arg);
    return NULL;
}

static void test_place_reserved_before_the_stop_runs(void **state)
{
    ge_compute *c;
    ge_err err;
    pthread_t t;
    atomic_int ran = 0, extra = 0;
    (void)state;
    assert_int_equal(ge_compute_new(&c, 2, 4, &err), GE_OK);
    /* A worker has reserved a place and not yet submitted, when the stop
     * comes (in another thread: it waits for that job). */
    assert_true(ge_compute_reserve(c));
    assert_int_equal(pthread_create(&t, NULL, stopper, c), 0);
    /* Wait until the stop has begun: reserve says no from then on. A place
     * taken before that gets its job too. */
    while (ge_compute_reserve(c)) {
        ge_compute_submit(c, (ge_compute_job){count_job, &extra});
        sched_yield();
    }
    ge_compute_submit(c, (ge_compute_job){count_job, &ran});
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&ran), 1);
    assert_int_equal(ge_compute_pending(c), 0);
    ge_compute_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_runs),
        cmocka_unit_test(test_full_queue_refuses),
        cmocka_unit_test(test_stopped_pool_refuses_and_stays_readable),
        cmocka_unit_test(test_place_reserved_before_the_stop_runs),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
