/*
 * ts_refdata.h - reference data for unit tests of the rule engine, the
 * location sentences and the placement search: an OSM file imported into a
 * scratch store with the project's OSM layer mapping and made a snapshot,
 * the project's services, and WKT written in local metres around an origin.
 */
#ifndef GE_TS_REFDATA_H
#define GE_TS_REFDATA_H

#include <geos_c.h>

#include "refindex.h"
#include "service.h"

/* Imports osm (a .osm or .osm.pbf file) with data/layers/osm.json into a new
 * store of srid in the scratch folder name and builds its snapshot into
 * *out. 0, or -1 after printing why. */
int ts_refdata_import(const char *osm, const char *name, int srid, ge_refsnap **out);

/* Loads data/services into *out. 0, or -1 after printing why. */
int ts_refdata_services(ge_services **out);

/* The setup of the rule-engine tests on the shared extract: the calling
 * thread's GEOS context into *h, the extract imported (store srid 25833,
 * scratch folder name) into *snap and the services into *services. 0 with
 * *snap NULL when the extract is absent (the tests skip), or -1. */
int ts_refdata_setup_extract(const char *name, GEOSContextHandle_t *h, ge_refsnap **snap,
                             ge_services **services);

/* Releases snap and services (NULL is fine) and this thread's PROJ and GEOS
 * contexts; 0, as a cmocka teardown returns. */
int ts_refdata_teardown(ge_refsnap *snap, ge_services *services);

/* The geometry of wkt moved by (x0, y0), in the calling thread's GEOS
 * context; fails the test on bad WKT. */
GEOSGeometry *ts_refdata_local(const char *wkt, double x0, double y0);

#endif
