/*
 * webhook_sign.c - HMAC-SHA256 signatures of webhook deliveries
 * (webhook_sign.h), on libsodium.
 */
#include "webhook_sign.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The raw MAC of "<prefix><msg>": the timestamp text and the body go in as
 * two updates, so the body is never copied. */
static void ge_webhook_mac(const void *key, size_t key_len, const char *prefix, size_t prefix_len,
                           const void *msg, size_t msg_len,
                           unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key, key_len);
    if (prefix_len) crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, prefix_len);
    if (msg_len) crypto_auth_hmacsha256_update(&st, msg, msg_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

void ge_webhook_hmac_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                         char hex[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    ge_webhook_mac(key, key_len, NULL, 0, msg, msg_len, mac);
    sodium_bin2hex(hex, 65, mac, sizeof mac); /* lowercase */
}

void ge_webhook_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                     char out[GE_WEBHOOK_SIG_LEN])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "%" PRId64 ".", timestamp);

    ge_webhook_mac(secret, strlen(secret), prefix, (size_t)n, body, body_len, mac);
    memcpy(out, "sha256=", 7);
    sodium_bin2hex(out + 7, GE_WEBHOOK_SIG_LEN - 7, mac, sizeof mac);
}

bool ge_webhook_verify(const char *secret, const char *timestamp, const char *body, size_t body_len,
                       const char *signature, int64_t now, int64_t tolerance_s)
{
    unsigned char want[crypto_auth_hmacsha256_BYTES], got[crypto_auth_hmacsha256_BYTES];
    char prefix[32];
    size_t tlen, bin_len = 0;
    int64_t ts = 0;

    if (!secret || !timestamp || !signature || (!body && body_len)) return false;
    /* The timestamp as a plain decimal number of at most 18 digits (no sign,
     * no spaces): exactly the text that was signed. */
    tlen = strlen(timestamp);
    if (tlen == 0 || tlen > 18) return false;
    for (size_t i = 0; i < tlen; i++) {
        if (timestamp[i] < '0' || timestamp[i] > '9') return false;
        ts = ts * 10 + (timestamp[i] - '0');
    }
    if (tolerance_s > 0 && (ts > now + tolerance_s || ts < now - tolerance_s)) return false;
    if (strncmp(signature, "sha256=", 7) != 0 || strlen(signature + 7) != 64) return false;
    if (sodium_hex2bin(got, sizeof got, signature + 7, 64, NULL, &bin_len, NULL) != 0 ||
        bin_len != sizeof got)
        return false;
    memcpy(prefix, timestamp, tlen);
    prefix[tlen] = '.';
    ge_webhook_mac(secret, strlen(secret), prefix, tlen + 1, body, body_len, want);
    return crypto_verify_32(want, got) == 0;
}
