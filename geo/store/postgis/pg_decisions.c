/*
 * pg_decisions.c - a caseworker's status change of a case in the PostGIS
 * store (store_decisions.h): check and write in one transaction, the same
 * answers as sqlite/store_decisions.c.
 *
 * SQLite serialises every writer with BEGIN IMMEDIATE. Here the change
 * locks what it is about first: the case's row (SELECT ... FOR UPDATE), so
 * two caseworkers deciding one case at once - on one instance or two - are
 * serialised and the second one's check sees the first one's status and
 * version (a 409 or 412 for it, never two events from one status), and the
 * version moves on by exactly one per change. Then the case-events lock
 * (pg_case_events.h): event ids grow in commit order, which the webhook
 * version derivation and the case tiles' version rely on, and an approval's
 * conflict check sees every case committed before it while no new case can
 * commit until the approval has (a submission takes the same lock before
 * its event). Deadlocks (40P01) come back as GE_ECONFLICT (pg_sql.c): the
 * caller may retry.
 */
#include "date.h"
#include "pg_case_events.h"
#include "pg_store.h"
#include "store_decisions.h"
#include "store_shared.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ge_pg_decision_lock(PGconn *c, const char *id, ge_decision_row *row, bool *found,
                               ge_err *err)
{
    PGresult *r = NULL;
    const char *p[] = {id};
    int rc = ge_pg_exec(c, "reading the case's status",
                        "SELECT service, status, updated_at, closed_at, purged_at IS NOT NULL,"
                        " version FROM cases WHERE id = $1 FOR UPDATE",
                        1, p, &r, err);
    *found = false;
    if (rc < 0) return rc;
    if (PQntuples(r) == 1) {
        ge_pg_copy_text(row->service, sizeof row->service, r, 0, 0);
        ge_pg_copy_text(row->status, sizeof row->status, r, 0, 1);
        ge_pg_copy_text(row->updated_at, sizeof row->updated_at, r, 0, 2);
        ge_pg_copy_text(row->closed_at, sizeof row->closed_at, r, 0, 3);
        row->purged = strcmp(PQgetvalue(r, 0, 4), "t") == 0;
        row->version = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
        *found = true;
    }
    PQclear(r);
    return GE_OK;
}

/* The approval's conflicts into out (as sqlite/store_review.c's
 * ge_store_case_conflicts_on finds them: nearest first, then the older
 * case); *all_acknowledged whether the caller named every one of them. */
static int ge_pg_decision_check_conflicts(PGconn *c, const ge_status_change *in,
                                          ge_status_result *out, bool *all_acknowledged,
                                          ge_err *err)
{
    PGresult *r = NULL;
    char dist[32], lim[24];
    double d = in->conflict_distance(in->conflict_distance_ud, out->service);
    int rc, n;

    *all_acknowledged = true;
    if (!(d >= 0)) return ge_err_set(err, GE_EINVAL, "distance must be 0 or more");
    snprintf(dist, sizeof dist, "%.17g", d);
    snprintf(lim, sizeof lim, "%d", GE_DECISION_MAX_CONFLICTS);
    const char *p[] = {in->case_id, dist, lim};
    rc = ge_pg_exec(c, "finding conflicting cases",
                    "SELECT k.id, k.service, k.status, k.reference, k.period_start, k.period_end,"
                    " min(ST_Distance(a.geometry, b.geometry)) AS d"
                    " FROM cases me"
                    " JOIN case_features a ON a.case_id = me.id"
                    " JOIN case_features b ON ST_DWithin(a.geometry, b.geometry, $2::float8)"
                    " JOIN cases k ON k.id = b.case_id"
                    " WHERE me.id = $1 AND k.id <> me.id AND k.status <> 'rejected'"
                    " AND (me.period_start IS NULL OR me.period_end IS NULL"
                    "   OR k.period_start IS NULL OR k.period_end IS NULL"
                    "   OR (k.period_start <= me.period_end AND k.period_end >= me.period_start))"
                    " GROUP BY k.id ORDER BY d, k.created_at, k.id LIMIT $3::bigint",
                    3, p, &r, err);
    if (rc < 0) return rc;
    n = PQntuples(r);
    if (n > 0) {
        out->conflicts = calloc((size_t)n, sizeof *out->conflicts);
        out->unacknowledged = calloc((size_t)n, sizeof *out->unacknowledged);
        if (!out->conflicts || !out->unacknowledged) {
            PQclear(r);
            return ge_err_set(err, GE_ENOMEM, "out of memory");
        }
    }
    for (int i = 0; i < n; i++) {
        ge_case_conflict *k = &out->conflicts[i];
        ge_pg_copy_text(k->id, sizeof k->id, r, i, 0);
        ge_pg_copy_text(k->service, sizeof k->service, r, i, 1);
        ge_pg_copy_text(k->status, sizeof k->status, r, i, 2);
        ge_pg_copy_text(k->reference, sizeof k->reference, r, i, 3);
        ge_pg_copy_text(k->period_start, sizeof k->period_start, r, i, 4);
        ge_pg_copy_text(k->period_end, sizeof k->period_end, r, i, 5);
        k->distance_m = strtod(PQgetvalue(r, i, 6), NULL);
        k->visible = in->who ? ge_case_filter_allows(in->who, k->service) : false;
        out->nconflicts++;
    }
    PQclear(r);
    *all_acknowledged = ge_decision_acknowledge(in, out);
    return GE_OK;
}

/* The conflicts an approval overrode, beside its event. */
static int ge_pg_decision_write_overrides(PGconn *c, const char *event_id,
                                          const ge_status_result *out, ge_err *err)
{
    int rc = GE_OK;
    char dist[32];

    for (size_t i = 0; rc == GE_OK && i < out->nconflicts; i++) {
        snprintf(dist, sizeof dist, "%.17g", out->conflicts[i].distance_m);
        const char *p[] = {event_id, out->conflicts[i].id, dist};
        rc = ge_pg_exec(c, "recording the overridden conflicts",
                        "INSERT INTO case_event_overrides (event_id, case_id, distance_m)"
                        " VALUES ($1, $2, $3::float8)",
                        3, p, NULL, err);
    }
    return rc;
}

static int ge_pg_decision_write(PGconn *c, const ge_status_change *in, const ge_decision_row *row,
                                const char *now, ge_status_result *out, ge_err *err)
{
    PGresult *r = NULL;
    bool closes = ge_case_status_closes(in->to);
    char version[24];
    const char *to = ge_case_status_name(in->to);

    /* The row is locked since the read: nobody moved its version. */
    snprintf(version, sizeof version, "%" PRId64, row->version + 1);
    const char *pu[] = {in->case_id, to, now, closes ? "true" : "false", version};
    int rc = ge_pg_exec(c, "changing the case's status",
                        "UPDATE cases SET status = $2, updated_at = $3, version = $5::bigint,"
                        " closed_at = CASE WHEN $4::boolean THEN $3 ELSE closed_at END"
                        " WHERE id = $1",
                        5, pu, NULL, err);
    if (rc < 0) return rc;
    const char *pe[] = {in->case_id, now, in->actor,
                        row->status, to,  in->comment && in->comment[0] ? in->comment : NULL};
    rc = ge_pg_exec(c, "recording the status change",
                    "INSERT INTO case_events (case_id, at, actor, action, from_status,"
                    " to_status, comment) VALUES ($1, $2, $3, 'status', $4, $5, $6)"
                    " RETURNING id",
                    6, pe, &r, err);
    if (rc < 0) return rc;
    out->event_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    rc = ge_pg_decision_write_overrides(c, PQgetvalue(r, 0, 0), out, err);
    PQclear(r);
    if (rc < 0) return rc;
    ge_decision_written(in, row, now, out);
    return GE_OK;
}

static int ge_pg_case_set_status(ge_store *st, const ge_status_change *in, time_t now,
                                 ge_status_result *out, ge_err *err)
{
    PGconn *c = NULL;
    ge_decision_row row;
    char at[GE_DATE_UTC_LEN];
    bool found = false;
    int rc;

    rc = ge_decision_start(in, &row, out, err);
    if (rc < 0) return rc;
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "starting a status change", "BEGIN", 0, NULL, NULL, err);
    if (rc == GE_OK) rc = ge_pg_decision_lock(c, in->case_id, &row, &found, err);
    if (rc < 0 || !found) goto end;
    /* The case's version, purge, visibility and transition, as in SQLite's
     * store. */
    if (!ge_decision_may_go_on(in, &row, out)) goto end;
    /* From here to COMMIT under the case-events lock: no case commits
     * between the conflict check and the change. */
    rc = ge_pg_case_events_lock(c, err);
    if (rc < 0) goto end;
    if (in->to == GE_CASE_APPROVED && in->conflict_distance) {
        bool acknowledged = true;
        rc = ge_pg_decision_check_conflicts(c, in, out, &acknowledged, err);
        if (rc < 0) goto end;
        if (!acknowledged) {
            out->outcome = GE_DECISION_CONFLICTS;
            goto end;
        }
    }
    /* The caller's clock in whole seconds, never ahead of it (see
     * sqlite/store_decisions.c). */
    ge_date_utc(now, at);
    rc = ge_pg_decision_write(c, in, &row, at, out, err);
    if (rc == GE_OK)
        rc = ge_pg_exec(c, "committing the status change", "COMMIT", 0, NULL, NULL, err);
    if (rc == GE_OK) {
        out->outcome = GE_DECISION_OK;
        ge_pg_release(st, c);
        return GE_OK;
    }
end:
    /* A refusal or a failure: nothing of this change stays. */
    PQclear(PQexec(c, "ROLLBACK"));
    if (rc < 0) ge_decision_failed(out);
    ge_pg_release(st, c);
    return rc;
}

const ge_store_decisions_ops ge_pg_decisions_ops = {
    .case_set_status = ge_pg_case_set_status,
};
