/*
 * retention.h - DSGVO retention: which closed cases have outlived their
 * service's retention_days, and purging their personal data.
 *
 * A case is due when closed_at + its service's retention_days (data/services,
 * geo/rules/service.h) lies in the past (at "now", which the caller passes so that
 * tests choose it) and purged_at is NULL. Purging keeps what statistics and
 * the decision need (geometry, service, status, period, dates, report, the
 * history without comments) and removes the rest in one transaction per case
 * (ge_store_retention_purge, geo/store/store_retention.h, says exactly what).
 *
 * A closed case whose service is no longer loaded is never purged: its
 * retention is unknown and must not be guessed. It is reported instead, so
 * that an operator restores the service file or decides.
 *
 * The purge use case (ge_app_cases_purge) is what "geoeditor purge"
 * (server/cli_purge.c) and the server's timer (server/retention_timer.c)
 * both call. Nothing here is HTTP; nothing reported here holds personal
 * data (case ids, services and times only).
 */
#ifndef GE_RETENTION_H
#define GE_RETENTION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "app.h"
#include "error.h"
#include "service.h"
#include "store.h"

typedef struct ge_retention_case {
    char case_id[40];
    char service[64];
    char closed_at[32];
    char due_at[32]; /* closed_at + retention_days; "" when the service is unknown */
    char cutoff[32]; /* due while closed_at <= cutoff (now - retention_days) */
} ge_retention_case;

typedef struct ge_retention_plan {
    char now[32];
    ge_retention_case *due; /* oldest closing first within each service */
    size_t ndue;
    ge_retention_case *unknown; /* closed, not purged, service not loaded: left alone */
    size_t nunknown;
} ge_retention_plan;

/* Finds the due cases and those of unknown services at now. */
int ge_retention_plan_make(ge_store *st, const ge_services *ss, time_t now, ge_retention_plan *out,
                           ge_err *err);
void ge_retention_plan_clear(ge_retention_plan *p);

typedef enum ge_retention_outcome {
    GE_RETENTION_DUE,             /* dry run: would be purged */
    GE_RETENTION_PURGED,          /* purged now */
    GE_RETENTION_SKIPPED,         /* no longer due when its turn came (purged by another run) */
    GE_RETENTION_FAILED,          /* the purge failed; nothing of it stayed */
    GE_RETENTION_UNKNOWN_SERVICE, /* closed, but its service is not loaded: left alone */
} ge_retention_outcome;

const char *ge_retention_outcome_name(ge_retention_outcome o);

typedef struct ge_retention_stats {
    size_t due; /* due at planning */
    size_t purged;
    size_t skipped;
    size_t failed;
    size_t unknown;    /* cases of unknown services */
    size_t stopped;    /* due cases left because stop was set */
    bool checkpointed; /* the WAL was copied and truncated after the purges */
} ge_retention_stats;

/* Called once per due case (with its outcome) and once per case of an
 * unknown service; error is the failure's message or NULL. */
typedef void (*ge_retention_fn)(void *ud, const ge_retention_case *c, ge_retention_outcome o,
                                const char *error);

/*
 * Plans at now and, unless dry_run, purges every due case, each in its own
 * transaction, then checkpoints the WAL. A case that fails is reported and
 * counted and the run goes on with the next. stop (may be NULL) is looked at
 * before each case: a shutting-down server ends the run between two cases.
 * Returns GE_OK when the run went through (stats->failed may still be > 0),
 * or an error when the cases could not even be listed.
 */
int ge_retention_run(ge_store *st, const ge_services *ss, time_t now, bool dry_run,
                     const atomic_bool *stop, ge_retention_fn fn, void *ud,
                     ge_retention_stats *stats, ge_err *err);

/*
 * The purge use case: ge_retention_run with the context's store and
 * services at the context's clock's now (so that a test sets the clock to
 * a year ahead rather than waiting). FAILED with the error when the cases
 * could not even be listed; GE_OK otherwise (stats->failed may be > 0).
 */
int ge_app_cases_purge(const ge_app *app, bool dry_run, const atomic_bool *stop, ge_retention_fn fn,
                       void *ud, ge_retention_stats *stats, ge_app_result *r);

#endif
