/*
 * handlers_services.c - GET /v1/services and GET /v1/services/{id}: what
 * each application type allows (geometry types and counts, size limits,
 * period rules, every rule with its limits, bilingual messages and the
 * source of the limit), so that the editor can guide the applicant before
 * anything is checked.
 *
 * The services are loaded once at start-up and never change while the server
 * runs, so every response carries a strong ETag of its body: an editor that
 * asks again on every page load gets a 304 without a body.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "../geo/rules/service.h"
#include "handlers.h"

/* Five minutes before a browser revalidates with If-None-Match: a restart
 * with changed service files shows up soon, and the 304 costs little. */
#define GE_SERVICES_CACHE "public, max-age=300"

static int ge_services_send(ge_resp *resp, json_t *doc)
{
    int rc = ge_resp_json(resp, 200, doc);
    if (rc < 0) return rc;
    ge_resp_etag_body(resp);
    ge_resp_cache(resp, GE_SERVICES_CACHE);
    return GE_OK;
}

/* GET /v1/services: {"services": [{id, title, description, geometry}]} */
static int ge_services_list(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_services *ss = req->ctx->services;
    json_t *list, *doc;
    ge_err err;

    if (!ss) {
        ge_err_set(&err, GE_EINTERNAL, "services are not loaded");
        return ge_resp_error(resp, req, &err);
    }
    list = ge_services_describe(ss);
    doc = list ? json_pack("{s:o}", "services", list) : NULL;
    if (!doc) {
        ge_err_set(&err, GE_ENOMEM, "out of memory describing the services");
        return ge_resp_error(resp, req, &err);
    }
    return ge_services_send(resp, doc);
}

/* GET /v1/services/{id}: the whole description, or a 404 naming the id and
 * the services that do exist. */
static int ge_services_one(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_services *ss = req->ctx->services;
    const char *id = ge_req_param(req, "id");
    const ge_service *svc = ss && id ? ge_services_find(ss, id) : NULL;
    char known[512] = "";
    json_t *doc, *names, *p;
    ge_err err;

    if (svc) {
        doc = ge_service_describe(svc);
        if (!doc) {
            ge_err_set(&err, GE_ENOMEM, "out of memory describing the service");
            return ge_resp_error(resp, req, &err);
        }
        return ge_services_send(resp, doc);
    }
    names = json_array();
    for (size_t i = 0; ss && i < ge_services_count(ss); i++) {
        const char *name = ge_services_at(ss, i)->id;
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "", name);
        json_array_append_new(names, json_string(name));
    }
    p = ge_resp_problem(resp, req, 404,
                        GE_TR(req, DE("Es gibt keinen Dienst '%.80s'; bekannte Dienste: %s."),
                              EN("There is no service '%.80s'; known services: %s.")),
                        id ? id : "", known[0] ? known : "-");
    if (p) {
        json_object_set_new(p, "service", json_string(id ? id : ""));
        json_object_set(p, "known", names);
    }
    json_decref(names);
    return GE_ENOENT;
}

int ge_handlers_services_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc =
        ge_router_add_flags(r, "GET", "/v1/services", ge_services_list, ctx, GE_ROUTE_CORS, err);
    if (rc == GE_OK)
        rc = ge_router_add_flags(r, "GET", "/v1/services/{id}", ge_services_one, ctx, GE_ROUTE_CORS,
                                 err);
    return rc;
}
