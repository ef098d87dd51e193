/*
 * ts_store_rows.h - rows the store tests make through the store interface
 * on either backend: a form-server client with a fresh key and a draft
 * with a fresh id and token, as POST /v1/clients and POST /v1/drafts store
 * them, a submission's fields, a counter of nearby cases. A failing call
 * fails the case.
 */
#ifndef GE_TS_STORE_ROWS_H
#define GE_TS_STORE_ROWS_H

#include <stdint.h>

#include "store.h"
#include "store_forms.h"
#include "token.h"

/* A new client name (origin https://a.example) with a fresh "gek_" key,
 * copied to key_out unless NULL; with webhook (not NULL) its webhook URL
 * and the secret "whsec_test". Its id. */
int64_t ts_store_add_client(ge_store *st, const char *name, const char *webhook,
                            char key_out[GE_TOKEN_MAX]);

/* A new draft of client for the service info-stand that expires at
 * expires_at, into d; its token's hash copied to token_hash_out
 * (GE_TOKEN_HASH_LEN bytes) unless NULL. */
void ts_store_make_draft(ge_store *st, int64_t client, const char *expires_at, ge_draft *d,
                         char *token_hash_out);

/* in as a submission of draft d by client: idempotency key and request
 * hash as given, service info-stand, report {"valid":true}, content hash
 * "h", the features f (nf), period 2026-12-01..02, the draft's features or
 * an empty FeatureCollection, applicant {}; the rest empty for the case to
 * set. */
void ts_store_submit_in(ge_case_submit *in, int64_t client, const ge_draft *d, const char *key,
                        const char *req_hash, const ge_case_feature *f, size_t nf);

/* A ge_case_near_cb that counts the cases in the int ud points to. */
int ts_store_count_near(void *ud, const char *id, const char *svc, const char *ps, const char *pe,
                        const unsigned char *wkb, size_t len);

#endif
