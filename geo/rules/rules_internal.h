/*
 * rules_internal.h - what the rule engine's files share (not a public API).
 *
 * rules.c runs a validation and writes the report; rules_measure.c checks
 * the drawing by itself (type, count, validity, size); rules_layers.c checks
 * it against reference layers; rules_time.c checks periods and conflicts;
 * rules_message.c renders the bilingual messages. Each check reads a
 * prepared gr_feature and calls gr_emit() for a violation.
 */
#ifndef GE_RULES_INTERNAL_H
#define GE_RULES_INTERNAL_H

#include "rules.h"

/* Compare lengths at half a millimetre and areas at 5 cm2 (see rules.h). */
#define GR_EPS 0.0005

typedef struct gr_feature {
    size_t index;
    const GEOSGeometry *geom; /* as drawn (store CRS) */
    unsigned type;            /* GE_GT_* */
    int dim;                  /* 0 points, 1 lines, 2 polygons */
    int npoints;              /* vertices */
    double minx, miny, maxx, maxy;
    bool valid;                     /* valid, and for lines simple (no self-crossing) */
    char reason[128];               /* GEOS's reason when not valid */
    GEOSGeometry *invalid_at;       /* where, when GEOS says */
    double area, length, perimeter; /* area: valid polygons; length: lines; perimeter: polygons */
    double width, rect_length;      /* sides of the minimum rotated rectangle (polygons) */
    bool has_dims;
    /* geom prepared, for intersects (valid drawings only) and distances
     * against small items: cheaper than GEOSIntersects_r, which computes
     * the whole relate matrix, and than DistanceOp, which measures every
     * pair of segments; NULL when GEOS could not prepare it (the plain
     * operations are used then) */
    const GEOSPreparedGeometry *prep;
} gr_feature;

typedef struct gr_ctx {
    GEOSContextHandle_t h;
    const ge_refsnap *snap;
    const ge_rules_input *in;
    ge_crs store_crs;
    json_t *violations;
    json_t *unchecked;
    bool period_missing_reported;
    ge_err *err;
} gr_ctx;

enum { GR_BOUND_NONE, GR_BOUND_MIN, GR_BOUND_MAX, GR_BOUND_MISSING };

/* Extra placeholder values, per language: {reason}, {start}, {end}, ... */
typedef struct gr_var {
    const char *name;
    char de[96];
    char en[96];
} gr_var;

typedef struct gr_violation {
    const ge_rule *rule;
    long feature; /* -1: the whole submission */
    int bound;    /* GR_BOUND_* */
    bool has_measured;
    double measured;
    json_t *measured_json;     /* instead of a number (a type name); stolen */
    json_t *limit_json;        /* instead of rule->min/max (a type list); stolen */
    const char *unit;          /* overrides the kind's unit (outside: m2 or m); "": none */
    char measured_text[2][96]; /* overrides the number formatting of {measured} */
    char limit_text[2][96];    /* overrides {limit} */
    GEOSGeometry *highlight;   /* stolen */
    const ge_text *text;       /* overrides the rule's message templates */
    json_t *ref;               /* stolen */
    gr_var vars[3];
    int nvars;
} gr_violation;

/* Appends the violation to the report; frees what it stole. */
int gr_emit(gr_ctx *c, gr_violation *v);

/* Notes that a rule could not be checked (a layer is not loaded ...). */
int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, ge_text reason);

/* The limit the violation breaks: rule->min or rule->max. */
double gr_limit_of(const gr_violation *v);

/* rules_measure.c */
int gr_feature_prepare(gr_ctx *c, gr_feature *f, size_t index, const GEOSGeometry *g);
void gr_feature_clear(gr_ctx *c, gr_feature *f);
json_t *gr_feature_measures(const gr_feature *f);
int gr_check_geometry_type(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_count(gr_ctx *c, const ge_rule *r, size_t n);
int gr_check_valid_geometry(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_area(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_length(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_dimensions(gr_ctx *c, const ge_rule *r, const gr_feature *f);

/* rules_layers.c */
int gr_check_inside(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_outside(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_min_distance(gr_ctx *c, const ge_rule *r, const gr_feature *f);
int gr_check_max_distance(gr_ctx *c, const ge_rule *r, const gr_feature *f);

/* rules_time.c */
int gr_check_period_length(gr_ctx *c, const ge_rule *r, size_t nfeatures);
int gr_check_period_lead(gr_ctx *c, const ge_rule *r, size_t nfeatures);
int gr_check_conflict(gr_ctx *c, const ge_rule *r, const gr_feature *f);

/* rules_message.c */
/* Renders a template with the violation's values in one language; malloc'd. */
char *gr_render(const char *tpl, const gr_violation *v, bool german);
/* Localised geometry type name ("Fläche" / "area") and lists of them. */
const char *gr_type_name(unsigned bit, bool german);
void gr_type_list(unsigned bits, bool german, char *buf, size_t n);
/* GEOS's validity reason in German or English. */
const char *gr_reason_text(const char *geos_reason, bool german);

#endif
