/*
 * cli_purge.c - "geoeditor purge": DSGVO retention from the command line.
 *
 * Removes the applicant's personal data from every closed case whose
 * service's retention_days have passed (the purge use case,
 * ge_app_cases_purge in geo/app/retention.h, which the server's timer
 * calls too), or with --dry-run only lists them. Meant for cron or a systemd timer in deployments
 * that do not leave it to the server's own timer (setting purge_interval), and for an operator who
 * wants to see what is due before it happens.
 *
 * The output names cases by id, service and times only, never by anything
 * personal: it ends up in cron mails and journal files, which retention
 * does not reach.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../geo/app/retention.h"
#include "../geo/rules/service.h"
#include "../geo/store/store.h"
#include "cli.h"
#include "test_clock.h"

static const char *const ge_purge_settings[] = {"db", "srid", "data_dir", "log_level", NULL};
static const ge_cli_opt ge_purge_opts[] = {
    {"dry-run", NULL, "list the cases that are due without changing anything", false},
    {"services-dir", "DIR",
     "the service definitions with their retention_days (default: DATA_DIR/services)", false},
    {0},
};

static const ge_cli_cmd ge_purge_cmd = {
    .name = "purge",
    .usage = "[--db FILE | --config FILE] [--dry-run] [--services-dir DIR]",
    .summary = "Remove the applicant's personal data from closed cases past their retention.",
    .details = "A case is due when it was closed (approved or rejected) longer ago than its\n"
               "service's retention_days (data/services/*.json). Purging sets applicant to {},\n"
               "the reference to null and the drawn features' properties to {}; deletes the\n"
               "case's draft, idempotency keys and pending webhook deliveries; removes the\n"
               "comments from its history and adds a 'purged' event (system:retention). The\n"
               "geometry, service, status, period, dates and validation report stay for\n"
               "statistics. Each case is purged in its own transaction; running it again\n"
               "changes nothing. Cases of a service that is no longer defined are left alone\n"
               "and listed (their retention is unknown). The server does the same every\n"
               "purge_interval seconds. Exit status 0, or 1 when a case could not be purged.",
    .settings = ge_purge_settings,
    .opts = ge_purge_opts,
    .min_args = 0,
    .max_args = 0,
};

static void ge_purge_report(void *ud, const ge_retention_case *c, ge_retention_outcome o,
                            const char *error)
{
    (void)ud;
    switch (o) {
    case GE_RETENTION_DUE:
        printf("due      %s  %-22s closed %s, retention ended %s\n", c->case_id, c->service,
               c->closed_at, c->due_at[0] ? c->due_at : "?");
        break;
    case GE_RETENTION_PURGED:
        printf("purged   %s  %-22s closed %s, retention ended %s\n", c->case_id, c->service,
               c->closed_at, c->due_at[0] ? c->due_at : "?");
        break;
    case GE_RETENTION_SKIPPED:
        printf("skipped  %s  %-22s no longer due (purged meanwhile)\n", c->case_id, c->service);
        break;
    case GE_RETENTION_FAILED:
        /* The store's message names the statement, never row contents. */
        fprintf(stderr, "geoeditor purge: case %s: %s\n", c->case_id, error ? error : "failed");
        break;
    case GE_RETENTION_UNKNOWN_SERVICE:
        printf("left     %s  %-22s closed %s, but service '%s' is not defined: retention "
               "unknown, not purged\n",
               c->case_id, c->service, c->closed_at, c->service);
        break;
    }
}

int ge_cli_purge(int argc, char **argv)
{
    ge_cli cli;
    bool stop, dry_run;
    ge_err err;
    ge_store *store = NULL;
    ge_services *services = NULL;
    ge_retention_stats stats;
    char dir[PATH_MAX + 16];
    const char *sdir;
    struct stat sb;
    int rc = ge_cli_parse(&ge_purge_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    dry_run = ge_cli_flag(&cli, "dry-run");
    sdir = ge_cli_value(&cli, "services-dir");
    if (!sdir) {
        snprintf(dir, sizeof dir, "%s/services", cli.cfg.data_dir);
        sdir = dir;
    }
    if (ge_services_load_dir(sdir, &services, &err) < 0) {
        ge_cli_fail(&ge_purge_cmd, "cannot read the services: %s", err.msg);
        rc = 1;
        goto err;
    }
    /* Purging must never create an empty store where the real one was
     * expected (a mistyped --db would then "succeed" with nothing due). */
    if (!ge_store_path_is_postgres(cli.cfg.db_path) && stat(cli.cfg.db_path, &sb) != 0) {
        ge_cli_fail(&ge_purge_cmd, "no store at %s: %s (give --db FILE or --config FILE)",
                    cli.cfg.db_path, strerror(errno));
        rc = 1;
        goto err;
    }
    ge_store_opts so = {.path = cli.cfg.db_path, .srid = cli.cfg.srid, .readonly = dry_run};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_purge_cmd, "%s", err.msg);
        rc = 1;
        goto err;
    }
    {
        /* the same use case as the server's timer, by the CLI's clock (the test
         * clock in test builds, as ge_cli_now) */
        ge_app app = {.store = store, .services = services};
        ge_test_clock_install(&app.clock, &app.clock_ud);
        ge_app_result r;
        ge_app_result_init(&r);
        if (ge_app_cases_purge(&app, dry_run, NULL, ge_purge_report, NULL, &stats, &r) < 0) {
            ge_cli_fail(&ge_purge_cmd, "%s", r.err.msg);
            ge_app_result_clear(&r);
            rc = 1;
            goto err;
        }
    }
    if (dry_run)
        printf("dry run: %zu case%s due, %zu of an unknown service left alone; nothing was "
               "changed\n",
               stats.due, stats.due == 1 ? "" : "s", stats.unknown);
    else
        printf("purged %zu case%s (%zu due, %zu purged meanwhile, %zu failed), %zu of an unknown "
               "service left alone\n",
               stats.purged, stats.purged == 1 ? "" : "s", stats.due, stats.skipped, stats.failed,
               stats.unknown);
    rc = stats.failed > 0 ? 1 : 0;
err:
    ge_store_close(store);
    ge_services_free(services);
    return rc;
}
