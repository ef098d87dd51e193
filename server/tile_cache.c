/*
 * tile_cache.c - the bounded LRU tile cache (see tile_cache.h).
 *
 * A chained hash table for lookups plus a doubly linked list in use order;
 * one mutex around both. A tile is a few kilobytes, so copying it out under
 * the lock costs less than reference counting would, and the lock is held
 * for microseconds.
 */
#include "tile_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct ge_tc_entry {
    struct ge_tc_entry *hnext;       /* hash chain */
    struct ge_tc_entry *prev, *next; /* use order: head most recent */
    uint32_t hash;
    int64_t version;
    char *key;
    unsigned char *data, *gz;
    size_t len, gz_len;
    size_t cost;
} ge_tc_entry;

struct ge_tile_cache {
    pthread_mutex_t mu;
    ge_tc_entry **buckets;
    size_t nbuckets;
    ge_tc_entry *head, *tail;
    size_t bytes, max_bytes, entries;
    uint64_t hits, misses, evictions;
};

static uint32_t ge_tc_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

ge_tile_cache *ge_tile_cache_new(size_t max_bytes)
{
    ge_tile_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->nbuckets = 4096;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void ge_tc_entry_free(ge_tc_entry *e)
{
    free(e->key);
    free(e->data);
    free(e->gz);
    free(e);
}

void ge_tile_cache_free(ge_tile_cache *c)
{
    if (!c) return;
    for (ge_tc_entry *e = c->head, *n; e; e = n) {
        n = e->next;
        ge_tc_entry_free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static void ge_tc_unlink(ge_tile_cache *c, ge_tc_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void ge_tc_push_front(ge_tile_cache *c, ge_tc_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head) c->head->prev = e;
    c->head = e;
    if (!c->tail) c->tail = e;
}

/* Takes e out of the table and the list and frees it. */
static void ge_tc_remove(ge_tile_cache *c, ge_tc_entry *e)
{
    ge_tc_entry **pp = &c->buckets[e->hash % c->nbuckets];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    ge_tc_unlink(c, e);
    c->bytes -= e->cost;
    c->entries--;
    ge_tc_entry_free(e);
}

static ge_tc_entry *ge_tc_find(ge_tile_cache *c, const char *key, uint32_t h)
{
    for (ge_tc_entry *e = c->buckets[h % c->nbuckets]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0) return e;
    return NULL;
}

static unsigned char *ge_tc_dup(const unsigned char *p, size_t n)
{
    unsigned char *d;
    if (!p || !n) return NULL;
    d = malloc(n);
    if (d) memcpy(d, p, n);
    return d;
}

bool ge_tile_cache_get(ge_tile_cache *c, const char *key, int64_t version, bool want_gz,
                       ge_tile_blob *out)
{
    uint32_t h = ge_tc_hash(key);
    ge_tc_entry *e;
    bool hit = false;

    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    e = ge_tc_find(c, key, h);
    if (e && e->version == version) {
        const unsigned char *src = want_gz && e->gz ? e->gz : e->data;
        size_t n = want_gz && e->gz ? e->gz_len : e->len;
        unsigned char *copy = ge_tc_dup(src, n);
        if (copy || n == 0) {
            hit = true;
            if (want_gz && e->gz) {
                out->gz = copy;
                out->gz_len = n;
            } else {
                out->data = copy;
                out->len = n;
            }
            ge_tc_unlink(c, e);
            ge_tc_push_front(c, e);
        }
    }
    if (hit)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void ge_tile_cache_put(ge_tile_cache *c, const char *key, int64_t version,
                       const unsigned char *data, size_t len, const unsigned char *gz,
                       size_t gz_len)
{
    uint32_t h = ge_tc_hash(key);
    ge_tc_entry *e, *old;
    size_t cost = sizeof *e + strlen(key) + 1 + len + gz_len;

    if (cost > c->max_bytes) return;
    e = calloc(1, sizeof *e);
    if (!e) return;
    e->key = strdup(key);
    e->data = ge_tc_dup(data, len);
    e->gz = ge_tc_dup(gz, gz_len);
    if (!e->key || (len && !e->data) || (gz_len && !e->gz)) {
        ge_tc_entry_free(e);
        return;
    }
    e->len = len;
    e->gz_len = gz_len;
    e->hash = h;
    e->version = version;
    e->cost = cost;

    pthread_mutex_lock(&c->mu);
    old = ge_tc_find(c, key, h);
    if (old) ge_tc_remove(c, old); /* another version, or a racing put */
    while (c->tail && c->bytes + cost > c->max_bytes) {
        ge_tc_remove(c, c->tail);
        c->evictions++;
    }
    e->hnext = c->buckets[h % c->nbuckets];
    c->buckets[h % c->nbuckets] = e;
    ge_tc_push_front(c, e);
    c->bytes += cost;
    c->entries++;
    pthread_mutex_unlock(&c->mu);
}

void ge_tile_cache_stats_get(ge_tile_cache *c, ge_tile_cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    out->hits = c->hits;
    out->misses = c->misses;
    out->evictions = c->evictions;
    out->entries = c->entries;
    out->bytes = c->bytes;
    out->max_bytes = c->max_bytes;
    pthread_mutex_unlock(&c->mu);
}

void ge_tile_blob_free(ge_tile_blob *b)
{
    free(b->data);
    free(b->gz);
    memset(b, 0, sizeof *b);
}
