/*
 * rules_measure.c - what the engine learns from a drawing by itself: its
 * type, validity, area, length and rectangle sides, and the rules that
 * judge only those (geometry_type, count, valid_geometry, area, length,
 * dimensions).
 *
 * Everything is measured once per feature in gr_feature_prepare() and read
 * by every rule, so a service with five size rules measures once.
 */
#include "rules_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geojson_out.h"

static unsigned gr_type_bit(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
        return GE_GT_POINT;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return GE_GT_LINESTRING;
    case GEOS_POLYGON:
        return GE_GT_POLYGON;
    case GEOS_MULTIPOINT:
        return GE_GT_MULTIPOINT;
    case GEOS_MULTILINESTRING:
        return GE_GT_MULTILINESTRING;
    case GEOS_MULTIPOLYGON:
        return GE_GT_MULTIPOLYGON;
    default:
        return 0;
    }
}

/* Sides of the minimum rotated rectangle: for a drawn rectangle exactly its
 * width and length, for other shapes the box they would need. */
static int gr_to_local(double *x, double *y, void *ud)
{
    const double *origin = ud;
    *x -= origin[0];
    *y -= origin[1];
    return 1;
}

static void gr_feature_dims(gr_ctx *c, gr_feature *f)
{
    /* GEOS computes the rectangle with ~5 um of error at UTM magnitudes
     * (5.8e6 m); near the origin the error vanishes, and a limit of 3.00 m
     * should not be judged on the sixth decimal. */
    double origin[2] = {f->minx, f->miny};
    GEOSGeometry *moved = GEOSGeom_transformXY_r(c->h, f->geom, gr_to_local, origin);
    GEOSGeometry *mrr = moved ? GEOSMinimumRotatedRectangle_r(c->h, moved) : NULL;
    const GEOSGeometry *ring;
    const GEOSCoordSequence *seq;
    double x[3], y[3], a, b;

    if (moved) GEOSGeom_destroy_r(c->h, moved);
    if (!mrr) return;
    if (GEOSGeomTypeId_r(c->h, mrr) == GEOS_POLYGON) {
        ring = GEOSGetExteriorRing_r(c->h, mrr);
        seq = ring ? GEOSGeom_getCoordSeq_r(c->h, ring) : NULL;
        for (unsigned i = 0; seq && i < 3; i++)
            GEOSCoordSeq_getXY_r(c->h, seq, i, &x[i], &y[i]);
        if (seq) {
            a = hypot(x[1] - x[0], y[1] - y[0]);
            b = hypot(x[2] - x[1], y[2] - y[1]);
            f->width = fmin(a, b);
            f->rect_length = fmax(a, b);
            f->has_dims = true;
        }
    } else {
        /* Degenerate (all points on a line): no width. */
        GEOSLength_r(c->h, mrr, &f->rect_length);
        f->width = 0;
        f->has_dims = true;
    }
    GEOSGeom_destroy_r(c->h, mrr);
}

/* GEOS's validity, and for lines also simplicity: a line that crosses
 * itself is valid in the OGC sense but is no way across a kerb, and noding
 * its crossings is what makes overlays of it quadratic (a 4,001-vertex star
 * has 8 million). Both tests stop at the first problem. No repair is tried:
 * GEOSMakeValid nodes every crossing, the cost this avoids (rules.c leaves
 * the rules that need a valid drawing unchecked instead). */
static void gr_feature_validity(gr_ctx *c, gr_feature *f)
{
    char *reason = NULL;
    GEOSGeometry *loc = NULL;
    char ok = GEOSisValidDetail_r(c->h, f->geom, 0, &reason, &loc);

    f->valid = ok == 1;
    if (!f->valid) {
        snprintf(f->reason, sizeof f->reason, "%s", reason ? reason : "invalid geometry");
        f->invalid_at = loc;
        loc = NULL;
    } else if (f->dim == 1 && GEOSisSimple_r(c->h, f->geom) != 1) {
        f->valid = false;
        snprintf(f->reason, sizeof f->reason, "Line self-intersection");
    }
    if (reason) GEOSFree_r(c->h, reason);
    if (loc) GEOSGeom_destroy_r(c->h, loc);
}

int gr_feature_prepare(gr_ctx *c, gr_feature *f, size_t index, const GEOSGeometry *g)
{
    const GEOSGeometry *m;

    memset(f, 0, sizeof *f);
    f->index = index;
    f->geom = g;
    f->type = gr_type_bit(c->h, g);
    f->dim = GEOSGeom_getDimensions_r(c->h, g);
    f->npoints = GEOSGetNumCoordinates_r(c->h, g);
    if (!GEOSGeom_getExtent_r(c->h, g, &f->minx, &f->miny, &f->maxx, &f->maxy))
        return ge_err_set(c->err, GE_EINVAL, "feature %zu: empty geometry", index);
    gr_feature_validity(c, f);
    m = f->geom;
    f->prep = GEOSPrepare_r(c->h, m);
    if (f->dim == 2) {
        /* The area of a self-crossing outline is not defined (a bow tie's
         * halves cancel out); its length and rectangle are. */
        if (f->valid) GEOSArea_r(c->h, m, &f->area);
        GEOSLength_r(c->h, m, &f->perimeter);
        gr_feature_dims(c, f);
    } else if (f->dim == 1) {
        GEOSLength_r(c->h, f->geom, &f->length);
    }
    return GE_OK;
}

void gr_feature_clear(gr_ctx *c, gr_feature *f)
{
    if (f->invalid_at) GEOSGeom_destroy_r(c->h, f->invalid_at);
    if (f->prep) GEOSPreparedGeom_destroy_r(c->h, f->prep);
    memset(f, 0, sizeof *f);
}

json_t *gr_feature_measures(const gr_feature *f)
{
    json_t *m =
        json_pack("{s:I, s:s}", "feature", (json_int_t)f->index, "type",
                  ge_geometry_type_name(f->type) ? ge_geometry_type_name(f->type) : "Geometry");

    if (!m) return NULL;
    if (f->dim == 2) {
        if (f->valid) json_object_set_new(m, "area_m2", json_real(ge_geojson_round(f->area, 2)));
        json_object_set_new(m, "perimeter_m", json_real(ge_geojson_round(f->perimeter, 3)));
        if (f->has_dims) {
            json_object_set_new(m, "width_m", json_real(ge_geojson_round(f->width, 3)));
            json_object_set_new(m, "length_m", json_real(ge_geojson_round(f->rect_length, 3)));
        }
    } else if (f->dim == 1) {
        json_object_set_new(m, "length_m", json_real(ge_geojson_round(f->length, 3)));
    }
    if (!f->valid) json_object_set_new(m, "valid", json_false());
    return m;
}

int gr_check_geometry_type(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    gr_violation v = {.rule = r, .feature = (long)f->index};
    const char *name = ge_geometry_type_name(f->type);

    if (r->types & f->type) return GE_OK;
    v.measured_json = json_string(name ? name : "Geometry");
    v.limit_json = json_array();
    for (unsigned bit = 1; bit <= GE_GT_MULTIPOLYGON; bit <<= 1)
        if (r->types & bit)
            json_array_append_new(v.limit_json, json_string(ge_geometry_type_name(bit)));
    snprintf(v.measured_text[0], sizeof v.measured_text[0], "%s", gr_type_name(f->type, true));
    snprintf(v.measured_text[1], sizeof v.measured_text[1], "%s", gr_type_name(f->type, false));
    gr_type_list(r->types, true, v.limit_text[0], sizeof v.limit_text[0]);
    gr_type_list(r->types, false, v.limit_text[1], sizeof v.limit_text[1]);
    return gr_emit(c, &v);
}

int gr_check_count(gr_ctx *c, const ge_rule *r, size_t n)
{
    gr_violation v = {.rule = r, .feature = -1, .has_measured = true, .measured = (double)n};

    if (r->has_min && (double)n < r->min)
        v.bound = GR_BOUND_MIN;
    else if (r->has_max && (double)n > r->max)
        v.bound = GR_BOUND_MAX;
    else
        return GE_OK;
    return gr_emit(c, &v);
}

int gr_check_valid_geometry(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    gr_violation v = {.rule = r, .feature = (long)f->index};

    if (f->valid) return GE_OK;
    v.measured_json = json_string(f->reason);
    v.vars[0].name = "reason";
    snprintf(v.vars[0].de, sizeof v.vars[0].de, "%s", gr_reason_text(f->reason, true));
    snprintf(v.vars[0].en, sizeof v.vars[0].en, "%s", gr_reason_text(f->reason, false));
    v.nvars = 1;
    /* The location of the self-intersection, or the drawing itself. */
    v.highlight = GEOSGeom_clone_r(c->h, f->invalid_at ? f->invalid_at : f->geom);
    return gr_emit(c, &v);
}

/* A min/max check on a measured value; the highlight is the feature. */
static int gr_check_range(gr_ctx *c, const ge_rule *r, const gr_feature *f, double value,
                          GEOSGeometry *highlight)
{
    gr_violation v = {
        .rule = r, .feature = (long)f->index, .has_measured = true, .measured = value};

    if (r->has_min && value < r->min - GR_EPS)
        v.bound = GR_BOUND_MIN;
    else if (r->has_max && value > r->max + GR_EPS)
        v.bound = GR_BOUND_MAX;
    if (v.bound == GR_BOUND_NONE) {
        if (highlight) GEOSGeom_destroy_r(c->h, highlight);
        return GE_OK;
    }
    v.highlight = highlight ? highlight : GEOSGeom_clone_r(c->h, f->geom);
    return gr_emit(c, &v);
}

int gr_check_area(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    return gr_check_range(c, r, f, f->area, NULL);
}

int gr_check_length(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    return gr_check_range(c, r, f, f->length, NULL);
}

int gr_check_dimensions(gr_ctx *c, const ge_rule *r, const gr_feature *f)
{
    if (!f->has_dims)
        return gr_unchecked(c, r, (long)f->index,
                            GE_TEXT(DE("Die Maße der Fläche sind nicht bestimmbar."),
                                    EN("The sides of the area cannot be measured.")));
    return gr_check_range(c, r, f, r->measure_width ? f->width : f->rect_length, NULL);
}
