/*
 * pg_cases.c - cases (store_forms.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_forms.h"

static int ge_pg_case_submit(ge_store *st, const ge_case_submit *in, time_t now,
                             ge_submit_outcome *outcome, char case_id[40], ge_err *err)
{
    (void)st;
    (void)in;
    (void)now;
    (void)outcome;
    (void)case_id;
    return ge_pg_unsupported(err, "ge_store_case_submit");
}

static int ge_pg_case_by_key(ge_store *st, int64_t client_id, const char *key,
                             const char *request_hash, char case_id[40], bool *same_request,
                             ge_err *err)
{
    (void)st;
    (void)client_id;
    (void)key;
    (void)request_hash;
    (void)case_id;
    (void)same_request;
    return ge_pg_unsupported(err, "ge_store_case_by_key");
}

static int ge_pg_case_get(ge_store *st, const char *id, ge_case *out, ge_err *err)
{
    (void)st;
    (void)id;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_case_get");
}

static int ge_pg_case_by_draft(ge_store *st, const char *draft_id, ge_case *out, ge_err *err)
{
    (void)st;
    (void)draft_id;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_case_by_draft");
}

static int ge_pg_case_features(ge_store *st, const char *id, ge_feature_cb cb, void *ud,
                               ge_err *err)
{
    (void)st;
    (void)id;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_case_features");
}

static int ge_pg_cases_near(ge_store *st, const double bbox[4], const char *exclude_draft_id,
                            size_t limit, ge_case_near_cb cb, void *ud, ge_err *err)
{
    (void)st;
    (void)bbox;
    (void)exclude_draft_id;
    (void)limit;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_cases_near");
}

const ge_store_cases_ops ge_pg_cases_ops = {
    .case_submit = ge_pg_case_submit,
    .case_by_key = ge_pg_case_by_key,
    .case_get = ge_pg_case_get,
    .case_by_draft = ge_pg_case_by_draft,
    .case_features = ge_pg_case_features,
    .cases_near = ge_pg_cases_near,
};
