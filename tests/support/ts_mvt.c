/*
 * ts_mvt.c - the tests' MVT decoder (see ts_mvt.h). Every read is bounds
 * checked; unknown fields are skipped by wire type as protobuf requires.
 */
#include "ts_mvt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct ts_pb {
    const unsigned char *p, *end;
} ts_pb;

static int ts_pb_varint(ts_pb *b, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end) return -1;
        unsigned char c = *b->p++;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Reads a field key; the sub-buffer for wire type 2. */
static int ts_pb_field(ts_pb *b, unsigned *field, unsigned *wire, ts_pb *sub, uint64_t *val)
{
    uint64_t key, n;
    if (ts_pb_varint(b, &key) < 0) return -1;
    *field = (unsigned)(key >> 3);
    *wire = (unsigned)(key & 7);
    switch (*wire) {
    case 0:
        return ts_pb_varint(b, val);
    case 1:
        if (b->end - b->p < 8) return -1;
        memcpy(val, b->p, 8); /* little-endian host assumed (x86-64, arm64) */
        b->p += 8;
        return 0;
    case 2:
        if (ts_pb_varint(b, &n) < 0 || (uint64_t)(b->end - b->p) < n) return -1;
        sub->p = b->p;
        sub->end = b->p + n;
        b->p += n;
        return 0;
    case 5:
        if (b->end - b->p < 4) return -1;
        *val = 0;
        memcpy(val, b->p, 4);
        b->p += 4;
        return 0;
    default:
        return -1;
    }
}

/* A NUL-terminated copy of n bytes that need not be terminated themselves
 * (strndup may read on to find a NUL that is not there). */
static char *ts_mvt_strn(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static void ts_mvt_msg(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    if (!err || !size) return;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

static json_t *ts_mvt_value(ts_pb v)
{
    unsigned f, w;
    ts_pb sub;
    uint64_t x = 0;
    json_t *out = NULL;
    while (v.p < v.end) {
        if (ts_pb_field(&v, &f, &w, &sub, &x) < 0) {
            json_decref(out);
            return NULL;
        }
        json_decref(out);
        out = NULL;
        if (f == 1 && w == 2)
            out = json_stringn((const char *)sub.p, (size_t)(sub.end - sub.p));
        else if (f == 2 && w == 5) {
            float fl;
            uint32_t u = (uint32_t)x;
            memcpy(&fl, &u, 4);
            out = json_real(fl);
        } else if (f == 3 && w == 1) {
            double d;
            memcpy(&d, &x, 8);
            out = json_real(d);
        } else if (f == 4 && w == 0)
            out = json_integer((json_int_t)x);
        else if (f == 5 && w == 0)
            out = json_integer((json_int_t)x);
        else if (f == 6 && w == 0)
            out = json_integer((json_int_t)((x >> 1) ^ (~(x & 1) + 1)));
        else if (f == 7 && w == 0)
            out = json_boolean(x != 0);
    }
    return out;
}

static int ts_mvt_geometry(ts_pb g, ts_mvt_feature *f, char *err, size_t es)
{
    int32_t cx = 0, cy = 0;
    size_t cap = 0, pcap = 0;
    while (g.p < g.end) {
        uint64_t c;
        if (ts_pb_varint(&g, &c) < 0) return ts_mvt_msg(err, es, "bad command"), -1;
        unsigned id = (unsigned)(c & 7), count = (unsigned)(c >> 3);
        if (id == 7) {
            if (count != 1 || f->nparts == 0)
                return ts_mvt_msg(err, es, "ClosePath with count %u", count), -1;
            ts_mvt_part *p = &f->parts[f->nparts - 1];
            p->closed = true;
            p->area2 = 0;
            for (size_t i = 0; i < p->count; i++) {
                size_t a = p->first + i, b = p->first + (i + 1) % p->count;
                p->area2 += (int64_t)f->xy[2 * a] * f->xy[2 * b + 1] -
                            (int64_t)f->xy[2 * b] * f->xy[2 * a + 1];
            }
            continue;
        }
        if (id != 1 && id != 2) return ts_mvt_msg(err, es, "unknown command %u", id), -1;
        if (count == 0) return ts_mvt_msg(err, es, "command %u with count 0", id), -1;
        if (id == 2 && f->nparts == 0) return ts_mvt_msg(err, es, "LineTo before MoveTo"), -1;
        for (unsigned i = 0; i < count; i++) {
            uint64_t dx, dy;
            if (ts_pb_varint(&g, &dx) < 0 || ts_pb_varint(&g, &dy) < 0)
                return ts_mvt_msg(err, es, "truncated parameters"), -1;
            cx += (int32_t)((uint32_t)(dx >> 1) ^ (uint32_t)(-(int32_t)(dx & 1)));
            cy += (int32_t)((uint32_t)(dy >> 1) ^ (uint32_t)(-(int32_t)(dy & 1)));
            if (f->npoints == cap) {
                cap = cap ? cap * 2 : 64;
                f->xy = realloc(f->xy, cap * 2 * sizeof *f->xy);
            }
            f->xy[2 * f->npoints] = cx;
            f->xy[2 * f->npoints + 1] = cy;
            /* Each MoveTo point starts a part (points: one per point). */
            if (id == 1) {
                if (f->nparts == pcap) {
                    pcap = pcap ? pcap * 2 : 8;
                    f->parts = realloc(f->parts, pcap * sizeof *f->parts);
                }
                f->parts[f->nparts].first = f->npoints;
                f->parts[f->nparts].count = 0;
                f->parts[f->nparts].closed = false;
                f->parts[f->nparts].area2 = 0;
                f->nparts++;
            }
            f->parts[f->nparts - 1].count++;
            f->npoints++;
        }
    }
    return 0;
}

static int ts_mvt_feature_read(ts_pb b, ts_mvt_feature *f, json_t **values, size_t nvalues,
                               char **keys, size_t nkeys, char *err, size_t es)
{
    unsigned field, wire;
    ts_pb sub = {0}, tags = {0}, geom = {0};
    uint64_t v = 0;
    memset(f, 0, sizeof *f);
    f->props = json_object();
    while (b.p < b.end) {
        if (ts_pb_field(&b, &field, &wire, &sub, &v) < 0)
            return ts_mvt_msg(err, es, "malformed feature"), -1;
        if (field == 1 && wire == 0) {
            f->id = v;
            f->has_id = true;
        } else if (field == 2 && wire == 2)
            tags = sub;
        else if (field == 3 && wire == 0)
            f->type = (int)v;
        else if (field == 4 && wire == 2)
            geom = sub;
    }
    while (tags.p && tags.p < tags.end) {
        uint64_t k, val;
        if (ts_pb_varint(&tags, &k) < 0 || ts_pb_varint(&tags, &val) < 0)
            return ts_mvt_msg(err, es, "odd number of tags"), -1;
        if (k >= nkeys || val >= nvalues)
            return ts_mvt_msg(err, es, "tag index out of range (%llu/%llu)", (unsigned long long)k,
                              (unsigned long long)val),
                   -1;
        json_object_set(f->props, keys[k], values[val]);
    }
    if (!geom.p) return ts_mvt_msg(err, es, "feature without geometry"), -1;
    return ts_mvt_geometry(geom, f, err, es);
}

static int ts_mvt_layer_read(ts_pb b, ts_mvt_layer *l, char *err, size_t es)
{
    unsigned field, wire;
    ts_pb sub;
    uint64_t v = 0;
    ts_pb *feats = NULL;
    size_t nfeats = 0;
    char **keys = NULL;
    json_t **values = NULL;
    int rc = -1;

    memset(l, 0, sizeof *l);
    l->version = 1;
    l->extent = 4096;
    while (b.p < b.end) {
        if (ts_pb_field(&b, &field, &wire, &sub, &v) < 0) {
            ts_mvt_msg(err, es, "malformed layer");
            goto out;
        }
        if (field == 1 && wire == 2) {
            free(l->name);
            l->name = ts_mvt_strn(sub.p, (size_t)(sub.end - sub.p));
        } else if (field == 2 && wire == 2) {
            feats = realloc(feats, (nfeats + 1) * sizeof *feats);
            feats[nfeats++] = sub;
        } else if (field == 3 && wire == 2) {
            keys = realloc(keys, (l->nkeys + 1) * sizeof *keys);
            keys[l->nkeys++] = ts_mvt_strn(sub.p, (size_t)(sub.end - sub.p));
        } else if (field == 4 && wire == 2) {
            json_t *val = ts_mvt_value(sub);
            if (!val) {
                ts_mvt_msg(err, es, "malformed value %zu", l->nvalues);
                goto out;
            }
            values = realloc(values, (l->nvalues + 1) * sizeof *values);
            values[l->nvalues++] = val;
        } else if (field == 5 && wire == 0)
            l->extent = (unsigned)v;
        else if (field == 15 && wire == 0)
            l->version = (unsigned)v;
    }
    if (!l->name) {
        ts_mvt_msg(err, es, "layer without a name");
        goto out;
    }
    l->features = calloc(nfeats ? nfeats : 1, sizeof *l->features);
    for (size_t i = 0; i < nfeats; i++) {
        l->nfeatures++;
        if (ts_mvt_feature_read(feats[i], &l->features[i], values, l->nvalues, keys, l->nkeys, err,
                                es) < 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < l->nkeys; i++)
        free(keys[i]);
    for (size_t i = 0; i < l->nvalues; i++)
        json_decref(values[i]);
    free(keys);
    free(values);
    free(feats);
    return rc;
}

int ts_mvt_decode(const void *data, size_t len, ts_mvt *out, char *err, size_t es)
{
    ts_pb b = {data, data ? (const unsigned char *)data + len : NULL}, sub;
    unsigned field, wire;
    uint64_t v;

    memset(out, 0, sizeof *out);
    if (!data) return len ? -1 : 0; /* an empty tile: no bytes at all */
    while (b.p < b.end) {
        if (ts_pb_field(&b, &field, &wire, &sub, &v) < 0) {
            ts_mvt_msg(err, es, "malformed tile");
            return -1;
        }
        if (field != 3 || wire != 2) continue;
        out->layers = realloc(out->layers, (out->nlayers + 1) * sizeof *out->layers);
        out->nlayers++;
        if (ts_mvt_layer_read(sub, &out->layers[out->nlayers - 1], err, es) < 0) return -1;
    }
    return 0;
}

void ts_mvt_free(ts_mvt *t)
{
    for (size_t i = 0; i < t->nlayers; i++) {
        ts_mvt_layer *l = &t->layers[i];
        for (size_t j = 0; j < l->nfeatures; j++) {
            free(l->features[j].xy);
            free(l->features[j].parts);
            json_decref(l->features[j].props);
        }
        free(l->features);
        free(l->name);
    }
    free(t->layers);
    memset(t, 0, sizeof *t);
}

const ts_mvt_layer *ts_mvt_layer_get(const ts_mvt *t, const char *name)
{
    for (size_t i = 0; i < t->nlayers; i++)
        if (t->layers[i].name && strcmp(t->layers[i].name, name) == 0) return &t->layers[i];
    return NULL;
}

unsigned char *ts_gunzip(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    size_t cap = len * 4 + 1024;
    unsigned char *out = malloc(cap);
    int rc;

    memset(&zs, 0, sizeof zs);
    if (!out || inflateInit2(&zs, 15 + 32) != Z_OK) {
        free(out);
        return NULL;
    }
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    for (;;) {
        zs.next_out = out + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) goto err;
        if (zs.avail_out == 0) {
            cap *= 2;
            unsigned char *p = realloc(out, cap);
            if (!p) goto err;
            out = p;
        } else if (rc == Z_BUF_ERROR) {
            goto err;
        }
    }
    *out_len = zs.total_out;
    inflateEnd(&zs);
    return out;
err:
    inflateEnd(&zs);
    free(out);
    return NULL;
}
