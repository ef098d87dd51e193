/*
 * static.h - the built front end (cfg->web_root, vite's web/dist) as static
 * files, for GET/HEAD paths that no API route claims.
 *
 * Rules:
 *  - A path is split and percent-decoded per segment; a segment that is "..",
 *    starts with '.', holds '/' or '\' after decoding, or decodes to NUL is
 *    refused, and the resolved file (symlinks followed) must lie inside the
 *    root. Refusals look like any missing file: 404.
 *  - A directory serves its index.html.
 *  - SPA fallback: a missing path of two or more segments whose last segment
 *    has no file extension is answered with <first segment>/index.html if
 *    that exists (/review/cases/42 -> review/index.html, /edit/TOKEN ->
 *    edit/index.html). A missing /assets/x.js stays 404, never HTML.
 *  - Caching: vite's hashed files under /assets/ (name-HASH.ext) are
 *    "public, max-age=31536000, immutable"; everything else is "no-cache"
 *    with an ETag from inode, size and mtime, so that revalidation is a 304.
 *  - A sibling "file.gz" is sent instead when the client accepts gzip.
 */
#ifndef GE_STATIC_H
#define GE_STATIC_H

#include <stdbool.h>

#include "http.h"

typedef struct ge_static ge_static;

/* *out is NULL (and GE_OK returned) when web_root does not exist: the server
 * then serves only the API. GE_EIO when it exists but is not a directory. */
int ge_static_open(ge_static **out, const char *web_root, ge_err *err);
void ge_static_close(ge_static *st);

/* GE_OK with resp filled (200 or 304), or GE_ENOENT: no file for this path. */
int ge_static_serve(const ge_static *st, const ge_req *req, ge_resp *resp);

/* "text/css; charset=utf-8" ... by extension; application/octet-stream when unknown. */
const char *ge_static_content_type(const char *path);

/* Is this a vite content-hashed asset ("/assets/index-B2x9Qa1c.js")? */
bool ge_static_is_hashed_asset(const char *path);

#endif
