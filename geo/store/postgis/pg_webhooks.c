/*
 * pg_webhooks.c - webhooks (store_webhooks.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_webhooks.h"

static int ge_pg_webhooks_claim(ge_store *st, int64_t now, int lease_s, size_t max,
                                ge_webhook_delivery **out, size_t *n, ge_err *err)
{
    (void)st;
    (void)now;
    (void)lease_s;
    (void)max;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_webhooks_claim");
}

static int ge_pg_webhooks_pending(ge_store *st, int64_t *n, ge_err *err)
{
    (void)st;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_webhooks_pending");
}

static int ge_pg_webhook_record(ge_store *st, int64_t id, int64_t now, const ge_webhook_attempt *a,
                                const ge_webhook_policy *pol, ge_webhook_outcome *outcome,
                                int *attempts, int64_t *next_at, ge_err *err)
{
    (void)st;
    (void)id;
    (void)now;
    (void)a;
    (void)pol;
    (void)outcome;
    (void)attempts;
    (void)next_at;
    return ge_pg_unsupported(err, "ge_store_webhook_record");
}

static int ge_pg_webhook_release(ge_store *st, int64_t id, int64_t now, ge_err *err)
{
    (void)st;
    (void)id;
    (void)now;
    return ge_pg_unsupported(err, "ge_store_webhook_release");
}

const ge_store_webhooks_ops ge_pg_webhooks_ops = {
    .webhooks_claim = ge_pg_webhooks_claim,
    .webhooks_pending = ge_pg_webhooks_pending,
    .webhook_record = ge_pg_webhook_record,
    .webhook_release = ge_pg_webhook_release,
};
