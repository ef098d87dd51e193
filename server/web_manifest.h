/*
 * web_manifest.h - which built files of the front end an entry needs, from
 * vite's manifest (<web_root>/.vite/manifest.json), for pages the server
 * writes itself that load a script or stylesheet of web/ (the OGC API HTML
 * pages: features_html.c). vite names its files by content hash, so the
 * names change with every build; the manifest says what they are now.
 *
 * The manifest is read when first asked for and again whenever the file
 * changed (size or modification time), so a rebuilt front end is picked up
 * without a restart. Safe to call from several threads.
 */
#ifndef GE_WEB_MANIFEST_H
#define GE_WEB_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ge_web_manifest ge_web_manifest;

/* NULL only when out of memory; a missing web root or manifest is not an
 * error (lookups then find nothing). */
ge_web_manifest *ge_web_manifest_new(const char *web_root);
void ge_web_manifest_free(ge_web_manifest *m);

/* The files of one entry, as paths from the web root ("assets/ogc-X1.js"). */
typedef struct ge_web_entry {
    char js[256];           /* the entry's script */
    char css[256];          /* the entry's own stylesheet ("" if none) */
    char chunk_css[4][256]; /* stylesheets of the chunks it imports */
    size_t n_chunk_css;
} ge_web_entry;

/* Fills out for the entry named by its source path ("src/ogc/main.js");
 * false when there is no manifest or no such entry. */
bool ge_web_manifest_entry(ge_web_manifest *m, const char *entry, ge_web_entry *out);

#endif
