/*
 * mapstyle.c - loading MapLibre style documents and evaluating the subset of
 * their expression language that the static map renderer honours (see
 * mapstyle.h for the subset and why it is a subset).
 *
 * Expressions evaluate to jansson values (new references): that keeps
 * literals, property values and match outputs in one representation, and
 * the number of features a static map draws (thousands) makes the
 * allocations irrelevant next to drawing them.
 */
#include "mapstyle.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ge_mapstyle_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 63 || !(islower((unsigned char)id[0]) || isdigit((unsigned char)id[0])))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_')) return false;
    }
    return true;
}

static int ge_mapstyle_cmp(const void *a, const void *b)
{
    return strcmp(((const ge_mapstyle *)a)->id, ((const ge_mapstyle *)b)->id);
}

static int ge_mapstyle_load_file(const char *path, const char *id, ge_mapstyle *out, ge_err *err)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

    if (!doc)
        return ge_err_set(err, GE_EINVAL, "style %s: line %d, column %d: %s", path, je.line,
                          je.column, je.text);
    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "version")) != 8 ||
        !json_is_object(json_object_get(doc, "sources")) ||
        !json_is_array(json_object_get(doc, "layers"))) {
        json_decref(doc);
        return ge_err_set(err, GE_EINVAL,
                          "style %s: not a MapLibre style (version 8, sources, layers)", path);
    }
    snprintf(out->id, sizeof out->id, "%s", id);
    out->doc = doc;
    return GE_OK;
}

int ge_mapstyles_load_dir(const char *dir, ge_mapstyles *out, ge_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = GE_OK;

    memset(out, 0, sizeof *out);
    if (!d) return errno == ENOENT ? GE_OK : ge_err_set(err, GE_EIO, "styles: cannot read %s", dir);
    while (rc == GE_OK && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char id[64], path[4096];
        ge_mapstyle *grown;
        if (len <= 5 || len - 5 >= sizeof id || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        memcpy(id, e->d_name, len - 5);
        id[len - 5] = '\0';
        if (!ge_mapstyle_id_valid(id)) continue;
        grown = realloc(out->items, (out->n + 1) * sizeof *grown);
        if (!grown) {
            rc = ge_err_set(err, GE_ENOMEM, "styles: out of memory");
            break;
        }
        out->items = grown;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rc = ge_mapstyle_load_file(path, id, &out->items[out->n], err);
        if (rc == GE_OK) out->n++;
    }
    closedir(d);
    if (rc < 0) {
        ge_mapstyles_free(out);
        return rc;
    }
    if (out->n) qsort(out->items, out->n, sizeof *out->items, ge_mapstyle_cmp);
    return GE_OK;
}

void ge_mapstyles_free(ge_mapstyles *ss)
{
    if (!ss) return;
    for (size_t i = 0; i < ss->n; i++)
        json_decref(ss->items[i].doc);
    free(ss->items);
    memset(ss, 0, sizeof *ss);
}

const ge_mapstyle *ge_mapstyles_find(const ge_mapstyles *ss, const char *id)
{
    for (size_t i = 0; ss && id && i < ss->n; i++)
        if (strcmp(ss->items[i].id, id) == 0) return &ss->items[i];
    return NULL;
}

/* ---- URLs ------------------------------------------------------------------ */

static void ge_mapstyle_prefix(json_t *holder, const char *key, const char *base)
{
    json_t *v = json_object_get(holder, key);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (s[0] == '/' && s[1] != '/') {
            size_t n = strlen(base) + strlen(s) + 1;
            char *u = malloc(n);
            if (!u) return;
            snprintf(u, n, "%s%s", base, s);
            json_object_set_new(holder, key, json_string(u));
            free(u);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            const char *s = json_string_value(t);
            if (s && s[0] == '/' && s[1] != '/') {
                size_t n = strlen(base) + strlen(s) + 1;
                char *u = malloc(n);
                if (!u) return;
                snprintf(u, n, "%s%s", base, s);
                json_array_set_new(v, i, json_string(u));
                free(u);
            }
        }
    }
}

json_t *ge_mapstyle_with_base(const json_t *doc, const char *base)
{
    json_t *copy = json_deep_copy(doc), *src;
    const char *name;

    if (!copy) return NULL;
    ge_mapstyle_prefix(copy, "sprite", base);
    ge_mapstyle_prefix(copy, "glyphs", base);
    json_object_foreach(json_object_get(copy, "sources"), name, src)
    {
        ge_mapstyle_prefix(src, "url", base);
        ge_mapstyle_prefix(src, "tiles", base);
        ge_mapstyle_prefix(src, "data", base);
    }
    return copy;
}

/* ---- evaluation ------------------------------------------------------------ */

static json_t *ge_ms_eval(const json_t *e, const ge_mapstyle_feature *f, double zoom);

static bool ge_ms_equal(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    return a && b && json_equal((json_t *)a, (json_t *)b);
}

static bool ge_ms_truthy(const json_t *v)
{
    return json_is_true(v);
}

static json_t *ge_ms_match(const json_t *e, const ge_mapstyle_feature *f, double zoom)
{
    size_t n = json_array_size(e);
    json_t *input;

    if (n < 5 || n % 2 == 0) return NULL;
    input = ge_ms_eval(json_array_get(e, 1), f, zoom);
    if (!input) return NULL;
    for (size_t i = 2; i + 1 < n - 1; i += 2) {
        const json_t *label = json_array_get(e, i);
        bool hit = false;
        if (json_is_array(label)) {
            size_t k;
            json_t *l;
            json_array_foreach(label, k, l) hit = hit || ge_ms_equal(l, input);
        } else {
            hit = ge_ms_equal(label, input);
        }
        if (hit) {
            json_decref(input);
            return ge_ms_eval(json_array_get(e, i + 1), f, zoom);
        }
    }
    json_decref(input);
    return ge_ms_eval(json_array_get(e, n - 1), f, zoom);
}

static json_t *ge_ms_interpolate(const json_t *e, const ge_mapstyle_feature *f, double zoom)
{
    size_t n = json_array_size(e);
    const json_t *kind = json_array_get(e, 1);
    const char *k = json_string_value(json_array_get(kind, 0));
    double base = 1, x, z0, z1, v0, v1, t;
    json_t *in;

    if (n < 5 || n % 2 == 0 || !k) return NULL;
    if (strcmp(k, "exponential") == 0)
        base = json_number_value(json_array_get(kind, 1));
    else if (strcmp(k, "linear") != 0)
        return NULL;
    in = ge_ms_eval(json_array_get(e, 2), f, zoom);
    if (!json_is_number(in)) {
        json_decref(in);
        return NULL;
    }
    x = json_number_value(in);
    json_decref(in);
    for (size_t i = 3; i < n; i += 2)
        if (!json_is_number(json_array_get(e, i)) || !json_is_number(json_array_get(e, i + 1)))
            return NULL;
    if (x <= json_number_value(json_array_get(e, 3)))
        return json_real(json_number_value(json_array_get(e, 4)));
    for (size_t i = 3; i + 2 < n; i += 2) {
        z0 = json_number_value(json_array_get(e, i));
        z1 = json_number_value(json_array_get(e, i + 2));
        if (x > z1) continue;
        v0 = json_number_value(json_array_get(e, i + 1));
        v1 = json_number_value(json_array_get(e, i + 3));
        /* The style spec's exponential interpolation: equal to linear for base 1. */
        t = fabs(base - 1) < 1e-12 ? (x - z0) / (z1 - z0)
                                   : (pow(base, x - z0) - 1) / (pow(base, z1 - z0) - 1);
        return json_real(v0 + (v1 - v0) * t);
    }
    return json_real(json_number_value(json_array_get(e, n - 1)));
}

static json_t *ge_ms_eval(const json_t *e, const ge_mapstyle_feature *f, double zoom)
{
    const char *op;
    size_t n;

    if (!json_is_array(e)) return e ? json_incref((json_t *)e) : NULL;
    n = json_array_size(e);
    op = json_string_value(json_array_get(e, 0));
    if (!op) return json_incref((json_t *)e); /* a constant array: line-dasharray */
    if (strcmp(op, "literal") == 0 && n == 2) return json_incref(json_array_get(e, 1));
    if (strcmp(op, "zoom") == 0 && n == 1) return json_real(zoom);
    if (strcmp(op, "geometry-type") == 0 && n == 1)
        return json_string(f && f->geometry_type ? f->geometry_type : "Unknown");
    if (strcmp(op, "get") == 0 && n == 2) {
        const json_t *v =
            f ? json_object_get(f->props, json_string_value(json_array_get(e, 1))) : NULL;
        return v ? json_incref((json_t *)v) : json_null();
    }
    if (strcmp(op, "match") == 0) return ge_ms_match(e, f, zoom);
    if (strcmp(op, "interpolate") == 0) return ge_ms_interpolate(e, f, zoom);
    if (strcmp(op, "case") == 0 && n >= 4 && n % 2 == 0) {
        for (size_t i = 1; i + 1 < n; i += 2) {
            json_t *c = ge_ms_eval(json_array_get(e, i), f, zoom);
            bool yes = ge_ms_truthy(c);
            json_decref(c);
            if (yes) return ge_ms_eval(json_array_get(e, i + 1), f, zoom);
        }
        return ge_ms_eval(json_array_get(e, n - 1), f, zoom);
    }
    if ((strcmp(op, "all") == 0 || strcmp(op, "any") == 0)) {
        bool all = op[1] == 'l', acc = all;
        for (size_t i = 1; i < n; i++) {
            json_t *c = ge_ms_eval(json_array_get(e, i), f, zoom);
            bool yes = ge_ms_truthy(c);
            json_decref(c);
            if (all && !yes) return json_false();
            if (!all && yes) return json_true();
        }
        return json_boolean(acc);
    }
    if (strcmp(op, "!") == 0 && n == 2) {
        json_t *c = ge_ms_eval(json_array_get(e, 1), f, zoom);
        bool yes = ge_ms_truthy(c);
        json_decref(c);
        return c ? json_boolean(!yes) : NULL;
    }
    if ((strcmp(op, "==") == 0 || strcmp(op, "!=") == 0 || strcmp(op, "in") == 0) && n == 3) {
        json_t *a = ge_ms_eval(json_array_get(e, 1), f, zoom);
        json_t *b = ge_ms_eval(json_array_get(e, 2), f, zoom);
        json_t *r = NULL;
        if (a && b) {
            if (op[0] == 'i') {
                bool hit = false;
                size_t i;
                json_t *x;
                if (json_is_array(b)) json_array_foreach(b, i, x) hit = hit || ge_ms_equal(a, x);
                r = json_boolean(hit);
            } else {
                bool eq = ge_ms_equal(a, b);
                r = json_boolean(op[0] == '=' ? eq : !eq);
            }
        }
        json_decref(a);
        json_decref(b);
        return r;
    }
    return NULL;
}

bool ge_mapstyle_filter(const json_t *filter, const ge_mapstyle_feature *f, double zoom)
{
    json_t *v;
    bool yes;
    if (!filter) return true;
    v = ge_ms_eval(filter, f, zoom);
    yes = ge_ms_truthy(v);
    json_decref(v);
    return yes;
}

static const json_t *ge_ms_prop(const json_t *layer, const char *group, const char *name)
{
    return json_object_get(json_object_get(layer, group), name);
}

double ge_mapstyle_number(const json_t *layer, const char *group, const char *name,
                          const ge_mapstyle_feature *f, double zoom, double def)
{
    const json_t *e = ge_ms_prop(layer, group, name);
    json_t *v;
    double out = def;
    if (!e) return def;
    v = ge_ms_eval(e, f, zoom);
    if (json_is_number(v) && isfinite(json_number_value(v))) out = json_number_value(v);
    json_decref(v);
    return out;
}

static int ge_ms_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool ge_mapstyle_parse_color(const char *s, ge_rgba *out)
{
    size_t n = s ? strlen(s) : 0;
    double r, g, b, a = 1;
    char tail;

    if (n == 7 || n == 4) {
        int v[6];
        if (s[0] != '#') return false;
        for (size_t i = 1; i < n; i++)
            if ((v[i - 1] = ge_ms_hex(s[i])) < 0) return false;
        if (n == 7) {
            out->r = (v[0] * 16 + v[1]) / 255.0;
            out->g = (v[2] * 16 + v[3]) / 255.0;
            out->b = (v[4] * 16 + v[5]) / 255.0;
        } else {
            out->r = v[0] * 17 / 255.0;
            out->g = v[1] * 17 / 255.0;
            out->b = v[2] * 17 / 255.0;
        }
        out->a = 1;
        return true;
    }
    if (sscanf(s, "rgba(%lf ,%lf ,%lf ,%lf %c", &r, &g, &b, &a, &tail) == 5 && tail == ')') {
    } else if (sscanf(s, "rgb(%lf ,%lf ,%lf %c", &r, &g, &b, &tail) == 4 && tail == ')') {
        a = 1;
    } else {
        return false;
    }
    if (!(r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255 && a >= 0 && a <= 1))
        return false;
    *out = (ge_rgba){r / 255.0, g / 255.0, b / 255.0, a};
    return true;
}

ge_rgba ge_mapstyle_color(const json_t *layer, const char *group, const char *name,
                          const ge_mapstyle_feature *f, double zoom, ge_rgba def)
{
    const json_t *e = ge_ms_prop(layer, group, name);
    json_t *v;
    ge_rgba out = def;
    if (!e) return def;
    v = ge_ms_eval(e, f, zoom);
    if (!json_is_string(v) || !ge_mapstyle_parse_color(json_string_value(v), &out)) out = def;
    json_decref(v);
    return out;
}

const char *ge_mapstyle_string(const json_t *layer, const char *group, const char *name,
                               const char *def)
{
    const char *s = json_string_value(ge_ms_prop(layer, group, name));
    return s ? s : def;
}

bool ge_mapstyle_layer_visible(const json_t *layer, double zoom)
{
    const json_t *minz = json_object_get(layer, "minzoom");
    const json_t *maxz = json_object_get(layer, "maxzoom");
    if (strcmp(ge_mapstyle_string(layer, "layout", "visibility", "visible"), "none") == 0)
        return false;
    if (json_is_number(minz) && zoom < json_number_value(minz)) return false;
    if (json_is_number(maxz) && zoom >= json_number_value(maxz)) return false;
    return true;
}

/* ---- the subset check ------------------------------------------------------ */

static bool ge_ms_supported(const json_t *e)
{
    static const char *const ops[] = {
        "literal", "zoom", "geometry-type", "get", "match", "interpolate",
        "case",    "all",  "any",           "!",   "==",    "!=",
        "in",      NULL};
    const char *op;
    size_t n, i;
    bool known = false;

    if (!json_is_array(e)) return true;
    op = json_string_value(json_array_get(e, 0));
    n = json_array_size(e);
    if (!op && n > 0) return json_is_number(json_array_get(e, 0)); /* line-dasharray */
    for (i = 0; op && ops[i]; i++)
        known = known || strcmp(op, ops[i]) == 0;
    if (!known) return false;
    if (strcmp(op, "literal") == 0) return n == 2;
    if (strcmp(op, "get") == 0) return n == 2 && json_is_string(json_array_get(e, 1));
    if (strcmp(op, "match") == 0) {
        if (n < 5 || n % 2 == 0 || !ge_ms_supported(json_array_get(e, 1))) return false;
        for (i = 3; i < n; i += 2)
            if (!ge_ms_supported(json_array_get(e, i))) return false;
        return ge_ms_supported(json_array_get(e, n - 1));
    }
    if (strcmp(op, "interpolate") == 0) {
        const char *k = json_string_value(json_array_get(json_array_get(e, 1), 0));
        if (n < 5 || n % 2 == 0 || !k ||
            (strcmp(k, "linear") != 0 && strcmp(k, "exponential") != 0))
            return false;
        for (i = 3; i < n; i++)
            if (!json_is_number(json_array_get(e, i))) return false;
        return ge_ms_supported(json_array_get(e, 2));
    }
    for (i = 1; i < n; i++)
        if (!ge_ms_supported(json_array_get(e, i))) return false;
    return true;
}

int ge_mapstyle_check(const json_t *doc, ge_err *err)
{
    static const char *const groups[] = {"paint", "layout"};
    size_t i;
    json_t *layer;

    json_array_foreach(json_object_get(doc, "layers"), i, layer)
    {
        const char *id = json_string_value(json_object_get(layer, "id"));
        const char *key;
        json_t *v;
        if (!ge_ms_supported(json_object_get(layer, "filter")))
            return ge_err_set(err, GE_EINVAL, "layer '%s': filter outside the supported subset",
                              id ? id : "?");
        for (size_t g = 0; g < 2; g++) {
            json_object_foreach(json_object_get(layer, groups[g]), key, v)
            {
                if (!ge_ms_supported(v))
                    return ge_err_set(err, GE_EINVAL,
                                      "layer '%s': %s '%s' outside the supported subset",
                                      id ? id : "?", groups[g], key);
            }
        }
    }
    return GE_OK;
}
