/*
 * test_webhook_sign.c - the webhook signature (geo/core/webhook_sign.h) against
 * vectors computed independently of libsodium:
 *   RFC 4231 test cases 2 and 6 (the second with a key longer than a block);
 *   the delivery framing "<timestamp>.<body>", computed with
 *     printf '1700000000.{"type":"case.status_changed","delivery_id":17}' \
 *       | openssl dgst -sha256 -hmac 'whsec_test-secret'
 *   and checked with Python's hmac module (both gave e5c1cf97...2759);
 * and verification refusing every kind of tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <string.h>

#include "ts.h"
#include "webhook_sign.h"

#define BODY   "{\"type\":\"case.status_changed\",\"delivery_id\":17}"
#define SECRET "whsec_test-secret"
#define SIG    "sha256=e5c1cf9758897c24c5d8c571a58d6dda9122fe5c0880e508192ee380d8e62759"

static void test_rfc4231(void **state)
{
    unsigned char key6[131];
    char hex[65];
    const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";

    (void)state;
    ge_webhook_hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key6, 0xaa, sizeof key6);
    ge_webhook_hmac_hex(key6, sizeof key6, msg6, strlen(msg6), hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_sign_framing(void **state)
{
    char sig[GE_WEBHOOK_SIG_LEN];

    (void)state;
    ge_webhook_sign(SECRET, 1700000000, BODY, strlen(BODY), sig);
    assert_string_equal(sig, SIG);
    assert_int_equal(strlen(sig), GE_WEBHOOK_SIG_LEN - 1);
    /* another timestamp, another signature */
    ge_webhook_sign(SECRET, 1700000001, BODY, strlen(BODY), sig);
    assert_string_not_equal(sig, SIG);
}

static void test_verify(void **state)
{
    const int64_t now = 1700000005;
    char upper[sizeof SIG];

    (void)state;
    assert_true(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), SIG, now, 300));
    /* no tolerance: any age */
    assert_true(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), SIG, now + 86400, 0));
    /* another secret, body, timestamp */
    assert_false(ge_webhook_verify("whsec_other", "1700000000", BODY, strlen(BODY), SIG, now, 300));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY) - 1, SIG, now, 300));
    assert_false(ge_webhook_verify(SECRET, "1700000001", BODY, strlen(BODY), SIG, now, 300));
    /* too old, too far in the future */
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), SIG, now + 400, 300));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), SIG, now - 400, 300));
    /* malformed headers */
    assert_false(ge_webhook_verify(SECRET, "+1700000000", BODY, strlen(BODY), SIG, now, 0));
    assert_false(ge_webhook_verify(SECRET, " 1700000000", BODY, strlen(BODY), SIG, now, 0));
    assert_false(ge_webhook_verify(SECRET, "", BODY, strlen(BODY), SIG, now, 0));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), SIG + 7, now, 0));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), "sha1=abc", now, 0));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY),
                                   "sha256=e5c1cf9758897c24c5d8c571a58d6dda9122fe5c0880e508192ee3",
                                   now, 0));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), "", now, 0));
    assert_false(ge_webhook_verify(SECRET, NULL, BODY, strlen(BODY), SIG, now, 0));
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), NULL, now, 0));
    /* one flipped hex digit */
    memcpy(upper, SIG, sizeof SIG);
    upper[sizeof SIG - 2] = upper[sizeof SIG - 2] == '9' ? '8' : '9';
    assert_false(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), upper, now, 0));
    /* hex digits in upper case are the same bytes */
    memcpy(upper, SIG, sizeof SIG);
    for (size_t i = 7; upper[i]; i++)
        if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = (char)(upper[i] - 'a' + 'A');
    assert_true(ge_webhook_verify(SECRET, "1700000000", BODY, strlen(BODY), upper, now, 0));
}

static void test_empty_body(void **state)
{
    char sig[GE_WEBHOOK_SIG_LEN], hex[65];

    (void)state;
    ge_webhook_sign(SECRET, 5, "", 0, sig);
    /* the message is then just "5." */
    ge_webhook_hmac_hex(SECRET, strlen(SECRET), "5.", 2, hex);
    assert_string_equal(sig + 7, hex);
    assert_true(ge_webhook_verify(SECRET, "5", "", 0, sig, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4231),
        cmocka_unit_test(test_sign_framing),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_empty_body),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
