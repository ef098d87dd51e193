/*
 * tilemath.c - WebMercatorQuad arithmetic (see tilemath.h).
 *
 * Bounds are computed from integers (origin + k * side) rather than by
 * adding up tile widths, so that neighbouring tiles share exactly the same
 * edge value and a feature on an edge is clipped the same way from both.
 */
#include "tilemath.h"

#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define GE_TILEMATH_R 6378137.0

bool ge_tilemath_valid(int z, int64_t x, int64_t y)
{
    if (z < 0 || z > GE_TILEMATH_MAX_ZOOM) return false;
    int64_t n = (int64_t)1 << z;
    return x >= 0 && x < n && y >= 0 && y < n;
}

uint32_t ge_tilemath_matrix_size(int z)
{
    return (uint32_t)1 << z;
}

void ge_tilemath_bounds(const ge_tile *t, double out[4])
{
    double side = 2.0 * GE_TILEMATH_ORIGIN / (double)ge_tilemath_matrix_size(t->z);
    out[0] = -GE_TILEMATH_ORIGIN + side * (double)t->x;
    out[2] = -GE_TILEMATH_ORIGIN + side * (double)(t->x + 1);
    out[3] = GE_TILEMATH_ORIGIN - side * (double)t->y;
    out[1] = GE_TILEMATH_ORIGIN - side * (double)(t->y + 1);
}

void ge_tilemath_lonlat_to_merc(double lon, double lat, double *mx, double *my)
{
    if (lat > GE_TILEMATH_MAX_LAT) lat = GE_TILEMATH_MAX_LAT;
    if (lat < -GE_TILEMATH_MAX_LAT) lat = -GE_TILEMATH_MAX_LAT;
    *mx = GE_TILEMATH_R * lon * M_PI / 180.0;
    *my = GE_TILEMATH_R * log(tan(M_PI / 4.0 + lat * M_PI / 360.0));
}

void ge_tilemath_merc_to_lonlat(double mx, double my, double *lon, double *lat)
{
    *lon = mx / GE_TILEMATH_R * 180.0 / M_PI;
    *lat = (2.0 * atan(exp(my / GE_TILEMATH_R)) - M_PI / 2.0) * 180.0 / M_PI;
}

void ge_tilemath_bounds_lonlat(const ge_tile *t, double out[4])
{
    double b[4];
    ge_tilemath_bounds(t, b);
    ge_tilemath_merc_to_lonlat(b[0], b[1], &out[0], &out[1]);
    ge_tilemath_merc_to_lonlat(b[2], b[3], &out[2], &out[3]);
}

/* Column or row index of a coordinate in 0..1 of the square, clamped. */
static uint32_t ge_tilemath_index(int z, double frac)
{
    double n = (double)ge_tilemath_matrix_size(z);
    double i = floor(frac * n);
    if (!(i >= 0.0)) /* also NaN */
        return 0;
    if (i > n - 1.0) return (uint32_t)(n - 1.0);
    return (uint32_t)i;
}

void ge_tilemath_tile_at(int z, double lon, double lat, ge_tile *out)
{
    double mx, my;
    ge_tilemath_lonlat_to_merc(lon, lat, &mx, &my);
    out->z = z;
    out->x = ge_tilemath_index(z, (mx + GE_TILEMATH_ORIGIN) / (2.0 * GE_TILEMATH_ORIGIN));
    out->y = ge_tilemath_index(z, (GE_TILEMATH_ORIGIN - my) / (2.0 * GE_TILEMATH_ORIGIN));
}

int ge_tilemath_cover(int z, const double b[4], uint32_t *x0, uint32_t *y0, uint32_t *x1,
                      uint32_t *y1, ge_err *err)
{
    ge_tile nw, se;

    for (int i = 0; i < 4; i++)
        if (!isfinite(b[i]))
            return ge_err_set(err, GE_EINVAL, "tile cover: box coordinate %d is not finite", i);
    if (b[0] > b[2] || b[1] > b[3])
        return ge_err_set(err, GE_EINVAL, "tile cover: empty box (%g,%g,%g,%g)", b[0], b[1], b[2],
                          b[3]);
    if (z < 0 || z > GE_TILEMATH_MAX_ZOOM)
        return ge_err_set(err, GE_EINVAL, "tile cover: zoom %d is outside 0..%d", z,
                          GE_TILEMATH_MAX_ZOOM);
    ge_tilemath_tile_at(z, b[0], b[3], &nw);
    ge_tilemath_tile_at(z, b[2], b[1], &se);
    *x0 = nw.x;
    *y0 = nw.y;
    *x1 = se.x;
    *y1 = se.y;
    return GE_OK;
}

double ge_tilemath_resolution(int z, int extent)
{
    return 2.0 * GE_TILEMATH_ORIGIN / (double)ge_tilemath_matrix_size(z) / (double)extent;
}

uint32_t ge_tilemath_tms_row(int z, uint32_t y)
{
    return ge_tilemath_matrix_size(z) - 1u - y;
}
