/*
 * pg_webhooks_admin.c - webhooks admin (store_webhooks_admin.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_webhooks_admin.h"

static int ge_pg_webhooks_list(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out,
                               size_t *n, ge_err *err)
{
    (void)st;
    (void)f;
    (void)out;
    (void)n;
    return ge_pg_unsupported(err, "ge_store_webhooks_list");
}

static int ge_pg_webhooks_count(ge_store *st, int64_t client_id, ge_webhook_counts *out,
                                ge_err *err)
{
    (void)st;
    (void)client_id;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_webhooks_count");
}

static int ge_pg_webhooks_retry(ge_store *st, const int64_t *ids, size_t n, int64_t now,
                                size_t *retried, ge_err *err)
{
    (void)st;
    (void)ids;
    (void)n;
    (void)now;
    (void)retried;
    return ge_pg_unsupported(err, "ge_store_webhooks_retry");
}

static int ge_pg_webhooks_retry_failed(ge_store *st, int64_t client_id, int64_t now,
                                       ge_webhook_retry_stats *stats, ge_err *err)
{
    (void)st;
    (void)client_id;
    (void)now;
    (void)stats;
    return ge_pg_unsupported(err, "ge_store_webhooks_retry_failed");
}

const ge_store_webhooks_admin_ops ge_pg_webhooks_admin_ops = {
    .webhooks_list = ge_pg_webhooks_list,
    .webhooks_count = ge_pg_webhooks_count,
    .webhooks_retry = ge_pg_webhooks_retry,
    .webhooks_retry_failed = ge_pg_webhooks_retry_failed,
};
