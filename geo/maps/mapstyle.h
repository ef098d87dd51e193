/*
 * mapstyle.h - MapLibre style documents (the .json files of styles/) as the server uses
 * them: loaded once from a folder, served with their URLs made absolute, and
 * read by the static map renderer so that a PNG and the browser map draw
 * with the same colours and widths and cannot drift apart.
 *
 * The renderer needs only a small, checked subset of the style language,
 * the subset our own styles are written in:
 *   filters:  ["all"|"any", f...], ["!", f], ["==" | "!=", a, b],
 *             ["in", a, ["literal", [..]]]
 *   values:   literals, ["get", key], ["geometry-type"], ["zoom"],
 *             ["match", input, label|[labels], output, ..., fallback],
 *             ["interpolate", ["linear"] | ["exponential", base], ["zoom"], z, v, ...]
 *   colours:  "#rgb", "#rrggbb", "rgb(r,g,b)", "rgba(r,g,b,a)"
 * Anything else evaluates as "not supported": the filter is false and the
 * value falls back to the property's default, so an unknown construct draws
 * less rather than something wrong. The unit tests check that every
 * expression of the shipped styles is within the subset.
 */
#ifndef GE_MAPSTYLE_H
#define GE_MAPSTYLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct ge_mapstyle {
    char id[64]; /* file name without ".json": "basemap", "overlays", "services" */
    json_t *doc; /* the document as written (root-relative URLs) */
} ge_mapstyle;

typedef struct ge_mapstyles {
    ge_mapstyle *items;
    size_t n;
} ge_mapstyles;

/* True for a style id we accept: [a-z0-9][a-z0-9_-]{0,62}. */
bool ge_mapstyle_id_valid(const char *id);

/* Loads every dir/<id>.json (sorted by id). A missing folder gives an empty
 * set; a file that is not a JSON object with version 8, sources and layers
 * fails with GE_EINVAL naming the file. */
int ge_mapstyles_load_dir(const char *dir, ge_mapstyles *out, ge_err *err);
void ge_mapstyles_free(ge_mapstyles *ss);
const ge_mapstyle *ge_mapstyles_find(const ge_mapstyles *ss, const char *id);

/* A deep copy of doc whose root-relative URLs ("url", "tiles", "sprite",
 * "glyphs" starting with '/') are prefixed with base (no trailing '/').
 * New reference, NULL when out of memory. */
json_t *ge_mapstyle_with_base(const json_t *doc, const char *base);

/* ---- evaluation (the subset above) ----------------------------------------- */

typedef struct ge_mapstyle_feature {
    const json_t *props;       /* object or NULL */
    const char *geometry_type; /* "Point", "LineString", "Polygon", or Multi* */
} ge_mapstyle_feature;

typedef struct ge_rgba {
    double r, g, b, a; /* 0..1, not premultiplied */
} ge_rgba;

/* Does the feature pass the layer's filter (no filter: true)? */
bool ge_mapstyle_filter(const json_t *filter, const ge_mapstyle_feature *f, double zoom);

/* A paint or layout property of a layer at zoom for a feature (f may be
 * NULL for layer-wide values): number or colour, or def when the layer
 * lacks it or it is outside the subset. */
double ge_mapstyle_number(const json_t *layer, const char *group, const char *name,
                          const ge_mapstyle_feature *f, double zoom, double def);
ge_rgba ge_mapstyle_color(const json_t *layer, const char *group, const char *name,
                          const ge_mapstyle_feature *f, double zoom, ge_rgba def);
/* A string property (line-cap, visibility, ...) or def. */
const char *ge_mapstyle_string(const json_t *layer, const char *group, const char *name,
                               const char *def);

/* Parses a CSS colour of the subset; false when it is not one. */
bool ge_mapstyle_parse_color(const char *text, ge_rgba *out);

/* GE_OK when every filter and paint/layout value of doc is within the
 * subset above (what the static map renders faithfully); otherwise
 * GE_EINVAL naming the layer and property. */
int ge_mapstyle_check(const json_t *doc, ge_err *err);

/* Is the layer drawn at zoom (minzoom <= zoom < maxzoom, visible)? */
bool ge_mapstyle_layer_visible(const json_t *layer, double zoom);

#endif
