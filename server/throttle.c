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

/* The cells of key, one per row, as indexes into tb's cells; touches none. */
static void ge_throttle_index(const ge_throttle_table *tb, const char *key,
                              size_t idx[GE_THROTTLE_ROWS])
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v = 0;

    _Static_assert(GE_THROTTLE_ROWS * 32 <= 8 * crypto_shorthash_BYTES, "32 hash bits per row");
    crypto_shorthash(h, (const unsigned char *)key, strlen(key), tb->key);
    for (size_t i = 0; i < sizeof h; i++)
        v = v << 8 | h[i];
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        idx[r] = (size_t)r * tb->width + ((size_t)(v >> (32 * r)) & (tb->width - 1));
}

/* Empties each of a key's cells whose window has ended and notes each
 * cell's epoch in at. */
static void ge_throttle_refresh(ge_throttle_cell *const c[GE_THROTTLE_ROWS], time_t now,
                                ge_throttle_at *at)
{
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        if (c[r]->window_end && c[r]->window_end <= (int64_t)now) {
            c[r]->failures = 0;
            c[r]->window_end = 0;
            c[r]->epoch++;
        }
        at->epoch[r] = c[r]->epoch;
    }
}

/* The key's count: the smallest of its cells. */
static uint32_t ge_throttle_count_of(ge_throttle_cell *const c[GE_THROTTLE_ROWS])
{
    uint32_t n = UINT32_MAX;
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (c[r]->failures < n) n = c[r]->failures;
    return n;
}

/* Seconds the key stays locked (until the first of its cells ends), 0 when
 * it is not locked. */
static long ge_throttle_wait(ge_throttle_cell *const c[GE_THROTTLE_ROWS], uint32_t limit,
                             time_t now)
{
    int64_t end = INT64_MAX;

    if (ge_throttle_count_of(c) < limit) return 0;
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (c[r]->window_end < end) end = c[r]->window_end;
    return end > (int64_t)now ? (long)(end - (int64_t)now) : 0;
}

/* One failure for the key; at the limit, its cells count (and so lock) for
 * lockout seconds from now at least. */
static void ge_throttle_add(ge_throttle_cell *const c[GE_THROTTLE_ROWS], uint32_t limit, time_t now,
                            long lockout)
{
    int64_t until = (int64_t)now + lockout;

    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        if (!c[r]->window_end) c[r]->window_end = until;
        if (c[r]->failures < UINT32_MAX) c[r]->failures++;
    }
    if (ge_throttle_count_of(c) >= limit)
        for (int r = 0; r < GE_THROTTLE_ROWS; r++)
            if (c[r]->window_end < until) c[r]->window_end = until;
}

/* Takes back one failure added with at, in the cells that have not started
 * anew since: this leaves every cell as it would be without the attempt. */
static void ge_throttle_take_back(ge_throttle_cell *const c[GE_THROTTLE_ROWS],
                                  const ge_throttle_at *at)
{
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (c[r]->epoch == at->epoch[r] && c[r]->failures > 0) c[r]->failures--;
}

void ge_throttle_place(const ge_throttle *t, const char *name, const char *remote,
                       ge_throttle_attempt *a)
{
    char group[GE_THROTTLE_GROUP_MAX];

    memset(a, 0, sizeof *a);
    ge_throttle_addr_group(remote, group);
    ge_throttle_index(&t->names, name, a->name.cell);
    ge_throttle_index(&t->addrs, group, a->addr.cell);
}

bool ge_throttle_begin_cells(const ge_throttle *t, ge_throttle_cell *const names[GE_THROTTLE_ROWS],
                             ge_throttle_cell *const addrs[GE_THROTTLE_ROWS], time_t now,
                             long lockout, long *retry_after, ge_throttle_attempt *a)
{
    long wait, wa;

    a->counted = false;
    ge_throttle_refresh(names, now, &a->name);
    ge_throttle_refresh(addrs, now, &a->addr);
    wait = ge_throttle_wait(names, t->names.limit, now);
    wa = ge_throttle_wait(addrs, t->addrs.limit, now);
    if (wa > wait) wait = wa;
    if (wait == 0) {
        ge_throttle_add(names, t->names.limit, now, lockout);
        ge_throttle_add(addrs, t->addrs.limit, now, lockout);
        a->counted = true;
    }
    *retry_after = wait;
    return wait == 0;
}

void ge_throttle_success_cells(const ge_throttle *t,
                               ge_throttle_cell *const names[GE_THROTTLE_ROWS],
                               ge_throttle_cell *const addrs[GE_THROTTLE_ROWS],
                               const ge_throttle_attempt *a)
{
    uint32_t n;

    if (!a->counted) return;
    ge_throttle_take_back(names, &a->name);
    ge_throttle_take_back(addrs, &a->addr);
    /* The name's own earlier failures are at most its count; cells at the
     * limit keep theirs, so no other name's lock is lifted. */
    n = ge_throttle_count_of(names);
    for (int r = 0; r < GE_THROTTLE_ROWS; r++)
        if (names[r]->failures < t->names.limit) names[r]->failures -= n; /* n is the smallest */
}

/* The in-memory cells of an attempt. */
static void ge_throttle_cells_of(ge_throttle *t, const ge_throttle_attempt *a,
                                 ge_throttle_cell *names[GE_THROTTLE_ROWS],
                                 ge_throttle_cell *addrs[GE_THROTTLE_ROWS])
{
    for (int r = 0; r < GE_THROTTLE_ROWS; r++) {
        names[r] = &t->names.cells[a->name.cell[r]];
        addrs[r] = &t->addrs.cells[a->addr.cell[r]];
    }
}

bool ge_throttle_begin(ge_throttle *t, const char *name, const char *remote, time_t now,
                       long lockout, long *retry_after, ge_throttle_attempt *a)
{
    ge_throttle_cell *names[GE_THROTTLE_ROWS], *addrs[GE_THROTTLE_ROWS];
    bool ok;

    ge_throttle_place(t, name, remote, a);
    ge_throttle_cells_of(t, a, names, addrs);
    pthread_mutex_lock(&t->mu);
    ok = ge_throttle_begin_cells(t, names, addrs, now, lockout, retry_after, a);
    pthread_mutex_unlock(&t->mu);
    return ok;
}

void ge_throttle_success(ge_throttle *t, const ge_throttle_attempt *a)
{
    ge_throttle_cell *names[GE_THROTTLE_ROWS], *addrs[GE_THROTTLE_ROWS];

    if (!a->counted) return;
    ge_throttle_cells_of(t, a, names, addrs);
    pthread_mutex_lock(&t->mu);
    ge_throttle_success_cells(t, names, addrs, a);
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
