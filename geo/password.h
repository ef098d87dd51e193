/*
 * password.h - caseworkers' passwords: hashing with argon2id and checking
 * against a stored hash (libsodium crypto_pwhash_str).
 *
 * Passwords, unlike our random tokens (token.h), are guessable, so they get
 * a slow, memory-hard hash. We use libsodium's "interactive" limits (64 MiB,
 * 2 passes): about 0.1 s per login on a server core, which is the price the
 * libsodium documentation suggests for online logins; the encoded string
 * records its own parameters, so stronger limits can come later without
 * making old hashes unreadable.
 */
#ifndef GE_PASSWORD_H
#define GE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Fewest characters (bytes) a password may have, and the most we hash. */
#define GE_PASSWORD_MIN 12
#define GE_PASSWORD_MAX 1024
/* Room for an encoded argon2id hash ("$argon2id$v=19$m=...") */
#define GE_PASSWORD_HASH_MAX 128

/* Hashes a password (NUL-terminated) into out. GE_EINVAL for a password
 * shorter than GE_PASSWORD_MIN or longer than GE_PASSWORD_MAX, GE_ENOMEM
 * when the memory for the hash cannot be had. */
int ge_password_hash(const char *password, char out[GE_PASSWORD_HASH_MAX], ge_err *err);

/* True when password matches the encoded hash; false for any mismatch or a
 * malformed hash. */
bool ge_password_verify(const char *password, const char *hash);

/* A hash of a random password, made once per process: verifying against it
 * takes as long as verifying a real one, so that an unknown user name is
 * not answered faster than a known one. */
const char *ge_password_dummy_hash(void);

#endif
