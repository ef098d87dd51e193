/*
 * password.c - argon2id password hashes through libsodium (password.h).
 */
#include "password.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

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
