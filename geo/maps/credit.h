/*
 * credit.h - a map's data credit in the reader's language. The importers
 * store credits in English ("(c) OpenStreetMap contributors", the demo
 * quarter's "Demo data: fictional, made by geoEDITOR"); a German site plan
 * or map image writes them as German readers know them ("©
 * OpenStreetMap-Mitwirkende", the wording OpenStreetMap's own German pages
 * use). Any other credit (a city's own) stays as it was given. The web pages
 * do the same in web/src/common/credit.js.
 */
#ifndef GE_CREDIT_H
#define GE_CREDIT_H

#include <stdbool.h>
#include <stddef.h>

/* Writes credit into out (size bytes, always terminated; cut at a UTF-8
 * character's start when too long) with "(c)" as "©" and, when german, the
 * known English phrases in German. Returns out. */
char *ge_credit_local(const char *credit, bool german, char *out, size_t size);

#endif
