/*
 * fuzz_session.c - what a caseworker's browser sends with every request and
 * the server reads before any store lookup (server/session.c, http.c,
 * throttle.c): the Cookie header, the session id in it, the X-CSRF-Token
 * header, Accept-Language, Accept-Encoding, Host, and the client address
 * the login throttle groups.
 *
 * Input: the header values one per line, in that order (Cookie,
 * X-CSRF-Token, Accept-Language, Accept-Encoding, Host, address); missing
 * lines are absent headers. Checks: a cookie value found is the text after
 * "ge_session=" in one of the header's pairs and fits a token; a session id
 * that decodes is exactly the base64url text of its 32 bytes; a CSRF token
 * is accepted only when it unmasks to the session's secret - a token masked
 * here with a pad from the input is accepted, and any one changed
 * character refused (the secret derived as session.c does, from libsodium's
 * documented functions); a Host taken for loopback is localhost, 127/8 or
 * a bracketed IPv6 loopback address (loopback_ref); the address group is a
 * terminated string.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "fuzz.h"
#include "session.h"
#include "throttle.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return sodium_init() < 0 ? -1 : 0;
}

/* session.c's derivation, restated: secret = BLAKE2b-256 keyed by nothing
 * over the context and the raw id; stored = ge_token_hash(base64url(secret)). */
static void csrf_stored(const unsigned char raw[32], unsigned char secret[32],
                        char stored[GE_TOKEN_HASH_LEN])
{
    static const unsigned char ctxt[] = "geoEDITOR CSRF secret v1";
    char b64[64];
    crypto_generichash(secret, 32, ctxt, sizeof ctxt - 1, raw, 32);
    sodium_bin2base64(b64, sizeof b64, secret, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    ge_token_hash(b64, stored);
}

static void check_csrf(const char *token, const uint8_t *data, size_t size)
{
    unsigned char raw[32], secret[32], buf[64];
    char stored[GE_TOKEN_HASH_LEN], masked[GE_CSRF_TOKEN_LEN];

    crypto_generichash(raw, 32, data, size, NULL, 0);
    csrf_stored(raw, secret, stored);
    /* whatever the header says: no crash, and a yes only for a real mask */
    if (ge_session_csrf_check(token, stored)) {
        unsigned char tb[64];
        size_t len = 0;
        FZ_CHECK(sodium_base642bin(tb, sizeof tb, token, strlen(token), NULL, &len, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
                     len == 64,
                 "accepted a token that is not 64 bytes of base64url");
        for (int i = 0; i < 32; i++)
            FZ_CHECK((tb[i] ^ tb[32 + i]) == secret[i], "accepted a token of another secret");
    }
    /* a token masked with a pad from the input is accepted ... */
    crypto_generichash(buf, 32, data, size, raw, 32);
    for (int i = 0; i < 32; i++)
        buf[32 + i] = buf[i] ^ secret[i];
    sodium_bin2base64(masked, sizeof masked, buf, 64, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    FZ_CHECK(ge_session_csrf_check(masked, stored), "refused a correctly masked token");
    /* ... and refused with any character changed (the last one carries
     * only 2 bits of data in 86 characters of 6 bits: change its top bits) */
    if (size) {
        size_t at = data[0] % (GE_CSRF_TOKEN_LEN - 2);
        masked[at] = masked[at] == 'A' ? 'B' : 'A';
        FZ_CHECK(!ge_session_csrf_check(masked, stored), "accepted a changed token");
    }
}

/* A loopback Host by RFC 3986 and RFC 4291: "localhost" in any case, an
 * IPv4 address in 127/8, or in brackets an IPv6 address that is ::1 (in any
 * of its spellings: [0::1]) or an IPv4-mapped 127/8 one; the port is not
 * judged here. */
static bool loopback_ref(const char *host)
{
    if (strncasecmp(host, "localhost", 9) == 0 || strncmp(host, "127.", 4) == 0) return true;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        char addr[64];
        struct in6_addr a;
        if (!close || (size_t)(close - host - 1) >= sizeof addr) return false;
        memcpy(addr, host + 1, (size_t)(close - host - 1));
        addr[close - host - 1] = '\0';
        if (inet_pton(AF_INET6, addr, &a) != 1) return false;
        return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size), *line[6] = {0}, *p = text;
    char out[GE_TOKEN_MAX], group[GE_THROTTLE_GROUP_MAX];
    unsigned char raw[32];

    if (memchr(data, '\0', size)) { /* header values hold no NUL */
        free(text);
        return -1;
    }
    for (int i = 0; i < 6 && p; i++) {
        line[i] = p;
        p = strchr(p, '\n');
        if (p) *p++ = '\0';
    }

    /* Cookie */
    memset(out, 'x', sizeof out);
    if (ge_session_cookie_parse(line[0], out)) {
        char *want;
        size_t n = strnlen(out, sizeof out);
        FZ_CHECK(n < sizeof out, "cookie value not terminated");
        want = malloc(n + 16);
        if (!want) abort();
        memcpy(want, "ge_session=", 11);
        memcpy(want + 11, out, n + 1);
        FZ_CHECK(strstr(line[0], want) != NULL, "cookie value '%s' is not in the header", out);
        free(want);
        if (ge_session_id_decode(out, raw)) {
            char again[64];
            sodium_bin2base64(again, sizeof again, raw, 32,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            FZ_CHECK(strcmp(again, out) == 0, "session id '%s' decodes to another id", out);
        }
    }
    /* a cookie header made of the input's pairs around a real id is read back */
    {
        char id[64], *hdr;
        size_t n0 = line[0] ? strlen(line[0]) : 0;
        crypto_generichash(raw, 32, data, size, NULL, 0);
        sodium_bin2base64(id, sizeof id, raw, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        hdr = malloc(n0 + 80);
        if (!hdr) abort();
        /* ours first: a cookie of the same name later must not win */
        snprintf(hdr, n0 + 80, "ge_session=%s; %s", id, line[0] ? line[0] : "");
        FZ_CHECK(ge_session_cookie_parse(hdr, out) && strcmp(out, id) == 0,
                 "a session cookie put first is not found");
        free(hdr);
        FZ_CHECK(ge_session_id_decode(id, raw), "a real session id does not decode");
    }

    /* X-CSRF-Token */
    check_csrf(line[1], data, size);

    /* the headers every request reads */
    (void)ge_http_lang_from_header(line[2]);
    (void)ge_http_accepts_gzip(line[3]);
    if (ge_http_host_is_loopback(line[4]))
        FZ_CHECK(loopback_ref(line[4]), "'%s' taken for loopback", line[4]);

    /* the login throttle's address group */
    if (line[5]) {
        memset(group, 'x', sizeof group);
        ge_throttle_addr_group(line[5], group);
        FZ_CHECK(memchr(group, '\0', sizeof group) != NULL, "address group not terminated");
    }
    free(text);
    return 0;
}
