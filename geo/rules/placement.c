/*
 * placement.c - the placement assistant's search (placement.h): the
 * feasible region near the anchor, candidates of the service's shape in the
 * order an applicant would want them, and the rule engine's word on each.
 *
 * Why a region first: the engine judges one drawing in about 0.1 ms, and a
 * 50 m radius holds thousands of possible rectangles. A prepared region
 * answers "could this pass the spatial rules at all?" in microseconds, so
 * the engine only sees candidates that are likely to pass, in rank order,
 * and the first few valid ones end the search.
 */
#include "placement.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "rule_kinds.h"

/* Margin added to every clearance in the region, so that the region's
 * polygonal circles (inscribed in the true ones) never let a candidate
 * through that the engine then finds a hair too close. */
#define GP_CLEARANCE_MARGIN 0.05
/* How much less than an inside rule's tolerance the region grows by. */
#define GP_TOLERANCE_MARGIN 0.005
/* A kept feature is avoided by this much: proposals never touch it. */
#define GP_KEEP_MARGIN 0.3
/* Width of the band that stands for a line of an "outside" layer. */
#define GP_LINE_BAND 0.05
/* Carriageway half-width when the road says nothing (a 5.5 m street). */
#define GP_DEFAULT_HALF_WIDTH 2.75
/* Refused candidates whose constraint is named, for the reasons. */
#define GP_BLAME_SAMPLE 300
/* At most this many candidates go through the engine per search. */
#define GP_MAX_ENGINE_CHECKS 60

void ge_placement_req_init(ge_placement_req *req)
{
    memset(req, 0, sizeof *req);
    req->limit = 3;
    req->max_distance_m = 50;
    req->out_crs = GE_CRS84;
    req->conflicts = GE_RULES_CONFLICTS_ANONYMOUS;
}

static const ge_rule *gp_rule(const ge_service *s, ge_rule_kind kind, int measure_width)
{
    for (size_t i = 0; i < s->nrules; i++) {
        const ge_rule *r = &s->rules[i];
        if (r->kind != kind || r->severity != GE_SEVERITY_ERROR) continue;
        if (measure_width >= 0 && r->measure_width != (measure_width == 1)) continue;
        return r;
    }
    return NULL;
}

ge_place_shape ge_placement_shape(const ge_service *svc)
{
    const ge_rule *t = gp_rule(svc, GE_RULE_GEOMETRY_TYPE, -1);
    unsigned types = t ? t->types : GE_GT_ALL;

    if (svc->placement.shape != GE_PLACE_INFER) return svc->placement.shape;
    if (!(types & ~GE_GT_POLYGONAL)) return GE_PLACE_RECTANGLE;
    if (types & GE_GT_LINEAL) return GE_PLACE_LINE;
    if (types & GE_GT_PUNTAL) return GE_PLACE_POINT;
    return GE_PLACE_RECTANGLE;
}

/* The shape of this request: asked for, or the service's; a size turns a
 * point service that allows areas into rectangles. */
static ge_place_shape gp_shape(const ge_placement_req *req)
{
    const ge_rule *t = gp_rule(req->service, GE_RULE_GEOMETRY_TYPE, -1);
    ge_place_shape shape = req->shape ? req->shape : ge_placement_shape(req->service);

    if (!req->shape && shape == GE_PLACE_POINT && (req->width_m > 0 || req->length_m > 0) &&
        (!t || (t->types & GE_GT_POLYGON)))
        shape = GE_PLACE_RECTANGLE;
    return shape;
}

/* ---- checking the request ---------------------------------------------- */

static void gp_fmt(double v, char *buf, size_t n)
{
    ge_rules_format_number(v, 2, 0, false, buf, n);
}

static int gp_check_range(const ge_rule *r, double v, const char *member, const char *what,
                          ge_placement_issue *issue, ge_err *err)
{
    char a[32], b[32];

    if (!r) return GE_OK;
    gp_fmt(v, a, sizeof a);
    if (issue && ((r->has_min && v < r->min - 1e-9) || (r->has_max && v > r->max + 1e-9)))
        *issue = (ge_placement_issue){member, v, r->has_max && v > r->max + 1e-9 ? r->max : r->min,
                                      r->has_max && v > r->max + 1e-9};
    if (r->has_min && v < r->min - 1e-9) {
        gp_fmt(r->min, b, sizeof b);
        return ge_err_set(err, GE_ELIMIT, "%s: %s %s is below the service's smallest %s of %s %s",
                          member, a, r->kind == GE_RULE_AREA ? "m2" : "m", what, b,
                          r->kind == GE_RULE_AREA ? "m2" : "m");
    }
    if (r->has_max && v > r->max + 1e-9) {
        gp_fmt(r->max, b, sizeof b);
        return ge_err_set(err, GE_ELIMIT, "%s: %s %s is above the service's largest %s of %s %s",
                          member, a, r->kind == GE_RULE_AREA ? "m2" : "m", what, b,
                          r->kind == GE_RULE_AREA ? "m2" : "m");
    }
    return GE_OK;
}

/* The rectangle's size: the request's (short side as width) or the
 * service's default. */
static int gp_size(const ge_placement_req *req, double *w, double *l, ge_err *err)
{
    double a = req->width_m, b = req->length_m;

    if (a <= 0 && b <= 0) {
        a = req->service->placement.width_m;
        b = req->service->placement.length_m;
        if (a <= 0 || b <= 0)
            return ge_err_set(err, GE_EINVAL,
                              "size: the service '%s' has no default size; give size.width_m and "
                              "size.length_m",
                              req->service->id);
    }
    if (!(a > 0) || !(b > 0) || !isfinite(a) || !isfinite(b))
        return ge_err_set(err, GE_EINVAL,
                          "size: width_m and length_m must both be positive numbers of metres");
    *w = fmin(a, b);
    *l = fmax(a, b);
    return GE_OK;
}

/* A size at a service's limit is drawn a centimetre inside it: a proposal
 * travels as CRS84 coordinates of 7 decimals (about a centimetre), and a
 * 2.00 m stand must not come back 2.002 m wide and break the limit it was
 * asked to meet. */
#define GP_SIZE_MARGIN 0.01

static void gp_fit_size(const ge_service *svc, double *w, double *l)
{
    const ge_rule *rw = gp_rule(svc, GE_RULE_DIMENSIONS, 1),
                  *rl = gp_rule(svc, GE_RULE_DIMENSIONS, 0);
    const ge_rule *ra = gp_rule(svc, GE_RULE_AREA, -1);

    if (rw && rw->has_max && *w > rw->max - GP_SIZE_MARGIN) *w = rw->max - GP_SIZE_MARGIN;
    if (rl && rl->has_max && *l > rl->max - GP_SIZE_MARGIN) *l = rl->max - GP_SIZE_MARGIN;
    if (ra && ra->has_max && *w * *l > ra->max - GP_SIZE_MARGIN * (*w + *l))
        *l = (ra->max - GP_SIZE_MARGIN * (*w + *l)) / *w;
}

int ge_placement_check(const ge_placement_req *req, ge_placement_issue *issue, ge_err *err)
{
    const ge_service *s = req->service;
    ge_place_shape shape = gp_shape(req);
    double w, l;
    int rc;

    if (req->limit < 1 || req->limit > GE_PLACEMENT_MAX_LIMIT)
        return ge_err_set(err, GE_EINVAL, "limit: %d is out of range (1 to %d)", req->limit,
                          GE_PLACEMENT_MAX_LIMIT);
    if (!(req->max_distance_m > 0) || req->max_distance_m > GE_PLACEMENT_MAX_DISTANCE)
        return ge_err_set(err, GE_EINVAL,
                          "max_distance_m: %g is out of range (more than 0, at most %g m)",
                          req->max_distance_m, GE_PLACEMENT_MAX_DISTANCE);
    if (shape != GE_PLACE_RECTANGLE) return GE_OK;
    rc = gp_size(req, &w, &l, err);
    if (rc == GE_OK)
        rc = gp_check_range(gp_rule(s, GE_RULE_DIMENSIONS, 1), w, "size.width_m", "width", issue,
                            err);
    if (rc == GE_OK)
        rc = gp_check_range(gp_rule(s, GE_RULE_DIMENSIONS, 0), l, "size.length_m", "length", issue,
                            err);
    if (rc == GE_OK)
        rc = gp_check_range(gp_rule(s, GE_RULE_AREA, -1), w * l, "size", "area", issue, err);
    return rc;
}

/* ---- the feasible region ------------------------------------------------ */

typedef struct gp_search {
    GEOSContextHandle_t h;
    const ge_refsnap *snap;
    const ge_placement_req *req;
    ge_err *err;
    double box[4]; /* the reach: everything a candidate can touch */
    GEOSGeometry *region;
    const GEOSPreparedGeometry *prep;
    /* per constraint, for the reasons: the union inside (kind INSIDE) or
     * the union to keep clear of (other kinds), prepared */
    struct gp_part {
        const ge_rule *rule;
        GEOSGeometry *geom;
        const GEOSPreparedGeometry *prep;
        size_t refused; /* sampled candidates this constraint refused */
    } parts[24];
    size_t nparts;
    size_t sampled, engine_refused;
    double w, l; /* rectangle size */
    ge_place_shape shape;
} gp_search;

/* The kept parts of one constraint, as a collection (not united: only
 * tested for the reasons), prepared. Takes the parts. */
static void gp_add_part(gp_search *s, const ge_rule *r, GEOSGeometry **parts, size_t n)
{
    GEOSGeometry *coll;

    if (s->nparts == sizeof s->parts / sizeof s->parts[0]) {
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(s->h, parts[i]);
        return; /* more constraints than we explain: the engine still checks them */
    }
    coll = GEOSGeom_createCollection_r(s->h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    if (!coll) return;
    s->parts[s->nparts].rule = r;
    s->parts[s->nparts].geom = coll;
    s->parts[s->nparts].prep = GEOSPrepare_r(s->h, coll);
    s->nparts++;
}

/* The items of a rule's layers near the box: their geometries, each grown
 * by grow, that the keep test (NULL: all) lets through. */
typedef bool (*gp_keep_fn)(gp_search *s, const GEOSGeometry *g, double grow);

static int gp_items(gp_search *s, const ge_rule *r, double grow, gp_keep_fn keep,
                    GEOSGeometry ***out, size_t *nout, bool *missing)
{
    GEOSContextHandle_t h = s->h;
    ge_refhits hits = {0};
    GEOSGeometry **v;
    bool any = false;
    int rc = GE_OK;

    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < r->nlayers && rc == GE_OK; i++) {
        const ge_reflayer *l = ge_refsnap_layer(s->snap, r->layers[i]);
        if (!l) continue;
        any = true;
        rc = ge_reflayer_query(h, l, s->box[0] - grow, s->box[1] - grow, s->box[2] + grow,
                               s->box[3] + grow, &hits, s->err);
    }
    *missing = !any;
    v = calloc(hits.n + 1, sizeof *v);
    if (rc == GE_OK && !v) rc = ge_err_set(s->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const GEOSGeometry *g = hits.v[i]->geom;
        GEOSGeometry *x;
        if (keep && !keep(s, g, grow)) continue;
        /* polygonal circles of 16 sides: the margin covers their chords */
        x = grow > 0 ? GEOSBuffer_r(h, g, grow, 4) : GEOSGeom_clone_r(h, g);
        if (x) v[(*nout)++] = x;
        if (ge_budget_check()) rc = ge_err_set(s->err, GE_EBUDGET, "stopped by the budget");
    }
    ge_refhits_free(&hits);
    if (rc < 0) {
        for (size_t i = 0; i < *nout; i++)
            GEOSGeom_destroy_r(h, v[i]);
        free(v);
        *nout = 0;
        return rc;
    }
    *out = v;
    return GE_OK;
}

/* Only what can reach the inside region matters: most buildings and trees
 * near a street stand beside its street space. */
static bool gp_near_inside(gp_search *s, const GEOSGeometry *g, double grow)
{
    return !s->prep || GEOSPreparedDistanceWithin_r(s->h, s->prep, g, grow) == 1;
}

static GEOSGeometry *gp_union(GEOSContextHandle_t h, GEOSGeometry **parts, size_t n)
{
    GEOSGeometry *coll =
        GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    GEOSGeometry *u = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
    if (coll) GEOSGeom_destroy_r(h, coll);
    return u;
}

/* A kept feature's footprint grown by the keep margin. */
static void gp_keep_parts(gp_search *s, GEOSGeometry ***all, size_t *n, size_t *cap)
{
    const ge_features *k = s->req->keep;

    for (size_t i = 0; k && i < k->n; i++) {
        GEOSGeometry *b = GEOSBuffer_r(s->h, k->items[i].geom, GP_KEEP_MARGIN, 4);
        if (!b) continue;
        if (*n == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            GEOSGeometry **v = realloc(*all, nc * sizeof *v);
            if (!v) {
                GEOSGeom_destroy_r(s->h, b);
                return;
            }
            *all = v;
            *cap = nc;
        }
        (*all)[(*n)++] = b;
    }
}

/* The rule's zone (rule_kinds.h): what the region is made of. */
static ge_rule_zone gp_zone(const ge_rule *r)
{
    return ge_rule_kind_def_of(r->kind)->zone;
}

static bool gp_models(const ge_rule *r)
{
    ge_rule_zone z = gp_zone(r);
    return r->severity == GE_SEVERITY_ERROR &&
           (z == GE_RULE_ZONE_WITHIN || z == GE_RULE_ZONE_AVOID || z == GE_RULE_ZONE_CLEARANCE);
}

/* The region: the box within every "inside" rule's layers, then minus
 * everything to keep clear of, taken away in one difference with their
 * union. */
static int gp_region(gp_search *s)
{
    GEOSContextHandle_t h = s->h;
    const ge_service *svc = s->req->service;
    GEOSGeometry *region =
        GEOSGeom_createRectangle_r(h, s->box[0], s->box[1], s->box[2], s->box[3]);
    GEOSGeometry **all = NULL, *next;
    size_t nall = 0, cap = 0;
    int rc = GE_OK;

    for (int pass = 0; pass < 2 && rc == GE_OK && region; pass++) {
        for (size_t i = 0; rc == GE_OK && region && i < svc->nrules; i++) {
            const ge_rule *r = &svc->rules[i];
            GEOSGeometry **v = NULL;
            size_t n = 0;
            bool missing;
            double grow;

            if (!gp_models(r) || (gp_zone(r) == GE_RULE_ZONE_WITHIN) != (pass == 0)) continue;
            /* a clearance by its distance (and the chords' margin); the
             * lines and points of an "outside" layer by a thin band */
            grow = gp_zone(r) == GE_RULE_ZONE_CLEARANCE ? r->min * 1.02 + GP_CLEARANCE_MARGIN
                   : gp_zone(r) == GE_RULE_ZONE_AVOID   ? GP_LINE_BAND
                                                        : 0;
            rc = gp_items(s, r, grow, pass == 0 ? NULL : gp_near_inside, &v, &n, &missing);
            if (rc < 0 || missing) { /* a layer not loaded: the engine says unchecked */
                free(v);
                continue;
            }
            if (gp_zone(r) == GE_RULE_ZONE_WITHIN) {
                GEOSGeometry *u = gp_union(h, v, n);
                /* the engine lets a drawing stick out by the rule's
                 * tolerance (a 2 m skip on a sidewalk strip of 2 m): so
                 * does the region, a hair less */
                if (u && r->tolerance > 2 * GP_TOLERANCE_MARGIN) {
                    GEOSGeometry *grown = GEOSBuffer_r(h, u, r->tolerance - GP_TOLERANCE_MARGIN, 2);
                    if (grown) {
                        GEOSGeom_destroy_r(h, u);
                        u = grown;
                    }
                }
                next = u ? GEOSIntersection_r(h, region, u) : NULL;
                if (u) GEOSGeom_destroy_r(h, u);
                GEOSGeom_destroy_r(h, region);
                region = next;
                /* the inside part for the reasons: the region so far */
                if (region) {
                    GEOSGeometry *c = GEOSGeom_clone_r(h, region);
                    if (c) gp_add_part(s, r, &c, 1);
                }
            } else {
                /* kept for the union below, and as this rule's part */
                GEOSGeometry **copies = calloc(n + 1, sizeof *copies);
                if (nall + n > cap) {
                    size_t nc = 2 * (nall + n) + 64;
                    GEOSGeometry **g2 = realloc(all, nc * sizeof *g2);
                    if (g2) {
                        all = g2;
                        cap = nc;
                    }
                }
                for (size_t k = 0; copies && k < n && nall < cap; k++) {
                    copies[k] = GEOSGeom_clone_r(h, v[k]);
                    all[nall++] = v[k];
                    v[k] = NULL;
                }
                for (size_t k = 0; k < n; k++)
                    if (v[k]) GEOSGeom_destroy_r(h, v[k]);
                if (copies) gp_add_part(s, r, copies, n);
                free(copies);
            }
            free(v);
        }
        if (pass == 0 && region) { /* for the near-inside test of pass 1 */
            s->prep = GEOSPrepare_r(h, region);
        }
    }
    if (rc == GE_OK && region) {
        gp_keep_parts(s, &all, &nall, &cap);
        if (nall) {
            GEOSGeometry *u = gp_union(h, all, nall);
            nall = 0; /* the collection took them */
            next = u ? GEOSDifference_r(h, region, u) : NULL;
            if (u) GEOSGeom_destroy_r(h, u);
            GEOSGeom_destroy_r(h, region);
            region = next;
        }
    }
    for (size_t i = 0; i < nall; i++)
        GEOSGeom_destroy_r(h, all[i]);
    free(all);
    if (s->prep) GEOSPreparedGeom_destroy_r(h, s->prep);
    s->prep = NULL;
    if (rc == GE_OK && !region)
        rc = ge_budget_check() ? ge_err_set(s->err, GE_EBUDGET, "stopped by the budget")
                               : ge_err_set(s->err, GE_EINTERNAL, "cannot make the region");
    if (rc < 0) {
        if (region) GEOSGeom_destroy_r(h, region);
        return rc;
    }
    s->region = region;
    s->prep = GEOSPrepare_r(h, region);
    return s->prep ? GE_OK : ge_err_set(s->err, GE_EINTERNAL, "cannot prepare the region");
}

/* ---- candidates ---------------------------------------------------------- */

typedef struct gp_cand {
    double rank;           /* smaller first */
    double cx, cy, ux, uy; /* centre and the road's direction (rectangles, lines: start) */
    double ex, ey;         /* lines: end */
} gp_cand;

typedef struct gp_cands {
    gp_cand *v;
    size_t n, cap;
} gp_cands;

static int gp_push(gp_search *s, gp_cands *c, gp_cand x)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 1024;
        gp_cand *v = realloc(c->v, cap * sizeof *v);
        if (!v) return ge_err_set(s->err, GE_ENOMEM, "out of memory");
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = x;
    return GE_OK;
}

static int gp_cand_cmp(const void *a, const void *b)
{
    const gp_cand *x = a, *y = b;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The carriageway's half-width from a road's properties: its width, or its
 * lanes at 3 m; else a residential street's. */
static double gp_half_width(const ge_refitem *road)
{
    const json_t *p = road->props;
    double w = json_number_value(json_object_get(p, "carriageway_m"));

    if (!(w > 0)) w = json_number_value(json_object_get(p, "width"));
    if (!(w > 0)) {
        double lanes = json_number_value(json_object_get(p, "lanes"));
        if (lanes >= 1 && lanes <= 10) w = 3.0 * lanes;
    }
    return w >= 2 && w <= 40 ? w / 2 : GP_DEFAULT_HALF_WIDTH;
}

/* Where a rectangle of width w stands across a street whose carriageway
 * reaches k from the centreline, first: its centre's distances from the
 * centreline in the carriageway along the kerb, on the sidewalk along it,
 * then half a metre and a metre farther in and out. Narrow lanes take the
 * centre. When these give too few places, the second pass takes its
 * distances from the region itself (gp_stretch_candidates). */
#define GP_LATERAL_PREFERRED 6

static int gp_laterals(double k, double w, double *lat)
{
    const double pref[GP_LATERAL_PREFERRED] = {k - w / 2,       k + w / 2,       k - w / 2 - 0.5,
                                               k + w / 2 + 0.5, k - w / 2 - 1.0, k + w / 2 + 1.0};

    for (int j = 0; j < GP_LATERAL_PREFERRED; j++)
        lat[j] = fmax(0, pref[j]);
    return GP_LATERAL_PREFERRED;
}

/* Rectangles along every road segment in reach. The rank: the anchor's side
 * of the street first, then the distance of the centre in whole metres,
 * then the lateral position (gp_laterals). */
static int gp_rect_candidates(gp_search *s, gp_cands *out)
{
    GEOSContextHandle_t h = s->h;
    const ge_reflayer *roads = ge_refsnap_layer(s->snap, "roads");
    const double ax = s->req->ax, ay = s->req->ay, maxd = s->req->max_distance_m;
    ge_refhits hits = {0};
    int rc;

    if (!roads) return GE_OK;
    rc = ge_reflayer_query(h, roads, s->box[0], s->box[1], s->box[2], s->box[3], &hits, s->err);
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        double k = gp_half_width(it), lat[GP_LATERAL_PREFERRED];
        int nlat = gp_laterals(k, s->w, lat);
        int ng = GEOSGetNumGeometries_r(h, it->geom);

        for (int g = 0; rc == GE_OK && g < ng; g++) {
            const GEOSGeometry *line = GEOSGetGeometryN_r(h, it->geom, g);
            const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, line);
            unsigned np = 0;
            if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np)) continue;
            for (unsigned v = 0; rc == GE_OK && v + 1 < np; v++) {
                double x0, y0, x1, y1, len, ux, uy, nx, ny, ta, side;
                GEOSCoordSeq_getXY_r(h, seq, v, &x0, &y0);
                GEOSCoordSeq_getXY_r(h, seq, v + 1, &x1, &y1);
                len = hypot(x1 - x0, y1 - y0);
                if (len < 0.5) continue;
                ux = (x1 - x0) / len;
                uy = (y1 - y0) / len;
                nx = -uy;
                ny = ux;
                ta = (ax - x0) * ux + (ay - y0) * uy;
                side = (ax - x0) * nx + (ay - y0) * ny >= 0 ? 1 : -1;
                /* along the segment in 1 m steps, and at the anchor's foot */
                for (double t = 0; rc == GE_OK && t <= len + 1e-9;
                     t = t < ta && t + 1 > ta ? ta : t + 1) {
                    double px = x0 + t * ux, py = y0 + t * uy;
                    if (hypot(px - ax, py - ay) > maxd + s->l + k + s->w + 2) continue;
                    for (int sd = 0; rc == GE_OK && sd < 2; sd++) {
                        double sgn = sd ? -side : side;
                        for (int j = 0; rc == GE_OK && j < nlat; j++) {
                            gp_cand c = {0};
                            double d;
                            c.cx = px + sgn * lat[j] * nx;
                            c.cy = py + sgn * lat[j] * ny;
                            c.ux = ux;
                            c.uy = uy;
                            d = hypot(c.cx - ax, c.cy - ay);
                            if (d > maxd + s->l / 2 + s->w / 2) continue;
                            c.rank = sd * 1e6 + floor(d) * 100 + j;
                            rc = gp_push(s, out, c);
                        }
                    }
                }
            }
        }
    }
    ge_refhits_free(&hits);
    return rc;
}

/* ---- the second pass: distances from the region ---------------------------
 *
 * Where the street space does not follow the carriageway the road says it
 * has (a sidewalk mapped as a strip of its own 10 m out, a 2 m strip that
 * only a 2 m skip fits exactly), the preferred distances miss it. So the
 * second pass reads, for each position along a road segment, the stretches
 * of the segment's normal that lie in the region - a scanline across the
 * region's rings in the segment's frame, at both ends and the middle of the
 * rectangle's length - and proposes the rectangle at both ends and the
 * middle of every stretch at least its width wide. */

typedef struct gp_edges {
    double *v; /* x0, y0, x1, y1 per edge */
    size_t n, cap;
} gp_edges;

static int gp_ring_edges(GEOSContextHandle_t h, const GEOSGeometry *ring, gp_edges *e)
{
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned np = 0;
    double px = 0, py = 0;

    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np)) return GE_OK;
    for (unsigned i = 0; i < np; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        if (i > 0) {
            if (e->n == e->cap) {
                size_t cap = e->cap ? 2 * e->cap : 1024;
                double *v = realloc(e->v, cap * 4 * sizeof *v);
                if (!v) return GE_ENOMEM;
                e->v = v;
                e->cap = cap;
            }
            e->v[4 * e->n] = px;
            e->v[4 * e->n + 1] = py;
            e->v[4 * e->n + 2] = x;
            e->v[4 * e->n + 3] = y;
            e->n++;
        }
        px = x;
        py = y;
    }
    return GE_OK;
}

/* Every ring edge of the region's polygons. */
static int gp_region_edges(GEOSContextHandle_t h, const GEOSGeometry *g, gp_edges *e)
{
    int type = GEOSGeomTypeId_r(h, g), rc = GE_OK;

    if (type == GEOS_POLYGON) {
        rc = gp_ring_edges(h, GEOSGetExteriorRing_r(h, g), e);
        for (int i = 0; rc == GE_OK && i < GEOSGetNumInteriorRings_r(h, g); i++)
            rc = gp_ring_edges(h, GEOSGetInteriorRingN_r(h, g, i), e);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; rc == GE_OK && i < GEOSGetNumGeometries_r(h, g); i++)
            rc = gp_region_edges(h, GEOSGetGeometryN_r(h, g, i), e);
    }
    return rc;
}

#define GP_MAX_CROSSINGS 64
#define GP_STRETCH_EPS   0.01

static int gp_double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The inside stretches [n0, n1] of the scanline u = t in a segment's frame
 * (edges already in (u, n)), by the even-odd rule; how many were written. */
static size_t gp_scanline(const double *loc, size_t nedges, double t, double *iv, size_t max)
{
    double cross[GP_MAX_CROSSINGS];
    size_t nc = 0, n = 0;

    for (size_t i = 0; i < nedges && nc < GP_MAX_CROSSINGS; i++) {
        const double *e = &loc[4 * i];
        if ((e[0] <= t) == (e[2] <= t)) continue; /* half-open: a vertex counts once */
        cross[nc++] = e[1] + (t - e[0]) * (e[3] - e[1]) / (e[2] - e[0]);
    }
    qsort(cross, nc, sizeof *cross, gp_double_cmp);
    for (size_t i = 0; i + 1 < nc && n + 2 <= max; i += 2) {
        iv[n++] = cross[i];
        iv[n++] = cross[i + 1];
    }
    return n;
}

/* a and b: sorted stretch lists; their intersection into out. */
static size_t gp_stretch_and(const double *a, size_t na, const double *b, size_t nb, double *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na && j < nb) {
        double lo = fmax(a[i], b[j]), hi = fmin(a[i + 1], b[j + 1]);
        if (lo < hi) {
            out[n++] = lo;
            out[n++] = hi;
        }
        if (a[i + 1] < b[j + 1])
            i += 2;
        else
            j += 2;
    }
    return n;
}

static int gp_stretch_candidates(gp_search *s, gp_cands *out)
{
    GEOSContextHandle_t h = s->h;
    const ge_reflayer *roads = ge_refsnap_layer(s->snap, "roads");
    const double ax = s->req->ax, ay = s->req->ay, maxd = s->req->max_distance_m;
    const double reach = 20; /* how far out from the centreline the normal is read */
    gp_edges all = {0};
    double *loc = NULL;
    ge_refhits hits = {0};
    int rc;

    if (!roads) return GE_OK;
    if (gp_region_edges(h, s->region, &all) < 0)
        return ge_err_set(s->err, GE_ENOMEM, "out of memory");
    loc = malloc((all.n ? all.n : 1) * 4 * sizeof *loc);
    rc =
        loc ? ge_reflayer_query(h, roads, s->box[0], s->box[1], s->box[2], s->box[3], &hits, s->err)
            : ge_err_set(s->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const GEOSGeometry *geom = hits.v[i]->geom;
        for (int g = 0; rc == GE_OK && g < GEOSGetNumGeometries_r(h, geom); g++) {
            const GEOSCoordSequence *seq =
                GEOSGeom_getCoordSeq_r(h, GEOSGetGeometryN_r(h, geom, g));
            unsigned np = 0;
            if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np)) continue;
            for (unsigned v = 0; rc == GE_OK && v + 1 < np; v++) {
                double x0, y0, x1, y1, len, ux, uy, nx, ny, side, bx0, by0, bx1, by1;
                size_t nloc = 0;
                GEOSCoordSeq_getXY_r(h, seq, v, &x0, &y0);
                GEOSCoordSeq_getXY_r(h, seq, v + 1, &x1, &y1);
                len = hypot(x1 - x0, y1 - y0);
                if (len < 0.5) continue;
                ux = (x1 - x0) / len;
                uy = (y1 - y0) / len;
                nx = -uy;
                ny = ux;
                side = (ax - x0) * nx + (ay - y0) * ny >= 0 ? 1 : -1;
                /* the edges near the segment, in its frame (u along, n across) */
                bx0 = fmin(x0, x1) - reach - s->l;
                by0 = fmin(y0, y1) - reach - s->l;
                bx1 = fmax(x0, x1) + reach + s->l;
                by1 = fmax(y0, y1) + reach + s->l;
                for (size_t k = 0; k < all.n; k++) {
                    const double *e = &all.v[4 * k];
                    if (fmax(e[0], e[2]) < bx0 || fmin(e[0], e[2]) > bx1 ||
                        fmax(e[1], e[3]) < by0 || fmin(e[1], e[3]) > by1)
                        continue;
                    for (int p = 0; p < 2; p++) {
                        double dx = e[2 * p] - x0, dy = e[2 * p + 1] - y0;
                        loc[4 * nloc + 2 * p] = dx * ux + dy * uy;
                        loc[4 * nloc + 2 * p + 1] = dx * nx + dy * ny;
                    }
                    nloc++;
                }
                if (nloc == 0) continue;
                for (double t = 0; rc == GE_OK && t <= len + 1e-9; t += 1) {
                    double a[GP_MAX_CROSSINGS], b[GP_MAX_CROSSINGS], c[GP_MAX_CROSSINGS],
                        ab[GP_MAX_CROSSINGS], abc[GP_MAX_CROSSINGS];
                    double px = x0 + t * ux, py = y0 + t * uy;
                    size_t na, nb, nc, nab, nabc;

                    if (hypot(px - ax, py - ay) > maxd + s->l + reach) continue;
                    na = gp_scanline(loc, nloc, t - s->l / 2 - GP_STRETCH_EPS, a, GP_MAX_CROSSINGS);
                    nb = gp_scanline(loc, nloc, t, b, GP_MAX_CROSSINGS);
                    nc = gp_scanline(loc, nloc, t + s->l / 2 + GP_STRETCH_EPS, c, GP_MAX_CROSSINGS);
                    nab = gp_stretch_and(a, na, b, nb, ab);
                    nabc = gp_stretch_and(ab, nab, c, nc, abc);
                    for (size_t q = 0; rc == GE_OK && q < nabc; q += 2) {
                        /* a centimetre clear of either edge: a rectangle flush with
                         * the region's edge is not covered by it for rounding */
                        double lo = fmax(abc[q], -reach) + GP_STRETCH_EPS,
                               hi = fmin(abc[q + 1], reach) - GP_STRETCH_EPS;
                        const double at[3] = {lo + s->w / 2, hi - s->w / 2, (lo + hi) / 2};
                        if (hi - lo < s->w) continue;
                        for (int z = 0; rc == GE_OK && z < 3; z++) {
                            gp_cand cd = {0};
                            double d;
                            if (z > 0 && fabs(at[z] - at[0]) < 0.05) continue;
                            if (z == 2 && fabs(at[2] - at[1]) < 0.05) continue;
                            cd.cx = px + at[z] * nx;
                            cd.cy = py + at[z] * ny;
                            cd.ux = ux;
                            cd.uy = uy;
                            d = hypot(cd.cx - ax, cd.cy - ay);
                            if (d > maxd + s->l / 2 + s->w / 2) continue;
                            cd.rank = ((at[z] >= 0) == (side > 0) ? 0 : 1e6) + floor(d) * 100 + z;
                            rc = gp_push(s, out, cd);
                        }
                    }
                    if (ge_budget_check())
                        rc = ge_err_set(s->err, GE_EBUDGET, "stopped by the budget");
                }
            }
        }
    }
    ge_refhits_free(&hits);
    free(loc);
    free(all.v);
    return rc;
}

static GEOSGeometry *gp_rect(GEOSContextHandle_t h, const gp_cand *c, double w, double l)
{
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, 5, 2);
    double hl = l / 2, hw = w / 2, nx = -c->uy, ny = c->ux;
    const double sx[5] = {-1, 1, 1, -1, -1}, sy[5] = {-1, -1, 1, 1, -1};

    if (!seq) return NULL;
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(h, seq, i, c->cx + sx[i] * hl * c->ux + sy[i] * hw * nx,
                             c->cy + sx[i] * hl * c->uy + sy[i] * hw * ny);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), NULL, 0);
}

/* Points: a grid over the reach, the cell's size growing with the
 * distance asked for (about 5,000 points at most), nearest first. */
static int gp_point_candidates(gp_search *s, gp_cands *out)
{
    const double ax = s->req->ax, ay = s->req->ay, maxd = s->req->max_distance_m;
    double step = fmax(0.5, maxd / 40);
    int n = (int)ceil(maxd / step), rc = GE_OK;

    for (int i = -n; rc == GE_OK && i <= n; i++)
        for (int j = -n; rc == GE_OK && j <= n; j++) {
            gp_cand c = {0};
            double d = hypot(i * step, j * step);
            if (d > maxd) continue;
            c.cx = ax + i * step;
            c.cy = ay + j * step;
            c.rank = d;
            rc = gp_push(s, out, c);
        }
    return rc;
}

/* Lines: from points along the anchor's frontage (the anchor moved along
 * the nearest road's direction) straight across to the nearest item of the
 * service's max_distance layers (the street it must reach), 0.3 m into it. */
static int gp_line_candidates(gp_search *s, gp_cands *out)
{
    GEOSContextHandle_t h = s->h;
    const ge_service *svc = s->req->service;
    const ge_rule *reach = gp_rule(svc, GE_RULE_MAX_DISTANCE, -1);
    const ge_reflayer *roads = ge_refsnap_layer(s->snap, "roads");
    const double ax = s->req->ax, ay = s->req->ay, maxd = s->req->max_distance_m;
    GEOSGeometry *target = NULL, *pt;
    bool missing = false;
    double ux = 1, uy = 0, d;
    int rc = GE_OK;

    if (!reach) return GE_OK;
    {
        GEOSGeometry **v = NULL;
        size_t n = 0;
        rc = gp_items(s, reach, 0, NULL, &v, &n, &missing);
        target = rc == GE_OK && n ? gp_union(h, v, n) : NULL;
        for (size_t i = 0; rc < 0 && i < n; i++)
            GEOSGeom_destroy_r(h, v[i]);
        free(v);
    }
    if (rc < 0 || !target) return rc;
    /* the direction of the frontage: along the nearest road */
    pt = GEOSGeom_createPointFromXY_r(h, ax, ay);
    if (roads && pt) {
        const ge_refitem *r = ge_reflayer_nearest(h, roads, pt, &d);
        GEOSCoordSequence *np = r ? GEOSNearestPoints_r(h, r->geom, pt) : NULL;
        if (np) {
            double x0, y0, x1, y1;
            /* the road's direction at its nearest point: across the line to the anchor */
            GEOSCoordSeq_getXY_r(h, np, 0, &x0, &y0);
            GEOSCoordSeq_getXY_r(h, np, 1, &x1, &y1);
            if (hypot(x1 - x0, y1 - y0) > 0.01) {
                ux = -(y1 - y0) / hypot(x1 - x0, y1 - y0);
                uy = (x1 - x0) / hypot(x1 - x0, y1 - y0);
            }
            GEOSCoordSeq_destroy_r(h, np);
        }
    }
    if (pt) GEOSGeom_destroy_r(h, pt);
    for (double k = 0; rc == GE_OK && k <= maxd; k += 1) {
        for (int sd = 0; rc == GE_OK && sd < (k > 0 ? 2 : 1); sd++) {
            double sx = ax + (sd ? -k : k) * ux, sy = ay + (sd ? -k : k) * uy, ex, ey, len;
            GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, sx, sy);
            GEOSCoordSequence *np = p ? GEOSNearestPoints_r(h, target, p) : NULL;
            gp_cand c = {0};
            if (p) GEOSGeom_destroy_r(h, p);
            if (!np) continue;
            GEOSCoordSeq_getXY_r(h, np, 0, &ex, &ey);
            GEOSCoordSeq_destroy_r(h, np);
            len = hypot(ex - sx, ey - sy);
            if (len < 1e-6) continue; /* the start is in the street already */
            /* into the street a little: the line crosses the edge */
            ex += 0.3 * (ex - sx) / len;
            ey += 0.3 * (ey - sy) / len;
            c.cx = sx;
            c.cy = sy;
            c.ex = ex;
            c.ey = ey;
            c.rank = k * 10 + sd;
            rc = gp_push(s, out, c);
            if (ge_budget_check()) rc = ge_err_set(s->err, GE_EBUDGET, "stopped by the budget");
        }
    }
    GEOSGeom_destroy_r(h, target);
    return rc;
}

static GEOSGeometry *gp_candidate_geom(gp_search *s, const gp_cand *c)
{
    GEOSContextHandle_t h = s->h;

    if (s->shape == GE_PLACE_RECTANGLE) return gp_rect(h, c, s->w, s->l);
    if (s->shape == GE_PLACE_POINT) return GEOSGeom_createPointFromXY_r(h, c->cx, c->cy);
    {
        GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, 2, 2);
        if (!seq) return NULL;
        GEOSCoordSeq_setXY_r(h, seq, 0, c->cx, c->cy);
        GEOSCoordSeq_setXY_r(h, seq, 1, c->ex, c->ey);
        return GEOSGeom_createLineString_r(h, seq);
    }
}

/* ---- judging ------------------------------------------------------------- */

/* Errors that keep a proposal out: all but the period's when the request
 * named no period (the place is what is proposed; the form asks for the
 * period). Counts warnings. */
static bool gp_acceptable(const json_t *report, bool have_period, int *warnings)
{
    size_t i;
    json_t *v;
    bool ok = true;

    *warnings = 0;
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *sev = json_string_value(json_object_get(v, "severity"));
        const char *kind = json_string_value(json_object_get(v, "kind"));
        if (sev && !strcmp(sev, "warning")) {
            (*warnings)++;
            continue;
        }
        if (!have_period && kind && !strncmp(kind, "period_", 7)) continue;
        ok = false;
    }
    return ok;
}

static int gp_engine(gp_search *s, GEOSGeometry *g, json_t **report)
{
    const ge_placement_req *req = s->req;
    size_t nk = req->keep ? req->keep->n : 0;
    ge_features fs = {0};
    ge_rules_input in;
    int rc;

    fs.items = calloc(nk + 1, sizeof *fs.items);
    if (!fs.items) return ge_err_set(s->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; i < nk; i++)
        fs.items[i].geom = req->keep->items[i].geom; /* borrowed: not freed below */
    fs.items[nk].geom = g;
    fs.n = nk + 1;
    ge_rules_input_init(&in);
    in.service = req->service;
    in.features = &fs;
    in.srid = ge_refsnap_srid(s->snap);
    in.period = req->period;
    in.today = req->today;
    in.others = req->others;
    in.nothers = req->nothers;
    in.conflicts = req->conflicts;
    in.out_crs = req->out_crs;
    rc = ge_rules_validate(s->h, s->snap, &in, report, s->err);
    free(fs.items);
    return rc;
}

/* Which constraint refused a candidate the region did not cover: counted
 * for the reasons, on a sample. */
static void gp_blame(gp_search *s, const GEOSGeometry *g)
{
    for (size_t i = 0; i < s->nparts; i++) {
        struct gp_part *p = &s->parts[i];
        bool bad = gp_zone(p->rule) == GE_RULE_ZONE_WITHIN
                       ? !(p->prep && GEOSPreparedCovers_r(s->h, p->prep, g) == 1)
                       : (p->prep && GEOSPreparedIntersects_r(s->h, p->prep, g) == 1);
        if (bad) {
            p->refused++;
            break;
        }
    }
    s->sampled++;
}

static double gp_anchor_distance(gp_search *s, const GEOSGeometry *g)
{
    GEOSGeometry *a = GEOSGeom_createPointFromXY_r(s->h, s->req->ax, s->req->ay);
    double d = 0;

    if (a && !GEOSDistance_r(s->h, a, g, &d)) d = 0;
    if (a) GEOSGeom_destroy_r(s->h, a);
    return d;
}

static bool gp_far_from_chosen(gp_search *s, const ge_placement_result *r, const GEOSGeometry *g)
{
    for (size_t i = 0; i < r->n; i++) {
        double d;
        if (GEOSDistance_r(s->h, r->v[i].geom, g, &d) && d < (s->shape == GE_PLACE_POINT ? 2 : 0.5))
            return false;
    }
    return true;
}

/* ---- reasons ------------------------------------------------------------- */

/* A layer's items in the plural, for reasons (German dative). */
static const char *gp_layer_plural(const char *layer, bool german)
{
    static const struct {
        const char *layer, *de, *en;
    } words[] = {
        {"hydrants", "Hydranten", "hydrants"},
        {"trees", "Bäumen", "trees"},
        {"junctions", "Einmündungen", "junctions"},
        {"cycleways", "Radwegen", "cycle paths"},
        {"buildings", "Gebäuden", "buildings"},
        {"street_space", "den Straßenraum", "the street space"},
        {"boundary", "das Gemeindegebiet", "the municipal area"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcmp(layer, words[i].layer)) return german ? words[i].de : words[i].en;
    return layer;
}

static json_t *gp_text(ge_text t)
{
    return json_pack("{s:s, s:s}", "de", t.de, "en", t.en);
}

/* "5 m an Hydranten" / "5 m to hydrants" for a min_distance part. */
static void gp_clearance_words(const ge_rule *r, char *de, size_t nde, char *en, size_t nen)
{
    char d[32], e[32];
    const char *layer = r->nlayers ? r->layers[0] : "?";

    ge_rules_format_number(r->min, 2, 0, true, d, sizeof d);
    ge_rules_format_number(r->min, 2, 0, false, e, sizeof e);
    snprintf(de, nde, "%s m an %s", d, gp_layer_plural(layer, true));
    snprintf(en, nen, "%s m to %s", e, gp_layer_plural(layer, false));
}

static int gp_reasons(gp_search *s, ge_placement_result *out)
{
    char de[600], en[600], what_de[96], what_en[96], dist_de[32], dist_en[32];
    struct gp_part *inside = NULL;
    size_t total = 0;
    json_t *t;

    ge_rules_format_number(s->req->max_distance_m, 0, 0, true, dist_de, sizeof dist_de);
    ge_rules_format_number(s->req->max_distance_m, 0, 0, false, dist_en, sizeof dist_en);
    if (s->shape == GE_PLACE_RECTANGLE) {
        char w[2][32], l[2][32];
        for (int g = 0; g < 2; g++) {
            ge_rules_format_number(s->w, 2, 0, g == 0, w[g], sizeof w[g]);
            ge_rules_format_number(s->l, 2, 0, g == 0, l[g], sizeof l[g]);
        }
        snprintf(what_de, sizeof what_de, "eine Fläche von %s × %s m", w[0], l[0]);
        snprintf(what_en, sizeof what_en, "an area of %s × %s m", w[1], l[1]);
    } else {
        snprintf(what_de, sizeof what_de, "%s",
                 s->shape == GE_PLACE_LINE ? "eine Zufahrt" : "ein Standort");
        snprintf(what_en, sizeof what_en, "%s", s->shape == GE_PLACE_LINE ? "an access" : "a spot");
    }
    for (size_t i = 0; i < s->nparts; i++) {
        total += s->parts[i].refused;
        if (gp_zone(s->parts[i].rule) == GE_RULE_ZONE_WITHIN &&
            GEOSisEmpty_r(s->h, s->region) == 1 && !inside)
            inside = &s->parts[i];
    }
    if (s->sampled == 0 && s->engine_refused == 0) {
        snprintf(de, sizeof de,
                 "Im Umkreis von %s m liegt keine Straße, an der %s geplant werden kann.", dist_de,
                 what_de);
        snprintf(en, sizeof en, "There is no street within %s m along which %s could be placed.",
                 dist_en, what_en);
        t = gp_text(GE_TEXT(DE(de), EN(en)));
        return t ? json_array_append_new(out->reasons, t) : GE_ENOMEM;
    }
    /* the inside constraints first: no room at all */
    for (size_t i = 0; i < s->nparts; i++) {
        const struct gp_part *p = &s->parts[i];
        if (gp_zone(p->rule) != GE_RULE_ZONE_WITHIN || p->refused * 5 < total) continue;
        snprintf(de, sizeof de, "Im Umkreis von %s m passt %s nirgends ganz in %s.", dist_de,
                 what_de, gp_layer_plural(p->rule->layers[0], true));
        snprintf(en, sizeof en, "Within %s m, %s fits nowhere entirely into %s.", dist_en, what_en,
                 gp_layer_plural(p->rule->layers[0], false));
        if ((t = gp_text(GE_TEXT(DE(de), EN(en))))) json_array_append_new(out->reasons, t);
    }
    /* then the clearances that refused a fifth or more of the rest */
    {
        char lde[400] = "", len_[400] = "";
        size_t n = 0, shown = 0;
        for (size_t i = 0; i < s->nparts; i++)
            n += gp_zone(s->parts[i].rule) != GE_RULE_ZONE_WITHIN &&
                 s->parts[i].refused * 5 >= total && s->parts[i].refused > 0;
        for (size_t i = 0; i < s->nparts; i++) {
            const struct gp_part *p = &s->parts[i];
            char d[120], e[120];
            if (gp_zone(p->rule) == GE_RULE_ZONE_WITHIN || p->refused * 5 < total ||
                p->refused == 0)
                continue;
            if (gp_zone(p->rule) == GE_RULE_ZONE_CLEARANCE) {
                gp_clearance_words(p->rule, d, sizeof d, e, sizeof e);
            } else {
                snprintf(d, sizeof d, "auf %s", gp_layer_plural(p->rule->layers[0], true));
                snprintf(e, sizeof e, "on %s", gp_layer_plural(p->rule->layers[0], false));
            }
            shown++;
            snprintf(lde + strlen(lde), sizeof lde - strlen(lde), "%s%s",
                     shown == 1   ? ""
                     : shown == n ? " oder "
                                  : ", ",
                     d);
            snprintf(len_ + strlen(len_), sizeof len_ - strlen(len_), "%s%s",
                     shown == 1   ? ""
                     : shown == n ? " or "
                                  : ", ",
                     e);
        }
        if (shown) {
            snprintf(de, sizeof de, "Im Umkreis von %s m läge %s überall näher als erlaubt: %s.",
                     dist_de, what_de, lde);
            snprintf(en, sizeof en, "Within %s m, %s would everywhere be too close: %s.", dist_en,
                     what_en, len_);
            if ((t = gp_text(GE_TEXT(DE(de), EN(en))))) json_array_append_new(out->reasons, t);
        }
    }
    if (json_array_size(out->reasons) == 0) {
        snprintf(de, sizeof de,
                 "Im Umkreis von %s m erfüllt kein Platz für %s alle Regeln des Antrags.", dist_de,
                 what_de);
        snprintf(en, sizeof en, "Within %s m, no place for %s meets all rules of the application.",
                 dist_en, what_en);
        if ((t = gp_text(GE_TEXT(DE(de), EN(en))))) json_array_append_new(out->reasons, t);
    }
    return GE_OK;
}

/* ---- the search ---------------------------------------------------------- */

static void gp_search_free(gp_search *s)
{
    for (size_t i = 0; i < s->nparts; i++) {
        if (s->parts[i].prep) GEOSPreparedGeom_destroy_r(s->h, s->parts[i].prep);
        GEOSGeom_destroy_r(s->h, s->parts[i].geom);
    }
    if (s->prep) GEOSPreparedGeom_destroy_r(s->h, s->prep);
    if (s->region) GEOSGeom_destroy_r(s->h, s->region);
}

/* The farthest a candidate reaches beyond max_distance, and the widest
 * clearance: what the region must cover. */
static double gp_reach_extra(const gp_search *s)
{
    /* clearances reach farther by themselves: gp_items grows its query by
     * each rule's distance */
    return (s->shape == GE_PLACE_RECTANGLE ? hypot(s->w, s->l) : 0) + 1;
}

/* What the judging keeps across passes: proposals with warnings wait in
 * spare until the warning-free ones are counted; refused candidates are
 * remembered, on a sample, for the reasons. */
typedef struct gp_pick {
    ge_placement spare[GE_PLACEMENT_MAX_LIMIT];
    size_t nspare;
    gp_cand refused[GP_BLAME_SAMPLE];
    size_t nrefused;
    size_t checks; /* engine checks so far */
} gp_pick;

/* The candidates in rank order: the region first, then the engine, until
 * enough proposals are warning-free or the engine checks are used up. */
static int gp_judge(gp_search *s, gp_cands *cands, ge_placement_result *out, gp_pick *pk)
{
    GEOSContextHandle_t h = s->h;
    const ge_placement_req *req = s->req;
    int rc = GE_OK;

    if (cands->n > 1) qsort(cands->v, cands->n, sizeof *cands->v, gp_cand_cmp);
    for (size_t i = 0; rc == GE_OK && i < cands->n && out->n < (size_t)req->limit &&
                       pk->checks < GP_MAX_ENGINE_CHECKS;
         i++) {
        GEOSGeometry *g = gp_candidate_geom(s, &cands->v[i]);
        json_t *report = NULL;
        int warnings = 0;

        if (ge_budget_check()) rc = ge_err_set(s->err, GE_EBUDGET, "stopped by the budget");
        if (!g || rc < 0) {
            if (g) GEOSGeom_destroy_r(h, g);
            if (rc == GE_OK) rc = ge_err_set(s->err, GE_ENOMEM, "out of memory");
            break;
        }
        if (gp_anchor_distance(s, g) > req->max_distance_m) {
            GEOSGeom_destroy_r(h, g);
            continue;
        }
        if (GEOSPreparedCovers_r(h, s->prep, g) != 1) {
            if (pk->nrefused < GP_BLAME_SAMPLE) pk->refused[pk->nrefused++] = cands->v[i];
            GEOSGeom_destroy_r(h, g);
            continue;
        }
        if (!gp_far_from_chosen(s, out, g) ||
            (pk->nspare &&
             !gp_far_from_chosen(s, &(ge_placement_result){.v = pk->spare, .n = pk->nspare}, g))) {
            GEOSGeom_destroy_r(h, g);
            continue;
        }
        pk->checks++;
        rc = gp_engine(s, g, &report);
        if (rc == GE_OK && gp_acceptable(report, req->period != NULL, &warnings) &&
            (warnings == 0 || pk->nspare < (size_t)req->limit)) {
            ge_placement *p = warnings == 0 ? &out->v[out->n++] : &pk->spare[pk->nspare++];
            p->geom = g;
            p->report = report;
            p->distance_m = gp_anchor_distance(s, g);
        } else {
            s->engine_refused += rc == GE_OK;
            GEOSGeom_destroy_r(h, g);
            json_decref(report);
        }
    }
    return rc;
}

int ge_placement_search(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_placement_req *req,
                        ge_placement_result *out, ge_err *err)
{
    gp_search s = {.h = h, .snap = snap, .req = req, .err = err};
    gp_cands cands = {0};
    gp_pick pick = {0};
    double extra;
    int rc;

    memset(out, 0, sizeof *out);
    out->reasons = json_array();
    out->v = calloc((size_t)(req->limit > 0 ? req->limit : 1), sizeof *out->v);
    if (!out->reasons || !out->v) return ge_err_set(err, GE_ENOMEM, "out of memory");
    rc = ge_placement_check(req, NULL, err);
    if (rc < 0) return rc;
    s.shape = gp_shape(req);
    if (s.shape == GE_PLACE_RECTANGLE) rc = gp_size(req, &s.w, &s.l, err);
    if (rc < 0) return rc;
    if (s.shape == GE_PLACE_RECTANGLE) gp_fit_size(req->service, &s.w, &s.l);
    out->shape = s.shape;
    out->width_m = s.w;
    out->length_m = s.l;
    extra = gp_reach_extra(&s);
    s.box[0] = req->ax - req->max_distance_m - extra;
    s.box[1] = req->ay - req->max_distance_m - extra;
    s.box[2] = req->ax + req->max_distance_m + extra;
    s.box[3] = req->ay + req->max_distance_m + extra;
    rc = gp_region(&s);
    if (rc == GE_OK)
        rc = s.shape == GE_PLACE_RECTANGLE ? gp_rect_candidates(&s, &cands)
             : s.shape == GE_PLACE_POINT   ? gp_point_candidates(&s, &cands)
                                           : gp_line_candidates(&s, &cands);
    if (rc == GE_OK) rc = gp_judge(&s, &cands, out, &pick);
    /* too few along the preferred lines: distances from the region itself */
    if (rc == GE_OK && s.shape == GE_PLACE_RECTANGLE && out->n + pick.nspare < (size_t)req->limit &&
        pick.checks < GP_MAX_ENGINE_CHECKS) {
        cands.n = 0;
        rc = gp_stretch_candidates(&s, &cands);
        if (rc == GE_OK) rc = gp_judge(&s, &cands, out, &pick);
    }
    /* fill up with the ones that carry warnings, in their order */
    for (size_t i = 0; i < pick.nspare; i++) {
        if (rc == GE_OK && out->n < (size_t)req->limit) {
            out->v[out->n++] = pick.spare[i];
        } else {
            GEOSGeom_destroy_r(h, pick.spare[i].geom);
            json_decref(pick.spare[i].report);
        }
    }
    /* why not (more): which constraint refused the candidates, on a sample */
    for (size_t i = 0; rc == GE_OK && out->n < (size_t)req->limit && i < pick.nrefused; i++) {
        GEOSGeometry *g = gp_candidate_geom(&s, &pick.refused[i]);
        if (g) gp_blame(&s, g);
        if (g) GEOSGeom_destroy_r(h, g);
    }
    if (rc == GE_OK && out->n < (size_t)req->limit) rc = gp_reasons(&s, out);
    free(cands.v);
    gp_search_free(&s);
    return rc;
}

void ge_placement_result_free(GEOSContextHandle_t h, ge_placement_result *r)
{
    for (size_t i = 0; r->v && i < r->n; i++) {
        if (r->v[i].geom) GEOSGeom_destroy_r(h, r->v[i].geom);
        json_decref(r->v[i].report);
    }
    free(r->v);
    json_decref(r->reasons);
    memset(r, 0, sizeof *r);
}
