/*
 * token.h - random secrets and identifiers, and how secrets are kept: API
 * keys of form servers and capability tokens of drafts are shown once and
 * stored only as a hash; identifiers of drafts and cases are random so that
 * they say nothing about how many there are.
 *
 * Secrets are 32 random bytes (libsodium's randombytes_buf), written as
 * URL-safe base64 without padding (43 characters), so they fit in a path
 * segment and in an Authorization header unchanged. Because they are
 * high-entropy, a fast keyed hash (BLAKE2b-256, crypto_generichash with a
 * fixed domain key) is the right way to store them: a slow password hash
 * would only cost time, since nobody can guess 256 bits.
 */
#ifndef GE_TOKEN_H
#define GE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* 43 characters + NUL; with a prefix ("gek_") up to GE_TOKEN_MAX. */
#define GE_TOKEN_LEN 43
#define GE_TOKEN_MAX 64
/* 64 hex digits + NUL */
#define GE_TOKEN_HASH_LEN 65
/* 32 hex digits + NUL */
#define GE_TOKEN_ID_LEN 33

/* A new secret: prefix (may be "") followed by 32 random bytes in URL-safe
 * base64. GE_EINTERNAL when libsodium cannot start. */
int ge_token_new(const char *prefix, char out[GE_TOKEN_MAX], ge_err *err);

/* A new identifier: 16 random bytes as 32 lower-case hex digits. */
int ge_token_id(char out[GE_TOKEN_ID_LEN], ge_err *err);

/* The stored form of a secret: hex BLAKE2b-256 under the project's domain key. */
void ge_token_hash(const char *secret, char out[GE_TOKEN_HASH_LEN]);

/* Compares two hashes (or any two equal-length strings) in constant time. */
bool ge_token_equal(const char *a, const char *b);

/* True when s looks like a secret we issue: 1..GE_TOKEN_MAX-1 characters of
 * [A-Za-z0-9_-]. Anything else can be refused without a database lookup. */
bool ge_token_plausible(const char *s);

/* Hex SHA-256 of len bytes. */
void ge_token_sha256_hex(const void *data, size_t len, char out[GE_TOKEN_HASH_LEN]);

#endif
