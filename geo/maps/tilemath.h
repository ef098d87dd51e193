/*
 * tilemath.h - the WebMercatorQuad tile matrix set (OGC 17-083r4, the
 * "Google" / XYZ scheme): zoom z has 2^z x 2^z tiles, column x grows east,
 * row y grows south, all in EPSG:3857 metres.
 *
 * Pure arithmetic, no I/O: tile <-> bounds, lon/lat -> tile, and the ranges
 * of tiles that cover a box. The MVT encoder, the dynamic tile handler and
 * the base map builder all use it, so that they agree on every edge.
 */
#ifndef GE_TILEMATH_H
#define GE_TILEMATH_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* Half the side of the Web Mercator square: pi * 6378137 m. */
#define GE_TILEMATH_ORIGIN 20037508.342789244

/* Deepest zoom we serve: OGC WebMercatorQuad lists 0..24; below a
 * centimetre per pixel nothing real is left to show. */
#define GE_TILEMATH_MAX_ZOOM 24

/* Latitude where Web Mercator's square ends (atan(sinh(pi)) in degrees). */
#define GE_TILEMATH_MAX_LAT 85.0511287798066

typedef struct ge_tile {
    int z;
    uint32_t x; /* column, 0 .. 2^z - 1 */
    uint32_t y; /* row, 0 .. 2^z - 1, from the north */
} ge_tile;

/* True when z is in 0..GE_TILEMATH_MAX_ZOOM and x, y are in 0..2^z-1. */
bool ge_tilemath_valid(int z, int64_t x, int64_t y);

/* Tiles per side at zoom z (2^z). */
uint32_t ge_tilemath_matrix_size(int z);

/* The tile's box in EPSG:3857: minx, miny, maxx, maxy. */
void ge_tilemath_bounds(const ge_tile *t, double out[4]);

/* The same box in degrees (west, south, east, north). */
void ge_tilemath_bounds_lonlat(const ge_tile *t, double out[4]);

/* lon/lat (degrees) <-> EPSG:3857 metres; latitudes are clamped to the square. */
void ge_tilemath_lonlat_to_merc(double lon, double lat, double *mx, double *my);
void ge_tilemath_merc_to_lonlat(double mx, double my, double *lon, double *lat);

/* The tile at zoom z that holds the point (lon/lat degrees; clamped to the matrix). */
void ge_tilemath_tile_at(int z, double lon, double lat, ge_tile *out);

/*
 * The range of tiles at zoom z that cover a lon/lat box (west, south, east,
 * north): columns x0..x1, rows y0..y1 inclusive. Fails with GE_EINVAL for a
 * box that is empty or not finite.
 */
int ge_tilemath_cover(int z, const double lonlat_box[4], uint32_t *x0, uint32_t *y0, uint32_t *x1,
                      uint32_t *y1, ge_err *err);

/* Metres of EPSG:3857 per pixel of a tile `extent` pixels wide at zoom z. */
double ge_tilemath_resolution(int z, int extent);

/* MBTiles stores rows in TMS order (from the south): y' = 2^z - 1 - y. */
uint32_t ge_tilemath_tms_row(int z, uint32_t y);

#endif
