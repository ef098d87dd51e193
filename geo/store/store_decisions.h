/*
 * store_decisions.h - caseworkers decide cases: a status change of the
 * review workflow (case_status.h) as one write transaction of the store.
 *
 * The change reads the case's current status under the write lock, checks
 * the transition, updates the case (status, version + 1, updated_at,
 * closed_at when the new status closes it) and appends the case_events row
 * (action 'status') together. The trigger of migration 5 queues the webhook delivery for the
 * case's form server in the same transaction, so a decision is never stored
 * without being announced, nor announced without being stored.
 *
 * An approval can be made to check the case's conflicts (the other cases in
 * its place and period, as ge_store_case_conflicts finds them) in the same
 * transaction: each must be acknowledged by the caller, and those are
 * recorded with the event (case_event_overrides, migration 10), so that a
 * case is never approved over a conflict nobody was shown.
 *
 * Like store_forms.h, callers never see SQL. Implemented in store_decisions.c.
 */
#ifndef GE_STORE_DECISIONS_H
#define GE_STORE_DECISIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "case_status.h"
#include "error.h"
#include "store.h"
#include "store_review.h"

/* At most this many candidate versions (the entity tags of an If-Match
 * header) per change. */
#define GE_DECISION_MAX_IF 8

typedef struct ge_status_change {
    const char *case_id;
    ge_case_status to;
    const char *comment; /* NULL or "": none (refused where to needs one) */
    const char *actor;   /* for the audit trail: "user:<name>" */
    /* The precondition: when if_match is set, the change happens only if
     * the case's version (cases.version, migration 8) is one of
     * if_versions[0..n_if_versions) (none: it never happens). */
    bool if_match;
    const int64_t *if_versions;
    size_t n_if_versions;
    /* May the caller see a case of this service? NULL: every case. A case
     * it may not see is GE_DECISION_NOT_FOUND, as one that does not exist. */
    bool (*may_see)(void *ud, const char *service);
    void *may_see_ud;
    /* An approval's conflicts (only when `to` is approved and
     * conflict_distance is set): the cases conflicting within the distance
     * it gives for the case's service (metres) must each be named in
     * acknowledged[0..n_acknowledged) (ids; names of cases that no longer
     * conflict are ignored), else GE_DECISION_CONFLICTS. who gives their
     * visibility in the result (may be NULL: none visible). */
    double (*conflict_distance)(void *ud, const char *service);
    void *conflict_distance_ud;
    const char *const *acknowledged;
    size_t n_acknowledged;
    const ge_case_filter *who;
} ge_status_change;

typedef enum ge_decision_outcome {
    GE_DECISION_OK,           /* changed; the event is written */
    GE_DECISION_NOT_FOUND,    /* no such case, or one the caller may not see */
    GE_DECISION_PURGED,       /* the case was purged (retention): decided for good */
    GE_DECISION_NOT_ALLOWED,  /* the workflow has no step from the current status to `to` */
    GE_DECISION_PRECONDITION, /* if_match given and the case changed meanwhile */
    GE_DECISION_CONFLICTS,    /* an approval with conflicts not acknowledged */
} ge_decision_outcome;

/* At most this many conflicts are checked, reported and recorded. */
#define GE_DECISION_MAX_CONFLICTS 200

typedef struct ge_status_result {
    ge_decision_outcome outcome;
    /* The status before the change (OK), or the current one (refused).
     * from_name holds the stored text too, in case it is none we know. */
    ge_case_status from;
    char from_name[32];
    char service[64];
    int64_t version;     /* after the change (OK), or the current one */
    char updated_at[32]; /* after the change (OK), or the current one */
    char closed_at[32];  /* "" while the case is open */
    int64_t event_id;    /* the new case_events row (OK) */
    /* GE_DECISION_CONFLICTS: every conflicting case, nearest first, and
     * which of them the caller did not acknowledge; OK: the ones the
     * approval overrode (recorded with the event). Free with
     * ge_status_result_clear. */
    ge_case_conflict *conflicts;
    bool *unacknowledged; /* per conflict (GE_DECISION_CONFLICTS) */
    size_t nconflicts;
} ge_status_result;

/* Frees what a result holds (conflicts); the rest stays readable. */
void ge_status_result_clear(ge_status_result *r);

/*
 * Changes a case's status in one write transaction (BEGIN IMMEDIATE): two
 * concurrent changes of one case are serialised by the write lock, so the
 * second sees the first's status and version. The version goes up by one
 * with every change and tells any two versions of a case apart, however
 * close in time; updated_at (and the event's at, closed_at) is now, the
 * caller's clock, in whole seconds (never ahead of it). Returns
 * GE_OK with out->outcome, GE_EINVAL for a missing comment where `to` needs
 * one or an actor that is missing, or an error for storage failures only.
 * Clear out with ge_status_result_clear in every case.
 */
int ge_store_case_set_status(ge_store *st, const ge_status_change *in, time_t now,
                             ge_status_result *out, ge_err *err);

#endif
