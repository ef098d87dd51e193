/*
 * mapscale.h - the standard map scales of printed site plans (1:250,
 * 1:500, 1:1000, and coarser ones for large drawings) and which one a
 * drawing is shown at.
 *
 * The rule: the largest scale at which the map frame shows at least
 * GE_MAPSCALE_MIN_GROUND_M of ground on its shorter side (the street with
 * its name and the houses on both sides, so the place can be found) and
 * the drawing with GE_MAPSCALE_MARGIN_M around it on every side. On an A4
 * sheet (a map frame of about 18 x 20 cm) a skip container or an info
 * stand comes out at 1:500 (a 3.5 m skip 7 mm long), a construction site
 * access of 40 m at 1:1000; 1:250 frames are too small for the rule (45 m)
 * and are had by asking for them.
 */
#ifndef GE_MAPSCALE_H
#define GE_MAPSCALE_H

#include <stdbool.h>

#define GE_MAPSCALE_MIN_GROUND_M 60.0
#define GE_MAPSCALE_MARGIN_M     10.0

/* Whether n is one of the scales a caller may ask for: 250, 500, 1000. */
bool ge_mapscale_standard(int n);

/* The scale 1:n for a drawing of w x h metres in a frame of paper_w x
 * paper_h metres (on paper): one of 250, 500, 1000, 2000, 5000, 10000
 * (the last when nothing smaller fits). */
int ge_mapscale_choose(double w, double h, double paper_w, double paper_h);

/* Metres on the ground per device unit at 1:n and dpi units per inch. */
double ge_mapscale_resolution(int n, double dpi);

#endif
