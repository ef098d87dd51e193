/*
 * rules_layers.c - rules that judge a drawing against reference layers:
 * inside (within the union of layers), outside (not overlapping), minimum
 * and maximum distance.
 *
 * Every check starts with an STRtree query over a box around the feature
 * (grown by the rule's distance), so the cost depends on what is near the
 * drawing, never on the size of the layer; only max_distance (and inside),
 * when nothing is within the limit, look farther for the nearest item, in
 * growing boxes (gr_nearest), to say how far off the drawing is. Big items
 * (the city boundary, long street-space polygons) are tested through this
 * thread's prepared copy; small ones through the feature's prepared copy
 * where the predicate is symmetric, else with plain GEOS predicates.
 * Candidates are measured nearest box first and skipped once their box is
 * farther than the best distance found, which leaves every answer as it was.
 */
#include "budget.h"
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
    }
    if (n > 0) return n;
    /* The names only for the message: this runs for every rule and feature. */
    for (size_t i = 0; i < r->nlayers; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'", i ? ", " : "",
                 r->layers[i]);
    snprintf(de, sizeof de, "Referenzdaten fehlen (%s); die Regel wurde nicht geprüft.", names);
    snprintf(en, sizeof en, "Reference data is missing (%s); the rule was not checked.", names);
    *rc = gr_unchecked(c, r, (long)f->index, GE_TEXT(DE(de), EN(en)));
    return 0;
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

static int gr_geos_fail(gr_ctx *c, const char *what)
{
    const char *why = ge_geos_last_error(c->h);
    return ge_err_set(c->err, GE_EINTERNAL, "%s failed%s%s", what, why[0] ? ": " : "", why);
}

/* The distance of g to the item: through the item's prepared copy when it
 * is big, else through the feature's when g is the feature and both have
 * more than a few vertices (a drawing of thousands of vertices against a
 * road: the prepared side's index makes it n log n instead of n times m;
 * for a point or a small drawing the plain measure is cheaper). */
static int gr_distance(gr_ctx *c, const ge_refitem *it, const gr_feature *f, const GEOSGeometry *g,
                       double *d)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    int ok;

    if (p)
        ok = GEOSPreparedDistance_r(c->h, p, g, d);
    else if (f && f->prep && g == f->geom && f->npoints >= 64 && it->npoints >= 4)
        ok = GEOSPreparedDistance_r(c->h, f->prep, it->geom, d);
    else
        ok = GEOSDistance_r(c->h, it->geom, g, d);
    return ok ? GE_OK : gr_geos_fail(c, "distance");
}

static char gr_intersects(gr_ctx *c, const ge_refitem *it, const GEOSGeometry *g)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    return p ? GEOSPreparedIntersects_r(c->h, p, g) : GEOSIntersects_r(c->h, it->geom, g);
}

/* Does the item meet the feature? Through the item's prepared copy when it
 * is big, else through the feature's (intersects is symmetric). */
static char gr_intersects_feature(gr_ctx *c, const ge_refitem *it, const gr_feature *f)
{
    const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, it);
    if (p) return GEOSPreparedIntersects_r(c->h, p, f->geom);
    if (f->prep) return GEOSPreparedIntersects_r(c->h, f->prep, it->geom);
    return GEOSIntersects_r(c->h, it->geom, f->geom);
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
    /* A ring's last vertex is its first again: measuring it twice cannot
     * change the largest distance. */
    if (type == GEOS_LINEARRING && size > 1) size--;
    if (*n + size > *cap) {
        size_t ncap = 2 * (*n + size);
        double *v = realloc(*xy, ncap * 2 * sizeof *v);
        if (!v) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
        *xy = v;
        *cap = ncap;
    }
    if (type == GEOS_LINEARRING) {
        for (unsigned i = 0; i < size; i++)
            GEOSCoordSeq_getXY_r(c->h, seq, i, *xy + 2 * (*n + i), *xy + 2 * (*n + i) + 1);
    } else {
        GEOSCoordSeq_copyToBuffer_r(c->h, seq, *xy + 2 * *n, 0, 0);
    }
    *n += size;
    return GE_OK;
}

/* The distance between two boxes (0 when they meet): a lower bound of the
 * distance between what they hold, so a candidate whose box is not nearer
 * than the best distance so far cannot be nearer either and is skipped
 * without asking GEOS. The nanometre taken off keeps the bound below GEOS's
 * own rounding of the same distance. */
static double gr_box_distance(double ax0, double ay0, double ax1, double ay1, const ge_refitem *it)
{
    double dx = it->minx > ax1 ? it->minx - ax1 : ax0 > it->maxx ? ax0 - it->maxx : 0;
    double dy = it->miny > ay1 ? it->miny - ay1 : ay0 > it->maxy ? ay0 - it->maxy : 0;
    return sqrt(dx * dx + dy * dy) - 1e-9;
}

/* How far the part outside sticks out: the largest distance of one of its
 * vertices to the nearest candidate. Neighbouring vertices mostly share
 * their nearest candidate, so each vertex first measures the previous one's
 * nearest: its distance then rules out most other candidates by their box
 * alone. */
static int gr_stick_out(gr_ctx *c, const GEOSGeometry *rest, const ge_refitem **cands,
                        size_t ncands, double *out)
{
    double *xy = NULL;
    size_t n = 0, cap = 0, last = 0;
    int rc = gr_vertices(c, rest, &xy, &n, &cap);

    *out = 0;
    for (size_t i = 0; rc == GE_OK && i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1], best = INFINITY, d;
        GEOSGeometry *pt;
        /* vertices x candidates: the one loop of ours that can grow long */
        if (ge_budget_check()) {
            rc = ge_err_set(c->err, GE_EBUDGET, "stopped by the budget");
            break;
        }
        pt = GEOSGeom_createPointFromXY_r(c->h, x, y);
        if (!pt) {
            rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = 0; rc == GE_OK && j < ncands; j++) {
            size_t k = j == 0 ? last : j == last ? 0 : j; /* the previous nearest first */
            if (gr_box_distance(x, y, x, y, cands[k]) >= best) continue;
            rc = gr_distance(c, cands[k], NULL, pt, &d);
            if (rc == GE_OK && d < best) {
                best = d;
                last = k;
            }
        }
        GEOSGeom_destroy_r(c->h, pt);
        if (best > *out) *out = best;
    }
    free(xy);
    return rc;
}

typedef struct gr_cand {
    double lower; /* box distance: no nearer than this */
    const ge_refitem *it;
} gr_cand;

static int gr_cand_cmp(const void *a, const void *b)
{
    const gr_cand *x = a, *y = b;
    return x->lower < y->lower ? -1 : x->lower > y->lower;
}

static bool gr_item_before(const ge_refitem *a, const ge_refitem *b)
{
    return a->layer < b->layer || (a->layer == b->layer && a->index < b->index);
}

/* The item of the layers nearest to g (f's geometry), however far, and its
 * distance; NULL when the layers are empty (*rc stays GE_OK). Queries boxes
 * around the feature, growing from r0: once the nearest item found within a
 * box of radius r is no farther than r, nothing outside can be nearer. The
 * candidates are measured in the order of their boxes' distances, so the
 * search stops at the first box that is farther than the best so far; a tie
 * goes to the item first in layer order. (GEOS's STRtree nearest search
 * measures every item of each leaf it opens: with long road pieces whose
 * boxes overlap, several times as many.) */
static const ge_refitem *gr_nearest(gr_ctx *c, const gr_feature *f, const GEOSGeometry *g,
                                    const ge_reflayer **layers, size_t nl, double r0, double *dist,
                                    int *rc)
{
    const ge_refitem *best = NULL;
    gr_cand *cand = NULL;
    size_t ncap = 0;
    double r = r0 > 1 ? r0 : 1;

    *rc = GE_OK;
    *dist = INFINITY;
    /* 1 m to beyond 1000 km: any layer of a city is found long before */
    for (int round = 0; round < 32 && *rc == GE_OK; round++) {
        ge_refhits hits = {0};
        *rc = gr_query(c, f, layers, nl, r, &hits);
        if (*rc == GE_OK && hits.n > ncap) {
            gr_cand *v = realloc(cand, hits.n * sizeof *v);
            if (!v)
                *rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
            else {
                cand = v;
                ncap = hits.n;
            }
        }
        for (size_t i = 0; *rc == GE_OK && i < hits.n; i++) {
            cand[i].it = hits.v[i];
            cand[i].lower = gr_box_distance(f->minx, f->miny, f->maxx, f->maxy, hits.v[i]);
        }
        if (*rc == GE_OK && hits.n > 1) qsort(cand, hits.n, sizeof *cand, gr_cand_cmp);
        for (size_t i = 0; *rc == GE_OK && i < hits.n && cand[i].lower <= *dist; i++) {
            double d;
            *rc = gr_distance(c, cand[i].it, f, g, &d);
            if (*rc == GE_OK &&
                (d < *dist || (d == *dist && best && gr_item_before(cand[i].it, best)))) {
                *dist = d;
                best = cand[i].it;
            }
        }
        ge_refhits_free(&hits);
        if (best && *dist <= r) break;
        best = NULL; /* found again, with all that may be nearer, in the next box */
        r = isfinite(*dist) && *dist > 2 * r ? *dist : 2 * r;
        *dist = INFINITY;
    }
    free(cand);
    if (*rc < 0) return NULL;
    return best;
}

/* rest minus the item. A big item (a 256-vertex piece of the street space)
 * is first cut to a box around the feature, a metre wider on every side:
 * what lies outside that box cannot take anything away from the feature,
 * and the overlay of a few vertices costs a fraction of the whole piece's.
 * Should GEOS fail on the cut piece, the whole one is used. */
static GEOSGeometry *gr_cut(gr_ctx *c, const gr_feature *f, const ge_refitem *it)
{
    GEOSGeometry *cut = NULL;

    if (it->npoints >= GE_REFINDEX_PREPARE_MIN_POINTS &&
        (it->minx < f->minx - 1 || it->miny < f->miny - 1 || it->maxx > f->maxx + 1 ||
         it->maxy > f->maxy + 1))
        cut = GEOSClipByRect_r(c->h, it->geom, f->minx - 1, f->miny - 1, f->maxx + 1, f->maxy + 1);
    if (cut && GEOSisEmpty_r(c->h, cut) != 0) {
        GEOSGeom_destroy_r(c->h, cut);
        cut = NULL;
    }
    return cut;
}

static GEOSGeometry *gr_difference(gr_ctx *c, const gr_feature *f, const GEOSGeometry *rest,
                                   const ge_refitem *it)
{
    GEOSGeometry *cut = gr_cut(c, f, it), *out = NULL;

    if (cut) out = GEOSDifference_r(c->h, rest, cut);
    if (cut) GEOSGeom_destroy_r(c->h, cut);
    return out ? out : GEOSDifference_r(c->h, rest, it->geom);
}

/* A drawing across many items (a long line over a street space of many
 * pieces, a big area): one difference with their union, since taking them
 * away one by one overlays the whole remainder once per item. */
#define GR_UNION_MIN_ITEMS 8

static GEOSGeometry *gr_difference_union(gr_ctx *c, const gr_feature *f, const ge_refhits *hits)
{
    GEOSGeometry **parts = calloc(hits->n ? hits->n : 1, sizeof *parts), *coll, *uni, *out;
    size_t n = 0;

    if (!parts) return NULL;
    for (size_t i = 0; i < hits->n; i++) {
        if (gr_intersects_feature(c, hits->v[i], f) != 1) continue;
        parts[n] = gr_cut(c, f, hits->v[i]);
        if (!parts[n]) parts[n] = GEOSGeom_clone_r(c->h, hits->v[i]->geom);
        if (parts[n]) n++;
    }
    coll = GEOSGeom_createCollection_r(c->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    if (!coll)
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(c->h, parts[i]);
    free(parts);
    if (!coll) return NULL;
    uni = GEOSUnaryUnion_r(c->h, coll);
    GEOSGeom_destroy_r(c->h, coll);
    if (!uni) return NULL;
    out = GEOSDifference_r(c->h, f->geom, uni);
    GEOSGeom_destroy_r(c->h, uni);
    return out;
}

int gr_check_inside(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    const ge_reflayer *layers[GR_MAX_LAYERS];
    const GEOSGeometry *g = f->geom;
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
    rest =
        hits.n >= GR_UNION_MIN_ITEMS ? gr_difference_union(c, f, &hits) : GEOSGeom_clone_r(c->h, g);
    for (size_t i = 0;
         hits.n < GR_UNION_MIN_ITEMS && rest && i < hits.n && !GEOSisEmpty_r(c->h, rest); i++) {
        if (gr_intersects(c, hits.v[i], rest) != 1) continue;
        next = gr_difference(c, f, rest, hits.v[i]);
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
        nearest = gr_nearest(c, f, g, layers, nl, 2 * r->tolerance + 1, &d, &rc);
        if (rc < 0) goto out;
        if (!nearest) {
            rc = gr_unchecked(
                c, r, (long)f->index,
                GE_TEXT(DE("Die Referenzdaten sind leer."), EN("The reference data is empty.")));
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
    const GEOSGeometry *g = f->geom;
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

        if (gr_intersects_feature(c, it, f) != 1) continue;
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

/* The nearest of the candidates to the feature (the first of equals). */
static int gr_nearest_of(gr_ctx *c, const ge_refhits *hits, const gr_feature *f,
                         const ge_refitem **best, double *best_d)
{
    *best = NULL;
    *best_d = INFINITY;
    for (size_t i = 0; i < hits->n; i++) {
        double d;
        int rc;
        if (gr_box_distance(f->minx, f->miny, f->maxx, f->maxy, hits->v[i]) >= *best_d) continue;
        rc = gr_distance(c, hits->v[i], f, f->geom, &d);
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
    if (rc == GE_OK) rc = gr_nearest_of(c, &hits, f, best, best_d);
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
    best = gr_nearest(c, f, f->geom, layers, nl, 4 * r->max + 1, &best_d, &rc);
    if (rc < 0) return rc;
    if (!best)
        return gr_unchecked(
            c, r, (long)f->index,
            GE_TEXT(DE("Die Referenzdaten sind leer."), EN("The reference data is empty.")));
    return gr_emit_distance(c, r, f, GR_BOUND_MAX, best, best_d);
}
