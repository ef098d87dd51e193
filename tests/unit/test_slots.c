/*
 * test_slots.c - the never-waiting slot limit (server/slots.h): exactly
 * limit takes succeed, a given slot can be taken again, no limit below 1,
 * and threads racing for few slots never hold more than the limit at once
 * and leave every slot free.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <pthread.h>
#include <stdatomic.h>

#include "slots.h"
#include "ts.h"

static void test_take_and_give(void **state)
{
    ge_slots *s = ge_slots_new(2);
    (void)state;
    assert_non_null(s);
    assert_int_equal(ge_slots_limit(s), 2);
    assert_int_equal(ge_slots_taken(s), 0);
    assert_true(ge_slots_try_take(s));
    assert_true(ge_slots_try_take(s));
    assert_int_equal(ge_slots_taken(s), 2);
    /* all taken: refused at once, and the refusal takes nothing */
    assert_false(ge_slots_try_take(s));
    assert_false(ge_slots_try_take(s));
    assert_int_equal(ge_slots_taken(s), 2);
    ge_slots_give(s);
    assert_int_equal(ge_slots_taken(s), 1);
    assert_true(ge_slots_try_take(s));
    assert_false(ge_slots_try_take(s));
    ge_slots_give(s);
    ge_slots_give(s);
    assert_int_equal(ge_slots_taken(s), 0);
    ge_slots_free(s);
}

static void test_limit_below_one(void **state)
{
    (void)state;
    assert_null(ge_slots_new(0));
    assert_null(ge_slots_new(-3));
    ge_slots_free(NULL);
}

#define NTHREADS 8
#define ROUNDS   20000
#define LIMIT    3

typedef struct race {
    ge_slots *s;
    atomic_int holding; /* holders counted by the test itself */
    atomic_int most;    /* the most holders ever seen at once */
    atomic_int over;    /* times ge_slots_taken read more than LIMIT */
    atomic_long taken, refused;
} race;

static void *race_run(void *arg)
{
    race *r = arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (!ge_slots_try_take(r->s)) {
            atomic_fetch_add(&r->refused, 1);
            if (ge_slots_taken(r->s) > LIMIT) atomic_fetch_add(&r->over, 1);
            continue;
        }
        int now = atomic_fetch_add(&r->holding, 1) + 1, most = atomic_load(&r->most);
        while (now > most && !atomic_compare_exchange_weak(&r->most, &most, now)) {
        }
        atomic_fetch_add(&r->taken, 1);
        atomic_fetch_sub(&r->holding, 1);
        ge_slots_give(r->s);
    }
    return NULL;
}

static void test_threads_never_exceed_the_limit(void **state)
{
    pthread_t t[NTHREADS];
    race r = {.s = ge_slots_new(LIMIT)};
    (void)state;
    assert_non_null(r.s);
    for (int i = 0; i < NTHREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_run, &r), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    assert_true(atomic_load(&r.most) <= LIMIT);
    assert_true(atomic_load(&r.most) >= 1);
    assert_int_equal(atomic_load(&r.over), 0);
    assert_int_equal(atomic_load(&r.taken) + atomic_load(&r.refused), (long)NTHREADS * ROUNDS);
    assert_int_equal(ge_slots_taken(r.s), 0);
    ge_slots_free(r.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_and_give),
        cmocka_unit_test(test_limit_below_one),
        cmocka_unit_test(test_threads_never_exceed_the_limit),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
