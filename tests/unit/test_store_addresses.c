/*
 * test_store_addresses.c - address search (store_addresses.h) on both
 * backends (each case on a SQLite file and on a PostGIS database; the
 * PostGIS runs skip visibly without PostgreSQL): every word a prefix, the
 * house number typed first, streets that begin with the word typed before
 * those that merely contain one, numbers in natural order; "ß" and "ss",
 * diacritics and case alike; a place without a street; a store without
 * addresses; the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_addresses.h"
#include "ts.h"
#include "ts_store.h"
#include "ts_store_both.h"

static ge_store *st; /* NULL: the case's backend is not available (skip) */

TS_STORE_FIXTURE(st, "store_addresses", "addr.db", NULL)

static void import_addresses(void)
{
    static const char *const props[] = {
        "{\"label\":\"Lindenallee 21\",\"street\":\"Lindenallee\",\"housenumber\":\"21\","
        "\"postcode\":\"13509\",\"city\":\"Berlin\"}",
        "{\"label\":\"Am Lindenhof 2\",\"street\":\"Am Lindenhof\",\"housenumber\":\"2\","
        "\"postcode\":\"13509\",\"city\":\"Berlin\"}",
        "{\"label\":\"Lindenallee 10a\",\"street\":\"Lindenallee\",\"housenumber\":\"10a\","
        "\"postcode\":\"13509\",\"city\":\"Berlin\"}",
        "{\"label\":\"Lindenallee 2\",\"street\":\"Lindenallee\",\"housenumber\":\"2\","
        "\"postcode\":\"13509\",\"city\":\"Berlin\"}",
        "{\"label\":\"Lindenallee 10\",\"street\":\"Lindenallee\",\"housenumber\":\"10\","
        "\"postcode\":\"13509\",\"city\":\"Berlin\"}",
        "{\"label\":\"Hauptstraße 5\",\"street\":\"Hauptstraße\",\"housenumber\":\"5\","
        "\"postcode\":\"13507\",\"city\":\"Berlin\"}",
        "{\"label\":\"Müllerstraße 3\",\"street\":\"Müllerstraße\",\"housenumber\":\"3\","
        "\"postcode\":\"13507\",\"city\":\"Berlin\"}",
        "{\"label\":\"Gut Eichenhof 1\",\"place\":\"Gut Eichenhof\",\"housenumber\":\"1\","
        "\"city\":\"Berlin\"}",
        "{\"label\":\"Amselweg 1\",\"street\":\"Amselweg\",\"housenumber\":\"1\","
        "\"postcode\":\"12345\",\"city\":\"Berlin\"}",
    };
    ge_import_batch *b = NULL;
    ge_layer_info li;
    ge_err err = {0};

    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, GE_ADDRESSES_LAYER);
    assert_int_equal(ge_import_batch_begin(st, time(NULL), &b, &err), GE_OK);
    assert_int_equal(ge_import_batch_layer(b, &li, &err), GE_OK);
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        unsigned char wkb[21];
        ts_wkb_point(wkb, 385000.0 + (double)i, 5820000.0 + (double)i);
        assert_int_equal(ge_import_batch_add(b, wkb, sizeof wkb, props[i], &err), GE_OK);
    }
    assert_int_equal(ge_import_batch_commit(b, &err), GE_OK);
}

/* The labels found for q, joined by "|". */
static const char *search(const char *q, int limit)
{
    static char out[1024];
    ge_address a[GE_ADDRESSES_LIMIT_MAX];
    size_t n = 0, len = 0;
    ge_err err = {0};
    if (ge_store_addresses_search(st, q, limit, a, &n, &err) != GE_OK)
        fail_msg("search '%s': %s", q, err.msg);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s", i ? "|" : "", a[i].label);
    return out;
}

static void test_order(void **state)
{
    (void)state;
    if (!st) skip();
    import_addresses();
    assert_string_equal(search("Lindenallee 2", 10), "Lindenallee 2|Lindenallee 21");
    assert_string_equal(search("linden", 10), "Lindenallee 2|Lindenallee 10|Lindenallee 10a|"
                                              "Lindenallee 21|Am Lindenhof 2");
    /* the number first, then the street that begins with the word */
    assert_string_equal(search("Linden 2", 10), "Lindenallee 2|Am Lindenhof 2|Lindenallee 21");
    assert_string_equal(search("linden", 2), "Lindenallee 2|Lindenallee 10");
    assert_string_equal(search("1234", 10), "Amselweg 1");
}

static void test_spellings_and_values(void **state)
{
    ge_address a[4];
    size_t n = 0;
    ge_err err = {0};
    (void)state;
    if (!st) skip();
    import_addresses();
    assert_string_equal(search("hauptstrasse 5", 10), "Hauptstraße 5");
    assert_string_equal(search("HAUPTSTRASSE", 10), "Hauptstraße 5");
    assert_string_equal(search("Hauptstr. 5", 10), "Hauptstraße 5");
    assert_string_equal(search("hauptstraße", 10), "Hauptstraße 5");
    assert_string_equal(search("Mullerstr", 10), "Müllerstraße 3");
    assert_string_equal(search("müller 3", 10), "Müllerstraße 3");
    assert_string_equal(search("Eichenhof", 10), "Gut Eichenhof 1");
    assert_string_equal(search("Schillerstr", 10), "");

    assert_int_equal(ge_store_addresses_search(st, "Eichenhof", 4, a, &n, &err), GE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].street, "Gut Eichenhof");
    assert_string_equal(a[0].housenumber, "1");
    assert_string_equal(a[0].postcode, "");
    assert_string_equal(a[0].city, "Berlin");
    assert_true(a[0].x == 385007.0 && a[0].y == 5820007.0);
}

static void test_no_layer_and_errors(void **state)
{
    ge_address a[4];
    size_t n = 9;
    ge_err err = {0};
    char longq[GE_ADDRESSES_Q_MAX + 2];
    (void)state;
    if (!st) skip();
    assert_int_equal(ge_store_addresses_search(st, "Linden", 4, a, &n, &err), GE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ge_store_addresses_search(st, "!!! ,.", 4, a, &n, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "no letter or digit"));
    assert_int_equal(ge_store_addresses_search(st, "Linden", 0, a, &n, &err), GE_EINVAL);
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    assert_int_equal(ge_store_addresses_search(st, longq, 4, a, &n, &err), GE_EINVAL);
}

#define ON_BOTH(fn) TS_STORE_ON_BOTH(fn, open_store, close_store)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ON_BOTH(test_order),
        ON_BOTH(test_spellings_and_values),
        ON_BOTH(test_no_layer_and_errors),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
