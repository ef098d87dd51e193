/*
 * decisions.h - the use case of a caseworker deciding a case (review
 * contract, issue 7): a status change of the review workflow
 * (case_status.h), made in one transaction of the store
 * (store_decisions.h) that also checks who may see the case, the step,
 * the caller's version of it and, for an approval, its conflicts. The
 * refusals' texts exist here once, in German and English.
 *
 * Approving a case that other cases conflict with (in place and period,
 * as ge_app_case_conflicts lists them at the service's distance) needs
 * those cases' ids acknowledged (the API's override_conflicts), as the
 * caseworker was shown them; without, or when one is missing (one that
 * arrived since), the refusal names every conflict (references only where
 * the caseworker may see them) and which were not acknowledged. The
 * approval records the cases it overrode beside its event.
 */
#ifndef GE_APP_DECISIONS_H
#define GE_APP_DECISIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "case_status.h"
#include "store_decisions.h"
#include "store_review.h"

/* Characters (not bytes) of a comment. */
#define GE_APP_DECISION_COMMENT_MAX 4000

typedef struct ge_app_decision {
    const char *case_id;
    ge_case_status to;
    const char *comment;       /* NULL or blank: none */
    const char *actor;         /* for the audit trail: "user:<name>" */
    const ge_case_filter *who; /* what the caseworker may see */
    /* the conflicting cases the caseworker approves over (ids) */
    const char *const *acknowledged;
    size_t n_acknowledged;
    /* the caller's versions of the case (If-Match): when if_match, the
     * change happens only while the case's version is one of them */
    bool if_match;
    const int64_t *if_versions;
    size_t n_if_versions;
} ge_app_decision;

/*
 * A decision's comment: INVALID (extra "member": "comment") when it is
 * longer than GE_APP_DECISION_COMMENT_MAX characters (extra "limit") or
 * blank where `to` needs one (the applicant must learn why); a blank one
 * becomes NULL. ge_app_case_decide checks it too; a caller that reads
 * more input may check it first, in the order it tells problems.
 */
int ge_app_decision_comment(ge_case_status to, const char **comment, ge_app_result *r);

/*
 * Decides: GE_OK with out (from, version, updated_at, event_id, the
 * conflicts overridden; clear it with ge_status_result_clear in every
 * case). Refusals: NOT_FOUND (no such case, or one who may not see),
 * CONFLICT (the workflow has no such step, or the case was purged: extras
 * from, to, allowed, updated, etag; an approval over conflicts not
 * acknowledged: extras member, conflicts, etag), STALE (if_match names no
 * current version: extras header, etag, updated, status_now), INVALID
 * (the comment).
 */
int ge_app_case_decide(const ge_app *app, const ge_app_decision *in, ge_status_result *out,
                       ge_app_result *r);

#endif
