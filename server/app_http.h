/*
 * app_http.h - the application layer (geo/app/app.h) seen from HTTP: the
 * use cases' context of a request, and the one place where a use case's
 * result kind becomes a status and its message a problem+json answer.
 */
#ifndef GE_APP_HTTP_H
#define GE_APP_HTTP_H

#include "../geo/app/app.h"
#include "http.h"

/* The use cases' context for a request: the server's store, reference
 * index, services, clock and settings. */
ge_app ge_req_app(const ge_req *req);

/* The same for the server's own work outside requests (timers). */
ge_app ge_ctx_app(const ge_ctx *ctx);

/* The status of a result kind (OK 200; FAILED as ge_http_status_for_code
 * says for its error). */
int ge_app_status(const ge_app_result *r);

/*
 * Answers a failed result: a problem whose detail is the message in the
 * request's language with the result's extra members; FAILED as
 * ge_resp_error (server errors never show their message). Returns the
 * result's GE_E* code (never GE_OK).
 */
int ge_resp_app(ge_resp *resp, const ge_req *req, const ge_app_result *r);

#endif
