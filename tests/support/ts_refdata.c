/*
 * ts_refdata.c - reference data for unit tests: an OSM import made a
 * snapshot, the project's services, WKT in local metres (ts_refdata.h).
 */
#include "ts_refdata.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <time.h>

#include "crs.h"
#include "geos_ctx.h"
#include "import.h"
#include "store.h"
#include "ts.h"

int ts_refdata_import(const char *osm, const char *name, int srid, ge_refsnap **out)
{
    const char *sources[1] = {osm};
    char mapping[4096];
    ge_store_opts so = {.path = ts_path(ts_tmpdir(name), "store.sqlite"), .srid = srid};
    ge_import_opts io = {0};
    ge_import_result res = {0};
    ge_store *st = NULL;
    ge_err err = {0};
    int rc = 0;

    *out = NULL;
    if (ge_store_open(&st, &so, &err) != GE_OK) {
        fprintf(stderr, "ge_store_open: %s\n", err.msg);
        return -1;
    }
    snprintf(mapping, sizeof mapping, "%s/data/layers/osm.json", ts_env("GE_SOURCE_DIR"));
    io.sources = sources;
    io.nsources = 1;
    io.mapping_path = mapping;
    if (ge_import_run(st, &io, time(NULL), &res, &err) != GE_OK ||
        ge_refindex_build_from_store(st, out, &err) != GE_OK) {
        fprintf(stderr, "import of %s: %s\n", osm, err.msg);
        rc = -1;
    }
    ge_import_result_free(&res);
    ge_store_close(st);
    return rc;
}

int ts_refdata_services(ge_services **out)
{
    char dir[4096];
    ge_err err = {0};

    snprintf(dir, sizeof dir, "%s/data/services", ts_env("GE_SOURCE_DIR"));
    if (ge_services_load_dir(dir, out, &err) != GE_OK) {
        fprintf(stderr, "services: %s\n", err.msg);
        return -1;
    }
    return 0;
}

struct shift {
    double x0, y0;
};

static int shift(double *x, double *y, void *ud)
{
    const struct shift *s = ud;
    *x += s->x0;
    *y += s->y0;
    return 1;
}

GEOSGeometry *ts_refdata_local(const char *wkt, double x0, double y0)
{
    GEOSContextHandle_t h = ge_geos_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt), *moved;
    struct shift s = {x0, y0};

    GEOSWKTReader_destroy_r(h, r);
    if (!g) fail_msg("bad WKT in test: %s", wkt);
    moved = GEOSGeom_transformXY_r(h, g, shift, &s);
    GEOSGeom_destroy_r(h, g);
    return moved;
}

int ts_refdata_setup_extract(const char *name, GEOSContextHandle_t *h, ge_refsnap **snap,
                             ge_services **services)
{
    const char *osm = ts_shared_osm();

    *h = ge_geos_ctx();
    if (!osm) return 0; /* every test skips */
    if (ts_refdata_import(osm, name, 25833, snap) < 0) return -1;
    return ts_refdata_services(services);
}

int ts_refdata_teardown(ge_refsnap *snap, ge_services *services)
{
    ge_refsnap_release(snap);
    ge_services_free(services);
    ge_crs_thread_cleanup();
    ge_geos_thread_cleanup();
    return 0;
}
