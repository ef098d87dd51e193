/*
 * pg_case_events.h - what the PostGIS store's writers of case_events share:
 * the transaction lock that makes event ids grow in commit order, and WKB
 * in and out of text parameters.
 *
 * An identity column hands out ids when rows are inserted, not when they
 * are committed: two transactions may take ids 10 and 11 and commit 11
 * first. Readers that take "the highest event id" for a version (the case
 * tiles' cache key, store_case_tiles.h) or count a case's events up to an
 * id (the webhook version, sqlite/store_webhooks.c) would then see a state
 * that later changes under the same number. So every transaction that
 * inserts into case_events takes GE_PG_CASE_EVENTS_LOCK_KEY with
 * pg_advisory_xact_lock right before its first event (after its row locks,
 * so the lock order is always rows first, then this one) and holds it to
 * its end: events are numbered one committing transaction after the other,
 * as under SQLite's one writer. The part of a transaction after the lock is
 * short (the event, a few rows, COMMIT). pg_retention.c's 'purged' event
 * must take it too.
 */
#ifndef GE_PG_CASE_EVENTS_H
#define GE_PG_CASE_EVENTS_H

#include <stddef.h>

#include <libpq-fe.h>

#include "error.h"

/* pg_advisory_xact_lock's one-bigint key for writers of case_events. */
#define GE_PG_CASE_EVENTS_LOCK_KEY "7154816402318551901"

/* Takes the case-events lock for the rest of c's transaction. */
int ge_pg_case_events_lock(PGconn *c, ge_err *err);

/* wkb as lower-case hex digits in a malloc'd string (for decode($n,
 * 'hex')); NULL after setting err when memory runs out. */
char *ge_pg_wkb_hex(const unsigned char *wkb, size_t len, ge_err *err);

#endif
