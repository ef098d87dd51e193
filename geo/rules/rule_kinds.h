/*
 * rule_kinds.h - the one table of rule kinds: for each kind its name, the
 * parameters it takes (type, range, default), the placeholders its messages
 * may use, the geometries it measures, its unit, whether it judges the
 * whole submission or each feature, whether it needs a valid drawing, the
 * zone it keeps on the map, and the function that checks it.
 *
 * The service loader (service.c) reads the parameters, names, placeholders
 * and types from here; the engine (rules.c) its scope, validity need and
 * check; GET /v1/services its unit and zone (which the editor draws); the
 * placement assistant its zone. Adding a kind is one entry here, its check
 * function, and its enum value in service.h.
 */
#ifndef GE_RULE_KINDS_H
#define GE_RULE_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "service.h"

/* How a parameter is read, and where it goes in ge_rule. */
typedef enum ge_rule_param_type {
    GE_RULE_PARAM_NUMBER,   /* a number >= floor */
    GE_RULE_PARAM_INTEGER,  /* a whole number >= floor */
    GE_RULE_PARAM_LAYERS,   /* a non-empty array of layer names -> layers */
    GE_RULE_PARAM_SERVICES, /* an array of service ids -> services (default: the rule's own) */
    GE_RULE_PARAM_TYPES,    /* a non-empty array of GeoJSON geometry types -> types */
    GE_RULE_PARAM_MEASURE   /* "width" or "length" -> measure_width */
} ge_rule_param_type;

typedef enum ge_rule_param_field {
    GE_RULE_FIELD_NONE,
    GE_RULE_FIELD_MIN,      /* min, has_min */
    GE_RULE_FIELD_MAX,      /* max, has_max */
    GE_RULE_FIELD_TOLERANCE /* tolerance */
} ge_rule_param_field;

typedef struct ge_rule_param {
    const char *key;
    ge_rule_param_type type;
    ge_rule_param_field field;
    double floor; /* numbers: the smallest allowed value */
    bool required;
    bool has_default; /* numbers: default sets the field (and its has_ flag) */
    double def;
} ge_rule_param;

/* Where a rule puts its mark on the map, for the editor's no-go zones and
 * the placement assistant's feasible region. */
typedef enum ge_rule_zone {
    GE_RULE_ZONE_NONE,
    GE_RULE_ZONE_WITHIN,    /* the drawing lies inside the layers' items */
    GE_RULE_ZONE_AVOID,     /* the drawing keeps off the layers' items */
    GE_RULE_ZONE_CLEARANCE, /* the drawing keeps min from the layers' items */
    GE_RULE_ZONE_REACH      /* the drawing comes within max of the layers' items */
} ge_rule_zone;

typedef enum ge_rule_scope {
    GE_RULE_SCOPE_FEATURE,   /* judged for each drawn feature */
    GE_RULE_SCOPE_SUBMISSION /* judged once for the whole drawing (count, period) */
} ge_rule_scope;

#define GE_RULE_MAX_PARAMS 4

struct gr_ctx;
struct gr_feature;

typedef struct ge_rule_kind_def {
    const char *name;
    ge_rule_param params[GE_RULE_MAX_PARAMS];
    bool range;           /* a min and/or a max (one at least, min <= max), and min/max messages */
    bool params_optional; /* the rule may leave out "params" altogether */
    const char *placeholders[3]; /* besides {measured} and {limit} */
    unsigned applies;            /* GE_GT_* bits it measures unless the rule says otherwise */
    const char *unit;            /* of measured and limit: "m", "m2", "days", "features" or NULL */
    ge_rule_scope scope;
    bool needs_valid; /* judged only on a valid drawing (overlays, area): else unchecked */
    ge_rule_zone zone;
    /* the engine's check (rules_internal.h): one of the two, by scope */
    int (*check_feature)(struct gr_ctx *c, const ge_rule *r, const struct gr_feature *f);
    int (*check_submission)(struct gr_ctx *c, const ge_rule *r, size_t nfeatures);
} ge_rule_kind_def;

/* The entry of a kind (never NULL for a kind of the enum). */
const ge_rule_kind_def *ge_rule_kind_def_of(ge_rule_kind kind);

/* The kind of a name; false when there is none. */
bool ge_rule_kind_from_name(const char *name, ge_rule_kind *out);

/* "geometry_type, count, ..." for messages. */
void ge_rule_kind_names(char *buf, size_t n);

/* The zone's name in GET /v1/services ("within", "avoid", "clearance",
 * "reach"), or NULL for none. */
const char *ge_rule_zone_name(ge_rule_zone zone);

#endif
