/*
 * webhooks.h - the webhook sender: one background thread of the server
 * that posts every status change of a case to its form server's webhook
 * URL, signed (geo/core/webhook_sign.h), retried with backoff, and recorded
 * (geo/store/store_webhooks.h).
 *
 * The outbox rows are written by a trigger in the same transaction as the
 * status change, so a handler that committed a change only calls
 * ge_webhooks_kick() to have it announced within milliseconds; without a
 * kick the thread looks for due rows every second (changes written by
 * another process, retries that fell due).
 *
 * Settings (config.h): webhook_timeout (seconds per attempt),
 * webhook_max_attempts, webhook_retry_base (seconds before the first retry,
 * doubled for each further one, at most six hours).
 */
#ifndef GE_WEBHOOKS_H
#define GE_WEBHOOKS_H

#include "../geo/core/error.h"
#include "http.h"

/* Starts the sender for this server (ctx->cfg, ctx->store) and registers
 * its stop with ge_ctx_on_stop(). On SIGTERM (ctx->draining) it starts no
 * new attempts and gives running ones at most cfg->shutdown_grace seconds;
 * what is cut off is given back to the outbox unrecorded and sent after the
 * next start. */
int ge_webhooks_start(ge_ctx *ctx, ge_err *err);

/* Wakes the sender at once (after committing a status change). Safe from
 * any thread; does nothing when no sender runs. */
void ge_webhooks_kick(void);

#endif
