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
 *
 * Which passwords may be set (ge_password_check): at least GE_PASSWORD_MIN
 * characters, not containing the user name (or a part of it), and not too
 * common. "Too common" is zxcvbn's estimate (zxcvbn-c, Debian's
 * libzxcvbn): fewer than 10^8 guesses by an attacker who tries the 10,000
 * most common passwords, English words, first names and surnames, keyboard
 * rows, sequences, years and dates, repeats and l33t spellings first. Those
 * lists come compiled into the library from the Debian package; none is
 * kept in this repository.
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

/* At least this many bits (log2 of the estimated guesses; 26.6 is 10^8,
 * zxcvbn's score 3) or the password is too common. */
#define GE_PASSWORD_MIN_GUESS_BITS 26.6
/* Name parts shorter than this are not looked for in a password. */
#define GE_PASSWORD_NAME_PART_MIN 3

typedef enum ge_password_verdict {
    GE_PASSWORD_OK = 0,
    GE_PASSWORD_TOO_SHORT,  /* fewer than GE_PASSWORD_MIN characters */
    GE_PASSWORD_TOO_LONG,   /* more than GE_PASSWORD_MAX */
    GE_PASSWORD_HAS_NAME,   /* contains the user name or a part of it */
    GE_PASSWORD_TOO_COMMON, /* a common password or as easy to guess */
} ge_password_verdict;

/*
 * May password be the password of the user name? The checks in order:
 * length; the name, ignoring ASCII case: the whole name and each part of
 * it between characters other than letters and digits ("m.mueller":
 * "mueller"), of at least GE_PASSWORD_NAME_PART_MIN characters (the part
 * found goes to part, part_cap bytes, when not NULL); then how common it is
 * (zxcvbn, with the name's parts as words an attacker knows).
 */
ge_password_verdict ge_password_check(const char *password, const char *name, char *part,
                                      size_t part_cap);

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
