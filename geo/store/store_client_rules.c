/*
 * store_client_rules.c - what both backends answer about form-server
 * clients without SQL (store_shared.h): a refused revocation, and whether
 * the row found by a key's hash really holds that hash.
 */
#include "store_shared.h"
#include "token.h"

int ge_client_revoke_refused(int64_t id, bool exists, ge_err *err)
{
    if (exists)
        return ge_err_set(err, GE_ECONFLICT, "client %lld is revoked already", (long long)id);
    return ge_err_set(err, GE_ENOENT, "there is no client %lld", (long long)id);
}

int ge_client_key_matches(const char *stored_hash, const char *key_hash, ge_client *out,
                          ge_err *err)
{
    if (stored_hash && ge_token_equal(stored_hash, key_hash)) return GE_OK;
    ge_client_clear(out);
    return ge_err_set(err, GE_ENOENT, "no active client has this API key");
}
