/*
 * ts_mvt.h - a small Mapbox Vector Tile decoder for the tests: reads what
 * geo/maps/mvt.c (or any MVT 2.1 writer) produced, strictly, so that a malformed
 * tile fails the test instead of being half-read. Written independently of
 * the encoder from the spec's vector_tile.proto and command encoding.
 */
#ifndef GE_TS_MVT_H
#define GE_TS_MVT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ts_mvt_part {
    size_t first;  /* index of its first point in the feature's points */
    size_t count;  /* points (rings without the repeated closing point) */
    bool closed;   /* ended with ClosePath */
    int64_t area2; /* twice the signed area (surveyor's formula), rings only */
} ts_mvt_part;

typedef struct ts_mvt_feature {
    uint64_t id;
    bool has_id;
    int type;    /* 1 point, 2 line, 3 polygon */
    int32_t *xy; /* points, x y pairs, absolute tile coordinates */
    size_t npoints;
    ts_mvt_part *parts;
    size_t nparts;
    json_t *props; /* decoded tags: an object */
} ts_mvt_feature;

typedef struct ts_mvt_layer {
    char *name;
    unsigned version;
    unsigned extent;
    size_t nkeys, nvalues;
    ts_mvt_feature *features;
    size_t nfeatures;
} ts_mvt_layer;

typedef struct ts_mvt {
    ts_mvt_layer *layers;
    size_t nlayers;
} ts_mvt;

/* 0, or -1 with a message in err (size errsize) saying what is malformed. */
int ts_mvt_decode(const void *data, size_t len, ts_mvt *out, char *err, size_t errsize);
void ts_mvt_free(ts_mvt *t);

/* The layer of that name, or NULL. */
const ts_mvt_layer *ts_mvt_layer_get(const ts_mvt *t, const char *name);

/* Decompresses gzip data (for tiles stored in MBTiles); malloc'd, NULL on error. */
unsigned char *ts_gunzip(const void *data, size_t len, size_t *out_len);

#endif
