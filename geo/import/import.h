/*
 * import.h - reading any OGR source into the store's reference layers.
 *
 * A layer mapping file (JSON, in data/layers/) says which source layers and
 * features make which reference layer, which attributes become properties,
 * and which layers are derived (street space buffered from road centrelines,
 * junctions from the road network, the boundary from administrative areas).
 * Everything is reprojected (GDAL/OGR on PROJ) into the store's metric CRS and
 * written in one ge_import_batch, so a failed import leaves the old data intact.
 */
#ifndef GE_IMPORT_H
#define GE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

typedef struct ge_import_opts {
    /* OGR data source names (files, or "WFS:..." etc.). A local file ending in
     * .gz, .zip, .tar, .tgz or .tar.gz is read through GDAL's /vsigzip/,
     * /vsizip/ or /vsitar/ (an archive: the one file in it GDAL can read);
     * .bz2, .xz and .7z are refused with a message saying to decompress. */
    const char *const *sources;
    size_t nsources;
    const char *mapping_path;  /* layer mapping file */
    const char *boundary_path; /* optional: an OGR source whose polygons are the boundary */
    const char *attribution;   /* optional: overrides the mapping's attribution (own data) */
    /* Progress and report lines ("hydrants: 46 features"), or NULL for none.
     * `final` is false for transient progress lines that a terminal may overwrite. */
    void (*report)(void *ud, bool final, const char *line);
    /* Warnings that need the operator ("boundary: the boundary holds only 40 %
     * of the imported features ..."), or NULL; also noted in the layer's
     * report line. Called with report_ud. */
    void (*warn)(void *ud, const char *line);
    void *report_ud;
} ge_import_opts;

typedef struct ge_import_layer_result {
    char layer[64];
    int64_t count;
    bool missing;   /* the source had nothing for it: reported, not fatal */
    char note[256]; /* e.g. "derived from 2,112 centrelines and 13 area:highway polygons" */
} ge_import_layer_result;

typedef struct ge_import_result {
    ge_import_layer_result *layers; /* free with ge_import_result_free */
    size_t nlayers;
} ge_import_result;

/* now: the import's time, recorded as its layers' imported_at. */
int ge_import_run(ge_store *st, const ge_import_opts *opts, time_t now, ge_import_result *res,
                  ge_err *err);
void ge_import_result_free(ge_import_result *res);

#endif
