/*
 * store_webhooks_admin.h - the operator's view of the webhook outbox
 * (webhook_deliveries, migration 5): list deliveries with their state and
 * last result, count them, and put failed ones back to pending so that a
 * running sender (server/webhooks.c) sends them again.
 *
 * This is the other side of store_webhooks.h, which is the sender's
 * bookkeeping (claim, record, release). A delivery's state follows from its
 * columns: delivered (delivered_at set), failed (failed_at set: the policy
 * gave up) or pending (neither; due at next_attempt_at, which a claim moves
 * forward by its lease while an attempt is under way).
 *
 * A retry resets attempts to 0, clears failed_at and makes the row due now;
 * the last attempt's time, HTTP status and error stay as a record of what
 * happened before. The sender polls the outbox every second, so a server
 * running on the same store file picks retried rows up without being told.
 * Times are Unix seconds at this interface and RFC 3339 UTC text in the
 * store. Implemented in store_webhooks_admin.c.
 */
#ifndef GE_STORE_WEBHOOKS_ADMIN_H
#define GE_STORE_WEBHOOKS_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

typedef enum ge_webhook_state {
    GE_WEBHOOK_STATE_ANY = 0, /* a filter only: every state */
    GE_WEBHOOK_STATE_PENDING,
    GE_WEBHOOK_STATE_FAILED,
    GE_WEBHOOK_STATE_DELIVERED
} ge_webhook_state;

/* "pending", "failed", "delivered" ("any" for GE_WEBHOOK_STATE_ANY). */
const char *ge_webhook_state_name(ge_webhook_state s);

/* Parses one of the three names; false for anything else. */
bool ge_webhook_state_parse(const char *name, ge_webhook_state *out);

/* The most rows one list returns. */
#define GE_WEBHOOK_LIST_MAX 10000

typedef struct ge_webhook_filter {
    ge_webhook_state state; /* GE_WEBHOOK_STATE_ANY: all */
    int64_t client_id;      /* 0: every client */
    size_t limit;           /* 1..GE_WEBHOOK_LIST_MAX rows, newest first */
} ge_webhook_filter;

typedef struct ge_webhook_row {
    int64_t id;
    int64_t client_id;
    char client_name[128]; /* "" when the client row is gone */
    bool client_revoked;
    char case_id[64];
    char from_status[32]; /* the event's previous status, "" when none */
    char to_status[32];   /* the status the case changed to */
    ge_webhook_state state;
    int attempts;
    char next_attempt_at[32]; /* pending only, else "" */
    char last_attempt_at[32]; /* "" before the first attempt */
    int last_status;          /* HTTP status of the last attempt; 0: no answer / none */
    char last_error[512];     /* why the last attempt did not deliver, "" when none */
    char delivered_at[32];    /* "" unless delivered */
    char failed_at[32];       /* "" unless failed */
    char created_at[32];
} ge_webhook_row;

/*
 * The deliveries matching f, newest (highest id) first, at most f->limit.
 * GE_EINVAL for a limit out of range; GE_ENOENT when f->client_id names no
 * client. Free *out with free().
 */
int ge_store_webhooks_list(ge_store *st, const ge_webhook_filter *f, ge_webhook_row **out,
                           size_t *n, ge_err *err);

typedef struct ge_webhook_counts {
    int64_t pending, failed, delivered;
} ge_webhook_counts;

/* How many deliveries (of client_id, or all when 0) are in each state. */
int ge_store_webhooks_count(ge_store *st, int64_t client_id, ge_webhook_counts *out, ge_err *err);

/*
 * Puts the failed deliveries ids[0..n) back to pending, due at `now`, with
 * attempts reset: all of them or, on any error, none. GE_ENOENT names the
 * first id that does not exist; GE_ECONFLICT names the first that is not
 * failed (pending or delivered) or could not be sent (its client is revoked
 * or has no webhook URL, its case was purged). *retried (may be NULL) is how
 * many rows changed (a repeated id counts once).
 */
int ge_store_webhooks_retry(ge_store *st, const int64_t *ids, size_t n, int64_t now,
                            size_t *retried, ge_err *err);

typedef struct ge_webhook_retry_stats {
    size_t retried;    /* put back to pending */
    size_t unsendable; /* failed, left alone: client revoked or without URL, case purged */
} ge_webhook_retry_stats;

/*
 * Puts every failed delivery (of client_id, or of all clients when 0) back
 * to pending, due at `now`, with attempts reset, in one transaction; those
 * that could not be sent are left failed and counted. GE_ENOENT when
 * client_id names no client.
 */
int ge_store_webhooks_retry_failed(ge_store *st, int64_t client_id, int64_t now,
                                   ge_webhook_retry_stats *stats, ge_err *err);

#endif
