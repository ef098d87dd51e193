/*
 * handlers_tiles.c - vector tiles (OGC API - Tiles, MVT 2.1) and TileJSON 3.0.
 *
 *   GET /collections/{id}/tiles                                  tilesets of a collection
 *   GET /collections/{id}/tiles/WebMercatorQuad                  TileJSON 3.0 (+ OGC members)
 *   GET /collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}      dynamic tile of the layer
 *   GET /collections/cases/tiles/WebMercatorQuad                 TileJSON of the case tiles
 *   GET /collections/cases/tiles/WebMercatorQuad/{z}/{y}/{x}     case tile (caseworkers only)
 *   GET /tiles                                                   the tilesets not tied to a
 *                                                                collection
 *   GET /tiles/basemap/WebMercatorQuad                           TileJSON of the base map
 *   GET /tiles/basemap/WebMercatorQuad/{z}/{y}/{x}               base map tile (MBTiles)
 *
 * Tiles are application/vnd.mapbox-vector-tile. A tile inside the matrix
 * with nothing in it is answered 204 No Content without a body (cheap to
 * make and to send; MapLibre and OpenLayers treat it as an empty tile).
 * Bad input (tile matrix set, z, y, x, unknown tileset) gets a 400 or 404
 * problem naming the parameter.
 *
 * Dynamic tiles come from the store through the spatial index (tilegen.c)
 * and are kept in a bounded LRU (tile_cache.c) keyed by tileset and z/x/y
 * and tagged with the layer version, so an import makes every cached tile
 * of the layer stale at once. The version comes from the reference-data
 * version record (refdata.h), which notices an import within a second, so
 * no request reads it from the store. The ETag names tileset, version and
 * tile, so a client revalidates without the server rendering anything.
 * Tiles are cached plain and gzipped; the gzip is sent to clients that
 * accept it. The base map file is reopened when the record names another
 * file than the open one.
 *
 * Who may read a tileset is asked of its source (ge_tiles_source): the
 * reference layers are public; the cases (the review app's map) are a
 * second source whose authorize() requires a caseworker session (401
 * without) and names the audience: the services the user may see, or all
 * for admins. The audience is part of the cache key and the ETag, so users
 * with different service sets never share a tile. Case tiles are private
 * ("private, no-store", Vary: Cookie: no shared cache keeps them), not open
 * to other origins (no CORS), and not listed under /collections. Their
 * version is the largest case event id, read from the store on every
 * request (one indexed look-up): every change of a case adds an event, so
 * the next tile after a decision shows it, with no second of delay.
 */
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../geo/core/json_util.h"
#include "../geo/maps/basemap.h"
#include "../geo/maps/case_tiles.h"
#include "../geo/store/store_case_tiles.h"
#include "../geo/core/crs.h"
#include "../geo/core/gzip.h"
#include "../geo/maps/mbtiles.h"
#include "../geo/store/store_tiles.h"
#include "../geo/maps/tilegen.h"
#include "../geo/maps/tilemath.h"
#include "handlers.h"
#include "log.h"
#include "refdata.h"
#include "session.h"
#include "tile_cache.h"

#define GE_TILES_TYPE      "application/vnd.mapbox-vector-tile"
#define GE_TILES_TMS       "WebMercatorQuad"
#define GE_TILES_TMS_URI   "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
#define GE_TILES_CRS_3857  "http://www.opengis.net/def/crs/EPSG/0/3857"
#define GE_TILES_MAX_PLAIN (16u << 20) /* a gzipped tile that inflates beyond is refused */
/* Reference data changes only with an import; a minute keeps maps fresh
 * after one while sparing most revalidations. */
#define GE_TILES_CACHE_CONTROL "public, max-age=60"
/* Smaller tiles go out plain: gzip would save a few bytes at best. */
#define GE_TILES_GZIP_MIN 256
/* The encoder's output format: bump when it changes what it writes. */
#define GE_TILES_ENCODER "m1"
/* Case tiles show case data of one caseworker's services: no cache on the
 * way may keep them, and the browser need not either (a map view fetches a
 * few dozen tiles; the server's own cache makes them cheap). */
#define GE_TILES_CASES_CACHE_CONTROL "private, no-store"

/* Who a tile is made for: everyone (reference layers), or one set of
 * services a caseworker may see. */
typedef struct ge_tiles_scope {
    /* Names the audience in cache keys and ETags: "pub", "all" (admins), or
     * a hash of the sorted service list. */
    char name[40];
    const char *services_json; /* case tiles: the user's services; NULL: all */
    ge_session session;
    bool has_session;
} ge_tiles_scope;

typedef struct ge_tiles_mod ge_tiles_mod;

/* A kind of dynamic tileset: the reference layers, and the review app's cases. */
typedef struct ge_tiles_source {
    const char *name;
    /* May the request read it? GE_OK with *scope filled, or a negative code
     * with the problem (401) in resp. */
    int (*authorize)(ge_req *req, ge_resp *resp, const char *id, ge_tiles_scope *scope);
    /* The current version of the tileset's data; GE_ENOENT: no such tileset. */
    int (*version)(ge_req *req, const char *id, int64_t *version, ge_err *err);
    /* Renders a tile for scope; r->version is the version it shows. */
    int (*render)(ge_req *req, const char *id, const ge_tiles_scope *scope, const ge_tile *t,
                  ge_tilegen_result *r, ge_err *err);
    const char *cache_control;
    const char *vary;
    const char *key_prefix; /* of the cache keys: "c" reference layers, "k" cases */
} ge_tiles_source;

/* The open base map file; replaced (not changed) when a new import renames
 * a new file into place, and freed by whoever drops the last reference. */
typedef struct ge_tiles_bm {
    ge_mbtiles *mb;
    json_t *meta;
    int64_t gen; /* from the file's identity: names its tiles in cache and ETags */
    int refs;
} ge_tiles_bm;

typedef struct ge_tiles_mod {
    ge_ctx *ctx;
    ge_tile_cache *cache;
    pthread_mutex_t mu; /* guards bm and bm_file */
    ge_tiles_bm *bm;
    ge_refdata_basemap bm_file; /* the file bm was opened from */
    char bm_path[PATH_MAX + 32];
} ge_tiles_mod;

/* ---- parameters ---------------------------------------------------------- */

static json_t *ge_tiles_problem_param(ge_resp *resp, const ge_req *req, int status,
                                      const char *param, const char *value, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));
    if (p) {
        json_object_set_new(p, "parameter", ge_json_string_lossy(param));
        json_object_set_new(p, "value", json_string(value ? value : ""));
    }
    return p;
}

static int ge_tiles_check_tms(const ge_req *req, ge_resp *resp)
{
    const char *tms = ge_req_param(req, "tileMatrixSetId");
    char en[256], de[256];
    if (tms && strcmp(tms, GE_TILES_TMS) == 0) return GE_OK;
    snprintf(en, sizeof en,
             "tileMatrixSetId '%.64s' is not offered; the only tile matrix set is %s.",
             tms ? tms : "", GE_TILES_TMS);
    snprintf(de, sizeof de, "Die Kachelmatrix '%.64s' wird nicht angeboten; die einzige ist %s.",
             tms ? tms : "", GE_TILES_TMS);
    ge_tiles_problem_param(resp, req, 404, "tileMatrixSetId", tms, GE_TEXT(DE(de), EN(en)));
    return GE_ENOENT;
}

/* z, then row y and column x within the matrix of that zoom. */
static int ge_tiles_parse_zyx(const ge_req *req, ge_resp *resp, ge_tile *t)
{
    long z, y, x;
    int rc = ge_req_parse_long(req, resp, "z", ge_req_param(req, "z"), 0, GE_TILEMATH_MAX_ZOOM, &z);
    if (rc < 0) return GE_EINVAL;
    long last = (long)ge_tilemath_matrix_size((int)z) - 1;
    rc = ge_req_parse_long(req, resp, "y", ge_req_param(req, "y"), 0, last, &y);
    if (rc < 0) return GE_EINVAL;
    rc = ge_req_parse_long(req, resp, "x", ge_req_param(req, "x"), 0, last, &x);
    if (rc < 0) return GE_EINVAL;
    t->z = (int)z;
    t->y = (uint32_t)y;
    t->x = (uint32_t)x;
    return GE_OK;
}

/* 404 naming the collection (or tileset) that does not exist. */
static int ge_tiles_unknown(const ge_req *req, ge_resp *resp, const char *param, const char *id)
{
    char en[256], de[256];
    snprintf(en, sizeof en, "There is no tileset '%.64s'.", id ? id : "");
    snprintf(de, sizeof de, "Es gibt keinen Kachelsatz '%.64s'.", id ? id : "");
    ge_tiles_problem_param(resp, req, 404, param, id, GE_TEXT(DE(de), EN(en)));
    return GE_ENOENT;
}

/* ---- sending tiles -------------------------------------------------------- */

/* The 304 with the headers of ge_tiles_send; the server writes the ETag in
 * the form (gzip or plain) the client named, which is the form its copy has. */
static int ge_tiles_not_modified(ge_resp *resp, const char *opaque, const char *cache_control)
{
    ge_resp_not_modified(resp, GE_TILES_TYPE);
    ge_resp_etag(resp, opaque);
    ge_resp_cache(resp, cache_control);
    ge_resp_header(resp, "Vary", "Accept-Encoding");
    return GE_OK;
}

/* Sends a tile blob (takes its buffers): 204 when empty, else the gzip or
 * the plain bytes, whichever the blob holds. */
static int ge_tiles_send(ge_resp *resp, ge_tile_blob *b, const char *opaque,
                         const char *cache_control)
{
    char tag[96];
    int rc;

    if (b->gz) {
        snprintf(tag, sizeof tag, "%s-gz", opaque);
        rc = ge_resp_take(resp, 200, GE_TILES_TYPE, (char *)b->gz, b->gz_len);
        b->gz = NULL;
        resp->precompressed = true;
        resp->compressible = false;
        ge_resp_header(resp, "Content-Encoding", "gzip");
    } else if (b->data) {
        snprintf(tag, sizeof tag, "%s", opaque);
        rc = ge_resp_take(resp, 200, GE_TILES_TYPE, (char *)b->data, b->len);
        b->data = NULL;
        resp->compressible = false; /* we choose the encoding ourselves */
    } else {
        snprintf(tag, sizeof tag, "%s", opaque);
        rc = ge_resp_empty(resp, 204);
    }
    ge_tile_blob_free(b);
    ge_resp_etag(resp, tag);
    ge_resp_cache(resp, cache_control);
    ge_resp_header(resp, "Vary", "Accept-Encoding");
    return rc;
}

/* ---- dynamic tiles of the reference layers --------------------------------- */

/*
 * Puts a rendered tile (in blob->data) into the cache. The gzip form is made
 * only for a client that accepts it, once per tile, and kept beside the plain
 * one: deflate's set-up alone costs as much as encoding a small tile, and
 * clients that do not want gzip (GDAL, benchmarks, some proxies) should not
 * pay for it. blob then holds what to send.
 */
static void ge_tiles_keep(ge_tiles_mod *mod, const char *key, int64_t version, bool want_gz,
                          ge_tile_blob *blob)
{
    unsigned char *gz = NULL;
    size_t gz_len = 0;

    if (want_gz && blob->len >= GE_TILES_GZIP_MIN &&
        ge_gzip_compress(blob->data, blob->len, &gz, &gz_len, NULL) == GE_OK &&
        gz_len >= blob->len) {
        free(gz); /* incompressible: the plain tile is all we keep */
        gz = NULL;
        gz_len = 0;
    }
    ge_tile_cache_put(mod->cache, key, version, blob->data, blob->len, gz, gz_len);
    if (gz) {
        free(blob->data);
        blob->data = NULL;
        blob->len = 0;
        blob->gz = gz;
        blob->gz_len = gz_len;
    }
}

/* ---- the tileset kinds ----------------------------------------------------- */

static int ge_tiles_public(ge_req *req, ge_resp *resp, const char *id, ge_tiles_scope *scope)
{
    (void)req;
    (void)resp;
    (void)id;
    snprintf(scope->name, sizeof scope->name, "pub");
    return GE_OK;
}

/* The layer's version as the reference-data version record has it: an
 * import makes the layer's cached tiles stale within a second. */
static int ge_tiles_reference_version(ge_req *req, const char *id, int64_t *version, ge_err *err)
{
    const ge_refdata_version *v = ge_refdata_version_acquire(req->ctx);
    int rc;

    rc = ge_refdata_layer_version(v, id, version);
    ge_refdata_version_release(req->ctx, v);
    if (rc < 0) return ge_err_set(err, GE_ENOENT, "layer '%s' does not exist", id ? id : "");
    return GE_OK;
}

static int ge_tiles_reference_render(ge_req *req, const char *id, const ge_tiles_scope *scope,
                                     const ge_tile *t, ge_tilegen_result *r, ge_err *err)
{
    ge_tilegen_layer layer = {.source = id, .name = id};
    (void)scope;
    return ge_tilegen_render(req->ctx->store, t, &layer, 1, r, err);
}

static const ge_tiles_source ge_tiles_reference = {"reference",
                                                   ge_tiles_public,
                                                   ge_tiles_reference_version,
                                                   ge_tiles_reference_render,
                                                   GE_TILES_CACHE_CONTROL,
                                                   "Accept-Encoding",
                                                   "c"};

static int ge_tiles_strcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The audience of a caseworker's case tiles: a hash of the sorted, distinct
 * service ids, so that two users with the same services share tiles and
 * users with different ones never do, whatever order their lists are in.
 */
static int ge_tiles_services_scope(const char *services_json, char name[40], ge_err *err)
{
    json_t *arr = json_loads(services_json ? services_json : "[]", 0, NULL);
    const char **ids = NULL;
    size_t n = 0, i;
    json_t *v;
    unsigned char h[16];
    crypto_generichash_state st;
    int rc = GE_OK;

    if (!json_is_array(arr)) {
        rc = ge_err_set(err, GE_EINTERNAL, "a user's services are not a JSON array");
        goto err;
    }
    ids = calloc(json_array_size(arr) + 1, sizeof *ids);
    if (!ids) {
        rc = ge_err_set(err, GE_ENOMEM, "tiles: out of memory");
        goto err;
    }
    json_array_foreach(arr, i, v) if (json_is_string(v)) ids[n++] = json_string_value(v);
    qsort(ids, n, sizeof *ids, ge_tiles_strcmp);
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (i = 0; i < n; i++) {
        if (i > 0 && strcmp(ids[i], ids[i - 1]) == 0) continue;
        /* With the NUL: "ab","c" and "a","bc" hash differently. */
        crypto_generichash_update(&st, (const unsigned char *)ids[i], strlen(ids[i]) + 1);
    }
    crypto_generichash_final(&st, h, sizeof h);
    name[0] = 's';
    sodium_bin2hex(name + 1, 39, h, sizeof h);
err:
    free(ids);
    json_decref(arr);
    return rc;
}

static int ge_tiles_caseworker(ge_req *req, ge_resp *resp, const char *id, ge_tiles_scope *scope)
{
    ge_err err;
    int rc;

    (void)id;
    rc = ge_session_require(req, resp, &scope->session);
    if (rc < 0) return rc; /* the 401 problem is in resp */
    scope->has_session = true;
    if (ge_session_is_admin(&scope->session)) {
        snprintf(scope->name, sizeof scope->name, "all");
        scope->services_json = NULL;
        return GE_OK;
    }
    scope->services_json =
        scope->session.user.services_json ? scope->session.user.services_json : "[]";
    ge_err_clear(&err);
    rc = ge_tiles_services_scope(scope->services_json, scope->name, &err);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    return GE_OK;
}

static int ge_tiles_cases_version(ge_req *req, const char *id, int64_t *version, ge_err *err)
{
    (void)id;
    return ge_store_case_tiles_version(req->ctx->store, version, err);
}

static int ge_tiles_cases_render(ge_req *req, const char *id, const ge_tiles_scope *scope,
                                 const ge_tile *t, ge_tilegen_result *r, ge_err *err)
{
    (void)id;
    return ge_case_tiles_render(req->ctx->store, t, scope->services_json, r, err);
}

static const ge_tiles_source ge_tiles_cases = {GE_CASE_TILES_LAYER,
                                               ge_tiles_caseworker,
                                               ge_tiles_cases_version,
                                               ge_tiles_cases_render,
                                               GE_TILES_CASES_CACHE_CONTROL,
                                               "Cookie, Accept-Encoding",
                                               "k"};

static void ge_tiles_scope_clear(ge_tiles_scope *scope)
{
    if (scope->has_session) ge_session_clear(&scope->session);
    scope->has_session = false;
}

/*
 * One dynamic tile of a tileset kind: authorisation, parameters, version,
 * then the cache or a render. The ETag names encoder, tileset, audience,
 * version and tile, so a revalidation is answered without rendering.
 */
static int ge_tiles_serve(ge_tiles_mod *mod, const ge_tiles_source *src, ge_req *req, ge_resp *resp,
                          const char *id)
{
    bool want_gz = ge_http_accepts_gzip(ge_req_header(req, "Accept-Encoding"));
    char key[192], opaque[192];
    ge_tiles_scope scope;
    ge_tile t;
    ge_tile_blob blob;
    int64_t version = 0;
    ge_err err;
    int rc;

    memset(&scope, 0, sizeof scope);
    ge_err_clear(&err);
    rc = src->authorize(req, resp, id, &scope);
    if (rc < 0) goto out;
    if (ge_tiles_check_tms(req, resp) < 0 || ge_tiles_parse_zyx(req, resp, &t) < 0) {
        rc = GE_OK;
        goto out;
    }
    rc = src->version(req, id, &version, &err);
    if (rc == GE_ENOENT || rc == GE_EINVAL) {
        rc = ge_tiles_unknown(req, resp, "collectionId", id);
        goto out;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    snprintf(key, sizeof key, "%s/%s/%s/%d/%u/%u", src->key_prefix, id, scope.name, t.z, t.x, t.y);
    snprintf(opaque, sizeof opaque, "%s-%s-%s-%lld-%d-%u-%u", GE_TILES_ENCODER, id, scope.name,
             (long long)version, t.z, t.x, t.y);
    if (ge_req_etag_matches(req, opaque)) {
        rc = ge_tiles_not_modified(resp, opaque, src->cache_control);
        goto vary;
    }
    if (!ge_tile_cache_get(mod->cache, key, version, want_gz, &blob)) {
        ge_tilegen_result r;

        rc = src->render(req, id, &scope, &t, &r, &err);
        if (rc == GE_ENOENT) {
            rc = ge_tiles_unknown(req, resp, "collectionId", id);
            goto out;
        }
        if (rc < 0) {
            rc = ge_resp_error(resp, req, &err);
            goto out;
        }
        /* The version read with the features is the one the tile shows. */
        version = r.version;
        snprintf(opaque, sizeof opaque, "%s-%s-%s-%lld-%d-%u-%u", GE_TILES_ENCODER, id, scope.name,
                 (long long)version, t.z, t.x, t.y);
        memset(&blob, 0, sizeof blob);
        blob.data = r.data;
        blob.len = r.len;
        ge_tiles_keep(mod, key, version, want_gz, &blob);
    } else if (want_gz && !blob.gz && blob.len >= GE_TILES_GZIP_MIN) {
        ge_tiles_keep(mod, key, version, true, &blob);
    }
    rc = ge_tiles_send(resp, &blob, opaque, src->cache_control);
vary:
    ge_resp_header(resp, "Vary", src->vary);
out:
    ge_tiles_scope_clear(&scope);
    return rc;
}

static int ge_tiles_collection_tile(ge_req *req, ge_resp *resp, void *ud)
{
    return ge_tiles_serve(ud, &ge_tiles_reference, req, resp, ge_req_param(req, "id"));
}

static int ge_tiles_cases_tile(ge_req *req, ge_resp *resp, void *ud)
{
    return ge_tiles_serve(ud, &ge_tiles_cases, req, resp, GE_CASE_TILES_LAYER);
}

/* lon/lat bounds of a layer's box in the store CRS. */
static void ge_tiles_layer_lonlat(const ge_layer_info *li, double out[4])
{
    ge_crs from;
    double p[8] = {li->bbox[0], li->bbox[1], li->bbox[2], li->bbox[1],
                   li->bbox[2], li->bbox[3], li->bbox[0], li->bbox[3]};
    out[0] = -180;
    out[1] = -GE_TILEMATH_MAX_LAT;
    out[2] = 180;
    out[3] = GE_TILEMATH_MAX_LAT;
    if (li->feature_count == 0 || ge_crs_from_epsg(li->srid, &from, NULL) < 0 ||
        ge_crs_transform(&from, &GE_CRS84, p, 4, NULL) < 0)
        return;
    out[0] = p[0] < p[6] ? p[0] : p[6];
    out[1] = p[1] < p[3] ? p[1] : p[3];
    out[2] = p[2] > p[4] ? p[2] : p[4];
    out[3] = p[5] > p[7] ? p[5] : p[7];
}

static json_t *ge_tiles_link(const char *href, const char *rel, const char *type, const char *title,
                             bool templated)
{
    json_t *l = json_pack("{s:s, s:s, s:s}", "href", href, "rel", rel, "type", type);
    if (l && title) json_object_set_new(l, "title", json_string(title));
    if (l && templated) json_object_set_new(l, "templated", json_true());
    return l;
}

static int ge_tiles_collection_tilejson(ge_req *req, ge_resp *resp, void *ud)
{
    const char *id = ge_req_param(req, "id");
    ge_layer_info li;
    json_t *fields = NULL, *doc;
    char base[512], url[1024], self[1024];
    double b[4];
    ge_tiles_scope scope;
    ge_err err;
    int rc;

    (void)ud;
    ge_err_clear(&err);
    memset(&scope, 0, sizeof scope);
    if (ge_tiles_reference.authorize(req, resp, id, &scope) < 0) return GE_OK;
    ge_tiles_scope_clear(&scope);
    if (ge_tiles_check_tms(req, resp) < 0) return GE_OK;
    rc = ge_store_layer_get(req->ctx->store, id, &li, &err);
    if (rc == GE_ENOENT || rc == GE_EINVAL) return ge_tiles_unknown(req, resp, "collectionId", id);
    if (rc == GE_OK) rc = ge_store_tiles_fields(req->ctx->store, id, &fields, &err);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    ge_tiles_layer_lonlat(&li, b);
    ge_req_base_url(req, base, sizeof base);
    snprintf(url, sizeof url, "%s/collections/%s/tiles/%s/{z}/{y}/{x}", base, id, GE_TILES_TMS);
    snprintf(self, sizeof self, "%s/collections/%s/tiles/%s", base, id, GE_TILES_TMS);
    doc =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:i, s:i, s:[f,f,f,f], s:[f,f,i], s:s,"
                  " s:[{s:s, s:s, s:i, s:i, s:o}],"
                  " s:s, s:s, s:s, s:[o,o]}",
                  "tilejson", "3.0.0", "name", id, "description",
                  li.description[0] ? li.description : li.title, "attribution", li.attribution,
                  "scheme", "xyz", "tiles", url, "minzoom", 0, "maxzoom", GE_TILEMATH_MAX_ZOOM,
                  "bounds", b[0], b[1], b[2], b[3], "center", (b[0] + b[2]) / 2, (b[1] + b[3]) / 2,
                  16, "version", "1.0.0", "vector_layers", "id", id, "description", li.title,
                  "minzoom", 0, "maxzoom", GE_TILEMATH_MAX_ZOOM, "fields", fields, "dataType",
                  "vector", "crs", GE_TILES_CRS_3857, "tileMatrixSetURI", GE_TILES_TMS_URI, "links",
                  ge_tiles_link(self, "self", "application/json", "TileJSON 3.0", false),
                  ge_tiles_link(url, "item", GE_TILES_TYPE, "Mapbox vector tiles", true));
    if (!doc) {
        ge_err_set(&err, GE_ENOMEM, "out of memory building TileJSON");
        return ge_resp_error(resp, req, &err);
    }
    ge_resp_cache(resp, GE_TILES_CACHE_CONTROL);
    return ge_resp_json(resp, 200, doc);
}

/* TileJSON of the case tiles: the same session rule as the tiles. */
static int ge_tiles_cases_tilejson(ge_req *req, ge_resp *resp, void *ud)
{
    ge_tiles_scope scope;
    json_t *doc;
    char base[512], url[1024], self[1024];
    int rc;

    (void)ud;
    memset(&scope, 0, sizeof scope);
    rc = ge_tiles_cases.authorize(req, resp, GE_CASE_TILES_LAYER, &scope);
    if (rc < 0) goto out;
    rc = GE_OK;
    if (ge_tiles_check_tms(req, resp) < 0) goto out;
    ge_req_base_url(req, base, sizeof base);
    snprintf(url, sizeof url, "%s/collections/%s/tiles/%s/{z}/{y}/{x}", base, GE_CASE_TILES_LAYER,
             GE_TILES_TMS);
    snprintf(self, sizeof self, "%s/collections/%s/tiles/%s", base, GE_CASE_TILES_LAYER,
             GE_TILES_TMS);
    doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:[s], s:i, s:i, s:[f,f,f,f],"
        " s:[{s:s, s:s, s:i, s:i, s:{s:s, s:s, s:s, s:s, s:s}}],"
        " s:s, s:s, s:s, s:[o,o]}",
        "tilejson", "3.0.0", "name", GE_CASE_TILES_LAYER, "description",
        GE_TR(req,
              DE("Eingereichte Fälle der Dienste, die Sie sehen dürfen, ein Objekt je "
                 "gezeichnetem Objekt."),
              EN("Submitted cases of the services you may see, one feature per drawn feature.")),
        "version", "1.0.0", "scheme", "xyz", "tiles", url, "minzoom", 0, "maxzoom",
        GE_TILEMATH_MAX_ZOOM, "bounds", -180.0, -GE_TILEMATH_MAX_LAT, 180.0, GE_TILEMATH_MAX_LAT,
        "vector_layers", "id", GE_CASE_TILES_LAYER, "description",
        GE_TR(req, DE("Objekte der Fälle"), EN("Case features")), "minzoom", 0, "maxzoom",
        GE_TILEMATH_MAX_ZOOM, "fields", "case_id", "String", "service", "String", "status",
        "String", "reference", "String", "valid", "Boolean", "dataType", "vector", "crs",
        GE_TILES_CRS_3857, "tileMatrixSetURI", GE_TILES_TMS_URI, "links",
        ge_tiles_link(self, "self", "application/json", "TileJSON 3.0", false),
        ge_tiles_link(url, "item", GE_TILES_TYPE, "Mapbox vector tiles", true));
    if (!doc) {
        ge_err err;
        ge_err_set(&err, GE_ENOMEM, "out of memory building TileJSON");
        rc = ge_resp_error(resp, req, &err);
        goto out;
    }
    ge_resp_cache(resp, GE_TILES_CASES_CACHE_CONTROL);
    ge_resp_header(resp, "Vary", ge_tiles_cases.vary);
    rc = ge_resp_json(resp, 200, doc);
out:
    ge_tiles_scope_clear(&scope);
    return rc;
}

static int ge_tiles_collection_list(ge_req *req, ge_resp *resp, void *ud)
{
    const char *id = ge_req_param(req, "id");
    char base[512], self[1024], tms[1024], tiles[1024];
    int64_t version;
    ge_err err;
    int rc;

    (void)ud;
    ge_err_clear(&err);
    rc = ge_store_tiles_version(req->ctx->store, id, &version, &err);
    if (rc == GE_ENOENT || rc == GE_EINVAL) return ge_tiles_unknown(req, resp, "collectionId", id);
    if (rc < 0) return ge_resp_error(resp, req, &err);
    ge_req_base_url(req, base, sizeof base);
    snprintf(self, sizeof self, "%s/collections/%s/tiles", base, id);
    snprintf(tms, sizeof tms, "%s/%s", self, GE_TILES_TMS);
    snprintf(tiles, sizeof tiles, "%s/{z}/{y}/{x}", tms);
    json_t *doc = json_pack(
        "{s:[o], s:[{s:s, s:s, s:s, s:s, s:[o,o]}]}", "links",
        ge_tiles_link(self, "self", "application/json", NULL, false), "tilesets", "title", id,
        "dataType", "vector", "crs", GE_TILES_CRS_3857, "tileMatrixSetURI", GE_TILES_TMS_URI,
        "links", ge_tiles_link(tms, "self", "application/json", "TileJSON 3.0", false),
        ge_tiles_link(tiles, "item", GE_TILES_TYPE, "Mapbox vector tiles", true));
    if (!doc) {
        ge_err_set(&err, GE_ENOMEM, "out of memory");
        return ge_resp_error(resp, req, &err);
    }
    ge_resp_cache(resp, GE_TILES_CACHE_CONTROL);
    return ge_resp_json(resp, 200, doc);
}

/* ---- the base map (MBTiles) ------------------------------------------------ */

static void ge_tiles_bm_unref(ge_tiles_bm *bm)
{
    if (!bm || --bm->refs > 0) return;
    ge_mbtiles_close(bm->mb);
    json_decref(bm->meta);
    free(bm);
}

/* The current base map (a reference the caller drops with
 * ge_tiles_bm_release), reopened when the reference-data version record
 * names another file than the open one; NULL when there is none. */
static ge_tiles_bm *ge_tiles_bm_acquire(ge_tiles_mod *mod)
{
    const ge_refdata_version *v = ge_refdata_version_acquire(mod->ctx);
    ge_refdata_basemap file = {0};
    ge_tiles_bm *bm = NULL;

    if (v) file = v->basemap;
    ge_refdata_version_release(mod->ctx, v);
    pthread_mutex_lock(&mod->mu);
    if (mod->bm && file.exists && ge_refdata_basemap_same(&file, &mod->bm_file)) {
        bm = mod->bm;
        bm->refs++;
        pthread_mutex_unlock(&mod->mu);
        return bm;
    }
    ge_tiles_bm_unref(mod->bm); /* readers still holding it keep it alive */
    mod->bm = NULL;
    if (file.exists) {
        ge_err err;
        bm = calloc(1, sizeof *bm);
        if (bm && ge_mbtiles_open(&bm->mb, mod->bm_path, &err) == GE_OK &&
            ge_mbtiles_metadata(bm->mb, &bm->meta, &err) == GE_OK) {
            bm->gen = file.gen;
            bm->refs = 2; /* the module's and the caller's */
            mod->bm = bm;
            mod->bm_file = file;
        } else {
            if (bm) ge_mbtiles_close(bm->mb);
            free(bm);
            bm = NULL;
            ge_log(GE_LOG_WARN, "base map file cannot be read", "{s:s}", "error", err.msg);
        }
    }
    pthread_mutex_unlock(&mod->mu);
    return bm;
}

static void ge_tiles_bm_release(ge_tiles_mod *mod, ge_tiles_bm *bm)
{
    pthread_mutex_lock(&mod->mu);
    ge_tiles_bm_unref(bm);
    pthread_mutex_unlock(&mod->mu);
}

static int ge_tiles_check_basemap(const ge_req *req, ge_resp *resp)
{
    const char *id = ge_req_param(req, "tilesetId");
    if (id && strcmp(id, "basemap") == 0) return GE_OK;
    return ge_tiles_unknown(req, resp, "tilesetId", id);
}

static int ge_tiles_no_basemap(const ge_req *req, ge_resp *resp)
{
    ge_tiles_problem_param(resp, req, 404, "tilesetId", "basemap",
                           GE_TEXT(DE("Die Grundkarte wurde noch nicht erzeugt: das geschieht bei "
                                      "'geoeditor import' (mit PostGIS in die Datei der "
                                      "Einstellung basemap, --basemap DATEI)."),
                                   EN("The base map has not been built yet: it is made by "
                                      "'geoeditor import' (on PostGIS into the file of the "
                                      "basemap setting, --basemap FILE).")));
    return GE_ENOENT;
}

static int ge_tiles_basemap_tile(ge_req *req, ge_resp *resp, void *ud)
{
    ge_tiles_mod *mod = ud;
    bool want_gz = ge_http_accepts_gzip(ge_req_header(req, "Accept-Encoding"));
    char key[96], opaque[128];
    ge_tiles_bm *bm;
    ge_tile t;
    ge_tile_blob blob;
    ge_err err;
    int rc;

    ge_err_clear(&err);
    if (ge_tiles_check_basemap(req, resp) < 0 || ge_tiles_check_tms(req, resp) < 0 ||
        ge_tiles_parse_zyx(req, resp, &t) < 0)
        return GE_OK;
    bm = ge_tiles_bm_acquire(mod);
    if (!bm) return ge_tiles_no_basemap(req, resp);
    snprintf(key, sizeof key, "b/%d/%u/%u", t.z, t.x, t.y);
    snprintf(opaque, sizeof opaque, "bm-%llx-%d-%u-%u", (unsigned long long)bm->gen, t.z, t.x, t.y);
    if (ge_req_etag_matches(req, opaque)) {
        ge_tiles_bm_release(mod, bm);
        return ge_tiles_not_modified(resp, opaque, GE_TILES_CACHE_CONTROL);
    }
    if (!ge_tile_cache_get(mod->cache, key, bm->gen, want_gz, &blob)) {
        unsigned char *raw = NULL, *plain = NULL;
        size_t raw_len = 0, plain_len = 0;
        rc = ge_mbtiles_get(bm->mb, &t, &raw, &raw_len, &err);
        if (rc == GE_ENOENT) rc = GE_OK; /* outside the data: an empty tile */
        if (rc == GE_OK && raw_len) {
            /* MBTiles vector tiles are gzipped; keep both forms. */
            if (ge_gzip_is_gzip(raw, raw_len)) {
                rc = ge_gzip_decompress(raw, raw_len, GE_TILES_MAX_PLAIN, &plain, &plain_len, &err);
            } else {
                plain = raw;
                plain_len = raw_len;
                raw = NULL;
                raw_len = 0;
            }
        }
        if (rc < 0) {
            free(raw);
            ge_tiles_bm_release(mod, bm);
            ge_log(GE_LOG_ERROR, "base map tile cannot be read", "{s:s}", "error", err.msg);
            return ge_resp_error(resp, req, &err);
        }
        ge_tile_cache_put(mod->cache, key, bm->gen, plain, plain_len, raw, raw_len);
        memset(&blob, 0, sizeof blob);
        if (want_gz && raw) {
            blob.gz = raw;
            blob.gz_len = raw_len;
            free(plain);
        } else {
            blob.data = plain;
            blob.len = plain_len;
            free(raw);
        }
    }
    ge_tiles_bm_release(mod, bm);
    return ge_tiles_send(resp, &blob, opaque, GE_TILES_CACHE_CONTROL);
}

/* "a,b,c,d" -> numbers; false when it is not that. */
static bool ge_tiles_numbers(const char *text, double *out, int n)
{
    const char *p = text;
    for (int i = 0; i < n; i++) {
        char *end;
        if (!p) return false;
        out[i] = strtod(p, &end);
        if (end == p) return false;
        p = *end == ',' ? end + 1 : (i == n - 1 && *end == '\0' ? end : NULL);
    }
    return true;
}

static int ge_tiles_basemap_tilejson(ge_req *req, ge_resp *resp, void *ud)
{
    ge_tiles_mod *mod = ud;
    ge_tiles_bm *bm;
    json_t *doc, *vl = NULL, *meta;
    char base[512], url[1024], self[1024];
    double b[4] = {-180, -GE_TILEMATH_MAX_LAT, 180, GE_TILEMATH_MAX_LAT}, c[3];
    const char *s;

    if (ge_tiles_check_basemap(req, resp) < 0 || ge_tiles_check_tms(req, resp) < 0) return GE_OK;
    bm = ge_tiles_bm_acquire(mod);
    if (!bm) return ge_tiles_no_basemap(req, resp);
    meta = bm->meta;
    ge_req_base_url(req, base, sizeof base);
    snprintf(url, sizeof url, "%s/tiles/basemap/%s/{z}/{y}/{x}", base, GE_TILES_TMS);
    snprintf(self, sizeof self, "%s/tiles/basemap/%s", base, GE_TILES_TMS);
    s = json_string_value(json_object_get(meta, "json"));
    if (s) {
        json_t *j = json_loads(s, 0, NULL);
        vl = json_incref(json_object_get(j, "vector_layers"));
        json_decref(j);
    }
    if (!vl) vl = json_array();
    if ((s = json_string_value(json_object_get(meta, "bounds"))) && !ge_tiles_numbers(s, b, 4)) {
        b[0] = -180, b[1] = -GE_TILEMATH_MAX_LAT, b[2] = 180, b[3] = GE_TILEMATH_MAX_LAT;
    }
    c[0] = (b[0] + b[2]) / 2;
    c[1] = (b[1] + b[3]) / 2;
    c[2] = 14;
    if ((s = json_string_value(json_object_get(meta, "center")))) ge_tiles_numbers(s, c, 3);
    s = json_string_value(json_object_get(meta, "minzoom"));
    int minzoom = s ? atoi(s) : 0;
    s = json_string_value(json_object_get(meta, "maxzoom"));
    int maxzoom = s ? atoi(s) : GE_TILEMATH_MAX_ZOOM;
    s = json_string_value(json_object_get(meta, "attribution"));
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:i, s:i, s:[f,f,f,f], s:[f,f,i],"
                    " s:o, s:s, s:s, s:s, s:[o,o]}",
                    "tilejson", "3.0.0", "name", "basemap", "description",
                    json_string_value(json_object_get(meta, "description"))
                        ? json_string_value(json_object_get(meta, "description"))
                        : "",
                    "version", "1.0.0", "attribution", s ? s : "", "scheme", "xyz", "tiles", url,
                    "minzoom", minzoom, "maxzoom", maxzoom, "bounds", b[0], b[1], b[2], b[3],
                    "center", c[0], c[1], (int)c[2], "vector_layers", vl, "dataType", "vector",
                    "crs", GE_TILES_CRS_3857, "tileMatrixSetURI", GE_TILES_TMS_URI, "links",
                    ge_tiles_link(self, "self", "application/json", "TileJSON 3.0", false),
                    ge_tiles_link(url, "item", GE_TILES_TYPE, "Mapbox vector tiles", true));
    ge_tiles_bm_release(mod, bm);
    if (!doc) {
        ge_err err;
        ge_err_set(&err, GE_ENOMEM, "out of memory building TileJSON");
        return ge_resp_error(resp, req, &err);
    }
    ge_resp_cache(resp, GE_TILES_CACHE_CONTROL);
    return ge_resp_json(resp, 200, doc);
}

static int ge_tiles_list(ge_req *req, ge_resp *resp, void *ud)
{
    char base[512], self[1024], tms[1024], tiles[1024];
    (void)ud;
    ge_req_base_url(req, base, sizeof base);
    snprintf(self, sizeof self, "%s/tiles", base);
    snprintf(tms, sizeof tms, "%s/tiles/basemap/%s", base, GE_TILES_TMS);
    snprintf(tiles, sizeof tiles, "%s/{z}/{y}/{x}", tms);
    json_t *doc =
        json_pack("{s:[o], s:[{s:s, s:s, s:s, s:s, s:s, s:[o,o]}]}", "links",
                  ge_tiles_link(self, "self", "application/json", NULL, false), "tilesets", "id",
                  "basemap", "title", "Base map", "dataType", "vector", "crs", GE_TILES_CRS_3857,
                  "tileMatrixSetURI", GE_TILES_TMS_URI, "links",
                  ge_tiles_link(tms, "self", "application/json", "TileJSON 3.0", false),
                  ge_tiles_link(tiles, "item", GE_TILES_TYPE, "Mapbox vector tiles", true));
    ge_resp_cache(resp, GE_TILES_CACHE_CONTROL);
    return ge_resp_json(resp, 200, doc);
}

/* ---- registration ---------------------------------------------------------- */

static void ge_tiles_stop(void *ud)
{
    ge_tiles_mod *mod = ud;
    ge_tiles_bm_unref(mod->bm);
    ge_tile_cache_free(mod->cache);
    pthread_mutex_destroy(&mod->mu);
    free(mod);
}

int ge_handlers_tiles_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    static const struct {
        const char *pattern;
        ge_handler_fn fn;
        unsigned flags;
    } routes[] = {
        {"/collections/{id}/tiles", ge_tiles_collection_list, GE_ROUTE_CORS},
        {"/collections/{id}/tiles/{tileMatrixSetId}", ge_tiles_collection_tilejson, GE_ROUTE_CORS},
        {"/collections/{id}/tiles/{tileMatrixSetId}/{z}/{y}/{x}", ge_tiles_collection_tile,
         GE_ROUTE_CORS},
        /* Case data: the literal segment wins over {id}; same-origin only. */
        {"/collections/cases/tiles/{tileMatrixSetId}", ge_tiles_cases_tilejson, 0},
        {"/collections/cases/tiles/{tileMatrixSetId}/{z}/{y}/{x}", ge_tiles_cases_tile, 0},
        {"/tiles", ge_tiles_list, GE_ROUTE_CORS},
        {"/tiles/{tilesetId}/{tileMatrixSetId}", ge_tiles_basemap_tilejson, GE_ROUTE_CORS},
        {"/tiles/{tilesetId}/{tileMatrixSetId}/{z}/{y}/{x}", ge_tiles_basemap_tile, GE_ROUTE_CORS},
    };
    ge_tiles_mod *mod = calloc(1, sizeof *mod);
    int rc;

    if (!mod) return ge_err_set(err, GE_ENOMEM, "tiles: out of memory");
    mod->ctx = ctx;
    pthread_mutex_init(&mod->mu, NULL);
    mod->cache = ge_tile_cache_new(ctx->cfg->tile_cache_bytes);
    if (!mod->cache) {
        pthread_mutex_destroy(&mod->mu);
        free(mod);
        return ge_err_set(err, GE_ENOMEM, "tiles: out of memory");
    }
    ge_config_basemap_path(ctx->cfg, mod->bm_path, sizeof mod->bm_path);
    rc = ge_ctx_on_stop(ctx, ge_tiles_stop, mod);
    if (rc < 0) {
        ge_tiles_stop(mod);
        return ge_err_set(err, rc, "tiles: cannot register the stop hook");
    }
    ctx->tiles = mod->cache;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && rc == GE_OK; i++)
        rc = ge_router_add_flags(r, "GET", routes[i].pattern, routes[i].fn, mod, routes[i].flags,
                                 err);
    return rc;
}
