/*
 * import_mapping.h - the layer mapping file of an import, parsed and checked.
 *
 * The file format is documented in data/layers/README.md. Parsing is strict:
 * an unknown key anywhere is an error that names the key, where it is and
 * which keys are known there, so that a typo never silently drops a filter.
 */
#ifndef GE_IMPORT_MAPPING_H
#define GE_IMPORT_MAPPING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The kind of geometry a layer holds; features of another kind are skipped. */
typedef enum ge_import_kind {
    GE_IMPORT_KIND_POINT = 1,
    GE_IMPORT_KIND_LINE,
    GE_IMPORT_KIND_POLYGON
} ge_import_kind;

/* How a layer is made from its inputs. */
typedef enum ge_import_derive {
    GE_IMPORT_DERIVE_NONE = 0,     /* features copied one by one */
    GE_IMPORT_DERIVE_BOUNDARY,     /* union of the lowest admin level (or --boundary) */
    GE_IMPORT_DERIVE_STREET_SPACE, /* buffered centrelines + street-area polygons */
    GE_IMPORT_DERIVE_JUNCTIONS,    /* nodes of the road network of degree >= min_degree */
    GE_IMPORT_DERIVE_CYCLEWAYS,    /* cycleways + cycle lanes/tracks offset from roads */
    GE_IMPORT_DERIVE_ADDRESSES,    /* address points + point on surface of addressed areas */
    GE_IMPORT_DERIVE_ROADS         /* centrelines as they are, plus their carriageway_m */
} ge_import_derive;

/* How a property value is written. */
typedef enum ge_import_prop_type {
    GE_IMPORT_PROP_AUTO = 0, /* as the source has it (numbers stay numbers) */
    GE_IMPORT_PROP_STRING,
    GE_IMPORT_PROP_INTEGER, /* "2" -> 2; not an integer: left out */
    GE_IMPORT_PROP_NUMBER   /* "6,5 m" -> 6.5; not a number: left out */
} ge_import_prop_type;

typedef struct ge_import_prop {
    char *name;  /* output property */
    char *field; /* source attribute */
    ge_import_prop_type type;
} ge_import_prop;

/* Where features come from: a source layer and an OGR attribute filter. */
typedef struct ge_import_input {
    char *source; /* layer name in the sources; NULL when unused */
    char *where;  /* OGR SQL WHERE clause, or NULL */
} ge_import_input;

typedef struct ge_import_layer_map {
    char name[64];
    char *title;
    char *description;    /* as given (the OSM mapping's are English) */
    char *description_de; /* the German one for German pages, or NULL */
    char *attribution;
    char *srs; /* CRS of sources without one ("EPSG:25832"), or NULL */
    ge_import_kind kind;
    ge_import_derive derive;
    ge_import_input input; /* the main input */
    ge_import_input extra; /* "areas" (street_space, addresses) or "lanes" (cycleways) */
    ge_import_prop *props;
    size_t nprops;
    char *level_field; /* boundary: the admin level attribute */
    int min_degree;    /* junctions */
} ge_import_layer_map;

/* How wide a road is when it does not say (street_space, cycleways). */
typedef struct ge_import_class_width {
    char *cls;
    double width;
} ge_import_class_width;

typedef struct ge_import_road_widths {
    double lane_width;     /* metres per lane when only `lanes` is tagged */
    double sidewalk_width; /* metres per side when `sidewalk` is tagged */
    double fallback_width; /* a class with no default below */
    ge_import_class_width *defaults;
    size_t ndefaults;
} ge_import_road_widths;

typedef struct ge_import_mapping {
    char *path;        /* as given, for messages */
    char *attribution; /* default of all layers */
    char *osm_config;  /* osmconf.ini for the OSM driver, resolved against the mapping's folder */
    ge_import_road_widths roads;
    ge_import_layer_map *layers;
    size_t nlayers;
} ge_import_mapping;

/* Reads and checks a mapping file. Errors (GE_EINVAL, GE_ENOENT, GE_EIO) name
 * the file and, for JSON syntax, the line and column; for content, the path
 * of the member ("layers.hydrants: unknown key 'sourc' (known: ...)"). */
int ge_import_mapping_load(const char *path, ge_import_mapping **out, ge_err *err);

/* The same from text in memory; `name` stands for the file in messages and
 * `dir` resolves relative paths (NULL: the current directory). */
int ge_import_mapping_parse(const char *text, const char *name, const char *dir,
                            ge_import_mapping **out, ge_err *err);

void ge_import_mapping_free(ge_import_mapping *m);

/* The default width of a road class (the mapping's road_widths.defaults),
 * or the fallback width. */
double ge_import_mapping_class_width(const ge_import_mapping *m, const char *cls);

const char *ge_import_derive_name(ge_import_derive d);

/* The layer's properties for a feature with these source attributes: each
 * mapped property whose field is set, converted to its type. New reference. */
json_t *ge_import_mapping_props(const ge_import_layer_map *lm, const json_t *attrs);

/* A number as OSM writes lengths: "6", "6.5", "6,5", "6 m", "6m". Units other
 * than metres, lists ("6;7") and words are refused. */
bool ge_import_parse_number(const char *s, double *out);

/* A numeric attribute (a number, or a string ge_import_parse_number takes). */
bool ge_import_attr_number(const json_t *attrs, const char *key, double *out);

/* A string attribute, or NULL when absent or not a string. */
const char *ge_import_attr_string(const json_t *attrs, const char *key);

#endif
