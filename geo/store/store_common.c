/*
 * store_common.c - what both store backends share and needs no SQL: the
 * layer-name check of every function that takes a layer name, the
 * growing of result arrays, what the import batch reads from a WKB, and
 * the login throttle's key as stored text.
 */
#include "store.h"
#include "store_backend.h"

#include <stdint.h>
#include <stdlib.h>

bool ge_store_layer_name_valid(const char *name)
{
    size_t i;
    if (!name || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    for (i = 1; name[i]; i++) {
        char ch = name[i];
        if (i > 62 || !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            return false;
    }
    return true;
}

void *ge_store_grow(void *v, size_t *cap, size_t len, size_t elem_size, size_t first_cap,
                    ge_err *err)
{
    size_t ncap = *cap ? *cap * 2 : first_cap;
    void *grown;

    if (len < *cap) return v;
    grown = ncap <= SIZE_MAX / elem_size ? realloc(v, ncap * elem_size) : NULL;
    if (!grown) {
        ge_err_set(err, GE_ENOMEM, "store: out of memory");
        return NULL;
    }
    *cap = ncap;
    return grown;
}

/* The base type (1 Point .. 7 GeometryCollection) of ISO, OGC or EWKB. */
int ge_store_wkb_base_type(const unsigned char *wkb, size_t len)
{
    uint32_t t;
    if (!wkb || len < 5 || wkb[0] > 1) return 0;
    if (wkb[0] == 1)
        t = (uint32_t)wkb[1] | (uint32_t)wkb[2] << 8 | (uint32_t)wkb[3] << 16 |
            (uint32_t)wkb[4] << 24;
    else
        t = (uint32_t)wkb[4] | (uint32_t)wkb[3] << 8 | (uint32_t)wkb[2] << 16 |
            (uint32_t)wkb[1] << 24;
    t = (t & 0x0fffffffu) % 1000u; /* EWKB flags, ISO Z/M/ZM thousands */
    return t >= 1 && t <= 7 ? (int)t : 0;
}

const char *ge_store_geometry_type_name(unsigned types)
{
    static const char *const names[] = {
        "Geometry",   "Point",           "LineString",   "Polygon",
        "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"};
    for (int t = 1; t <= 7; t++)
        if (types == (1u << t)) return names[t];
    /* Single and multi parts of one kind: the multi type describes both. */
    for (int t = 1; t <= 3; t++)
        if (types == ((1u << t) | (1u << (t + 3)))) return names[t + 3];
    return names[0];
}

void ge_store_throttle_key_hex(const unsigned char key[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[key[i] >> 4];
        hex[2 * i + 1] = digits[key[i] & 15];
    }
    hex[64] = '\0';
}

static int ge_store_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

int ge_store_throttle_key_parse(const char *hex, unsigned char key[32], ge_err *err)
{
    for (int i = 0; i < 32; i++) {
        int hi = hex ? ge_store_hex_digit(hex[2 * i]) : -1;
        int lo = hi >= 0 ? ge_store_hex_digit(hex[2 * i + 1]) : -1;
        if (lo < 0) return ge_err_set(err, GE_EINVAL, "store: the login throttle's key is damaged");
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hex[64] != '\0')
        return ge_err_set(err, GE_EINVAL, "store: the login throttle's key is damaged");
    return GE_OK;
}
