/*
 * staticmap.c - renders a map PNG with cairo (see staticmap.h for what and
 * why in the store CRS).
 *
 * Steps: frame the features (padded, never closer than min_extent_m, fitted
 * to the image's aspect), evaluate the styles at the Web Mercator zoom that
 * this scale corresponds to (512-pixel tiles, as MapLibre and ol-mapbox-style
 * count zoom), draw each style layer with the store features of its source
 * layer, set street names and house numbers, draw the caller's features, and
 * finish with the map furniture: legend (top left), north arrow (top right),
 * scale bar (bottom left), attribution (bottom right). The PNG gets a pHYs
 * chunk so that a PDF or image viewer places it at its DPI.
 */
#include "staticmap.h"

#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "credit.h"
#include "crs.h"
#include "geos_ctx.h"
#include "mapscale.h"
#include "mapstyle.h"
#include "store_tiles.h"

#define GE_SM_FONT       "DejaVu Sans"
#define GE_SM_MAX_LAYERS 32
#define GE_SM_MAX_LABELS 512

/* The base map's MVT layers that are not named as their store layer
 * (mirrors the table in basemap.c); every other source-layer is a store
 * layer of the same name. */
static const char *const ge_sm_aliases[][2] = {
    {"minor_roads", "roads"},
    {"housenumbers", "addresses"},
};

typedef struct ge_sm_feat {
    GEOSGeometry *g;
    json_t *props;
    const char *gtype;
} ge_sm_feat;

typedef struct ge_sm_layer {
    char name[64];
    ge_sm_feat *v;
    size_t n, cap;
    size_t drawn;
} ge_sm_layer;

typedef struct ge_sm {
    const ge_staticmap_opts *o;
    ge_staticmap_result *r;
    GEOSContextHandle_t h;
    GEOSWKBReader *wkb;
    cairo_t *cr;
    double scale; /* device pixels per CSS pixel */
    double top;   /* the title band's height: the furniture starts below */
    double query[4];
    ge_sm_layer layers[GE_SM_MAX_LAYERS];
    size_t nlayers;
    char sources_drawn[GE_SM_MAX_LAYERS][64];
    size_t nsources_drawn;
    double labels[GE_SM_MAX_LABELS][4]; /* placed label boxes */
    size_t nlabels;
} ge_sm;

int ge_staticmap_check(int width, int height, double dpi, ge_err *err)
{
    if (width < GE_STATICMAP_MIN_SIDE || width > GE_STATICMAP_MAX_SIDE)
        return ge_err_set(err, width > GE_STATICMAP_MAX_SIDE ? GE_ELIMIT : GE_EINVAL,
                          "width %d is not within %d..%d pixels", width, GE_STATICMAP_MIN_SIDE,
                          GE_STATICMAP_MAX_SIDE);
    if (height < GE_STATICMAP_MIN_SIDE || height > GE_STATICMAP_MAX_SIDE)
        return ge_err_set(err, height > GE_STATICMAP_MAX_SIDE ? GE_ELIMIT : GE_EINVAL,
                          "height %d is not within %d..%d pixels", height, GE_STATICMAP_MIN_SIDE,
                          GE_STATICMAP_MAX_SIDE);
    if ((long)width * height > GE_STATICMAP_MAX_PIXELS)
        return ge_err_set(err, GE_ELIMIT,
                          "width x height is %ld pixels, at most %ld (an A4 page at 300 DPI)",
                          (long)width * height, GE_STATICMAP_MAX_PIXELS);
    if (!(dpi >= GE_STATICMAP_MIN_DPI && dpi <= GE_STATICMAP_MAX_DPI))
        return ge_err_set(err, GE_EINVAL, "dpi %g is not within %d..%d", dpi, GE_STATICMAP_MIN_DPI,
                          GE_STATICMAP_MAX_DPI);
    return GE_OK;
}

void ge_staticmap_to_pixel(const ge_staticmap_result *r, double x, double y, double *px, double *py)
{
    *px = (x - r->extent[0]) / r->resolution;
    *py = (r->extent[3] - y) / r->resolution;
}

void ge_staticmap_result_free(ge_staticmap_result *r)
{
    if (!r) return;
    free(r->png);
    r->png = NULL;
    r->png_len = 0;
}

static const char *ge_sm_gtype(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
        return "Point";
    case GEOS_MULTIPOINT:
        return "MultiPoint";
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return "LineString";
    case GEOS_MULTILINESTRING:
        return "MultiLineString";
    case GEOS_POLYGON:
        return "Polygon";
    case GEOS_MULTIPOLYGON:
        return "MultiPolygon";
    default:
        return "GeometryCollection";
    }
}

/* ---- framing ---------------------------------------------------------------- */

static int ge_sm_frame(ge_sm *s, ge_err *err)
{
    const ge_staticmap_opts *o = s->o;
    ge_staticmap_result *r = s->r;
    double b[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    double minside = o->min_extent_m > 0 ? o->min_extent_m : 160, w, h, cx, cy, side, res;

    for (size_t i = 0; i < o->nfeatures; i++) {
        double x0, y0, x1, y1;
        if (!o->features[i].geom || GEOSisEmpty_r(s->h, o->features[i].geom)) continue;
        if (!GEOSGeom_getXMin_r(s->h, o->features[i].geom, &x0) ||
            !GEOSGeom_getYMin_r(s->h, o->features[i].geom, &y0) ||
            !GEOSGeom_getXMax_r(s->h, o->features[i].geom, &x1) ||
            !GEOSGeom_getYMax_r(s->h, o->features[i].geom, &y1))
            continue;
        b[0] = fmin(b[0], x0);
        b[1] = fmin(b[1], y0);
        b[2] = fmax(b[2], x1);
        b[3] = fmax(b[3], y1);
    }
    if (!(b[0] <= b[2] && b[1] <= b[3]))
        return ge_err_set(err, GE_EINVAL, "static map: there is no drawn feature to show");
    /* The features take about half of the frame: enough of the street
     * around them to recognise the place. */
    side = fmax(b[2] - b[0], b[3] - b[1]);
    w = fmax((b[2] - b[0]) + side, minside);
    h = fmax((b[3] - b[1]) + side, minside);
    cx = (b[0] + b[2]) / 2;
    cy = (b[1] + b[3]) / 2;
    res = fmax(w / o->width, h / o->height);
    if (o->scale_denominator != 0) {
        int n = o->scale_denominator;
        if (n < 0)
            n = ge_mapscale_choose(b[2] - b[0], b[3] - b[1], o->width / o->dpi * 0.0254,
                                   (o->height - s->top) / o->dpi * 0.0254);
        r->scale_denominator = n;
        res = ge_mapscale_resolution(n, o->dpi);
    }
    r->resolution = res;
    r->extent[0] = cx - res * o->width / 2;
    r->extent[2] = cx + res * o->width / 2;
    r->extent[1] = cy - res * o->height / 2;
    r->extent[3] = cy + res * o->height / 2;
    r->map = (ge_staticmap_box){0, 0, o->width, o->height};
    /* Line widths reach beyond the frame: query a margin around it. */
    s->query[0] = r->extent[0] - 40 * res * s->scale;
    s->query[1] = r->extent[1] - 40 * res * s->scale;
    s->query[2] = r->extent[2] + 40 * res * s->scale;
    s->query[3] = r->extent[3] + 40 * res * s->scale;
    return GE_OK;
}

/* Zoom and north from the frame's centre in lon/lat. */
static int ge_sm_geodesy(ge_sm *s, ge_err *err)
{
    ge_staticmap_result *r = s->r;
    double cx = (r->extent[0] + r->extent[2]) / 2, cy = (r->extent[1] + r->extent[3]) / 2;
    double ll[2] = {cx, cy}, north[2];
    ge_crs crs;
    int rc = ge_crs_from_epsg(s->o->srid, &crs, err);

    if (rc == GE_OK) rc = ge_crs_transform(&crs, &GE_CRS84, ll, 1, err);
    if (rc < 0) return rc;
    north[0] = ll[0];
    north[1] = ll[1] + 0.01;
    rc = ge_crs_transform(&GE_CRS84, &crs, north, 1, err);
    if (rc < 0) return rc;
    r->north_deg = atan2(north[0] - cx, north[1] - cy) * 180 / M_PI;
    /* MapLibre's zoom: the world is 512 * 2^z CSS pixels around. */
    r->zoom = log2(40075016.686 * cos(ll[1] * M_PI / 180) / (512 * r->resolution * s->scale));
    return GE_OK;
}

/* ---- reference features ----------------------------------------------------- */

static int ge_sm_add_feature(void *ud, int64_t fid, const unsigned char *wkb, size_t len,
                             const char *props)
{
    ge_sm *s = ((void **)ud)[0];
    ge_sm_layer *l = ((void **)ud)[1];
    GEOSGeometry *g;
    (void)fid;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        ge_sm_feat *v = realloc(l->v, cap * sizeof *v);
        if (!v) return GE_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    g = GEOSWKBReader_read_r(s->h, s->wkb, wkb, len);
    if (!g) return 0; /* cannot be drawn; the others still can */
    l->v[l->n].g = g;
    l->v[l->n].props = props ? json_loads(props, 0, NULL) : NULL;
    l->v[l->n].gtype = ge_sm_gtype(s->h, g);
    l->n++;
    return 0;
}

static const char *ge_sm_store_layer(const char *source_layer)
{
    for (size_t i = 0; i < sizeof ge_sm_aliases / sizeof ge_sm_aliases[0]; i++)
        if (strcmp(source_layer, ge_sm_aliases[i][0]) == 0) return ge_sm_aliases[i][1];
    return source_layer;
}

/* The store layer's features in the frame (loaded once); NULL when the store
 * has no such layer. */
static ge_sm_layer *ge_sm_layer_get(ge_sm *s, const char *name, ge_err *err, int *rc)
{
    ge_sm_layer *l;
    void *ud[2];

    *rc = GE_OK;
    for (size_t i = 0; i < s->nlayers; i++)
        if (strcmp(s->layers[i].name, name) == 0) return &s->layers[i];
    if (!s->o->store || s->nlayers == GE_SM_MAX_LAYERS || !ge_store_layer_name_valid(name))
        return NULL;
    l = &s->layers[s->nlayers];
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "%s", name);
    ud[0] = s;
    ud[1] = l;
    *rc = ge_store_tiles_query(s->o->store, name, s->query, NULL, ge_sm_add_feature, ud, err);
    if (*rc == GE_ENOENT) *rc = GE_OK; /* an extract without this layer */
    s->nlayers++;
    if (*rc > 0) *rc = ge_err_set(err, GE_ENOMEM, "static map: out of memory");
    return *rc < 0 ? NULL : l;
}

static void ge_sm_layers_free(ge_sm *s)
{
    for (size_t i = 0; i < s->nlayers; i++) {
        for (size_t j = 0; j < s->layers[i].n; j++) {
            GEOSGeom_destroy_r(s->h, s->layers[i].v[j].g);
            json_decref(s->layers[i].v[j].props);
        }
        free(s->layers[i].v);
    }
    s->nlayers = 0;
}

/* ---- paths and paint -------------------------------------------------------- */

static void ge_sm_path_seq(ge_sm *s, const GEOSCoordSequence *cs, bool close)
{
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(s->h, cs, &n)) return;
    for (unsigned int i = 0; i < n; i++) {
        double x, y, px, py;
        if (!GEOSCoordSeq_getXY_r(s->h, cs, i, &x, &y)) return;
        ge_staticmap_to_pixel(s->r, x, y, &px, &py);
        if (i == 0)
            cairo_move_to(s->cr, px, py);
        else
            cairo_line_to(s->cr, px, py);
    }
    if (close && n) cairo_close_path(s->cr);
}

/* Adds the lines, or the rings of polygons, of g to the current path. */
static void ge_sm_path(ge_sm *s, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(s->h, g);
    if (type == GEOS_LINESTRING || type == GEOS_LINEARRING) {
        ge_sm_path_seq(s, GEOSGeom_getCoordSeq_r(s->h, g), type == GEOS_LINEARRING);
    } else if (type == GEOS_POLYGON) {
        int nh = GEOSGetNumInteriorRings_r(s->h, g);
        ge_sm_path_seq(s, GEOSGeom_getCoordSeq_r(s->h, GEOSGetExteriorRing_r(s->h, g)), true);
        for (int i = 0; i < nh; i++)
            ge_sm_path_seq(s, GEOSGeom_getCoordSeq_r(s->h, GEOSGetInteriorRingN_r(s->h, g, i)),
                           true);
    } else if (type == GEOS_MULTILINESTRING || type == GEOS_MULTIPOLYGON ||
               type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(s->h, g);
        for (int i = 0; i < n; i++)
            ge_sm_path(s, GEOSGetGeometryN_r(s->h, g, i));
    }
}

static void ge_sm_source(cairo_t *cr, ge_rgba c, double opacity)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * opacity);
}

static const ge_rgba ge_sm_black = {0, 0, 0, 1};
static const ge_rgba ge_sm_none = {0, 0, 0, 0};

static void ge_sm_paint_fill(ge_sm *s, const json_t *layer, const ge_mapstyle_feature *f, double z)
{
    ge_rgba c = ge_mapstyle_color(layer, "paint", "fill-color", f, z, ge_sm_black);
    double op = ge_mapstyle_number(layer, "paint", "fill-opacity", f, z, 1);
    ge_rgba oc = ge_mapstyle_color(layer, "paint", "fill-outline-color", f, z, ge_sm_none);

    cairo_set_fill_rule(s->cr, CAIRO_FILL_RULE_EVEN_ODD);
    ge_sm_source(s->cr, c, op);
    if (oc.a > 0) {
        cairo_fill_preserve(s->cr);
        ge_sm_source(s->cr, oc, op);
        cairo_set_line_width(s->cr, s->scale);
        cairo_set_dash(s->cr, NULL, 0, 0);
        cairo_stroke(s->cr);
    } else {
        cairo_fill(s->cr);
    }
}

static void ge_sm_paint_line(ge_sm *s, const json_t *layer, const ge_mapstyle_feature *f, double z)
{
    ge_rgba c = ge_mapstyle_color(layer, "paint", "line-color", f, z, ge_sm_black);
    double op = ge_mapstyle_number(layer, "paint", "line-opacity", f, z, 1);
    double w = ge_mapstyle_number(layer, "paint", "line-width", f, z, 1) * s->scale;
    const char *cap = ge_mapstyle_string(layer, "layout", "line-cap", "butt");
    const char *join = ge_mapstyle_string(layer, "layout", "line-join", "miter");
    const json_t *dash = json_object_get(json_object_get(layer, "paint"), "line-dasharray");
    double d[8];
    size_t nd = 0;

    if (w <= 0) {
        cairo_new_path(s->cr);
        return;
    }
    for (size_t i = 0; json_is_array(dash) && i < json_array_size(dash) && nd < 8; i++)
        d[nd++] = json_number_value(json_array_get(dash, i)) * w;
    cairo_set_dash(s->cr, nd ? d : NULL, (int)nd, 0);
    cairo_set_line_cap(s->cr, strcmp(cap, "round") == 0    ? CAIRO_LINE_CAP_ROUND
                              : strcmp(cap, "square") == 0 ? CAIRO_LINE_CAP_SQUARE
                                                           : CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(s->cr, strcmp(join, "round") == 0   ? CAIRO_LINE_JOIN_ROUND
                               : strcmp(join, "bevel") == 0 ? CAIRO_LINE_JOIN_BEVEL
                                                            : CAIRO_LINE_JOIN_MITER);
    cairo_set_line_width(s->cr, w);
    ge_sm_source(s->cr, c, op);
    cairo_stroke(s->cr);
    cairo_set_dash(s->cr, NULL, 0, 0);
}

static void ge_sm_paint_circle(ge_sm *s, const json_t *layer, const ge_mapstyle_feature *f,
                               double z, double px, double py)
{
    ge_rgba c = ge_mapstyle_color(layer, "paint", "circle-color", f, z, ge_sm_black);
    double op = ge_mapstyle_number(layer, "paint", "circle-opacity", f, z, 1);
    double rad = ge_mapstyle_number(layer, "paint", "circle-radius", f, z, 5) * s->scale;
    double sw = ge_mapstyle_number(layer, "paint", "circle-stroke-width", f, z, 0) * s->scale;
    ge_rgba sc = ge_mapstyle_color(layer, "paint", "circle-stroke-color", f, z, ge_sm_black);

    cairo_new_path(s->cr);
    cairo_arc(s->cr, px, py, rad, 0, 2 * M_PI);
    ge_sm_source(s->cr, c, op);
    if (sw > 0) {
        /* MapLibre strokes outside the radius. */
        cairo_fill(s->cr);
        cairo_arc(s->cr, px, py, rad + sw / 2, 0, 2 * M_PI);
        cairo_set_line_width(s->cr, sw);
        ge_sm_source(s->cr, sc,
                     ge_mapstyle_number(layer, "paint", "circle-stroke-opacity", f, z, 1));
        cairo_stroke(s->cr);
    } else {
        cairo_fill(s->cr);
    }
}

static void ge_sm_points(ge_sm *s, const GEOSGeometry *g, const json_t *layer,
                         const ge_mapstyle_feature *f, double z)
{
    int type = GEOSGeomTypeId_r(s->h, g);
    if (type == GEOS_POINT) {
        double x, y, px, py;
        if (GEOSisEmpty_r(s->h, g) || !GEOSGeomGetX_r(s->h, g, &x) || !GEOSGeomGetY_r(s->h, g, &y))
            return;
        ge_staticmap_to_pixel(s->r, x, y, &px, &py);
        ge_sm_paint_circle(s, layer, f, z, px, py);
    } else if (type == GEOS_MULTIPOINT || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(s->h, g);
        for (int i = 0; i < n; i++)
            ge_sm_points(s, GEOSGetGeometryN_r(s->h, g, i), layer, f, z);
    }
}

/* Draws one feature with one style layer; true when something was drawn. */
static bool ge_sm_draw(ge_sm *s, const json_t *layer, const char *type, const GEOSGeometry *g,
                       const json_t *props, const char *gtype)
{
    ge_mapstyle_feature f = {props, gtype};
    double z = s->r->zoom;
    bool poly = strstr(gtype, "Polygon") != NULL, point = strstr(gtype, "Point") != NULL;

    if (!ge_mapstyle_filter(json_object_get(layer, "filter"), &f, z)) return false;
    if (strcmp(type, "fill") == 0 && poly) {
        ge_sm_path(s, g);
        ge_sm_paint_fill(s, layer, &f, z);
    } else if (strcmp(type, "line") == 0 && !point) {
        ge_sm_path(s, g);
        ge_sm_paint_line(s, layer, &f, z);
    } else if (strcmp(type, "circle") == 0 && point) {
        ge_sm_points(s, g, layer, &f, z);
    } else {
        return false;
    }
    return true;
}

/* Whether what a style layer of `type` drew of g shows in the map frame: a
 * store layer's features are read for a box around the frame, and a line
 * style of an area draws only its outline - the municipal boundary's area
 * covers every frame in the town, its line hardly any. The key lists only
 * what shows. */
static bool ge_sm_shows(ge_sm *s, const char *type, const GEOSGeometry *g, const char *gtype)
{
    const double *e = s->r->extent;
    GEOSGeometry *frame = GEOSGeom_createRectangle_r(s->h, e[0], e[1], e[2], e[3]), *outline = NULL;
    bool shows;

    if (!frame) return true; /* cannot tell: list it, as before */
    if (strcmp(type, "line") == 0 && strstr(gtype, "Polygon")) outline = GEOSBoundary_r(s->h, g);
    shows = GEOSIntersects_r(s->h, outline ? outline : g, frame) == 1;
    if (outline) GEOSGeom_destroy_r(s->h, outline);
    GEOSGeom_destroy_r(s->h, frame);
    return shows;
}

static void ge_sm_mark_drawn(ge_sm *s, const char *source)
{
    for (size_t i = 0; i < s->nsources_drawn; i++)
        if (strcmp(s->sources_drawn[i], source) == 0) return;
    if (s->nsources_drawn < GE_SM_MAX_LAYERS)
        snprintf(s->sources_drawn[s->nsources_drawn++], 64, "%s", source);
}

static bool ge_sm_was_drawn(const ge_sm *s, const char *source)
{
    for (size_t i = 0; i < s->nsources_drawn; i++)
        if (strcmp(s->sources_drawn[i], source) == 0) return true;
    return false;
}

static int ge_sm_style_layer(ge_sm *s, const json_t *style, const json_t *layer, ge_err *err)
{
    const char *type = json_string_value(json_object_get(layer, "type"));
    const char *source = json_string_value(json_object_get(layer, "source"));
    const char *source_layer = json_string_value(json_object_get(layer, "source-layer"));
    const json_t *src;
    int rc = GE_OK;

    if (!type || !ge_mapstyle_layer_visible(layer, s->r->zoom)) return GE_OK;
    if (strcmp(type, "background") == 0) {
        ge_rgba c =
            ge_mapstyle_color(layer, "paint", "background-color", NULL, s->r->zoom, ge_sm_black);
        ge_sm_source(s->cr, c,
                     ge_mapstyle_number(layer, "paint", "background-opacity", NULL, s->r->zoom, 1));
        cairo_paint(s->cr);
        return GE_OK;
    }
    if (!source) return GE_OK;
    src = json_object_get(json_object_get(style, "sources"), source);
    if (s->o->features_source && strcmp(source, s->o->features_source) == 0) {
        for (size_t i = 0; i < s->o->nfeatures; i++) {
            const ge_staticmap_feature *f = &s->o->features[i];
            if (f->geom &&
                ge_sm_draw(s, layer, type, f->geom, f->props, ge_sm_gtype(s->h, f->geom)))
                ge_sm_mark_drawn(s, source);
        }
    } else if (source_layer && json_string_value(json_object_get(src, "type")) &&
               strcmp(json_string_value(json_object_get(src, "type")), "vector") == 0) {
        ge_sm_layer *l = ge_sm_layer_get(s, ge_sm_store_layer(source_layer), err, &rc);
        for (size_t i = 0; l && i < l->n; i++) {
            if (ge_sm_draw(s, layer, type, l->v[i].g, l->v[i].props, l->v[i].gtype)) {
                l->drawn++;
                s->r->drawn++;
                if (!ge_sm_was_drawn(s, source) && ge_sm_shows(s, type, l->v[i].g, l->v[i].gtype))
                    ge_sm_mark_drawn(s, source);
            }
        }
    }
    return rc;
}

/* ---- labels ----------------------------------------------------------------- */

static void ge_sm_font(ge_sm *s, double css_px, bool bold)
{
    cairo_select_font_face(s->cr, GE_SM_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(s->cr, css_px * s->scale);
}

static bool ge_sm_label_reserve(ge_sm *s, double x0, double y0, double x1, double y1)
{
    if (s->nlabels == GE_SM_MAX_LABELS) return false;
    s->labels[s->nlabels][0] = x0;
    s->labels[s->nlabels][1] = y0;
    s->labels[s->nlabels][2] = x1;
    s->labels[s->nlabels][3] = y1;
    s->nlabels++;
    return true;
}

/* Reserves a label box unless it leaves the image or overlaps one placed before. */
static bool ge_sm_label_room(ge_sm *s, double x0, double y0, double x1, double y1)
{
    if (x0 < 0 || y0 < 0 || x1 > s->o->width || y1 > s->o->height) return false;
    for (size_t i = 0; i < s->nlabels; i++) {
        const double *b = s->labels[i];
        if (x0 < b[2] && x1 > b[0] && y0 < b[3] && y1 > b[1]) return false;
    }
    return ge_sm_label_reserve(s, x0, y0, x1, y1);
}

/* Text centred at (x, y), turned by angle, dark on a white halo. */
static void ge_sm_halo_text(ge_sm *s, const char *text, double x, double y, double angle,
                            ge_rgba color)
{
    cairo_text_extents_t te;
    cairo_text_extents(s->cr, text, &te);
    cairo_save(s->cr);
    cairo_translate(s->cr, x, y);
    cairo_rotate(s->cr, angle);
    cairo_move_to(s->cr, -te.width / 2 - te.x_bearing, -te.height / 2 - te.y_bearing);
    cairo_text_path(s->cr, text);
    cairo_set_source_rgba(s->cr, 1, 1, 1, 0.9);
    cairo_set_line_width(s->cr, 3 * s->scale);
    cairo_set_line_join(s->cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(s->cr);
    /* The letters themselves as text, not as a path: in a PDF they stay
     * searchable and copyable (pdftotext finds the street names). */
    cairo_move_to(s->cr, -te.width / 2 - te.x_bearing, -te.height / 2 - te.y_bearing);
    cairo_set_source_rgba(s->cr, color.r, color.g, color.b, color.a);
    cairo_show_text(s->cr, text);
    cairo_restore(s->cr);
}

/* Clips the segment a-b to the box x0..x1, y0..y1 in place (Liang-Barsky);
 * false when nothing of it is inside. */
static bool ge_sm_clip(double *a, double *b, double x0, double y0, double x1, double y1)
{
    double t0 = 0, t1 = 1, dx = b[0] - a[0], dy = b[1] - a[1];
    const double p[4] = {-dx, dx, -dy, dy}, q[4] = {a[0] - x0, x1 - a[0], a[1] - y0, y1 - a[1]};

    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0) return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) {
            if (t > t1) return false;
            if (t > t0) t0 = t;
        } else {
            if (t < t0) return false;
            if (t < t1) t1 = t;
        }
    }
    b[0] = a[0] + t1 * dx;
    b[1] = a[1] + t1 * dy;
    a[0] += t0 * dx;
    a[1] += t0 * dy;
    return true;
}

/* A street name along the longest straight piece of its line inside the map
 * that holds it. */
static void ge_sm_street_label(ge_sm *s, const GEOSGeometry *g, const char *name)
{
    const GEOSCoordSequence *cs;
    unsigned int n = 0;
    double best = 0, bx = 0, by = 0, ba = 0, px0 = 0, py0 = 0;
    cairo_text_extents_t te;

    if (GEOSGeomTypeId_r(s->h, g) == GEOS_MULTILINESTRING) {
        int k = GEOSGetNumGeometries_r(s->h, g);
        for (int i = 0; i < k; i++)
            ge_sm_street_label(s, GEOSGetGeometryN_r(s->h, g, i), name);
        return;
    }
    if (GEOSGeomTypeId_r(s->h, g) != GEOS_LINESTRING) return;
    cs = GEOSGeom_getCoordSeq_r(s->h, g);
    if (!cs || !GEOSCoordSeq_getSize_r(s->h, cs, &n)) return;
    for (unsigned int i = 0; i < n; i++) {
        double x, y, px, py;
        GEOSCoordSeq_getXY_r(s->h, cs, i, &x, &y);
        ge_staticmap_to_pixel(s->r, x, y, &px, &py);
        if (i > 0) {
            /* the part of the segment inside the map: a long street's
             * longest piece is often outside a large-scale frame */
            double a[2] = {px0, py0}, b[2] = {px, py};
            if (ge_sm_clip(a, b, 0, s->top, s->o->width, s->o->height) &&
                hypot(b[0] - a[0], b[1] - a[1]) > best) {
                best = hypot(b[0] - a[0], b[1] - a[1]);
                bx = (a[0] + b[0]) / 2;
                by = (a[1] + b[1]) / 2;
                ba = atan2(b[1] - a[1], b[0] - a[0]);
            }
        }
        px0 = px;
        py0 = py;
    }
    cairo_text_extents(s->cr, name, &te);
    if (best < te.x_advance + 16 * s->scale) return;
    if (ba > M_PI / 2) ba -= M_PI; /* keep the text upright */
    if (ba < -M_PI / 2) ba += M_PI;
    {
        double hw = fabs(cos(ba)) * te.x_advance / 2 + fabs(sin(ba)) * te.height / 2 + 2;
        double hh = fabs(sin(ba)) * te.x_advance / 2 + fabs(cos(ba)) * te.height / 2 + 2;
        /* whole inside the map, never cut by its edge */
        if (bx - hw < 0 || by - hh < s->top || bx + hw > s->o->width || by + hh > s->o->height ||
            !ge_sm_label_room(s, bx - hw, by - hh, bx + hw, by + hh))
            return;
    }
    ge_sm_halo_text(s, name, bx, by, ba, (ge_rgba){0.22, 0.22, 0.24, 1});
}

static int ge_sm_labels(ge_sm *s, ge_err *err)
{
    int rc = GE_OK;
    ge_sm_layer *roads, *addr;

    if (!s->o->store) return GE_OK;
    /* Keep names clear of the map furniture drawn later (its corners). */
    {
        double k = s->scale, wd = s->o->width, ht = s->o->height;
        ge_sm_label_reserve(s, 0, 0, wd, s->top);
        ge_sm_label_reserve(s, 0, s->top, 300 * k, s->top + (20 + 18 * (double)s->o->nlegend) * k);
        ge_sm_label_reserve(s, wd - 52 * k, s->top, wd, s->top + 56 * k);
        ge_sm_label_reserve(s, 0, ht - 48 * k, fmin(wd * 0.25, 160 * k) + 30 * k, ht);
        ge_sm_label_reserve(s, wd - 220 * k, ht - 24 * k, wd, ht);
    }
    if (s->r->zoom >= 14.5) {
        roads = ge_sm_layer_get(s, "roads", err, &rc);
        ge_sm_font(s, 11.5, false);
        for (size_t i = 0; roads && i < roads->n; i++) {
            const char *name = json_string_value(json_object_get(roads->v[i].props, "name"));
            if (name && *name) ge_sm_street_label(s, roads->v[i].g, name);
        }
    }
    if (rc == GE_OK && s->r->zoom >= 17) {
        addr = ge_sm_layer_get(s, "addresses", err, &rc);
        ge_sm_font(s, 9, false);
        for (size_t i = 0; addr && i < addr->n; i++) {
            const char *hn = json_string_value(json_object_get(addr->v[i].props, "housenumber"));
            double x, y, px, py;
            cairo_text_extents_t te;
            if (!hn || !*hn || GEOSGeomTypeId_r(s->h, addr->v[i].g) != GEOS_POINT ||
                !GEOSGeomGetX_r(s->h, addr->v[i].g, &x) || !GEOSGeomGetY_r(s->h, addr->v[i].g, &y))
                continue;
            ge_staticmap_to_pixel(s->r, x, y, &px, &py);
            cairo_text_extents(s->cr, hn, &te);
            if (!ge_sm_label_room(s, px - te.width / 2 - 1, py - te.height / 2 - 1,
                                  px + te.width / 2 + 1, py + te.height / 2 + 1))
                continue;
            ge_sm_halo_text(s, hn, px, py, 0, (ge_rgba){0.42, 0.38, 0.36, 1});
        }
    }
    return rc;
}

/* ---- map furniture ---------------------------------------------------------- */

static void ge_sm_panel(ge_sm *s, const ge_staticmap_box *b)
{
    cairo_new_path(s->cr);
    cairo_rectangle(s->cr, b->x, b->y, b->w, b->h);
    cairo_set_source_rgba(s->cr, 1, 1, 1, 0.88);
    cairo_fill_preserve(s->cr);
    cairo_set_source_rgba(s->cr, 0.55, 0.55, 0.55, 1);
    cairo_set_line_width(s->cr, 0.75 * s->scale);
    cairo_stroke(s->cr);
}

static void ge_sm_text_at(ge_sm *s, const char *text, double x, double baseline)
{
    cairo_move_to(s->cr, x, baseline);
    cairo_show_text(s->cr, text);
}

static void ge_sm_legend_swatch(ge_sm *s, const ge_staticmap_legend *e, double x, double y,
                                double w, double h)
{
    for (size_t k = 0; k < s->o->nstyles; k++) {
        size_t i;
        json_t *layer;
        json_array_foreach(json_object_get(s->o->styles[k], "layers"), i, layer)
        {
            const char *type = json_string_value(json_object_get(layer, "type"));
            const char *source = json_string_value(json_object_get(layer, "source"));
            ge_mapstyle_feature f = {e->props, e->geometry_type};
            double z = s->r->zoom;
            if (!type || !source || strcmp(source, e->source) != 0 ||
                !ge_mapstyle_layer_visible(layer, z) ||
                !ge_mapstyle_filter(json_object_get(layer, "filter"), &f, z))
                continue;
            cairo_new_path(s->cr);
            if (strcmp(type, "fill") == 0 && strstr(e->geometry_type, "Polygon")) {
                cairo_rectangle(s->cr, x, y, w, h);
                ge_sm_paint_fill(s, layer, &f, z);
            } else if (strcmp(type, "line") == 0 && strstr(e->geometry_type, "Polygon")) {
                cairo_rectangle(s->cr, x, y, w, h);
                ge_sm_paint_line(s, layer, &f, z);
            } else if (strcmp(type, "line") == 0 && strstr(e->geometry_type, "LineString")) {
                cairo_move_to(s->cr, x, y + h / 2);
                cairo_line_to(s->cr, x + w, y + h / 2);
                ge_sm_paint_line(s, layer, &f, z);
            } else if (strcmp(type, "circle") == 0 && strstr(e->geometry_type, "Point")) {
                ge_sm_paint_circle(s, layer, &f, z, x + w / 2, y + h / 2);
            }
        }
    }
}

static void ge_sm_legend(ge_sm *s)
{
    double pad = 6 * s->scale, row = 18 * s->scale, sw = 22 * s->scale, sh = 12 * s->scale;
    double width = 0, y;
    size_t shown = 0;
    bool show[64];
    ge_staticmap_box *b = &s->r->legend;

    ge_sm_font(s, 11, false);
    for (size_t i = 0; i < s->o->nlegend && i < 64; i++) {
        const ge_staticmap_legend *e = &s->o->legend[i];
        cairo_text_extents_t te;
        show[i] = e->source && e->label && e->geometry_type && ge_sm_was_drawn(s, e->source);
        if (!show[i]) continue;
        cairo_text_extents(s->cr, e->label, &te);
        width = fmax(width, te.x_advance);
        shown++;
    }
    if (!shown) return;
    *b = (ge_staticmap_box){8 * s->scale, s->top + 8 * s->scale, pad * 3 + sw + width,
                            pad * 2 + row * (double)shown};
    ge_sm_panel(s, b);
    y = b->y + pad;
    for (size_t i = 0; i < s->o->nlegend && i < 64; i++) {
        if (!show[i]) continue;
        ge_sm_legend_swatch(s, &s->o->legend[i], b->x + pad, y + (row - sh) / 2, sw, sh);
        ge_sm_font(s, 11, false);
        cairo_set_source_rgb(s->cr, 0.13, 0.13, 0.13);
        ge_sm_text_at(s, s->o->legend[i].label, b->x + pad * 2 + sw, y + row / 2 + 4 * s->scale);
        y += row;
    }
}

static void ge_sm_scalebar(ge_sm *s)
{
    double target = fmin(s->o->width * 0.25, 160 * s->scale) * s->r->resolution, nice = 1;
    double len, pad = 5 * s->scale, bh = 5 * s->scale, x, y;
    char text[48];
    cairo_text_extents_t te;
    ge_staticmap_box *b = &s->r->scalebar;

    while (nice * 10 <= target)
        nice *= 10;
    if (nice * 5 <= target)
        nice *= 5;
    else if (nice * 2 <= target)
        nice *= 2;
    len = nice / s->r->resolution;
    if (nice >= 1000)
        snprintf(text, sizeof text, "%g km", nice / 1000);
    else
        snprintf(text, sizeof text, "%g m", nice);
    if (s->r->scale_denominator > 0)
        snprintf(text + strlen(text), sizeof text - strlen(text), "   1:%d",
                 s->r->scale_denominator);
    ge_sm_font(s, 10.5, false);
    cairo_text_extents(s->cr, text, &te);
    *b = (ge_staticmap_box){8 * s->scale, s->o->height - 8 * s->scale - (pad * 3 + bh + te.height),
                            pad * 2 + fmax(len, te.x_advance), pad * 3 + bh + te.height};
    ge_sm_panel(s, b);
    x = b->x + pad;
    y = b->y + b->h - pad - bh;
    cairo_set_source_rgb(s->cr, 0.13, 0.13, 0.13);
    ge_sm_text_at(s, text, x, b->y + pad + te.height);
    /* Two halves, black and white, as on topographic maps. */
    cairo_rectangle(s->cr, x, y, len / 2, bh);
    cairo_fill(s->cr);
    cairo_rectangle(s->cr, x + len / 2, y, len / 2, bh);
    cairo_set_source_rgb(s->cr, 1, 1, 1);
    cairo_fill(s->cr);
    cairo_rectangle(s->cr, x, y, len, bh);
    cairo_set_source_rgb(s->cr, 0.13, 0.13, 0.13);
    cairo_set_line_width(s->cr, 0.8 * s->scale);
    cairo_stroke(s->cr);
}

static void ge_sm_north(ge_sm *s)
{
    double size = 34 * s->scale, cx, cy, r = 11 * s->scale;
    ge_staticmap_box *b = &s->r->north;

    *b = (ge_staticmap_box){s->o->width - 8 * s->scale - size, s->top + 8 * s->scale, size,
                            size + 4 * s->scale};
    ge_sm_panel(s, b);
    cx = b->x + size / 2;
    cy = b->y + size / 2 + 6 * s->scale;
    cairo_save(s->cr);
    cairo_translate(s->cr, cx, cy);
    cairo_rotate(s->cr, s->r->north_deg * M_PI / 180);
    /* A half-filled arrowhead pointing to true north. */
    cairo_move_to(s->cr, 0, -r);
    cairo_line_to(s->cr, r * 0.55, r * 0.7);
    cairo_line_to(s->cr, 0, r * 0.35);
    cairo_close_path(s->cr);
    cairo_set_source_rgb(s->cr, 0.13, 0.13, 0.13);
    cairo_fill(s->cr);
    cairo_move_to(s->cr, 0, -r);
    cairo_line_to(s->cr, -r * 0.55, r * 0.7);
    cairo_line_to(s->cr, 0, r * 0.35);
    cairo_close_path(s->cr);
    cairo_set_line_width(s->cr, 0.9 * s->scale);
    cairo_stroke(s->cr);
    cairo_restore(s->cr);
    ge_sm_font(s, 9, true);
    {
        cairo_text_extents_t te;
        cairo_text_extents(s->cr, "N", &te);
        ge_sm_text_at(s, "N", cx - te.width / 2 - te.x_bearing, b->y + te.height + 2 * s->scale);
    }
}

static void ge_sm_attribution(ge_sm *s)
{
    const char *text = s->r->attribution_text;
    double pad = 4 * s->scale;
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    ge_staticmap_box *b = &s->r->attribution;

    if (!text[0]) return;
    ge_sm_font(s, 10, false);
    cairo_text_extents(s->cr, text, &te);
    cairo_font_extents(s->cr, &fe);
    *b =
        (ge_staticmap_box){s->o->width - te.x_advance - 2 * pad, s->o->height - fe.height - 2 * pad,
                           te.x_advance + 2 * pad, fe.height + 2 * pad};
    cairo_rectangle(s->cr, b->x, b->y, b->w, b->h);
    cairo_set_source_rgba(s->cr, 1, 1, 1, 0.85);
    cairo_fill(s->cr);
    cairo_set_source_rgb(s->cr, 0.2, 0.2, 0.2);
    ge_sm_text_at(s, text, b->x + pad, b->y + pad + fe.ascent);
}

/* The attributions of the store layers drawn, each once, in the map's
 * language (credit.h). */
static void ge_sm_collect_attribution(ge_sm *s)
{
    char *out = s->r->attribution_text;
    size_t size = sizeof s->r->attribution_text;

    out[0] = '\0';
    if (s->o->attribution) {
        snprintf(out, size, "%s", s->o->attribution);
        return;
    }
    for (size_t i = 0; i < s->nlayers; i++) {
        ge_layer_info info;
        if (!s->layers[i].drawn ||
            ge_store_layer_get(s->o->store, s->layers[i].name, &info, NULL) != GE_OK)
            continue;
        if (strlen(info.imported_at) >= 10 && strncmp(info.imported_at, s->r->data_date, 10) > 0)
            snprintf(s->r->data_date, sizeof s->r->data_date, "%.10s", info.imported_at);
        char credit[sizeof info.attribution * 2];
        ge_credit_local(info.attribution, s->o->german_credits, credit, sizeof credit);
        if (!credit[0] || strstr(out, credit)) continue;
        snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "; " : "", credit);
    }
    if (s->o->data_date_label && s->r->data_date[0]) {
        const char *d = s->r->data_date;
        char date[16];
        if (s->o->german_dates)
            snprintf(date, sizeof date, "%.2s.%.2s.%.4s", d + 8, d + 5, d);
        else
            snprintf(date, sizeof date, "%s", d);
        snprintf(out + strlen(out), size - strlen(out), "%s%s %s", out[0] ? " \xc2\xb7 " : "",
                 s->o->data_date_label, date);
    }
}

/* The title band across the top of the map. */
static void ge_sm_title(ge_sm *s)
{
    cairo_font_extents_t fe;

    if (!s->o->title || !s->o->title[0]) return;
    cairo_rectangle(s->cr, 0, 0, s->o->width, s->top);
    cairo_set_source_rgba(s->cr, 1, 1, 1, 0.92);
    cairo_fill(s->cr);
    cairo_move_to(s->cr, 0, s->top);
    cairo_line_to(s->cr, s->o->width, s->top);
    cairo_set_source_rgb(s->cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(s->cr, 0.75 * s->scale);
    cairo_stroke(s->cr);
    ge_sm_font(s, 14, true);
    cairo_font_extents(s->cr, &fe);
    cairo_set_source_rgb(s->cr, 0.1, 0.1, 0.1);
    ge_sm_text_at(s, s->o->title, 8 * s->scale, (s->top + fe.ascent - fe.descent) / 2);
}

/* ---- PNG ------------------------------------------------------------------- */

/* cairo's PNG stream into a ge_buf. */
static cairo_status_t ge_sm_write(void *ud, const unsigned char *data, unsigned int len)
{
    return ge_buf_put(ud, data, len) < 0 ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

static void ge_sm_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Inserts a pHYs chunk (pixels per metre) after IHDR, which cairo leaves out. */
static int ge_sm_phys(ge_buf *b, double dpi)
{
    const size_t at = 8 + 25; /* signature, IHDR */
    unsigned char chunk[21] = {0};
    uint32_t ppm = (uint32_t)lround(dpi / 0.0254);

    if (b->len < at || memcmp(b->data + 12, "IHDR", 4) != 0) return GE_EINTERNAL;
    if (ge_sm_write(b, chunk, sizeof chunk) != CAIRO_STATUS_SUCCESS) return GE_ENOMEM;
    memmove(b->data + at + sizeof chunk, b->data + at, b->len - sizeof chunk - at);
    ge_sm_put32(chunk, 9);
    memcpy(chunk + 4, "pHYs", 4);
    ge_sm_put32(chunk + 8, ppm);
    ge_sm_put32(chunk + 12, ppm);
    chunk[16] = 1; /* unit: metre */
    ge_sm_put32(chunk + 17, (uint32_t)crc32(crc32(0, NULL, 0), chunk + 4, 13));
    memcpy(b->data + at, chunk, sizeof chunk);
    return GE_OK;
}

/* ---- render ---------------------------------------------------------------- */

int ge_staticmap_render(const ge_staticmap_opts *o, ge_staticmap_result *out, ge_err *err)
{
    ge_sm *s = calloc(1, sizeof *s);
    cairo_surface_t *surface = NULL;
    ge_buf png = {0};
    int rc;

    memset(out, 0, sizeof *out);
    if (!s) return ge_err_set(err, GE_ENOMEM, "static map: out of memory");
    rc = ge_staticmap_check(o->width, o->height, o->dpi, err);
    if (rc < 0) goto err;
    s->o = o;
    s->r = out;
    s->h = ge_geos_ctx();
    s->scale = o->dpi / 96.0;
    s->wkb = GEOSWKBReader_create_r(s->h);
    if (!s->wkb) {
        rc = ge_err_set(err, GE_ENOMEM, "static map: out of memory");
        goto err;
    }
    s->top = o->title && o->title[0] ? 28 * s->scale : 0;
    rc = ge_sm_frame(s, err);
    if (rc == GE_OK) rc = ge_sm_geodesy(s, err);
    if (rc < 0) goto err;
    if (o->target) {
        s->cr = cairo_reference(o->target);
        cairo_save(s->cr);
        cairo_rectangle(s->cr, 0, 0, o->width, o->height);
        cairo_clip(s->cr);
    } else {
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, o->width, o->height);
        s->cr = cairo_create(surface);
    }
    if (cairo_status(s->cr) != CAIRO_STATUS_SUCCESS) {
        rc = ge_err_set(err, GE_ENOMEM, "static map: cannot make a %dx%d image", o->width,
                        o->height);
        goto err;
    }
    cairo_set_source_rgb(s->cr, 1, 1, 1);
    cairo_paint(s->cr);
    for (size_t k = 0; k < o->nstyles && rc == GE_OK; k++) {
        size_t i;
        json_t *layer;
        bool features = false;
        json_array_foreach(json_object_get(o->styles[k], "layers"), i, layer)
        {
            const char *src = json_string_value(json_object_get(layer, "source"));
            features =
                features || (src && o->features_source && strcmp(src, o->features_source) == 0);
        }
        /* Names go under the drawn features, over everything else. */
        if (features && rc == GE_OK) rc = ge_sm_labels(s, err);
        json_array_foreach(json_object_get(o->styles[k], "layers"), i, layer)
        {
            rc = ge_sm_style_layer(s, o->styles[k], layer, err);
            if (rc < 0) break;
        }
    }
    if (rc < 0) goto err;
    ge_sm_collect_attribution(s);
    ge_sm_title(s);
    ge_sm_legend(s);
    ge_sm_north(s);
    ge_sm_scalebar(s);
    ge_sm_attribution(s);
    if (o->target) {
        cairo_restore(s->cr);
        if (cairo_status(s->cr) != CAIRO_STATUS_SUCCESS)
            rc = ge_err_set(err, GE_EINTERNAL, "static map: cairo: %s",
                            cairo_status_to_string(cairo_status(s->cr)));
        goto err;
    }
    cairo_surface_flush(surface);
    if (cairo_surface_write_to_png_stream(surface, ge_sm_write, &png) != CAIRO_STATUS_SUCCESS) {
        rc = ge_err_set(err, GE_ENOMEM, "static map: cannot encode the PNG");
        goto err;
    }
    rc = ge_sm_phys(&png, o->dpi);
    if (rc < 0) {
        rc = ge_err_set(err, rc, "static map: cannot add the resolution to the PNG");
        goto err;
    }
    out->png = (unsigned char *)ge_buf_steal(&png, &out->png_len);
err:
    free(png.data);
    if (s->cr) cairo_destroy(s->cr);
    if (surface) cairo_surface_destroy(surface);
    ge_sm_layers_free(s);
    if (s->wkb) GEOSWKBReader_destroy_r(s->h, s->wkb);
    free(s);
    return rc;
}
