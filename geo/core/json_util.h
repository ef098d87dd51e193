/*
 * json_util.h - small jansson helpers shared by the readers of JSON input
 * (GeoJSON, service files, request bodies).
 */
#ifndef GE_JSON_UTIL_H
#define GE_JSON_UTIL_H

#include <jansson.h>

/* "an object", "an array", "a string", "a number", "a boolean" or "null", for
 * messages such as "expected a number, found a string". */
const char *ge_json_kind(const json_t *v);

/* A JSON string of s (NUL-terminated) that jansson accepts whatever s holds:
 * each byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
 * forms, surrogates or code points over U+10FFFF) becomes U+FFFD. For text
 * that quotes client input - a query parameter's name, a value cut to 64
 * bytes in the middle of a character - where json_string would give NULL
 * and the member would silently be missing. NULL only when out of memory. */
json_t *ge_json_string_lossy(const char *s);

#endif
