/*
 * cidr.c - address prefix lists and matching (see cidr.h).
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* One entry, "addr" or "addr/bits", into c; false when it is neither. */
static bool ge_cidr_parse_one(const char *text, ge_cidr *c)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    int max;

    if (alen == 0 || alen >= sizeof addr) return false;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    memset(c, 0, sizeof *c);
    if (inet_pton(AF_INET, addr, c->addr) == 1) {
        c->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
        c->family = AF_INET6;
        max = 128;
    } else {
        return false;
    }
    c->bits = max;
    if (slash) {
        char *end;
        long bits;
        if (!isdigit((unsigned char)slash[1])) return false;
        bits = strtol(slash + 1, &end, 10);
        if (*end || bits > max) return false;
        c->bits = (int)bits;
    }
    return true;
}

int ge_cidr_list_parse(ge_cidr_list *out, const char *text, ge_err *err)
{
    char *copy = strdup(text ? text : ""), *save = NULL, *tok;
    int rc = GE_OK;

    out->items = NULL;
    out->n = 0;
    if (!copy) return ge_err_set(err, GE_ENOMEM, "out of memory");
    for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *e;
        ge_cidr *grown;
        while (isspace((unsigned char)*tok))
            tok++;
        e = tok + strlen(tok);
        while (e > tok && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (!*tok) continue;
        grown = realloc(out->items, (out->n + 1) * sizeof *grown);
        if (!grown) {
            rc = ge_err_set(err, GE_ENOMEM, "out of memory");
            goto out;
        }
        out->items = grown;
        if (!ge_cidr_parse_one(tok, &out->items[out->n])) {
            rc = ge_err_set(err, GE_EINVAL,
                            "'%.64s' is not an address or address/prefix (e.g. 10.1.2.0/24, ::1)",
                            tok);
            goto out;
        }
        out->n++;
    }
out:
    free(copy);
    if (rc < 0) ge_cidr_list_free(out);
    return rc;
}

void ge_cidr_list_free(ge_cidr_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Are the first bits bits of a and b equal? */
static bool ge_cidr_prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)whole) != 0) return false;
    if (rest == 0) return true;
    return ((a[whole] ^ b[whole]) & (0xff << (8 - rest))) == 0;
}

bool ge_cidr_list_match(const ge_cidr_list *l, const char *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    unsigned char a[16], v4[4];
    bool is6, has4 = false;

    if (!addr) return false;
    if (inet_pton(AF_INET, addr, v4) == 1) {
        is6 = false;
        has4 = true;
    } else if (inet_pton(AF_INET6, addr, a) == 1) {
        is6 = true;
        if (memcmp(a, mapped, sizeof mapped) == 0) {
            memcpy(v4, a + 12, 4);
            has4 = true;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < l->n; i++) {
        const ge_cidr *c = &l->items[i];
        if (c->family == AF_INET && has4 && ge_cidr_prefix_equal(v4, c->addr, c->bits)) return true;
        if (c->family == AF_INET6 && is6 && ge_cidr_prefix_equal(a, c->addr, c->bits)) return true;
    }
    return false;
}
