/*
 * handlers_ops.c - operations endpoints: /healthz (liveness), /readyz
 * (readiness: the store answers and we are not shutting down) and /metrics
 * (Prometheus text format).
 *
 * Liveness says only that the process serves HTTP: a failing store must not
 * make an orchestrator restart a process that would come back just as
 * broken; readiness is what takes it out of the load balancer.
 */
#include <jansson.h>
#include <stdatomic.h>

#include "../geo/store_webhooks.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"

static int ge_ops_healthz(ge_req *req, ge_resp *resp, void *ud)
{
    return ge_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static int ge_ops_readyz(ge_req *req, ge_resp *resp, void *ud)
{
    ge_err err;

    ge_err_clear(&err);
    if (atomic_load(&((ge_ctx *)req->ctx)->draining)) {
        ge_resp_problem(resp, req, 503,
                        GE_TR(req, "The server is shutting down.",
                              "Der Server wird heruntergefahren."));
        return GE_OK;
    }
    if (!req->ctx->store || ge_store_ping(req->ctx->store, &err) < 0) {
        /* The store's message may name files: it goes to the log only. */
        ge_log(GE_LOG_WARN, "not ready: the store does not answer", "{s:s, s:s}", "request_id",
               req->request_id, "error", req->ctx->store ? err.msg : "no store");
        ge_resp_problem(resp, req, 503,
                        GE_TR(req, "The store does not answer (reference %s).",
                              "Der Datenspeicher antwortet nicht (Referenz %s)."),
                        req->request_id);
        return GE_OK;
    }
    return ge_resp_json(resp, 200, json_pack("{s:s}", "status", "ready"));
}

static int ge_ops_metrics(ge_req *req, ge_resp *resp, void *ud)
{
    size_t len;
    char *text;
    int64_t pending = -1;
    ge_err err;

    /* The outbox's backlog now: one count over its partial index of
     * waiting rows. A store that fails leaves the gauge out, not the page. */
    if (req->ctx->store && ge_store_webhooks_pending(req->ctx->store, &pending, &err) < 0) {
        ge_log(GE_LOG_WARN, "metrics: pending webhook deliveries not counted", "{s:s}", "error",
               err.msg);
        pending = -1;
    }
    ge_metrics_set_webhooks_pending(req->ctx->metrics, pending);
    text = ge_metrics_render(req->ctx->metrics, &len);

    if (!text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory rendering metrics");
        return ge_resp_error(resp, req, &err);
    }
    return ge_resp_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

int ge_handlers_ops_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    int rc = ge_router_add(r, "GET", "/healthz", ge_ops_healthz, ctx, err);
    if (rc == GE_OK)
        rc = ge_router_add(r, "GET", "/readyz", ge_ops_readyz, ctx, err);
    if (rc == GE_OK)
        rc = ge_router_add(r, "GET", "/metrics", ge_ops_metrics, ctx, err);
    return rc;
}
