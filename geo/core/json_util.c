/*
 * json_util.c - small jansson helpers (json_util.h).
 */
#include "json_util.h"

#include <stdlib.h>
#include <string.h>

const char *ge_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

/* The length of the well-formed UTF-8 sequence at s (1..4), or 0. */
static size_t ge_utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

json_t *ge_json_string_lossy(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *buf;
    json_t *v;

    v = json_stringn(s, n);
    if (v) return v;
    buf = malloc(3 * n + 1); /* each byte at most U+FFFD (3 bytes) */
    if (!buf) return NULL;
    for (size_t i = 0; i < n;) {
        /* a NUL ends s, so reading up to 3 bytes on stops at it at worst */
        size_t k = ge_utf8_seq((const unsigned char *)s + i);
        if (k) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    v = json_stringn(buf, o);
    free(buf);
    return v;
}
