/*
 * cli_basemap.h - the base map step of "geoeditor import": after the
 * layers are committed, render the base map tiles into the MBTiles file
 * beside the store (geo/maps/basemap.h) and report it in the import's style.
 */
#ifndef GE_CLI_BASEMAP_H
#define GE_CLI_BASEMAP_H

#include <stdbool.h>

#include "../geo/store/store.h"

/* Builds <db_path>.basemap.mbtiles from st. Prints one summary line unless
 * quiet; on failure prints why on stderr and returns -1 (the imported layers
 * stay committed either way). */
int ge_cli_basemap_after_import(ge_store *st, const char *db_path, bool quiet);

#endif
