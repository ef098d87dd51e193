/*
 * server_internal.h - shared by server.c (start-up, signals, shutdown) and
 * server_request.c (one request's way through); not for handlers.
 */
#ifndef GE_SERVER_INTERNAL_H
#define GE_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include "compute.h"
#include "conncap.h"
#include "forwarded.h"
#include "http.h"
#include "reaper.h"

typedef struct ge_server {
    ge_ctx ctx;
    struct MHD_Daemon *daemon;
    int listen_fd;        /* ours until the daemon starts, -1 after */
    char listen_name[96]; /* "127.0.0.1:8080", "[::1]:8080" */
    int port;             /* the port actually bound (cfg->port may be 0) */
    uint32_t id_prefix;   /* random per start: request ids differ across restarts */
    atomic_uint_fast32_t next_id;
    ge_compute *compute;    /* the pool of GE_ROUTE_COMPUTE routes */
    ge_reaper *reaper;      /* header and body deadlines; NULL when both are off */
    ge_forwarded forwarded; /* trusted_proxies: the client's address behind them */
    ge_conncap conncap;     /* max_connections_per_ip, trusted proxies exempt */
    bool conncap_on;        /* trusted_proxies set: conncap instead of libmicrohttpd's */
} ge_server;

/* libmicrohttpd callbacks (server_request.c); cls is the ge_server. */
enum MHD_Result ge_server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls);
void ge_server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe);
void ge_server_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe);
enum MHD_Result ge_server_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen);
size_t ge_server_unescape_none(void *cls, struct MHD_Connection *conn, char *s);
void ge_server_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
