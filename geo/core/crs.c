/*
 * crs.c - CRS identifiers, ranges, precision and cached PROJ transforms (crs.h).
 *
 * PROJ objects are bound to the PJ_CONTEXT they were made with and neither is
 * safe to share between threads, so each thread keeps its own context and a
 * small table of transforms keyed by (from, to). Building a transform reads
 * proj.db and costs around a millisecond; using a cached one costs well under
 * a microsecond per point, which is why the cache exists.
 */
#include "crs.h"

#include <math.h>
#include <proj.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ge_crs GE_CRS84 = {4326, false};

#define GE_URI_CRS84 "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#define GE_URI_EPSG  "http://www.opengis.net/def/crs/EPSG/0/"
#define GE_URN_EPSG  "urn:ogc:def:crs:EPSG::"

static const int supported_epsg[] = {4326, 3857, 25832, 25833};

static const char *const supported_uris[] = {
    GE_URI_CRS84,        GE_URI_EPSG "4326",  GE_URI_EPSG "3857",
    GE_URI_EPSG "25832", GE_URI_EPSG "25833", NULL,
};

static bool ge_crs_epsg_supported(int epsg)
{
    for (size_t i = 0; i < sizeof supported_epsg / sizeof supported_epsg[0]; i++)
        if (supported_epsg[i] == epsg) return true;
    return false;
}

/* Reads a decimal EPSG code that makes up all of s. */
static bool ge_crs_parse_code(const char *s, int *code)
{
    char *end;
    long v;

    if (*s < '0' || *s > '9') return false;
    v = strtol(s, &end, 10);
    if (*end || v <= 0 || v > 999999) return false;
    *code = (int)v;
    return true;
}

static int ge_crs_unsupported(const char *id, ge_err *err)
{
    return ge_err_set(err, GE_EINVAL,
                      "CRS '%.120s' is not supported; use one of " GE_URI_CRS84 " (or CRS84), "
                      "EPSG:4326, EPSG:3857, EPSG:25832, EPSG:25833 (also as " GE_URI_EPSG "n)",
                      id);
}

int ge_crs_parse(const char *id, ge_crs *out, ge_err *err)
{
    const char *code = NULL;
    int epsg;

    if (!id) return ge_err_set(err, GE_EINVAL, "CRS is missing");
    if (!strcmp(id, GE_URI_CRS84) || !strcmp(id, "CRS84") || !strcmp(id, "OGC:CRS84") ||
        !strcmp(id, "urn:ogc:def:crs:OGC:1.3:CRS84") || !strcmp(id, "urn:ogc:def:crs:OGC::CRS84")) {
        *out = GE_CRS84;
        return GE_OK;
    }
    if (!strncmp(id, GE_URI_EPSG, strlen(GE_URI_EPSG)))
        code = id + strlen(GE_URI_EPSG);
    else if (!strncmp(id, GE_URN_EPSG, strlen(GE_URN_EPSG)))
        code = id + strlen(GE_URN_EPSG);
    else if (!strncmp(id, "EPSG:", 5))
        code = id + 5;
    if (!code || !ge_crs_parse_code(code, &epsg) || !ge_crs_epsg_supported(epsg))
        return ge_crs_unsupported(id, err);
    out->epsg = epsg;
    out->latlon = epsg == 4326;
    return GE_OK;
}

int ge_crs_from_epsg(int epsg, ge_crs *out, ge_err *err)
{
    if (!ge_crs_epsg_supported(epsg))
        return ge_err_set(err, GE_EINVAL,
                          "EPSG:%d is not supported (EPSG:4326, 3857, 25832, 25833 are)", epsg);
    out->epsg = epsg;
    out->latlon = false;
    return GE_OK;
}

bool ge_crs_is_store_srid(int epsg)
{
    return epsg == 25832 || epsg == 25833;
}

bool ge_crs_equal(const ge_crs *a, const ge_crs *b)
{
    return a->epsg == b->epsg && a->latlon == b->latlon;
}

bool ge_crs_is_geographic(const ge_crs *c)
{
    return c->epsg == 4326;
}

const char *ge_crs_uri(const ge_crs *c)
{
    switch (c->epsg) {
    case 4326:
        return c->latlon ? GE_URI_EPSG "4326" : GE_URI_CRS84;
    case 3857:
        return GE_URI_EPSG "3857";
    case 25832:
        return GE_URI_EPSG "25832";
    case 25833:
        return GE_URI_EPSG "25833";
    default:
        return "";
    }
}

const char *const *ge_crs_supported_uris(void)
{
    return supported_uris;
}

int ge_crs_decimals(const ge_crs *c)
{
    switch (c->epsg) {
    case 4326:
        return 7;
    case 3857:
        return 2;
    default:
        return 3;
    }
}

const char *ge_crs_axis_name(const ge_crs *c, int axis)
{
    if (c->epsg == 4326) {
        bool first_is_lat = c->latlon;
        return (axis == 0) == first_is_lat ? "latitude" : "longitude";
    }
    return axis == 0 ? "easting" : "northing";
}

/* Valid range of one axis; projected ranges are generous on purpose: they
 * catch garbage (degrees sent as metres, 1e300), not places outside Germany. */
static void ge_crs_axis_range(const ge_crs *c, int axis, double *lo, double *hi)
{
    const char *name = ge_crs_axis_name(c, axis);

    if (!strcmp(name, "longitude")) {
        *lo = -180.0, *hi = 180.0;
    } else if (!strcmp(name, "latitude")) {
        *lo = -90.0, *hi = 90.0;
    } else if (c->epsg == 3857) {
        /* +-180 degrees in x; +-85.06 degrees (the square world) in y. */
        *lo = axis == 0 ? -20037508.35 : -20048966.11;
        *hi = axis == 0 ? 20037508.35 : 20048966.11;
    } else {
        /* UTM north: eastings stretch far beyond the zone's 166..834 km when a
         * country uses one zone for all; northings from the equator to 84 N. */
        *lo = axis == 0 ? -1000000.0 : 0.0;
        *hi = axis == 0 ? 2000000.0 : 9400000.0;
    }
}

static void ge_crs_fmt_range(char *buf, size_t n, double lo, double hi)
{
    snprintf(buf, n, "%.10g..%.10g", lo, hi);
}

int ge_crs_check(const ge_crs *c, double a, double b, ge_err *err)
{
    double v[2] = {a, b};
    char range[64];

    for (int axis = 0; axis < 2; axis++) {
        double lo, hi;
        const char *name = ge_crs_axis_name(c, axis);

        if (!isfinite(v[axis]))
            return ge_err_set(err, GE_EINVAL, "%s is not a finite number", name);
        ge_crs_axis_range(c, axis, &lo, &hi);
        if (v[axis] < lo || v[axis] > hi) {
            ge_crs_fmt_range(range, sizeof range, lo, hi);
            /* Metres sent without naming their CRS are the usual cause. */
            return ge_err_set(err, GE_EINVAL, "%s %.10g is out of range (%s)%s", name, v[axis],
                              range,
                              ge_crs_is_geographic(c) && fabs(v[axis]) > 1000
                                  ? "; projected coordinates need their CRS named"
                                  : "");
        }
    }
    return GE_OK;
}

/* ---- per-thread transform cache ------------------------------------------ */

#define GE_CRS_CACHE 24

typedef struct ge_crs_pj {
    ge_crs from, to;
    PJ *pj;
} ge_crs_pj;

typedef struct ge_crs_tls {
    PJ_CONTEXT *ctx;
    ge_crs_pj entries[GE_CRS_CACHE];
    int n;
} ge_crs_tls;

static _Thread_local ge_crs_tls tls;

/* Whether PROJ's authority order must be replaced by x = longitude. */
static bool ge_crs_wants_gis_order(const ge_crs *c)
{
    return c->epsg == 4326 && !c->latlon;
}

static PJ *ge_crs_make_pj(const ge_crs *from, const ge_crs *to, ge_err *err)
{
    char src[32], dst[32];
    PJ *pj, *norm;

    snprintf(src, sizeof src, "EPSG:%d", from->epsg);
    snprintf(dst, sizeof dst, "EPSG:%d", to->epsg);
    pj = proj_create_crs_to_crs(tls.ctx, src, dst, NULL);
    if (!pj) goto err;
    /* proj_normalize_for_visualization() switches *both* ends to GIS order;
     * that is right whenever the geographic end wants longitude first, and a
     * no-op for the projected end (already easting, northing). Only 4326 has
     * two orders here, and a transform never has 4326 at both ends (same
     * EPSG is handled without PROJ). */
    if (ge_crs_wants_gis_order(from) || ge_crs_wants_gis_order(to)) {
        norm = proj_normalize_for_visualization(tls.ctx, pj);
        proj_destroy(pj);
        pj = norm;
        if (!pj) goto err;
    }
    return pj;
err:
    ge_err_set(err, GE_EINTERNAL, "PROJ cannot transform %s to %s: %s", src, dst,
               proj_context_errno_string(tls.ctx, proj_context_errno(tls.ctx)));
    return NULL;
}

/* Pool threads that end without ge_crs_thread_cleanup() free their PROJ
 * state anyway: this key's destructor runs at thread exit. */
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

static void ge_crs_thread_exit(void *unused)
{
    (void)unused;
    ge_crs_thread_cleanup();
}

static void ge_crs_make_exit_key(void)
{
    pthread_key_create(&exit_key, ge_crs_thread_exit);
}

static PJ *ge_crs_get_pj(const ge_crs *from, const ge_crs *to, ge_err *err)
{
    PJ *pj;

    if (!tls.ctx) {
        tls.ctx = proj_context_create();
        if (!tls.ctx) {
            ge_err_set(err, GE_ENOMEM, "cannot create a PROJ context");
            return NULL;
        }
        pthread_once(&exit_key_once, ge_crs_make_exit_key);
        pthread_setspecific(exit_key, tls.ctx);
    }
    for (int i = 0; i < tls.n; i++)
        if (ge_crs_equal(&tls.entries[i].from, from) && ge_crs_equal(&tls.entries[i].to, to))
            return tls.entries[i].pj;
    pj = ge_crs_make_pj(from, to, err);
    if (!pj) return NULL;
    if (tls.n == GE_CRS_CACHE) {
        /* Five CRSs give at most 20 directed pairs; this only guards the table. */
        proj_destroy(tls.entries[GE_CRS_CACHE - 1].pj);
        tls.n--;
    }
    tls.entries[tls.n].from = *from;
    tls.entries[tls.n].to = *to;
    tls.entries[tls.n].pj = pj;
    tls.n++;
    return pj;
}

static void ge_crs_swap_axes(double *xy, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double t = xy[2 * i];
        xy[2 * i] = xy[2 * i + 1];
        xy[2 * i + 1] = t;
    }
}

int ge_crs_transform(const ge_crs *from, const ge_crs *to, double *xy, size_t n, ge_err *err)
{
    PJ *pj;
    size_t done;

    if (n == 0 || ge_crs_equal(from, to)) return GE_OK;
    if (from->epsg == to->epsg) {
        /* CRS84 <-> EPSG:4326: the same datum, only the axis order differs. */
        ge_crs_swap_axes(xy, n);
        return GE_OK;
    }
    pj = ge_crs_get_pj(from, to, err);
    if (!pj) return err ? err->code : GE_EINTERNAL;
    done = proj_trans_generic(pj, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n,
                              NULL, 0, 0, NULL, 0, 0);
    if (done != n)
        return ge_err_set(err, GE_EINTERNAL, "PROJ transformed %zu of %zu points", done, n);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]) || xy[2 * i] == HUGE_VAL) {
            proj_errno_reset(pj);
            return ge_err_set(err, GE_EINVAL, "point %zu cannot be transformed from %s to %s", i,
                              ge_crs_uri(from), ge_crs_uri(to));
        }
    }
    return GE_OK;
}

void ge_crs_thread_cleanup(void)
{
    if (!tls.ctx) return;
    pthread_setspecific(exit_key, NULL);
    for (int i = 0; i < tls.n; i++)
        proj_destroy(tls.entries[i].pj);
    tls.n = 0;
    proj_context_destroy(tls.ctx);
    tls.ctx = NULL;
}
