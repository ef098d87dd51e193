/*
 * store_webhooks.h - the store's side of webhooks: the outbox
 * webhook_deliveries (migration 5) that a trigger fills with one row per
 * status event of a case whose client has a webhook URL, and the sender's
 * bookkeeping of every attempt.
 *
 * Delivery is at least once. A sender claims due rows, which moves their
 * next_attempt_at forward by a lease, so that neither this sender's next
 * claim nor another server process on the same file sends them twice while
 * an attempt is under way; if the sender dies mid-attempt, the row becomes
 * due again when the lease ends. Receivers tell repeats apart by the
 * delivery id.
 *
 * The retry policy lives here too, so that one place decides it: a 2xx
 * answer delivers; no answer (network error, timeout), 408, 429 and 5xx are
 * tried again after retry_base_s x 2^(attempts-1) seconds, capped at six
 * hours, until max_attempts attempts were made; anything else (other 4xx,
 * 3xx: redirects are not followed) fails at once. Times are Unix seconds at
 * this interface and RFC 3339 UTC text in the store. Implemented in
 * store_webhooks.c.
 */
#ifndef GE_STORE_WEBHOOKS_H
#define GE_STORE_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* The longest wait between two attempts: six hours. */
#define GE_WEBHOOK_BACKOFF_MAX_S (6 * 3600)

/* The shortest lease a claim gives: longer than an attempt takes
 * (webhook_timeout) in any sane setting, so that no claim of this or another
 * sender takes the row again while its attempt is under way. */
#define GE_WEBHOOK_LEASE_MIN_S 30

/* One claimed delivery with everything its request needs. Strings are
 * malloc'd; the ones marked "or NULL" are NULL when the column is. */
typedef struct ge_webhook_delivery {
    int64_t id;
    int64_t event_id;
    int attempts; /* attempts made before this one */
    char *case_id;
    char *reference; /* or NULL */
    char *service;
    char *status;          /* the event's to_status */
    char *previous_status; /* the event's from_status, or NULL */
    char *comment;         /* or NULL */
    char *at;              /* when the status changed, RFC 3339 UTC */
    int64_t version;       /* the case's version right after this change (its ETag "v<n>") */
    char *url;             /* the client's webhook URL */
    char *secret;          /* the client's webhook secret ("" when none is stored) */
    bool client_revoked;   /* the client's API key was revoked */
} ge_webhook_delivery;

void ge_webhook_delivery_clear(ge_webhook_delivery *d);
void ge_webhook_delivery_list_free(ge_webhook_delivery *v, size_t n);

/*
 * Claims up to max due deliveries (not delivered, not failed,
 * next_attempt_at <= now, which for one never tried is its event's time;
 * no older delivery of the same case pending), longest due first, and moves
 * their next_attempt_at to now + lease_s (at least GE_WEBHOOK_LEASE_MIN_S)
 * in the same transaction. Free *out with ge_webhook_delivery_list_free.
 */
int ge_store_webhooks_claim(ge_store *st, int64_t now, int lease_s, size_t max,
                            ge_webhook_delivery **out, size_t *n, ge_err *err);

/* How many deliveries wait (neither delivered nor failed), due or not. */
int ge_store_webhooks_pending(ge_store *st, int64_t *n, ge_err *err);

typedef struct ge_webhook_policy {
    int max_attempts; /* >= 1 */
    int retry_base_s; /* >= 1 */
} ge_webhook_policy;

/* What one attempt brought. */
typedef struct ge_webhook_attempt {
    int http_status;       /* the answer's status; 0 when none came */
    const char *error;     /* why it did not succeed (NULL for a 2xx); stored as last_error */
    bool permanent;        /* give up now whatever the status (client revoked, URL refused) */
    int64_t retry_after_s; /* the answer's Retry-After in seconds, 0 when none */
} ge_webhook_attempt;

typedef enum ge_webhook_outcome {
    GE_WEBHOOK_DELIVERED,
    GE_WEBHOOK_RETRY,
    GE_WEBHOOK_FAILED
} ge_webhook_outcome;

/*
 * Records an attempt made at `now` on a claimed delivery: attempts + 1,
 * last_attempt_at, last_status, last_error, and delivered_at, a new
 * next_attempt_at (backoff, or the receiver's Retry-After when that is
 * longer, at most GE_WEBHOOK_BACKOFF_MAX_S) or failed_at as the policy says. The outcome and
 * the attempt count (may be NULL) and, for a retry, when it is due
 * (next_at, may be NULL) are passed back. GE_ENOENT when the delivery is
 * gone (purged) or already settled.
 */
int ge_store_webhook_record(ge_store *st, int64_t id, int64_t now, const ge_webhook_attempt *a,
                            const ge_webhook_policy *pol, ge_webhook_outcome *outcome,
                            int *attempts, int64_t *next_at, ge_err *err);

/* Gives back a claimed delivery without counting an attempt (the sender
 * stopped before an answer came): it is due again at `now`. */
int ge_store_webhook_release(ge_store *st, int64_t id, int64_t now, ge_err *err);

/* Is an answer with this status (0: none) worth another try? */
bool ge_store_webhook_retryable(int http_status);

/* Seconds to wait after the attempts-th failed attempt (1-based):
 * base x 2^(attempts-1), at most GE_WEBHOOK_BACKOFF_MAX_S. */
int64_t ge_store_webhook_backoff(int retry_base_s, int attempts);

/* "delivered", "retry", "failed" (for logs). */
const char *ge_webhook_outcome_name(ge_webhook_outcome o);

#endif
