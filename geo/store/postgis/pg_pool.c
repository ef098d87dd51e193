/*
 * pg_pool.c - the pool of libpq connections of the PostGIS store (see
 * pg_pool.h for what it promises).
 *
 * The pool is an array of slots, each empty, idle (an open connection no
 * one uses) or busy (handed out, or being connected). One mutex guards the
 * slots; connecting, checking and rolling back happen outside it, by the
 * thread that holds the slot busy, so a slow server holds up only the
 * threads that wait for a connection, never the ones that give one back.
 *
 * How a dead connection is noticed without a round trip: a backend that the
 * server ends (pg_terminate_backend, shutdown) sends a FATAL error and
 * closes the socket. An idle connection has nothing to read, so a readable
 * socket means the server spoke: acquire reads what is there, and libpq
 * hands a FATAL to the slot's notice receiver (it arrives outside a query,
 * so libpq treats it as a notice) or sees the end of the stream (status
 * CONNECTION_BAD). Either way the slot gets a new connection. The receiver
 * also keeps libpq from printing NOTICEs on stderr, which would break the
 * server's one-JSON-object-per-line log.
 */
#include "pg_pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GE_PG_POOL_DEFAULT_SIZE    8
#define GE_PG_POOL_DEFAULT_TIMEOUT 10
/* reads of an idle connection's socket before it counts as chattering, alive */
#define GE_PG_POOL_MAX_DRAIN 8

typedef enum { GE_PG_SLOT_EMPTY, GE_PG_SLOT_IDLE, GE_PG_SLOT_BUSY } ge_pg_slot_state;

typedef struct ge_pg_slot {
    PGconn *c;
    ge_pg_slot_state state;
    int fatal; /* the server sent a FATAL: this connection is about to die */
} ge_pg_slot;

struct ge_pg_pool {
    char *conninfo;
    char name[256];
    char application[64];
    char connect_timeout[16];
    int size;

    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;  /* a slot became idle or empty */
    ge_pg_slot *slots;
    int nopen; /* slots idle or busy */
    long broken;
};

/* ---- names and messages ---------------------------------------------------- */

const char *ge_pg_conn_message(PGconn *c, char *buf, size_t len)
{
    size_t n;
    snprintf(buf, len, "%s", c ? PQerrorMessage(c) : "out of memory");
    n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return buf;
}

static void ge_pg_format_name(char *buf, size_t len, const char *user, const char *host,
                              const char *port, const char *db)
{
    bool socket = host && host[0] == '/';
    snprintf(buf, len, "postgresql://%s%s%s%s%s/%s", user && *user ? user : "",
             user && *user ? "@" : "", socket ? "" : (host && *host ? host : "localhost"),
             port && *port ? ":" : "", port && *port ? port : "", db && *db ? db : "");
    if (socket) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "?host=%s", host);
    }
}

void ge_pg_conn_name(PGconn *c, char *buf, size_t len)
{
    ge_pg_format_name(buf, len, PQuser(c), PQhost(c), PQport(c), PQdb(c));
}

/* The name of the database a connection string points to, from the string
 * alone (for the message when connecting fails). */
static void ge_pg_uri_name(const char *conninfo, char *buf, size_t len)
{
    const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    if (!opts) {
        snprintf(buf, len, "postgresql://(unparsable connection string)");
        return;
    }
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val) continue;
        if (strcmp(o->keyword, "user") == 0) user = o->val;
        if (strcmp(o->keyword, "host") == 0) host = o->val;
        if (strcmp(o->keyword, "hostaddr") == 0 && !host) host = o->val;
        if (strcmp(o->keyword, "port") == 0) port = o->val;
        if (strcmp(o->keyword, "dbname") == 0) db = o->val;
    }
    ge_pg_format_name(buf, len, user, host, port, db);
    PQconninfoFree(opts);
}

/* ---- one connection ---------------------------------------------------------- */

static void ge_pg_notice(void *arg, const PGresult *res)
{
    ge_pg_slot *slot = arg;
    const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
        slot->fatal = 1;
}

/* Opens a connection for slot into *out (the caller stores it in the slot
 * under the pool's lock). Every session gets the same settings, so that a
 * statement means the same on each connection. */
static int ge_pg_connect(ge_pg_pool *p, ge_pg_slot *slot, PGconn **out, ge_err *err)
{
    /* Processed in order, the last value winning: the URI (expanded from
     * "dbname") may override the application name and the timeout. */
    const char *keys[] = {"application_name", "connect_timeout", "dbname", NULL};
    const char *vals[] = {p->application, p->connect_timeout, p->conninfo, NULL};
    char msg[400];
    PGresult *r;
    PGconn *c = PQconnectdbParams(keys, vals, 1);

    if (!c || PQstatus(c) != CONNECTION_OK) {
        ge_pg_conn_message(c, msg, sizeof msg);
        PQfinish(c);
        return ge_err_set(err, c ? GE_EIO : GE_ENOMEM, "%s: cannot connect: %s", p->name, msg);
    }
    slot->fatal = 0;
    PQsetNoticeReceiver(c, ge_pg_notice, slot);
    /* UTC and UTF-8 whatever the server's defaults; times are RFC 3339 text
     * made by the application (pg_migrations.c says why), so the time zone
     * matters only to the few statements that ask the server's clock. */
    r = PQexec(c, "SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        ge_pg_conn_message(c, msg, sizeof msg);
        PQclear(r);
        PQfinish(c);
        return ge_err_set(err, GE_EIO, "%s: setting up a session: %s", p->name, msg);
    }
    PQclear(r);
    *out = c;
    return GE_OK;
}

/* Whether an idle connection is still alive; see the top of the file. */
static bool ge_pg_alive(ge_pg_slot *slot)
{
    PGconn *c = slot->c;
    for (int i = 0; i < GE_PG_POOL_MAX_DRAIN; i++) {
        struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
        int n;
        if (slot->fatal || PQstatus(c) != CONNECTION_OK || pfd.fd < 0) return false;
        if (PQtransactionStatus(c) != PQTRANS_IDLE) return false;
        n = poll(&pfd, 1, 0);
        if (n < 0) return errno == EINTR;
        if (n == 0) return true;
        if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
        if (!PQconsumeInput(c)) return false;
        (void)PQisBusy(c); /* parses what came: a FATAL reaches ge_pg_notice */
        /* notifications belong to whoever LISTENs, never to a pooled connection */
        for (PGnotify *nt; (nt = PQnotifies(c));)
            PQfreemem(nt);
    }
    return !slot->fatal && PQstatus(c) == CONNECTION_OK;
}

/* ---- the pool ---------------------------------------------------------------- */

static void ge_pg_pool_free(ge_pg_pool *p)
{
    if (!p) return;
    for (int i = 0; p->slots && i < p->size; i++)
        PQfinish(p->slots[i].c);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->slots);
    free(p->conninfo);
    free(p);
}

int ge_pg_pool_open(ge_pg_pool **out, const ge_pg_pool_opts *opts, ge_err *err)
{
    ge_pg_pool *p;
    pthread_condattr_t ca;
    int rc;

    *out = NULL;
    if (!opts || !opts->uri || !*opts->uri)
        return ge_err_set(err, GE_EINVAL, "postgis: no connection URI");
    if (opts->size < 0 || opts->connect_timeout_s < 0)
        return ge_err_set(err, GE_EINVAL, "postgis: pool size and timeout must not be negative");
    p = calloc(1, sizeof *p);
    if (!p) return ge_err_set(err, GE_ENOMEM, "postgis: out of memory");
    p->size = opts->size ? opts->size : GE_PG_POOL_DEFAULT_SIZE;
    p->conninfo = strdup(opts->uri);
    p->slots = calloc((size_t)p->size, sizeof *p->slots);
    snprintf(p->application, sizeof p->application, "%s",
             opts->application ? opts->application : "geoeditor");
    snprintf(p->connect_timeout, sizeof p->connect_timeout, "%d",
             opts->connect_timeout_s ? opts->connect_timeout_s : GE_PG_POOL_DEFAULT_TIMEOUT);
    pthread_mutex_init(&p->mu, NULL);
    /* timed waits measure with the monotonic clock: a clock step must
     * neither cut a wait short nor stretch it */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!p->conninfo || !p->slots) {
        ge_pg_pool_free(p);
        return ge_err_set(err, GE_ENOMEM, "postgis: out of memory");
    }
    ge_pg_uri_name(p->conninfo, p->name, sizeof p->name);

    rc = ge_pg_connect(p, &p->slots[0], &p->slots[0].c, err);
    if (rc < 0) {
        ge_pg_pool_free(p);
        return rc;
    }
    p->slots[0].state = GE_PG_SLOT_IDLE;
    p->nopen = 1;
    /* the name the server confirms: defaults filled in (user, port) */
    ge_pg_conn_name(p->slots[0].c, p->name, sizeof p->name);
    *out = p;
    return GE_OK;
}

void ge_pg_pool_close(ge_pg_pool *p)
{
    ge_pg_pool_free(p);
}

static ge_pg_slot *ge_pg_find(ge_pg_pool *p, ge_pg_slot_state state)
{
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].state == state) return &p->slots[i];
    return NULL;
}

int ge_pg_pool_acquire(ge_pg_pool *p, int timeout_ms, PGconn **out, ge_err *err)
{
    struct timespec deadline;
    ge_pg_slot *slot;
    PGconn *fresh = NULL;
    int rc;

    *out = NULL;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms >= 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }

    pthread_mutex_lock(&p->mu);
    for (;;) {
        if ((slot = ge_pg_find(p, GE_PG_SLOT_IDLE))) break;
        if ((slot = ge_pg_find(p, GE_PG_SLOT_EMPTY))) {
            p->nopen++;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&p->cv, &p->mu);
        } else if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT &&
                   !ge_pg_find(p, GE_PG_SLOT_IDLE) && !ge_pg_find(p, GE_PG_SLOT_EMPTY)) {
            pthread_mutex_unlock(&p->mu);
            return ge_err_set(err, GE_ELIMIT, "%s: all %d connections stayed in use for %d ms",
                              p->name, p->size, timeout_ms);
        }
    }
    slot->state = GE_PG_SLOT_BUSY;
    pthread_mutex_unlock(&p->mu);

    /* The slot is ours now; its connection is still written only under the
     * lock, because release looks through every slot's for the one it is
     * given. */
    if (slot->c && ge_pg_alive(slot)) {
        *out = slot->c;
        return GE_OK;
    }
    if (slot->c) {
        PGconn *dead = slot->c;
        pthread_mutex_lock(&p->mu);
        slot->c = NULL;
        p->broken++;
        pthread_mutex_unlock(&p->mu);
        PQfinish(dead);
    }
    rc = ge_pg_connect(p, slot, &fresh, err);
    if (rc < 0) {
        pthread_mutex_lock(&p->mu);
        slot->state = GE_PG_SLOT_EMPTY;
        p->nopen--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        return rc;
    }
    pthread_mutex_lock(&p->mu);
    slot->c = fresh;
    pthread_mutex_unlock(&p->mu);
    *out = fresh;
    return GE_OK;
}

void ge_pg_pool_release(ge_pg_pool *p, PGconn *c)
{
    ge_pg_slot *slot = NULL;
    bool keep;

    if (!c) return;
    keep = PQstatus(c) == CONNECTION_OK;
    if (keep) {
        switch (PQtransactionStatus(c)) {
        case PQTRANS_IDLE:
            break;
        case PQTRANS_INTRANS:
        case PQTRANS_INERROR: {
            /* the caller left a transaction open (an error path): end it
             * here, or the next user would run inside it */
            PGresult *r = PQexec(c, "ROLLBACK");
            keep = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
            break;
        }
        default:
            keep = false; /* a query still running, or no one knows */
        }
    }

    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].c == c && p->slots[i].state == GE_PG_SLOT_BUSY) slot = &p->slots[i];
    if (!slot) {
        /* not ours: a caller's bug; leave the pool as it is */
        pthread_mutex_unlock(&p->mu);
        return;
    }
    keep = keep && !slot->fatal;
    if (keep) {
        slot->state = GE_PG_SLOT_IDLE;
    } else {
        slot->c = NULL;
        slot->state = GE_PG_SLOT_EMPTY;
        p->nopen--;
        p->broken++;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (!keep) PQfinish(c); /* outside the lock: it may wait for the network */
}

const char *ge_pg_pool_name(const ge_pg_pool *p)
{
    return p->name;
}

int ge_pg_pool_open_count(ge_pg_pool *p)
{
    int n;
    pthread_mutex_lock(&p->mu);
    n = p->nopen;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void ge_pg_pool_stats(ge_pg_pool *p, int *size, int *open, int *idle)
{
    int n = 0;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->size; i++)
        if (p->slots[i].state == GE_PG_SLOT_IDLE) n++;
    *size = p->size;
    *open = p->nopen;
    *idle = n;
    pthread_mutex_unlock(&p->mu);
}

long ge_pg_pool_broken_count(ge_pg_pool *p)
{
    long n;
    pthread_mutex_lock(&p->mu);
    n = p->broken;
    pthread_mutex_unlock(&p->mu);
    return n;
}
