/*
 * handlers_ops.c - operations endpoints: /healthz (liveness), /readyz
 * (readiness: the store answers and we are not shutting down) and /metrics
 * (Prometheus text format).
 *
 * Liveness says only that the process serves HTTP: a failing store must not
 * make an orchestrator restart a process that would come back just as
 * broken; readiness is what takes it out of the load balancer.
 *
 * /metrics tells how the server is used (routes, rates, backlogs): only
 * client addresses in metrics_allow (loopback by default) and anyone with
 * metrics_token as a bearer token may read it; everyone else gets 403.
 */
#include <jansson.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sodium.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../geo/rules/refindex.h"
#include "../geo/store/store_webhooks.h"
#include "cidr.h"
#include "handlers.h"
#include "log.h"
#include "mem_trim.h"
#include "metrics.h"
#include "tile_cache.h"

/* A shorter token would be guessable over the network. */
#define GE_OPS_TOKEN_MIN 16

/* Who may read /metrics, from metrics_allow and metrics_token. */
typedef struct ge_ops_metrics_acl {
    ge_cidr_list allow;
    bool has_token;
    unsigned char token_hash[crypto_generichash_BYTES];
} ge_ops_metrics_acl;

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
                        GE_TR(req, DE("Der Server wird heruntergefahren."),
                              EN("The server is shutting down.")));
        return GE_OK;
    }
    if (!req->ctx->store || ge_store_ping(req->ctx->store, &err) < 0) {
        /* The store's message may name files: it goes to the log only. */
        ge_log(GE_LOG_WARN, "not ready: the store does not answer", "{s:s, s:s}", "request_id",
               req->request_id, "error", req->ctx->store ? err.msg : "no store");
        ge_resp_problem(resp, req, 503,
                        GE_TR(req, DE("Der Datenspeicher antwortet nicht (Referenz %s)."),
                              EN("The store does not answer (reference %s).")),
                        req->request_id);
        return GE_OK;
    }
    return ge_resp_json(resp, 200, json_pack("{s:s}", "status", "ready"));
}

/* The bearer token is compared as hashes of equal length in constant time,
 * so that neither its length nor a matching prefix shows in the timing. */
static bool ge_ops_metrics_token_ok(const ge_ops_metrics_acl *acl, const ge_req *req)
{
    const char *h = ge_req_header(req, "Authorization");
    unsigned char got[crypto_generichash_BYTES];

    if (!acl->has_token || !h || strncasecmp(h, "Bearer ", 7) != 0) return false;
    h += 7;
    while (*h == ' ')
        h++;
    crypto_generichash(got, sizeof got, (const unsigned char *)h, strlen(h), NULL, 0);
    return sodium_memcmp(got, acl->token_hash, sizeof got) == 0;
}

/* glibc's arenas: malloc_info() writes one <heap nr="..."> per arena. */
static int ge_ops_malloc_arenas(void)
{
    int n = -1;
#ifdef __GLIBC__
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    if (!f) return -1;
    if (malloc_info(0, f) == 0) {
        fflush(f);
        n = 0;
        for (const char *p = xml; (p = strstr(p, "<heap nr=")); p++)
            n++;
    }
    fclose(f);
    free(xml);
#endif
    return n;
}

/* Where the memory is now: the tile cache, the store, the allocator. */
static void ge_ops_memory(const ge_ctx *ctx, ge_metrics_memory *mem)
{
    memset(mem, 0, sizeof *mem);
    mem->rss_bytes = ge_mem_rss_bytes();
    if (ctx->tiles) {
        ge_tile_cache_stats ts;
        ge_tile_cache_stats_get(ctx->tiles, &ts);
        mem->have_tiles = true;
        mem->tile_hits = ts.hits;
        mem->tile_misses = ts.misses;
        mem->tile_evictions = ts.evictions;
        mem->tile_entries = ts.entries;
        mem->tile_bytes = ts.bytes;
        mem->tile_limit_bytes = ts.max_bytes;
    }
    if (ctx->store) {
        ge_store_mem_stats(ctx->store, &mem->store);
        mem->have_store = true;
    }
    if (ctx->refindex) {
        ge_refindex_prepared_stats ps;
        ge_refindex_prepared_stats_get(&ps);
        mem->have_prepared = true;
        mem->prepared = ps.geometries;
        mem->prepared_bytes = ps.bytes;
        mem->prepared_evicted = ps.evicted;
        mem->prepared_limit_bytes = ctx->cfg->prepared_cache_bytes;
    }
#ifdef __GLIBC__
    {
        struct mallinfo2 mi = mallinfo2();
        mem->have_malloc = true;
        mem->malloc_arena = mi.arena;
        mem->malloc_in_use = mi.uordblks;
        mem->malloc_free = mi.fordblks;
        mem->malloc_mmap = mi.hblkhd;
        mem->malloc_releasable = mi.keepcost;
        mem->malloc_arenas = ge_ops_malloc_arenas();
        ge_mem_trim_counts(&mem->trims, &mem->trimmed_bytes);
    }
#endif
}

static int ge_ops_metrics(ge_req *req, ge_resp *resp, void *ud)
{
    const ge_ops_metrics_acl *acl = ud;
    ge_metrics_memory mem;
    size_t len;
    char *text;
    int64_t pending = -1;
    ge_err err;

    if (!ge_cidr_list_match(&acl->allow, req->remote) && !ge_ops_metrics_token_ok(acl, req)) {
        json_t *p = ge_resp_problem(
            resp, req, 403,
            GE_TR(req,
                  DE("/metrics darf von den Adressen in der Einstellung metrics_allow des Servers "
                     "gelesen werden oder mit seiner Einstellung metrics_token als "
                     "'Authorization: Bearer <Token>'; diese Anfrage kam von %s und hatte kein "
                     "gültiges Token."),
                  EN("/metrics may be read from the addresses in the server's setting "
                     "metrics_allow, or with its setting metrics_token sent as 'Authorization: "
                     "Bearer <token>'; this request came from %s and had no valid token.")),
            req->remote);
        if (p) json_object_set_new(p, "remote", json_string(req->remote));
        /* The list itself is not told: it may name internal networks. */
        return GE_OK;
    }

    /* The outbox's backlog now: one count over its partial index of
     * waiting rows. A store that fails leaves the gauge out, not the page. */
    if (req->ctx->store && ge_store_webhooks_pending(req->ctx->store, &pending, &err) < 0) {
        ge_log(GE_LOG_WARN, "metrics: pending webhook deliveries not counted", "{s:s}", "error",
               err.msg);
        pending = -1;
    }
    ge_metrics_set_webhooks_pending(req->ctx->metrics, pending);
    ge_ops_memory(req->ctx, &mem);
    text = ge_metrics_render(req->ctx->metrics, &mem, &len);

    if (!text) {
        ge_err_set(&err, GE_ENOMEM, "out of memory rendering metrics");
        return ge_resp_error(resp, req, &err);
    }
    return ge_resp_take(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static void ge_ops_metrics_acl_free(void *ud)
{
    ge_ops_metrics_acl *acl = ud;
    if (!acl) return;
    ge_cidr_list_free(&acl->allow);
    sodium_memzero(acl->token_hash, sizeof acl->token_hash);
    free(acl);
}

/* Reads metrics_allow and metrics_token; a bad one stops the start-up. */
static int ge_ops_metrics_acl_new(const ge_config *cfg, ge_ops_metrics_acl **out, ge_err *err)
{
    ge_ops_metrics_acl *acl = calloc(1, sizeof *acl);
    size_t tlen = strlen(cfg->metrics_token);
    int rc;

    *out = NULL;
    if (!acl) return ge_err_set(err, GE_ENOMEM, "out of memory");
    rc = ge_cidr_list_parse(&acl->allow, cfg->metrics_allow, err);
    if (rc < 0) {
        ge_err_prefix(err, "setting 'metrics_allow'");
        goto err;
    }
    if (tlen > 0 && tlen < GE_OPS_TOKEN_MIN) {
        rc = ge_err_set(err, GE_EINVAL,
                        "setting 'metrics_token': %zu characters; at least %d are needed", tlen,
                        GE_OPS_TOKEN_MIN);
        goto err;
    }
    acl->has_token = tlen > 0;
    if (acl->has_token)
        crypto_generichash(acl->token_hash, sizeof acl->token_hash,
                           (const unsigned char *)cfg->metrics_token, tlen, NULL, 0);
    *out = acl;
    return GE_OK;
err:
    ge_ops_metrics_acl_free(acl);
    return rc;
}

int ge_handlers_ops_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    ge_ops_metrics_acl *acl = NULL;
    int rc = ge_ops_metrics_acl_new(ctx->cfg, &acl, err);

    if (rc < 0) return rc;
    rc = ge_ctx_on_stop(ctx, ge_ops_metrics_acl_free, acl);
    if (rc < 0) {
        ge_ops_metrics_acl_free(acl);
        return ge_err_set(err, rc, "out of memory");
    }
    rc = ge_router_add(r, "GET", "/healthz", ge_ops_healthz, ctx, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/readyz", ge_ops_readyz, ctx, err);
    if (rc == GE_OK) rc = ge_router_add(r, "GET", "/metrics", ge_ops_metrics, acl, err);
    return rc;
}
