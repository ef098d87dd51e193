/*
 * pg_webhooks_admin.c - listing, counting and retrying webhook deliveries
 * for operators (store_webhooks_admin.h) in the PostGIS store; the same
 * answers and messages as sqlite/store_webhooks_admin.c (read its comment
 * for why a retry is all or nothing and what is never put back).
 *
 * SQLite checked the rows and then changed them under its one writer. Here
 * other instances' senders record attempts meanwhile, so the rows are
 * locked before they are judged: a retry by ids takes each row FOR UPDATE
 * as it checks it, in one transaction; "retry every failed one" locks the
 * failed rows, counts them and puts the sendable ones back in one statement,
 * so the counts it reports are of the rows it changed and left.
 */
#include "date.h"
#include "pg_store.h"
#include "store_webhooks_admin.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why a delivery could not be sent if retried: 0 none, 1 client revoked,
 * 2 client without URL (or gone), 3 case purged (or gone); as
 * GE_WEBHOOK_UNSENDABLE_SQL in sqlite/store_webhooks_admin.c. */
#define GE_PG_WEBHOOK_UNSENDABLE_SQL                                                               \
    "CASE WHEN c.id IS NULL OR coalesce(c.webhook_url, '') = '' THEN 2"                            \
    " WHEN c.revoked_at IS NOT NULL THEN 1"                                                        \
    " WHEN k.id IS NULL OR k.purged_at IS NOT NULL THEN 3 ELSE 0 END"

/* GE_ENOENT unless client_id is 0 or names a client (revoked ones too). */
static int ge_pg_webhook_admin_client_exists(PGconn *c, int64_t client_id, ge_err *err)
{
    char ids[24];
    int64_t found = 0;
    int rc;

    if (client_id == 0) return GE_OK;
    snprintf(ids, sizeof ids, "%" PRId64, client_id);
    rc = ge_pg_int(c, "looking up a client", "SELECT 1 FROM clients WHERE id = $1::bigint", ids,
                   &found, err);
    if (rc == GE_OK && !found)
        rc = ge_err_set(err, GE_ENOENT, "no client %lld (see 'geoeditor client list')",
                        (long long)client_id);
    return rc;
}

static void ge_pg_webhook_admin_row(const PGresult *r, int i, ge_webhook_row *w)
{
    memset(w, 0, sizeof *w);
    w->id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    w->client_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
    ge_pg_copy_text(w->client_name, sizeof w->client_name, r, i, 2);
    w->client_revoked = strcmp(PQgetvalue(r, i, 3), "1") == 0;
    ge_pg_copy_text(w->case_id, sizeof w->case_id, r, i, 4);
    ge_pg_copy_text(w->from_status, sizeof w->from_status, r, i, 5);
    ge_pg_copy_text(w->to_status, sizeof w->to_status, r, i, 6);
    w->attempts = (int)strtol(PQgetvalue(r, i, 7), NULL, 10);
    ge_pg_copy_text(w->last_attempt_at, sizeof w->last_attempt_at, r, i, 9);
    w->last_status = (int)strtol(PQgetvalue(r, i, 10), NULL, 10); /* NULL reads as 0 */
    ge_pg_copy_text(w->last_error, sizeof w->last_error, r, i, 11);
    ge_pg_copy_text(w->delivered_at, sizeof w->delivered_at, r, i, 12);
    ge_pg_copy_text(w->failed_at, sizeof w->failed_at, r, i, 13);
    ge_pg_copy_text(w->created_at, sizeof w->created_at, r, i, 14);
    if (w->delivered_at[0])
        w->state = GE_WEBHOOK_STATE_DELIVERED;
    else if (w->failed_at[0])
        w->state = GE_WEBHOOK_STATE_FAILED;
    else {
        w->state = GE_WEBHOOK_STATE_PENDING;
        ge_pg_copy_text(w->next_attempt_at, sizeof w->next_attempt_at, r, i, 8);
    }
}

static int ge_pg_webhooks_list(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out,
                               size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_webhook_row *v = NULL;
    char client[24], state[8], limit[24];
    int rc;

    *out = NULL;
    *n = 0;
    if (f->limit < 1 || f->limit > GE_WEBHOOK_LIST_MAX)
        return ge_err_set(err, GE_EINVAL, "limit %zu is out of range: 1 to %d", f->limit,
                          GE_WEBHOOK_LIST_MAX);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_webhook_admin_client_exists(c, f->client_id, err);
    if (rc < 0) goto done;
    snprintf(client, sizeof client, "%" PRId64, f->client_id);
    snprintf(state, sizeof state, "%d", (int)f->state);
    snprintf(limit, sizeof limit, "%zu", f->limit);
    const char *p[] = {client, state, limit};
    rc = ge_pg_exec(c, "listing webhook deliveries",
                    "SELECT d.id, d.client_id, c.name, (c.revoked_at IS NOT NULL)::int, d.case_id,"
                    " e.from_status, e.to_status, d.attempts, d.next_attempt_at, d.last_attempt_at,"
                    " d.last_status, d.last_error, d.delivered_at, d.failed_at, d.created_at"
                    " FROM webhook_deliveries d"
                    " LEFT JOIN clients c ON c.id = d.client_id"
                    " LEFT JOIN case_events e ON e.id = d.event_id"
                    " WHERE ($1::bigint = 0 OR d.client_id = $1::bigint)"
                    " AND ($2::integer = 0"
                    "  OR ($2::integer = 1 AND d.delivered_at IS NULL AND d.failed_at IS NULL)"
                    "  OR ($2::integer = 2 AND d.failed_at IS NOT NULL)"
                    "  OR ($2::integer = 3 AND d.delivered_at IS NOT NULL))"
                    " ORDER BY d.id DESC LIMIT $3::bigint",
                    3, p, &r, err);
    if (rc < 0) goto done;
    int rows = PQntuples(r);
    if (rows > 0 && !(v = calloc((size_t)rows, sizeof *v))) {
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
        goto done;
    }
    for (int i = 0; i < rows; i++)
        ge_pg_webhook_admin_row(r, i, &v[i]);
    *out = v;
    *n = (size_t)rows;
done:
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_webhooks_count(ge_store *st, int64_t client_id, ge_webhook_counts *out,
                                ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char client[24];
    int rc;

    memset(out, 0, sizeof *out);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_webhook_admin_client_exists(c, client_id, err);
    if (rc < 0) goto done;
    snprintf(client, sizeof client, "%" PRId64, client_id);
    const char *p[] = {client};
    rc = ge_pg_exec(c, "counting webhook deliveries",
                    "SELECT count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL),"
                    " count(*) FILTER (WHERE failed_at IS NOT NULL),"
                    " count(*) FILTER (WHERE delivered_at IS NOT NULL)"
                    " FROM webhook_deliveries WHERE $1::bigint = 0 OR client_id = $1::bigint",
                    1, p, &r, err);
    if (rc < 0) goto done;
    out->pending = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    out->failed = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    out->delivered = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
done:
    PQclear(r);
    ge_pg_release(st, c);
    return rc;
}

/* Locks delivery id and answers GE_OK when it exists, is failed and could
 * be sent; else the error that names why not (the same words as SQLite's). */
static int ge_pg_webhook_admin_check(PGconn *c, int64_t id, ge_err *err)
{
    PGresult *r = NULL;
    char ids[24];
    int rc;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *p[] = {ids};
    rc = ge_pg_exec(c, "reading a webhook delivery",
                    "SELECT d.delivered_at, d.failed_at, d.attempts, " GE_PG_WEBHOOK_UNSENDABLE_SQL
                    ", d.client_id"
                    " FROM webhook_deliveries d"
                    " LEFT JOIN clients c ON c.id = d.client_id"
                    " LEFT JOIN cases k ON k.id = d.case_id"
                    " WHERE d.id = $1::bigint FOR UPDATE OF d",
                    1, p, &r, err);
    if (rc < 0) return rc;
    if (PQntuples(r) == 0)
        rc = ge_err_set(err, GE_ENOENT, "no webhook delivery %lld (see 'geoeditor webhooks list')",
                        (long long)id);
    else if (!PQgetisnull(r, 0, 0))
        rc = ge_err_set(err, GE_ECONFLICT,
                        "webhook delivery %lld was delivered at %s: only failed deliveries "
                        "are retried",
                        (long long)id, PQgetvalue(r, 0, 0));
    else if (PQgetisnull(r, 0, 1))
        rc = ge_err_set(err, GE_ECONFLICT,
                        "webhook delivery %lld is still pending (%d attempts so far): only "
                        "failed deliveries are retried",
                        (long long)id, (int)strtol(PQgetvalue(r, 0, 2), NULL, 10));
    else {
        long long client = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
        switch (strtol(PQgetvalue(r, 0, 3), NULL, 10)) {
        case 1:
            rc = ge_err_set(err, GE_ECONFLICT,
                            "webhook delivery %lld: client %lld is revoked, so nothing would be "
                            "sent",
                            (long long)id, client);
            break;
        case 2:
            rc = ge_err_set(err, GE_ECONFLICT,
                            "webhook delivery %lld: client %lld has no webhook URL, so nothing "
                            "would be sent",
                            (long long)id, client);
            break;
        case 3:
            rc = ge_err_set(err, GE_ECONFLICT,
                            "webhook delivery %lld: its case was purged (retention) and announces "
                            "nothing any more",
                            (long long)id);
            break;
        }
    }
    PQclear(r);
    return rc;
}

/* Locks the existing rows among ids[0..n), in id order. */
static int ge_pg_webhook_admin_lock(PGconn *c, const int64_t *ids, size_t n, ge_err *err)
{
    char *list = malloc(n * 21 + 3), *at;
    int rc;

    if (!list) return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    at = list;
    *at++ = '{';
    for (size_t i = 0; i < n; i++)
        at += sprintf(at, "%s%" PRId64, i ? "," : "", ids[i]);
    *at++ = '}';
    *at = '\0';
    const char *p[] = {list};
    rc = ge_pg_exec(c, "locking webhook deliveries",
                    "SELECT id FROM webhook_deliveries WHERE id = ANY ($1::bigint[])"
                    " ORDER BY id FOR UPDATE",
                    1, p, NULL, err);
    free(list);
    return rc;
}

static int ge_pg_webhooks_retry(ge_store *st, const int64_t *ids, size_t n, int64_t now,
                                size_t *retried, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char now_text[GE_DATE_UTC_LEN], idt[24];
    size_t changed = 0;
    bool in_tx = false;
    int rc;

    if (retried) *retried = 0;
    ge_date_utc(now, now_text);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "retrying a webhook delivery", "BEGIN", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = true;
    /* The rows in id order first, so that two retries of overlapping ids
     * wait for each other rather than deadlock; then every id checked: one
     * that may not be retried changes nothing. */
    rc = ge_pg_webhook_admin_lock(c, ids, n, err);
    if (rc < 0) goto done;
    for (size_t i = 0; i < n; i++) {
        rc = ge_pg_webhook_admin_check(c, ids[i], err);
        if (rc < 0) goto done;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(idt, sizeof idt, "%" PRId64, ids[i]);
        const char *p[] = {idt, now_text};
        rc = ge_pg_exec(c, "retrying a webhook delivery",
                        "UPDATE webhook_deliveries SET attempts = 0, failed_at = NULL,"
                        " next_attempt_at = $2::text WHERE id = $1::bigint"
                        " AND failed_at IS NOT NULL",
                        2, p, &r, err);
        if (rc < 0) goto done;
        changed += (size_t)strtoull(PQcmdTuples(r), NULL, 10);
        PQclear(r);
        r = NULL;
    }
    rc = ge_pg_exec(c, "retrying a webhook delivery", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = false;
    if (retried) *retried = changed;
done:
    PQclear(r);
    if (in_tx) ge_pg_exec(c, "rolling back", "ROLLBACK", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_webhooks_retry_failed(ge_store *st, int64_t client_id, int64_t now,
                                       ge_webhook_retry_stats *stats, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    char now_text[GE_DATE_UTC_LEN], client[24];
    int rc;

    memset(stats, 0, sizeof *stats);
    ge_date_utc(now, now_text);
    snprintf(client, sizeof client, "%" PRId64, client_id);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_webhook_admin_client_exists(c, client_id, err);
    if (rc < 0) goto done;
    const char *p[] = {client, now_text};
    rc = ge_pg_exec(c, "retrying failed webhook deliveries",
                    "WITH f AS ("
                    "  SELECT d.id, " GE_PG_WEBHOOK_UNSENDABLE_SQL " AS why"
                    "  FROM webhook_deliveries d"
                    "  LEFT JOIN clients c ON c.id = d.client_id"
                    "  LEFT JOIN cases k ON k.id = d.case_id"
                    "  WHERE d.failed_at IS NOT NULL"
                    "  AND ($1::bigint = 0 OR d.client_id = $1::bigint)"
                    "  FOR UPDATE OF d),"
                    " u AS ("
                    "  UPDATE webhook_deliveries w SET attempts = 0, failed_at = NULL,"
                    "  next_attempt_at = $2::text FROM f"
                    "  WHERE w.id = f.id AND f.why = 0 AND w.failed_at IS NOT NULL"
                    "  RETURNING w.id)"
                    " SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM f WHERE why <> 0)",
                    2, p, &r, err);
    if (rc < 0) goto done;
    stats->retried = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    stats->unsendable = (size_t)strtoull(PQgetvalue(r, 0, 1), NULL, 10);
done:
    PQclear(r);
    ge_pg_release(st, c);
    if (rc < 0) memset(stats, 0, sizeof *stats);
    return rc;
}

const ge_store_webhooks_admin_ops ge_pg_webhooks_admin_ops = {
    .webhooks_list = ge_pg_webhooks_list,
    .webhooks_count = ge_pg_webhooks_count,
    .webhooks_retry = ge_pg_webhooks_retry,
    .webhooks_retry_failed = ge_pg_webhooks_retry_failed,
};
