/*
 * ts_store_rows.c - clients, drafts and submissions for store tests
 * (ts_store_rows.h).
 */
#include "ts_store_rows.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t ts_store_add_client(ge_store *st, const char *name, const char *webhook,
                            char key_out[GE_TOKEN_MAX])
{
    char key[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN];
    int64_t id = 0;
    ge_err err;

    assert_int_equal(ge_token_new("gek_", key, &err), GE_OK);
    ge_token_hash(key, hash);
    assert_int_equal(ge_store_client_add(st, name, hash, "[\"https://a.example\"]", webhook,
                                         webhook ? "whsec_test" : NULL, time(NULL), &id, &err),
                     GE_OK);
    if (key_out) snprintf(key_out, GE_TOKEN_MAX, "%s", key);
    return id;
}

void ts_store_make_draft(ge_store *st, int64_t client, const char *expires_at, ge_draft *d,
                         char *token_hash_out)
{
    char token[GE_TOKEN_MAX], th[GE_TOKEN_HASH_LEN];
    ge_err err;

    memset(d, 0, sizeof *d);
    assert_int_equal(ge_token_id(d->id, &err), GE_OK);
    assert_int_equal(ge_token_new("", token, &err), GE_OK);
    ge_token_hash(token, th);
    d->client_id = client;
    snprintf(d->service, sizeof d->service, "info-stand");
    snprintf(d->expires_at, sizeof d->expires_at, "%s", expires_at);
    assert_int_equal(ge_store_draft_create(st, d, th, time(NULL), &err), GE_OK);
    if (token_hash_out) memcpy(token_hash_out, th, sizeof th);
}

void ts_store_submit_in(ge_case_submit *in, int64_t client, const ge_draft *d, const char *key,
                        const char *req_hash, const ge_case_feature *f, size_t nf)
{
    memset(in, 0, sizeof *in);
    in->client_id = client;
    in->draft_id = d->id;
    in->draft_features =
        d->features ? d->features : "{\"type\":\"FeatureCollection\",\"features\":[]}";
    in->idempotency_key = key;
    in->request_hash = req_hash;
    in->service = "info-stand";
    in->applicant_json = "{}";
    in->report_json = "{\"valid\":true}";
    in->content_hash = "h";
    in->features = f;
    in->nfeatures = nf;
    in->period_start = "2026-12-01";
    in->period_end = "2026-12-02";
}

int ts_store_count_near(void *ud, const char *id, const char *svc, const char *ps, const char *pe,
                        const unsigned char *wkb, size_t len)
{
    (void)id;
    (void)svc;
    (void)ps;
    (void)pe;
    (void)wkb;
    (void)len;
    (*(int *)ud)++;
    return 0;
}
