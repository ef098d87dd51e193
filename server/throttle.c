/*
 * throttle.c - failed logins counted per name and per address group in
 * count-min sketches that never evict (throttle.h).
 *
 * Why a sketch and not a table of entries: a table of entries must make
 * room when it is full, and whatever it then drops (the oldest entry, or an
 * unknown name's) can be pushed out on purpose: a few thousand logins under
 * made-up names used to evict a locked name, and the right password went
 * through. Keeping only the entries of existing names would fix that but
 * answer differently for names that exist. A sketch has a cell for every
 * key at once: it never makes room, a lock ends only when its time is up,
 * and the price of a full sketch is that more keys lock, never fewer.
 */
#include "throttle.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static void ge_throttle_table_init(ge_throttle_table *tb, ge_throttle_cell *cells, size_t width,
                                   int limit, const unsigned char *key)
{
    assert(width > 0 && (width & (width - 1)) == 0 && width <= ((size_t)1 << 32));
    assert(limit >= 1);
    tb->cells = cells;
    tb->width = width;
    tb->limit = (uint32_t)limit;
    memcpy(tb->key, key, sizeof tb->key);
}

void ge_throttle_init(ge_throttle *t, ge_throttle_cell *name_cells, ge_throttle_cell *addr_cells,
                      size_t width, int max_name, int max_addr, const unsigned char *key)
{
    unsigned char k[32];

    _Static_assert(sizeof k == 2 * crypto_shorthash_KEYBYTES, "two SipHash keys");
    if (sodium_init() < 0) abort(); /* no random key, no throttle: better not start */
    if (key)
        memcpy(k, key, sizeof k);
    else
        randombytes_buf(k, sizeof k);
    pthread_mutex_init(&t->mu, NULL);
    ge_throttle_table_init(&t->names, name_cells, width, max_name, k);
    ge_throttle_table_init(&t->addrs, addr_cells, width, max_addr, k + 16);
    sodium_memzero(k, sizeof k);
}

/* The cells of key, each emptied first when its window has ended. */
static void ge_throttle_locate(ge_throttle_table *tb, const char *key, time_t now,
                               ge_throttle_at *at)
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v = 0;

    _Static_assert(GE_THROTTLE_ROWS * 32 <= 8 * crypto_shorthash_BYTES, "32 hash bits per row");
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), tb->key);
    for (size_t i = 0; i < sizeof h; i++)
        v = v << 8 | h[i];
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        size_t idx = (size_t)r * tb->width + ((size_t)(v >> (32 * r)) & (tb->width - 1));
        ge_throttle_cell *c = &tb->cells[idx];
        if (c->window_end && c->window_end <= (int64_t)now) {
            c->failures = 0;
            c->window_end = 0;
            c->epoch++;
        }
        at->cell[r] = idx;
        at->epoch[r] = c->epoch;
    }
}

/* The key's count: the smallest of its cells. */
static uint32_t ge_throttle_count_of(const ge_throttle_table *tb, const ge_throttle_at *at)
{
    uint32_t n = UINT32_MAX;
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (tb->cells[at->cell[r]].failures < n) n = tb->cells[at->cell[r]].failures;
    return n;
}

/* Seconds the key stays locked (until the first of its cells ends), 0 when
 * it is not locked. */
static long ge_throttle_wait(const ge_throttle_table *tb, const ge_throttle_at *at, time_t now)
{
    int64_t end = INT64_MAX;

    if (ge_throttle_count_of(tb, at) < tb->limit) return 0;
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (tb->cells[at->cell[r]].window_end < end) end = tb->cells[at->cell[r]].window_end;
    return end > (int64_t)now ? (long)(end - (int64_t)now) : 0;
}

/* One failure for the key; at the limit, its cells count (and so lock) for
 * lockout seconds from now at least. */
static void ge_throttle_add(ge_throttle_table *tb, const ge_throttle_at *at, time_t now,
                            long lockout)
{
    int64_t until = (int64_t)now + lockout;

    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        ge_throttle_cell *c = &tb->cells[at->cell[r]];
        if (!c->window_end) c->window_end = until;
        if (c->failures < UINT32_MAX) c->failures++;
    }
    if (ge_throttle_count_of(tb, at) >= tb->limit)
        for (int r = 0; r < GE_THROTTLE_ROWS; r++)
            if (tb->cells[at->cell[r]].window_end < until)
                tb->cells[at->cell[r]].window_end = until;
}

/* Takes back one failure added with at, in the cells that have not started
 * anew since: this leaves every cell as it would be without the attempt. */
static void ge_throttle_take_back(ge_throttle_table *tb, const ge_throttle_at *at)
{
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        ge_throttle_cell *c = &tb->cells[at->cell[r]];
        if (c->epoch == at->epoch[r] && c->failures > 0) c->failures--;
    }
}

bool ge_throttle_begin(ge_throttle *t, const char *name, const char *remote, time_t now,
                       long lockout, long *retry_after, ge_throttle_attempt *a)
{
    char group[GE_THROTTLE_GROUP_MAX];
    long wait, wa;

    memset(a, 0, sizeof *a);
    ge_throttle_addr_group(remote, group);
    pthread_mutex_lock(&t->mu);
    ge_throttle_locate(&t->names, name, now, &a->name);
    ge_throttle_locate(&t->addrs, group, now, &a->addr);
    wait = ge_throttle_wait(&t->names, &a->name, now);
    wa = ge_throttle_wait(&t->addrs, &a->addr, now);
    if (wa > wait) wait = wa;
    if (wait == 0) {
        ge_throttle_add(&t->names, &a->name, now, lockout);
        ge_throttle_add(&t->addrs, &a->addr, now, lockout);
        a->counted = true;
    }
    pthread_mutex_unlock(&t->mu);
    *retry_after = wait;
    return wait == 0;
}

void ge_throttle_success(ge_throttle *t, const ge_throttle_attempt *a)
{
    ge_throttle_table *tb = &t->names;
    uint32_t n;

    if (!a->counted) return;
    pthread_mutex_lock(&t->mu);
    ge_throttle_take_back(&t->names, &a->name);
    ge_throttle_take_back(&t->addrs, &a->addr);
    /* The name's own earlier failures are at most its count; cells at the
     * limit keep theirs, so no other name's lock is lifted. */
    n = ge_throttle_count_of(tb, &a->name);
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        ge_throttle_cell *c = &tb->cells[a->name.cell[r]];
        if (c->failures < tb->limit) c->failures -= n; /* n is the smallest */
    }
    pthread_mutex_unlock(&t->mu);
}

void ge_throttle_addr_group(const char *remote, char out[GE_THROTTLE_GROUP_MAX])
{
    struct in6_addr a6;
    struct in_addr a4;
    char text[INET6_ADDRSTRLEN];

    if (inet_pton(AF_INET, remote, &a4) == 1) {
        inet_ntop(AF_INET, &a4, out, GE_THROTTLE_GROUP_MAX);
    } else if (inet_pton(AF_INET6, remote, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            memcpy(&a4, &a6.s6_addr[12], 4);
            inet_ntop(AF_INET, &a4, out, GE_THROTTLE_GROUP_MAX);
        } else {
            memset(&a6.s6_addr[8], 0, 8);
            inet_ntop(AF_INET6, &a6, text, sizeof text);
            snprintf(out, GE_THROTTLE_GROUP_MAX, "%s/64", text);
        }
    } else {
        snprintf(out, GE_THROTTLE_GROUP_MAX, "%s", remote);
    }
}
