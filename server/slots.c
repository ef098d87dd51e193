/*
 * slots.c - a counting limit taken without waiting (see slots.h).
 *
 * A compare-and-swap loop instead of fetch_add-then-undo: with fetch_add a
 * burst of refused callers would push the counter over the limit for a
 * moment, and a concurrent ge_slots_taken (the metrics gauge) could read more
 * slots taken than exist.
 */
#include "slots.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>

struct ge_slots {
    atomic_int taken;
    int limit;
};

ge_slots *ge_slots_new(int limit)
{
    ge_slots *s;

    if (limit < 1) return NULL;
    s = malloc(sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->taken, 0);
    s->limit = limit;
    return s;
}

void ge_slots_free(ge_slots *s)
{
    free(s);
}

bool ge_slots_try_take(ge_slots *s)
{
    int taken = atomic_load(&s->taken);

    do {
        if (taken >= s->limit) return false;
    } while (!atomic_compare_exchange_weak(&s->taken, &taken, taken + 1));
    return true;
}

void ge_slots_give(ge_slots *s)
{
    int before = atomic_fetch_sub(&s->taken, 1);

    /* A give without a take would let one more caller in than the limit. */
    assert(before > 0);
    (void)before;
}

int ge_slots_taken(const ge_slots *s)
{
    return atomic_load(&((ge_slots *)s)->taken);
}

int ge_slots_limit(const ge_slots *s)
{
    return s->limit;
}
