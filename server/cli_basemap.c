/*
 * cli_basemap.c - the base map step of "geoeditor import" (see cli_basemap.h).
 */
#include "cli_basemap.h"

#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "../geo/maps/basemap.h"

int ge_cli_basemap_after_import(ge_store *st, const char *path, bool quiet)
{
    ge_basemap_report rep;
    struct timespec t0, t1;
    ge_err err;

    if (!path[0]) {
        if (!quiet)
            printf("base map: not built (a PostGIS store keeps no files: give it one with "
                   "--basemap FILE)\n");
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ge_basemap_build(st, path, NULL, &rep, &err) < 0) {
        fprintf(stderr,
                "geoeditor import: the layers were imported, but the base map was not "
                "built: %s\n",
                err.msg);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet)
        printf("base map: %zu tiles (zoom %d-%d, %.1f MB) in %.1f s -> %s\n", rep.tiles,
               rep.minzoom, rep.maxzoom, (double)rep.bytes / 1e6,
               (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, path);
    return 0;
}
