/*
 * test_throttle.c - the login throttle's counts (server/throttle.h): a name
 * locks after 5 failures and an address group after 20, for exactly the
 * lockout period; no flood of other names, addresses or successful logins
 * ends a lock early, neither in a tiny table that the flood fills many
 * times over nor in one of the server's size; a success takes back its
 * advance count and forgets the name's failures; IPv6 addresses count per
 * /64 and IPv4-mapped ones as IPv4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "throttle.h"
#include "ts.h"
#include "ts_group.h"

#define LOCKOUT    900
#define MAX_NAME   5
#define MAX_ADDR   20
#define TINY_WIDTH 64    /* a table the floods below fill many times over */
#define REAL_WIDTH 65536 /* the server's (session.c) */

static const unsigned char key[32] = "geoEDITOR throttle test key 0123";

static ge_throttle_cell tiny_names[GE_THROTTLE_ROWS * TINY_WIDTH];
static ge_throttle_cell tiny_addrs[GE_THROTTLE_ROWS * TINY_WIDTH];
static ge_throttle_cell real_names[GE_THROTTLE_ROWS * REAL_WIDTH];
static ge_throttle_cell real_addrs[GE_THROTTLE_ROWS * REAL_WIDTH];

static void new_throttle(ge_throttle *t, size_t width)
{
    ge_throttle_cell *n = width == TINY_WIDTH ? tiny_names : real_names;
    ge_throttle_cell *a = width == TINY_WIDTH ? tiny_addrs : real_addrs;
    memset(n, 0, GE_THROTTLE_ROWS * width * sizeof *n);
    memset(a, 0, GE_THROTTLE_ROWS * width * sizeof *a);
    ge_throttle_init(t, n, a, width, MAX_NAME, MAX_ADDR, key);
}

/* One attempt: true when it may check the password; *retry when not. */
static bool try_login(ge_throttle *t, const char *name, const char *addr, time_t now, long *retry,
                      ge_throttle_attempt *a)
{
    ge_throttle_attempt local;
    long r = -1;
    bool ok = ge_throttle_begin(t, name, addr, now, LOCKOUT, &r, a ? a : &local);
    if (retry) *retry = r;
    assert_true(ok ? r == 0 : r > 0);
    return ok;
}

static void test_addr_group(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"192.0.2.7", "192.0.2.7"},
        {"127.0.0.1", "127.0.0.1"},
        {"::ffff:192.0.2.7", "192.0.2.7"},
        {"::FFFF:c000:0207", "192.0.2.7"},
        {"2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
        {"2001:0db8:0001:0002::1", "2001:db8:1:2::/64"},
        {"2001:db8:1:3::1", "2001:db8:1:3::/64"},
        {"2001:db8::", "2001:db8::/64"},
        {"::1", "::/64"},
        {"fe80::1:2:3:4", "fe80::/64"},
        {"-", "-"},
        {"", ""},
        {"not an address", "not an address"},
    };
    char out[GE_THROTTLE_GROUP_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ge_throttle_addr_group(cases[i].in, out);
        if (strcmp(out, cases[i].out) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].in, out, cases[i].out);
    }
}

/* 20 failures anywhere in one /64 lock the whole /64, not the next one;
 * an IPv4 address and its IPv4-mapped form are one client. */
static void test_addr_limit_groups(void **state)
{
    ge_throttle t;
    time_t now = 1000000;
    long retry;
    char name[32], addr[64];

    (void)state;
    new_throttle(&t, REAL_WIDTH);
    for (int i = 0; i < MAX_ADDR; i++) {
        snprintf(name, sizeof name, "sprayed-%d", i);
        snprintf(addr, sizeof addr, "2001:db8:1:2:%x::%x", i, i + 1);
        assert_true(try_login(&t, name, addr, now, NULL, NULL));
    }
    assert_false(try_login(&t, "berta", "2001:db8:1:2:ffff:ffff:ffff:ffff", now, &retry, NULL));
    assert_int_equal(retry, LOCKOUT);
    assert_true(try_login(&t, "berta", "2001:db8:1:3::1", now, NULL, NULL));

    for (int i = 0; i < MAX_ADDR / 2; i++) {
        snprintf(name, sizeof name, "v4-%d", i);
        assert_true(try_login(&t, name, "192.0.2.9", now, NULL, NULL));
        snprintf(name, sizeof name, "mapped-%d", i);
        assert_true(try_login(&t, name, "::ffff:192.0.2.9", now, NULL, NULL));
    }
    assert_false(try_login(&t, "anyone", "192.0.2.9", now, NULL, NULL));
    assert_false(try_login(&t, "anyone", "::ffff:192.0.2.9", now, NULL, NULL));
    assert_true(try_login(&t, "anyone", "192.0.2.10", now, NULL, NULL));
}

/* 5 failures lock a name for exactly the lockout period, from any address. */
static void test_name_lock_expires(void **state)
{
    ge_throttle t;
    time_t t0 = 2000000;
    long retry;

    (void)state;
    new_throttle(&t, REAL_WIDTH);
    for (int i = 0; i < MAX_NAME; i++)
        assert_true(try_login(&t, "berta", "198.51.100.1", t0 + i, NULL, NULL));
    /* locked at t0 + 4, the fifth failure */
    assert_false(try_login(&t, "berta", "198.51.100.2", t0 + 4, &retry, NULL));
    assert_int_equal(retry, LOCKOUT);
    assert_false(try_login(&t, "berta", "203.0.113.9", t0 + 4 + LOCKOUT - 1, &retry, NULL));
    assert_int_equal(retry, 1);
    assert_true(try_login(&t, "berta", "203.0.113.9", t0 + 4 + LOCKOUT, NULL, NULL));
    /* and the count starts over: four more before the next lock */
    for (int i = 0; i < MAX_NAME - 2; i++)
        assert_true(try_login(&t, "berta", "203.0.113.9", t0 + 4 + LOCKOUT, NULL, NULL));
    assert_true(try_login(&t, "berta", "203.0.113.9", t0 + 4 + LOCKOUT, NULL, NULL));
    assert_false(try_login(&t, "berta", "203.0.113.9", t0 + 4 + LOCKOUT, NULL, NULL));
}

/*
 * Locks berta, then floods from many addresses with other names, now and
 * then a successful login among them, up to the last second of the lock:
 * berta is refused every time it is asked, with a Retry-After that counts
 * down to the lock's end or beyond it (never sooner). Returns how many of
 * the flood's attempts were let through to a password check.
 */
static long flood_keeps_lock(ge_throttle *t, long flood)
{
    const time_t t0 = 3000000;
    long passed = 0, retry;
    char name[32], addr[32];

    for (int i = 0; i < MAX_NAME; i++)
        assert_true(try_login(t, "berta", "10.0.0.2", t0, NULL, NULL));
    for (long i = 0; i < flood; i++) {
        time_t now = t0 + (time_t)(i * (LOCKOUT - 1) / flood);
        ge_throttle_attempt a;
        snprintf(name, sizeof name, "nobody-%ld", i);
        /* 20 per address: each one just below or at its own limit */
        snprintf(addr, sizeof addr, "10.%ld.%ld.%ld", 1 + i / 20 / 65536 % 200, i / 20 / 256 % 256,
                 i / 20 % 256);
        if (try_login(t, name, addr, now, NULL, &a)) {
            passed++;
            if (i % 97 == 0) ge_throttle_success(t, &a); /* someone logs in */
        }
        if (i % 1000 == 0) {
            assert_false(try_login(t, "berta", "10.0.0.4", now, &retry, NULL));
            assert_true(now + retry >= t0 + LOCKOUT);
        }
    }
    assert_false(try_login(t, "berta", "10.0.0.4", t0 + LOCKOUT - 1, &retry, NULL));
    assert_true(retry >= 1);
    return passed;
}

/* The regression of issue 11: thousands of logins under made-up names used
 * to push a locked name out of the (full) table, and the right password got
 * in. In a table a few cells wide the flood fills every cell many times;
 * the lock holds (and more names lock: that is the price, never fewer). */
static void test_flood_tiny_table(void **state)
{
    ge_throttle t;
    long retry;

    (void)state;
    new_throttle(&t, TINY_WIDTH);
    assert_true(flood_keeps_lock(&t, 100000) > 0);
    /* the full table locks names it never saw: more locks, not fewer */
    assert_false(try_login(&t, "never-tried", "10.250.0.1", 3000000 + LOCKOUT - 1, &retry, NULL));
}

/* At the server's size the same flood neither lifts berta's lock nor locks
 * anyone else: names and addresses it never touched log in. */
static void test_flood_real_table(void **state)
{
    ge_throttle t;
    ge_throttle_attempt a;
    char name[32];

    (void)state;
    new_throttle(&t, REAL_WIDTH);
    assert_int_equal(flood_keeps_lock(&t, 20000), 20000);
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "colleague-%d", i);
        assert_true(try_login(&t, name, "10.250.0.1", 3000000 + LOCKOUT - 1, NULL, &a));
        ge_throttle_success(&t, &a);
    }
}

/* A success takes back its advance count and forgets the name's failures:
 * 4 typos and the right password leave nothing behind, nor does the right
 * password as the fifth try; for the address only the success's own count
 * is taken back. */
static void test_success(void **state)
{
    ge_throttle t;
    ge_throttle_attempt a;
    time_t now = 4000000;
    char name[32];

    (void)state;
    new_throttle(&t, REAL_WIDTH);
    for (int i = 0; i < MAX_NAME - 1; i++)
        assert_true(try_login(&t, "berta", "192.0.2.1", now, NULL, NULL));
    assert_true(try_login(&t, "berta", "192.0.2.1", now, NULL, &a));
    ge_throttle_success(&t, &a); /* the fifth, and right: not locked */
    for (int i = 0; i < MAX_NAME; i++)
        assert_true(try_login(&t, "berta", "192.0.2.2", now, NULL, NULL));
    assert_false(try_login(&t, "berta", "192.0.2.2", now, NULL, NULL));

    /* 19 failures from one address and the 20th attempt succeeds: the
     * address is not locked; one more failure locks it. 192.0.2.1 has
     * four failures from above. */
    for (int i = 0; i < MAX_ADDR - 1 - 4; i++) {
        snprintf(name, sizeof name, "typo-%d", i);
        assert_true(try_login(&t, name, "192.0.2.1", now, NULL, NULL));
    }
    assert_true(try_login(&t, "carl", "192.0.2.1", now, NULL, &a));
    ge_throttle_success(&t, &a);
    assert_true(try_login(&t, "dora", "192.0.2.1", now, NULL, NULL));
    assert_false(try_login(&t, "erik", "192.0.2.1", now, NULL, NULL));

    /* A refused attempt counted nothing, so its "success" takes nothing back. */
    assert_false(ge_throttle_begin(&t, "berta", "192.0.2.3", now, LOCKOUT, &(long){0}, &a));
    ge_throttle_success(&t, &a);
    assert_false(try_login(&t, "berta", "192.0.2.3", now, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_group),        cmocka_unit_test(test_addr_limit_groups),
        cmocka_unit_test(test_name_lock_expires), cmocka_unit_test(test_flood_tiny_table),
        cmocka_unit_test(test_flood_real_table),  cmocka_unit_test(test_success),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
