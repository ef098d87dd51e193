/*
 * mapscale.c - standard site-plan scales and the choice among them
 * (mapscale.h).
 */
#include "mapscale.h"

#include <math.h>
#include <stddef.h>

static const int ge_mapscale_steps[] = {250, 500, 1000, 2000, 5000, 10000};
#define GE_MAPSCALE_NSTEPS (sizeof ge_mapscale_steps / sizeof ge_mapscale_steps[0])

bool ge_mapscale_standard(int n)
{
    return n == 250 || n == 500 || n == 1000;
}

int ge_mapscale_choose(double w, double h, double paper_w, double paper_h)
{
    for (size_t i = 0; i < GE_MAPSCALE_NSTEPS; i++) {
        double n = ge_mapscale_steps[i], gw = paper_w * n, gh = paper_h * n;
        if (fmin(gw, gh) >= GE_MAPSCALE_MIN_GROUND_M && w + 2 * GE_MAPSCALE_MARGIN_M <= gw &&
            h + 2 * GE_MAPSCALE_MARGIN_M <= gh)
            return ge_mapscale_steps[i];
    }
    return ge_mapscale_steps[GE_MAPSCALE_NSTEPS - 1];
}

double ge_mapscale_resolution(int n, double dpi)
{
    return n * 0.0254 / dpi;
}
