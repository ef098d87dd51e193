/*
 * store_decision_rules.c - the rules of a caseworker's status change that
 * do not depend on the backend (store_shared.h): checking the request,
 * judging the case read under the lock (visibility, purge, precondition,
 * transition), the acknowledgement of conflicts and the result's fields.
 * sqlite/store_decisions.c and postgis/pg_decisions.c do the SQL around it.
 */
#include "store_shared.h"

#include <stdio.h>
#include <string.h>

int ge_decision_start(const ge_status_change *in, ge_decision_row *row, ge_status_result *out,
                      ge_err *err)
{
    memset(row, 0, sizeof *row);
    memset(out, 0, sizeof *out);
    out->outcome = GE_DECISION_NOT_FOUND;
    out->from = GE_CASE_NSTATUS;
    if (!in->case_id || !in->actor || !in->actor[0] || (unsigned)in->to >= GE_CASE_NSTATUS)
        return ge_err_set(err, GE_EINVAL, "a status change needs a case, an actor and a status");
    if (ge_case_status_needs_comment(in->to) && !(in->comment && in->comment[0]))
        return ge_err_set(err, GE_EINVAL, "the status %s needs a comment",
                          ge_case_status_name(in->to));
    return GE_OK;
}

static bool ge_decision_precondition_holds(const ge_status_change *in, int64_t version)
{
    if (!in->if_match) return true;
    for (size_t i = 0; in->if_versions && i < in->n_if_versions; i++)
        if (in->if_versions[i] == version) return true;
    return false;
}

bool ge_decision_may_go_on(const ge_status_change *in, const ge_decision_row *row,
                           ge_status_result *out)
{
    /* Nothing about a case the caller may not see leaves the store. */
    if (in->may_see && !in->may_see(in->may_see_ud, row->service)) return false;
    snprintf(out->service, sizeof out->service, "%s", row->service);
    snprintf(out->from_name, sizeof out->from_name, "%s", row->status);
    snprintf(out->updated_at, sizeof out->updated_at, "%s", row->updated_at);
    snprintf(out->closed_at, sizeof out->closed_at, "%s", row->closed_at);
    out->version = row->version;
    if (!ge_case_status_parse(row->status, &out->from)) out->from = GE_CASE_NSTATUS;
    if (row->purged) {
        out->outcome = GE_DECISION_PURGED;
        return false;
    }
    /* The precondition first (RFC 9110 13.2.2): a client that saw an older
     * version learns that, not a verdict on a status it did not see. */
    if (!ge_decision_precondition_holds(in, row->version)) {
        out->outcome = GE_DECISION_PRECONDITION;
        return false;
    }
    if (!ge_case_status_allowed(out->from, in->to)) {
        out->outcome = GE_DECISION_NOT_ALLOWED;
        return false;
    }
    return true;
}

bool ge_decision_acknowledge(const ge_status_change *in, ge_status_result *out)
{
    bool all = true;

    for (size_t i = 0; i < out->nconflicts; i++) {
        bool named = false;
        for (size_t j = 0; !named && in->acknowledged && j < in->n_acknowledged; j++)
            named = in->acknowledged[j] && !strcmp(in->acknowledged[j], out->conflicts[i].id);
        out->unacknowledged[i] = !named;
        if (!named) all = false;
    }
    return all;
}

void ge_decision_written(const ge_status_change *in, const ge_decision_row *row, const char *now,
                         ge_status_result *out)
{
    snprintf(out->updated_at, sizeof out->updated_at, "%s", now);
    out->version = row->version + 1;
    if (ge_case_status_closes(in->to)) snprintf(out->closed_at, sizeof out->closed_at, "%s", now);
}

void ge_decision_failed(ge_status_result *out)
{
    ge_status_result_clear(out);
    memset(out, 0, sizeof *out);
    out->outcome = GE_DECISION_NOT_FOUND;
    out->from = GE_CASE_NSTATUS;
}
