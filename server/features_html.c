/*
 * features_html.c - the OGC API - Features documents as HTML pages for a
 * browser (f=html or an Accept header that prefers text/html).
 *
 * One generic renderer rather than a template per page: a document's "links"
 * become anchors, every other member a row of a definition list, nested
 * objects and arrays nested lists. Whatever a document holds - layer titles
 * from an import, property values from OpenStreetMap - is client-visible
 * text from outside, so every string goes through ge_buf_put_html(), and
 * only http(s) or same-origin hrefs become links (no "javascript:").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/geojson_out.h"
#include "features_internal.h"

#define GE_HTML_MAX_DEPTH 8

void ge_buf_put(ge_buf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ge_buf_puts(ge_buf *b, const char *s)
{
    ge_buf_put(b, s, strlen(s));
}

void ge_buf_printf(ge_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        ge_buf_put(b, small, (size_t)n);
        return;
    }
    {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->failed = true;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        ge_buf_put(b, big, (size_t)n);
        free(big);
    }
}

void ge_buf_put_html(ge_buf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        ge_buf_put(b, run, (size_t)(s - run));
        ge_buf_puts(b, rep);
        run = s + 1;
    }
    ge_buf_put(b, run, (size_t)(s - run));
}

/* Only absolute http(s) URLs and paths of this server become hrefs. */
static bool ge_html_href_safe(const char *href)
{
    return strncmp(href, "http://", 7) == 0 || strncmp(href, "https://", 8) == 0 ||
           (href[0] == '/' && href[1] != '/');
}

/* An href for the HTML view of a link: our own JSON links get f=html. */
static void ge_html_put_href(ge_buf *b, const char *href, const char *type)
{
    ge_buf_put_html(b, href);
    if (type && strcmp(type, "text/html") == 0 && !strstr(href, "f=html"))
        ge_buf_puts(b, strchr(href, '?') ? "&amp;f=html" : "?f=html");
}

static void ge_html_links(ge_buf *b, json_t *links)
{
    size_t i;
    json_t *l;

    ge_buf_puts(b, "<ul class=\"links\">\n");
    json_array_foreach(links, i, l)
    {
        const char *href = json_string_value(json_object_get(l, "href"));
        const char *rel = json_string_value(json_object_get(l, "rel"));
        const char *title = json_string_value(json_object_get(l, "title"));
        const char *type = json_string_value(json_object_get(l, "type"));
        if (!href || !ge_html_href_safe(href)) continue;
        ge_buf_puts(b, "<li><a href=\"");
        ge_html_put_href(b, href, type);
        ge_buf_puts(b, "\">");
        ge_buf_put_html(b, title ? title : href);
        ge_buf_puts(b, "</a>");
        if (rel || type) {
            ge_buf_puts(b, " <small>(");
            ge_buf_put_html(b, rel ? rel : "");
            if (rel && type) ge_buf_puts(b, ", ");
            ge_buf_put_html(b, type ? type : "");
            ge_buf_puts(b, ")</small>");
        }
        ge_buf_puts(b, "</li>\n");
    }
    ge_buf_puts(b, "</ul>\n");
}

static void ge_html_value(ge_buf *b, json_t *v, int depth);

static void ge_html_object(ge_buf *b, json_t *o, int depth)
{
    const char *key;
    json_t *v;

    ge_buf_puts(b, "<dl>\n");
    json_object_foreach(o, key, v)
    {
        ge_buf_puts(b, "<dt>");
        ge_buf_put_html(b, key);
        ge_buf_puts(b, "</dt><dd>");
        if (strcmp(key, "links") == 0 && json_is_array(v))
            ge_html_links(b, v);
        else if (strcmp(key, "geometry") == 0 && json_is_object(v))
            ge_buf_put_html(b, json_string_value(json_object_get(v, "type"))
                                   ? json_string_value(json_object_get(v, "type"))
                                   : "");
        else
            ge_html_value(b, v, depth + 1);
        ge_buf_puts(b, "</dd>\n");
    }
    ge_buf_puts(b, "</dl>\n");
}

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

int ge_features_html(const ge_req *req, ge_resp *resp, const char *title, json_t *doc)
{
    ge_buf b = {0};
    json_t *links = json_object_get(doc, "links");
    json_t *rest = json_deep_copy(doc);
    int rc;

    if (rest) json_object_del(rest, "links");
    ge_buf_printf(&b,
                  "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  ge_req_lang(req) == GE_LANG_DE ? "de" : "en");
    ge_buf_put_html(&b, title);
    ge_buf_puts(&b, " &ndash; geoEDITOR</title>\n"
                    "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 "
                    "1em}dt{font-weight:bold}dd{margin:0 0 .4em 1.5em}</style>\n"
                    "</head>\n<body>\n<main>\n<h1>");
    ge_buf_put_html(&b, title);
    ge_buf_puts(&b, "</h1>\n");
    if (json_is_array(links)) {
        ge_buf_printf(&b, "<h2>%s</h2>\n", GE_TR(req, "Links", "Verweise"));
        ge_html_links(&b, links);
    }
    if (rest) ge_html_value(&b, rest, 0);
    ge_buf_puts(&b, "</main>\n</body>\n</html>\n");
    json_decref(rest);
    json_decref(doc);
    if (b.failed || !rest) {
        ge_err err;
        free(b.data);
        ge_err_set(&err, GE_ENOMEM, "out of memory writing HTML");
        return ge_resp_error(resp, req, &err);
    }
    rc = ge_resp_take(resp, 200, "text/html; charset=utf-8", b.data, b.len);
    if (rc == GE_OK) ge_resp_etag_body(resp);
    return rc;
}
