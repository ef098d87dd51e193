/*
 * cli_webhooks.c - "geoeditor webhooks list|retry": the operator's handle on
 * the webhook outbox (geo/store/store_webhooks_admin.h).
 *
 * "list" shows which deliveries wait, which were given up and why (the last
 * HTTP status or network error), as a table for people or as JSON for
 * scripts. "retry" puts failed deliveries back to pending with their
 * attempts reset, after the receiver was fixed; a server running on the
 * same store file finds them at its next poll (every second), so nothing has
 * to be restarted or told.
 *
 * The output names deliveries, clients, cases and statuses only; never a
 * webhook URL (it may carry a token), a secret or the case's content.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../geo/store/store.h"
#include "../geo/store/store_webhooks_admin.h"
#include "cli.h"

#define GE_WEBHOOKS_LIST_DEFAULT 50
/* Longest last error shown in the table (the JSON has all of it). */
#define GE_WEBHOOKS_ERROR_COLUMN 60

static const char *const ge_webhooks_settings[] = {"db", "srid", "log_level", NULL};
static const ge_cli_opt ge_webhooks_opts[] = {
    {"status", "STATE", "list: only pending, failed or delivered deliveries", false},
    {"client", "ID", "list, retry --failed: only the deliveries of this client", false},
    {"limit", "N", "list: at most N deliveries, newest first (1 to 10000, default 50)", false},
    {"json", NULL, "list: print JSON instead of a table", false},
    {"failed", NULL, "retry: every failed delivery (of --client ID)", false},
    {0},
};

static const ge_cli_cmd ge_webhooks_cmd = {
    .name = "webhooks",
    .usage = "list [--status pending|failed|delivered] [--client ID] [--limit N] [--json]\n"
             "       | retry ID... | retry --failed [--client ID]",
    .summary = "Look at the webhook outbox and send failed deliveries again.",
    .details = "  list   the deliveries, newest first: id, state, client, case, status change,\n"
               "         attempts, when the next attempt is due (pending ones), the last HTTP\n"
               "         status or network error, and when the delivery was queued; then how\n"
               "         many are pending, failed and delivered\n"
               "  retry  puts failed deliveries back to pending with attempts reset; a running\n"
               "         server sends them again within a few seconds. With IDs all of them are\n"
               "         retried or, when one is unknown or not failed, none; --failed takes\n"
               "         every failed delivery. Deliveries of revoked clients, of clients without\n"
               "         a webhook URL or of purged cases stay failed.\n"
               "\n"
               "A retried delivery keeps its id (X-GeoEditor-Delivery) and body; it may reach\n"
               "the receiver after later changes of the same case that were delivered\n"
               "meanwhile, so receivers order a case's changes by the payload's version (one\n"
               "more with every change; 'at' has whole seconds and can tie).\n"
               "Exit status 0; 1 when the store fails or an ID cannot be retried; 2 for bad\n"
               "options.",
    .settings = ge_webhooks_settings,
    .opts = ge_webhooks_opts,
    .min_args = 1,
    .max_args = GE_CLI_MAX_VALUES,
};

/* A positive decimal integer, nothing else. */
static bool ge_webhooks_parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !s[0] || s[0] == '-' || s[0] == '+') return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end || errno || v < 1) return false;
    *out = v;
    return true;
}

/* The --client value, 0 when absent; false (after saying why) when bad. */
static bool ge_webhooks_client_opt(const ge_cli *cli, int64_t *client_id)
{
    const char *v = ge_cli_value(cli, "client");

    *client_id = 0;
    if (!v) return true;
    if (ge_webhooks_parse_id(v, client_id)) return true;
    ge_cli_fail(&ge_webhooks_cmd,
                "--client '%.40s' is not a client id (a number from 'geoeditor client list')", v);
    return false;
}

/* ---- list ------------------------------------------------------------------ */

enum {
    GE_WH_COL_ID,
    GE_WH_COL_STATE,
    GE_WH_COL_CLIENT,
    GE_WH_COL_CASE,
    GE_WH_COL_EVENT,
    GE_WH_COL_ATTEMPTS,
    GE_WH_COL_NEXT,
    GE_WH_COL_LAST,
    GE_WH_COL_CREATED,
    GE_WH_NCOLS
};

static const char *const ge_webhooks_headings[GE_WH_NCOLS] = {
    "ID", "STATE", "CLIENT", "CASE", "EVENT", "ATTEMPTS", "NEXT ATTEMPT", "LAST RESULT", "CREATED"};

/* Control characters would let a stored text move the terminal's cursor. */
static void ge_webhooks_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

/* One cell of the table as text. */
static void ge_webhooks_cell(const ge_webhook_row *r, int col, char *buf, size_t cap)
{
    switch (col) {
    case GE_WH_COL_ID:
        snprintf(buf, cap, "%lld", (long long)r->id);
        break;
    case GE_WH_COL_STATE:
        snprintf(buf, cap, "%s", ge_webhook_state_name(r->state));
        break;
    case GE_WH_COL_CLIENT:
        snprintf(buf, cap, "%s (%lld%s)", r->client_name[0] ? r->client_name : "?",
                 (long long)r->client_id, r->client_revoked ? ", revoked" : "");
        break;
    case GE_WH_COL_CASE:
        snprintf(buf, cap, "%s", r->case_id);
        break;
    case GE_WH_COL_EVENT:
        if (r->from_status[0])
            snprintf(buf, cap, "%s -> %s", r->from_status, r->to_status);
        else
            snprintf(buf, cap, "%s", r->to_status[0] ? r->to_status : "-");
        break;
    case GE_WH_COL_ATTEMPTS:
        snprintf(buf, cap, "%d", r->attempts);
        break;
    case GE_WH_COL_NEXT:
        snprintf(buf, cap, "%s", r->next_attempt_at[0] ? r->next_attempt_at : "-");
        break;
    case GE_WH_COL_LAST:
        if (r->last_error[0])
            snprintf(buf, cap, "%.*s%s", GE_WEBHOOKS_ERROR_COLUMN, r->last_error,
                     strlen(r->last_error) > GE_WEBHOOKS_ERROR_COLUMN ? "..." : "");
        else if (r->last_status > 0)
            snprintf(buf, cap, "HTTP %d", r->last_status);
        else
            snprintf(buf, cap, "-");
        break;
    case GE_WH_COL_CREATED:
        snprintf(buf, cap, "%s", r->created_at);
        break;
    default:
        buf[0] = '\0';
    }
    ge_webhooks_printable(buf);
}

static void ge_webhooks_print_table(const ge_webhook_row *v, size_t n)
{
    size_t width[GE_WH_NCOLS];
    char cell[256];

    for (int c = 0; c < GE_WH_NCOLS; c++)
        width[c] = strlen(ge_webhooks_headings[c]);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < GE_WH_NCOLS; c++) {
            ge_webhooks_cell(&v[i], c, cell, sizeof cell);
            if (strlen(cell) > width[c]) width[c] = strlen(cell);
        }
    for (int c = 0; c < GE_WH_NCOLS; c++)
        printf("%-*s%s", c + 1 < GE_WH_NCOLS ? (int)width[c] : 0, ge_webhooks_headings[c],
               c + 1 < GE_WH_NCOLS ? "  " : "\n");
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < GE_WH_NCOLS; c++) {
            ge_webhooks_cell(&v[i], c, cell, sizeof cell);
            printf("%-*s%s", c + 1 < GE_WH_NCOLS ? (int)width[c] : 0, cell,
                   c + 1 < GE_WH_NCOLS ? "  " : "\n");
        }
}

/* A text member, or null when the store has none. */
static json_t *ge_webhooks_text(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *ge_webhooks_row_json(const ge_webhook_row *r)
{
    json_t *o = json_object();

    if (!o) return NULL;
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "status", json_string(ge_webhook_state_name(r->state)));
    json_object_set_new(o, "client_id", json_integer(r->client_id));
    json_object_set_new(o, "client", ge_webhooks_text(r->client_name));
    json_object_set_new(o, "client_revoked", json_boolean(r->client_revoked));
    json_object_set_new(o, "case_id", json_string(r->case_id));
    json_object_set_new(o, "event", json_string("case.status_changed"));
    json_object_set_new(o, "previous_case_status", ge_webhooks_text(r->from_status));
    json_object_set_new(o, "case_status", ge_webhooks_text(r->to_status));
    json_object_set_new(o, "attempts", json_integer(r->attempts));
    json_object_set_new(o, "next_attempt_at", ge_webhooks_text(r->next_attempt_at));
    json_object_set_new(o, "last_attempt_at", ge_webhooks_text(r->last_attempt_at));
    json_object_set_new(o, "last_http_status",
                        r->last_status > 0 ? json_integer(r->last_status) : json_null());
    json_object_set_new(o, "last_error", ge_webhooks_text(r->last_error));
    json_object_set_new(o, "delivered_at", ge_webhooks_text(r->delivered_at));
    json_object_set_new(o, "failed_at", ge_webhooks_text(r->failed_at));
    json_object_set_new(o, "created_at", json_string(r->created_at));
    return o;
}

static int ge_webhooks_print_json(const ge_webhook_row *v, size_t n, const ge_webhook_counts *k)
{
    json_t *doc = json_pack("{s:[], s:{s:I, s:I, s:I}}", "deliveries", "counts", "pending",
                            (json_int_t)k->pending, "failed", (json_int_t)k->failed, "delivered",
                            (json_int_t)k->delivered);
    json_t *list = doc ? json_object_get(doc, "deliveries") : NULL;
    int rc = -1;

    if (!list) goto err;
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(list, ge_webhooks_row_json(&v[i])) < 0) goto err;
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) < 0) goto err;
    fputc('\n', stdout);
    rc = 0;
err:
    json_decref(doc);
    return rc;
}

static int ge_webhooks_list(const ge_cli *cli, ge_store *st)
{
    ge_webhook_filter f = {.state = GE_WEBHOOK_STATE_ANY, .limit = GE_WEBHOOKS_LIST_DEFAULT};
    const char *status = ge_cli_value(cli, "status"), *limit = ge_cli_value(cli, "limit");
    ge_webhook_row *v = NULL;
    ge_webhook_counts k;
    size_t n = 0;
    int64_t lim;
    ge_err err;
    int rc = 1;

    if (status && !ge_webhook_state_parse(status, &f.state)) {
        ge_cli_fail(&ge_webhooks_cmd, "--status '%.40s': give pending, failed or delivered",
                    status);
        return 2;
    }
    if (limit && (!ge_webhooks_parse_id(limit, &lim) || lim > GE_WEBHOOK_LIST_MAX)) {
        ge_cli_fail(&ge_webhooks_cmd, "--limit '%.40s': give a number from 1 to %d", limit,
                    GE_WEBHOOK_LIST_MAX);
        return 2;
    }
    if (limit) f.limit = (size_t)lim;
    if (!ge_webhooks_client_opt(cli, &f.client_id)) return 2;
    if (ge_store_webhooks_list(st, &f, &v, &n, &err) < 0 ||
        ge_store_webhooks_count(st, f.client_id, &k, &err) < 0) {
        ge_cli_fail(&ge_webhooks_cmd, "list: %s", err.msg);
        goto err;
    }
    if (ge_cli_flag(cli, "json")) {
        if (ge_webhooks_print_json(v, n, &k) < 0) {
            ge_cli_fail(&ge_webhooks_cmd, "list: out of memory writing JSON");
            goto err;
        }
        rc = 0;
        goto err;
    }
    if (n == 0)
        printf("(no %s%swebhook deliveries%s)\n", status ? status : "", status ? " " : "",
               f.client_id ? " of this client" : "");
    else
        ge_webhooks_print_table(v, n);
    printf("%zu shown; %s%lld pending, %lld failed, %lld delivered\n", n,
           f.client_id ? "this client: " : "", (long long)k.pending, (long long)k.failed,
           (long long)k.delivered);
    rc = 0;
err:
    free(v);
    return rc;
}

/* ---- retry ----------------------------------------------------------------- */

static int ge_webhooks_retry_ids(const ge_cli *cli, ge_store *st)
{
    int64_t ids[GE_CLI_MAX_VALUES];
    size_t n = cli->nargs - 1, retried = 0;
    ge_err err;

    for (size_t i = 0; i < n; i++) {
        if (!ge_webhooks_parse_id(cli->args[i + 1], &ids[i])) {
            ge_cli_fail(&ge_webhooks_cmd,
                        "retry: '%.40s' is not a delivery id (a number from 'geoeditor webhooks "
                        "list')",
                        cli->args[i + 1]);
            return 2;
        }
    }
    if (ge_store_webhooks_retry(st, ids, n, (int64_t)ge_cli_now(), &retried, &err) < 0) {
        ge_cli_fail(&ge_webhooks_cmd, "retry: %s; nothing was changed", err.msg);
        return 1;
    }
    printf("%zu failed deliver%s put back to pending:", retried, retried == 1 ? "y" : "ies");
    for (size_t i = 0; i < n; i++)
        printf("%s %lld", i ? "," : "", (long long)ids[i]);
    printf("\nA running server sends %s within a few seconds; 'geoeditor webhooks list' shows "
           "how it went.\n",
           retried == 1 ? "it" : "them");
    return 0;
}

static int ge_webhooks_retry_failed(const ge_cli *cli, ge_store *st)
{
    ge_webhook_retry_stats stats;
    int64_t client_id;
    ge_err err;

    if (!ge_webhooks_client_opt(cli, &client_id)) return 2;
    if (ge_store_webhooks_retry_failed(st, client_id, (int64_t)ge_cli_now(), &stats, &err) < 0) {
        ge_cli_fail(&ge_webhooks_cmd, "retry: %s", err.msg);
        return 1;
    }
    if (stats.retried == 0 && stats.unsendable == 0) {
        printf("no failed deliveries%s: nothing to retry\n", client_id ? " of this client" : "");
        return 0;
    }
    printf("%zu failed deliver%s%s put back to pending", stats.retried,
           stats.retried == 1 ? "y" : "ies", client_id ? " of this client" : "");
    if (stats.unsendable)
        printf("; %zu left failed (client revoked or without a webhook URL, or case purged)",
               stats.unsendable);
    printf("\n");
    if (stats.retried)
        printf("A running server sends %s within a few seconds; 'geoeditor webhooks list' shows "
               "how it went.\n",
               stats.retried == 1 ? "it" : "them");
    return 0;
}

/* ---- the command ------------------------------------------------------------ */

/* Which options each form takes; false (after saying so) otherwise. */
static bool ge_webhooks_check_usage(const ge_cli *cli, const char *action)
{
    static const char *const list_only[] = {"status", "limit", "json", NULL};

    if (strcmp(action, "list") == 0) {
        if (cli->nargs > 1) {
            ge_cli_fail(&ge_webhooks_cmd, "unexpected argument '%.40s' after 'list'", cli->args[1]);
            return false;
        }
        if (ge_cli_flag(cli, "failed")) {
            ge_cli_fail(&ge_webhooks_cmd,
                        "list takes --status failed, not --failed (that is for retry)");
            return false;
        }
        return true;
    }
    for (const char *const *o = list_only; *o; o++) {
        if (ge_cli_flag(cli, *o)) {
            ge_cli_fail(&ge_webhooks_cmd, "--%s is for list, not retry", *o);
            return false;
        }
    }
    if (ge_cli_flag(cli, "failed")) {
        if (cli->nargs > 1) {
            ge_cli_fail(&ge_webhooks_cmd, "retry takes either delivery IDs or --failed, not both");
            return false;
        }
        return true;
    }
    if (cli->nargs < 2) {
        ge_cli_fail(&ge_webhooks_cmd,
                    "retry needs delivery IDs or --failed (usage: geoeditor webhooks retry "
                    "ID... | retry --failed [--client ID])");
        return false;
    }
    if (ge_cli_flag(cli, "client")) {
        ge_cli_fail(&ge_webhooks_cmd,
                    "--client goes with retry --failed; retry ID... names the deliveries "
                    "itself");
        return false;
    }
    return true;
}

int ge_cli_webhooks(int argc, char **argv)
{
    ge_cli cli;
    bool stop;
    ge_err err;
    ge_store *store = NULL;
    const char *action;
    struct stat sb;
    int rc = ge_cli_parse(&ge_webhooks_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    action = cli.args[0];
    if (strcmp(action, "list") != 0 && strcmp(action, "retry") != 0) {
        ge_cli_fail(&ge_webhooks_cmd, "unknown action '%.40s' (list or retry)", action);
        return 2;
    }
    if (!ge_webhooks_check_usage(&cli, action)) return 2;
    /* Neither action may create an empty store where the real one was
     * expected: a mistyped --db would then list nothing and "succeed". */
    if (!ge_store_path_is_postgres(cli.cfg.db_path) && stat(cli.cfg.db_path, &sb) != 0) {
        ge_cli_fail(&ge_webhooks_cmd, "no store at %s: %s (give --db FILE or --config FILE)",
                    cli.cfg.db_path, strerror(errno));
        return 1;
    }
    ge_store_opts so = {
        .path = cli.cfg.db_path, .srid = cli.cfg.srid, .readonly = strcmp(action, "list") == 0};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_webhooks_cmd, "%s", err.msg);
        return 1;
    }
    if (strcmp(action, "list") == 0)
        rc = ge_webhooks_list(&cli, store);
    else if (ge_cli_flag(&cli, "failed"))
        rc = ge_webhooks_retry_failed(&cli, store);
    else
        rc = ge_webhooks_retry_ids(&cli, store);
    ge_store_close(store);
    return rc;
}
