/*
 * ts_skipcase.h - the fixture of the map tests on the shared extract
 * (test_api_siteplan, test_api_staticmap): a skip container placed beside a
 * road where the rules find nothing wrong, submitted as a case through the
 * form-server API of a server on a store with the extract imported.
 */
#ifndef GE_TS_SKIPCASE_H
#define GE_TS_SKIPCASE_H

#include <stdbool.h>

#include "ts.h"
#include "ts_server.h"

#define TS_SKIPCASE_CRS "http://www.opengis.net/def/crs/EPSG/0/25832"

typedef struct ts_skipcase_opts {
    double length;         /* of the skip along the road, metres (it is 2 m wide) */
    bool east_west;        /* only road segments within 8.5 degrees of east-west, and the
                            * skip's sides along the map's axes (grid north up) */
    int every;             /* try every n-th road only (1: all) */
    const char *reference; /* of the case */
} ts_skipcase_opts;

typedef struct ts_skipcase {
    ts_server srv;
    bool have_data; /* false: the shared extract is absent, the tests skip */
    char dir[4096], db[4096 + 32];
    char key_a[160], key_b[160]; /* API keys of portal-a (the case's client) and portal-b */
    char case_id[64];
    char fc[1024];      /* the skip as a FeatureCollection, store CRS */
    char edit_url[512]; /* the draft's editor_url */
    char street[128];   /* the name of the road it stands beside ("" when none) */
    double ring[10];    /* the skip's polygon, store CRS */
} ts_skipcase;

/*
 * The whole fixture: imports the shared extract into a store in the scratch
 * folder "<name>_data", adds the clients portal-a and portal-b, starts the
 * server (named name) and makes the case with ts_skipcase_make. 0 (also when
 * the extract is absent: have_data stays false), or -1.
 */
int ts_skipcase_setup(ts_skipcase *fx, const char *name, const ts_skipcase_opts *o);

/* Stops the server (if it started) and frees this thread's GEOS and PROJ
 * contexts. 0 or -1. */
int ts_skipcase_teardown(ts_skipcase *fx);

/* In a test case: skips it, saying why, when the fixture has no data. */
#define TS_SKIPCASE_NEED(fx) TS_NEED((fx)->have_data, "the shared OSM extract")

/*
 * Walks the roads (the first 1000, store CRS) until a skip 0.3 m beside a
 * segment of at least 12 m is valid (POST /v1/validate), opens a draft of
 * it with the API key and submits it. 0 with out filled, or -1 (the reason
 * on stderr).
 */
int ts_skipcase_make(const ts_server *srv, const char *key, const ts_skipcase_opts *o,
                     ts_skipcase *out);

#endif
