/*
 * cidr.h - lists of address prefixes ("127.0.0.0/8, ::1, 10.1.2.0/24") and
 * whether a client address falls into one; for settings such as
 * metrics_allow.
 *
 * An entry is an IPv4 or IPv6 address with an optional "/bits" (without it:
 * that one address). An IPv4-mapped IPv6 client ("::ffff:127.0.0.1", as a
 * dual-stack socket reports IPv4 clients) matches the IPv4 entries.
 */
#ifndef GE_CIDR_H
#define GE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#include "../geo/core/error.h"

typedef struct ge_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; 4 bytes used for AF_INET */
    int bits;               /* prefix length */
} ge_cidr;

typedef struct ge_cidr_list {
    ge_cidr *items;
    size_t n;
} ge_cidr_list;

/* Parses a comma-separated list (spaces allowed; "" is the empty list).
 * GE_EINVAL names the bad entry: "'10.0.0.0/33' is not an address or
 * address/prefix". out is empty on failure. */
int ge_cidr_list_parse(ge_cidr_list *out, const char *text, ge_err *err);

void ge_cidr_list_free(ge_cidr_list *l);

/* Does the address (text as inet_ntop writes it) fall into an entry?
 * False for text that is no address. */
bool ge_cidr_list_match(const ge_cidr_list *l, const char *addr);

#endif
