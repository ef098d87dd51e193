/*
 * store_decisions.c - a caseworker's status change of a case (see
 * store_decisions.h): check and write in one transaction.
 *
 * The write lock is taken first (BEGIN IMMEDIATE), as in store_cases.c, and
 * only then is the current status read: two caseworkers deciding the same
 * case at once are serialised, and the second one's check sees the first
 * one's result (a 409 or 412 for it, never two events from one status).
 * The same transaction moves the case's version on by one, so the version
 * a caller saw names exactly one state of the case.
 */
#include "store_decisions.h"
#include "sqlite_internal.h"
#include "store_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ge_decision_read(ge_conn *c, const char *id, ge_decision_row *row, bool *found,
                            ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = ge_store_sql_prepare(c,
                                  "SELECT service, status, updated_at, closed_at,"
                                  " purged_at IS NOT NULL, version FROM cases WHERE id = ?1",
                                  &s, err);

    *found = false;
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        ge_store_copy_text(row->service, sizeof row->service, sqlite3_column_text(s, 0));
        ge_store_copy_text(row->status, sizeof row->status, sqlite3_column_text(s, 1));
        ge_store_copy_text(row->updated_at, sizeof row->updated_at, sqlite3_column_text(s, 2));
        ge_store_copy_text(row->closed_at, sizeof row->closed_at, sqlite3_column_text(s, 3));
        row->purged = sqlite3_column_int(s, 4) != 0;
        row->version = sqlite3_column_int64(s, 5);
        *found = true;
        rc = GE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = GE_OK;
    } else {
        rc = ge_store_sql_err(err, c->db, rc, "reading the case's status");
    }
err:
    sqlite3_finalize(s);
    return rc;
}

typedef struct ge_decision_conflicts {
    ge_status_result *out;
    size_t cap;
    ge_err *err;
} ge_decision_conflicts;

static int ge_decision_conflict_cb(void *ud, const ge_case_conflict *k)
{
    ge_decision_conflicts *dc = ud;
    ge_status_result *out = dc->out;
    ge_case_conflict *grown;

    if (out->nconflicts == dc->cap) {
        size_t cap = dc->cap;
        grown = ge_store_grow(out->conflicts, &cap, out->nconflicts, sizeof *grown, 4, dc->err);
        if (!grown) return GE_ENOMEM;
        out->conflicts = grown;
        bool *un = realloc(out->unacknowledged, cap * sizeof *un);
        if (!un) return ge_err_set(dc->err, GE_ENOMEM, "out of memory");
        out->unacknowledged = un;
        dc->cap = cap;
    }
    out->conflicts[out->nconflicts] = *k;
    out->unacknowledged[out->nconflicts] = false;
    out->nconflicts++;
    return 0;
}

/* The approval's conflicts into out; *all_acknowledged whether the caller
 * named every one of them. */
static int ge_decision_check_conflicts(ge_conn *c, const ge_status_change *in,
                                       ge_status_result *out, bool *all_acknowledged, ge_err *err)
{
    ge_decision_conflicts dc = {.out = out, .err = err};
    double d = in->conflict_distance(in->conflict_distance_ud, out->service);
    int rc = ge_store_case_conflicts_on(c, in->case_id, d, in->who, GE_DECISION_MAX_CONFLICTS,
                                        ge_decision_conflict_cb, &dc, err);

    *all_acknowledged = true;
    if (rc < 0) return rc;
    *all_acknowledged = ge_decision_acknowledge(in, out);
    return GE_OK;
}

/* The conflicts an approval overrode, beside its event. */
static int ge_decision_write_overrides(ge_conn *c, int64_t event_id, const ge_status_result *out,
                                       ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = GE_OK;

    if (!out->nconflicts) return GE_OK;
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
                              " VALUES (?1, ?2, ?3)",
                              &s, err);
    for (size_t i = 0; rc == GE_OK && i < out->nconflicts; i++) {
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, event_id);
        sqlite3_bind_text(s, 2, out->conflicts[i].id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(s, 3, out->conflicts[i].distance_m);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE
                 ? GE_OK
                 : ge_store_sql_err(err, c->db, rc, "recording the overridden conflicts");
    }
    sqlite3_finalize(s);
    return rc;
}

static int ge_decision_write(ge_conn *c, const ge_status_change *in, const ge_decision_row *row,
                             const char *now, ge_status_result *out, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    bool closes = ge_case_status_closes(in->to);
    const char *from = row->status;
    int rc = ge_store_sql_prepare(c,
                                  "UPDATE cases SET status = ?2, updated_at = ?3,"
                                  " version = ?5,"
                                  " closed_at = CASE WHEN ?4 THEN ?3 ELSE closed_at END"
                                  " WHERE id = ?1",
                                  &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, in->case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, ge_case_status_name(in->to), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 4, closes);
    /* The write lock is held since the read: nobody moved it meanwhile. */
    sqlite3_bind_int64(s, 5, row->version + 1);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "changing the case's status");
        goto err;
    }
    sqlite3_finalize(s);
    rc = ge_store_sql_prepare(c,
                              "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                              " to_status, comment) VALUES (?1, ?2, ?3, 'status', ?4, ?5, ?6)",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, in->case_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, in->actor, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, ge_case_status_name(in->to), -1, SQLITE_STATIC);
    if (in->comment && in->comment[0])
        sqlite3_bind_text(s, 6, in->comment, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 6);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "recording the status change");
        goto err;
    }
    out->event_id = sqlite3_last_insert_rowid(c->db);
    rc = ge_decision_write_overrides(c, out->event_id, out, err);
    if (rc < 0) goto err;
    ge_decision_written(in, row, now, out);
    rc = GE_OK;
err:
    sqlite3_finalize(s);
    return rc;
}

static int ge_sqlite_case_set_status(ge_store *st, const ge_status_change *in, time_t now,
                                     ge_status_result *out, ge_err *err)
{
    ge_conn *c = NULL;
    ge_decision_row row;
    char at[GE_DATE_UTC_LEN];
    bool found = false;
    int rc;

    rc = ge_decision_start(in, &row, out, err);
    if (rc < 0) return rc;
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    rc = ge_decision_read(c, in->case_id, &row, &found, err);
    if (rc < 0 || !found) goto err;
    /* The case's version, purge, visibility and transition, as on PostGIS. */
    if (!ge_decision_may_go_on(in, &row, out)) goto err;
    /* Under the write lock: no case can arrive between this check and the
     * change, so what the caller acknowledged is all there is. */
    if (in->to == GE_CASE_APPROVED && in->conflict_distance) {
        bool acknowledged = true;
        rc = ge_decision_check_conflicts(c, in, out, &acknowledged, err);
        if (rc < 0) goto err;
        if (!acknowledged) {
            out->outcome = GE_DECISION_CONFLICTS;
            goto err;
        }
    }
    /* The caller's clock time, whole seconds (as every time in the store),
     * cut down rather than rounded: a recorded change is never later than
     * the clock, so the webhook sender finds its delivery due at once. Two
     * changes in one second share the time and differ in version. */
    ge_date_utc(now, at);
    rc = ge_decision_write(c, in, &row, at, out, err);
    if (rc == GE_OK) rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc == GE_OK) out->outcome = GE_DECISION_OK;
err:
    /* A refusal or a failure: nothing of this change stays. */
    if (c && !sqlite3_get_autocommit(c->db)) ge_store_sql_exec(c, "ROLLBACK", NULL);
    if (rc < 0) ge_decision_failed(out);
    ge_store_release(st, c);
    return rc;
}

const ge_store_decisions_ops ge_sqlite_decisions_ops = {
    .case_set_status = ge_sqlite_case_set_status,
};
