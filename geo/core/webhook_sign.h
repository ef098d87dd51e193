/*
 * webhook_sign.h - the signature of geoEDITOR's webhooks, made by the sender
 * (server/webhooks.c) and checked by receivers (and the tests).
 *
 * A delivery carries
 *   X-GeoEditor-Timestamp: <Unix seconds>
 *   X-GeoEditor-Signature: sha256=<lowercase hex HMAC-SHA256>
 * where the HMAC key is the client's webhook secret exactly as "geoeditor
 * client add" printed it (the whole text, "whsec_" included, as bytes) and
 * the message is "<timestamp>.<body>": the timestamp's decimal digits, one
 * '.', then the raw request body byte for byte. Signing the timestamp with
 * the body lets a receiver refuse replays of old deliveries.
 *
 * HMAC-SHA256 is libsodium's crypto_auth_hmacsha256 (keys of any length, as
 * RFC 2104 says); comparisons are constant-time.
 */
#ifndef GE_WEBHOOK_SIGN_H
#define GE_WEBHOOK_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha256=" + 64 hex digits + NUL */
#define GE_WEBHOOK_SIG_LEN 72

/* The plain HMAC-SHA256 of msg under key as 64 lowercase hex digits + NUL. */
void ge_webhook_hmac_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                         char hex[65]);

/* The X-GeoEditor-Signature value for a body sent at `timestamp`. */
void ge_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                     char out[GE_WEBHOOK_SIG_LEN]);

/*
 * Checks a received delivery: `timestamp` and `signature` are the header
 * values as received (text). True only when the timestamp is a plain
 * decimal number, the signature is "sha256=" with 64 hex digits, the HMAC
 * matches (constant-time) and, when tolerance_s > 0, the timestamp lies
 * within tolerance_s seconds of `now` (either side).
 */
bool ge_webhook_verify(const char *secret, const char *timestamp, const char *body, size_t body_len,
                       const char *signature, int64_t now, int64_t tolerance_s);

#endif
