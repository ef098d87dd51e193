/*
 * handlers_styles.c - the MapLibre style documents of styles/:
 *
 *   GET /styles        the list: [{id, title, links}] (OGC API - Styles shape)
 *   GET /styles/{id}   one style, with its root-relative source URLs made
 *                      absolute against the server's public base URL
 *
 * The files are read once at start-up (a broken style stops start-up with
 * the file and line, rather than a map that silently draws nothing). They
 * live in the styles/ folder beside the data folder (<data_dir>/../styles),
 * the layout of the source tree and of an installation alike.
 *
 * The rewritten document depends on the base URL, so the ETag is a hash of
 * the body actually sent: a client behind another public URL never gets a
 * 304 for a document naming the wrong host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/maps/mapstyle.h"
#include "handlers.h"
#include "styles_dir.h"

#define GE_STYLE_TYPE "application/vnd.mapbox.style+json"

static void ge_styles_stop(void *ud)
{
    ge_mapstyles *ss = ud;
    ge_mapstyles_free(ss);
    free(ss);
}

static int ge_styles_list(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_mapstyles *ss = ud;
    json_t *list = json_array();
    char base[512], href[700];
    int rc;

    ge_req_base_url(req, base, sizeof base);
    for (size_t i = 0; i < ss->n; i++) {
        const char *name = json_string_value(json_object_get(ss->items[i].doc, "name"));
        snprintf(href, sizeof href, "%s/styles/%s", base, ss->items[i].id);
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:[{s:s, s:s, s:s}]}", "id", ss->items[i].id,
                                        "title", name ? name : ss->items[i].id, "links", "href",
                                        href, "rel", "stylesheet", "type", GE_STYLE_TYPE));
    }
    snprintf(href, sizeof href, "%s/styles", base);
    rc = ge_resp_json(resp, 200,
                      json_pack("{s:o, s:[{s:s, s:s, s:s}]}", "styles", list, "links", "href", href,
                                "rel", "self", "type", "application/json"));
    if (rc == GE_OK) {
        ge_resp_etag_body(resp);
        ge_resp_cache(resp, "public, no-cache");
    }
    return rc;
}

static int ge_styles_get(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_mapstyles *ss = ud;
    const char *id = ge_req_param(req, "id");
    const ge_mapstyle *st = ge_mapstyle_id_valid(id) ? ge_mapstyles_find(ss, id) : NULL;
    char base[512];
    json_t *doc;
    int rc;

    if (!st) {
        json_t *known = json_array(), *p;
        char names[512] = "";
        for (size_t i = 0; i < ss->n; i++) {
            json_array_append_new(known, json_string(ss->items[i].id));
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     ss->items[i].id);
        }
        p = ge_resp_problem(resp, req, 404,
                            GE_TR(req, DE("Es gibt keinen Stil '%.64s'; die Stile sind: %s."),
                                  EN("There is no style '%.64s'; the styles are: %s.")),
                            id ? id : "", names);
        if (p) {
            json_object_set_new(p, "parameter", json_string("id"));
            json_object_set_new(p, "known", known);
        } else {
            json_decref(known);
        }
        return GE_ENOENT;
    }
    ge_req_base_url(req, base, sizeof base);
    doc = ge_mapstyle_with_base(st->doc, base);
    if (!doc) {
        ge_err err;
        ge_err_set(&err, GE_ENOMEM, "styles: out of memory");
        return ge_resp_error(resp, req, &err);
    }
    rc = ge_resp_json_as(resp, 200, doc, GE_STYLE_TYPE);
    if (rc == GE_OK) {
        ge_resp_etag_body(resp);
        ge_resp_cache(resp, "public, no-cache");
    }
    return rc;
}

int ge_handlers_styles_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    char dir[4200];
    ge_mapstyles *ss = calloc(1, sizeof *ss);
    int rc;

    if (!ss) return ge_err_set(err, GE_ENOMEM, "styles: out of memory");
    ge_styles_dir(ctx->cfg, dir, sizeof dir);
    rc = ge_mapstyles_load_dir(dir, ss, err);
    if (rc < 0) {
        free(ss);
        return rc;
    }
    rc = ge_ctx_on_stop(ctx, ge_styles_stop, ss);
    if (rc < 0) {
        ge_styles_stop(ss);
        return ge_err_set(err, rc, "styles: cannot register the stop hook");
    }
    rc = ge_router_add_flags(r, "GET", "/styles", ge_styles_list, ss, GE_ROUTE_CORS, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "GET", "/styles/{id}", ge_styles_get, ss, GE_ROUTE_CORS, err);
    return rc;
}
