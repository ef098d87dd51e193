/*
 * pg_retention.c - DSGVO retention (store_retention.h) in the PostGIS
 * store: the closed cases that still hold personal data, and purging one
 * case in one transaction, in the contract's order; the same answers as
 * sqlite/store_retention.c.
 *
 * Several instances run the retention timer on one database. SQLite's purge
 * relied on its one writer (BEGIN IMMEDIATE, then the claim decides); here
 * each purge transaction first takes the transaction advisory lock
 * GE_PG_RETENTION_LOCK_KEY (pg_advisory_xact_lock), so that one instance
 * purges at a time and the other waits for it, then claims the case with
 * an UPDATE that locks its row and re-checks "still due" on its newest
 * version: a case another instance purged meanwhile is no longer due and
 * is skipped, never purged twice; a decision on the case waits for the row.
 * Like every writer of case_events it takes the case-events lock
 * (pg_case_events.h) after its row locks, right before it writes events,
 * so that event ids grow in commit order. The lock order is the retention
 * lock, rows, the case-events lock; decisions and submissions take rows,
 * then the case-events lock: no cycle.
 *
 * What SQLite's secure_delete and WAL checkpoint did has no like in
 * PostgreSQL: a deleted or overwritten row stays in its page as a dead
 * version until VACUUM removes it, and the server's WAL (and any archive or
 * base backup) keeps page images until it is recycled, which only the
 * operator's WAL and backup retention bound. ge_pg_retention_checkpoint()
 * does the part the store can do: VACUUM the tables a purge writes, so
 * that no dead version of the purged personal data stays readable in them
 * or their indexes (*complete says it ran). VACUUM takes no lock that
 * blocks readers or writers; a second instance's VACUUM of the same table
 * waits for the first.
 */
#include "pg_case_events.h"
#include "pg_store.h"
#include "store_retention.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock's one-bigint key held by every purge transaction;
 * not the migration runner's (GE_PG_MIGRATE_LOCK_KEY, ...900) nor the
 * case-events lock's (GE_PG_CASE_EVENTS_LOCK_KEY, ...901). */
#define GE_PG_RETENTION_LOCK_KEY "7154816402318551920"

static int ge_pg_retention_services(ge_store *st, char (**out)[64], size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char(*v)[64] = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "listing the services of closed cases",
                    "SELECT DISTINCT service FROM cases"
                    " WHERE closed_at IS NOT NULL AND purged_at IS NULL ORDER BY service",
                    0, NULL, &r, err);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    int rows = PQntuples(r);
    if (rows > 0 && !(v = calloc((size_t)rows, sizeof *v)))
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    for (int i = 0; rc == GE_OK && i < rows; i++)
        ge_pg_copy_text(v[i], sizeof v[i], r, i, 0);
    PQclear(r);
    if (rc < 0) return rc;
    *out = v;
    *n = (size_t)rows;
    return GE_OK;
}

static int ge_pg_retention_closed(ge_store *st, const char *service, const char *cutoff,
                                  ge_store_closed_case **out, size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_store_closed_case *v = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) return rc;
    /* "$2 IS NULL OR": one statement for "due" and for "all closed". */
    const char *p[] = {service, cutoff};
    rc = ge_pg_exec(c, "listing closed cases",
                    "SELECT id, service, closed_at FROM cases"
                    " WHERE service = $1::text AND closed_at IS NOT NULL AND purged_at IS NULL"
                    "   AND ($2::text IS NULL OR closed_at <= $2::text)"
                    " ORDER BY closed_at, id",
                    2, p, &r, err);
    ge_pg_release(st, c);
    if (rc < 0) return rc;
    int rows = PQntuples(r);
    if (rows > 0 && !(v = calloc((size_t)rows, sizeof *v)))
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    for (int i = 0; rc == GE_OK && i < rows; i++) {
        ge_pg_copy_text(v[i].case_id, sizeof v[i].case_id, r, i, 0);
        ge_pg_copy_text(v[i].service, sizeof v[i].service, r, i, 1);
        ge_pg_copy_text(v[i].closed_at, sizeof v[i].closed_at, r, i, 2);
    }
    PQclear(r);
    if (rc < 0) return rc;
    *out = v;
    *n = (size_t)rows;
    return GE_OK;
}

/* Runs one statement with the case id as $1 (and now as $2 when given). */
static int ge_pg_retention_exec(PGconn *c, const char *what, const char *sql, const char *case_id,
                                const char *now, ge_err *err)
{
    const char *p[] = {case_id, now};
    return ge_pg_exec(c, what, sql, now ? 2 : 1, p, NULL, err);
}

/* Steps 2 to 5 after the claim (see sqlite/store_retention.c), then the
 * 'purged' event. The events go again without their comments under their
 * old ids in one statement: the append-only trigger refuses UPDATE, DELETE
 * is allowed once purged_at is set; the overrides' deferred foreign key
 * (migration 10) sees the same ids back at commit. */
static int ge_pg_retention_scrub(PGconn *c, const char *case_id, const char *now, ge_err *err)
{
    int rc = ge_pg_retention_exec(c, "clearing the applicant",
                                  "UPDATE cases SET applicant = '{}', reference = NULL"
                                  " WHERE id = $1::text",
                                  case_id, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "clearing the feature properties",
                                  "UPDATE case_features SET props = '{}' WHERE case_id = $1::text",
                                  case_id, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "deleting the case's webhook deliveries",
                                  "DELETE FROM webhook_deliveries WHERE case_id = $1::text",
                                  case_id, NULL, err);
    /* cases.draft_id becomes NULL through its ON DELETE SET NULL */
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "deleting the case's draft",
                                  "DELETE FROM drafts"
                                  " WHERE id = (SELECT draft_id FROM cases WHERE id = $1::text)",
                                  case_id, NULL, err);
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "deleting the case's idempotency keys",
                                  "DELETE FROM idempotency_keys WHERE case_id = $1::text", case_id,
                                  NULL, err);
    /* rows first (above), then the case-events lock, before any event */
    if (rc == GE_OK) rc = ge_pg_case_events_lock(c, err);
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "writing the case's events again",
                                  "WITH old AS (DELETE FROM case_events WHERE case_id = $1::text"
                                  "  RETURNING id, case_id, at, actor, action, from_status,"
                                  "  to_status)"
                                  " INSERT INTO case_events (id, case_id, at, actor, action,"
                                  " from_status, to_status, comment)"
                                  " SELECT id, case_id, at, actor, action, from_status, to_status,"
                                  " NULL FROM old ORDER BY id",
                                  case_id, NULL, err);
    /* from = to = the status, so that "the status after each event" holds
     * for the last event too; its id comes from the identity, higher than
     * every event before. */
    if (rc == GE_OK)
        rc = ge_pg_retention_exec(c, "writing the purged event",
                                  "INSERT INTO case_events (case_id, at, actor, action,"
                                  " from_status, to_status)"
                                  " SELECT id, $2::text, '" GE_RETENTION_ACTOR "', 'purged',"
                                  " status, status FROM cases WHERE id = $1::text",
                                  case_id, now, err);
    return rc;
}

static int ge_pg_retention_purge(ge_store *st, const char *case_id, const char *service,
                                 const char *cutoff, const char *now, bool *purged, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    bool in_tx = false, claimed = false;
    int rc;

    *purged = false;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "purging a case", "BEGIN", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = true;
    /* One instance purges at a time; held until COMMIT or ROLLBACK. */
    const char *key[] = {GE_PG_RETENTION_LOCK_KEY};
    rc = ge_pg_exec(c, "taking the retention lock", "SELECT pg_advisory_xact_lock($1::bigint)", 1,
                    key, NULL, err);
    if (rc < 0) goto done;
    /* Step 1, the claim: only while still due, checked on the row's newest
     * version under its lock. The purge is a change of the case, so its
     * version moves on (migration 8); updated_at stays. */
    const char *p[] = {case_id, service, cutoff, now};
    rc = ge_pg_exec(c, "marking the case purged",
                    "UPDATE cases SET purged_at = $4::text, version = version + 1"
                    " WHERE id = $1::text AND service = $2::text AND purged_at IS NULL"
                    "   AND closed_at IS NOT NULL AND closed_at <= $3::text",
                    4, p, &r, err);
    if (rc < 0) goto done;
    claimed = strcmp(PQcmdTuples(r), "1") == 0;
    if (!claimed) goto done; /* not due any more: nothing of this purge stays */
    rc = ge_pg_retention_scrub(c, case_id, now, err);
    if (rc < 0) goto done;
    rc = ge_pg_exec(c, "purging a case", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = false;
    *purged = true;
done:
    PQclear(r);
    if (in_tx) ge_pg_exec(c, "rolling back", "ROLLBACK", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_retention_checkpoint(ge_store *st, bool *complete, ge_err *err)
{
    PGconn *c = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    *complete = false;
    if (rc < 0) return rc;
    /* Outside any transaction (VACUUM refuses to run in one). */
    rc = ge_pg_exec(c, "vacuuming the purged data",
                    "VACUUM cases, case_features, case_events, drafts, idempotency_keys,"
                    " webhook_deliveries",
                    0, NULL, NULL, err);
    if (rc == GE_OK) *complete = true;
    ge_pg_release(st, c);
    return rc;
}

const ge_store_retention_ops ge_pg_retention_ops = {
    .retention_services = ge_pg_retention_services,
    .retention_closed = ge_pg_retention_closed,
    .retention_purge = ge_pg_retention_purge,
    .retention_checkpoint = ge_pg_retention_checkpoint,
};
