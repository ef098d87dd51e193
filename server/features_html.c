/*
 * features_html.c - the OGC API - Features documents as HTML pages for a
 * browser (f=html or an Accept header that prefers text/html), for the
 * city's GIS staff: a page per kind of document (landing page, conformance,
 * the collections as one table, a collection, a page of features with a map
 * and a table, one feature with a map and its properties), breadcrumbs, the
 * other language one click away, paging links.
 *
 * The pages are German unless the request asks for English (lang=, else
 * Accept-Language; features_params.c). Their stylesheet and the map's script
 * are web/src/ogc/ of the built front end, found through vite's manifest
 * (web_manifest.h); the map takes the page's features from a JSON element
 * inside the page (CRS84) or from their GeoJSON URL.
 *
 * Whatever a document holds - layer titles from an import, property values
 * from OpenStreetMap - is client-visible text from outside, so every string
 * goes through ge_buf_put_html(), the map's data through
 * ge_html_put_json_data(), and only http(s) or same-origin hrefs become
 * links (no "javascript:").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/geojson_out.h"
#include "features_internal.h"
#include "web_manifest.h"

#define GE_HTML_MAX_DEPTH 8

/* Percent-encodes a query component (RFC 3986 unreserved characters stay). */
void ge_buf_put_query(ge_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~' || c == ',' || c == ':' || c == '/') {
            ge_buf_put(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            ge_buf_put(b, e, 3);
        }
    }
}

/* ---- the pages ------------------------------------------------------------ */

/* What every part of one page needs. */
typedef struct ge_html {
    const ge_req *req;
    const ge_html_page *page;
    ge_buf *b;
    char base[256];
    const char *lang_q; /* "de" or "en" when the request chose it with lang=, else NULL */
    ge_web_entry web;   /* the front end's files for these pages */
    bool have_web;
} ge_html;

#define TR(h, en, de) GE_TR((h)->req, DE(de), EN(en))

/* Only absolute http(s) URLs and paths of this server become hrefs. */
static bool ge_html_href_safe(const char *href)
{
    return strncmp(href, "http://", 7) == 0 || strncmp(href, "https://", 8) == 0 ||
           (href[0] == '/' && href[1] != '/');
}

/* The href of one of our pages as HTML: base + path_query (a path of ours,
 * query components already encoded) + f=html, and lang= when the request
 * chose the language so, so that the reader stays in it. */
static void ge_html_href(ge_html *h, const char *path_query)
{
    ge_buf u = {0};
    ge_buf_puts(&u, h->base);
    ge_buf_puts(&u, path_query);
    ge_buf_puts(&u, strchr(path_query, '?') ? "&f=html" : "?f=html");
    if (h->lang_q) ge_buf_printf(&u, "&lang=%s", h->lang_q);
    ge_buf_put_html(h->b, u.data ? u.data : "");
    h->b->failed |= u.failed;
    free(u.data);
}

/* <a href="(our page)">text</a> */
static void ge_html_a(ge_html *h, const char *path_query, const char *text)
{
    ge_buf_puts(h->b, "<a href=\"");
    ge_html_href(h, path_query);
    ge_buf_puts(h->b, "\">");
    ge_buf_put_html(h->b, text);
    ge_buf_puts(h->b, "</a>");
}

/* <a href="(base + path_query as given)">text</a>, for JSON and other formats. */
static void ge_html_a_raw(ge_html *h, const char *path_query, const char *type, const char *text)
{
    ge_buf_puts(h->b, "<a href=\"");
    ge_buf_put_html(h->b, h->base);
    ge_buf_put_html(h->b, path_query);
    ge_buf_puts(h->b, "\"");
    if (type) {
        ge_buf_puts(h->b, " type=\"");
        ge_buf_put_html(h->b, type);
        ge_buf_puts(h->b, "\"");
    }
    ge_buf_puts(h->b, ">");
    ge_buf_put_html(h->b, text);
    ge_buf_puts(h->b, "</a>");
}

/* A count with the language's digit grouping: 12.345 / 12,345. */
static void ge_html_count(ge_html *h, long long n)
{
    char digits[32], out[48];
    size_t len, k = 0;
    char sep = ge_req_lang(h->req) == GE_LANG_DE ? '.' : ',';

    if (n < 0) {
        ge_buf_printf(h->b, "%lld", n);
        return;
    }
    snprintf(digits, sizeof digits, "%lld", n);
    len = strlen(digits);
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) out[k++] = sep;
        out[k++] = digits[i];
    }
    out[k] = '\0';
    ge_buf_puts(h->b, out);
}

/* A decimal with the language's decimal mark (for coordinates). */
static void ge_html_decimal(ge_html *h, double v, int places)
{
    char num[64];
    snprintf(num, sizeof num, "%.*f", places, v);
    if (ge_req_lang(h->req) == GE_LANG_DE) {
        char *dot = strchr(num, '.');
        if (dot) *dot = ',';
    }
    ge_buf_puts(h->b, num);
}

static void ge_html_value(ge_buf *b, json_t *v, int depth);

static void ge_html_object(ge_buf *b, json_t *o, int depth)
{
    const char *key;
    json_t *v;

    ge_buf_puts(b, "<dl class=\"nested\">\n");
    json_object_foreach(o, key, v)
    {
        ge_buf_puts(b, "<dt>");
        ge_buf_put_html(b, key);
        ge_buf_puts(b, "</dt><dd>");
        ge_html_value(b, v, depth + 1);
        ge_buf_puts(b, "</dd>\n");
    }
    ge_buf_puts(b, "</dl>\n");
}

/* Any JSON value as text or nested lists, every string escaped. */
static void ge_html_value(ge_buf *b, json_t *v, int depth)
{
    char num[64];
    size_t i;
    json_t *e;

    if (depth > GE_HTML_MAX_DEPTH) {
        ge_buf_puts(b, "&hellip;");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        ge_html_object(b, v, depth);
        break;
    case JSON_ARRAY:
        ge_buf_puts(b, "<ol>\n");
        json_array_foreach(v, i, e)
        {
            ge_buf_puts(b, "<li>");
            ge_html_value(b, e, depth + 1);
            ge_buf_puts(b, "</li>\n");
        }
        ge_buf_puts(b, "</ol>\n");
        break;
    case JSON_STRING:
        ge_buf_put_html(b, json_string_value(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        ge_buf_puts(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof num, "%.15g", json_real_value(v));
        ge_buf_puts(b, num);
        break;
    case JSON_TRUE:
        ge_buf_puts(b, "true");
        break;
    case JSON_FALSE:
        ge_buf_puts(b, "false");
        break;
    default:
        ge_buf_puts(b, "&ndash;");
    }
}

/* A link of the document by its rel (and type, when given); NULL if none. */
static const char *ge_html_link_href(json_t *doc, const char *rel, const char *type)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(doc, "links"), i, l)
    {
        const char *r = json_string_value(json_object_get(l, "rel"));
        const char *t = json_string_value(json_object_get(l, "type"));
        const char *href = json_string_value(json_object_get(l, "href"));
        if (r && href && strcmp(r, rel) == 0 && (!type || (t && strcmp(t, type) == 0)) &&
            ge_html_href_safe(href))
            return href;
    }
    return NULL;
}

/* The URL of this page with another query, as an href: the request's path,
 * then `lead` ("f=html"; NULL: none), the request's query arguments except
 * those in drop (NULL-terminated), then `tail` (NULL: none). */
static void ge_html_this_href(ge_html *h, const char *lead, const char *const *drop,
                              const char *tail)
{
    ge_buf u = {0};
    bool first = true;

    ge_buf_puts(&u, h->base);
    ge_buf_puts(&u, h->req->path);
    if (lead) {
        ge_buf_printf(&u, "?%s", lead);
        first = false;
    }
    for (size_t i = 0; i < ge_req_query_count(h->req); i++) {
        const ge_query_arg *a = ge_req_query_at(h->req, i);
        bool dropped = false;
        for (size_t k = 0; drop[k] && !dropped; k++)
            dropped = strcmp(a->name, drop[k]) == 0;
        if (dropped) continue;
        ge_buf_puts(&u, first ? "?" : "&");
        first = false;
        ge_buf_put_query(&u, a->name);
        ge_buf_puts(&u, "=");
        ge_buf_put_query(&u, a->value);
    }
    if (tail) ge_buf_printf(&u, "%s%s", first ? "?" : "&", tail);
    ge_buf_put_html(h->b, u.data ? u.data : "");
    h->b->failed |= u.failed;
    free(u.data);
}

static bool ge_html_has_map(const ge_html *h)
{
    return h->page->kind == GE_HTML_ITEMS || h->page->kind == GE_HTML_ITEM;
}

static void ge_html_asset(ge_html *h, const char *before, const char *file, const char *after)
{
    if (!file[0]) return;
    ge_buf_puts(h->b, before);
    ge_buf_put_html(h->b, h->base);
    ge_buf_puts(h->b, "/");
    ge_buf_put_html(h->b, file);
    ge_buf_puts(h->b, after);
}

static void ge_html_head(ge_html *h, json_t *doc)
{
    const char *alt = ge_html_link_href(doc, "alternate", NULL);

    ge_buf_printf(h->b,
                  "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  ge_req_lang(h->req) == GE_LANG_DE ? "de" : "en");
    ge_buf_put_html(h->b, h->page->title);
    /* every page names the site after its own title; the landing page's
     * title is the site's name already */
    ge_buf_puts(h->b,
                h->page->kind == GE_HTML_LANDING ? "</title>\n" : " &ndash; geoEDITOR</title>\n");
    ge_html_asset(h, "<link rel=\"icon\" href=\"", "favicon.ico", "\" sizes=\"32x32\">\n");
    ge_html_asset(h, "<link rel=\"icon\" href=\"", "favicon.svg", "\" type=\"image/svg+xml\">\n");
    if (h->have_web) {
        if (ge_html_has_map(h))
            for (size_t i = 0; i < h->web.n_chunk_css; i++)
                ge_html_asset(h, "<link rel=\"stylesheet\" href=\"", h->web.chunk_css[i], "\">\n");
        ge_html_asset(h, "<link rel=\"stylesheet\" href=\"", h->web.css, "\">\n");
        if (ge_html_has_map(h))
            ge_html_asset(h, "<script type=\"module\" src=\"", h->web.js, "\"></script>\n");
    }
    if (alt) {
        ge_buf_puts(h->b, "<link rel=\"alternate\" type=\"");
        ge_buf_put_html(h->b, h->page->kind == GE_HTML_ITEMS || h->page->kind == GE_HTML_ITEM
                                  ? "application/geo+json"
                                  : "application/json");
        ge_buf_puts(h->b, "\" href=\"");
        ge_buf_put_html(h->b, alt);
        ge_buf_puts(h->b, "\">\n");
    }
    ge_buf_puts(h->b, "</head>\n<body>\n");
}

/* The site's header: name, what this is, the other language. */
static void ge_html_banner(ge_html *h)
{
    bool de = ge_req_lang(h->req) == GE_LANG_DE;

    ge_buf_puts(h->b, "<header class=\"site\">\n<p class=\"brand\">");
    ge_html_a(h, "/", "geoEDITOR");
    ge_buf_printf(h->b, " <span>%s</span></p>\n",
                  TR(h, "Reference data of the city", "Referenzdaten der Stadt"));
    static const char *const drop[] = {"lang", NULL};

    ge_buf_printf(h->b, "<nav class=\"lang\" aria-label=\"%s\"><a href=\"",
                  TR(h, "Language", "Sprache"));
    ge_html_this_href(h, NULL, drop, de ? "lang=en" : "lang=de");
    ge_buf_printf(h->b, "\" hreflang=\"%s\" lang=\"%s\">%s</a></nav>\n</header>\n",
                  de ? "en" : "de", de ? "en" : "de", de ? "English" : "Deutsch");
}

/* Breadcrumbs: Start > Reference layers > layer > Features > Feature n. */
static void ge_html_crumbs(ge_html *h)
{
    const ge_html_page *p = h->page;
    char path[256], label[96];
    int depth = p->kind == GE_HTML_LANDING       ? 0
                : p->kind == GE_HTML_CONFORMANCE ? 1
                : p->kind == GE_HTML_COLLECTIONS ? 1
                : p->kind == GE_HTML_COLLECTION  ? 2
                : p->kind == GE_HTML_ITEMS       ? 3
                                                 : 4;

    ge_buf_printf(h->b, "<nav class=\"crumbs\" aria-label=\"%s\">\n<ol>\n",
                  TR(h, "Breadcrumb", "Brotkrümelnavigation"));
    for (int level = 0; level <= depth; level++) {
        const char *text = NULL;
        path[0] = '\0';
        switch (level) {
        case 0:
            text = TR(h, "Start", "Start");
            snprintf(path, sizeof path, "/");
            break;
        case 1:
            if (p->kind == GE_HTML_CONFORMANCE) {
                text = TR(h, "Conformance", "Konformität");
                snprintf(path, sizeof path, "/conformance");
            } else {
                text = TR(h, "Reference layers", "Referenzebenen");
                snprintf(path, sizeof path, "/collections");
            }
            break;
        case 2:
            text = p->layer_title ? p->layer_title : p->layer;
            snprintf(path, sizeof path, "/collections/%s", p->layer);
            break;
        case 3:
            text = TR(h, "Features", "Objekte");
            snprintf(path, sizeof path, "/collections/%s/items", p->layer);
            break;
        default:
            snprintf(label, sizeof label, TR(h, "Feature %lld", "Objekt %lld"), p->fid);
            text = label;
            snprintf(path, sizeof path, "/collections/%s/items/%lld", p->layer, p->fid);
        }
        if (level == depth) {
            ge_buf_puts(h->b, "<li aria-current=\"page\">");
            ge_buf_put_html(h->b, text);
            ge_buf_puts(h->b, "</li>\n");
        } else {
            ge_buf_puts(h->b, "<li>");
            ge_html_a(h, path, text);
            ge_buf_puts(h->b, "</li>\n");
        }
    }
    ge_buf_puts(h->b, "</ol>\n</nav>\n");
}

static void ge_html_footer(ge_html *h, json_t *doc)
{
    const char *alt = ge_html_link_href(doc, "alternate", NULL);

    ge_buf_puts(h->b, "<footer class=\"site\">\n<ul>\n");
    if (alt) {
        ge_buf_puts(h->b, "<li><a href=\"");
        ge_buf_put_html(h->b, alt);
        ge_buf_printf(h->b, "\">%s</a></li>\n",
                      h->page->kind == GE_HTML_ITEMS || h->page->kind == GE_HTML_ITEM
                          ? TR(h, "This page as GeoJSON", "Diese Seite als GeoJSON")
                          : TR(h, "This page as JSON", "Diese Seite als JSON"));
    }
    ge_buf_puts(h->b, "<li>");
    ge_html_a_raw(h, "/api", "application/vnd.oai.openapi+json;version=3.0",
                  TR(h, "API definition (OpenAPI 3.0)", "API-Beschreibung (OpenAPI 3.0)"));
    ge_buf_printf(h->b, "</li>\n<li>%s</li>\n</ul>\n</footer>\n",
                  TR(h, "OGC API &ndash; Features", "OGC API &ndash; Features"));
}

/* A layer's description in the page's language: on a German page its German
 * one (description_de) where it has one, otherwise the description as the
 * mapping gave it. */
static const char *ge_html_layer_desc(const ge_html *h, const json_t *layer)
{
    const char *de = json_string_value(json_object_get(layer, "description_de"));
    if (de && de[0] && ge_req_lang(h->req) == GE_LANG_DE) return de;
    return json_string_value(json_object_get(layer, "description"));
}

/* ---- landing page, conformance ---------------------------------------------- */

static void ge_html_landing(ge_html *h, json_t *doc)
{
    const char *desc = json_string_value(json_object_get(doc, "description"));

    if (desc) {
        ge_buf_puts(h->b, "<p class=\"lead\">");
        ge_buf_put_html(h->b, desc);
        ge_buf_puts(h->b, "</p>\n");
    }
    ge_buf_puts(h->b, "<ul class=\"cards\">\n<li>");
    ge_html_a(h, "/collections", TR(h, "Reference layers", "Referenzebenen"));
    ge_buf_printf(h->b, "<p>%s</p></li>\n",
                  TR(h, "Every layer with its features on a map, as a table and as GeoJSON.",
                     "Alle Ebenen mit ihren Objekten auf der Karte, als Tabelle und als GeoJSON."));
    ge_buf_puts(h->b, "<li>");
    ge_html_a(h, "/conformance", TR(h, "Conformance classes", "Konformitätsklassen"));
    ge_buf_printf(h->b, "<p>%s</p></li>\n",
                  TR(h, "The parts of OGC API - Features this server implements.",
                     "Die Teile von OGC API - Features, die dieser Server umsetzt."));
    ge_buf_puts(h->b, "<li>");
    ge_html_a_raw(h, "/api", "application/vnd.oai.openapi+json;version=3.0",
                  TR(h, "API definition", "API-Beschreibung"));
    ge_buf_printf(h->b, "<p>%s</p></li>\n</ul>\n",
                  TR(h,
                     "OpenAPI 3.0 (JSON). GIS programs such as QGIS or ArcGIS connect to this "
                     "address as an OGC API - Features (WFS 3) server.",
                     "OpenAPI 3.0 (JSON). GIS-Programme wie QGIS oder ArcGIS binden diese "
                     "Adresse als OGC API - Features (WFS 3) ein."));
}

static void ge_html_conformance(ge_html *h, json_t *doc)
{
    size_t i;
    json_t *c;

    ge_buf_printf(h->b, "<p>%s</p>\n<ul class=\"plain\">\n",
                  TR(h, "This server implements these conformance classes:",
                     "Dieser Server erfüllt diese Konformitätsklassen:"));
    json_array_foreach(json_object_get(doc, "conformsTo"), i, c)
    {
        const char *uri = json_string_value(c);
        if (!uri) continue;
        ge_buf_puts(h->b, "<li>");
        if (ge_html_href_safe(uri)) {
            ge_buf_puts(h->b, "<a href=\"");
            ge_buf_put_html(h->b, uri);
            ge_buf_puts(h->b, "\">");
            ge_buf_put_html(h->b, uri);
            ge_buf_puts(h->b, "</a>");
        } else {
            ge_buf_put_html(h->b, uri);
        }
        ge_buf_puts(h->b, "</li>\n");
    }
    ge_buf_puts(h->b, "</ul>\n");
}

/* ---- collections ------------------------------------------------------------ */

/* "EPSG:25832" from an OGC CRS URI, "CRS84" for CRS84. */
static void ge_html_crs_short(ge_html *h, const char *uri)
{
    const char *slash = strrchr(uri, '/');
    if (strstr(uri, "/EPSG/") && slash)
        ge_buf_printf(h->b, "EPSG:%s", slash + 1);
    else if (slash)
        ge_buf_put_html(h->b, slash + 1);
    else
        ge_buf_put_html(h->b, uri);
}

static void ge_html_crs_list(ge_html *h, json_t *list)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        if (!json_string_value(c)) continue;
        if (i) ge_buf_puts(h->b, ", ");
        ge_buf_puts(h->b, "<abbr title=\"");
        ge_buf_put_html(h->b, json_string_value(c));
        ge_buf_puts(h->b, "\">");
        ge_html_crs_short(h, json_string_value(c));
        ge_buf_puts(h->b, "</abbr>");
    }
}

static void ge_html_collections(ge_html *h, json_t *doc)
{
    json_t *list = json_object_get(doc, "collections"), *c;
    size_t i;
    char path[256];

    ge_buf_printf(h->b, "<p>%s ", TR(h, "Layers:", "Ebenen:"));
    ge_html_count(h, (long long)json_array_size(list));
    ge_buf_printf(
        h->b, ". %s</p>\n",
        TR(h, "Each layer's name leads to its description, the number to its features.",
           "Der Name einer Ebene führt zu ihrer Beschreibung, die Zahl zu ihren Objekten."));
    ge_buf_printf(h->b,
                  "<div class=\"table-wrap\">\n<table class=\"list\">\n<caption "
                  "class=\"visually-hidden\">%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th><th scope=\"col\" class=\"num\">%s</th><th "
                  "scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
                  TR(h, "Reference layers", "Referenzebenen"), TR(h, "Layer", "Ebene"),
                  TR(h, "Description", "Beschreibung"), TR(h, "Features", "Objekte"),
                  TR(h, "Geometry", "Geometrie"), TR(h, "Download", "Herunterladen"));
    json_array_foreach(list, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        const char *title = json_string_value(json_object_get(c, "title"));
        const char *desc = ge_html_layer_desc(h, c);
        const char *gt = json_string_value(json_object_get(c, "geometryType"));
        json_t *count = json_object_get(c, "numberOfFeatures");
        if (!id) continue;
        ge_buf_puts(h->b, "<tr><th scope=\"row\">");
        snprintf(path, sizeof path, "/collections/%s", id);
        ge_html_a(h, path, title ? title : id);
        ge_buf_puts(h->b, "</th><td class=\"desc\">");
        ge_buf_put_html(h->b, desc ? desc : "");
        ge_buf_puts(h->b, "</td><td class=\"num\">");
        snprintf(path, sizeof path, "/collections/%s/items", id);
        if (json_is_integer(count)) {
            ge_buf_puts(h->b, "<a href=\"");
            ge_html_href(h, path);
            ge_buf_puts(h->b, "\">");
            ge_html_count(h, json_integer_value(count));
            ge_buf_printf(h->b, "<span class=\"visually-hidden\"> %s ",
                          TR(h, "features of", "Objekte von"));
            ge_buf_put_html(h->b, title ? title : id);
            ge_buf_puts(h->b, "</span></a>");
        }
        ge_buf_puts(h->b, "</td><td class=\"nowrap\">");
        ge_buf_put_html(h->b, gt ? gt : "");
        ge_buf_puts(h->b, "</td><td>");
        snprintf(path, sizeof path, "/collections/%s/items?f=json", id);
        ge_buf_puts(h->b, "<a href=\"");
        ge_buf_put_html(h->b, h->base);
        ge_buf_put_html(h->b, path);
        ge_buf_printf(h->b,
                      "\" type=\"application/geo+json\">GeoJSON<span "
                      "class=\"visually-hidden\"> %s ",
                      TR(h, "of", "von"));
        ge_buf_put_html(h->b, title ? title : id);
        ge_buf_puts(h->b, "</span></a></td></tr>\n");
    }
    ge_buf_puts(h->b, "</tbody>\n</table>\n</div>\n");
    ge_buf_printf(h->b, "<p class=\"small\">%s ",
                  TR(h, "Coordinates on request in:", "Koordinaten auf Wunsch in:"));
    ge_html_crs_list(h, json_object_get(doc, "crs"));
    ge_buf_printf(h->b, " (%s <code>crs</code>).</p>\n", TR(h, "parameter", "Parameter"));
}

static void ge_html_collection(ge_html *h, json_t *doc)
{
    const char *id = json_string_value(json_object_get(doc, "id"));
    const char *desc = ge_html_layer_desc(h, doc);
    const char *attr = json_string_value(json_object_get(doc, "attribution"));
    const char *storage = json_string_value(json_object_get(doc, "storageCrs"));
    json_t *bbox = json_array_get(
        json_object_get(json_object_get(json_object_get(doc, "extent"), "spatial"), "bbox"), 0);
    char path[256];

    if (desc && desc[0]) {
        ge_buf_puts(h->b, "<p class=\"lead\">");
        ge_buf_put_html(h->b, desc);
        ge_buf_puts(h->b, "</p>\n");
    }
    ge_buf_puts(h->b, "<p class=\"actions\">");
    snprintf(path, sizeof path, "/collections/%s/items", id ? id : "");
    ge_buf_puts(h->b, "<a class=\"button\" href=\"");
    ge_html_href(h, path);
    ge_buf_printf(h->b, "\">%s</a> ", TR(h, "Show the features", "Objekte ansehen"));
    snprintf(path, sizeof path, "/collections/%s/items?f=json", id ? id : "");
    ge_html_a_raw(h, path, "application/geo+json",
                  TR(h, "First page as GeoJSON", "Erste Seite als GeoJSON"));
    ge_buf_puts(h->b, "</p>\n<dl class=\"facts\">\n");
    ge_buf_printf(h->b, "<dt>%s</dt><dd><code>", TR(h, "Identifier", "Kennung"));
    ge_buf_put_html(h->b, id ? id : "");
    ge_buf_printf(h->b, "</code></dd>\n<dt>%s</dt><dd>", TR(h, "Geometry type", "Geometrietyp"));
    ge_buf_put_html(h->b, json_string_value(json_object_get(doc, "geometryType"))
                              ? json_string_value(json_object_get(doc, "geometryType"))
                              : "");
    ge_buf_printf(h->b, "</dd>\n<dt>%s</dt><dd>", TR(h, "Features", "Objekte"));
    ge_html_count(h, json_integer_value(json_object_get(doc, "numberOfFeatures")));
    ge_buf_puts(h->b, "</dd>\n");
    if (json_array_size(bbox) == 4) {
        ge_buf_printf(h->b, "<dt>%s</dt><dd>",
                      TR(h, "Extent (longitude, latitude)", "Ausdehnung (Länge, Breite)"));
        for (size_t i = 0; i < 4; i++) {
            ge_html_decimal(h, json_number_value(json_array_get(bbox, i)), 5);
            ge_buf_puts(h->b, i == 1 ? " &ndash; " : i == 3 ? "" : " / ");
        }
        ge_buf_puts(h->b, "</dd>\n");
    }
    if (storage) {
        ge_buf_printf(h->b, "<dt>%s</dt><dd>", TR(h, "Stored in", "Gespeichert in"));
        ge_html_crs_short(h, storage);
        ge_buf_puts(h->b, "</dd>\n");
    }
    ge_buf_printf(h->b, "<dt>%s</dt><dd>",
                  TR(h, "Coordinate systems", "Koordinatenreferenzsysteme"));
    ge_html_crs_list(h, json_object_get(doc, "crs"));
    ge_buf_puts(h->b, "</dd>\n");
    if (attr && attr[0]) {
        ge_buf_printf(h->b, "<dt>%s</dt><dd>", TR(h, "Source", "Quelle"));
        ge_buf_put_html(h->b, attr);
        ge_buf_puts(h->b, "</dd>\n");
    }
    ge_buf_puts(h->b, "</dl>\n");
}

/* ---- features --------------------------------------------------------------- */

/* A JSON value written into a <script type="application/json"> element: '<',
 * '>' and '&' (only possible inside strings) as \u escapes, so that no text
 * of the data can end the element or open a comment. */
static void ge_html_put_json_data(ge_buf *b, json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT);
    const char *run;

    if (!text) {
        b->failed = true;
        return;
    }
    run = text;
    for (const char *s = text; *s; s++) {
        const char *rep = *s == '<'   ? "\\u003c"
                          : *s == '>' ? "\\u003e"
                          : *s == '&' ? "\\u0026"
                                      : NULL;
        if (!rep) continue;
        ge_buf_put(b, run, (size_t)(s - run));
        ge_buf_puts(b, rep);
        run = s + 1;
    }
    ge_buf_puts(b, run);
    free(text);
}

/*
 * The map of a page's features (web/src/ogc/main.js draws it): the features
 * themselves inside the page when they are in CRS84, else the GeoJSON URL of
 * the same features in CRS84. data-item links a clicked feature to its page.
 */
static void ge_html_map(ge_html *h, json_t *data)
{
    char path[256];

    ge_buf_printf(h->b,
                  "<section class=\"map-wrap\" aria-labelledby=\"map-heading\">\n<h2 "
                  "id=\"map-heading\" class=\"visually-hidden\">%s</h2>\n",
                  TR(h, "Map", "Karte"));
    ge_buf_printf(h->b,
                  "<div id=\"map\" class=\"map\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"",
                  h->page->kind == GE_HTML_ITEM ? TR(h, "Map of the feature", "Karte des Objekts")
                                                : TR(h, "Map of the features on this page",
                                                     "Karte der Objekte dieser Seite"));
    ge_buf_puts(h->b, " aria-describedby=\"map-help\"");
    ge_buf_printf(h->b, " data-zoom-in=\"%s\" data-zoom-out=\"%s\" data-item=\"",
                  TR(h, "Zoom in", "Vergrößern"), TR(h, "Zoom out", "Verkleinern"));
    snprintf(path, sizeof path, "/collections/%s/items/{id}", h->page->layer);
    ge_html_href(h, path);
    ge_buf_puts(h->b, "\"");
    if (!h->page->crs84) {
        static const char *const drop[] = {"f", "crs", "lang", NULL};
        ge_buf_puts(h->b, " data-src=\"");
        ge_html_this_href(h, "f=json", drop, NULL);
        ge_buf_puts(h->b, "\"");
    }
    ge_buf_puts(h->b, "></div>\n");
    ge_buf_printf(h->b, "<p id=\"map-help\" class=\"visually-hidden\">%s %s</p>\n",
                  TR(h, "Arrow keys move the map, + and - zoom.",
                     "Pfeiltasten verschieben die Karte, + und - zoomen."),
                  h->page->kind == GE_HTML_ITEM
                      ? TR(h, "The properties follow below the map.",
                           "Die Eigenschaften folgen unter der Karte.")
                      : TR(h, "The table below lists the same features.",
                           "Die Tabelle darunter nennt dieselben Objekte."));
    if (h->page->crs84 && data) {
        ge_buf_puts(h->b, "<script type=\"application/json\" id=\"map-data\">");
        ge_html_put_json_data(h->b, data);
        ge_buf_puts(h->b, "</script>\n");
    }
    ge_buf_printf(h->b, "<p class=\"attribution small\" id=\"attribution\"></p>\n");
    if (!h->have_web)
        ge_buf_printf(h->b, "<p class=\"small\">%s</p>\n",
                      TR(h, "The map needs the built front end (web/dist).",
                         "Die Karte braucht das gebaute Frontend (web/dist)."));
    ge_buf_puts(h->b, "</section>\n");
}

/* Previous / next page links of an items page. */
static void ge_html_pager(ge_html *h, json_t *doc, const char *where)
{
    const char *prev = ge_html_link_href(doc, "prev", "text/html");
    const char *next = ge_html_link_href(doc, "next", "text/html");

    if (!prev && !next) return;
    ge_buf_printf(h->b, "<nav class=\"pager\" aria-label=\"%s\">\n",
                  where[0] == 't' ? TR(h, "Pages (top)", "Seiten (oben)")
                                  : TR(h, "Pages (bottom)", "Seiten (unten)"));
    if (prev) {
        static const char *const drop[] = {"f", "after", "before", NULL};
        ge_buf_puts(h->b, "<a rel=\"first\" href=\"");
        ge_html_this_href(h, "f=html", drop, NULL);
        ge_buf_printf(h->b, "\">%s</a>\n", TR(h, "First page", "Erste Seite"));
        ge_buf_puts(h->b, " <a rel=\"prev\" href=\"");
        ge_buf_put_html(h->b, prev);
        ge_buf_printf(h->b, "\">&larr; %s</a>\n", TR(h, "Previous page", "Vorige Seite"));
    }
    if (next) {
        ge_buf_puts(h->b, " <a rel=\"next\" href=\"");
        ge_buf_put_html(h->b, next);
        ge_buf_printf(h->b, "\">%s &rarr;</a>\n", TR(h, "Next page", "Nächste Seite"));
    }
    ge_buf_puts(h->b, "</nav>\n");
}

#define GE_HTML_MAX_COLUMNS 8

/* A property value in a table cell: short, one line. */
static void ge_html_cell(ge_buf *b, json_t *v)
{
    if (json_is_object(v) || json_is_array(v)) {
        char *text = json_dumps(v, JSON_COMPACT);
        ge_buf_put_html(b, text ? text : "");
        free(text);
    } else if (v) {
        ge_html_value(b, v, 0);
    }
}

static void ge_html_items(ge_html *h, json_t *doc)
{
    json_t *features = json_object_get(doc, "features"), *f;
    json_t *matched = json_object_get(doc, "numberMatched");
    const char *cols[GE_HTML_MAX_COLUMNS];
    size_t n_cols = 0, more_cols = 0, i;
    char path[256];

    /* the columns: the page's property names in order of first appearance */
    json_array_foreach(features, i, f)
    {
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(f, "properties"), key, v)
        {
            size_t k;
            for (k = 0; k < n_cols && strcmp(cols[k], key) != 0; k++)
                ;
            if (k < n_cols) continue;
            if (n_cols < GE_HTML_MAX_COLUMNS)
                cols[n_cols++] = key;
            else
                more_cols++;
        }
    }

    ge_buf_puts(h->b, "<p class=\"summary\">");
    if (json_is_integer(matched)) {
        ge_buf_printf(h->b, "%s ", TR(h, "This page shows", "Diese Seite zeigt"));
        ge_html_count(h, (long long)json_array_size(features));
        ge_buf_printf(h->b, " %s ", TR(h, "of", "von"));
        ge_html_count(h, json_integer_value(matched));
        ge_buf_printf(h->b, " %s.", TR(h, "features", "Objekten"));
    }
    ge_buf_puts(h->b, " ");
    snprintf(path, sizeof path, "/collections/%s", h->page->layer);
    ge_html_a(h, path, TR(h, "About this layer", "Über diese Ebene"));
    ge_buf_puts(h->b, "</p>\n");
    ge_html_pager(h, doc, "top");
    ge_html_map(h, doc);

    ge_buf_printf(h->b,
                  "<div class=\"table-wrap\">\n<table class=\"list\">\n<caption "
                  "class=\"visually-hidden\">%s</caption>\n<thead><tr><th scope=\"col\">%s</th>"
                  "<th scope=\"col\">%s</th>",
                  TR(h, "Features of this page", "Objekte dieser Seite"),
                  TR(h, "Feature", "Objekt"), TR(h, "Geometry", "Geometrie"));
    for (size_t k = 0; k < n_cols; k++) {
        ge_buf_puts(h->b, "<th scope=\"col\">");
        ge_buf_put_html(h->b, cols[k]);
        ge_buf_puts(h->b, "</th>");
    }
    ge_buf_puts(h->b, "</tr></thead>\n<tbody>\n");
    json_array_foreach(features, i, f)
    {
        json_t *id = json_object_get(f, "id"), *props = json_object_get(f, "properties");
        const char *gt = json_string_value(json_object_get(json_object_get(f, "geometry"), "type"));
        char label[64];
        ge_buf_puts(h->b, "<tr><th scope=\"row\">");
        if (json_is_integer(id)) {
            snprintf(path, sizeof path, "/collections/%s/items/%" JSON_INTEGER_FORMAT,
                     h->page->layer, json_integer_value(id));
            snprintf(label, sizeof label, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
            ge_html_a(h, path, label);
        }
        ge_buf_puts(h->b, "</th><td class=\"nowrap\">");
        ge_buf_put_html(h->b, gt ? gt : "");
        ge_buf_puts(h->b, "</td>");
        for (size_t k = 0; k < n_cols; k++) {
            ge_buf_puts(h->b, "<td>");
            ge_html_cell(h->b, json_object_get(props, cols[k]));
            ge_buf_puts(h->b, "</td>");
        }
        ge_buf_puts(h->b, "</tr>\n");
    }
    ge_buf_puts(h->b, "</tbody>\n</table>\n</div>\n");
    if (more_cols)
        ge_buf_printf(h->b, "<p class=\"small\">%s</p>\n",
                      TR(h, "More properties are shown on each feature's page.",
                         "Weitere Eigenschaften zeigt die Seite des einzelnen Objekts."));
    if (json_array_size(features) == 0)
        ge_buf_printf(h->b, "<p>%s</p>\n",
                      TR(h, "No feature matches.", "Kein Objekt passt zur Abfrage."));
    ge_html_pager(h, doc, "bottom");
}

static void ge_html_item(ge_html *h, json_t *doc)
{
    json_t *props = json_object_get(doc, "properties"), *geom = json_object_get(doc, "geometry");
    const char *gt = json_string_value(json_object_get(geom, "type"));
    const char *key;
    json_t *v;
    char path[256];

    ge_html_map(h, doc);
    ge_buf_printf(h->b, "<h2>%s</h2>\n<dl class=\"facts\">\n<dt>%s</dt><dd>",
                  TR(h, "Properties", "Eigenschaften"), TR(h, "Geometry type", "Geometrietyp"));
    ge_buf_put_html(h->b, gt ? gt : "");
    ge_buf_puts(h->b, "</dd>\n");
    if (gt && strcmp(gt, "Point") == 0 && h->page->crs84) {
        json_t *c = json_object_get(geom, "coordinates");
        ge_buf_printf(h->b, "<dt>%s</dt><dd>", TR(h, "Longitude, latitude", "Länge, Breite"));
        ge_html_decimal(h, json_number_value(json_array_get(c, 0)), 6);
        ge_buf_puts(h->b, "; ");
        ge_html_decimal(h, json_number_value(json_array_get(c, 1)), 6);
        ge_buf_puts(h->b, "</dd>\n");
    }
    json_object_foreach(props, key, v)
    {
        ge_buf_puts(h->b, "<dt>");
        ge_buf_put_html(h->b, key);
        ge_buf_puts(h->b, "</dt><dd>");
        ge_html_value(h->b, v, 1);
        ge_buf_puts(h->b, "</dd>\n");
    }
    ge_buf_puts(h->b, "</dl>\n<p class=\"actions\">");
    snprintf(path, sizeof path, "/collections/%s/items", h->page->layer);
    ge_html_a(h, path, TR(h, "All features of the layer", "Alle Objekte der Ebene"));
    ge_buf_puts(h->b, "</p>\n");
}

int ge_features_html(const ge_req *req, ge_resp *resp, const ge_html_page *page, json_t *doc)
{
    ge_buf b = {0};
    ge_html h;
    const char *lang = ge_req_query(req, "lang");
    int rc;

    memset(&h, 0, sizeof h);
    h.req = req;
    h.page = page;
    h.b = &b;
    ge_req_base_url(req, h.base, sizeof h.base);
    if (lang && (strcmp(lang, "de") == 0 || strcmp(lang, "en") == 0))
        h.lang_q = ge_req_lang(req) == GE_LANG_DE ? "de" : "en";
    h.have_web = ge_web_manifest_entry(page->web, GE_HTML_ENTRY, &h.web);

    ge_html_head(&h, doc);
    ge_html_banner(&h);
    ge_html_crumbs(&h);
    ge_buf_puts(&b, "<main id=\"main\">\n<h1>");
    ge_buf_put_html(&b, page->title);
    ge_buf_puts(&b, "</h1>\n");
    switch (page->kind) {
    case GE_HTML_LANDING:
        ge_html_landing(&h, doc);
        break;
    case GE_HTML_CONFORMANCE:
        ge_html_conformance(&h, doc);
        break;
    case GE_HTML_COLLECTIONS:
        ge_html_collections(&h, doc);
        break;
    case GE_HTML_COLLECTION:
        ge_html_collection(&h, doc);
        break;
    case GE_HTML_ITEMS:
        ge_html_items(&h, doc);
        break;
    case GE_HTML_ITEM:
        ge_html_item(&h, doc);
        break;
    }
    ge_buf_puts(&b, "</main>\n");
    ge_html_footer(&h, doc);
    ge_buf_puts(&b, "</body>\n</html>\n");
    json_decref(doc);
    if (b.failed) {
        ge_err err;
        free(b.data);
        ge_err_set(&err, GE_ENOMEM, "out of memory writing HTML");
        return ge_resp_error(resp, req, &err);
    }
    rc = ge_resp_take(resp, 200, "text/html; charset=utf-8", b.data, b.len);
    if (rc == GE_OK) ge_resp_etag_body(resp);
    return rc;
}
