/*
 * test_session.c - what the server reads of a caseworker's request before
 * any store lookup (server/session.h): the session cookie among other
 * cookies, the session id's form, and the CSRF token's check against the
 * stored hash. The same functions are fuzzed (tests/fuzz/fuzz_session.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "session.h"
#include "ts.h"
#include "ts_group.h"

#define ID "q3hP0Yb8mJx1vT9cN4sK7eW2aZ5uR6oL0iD3fG8hQjA"

static void test_cookie(void **state)
{
    char out[GE_TOKEN_MAX];
    char long_value[200];
    (void)state;

    assert_true(ge_session_cookie_parse("ge_session=" ID, out));
    assert_string_equal(out, ID);
    assert_true(ge_session_cookie_parse("theme=dark; ge_session=" ID "; lang=de", out));
    assert_string_equal(out, ID);
    /* the first of two wins; spaces and tabs before a pair are skipped */
    assert_true(ge_session_cookie_parse(";\t ge_session=a; ge_session=b", out));
    assert_string_equal(out, "a");
    /* a cookie whose name only ends or starts with ours is another cookie */
    assert_false(ge_session_cookie_parse("xge_session=" ID, out));
    assert_false(ge_session_cookie_parse("ge_sessionx=" ID, out));
    assert_false(ge_session_cookie_parse("ge_session", out));
    assert_true(ge_session_cookie_parse("ge_session=", out)); /* present, empty: no id */
    assert_string_equal(out, "");
    assert_false(ge_session_cookie_parse("", out));
    assert_false(ge_session_cookie_parse(NULL, out));
    /* longer than any token: not copied */
    memset(long_value, 'a', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    memcpy(long_value, "ge_session=", 11);
    assert_false(ge_session_cookie_parse(long_value, out));
}

static void test_id(void **state)
{
    unsigned char raw[32];
    char again[64];
    (void)state;

    assert_true(ge_session_id_decode(ID, raw));
    sodium_bin2base64(again, sizeof again, raw, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    assert_string_equal(again, ID);
    assert_false(ge_session_id_decode(NULL, raw));
    assert_false(ge_session_id_decode("", raw));
    assert_false(ge_session_id_decode(ID "A", raw)); /* 44 characters */
    assert_false(ge_session_id_decode("q3hP0Yb8mJx1vT9cN4sK7eW2aZ5uR6oL0iD3fG8hQj+", raw));
}

static void test_csrf(void **state)
{
    static const unsigned char ctxt[] = "geoEDITOR CSRF secret v1";
    unsigned char raw[32], secret[32], buf[64];
    char b64[64], stored[GE_TOKEN_HASH_LEN], token[GE_CSRF_TOKEN_LEN];
    (void)state;

    assert_true(ge_session_id_decode(ID, raw));
    crypto_generichash(secret, 32, ctxt, sizeof ctxt - 1, raw, 32);
    sodium_bin2base64(b64, sizeof b64, secret, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    ge_token_hash(b64, stored);
    /* pad || (pad XOR secret), any pad */
    for (int i = 0; i < 32; i++) {
        buf[i] = (unsigned char)(i * 7 + 1);
        buf[32 + i] = buf[i] ^ secret[i];
    }
    sodium_bin2base64(token, sizeof token, buf, 64, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    assert_true(ge_session_csrf_check(token, stored));
    token[10] = token[10] == 'A' ? 'B' : 'A';
    assert_false(ge_session_csrf_check(token, stored));
    assert_false(ge_session_csrf_check(NULL, stored));
    assert_false(ge_session_csrf_check("", stored));
    assert_false(ge_session_csrf_check(b64, stored)); /* the unmasked secret itself */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_csrf),
    };
    if (sodium_init() < 0) return 1;
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
