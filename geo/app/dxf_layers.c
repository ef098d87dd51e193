/*
 * dxf_layers.c - cleaned, unique DXF layer names for an export's cases
 * (dxf_layers.h). Two open-addressing hash tables: case id -> name, and the
 * names taken (lower case), each at most half full.
 */
#include "dxf_layers.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ge_dxf_entry {
    char *case_id; /* NULL: free slot */
    char name[GE_DXF_LAYER_MAX + 1];
} ge_dxf_entry;

struct ge_dxf_layers {
    ge_dxf_entry *cases; /* by case id */
    char **taken;        /* lower-case names, NULL: free slot */
    size_t cap, n;       /* both tables have cap slots and n entries */
};

static uint64_t ge_dxf_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 1099511628211ULL;
    return h;
}

ge_dxf_layers *ge_dxf_layers_new(void)
{
    ge_dxf_layers *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->cap = 64;
    t->cases = calloc(t->cap, sizeof *t->cases);
    t->taken = calloc(t->cap, sizeof *t->taken);
    if (!t->cases || !t->taken) {
        ge_dxf_layers_free(t);
        return NULL;
    }
    return t;
}

void ge_dxf_layers_free(ge_dxf_layers *t)
{
    if (!t) return;
    for (size_t i = 0; t->cases && i < t->cap; i++)
        free(t->cases[i].case_id);
    for (size_t i = 0; t->taken && i < t->cap; i++)
        free(t->taken[i]);
    free(t->cases);
    free(t->taken);
    free(t);
}

static void ge_dxf_put(char *out, size_t size, size_t *n, const char *s)
{
    for (; *s && *n + 1 < size; s++)
        out[(*n)++] = *s;
    out[*n] = '\0';
}

void ge_dxf_layer_clean(const char *reference, char *out, size_t size)
{
    static const struct {
        const char *utf8, *ascii;
    } umlauts[] = {{"\xc3\xa4", "ae"}, {"\xc3\xb6", "oe"}, {"\xc3\xbc", "ue"}, {"\xc3\x84", "Ae"},
                   {"\xc3\x96", "Oe"}, {"\xc3\x9c", "Ue"}, {"\xc3\x9f", "ss"}};
    size_t n = 0, lim = size < GE_DXF_LAYER_MAX + 1 ? size : GE_DXF_LAYER_MAX + 1;
    const char *s = reference ? reference : "";

    out[0] = '\0';
    while (*s) {
        unsigned char c = (unsigned char)*s;
        bool done = false;
        if (isalnum(c) || c == '-' || c == '_') {
            char one[2] = {(char)c, '\0'};
            ge_dxf_put(out, lim, &n, one);
            s++;
            continue;
        }
        for (size_t i = 0; i < sizeof umlauts / sizeof umlauts[0] && !done; i++)
            if (!strncmp(s, umlauts[i].utf8, 2)) {
                ge_dxf_put(out, lim, &n, umlauts[i].ascii);
                s += 2;
                done = true;
            }
        if (done) continue;
        /* anything else, a whole UTF-8 sequence at a time: one '_' */
        s++;
        while ((*s & 0xC0) == 0x80)
            s++;
        if (n > 0 && out[n - 1] != '_') ge_dxf_put(out, lim, &n, "_");
    }
    while (n > 0 && out[n - 1] == '_')
        out[--n] = '\0';
    /* a cut may have left a trailing '_' only; leading ones cannot occur
     * from the replacement, but a reference may start with '_' */
    if (out[0] == '_') {
        size_t skip = strspn(out, "_");
        memmove(out, out + skip, n - skip + 1);
    }
    if (!strcmp(out, "0") || !strcasecmp(out, "defpoints")) {
        char tmp[GE_DXF_LAYER_MAX + 1];
        snprintf(tmp, sizeof tmp, "ref_%s", out);
        snprintf(out, lim, "%s", tmp);
    }
}

static size_t ge_dxf_case_slot(const ge_dxf_layers *t, const char *case_id)
{
    size_t i = (size_t)(ge_dxf_hash(case_id) & (t->cap - 1));
    while (t->cases[i].case_id && strcmp(t->cases[i].case_id, case_id))
        i = (i + 1) & (t->cap - 1);
    return i;
}

static size_t ge_dxf_name_slot(const ge_dxf_layers *t, const char *name)
{
    size_t i = (size_t)(ge_dxf_hash(name) & (t->cap - 1));
    while (t->taken[i] && strcasecmp(t->taken[i], name))
        i = (i + 1) & (t->cap - 1);
    return i;
}

static int ge_dxf_grow(ge_dxf_layers *t)
{
    ge_dxf_layers bigger = {.cap = t->cap * 2, .n = t->n};
    bigger.cases = calloc(bigger.cap, sizeof *bigger.cases);
    bigger.taken = calloc(bigger.cap, sizeof *bigger.taken);
    if (!bigger.cases || !bigger.taken) {
        free(bigger.cases);
        free(bigger.taken);
        return -1;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->cases[i].case_id)
            bigger.cases[ge_dxf_case_slot(&bigger, t->cases[i].case_id)] = t->cases[i];
        if (t->taken[i]) bigger.taken[ge_dxf_name_slot(&bigger, t->taken[i])] = t->taken[i];
    }
    free(t->cases);
    free(t->taken);
    *t = bigger;
    return 0;
}

const char *ge_dxf_layers_get(ge_dxf_layers *t, const char *case_id, const char *reference,
                              bool *is_new)
{
    char base[GE_DXF_LAYER_MAX + 1], name[GE_DXF_LAYER_MAX + 1];
    size_t slot;
    const char *id = case_id ? case_id : "";

    *is_new = false;
    slot = ge_dxf_case_slot(t, id);
    if (t->cases[slot].case_id) return t->cases[slot].name;
    if ((t->n + 1) * 2 > t->cap) {
        if (ge_dxf_grow(t) < 0) return NULL;
        slot = ge_dxf_case_slot(t, id);
    }
    ge_dxf_layer_clean(reference, base, sizeof base);
    if (!base[0]) snprintf(base, sizeof base, "case_%.8s", id);
    snprintf(name, sizeof name, "%s", base);
    if (t->taken[ge_dxf_name_slot(t, name)]) {
        /* cut the base so that the suffixes always fit */
        base[GE_DXF_LAYER_MAX - 20] = '\0';
        snprintf(name, sizeof name, "%s_%.8s", base, id);
        for (int k = 2; t->taken[ge_dxf_name_slot(t, name)]; k++)
            snprintf(name, sizeof name, "%s_%.8s_%d", base, id, k);
    }
    {
        size_t ns = ge_dxf_name_slot(t, name);
        t->taken[ns] = strdup(name);
        t->cases[slot].case_id = strdup(id);
        if (!t->taken[ns] || !t->cases[slot].case_id) {
            free(t->taken[ns]);
            free(t->cases[slot].case_id);
            t->taken[ns] = NULL;
            t->cases[slot].case_id = NULL;
            return NULL;
        }
        snprintf(t->cases[slot].name, sizeof t->cases[slot].name, "%s", name);
    }
    t->n++;
    *is_new = true;
    return t->cases[slot].name;
}
