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

#endif
