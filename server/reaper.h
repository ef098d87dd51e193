/*
 * reaper.h - deadlines for the slow parts of a request that libmicrohttpd
 * 0.9.75 does not bound: the request line and headers must arrive within
 * header_timeout seconds, the body within body_timeout seconds after them.
 *
 * libmicrohttpd's own timeout (connection_timeout) is an idle timeout: every
 * byte resets it, so a client that sends one header line every few seconds
 * ("slowloris") would hold its connection for ever. The reaper is one thread
 * that wakes once a second and cuts the connections past their deadline with
 * shutdown(SHUT_RDWR); libmicrohttpd then sees the connection end and closes
 * it as if the client had gone.
 *
 * The server tells it what each connection is doing, from libmicrohttpd's
 * callbacks on the connection's worker thread:
 *
 *   connection started (notify STARTED)   ge_reaper_conn_open: headers due
 *   first access-handler call             ge_reaper_headers_done: body due
 *   whole request there (dispatch)        ge_reaper_body_done: no deadline
 *   request completed                     ge_reaper_request_done: idle
 *   connection closed (notify CLOSED)     ge_reaper_conn_close
 *
 * An idle keep-alive connection (nothing received since its last response)
 * is left to connection_timeout; once bytes of a next request arrive (seen in
 * the socket's TCP_INFO), its headers are due within header_timeout again.
 *
 * A NULL reaper (both timeouts 0) and a NULL connection make every call a
 * no-op.
 */
#ifndef GE_REAPER_H
#define GE_REAPER_H

#include "../geo/core/error.h"

struct ge_metrics;

typedef struct ge_reaper ge_reaper;
typedef struct ge_reaper_conn ge_reaper_conn;

/* header_s, body_s: the deadlines in seconds, 0 for none. *out stays NULL
 * when both are 0. Cut connections are counted in m and logged. */
int ge_reaper_start(ge_reaper **out, int header_s, int body_s, struct ge_metrics *m, ge_err *err);

/* Stops the thread and frees the reaper; call after the HTTP daemon stopped
 * (every connection closed). NULL is fine. */
void ge_reaper_stop(ge_reaper *r);

/* A new connection on socket fd from remote (text, for the log); NULL when r
 * is NULL or memory ran out (the connection then has no deadline). */
ge_reaper_conn *ge_reaper_conn_open(ge_reaper *r, int fd, const char *remote);

/* The connection is closing; its socket is still open (libmicrohttpd closes
 * it after the CLOSED notification), so the reaper never shuts down a
 * number the kernel already gave to another connection. */
void ge_reaper_conn_close(ge_reaper *r, ge_reaper_conn *c);

void ge_reaper_headers_done(ge_reaper_conn *c);
void ge_reaper_body_done(ge_reaper_conn *c);
void ge_reaper_request_done(ge_reaper_conn *c);

#endif
