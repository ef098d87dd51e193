/*
 * test_tile_cache.c - the bounded LRU tile cache: hits and misses by key and
 * version, replacement, eviction in use order within the byte bound, empty
 * tiles, the gzip form, oversized entries, and many threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include "ts_group.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tile_cache.h"
#include "ts.h"

static unsigned char buf[1000];

static void test_hit_miss_and_versions(void **state)
{
    ge_tile_cache *c = ge_tile_cache_new(1 << 20);
    ge_tile_blob b;
    ge_tile_cache_stats st;
    (void)state;
    memset(buf, 'a', sizeof buf);
    assert_false(ge_tile_cache_get(c, "c/roads/14/1/2", 1, false, &b));
    ge_tile_cache_put(c, "c/roads/14/1/2", 1, buf, 100, NULL, 0);
    assert_true(ge_tile_cache_get(c, "c/roads/14/1/2", 1, false, &b));
    assert_int_equal(b.len, 100);
    assert_memory_equal(b.data, buf, 100);
    ge_tile_blob_free(&b);
    /* another version of the layer: a miss, never the old bytes */
    assert_false(ge_tile_cache_get(c, "c/roads/14/1/2", 2, false, &b));
    assert_null(b.data);
    /* the new version replaces the old entry */
    buf[0] = 'b';
    ge_tile_cache_put(c, "c/roads/14/1/2", 2, buf, 50, NULL, 0);
    assert_true(ge_tile_cache_get(c, "c/roads/14/1/2", 2, false, &b));
    assert_int_equal(b.len, 50);
    assert_int_equal(b.data[0], 'b');
    ge_tile_blob_free(&b);
    assert_false(ge_tile_cache_get(c, "c/roads/14/1/2", 1, false, &b));
    ge_tile_cache_stats_get(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 3);
    ge_tile_cache_free(c);
}

static void test_empty_tiles_and_gzip(void **state)
{
    ge_tile_cache *c = ge_tile_cache_new(1 << 20);
    ge_tile_blob b;
    unsigned char gz[10] = {0x1f, 0x8b, 1, 2, 3};
    (void)state;
    ge_tile_cache_put(c, "empty", 7, NULL, 0, NULL, 0);
    assert_true(ge_tile_cache_get(c, "empty", 7, true, &b));
    assert_null(b.data);
    assert_null(b.gz);
    assert_int_equal(b.len + b.gz_len, 0);

    ge_tile_cache_put(c, "t", 1, buf, 200, gz, sizeof gz);
    assert_true(ge_tile_cache_get(c, "t", 1, true, &b));
    assert_non_null(b.gz);
    assert_null(b.data);
    assert_int_equal(b.gz_len, sizeof gz);
    assert_memory_equal(b.gz, gz, sizeof gz);
    ge_tile_blob_free(&b);
    assert_true(ge_tile_cache_get(c, "t", 1, false, &b));
    assert_non_null(b.data);
    assert_null(b.gz);
    assert_int_equal(b.len, 200);
    ge_tile_blob_free(&b);
    /* no gzip kept: the plain bytes, even to a client that wants gzip */
    ge_tile_cache_put(c, "p", 1, buf, 30, NULL, 0);
    assert_true(ge_tile_cache_get(c, "p", 1, true, &b));
    assert_null(b.gz);
    assert_int_equal(b.len, 30);
    ge_tile_blob_free(&b);
    ge_tile_cache_free(c);
}

static void test_eviction_in_use_order(void **state)
{
    /* room for two 1000-byte tiles with their bookkeeping, not three */
    ge_tile_cache *c = ge_tile_cache_new(2600);
    ge_tile_blob b;
    ge_tile_cache_stats st;
    (void)state;
    ge_tile_cache_put(c, "a", 1, buf, 1000, NULL, 0);
    ge_tile_cache_put(c, "b", 1, buf, 1000, NULL, 0);
    /* using "a" makes "b" the least recently used */
    assert_true(ge_tile_cache_get(c, "a", 1, false, &b));
    ge_tile_blob_free(&b);
    ge_tile_cache_put(c, "c", 1, buf, 1000, NULL, 0);
    assert_true(ge_tile_cache_get(c, "a", 1, false, &b));
    ge_tile_blob_free(&b);
    assert_false(ge_tile_cache_get(c, "b", 1, false, &b));
    assert_true(ge_tile_cache_get(c, "c", 1, false, &b));
    ge_tile_blob_free(&b);
    ge_tile_cache_stats_get(c, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.evictions, 1);
    assert_true(st.bytes <= 2600);
    /* larger than the whole cache: not stored, nothing evicted for it */
    unsigned char *big = calloc(1, 5000);
    ge_tile_cache_put(c, "big", 1, big, 5000, NULL, 0);
    free(big);
    assert_false(ge_tile_cache_get(c, "big", 1, false, &b));
    ge_tile_cache_stats_get(c, &st);
    assert_int_equal(st.entries, 2);
    ge_tile_cache_free(c);
}

static void *hammer(void *arg)
{
    ge_tile_cache *c = arg;
    char key[32];
    ge_tile_blob b;
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "k%d", i % 300);
        if (ge_tile_cache_get(c, key, i % 3, i & 1, &b)) {
            size_t n = b.data ? b.len : b.gz_len;
            const unsigned char *p = b.data ? b.data : b.gz;
            /* every byte of a tile is its key's number: no torn entries */
            for (size_t k = 0; k < n; k++)
                if (p[k] != (unsigned char)(i % 300)) abort();
            ge_tile_blob_free(&b);
        } else {
            unsigned char data[700];
            memset(data, i % 300, sizeof data);
            ge_tile_cache_put(c, key, i % 3, data, 100 + (size_t)(i % 600), data, 50);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    ge_tile_cache *c = ge_tile_cache_new(64 * 1024);
    pthread_t th[4];
    ge_tile_cache_stats st;
    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, c), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ge_tile_cache_stats_get(c, &st);
    assert_true(st.bytes <= 64 * 1024);
    assert_int_equal(st.hits + st.misses, 80000);
    ge_tile_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_miss_and_versions),
        cmocka_unit_test(test_empty_tiles_and_gzip),
        cmocka_unit_test(test_eviction_in_use_order),
        cmocka_unit_test(test_threads),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
