/*
 * rules_layers.c - rules that judge a drawing against reference layers:
 * inside (within the union of layers), outside (not overlapping), minimum
 * and maximum distance.
 *
 * Every check starts with an STRtree query over a box around the feature
 * (grown by the rule's distance), so the cost depends on what is near the
 * drawing, never on the size of the layer; only max_distance, when nothing is
 * within the limit, asks the tree for the nearest item (a best-first search,
 * still not a scan) to say how far off the drawing is. Big items (the city
 * boundary, long street-space polygons) are tested through this thread's
 * prepared copy; small ones with plain GEOS predicates.
 */
#include "geos_ctx.h"
#include "rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GR_MAX_LAYERS 16

/* The rule's layers that the snapshot holds; reports the rule as unchecked
 * (and returns 0) when it holds none of them. */
static size_t gr_rule_layers(gr_ctx *c, const ge_rule *r, const gr_feature *f,
                             const ge_reflayer **out, int *rc)
{
    char names[200] = "";
    char de[300], en[300];
    size_t n = 0;

    *rc = GE_OK;
    for (size_t i = 0; i < r->nlayers && n < GR_MAX_LAYERS; i++) {
        const ge_reflayer *l = c->snap ? ge_refsnap_layer(c->snap, r->layers[i]) : NULL;
        if (l) out[n++] = l;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'", i ? ", " : "",
                 r->layers[i]);
    }
    if (n == 0) {
        snprintf(de, sizeof de, "Referenzdaten fehlen (%s); die Regel wurde nicht geprüft.", names);
        snprintf(en, sizeof en, "Reference data is missing (%s); the rule was not checked.", names);
        *rc = gr_unchecked(c, r, (long)f->index, de, en);
    }
    return n;
}

static int gr_query(gr_ctx *c, const gr_feature *f, const ge_reflayer **layers, size_t nl,
                    double grow, ge_refhits *hits)
{
    for (size_t i = 0; i < nl; i++) {
        int rc = ge_reflayer_query(c->h, layers[i], f->minx - grow, f->miny - grow, f->maxx + grow,
                                   f->maxy + grow, hits, c->err);
        if (rc < 0) return rc;
    }
    return GE_OK;
}

static const ge_refitem *gr_nearest(gr_ctx *c, const ge_reflayer **layers, size_t nl,
                                    const GEOSGeometry *g, double *dist)
{
    const ge_refitem *best = NULL;

    for (size_t i = 0; i < nl; i++) {
        double d;
        const ge_refitem *it = ge_reflayer_nearest(c->h, layers[i], g, &d);
        if (it && (!best || d < *dist)) {
            best = it;
            *dist = d;
        }
    }
    return best;
}

static int gr_geos_fail(gr_ctx *c, const char *what)
{
    const char *why = ge_geos_last_error(c->h);
    return ge_err_set(c->err, GE_EINTERNAL, "%s failed%s%s", what, why[0] ? ": " : "", why);
}

static int gr_distance(gr_ctx *c, const ge_refitem *it, const GEOSGeometry *g, double *d)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    int ok = p ? GEOSPreparedDistance_r(c->h, p, g, d) : GEOSDistance_r(c->h, it->geom, g, d);
    return ok ? GE_OK : gr_geos_fail(c, "distance");
}

static char gr_intersects(gr_ctx *c, const ge_refitem *it, const GEOSGeometry *g)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    return p ? GEOSPreparedIntersects_r(c->h, p, g) : GEOSIntersects_r(c->h, it->geom, g);
}

static char gr_covers(gr_ctx *c, const ge_refitem *it, const GEOSGeometry *g)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    return p ? GEOSPreparedCovers_r(c->h, p, g) : GEOSCovers_r(c->h, it->geom, g);
}

static json_t *gr_ref(const ge_refsnap *s, const ge_refitem *it)
{
    const ge_reflayer *l = ge_refsnap_layer_at(s, it->layer);
    return json_pack("{s:s, s:I}", "layer", l ? ge_reflayer_name(l) : "", "id",
                     (json_int_t)it->fid);
}

/* The shortest line from g to the item: what to highlight for distances. */
static GEOSGeometry *gr_shortest_line(gr_ctx *c, const GEOSGeometry *g, const ge_refitem *it)
{
    GEOSCoordSequence *seq = GEOSNearestPoints_r(c->h, g, it->geom);
    double x0, y0, x1, y1;

    if (!seq) return NULL;
    GEOSCoordSeq_getXY_r(c->h, seq, 0, &x0, &y0);
    GEOSCoordSeq_getXY_r(c->h, seq, 1, &x1, &y1);
    if (x0 == x1 && y0 == y1) {
        GEOSCoordSeq_destroy_r(c->h, seq);
        return GEOSGeom_createPointFromXY_r(c->h, x0, y0);
    }
    return GEOSGeom_createLineString_r(c->h, seq);
}

/* Every vertex of g, appended to a growing buffer. */
static int gr_vertices(gr_ctx *c, const GEOSGeometry *g, double **xy, size_t *n, size_t *cap)
{
    int type = GEOSGeomTypeId_r(c->h, g);

    if (type == GEOS_POLYGON) {
        int rc = gr_vertices(c, GEOSGetExteriorRing_r(c->h, g), xy, n, cap);
        for (int i = 0; rc == GE_OK && i < GEOSGetNumInteriorRings_r(c->h, g); i++)
            rc = gr_vertices(c, GEOSGetInteriorRingN_r(c->h, g, i), xy, n, cap);
        return rc;
    }
    if (type >= GEOS_MULTIPOINT) {
        for (int i = 0; i < GEOSGetNumGeometries_r(c->h, g); i++) {
            int rc = gr_vertices(c, GEOSGetGeometryN_r(c->h, g, i), xy, n, cap);
            if (rc < 0) return rc;
        }
        return GE_OK;
    }
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(c->h, g);
    unsigned size = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(c->h, seq, &size) || size == 0) return GE_OK;
    if (*n + size > *cap) {
        size_t ncap = 2 * (*n + size);
        double *v = realloc(*xy, ncap * 2 * sizeof *v);
        if (!v) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
        *xy = v;
        *cap = ncap;
    }
    GEOSCoordSeq_copyToBuffer_r(c->h, seq, *xy + 2 * *n, 0, 0);
    *n += size;
    return GE_OK;
}

/* How far the part outside sticks out: the largest distance of one of its
 * vertices to the nearest candidate. */
static int gr_stick_out(gr_ctx *c, const GEOSGeometry *rest, const ge_refitem **cands,
                        size_t ncands, double *out)
{
    double *xy = NULL;
    size_t n = 0, cap = 0;
    int rc = gr_vertices(c, rest, &xy, &n, &cap);

    *out = 0;
    for (size_t i = 0; rc == GE_OK && i < n; i++) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, xy[2 * i], xy[2 * i + 1]);
        double best = INFINITY, d;
        if (!pt) {
            rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; rc == GE_OK && k < ncands; k++) {
            rc = gr_distance(c, cands[k], pt, &d);
            if (rc == GE_OK && d < best) best = d;
        }
        GEOSGeom_destroy_r(c->h, pt);
        if (best > *out) *out = best;
    }
    free(xy);
    return rc;
}

int gr_check_inside(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_reflayer *layers[GR_MAX_LAYERS];
    const GEOSGeometry *g = f->fixed ? f->fixed : f->geom;
    const ge_refitem *nearest = NULL;
    ge_refhits hits = {0};
    GEOSGeometry *rest = NULL, *next;
    gr_violation v = {.rule = r, .feature = (long)f->index, .bound = GR_BOUND_MAX};
    double stick = 0, d;
    size_t nl;
    int rc;

    nl = gr_rule_layers(c, r, f, layers, &rc);
    if (nl == 0) return rc;
    rc = gr_query(c, f, layers, nl, r->tolerance, &hits);
    if (rc < 0) goto out;
    /* Fast path: one item covers the whole feature (the usual case). */
    for (size_t i = 0; i < hits.n; i++)
        if (gr_covers(c, hits.v[i], g) == 1) goto out;
    /* Slow path: take away every item it overlaps; what remains is outside. */
    rest = GEOSGeom_clone_r(c->h, g);
    for (size_t i = 0; rest && i < hits.n && !GEOSisEmpty_r(c->h, rest); i++) {
        if (gr_intersects(c, hits.v[i], rest) != 1) continue;
        next = GEOSDifference_r(c->h, rest, hits.v[i]->geom);
        GEOSGeom_destroy_r(c->h, rest);
        rest = next;
    }
    if (!rest) {
        rc = gr_geos_fail(c, "difference");
        goto out;
    }
    if (GEOSisEmpty_r(c->h, rest) == 1) goto out;
    if (hits.n) {
        rc = gr_stick_out(c, rest, hits.v, hits.n, &stick);
    } else {
        nearest = gr_nearest(c, layers, nl, g, &d);
        if (!nearest) {
            rc = gr_unchecked(c, r, (long)f->index, "Die Referenzdaten sind leer.",
                              "The reference data is empty.");
            goto out;
        }
        rc = gr_stick_out(c, rest, &nearest, 1, &stick);
    }
    if (rc < 0 || stick <= r->tolerance + GR_EPS) goto out; /* slivers from drawing precision */
    v.has_measured = true;
    v.measured = stick;
    v.highlight = rest;
    rest = NULL;
    rc = gr_emit(c, &v);
out:
    if (rest) GEOSGeom_destroy_r(c->h, rest);
    ge_refhits_free(&hits);
    return rc;
}

int gr_check_outside(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_reflayer *layers[GR_MAX_LAYERS];
    const GEOSGeometry *g = f->fixed ? f->fixed : f->geom;
    ge_refhits hits = {0};
    GEOSGeometry **parts = NULL;
    size_t nparts = 0, nl;
    gr_violation v = {.rule = r, .feature = (long)f->index, .bound = GR_BOUND_MAX};
    double total = 0;
    int rc, best_dim = -1;

    nl = gr_rule_layers(c, r, f, layers, &rc);
    if (nl == 0) return rc;
    rc = gr_query(c, f, layers, nl, 0, &hits);
    if (rc < 0) goto out;
    parts = calloc(hits.n + 1, sizeof *parts);
    if (!parts) {
        rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        int idim, od;
        double size = 0;
        GEOSGeometry *part;

        if (gr_intersects(c, it, g) != 1) continue;
        idim = GEOSGeom_getDimensions_r(c->h, it->geom);
        od = idim < f->dim ? idim : f->dim; /* what the overlap can be at most */
        part = GEOSIntersection_r(c->h, g, it->geom);
        if (!part) {
            rc = gr_geos_fail(c, "intersection");
            goto out;
        }
        if (od == 2)
            GEOSArea_r(c->h, part, &size);
        else if (od == 1)
            GEOSLength_r(c->h, part, &size);
        /* Touching along an edge, or a sliver from drawing precision, is no
         * overlap; a point drawn on a building always is. */
        if (GEOSisEmpty_r(c->h, part) == 1 || (od > 0 && size <= r->tolerance)) {
            GEOSGeom_destroy_r(c->h, part);
            continue;
        }
        if (nparts == 0) v.ref = gr_ref(c->snap, it);
        parts[nparts++] = part;
        if (od > best_dim) {
            best_dim = od;
            total = 0;
        }
        if (od == best_dim) total += size;
    }
    if (nparts == 0) goto out;
    if (best_dim > 0) {
        v.has_measured = true;
        v.measured = total;
        v.unit = best_dim == 2 ? "m2" : "m";
    }
    if (nparts == 1) {
        v.highlight = parts[0];
    } else {
        GEOSGeometry *coll =
            GEOSGeom_createCollection_r(c->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)nparts);
        v.highlight = coll ? GEOSUnaryUnion_r(c->h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(c->h, coll);
        else
            for (size_t i = 0; i < nparts; i++)
                GEOSGeom_destroy_r(c->h, parts[i]);
    }
    nparts = 0;
    rc = gr_emit(c, &v); /* takes highlight and ref */
    v.ref = NULL;
out:
    for (size_t i = 0; i < nparts; i++)
        GEOSGeom_destroy_r(c->h, parts[i]);
    free(parts);
    json_decref(v.ref);
    ge_refhits_free(&hits);
    return rc;
}

/* The nearest of the candidates to g. */
static int gr_nearest_of(gr_ctx *c, const ge_refhits *hits, const GEOSGeometry *g,
                         const ge_refitem **best, double *best_d)
{
    *best = NULL;
    *best_d = INFINITY;
    for (size_t i = 0; i < hits->n; i++) {
        double d;
        int rc = gr_distance(c, hits->v[i], g, &d);
        if (rc < 0) return rc;
        if (d < *best_d) {
            *best_d = d;
            *best = hits->v[i];
        }
    }
    return GE_OK;
}

/* The distance to the nearest item, reported as breaking the rule's bound;
 * the highlight is the shortest line to that item. */
static int gr_emit_distance(gr_ctx *c, const ge_rule *r, const gr_feature *f, int bound,
                            const ge_refitem *item, double d)
{
    gr_violation v = {
        .rule = r, .feature = (long)f->index, .bound = bound, .has_measured = true, .measured = d};

    v.highlight = gr_shortest_line(c, f->geom, item);
    v.ref = gr_ref(c->snap, item);
    return gr_emit(c, &v);
}

/* The nearest item of the rule's layers among those within grow of f's box;
 * *nl is 0 (and the rule reported unchecked) when no layer is loaded. */
static int gr_nearest_within(gr_ctx *c, const ge_rule *r, const gr_feature *f, double grow,
                             const ge_reflayer **layers, size_t *nl, const ge_refitem **best,
                             double *best_d)
{
    ge_refhits hits = {0};
    int rc;

    *best = NULL;
    *nl = gr_rule_layers(c, r, f, layers, &rc);
    if (*nl == 0) return rc;
    rc = gr_query(c, f, layers, *nl, grow, &hits);
    if (rc == GE_OK) rc = gr_nearest_of(c, &hits, f->geom, best, best_d);
    ge_refhits_free(&hits);
    return rc;
}

int gr_check_min_distance(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_reflayer *layers[GR_MAX_LAYERS];
    const ge_refitem *best;
    double best_d;
    size_t nl;
    /* Only what lies within the limit can break it. */
    int rc = gr_nearest_within(c, r, f, r->min + GR_EPS, layers, &nl, &best, &best_d);

    if (rc < 0 || !best || best_d >= r->min - GR_EPS) return rc;
    return gr_emit_distance(c, r, f, GR_BOUND_MIN, best, best_d);
}

int gr_check_max_distance(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_reflayer *layers[GR_MAX_LAYERS];
    const ge_refitem *best;
    double best_d;
    size_t nl;
    int rc = gr_nearest_within(c, r, f, r->max + GR_EPS, layers, &nl, &best, &best_d);

    if (rc < 0 || nl == 0 || (best && best_d <= r->max + GR_EPS)) return rc;
    /* Nothing within the limit: how far is the nearest one? */
    best = gr_nearest(c, layers, nl, f->geom, &best_d);
    if (!best)
        return gr_unchecked(c, r, (long)f->index, "Die Referenzdaten sind leer.",
                            "The reference data is empty.");
    return gr_emit_distance(c, r, f, GR_BOUND_MAX, best, best_d);
}
