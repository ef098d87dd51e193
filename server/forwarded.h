/*
 * forwarded.h - the client's address behind a reverse proxy: when the peer
 * (the socket's address) is one of the trusted_proxies, the client is read
 * from X-Forwarded-For or Forwarded (RFC 7239, for=), whichever
 * forwarded_header names; from anyone else those headers are ignored.
 *
 * The walk is the standard one: from the right (the hop nearest to us)
 * leftwards, skipping hops that are themselves trusted proxies; the first
 * untrusted address is the client. Everything left of it was written by
 * that client and is never read, so "X-Forwarded-For: 1.2.3.4, <attacker>"
 * names the attacker. When every hop is trusted, the leftmost is the
 * client. A hop that is no address ("unknown", an obfuscated RFC 7239
 * node, garbage, an empty element) before the first untrusted one makes the
 * header malformed: the peer is used (and the server logs it, at most once
 * a minute).
 *
 * Only one of the two headers is read: a proxy sets one and passes the
 * other through from the client untouched, so trusting whichever is present
 * would let a client forge its address.
 */
#ifndef GE_FORWARDED_H
#define GE_FORWARDED_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "../geo/core/error.h"
#include "cidr.h"

typedef enum ge_fwd_header { GE_FWD_XFF = 0, GE_FWD_FORWARDED = 1 } ge_fwd_header;

typedef struct ge_forwarded {
    ge_cidr_list trusted; /* empty: nobody's headers are read */
    ge_fwd_header header;
    atomic_llong last_log; /* Unix time of the last "malformed" warning */
    atomic_llong unlogged; /* malformed headers since then */
} ge_forwarded;

/* What ge_forwarded_client found. */
typedef enum ge_fwd_result {
    GE_FWD_PEER = 0,      /* peer not trusted, or no header: the peer */
    GE_FWD_CLIENT = 1,    /* the address from the header */
    GE_FWD_MALFORMED = 2, /* trusted peer, header unusable: the peer */
} ge_fwd_result;

/* Reads trusted_proxies (a cidr.h list) and forwarded_header
 * ("X-Forwarded-For" or "Forwarded", any case); GE_EINVAL names the bad
 * setting. */
int ge_forwarded_init(ge_forwarded *f, const char *trusted, const char *header, ge_err *err);
void ge_forwarded_free(ge_forwarded *f);

/* The header's name as sent ("X-Forwarded-For" or "Forwarded"). */
const char *ge_forwarded_header_name(const ge_forwarded *f);

/*
 * The client's address into out (text as inet_ntop writes it, IPv6 without
 * brackets or port): from value (every field of the header, in order,
 * joined with ", "; NULL when absent) when peer is trusted, else peer.
 * For GE_FWD_MALFORMED, why (when not NULL) says what was wrong.
 */
ge_fwd_result ge_forwarded_client(const ge_forwarded *f, const char *peer, const char *value,
                                  char *out, size_t size, char *why, size_t why_size);

/* Logs a malformed header from a trusted proxy, at most once a minute
 * (with the number of others since the last warning). */
void ge_forwarded_note_malformed(ge_forwarded *f, const char *peer, const char *why);

#endif
