/*
 * http_send.h - for server.c only: sends a finished ge_resp over the request's
 * libmicrohttpd connection (see http_send.c for what it adds). Handlers never
 * call this; they return and the server sends.
 */
#ifndef GE_HTTP_SEND_H
#define GE_HTTP_SEND_H

#include <stdbool.h>
#include <stdint.h>

#include "http.h"

typedef struct ge_http_send_opts {
    bool close; /* add "Connection: close" (draining, or the body was not read) */
    bool cors;  /* add Access-Control-Allow-Origin: * (preflight of a public route) */
} ge_http_send_opts;

/*
 * Queues resp on req->conn. Sets *status (what was sent, e.g. 304 instead of
 * 200) and *bytes (body size) for the access log. GE_EIO when libmicrohttpd
 * refused to queue (the connection is then closed).
 */
int ge_http_send(const ge_req *req, ge_resp *resp, const ge_http_send_opts *opts, int *status,
                 uint64_t *bytes);

#endif
