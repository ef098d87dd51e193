/*
 * test_buf.c - geo/core/buf.h: the buffer grows and stays NUL-terminated,
 * printf appends short and long texts, a length overflowing size_t is
 * refused and the failure sticks, steal hands over or refuses, and the HTML
 * escaper escapes the five characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "ts.h"
#include "ts_group.h"

static void test_grows_and_terminates(void **state)
{
    ge_buf b = {0};
    char expect[10001];

    (void)state;
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(ge_buf_putc(&b, (char)('a' + i % 26)), GE_OK);
        expect[i] = (char)('a' + i % 26);
        assert_int_equal(b.len, (size_t)i + 1);
        assert_true(b.cap > b.len);
        assert_int_equal(b.data[b.len], '\0');
    }
    expect[10000] = '\0';
    assert_string_equal(b.data, expect);
    /* bytes with NULs inside */
    ge_buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(ge_buf_put(&b, "a\0b", 3), GE_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    ge_buf_free(&b);
    assert_null(b.data);
}

static void test_reserve_leaves_room(void **state)
{
    ge_buf b = {0};

    (void)state;
    assert_int_equal(ge_buf_reserve(&b, 1000), GE_OK);
    assert_true(b.cap >= 1001);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    memcpy(b.data, "xyz", 3);
    b.len = 3;
    assert_int_equal(ge_buf_puts(&b, "!"), GE_OK);
    assert_string_equal(b.data, "xyz!");
    ge_buf_free(&b);
}

static void test_printf(void **state)
{
    ge_buf b = {0};
    char *big = malloc(5001);

    (void)state;
    assert_non_null(big);
    assert_int_equal(ge_buf_printf(&b, "%d-%s", 42, "x"), GE_OK);
    assert_string_equal(b.data, "42-x");
    /* longer than the room left: the second attempt writes it whole */
    memset(big, 'q', 5000);
    big[5000] = '\0';
    assert_int_equal(ge_buf_printf(&b, "[%s]", big), GE_OK);
    assert_int_equal(b.len, 4 + 5002);
    assert_int_equal(b.data[4], '[');
    assert_int_equal(b.data[4 + 5001], ']');
    assert_int_equal(b.data[b.len], '\0');
    /* many small ones across growths */
    ge_buf_clear(&b);
    for (int i = 0; i < 1000; i++)
        ge_buf_printf(&b, "%03d,", i);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.data + 3996, "999,", 5);
    free(big);
    ge_buf_free(&b);
}

static void test_overflow_refused_and_sticky(void **state)
{
    ge_buf b = {0};
    size_t len;

    (void)state;
    ge_buf_puts(&b, "abc");
    assert_int_equal(ge_buf_reserve(&b, SIZE_MAX), GE_ENOMEM);
    assert_true(b.failed);
    assert_int_equal(ge_buf_reserve(&b, SIZE_MAX - 3), GE_ENOMEM);
    /* later appends do nothing, and steal refuses */
    assert_int_equal(ge_buf_puts(&b, "def"), GE_ENOMEM);
    assert_int_equal(ge_buf_printf(&b, "%d", 1), GE_ENOMEM);
    assert_int_equal(ge_buf_put_html(&b, "<"), GE_ENOMEM);
    assert_int_equal(b.len, 3);
    assert_null(ge_buf_steal(&b, &len));
    assert_int_equal(len, 0);
    assert_null(b.data);
    assert_false(b.failed);
    /* put's own length check: n that would overflow len + n + 1 */
    ge_buf_puts(&b, "x");
    assert_int_equal(ge_buf_put(&b, "", SIZE_MAX - 1), GE_ENOMEM);
    ge_buf_free(&b);
}

static void test_steal(void **state)
{
    ge_buf b = {0};
    size_t len = 99;
    char *s;

    (void)state;
    s = ge_buf_steal(&b, &len); /* nothing appended: "" */
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    free(s);
    ge_buf_puts(&b, "hello");
    s = ge_buf_steal(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_html(void **state)
{
    ge_buf b = {0};

    (void)state;
    assert_int_equal(ge_buf_put_html(&b, "a<b>&\"c\"'d' ö"), GE_OK);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39; ö");
    ge_buf_clear(&b);
    ge_buf_put_html(&b, "");
    assert_string_equal(b.data, "");
    ge_buf_put_html(&b, "&&");
    assert_string_equal(b.data, "&amp;&amp;");
    ge_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grows_and_terminates),
        cmocka_unit_test(test_reserve_leaves_room),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_overflow_refused_and_sticky),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_html),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
