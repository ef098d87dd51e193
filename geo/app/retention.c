/*
 * retention.c - DSGVO retention (retention.h): turns the services'
 * retention_days into per-service cut-off times, asks the store for the
 * closed cases past them, and purges them one transaction at a time.
 *
 * The cut-off is computed here, in seconds of UTC, rather than in SQL date
 * arithmetic, so that "now" is the caller's (tests pass a time in the future
 * instead of waiting a year) and the store's query stays a plain comparison
 * of RFC 3339 strings on an index.
 */
#include "retention.h"
#include "date.h"
#include "store_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* closed_at + days as text; "" when closed_at is not a time the store wrote. */
static void ge_retention_due_at(const char *closed_at, int days, char buf[GE_DATE_UTC_LEN])
{
    struct tm tm;
    int y, mo, d, h, mi, sec, used = -1;

    buf[0] = '\0';
    if (sscanf(closed_at, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 ||
        used < 0 || closed_at[used] != '\0')
        return;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    ge_date_utc(timegm(&tm) + (time_t)days * 86400, buf);
}

const char *ge_retention_outcome_name(ge_retention_outcome o)
{
    switch (o) {
    case GE_RETENTION_DUE:
        return "due";
    case GE_RETENTION_PURGED:
        return "purged";
    case GE_RETENTION_SKIPPED:
        return "skipped";
    case GE_RETENTION_FAILED:
        return "failed";
    case GE_RETENTION_UNKNOWN_SERVICE:
        return "unknown_service";
    }
    return "?";
}

void ge_retention_plan_clear(ge_retention_plan *p)
{
    if (!p) return;
    free(p->due);
    free(p->unknown);
    memset(p, 0, sizeof *p);
}

/* Appends rows to *v (grown by n), filling due_at and cutoff. */
static int ge_retention_append(ge_retention_case **v, size_t *len, const ge_store_closed_case *rows,
                               size_t n, const ge_service *svc, const char *cutoff, ge_err *err)
{
    ge_retention_case *grown;

    if (n == 0) return GE_OK;
    grown = realloc(*v, (*len + n) * sizeof *grown);
    if (!grown) return ge_err_set(err, GE_ENOMEM, "out of memory");
    *v = grown;
    for (size_t i = 0; i < n; i++) {
        ge_retention_case *c = &grown[*len + i];
        memset(c, 0, sizeof *c);
        snprintf(c->case_id, sizeof c->case_id, "%s", rows[i].case_id);
        snprintf(c->service, sizeof c->service, "%s", rows[i].service);
        snprintf(c->closed_at, sizeof c->closed_at, "%s", rows[i].closed_at);
        if (svc) {
            ge_retention_due_at(c->closed_at, svc->retention_days, c->due_at);
            snprintf(c->cutoff, sizeof c->cutoff, "%s", cutoff);
        }
    }
    *len += n;
    return GE_OK;
}

int ge_retention_plan_make(ge_store *st, const ge_services *ss, time_t now, ge_retention_plan *out,
                           ge_err *err)
{
    char(*services)[64] = NULL;
    size_t nservices = 0;
    ge_store_closed_case *rows = NULL;
    size_t nrows = 0;
    int rc;

    memset(out, 0, sizeof *out);
    ge_date_utc(now, out->now);
    if (!out->now[0])
        return ge_err_set(err, GE_EINVAL, "the time %lld is out of range", (long long)now);
    rc = ge_store_retention_services(st, &services, &nservices, err);
    if (rc < 0) goto err;
    for (size_t i = 0; i < nservices; i++) {
        const ge_service *svc = ss ? ge_services_find(ss, services[i]) : NULL;
        char cutoff[32] = "";

        if (svc) {
            ge_date_utc(now - (time_t)svc->retention_days * 86400, cutoff);
            if (!cutoff[0]) {
                rc = ge_err_set(err, GE_EINVAL, "service '%s': retention_days %d is out of range",
                                svc->id, svc->retention_days);
                goto err;
            }
        }
        rc = ge_store_retention_closed(st, services[i], svc ? cutoff : NULL, &rows, &nrows, err);
        if (rc < 0) goto err;
        if (svc)
            rc = ge_retention_append(&out->due, &out->ndue, rows, nrows, svc, cutoff, err);
        else
            rc = ge_retention_append(&out->unknown, &out->nunknown, rows, nrows, NULL, NULL, err);
        free(rows);
        rows = NULL;
        if (rc < 0) goto err;
    }
    rc = GE_OK;
err:
    free(services);
    if (rc < 0) ge_retention_plan_clear(out);
    return rc;
}

int ge_retention_run(ge_store *st, const ge_services *ss, time_t now, bool dry_run,
                     const atomic_bool *stop, ge_retention_fn fn, void *ud,
                     ge_retention_stats *stats, ge_err *err)
{
    ge_retention_plan plan;
    int rc;

    memset(stats, 0, sizeof *stats);
    rc = ge_retention_plan_make(st, ss, now, &plan, err);
    if (rc < 0) return rc;
    stats->due = plan.ndue;
    stats->unknown = plan.nunknown;
    for (size_t i = 0; i < plan.nunknown; i++)
        if (fn) fn(ud, &plan.unknown[i], GE_RETENTION_UNKNOWN_SERVICE, NULL);
    for (size_t i = 0; i < plan.ndue; i++) {
        const ge_retention_case *c = &plan.due[i];
        ge_err cerr;
        bool purged = false;

        if (dry_run) {
            if (fn) fn(ud, c, GE_RETENTION_DUE, NULL);
            continue;
        }
        if (stop && atomic_load(stop)) {
            stats->stopped = plan.ndue - i;
            break;
        }
        ge_err_clear(&cerr);
        if (ge_store_retention_purge(st, c->case_id, c->service, c->cutoff, plan.now, &purged,
                                     &cerr) < 0) {
            stats->failed++;
            if (fn) fn(ud, c, GE_RETENTION_FAILED, cerr.msg);
        } else if (purged) {
            stats->purged++;
            if (fn) fn(ud, c, GE_RETENTION_PURGED, NULL);
        } else {
            stats->skipped++;
            if (fn) fn(ud, c, GE_RETENTION_SKIPPED, NULL);
        }
    }
    if (stats->purged > 0) {
        ge_err cerr;
        /* Best effort: the purges are committed; a busy reader only delays
         * the truncation to a later checkpoint. */
        if (ge_store_retention_checkpoint(st, &stats->checkpointed, &cerr) < 0)
            stats->checkpointed = false;
    }
    ge_retention_plan_clear(&plan);
    return GE_OK;
}

int ge_app_cases_purge(const ge_app *app, bool dry_run, const atomic_bool *stop, ge_retention_fn fn,
                       void *ud, ge_retention_stats *stats, ge_app_result *r)
{
    ge_err err;

    if (ge_retention_run(app->store, app->services, ge_app_now(app), dry_run, stop, fn, ud, stats,
                         &err) < 0)
        return ge_app_failed(r, &err);
    return GE_OK;
}
