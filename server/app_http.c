/*
 * app_http.c - use-case contexts of requests and results as problem
 * answers (app_http.h).
 */
#include "app_http.h"

ge_app ge_ctx_app(const ge_ctx *ctx)
{
    ge_app app = {
        .store = ctx->store,
        .refindex = ctx->refindex,
        .services = ctx->services,
        .clock = ctx->clock,
        .clock_ud = ctx->clock_ud,
        .conflict_distance = ctx->cfg ? ctx->cfg->conflict_distance : 2,
    };
    return app;
}

ge_app ge_req_app(const ge_req *req)
{
    return ge_ctx_app(req->ctx);
}

int ge_app_status(const ge_app_result *r)
{
    switch (r->kind) {
    case GE_APP_OK:
        return 200;
    case GE_APP_INVALID:
        return 400;
    case GE_APP_NOT_FOUND:
        return 404;
    case GE_APP_CONFLICT:
        return 409;
    case GE_APP_GONE:
        return 410;
    case GE_APP_STALE:
        return 412;
    case GE_APP_UNPROCESSABLE:
        return 422;
    case GE_APP_FAILED:
        break;
    }
    return ge_http_status_for_code(r->err.code);
}

int ge_resp_app(ge_resp *resp, const ge_req *req, const ge_app_result *r)
{
    json_t *p;
    const char *key;
    json_t *v;

    if (r->kind == GE_APP_FAILED || r->kind == GE_APP_OK) {
        ge_err e = r->err;
        if (r->kind == GE_APP_OK || e.code == GE_OK)
            ge_err_set(&e, GE_EINTERNAL, "a use case answered without a result");
        return ge_resp_error(resp, req, &e);
    }
    p = ge_resp_problem(resp, req, ge_app_status(r), "%s", GE_TR(req, DE(r->de), EN(r->en)));
    if (p && r->extra) json_object_foreach(r->extra, key, v) json_object_set(p, key, v);
    switch (r->kind) {
    case GE_APP_INVALID:
        return GE_EINVAL;
    case GE_APP_NOT_FOUND:
        return GE_ENOENT;
    case GE_APP_GONE:
        return GE_EGONE;
    case GE_APP_UNPROCESSABLE:
        return GE_ELIMIT;
    default:
        return GE_ECONFLICT;
    }
}
