/*
 * import_mapping.c - reading and checking a layer mapping file (import_mapping.h).
 *
 * The format is documented in data/layers/README.md. Every object is checked
 * against the list of keys it may have; messages name the file, the member
 * path ("layers.hydrants.properties.ref") and what was wrong, and list the
 * keys that are known where an unknown one was found.
 */
#include "import_mapping.h"
#include "json_util.h"

#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

typedef struct ge_map_ctx {
    const char *name; /* the file, for messages */
    ge_err *err;
} ge_map_ctx;

static const char *const ge_map_top_keys[] = {"comment",     "attribution", "osm_config",
                                              "road_widths", "layers",      NULL};
static const char *const ge_map_roads_keys[] = {"comment",        "lane_width", "sidewalk_width",
                                                "fallback_width", "defaults",   NULL};
static const char *const ge_map_input_keys[] = {"comment", "source", "where", NULL};
static const char *const ge_map_prop_keys[] = {"comment", "field", "type", NULL};
/* Keys of a layer: the common ones, then those of each derivation. */
#define GE_MAP_LAYER_COMMON                                                                        \
    "comment", "title", "description", "description_de", "attribution", "srs", "geometry",         \
        "source", "where", "properties", "derive"
static const char *const ge_map_layer_keys[] = {GE_MAP_LAYER_COMMON, NULL};
static const char *const ge_map_layer_keys_boundary[] = {GE_MAP_LAYER_COMMON, "level_field", NULL};
static const char *const ge_map_layer_keys_areas[] = {GE_MAP_LAYER_COMMON, "areas", NULL};
static const char *const ge_map_layer_keys_junctions[] = {GE_MAP_LAYER_COMMON, "min_degree", NULL};
static const char *const ge_map_layer_keys_cycleways[] = {GE_MAP_LAYER_COMMON, "lanes", NULL};

static const struct {
    const char *name;
    ge_import_derive derive;
    ge_import_kind kind; /* what the derivation makes */
    const char *const *keys;
} ge_map_derives[] = {
    {"boundary", GE_IMPORT_DERIVE_BOUNDARY, GE_IMPORT_KIND_POLYGON, ge_map_layer_keys_boundary},
    {"street_space", GE_IMPORT_DERIVE_STREET_SPACE, GE_IMPORT_KIND_POLYGON,
     ge_map_layer_keys_areas},
    {"junctions", GE_IMPORT_DERIVE_JUNCTIONS, GE_IMPORT_KIND_POINT, ge_map_layer_keys_junctions},
    {"cycleways", GE_IMPORT_DERIVE_CYCLEWAYS, GE_IMPORT_KIND_LINE, ge_map_layer_keys_cycleways},
    {"addresses", GE_IMPORT_DERIVE_ADDRESSES, GE_IMPORT_KIND_POINT, ge_map_layer_keys_areas},
    {"roads", GE_IMPORT_DERIVE_ROADS, GE_IMPORT_KIND_LINE, ge_map_layer_keys},
};

static const char *const ge_map_kind_names[] = {NULL, "point", "line", "polygon"};
static const char *const ge_map_prop_type_names[] = {"auto", "string", "integer", "number"};

const char *ge_import_derive_name(ge_import_derive d)
{
    for (size_t i = 0; i < sizeof ge_map_derives / sizeof ge_map_derives[0]; i++)
        if (ge_map_derives[i].derive == d) return ge_map_derives[i].name;
    return "none";
}

/* ---- checking helpers ---------------------------------------------------- */

/* Sets "file: where: message" ("file: message" when where is empty). */
static int ge_map_fail(ge_map_ctx *cx, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int ge_map_fail(ge_map_ctx *cx, const char *where, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ge_err_set(cx->err, GE_EINVAL, "%s: %s%s%s", cx->name, where, where[0] ? ": " : "",
                      what);
}

static int ge_map_check_keys(ge_map_ctx *cx, const json_t *obj, const char *where,
                             const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const char *const *k;
        char list[300] = "";
        size_t len = 0;
        for (k = known; *k; k++)
            if (strcmp(*k, key) == 0) break;
        if (*k) continue;
        for (k = known; *k && len < sizeof list; k++)
            len +=
                (size_t)snprintf(list + len, sizeof list - len, "%s%s", k == known ? "" : ", ", *k);
        return ge_map_fail(cx, where, "unknown key '%s' (known: %s)", key, list);
    }
    return GE_OK;
}

static int ge_map_want(ge_map_ctx *cx, const json_t *v, json_type type, const char *where,
                       const char *key, const char *want)
{
    char at[200];
    bool ok = json_typeof(v) == type || (type == JSON_REAL && json_is_integer(v));
    if (ok) return GE_OK;
    snprintf(at, sizeof at, "%s%s%s", where, where[0] ? "." : "", key);
    return ge_map_fail(cx, at, "want %s, got %s", want, ge_json_kind(v));
}

/* An optional string member, copied. */
static int ge_map_string(ge_map_ctx *cx, const json_t *obj, const char *key, const char *where,
                         char **out)
{
    const json_t *v = json_object_get(obj, key);
    int rc;
    *out = NULL;
    if (!v) return GE_OK;
    rc = ge_map_want(cx, v, JSON_STRING, where, key, "a string");
    if (rc < 0) return rc;
    *out = strdup(json_string_value(v));
    return *out ? GE_OK : ge_err_set(cx->err, GE_ENOMEM, "out of memory");
}

static int ge_map_number(ge_map_ctx *cx, const json_t *obj, const char *key, const char *where,
                         double min, double max, double *out)
{
    const json_t *v = json_object_get(obj, key);
    char at[200];
    int rc;
    if (!v) return GE_OK;
    rc = ge_map_want(cx, v, JSON_REAL, where, key, "a number");
    if (rc < 0) return rc;
    *out = json_number_value(v);
    if (!(*out >= min && *out <= max)) {
        snprintf(at, sizeof at, "%s.%s", where, key);
        return ge_map_fail(cx, at, "%g is out of range (%g..%g)", *out, min, max);
    }
    return GE_OK;
}

/* ---- the parts of a mapping ---------------------------------------------- */

static int ge_map_input(ge_map_ctx *cx, const json_t *obj, const char *where, ge_import_input *in)
{
    int rc = ge_map_check_keys(cx, obj, where, ge_map_input_keys);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "source", where, &in->source);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "where", where, &in->where);
    if (rc == GE_OK && !in->source)
        rc = ge_map_fail(cx, where, "'source' is missing (the source layer to read)");
    return rc;
}

static int ge_map_props(ge_map_ctx *cx, const json_t *obj, const char *where,
                        ge_import_layer_map *lm)
{
    const char *key;
    json_t *v;
    size_t i = 0;

    lm->nprops = json_object_size(obj);
    lm->props = calloc(lm->nprops ? lm->nprops : 1, sizeof *lm->props);
    if (!lm->props) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    json_object_foreach((json_t *)obj, key, v)
    {
        ge_import_prop *p = &lm->props[i++];
        char at[200];
        int rc;
        snprintf(at, sizeof at, "%s.%s", where, key);
        p->name = strdup(key);
        if (!p->name) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
        if (json_is_string(v)) {
            p->field = strdup(json_string_value(v));
            if (!p->field) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
            continue;
        }
        if (!json_is_object(v))
            return ge_map_fail(cx, at, "want a field name or {\"field\", \"type\"}, got %s",
                               ge_json_kind(v));
        rc = ge_map_check_keys(cx, v, at, ge_map_prop_keys);
        if (rc == GE_OK) rc = ge_map_string(cx, v, "field", at, &p->field);
        if (rc < 0) return rc;
        if (!p->field) return ge_map_fail(cx, at, "'field' is missing");
        const json_t *t = json_object_get(v, "type");
        if (t) {
            size_t k;
            rc = ge_map_want(cx, t, JSON_STRING, at, "type", "a string");
            if (rc < 0) return rc;
            for (k = 0; k < 4; k++)
                if (strcmp(json_string_value(t), ge_map_prop_type_names[k]) == 0) break;
            if (k == 4) {
                strncat(at, ".type", sizeof at - strlen(at) - 1);
                return ge_map_fail(cx, at, "unknown type '%s' (known: %s)", json_string_value(t),
                                   "auto, string, integer, number");
            }
            p->type = (ge_import_prop_type)k;
        }
    }
    return GE_OK;
}

static int ge_map_layer(ge_map_ctx *cx, const char *name, const json_t *obj,
                        ge_import_layer_map *lm)
{
    char where[160], at[200];
    const char *const *keys = ge_map_layer_keys;
    const json_t *v;
    ge_import_kind derived_kind = 0;
    char *s = NULL;
    int rc;

    snprintf(where, sizeof where, "layers.%s", name);
    if (!ge_store_layer_name_valid(name))
        return ge_map_fail(cx, where, "'%s' is not a valid layer name (want %s)", name,
                           "[a-z][a-z0-9_]{0,62}");
    snprintf(lm->name, sizeof lm->name, "%s", name);
    lm->min_degree = 3;
    if (!json_is_object(obj))
        return ge_map_fail(cx, where, "want an object, got %s", ge_json_kind(obj));

    /* The derivation decides which further keys are known, so read it first. */
    rc = ge_map_string(cx, obj, "derive", where, &s);
    if (rc < 0) return rc;
    if (s) {
        size_t i, n = sizeof ge_map_derives / sizeof ge_map_derives[0];
        for (i = 0; i < n; i++)
            if (strcmp(s, ge_map_derives[i].name) == 0) break;
        if (i == n) {
            snprintf(at, sizeof at, "%s.derive", where);
            rc = ge_map_fail(cx, at, "unknown derivation '%s' (known: %s)", s,
                             "boundary, street_space, junctions, cycleways, addresses, roads");
            free(s);
            return rc;
        }
        free(s);
        lm->derive = ge_map_derives[i].derive;
        derived_kind = ge_map_derives[i].kind;
        keys = ge_map_derives[i].keys;
    }
    rc = ge_map_check_keys(cx, obj, where, keys);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "title", where, &lm->title);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "description", where, &lm->description);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "description_de", where, &lm->description_de);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "attribution", where, &lm->attribution);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "srs", where, &lm->srs);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "source", where, &lm->input.source);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "where", where, &lm->input.where);
    if (rc == GE_OK) rc = ge_map_string(cx, obj, "level_field", where, &lm->level_field);
    if (rc < 0) return rc;

    /* geometry: required unless the derivation fixes it; must agree if both */
    rc = ge_map_string(cx, obj, "geometry", where, &s);
    if (rc < 0) return rc;
    if (s) {
        size_t k;
        for (k = 1; k <= 3; k++)
            if (strcmp(s, ge_map_kind_names[k]) == 0) break;
        snprintf(at, sizeof at, "%s.geometry", where);
        if (k > 3) {
            rc =
                ge_map_fail(cx, at, "unknown geometry '%s' (known: %s)", s, "point, line, polygon");
            free(s);
            return rc;
        }
        free(s);
        if (derived_kind && (ge_import_kind)k != derived_kind)
            return ge_map_fail(cx, at, "derive '%s' makes %s features",
                               ge_import_derive_name(lm->derive), ge_map_kind_names[derived_kind]);
        lm->kind = (ge_import_kind)k;
    } else if (derived_kind) {
        lm->kind = derived_kind;
    } else {
        return ge_map_fail(cx, where, "'geometry' is missing (point, line or polygon)");
    }

    if (!lm->input.source && lm->derive != GE_IMPORT_DERIVE_BOUNDARY)
        return ge_map_fail(cx, where, "'source' is missing (the source layer to read)");
    if (lm->input.where && !lm->input.source)
        return ge_map_fail(cx, where, "'where' without 'source'");

    v = json_object_get(obj, "properties");
    if (v) {
        snprintf(at, sizeof at, "%s.properties", where);
        rc = ge_map_want(cx, v, JSON_OBJECT, where, "properties", "an object");
        if (rc == GE_OK) rc = ge_map_props(cx, v, at, lm);
        if (rc < 0) return rc;
    }
    v = json_object_get(obj, "areas");
    if (!v) v = json_object_get(obj, "lanes");
    if (v) {
        const char *key = json_object_get(obj, "areas") ? "areas" : "lanes";
        snprintf(at, sizeof at, "%s.%s", where, key);
        rc = ge_map_want(cx, v, JSON_OBJECT, where, key, "an object {source, where}");
        if (rc == GE_OK) rc = ge_map_input(cx, v, at, &lm->extra);
        if (rc < 0) return rc;
    }
    v = json_object_get(obj, "min_degree");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 3 || json_integer_value(v) > 16) {
            snprintf(at, sizeof at, "%s.min_degree", where);
            return ge_map_fail(cx, at, "want an integer 3..16");
        }
        lm->min_degree = (int)json_integer_value(v);
    }
    return GE_OK;
}

static int ge_map_roads(ge_map_ctx *cx, const json_t *obj, ge_import_road_widths *r)
{
    const char *where = "road_widths", *key;
    const json_t *defs;
    json_t *v;
    int rc;

    if (!json_is_object(obj))
        return ge_map_fail(cx, where, "want an object, got %s", ge_json_kind(obj));
    rc = ge_map_check_keys(cx, obj, where, ge_map_roads_keys);
    if (rc == GE_OK) rc = ge_map_number(cx, obj, "lane_width", where, 1.0, 10.0, &r->lane_width);
    if (rc == GE_OK)
        rc = ge_map_number(cx, obj, "sidewalk_width", where, 0.0, 20.0, &r->sidewalk_width);
    if (rc == GE_OK)
        rc = ge_map_number(cx, obj, "fallback_width", where, 0.5, 100.0, &r->fallback_width);
    if (rc < 0) return rc;
    defs = json_object_get(obj, "defaults");
    if (!defs) return GE_OK;
    rc = ge_map_want(cx, defs, JSON_OBJECT, where, "defaults", "an object {class: metres}");
    if (rc < 0) return rc;
    r->ndefaults = json_object_size(defs);
    r->defaults = calloc(r->ndefaults ? r->ndefaults : 1, sizeof *r->defaults);
    if (!r->defaults) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    size_t i = 0;
    json_object_foreach((json_t *)defs, key, v)
    {
        ge_import_class_width *cw = &r->defaults[i++];
        rc = ge_map_number(cx, defs, key, "road_widths.defaults", 0.5, 100.0, &cw->width);
        if (rc < 0) return rc;
        cw->cls = strdup(key);
        if (!cw->cls) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    }
    return GE_OK;
}

/* ---- loading ------------------------------------------------------------- */

static char *ge_map_resolve(const char *dir, const char *rel)
{
    char *out;
    size_t n;
    if (rel[0] == '/' || !dir || !dir[0]) return strdup(rel);
    n = strlen(dir) + strlen(rel) + 2;
    out = malloc(n);
    if (out) snprintf(out, n, "%s/%s", dir, rel);
    return out;
}

static int ge_map_from_json(ge_map_ctx *cx, const json_t *root, const char *dir,
                            ge_import_mapping *m)
{
    const json_t *layers, *v;
    const char *name;
    json_t *lv;
    char *rel = NULL;
    int rc;

    if (!json_is_object(root))
        return ge_map_fail(cx, "", "want a JSON object at the top, got %s", ge_json_kind(root));
    rc = ge_map_check_keys(cx, root, "", ge_map_top_keys);
    if (rc == GE_OK) rc = ge_map_string(cx, root, "attribution", "", &m->attribution);
    if (rc == GE_OK) rc = ge_map_string(cx, root, "osm_config", "", &rel);
    if (rc < 0) return rc;
    if (rel) {
        m->osm_config = ge_map_resolve(dir, rel);
        free(rel);
        if (!m->osm_config) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    }
    m->roads.lane_width = 3.0;
    m->roads.sidewalk_width = 2.0;
    m->roads.fallback_width = 5.0;
    v = json_object_get(root, "road_widths");
    if (v && (rc = ge_map_roads(cx, v, &m->roads)) < 0) return rc;

    layers = json_object_get(root, "layers");
    if (!layers) return ge_map_fail(cx, "", "'layers' is missing");
    if (!json_is_object(layers) || json_object_size(layers) == 0)
        return ge_map_fail(cx, "layers", "want an object with at least one layer");
    m->layers = calloc(json_object_size(layers), sizeof *m->layers);
    if (!m->layers) return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    json_object_foreach((json_t *)layers, name, lv)
    {
        ge_import_layer_map *lm = &m->layers[m->nlayers++];
        rc = ge_map_layer(cx, name, lv, lm);
        if (rc < 0) return rc;
        if (lm->derive == GE_IMPORT_DERIVE_BOUNDARY)
            for (size_t i = 0; i + 1 < m->nlayers; i++)
                if (m->layers[i].derive == GE_IMPORT_DERIVE_BOUNDARY) {
                    char at[100];
                    snprintf(at, sizeof at, "layers.%s", name);
                    return ge_map_fail(cx, at, "a second boundary layer (the first is '%s')",
                                       m->layers[i].name);
                }
    }
    return GE_OK;
}

static int ge_map_finish(ge_map_ctx *cx, json_t *root, const char *name, const char *dir,
                         ge_import_mapping **out)
{
    ge_import_mapping *m = calloc(1, sizeof *m);
    int rc;
    if (!m) {
        json_decref(root);
        return ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    }
    m->path = strdup(name);
    rc = m->path ? ge_map_from_json(cx, root, dir, m)
                 : ge_err_set(cx->err, GE_ENOMEM, "out of memory");
    json_decref(root);
    if (rc < 0) {
        ge_import_mapping_free(m);
        return rc;
    }
    *out = m;
    return GE_OK;
}

int ge_import_mapping_parse(const char *text, const char *name, const char *dir,
                            ge_import_mapping **out, ge_err *err)
{
    ge_map_ctx cx = {name, err};
    json_error_t je;
    json_t *root;

    *out = NULL;
    root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return ge_err_set(err, GE_EINVAL, "%s: line %d, column %d: %s", name, je.line, je.column,
                          je.text);
    return ge_map_finish(&cx, root, name, dir, out);
}

int ge_import_mapping_load(const char *path, ge_import_mapping **out, ge_err *err)
{
    ge_map_ctx cx = {path, err};
    json_error_t je;
    json_t *root;
    char *dir, *slash;
    FILE *f;
    int rc;

    *out = NULL;
    f = fopen(path, "rb");
    if (!f)
        return ge_err_set(err, GE_ENOENT, "mapping file '%s': cannot read it: %s", path,
                          strerror(errno));
    root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root)
        return ge_err_set(err, GE_EINVAL, "%s: line %d, column %d: %s", path, je.line, je.column,
                          je.text);
    dir = strdup(path);
    if (!dir) {
        json_decref(root);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    rc = ge_map_finish(&cx, root, path, dir, out);
    free(dir);
    return rc;
}

static void ge_map_input_free(ge_import_input *in)
{
    free(in->source);
    free(in->where);
}

void ge_import_mapping_free(ge_import_mapping *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nlayers; i++) {
        ge_import_layer_map *lm = &m->layers[i];
        free(lm->title);
        free(lm->description);
        free(lm->description_de);
        free(lm->attribution);
        free(lm->srs);
        free(lm->level_field);
        ge_map_input_free(&lm->input);
        ge_map_input_free(&lm->extra);
        for (size_t k = 0; k < lm->nprops; k++) {
            free(lm->props[k].name);
            free(lm->props[k].field);
        }
        free(lm->props);
    }
    for (size_t i = 0; i < m->roads.ndefaults; i++)
        free(m->roads.defaults[i].cls);
    free(m->roads.defaults);
    free(m->layers);
    free(m->path);
    free(m->attribution);
    free(m->osm_config);
    free(m);
}

double ge_import_mapping_class_width(const ge_import_mapping *m, const char *cls)
{
    if (cls)
        for (size_t i = 0; i < m->roads.ndefaults; i++)
            if (strcmp(m->roads.defaults[i].cls, cls) == 0) return m->roads.defaults[i].width;
    return m->roads.fallback_width;
}

/* ---- applying a mapping to a feature ------------------------------------- */

bool ge_import_parse_number(const char *s, double *out)
{
    char buf[64], *end;
    size_t n = 0;
    double v;

    if (!s) return false;
    while (*s == ' ')
        s++;
    /* copy, turning a decimal comma into a point */
    for (; *s && n + 1 < sizeof buf; s++, n++)
        buf[n] = *s == ',' ? '.' : *s;
    if (*s) return false;
    buf[n] = '\0';
    v = strtod(buf, &end);
    if (end == buf || !isfinite(v)) return false;
    while (*end == ' ')
        end++;
    if (*end == 'm') end++;
    while (*end == ' ')
        end++;
    if (*end) return false;
    *out = v;
    return true;
}

bool ge_import_attr_number(const json_t *attrs, const char *key, double *out)
{
    const json_t *v = json_object_get(attrs, key);
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return true;
    }
    return json_is_string(v) && ge_import_parse_number(json_string_value(v), out);
}

const char *ge_import_attr_string(const json_t *attrs, const char *key)
{
    return json_string_value(json_object_get(attrs, key));
}

static json_t *ge_import_prop_value(const ge_import_prop *p, json_t *v)
{
    char buf[64];
    double d;

    switch (p->type) {
    case GE_IMPORT_PROP_STRING:
        if (json_is_string(v)) return json_incref(v);
        if (json_is_integer(v))
            snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else if (json_is_real(v))
            snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        else
            return NULL;
        return json_string(buf);
    case GE_IMPORT_PROP_INTEGER:
        if (json_is_integer(v)) return json_incref(v);
        if (json_is_real(v))
            d = json_real_value(v);
        else if (!json_is_string(v) || !ge_import_parse_number(json_string_value(v), &d))
            return NULL;
        if (d != floor(d) || fabs(d) > 9e15) return NULL;
        return json_integer((json_int_t)d);
    case GE_IMPORT_PROP_NUMBER:
        if (json_is_number(v)) return json_incref(v);
        if (json_is_string(v) && ge_import_parse_number(json_string_value(v), &d))
            return json_real(d);
        return NULL;
    default:
        return json_incref(v);
    }
}

json_t *ge_import_mapping_props(const ge_import_layer_map *lm, const json_t *attrs)
{
    json_t *props = json_object();
    if (!props) return NULL;
    for (size_t i = 0; i < lm->nprops; i++) {
        json_t *v = json_object_get(attrs, lm->props[i].field);
        json_t *out = v && !json_is_null(v) ? ge_import_prop_value(&lm->props[i], v) : NULL;
        if (out) json_object_set_new(props, lm->props[i].name, out);
    }
    return props;
}
