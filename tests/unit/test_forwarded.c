/*
 * test_forwarded.c - the client's address behind trusted proxies
 * (server/forwarded.h): headers from untrusted peers ignored, the walk from
 * the right past trusted hops, a forged chain naming the rightmost untrusted
 * hop, IPv6 brackets and ports, RFC 7239 elements, malformed values falling
 * back to the peer, and the settings' errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "forwarded.h"
#include "ts.h"
#include "ts_group.h"

static ge_fwd_result client(const ge_forwarded *f, const char *peer, const char *value,
                            char out[64])
{
    char why[160];
    ge_fwd_result r = ge_forwarded_client(f, peer, value, out, 64, why, sizeof why);
    if (r == GE_FWD_MALFORMED) assert_true(why[0] != '\0');
    return r;
}

static void test_xff(void **state)
{
    ge_forwarded f;
    ge_err err;
    char out[64];
    (void)state;

    assert_int_equal(ge_forwarded_init(&f, "127.0.0.1/32, 10.0.0.0/8, fd00::/8", "", &err), GE_OK);
    /* an untrusted peer's header is never read */
    assert_int_equal(client(&f, "192.0.2.9", "203.0.113.5", out), GE_FWD_PEER);
    assert_string_equal(out, "192.0.2.9");
    /* a trusted peer without the header: the peer */
    assert_int_equal(client(&f, "127.0.0.1", NULL, out), GE_FWD_PEER);
    assert_string_equal(out, "127.0.0.1");
    assert_int_equal(client(&f, "127.0.0.1", "  ", out), GE_FWD_PEER);
    assert_string_equal(out, "127.0.0.1");
    /* one hop */
    assert_int_equal(client(&f, "127.0.0.1", "203.0.113.5", out), GE_FWD_CLIENT);
    assert_string_equal(out, "203.0.113.5");
    /* a forged chain: the rightmost untrusted hop, never the leftmost */
    assert_int_equal(client(&f, "127.0.0.1", "1.2.3.4, 203.0.113.5", out), GE_FWD_CLIENT);
    assert_string_equal(out, "203.0.113.5");
    /* trusted hops on the right are skipped */
    assert_int_equal(client(&f, "127.0.0.1", "1.2.3.4, 203.0.113.5,10.1.1.1 , 10.2.2.2", out),
                     GE_FWD_CLIENT);
    assert_string_equal(out, "203.0.113.5");
    /* every hop trusted: the leftmost */
    assert_int_equal(client(&f, "127.0.0.1", "10.3.3.3, 10.1.1.1", out), GE_FWD_CLIENT);
    assert_string_equal(out, "10.3.3.3");
    /* garbage left of the client is never read */
    assert_int_equal(client(&f, "127.0.0.1", "\"x, unknown,,, 203.0.113.5", out), GE_FWD_CLIENT);
    assert_string_equal(out, "203.0.113.5");
    /* ports and IPv6, normalised */
    assert_int_equal(client(&f, "127.0.0.1", "203.0.113.5:4711", out), GE_FWD_CLIENT);
    assert_string_equal(out, "203.0.113.5");
    assert_int_equal(client(&f, "127.0.0.1", "2001:DB8:0::1", out), GE_FWD_CLIENT);
    assert_string_equal(out, "2001:db8::1");
    assert_int_equal(client(&f, "127.0.0.1", "[2001:db8::1]:4711", out), GE_FWD_CLIENT);
    assert_string_equal(out, "2001:db8::1");
    assert_int_equal(client(&f, "127.0.0.1", "[2001:db8::2]", out), GE_FWD_CLIENT);
    assert_string_equal(out, "2001:db8::2");
    assert_int_equal(client(&f, "127.0.0.1", "2001:db8::3, fd00::7", out), GE_FWD_CLIENT);
    assert_string_equal(out, "2001:db8::3");
    /* a trusted IPv6 peer, and an IPv4-mapped one */
    assert_int_equal(client(&f, "fd00::1", "198.51.100.1", out), GE_FWD_CLIENT);
    assert_string_equal(out, "198.51.100.1");
    assert_int_equal(client(&f, "::ffff:127.0.0.1", "198.51.100.2", out), GE_FWD_CLIENT);
    assert_string_equal(out, "198.51.100.2");
    /* malformed before the first untrusted hop: the peer */
    static const char *const bad[] = {"unknown",          "203.0.113.5, ",
                                      "203.0.113.5,,",    "1.2.3",
                                      "[2001:db8::1",     "[2001:db8::1]x",
                                      "203.0.113.5:port", "2001:db8::1:99999x",
                                      "fe80::1%eth0",     "203.0.113.5, 10.1.1.1, bogus",
                                      "host.example"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (client(&f, "127.0.0.1", bad[i], out) != GE_FWD_MALFORMED)
            fail_msg("'%s' was not malformed (gave %s)", bad[i], out);
        assert_string_equal(out, "127.0.0.1");
    }
    ge_forwarded_free(&f);

    /* empty trusted_proxies (the default): nobody's header */
    assert_int_equal(ge_forwarded_init(&f, "", "X-Forwarded-For", &err), GE_OK);
    assert_int_equal(client(&f, "127.0.0.1", "203.0.113.5", out), GE_FWD_PEER);
    assert_string_equal(out, "127.0.0.1");
    ge_forwarded_free(&f);
}

static void test_rfc7239(void **state)
{
    ge_forwarded f;
    ge_err err;
    char out[64];
    (void)state;

    assert_int_equal(ge_forwarded_init(&f, "127.0.0.1", "forwarded", &err), GE_OK);
    assert_string_equal(ge_forwarded_header_name(&f), "Forwarded");
    assert_int_equal(client(&f, "127.0.0.1", "for=192.0.2.60;proto=http;by=203.0.113.43", out),
                     GE_FWD_CLIENT);
    assert_string_equal(out, "192.0.2.60");
    assert_int_equal(client(&f, "127.0.0.1", "For=\"[2001:db8:cafe::17]:4711\"", out),
                     GE_FWD_CLIENT);
    assert_string_equal(out, "2001:db8:cafe::17");
    /* a forged element on the left; the proxy's on the right */
    assert_int_equal(client(&f, "127.0.0.1", "for=1.2.3.4, proto=https; for=198.51.100.17", out),
                     GE_FWD_CLIENT);
    assert_string_equal(out, "198.51.100.17");
    assert_int_equal(client(&f, "127.0.0.1", "for=198.51.100.17, for=127.0.0.1", out),
                     GE_FWD_CLIENT);
    assert_string_equal(out, "198.51.100.17");
    static const char *const bad[] = {"for=unknown", "for=_hidden", "proto=https",
                                      "for=\"[2001:db8::1\"", "198.51.100.17"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (client(&f, "127.0.0.1", bad[i], out) != GE_FWD_MALFORMED)
            fail_msg("'%s' was not malformed (gave %s)", bad[i], out);
        assert_string_equal(out, "127.0.0.1");
    }
    /* X-Forwarded-For's syntax is no Forwarded element: never mixed */
    ge_forwarded_free(&f);
}

static void test_settings(void **state)
{
    ge_forwarded f;
    ge_err err;
    (void)state;

    assert_int_equal(ge_forwarded_init(&f, "127.0.0.1/33", "", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "trusted_proxies"));
    assert_non_null(strstr(err.msg, "'127.0.0.1/33' is not an address"));
    ge_forwarded_free(&f);
    assert_int_equal(ge_forwarded_init(&f, "", "X-Real-IP", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "forwarded_header"));
    assert_non_null(strstr(err.msg, "X-Real-IP"));
    ge_forwarded_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xff),
        cmocka_unit_test(test_rfc7239),
        cmocka_unit_test(test_settings),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
