/*
 * import_derive.h - reference layers computed from other features during an
 * import (GEOS, reentrant API, the import's own context): the boundary, the
 * public street space, road junctions, cycle lanes beside their roads and
 * address points.
 *
 * Inputs and outputs are lists of features already in the store CRS (metres)
 * and valid. The derivations read OSM tags by their GDAL column names
 * (data/layers/osmconf.ini launders "sidewalk:left" to "sidewalk_left").
 */
#ifndef GE_IMPORT_DERIVE_H
#define GE_IMPORT_DERIVE_H

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "import_mapping.h"

/* A feature being imported: a GEOS geometry in the store CRS and its
 * source attributes (or, for outputs, its properties). Both owned. */
typedef struct ge_import_feature {
    GEOSGeometry *geom;
    json_t *attrs;
} ge_import_feature;

typedef struct ge_import_features {
    ge_import_feature *v;
    size_t n, cap;
} ge_import_features;

/* Appends, taking ownership of both (also on failure, when they are freed). */
int ge_import_features_push(GEOSContextHandle_t gh, ge_import_features *fs, GEOSGeometry *g,
                            json_t *attrs);
void ge_import_features_clear(GEOSContextHandle_t gh, ge_import_features *fs);

/* What a derivation needs besides its inputs. */
typedef struct ge_import_derive_ctx {
    GEOSContextHandle_t gh;
    const char *geos_error; /* the context's last error message */
    const ge_import_mapping *map;
    const ge_import_layer_map *layer;
    char note[256]; /* set by the derivation: how the layer was made */
} ge_import_derive_ctx;

/*
 * The boundary: of the polygons in `in` that carry a numeric level
 * (layer->level_field, default admin_level), those of the lowest level,
 * unioned into one feature. A level whose union is far larger than the data
 * (more than 4 times the area of `extent`, when given) is passed over: an
 * extract that kept a whole state's relation still gets the town. With
 * level_field "" every polygon counts (a --boundary file).
 * Nothing in `in`: nothing out (the caller falls back to the data extent).
 */
int ge_import_derive_boundary(ge_import_derive_ctx *dx, const ge_import_features *in,
                              const char *level_field, const double *extent,
                              ge_import_features *out, ge_err *err);

/* The public street space: each centreline buffered by half its width (see
 * ge_import_road_width), widened by tagged sidewalks on their side, unioned
 * with the street-area polygons in `areas`; one feature per polygon. */
int ge_import_derive_street_space(ge_import_derive_ctx *dx, const ge_import_features *lines,
                                  const ge_import_features *areas, ge_import_features *out,
                                  ge_err *err);

/* Junctions of the road network: the lines are noded by a unary union; a
 * node where at least layer->min_degree line ends meet and that is a vertex
 * of the input (roads share a node there, rather than crossing on a bridge)
 * becomes a point with props {degree, names}. */
int ge_import_derive_junctions(ge_import_derive_ctx *dx, const ge_import_features *lines,
                               ge_import_features *out, ge_err *err);

/* Cycleways: the separate ways (`ways`, kind "cycleway") as they are, plus
 * cycle lanes and tracks tagged on roads (`lanes`: cycleway, cycleway:both,
 * :left, :right = lane|track) as lines offset to their side of the
 * centreline. Props: the layer's mapped properties plus kind and side. */
int ge_import_derive_cycleways(ge_import_derive_ctx *dx, const ge_import_features *ways,
                               const ge_import_features *lanes, ge_import_features *out,
                               ge_err *err);

/* Addresses: address points plus a point on the surface of each addressed
 * area, props mapped plus "label" ("Straße 12"); an address repeated within
 * 50 m (a node inside its addressed building) is kept once. */
int ge_import_derive_addresses(ge_import_derive_ctx *dx, const ge_import_features *points,
                               const ge_import_features *areas, ge_import_features *out,
                               ge_err *err);

/* The carriageway width of a road from its attributes: `width` when tagged
 * (metres), else `lanes` * lane_width, else the mapping's default for its
 * class (`highway`), else the fallback. *how (may be NULL) says which:
 * 0 width, 1 lanes, 2 class default, 3 fallback. */
double ge_import_road_width(const ge_import_mapping *m, const json_t *attrs, int *how);

#endif
