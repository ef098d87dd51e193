/*
 * server.c - the HTTP server on libmicrohttpd (see server.h): start-up,
 * signals and shutdown. What happens to one request is in server_request.c.
 *
 * Threads: a pool of cfg->threads workers (default one per core), each with
 * its own epoll set. A handler runs on the worker of its connection, so a slow
 * handler delays the other connections of that worker: handlers must not
 * block for long. Routes that run the rule engine (GE_ROUTE_COMPUTE) run on
 * a pool of their own, cfg->compute_threads, under a cost budget
 * (compute.h); exports hold a slot of their own (slots.h). One more thread,
 * the reaper (reaper.h), cuts connections whose request headers or body
 * arrive too slowly.
 *
 * Shutdown: SIGTERM/SIGINT write to a self-pipe that the main thread polls.
 * MHD_quiesce_daemon() closes the listening socket (new connections are
 * refused), responses get "Connection: close", in-flight requests finish for
 * up to cfg->shutdown_grace seconds; then every budget is stopped, so that
 * the compute pool's work ends within milliseconds and its connections are
 * resumed (libmicrohttpd must not stop with suspended ones), and
 * MHD_stop_daemon() closes the rest.
 */
#include "server.h"
#include "refdata.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../geo/core/budget.h"
#include "../geo/rules/refindex.h"
#include "compute.h"
#include "handlers.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "router.h"
#include "server_internal.h"
#include "static.h"
#include "test_clock.h"
#include "webhooks.h"

#ifndef GE_VERSION
#define GE_VERSION "unknown"
#endif

/* Every handler module's registration function (see handlers.h). */
static const struct {
    const char *name;
    ge_routes_fn fn;
} ge_handler_modules[] = {
    {"memory", ge_mem_trim_routes}, /* first: malloc_arenas before any thread allocates */
    {"ops", ge_handlers_ops_routes},
    {"services", ge_handlers_services_routes},
    {"validate", ge_handlers_validate_routes},
    {"placements", ge_handlers_placements_routes},
    {"features", ge_handlers_features_routes},
    {"openapi", ge_handlers_openapi_routes},
    {"tiles", ge_handlers_tiles_routes},
    {"drafts", ge_handlers_drafts_routes},
    {"cases", ge_handlers_cases_routes},
    {"edit", ge_handlers_edit_routes},
    {"styles", ge_handlers_styles_routes},
    {"glyphs", ge_handlers_glyphs_routes},
    {"staticmap", ge_handlers_staticmap_routes},
    {"editor", ge_handlers_editor_routes},
    {"auth", ge_handlers_auth_routes},
    {"decisions", ge_handlers_decisions_routes},
    {"addresses", ge_handlers_addresses_routes},
    {"review", ge_handlers_review_routes},
    {"retention", ge_retention_timer_routes},
    {"export", ge_handlers_export_routes},
};

int ge_handlers_register_all(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    for (size_t i = 0; i < sizeof ge_handler_modules / sizeof ge_handler_modules[0]; i++) {
        int rc = ge_handler_modules[i].fn(r, ctx, err);
        if (rc < 0) {
            ge_err_prefix(err, "handler module '%s'", ge_handler_modules[i].name);
            return rc;
        }
    }
    return GE_OK;
}

static double ge_server_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- start-up ----------------------------------------------------------- */

static int ge_server_add_routes(ge_server *srv, ge_err *err)
{
    for (size_t i = 0; i < sizeof ge_handler_modules / sizeof ge_handler_modules[0]; i++) {
        int rc = ge_handler_modules[i].fn(srv->ctx.router, &srv->ctx, err);
        if (rc < 0) {
            ge_err_prefix(err, "handler module '%s'", ge_handler_modules[i].name);
            return rc;
        }
    }
    return GE_OK;
}

static bool ge_server_addr_is_loopback(const struct sockaddr *sa)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
               127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) ||
               (memcmp(a->s6_addr, mapped, sizeof mapped) == 0 && a->s6_addr[12] == 127);
    }
    return false;
}

/*
 * Links in responses come from public_url (http.h, ge_req_base_url). Without
 * it they could only come from the Host header, which is client input; so a
 * server that others can reach needs public_url, and one on loopback names
 * itself: http://<bind>:<port>.
 */
static int ge_server_check_links(ge_server *srv, const ge_config *cfg, const struct sockaddr *bound,
                                 ge_err *err)
{
    const char *pub = cfg->public_url;

    if (pub[0] && strncmp(pub, "http://", 7) != 0 && strncmp(pub, "https://", 8) != 0)
        return ge_err_set(err, GE_EINVAL,
                          "setting 'public_url': '%.64s' must start with http:// or https://", pub);
    if (!pub[0] && !ge_server_addr_is_loopback(bound))
        return ge_err_set(err, GE_EINVAL,
                          "public_url is not set, and %s is not a loopback address: set "
                          "public_url to the URL clients reach the server at (e.g. "
                          "--public-url https://geo.example.de), so that editor links and "
                          "other links in responses never come from the Host header a client "
                          "sends",
                          srv->listen_name);
    return GE_OK;
}

static int ge_server_listen(ge_server *srv, const ge_config *cfg, ge_err *err)
{
    struct addrinfo hints, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char port[16];
    int fd = -1, one = 1, rc;

    /* IPv6 literals get brackets, so that the port stays readable. */
    snprintf(srv->listen_name, sizeof srv->listen_name,
             strchr(cfg->bind, ':') ? "[%s]:%d" : "%s:%d", cfg->bind[0] ? cfg->bind : "*",
             cfg->port);
    snprintf(port, sizeof port, "%d", cfg->port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    rc = getaddrinfo(cfg->bind[0] ? cfg->bind : NULL, port, &hints, &res);
    if (rc != 0)
        return ge_err_set(err, GE_EIO, "cannot listen on %s: %s", srv->listen_name,
                          gai_strerror(rc));
    rc = ge_server_check_links(srv, cfg, res->ai_addr, err);
    if (rc < 0) {
        freeaddrinfo(res);
        return rc;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) goto err;
    /* Lets a restarted server bind while old connections sit in TIME_WAIT;
     * it does not allow two listeners on one port. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto err;
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) goto err;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) goto err;
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    snprintf(srv->ctx.self_url, sizeof srv->ctx.self_url,
             strchr(cfg->bind, ':') ? "http://[%s]:%d" : "http://%s:%d", cfg->bind, srv->port);
    srv->listen_fd = fd;
    freeaddrinfo(res);
    return GE_OK;
err:
    rc = ge_err_set(err, GE_EIO, "cannot listen on %s: %s", srv->listen_name, strerror(errno));
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    return rc;
}

static unsigned ge_server_ncpu(int configured)
{
    long n = configured > 0 ? configured : sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static unsigned ge_server_threads(const ge_config *cfg)
{
    return ge_server_ncpu(cfg->threads);
}

static unsigned ge_server_compute_pending(const void *ud)
{
    return ge_compute_pending(ud);
}

static int ge_server_start_daemon(ge_server *srv, ge_err *err)
{
    const ge_config *cfg = srv->ctx.cfg;
    /*
     * The connection's memory pool holds the request line and headers, their
     * parsed table, body chunks and the response headers. Twice the header
     * limit (the second half capped at 1 MiB) plus 16 KiB lets a header just
     * over the limit arrive whole, so that our own check answers it with a
     * problem document; only far larger headers hit libmicrohttpd's built-in
     * 431. The pool is reserved per connection, hence the cap.
     */
    size_t extra = cfg->max_header_bytes < (1u << 20) ? cfg->max_header_bytes : (1u << 20);
    size_t pool = cfg->max_header_bytes + extra + 16384;
    struct MHD_OptionItem opts[16];
    int n = 0;

    /* The logger first, so that even messages about later options reach it. */
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)ge_server_mhd_log, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, ge_server_threads(cfg), NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)pool, NULL};
    if (cfg->max_connections > 0)
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL};
    if (cfg->connection_timeout > 0)
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, NULL};
    /* Counted by the full address, IPv6 included; a connection over the cap
     * is closed right after accept, before a byte is read. With trusted
     * proxies, conncap.h counts instead (the proxies exempt). */
    if (cfg->max_connections_per_ip > 0 && !srv->conncap_on)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                            cfg->max_connections_per_ip, NULL};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)ge_server_completed, srv};
    opts[n++] =
        (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)ge_server_connection, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK,
                                        (intptr_t)ge_server_unescape_none, srv};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* MHD_USE_ITC: MHD_quiesce_daemon() needs it with internal threads. */
    /* MHD_ALLOW_SUSPEND_RESUME: the compute pool's requests (compute.h). */
    srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                                       MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
                                   0, srv->conncap_on ? ge_server_accept_policy : NULL, srv,
                                   ge_server_access, srv, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!srv->daemon)
        return ge_err_set(err, GE_EIO, "cannot start the HTTP server on %s: %s", srv->listen_name,
                          errno ? strerror(errno) : "libmicrohttpd refused");
    /* The daemon owns the listening socket now and closes it when it stops;
     * MHD_quiesce_daemon() hands it back. */
    srv->listen_fd = -1;
    return GE_OK;
}

/* ---- signals and shutdown ----------------------------------------------- */

static int ge_server_sig_pipe[2] = {-1, -1};

static void ge_server_on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    ssize_t w = write(ge_server_sig_pipe[1], &b, 1);
    (void)w;
    errno = saved;
}

typedef struct ge_server_sigs {
    struct sigaction term, intr, pipe;
} ge_server_sigs;

static int ge_server_signals_install(ge_server_sigs *old, ge_err *err)
{
    struct sigaction sa;

    if (pipe(ge_server_sig_pipe) != 0)
        return ge_err_set(err, GE_EIO, "cannot create the signal pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(ge_server_sig_pipe[i], F_SETFD, FD_CLOEXEC);
        /* Non-blocking: a burst of signals must never block the handler. */
        fcntl(ge_server_sig_pipe[i], F_SETFL, O_NONBLOCK);
    }
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = ge_server_on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, &old->term);
    sigaction(SIGINT, &sa, &old->intr);
    /* A client that hangs up mid-response must cost an EPIPE, not the process. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old->pipe);
    return GE_OK;
}

static void ge_server_signals_restore(const ge_server_sigs *old)
{
    sigaction(SIGTERM, &old->term, NULL);
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGPIPE, &old->pipe, NULL);
    for (int i = 0; i < 2; i++) {
        if (ge_server_sig_pipe[i] >= 0) close(ge_server_sig_pipe[i]);
        ge_server_sig_pipe[i] = -1;
    }
}

/* Blocks until a signal arrives (or, with timeout_ms >= 0, until it passes).
 * Returns the signal number, or 0. */
static int ge_server_wait_signal(int timeout_ms)
{
    struct pollfd p = {.fd = ge_server_sig_pipe[0], .events = POLLIN};
    unsigned char b;

    for (;;) {
        int rc = poll(&p, 1, timeout_ms);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return 0;
        if (read(ge_server_sig_pipe[0], &b, 1) == 1) return b;
        if (errno != EAGAIN && errno != EINTR) return 0;
    }
}

/* Waits for in-flight requests; false when the grace time ran out or a
 * second signal asked to stop at once. */
static bool ge_server_drain(ge_server *srv, double grace)
{
    double deadline = ge_server_mono() + grace;

    while (ge_metrics_in_flight(srv->ctx.metrics) > 0) {
        double left = deadline - ge_server_mono();
        if (left <= 0) return false;
        if (ge_server_wait_signal(left < 0.05 ? (int)(left * 1000) + 1 : 50) != 0) {
            ge_log(GE_LOG_WARN, "second signal: stopping without waiting", NULL);
            return false;
        }
    }
    return true;
}

static void ge_server_shutdown(ge_server *srv, int signo)
{
    MHD_socket lfd;
    bool drained;

    ge_log(GE_LOG_INFO, "shutting down", "{s:s, s:i, s:i}", "signal",
           signo == SIGINT ? "SIGINT" : "SIGTERM", "in_flight",
           (int)ge_metrics_in_flight(srv->ctx.metrics), "grace_s", srv->ctx.cfg->shutdown_grace);
    atomic_store(&srv->ctx.draining, true);
    /* Stop accepting: the listening socket is ours again, and closed. */
    lfd = MHD_quiesce_daemon(srv->daemon);
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    drained = ge_server_drain(srv, srv->ctx.cfg->shutdown_grace);
    /* What still computes stops at its next budget check, answers and is
     * resumed; then the pool is gone and no connection stays suspended. A
     * moment more lets the workers send those answers (a 503 naming the
     * shutdown) before the daemon closes every connection. */
    ge_budget_stop_all();
    /* Stopped, not freed: a worker may still reach the pool (a request on a
     * kept-alive connection is refused with 503, /metrics reads it) until the
     * daemon has stopped; ge_server_free frees it after that. */
    ge_compute_stop(srv->compute);
    if (!drained) ge_server_drain(srv, 1.0);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    ge_budget_resume_all();
    ge_log(GE_LOG_INFO, "stopped", "{s:b, s:i}", "drained", drained, "unfinished",
           (int)ge_metrics_in_flight(srv->ctx.metrics));
}

static void ge_server_free(ge_server *srv)
{
    /* Stopped before the daemon (no connection may stay suspended, see
     * ge_server_shutdown), freed after it, when no worker can reach it. */
    ge_compute_stop(srv->compute);
    if (srv->daemon) MHD_stop_daemon(srv->daemon);
    ge_compute_free(srv->compute);
    srv->compute = NULL;
    /* After the daemon: every connection has been closed and unlisted. */
    ge_reaper_stop(srv->reaper);
    srv->reaper = NULL;
    if (srv->conncap_on) ge_conncap_free(&srv->conncap);
    srv->conncap_on = false;
    ge_forwarded_free(&srv->forwarded);
    if (srv->listen_fd >= 0) close(srv->listen_fd);
    for (size_t i = srv->ctx.n_cleanups; i-- > 0;)
        srv->ctx.cleanups[i].fn(srv->ctx.cleanups[i].ud);
    free(srv->ctx.cleanups);
    ge_static_close(srv->ctx.web);
    ge_metrics_free(srv->ctx.metrics);
    ge_router_free(srv->ctx.router);
}

static int ge_server_setup(ge_server *srv, const ge_config *cfg, ge_store *store, ge_err *err)
{
    const char **names = NULL;
    size_t n;
    int rc;
    struct timespec now;

    srv->listen_fd = -1;
    srv->ctx.cfg = cfg;
    srv->ctx.store = store;
    atomic_init(&srv->ctx.draining, false);
    clock_gettime(CLOCK_REALTIME, &now);
    srv->ctx.started_at = (double)now.tv_sec + now.tv_nsec / 1e9;
    ge_test_clock_install(&srv->ctx.clock, &srv->ctx.clock_ud);
    if (getrandom(&srv->id_prefix, sizeof srv->id_prefix, 0) != sizeof srv->id_prefix)
        srv->id_prefix = (uint32_t)now.tv_nsec ^ (uint32_t)getpid();
    rc = ge_forwarded_init(&srv->forwarded, cfg->trusted_proxies, cfg->forwarded_header, err);
    if (rc < 0) return rc;
    if (srv->forwarded.trusted.n && cfg->max_connections_per_ip > 0) {
        ge_conncap_init(&srv->conncap, cfg->max_connections_per_ip, &srv->forwarded.trusted);
        srv->conncap_on = true;
    }
    srv->ctx.router = ge_router_new();
    if (!srv->ctx.router) return ge_err_set(err, GE_ENOMEM, "out of memory");
    ge_refindex_set_prepared_limit(cfg->prepared_cache_bytes);
    rc = ge_refdata_open(&srv->ctx, err);
    if (rc < 0) return rc;
    rc = ge_server_add_routes(srv, err);
    if (rc < 0) return rc;
    n = ge_router_name_count(srv->ctx.router);
    names = calloc(n ? n : 1, sizeof *names);
    if (!names) return ge_err_set(err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = ge_router_name(srv->ctx.router, i);
    srv->ctx.metrics = ge_metrics_new(names, n, GE_VERSION);
    free(names);
    if (!srv->ctx.metrics) return ge_err_set(err, GE_ENOMEM, "out of memory");
    ge_budget_init();
    rc = ge_compute_new(&srv->compute, ge_server_ncpu(cfg->compute_threads),
                        (unsigned)cfg->compute_queue, err);
    if (rc < 0) return rc;
    ge_metrics_set_compute_source(srv->ctx.metrics, ge_server_compute_pending, srv->compute);
    /* After the metrics: the sender counts its attempts there from the first. */
    rc = ge_webhooks_start(&srv->ctx, err);
    if (rc < 0) return rc;
    rc = ge_reaper_start(&srv->reaper, cfg->header_timeout, cfg->body_timeout, srv->ctx.metrics,
                         err);
    if (rc < 0) return rc;
    return ge_static_open(&srv->ctx.web, cfg->web_root, err);
}

int ge_server_run(const ge_config *cfg, ge_store *store, ge_err *err)
{
    ge_server srv;
    ge_server_sigs old;
    bool sigs = false;
    int rc, signo;

    memset(&srv, 0, sizeof srv);
    rc = ge_server_setup(&srv, cfg, store, err);
    if (rc < 0) goto err;
    rc = ge_server_listen(&srv, cfg, err);
    if (rc < 0) goto err;
    /* Before the daemon starts: a SIGTERM right after "listening" must drain,
     * not kill. */
    rc = ge_server_signals_install(&old, err);
    if (rc < 0) goto err;
    sigs = true;
    rc = ge_server_start_daemon(&srv, err);
    if (rc < 0) goto err;
    ge_log(GE_LOG_INFO, "listening", "{s:s, s:i, s:i, s:i, s:i, s:s, s:s}", "bind",
           cfg->bind[0] ? cfg->bind : "*", "port", srv.port, "threads", (int)ge_server_threads(cfg),
           "compute_threads", (int)ge_server_ncpu(cfg->compute_threads), "compute_budget_ms",
           cfg->compute_budget_ms, "web_root", srv.ctx.web ? cfg->web_root : "", "links",
           cfg->public_url[0] ? cfg->public_url : srv.ctx.self_url);

    signo = ge_server_wait_signal(-1);
    ge_server_shutdown(&srv, signo);
    rc = GE_OK;
err:
    ge_server_free(&srv);
    if (sigs) ge_server_signals_restore(&old);
    return rc;
}
