/*
 * case_status.h - the review workflow of a case: its statuses, which change
 * may follow which, and which of them close the case.
 *
 *   received -> in_review -> approved | rejected | changes_requested
 *   changes_requested -> in_review
 *
 * approved and rejected are final and close the case (its retention period
 * starts); rejected and changes_requested need a comment, because the
 * applicant must learn why. The store keeps the names as text.
 */
#ifndef GE_CASE_STATUS_H
#define GE_CASE_STATUS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ge_case_status {
    GE_CASE_RECEIVED,
    GE_CASE_IN_REVIEW,
    GE_CASE_APPROVED,
    GE_CASE_REJECTED,
    GE_CASE_CHANGES_REQUESTED,
    GE_CASE_NSTATUS
} ge_case_status;

/* "received", "in_review", ... */
const char *ge_case_status_name(ge_case_status s);

/* The status of a name; false for anything else. */
bool ge_case_status_parse(const char *name, ge_case_status *out);

/* May a case go from `from` to `to`? */
bool ge_case_status_allowed(ge_case_status from, ge_case_status to);

/* The statuses that may follow `from`, in workflow order; returns how many
 * (at most GE_CASE_NSTATUS). */
size_t ge_case_status_next(ge_case_status from, ge_case_status out[GE_CASE_NSTATUS]);

/* approved and rejected: the case is decided and closed. */
bool ge_case_status_closes(ge_case_status s);

/* rejected and changes_requested need a reason for the applicant. */
bool ge_case_status_needs_comment(ge_case_status s);

/* Localised label for people ("Eingegangen", "In Prüfung" ...); lang "de" or
 * anything else for English. */
const char *ge_case_status_label(ge_case_status s, const char *lang);

#endif
