/*
 * handlers_addresses.c - GET /v1/addresses?q=TEXT&limit=N: type-ahead
 * search over the imported addresses (geo/store/store_addresses.h), for the
 * editor's address field and for form servers that want to centre a map.
 *
 * Public like the reference layers it searches (the OGC collection
 * "addresses" is public too), so no credential and CORS like the features
 * routes. Each hit carries its position twice: lon/lat in CRS84 for web
 * maps and x/y in the store CRS, the CRS of everything the editor draws.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../geo/core/crs.h"
#include "../geo/core/geojson_out.h"
#include "../geo/core/json_util.h"
#include "../geo/store/store_addresses.h"
#include "handlers.h"

#define GE_ADDRESSES_LIMIT_DEFAULT 10

/* Addresses change only with an import; a minute of caching spares the
 * type-ahead's repeated prefixes without hiding a new import for long. */
#define GE_ADDRESSES_CACHE "public, max-age=60"

static json_t *ge_addresses_param_problem(ge_resp *resp, const ge_req *req, const char *param,
                                          const char *detail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", detail);
    if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(param));
    return p;
}

static double ge_addresses_round(double v, double scale)
{
    return round(v * scale) / scale;
}

static json_t *ge_addresses_hit(const ge_address *a, double lon, double lat)
{
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "label", json_string(a->label));
    json_object_set_new(o, "street", json_string(a->street));
    json_object_set_new(o, "housenumber", json_string(a->housenumber));
    json_object_set_new(o, "postcode", a->postcode[0] ? json_string(a->postcode) : json_null());
    json_object_set_new(o, "city", a->city[0] ? json_string(a->city) : json_null());
    json_object_set_new(o, "lon", json_real(ge_addresses_round(lon, 1e7)));
    json_object_set_new(o, "lat", json_real(ge_addresses_round(lat, 1e7)));
    json_object_set_new(o, "x", json_real(ge_addresses_round(a->x, 1e3)));
    json_object_set_new(o, "y", json_real(ge_addresses_round(a->y, 1e3)));
    return o;
}

/* GET /v1/addresses: {"addresses": [{label, street, housenumber, postcode,
 * city, lon, lat, x, y}]}, best first. */
static int ge_addresses_search_route(ge_req *req, ge_resp *resp, void *ud)
{
    const char *q = ge_req_query(req, "q");
    const char *limit_text = ge_req_query(req, "limit");
    ge_address hits[GE_ADDRESSES_LIMIT_MAX];
    double xy[2 * GE_ADDRESSES_LIMIT_MAX];
    json_t *list = NULL, *doc;
    char *text;
    ge_crs store_crs;
    long limit = GE_ADDRESSES_LIMIT_DEFAULT;
    size_t n = 0;
    ge_err err;
    int rc;

    (void)ud;
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const char *name = ge_req_query_at(req, i)->name;
        if (strcmp(name, "q") != 0 && strcmp(name, "limit") != 0) {
            char detail[200];
            snprintf(detail, sizeof detail,
                     GE_TR(req, DE("unbekannter Abfrageparameter '%.64s' (bekannt: q, limit)"),
                           EN("unknown query parameter '%.64s' (known: q, limit)")),
                     name);
            ge_addresses_param_problem(resp, req, name, detail);
            return GE_EINVAL;
        }
    }
    if (!q || !q[0]) {
        ge_addresses_param_problem(resp, req, "q",
                                   GE_TR(req, DE("q fehlt: der zu suchende Adresstext"),
                                         EN("q is required: the address text to search for")));
        return GE_EINVAL;
    }
    if (strlen(q) > GE_ADDRESSES_Q_MAX) {
        json_t *p =
            ge_resp_problem(resp, req, 400,
                            GE_TR(req, DE("q ist %zu Bytes lang; erlaubt sind höchstens %d"),
                                  EN("q is %zu bytes long; at most %d are allowed")),
                            strlen(q), GE_ADDRESSES_Q_MAX);
        if (p) {
            json_object_set_new(p, "parameter", json_string("q"));
            json_object_set_new(p, "limit", json_integer(GE_ADDRESSES_Q_MAX));
        }
        return GE_EINVAL;
    }
    rc = ge_req_parse_long(req, resp, "limit", limit_text, 1, GE_ADDRESSES_LIMIT_MAX, &limit);
    if (rc < 0 && rc != GE_ENOENT) return rc;

    rc = ge_store_addresses_search(req->ctx->store, q, (int)limit, hits, &n, &err);
    if (rc == GE_EINVAL) {
        /* the only EINVAL left: q is all punctuation or spaces */
        ge_addresses_param_problem(resp, req, "q",
                                   GE_TR(req,
                                         DE("q muss einen Buchstaben oder eine Ziffer enthalten"),
                                         EN("q must contain a letter or a digit")));
        return GE_EINVAL;
    }
    if (rc < 0) return ge_resp_error(resp, req, &err);

    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = hits[i].x;
        xy[2 * i + 1] = hits[i].y;
    }
    rc = ge_crs_from_epsg(ge_store_srid(req->ctx->store), &store_crs, &err);
    if (rc == GE_OK && n) rc = ge_crs_transform(&store_crs, &GE_CRS84, xy, n, &err);
    if (rc < 0) {
        ge_err_set(&err, GE_EINTERNAL, "addresses: cannot transform to CRS84");
        return ge_resp_error(resp, req, &err);
    }
    list = json_array();
    for (size_t i = 0; list && i < n; i++)
        if (json_array_append_new(list, ge_addresses_hit(&hits[i], xy[2 * i], xy[2 * i + 1])) < 0) {
            json_decref(list);
            list = NULL;
        }
    doc = list ? json_pack("{s:o}", "addresses", list) : NULL;
    if (!doc) {
        ge_err_set(&err, GE_ENOMEM, "out of memory listing addresses");
        return ge_resp_error(resp, req, &err);
    }
    /* 15 significant digits, so the rounded numbers print as rounded */
    text = json_dumps(doc, GE_JSON_DUMP_FLAGS | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory writing addresses");
        return ge_resp_error(resp, req, &err);
    }
    rc = ge_resp_take(resp, 200, "application/json", text, strlen(text));
    if (rc < 0) return rc;
    ge_resp_etag_body(resp);
    ge_resp_cache(resp, GE_ADDRESSES_CACHE);
    return GE_OK;
}

int ge_handlers_addresses_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    return ge_router_add_flags(r, "GET", "/v1/addresses", ge_addresses_search_route, ctx,
                               GE_ROUTE_CORS, err);
}
