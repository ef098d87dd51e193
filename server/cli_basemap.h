/*
 * cli_basemap.h - the base map step of "geoeditor import": after the
 * layers are committed, render the base map tiles into the MBTiles file
 * beside the store (geo/maps/basemap.h) and report it in the import's style.
 */
#ifndef GE_CLI_BASEMAP_H
#define GE_CLI_BASEMAP_H

#include <stdbool.h>

#include "../geo/store/store.h"

/* Builds the base map file path (ge_config_basemap_path) from st. Prints
 * one summary line unless quiet; on failure prints why on stderr and returns
 * -1 (the imported layers stay committed either way). An empty path (a
 * PostGIS store without the basemap setting) builds nothing and says so. */
int ge_cli_basemap_after_import(ge_store *st, const char *path, bool quiet);

#endif
