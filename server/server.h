/*
 * server.h - the HTTP server: libmicrohttpd with a thread pool on epoll,
 * limits, the route table, the access log, and graceful shutdown.
 *
 * ge_server_run() blocks until SIGTERM or SIGINT, then stops accepting,
 * lets in-flight requests finish for up to cfg->shutdown_grace seconds,
 * stops and returns GE_OK, so that the caller closes the store cleanly.
 * Only one server runs per process (the signal handler is process-wide).
 *
 * Routes come from handler modules listed in handlers.h; see there for how a
 * module plugs in.
 */
#ifndef GE_SERVER_H
#define GE_SERVER_H

#include "../geo/core/error.h"
#include "../geo/store/store.h"
#include "config.h"

/*
 * Returns GE_OK after a clean shutdown, or a negative GE_E* code with err set:
 * "cannot listen on 127.0.0.1:8080: Address already in use", a route that
 * does not register, ...
 */
int ge_server_run(const ge_config *cfg, ge_store *store, ge_err *err);

#endif
