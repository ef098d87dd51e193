/*
 * cli_import.c - "geoeditor import": read OGR sources (OSM PBF, GeoPackage,
 * Shapefile, GeoJSON, WFS ...) into the store's reference layers.
 *
 * The import itself lives in geo/import/import.c; this file turns options into a
 * ge_import_opts, shows progress on a terminal, prints the per-layer summary
 * and makes sure that a failed import into a new store leaves no file behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../geo/import/import.h"
#include "../geo/store/store.h"
#include "cli.h"
#include "cli_basemap.h"

static const char *const ge_import_settings[] = {"db",       "basemap",   "srid",
                                                 "data_dir", "log_level", NULL};

static const ge_cli_opt ge_import_opts_table[] = {
    {"mapping", "FILE", "layer mapping (default: DATA_DIR/layers/osm.json)", false},
    {"boundary", "FILE", "take the city boundary from the polygons of this OGR source", false},
    {"attribution", "TEXT", "credit shown on maps for these layers (default: the mapping's)",
     false},
    {"quiet", NULL, "print only errors and warnings", false},
    {0},
};

static const ge_cli_cmd ge_import_cmd = {
    .name = "import",
    .usage = "[options] SOURCE...",
    .summary = "Import reference layers (boundary, street space, hydrants, trees, ...) from\n"
               "any OGR source into the store, reprojected to its metric CRS.",
    .details = "All layers of one import are replaced together in one transaction: readers\n"
               "see the old data until the import commits, and a failed import changes\n"
               "nothing. Layers the source has nothing for are reported, not fatal.\n"
               "A SOURCE ending in .gz, .zip, .tar, .tgz or .tar.gz is read through GDAL's\n"
               "/vsigzip/, /vsizip/ or /vsitar/ (an archive: the one file in it GDAL reads);\n"
               "GDAL cannot read .bz2, .xz or .7z: decompress those first.\n"
               "A warning on standard error says when the boundary holds less than half of\n"
               "the imported features (one district of a larger extract): give the city's\n"
               "outline with --boundary FILE.\n"
               "Example: geoeditor import --db city.sqlite --srid 25833 extract.osm.pbf",
    .settings = ge_import_settings,
    .opts = ge_import_opts_table,
    .min_args = 1,
    .max_args = GE_CLI_MAX_VALUES,
};

typedef struct ge_import_ui {
    bool tty;
    bool quiet;
    bool transient; /* a progress line is on screen and must be cleared */
} ge_import_ui;

/* Warnings go to standard error, also with --quiet. */
static void ge_import_warning(void *ud, const char *line)
{
    ge_import_ui *ui = ud;

    if (ui->transient) {
        fprintf(stderr, "\r\033[K");
        ui->transient = false;
    }
    fflush(stdout);
    fprintf(stderr, "geoeditor import: WARNING: %s\n", line);
}

static void ge_import_report(void *ud, bool final, const char *line)
{
    ge_import_ui *ui = ud;

    if (!final) {
        if (ui->tty && !ui->quiet) {
            fprintf(stderr, "\r\033[K%s", line);
            ui->transient = true;
        }
        return;
    }
    if (ui->transient) {
        fprintf(stderr, "\r\033[K");
        ui->transient = false;
    }
    if (!ui->quiet) printf("%s\n", line);
    fflush(stdout);
}

/* A source that names a local file (not "WFS:...", "/vsicurl/..." and the like). */
static bool ge_import_is_local_path(const char *src)
{
    const char *colon = strchr(src, ':');
    return strncmp(src, "/vsi", 4) != 0 && (!colon || strchr(src, '/') < colon);
}

static void ge_import_remove_store(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

int ge_cli_import(int argc, char **argv)
{
    ge_cli cli;
    bool stop, new_store;
    ge_err err;
    ge_store *store = NULL;
    ge_import_result res = {0};
    ge_import_ui ui = {0};
    char mapping[PATH_MAX + 32];
    struct stat sb;
    struct timespec t0, t1;
    int rc = ge_cli_parse(&ge_import_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    ui.tty = isatty(STDERR_FILENO);
    ui.quiet = ge_cli_flag(&cli, "quiet");
    if (ge_cli_value(&cli, "mapping"))
        snprintf(mapping, sizeof mapping, "%s", ge_cli_value(&cli, "mapping"));
    else
        snprintf(mapping, sizeof mapping, "%s/layers/osm.json", cli.cfg.data_dir);

    /* Check what we can before touching the store, so that a typo in a file
     * name never creates or changes a store. */
    for (size_t i = 0; i < cli.nargs; i++) {
        if (ge_import_is_local_path(cli.args[i]) && access(cli.args[i], R_OK) != 0) {
            ge_cli_fail(&ge_import_cmd, "cannot read source %s: %s", cli.args[i], strerror(errno));
            return 1;
        }
    }
    if (access(mapping, R_OK) != 0) {
        ge_cli_fail(&ge_import_cmd, "cannot read layer mapping %s: %s", mapping, strerror(errno));
        return 1;
    }

    new_store = !ge_store_path_is_postgres(cli.cfg.db_path) && stat(cli.cfg.db_path, &sb) != 0;
    ge_store_opts so = {.path = cli.cfg.db_path, .srid = cli.cfg.srid};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_import_cmd, "%s", err.msg);
        return 1;
    }

    ge_import_opts io = {
        .sources = cli.args,
        .nsources = cli.nargs,
        .mapping_path = mapping,
        .boundary_path = ge_cli_value(&cli, "boundary"),
        .attribution = ge_cli_value(&cli, "attribution"),
        .report = ge_import_report,
        .warn = ge_import_warning,
        .report_ud = &ui,
    };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = ge_import_run(store, &io, ge_cli_now(), &res, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (ui.transient) fprintf(stderr, "\r\033[K");
    if (rc < 0) {
        ge_store_close(store);
        if (new_store) ge_import_remove_store(cli.cfg.db_path);
        ge_cli_fail(&ge_import_cmd, "%s", err.msg);
        return 1;
    }
    if (!ui.quiet) {
        size_t missing = 0;
        for (size_t i = 0; i < res.nlayers; i++)
            missing += res.layers[i].missing;
        printf("imported %zu layers (%zu missing) into %s (EPSG:%d) in %.1f s\n",
               res.nlayers - missing, missing, cli.cfg.db_path, ge_store_srid(store),
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    ge_import_result_free(&res);
    /* The base map is drawn from the layers just committed (cli_basemap.c). */
    char bm_path[PATH_MAX + 32];
    ge_config_basemap_path(&cli.cfg, bm_path, sizeof bm_path);
    rc = ge_cli_basemap_after_import(store, bm_path, ui.quiet);
    ge_store_close(store);
    return rc < 0 ? 1 : 0;
}
