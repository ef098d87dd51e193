/*
 * service.c - loading, checking and describing service definitions (service.h).
 *
 * The parser walks the document with the JSON path of the value at hand and
 * stops at the first problem, naming file, path and problem; a city's GIS
 * staff edit these files by hand, so the message must say exactly where.
 */
#include "service.h"

#include "rule_kinds.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"

struct ge_services {
    ge_service **v;
    size_t n;
};

typedef struct sv_state {
    const char *file;
    ge_err *err;
    char path[160];
} sv_state;

static int sv_fail(sv_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int sv_fail(sv_state *st, const char *fmt, ...)
{
    char msg[360];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ge_err_set(st->err, GE_EINVAL, "%s: %s%s%s", st->file ? st->file : "service", st->path,
                      st->path[0] ? ": " : "", msg);
}

/* ---- names ---------------------------------------------------------------- */

const char *ge_rule_kind_name(ge_rule_kind k)
{
    return k >= 0 && k < GE_RULE_KIND_COUNT ? ge_rule_kind_def_of(k)->name : "unknown";
}

const char *ge_severity_name(ge_severity s)
{
    return s == GE_SEVERITY_WARNING ? "warning" : "error";
}

const char *ge_rule_unit(ge_rule_kind k)
{
    return k >= 0 && k < GE_RULE_KIND_COUNT ? ge_rule_kind_def_of(k)->unit : NULL;
}

static const struct {
    const char *name;
    unsigned bit;
} type_bits[] = {
    {"Point", GE_GT_POINT},
    {"LineString", GE_GT_LINESTRING},
    {"Polygon", GE_GT_POLYGON},
    {"MultiPoint", GE_GT_MULTIPOINT},
    {"MultiLineString", GE_GT_MULTILINESTRING},
    {"MultiPolygon", GE_GT_MULTIPOLYGON},
};

unsigned ge_geometry_type_bit(const char *name)
{
    for (size_t i = 0; i < sizeof type_bits / sizeof type_bits[0]; i++)
        if (!strcmp(type_bits[i].name, name)) return type_bits[i].bit;
    return 0;
}

const char *ge_geometry_type_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof type_bits / sizeof type_bits[0]; i++)
        if (type_bits[i].bit == bit) return type_bits[i].name;
    return NULL;
}

static json_t *sv_types_json(unsigned bits)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < sizeof type_bits / sizeof type_bits[0]; i++)
        if (bits & type_bits[i].bit) json_array_append_new(a, json_string(type_bits[i].name));
    return a;
}

/* ---- small readers -------------------------------------------------------- */

static size_t sv_push(sv_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t sv_push(sv_state *st, const char *fmt, ...)
{
    size_t old = strlen(st->path);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(st->path + old, sizeof st->path - old, fmt, ap);
    va_end(ap);
    return old;
}

static void sv_pop(sv_state *st, size_t old)
{
    st->path[old] = '\0';
}

/* Fails on members not in allowed (NULL-terminated). */
static int sv_check_keys(sv_state *st, const json_t *obj, const char *const *allowed,
                         size_t nallowed)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < nallowed && allowed[i]; i++)
            if (!strcmp(key, allowed[i])) ok = true;
        if (!ok) {
            char list[200] = "";
            for (size_t i = 0; i < nallowed && allowed[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                         allowed[i]);
            return sv_fail(st, "unknown key '%.60s' (known: %s)", key, list[0] ? list : "none");
        }
    }
    return GE_OK;
}

static int sv_string(sv_state *st, const json_t *obj, const char *key, bool required, char **out)
{
    const json_t *v = json_object_get(obj, key);
    size_t old;
    int rc = GE_OK;

    *out = NULL;
    if (!v) {
        if (required) return sv_fail(st, "'%s' is missing", key);
        return GE_OK;
    }
    old = sv_push(st, "%s%s", st->path[0] ? "." : "", key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        rc = sv_fail(st, "expected a non-empty string, found %s",
                     json_is_string(v) ? "an empty one" : ge_json_kind(v));
    else if (!(*out = strdup(json_string_value(v))))
        rc = ge_err_set(st->err, GE_ENOMEM, "out of memory");
    sv_pop(st, old);
    return rc;
}

/* A required string into a half of a ge_text (the service's own copy). */
static int sv_text_half(sv_state *st, const json_t *obj, const char *key, const char **out)
{
    char *s;
    int rc = sv_string(st, obj, key, true, &s);

    *out = s;
    return rc;
}

/* A number >= lo; *present tells whether it was there. */
static int sv_number(sv_state *st, const json_t *obj, const char *key, double lo, bool integer,
                     bool *present, double *out)
{
    const json_t *v = json_object_get(obj, key);
    size_t old;
    int rc = GE_OK;

    *present = v != NULL;
    if (!v) return GE_OK;
    old = sv_push(st, "%s%s", st->path[0] ? "." : "", key);
    if (!json_is_number(v))
        rc = sv_fail(st, "expected a number, found %s", ge_json_kind(v));
    else if (integer && !json_is_integer(v))
        rc = sv_fail(st, "expected a whole number, found %g", json_number_value(v));
    else if (!isfinite(json_number_value(v)) || json_number_value(v) < lo)
        rc = sv_fail(st, "%g is below the smallest allowed value %g", json_number_value(v), lo);
    else
        *out = json_number_value(v);
    sv_pop(st, old);
    return rc;
}

static bool sv_valid_name(const char *s, bool dashes)
{
    if (!*s || strlen(s) > 63 ||
        !(islower((unsigned char)*s) || (dashes && isdigit((unsigned char)*s))))
        return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
            !(dashes && *s == '-'))
            return false;
    return true;
}

static int sv_names(sv_state *st, const json_t *obj, const char *key, bool required, bool dashes,
                    char ***out, size_t *n)
{
    const json_t *v = json_object_get(obj, key);
    size_t old;
    int rc = GE_OK;

    *out = NULL;
    *n = 0;
    if (!v) return required ? sv_fail(st, "'%s' is missing", key) : GE_OK;
    old = sv_push(st, "%s%s", st->path[0] ? "." : "", key);
    if (!json_is_array(v) || json_array_size(v) == 0) {
        rc = sv_fail(st, "expected a non-empty array of names, found %s",
                     json_is_array(v) ? "an empty one" : ge_json_kind(v));
        goto out;
    }
    *out = calloc(json_array_size(v), sizeof **out);
    if (!*out) {
        rc = ge_err_set(st->err, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        size_t o2 = sv_push(st, "[%zu]", i);
        if (!json_is_string(e))
            rc = sv_fail(st, "expected a name, found %s", ge_json_kind(e));
        else if (!sv_valid_name(json_string_value(e), dashes))
            rc = sv_fail(st, "'%.60s' is not a valid name (%s)", json_string_value(e),
                         dashes ? "lower case letters, digits, '-' and '_'"
                                : "a lower case letter, then letters, digits and '_'");
        else if (!((*out)[i] = strdup(json_string_value(e))))
            rc = ge_err_set(st->err, GE_ENOMEM, "out of memory");
        sv_pop(st, o2);
        if (rc < 0) goto out;
        (*n)++;
    }
out:
    sv_pop(st, old);
    return rc;
}

static void sv_text_free(ge_text *t)
{
    free((char *)t->de); /* a service's texts are its own copies */
    free((char *)t->en);
    t->de = t->en = NULL;
}

/* Checks that every {name} in a template is one of names (NULL-ended);
 * what names the template in errors ("this kind", "an anonymous message"). */
static int sv_check_names(sv_state *st, const char *tpl, const char *const *names, const char *what)
{
    for (const char *p = strchr(tpl, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char name[40];
        bool ok = false;
        size_t n;

        if (!end || (n = (size_t)(end - p - 1)) == 0 || n >= sizeof name)
            return sv_fail(st, "'{' without a placeholder name and '}'");
        memcpy(name, p + 1, n);
        name[n] = '\0';
        for (int i = 0; names[i]; i++)
            if (!strcmp(name, names[i])) ok = true;
        if (!ok) {
            char list[120] = "";
            for (int i = 0; names[i]; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s{%s}", i ? ", " : "",
                         names[i]);
            return sv_fail(st, "unknown placeholder {%s} (%s fills %s)", name, what, list);
        }
    }
    return GE_OK;
}

/* Checks that every {name} in a template is one the kind fills. */
static int sv_check_placeholders(sv_state *st, ge_rule_kind kind, const char *tpl)
{
    const char *names[6] = {"measured", "limit"};

    for (int i = 0; kind >= 0 && kind < GE_RULE_KIND_COUNT && i < 3 &&
                    ge_rule_kind_def_of(kind)->placeholders[i];
         i++)
        names[2 + i] = ge_rule_kind_def_of(kind)->placeholders[i];
    return sv_check_names(st, tpl, names, "this kind");
}

/* What the conflict rule's "anonymous" templates may say: nothing that
 * names or measures another case ({other}, {other_service}, {measured} -
 * the distance to it - are refused), only the rule's own distance and the
 * overlap with the applicant's drawing (rules.h). */
static const char *const sv_anonymous_names[] = {"limit", "overlap", NULL};

/* {"de": "...", "en": "..."}; kind >= 0 checks placeholders. */
static int sv_text_obj(sv_state *st, const json_t *v, int kind, ge_text *out)
{
    static const char *const keys[] = {"de", "en"};
    int rc;

    if (!json_is_object(v))
        return sv_fail(st, "expected {\"de\": ..., \"en\": ...}, found %s", ge_json_kind(v));
    rc = sv_check_keys(st, v, keys, 2);
    if (rc == GE_OK) rc = sv_text_half(st, v, "de", &out->de);
    if (rc == GE_OK) rc = sv_text_half(st, v, "en", &out->en);
    for (int i = 0; rc == GE_OK && kind >= 0 && i < 2; i++) {
        size_t old = sv_push(st, ".%s", keys[i]);
        rc = sv_check_placeholders(st, (ge_rule_kind)kind, i ? out->en : out->de);
        sv_pop(st, old);
    }
    if (rc < 0) sv_text_free(out);
    return rc;
}

static int sv_text(sv_state *st, const json_t *obj, const char *key, bool required, int kind,
                   ge_text *out)
{
    const json_t *v = json_object_get(obj, key);
    size_t old;
    int rc;

    if (!v) return required ? sv_fail(st, "'%s' is missing", key) : GE_OK;
    old = sv_push(st, "%s%s", st->path[0] ? "." : "", key);
    rc = sv_text_obj(st, v, kind, out);
    sv_pop(st, old);
    return rc;
}

/* ---- rules ---------------------------------------------------------------- */

static int sv_rule_kind(sv_state *st, const char *name, ge_rule_kind *out)
{
    char list[300];

    if (ge_rule_kind_from_name(name, out)) return GE_OK;
    ge_rule_kind_names(list, sizeof list);
    return sv_fail(st, "unknown rule kind '%.60s' (known: %s)", name, list);
}

static int sv_types(sv_state *st, const json_t *obj, const char *key, unsigned *out)
{
    const json_t *v = json_object_get(obj, key);
    size_t old;
    int rc = GE_OK;

    *out = 0;
    old = sv_push(st, "%s%s", st->path[0] ? "." : "", key);
    if (!json_is_array(v) || json_array_size(v) == 0) {
        rc = sv_fail(st, "expected a non-empty array of GeoJSON geometry types");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);
        unsigned bit = json_is_string(e) ? ge_geometry_type_bit(json_string_value(e)) : 0;
        if (!bit) {
            size_t o2 = sv_push(st, "[%zu]", i);
            rc = sv_fail(st, "not a geometry type (Point, LineString, Polygon, MultiPoint, "
                             "MultiLineString, MultiPolygon)");
            sv_pop(st, o2);
            goto out;
        }
        *out |= bit;
    }
out:
    sv_pop(st, old);
    return rc;
}

/* Reads an optional min/max pair named lo_key/hi_key; at least one is required. */
/* One number parameter into its field (rule_kinds.h), with its default. */
static int sv_param_number(sv_state *st, ge_rule *r, const json_t *p, const ge_rule_param *q)
{
    double *to = q->field == GE_RULE_FIELD_MIN   ? &r->min
                 : q->field == GE_RULE_FIELD_MAX ? &r->max
                                                 : &r->tolerance;
    bool *has = q->field == GE_RULE_FIELD_MIN   ? &r->has_min
                : q->field == GE_RULE_FIELD_MAX ? &r->has_max
                                                : NULL;
    bool present;
    double v = 0;
    int rc;

    if (q->has_default) {
        *to = q->def;
        if (has) *has = true;
    }
    rc = sv_number(st, p, q->key, q->floor, q->type == GE_RULE_PARAM_INTEGER, &present, &v);
    if (rc < 0) return rc;
    if (present) {
        *to = v;
        if (has) *has = true;
    } else if (q->required) {
        return sv_fail(st, "'%s' is missing", q->key);
    }
    return GE_OK;
}

/* The parameters as the kind's entry in rule_kinds.c describes them. */
static int sv_rule_params(sv_state *st, ge_rule *r, const json_t *p, const char *service_id)
{
    const ge_rule_kind_def *d = ge_rule_kind_def_of(r->kind);
    const char *keys[GE_RULE_MAX_PARAMS], *lo = NULL, *hi = NULL;
    size_t nkeys = 0;
    char *measure = NULL;
    int rc;

    for (size_t i = 0; i < GE_RULE_MAX_PARAMS && d->params[i].key; i++)
        keys[nkeys++] = d->params[i].key;
    rc = sv_check_keys(st, p, keys, nkeys);
    for (size_t i = 0; rc == GE_OK && i < nkeys; i++) {
        const ge_rule_param *q = &d->params[i];
        switch (q->type) {
        case GE_RULE_PARAM_NUMBER:
        case GE_RULE_PARAM_INTEGER:
            if (q->field == GE_RULE_FIELD_MIN) lo = q->key;
            if (q->field == GE_RULE_FIELD_MAX) hi = q->key;
            rc = sv_param_number(st, r, p, q);
            break;
        case GE_RULE_PARAM_LAYERS:
            rc = sv_names(st, p, q->key, q->required, false, &r->layers, &r->nlayers);
            break;
        case GE_RULE_PARAM_SERVICES:
            rc = sv_names(st, p, q->key, q->required, true, &r->services, &r->nservices);
            if (rc == GE_OK && !r->services) {
                /* Default: applications of the same service conflict. */
                r->services = calloc(1, sizeof *r->services);
                if (!r->services || !(r->services[0] = strdup(service_id)))
                    return ge_err_set(st->err, GE_ENOMEM, "out of memory");
                r->nservices = 1;
            }
            break;
        case GE_RULE_PARAM_TYPES:
            rc = sv_types(st, p, q->key, &r->types);
            break;
        case GE_RULE_PARAM_MEASURE:
            rc = sv_string(st, p, q->key, true, &measure);
            if (rc < 0) break;
            r->measure_width = !strcmp(measure, "width");
            if (!r->measure_width && strcmp(measure, "length"))
                rc = sv_fail(st, "'%s' must be \"width\" or \"length\"", q->key);
            free(measure);
            measure = NULL;
            break;
        }
    }
    if (rc < 0 || !d->range) return rc;
    if (!r->has_min && !r->has_max) return sv_fail(st, "needs '%s' or '%s' (or both)", lo, hi);
    if (r->has_min && r->has_max && r->min > r->max)
        return sv_fail(st, "'%s' %g is larger than '%s' %g", lo, r->min, hi, r->max);
    return GE_OK;
}

static bool sv_kind_has_variants(ge_rule_kind k)
{
    return ge_rule_kind_def_of(k)->range;
}

static int sv_rule_messages(sv_state *st, ge_rule *r, const json_t *m)
{
    static const char *const keys[] = {"de", "en", "min", "max", "missing"};
    static const char *const conflict_keys[] = {"de", "en", "anonymous"};
    size_t old = sv_push(st, ".messages");
    int rc = GE_OK;

    if (!json_is_object(m)) {
        rc = sv_fail(st, "expected an object with de and en templates, found %s", ge_json_kind(m));
        goto out;
    }
    rc = r->kind == GE_RULE_CONFLICT
             ? sv_check_keys(st, m, conflict_keys, 3)
             : sv_check_keys(st, m, keys, sv_kind_has_variants(r->kind) ? 5 : 2);
    if (rc < 0) goto out;
    if (json_object_get(m, "anonymous")) {
        size_t o2 = sv_push(st, ".anonymous");
        rc = sv_text_obj(st, json_object_get(m, "anonymous"), -1, &r->text_anonymous);
        for (int i = 0; rc == GE_OK && i < 2; i++) {
            size_t o3 = sv_push(st, ".%s", i ? "en" : "de");
            rc = sv_check_names(st, i ? r->text_anonymous.en : r->text_anonymous.de,
                                sv_anonymous_names, "an anonymous message");
            sv_pop(st, o3);
        }
        sv_pop(st, o2);
        if (rc < 0) goto out;
    }
    if (json_object_get(m, "de") || json_object_get(m, "en")) {
        /* the default templates sit directly in messages */
        size_t o2 = strlen(st->path);
        rc = sv_text_half(st, m, "de", &r->text.de);
        if (rc == GE_OK) rc = sv_text_half(st, m, "en", &r->text.en);
        for (int i = 0; rc == GE_OK && i < 2; i++) {
            sv_push(st, ".%s", i ? "en" : "de");
            rc = sv_check_placeholders(st, r->kind, i ? r->text.en : r->text.de);
            sv_pop(st, o2);
        }
        if (rc < 0) goto out;
    }
    rc = sv_text(st, m, "min", false, (int)r->kind, &r->text_min);
    if (rc == GE_OK) rc = sv_text(st, m, "max", false, (int)r->kind, &r->text_max);
    if (rc == GE_OK) rc = sv_text(st, m, "missing", false, (int)r->kind, &r->text_missing);
    if (rc < 0) goto out;
    /* Every limit the rule has needs a message that can speak of it; a
     * template written for "at least" must not be shown for "at most". */
    if (!r->text.de && !sv_kind_has_variants(r->kind)) {
        rc = sv_fail(st, "'de' and 'en' are missing");
    } else if (!r->text.de) {
        if (r->has_min && !r->text_min.de)
            rc = sv_fail(st, "'de'/'en' or 'min' is needed (the rule has a minimum)");
        else if (r->has_max && !r->text_max.de)
            rc = sv_fail(st, "'de'/'en' or 'max' is needed (the rule has a maximum)");
        else if (!r->has_min && !r->has_max)
            rc = sv_fail(st, "'de' and 'en' are missing");
    } else if (sv_kind_has_variants(r->kind) && r->has_min && r->has_max && !r->text_min.de &&
               !r->text_max.de) {
        rc = sv_fail(st, "the rule has a minimum and a maximum: give 'min' and 'max' messages");
    }
out:
    sv_pop(st, old);
    return rc;
}

static void sv_rule_free(ge_rule *r)
{
    free(r->id);
    for (size_t i = 0; i < r->nlayers; i++)
        free(r->layers[i]);
    free(r->layers);
    for (size_t i = 0; i < r->nservices; i++)
        free(r->services[i]);
    free(r->services);
    sv_text_free(&r->text);
    sv_text_free(&r->text_min);
    sv_text_free(&r->text_max);
    sv_text_free(&r->text_missing);
    sv_text_free(&r->text_anonymous);
    free(r->source);
    json_decref(r->params);
}

static int sv_rule(sv_state *st, const json_t *obj, ge_rule *r, const char *service_id)
{
    static const char *const keys[] = {"id",         "kind",     "severity", "params",
                                       "applies_to", "messages", "source",   "comment"};
    char *kind = NULL, *sev = NULL, *comment = NULL;
    const json_t *params, *msgs;
    size_t old;
    int rc;

    if (!json_is_object(obj))
        return sv_fail(st, "expected a rule object, found %s", ge_json_kind(obj));
    rc = sv_check_keys(st, obj, keys, sizeof keys / sizeof keys[0]);
    if (rc == GE_OK) rc = sv_string(st, obj, "id", true, &r->id);
    if (rc == GE_OK && !sv_valid_name(r->id, true))
        rc = sv_fail(st, "id '%.60s' is not a valid name (lower case letters, digits, '-', '_')",
                     r->id);
    if (rc == GE_OK) rc = sv_string(st, obj, "kind", true, &kind);
    if (rc == GE_OK) {
        old = sv_push(st, ".kind");
        rc = sv_rule_kind(st, kind, &r->kind);
        sv_pop(st, old);
    }
    if (rc == GE_OK) rc = sv_string(st, obj, "severity", true, &sev);
    if (rc == GE_OK) {
        if (!strcmp(sev, "error")) {
            r->severity = GE_SEVERITY_ERROR;
        } else if (!strcmp(sev, "warning")) {
            r->severity = GE_SEVERITY_WARNING;
        } else {
            old = sv_push(st, ".severity");
            rc = sv_fail(st, "'%.40s' is neither \"error\" nor \"warning\"", sev);
            sv_pop(st, old);
        }
    }
    if (rc == GE_OK) rc = sv_string(st, obj, "source", true, &r->source);
    if (rc == GE_OK) rc = sv_string(st, obj, "comment", false, &comment);
    if (rc < 0) goto out;
    params = json_object_get(obj, "params");
    if (!params && !ge_rule_kind_def_of(r->kind)->params_optional) {
        rc = sv_fail(st, "'params' is missing");
        goto out;
    }
    if (params) {
        old = sv_push(st, ".params");
        rc = json_is_object(params)
                 ? sv_rule_params(st, r, params, service_id)
                 : sv_fail(st, "expected an object, found %s", ge_json_kind(params));
        sv_pop(st, old);
        if (rc < 0) goto out;
        r->params = json_deep_copy(params);
    } else {
        r->params = json_object();
    }
    r->applies_to = ge_rule_kind_def_of(r->kind)->applies;
    if (json_object_get(obj, "applies_to")) {
        rc = sv_types(st, obj, "applies_to", &r->applies_to);
        if (rc < 0) goto out;
    }
    msgs = json_object_get(obj, "messages");
    rc = msgs ? sv_rule_messages(st, r, msgs) : sv_fail(st, "'messages' is missing");
out:
    free(kind);
    free(sev);
    free(comment);
    return rc;
}

/* ---- services ------------------------------------------------------------- */

void ge_service_free(ge_service *s)
{
    if (!s) return;
    free(s->id);
    sv_text_free(&s->title);
    sv_text_free(&s->description);
    for (size_t i = 0; i < s->nrules; i++)
        sv_rule_free(&s->rules[i]);
    free(s->rules);
    free(s->file);
    free(s);
}

static int sv_rules(sv_state *st, const json_t *doc, ge_service *s)
{
    const json_t *rules = json_object_get(doc, "rules");
    size_t old;
    int rc = GE_OK;

    if (!rules) return sv_fail(st, "'rules' is missing");
    old = sv_push(st, "rules");
    if (!json_is_array(rules)) {
        rc = sv_fail(st, "expected an array of rules, found %s", ge_json_kind(rules));
        goto out;
    }
    s->rules = calloc(json_array_size(rules) + 1, sizeof *s->rules);
    if (!s->rules) {
        rc = ge_err_set(st->err, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(rules); i++) {
        size_t o2 = sv_push(st, "[%zu]", i);
        s->nrules++;
        rc = sv_rule(st, json_array_get(rules, i), &s->rules[i], s->id);
        for (size_t j = 0; rc == GE_OK && j < i; j++)
            if (!strcmp(s->rules[j].id, s->rules[i].id))
                rc = sv_fail(st, "rule id '%s' is used twice (also rules[%zu])", s->rules[i].id, j);
        sv_pop(st, o2);
        if (rc < 0) goto out;
    }
out:
    sv_pop(st, old);
    return rc;
}

/* "placement": {"shape", "size": {"width_m", "length_m"}, "comment"}. */
static int sv_placement(sv_state *st, const json_t *doc, ge_place_spec *out)
{
    static const char *const keys[] = {"shape", "size", "comment"};
    static const char *const size_keys[] = {"width_m", "length_m"};
    static const char *const shapes[] = {"rectangle", "point", "line"};
    const json_t *p = json_object_get(doc, "placement"), *size;
    char *shape = NULL;
    bool present;
    size_t old;
    int rc;

    if (!p) return GE_OK;
    old = sv_push(st, "placement");
    rc = json_is_object(p) ? sv_check_keys(st, p, keys, sizeof keys / sizeof keys[0])
                           : sv_fail(st, "expected an object, found %s", ge_json_kind(p));
    if (rc == GE_OK) rc = sv_string(st, p, "shape", false, &shape);
    for (int i = 0; rc == GE_OK && shape && i < 3; i++)
        if (!strcmp(shape, shapes[i])) out->shape = (ge_place_shape)(GE_PLACE_RECTANGLE + i);
    if (rc == GE_OK && shape && out->shape == GE_PLACE_INFER)
        rc = sv_fail(st, "shape: '%.40s' is not one of rectangle, point, line", shape);
    size = rc == GE_OK ? json_object_get(p, "size") : NULL;
    if (size) {
        size_t o2 = sv_push(st, ".size");
        rc = json_is_object(size) ? sv_check_keys(st, size, size_keys, 2)
                                  : sv_fail(st, "expected an object, found %s", ge_json_kind(size));
        if (rc == GE_OK) rc = sv_number(st, size, "width_m", 0.01, false, &present, &out->width_m);
        if (rc == GE_OK && !present) rc = sv_fail(st, "'width_m' is missing");
        if (rc == GE_OK)
            rc = sv_number(st, size, "length_m", 0.01, false, &present, &out->length_m);
        if (rc == GE_OK && !present) rc = sv_fail(st, "'length_m' is missing");
        sv_pop(st, o2);
    }
    free(shape);
    sv_pop(st, old);
    return rc;
}

int ge_service_parse(const json_t *doc, const char *file, ge_service **out, ge_err *err)
{
    static const char *const keys[] = {"id",    "title",   "description", "retention_days",
                                       "rules", "comment", "version",     "placement"};
    sv_state st = {.file = file, .err = err};
    ge_service *s = NULL;
    bool present;
    double retention = 0, version;
    char *comment = NULL;
    int rc;

    *out = NULL;
    if (!json_is_object(doc))
        return sv_fail(&st, "expected a service object, found %s",
                       doc ? ge_json_kind(doc) : "nothing");
    s = calloc(1, sizeof *s);
    if (!s) return ge_err_set(err, GE_ENOMEM, "out of memory");
    s->file = strdup(file ? file : "");
    rc = s->file ? sv_check_keys(&st, doc, keys, sizeof keys / sizeof keys[0])
                 : ge_err_set(err, GE_ENOMEM, "out of memory");
    if (rc == GE_OK) rc = sv_string(&st, doc, "id", true, &s->id);
    if (rc == GE_OK && !sv_valid_name(s->id, true))
        rc = sv_fail(&st, "id '%.60s' is not a valid service id (lower case letters, digits, '-')",
                     s->id);
    if (rc == GE_OK) rc = sv_text(&st, doc, "title", true, -1, &s->title);
    if (rc == GE_OK) rc = sv_text(&st, doc, "description", true, -1, &s->description);
    if (rc == GE_OK) rc = sv_number(&st, doc, "retention_days", 0, true, &present, &retention);
    if (rc == GE_OK && !present)
        rc = sv_fail(&st, "'retention_days' is missing (how long closed cases are kept)");
    /* Bounded so that closed_at + retention_days stays a real date (and an
     * int): a century is beyond any retention duty. */
    if (rc == GE_OK && retention > 36500)
        rc = sv_fail(&st,
                     "retention_days: %.0f is above the largest allowed value 36500 (100 years)",
                     retention);
    if (rc == GE_OK) rc = sv_number(&st, doc, "version", 1, true, &present, &version);
    if (rc == GE_OK) rc = sv_string(&st, doc, "comment", false, &comment);
    if (rc == GE_OK) rc = sv_rules(&st, doc, s);
    if (rc == GE_OK) rc = sv_placement(&st, doc, &s->placement);
    free(comment);
    if (rc < 0) goto err;
    s->retention_days = (int)retention;
    *out = s;
    return GE_OK;
err:
    ge_service_free(s);
    return rc;
}

/* "data/services/skip-container.json" -> "skip-container" in buf. */
static void sv_basename_id(const char *path, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    size_t len;

    base = base ? base + 1 : path;
    len = strlen(base);
    if (len > 5 && !strcmp(base + len - 5, ".json")) len -= 5;
    snprintf(buf, n, "%.*s", (int)len, base);
}

int ge_service_load_file(const char *path, ge_service **out, ge_err *err)
{
    json_error_t je;
    json_t *doc;
    char id[128];
    int rc;

    *out = NULL;
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return ge_err_set(err, GE_EINVAL, "%s: line %d, column %d: %s", path, je.line, je.column,
                          je.text);
    rc = ge_service_parse(doc, path, out, err);
    json_decref(doc);
    if (rc < 0) return rc;
    sv_basename_id(path, id, sizeof id);
    if (strcmp(id, (*out)->id)) {
        rc = ge_err_set(err, GE_EINVAL, "%s: id '%s' does not match the file name (%s.json)", path,
                        (*out)->id, (*out)->id);
        ge_service_free(*out);
        *out = NULL;
    }
    return rc;
}

static int sv_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int sv_list_dir(const char *dir, char ***names, size_t *n, ge_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (!d) return ge_err_set(err, GE_EIO, "%s: cannot open the services directory", dir);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json")) continue;
        if (*n == cap) {
            char **v = realloc(*names, (cap = cap ? 2 * cap : 8) * sizeof *v);
            if (!v) goto oom;
            *names = v;
        }
        if (!((*names)[*n] = strdup(e->d_name))) goto oom;
        (*n)++;
    }
    closedir(d);
    if (*n) qsort(*names, *n, sizeof **names, sv_cmp_names);
    return GE_OK;
oom:
    closedir(d);
    return ge_err_set(err, GE_ENOMEM, "out of memory");
}

int ge_services_from(ge_service **v, size_t n, ge_services **out, ge_err *err)
{
    ge_services *ss = calloc(1, sizeof *ss);

    *out = NULL;
    if (!ss || !(ss->v = calloc(n ? n : 1, sizeof *ss->v))) {
        free(ss);
        for (size_t i = 0; i < n; i++)
            ge_service_free(v[i]);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < ss->n; j++) {
            if (!strcmp(ss->v[j]->id, v[i]->id)) {
                ge_err_set(err, GE_EINVAL, "%s: service id '%s' is already defined by %s",
                           v[i]->file, v[i]->id, ss->v[j]->file);
                for (size_t k = i; k < n; k++)
                    ge_service_free(v[k]);
                ge_services_free(ss);
                return GE_EINVAL;
            }
        }
        ss->v[ss->n++] = v[i];
    }
    *out = ss;
    return GE_OK;
}

int ge_services_load_dir(const char *dir, ge_services **out, ge_err *err)
{
    char **names = NULL, path[4096];
    ge_service **v = NULL;
    size_t n = 0, loaded = 0;
    int rc;

    *out = NULL;
    rc = sv_list_dir(dir, &names, &n, err);
    if (rc < 0) goto out;
    v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = ge_service_load_file(path, &v[i], err);
        if (rc < 0) goto out;
        loaded++;
    }
    rc = ge_services_from(v, loaded, out, err);
    loaded = 0; /* owned by *out or freed */
out:
    for (size_t i = 0; i < loaded; i++)
        ge_service_free(v[i]);
    free(v);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

void ge_services_free(ge_services *ss)
{
    if (!ss) return;
    for (size_t i = 0; i < ss->n; i++)
        ge_service_free(ss->v[i]);
    free(ss->v);
    free(ss);
}

size_t ge_services_count(const ge_services *ss)
{
    return ss ? ss->n : 0;
}

const ge_service *ge_services_at(const ge_services *ss, size_t i)
{
    return ss && i < ss->n ? ss->v[i] : NULL;
}

const ge_service *ge_services_find(const ge_services *ss, const char *id)
{
    for (size_t i = 0; ss && id && i < ss->n; i++)
        if (!strcmp(ss->v[i]->id, id)) return ss->v[i];
    return NULL;
}

size_t ge_services_check_layers(const ge_services *ss, const ge_refsnap *snap,
                                ge_service_warn_fn warn, void *ud)
{
    char msg[400];
    size_t count = 0;

    for (size_t i = 0; i < ge_services_count(ss); i++) {
        const ge_service *s = ss->v[i];
        for (size_t r = 0; r < s->nrules; r++) {
            for (size_t l = 0; l < s->rules[r].nlayers; l++) {
                if (snap && ge_refsnap_layer(snap, s->rules[r].layers[l])) continue;
                count++;
                if (warn) {
                    snprintf(msg, sizeof msg,
                             "%s: rule '%s' names layer '%s', which is not loaded; the rule is "
                             "reported as unchecked until the layer is imported",
                             s->file[0] ? s->file : s->id, s->rules[r].id, s->rules[r].layers[l]);
                    warn(ud, msg);
                }
            }
        }
    }
    return count;
}

/* ---- describing ----------------------------------------------------------- */

static json_t *sv_text_json(const ge_text *t)
{
    return json_pack("{s:s, s:s}", "de", t->de, "en", t->en);
}

/* Where the rule marks the map, for editors that draw no-go zones before
 * anything is drawn: {"type", "layers", "distance_m"?}. */
static json_t *sv_zone_json(const ge_rule *r)
{
    const ge_rule_kind_def *d = ge_rule_kind_def_of(r->kind);
    json_t *layers = json_array(), *z;

    for (size_t i = 0; layers && i < r->nlayers; i++)
        json_array_append_new(layers, json_string(r->layers[i]));
    z = json_pack("{s:s, s:o}", "type", ge_rule_zone_name(d->zone), "layers", layers);
    if (z && d->zone == GE_RULE_ZONE_CLEARANCE)
        json_object_set_new(z, "distance_m", json_real(r->min));
    if (z && d->zone == GE_RULE_ZONE_REACH) json_object_set_new(z, "distance_m", json_real(r->max));
    return z;
}

static json_t *sv_rule_json(const ge_rule *r)
{
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:O, s:o, s:s}", "id", r->id, "kind", ge_rule_kind_name(r->kind),
                  "severity", ge_severity_name(r->severity), "params", r->params, "applies_to",
                  sv_types_json(r->applies_to), "source", r->source);
    json_t *m = json_object();

    if (!j || !m) {
        json_decref(j);
        json_decref(m);
        return NULL;
    }
    if (ge_rule_unit(r->kind)) json_object_set_new(j, "unit", json_string(ge_rule_unit(r->kind)));
    if (ge_rule_kind_def_of(r->kind)->zone != GE_RULE_ZONE_NONE)
        json_object_set_new(j, "zone", sv_zone_json(r));
    if (r->text.de) {
        json_object_set_new(m, "de", json_string(r->text.de));
        json_object_set_new(m, "en", json_string(r->text.en));
    }
    if (r->text_min.de) json_object_set_new(m, "min", sv_text_json(&r->text_min));
    if (r->text_max.de) json_object_set_new(m, "max", sv_text_json(&r->text_max));
    if (r->text_missing.de) json_object_set_new(m, "missing", sv_text_json(&r->text_missing));
    if (r->text_anonymous.de) json_object_set_new(m, "anonymous", sv_text_json(&r->text_anonymous));
    json_object_set_new(j, "messages", m);
    return j;
}

/* The summary an editor shows before anything is drawn; taken from the
 * error-severity rules, since warnings do not restrict the drawing. */
static json_t *sv_summary_geometry(const ge_service *s)
{
    json_t *g = json_object();
    unsigned types = GE_GT_ALL;

    for (size_t i = 0; g && i < s->nrules; i++) {
        const ge_rule *r = &s->rules[i];
        if (r->severity != GE_SEVERITY_ERROR) continue;
        if (r->kind == GE_RULE_GEOMETRY_TYPE) types &= r->types;
        if (r->kind == GE_RULE_COUNT && r->has_min)
            json_object_set_new(g, "min_count", json_integer((json_int_t)r->min));
        if (r->kind == GE_RULE_COUNT && r->has_max)
            json_object_set_new(g, "max_count", json_integer((json_int_t)r->max));
    }
    if (g) json_object_set_new(g, "types", sv_types_json(types));
    return g;
}

static json_t *sv_summary_period(const ge_service *s)
{
    json_t *p = json_object();
    bool any = false;

    for (size_t i = 0; p && i < s->nrules; i++) {
        const ge_rule *r = &s->rules[i];
        const char *lo = NULL, *hi = NULL;
        if (r->kind == GE_RULE_PERIOD_LENGTH)
            lo = "min_days", hi = "max_days";
        else if (r->kind == GE_RULE_PERIOD_LEAD)
            lo = "min_lead_days", hi = "max_lead_days";
        else
            continue;
        any = true;
        if (r->has_min) json_object_set_new(p, lo, json_integer((json_int_t)r->min));
        if (r->has_max) json_object_set_new(p, hi, json_integer((json_int_t)r->max));
    }
    if (p) json_object_set_new(p, "required", json_boolean(any));
    return p;
}

json_t *ge_service_describe(const ge_service *s)
{
    json_t *rules = json_array(), *j;

    for (size_t i = 0; rules && i < s->nrules; i++)
        json_array_append_new(rules, sv_rule_json(&s->rules[i]));
    j = json_pack("{s:s, s:o, s:o, s:i, s:o, s:o, s:o}", "id", s->id, "title",
                  sv_text_json(&s->title), "description", sv_text_json(&s->description),
                  "retention_days", s->retention_days, "geometry", sv_summary_geometry(s), "period",
                  sv_summary_period(s), "rules", rules);
    return j;
}

json_t *ge_services_describe(const ge_services *ss)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr && i < ge_services_count(ss); i++) {
        const ge_service *s = ss->v[i];
        json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o}", "id", s->id, "title",
                                             sv_text_json(&s->title), "description",
                                             sv_text_json(&s->description), "geometry",
                                             sv_summary_geometry(s)));
    }
    return arr;
}
