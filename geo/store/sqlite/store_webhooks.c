/*
 * store_webhooks.c - the webhook outbox in the store: claiming due
 * deliveries under a lease, recording attempts, and the retry policy
 * (store_webhooks.h).
 *
 * Claim and record each run in one write transaction, so two senders (two
 * server processes on one file) never claim the same row and an attempt's
 * bookkeeping is never half written. The rows are few and short-lived; the
 * partial index webhook_deliveries_due keeps the claim query to the pending
 * ones however many delivered rows pile up.
 */
#include "store_shared.h"
#include "store_webhooks.h"
#include "date.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Which pending rows "d" a claim may take (?1 now):
 * - due: next_attempt_at has come. For a row never tried that is the
 *   event's time (the trigger of migration 5), which the writers record
 *   from the clock and never ahead of it (store_decisions.c; migration 8
 *   gave cases a version, so times need not be pushed apart), so a fresh
 *   change is due as soon as it is committed. Leased rows lie at least
 *   GE_WEBHOOK_LEASE_MIN_S ahead and stay out.
 * - in order per case: no older row of the same case is still pending, so a
 *   form server learns a case's changes in the order they happened (a later
 *   change waits while an earlier one is retried, until that is delivered or
 *   given up).
 */
#define GE_WEBHOOK_DUE                                                                             \
    "d.delivered_at IS NULL AND d.failed_at IS NULL"                                               \
    " AND d.next_attempt_at <= ?1"                                                                 \
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.case_id = d.case_id"              \
    " AND p.id < d.id AND p.delivered_at IS NULL AND p.failed_at IS NULL)"

/*
 * The case's version right after the change of delivery "d" (its ETag
 * "v<version>"), derived rather than stored: every change of a case adds 1
 * to cases.version in the transaction that writes its one case_events row
 * with action 'status' (store_decisions.c) or 'purged' (store_retention.c),
 * submission sets 1, and migration 8 numbered older cases the same way from
 * their events. So the version after an event is 1 + the case's
 * 'status'/'purged' events up to and including it; event ids grow in the
 * order the changes were committed (the purge rewrites a case's events
 * under their old ids). The index case_events_case (case_id, id) answers it.
 */
#define GE_WEBHOOK_VERSION                                                                         \
    "(SELECT 1 + count(*) FROM case_events v WHERE v.case_id = d.case_id"                          \
    " AND v.id <= d.event_id AND v.action IN ('status', 'purged'))"

/* A column as a malloc'd string; NULL stays NULL when keep_null. */
static int ge_webhook_col(sqlite3_stmt *s, int col, bool keep_null, char **out)
{
    const unsigned char *v = sqlite3_column_text(s, col);

    if (!v && keep_null) {
        *out = NULL;
        return GE_OK;
    }
    *out = strdup(v ? (const char *)v : "");
    return *out ? GE_OK : GE_ENOMEM;
}

static int ge_webhook_from_row(sqlite3_stmt *s, ge_webhook_delivery *d)
{
    int rc = GE_OK;

    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(s, 0);
    d->event_id = sqlite3_column_int64(s, 1);
    d->attempts = sqlite3_column_int(s, 2);
    d->client_revoked = sqlite3_column_int(s, 12) != 0;
    d->version = sqlite3_column_int64(s, 13);
    if (rc == GE_OK) rc = ge_webhook_col(s, 3, false, &d->case_id);
    if (rc == GE_OK) rc = ge_webhook_col(s, 4, true, &d->reference);
    if (rc == GE_OK) rc = ge_webhook_col(s, 5, false, &d->service);
    if (rc == GE_OK) rc = ge_webhook_col(s, 6, false, &d->status);
    if (rc == GE_OK) rc = ge_webhook_col(s, 7, true, &d->previous_status);
    if (rc == GE_OK) rc = ge_webhook_col(s, 8, true, &d->comment);
    if (rc == GE_OK) rc = ge_webhook_col(s, 9, false, &d->at);
    if (rc == GE_OK) rc = ge_webhook_col(s, 10, false, &d->url);
    if (rc == GE_OK) rc = ge_webhook_col(s, 11, false, &d->secret);
    return rc;
}

static int ge_sqlite_webhooks_claim(ge_store *st, int64_t now, int lease_s, size_t max,
                                    ge_webhook_delivery **out, size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL, *u = NULL;
    ge_webhook_delivery *v = NULL;
    size_t cnt = 0;
    char now_text[32], lease_text[32];
    int64_t due = 0;
    bool in_tx = false;
    int rc;

    *out = NULL;
    *n = 0;
    if (max == 0) return GE_OK;
    v = calloc(max, sizeof *v);
    if (!v) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    ge_date_utc(now, now_text);
    ge_date_utc(now + (lease_s > GE_WEBHOOK_LEASE_MIN_S ? lease_s : GE_WEBHOOK_LEASE_MIN_S),
                lease_text);
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    /* The sender asks every second: a plain read first, so that an empty
     * outbox never takes the write lock from the writers that matter. */
    rc = ge_store_sql_int(
        c, "SELECT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE " GE_WEBHOOK_DUE ")", now_text,
        &due, err);
    if (rc < 0 || !due) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(
        c,
        "SELECT d.id, d.event_id, d.attempts, d.case_id, k.reference, k.service,"
        " e.to_status, e.from_status, e.comment, e.at, coalesce(c.webhook_url, ''),"
        " coalesce(c.webhook_secret, ''), c.revoked_at IS NOT NULL, " GE_WEBHOOK_VERSION
        " FROM webhook_deliveries d"
        " JOIN case_events e ON e.id = d.event_id"
        " JOIN cases k ON k.id = d.case_id"
        " JOIN clients c ON c.id = d.client_id"
        " WHERE " GE_WEBHOOK_DUE " ORDER BY d.next_attempt_at, d.id LIMIT ?2",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_text(s, 1, now_text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    while (cnt < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (ge_webhook_from_row(s, &v[cnt++]) < 0) {
            rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
            goto err;
        }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "reading due webhook deliveries");
        goto err;
    }
    rc = ge_store_sql_prepare(c, "UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id = ?2",
                              &u, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < cnt; i++) {
        sqlite3_reset(u);
        sqlite3_bind_text(u, 1, lease_text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(u, 2, v[i].id);
        rc = sqlite3_step(u);
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "claiming a webhook delivery");
            goto err;
        }
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
    *out = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
err:
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    ge_webhook_delivery_list_free(v, cnt);
    return rc < 0 ? rc : GE_OK;
}

static int ge_sqlite_webhooks_pending(ge_store *st, int64_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    int rc = ge_store_acquire(st, &c, err);

    *n = 0;
    if (rc == GE_OK)
        rc = ge_store_sql_int(c,
                              "SELECT count(*) FROM webhook_deliveries"
                              " WHERE delivered_at IS NULL AND failed_at IS NULL",
                              NULL, n, err);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_webhook_record(ge_store *st, int64_t id, int64_t now,
                                    const ge_webhook_attempt *a, const ge_webhook_policy *pol,
                                    ge_webhook_outcome *outcome, int *attempts, int64_t *next_at,
                                    ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_webhook_outcome o;
    char now_text[32], next_text[32];
    int64_t before = -1, next = 0;
    bool in_tx = false;
    int rc, made;

    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(c,
                              "SELECT attempts FROM webhook_deliveries WHERE id = ?1"
                              " AND delivered_at IS NULL AND failed_at IS NULL",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        before = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "reading a webhook delivery");
        goto err;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (before < 0) {
        rc = ge_store_webhook_gone(id, err);
        goto err;
    }
    made = (int)before + 1;
    o = ge_store_webhook_decide(a, pol, made, now, &next);
    ge_date_utc(now, now_text);
    if (o == GE_WEBHOOK_RETRY) ge_date_utc(next, next_text);
    rc = ge_store_sql_prepare(
        c,
        "UPDATE webhook_deliveries SET attempts = ?2, last_attempt_at = ?3, last_status = ?4,"
        " last_error = ?5,"
        " delivered_at = CASE WHEN ?6 = 0 THEN ?3 END,"
        " failed_at = CASE WHEN ?6 = 2 THEN ?3 END,"
        " next_attempt_at = CASE WHEN ?6 = 1 THEN ?7 ELSE next_attempt_at END"
        " WHERE id = ?1",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, made);
    sqlite3_bind_text(s, 3, now_text, -1, SQLITE_TRANSIENT);
    if (a->http_status > 0) sqlite3_bind_int(s, 4, a->http_status);
    if (o != GE_WEBHOOK_DELIVERED && a->error)
        sqlite3_bind_text(s, 5, a->error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 6, (int)o);
    if (o == GE_WEBHOOK_RETRY) sqlite3_bind_text(s, 7, next_text, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "recording a webhook attempt");
        goto err;
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
    if (outcome) *outcome = o;
    if (attempts) *attempts = made;
    if (next_at) *next_at = next;
err:
    sqlite3_finalize(s);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_webhook_release(ge_store *st, int64_t id, int64_t now, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char now_text[32];
    int rc = ge_store_acquire(st, &c, err);

    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE id = ?1"
                              " AND delivered_at IS NULL AND failed_at IS NULL",
                              &s, err);
    if (rc < 0) goto err;
    ge_date_utc(now, now_text);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, now_text, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    rc = rc == SQLITE_DONE ? GE_OK
                           : ge_store_sql_err(err, c->db, rc, "releasing a webhook delivery");
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

const ge_store_webhooks_ops ge_sqlite_webhooks_ops = {
    .webhooks_claim = ge_sqlite_webhooks_claim,
    .webhooks_pending = ge_sqlite_webhooks_pending,
    .webhook_record = ge_sqlite_webhook_record,
    .webhook_release = ge_sqlite_webhook_release,
};
