/*
 * store_webhooks_admin.c - listing, counting and retrying webhook deliveries
 * for operators (store_webhooks_admin.h).
 *
 * The sender's own statements live in store_webhooks.c; nothing here is on
 * its hot path. A list with a state filter walks the outbox newest first
 * and stops at the limit, so it costs little however many delivered rows
 * have piled up as long as matching rows are recent; the pending filter
 * could use the partial index webhook_deliveries_due, but an operator's
 * list is rare enough that one plain statement for all filters is worth
 * more than a second query shape.
 *
 * Retries run in one write transaction: the rows are checked first and
 * changed only when every one may be retried, so a mistyped id leaves the
 * outbox as it was. A row whose client was revoked (or has no URL) or
 * whose case was purged is not put back: the sender would only give it up
 * again at once, and a purged case must announce nothing any more.
 */
#include "store_webhooks_admin.h"
#include "date.h"
#include "sqlite_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Why a delivery could not be sent if retried: 0 none, 1 client revoked,
 * 2 client without URL (or gone), 3 case purged (or gone). The same order
 * in the by-id check and in the bulk statement. */
#define GE_WEBHOOK_UNSENDABLE_SQL                                                                  \
    "CASE WHEN c.id IS NULL OR coalesce(c.webhook_url, '') = '' THEN 2"                            \
    " WHEN c.revoked_at IS NOT NULL THEN 1"                                                        \
    " WHEN k.id IS NULL OR k.purged_at IS NOT NULL THEN 3 ELSE 0 END"

/* GE_ENOENT unless client_id is 0 or names a client (revoked ones too). */
static int ge_webhook_admin_client_exists(ge_conn *c, int64_t client_id, ge_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (client_id == 0) return GE_OK;
    rc = ge_store_sql_prepare(c, "SELECT 1 FROM clients WHERE id = ?1", &s, err);
    if (rc < 0) return rc;
    sqlite3_bind_int64(s, 1, client_id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        rc = GE_OK;
    else if (rc == SQLITE_DONE)
        rc = ge_err_set(err, GE_ENOENT, "no client %lld (see 'geoeditor client list')",
                        (long long)client_id);
    else
        rc = ge_store_sql_err(err, c->db, rc, "looking up a client");
    sqlite3_finalize(s);
    return rc;
}

static void ge_webhook_admin_row(sqlite3_stmt *s, ge_webhook_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->client_id = sqlite3_column_int64(s, 1);
    ge_store_copy_text(r->client_name, sizeof r->client_name, sqlite3_column_text(s, 2));
    r->client_revoked = sqlite3_column_int(s, 3) != 0;
    ge_store_copy_text(r->case_id, sizeof r->case_id, sqlite3_column_text(s, 4));
    ge_store_copy_text(r->from_status, sizeof r->from_status, sqlite3_column_text(s, 5));
    ge_store_copy_text(r->to_status, sizeof r->to_status, sqlite3_column_text(s, 6));
    r->attempts = sqlite3_column_int(s, 7);
    ge_store_copy_text(r->last_attempt_at, sizeof r->last_attempt_at, sqlite3_column_text(s, 9));
    r->last_status = sqlite3_column_int(s, 10); /* NULL reads as 0 */
    ge_store_copy_text(r->last_error, sizeof r->last_error, sqlite3_column_text(s, 11));
    ge_store_copy_text(r->delivered_at, sizeof r->delivered_at, sqlite3_column_text(s, 12));
    ge_store_copy_text(r->failed_at, sizeof r->failed_at, sqlite3_column_text(s, 13));
    ge_store_copy_text(r->created_at, sizeof r->created_at, sqlite3_column_text(s, 14));
    if (r->delivered_at[0])
        r->state = GE_WEBHOOK_STATE_DELIVERED;
    else if (r->failed_at[0])
        r->state = GE_WEBHOOK_STATE_FAILED;
    else {
        r->state = GE_WEBHOOK_STATE_PENDING;
        ge_store_copy_text(r->next_attempt_at, sizeof r->next_attempt_at,
                           sqlite3_column_text(s, 8));
    }
}

static int ge_sqlite_webhooks_list(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out,
                                   size_t *n, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    ge_webhook_row *v = NULL, *grown;
    size_t cnt = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (f->limit < 1 || f->limit > GE_WEBHOOK_LIST_MAX)
        return ge_err_set(err, GE_EINVAL, "limit %zu is out of range: 1 to %d", f->limit,
                          GE_WEBHOOK_LIST_MAX);
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_webhook_admin_client_exists(c, f->client_id, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(
        c,
        "SELECT d.id, d.client_id, c.name, c.revoked_at IS NOT NULL, d.case_id,"
        " e.from_status, e.to_status, d.attempts, d.next_attempt_at, d.last_attempt_at,"
        " d.last_status, d.last_error, d.delivered_at, d.failed_at, d.created_at"
        " FROM webhook_deliveries d"
        " LEFT JOIN clients c ON c.id = d.client_id"
        " LEFT JOIN case_events e ON e.id = d.event_id"
        " WHERE (?1 = 0 OR d.client_id = ?1)"
        " AND (?2 = 0"
        "  OR (?2 = 1 AND d.delivered_at IS NULL AND d.failed_at IS NULL)"
        "  OR (?2 = 2 AND d.failed_at IS NOT NULL)"
        "  OR (?2 = 3 AND d.delivered_at IS NOT NULL))"
        " ORDER BY d.id DESC LIMIT ?3",
        &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, f->client_id);
    sqlite3_bind_int(s, 2, (int)f->state);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)f->limit);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        grown = ge_store_grow(v, &cap, cnt, sizeof *v, 32, err);
        if (!grown) {
            rc = GE_ENOMEM;
            goto err;
        }
        v = grown;
        ge_webhook_admin_row(s, &v[cnt++]);
    }
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "listing webhook deliveries");
        goto err;
    }
    rc = GE_OK;
    *out = v;
    *n = cnt;
    v = NULL;
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    free(v);
    return rc;
}

static int ge_sqlite_webhooks_count(ge_store *st, int64_t client_id, ge_webhook_counts *out,
                                    ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_webhook_admin_client_exists(c, client_id, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT coalesce(sum(delivered_at IS NULL AND failed_at IS NULL), 0),"
                              " coalesce(sum(failed_at IS NOT NULL), 0),"
                              " coalesce(sum(delivered_at IS NOT NULL), 0)"
                              " FROM webhook_deliveries WHERE ?1 = 0 OR client_id = ?1",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, client_id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "counting webhook deliveries");
        goto err;
    }
    out->pending = sqlite3_column_int64(s, 0);
    out->failed = sqlite3_column_int64(s, 1);
    out->delivered = sqlite3_column_int64(s, 2);
    rc = GE_OK;
err:
    sqlite3_finalize(s);
    ge_store_release(st, c);
    return rc;
}

/* GE_OK when delivery id exists, is failed and could be sent; else the
 * error that names why not. */
static int ge_webhook_admin_check(ge_conn *c, sqlite3_stmt *s, int64_t id, ge_err *err)
{
    int rc;

    sqlite3_reset(s);
    sqlite3_bind_int64(s, 1, id);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE)
        return ge_err_set(err, GE_ENOENT,
                          "no webhook delivery %lld (see 'geoeditor webhooks list')",
                          (long long)id);
    if (rc != SQLITE_ROW) return ge_store_sql_err(err, c->db, rc, "reading a webhook delivery");
    if (sqlite3_column_type(s, 0) != SQLITE_NULL)
        return ge_err_set(err, GE_ECONFLICT,
                          "webhook delivery %lld was delivered at %s: only failed deliveries "
                          "are retried",
                          (long long)id, (const char *)sqlite3_column_text(s, 0));
    if (sqlite3_column_type(s, 1) == SQLITE_NULL)
        return ge_err_set(err, GE_ECONFLICT,
                          "webhook delivery %lld is still pending (%d attempts so far): only "
                          "failed deliveries are retried",
                          (long long)id, sqlite3_column_int(s, 2));
    switch (sqlite3_column_int(s, 3)) {
    case 1:
        return ge_err_set(err, GE_ECONFLICT,
                          "webhook delivery %lld: client %lld is revoked, so nothing would be "
                          "sent",
                          (long long)id, (long long)sqlite3_column_int64(s, 4));
    case 2:
        return ge_err_set(err, GE_ECONFLICT,
                          "webhook delivery %lld: client %lld has no webhook URL, so nothing "
                          "would be sent",
                          (long long)id, (long long)sqlite3_column_int64(s, 4));
    case 3:
        return ge_err_set(err, GE_ECONFLICT,
                          "webhook delivery %lld: its case was purged (retention) and announces "
                          "nothing any more",
                          (long long)id);
    }
    return GE_OK;
}

static int ge_sqlite_webhooks_retry(ge_store *st, const int64_t *ids, size_t n, int64_t now,
                                    size_t *retried, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *q = NULL, *u = NULL;
    char now_text[32];
    size_t changed = 0;
    bool in_tx = false;
    int rc;

    if (retried) *retried = 0;
    ge_date_utc(now, now_text);
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_store_sql_prepare(
        c,
        "SELECT d.delivered_at, d.failed_at, d.attempts, " GE_WEBHOOK_UNSENDABLE_SQL ", d.client_id"
        " FROM webhook_deliveries d"
        " LEFT JOIN clients c ON c.id = d.client_id"
        " LEFT JOIN cases k ON k.id = d.case_id"
        " WHERE d.id = ?1",
        &q, err);
    if (rc < 0) goto err;
    /* Every id first: one that may not be retried changes nothing. */
    for (size_t i = 0; i < n; i++) {
        rc = ge_webhook_admin_check(c, q, ids[i], err);
        if (rc < 0) goto err;
    }
    rc = ge_store_sql_prepare(c,
                              "UPDATE webhook_deliveries SET attempts = 0, failed_at = NULL,"
                              " next_attempt_at = ?2 WHERE id = ?1 AND failed_at IS NOT NULL",
                              &u, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(u);
        sqlite3_bind_int64(u, 1, ids[i]);
        sqlite3_bind_text(u, 2, now_text, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(u);
        if (rc != SQLITE_DONE) {
            rc = ge_store_sql_err(err, c->db, rc, "retrying a webhook delivery");
            goto err;
        }
        changed += (size_t)sqlite3_changes(c->db);
    }
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
    if (retried) *retried = changed;
err:
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    return rc;
}

static int ge_sqlite_webhooks_retry_failed(ge_store *st, int64_t client_id, int64_t now,
                                           ge_webhook_retry_stats *stats, ge_err *err)
{
    ge_conn *c = NULL;
    sqlite3_stmt *s = NULL;
    char now_text[32];
    int64_t failed = 0;
    bool in_tx = false;
    int rc;

    memset(stats, 0, sizeof *stats);
    ge_date_utc(now, now_text);
    rc = ge_store_acquire(st, &c, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_exec(c, "BEGIN IMMEDIATE", err);
    if (rc < 0) goto err;
    in_tx = true;
    rc = ge_webhook_admin_client_exists(c, client_id, err);
    if (rc < 0) goto err;
    rc = ge_store_sql_prepare(c,
                              "SELECT count(*) FROM webhook_deliveries"
                              " WHERE failed_at IS NOT NULL AND (?1 = 0 OR client_id = ?1)",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, client_id);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        rc = ge_store_sql_err(err, c->db, rc, "counting failed webhook deliveries");
        goto err;
    }
    failed = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    rc = ge_store_sql_prepare(c,
                              "UPDATE webhook_deliveries SET attempts = 0, failed_at = NULL,"
                              " next_attempt_at = ?2"
                              " WHERE failed_at IS NOT NULL AND (?1 = 0 OR client_id = ?1)"
                              " AND id IN (SELECT d.id FROM webhook_deliveries d"
                              "  LEFT JOIN clients c ON c.id = d.client_id"
                              "  LEFT JOIN cases k ON k.id = d.case_id"
                              "  WHERE d.failed_at IS NOT NULL AND (?1 = 0 OR d.client_id = ?1)"
                              "  AND " GE_WEBHOOK_UNSENDABLE_SQL " = 0)",
                              &s, err);
    if (rc < 0) goto err;
    sqlite3_bind_int64(s, 1, client_id);
    sqlite3_bind_text(s, 2, now_text, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        rc = ge_store_sql_err(err, c->db, rc, "retrying failed webhook deliveries");
        goto err;
    }
    stats->retried = (size_t)sqlite3_changes(c->db);
    stats->unsendable = (size_t)failed - stats->retried;
    rc = ge_store_sql_exec(c, "COMMIT", err);
    if (rc < 0) goto err;
    in_tx = false;
err:
    sqlite3_finalize(s);
    if (in_tx) ge_store_sql_exec(c, "ROLLBACK", NULL);
    ge_store_release(st, c);
    if (rc < 0) memset(stats, 0, sizeof *stats);
    return rc;
}

const ge_store_webhooks_admin_ops ge_sqlite_webhooks_admin_ops = {
    .webhooks_list = ge_sqlite_webhooks_list,
    .webhooks_count = ge_sqlite_webhooks_count,
    .webhooks_retry = ge_sqlite_webhooks_retry,
    .webhooks_retry_failed = ge_sqlite_webhooks_retry_failed,
};
