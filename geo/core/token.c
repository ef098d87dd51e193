/*
 * token.c - random secrets and identifiers, hashing and constant-time
 * comparison with libsodium (token.h).
 */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

/* Domain separation: a hash of one of our secrets never equals a hash some
 * other system computes of the same bytes. Not a secret itself; changing it
 * invalidates every stored key and token. */
static const unsigned char ge_token_domain_key[] = "geoEDITOR secret hash v1 (BLAKE2b)";

static int ge_token_init(ge_err *err)
{
    /* Safe to call from many threads and many times (libsodium >= 1.0.11). */
    if (sodium_init() < 0)
        return ge_err_set(err, GE_EINTERNAL, "libsodium could not be initialised");
    return GE_OK;
}

int ge_token_new(const char *prefix, char out[GE_TOKEN_MAX], ge_err *err)
{
    unsigned char raw[32];
    size_t plen = strlen(prefix);
    int rc = ge_token_init(err);

    if (rc < 0) return rc;
    if (plen + GE_TOKEN_LEN + 1 > GE_TOKEN_MAX)
        return ge_err_set(err, GE_EINTERNAL, "token prefix too long");
    randombytes_buf(raw, sizeof raw);
    memcpy(out, prefix, plen);
    sodium_bin2base64(out + plen, GE_TOKEN_MAX - plen, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return GE_OK;
}

int ge_token_id(char out[GE_TOKEN_ID_LEN], ge_err *err)
{
    unsigned char raw[16];
    int rc = ge_token_init(err);

    if (rc < 0) return rc;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, GE_TOKEN_ID_LEN, raw, sizeof raw);
    return GE_OK;
}

void ge_token_hash(const char *secret, char out[GE_TOKEN_HASH_LEN])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, strlen(secret),
                       ge_token_domain_key, sizeof ge_token_domain_key - 1);
    sodium_bin2hex(out, GE_TOKEN_HASH_LEN, h, sizeof h);
}

bool ge_token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb) return false; /* lengths are public: every hash has 64 digits */
    return sodium_memcmp(a, b, la) == 0;
}

bool ge_token_plausible(const char *s)
{
    size_t i;
    if (!s || !s[0]) return false;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (i >= GE_TOKEN_MAX - 1) return false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

void ge_token_sha256_hex(const void *data, size_t len, char out[GE_TOKEN_HASH_LEN])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, GE_TOKEN_HASH_LEN, h, sizeof h);
}
