/*
 * forwarded.c - the client's address behind trusted reverse proxies (see
 * forwarded.h).
 *
 * The header is split at commas from the right without regard to quotes:
 * the elements a proxy appends hold no commas (an RFC 7239 node is an
 * address, a bracketed IPv6 address with a port, "unknown" or an
 * obfuscated name), and the walk stops at the first untrusted address,
 * before anything a client wrote - so a client's stray quote or comma can
 * never shift what is read.
 */
#include "forwarded.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#include "log.h"

#define GE_FWD_LOG_INTERVAL 60

int ge_forwarded_init(ge_forwarded *f, const char *trusted, const char *header, ge_err *err)
{
    int rc;

    memset(f, 0, sizeof *f);
    atomic_init(&f->last_log, 0);
    atomic_init(&f->unlogged, 0);
    if (!header || !*header || strcasecmp(header, "X-Forwarded-For") == 0) {
        f->header = GE_FWD_XFF;
    } else if (strcasecmp(header, "Forwarded") == 0) {
        f->header = GE_FWD_FORWARDED;
    } else {
        return ge_err_set(err, GE_EINVAL,
                          "setting 'forwarded_header': '%.64s' is neither X-Forwarded-For nor "
                          "Forwarded",
                          header);
    }
    rc = ge_cidr_list_parse(&f->trusted, trusted ? trusted : "", err);
    if (rc < 0) ge_err_prefix(err, "setting 'trusted_proxies'");
    return rc;
}

void ge_forwarded_free(ge_forwarded *f)
{
    ge_cidr_list_free(&f->trusted);
}

const char *ge_forwarded_header_name(const ge_forwarded *f)
{
    return f->header == GE_FWD_FORWARDED ? "Forwarded" : "X-Forwarded-For";
}

static bool ge_fwd_ntop(int family, const char *text, char *out, size_t size)
{
    unsigned char a[16];
    if (inet_pton(family, text, a) != 1) return false;
    return inet_ntop(family, a, out, (socklen_t)size) != NULL;
}

static bool ge_fwd_port(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    return n > 0 && n <= 5 && s[n] == '\0';
}

/* One node: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1", "[2001:db8::1]",
 * "[2001:db8::1]:4711" -> the address as inet_ntop writes it. */
static bool ge_fwd_node(const char *s, size_t n, char *out, size_t size)
{
    char buf[80];
    char *colon;

    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (buf[0] == '[') {
        char *close = strchr(buf, ']');
        if (!close) return false;
        *close = '\0';
        if (close[1] && (close[1] != ':' || !ge_fwd_port(close + 2))) return false;
        return ge_fwd_ntop(AF_INET6, buf + 1, out, size);
    }
    if (ge_fwd_ntop(AF_INET6, buf, out, size)) return true;
    colon = strchr(buf, ':');
    if (colon) {
        if (strchr(colon + 1, ':') || !ge_fwd_port(colon + 1)) return false;
        *colon = '\0';
    }
    return ge_fwd_ntop(AF_INET, buf, out, size);
}

static void ge_fwd_trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* The for= value of one RFC 7239 element ("for=192.0.2.1;proto=https"),
 * quotes removed; false when it has none. */
static bool ge_fwd_for_param(const char *s, size_t n, const char **v, size_t *vn)
{
    const char *end = s + n;
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *pe = semi ? semi : end;
        const char *p = s;
        size_t pn = (size_t)(pe - s);
        ge_fwd_trim(&p, &pn);
        if (pn > 4 && strncasecmp(p, "for=", 4) == 0) {
            *v = p + 4;
            *vn = pn - 4;
            if (*vn >= 2 && (*v)[0] == '"' && (*v)[*vn - 1] == '"') {
                (*v)++;
                *vn -= 2;
            }
            return true;
        }
        s = semi ? semi + 1 : end;
    }
    return false;
}

ge_fwd_result ge_forwarded_client(const ge_forwarded *f, const char *peer, const char *value,
                                  char *out, size_t size, char *why, size_t why_size)
{
    const char *end;
    char addr[64];
    bool any = false;

    snprintf(out, size, "%s", peer ? peer : "-");
    if (why && why_size) why[0] = '\0';
    if (!f || f->trusted.n == 0 || !peer || !ge_cidr_list_match(&f->trusted, peer))
        return GE_FWD_PEER;
    if (!value || !value[strspn(value, " \t")]) return GE_FWD_PEER;
    end = value + strlen(value);
    for (;;) {
        const char *start = end, *e, *node;
        size_t en, nn;
        while (start > value && start[-1] != ',')
            start--;
        e = start;
        en = (size_t)(end - start);
        ge_fwd_trim(&e, &en);
        node = e;
        nn = en;
        if (f->header == GE_FWD_FORWARDED && !ge_fwd_for_param(e, en, &node, &nn)) {
            if (why)
                snprintf(why, why_size, "element '%.*s' has no for=", (int)(en > 64 ? 64 : en), e);
            snprintf(out, size, "%s", peer);
            return GE_FWD_MALFORMED;
        }
        if (!ge_fwd_node(node, nn, addr, sizeof addr)) {
            if (why)
                snprintf(why, why_size, "hop '%.*s' is not an address", (int)(nn > 64 ? 64 : nn),
                         node);
            snprintf(out, size, "%s", peer);
            return GE_FWD_MALFORMED;
        }
        any = true;
        snprintf(out, size, "%s", addr);
        if (!ge_cidr_list_match(&f->trusted, addr)) return GE_FWD_CLIENT;
        if (start == value) break;
        end = start - 1; /* before the comma */
    }
    /* Every hop trusted: the leftmost is as far as anyone can tell. */
    return any ? GE_FWD_CLIENT : GE_FWD_PEER;
}

void ge_forwarded_note_malformed(ge_forwarded *f, const char *peer, const char *why)
{
    long long now = (long long)time(NULL), last = atomic_load(&f->last_log);

    if (now - last < GE_FWD_LOG_INTERVAL ||
        !atomic_compare_exchange_strong(&f->last_log, &last, now)) {
        atomic_fetch_add(&f->unlogged, 1);
        return;
    }
    ge_log(GE_LOG_WARN, "malformed forwarding header from a trusted proxy: using the peer address",
           "{s:s, s:s, s:s, s:I, s:i}", "header", ge_forwarded_header_name(f), "peer",
           peer ? peer : "-", "detail", why ? why : "", "since_last_warning",
           (json_int_t)atomic_exchange(&f->unlogged, 0), "interval_s", GE_FWD_LOG_INTERVAL);
}
