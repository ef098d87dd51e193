/*
 * service.h - services (application types) as data: loading and checking
 * the JSON files in data/services/ at start-up, and describing them to the API.
 *
 * A service says which geometry types and how many features an applicant
 * may draw, which rules the drawing must meet (each with a severity, its
 * parameters, bilingual message templates and the source of its limit), and
 * how long cases are kept. data/services/README.md documents the format.
 *
 * Loading is strict: an unknown key, a wrong type, an unknown rule kind, a
 * placeholder the kind does not fill, or a missing message is an error that
 * names the file, the JSON path and the problem, and the server does not
 * start. A typo must not silently switch a rule off. Layer names are checked
 * only for their form: whether a layer exists depends on what was imported,
 * which can change after start-up, so ge_services_check_layers() reports
 * unknown layers as warnings and the rule engine lists the rule under
 * "unchecked" in every report until the layer is imported.
 *
 * Services are immutable after loading and safe to read from any thread.
 */
#ifndef GE_SERVICE_H
#define GE_SERVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "refindex.h"
#include "text.h"

typedef enum ge_rule_kind {
    GE_RULE_GEOMETRY_TYPE,
    GE_RULE_COUNT,
    GE_RULE_VALID_GEOMETRY,
    GE_RULE_AREA,
    GE_RULE_LENGTH,
    GE_RULE_DIMENSIONS,
    GE_RULE_INSIDE,
    GE_RULE_OUTSIDE,
    GE_RULE_MIN_DISTANCE,
    GE_RULE_MAX_DISTANCE,
    GE_RULE_PERIOD_LENGTH,
    GE_RULE_PERIOD_LEAD,
    GE_RULE_CONFLICT,
    GE_RULE_KIND_COUNT
} ge_rule_kind;

typedef enum ge_severity { GE_SEVERITY_ERROR, GE_SEVERITY_WARNING } ge_severity;

/* Geometry types as bits, for allowed types and applies_to. */
enum {
    GE_GT_POINT = 1 << 0,
    GE_GT_LINESTRING = 1 << 1,
    GE_GT_POLYGON = 1 << 2,
    GE_GT_MULTIPOINT = 1 << 3,
    GE_GT_MULTILINESTRING = 1 << 4,
    GE_GT_MULTIPOLYGON = 1 << 5,
    GE_GT_PUNTAL = GE_GT_POINT | GE_GT_MULTIPOINT,
    GE_GT_LINEAL = GE_GT_LINESTRING | GE_GT_MULTILINESTRING,
    GE_GT_POLYGONAL = GE_GT_POLYGON | GE_GT_MULTIPOLYGON,
    GE_GT_ALL = GE_GT_PUNTAL | GE_GT_LINEAL | GE_GT_POLYGONAL
};

typedef struct ge_rule {
    char *id;
    ge_rule_kind kind;
    ge_severity severity;
    unsigned applies_to; /* GE_GT_* bits the rule checks (the kind's default if not given) */
    bool has_min, has_max;
    double min, max; /* the limits, in the kind's unit (ge_rule_unit) */
    unsigned types;  /* geometry_type: allowed GE_GT_* bits */
    char **layers;   /* inside, outside, min_distance, max_distance */
    size_t nlayers;
    double tolerance;   /* inside: tolerance_m; outside: min_overlap */
    bool measure_width; /* dimensions: width (short side) rather than length */
    char **services;    /* conflict: service ids whose cases conflict */
    size_t nservices;
    ge_text text;           /* message templates; */
    ge_text text_min;       /* ... when the min limit is broken (falls back to text) */
    ge_text text_max;       /* ... when the max limit is broken (falls back to text) */
    ge_text text_missing;   /* period rules: no period given (falls back to a built-in text) */
    ge_text text_anonymous; /* conflict: what applicants read ({limit}, {overlap}; falls
                               back to a built-in text; see rules.h) */
    char *source;           /* where the limit comes from */
    json_t *params;         /* the params object as written, for describing the rule */
} ge_rule;

/* How the placement assistant (placement.h) proposes a place for this
 * service: the shape it draws, and the size of a rectangle when the request
 * names none. From the service file's optional "placement" member:
 * {"shape": "rectangle"|"point"|"line", "size": {"width_m", "length_m"}}. */
typedef enum ge_place_shape {
    GE_PLACE_INFER = 0, /* not given: from the geometry_type rule (placement.c) */
    GE_PLACE_RECTANGLE,
    GE_PLACE_POINT,
    GE_PLACE_LINE
} ge_place_shape;

typedef struct ge_place_spec {
    ge_place_shape shape;
    double width_m, length_m; /* default size of a rectangle; 0 when not given */
} ge_place_spec;

typedef struct ge_service {
    char *id;
    ge_text title;
    ge_text description;
    int retention_days; /* days a closed case is kept */
    ge_place_spec placement;
    ge_rule *rules;
    size_t nrules;
    char *file; /* where it was loaded from ("" when parsed from memory) */
} ge_service;

typedef struct ge_services ge_services;

/* Parses one service document; file names it in errors (may be NULL). */
int ge_service_parse(const json_t *doc, const char *file, ge_service **out, ge_err *err);

/* Loads and parses one file; its name (without .json) must be the service id. */
int ge_service_load_file(const char *path, ge_service **out, ge_err *err);

void ge_service_free(ge_service *s);

/* Loads every *.json in dir (sorted by name). Duplicate ids are an error. */
int ge_services_load_dir(const char *dir, ge_services **out, ge_err *err);

/* Makes a registry of already parsed services, taking ownership (tests). */
int ge_services_from(ge_service **v, size_t n, ge_services **out, ge_err *err);

void ge_services_free(ge_services *ss);

size_t ge_services_count(const ge_services *ss);
const ge_service *ge_services_at(const ge_services *ss, size_t i);
/* NULL when there is no such service. */
const ge_service *ge_services_find(const ge_services *ss, const char *id);

typedef void (*ge_service_warn_fn)(void *ud, const char *msg);

/* Reports (through warn) every layer a rule names that snap does not hold;
 * returns how many. */
size_t ge_services_check_layers(const ge_services *ss, const ge_refsnap *snap,
                                ge_service_warn_fn warn, void *ud);

/* GET /v1/services/{id}: everything an editor needs to guide the applicant:
 * id, title, description, retention_days, a derived summary ("geometry":
 * {types, min_count, max_count}, "period": {min_days, max_days,
 * min_lead_days, max_lead_days}) and the rules (id, kind, severity, params,
 * unit, applies_to, messages, source). New reference. */
json_t *ge_service_describe(const ge_service *s);

/* GET /v1/services: [{id, title, description, geometry}] . New reference. */
json_t *ge_services_describe(const ge_services *ss);

const char *ge_rule_kind_name(ge_rule_kind k);
const char *ge_severity_name(ge_severity s);

/* The unit of the kind's limits and measured values: "m", "m2", "days",
 * "features", or NULL. */
const char *ge_rule_unit(ge_rule_kind k);

/* GeoJSON type name <-> GE_GT_* bit (0 when unknown). */
unsigned ge_geometry_type_bit(const char *name);
const char *ge_geometry_type_name(unsigned bit);

#endif
