/*
 * handlers.h - the handler modules and how they plug into the server.
 *
 * Each handlers_<subject>.c exports one registration function that adds its
 * routes to the table:
 *
 *   int ge_handlers_features_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
 *   {
 *       int rc = ge_router_add_flags(r, "GET", "/collections", list, ctx, GE_ROUTE_CORS, err);
 *       if (rc == GE_OK)
 *           rc = ge_router_add_flags(r, "GET", "/collections/{id}/items", items, ctx,
 *                                    GE_ROUTE_CORS, err);
 *       return rc;
 *   }
 *
 * To add a module: declare its function below and add one line to
 * ge_handler_modules[] in server.c. The server calls every function once at
 * start-up, before it accepts connections; a failure stops start-up with the
 * module's err message. A module may keep state of its own (caches, prepared
 * data): allocate it in the registration function, pass it as the routes' ud,
 * and free it from a ge_ctx_on_stop() callback, which runs after the last
 * request. Handlers reach the store and config through req->ctx.
 */
#ifndef GE_HANDLERS_H
#define GE_HANDLERS_H

#include "http.h"
#include "router.h"

typedef int (*ge_routes_fn)(ge_router *r, ge_ctx *ctx, ge_err *err);

/* /healthz, /readyz, /metrics (handlers_ops.c) */
int ge_handlers_ops_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* GET /v1/services, GET /v1/services/{id} (handlers_services.c) */
int ge_handlers_services_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* POST /v1/validate (handlers_validate.c) */
int ge_handlers_validate_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* OGC API - Features: /, /conformance, /collections... (handlers_features.c) */
int ge_handlers_features_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* /api: the OpenAPI document (openapi.c) */
int ge_handlers_openapi_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Vector tiles and TileJSON: /collections/{id}/tiles..., /tiles... (handlers_tiles.c) */
int ge_handlers_tiles_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Form servers (Bearer API key): /v1/drafts... (handlers_drafts.c), /v1/cases/{id}...
 * (handlers_cases.c); applicants (capability token): /v1/edit/{token}/... (handlers_edit.c) */
int ge_handlers_drafts_routes(ge_router *r, ge_ctx *ctx, ge_err *err);
int ge_handlers_cases_routes(ge_router *r, ge_ctx *ctx, ge_err *err);
int ge_handlers_edit_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* MapLibre styles: /styles, /styles/{id} (handlers_styles.c) */
int ge_handlers_styles_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* The styles' label fonts: /fonts/{fontstack}/{range}.pbf and the
 * @font-face sheets (handlers_glyphs.c) */
int ge_handlers_glyphs_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Static map PNGs: /v1/cases/{id}/map.png, /v1/drafts/{id}/map.png,
 * /v1/edit/{token}/map.png (handlers_staticmap.c) */
int ge_handlers_staticmap_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* The applicant's editor page: GET /edit/{token} (handlers_editor.c) */
int ge_handlers_editor_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* The placement assistant: POST /v1/placements, POST /v1/edit/{token}/placements
 * (handlers_placements.c) */
int ge_handlers_placements_routes(ge_router *r, ge_ctx *ctx, ge_err *err);
/* Address search: GET /v1/addresses (handlers_addresses.c) */
int ge_handlers_addresses_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Caseworkers' sessions: POST /v1/login, POST /v1/logout, GET /v1/session (handlers_auth.c) */
int ge_handlers_auth_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* No routes: the retention timer (retention_timer.h), started and stopped like a module */
int ge_retention_timer_routes(ge_router *r, ge_ctx *ctx, ge_err *err);
/* No routes: the memory trimmer (mem_trim.h) */
int ge_mem_trim_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Caseworkers' read routes: GET /v1/cases, /v1/cases/{id}/history,
 * /v1/cases/{id}/conflicts (handlers_review.c) */
int ge_handlers_review_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Caseworkers' export of cases as GIS/CAD files: GET /v1/export (handlers_export.c) */
int ge_handlers_export_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Caseworkers decide: PATCH /v1/cases/{id} (handlers_decisions.c) */
int ge_handlers_decisions_routes(ge_router *r, ge_ctx *ctx, ge_err *err);

/* Registers every module of ge_handler_modules[] (server.c) in r: what the
 * server does at start-up, and what tests use to list the routes. */
int ge_handlers_register_all(ge_router *r, ge_ctx *ctx, ge_err *err);

#endif
