/*
 * conncap.c - connections per peer address, trusted proxies exempt (see
 * conncap.h). A plain array searched linearly: it holds only addresses
 * with an open connection, at most max_connections of them.
 */
#include "conncap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

void ge_conncap_init(ge_conncap *c, int limit, const ge_cidr_list *exempt)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->limit = limit;
    c->exempt = exempt;
}

void ge_conncap_free(ge_conncap *c)
{
    free(c->e);
    c->e = NULL;
    c->n = c->cap = 0;
    pthread_mutex_destroy(&c->mu);
}

/* The address as 16 bytes, and whether it is exempt; false for a socket
 * that is neither IPv4 nor IPv6 (never counted). */
static bool ge_conncap_key(const ge_conncap *c, const struct sockaddr *sa, unsigned char key[16],
                           bool *exempt)
{
    char text[INET6_ADDRSTRLEN];

    if (!sa) return false;
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    } else {
        return false;
    }
    *exempt = c->exempt && ge_cidr_list_match(c->exempt, text);
    return true;
}

static ge_conncap_entry *ge_conncap_find(ge_conncap *c, const unsigned char key[16])
{
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->e[i].addr, key, 16) == 0) return &c->e[i];
    return NULL;
}

bool ge_conncap_admit(ge_conncap *c, const struct sockaddr *addr)
{
    unsigned char key[16];
    bool exempt = false, ok;
    ge_conncap_entry *e;

    if (c->limit <= 0 || !ge_conncap_key(c, addr, key, &exempt) || exempt) return true;
    pthread_mutex_lock(&c->mu);
    e = ge_conncap_find(c, key);
    ok = !e || e->n < c->limit;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void ge_conncap_open(ge_conncap *c, const struct sockaddr *addr)
{
    unsigned char key[16];
    bool exempt = false;
    ge_conncap_entry *e;

    if (c->limit <= 0 || !ge_conncap_key(c, addr, key, &exempt) || exempt) return;
    pthread_mutex_lock(&c->mu);
    e = ge_conncap_find(c, key);
    if (!e) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 64;
            ge_conncap_entry *grown = realloc(c->e, cap * sizeof *grown);
            if (!grown) goto out; /* uncounted: the cap errs towards serving */
            c->e = grown;
            c->cap = cap;
        }
        e = &c->e[c->n++];
        memcpy(e->addr, key, 16);
        e->n = 0;
    }
    e->n++;
out:
    pthread_mutex_unlock(&c->mu);
}

void ge_conncap_close(ge_conncap *c, const struct sockaddr *addr)
{
    unsigned char key[16];
    bool exempt = false;
    ge_conncap_entry *e;

    if (c->limit <= 0 || !ge_conncap_key(c, addr, key, &exempt) || exempt) return;
    pthread_mutex_lock(&c->mu);
    e = ge_conncap_find(c, key);
    if (e && --e->n <= 0) *e = c->e[--c->n];
    pthread_mutex_unlock(&c->mu);
}
