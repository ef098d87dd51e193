/*
 * pg_webhooks.c - the webhook outbox (store_webhooks.h) in the PostGIS
 * store: claiming due deliveries under a lease, recording attempts with the
 * shared retry policy (store_webhook_policy.c), releasing; the same answers
 * as sqlite/store_webhooks.c.
 *
 * Several instances send from one outbox. SQLite's claim relied on its one
 * writer (BEGIN IMMEDIATE, read, lease); here the claim is one statement
 * that picks the due rows with FOR UPDATE SKIP LOCKED and moves their
 * next_attempt_at by the lease in the same statement: a row another
 * instance is claiming right now is locked and skipped, and one it claimed
 * and committed is no longer due when this statement's lock re-reads it
 * (READ COMMITTED re-checks the WHERE on the newest row version). So each
 * due row goes to one claimer; the lease then keeps it from the others
 * while its attempt is under way, as on SQLite. A recorded attempt locks
 * its row (SELECT ... FOR UPDATE) before it decides, so two records of one
 * row (a sender whose lease ran out) count both attempts.
 */
#include "date.h"
#include "pg_store.h"
#include "store_shared.h"
#include "store_webhooks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which pending rows "d" a claim may take ($1 now): as GE_WEBHOOK_DUE in
 * sqlite/store_webhooks.c (due, and no older row of the same case still
 * pending, so that a case's changes go out in order). */
#define GE_PG_WEBHOOK_DUE                                                                          \
    "d.delivered_at IS NULL AND d.failed_at IS NULL"                                               \
    " AND d.next_attempt_at <= $1"                                                                 \
    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.case_id = d.case_id"              \
    " AND p.id < d.id AND p.delivered_at IS NULL AND p.failed_at IS NULL)"

/* The case's version right after the change of delivery "l" (see
 * GE_WEBHOOK_VERSION in sqlite/store_webhooks.c). */
#define GE_PG_WEBHOOK_VERSION                                                                      \
    "(SELECT 1 + count(*) FROM case_events v WHERE v.case_id = l.case_id"                          \
    " AND v.id <= l.event_id AND v.action IN ('status', 'purged'))"

static int ge_pg_webhook_from_row(const PGresult *r, int row, ge_webhook_delivery *d, ge_err *err)
{
    int rc = GE_OK;

    memset(d, 0, sizeof *d);
    d->id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
    d->event_id = strtoll(PQgetvalue(r, row, 1), NULL, 10);
    d->attempts = (int)strtol(PQgetvalue(r, row, 2), NULL, 10);
    d->client_revoked = strcmp(PQgetvalue(r, row, 12), "1") == 0;
    d->version = strtoll(PQgetvalue(r, row, 13), NULL, 10);
    /* NOT NULL columns (or coalesced) come back as text, the others may be NULL */
    if (rc == GE_OK) d->case_id = ge_pg_dup_text(r, row, 3, &rc, err);
    if (rc == GE_OK) d->reference = ge_pg_dup_text(r, row, 4, &rc, err);
    if (rc == GE_OK) d->service = ge_pg_dup_text(r, row, 5, &rc, err);
    if (rc == GE_OK) d->status = ge_pg_dup_text(r, row, 6, &rc, err);
    if (rc == GE_OK) d->previous_status = ge_pg_dup_text(r, row, 7, &rc, err);
    if (rc == GE_OK) d->comment = ge_pg_dup_text(r, row, 8, &rc, err);
    if (rc == GE_OK) d->at = ge_pg_dup_text(r, row, 9, &rc, err);
    if (rc == GE_OK) d->url = ge_pg_dup_text(r, row, 10, &rc, err);
    if (rc == GE_OK) d->secret = ge_pg_dup_text(r, row, 11, &rc, err);
    /* a status event always has to_status; "" as SQLite's reader gives */
    if (rc == GE_OK && !d->status && !(d->status = strdup("")))
        rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    return rc;
}

static int ge_pg_webhooks_claim(ge_store *st, int64_t now, int lease_s, size_t max,
                                ge_webhook_delivery **out, size_t *n, ge_err *err)
{
    PGconn *c = NULL;
    PGresult *r = NULL;
    ge_webhook_delivery *v = NULL;
    size_t cnt = 0;
    char now_text[GE_DATE_UTC_LEN], lease_text[GE_DATE_UTC_LEN], max_text[24];
    int64_t due = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (max == 0) return GE_OK;
    ge_date_utc(now, now_text);
    ge_date_utc(now + (lease_s > GE_WEBHOOK_LEASE_MIN_S ? lease_s : GE_WEBHOOK_LEASE_MIN_S),
                lease_text);
    snprintf(max_text, sizeof max_text, "%zu", max);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    /* The sender asks every second: a plain read first, so that an empty
     * outbox locks nothing. */
    rc = ge_pg_int(c, "reading due webhook deliveries",
                   "SELECT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE " GE_PG_WEBHOOK_DUE
                   ")::int",
                   now_text, &due, err);
    if (rc < 0 || !due) goto done;
    const char *p[] = {now_text, max_text, lease_text};
    rc = ge_pg_exec(
        c, "claiming webhook deliveries",
        "WITH due AS ("
        "  SELECT d.id, d.next_attempt_at AS due_at FROM webhook_deliveries d"
        "  WHERE " GE_PG_WEBHOOK_DUE " ORDER BY d.next_attempt_at, d.id"
        "  LIMIT $2::bigint FOR UPDATE OF d SKIP LOCKED),"
        " l AS ("
        "  UPDATE webhook_deliveries w SET next_attempt_at = $3::text FROM due"
        "  WHERE w.id = due.id"
        "  RETURNING w.id, w.event_id, w.attempts, w.case_id, w.client_id, due.due_at)"
        " SELECT l.id, l.event_id, l.attempts, l.case_id, k.reference, k.service,"
        " e.to_status, e.from_status, e.comment, e.at, coalesce(c.webhook_url, ''),"
        " coalesce(c.webhook_secret, ''), (c.revoked_at IS NOT NULL)::int, " GE_PG_WEBHOOK_VERSION
        " FROM l"
        " JOIN case_events e ON e.id = l.event_id"
        " JOIN cases k ON k.id = l.case_id"
        " JOIN clients c ON c.id = l.client_id"
        " ORDER BY l.due_at, l.id",
        3, p, &r, err);
    if (rc < 0) goto done;
    int rows = PQntuples(r);
    if (rows > 0) {
        v = calloc((size_t)rows, sizeof *v);
        if (!v) rc = ge_err_set(err, GE_ENOMEM, "store: out of memory");
    }
    for (int i = 0; rc == GE_OK && i < rows; i++)
        rc = ge_pg_webhook_from_row(r, i, &v[cnt++], err);
    if (rc < 0) goto done;
    *out = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
done:
    PQclear(r);
    ge_pg_release(st, c);
    ge_webhook_delivery_list_free(v, cnt);
    return rc < 0 ? rc : GE_OK;
}

static int ge_pg_webhooks_pending(ge_store *st, int64_t *n, ge_err *err)
{
    PGconn *c = NULL;
    int rc = ge_pg_acquire(st, &c, err);

    *n = 0;
    if (rc < 0) return rc;
    rc = ge_pg_int(c, "counting pending webhook deliveries",
                   "SELECT count(*) FROM webhook_deliveries"
                   " WHERE delivered_at IS NULL AND failed_at IS NULL",
                   NULL, n, err);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_webhook_record(ge_store *st, int64_t id, int64_t now, const ge_webhook_attempt *a,
                                const ge_webhook_policy *pol, ge_webhook_outcome *outcome,
                                int *attempts, int64_t *next_at, ge_err *err)
{
    PGconn *c = NULL;
    ge_webhook_outcome o;
    char ids[24], made_text[24], status_text[24], o_text[8];
    char now_text[GE_DATE_UTC_LEN], next_text[GE_DATE_UTC_LEN];
    int64_t before = -1, next = 0;
    bool in_tx = false;
    int rc, made;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    rc = ge_pg_acquire(st, &c, err);
    if (rc < 0) return rc;
    rc = ge_pg_exec(c, "recording a webhook attempt", "BEGIN", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = true;
    /* The row lock first: the count and the decision below are this
     * attempt's alone, whatever another sender records meanwhile. */
    rc = ge_pg_int(c, "reading a webhook delivery",
                   "SELECT attempts FROM webhook_deliveries WHERE id = $1::bigint"
                   " AND delivered_at IS NULL AND failed_at IS NULL FOR UPDATE",
                   ids, &before, err);
    if (rc < 0) goto done;
    if (before < 0) {
        rc = ge_store_webhook_gone(id, err);
        goto done;
    }
    made = (int)before + 1;
    o = ge_store_webhook_decide(a, pol, made, now, &next);
    ge_date_utc(now, now_text);
    next_text[0] = '\0';
    if (o == GE_WEBHOOK_RETRY) ge_date_utc(next, next_text);
    snprintf(made_text, sizeof made_text, "%d", made);
    snprintf(status_text, sizeof status_text, "%d", a->http_status);
    snprintf(o_text, sizeof o_text, "%d", (int)o);
    const char *p[] = {ids,
                       made_text,
                       now_text,
                       a->http_status > 0 ? status_text : NULL,
                       o != GE_WEBHOOK_DELIVERED ? a->error : NULL,
                       o_text,
                       o == GE_WEBHOOK_RETRY ? next_text : NULL};
    rc = ge_pg_exec(c, "recording a webhook attempt",
                    "UPDATE webhook_deliveries SET attempts = $2::bigint,"
                    " last_attempt_at = $3::text, last_status = $4::integer,"
                    " last_error = $5::text,"
                    " delivered_at = CASE WHEN $6::integer = 0 THEN $3::text END,"
                    " failed_at = CASE WHEN $6::integer = 2 THEN $3::text END,"
                    " next_attempt_at = CASE WHEN $6::integer = 1 THEN $7::text"
                    "  ELSE next_attempt_at END"
                    " WHERE id = $1::bigint",
                    7, p, NULL, err);
    if (rc < 0) goto done;
    rc = ge_pg_exec(c, "recording a webhook attempt", "COMMIT", 0, NULL, NULL, err);
    if (rc < 0) goto done;
    in_tx = false;
    if (outcome) *outcome = o;
    if (attempts) *attempts = made;
    if (next_at) *next_at = next;
done:
    if (in_tx) ge_pg_exec(c, "rolling back", "ROLLBACK", 0, NULL, NULL, NULL);
    ge_pg_release(st, c);
    return rc;
}

static int ge_pg_webhook_release(ge_store *st, int64_t id, int64_t now, ge_err *err)
{
    PGconn *c = NULL;
    char ids[24], now_text[GE_DATE_UTC_LEN];
    int rc = ge_pg_acquire(st, &c, err);

    if (rc < 0) return rc;
    snprintf(ids, sizeof ids, "%" PRId64, id);
    ge_date_utc(now, now_text);
    const char *p[] = {ids, now_text};
    rc = ge_pg_exec(c, "releasing a webhook delivery",
                    "UPDATE webhook_deliveries SET next_attempt_at = $2::text"
                    " WHERE id = $1::bigint AND delivered_at IS NULL AND failed_at IS NULL",
                    2, p, NULL, err);
    ge_pg_release(st, c);
    return rc;
}

const ge_store_webhooks_ops ge_pg_webhooks_ops = {
    .webhooks_claim = ge_pg_webhooks_claim,
    .webhooks_pending = ge_pg_webhooks_pending,
    .webhook_record = ge_pg_webhook_record,
    .webhook_release = ge_pg_webhook_release,
};
