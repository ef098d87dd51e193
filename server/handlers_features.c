/*
 * handlers_features.c - the reference layers as OGC API - Features (Part 1
 * Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS by reference):
 *
 *   GET /                                       landing page
 *   GET /conformance                            conformance classes
 *   GET /collections                            one collection per layer
 *   GET /collections/{id}                       one collection
 *   GET /collections/{id}/items                 a page of features (GeoJSON)
 *   GET /collections/{id}/items/{featureId}     one feature
 *
 * (/api, the OpenAPI document, is openapi.c.) Parameters are checked in
 * features_params.c, HTML pages come from features_html.c, the features from
 * geo/store/store_features.c.
 *
 * Writing a page: each feature is written into the response buffer as its
 * row comes from the store - the geometry through ge_geojson_out_geometry()
 * (CRS transform, per-CRS rounding, RFC 7946 winding), the properties as the
 * JSON text the store keeps - so memory is one page of output, never a
 * document tree of the page, and the setting features_limit_max bounds that page.
 *
 * ETags: a page is a function of the layer's version (bumped by every import)
 * and the request's query, so the tag is computed from those before any
 * feature is read and a matching If-None-Match costs one metadata lookup.
 */
#include <geos_c.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/crs.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/geos_ctx.h"
#include "../geo/store/store_features.h"
#include "features_internal.h"
#include "handlers.h"
#include "log.h"
#include "static.h"
#include "web_manifest.h"

#define GE_OGC_CONF     "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
#define GE_OGC_CONF_CRS "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
#define GE_MT_JSON      "application/json"
#define GE_MT_GEOJSON   "application/geo+json"
#define GE_MT_HTML      "text/html"
#define GE_MT_OPENAPI   "application/vnd.oai.openapi+json;version=3.0"
/* The format follows Accept (JSON or HTML), link titles Accept-Language. */
#define GE_FEATURES_VARY "Accept, Accept-Encoding, Accept-Language"

/* Query parameters of the items route; property names must not shadow them. */
static const char *const ge_items_params[] = {"f",   "lang",  "limit",  "bbox",     "bbox-crs",
                                              "crs", "after", "before", "datetime", NULL};
static const char *const ge_meta_params[] = {"f", "lang", NULL};
static const char *const ge_feature_params[] = {"f", "lang", "crs", NULL};

/* Property names of a layer at one version (see ge_features_props). */
typedef struct ge_props_entry {
    char layer[64];
    int64_t version;
    char **names;
    size_t n;
} ge_props_entry;

typedef struct ge_features_mod {
    pthread_mutex_t mu;
    ge_props_entry *props;
    size_t n_props;
    ge_web_manifest *web; /* the HTML pages' stylesheet and map script */
} ge_features_mod;

/* ---- small helpers -------------------------------------------------------- */

static bool ge_features_reserved(const char *name)
{
    for (size_t i = 0; ge_items_params[i]; i++)
        if (strcmp(ge_items_params[i], name) == 0) return true;
    return false;
}

/* 64-bit FNV-1a over a string, continuing from h. */
static uint64_t ge_fnv(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    h ^= 0xff; /* separator, so ("ab","c") differs from ("a","bc") */
    return h * 1099511628211ULL;
}

/* The tag of a response that depends on the layer's version and the request. */
static void ge_features_etag(const ge_req *req, const char *layer, int64_t version,
                             const char *extra, char *out, size_t size)
{
    char base[256];
    uint64_t h = 1469598103934665603ULL;

    ge_req_base_url(req, base, sizeof base);
    h = ge_fnv(h, base);
    h = ge_fnv(h, req->path);
    h = ge_fnv(h, extra);
    h = ge_fnv(h, ge_req_lang(req) == GE_LANG_DE ? "de" : "en");
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        h = ge_fnv(h, ge_req_query_at(req, i)->name);
        h = ge_fnv(h, ge_req_query_at(req, i)->value);
    }
    snprintf(out, size, "%s-%lld-%016llx", layer, (long long)version, (unsigned long long)h);
}

/* The part of a page's tag that is not the layer or the query: the kind of
 * page, and for HTML the map script it names (a rebuilt front end has new
 * file names, so a cached page must not be revalidated). */
static void ge_features_etag_extra(ge_features_mod *mod, ge_features_fmt fmt, const char *kind,
                                   char *out, size_t size)
{
    ge_web_entry web;
    if (fmt != GE_FEATURES_HTML) {
        snprintf(out, size, "%s", kind);
        return;
    }
    ge_web_manifest_entry(mod->web, GE_HTML_ENTRY, &web);
    snprintf(out, size, "%s-html %s", kind, web.js);
}

/* 304 with the headers ge_features_send_page gives the 200. */
static bool ge_features_not_modified(const ge_req *req, ge_resp *resp, ge_features_fmt fmt,
                                     const ge_crs *crs, const char *opaque)
{
    char hdr[128];

    if (!ge_req_etag_matches(req, opaque)) return false;
    ge_resp_not_modified(resp, fmt == GE_FEATURES_HTML ? GE_MT_HTML : GE_MT_GEOJSON);
    snprintf(hdr, sizeof hdr, "<%s>", ge_crs_uri(crs));
    ge_resp_header(resp, "Content-Crs", hdr);
    ge_resp_etag(resp, opaque);
    ge_resp_cache(resp, "no-cache");
    ge_resp_header(resp, "Vary", GE_FEATURES_VARY);
    return true;
}

/* A link object. */
static json_t *ge_link(const char *href, const char *rel, const char *type, const char *title)
{
    json_t *l = json_pack("{s:s, s:s, s:s}", "href", href, "rel", rel, "type", type);
    if (l && title) json_object_set_new(l, "title", json_string(title));
    return l;
}

/* href + "?f=..." links for self and alternate, in the response's format. */
static void ge_links_self_alt(json_t *links, const char *href, const char *json_type,
                              ge_features_fmt fmt, const ge_req *req)
{
    char h[1024];
    snprintf(h, sizeof h, "%s?f=json", href);
    json_array_append_new(
        links, ge_link(h, fmt == GE_FEATURES_JSON ? "self" : "alternate", json_type,
                       GE_TR(req, DE("Dieses Dokument als JSON"), EN("This document as JSON"))));
    snprintf(h, sizeof h, "%s?f=html", href);
    json_array_append_new(
        links, ge_link(h, fmt == GE_FEATURES_HTML ? "self" : "alternate", GE_MT_HTML,
                       GE_TR(req, DE("Dieses Dokument als HTML"), EN("This document as HTML"))));
}

/* Sends a metadata document as JSON or HTML, tagged by its body. */
static int ge_features_send_doc(const ge_req *req, ge_resp *resp, ge_features_fmt fmt,
                                const ge_html_page *page, json_t *doc)
{
    int rc;
    if (!doc) {
        ge_err err;
        ge_err_set(&err, GE_ENOMEM, "out of memory building a document");
        return ge_resp_error(resp, req, &err);
    }
    if (fmt == GE_FEATURES_HTML)
        rc = ge_features_html(req, resp, page, doc);
    else {
        char *text = json_dumps(doc, GE_JSON_DUMP_FLAGS | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!text) {
            ge_err err;
            ge_err_set(&err, GE_ENOMEM, "out of memory writing JSON");
            return ge_resp_error(resp, req, &err);
        }
        rc = ge_resp_take(resp, 200, GE_MT_JSON, text, strlen(text));
        if (rc == GE_OK) ge_resp_etag_body(resp);
    }
    ge_resp_cache(resp, "no-cache");
    ge_resp_header(resp, "Vary", GE_FEATURES_VARY);
    return rc;
}

static int ge_features_no_collection(const ge_req *req, ge_resp *resp, const char *id)
{
    json_t *p = ge_resp_problem(resp, req, 404,
                                GE_TR(req, DE("die Sammlung '%.64s' gibt es nicht"),
                                      EN("collection '%.64s' does not exist")),
                                id ? id : "");
    if (p) json_object_set_new(p, "parameter", json_string("id"));
    return GE_ENOENT;
}

/* The layer of {id}; a 404 problem when there is none. */
static int ge_features_layer(const ge_req *req, ge_resp *resp, ge_layer_info *li)
{
    const char *id = ge_req_param(req, "id");
    ge_err err;
    int rc;

    ge_err_clear(&err);
    if (!id || !ge_store_layer_name_valid(id)) return ge_features_no_collection(req, resp, id);
    rc = ge_store_layer_get(req->ctx->store, id, li, &err);
    if (rc == GE_ENOENT) return ge_features_no_collection(req, resp, id);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    return GE_OK;
}

/*
 * The property names of a layer at the version li names, copied for the
 * caller (free with ge_store_names_free). Names that would shadow a standard
 * parameter are left out: ?limit=... always means the page size.
 */
static int ge_features_props(ge_features_mod *mod, ge_store *st, const ge_layer_info *li,
                             char ***out, size_t *n, ge_err *err)
{
    char **names = NULL, **copy = NULL;
    size_t count = 0, kept = 0;
    int64_t version = 0;
    int rc = GE_OK;

    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&mod->mu);
    for (size_t i = 0; i < mod->n_props; i++)
        if (strcmp(mod->props[i].layer, li->name) == 0 && mod->props[i].version == li->version) {
            copy = calloc(mod->props[i].n + 1, sizeof *copy);
            for (size_t k = 0; copy && k < mod->props[i].n; k++)
                if (!(copy[kept++] = strdup(mod->props[i].names[k]))) {
                    ge_store_names_free(copy, kept);
                    copy = NULL;
                }
            pthread_mutex_unlock(&mod->mu);
            if (!copy) return ge_err_set(err, GE_ENOMEM, "out of memory");
            *out = copy;
            *n = kept;
            return GE_OK;
        }
    pthread_mutex_unlock(&mod->mu);

    rc = ge_store_layer_property_names(st, li->name, &names, &count, &version, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < count; i++) /* drop the reserved ones in place */
        if (ge_features_reserved(names[i]))
            free(names[i]);
        else
            names[kept++] = names[i];
    count = kept;

    /* Keep a copy for the next request; an older version of the layer goes. */
    copy = calloc(count + 1, sizeof *copy);
    kept = 0;
    for (size_t k = 0; copy && k < count; k++)
        if (!(copy[kept++] = strdup(names[k]))) {
            ge_store_names_free(copy, kept);
            copy = NULL;
        }
    if (copy) {
        size_t i;
        pthread_mutex_lock(&mod->mu);
        for (i = 0; i < mod->n_props; i++)
            if (strcmp(mod->props[i].layer, li->name) == 0) break;
        if (i == mod->n_props) {
            ge_props_entry *grown = realloc(mod->props, (mod->n_props + 1) * sizeof *grown);
            if (grown) {
                mod->props = grown;
                memset(&grown[mod->n_props], 0, sizeof *grown);
                mod->n_props++;
            } else {
                i = (size_t)-1;
            }
        }
        if (i != (size_t)-1 && version >= mod->props[i].version) {
            ge_store_names_free(mod->props[i].names, mod->props[i].n);
            snprintf(mod->props[i].layer, sizeof mod->props[i].layer, "%s", li->name);
            mod->props[i].version = version;
            mod->props[i].names = copy;
            mod->props[i].n = count;
            copy = NULL;
        }
        pthread_mutex_unlock(&mod->mu);
        ge_store_names_free(copy, count);
    }
    *out = names;
    *n = count;
    return GE_OK;
}

/* ---- landing page, conformance ------------------------------------------- */

static bool ge_features_accept_json(const ge_req *req)
{
    const char *accept = ge_req_header(req, "Accept");
    return accept && strstr(accept, "json");
}

static int ge_features_landing(ge_req *req, ge_resp *resp, void *ud)
{
    ge_features_mod *mod = ud;
    char base[256], href[512];
    ge_features_fmt fmt;
    json_t *doc, *links;
    ge_html_page page = {.kind = GE_HTML_LANDING, .title = "geoEDITOR", .web = mod->web};

    if (ge_features_check_params(req, resp, ge_meta_params, NULL, 0) < 0 ||
        ge_features_parse_format(req, resp, &fmt) < 0 || ge_features_parse_lang(req, resp, fmt) < 0)
        return GE_EINVAL;
    /* "/" is also the front end's start page: a request that asks for no
     * format (a browser, curl) gets the web root's index.html when there is
     * one; API clients ask for JSON (GDAL, QGIS send Accept: application/json)
     * and f=html shows this landing page. */
    if (req->ctx->web && !ge_req_query(req, "f") && !ge_features_accept_json(req)) {
        int rc = ge_static_serve(req->ctx->web, req, resp);
        if (rc == GE_OK && (resp->status == 200 || resp->status == 304)) return GE_OK;
        ge_resp_clear(resp);
        ge_resp_init(resp);
    }
    ge_req_base_url(req, base, sizeof base);
    links = json_array();
    snprintf(href, sizeof href, "%s/", base);
    ge_links_self_alt(links, href, GE_MT_JSON, fmt, req);
    snprintf(href, sizeof href, "%s/api", base);
    json_array_append_new(links, ge_link(href, "service-desc", GE_MT_OPENAPI,
                                         GE_TR(req, DE("Die API-Beschreibung (OpenAPI 3.0)"),
                                               EN("The API definition (OpenAPI 3.0)"))));
    snprintf(href, sizeof href, "%s/conformance", base);
    json_array_append_new(
        links, ge_link(href, "conformance", GE_MT_JSON,
                       GE_TR(req, DE("Konformitätsklassen"), EN("Conformance classes"))));
    snprintf(href, sizeof href, "%s/collections", base);
    json_array_append_new(links, ge_link(href, "data", GE_MT_JSON,
                                         GE_TR(req, DE("Referenzebenen"), EN("Reference layers"))));
    doc = json_pack("{s:s, s:s, s:o}", "title", "geoEDITOR", "description",
                    GE_TR(req,
                          DE("Referenzdaten der Stadt für Online-Anträge, als OGC API - Features."),
                          EN("Reference data of the city for online application forms, as OGC "
                             "API - Features.")),
                    "links", links);
    return ge_features_send_doc(req, resp, fmt, &page, doc);
}

static int ge_features_conformance(ge_req *req, ge_resp *resp, void *ud)
{
    ge_features_mod *mod = ud;
    ge_features_fmt fmt;
    json_t *doc;
    ge_html_page page = {.kind = GE_HTML_CONFORMANCE, .web = mod->web};

    if (ge_features_check_params(req, resp, ge_meta_params, NULL, 0) < 0 ||
        ge_features_parse_format(req, resp, &fmt) < 0 || ge_features_parse_lang(req, resp, fmt) < 0)
        return GE_EINVAL;
    doc = json_pack("{s:[s,s,s,s,s]}", "conformsTo", GE_OGC_CONF "core", GE_OGC_CONF "geojson",
                    GE_OGC_CONF "oas30", GE_OGC_CONF "html", GE_OGC_CONF_CRS);
    page.title = GE_TR(req, DE("Konformitätsklassen"), EN("Conformance classes"));
    return ge_features_send_doc(req, resp, fmt, &page, doc);
}

/* ---- collections ------------------------------------------------------------ */

/* The layer's bbox in CRS84, from its corners and edge midpoints (UTM boxes
 * bulge a little in degrees). False when the layer is empty. */
static bool ge_features_extent84(const ge_layer_info *li, double out[4])
{
    const ge_crs *to = &GE_CRS84;
    ge_crs from;
    ge_err err;
    double xy[16];
    double x0 = li->bbox[0], y0 = li->bbox[1], x1 = li->bbox[2], y1 = li->bbox[3];
    double xm = (x0 + x1) / 2, ym = (y0 + y1) / 2;

    if (li->feature_count <= 0 || (x0 == 0 && y0 == 0 && x1 == 0 && y1 == 0)) return false;
    if (ge_crs_from_epsg(li->srid, &from, &err) < 0) return false;
    double pts[16] = {x0, y0, xm, y0, x1, y0, x1, ym, x1, y1, xm, y1, x0, y1, x0, ym};
    memcpy(xy, pts, sizeof xy);
    if (ge_crs_transform(&from, to, xy, 8, &err) < 0) return false;
    out[0] = out[2] = xy[0];
    out[1] = out[3] = xy[1];
    for (int i = 1; i < 8; i++) {
        if (xy[2 * i] < out[0]) out[0] = xy[2 * i];
        if (xy[2 * i] > out[2]) out[2] = xy[2 * i];
        if (xy[2 * i + 1] < out[1]) out[1] = xy[2 * i + 1];
        if (xy[2 * i + 1] > out[3]) out[3] = xy[2 * i + 1];
    }
    /* outwards to the 7th decimal, so the extent contains every feature */
    out[0] = ge_geojson_round(out[0] - 5e-8, 7);
    out[1] = ge_geojson_round(out[1] - 5e-8, 7);
    out[2] = ge_geojson_round(out[2] + 5e-8, 7);
    out[3] = ge_geojson_round(out[3] + 5e-8, 7);
    return true;
}

static json_t *ge_features_collection_doc(const ge_req *req, const ge_layer_info *li,
                                          ge_features_fmt fmt, const char *base)
{
    char href[512];
    double e[4];
    ge_crs store;
    ge_err err;
    json_t *doc, *links = json_array(), *crs = json_array();
    const char *const *uris = ge_crs_supported_uris();

    for (size_t i = 0; uris[i]; i++)
        json_array_append_new(crs, json_string(uris[i]));
    snprintf(href, sizeof href, "%s/collections/%s", base, li->name);
    ge_links_self_alt(links, href, GE_MT_JSON, fmt, req);
    snprintf(href, sizeof href, "%s/collections/%s/items", base, li->name);
    json_array_append_new(links, ge_link(href, "items", GE_MT_GEOJSON,
                                         GE_TR(req, DE("Die Objekte"), EN("The features"))));
    snprintf(href, sizeof href, "%s/collections/%s/items?f=html", base, li->name);
    json_array_append_new(
        links, ge_link(href, "items", GE_MT_HTML,
                       GE_TR(req, DE("Die Objekte als HTML"), EN("The features as HTML"))));
    doc = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", li->name, "title",
                    li->title[0] ? li->title : li->name, "description", li->description, "itemType",
                    "feature", "links", links);
    if (!doc) {
        json_decref(crs);
        return NULL;
    }
    /* The German description where the mapping gave one, beside the
     * description as it was (the German HTML pages show it). */
    if (li->description_de[0])
        json_object_set_new(doc, "description_de", json_string(li->description_de));
    if (li->attribution[0]) json_object_set_new(doc, "attribution", json_string(li->attribution));
    if (ge_features_extent84(li, e))
        json_object_set_new(doc, "extent",
                            json_pack("{s:{s:[[f,f,f,f]], s:s}}", "spatial", "bbox", e[0], e[1],
                                      e[2], e[3], "crs", ge_crs_uri(&GE_CRS84)));
    ge_err_clear(&err);
    if (ge_crs_from_epsg(li->srid, &store, &err) == GE_OK)
        json_object_set_new(doc, "storageCrs", json_string(ge_crs_uri(&store)));
    json_object_set_new(doc, "crs", crs);
    json_object_set_new(doc, "geometryType", json_string(li->geometry_type));
    json_object_set_new(doc, "numberOfFeatures", json_integer(li->feature_count));
    return doc;
}

static int ge_features_collections(ge_req *req, ge_resp *resp, void *ud)
{
    ge_features_mod *mod = ud;
    ge_html_page page = {.kind = GE_HTML_COLLECTIONS, .web = mod->web};
    char base[256], href[512];
    ge_features_fmt fmt;
    ge_layer_info *layers = NULL;
    size_t n = 0;
    ge_err err;
    json_t *doc, *list, *links, *crs;
    const char *const *uris = ge_crs_supported_uris();

    if (ge_features_check_params(req, resp, ge_meta_params, NULL, 0) < 0 ||
        ge_features_parse_format(req, resp, &fmt) < 0 || ge_features_parse_lang(req, resp, fmt) < 0)
        return GE_EINVAL;
    ge_err_clear(&err);
    if (ge_store_layer_list(req->ctx->store, &layers, &n, &err) < 0)
        return ge_resp_error(resp, req, &err);
    ge_req_base_url(req, base, sizeof base);
    list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, ge_features_collection_doc(req, &layers[i], fmt, base));
    free(layers);
    links = json_array();
    snprintf(href, sizeof href, "%s/collections", base);
    ge_links_self_alt(links, href, GE_MT_JSON, fmt, req);
    crs = json_array();
    for (size_t i = 0; uris[i]; i++)
        json_array_append_new(crs, json_string(uris[i]));
    doc = json_pack("{s:o, s:o, s:o}", "links", links, "crs", crs, "collections", list);
    page.title = GE_TR(req, DE("Referenzebenen"), EN("Reference layers"));
    return ge_features_send_doc(req, resp, fmt, &page, doc);
}

static int ge_features_collection(ge_req *req, ge_resp *resp, void *ud)
{
    ge_features_mod *mod = ud;
    ge_html_page page = {.kind = GE_HTML_COLLECTION, .web = mod->web};
    char base[256];
    ge_features_fmt fmt;
    ge_layer_info li;
    json_t *doc;

    if (ge_features_layer(req, resp, &li) < 0) return GE_ENOENT;
    if (ge_features_check_params(req, resp, ge_meta_params, NULL, 0) < 0 ||
        ge_features_parse_format(req, resp, &fmt) < 0 || ge_features_parse_lang(req, resp, fmt) < 0)
        return GE_EINVAL;
    ge_req_base_url(req, base, sizeof base);
    doc = ge_features_collection_doc(req, &li, fmt, base);
    page.title = page.layer_title = li.title[0] ? li.title : li.name;
    page.layer = li.name;
    return ge_features_send_doc(req, resp, fmt, &page, doc);
}

/* ---- features ------------------------------------------------------------- */

/* Writes features into a buffer as the store hands them over. */
typedef struct ge_feature_writer {
    ge_buf *out;
    GEOSContextHandle_t h;
    GEOSWKBReader *reader;
    ge_crs from, to;
    size_t n;
    ge_err err;
} ge_feature_writer;

static int ge_feature_write(void *ud, int64_t fid, const unsigned char *wkb, size_t wkb_len,
                            const char *props)
{
    ge_feature_writer *w = ud;
    GEOSGeometry *g = GEOSWKBReader_read_r(w->h, w->reader, wkb, wkb_len);
    json_t *geom;
    char *text;

    if (!g)
        return ge_err_set(&w->err, GE_EINTERNAL, "feature %lld: unreadable geometry",
                          (long long)fid);
    geom = ge_geojson_out_geometry(w->h, g, &w->from, &w->to, &w->err);
    GEOSGeom_destroy_r(w->h, g);
    if (!geom) return w->err.code ? w->err.code : GE_EINTERNAL;
    text = json_dumps(geom, GE_JSON_DUMP_FLAGS);
    json_decref(geom);
    if (!text) return ge_err_set(&w->err, GE_ENOMEM, "out of memory writing a feature");
    ge_buf_printf(w->out, "%s{\"type\":\"Feature\",\"id\":%lld,\"geometry\":", w->n ? "," : "",
                  (long long)fid);
    ge_buf_puts(w->out, text);
    free(text);
    ge_buf_puts(w->out, ",\"properties\":");
    /* The store keeps properties as checked JSON object text (a CHECK
     * constraint): it goes out as it is. */
    ge_buf_puts(w->out, props && props[0] ? props : "{}");
    ge_buf_puts(w->out, "}");
    w->n++;
    if (w->out->failed) return ge_err_set(&w->err, GE_ENOMEM, "out of memory writing a page");
    return 0;
}

static int ge_feature_writer_init(ge_feature_writer *w, ge_buf *out, int srid, const ge_crs *to)
{
    memset(w, 0, sizeof *w);
    ge_err_clear(&w->err);
    w->out = out;
    w->to = *to;
    w->h = ge_geos_ctx();
    if (ge_crs_from_epsg(srid, &w->from, &w->err) < 0) return w->err.code;
    w->reader = w->h ? GEOSWKBReader_create_r(w->h) : NULL;
    if (!w->reader) return ge_err_set(&w->err, GE_ENOMEM, "cannot create a WKB reader");
    return GE_OK;
}

static void ge_feature_writer_done(ge_feature_writer *w)
{
    if (w->reader) GEOSWKBReader_destroy_r(w->h, w->reader);
}

/* The bbox of p in the store CRS: its corners and edge points transformed,
 * and their envelope (a lon/lat box is not a rectangle in UTM). */
static int ge_features_bbox_to_store(const ge_features_params *p, int srid, double out[4],
                                     ge_err *err)
{
    ge_crs store;
    double xy[32];
    int rc = ge_crs_from_epsg(srid, &store, err);
    size_t n = 0;

    if (rc < 0) return rc;
    for (int i = 0; i < 4; i++) { /* 4 points per edge */
        double t = i / 4.0;
        double a0 = p->bbox[0], b0 = p->bbox[1], a1 = p->bbox[2], b1 = p->bbox[3];
        double pts[8] = {a0 + (a1 - a0) * t, b0, a1, b0 + (b1 - b0) * t,
                         a1 - (a1 - a0) * t, b1, a0, b1 - (b1 - b0) * t};
        memcpy(xy + n, pts, sizeof pts);
        n += 8;
    }
    rc = ge_crs_transform(&p->bbox_crs, &store, xy, n / 2, err);
    if (rc < 0) return rc;
    out[0] = out[2] = xy[0];
    out[1] = out[3] = xy[1];
    for (size_t i = 1; i < n / 2; i++) {
        if (xy[2 * i] < out[0]) out[0] = xy[2 * i];
        if (xy[2 * i] > out[2]) out[2] = xy[2 * i];
        if (xy[2 * i + 1] < out[1]) out[1] = xy[2 * i + 1];
        if (xy[2 * i + 1] > out[3]) out[3] = xy[2 * i + 1];
    }
    return GE_OK;
}

/* A link to the items with the request's query, but a different cursor. */
static void ge_items_link(ge_buf *links, const ge_req *req, const char *base, const char *layer,
                          const char *cursor, int64_t value, const char *rel, const char *type,
                          const char *f, const char *title)
{
    ge_buf b = {0};
    json_t *l;
    char *text;

    ge_buf_printf(&b, "%s/collections/%s/items?f=%s", base, layer, f);
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const ge_query_arg *a = ge_req_query_at(req, i);
        if (!strcmp(a->name, "after") || !strcmp(a->name, "before") || !strcmp(a->name, "f"))
            continue;
        ge_buf_puts(&b, "&");
        ge_buf_put_query(&b, a->name);
        ge_buf_puts(&b, "=");
        ge_buf_put_query(&b, a->value);
    }
    if (cursor) ge_buf_printf(&b, "&%s=%lld", cursor, (long long)value);
    l = b.failed ? NULL : ge_link(b.data, rel, type, title);
    free(b.data);
    text = l ? json_dumps(l, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(l);
    if (!text) {
        links->failed = true;
        return;
    }
    if (links->len) ge_buf_puts(links, ",");
    ge_buf_puts(links, text);
    free(text);
}

/* Sends the written page as GeoJSON or as an HTML page. */
static int ge_features_send_page(const ge_req *req, ge_resp *resp, ge_features_fmt fmt,
                                 ge_buf *body, ge_html_page *page, const ge_crs *crs,
                                 const char *opaque)
{
    char hdr[128];
    int rc;

    if (fmt == GE_FEATURES_HTML) {
        json_error_t jerr;
        json_t *doc = json_loadb(body->data, body->len, 0, &jerr);
        free(body->data);
        body->data = NULL;
        if (!doc) {
            ge_err err;
            ge_err_set(&err, GE_EINTERNAL, "page is not JSON: %s", jerr.text);
            return ge_resp_error(resp, req, &err);
        }
        page->crs84 = ge_crs_equal(crs, &GE_CRS84);
        rc = ge_features_html(req, resp, page, doc);
    } else {
        rc = ge_resp_take(resp, 200, GE_MT_GEOJSON, body->data, body->len);
        body->data = NULL;
    }
    if (rc < 0) return rc;
    snprintf(hdr, sizeof hdr, "<%s>", ge_crs_uri(crs));
    ge_resp_header(resp, "Content-Crs", hdr);
    ge_resp_etag(resp, opaque);
    ge_resp_cache(resp, "no-cache");
    ge_resp_header(resp, "Vary", GE_FEATURES_VARY);
    return GE_OK;
}

static int ge_features_items(ge_req *req, ge_resp *resp, void *ud)
{
    ge_features_mod *mod = ud;
    ge_store *st = req->ctx->store;
    char base[256], opaque[160], extra[300], **props = NULL;
    size_t n_props = 0;
    ge_layer_info li;
    ge_features_params p;
    ge_features_query q;
    ge_features_page page;
    ge_feature_writer w;
    ge_buf body = {0}, links = {0};
    ge_err err;
    int rc;

    memset(&w, 0, sizeof w);
    ge_err_clear(&err);
    rc = ge_features_layer(req, resp, &li);
    if (rc < 0) goto out;
    rc = ge_features_props(mod, st, &li, &props, &n_props, &err);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    rc = ge_features_check_params(req, resp, ge_items_params, props, n_props);
    if (rc == GE_OK) rc = ge_features_parse_items(req, resp, props, n_props, &p);
    if (rc == GE_OK) rc = ge_features_parse_lang(req, resp, p.fmt);
    if (rc < 0) goto out;

    ge_features_etag_extra(mod, p.fmt, "items", extra, sizeof extra);
    ge_features_etag(req, li.name, li.version, extra, opaque, sizeof opaque);
    if (ge_features_not_modified(req, resp, p.fmt, &p.crs, opaque)) goto out;

    memset(&q, 0, sizeof q);
    q.layer = li.name;
    q.limit = (size_t)p.limit;
    q.after = p.after;
    q.before = p.before;
    q.filters = p.filters;
    q.n_filters = p.n_filters;
    q.count = true;
    if (p.has_bbox && (rc = ge_features_bbox_to_store(&p, ge_store_srid(st), q.bbox, &err)) < 0) {
        rc = ge_features_bad_param(resp, req, "bbox", "bbox: %s", err.msg);
        goto out;
    }
    q.has_bbox = p.has_bbox;

    rc = ge_feature_writer_init(&w, &body, ge_store_srid(st), &p.crs);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &w.err);
        goto out;
    }
    ge_buf_puts(&body, "{\"type\":\"FeatureCollection\",\"features\":[");
    rc = ge_store_features_query(st, &q, ge_feature_write, &w, &page, &err);
    if (rc == GE_ENOENT) { /* the layer went away since the lookup above */
        rc = ge_features_no_collection(req, resp, li.name);
        goto out;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, w.err.code ? &w.err : &err);
        goto out;
    }
    if (page.version != li.version) /* an import committed in between: tag what we read */
        ge_features_etag(req, li.name, page.version, extra, opaque, sizeof opaque);

    ge_req_base_url(req, base, sizeof base);
    {
        const char *f = p.fmt == GE_FEATURES_HTML ? "html" : "json";
        const char *type = p.fmt == GE_FEATURES_HTML ? GE_MT_HTML : GE_MT_GEOJSON;
        ge_items_link(&links, req, base, li.name,
                      p.after    ? "after"
                      : p.before ? "before"
                                 : NULL,
                      p.after ? p.after : p.before, "self", type, f,
                      GE_TR(req, DE("Diese Seite"), EN("This page")));
        ge_items_link(
            &links, req, base, li.name,
            p.after    ? "after"
            : p.before ? "before"
                       : NULL,
            p.after ? p.after : p.before, "alternate",
            p.fmt == GE_FEATURES_HTML ? GE_MT_GEOJSON : GE_MT_HTML,
            p.fmt == GE_FEATURES_HTML ? "json" : "html",
            GE_TR(req, DE("Diese Seite in anderem Format"), EN("This page in another format")));
        if (page.has_next)
            ge_items_link(&links, req, base, li.name, "after",
                          page.returned ? page.last_fid : p.before - 1, "next", type, f,
                          GE_TR(req, DE("Nächste Seite"), EN("Next page")));
        if (page.has_prev)
            ge_items_link(&links, req, base, li.name, "before",
                          page.returned ? page.first_fid : p.after + 1, "prev", type, f,
                          GE_TR(req, DE("Vorige Seite"), EN("Previous page")));
        ge_buf_printf(&links,
                      ",{\"href\":\"%s/collections/%s\",\"rel\":\"collection\","
                      "\"type\":\"application/json\"}",
                      base, li.name);
    }
    ge_buf_printf(&body, "],\"numberMatched\":%lld,\"numberReturned\":%zu,\"links\":[",
                  (long long)page.matched, page.returned);
    ge_buf_put(&body, links.data ? links.data : "", links.len);
    ge_buf_puts(&body, "]}");
    if (body.failed || links.failed) {
        ge_err_set(&err, GE_ENOMEM, "out of memory writing a page");
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    {
        ge_html_page hp = {.kind = GE_HTML_ITEMS, .layer = li.name, .web = mod->web};
        char title[400];
        hp.layer_title = li.title[0] ? li.title : li.name;
        snprintf(title, sizeof title, GE_TR(req, DE("%s: Objekte"), EN("%s: features")),
                 hp.layer_title);
        hp.title = title;
        rc = ge_features_send_page(req, resp, p.fmt, &body, &hp, &p.crs, opaque);
    }
out:
    ge_feature_writer_done(&w);
    ge_store_names_free(props, n_props);
    free(body.data);
    free(links.data);
    return rc;
}

static int ge_features_item(ge_req *req, ge_resp *resp, void *ud)
{
    ge_store *st = req->ctx->store;
    const char *fid_text = ge_req_param(req, "featureId");
    ge_features_mod *mod = ud;
    char base[256], opaque[160], extra[300];
    char *end = NULL;
    long long fid;
    int64_t version = 0;
    ge_layer_info li;
    ge_features_fmt fmt;
    ge_crs crs;
    ge_feature_writer w;
    ge_buf body = {0};
    ge_err err;
    int rc;

    memset(&w, 0, sizeof w);
    ge_err_clear(&err);
    rc = ge_features_layer(req, resp, &li);
    if (rc < 0) goto out;
    rc = ge_features_check_params(req, resp, ge_feature_params, NULL, 0);
    if (rc == GE_OK) rc = ge_features_parse_format(req, resp, &fmt);
    if (rc == GE_OK) rc = ge_features_parse_lang(req, resp, fmt);
    if (rc == GE_OK) rc = ge_features_parse_crs(req, resp, "crs", &crs);
    if (rc < 0) goto out;
    fid = fid_text ? strtoll(fid_text, &end, 10) : 0;
    if (!fid_text || !*fid_text || *end || fid < 1) {
        json_t *pr = ge_resp_problem(resp, req, 404,
                                     GE_TR(req, DE("das Objekt '%.64s' gibt es in '%s' nicht"),
                                           EN("feature '%.64s' does not exist in '%s'")),
                                     fid_text ? fid_text : "", li.name);
        if (pr) json_object_set_new(pr, "parameter", json_string("featureId"));
        rc = GE_ENOENT;
        goto out;
    }
    ge_features_etag_extra(mod, fmt, "item", extra, sizeof extra);
    ge_features_etag(req, li.name, li.version, extra, opaque, sizeof opaque);
    if (ge_features_not_modified(req, resp, fmt, &crs, opaque)) goto out;

    rc = ge_feature_writer_init(&w, &body, ge_store_srid(st), &crs);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &w.err);
        goto out;
    }
    rc = ge_store_feature_get(st, li.name, fid, ge_feature_write, &w, &version, &err);
    if (rc == GE_ENOENT) {
        json_t *pr = ge_resp_problem(resp, req, 404,
                                     GE_TR(req, DE("das Objekt %lld gibt es in '%s' nicht"),
                                           EN("feature %lld does not exist in '%s'")),
                                     fid, li.name);
        if (pr) json_object_set_new(pr, "parameter", json_string("featureId"));
        goto out;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, w.err.code ? &w.err : &err);
        goto out;
    }
    if (version != li.version)
        ge_features_etag(req, li.name, version, extra, opaque, sizeof opaque);
    /* Replace the closing brace of the feature with its links. */
    if (body.len && body.data[body.len - 1] == '}') body.len--;
    ge_req_base_url(req, base, sizeof base);
    ge_buf_printf(&body,
                  ",\"links\":[{\"href\":\"%s/collections/%s/items/%lld?f=%s\",\"rel\":\"self\","
                  "\"type\":\"%s\"},{\"href\":\"%s/collections/%s/items/%lld?f=%s\",\"rel\":"
                  "\"alternate\",\"type\":\"%s\"},{\"href\":\"%s/collections/%s\",\"rel\":"
                  "\"collection\",\"type\":\"application/json\"}]}",
                  base, li.name, fid, fmt == GE_FEATURES_HTML ? "html" : "json",
                  fmt == GE_FEATURES_HTML ? GE_MT_HTML : GE_MT_GEOJSON, base, li.name, fid,
                  fmt == GE_FEATURES_HTML ? "json" : "html",
                  fmt == GE_FEATURES_HTML ? GE_MT_GEOJSON : GE_MT_HTML, base, li.name);
    if (body.failed) {
        ge_err_set(&err, GE_ENOMEM, "out of memory writing a feature");
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    {
        ge_html_page hp = {.kind = GE_HTML_ITEM, .layer = li.name, .fid = fid, .web = mod->web};
        char title[400];
        hp.layer_title = li.title[0] ? li.title : li.name;
        snprintf(title, sizeof title, GE_TR(req, DE("%s: Objekt %lld"), EN("%s: feature %lld")),
                 hp.layer_title, fid);
        hp.title = title;
        rc = ge_features_send_page(req, resp, fmt, &body, &hp, &crs, opaque);
    }
out:
    ge_feature_writer_done(&w);
    free(body.data);
    return rc;
}

/* ---- registration ----------------------------------------------------------- */

static void ge_features_mod_free(void *ud)
{
    ge_features_mod *mod = ud;
    if (!mod) return;
    for (size_t i = 0; i < mod->n_props; i++)
        ge_store_names_free(mod->props[i].names, mod->props[i].n);
    free(mod->props);
    ge_web_manifest_free(mod->web);
    pthread_mutex_destroy(&mod->mu);
    free(mod);
}

int ge_handlers_features_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    static const struct {
        const char *pattern;
        ge_handler_fn fn;
    } routes[] = {
        {"/", ge_features_landing},
        {"/conformance", ge_features_conformance},
        {"/collections", ge_features_collections},
        {"/collections/{id}", ge_features_collection},
        {"/collections/{id}/items", ge_features_items},
        {"/collections/{id}/items/{featureId}", ge_features_item},
    };
    ge_features_mod *mod = calloc(1, sizeof *mod);
    int rc;

    if (!mod) return ge_err_set(err, GE_ENOMEM, "out of memory");
    pthread_mutex_init(&mod->mu, NULL);
    mod->web = ge_web_manifest_new(ctx->cfg->web_root);
    if (!mod->web) {
        ge_features_mod_free(mod);
        return ge_err_set(err, GE_ENOMEM, "out of memory");
    }
    rc = ge_ctx_on_stop(ctx, ge_features_mod_free, mod);
    if (rc < 0) {
        ge_features_mod_free(mod);
        return ge_err_set(err, rc, "cannot register the features module's cleanup");
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        rc =
            ge_router_add_flags(r, "GET", routes[i].pattern, routes[i].fn, mod, GE_ROUTE_CORS, err);
        if (rc < 0) return rc;
    }
    return GE_OK;
}
