/*
 * origin.c - strict checks of web origins (origin.h).
 */
#include "origin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ge_origin_fail(char *why, size_t n, const char *msg)
{
    snprintf(why, n, "%s", msg);
    return false;
}

static bool ge_origin_host_ok(const char *h, size_t len, char *why, size_t n)
{
    if (len == 0) return ge_origin_fail(why, n, "the host is missing");
    if (h[0] == '[') {
        if (h[len - 1] != ']' || len < 4)
            return ge_origin_fail(why, n, "an IPv6 host must be written in brackets: [::1]");
        for (size_t i = 1; i + 1 < len; i++)
            if (!strchr("0123456789abcdef:.", h[i]))
                return ge_origin_fail(why, n,
                                      "the IPv6 host has a character other than "
                                      "lower-case hex digits, ':' and '.'");
        return true;
    }
    if (h[0] == '.' || h[0] == '-' || h[len - 1] == '.' || h[len - 1] == '-')
        return ge_origin_fail(why, n, "the host starts or ends with '.' or '-'");
    for (size_t i = 0; i < len; i++) {
        char c = h[i];
        if (c >= 'A' && c <= 'Z')
            return ge_origin_fail(why, n,
                                  "the host has upper-case letters; browsers write "
                                  "origins in lower case");
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return ge_origin_fail(why, n,
                                  "the host may hold only a-z, 0-9, '-' and '.' "
                                  "(write internationalised names in punycode, xn--)");
        if (c == '.' && h[i + 1] == '.')
            return ge_origin_fail(why, n, "the host has an empty label ('..')");
    }
    return true;
}

bool ge_origin_valid(const char *s, char *why, size_t n)
{
    const char *rest, *host, *colon, *end;
    bool https;
    size_t hlen;

    if (!s || !s[0]) return ge_origin_fail(why, n, "the origin is empty");
    if (strlen(s) > 255) return ge_origin_fail(why, n, "the origin is longer than 255 characters");
    if (strncmp(s, "https://", 8) == 0) {
        https = true;
        rest = s + 8;
    } else if (strncmp(s, "http://", 7) == 0) {
        https = false;
        rest = s + 7;
    } else {
        return ge_origin_fail(why, n, "an origin starts with https:// or http:// (lower case)");
    }
    end = rest + strcspn(rest, "/?#");
    if (*end)
        return ge_origin_fail(why, n,
                              "an origin has no path, query or fragment, not even a "
                              "trailing '/': write scheme://host[:port]");
    if (strchr(rest, '@')) return ge_origin_fail(why, n, "an origin has no user name or password");
    host = rest;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close) return ge_origin_fail(why, n, "the IPv6 host lacks its closing ']'");
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] && !colon) return ge_origin_fail(why, n, "unexpected text after the host");
    } else {
        colon = strchr(host, ':');
    }
    hlen = colon ? (size_t)(colon - host) : strlen(host);
    if (!ge_origin_host_ok(host, hlen, why, n)) return false;
    if (colon) {
        const char *p = colon + 1;
        char *e;
        long port;
        if (!*p || *p == '0' || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5)
            return ge_origin_fail(why, n,
                                  "the port must be a number from 1 to 65535 without "
                                  "leading zeros");
        port = strtol(p, &e, 10);
        if (port < 1 || port > 65535)
            return ge_origin_fail(why, n, "the port must be from 1 to 65535");
        if ((https && port == 443) || (!https && port == 80))
            return ge_origin_fail(why, n,
                                  "browsers leave out the scheme's default port "
                                  "(443 for https, 80 for http): remove it");
    }
    return true;
}
