/*
 * store_retention.c - the store's side of DSGVO retention (store_retention.h):
 * listing closed cases that still hold personal data, and purging one case
 * in one transaction.
 *
 * Deleted and overwritten personal data must not linger in the file: the
 * purge runs with PRAGMA secure_delete on (SQLite then zeroes freed cell
 * space and free pages, whatever the build's default), and
 * ge_sqlite_retention_checkpoint() copies the WAL into the database and
 * truncates it, so that old page images holding the applicant's data do not
 * stay in the -wal file either.
 */
#include "store_retention.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

static int ge_sqlite_retention_services(ge_store *st, char (**out)[64], size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char(*v)[64] = NULL;
    size_t len = 0, cap = 0;
    int rc = ge_store_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT DISTINCT service FROM cases"
                              " WHERE closed_at IS NOT NULL AND purged_at IS NULL ORDER BY service",
                              &s, err);
    if (rc < 0) goto err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char(*grown)[64] = ge_store_grow(v, &cap, len, sizeof *v, 8, err);
        if (!grown) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = grown;
        ge_store_copy_text(v[len++], sizeof v[0], sqlite3_column_text(s, 0));
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "listing the services of closed cases");
        goto err;
    }
    rc = GE_OK;
    *out = v;
    *n = len;
    v = NULL;
err:
    free(v);
    sqlite3_finalize(s);
    if (c) ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_retention_closed(ge_store *st, const char *service, const char *cutoff,
                                      ge_store_closed_case **out, size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_store_closed_case *v = NULL;
    size_t len = 0, cap = 0;
    int rc = ge_store_acquire(st, &c, err);

    *out = NULL;
    *n = 0;
    if (rc < 0) goto err;
    /* "?2 IS NULL OR": one statement for "due" and for "all closed". */
    rc = ge_store_sql_prepare(c,
                              "SELECT id, service, closed_at FROM cases"
                              " WHERE service = ?1 AND closed_at IS NOT NULL AND purged_at IS NULL"
                              "   AND (?2 IS NULL OR closed_at <= ?2)"
                              " ORDER BY closed_at, id",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, service, -1, SQLITE_TRANSIENT);
    if (cutoff)
        sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 2);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_store_closed_case *grown = ge_store_grow(v, &cap, len, sizeof *v, 16, err);
        if (!grown) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = grown;
        ge_store_copy_text(v[len].case_id, sizeof v[len].case_id, sqlite3_column_text(s, 0));
        ge_store_copy_text(v[len].service, sizeof v[len].service, sqlite3_column_text(s, 1));
        ge_store_copy_text(v[len].closed_at, sizeof v[len].closed_at, sqlite3_column_text(s, 2));
        len++;
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "listing closed cases");
        goto err;
    }
    rc = GE_OK;
    *out = v;
    *n = len;
    v = NULL;
err:
    free(v);
    sqlite3_finalize(s);
    if (c) ge_store_release(st, c);
    return rc;
}

/* Runs one prepared statement with the case id as ?1 to its end. */
static int ge_retention_exec_case(ge_conn *c, const char *sql, const char *case_id,
                                  const char *what, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c, sql, &s, err);

    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, what);
    sqlite3_finalize(s);
    return rc;
}

/* Step 1: claims the case by setting purged_at, only while it is still due.
 * *claimed tells whether it was. The purge is a change of the case (its
 * applicant and reference go), so its version moves on (migration 8) in
 * this transaction; updated_at stays the time of the last status change,
 * the purge has purged_at. */
static int ge_retention_claim(ge_conn *c, const char *case_id, const char *service,
                              const char *cutoff, const char *now, bool *claimed, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c,
                                  "UPDATE cases SET purged_at = ?4, version = version + 1"
                                  " WHERE id = ?1 AND service = ?2 AND purged_at IS NULL"
                                  "   AND closed_at IS NOT NULL AND closed_at <= ?3",
                                  &s, err);

    *claimed = false;
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, service, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, cutoff, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        *claimed = sqlite3_changes(c->db) == 1;
        rc = GE_OK;
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "marking the case purged");
    }
    sqlite3_finalize(s);
    return rc;
}

typedef struct ge_retention_event {
    sqlite3_int64 id;
    char *at, *actor, *action, *from, *to; /* NULL stays NULL */
} ge_retention_event;

static char *ge_retention_col(sqlite3_stmt *s, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    char *d;
    if (!t) return NULL;
    d = strdup((const char *)t);
    if (!d) *oom = true;
    return d;
}

static void ge_retention_events_free(ge_retention_event *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].at);
        free(v[i].actor);
        free(v[i].action);
        free(v[i].from);
        free(v[i].to);
    }
    free(v);
}

/* Step 4: the case's events again without their comments. UPDATE is refused
 * by the append-only trigger; DELETE is allowed once purged_at is set, and
 * re-inserting the same ids keeps the order and the ids that others (the
 * history API, logs) refer to. */
static int ge_retention_rewrite_events(ge_conn *c, const char *case_id, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    ge_retention_event *v = NULL;
    size_t len = 0, cap = 0;
    bool oom = false;
    int rc = ge_store_sql_prepare(c,
                                  "SELECT id, at, actor, action, from_status, to_status"
                                  " FROM case_events WHERE case_id = ?1 ORDER BY id",
                                  &s, err);

    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ge_retention_event *grown = ge_store_grow(v, &cap, len, sizeof *v, 8, err);
        if (!grown) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = grown;
        v[len].id = sqlite3_column_int64(s, 0);
        v[len].at = ge_retention_col(s, 1, &oom);
        v[len].actor = ge_retention_col(s, 2, &oom);
        v[len].action = ge_retention_col(s, 3, &oom);
        v[len].from = ge_retention_col(s, 4, &oom);
        v[len].to = ge_retention_col(s, 5, &oom);
        len++;
        if (oom) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
            goto err;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "reading the case's events");
        goto err;
    }
    sqlite3_finalize(s);
    s = NULL;
    rc = ge_retention_exec_case(c, "DELETE FROM case_events WHERE case_id = ?1", case_id,
                                "deleting the case's events", err);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_events (id, case_id, at, actor, action,"
                              " from_status, to_status, comment)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                              &s, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < len; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, v[i].id);
        sqlite3_bind_text(s, 2, case_id, -1, SQLITE_TRANSIENT);
        ge_store_bind_text(s, 3, v[i].at);
        ge_store_bind_text(s, 4, v[i].actor);
        ge_store_bind_text(s, 5, v[i].action);
        ge_store_bind_text(s, 6, v[i].from);
        ge_store_bind_text(s, 7, v[i].to);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "writing the case's events again");
            goto err;
        }
    }
    rc = GE_OK;
err:
    sqlite3_finalize(s);
    ge_retention_events_free(v, len);
    return rc;
}

/* Steps 2 to 5 after the claim, in the contract's order. */
static int ge_retention_scrub_case(ge_conn *c, const char *case_id, const char *now, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_retention_exec_case(c,
                                    "UPDATE cases SET applicant = '{}', reference = NULL"
                                    " WHERE id = ?1",
                                    case_id, "clearing the applicant", err);

    if (rc == GE_OK)
        rc = ge_retention_exec_case(c, "UPDATE case_features SET props = '{}' WHERE case_id = ?1",
                                    case_id, "clearing the feature properties", err);
    if (rc == GE_OK)
        rc = ge_retention_exec_case(c, "DELETE FROM webhook_deliveries WHERE case_id = ?1", case_id,
                                    "deleting the case's webhook deliveries", err);
    /* The draft holds the drawing with its properties and the reference;
     * cases.draft_id becomes NULL through its ON DELETE SET NULL. */
    if (rc == GE_OK)
        rc = ge_retention_exec_case(c,
                                    "DELETE FROM drafts"
                                    " WHERE id = (SELECT draft_id FROM cases WHERE id = ?1)",
                                    case_id, "deleting the case's draft", err);
    if (rc == GE_OK)
        rc = ge_retention_exec_case(c, "DELETE FROM idempotency_keys WHERE case_id = ?1", case_id,
                                    "deleting the case's idempotency keys", err);
    if (rc == GE_OK) rc = ge_retention_rewrite_events(c, case_id, err);
    if (rc < 0) return rc;
    /* from = to = the status, so that "the status after each event" holds
     * for the last event too. */
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                              " to_status)"
                              " SELECT id, ?2, '" GE_RETENTION_ACTOR "', 'purged', status, status"
                              " FROM cases WHERE id = ?1",
                              &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_text(s, 1, case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? GE_OK : ge_store_sql_err(err, c->db, rc, "writing the purged event");
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_retention_purge(ge_store *st, const char *case_id, const char *service,
                                     const char *cutoff, const char *now, bool *purged, ge_err *err)
{
    ge_conn *c = NULL;
    int64_t secure = 1;
    bool claimed = false, restore = false;
    int rc = ge_store_acquire(st, &c, err);

    *purged = false;
    if (rc < 0) goto err;
    rc = ge_store_sql_int(c, "PRAGMA secure_delete", NULL, &secure, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "PRAGMA secure_delete = ON", err);
    if (rc < 0) goto err;
    restore = secure == 0;
    /* The write lock first: the claim below decides, and no other writer can
     * close, reopen or purge the case between the check and the writes. */
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc == GE_OK) rc = ge_retention_claim(c, case_id, service, cutoff, now, &claimed, err);
    if (rc == GE_OK && claimed) rc = ge_retention_scrub_case(c, case_id, now, err);
    if (rc == GE_OK && claimed) rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc == GE_OK) *purged = claimed;
err:
    /* Not due any more, or a failure: nothing of this purge stays. */
    if (c && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
    if (c && restore) ge_store_sql_exec(c, "PRAGMA secure_delete = OFF", NULL);
    if (c) ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_retention_checkpoint(ge_store *st, bool *complete, ge_err *err)
{
    ge_conn *c = NULL;
    int64_t busy = 1;
    int rc = ge_store_acquire(st, &c, err);

    *complete = false;
    if (rc < 0) goto err;
    /* The first column is 1 when readers kept the checkpoint from finishing. */
    rc = ge_store_sql_int(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, &busy, err);
    if (rc == GE_OK) *complete = busy == 0;
err:
    if (c) ge_store_release(st, c);
    return rc;
}

const ge_store_retention_ops ge_sqlite_retention_ops = {
    .retention_services = ge_sqlite_retention_services,
    .retention_closed = ge_sqlite_retention_closed,
    .retention_purge = ge_sqlite_retention_purge,
    .retention_checkpoint = ge_sqlite_retention_checkpoint,
};
