/*
 * cli_client.c - "geoeditor client add|list|revoke": manage the form servers
 * that may call the API.
 *
 * "add" prints the new API key (and the webhook signing secret) once: the
 * store keeps only a hash of the key, so a lost key is replaced by a new
 * client, never recovered. Origins are checked strictly (origin.h) because
 * they are compared byte for byte when the editor talks to the form.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/store/store.h"
#include "../geo/store/store_forms.h"
#include "../geo/core/token.h"
#include "cli.h"
#include "origin.h"

#define GE_CLIENT_MAX_ORIGINS 32

static const char *const ge_client_settings[] = {"db", "srid", "log_level", NULL};
static const ge_cli_opt ge_client_opts[] = {
    {"name", "NAME", "add: the client's name (unique, e.g. the form vendor and city)", false},
    {"origin", "URL",
     "add: an origin the editor may be embedded in, as a browser writes it "
     "(https://forms.example.de); repeat for several",
     true},
    {"webhook", "URL", "add: where case events are posted (signed with a secret shown once)",
     false},
    {0},
};

static const ge_cli_cmd ge_client_cmd = {
    .name = "client",
    .usage = "add --name NAME --origin URL... [--webhook URL] | list | revoke ID",
    .summary = "Manage form-server clients and their API keys.",
    .details = "  add     creates a client and prints its API key once (only a hash is kept)\n"
               "  list    shows id, name, origins, created and revoked; never keys\n"
               "  revoke  stops a client's key from working at once",
    .settings = ge_client_settings,
    .opts = ge_client_opts,
    .min_args = 1,
    .max_args = 2,
};

static bool ge_client_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 100) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return false;
    return true;
}

static bool ge_client_webhook_ok(const char *url)
{
    size_t len = strlen(url);
    if (len > 500) return false;
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f) return false;
    return url[strlen(strncmp(url, "https", 5) == 0 ? "https://" : "http://")] != '\0';
}

static int ge_client_add(const ge_cli *cli, ge_store *st)
{
    const char *name = ge_cli_value(cli, "name"), *webhook = ge_cli_value(cli, "webhook");
    char key[GE_TOKEN_MAX], secret[GE_TOKEN_MAX], hash[GE_TOKEN_HASH_LEN], why[160];
    json_t *origins = json_array();
    char *origins_text = NULL;
    int64_t id = 0;
    ge_err err;
    int rc = 1;

    if (!origins) goto err;
    if (!name) {
        ge_cli_fail(&ge_client_cmd, "add: --name is required");
        goto err;
    }
    if (!ge_client_name_ok(name)) {
        ge_cli_fail(&ge_client_cmd, "add: --name must be 1 to 100 characters without control "
                                    "characters");
        goto err;
    }
    for (size_t i = 0;; i++) {
        const char *o = ge_cli_value_at(cli, "origin", i);
        if (!o) break;
        if (i >= GE_CLIENT_MAX_ORIGINS) {
            ge_cli_fail(&ge_client_cmd, "add: at most %d --origin values", GE_CLIENT_MAX_ORIGINS);
            goto err;
        }
        if (!ge_origin_valid(o, why, sizeof why)) {
            ge_cli_fail(&ge_client_cmd, "add: --origin '%.260s': %s", o, why);
            goto err;
        }
        json_array_append_new(origins, json_string(o));
    }
    if (json_array_size(origins) == 0) {
        ge_cli_fail(&ge_client_cmd, "add: give at least one --origin (where the form embeds the "
                                    "editor, e.g. https://forms.example.de)");
        goto err;
    }
    if (webhook && !ge_client_webhook_ok(webhook)) {
        ge_cli_fail(&ge_client_cmd, "add: --webhook must be an http:// or https:// URL of at "
                                    "most 500 characters without spaces");
        goto err;
    }
    origins_text = json_dumps(origins, JSON_COMPACT);
    if (!origins_text || ge_token_new("gek_", key, &err) < 0 ||
        (webhook && ge_token_new("whsec_", secret, &err) < 0)) {
        ge_cli_fail(&ge_client_cmd, "add: cannot make a key");
        goto err;
    }
    ge_token_hash(key, hash);
    if (ge_store_client_add(st, name, hash, origins_text, webhook, webhook ? secret : NULL,
                            ge_cli_now(), &id, &err) < 0) {
        ge_cli_fail(&ge_client_cmd, "add: %s", err.msg);
        goto err;
    }
    printf("id: %lld\nname: %s\norigins: %s\n", (long long)id, name, origins_text);
    if (webhook) printf("webhook: %s\n", webhook);
    printf("api_key: %s\n", key);
    if (webhook) printf("webhook_secret: %s\n", secret);
    printf("The API key%s shown now and never again: keep %s in the form server's secret "
           "store.\n",
           webhook ? " and the webhook secret are" : " is", webhook ? "them" : "it");
    rc = 0;
err:
    free(origins_text);
    json_decref(origins);
    return rc;
}

static int ge_client_list(ge_store *st)
{
    ge_client *v = NULL;
    size_t n = 0;
    ge_err err;

    if (ge_store_client_list(st, &v, &n, &err) < 0) {
        ge_cli_fail(&ge_client_cmd, "list: %s", err.msg);
        return 1;
    }
    printf("%-5s %-24s %-20s %-20s %s\n", "id", "name", "created", "revoked", "origins");
    for (size_t i = 0; i < n; i++)
        printf("%-5lld %-24s %-20s %-20s %s%s%s\n", (long long)v[i].id, v[i].name, v[i].created_at,
               v[i].revoked_at[0] ? v[i].revoked_at : "-", v[i].origins_json,
               v[i].webhook_url[0] ? " webhook " : "", v[i].webhook_url);
    if (n == 0) printf("(no clients: add one with 'geoeditor client add --name N --origin URL')\n");
    ge_client_list_free(v, n);
    return 0;
}

static int ge_client_revoke(const char *arg, ge_store *st)
{
    char *end;
    long long id;
    ge_err err;

    errno = 0;
    id = strtoll(arg, &end, 10);
    if (!arg[0] || *end || errno || id < 1) {
        ge_cli_fail(&ge_client_cmd,
                    "revoke: '%.40s' is not a client id (a number from "
                    "'geoeditor client list')",
                    arg);
        return 2;
    }
    if (ge_store_client_revoke(st, id, ge_cli_now(), &err) < 0) {
        ge_cli_fail(&ge_client_cmd, "revoke: %s", err.msg);
        return 1;
    }
    printf("client %lld revoked: its API key no longer works\n", id);
    return 0;
}

int ge_cli_client(int argc, char **argv)
{
    ge_cli cli;
    bool stop;
    ge_err err;
    ge_store *store = NULL;
    const char *action;
    int rc = ge_cli_parse(&ge_client_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    action = cli.args[0];
    if (strcmp(action, "add") && strcmp(action, "list") && strcmp(action, "revoke")) {
        ge_cli_fail(&ge_client_cmd, "unknown action '%.40s' (add, list or revoke)", action);
        return 2;
    }
    if (strcmp(action, "revoke") == 0 && cli.nargs != 2) {
        ge_cli_fail(&ge_client_cmd, "revoke needs the client's ID (usage: geoeditor client "
                                    "revoke ID)");
        return 2;
    }
    if (strcmp(action, "revoke") != 0 && cli.nargs != 1) {
        ge_cli_fail(&ge_client_cmd, "unexpected argument '%.40s' after '%s'", cli.args[1], action);
        return 2;
    }
    if (strcmp(action, "add") != 0 && cli.nvalues > 0) {
        ge_cli_fail(&ge_client_cmd, "%s takes no --name, --origin or --webhook", action);
        return 2;
    }
    /* list only reads: it must not create a store where none is */
    ge_store_opts so = {
        .path = cli.cfg.db_path, .srid = cli.cfg.srid, .readonly = strcmp(action, "list") == 0};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_client_cmd, "%s", err.msg);
        return 1;
    }
    if (strcmp(action, "add") == 0)
        rc = ge_client_add(&cli, store);
    else if (strcmp(action, "list") == 0)
        rc = ge_client_list(store);
    else
        rc = ge_client_revoke(cli.args[1], store);
    ge_store_close(store);
    return rc;
}
