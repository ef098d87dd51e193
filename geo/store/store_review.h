/*
 * store_review.h - the store's side of the caseworkers' read view of cases
 * (review contract, issue 7): the filtered case list (GET /v1/cases, the
 * export and the case tiles share ge_case_filter), a case with its closing
 * and purge dates, its history (case_events) and the other cases that
 * conflict with it in place and time.
 *
 * Who may see what is part of the filter (admin flag, allowed services), so
 * that no caller can forget it: the store never returns a case of a service
 * the user may not see, except in ge_store_case_conflicts, which must list
 * them (the place is taken) and says which ones are visible.
 *
 * Geometry and boxes are in the store's metric CRS; times are RFC 3339 UTC
 * text; dates "YYYY-MM-DD". Implemented in store_review.c.
 */
#ifndef GE_STORE_REVIEW_H
#define GE_STORE_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "case_status.h"
#include "error.h"
#include "store.h"
#include "store_forms.h"

#define GE_CASE_FILTER_MAX_SERVICES 64  /* services named in one filter / allowed to a user */
#define GE_CASE_FILTER_SERVICE_LEN  64  /* a service id, NUL included */
#define GE_CASE_FILTER_Q_MAX        200 /* bytes of free text */

/*
 * What a caseworker asks for, and who asks. Fill with ge_case_filter_init()
 * first; empty lists mean "no restriction" (but see allowed/admin).
 */
typedef struct ge_case_filter {
    /* services asked for (none: all the user may see) */
    char services[GE_CASE_FILTER_MAX_SERVICES][GE_CASE_FILTER_SERVICE_LEN];
    size_t nservices;
    /* statuses asked for: bit (1u << ge_case_status) each; 0: all */
    unsigned statuses;
    /* the case's period overlaps [from, to]; "" = open end. A case without
     * a period overlaps everything (as in the conflict rule). */
    char from[11];
    char to[11];
    /* one of the case's features' boxes meets this box (store CRS) */
    bool has_bbox;
    double bbox[4]; /* minx, miny, maxx, maxy */
    /* case-insensitive substring of case id, reference, applicant name,
     * e-mail or organisation; "" = none */
    char q[GE_CASE_FILTER_Q_MAX + 1];
    /* the list's order (ge_store_cases_list; the export and the tiles
     * ignore it); 0 = newest first */
    int order; /* a ge_case_order */
    /* paging in that order */
    int64_t limit; /* < 0: no limit */
    int64_t offset;
    bool include_purged; /* purged cases are left out unless asked for */

    /* who asks: admins see every service; others only `allowed` */
    bool admin;
    char allowed[GE_CASE_FILTER_MAX_SERVICES][GE_CASE_FILTER_SERVICE_LEN];
    size_t nallowed;
} ge_case_filter;

/*
 * The orders of a case list. Within equal keys the order of receipt
 * decides (created, then insertion), so that paging is stable.
 *   NEWEST     received, newest first (the API's default)
 *   OLDEST     received, oldest first
 *   START      open cases (received, in_review, changes_requested) before
 *              closed ones, each by the period's start, soonest first,
 *              cases without a period last, then oldest received first
 *   REFERENCE  by reference (ASCII case ignored), none last, then newest
 */
typedef enum ge_case_order {
    GE_CASE_ORDER_NEWEST = 0,
    GE_CASE_ORDER_OLDEST,
    GE_CASE_ORDER_START,
    GE_CASE_ORDER_REFERENCE,
    GE_CASE_NORDER
} ge_case_order;

/* "newest", "oldest", "start", "reference" */
const char *ge_case_order_name(ge_case_order o);

/* The order of a name; false for anything else. */
bool ge_case_order_parse(const char *name, ge_case_order *out);

/* No restriction, nobody allowed anything (not admin, no services), limit 50. */
void ge_case_filter_init(ge_case_filter *f);

/* Adds a service to f->services / f->allowed; GE_ELIMIT when full,
 * GE_EINVAL when the id is too long or empty. */
int ge_case_filter_add_service(ge_case_filter *f, const char *service, ge_err *err);
int ge_case_filter_allow_service(ge_case_filter *f, const char *service, ge_err *err);

/* May the filter's user see cases of this service? */
bool ge_case_filter_allows(const ge_case_filter *f, const char *service);

/* One case of a list. */
typedef struct ge_case_summary {
    char id[40];
    char service[64];
    char status[32];
    char reference[260];   /* "" when none (or purged) */
    char period_start[16]; /* "" when none */
    char period_end[16];
    char created_at[32];
    char updated_at[32];
    char closed_at[32]; /* "" while open */
    char purged_at[32]; /* "" unless purged */
    bool valid;         /* the report at submission */
    int errors;         /* its violations by severity */
    int warnings;
    char applicant_name[256]; /* applicant.name, "" when none */
    bool has_bbox;            /* false when the case has no features */
    double bbox[4];           /* of all its features, store CRS */
    /* The first feature's location sentence as the report stores it
     * (measures entry of feature 0: JSON text, case_location.h), NULL when
     * it stores none; then the first feature itself as WKB (store CRS),
     * NULL when the case has none, so that the caller can make the sentence
     * now. Both valid during the callback only. */
    const char *location;
    const unsigned char *first_wkb;
    size_t first_wkb_len;
} ge_case_summary;

/* Called per case in list order; a non-zero return stops the scan and is
 * returned by ge_store_cases_list. */
typedef int (*ge_case_summary_cb)(void *ud, const ge_case_summary *c);

/*
 * The cases matching f, in f->order, from f->offset, at most f->limit;
 * *matched (may be NULL) gets how many match without paging
 * (numberMatched).
 */
int ge_store_cases_list(ge_store *st, const ge_case_filter *f, ge_case_summary_cb cb, void *ud,
                        int64_t *matched, ge_err *err);

/* What the morning view counts (ge_store_cases_counts). */
typedef struct ge_case_counts {
    int64_t by_status[GE_CASE_NSTATUS];
    int64_t other_status; /* a status text the workflow does not know */
    /* open cases whose period starts from `from` to `until` (inclusive) */
    int64_t starting;
} ge_case_counts;

/*
 * The cases matching f apart from its statuses and paging (the counts are
 * an overview, whatever statuses the list shows), counted per status, and
 * the open ones among them whose period starts from `from` to `until`
 * (dates "YYYY-MM-DD", inclusive). Visibility as in the list.
 */
int ge_store_cases_counts(ge_store *st, const ge_case_filter *f, const char *from,
                          const char *until, ge_case_counts *out, ge_err *err);

/* A case as ge_store_case_get reads it, but purged cases too (anonymised),
 * with the dates the caseworker view adds ("" when not set). GE_ENOENT
 * when there is no such case. Clear out with ge_case_clear. */
int ge_store_case_review_get(ge_store *st, const char *id, ge_case *out, char closed_at[32],
                             char purged_at[32], ge_err *err);

/* One entry of a case's history (case_events). */
typedef struct ge_case_event {
    int64_t id;
    char at[32];
    char actor[160]; /* "client:<id>", "user:<name>", "system:retention" */
    /* Who that is for people: the form server's name for client:<id> (read
     * from clients in the same query; "" when the client is gone), the name
     * for user:<name>, "" for anyone else (the system). */
    char actor_name[160];
    char action[32];      /* "submitted", "status", "purged" */
    char from_status[32]; /* "" when none */
    char to_status[32];   /* "" when none */
    const char *comment;  /* NULL when none; valid during the callback only */
    /* The conflicts a decision overrode (case_event_overrides): JSON text
     * of an array of {case_id, service, reference, status, distance_m}
     * (the other case as it is now; "[]" when none), nearest first; valid
     * during the callback only. The caller hides what its user may not see. */
    const char *overrides;
} ge_case_event;

typedef int (*ge_case_event_cb)(void *ud, const ge_case_event *e);

/* Visits a case's events oldest first (by id), each with its actor's name. */
int ge_store_case_events(ge_store *st, const char *case_id, ge_case_event_cb cb, void *ud,
                         ge_err *err);

/* Another case that conflicts with a case (the contract's conflict rule). */
typedef struct ge_case_conflict {
    char id[40];
    char service[64];
    char status[32];
    char reference[260]; /* "" when none; callers hide it when !visible */
    char period_start[16];
    char period_end[16];
    double distance_m; /* the least distance between any two of their features */
    bool visible;      /* may the filter's user see this case? */
} ge_case_conflict;

typedef int (*ge_case_conflict_cb)(void *ud, const ge_case_conflict *c);

/*
 * The other cases that are not rejected, one of whose features lies within
 * distance_m (metres, store CRS) of one of case_id's features, and whose
 * period overlaps the case's (a missing period overlaps everything);
 * nearest first, then oldest. who gives the visibility (only admin and
 * allowed are read). At most limit cases.
 */
int ge_store_case_conflicts(ge_store *st, const char *case_id, double distance_m,
                            const ge_case_filter *who, size_t limit, ge_case_conflict_cb cb,
                            void *ud, ge_err *err);

/* A case of a list page whose conflicts are counted, at its distance. */
typedef struct ge_case_conflict_query {
    const char *id;
    double distance_m; /* metres, >= 0 */
} ge_case_conflict_query;

/*
 * How many cases conflict with each of n cases (the same rule as
 * ge_store_case_conflicts, every service counted, no limit), in one
 * statement over all of them: counts[i] for q[i]; 0 for an unknown id.
 */
int ge_store_cases_conflict_counts(ge_store *st, const ge_case_conflict_query *q, size_t n,
                                   int *counts, ge_err *err);

#endif
