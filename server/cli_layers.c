/*
 * cli_layers.c - "geoeditor layers": list the reference layers in a store,
 * so that GIS staff can check an import without a GIS.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../geo/store/store.h"
#include "cli.h"

static const char *const ge_layers_settings[] = {"db", "srid", "data_dir", "log_level", NULL};
static const ge_cli_opt ge_layers_opts[] = {{0}};

static const ge_cli_cmd ge_layers_cmd = {
    .name = "layers",
    .usage = "[options]",
    .summary = "List the reference layers of the store with feature counts and extents.",
    .settings = ge_layers_settings,
    .opts = ge_layers_opts,
};

int ge_cli_layers(int argc, char **argv)
{
    ge_cli cli;
    bool stop;
    ge_err err;
    ge_store *store = NULL;
    ge_layer_info *layers = NULL;
    size_t n = 0;
    int rc = ge_cli_parse(&ge_layers_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    ge_store_opts so = {.path = cli.cfg.db_path, .srid = cli.cfg.srid, .readonly = true};
    if (ge_store_open(&store, &so, &err) < 0 || ge_store_layer_list(store, &layers, &n, &err) < 0) {
        ge_cli_fail(&ge_layers_cmd, "%s", err.msg);
        ge_store_close(store);
        return 1;
    }
    char extent_head[48];
    snprintf(extent_head, sizeof extent_head, "extent (EPSG:%d)", ge_store_srid(store));
    printf("%-18s %-16s %9s  %-44s %s\n", "layer", "geometry", "features", extent_head, "imported");
    for (size_t i = 0; i < n; i++) {
        char extent[96];
        snprintf(extent, sizeof extent, "%.0f %.0f %.0f %.0f", layers[i].bbox[0], layers[i].bbox[1],
                 layers[i].bbox[2], layers[i].bbox[3]);
        printf("%-18s %-16s %9lld  %-44s %s\n", layers[i].name, layers[i].geometry_type,
               (long long)layers[i].feature_count, extent, layers[i].imported_at);
    }
    if (n == 0) printf("(no layers: run 'geoeditor import SOURCE')\n");
    free(layers);
    ge_store_close(store);
    return 0;
}
