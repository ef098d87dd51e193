/*
 * slots.h - a fixed number of slots for work that must not run more often at
 * once than the deployment allows (exports: export_concurrency). Taking a
 * slot never waits: a caller that finds none free answers "busy" at once
 * instead of parking an HTTP worker thread, which would stall every other
 * connection that worker serves.
 *
 *   if (!ge_slots_try_take(s)) return busy();
 *   ... work, possibly finished on another thread ...
 *   ge_slots_give(s);
 *
 * Lock-free (one atomic counter), safe from any thread.
 */
#ifndef GE_SLOTS_H
#define GE_SLOTS_H

#include <stdbool.h>

typedef struct ge_slots ge_slots;

/* limit >= 1 slots; NULL when memory ran out or limit < 1. */
ge_slots *ge_slots_new(int limit);
void ge_slots_free(ge_slots *s);

/* Takes a free slot (true), or returns false at once when all are taken. */
bool ge_slots_try_take(ge_slots *s);

/* Gives back a slot taken with ge_slots_try_take, exactly once. */
void ge_slots_give(ge_slots *s);

/* Slots taken now (a snapshot), and the limit. */
int ge_slots_taken(const ge_slots *s);
int ge_slots_limit(const ge_slots *s);

#endif
