/*
 * features_internal.h - what the OGC API - Features files of server/ share:
 * the parsed query of a request (features_params.c), the HTML pages
 * (features_html.c) and the route handlers (handlers_features.c).
 */
#ifndef GE_FEATURES_INTERNAL_H
#define GE_FEATURES_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../geo/core/buf.h"
#include "../geo/core/crs.h"
#include "../geo/store/store_features.h"
#include "http.h"

/* Page sizes come from the settings features_limit_default and
 * features_limit_max; the maximum bounds a response's memory, since a page is
 * written into one buffer. */
#define GE_FEATURES_MAX_FILTERS_Q 16

typedef enum ge_features_fmt { GE_FEATURES_JSON, GE_FEATURES_HTML } ge_features_fmt;

/* The query of an items request, validated. */
typedef struct ge_features_params {
    ge_features_fmt fmt;
    long limit;
    bool has_bbox;
    double bbox[4]; /* as given, in bbox_crs axis order (3D boxes lose z) */
    ge_crs bbox_crs;
    ge_crs crs; /* of the response */
    int64_t after, before;
    ge_features_filter filters[GE_FEATURES_MAX_FILTERS_Q];
    size_t n_filters;
} ge_features_params;

/*
 * Each parser below returns GE_OK, or GE_EINVAL after filling resp with a 400
 * problem whose "parameter" member names the query parameter.
 */

/* f=json|html, else the Accept header (text/html before any JSON type: HTML). */
int ge_features_parse_format(const ge_req *req, ge_resp *resp, ge_features_fmt *fmt);

/* lang=de|en sets req->lang (titles, labels, problems); without it an HTML
 * page is German unless Accept-Language prefers English, and JSON keeps the
 * Accept-Language default. */
int ge_features_parse_lang(ge_req *req, ge_resp *resp, ge_features_fmt fmt);

/* Every query parameter must be in allowed (NULL-terminated) or in props. */
int ge_features_check_params(const ge_req *req, ge_resp *resp, const char *const *allowed,
                             char *const *props, size_t n_props);

/* A CRS parameter ("crs", "bbox-crs"); absent: CRS84. */
int ge_features_parse_crs(const ge_req *req, ge_resp *resp, const char *name, ge_crs *out);

/* Everything of an items request but the unknown-parameter check. */
int ge_features_parse_items(const ge_req *req, ge_resp *resp, char *const *props, size_t n_props,
                            ge_features_params *p);

/* RFC 3339 date, date-time or interval ("a/b", ".." or "" for an open end). */
bool ge_features_datetime_valid(const char *s);

/* A 400 problem naming the parameter (printf-style detail). */
int ge_features_bad_param(ge_resp *resp, const ge_req *req, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- HTML (features_html.c) --------------------------------------------- */

/* Pages are written into a ge_buf (geo/core/buf.h), text through
 * ge_buf_put_html. */

/* A query component percent-encoded (RFC 3986 unreserved characters stay). */
void ge_buf_put_query(ge_buf *b, const char *s);

typedef enum ge_html_kind {
    GE_HTML_LANDING,
    GE_HTML_CONFORMANCE,
    GE_HTML_COLLECTIONS,
    GE_HTML_COLLECTION,
    GE_HTML_ITEMS,
    GE_HTML_ITEM
} ge_html_kind;

struct ge_web_manifest;

/* The front end's entry of these pages (web/vite.config.js): the map script
 * and the stylesheet. */
#define GE_HTML_ENTRY "src/ogc/main.js"

/* What an HTML page shows besides its document. */
typedef struct ge_html_page {
    ge_html_kind kind;
    const char *title;           /* the page's heading */
    const char *layer;           /* collection, items, item: the layer's id */
    const char *layer_title;     /* and its title, for the breadcrumbs */
    long long fid;               /* item: the feature's id */
    bool crs84;                  /* items, item: the coordinates are CRS84 (the map embeds them) */
    struct ge_web_manifest *web; /* the built front end's files; NULL: no map, no stylesheet */
} ge_html_page;

/*
 * A JSON document of this API (landing page, conformance, collections, a
 * collection, a feature collection, a feature) as the HTML page of its kind,
 * in the request's language (ge_features_parse_lang). Every string from the
 * document is escaped. Takes doc. Responds with text/html.
 */
int ge_features_html(const ge_req *req, ge_resp *resp, const ge_html_page *page, json_t *doc);

#endif
