/*
 * pg_review.c - review (store_review.h) in the PostGIS store: NOT WRITTEN
 * YET. Every function answers GE_EINTERNAL "the PostGIS store does not
 * support <function> yet". Replace this file with the subject's queries
 * (the recipe: geo/store/README.md, the example: pg_clients.c).
 */
#include "pg_store.h"
#include "store_review.h"

static int ge_pg_cases_list(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb, void *ud,
                            int64_t *matched, ge_err *err)
{
    (void)st;
    (void)f;
    (void)cb;
    (void)ud;
    (void)matched;
    return ge_pg_unsupported(err, "ge_store_cases_list");
}

static int ge_pg_cases_counts(ge_store *st, const ge_case_filter *f, const char *from,
                              const char *until, ge_case_counts *out, ge_err *err)
{
    (void)st;
    (void)f;
    (void)from;
    (void)until;
    (void)out;
    return ge_pg_unsupported(err, "ge_store_cases_counts");
}

static int ge_pg_case_review_get(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                                 char purged_at[32], ge_err *err)
{
    (void)st;
    (void)id;
    (void)out;
    (void)closed_at;
    (void)purged_at;
    return ge_pg_unsupported(err, "ge_store_case_review_get");
}

static int ge_pg_case_events(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                             ge_err *err)
{
    (void)st;
    (void)case_id;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_case_events");
}

static int ge_pg_case_conflicts(ge_store *st, const char *case_id, double distance_m,
                                const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                                void *ud, ge_err *err)
{
    (void)st;
    (void)case_id;
    (void)distance_m;
    (void)who;
    (void)limit;
    (void)cb;
    (void)ud;
    return ge_pg_unsupported(err, "ge_store_case_conflicts");
}

static int ge_pg_cases_conflict_counts(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                       int *counts, ge_err *err)
{
    (void)st;
    (void)q;
    (void)n;
    (void)counts;
    return ge_pg_unsupported(err, "ge_store_cases_conflict_counts");
}

const ge_store_review_ops ge_pg_review_ops = {
    .cases_list = ge_pg_cases_list,
    .cases_counts = ge_pg_cases_counts,
    .case_review_get = ge_pg_case_review_get,
    .case_events = ge_pg_case_events,
    .case_conflicts = ge_pg_case_conflicts,
    .cases_conflict_counts = ge_pg_cases_conflict_counts,
};
