/*
 * conncap.h - max_connections_per_ip when trusted_proxies is set: the
 * connections of one peer address are counted and one over the cap is
 * refused at accept, except for peers in trusted_proxies, whose
 * connections carry many clients (a per-client cap behind the proxy is the
 * proxy's job: haproxy's maxconn or a stick table). Without
 * trusted_proxies libmicrohttpd's own per-IP limit does the same for every
 * peer.
 *
 * Connections are checked at accept (ge_conncap_admit, libmicrohttpd's
 * accept policy callback) and counted between the connection's start and
 * close notifications, so that a connection refused later in
 * libmicrohttpd's accept never stays counted; the workers that accept at
 * the same moment may pass the cap by one each.
 */
#ifndef GE_CONNCAP_H
#define GE_CONNCAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "cidr.h"

typedef struct ge_conncap_entry {
    unsigned char addr[16]; /* IPv4 as IPv4-mapped IPv6 */
    int n;
} ge_conncap_entry;

typedef struct ge_conncap {
    pthread_mutex_t mu;
    ge_conncap_entry *e; /* addresses with at least one connection */
    size_t n, cap;
    int limit;                  /* connections per address */
    const ge_cidr_list *exempt; /* never counted (the trusted proxies) */
} ge_conncap;

void ge_conncap_init(ge_conncap *c, int limit, const ge_cidr_list *exempt);
void ge_conncap_free(ge_conncap *c);

/* May a connection from addr be accepted? */
bool ge_conncap_admit(ge_conncap *c, const struct sockaddr *addr);

/* A connection from addr started / closed. */
void ge_conncap_open(ge_conncap *c, const struct sockaddr *addr);
void ge_conncap_close(ge_conncap *c, const struct sockaddr *addr);

#endif
