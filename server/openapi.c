/*
 * openapi.c - GET /api: the OpenAPI 3.0 document of every route the server
 * has (data/openapi.json, under the configured data_dir).
 *
 * The document is a file rather than code so that each handler module's
 * author adds their paths beside their routes and a maintained linter
 * (@redocly/cli) checks it; tests/unit/test_openapi_routes.c fails when a
 * registered route is missing from it. It is read and checked once at
 * start-up and served from memory with an ETag: clients such as QGIS and GDAL
 * fetch it on every connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"

#define GE_OPENAPI_FILE "openapi.json"
#define GE_OPENAPI_TYPE "application/vnd.oai.openapi+json;version=3.0"

typedef struct ge_openapi {
    char *text; /* the document, compact; NULL when it could not be read */
    size_t len;
} ge_openapi;

static int ge_openapi_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_openapi *api = ud;
    const char *f = ge_req_query(req, "f");
    int rc;

    if (f && strcmp(f, "json") != 0) {
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req, DE("f muss json sein, nicht '%.64s'"), EN("f must be json, not '%.64s'")),
            f);
        if (p) json_object_set_new(p, "parameter", json_string("f"));
        return GE_EINVAL;
    }
    if (!api->text) {
        ge_resp_problem(
            resp, req, 404,
            GE_TR(req, DE("Das API-Dokument ist nicht installiert (%s im Datenverzeichnis)."),
                  EN("The API document is not installed (%s in the data directory).")),
            GE_OPENAPI_FILE);
        return GE_ENOENT;
    }
    rc = ge_resp_bytes(resp, 200, GE_OPENAPI_TYPE, api->text, api->len);
    if (rc == GE_OK) {
        ge_resp_etag_body(resp);
        ge_resp_cache(resp, "no-cache");
    }
    return rc;
}

static void ge_openapi_free(void *ud)
{
    ge_openapi *api = ud;
    if (!api) return;
    free(api->text);
    free(api);
}

/* Reads and checks the document; a missing or broken one is logged, and /api
 * then says so, rather than keeping the whole server from starting. */
static void ge_openapi_load(ge_openapi *api, const char *data_dir)
{
    char path[4200];
    json_error_t jerr;
    json_t *doc;

    snprintf(path, sizeof path, "%s/%s", data_dir, GE_OPENAPI_FILE);
    doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        ge_log(GE_LOG_WARN, "API document not loaded", "{s:s, s:s, s:i}", "path", path, "error",
               jerr.text, "line", jerr.line);
        return;
    }
    if (!json_is_string(json_object_get(doc, "openapi")) ||
        !json_is_object(json_object_get(doc, "paths"))) {
        ge_log(GE_LOG_WARN, "API document not loaded", "{s:s, s:s}", "path", path, "error",
               "no 'openapi' version or no 'paths' object");
        json_decref(doc);
        return;
    }
    api->text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    api->len = api->text ? strlen(api->text) : 0;
    json_decref(doc);
}

int ge_handlers_openapi_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    ge_openapi *api = calloc(1, sizeof *api);
    int rc;

    if (!api) return ge_err_set(err, GE_ENOMEM, "out of memory");
    rc = ge_ctx_on_stop(ctx, ge_openapi_free, api);
    if (rc < 0) {
        ge_openapi_free(api);
        return ge_err_set(err, rc, "cannot register the API document's cleanup");
    }
    ge_openapi_load(api, ctx->cfg ? ctx->cfg->data_dir : ".");
    return ge_router_add_flags(r, "GET", "/api", ge_openapi_get, api, GE_ROUTE_CORS, err);
}
