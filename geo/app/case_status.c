/*
 * case_status.c - the review workflow of a case (see case_status.h): one
 * table says which change may follow which.
 */
#include "case_status.h"

#include <string.h>

static const struct {
    const char *name, *de, *en;
} ge_status_names[GE_CASE_NSTATUS] = {
    [GE_CASE_RECEIVED] = {"received", "Eingegangen", "Received"},
    [GE_CASE_IN_REVIEW] = {"in_review", "In Prüfung", "In review"},
    [GE_CASE_APPROVED] = {"approved", "Genehmigt", "Approved"},
    [GE_CASE_REJECTED] = {"rejected", "Abgelehnt", "Rejected"},
    [GE_CASE_CHANGES_REQUESTED] = {"changes_requested", "Änderung erbeten", "Changes requested"},
};

/* allowed[from][to] */
static const bool ge_status_allowed[GE_CASE_NSTATUS][GE_CASE_NSTATUS] = {
    [GE_CASE_RECEIVED] = {[GE_CASE_IN_REVIEW] = true},
    [GE_CASE_IN_REVIEW] =
        {[GE_CASE_APPROVED] = true, [GE_CASE_REJECTED] = true, [GE_CASE_CHANGES_REQUESTED] = true},
    [GE_CASE_CHANGES_REQUESTED] = {[GE_CASE_IN_REVIEW] = true},
};

const char *ge_case_status_name(ge_case_status s)
{
    return (unsigned)s < GE_CASE_NSTATUS ? ge_status_names[s].name : "unknown";
}

bool ge_case_status_parse(const char *name, ge_case_status *out)
{
    for (int s = 0; name && s < GE_CASE_NSTATUS; s++)
        if (strcmp(name, ge_status_names[s].name) == 0) {
            *out = (ge_case_status)s;
            return true;
        }
    return false;
}

bool ge_case_status_allowed(ge_case_status from, ge_case_status to)
{
    return (unsigned)from < GE_CASE_NSTATUS && (unsigned)to < GE_CASE_NSTATUS &&
           ge_status_allowed[from][to];
}

size_t ge_case_status_next(ge_case_status from, ge_case_status out[GE_CASE_NSTATUS])
{
    size_t n = 0;
    for (int to = 0; to < GE_CASE_NSTATUS; to++)
        if (ge_case_status_allowed(from, (ge_case_status)to)) out[n++] = (ge_case_status)to;
    return n;
}

bool ge_case_status_closes(ge_case_status s)
{
    return s == GE_CASE_APPROVED || s == GE_CASE_REJECTED;
}

bool ge_case_status_needs_comment(ge_case_status s)
{
    return s == GE_CASE_REJECTED || s == GE_CASE_CHANGES_REQUESTED;
}

const char *ge_case_status_label(ge_case_status s, const char *lang)
{
    if ((unsigned)s >= GE_CASE_NSTATUS) return "?";
    return lang && strcmp(lang, "de") == 0 ? ge_status_names[s].de : ge_status_names[s].en;
}
