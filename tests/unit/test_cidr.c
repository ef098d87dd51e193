/*
 * test_cidr.c - address prefix lists (server/cidr.h): parsing with clear
 * errors, IPv4 and IPv6 prefixes on and off byte boundaries, single
 * addresses, IPv4-mapped IPv6 clients, and the empty list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cidr.h"
#include "ts.h"
#include "ts_group.h"

static void test_match(void **state)
{
    ge_cidr_list l;
    ge_err err;
    (void)state;

    assert_int_equal(
        ge_cidr_list_parse(&l, " 127.0.0.0/8, ::1 ,10.1.16.0/20,192.0.2.7, fd00::/8", &err), GE_OK);
    assert_int_equal(l.n, 5);
    assert_true(ge_cidr_list_match(&l, "127.0.0.1"));
    assert_true(ge_cidr_list_match(&l, "127.255.0.2"));
    assert_false(ge_cidr_list_match(&l, "128.0.0.1"));
    assert_true(ge_cidr_list_match(&l, "::1"));
    assert_false(ge_cidr_list_match(&l, "::2"));
    /* /20: 10.1.16.0 .. 10.1.31.255 */
    assert_true(ge_cidr_list_match(&l, "10.1.16.0"));
    assert_true(ge_cidr_list_match(&l, "10.1.31.255"));
    assert_false(ge_cidr_list_match(&l, "10.1.32.0"));
    assert_false(ge_cidr_list_match(&l, "10.1.15.255"));
    /* one address */
    assert_true(ge_cidr_list_match(&l, "192.0.2.7"));
    assert_false(ge_cidr_list_match(&l, "192.0.2.8"));
    assert_true(ge_cidr_list_match(&l, "fd12:3456::1"));
    assert_false(ge_cidr_list_match(&l, "fe80::1"));
    /* IPv4 clients on a dual-stack socket */
    assert_true(ge_cidr_list_match(&l, "::ffff:127.0.0.1"));
    assert_false(ge_cidr_list_match(&l, "::ffff:8.8.8.8"));
    /* no address at all */
    assert_false(ge_cidr_list_match(&l, "-"));
    assert_false(ge_cidr_list_match(&l, NULL));
    ge_cidr_list_free(&l);
}

static void test_edges(void **state)
{
    ge_cidr_list l;
    ge_err err;
    (void)state;

    /* /0 is everything of its family */
    assert_int_equal(ge_cidr_list_parse(&l, "0.0.0.0/0", &err), GE_OK);
    assert_true(ge_cidr_list_match(&l, "203.0.113.9"));
    assert_true(ge_cidr_list_match(&l, "::ffff:203.0.113.9"));
    assert_false(ge_cidr_list_match(&l, "2001:db8::1"));
    ge_cidr_list_free(&l);

    /* the empty list allows no one */
    assert_int_equal(ge_cidr_list_parse(&l, "", &err), GE_OK);
    assert_int_equal(l.n, 0);
    assert_false(ge_cidr_list_match(&l, "127.0.0.1"));
    ge_cidr_list_free(&l);
    assert_int_equal(ge_cidr_list_parse(&l, " , ", &err), GE_OK);
    assert_int_equal(l.n, 0);
    ge_cidr_list_free(&l);
}

static void test_errors(void **state)
{
    static const char *const bad[] = {"10.0.0.0/33", "::1/129",   "1.2.3.4/", "1.2.3.4/-1",
                                      "1.2.3.4/8x",  "localhost", "1.2.3",    "/8"};
    ge_cidr_list l;
    ge_err err;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char list[64], want[64];
        snprintf(list, sizeof list, "127.0.0.0/8, %s", bad[i]);
        snprintf(want, sizeof want, "'%s' is not an address or address/prefix", bad[i]);
        assert_int_equal(ge_cidr_list_parse(&l, list, &err), GE_EINVAL);
        if (!strstr(err.msg, want)) fail_msg("'%s': message '%s' lacks '%s'", list, err.msg, want);
        assert_int_equal(l.n, 0);
        assert_null(l.items);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_errors),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
