/*
 * store_retention.h - the store's side of DSGVO retention (geo/app/retention.h
 * decides what is due; this file finds closed cases and purges one).
 *
 * Like store.h, callers never see SQL. Times are RFC 3339 UTC text
 * ("2026-11-25T21:22:43Z"), written by the store itself, so they compare as
 * strings; the queries rely on that (and on the partial index
 * cases_status_closed of migration 5).
 *
 * Implemented in store_retention.c.
 */
#ifndef GE_STORE_RETENTION_H
#define GE_STORE_RETENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

/* The actor of the 'purged' event in a case's history (review contract). */
#define GE_RETENTION_ACTOR "system:retention"

/* A closed case that still holds personal data: nothing personal in here. */
typedef struct ge_store_closed_case {
    char case_id[40];
    char service[64];
    char closed_at[32];
} ge_store_closed_case;

/* The services that have closed, not yet purged cases, sorted. Free *out
 * with free(). */
int ge_store_retention_services(ge_store *st, char (**out)[64], size_t *n, ge_err *err);

/* The closed, not yet purged cases of service whose closed_at <= cutoff
 * (every one of them when cutoff is NULL), oldest closing first. Free *out
 * with free(). */
int ge_store_retention_closed(ge_store *st, const char *service, const char *cutoff,
                              ge_store_closed_case **out, size_t *n, ge_err *err);

/*
 * Purges one case in one transaction, in the order the review contract
 * fixes: purged_at = now first (from then on the triggers allow deleting the
 * case's events and queue no webhook for them); applicant '{}', reference
 * NULL, every case_features.props '{}'; its webhook_deliveries, its draft row
 * and its idempotency keys deleted; its events deleted and written again
 * without comment (same id, at, actor, action, from, to); a 'purged' event by
 * 'system:retention' added. Geometry, service, status, period, dates and
 * report stay.
 *
 * The case is purged only when it is still due inside the transaction: of
 * service, closed, not purged, closed_at <= cutoff. Otherwise (purged by
 * another process meanwhile, unknown id) nothing changes and *purged is false.
 */
int ge_store_retention_purge(ge_store *st, const char *case_id, const char *service,
                             const char *cutoff, const char *now, bool *purged, ge_err *err);

/* After purges: SQLite copies the WAL into the database file and truncates
 * it, so that page images from before a purge are gone from the -wal file
 * too; *complete is false when readers of a running server kept it from
 * finishing (the next checkpoint then does it). PostgreSQL has no such
 * file to empty: there it VACUUMs the tables a purge writes, so that no
 * dead row version of the purged data stays in them (the server's WAL and
 * backups are bounded by the operator's retention of them, see
 * postgis/pg_retention.c); *complete says it ran. */
int ge_store_retention_checkpoint(ge_store *st, bool *complete, ge_err *err);

#endif
