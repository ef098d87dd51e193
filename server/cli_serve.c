/*
 * cli_serve.c - "geoeditor serve": open the store and run the HTTP server
 * until SIGTERM or SIGINT, then close the store cleanly.
 */
#include <stdio.h>
#include <string.h>

#include "../geo/store/store.h"
#include "cli.h"
#include "log.h"
#include "server.h"

static const ge_cli_opt ge_serve_opts[] = {{0}};

static const ge_cli_cmd ge_serve_cmd = {
    .name = "serve",
    .usage = "[options]",
    .summary = "Run the geoEDITOR HTTP server on the store given by --db.",
    .details = "The server answers the OGC API, the validation and form-server API, the\n"
               "editor and the review app. SIGTERM or SIGINT stop it gracefully: running\n"
               "requests finish (up to --shutdown-grace seconds), then the store is closed.",
    .settings = NULL,
    .opts = ge_serve_opts,
    .min_args = 0,
    .max_args = 0,
};

int ge_cli_serve(int argc, char **argv)
{
    ge_cli cli;
    bool stop;
    ge_err err;
    ge_store *store = NULL;
    int rc = ge_cli_parse(&ge_serve_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    ge_store_opts so = {.path = cli.cfg.db_path,
                        .srid = cli.cfg.srid,
                        .cache_kib = (int)(cli.cfg.store_cache_bytes >> 10)};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_serve_cmd, "%s", err.msg);
        return 1;
    }
    ge_log(GE_LOG_INFO, "store opened", "{s:s, s:i, s:i}", "db", ge_store_name(store), "srid",
           ge_store_srid(store), "schema_version", ge_store_schema_version(store));
    rc = ge_server_run(&cli.cfg, store, &err);
    if (rc < 0) ge_cli_fail(&ge_serve_cmd, "%s", err.msg);
    ge_store_close(store);
    if (rc >= 0) ge_log(GE_LOG_INFO, "store closed", NULL);
    return rc < 0 ? 1 : 0;
}
