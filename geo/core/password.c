/*
 * password.c - argon2id password hashes through libsodium, and which
 * passwords may be set: length, the user name, zxcvbn's estimate
 * (password.h).
 */
#include "password.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <zxcvbn.h>

/* Room for the parts of a name (at most 100 characters in the store). */
#define GE_PASSWORD_NAME_MAX 256

static bool ge_password_word_char(unsigned char c)
{
    /* bytes of UTF-8 sequences count as letters: "Jürgen" is one part */
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does hay contain needle (n bytes), ignoring ASCII case? */
static bool ge_password_contains(const char *hay, const char *needle, size_t n)
{
    for (size_t len = strlen(hay); len >= n; hay++, len--)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

/* The name's parts worth looking for, NUL-separated in buf, pointers in
 * parts (NULL-terminated): the whole name, then each run of letters and
 * digits, each of at least GE_PASSWORD_NAME_PART_MIN bytes. */
static void ge_password_name_parts(const char *name, char buf[GE_PASSWORD_NAME_MAX * 2],
                                   const char *parts[GE_PASSWORD_NAME_MAX])
{
    size_t nlen = strnlen(name, GE_PASSWORD_NAME_MAX - 1), used = 0, k = 0;

    if (nlen >= GE_PASSWORD_NAME_PART_MIN) {
        memcpy(buf, name, nlen);
        buf[nlen] = '\0';
        parts[k++] = buf;
        used = nlen + 1;
    }
    for (size_t i = 0; i < nlen;) {
        size_t j = i;
        while (j < nlen && ge_password_word_char((unsigned char)name[j]))
            j++;
        if (j - i >= GE_PASSWORD_NAME_PART_MIN && j - i < nlen) {
            memcpy(buf + used, name + i, j - i);
            buf[used + j - i] = '\0';
            parts[k++] = buf + used;
            used += j - i + 1;
        }
        i = j == i ? i + 1 : j;
    }
    parts[k] = NULL;
}

ge_password_verdict ge_password_check(const char *password, const char *name, char *part,
                                      size_t part_cap)
{
    char buf[GE_PASSWORD_NAME_MAX * 2];
    const char *parts[GE_PASSWORD_NAME_MAX];
    size_t len = strlen(password);
    ge_password_verdict v = GE_PASSWORD_OK;

    if (part && part_cap) part[0] = '\0';
    if (len < GE_PASSWORD_MIN) return GE_PASSWORD_TOO_SHORT;
    if (len > GE_PASSWORD_MAX) return GE_PASSWORD_TOO_LONG;
    ge_password_name_parts(name ? name : "", buf, parts);
    for (size_t i = 0; parts[i] && v == GE_PASSWORD_OK; i++)
        if (ge_password_contains(password, parts[i], strlen(parts[i]))) {
            v = GE_PASSWORD_HAS_NAME;
            if (part && part_cap) snprintf(part, part_cap, "%s", parts[i]);
        }
    /* The parts are words this attacker knows, too (l33t spellings included) */
    if (v == GE_PASSWORD_OK && ZxcvbnMatch(password, parts, NULL) < GE_PASSWORD_MIN_GUESS_BITS)
        v = GE_PASSWORD_TOO_COMMON;
    sodium_memzero(buf, sizeof buf);
    return v;
}

int ge_password_hash(const char *password, char out[GE_PASSWORD_HASH_MAX], ge_err *err)
{
    size_t len = strlen(password);

    if (sodium_init() < 0)
        return ge_err_set(err, GE_EINTERNAL, "libsodium could not be initialised");
    if (len < GE_PASSWORD_MIN)
        return ge_err_set(err, GE_EINVAL, "the password is too short: at least %d characters",
                          GE_PASSWORD_MIN);
    if (len > GE_PASSWORD_MAX)
        return ge_err_set(err, GE_EINVAL, "the password is too long: at most %d characters",
                          GE_PASSWORD_MAX);
    _Static_assert(crypto_pwhash_STRBYTES <= GE_PASSWORD_HASH_MAX, "hash buffer too small");
    if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return ge_err_set(err, GE_ENOMEM, "not enough memory to hash the password");
    return GE_OK;
}

bool ge_password_verify(const char *password, const char *hash)
{
    size_t len = strlen(password);
    if (sodium_init() < 0 || len > GE_PASSWORD_MAX) return false;
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

static char ge_password_dummy[GE_PASSWORD_HASH_MAX];
static pthread_once_t ge_password_dummy_once = PTHREAD_ONCE_INIT;

static void ge_password_make_dummy(void)
{
    unsigned char raw[24];
    char pw[64];

    if (sodium_init() < 0) return;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    if (ge_password_hash(pw, ge_password_dummy, NULL) < 0) ge_password_dummy[0] = '\0';
    sodium_memzero(pw, sizeof pw);
}

const char *ge_password_dummy_hash(void)
{
    pthread_once(&ge_password_dummy_once, ge_password_make_dummy);
    return ge_password_dummy;
}
