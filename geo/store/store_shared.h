/*
 * store_shared.h - logic without SQL that both backends (store/sqlite and
 * store/postgis) run the same way: what a backend decides from the rows it
 * read, and how it fills a result, written once so the two cannot drift.
 * Kept apart from store_backend.h (the backend interface); each function
 * names the file that implements it.
 */
#ifndef GE_STORE_SHARED_H
#define GE_STORE_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store_decisions.h"

/* A case as a status change reads it inside its transaction. */
typedef struct ge_decision_row {
    char service[64];
    char status[32];
    char updated_at[32];
    char closed_at[32];
    int64_t version;
    bool purged;
} ge_decision_row;

/* A status change's start (store_decision_rules.c): row and out emptied
 * (outcome GE_DECISION_NOT_FOUND, from GE_CASE_NSTATUS), then in checked - a case, an
 * actor and a status, and a comment where the status needs one; GE_EINVAL
 * with the reason in err when not. */
int ge_decision_start(const ge_status_change *in, ge_decision_row *row, ge_status_result *out,
                      ge_err *err);

/* Whether the change of in may go on for the case read as row: false when
 * the caller may not see the case (out untouched: not found), else out gets
 * the case's service, status, times and version, and false when the case is
 * purged, the precondition (If-Match) fails or the transition is not
 * allowed, with that outcome in out. (store_decision_rules.c) */
bool ge_decision_may_go_on(const ge_status_change *in, const ge_decision_row *row,
                           ge_status_result *out);

/* out->unacknowledged of each of out's conflicts, from the ids in
 * in->acknowledged; whether the caller named every one of them.
 * (store_decision_rules.c) */
bool ge_decision_acknowledge(const ge_status_change *in, ge_status_result *out);

/* out after the change of in was written at now for the case read as row:
 * the new time, version (row's + 1) and, when in's status closes the case,
 * closed_at. (store_decision_rules.c) */
void ge_decision_written(const ge_status_change *in, const ge_decision_row *row,
                         const char *now, ge_status_result *out);

/* out after a failed change: freed and emptied as ge_decision_start left it.
 * (store_decision_rules.c) */
void ge_decision_failed(ge_status_result *out);

#endif
