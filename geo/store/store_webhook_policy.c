/*
 * store_webhook_policy.c - what the webhook outbox decides without SQL, the
 * same on both backends (store_webhooks.h, store_webhooks_admin.h): which
 * answers are worth a retry, the backoff between attempts, and the names of
 * outcomes and states.
 */
#include "store_webhooks.h"
#include "store_shared.h"
#include "store_webhooks_admin.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

const char *ge_webhook_outcome_name(ge_webhook_outcome o)
{
    switch (o) {
    case GE_WEBHOOK_DELIVERED:
        return "delivered";
    case GE_WEBHOOK_RETRY:
        return "retry";
    case GE_WEBHOOK_FAILED:
        return "failed";
    }
    return "unknown";
}

bool ge_store_webhook_retryable(int http_status)
{
    /* No answer at all, the receiver timing out on us (408), asking us to
     * slow down (429) or failing itself (5xx): all may pass. Any other
     * answer says the request itself is wrong and will stay wrong. */
    return http_status == 0 || http_status == 408 || http_status == 429 ||
           (http_status >= 500 && http_status <= 599);
}

int64_t ge_store_webhook_backoff(int retry_base_s, int attempts)
{
    int64_t d = retry_base_s > 0 ? retry_base_s : 1;

    /* Doubling stops at the cap, so no shift can overflow. */
    for (int i = 1; i < attempts && d < GE_WEBHOOK_BACKOFF_MAX_S; i++)
        d *= 2;
    return d < GE_WEBHOOK_BACKOFF_MAX_S ? d : GE_WEBHOOK_BACKOFF_MAX_S;
}

const char *ge_webhook_state_name(ge_webhook_state s)
{
    switch (s) {
    case GE_WEBHOOK_STATE_ANY:
        return "any";
    case GE_WEBHOOK_STATE_PENDING:
        return "pending";
    case GE_WEBHOOK_STATE_FAILED:
        return "failed";
    case GE_WEBHOOK_STATE_DELIVERED:
        return "delivered";
    }
    return "unknown";
}

bool ge_webhook_state_parse(const char *name, ge_webhook_state *out)
{
    static const ge_webhook_state all[] = {GE_WEBHOOK_STATE_PENDING, GE_WEBHOOK_STATE_FAILED,
                                           GE_WEBHOOK_STATE_DELIVERED};

    for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, ge_webhook_state_name(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

ge_webhook_outcome ge_store_webhook_decide(const ge_webhook_attempt *a,
                                           const ge_webhook_policy *pol, int made, int64_t now,
                                           int64_t *next_at)
{
    int64_t wait;

    *next_at = 0;
    if (a->http_status >= 200 && a->http_status <= 299 && !a->permanent)
        return GE_WEBHOOK_DELIVERED;
    if (a->permanent || !ge_store_webhook_retryable(a->http_status) || made >= pol->max_attempts)
        return GE_WEBHOOK_FAILED;
    wait = ge_store_webhook_backoff(pol->retry_base_s, made);
    /* A receiver that says when it can take more (429, 503) is believed,
     * within the cap. */
    if (a->retry_after_s > wait)
        wait = a->retry_after_s < GE_WEBHOOK_BACKOFF_MAX_S ? a->retry_after_s
                                                           : GE_WEBHOOK_BACKOFF_MAX_S;
    *next_at = now + wait;
    return GE_WEBHOOK_RETRY;
}

int ge_store_webhook_gone(int64_t id, ge_err *err)
{
    return ge_err_set(err, GE_ENOENT, "webhook delivery %lld is gone or settled", (long long)id);
}
