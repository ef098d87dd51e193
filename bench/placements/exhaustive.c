/*
 * exhaustive.c - the placement benchmark's reference: for every anchor, an
 * exhaustive search for a skip-container rectangle that the rule engine
 * finds valid, through the same engine and snapshot as POST /v1/validate
 * (ge_rules_validate, conflicts unchecked as on the public routes), in
 * process because tens of thousands of candidates per address would take
 * hours over HTTP.
 *
 *   exhaustive STORE SERVICES_DIR ANCHORS.tsv START END OUT.tsv CHECKS.jsonl
 *   exhaustive --addresses STORE     prints "id<TAB>x<TAB>y" of every address
 *                                    (store CRS, as exact as a double prints)
 *
 * ANCHORS.tsv: "id<TAB>x<TAB>y" per line (store CRS). START, END: the period
 * (YYYY-MM-DD). OUT.tsv gets one line per anchor (see the header line it
 * writes); CHECKS.jsonl, for every anchor where a rectangle was found, the
 * found one and the last refused one before it as /v1/validate request
 * bodies (in the store CRS, coordinates as exact as a double prints) with
 * the engine's verdict, for run to send to the server.
 *
 * The candidates (a superset of what geo/placement.c tries, see README.md):
 *  - every road segment (layer "roads") whose rectangles can come within
 *    the distance of the anchor, short ones included;
 *  - along each, every 1 m from its start, its end point, and every 1 m
 *    on from the anchor's foot on it (the assistant's own positions);
 *  - both sides, at lateral offsets of the rectangle's centre from the
 *    centreline every 0.1 m from 0 to max(15 m, the assistant's farthest),
 *    plus the assistant's exact offsets for the road's carriageway
 *    (geo/placement.c gp_laterals, repeated here). Why 0.1 m: the rules
 *    let a rectangle stick out of the street space by 0.05 m, so a 2 m
 *    wide skip fits a 2 m wide strip of street space (a separately mapped
 *    sidewalk) only centred within 0.05 m; a 0.1 m step hits every such
 *    strip that runs parallel to the segment;
 *  - 2 x 4 m rectangles with their long side along the segment;
 *  - kept when the rectangle's distance to the anchor is at most 50 m.
 * Every candidate whose centre could pass the two "inside" rules (within
 * 0.1 m of the street space and of the municipal area: a centre farther
 * out sticks out by more than the rules' 0.05 m tolerance, so the engine
 * would refuse it) goes through the engine, nearest first, until one is
 * valid (no error). So "found" means: some rectangle of the candidate set
 * passes every rule, and its distance is the nearest such.
 */
#include <geos_c.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crs.h"
#include "date.h"
#include "geojson_in.h"
#include "geos_ctx.h"
#include "refindex.h"
#include "rules.h"
#include "service.h"
#include "store.h"

#define EX_MAXD      50.0 /* the search distance, as the requests ask */
#define EX_W         2.0  /* the service's default size */
#define EX_L         4.0
#define EX_LAT_STEP  0.1
#define EX_LAT_MIN   15.0 /* the grid reaches at least this far from the centreline */
#define EX_CENTRE_IN 0.1  /* the centre within this of an inside layer (tolerance 0.05) */

typedef struct ex_cand {
    double d;      /* the rectangle's distance to the anchor */
    double cx, cy; /* centre */
    double ux, uy; /* the segment's direction */
    double lat;    /* the centre's offset from the centreline */
    int side;      /* 1: the anchor's side of the segment, -1: the other */
    int assistant; /* 1 when the position is one of the assistant's own */
} ex_cand;

typedef struct ex_list {
    ex_cand *v;
    size_t n, cap;
} ex_list;

static double ex_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ex_push(ex_list *l, ex_cand c)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    l->v[l->n++] = c;
}

static int ex_cmp(const void *a, const void *b)
{
    const ex_cand *x = a, *y = b;
    return x->d < y->d ? -1 : x->d > y->d;
}

/* The carriageway's half width as geo/placement.c gp_half_width reads it. */
static double ex_half_width(const ge_refitem *road)
{
    const json_t *p = road->props;
    double w = json_number_value(json_object_get(p, "carriageway_m"));

    if (!(w > 0)) w = json_number_value(json_object_get(p, "width"));
    if (!(w > 0)) {
        double lanes = json_number_value(json_object_get(p, "lanes"));
        if (lanes >= 1 && lanes <= 10) w = 3.0 * lanes;
    }
    return w >= 2 && w <= 40 ? w / 2 : 2.75;
}

/* The assistant's lateral offsets (geo/placement.c gp_laterals). */
static int ex_assistant_laterals(double k, double w, double *lat)
{
    const double pref[6] = {k - w / 2,       k + w / 2,       k - w / 2 - 0.5,
                            k + w / 2 + 0.5, k - w / 2 - 1.0, k + w / 2 + 1.0};
    int n = 0;

    for (int j = 0; j < 6; j++)
        lat[n++] = fmax(0, pref[j]);
    for (double x = k + w / 2 + 1.5; x <= k + w / 2 + 6 && n < 48; x += 0.5)
        lat[n++] = x;
    for (double x = k - w / 2 - 1.5; x >= 0 && n < 48; x -= 0.5)
        lat[n++] = x;
    if (n < 48 && k - w / 2 - 1.5 > 0) lat[n++] = 0;
    return n;
}

/* The distance from (px, py) to the rectangle of centre c, direction u. */
static double ex_rect_distance(const ex_cand *c, double px, double py)
{
    double dx = px - c->cx, dy = py - c->cy;
    double a = fabs(dx * c->ux + dy * c->uy) - EX_L / 2;  /* along */
    double b = fabs(-dx * c->uy + dy * c->ux) - EX_W / 2; /* across */
    a = fmax(a, 0);
    b = fmax(b, 0);
    return hypot(a, b);
}

static void ex_corners(const ex_cand *c, double xy[10])
{
    const double sx[5] = {-1, 1, 1, -1, -1}, sy[5] = {-1, -1, 1, 1, -1};
    double nx = -c->uy, ny = c->ux;
    for (int i = 0; i < 5; i++) {
        xy[2 * i] = c->cx + sx[i] * EX_L / 2 * c->ux + sy[i] * EX_W / 2 * nx;
        xy[2 * i + 1] = c->cy + sx[i] * EX_L / 2 * c->uy + sy[i] * EX_W / 2 * ny;
    }
}

static GEOSGeometry *ex_rect(GEOSContextHandle_t h, const ex_cand *c)
{
    double xy[10];
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(h, 5, 2);

    ex_corners(c, xy);
    for (unsigned i = 0; i < 5; i++)
        GEOSCoordSeq_setXY_r(h, seq, i, xy[2 * i], xy[2 * i + 1]);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, seq), NULL, 0);
}

/* A layer's items in the box, united and grown by EX_CENTRE_IN, prepared:
 * the centres that may pass its "inside" rule. NULL when there is none. */
static GEOSGeometry *ex_grown(GEOSContextHandle_t h, const ge_refsnap *snap, const char *layer,
                              const double box[4])
{
    const ge_reflayer *l = ge_refsnap_layer(snap, layer);
    ge_refhits hits = {0};
    GEOSGeometry **v, *coll, *g = NULL;
    ge_err err;
    size_t n = 0;

    if (!l) return NULL;
    ge_err_clear(&err);
    if (ge_reflayer_query(h, l, box[0], box[1], box[2], box[3], &hits, &err) < 0) return NULL;
    v = calloc(hits.n + 1, sizeof *v);
    for (size_t i = 0; i < hits.n; i++)
        v[n++] = GEOSGeom_clone_r(h, hits.v[i]->geom);
    ge_refhits_free(&hits);
    if (n) {
        coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, v, (unsigned)n);
        g = coll ? GEOSBuffer_r(h, coll, EX_CENTRE_IN, 8) : NULL;
        if (coll) GEOSGeom_destroy_r(h, coll);
    }
    free(v);
    return g;
}

/* The engine's verdict: *errors gets the violated rule ids (errors and
 * warnings, comma-separated); returns 1 when no error was found. */
static int ex_judge(GEOSContextHandle_t h, const ge_refsnap *snap, const ge_rules_input *base,
                    GEOSGeometry *g, char *rules, size_t nrules, long *engine_fail)
{
    ge_feature item = {0};
    ge_features fs = {0};
    ge_rules_input in = *base;
    json_t *report = NULL, *v;
    ge_err err;
    size_t i;
    int ok = 1;

    item.geom = g;
    fs.items = &item;
    fs.n = 1;
    in.features = &fs;
    ge_err_clear(&err);
    rules[0] = '\0';
    if (ge_rules_validate(h, snap, &in, &report, &err) < 0) {
        (*engine_fail)++;
        fprintf(stderr, "exhaustive: engine: %s\n", err.msg);
        return 0;
    }
    json_array_foreach(json_object_get(report, "violations"), i, v)
    {
        const char *sev = json_string_value(json_object_get(v, "severity"));
        const char *rule = json_string_value(json_object_get(v, "rule"));
        if (sev && !strcmp(sev, "error")) ok = 0;
        if (rule)
            snprintf(rules + strlen(rules), nrules - strlen(rules), "%s%s", rules[0] ? "," : "",
                     rule);
    }
    if (ok != json_is_true(json_object_get(report, "valid"))) {
        fprintf(stderr, "exhaustive: a report's valid disagrees with its errors\n");
        ok = 0;
    }
    json_decref(report);
    return ok;
}

static void ex_body(FILE *f, const char *id, const char *kind, const ex_cand *c, const char *start,
                    const char *end, int valid, const char *rules)
{
    double xy[10];

    ex_corners(c, xy);
    fprintf(f,
            "{\"id\":\"%s\",\"kind\":\"%s\",\"valid\":%s,\"rules\":\"%s\",\"body\":"
            "{\"service\":\"skip-container\",\"period\":{\"start\":\"%s\",\"end\":\"%s\"},"
            "\"features\":{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
            "\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[",
            id, kind, valid ? "true" : "false", rules, start, end);
    for (int i = 0; i < 5; i++)
        fprintf(f, "%s[%.17g,%.17g]", i ? "," : "", xy[2 * i], xy[2 * i + 1]);
    fprintf(f, "]]}}]}}}\n");
}

int main(int argc, char **argv)
{
    ge_store *st = NULL;
    ge_services *ss = NULL;
    ge_refsnap *snap = NULL;
    const ge_service *svc;
    ge_period period;
    ge_crs store_crs;
    ge_err err;
    FILE *in = NULL, *out = NULL, *checks = NULL;
    char line[512];
    long engine_fail = 0, engine_calls = 0;
    size_t naddr = 0, nfound = 0;
    int rc = 1;

    if (argc == 3 && !strcmp(argv[1], "--addresses")) {
        const ge_reflayer *addr;
        ge_err_clear(&err);
        ge_store_opts ao = {.path = argv[2], .readonly = true};
        if (ge_store_open(&st, &ao, &err) < 0 ||
            ge_refindex_build_from_store(st, &snap, &err) < 0 ||
            !(addr = ge_refsnap_layer(snap, "addresses"))) {
            fprintf(stderr, "exhaustive: %s\n", err.code ? err.msg : "no addresses layer");
            goto out;
        }
        for (size_t i = 0; i < ge_reflayer_size(addr); i++) {
            const ge_refitem *it = ge_reflayer_item(addr, i);
            double x, y;
            GEOSGeomGetX_r(ge_geos_ctx(), it->geom, &x);
            GEOSGeomGetY_r(ge_geos_ctx(), it->geom, &y);
            printf("%lld\t%.17g\t%.17g\n", (long long)it->fid, x, y);
        }
        rc = 0;
        goto out;
    }
    if (argc != 8) {
        fprintf(
            stderr,
            "usage: exhaustive STORE SERVICES_DIR ANCHORS.tsv START END OUT.tsv CHECKS.jsonl\n");
        return 2;
    }
    ge_err_clear(&err);
    ge_store_opts so = {.path = argv[1], .readonly = true};
    if (ge_store_open(&st, &so, &err) < 0 || ge_services_load_dir(argv[2], &ss, &err) < 0 ||
        ge_refindex_build_from_store(st, &snap, &err) < 0 ||
        ge_date_parse(argv[4], &period.start, &err) < 0 ||
        ge_date_parse(argv[5], &period.end, &err) < 0 ||
        ge_crs_from_epsg(ge_refsnap_srid(snap), &store_crs, &err) < 0) {
        fprintf(stderr, "exhaustive: %s\n", err.msg);
        goto out;
    }
    svc = ge_services_find(ss, "skip-container");
    in = fopen(argv[3], "r");
    out = fopen(argv[6], "w");
    checks = fopen(argv[7], "w");
    if (!svc || !in || !out || !checks) {
        fprintf(stderr, "exhaustive: no skip-container service, or cannot open the files\n");
        goto out;
    }

    GEOSContextHandle_t h = ge_geos_ctx();
    const ge_reflayer *roads = ge_refsnap_layer(snap, "roads");
    const ge_reflayer *town = ge_refsnap_layer(snap, "boundary");
    ge_rules_input base;
    ge_rules_input_init(&base);
    base.service = svc;
    base.srid = ge_refsnap_srid(snap);
    base.period = &period;
    base.today = ge_date_local(time(NULL));
    base.conflicts = GE_RULES_CONFLICTS_UNCHECKED; /* as the public routes */
    base.out_crs = store_crs;

    fprintf(out, "id\tinside\tcandidates\tcentre_in\tchecked\tfound\tdistance_m\tcx\tcy\tlat\tside"
                 "\tassistant_position\tcpu_ms\n");
    while (fgets(line, sizeof line, in)) {
        char id[256];
        double ax, ay, dtown = 0, t0 = ex_cpu();
        double reach, box[4];
        ex_list cands = {0};
        ge_refhits hits = {0};
        GEOSGeometry *ss_g = NULL, *town_g = NULL, *pt;
        const GEOSPreparedGeometry *ss_p = NULL, *town_p = NULL;
        size_t centre_in = 0, checked = 0;
        const ex_cand *found = NULL;
        ex_cand last_refused = {0};
        char last_rules[512] = "", rules[512];
        int have_refused = 0;

        if (sscanf(line, "%255s %lf %lf", id, &ax, &ay) != 3) continue;
        naddr++;
        pt = GEOSGeom_createPointFromXY_r(h, ax, ay);
        if (!town || !ge_reflayer_nearest(h, town, pt, &dtown)) dtown = INFINITY;
        GEOSGeom_destroy_r(h, pt);

        /* every road segment whose rectangles can reach the anchor */
        reach = EX_MAXD + 40 + 6 + hypot(EX_W, EX_L); /* lateral up to 40 / 2 + 1 + 6 */
        ge_err_clear(&err);
        if (roads && ge_reflayer_query(h, roads, ax - reach, ay - reach, ax + reach, ay + reach,
                                       &hits, &err) < 0) {
            fprintf(stderr, "exhaustive: %s\n", err.msg);
            goto out;
        }
        for (size_t r = 0; r < hits.n; r++) {
            const ge_refitem *it = hits.v[r];
            double k = ex_half_width(it), alat[48], lat[512];
            int na = ex_assistant_laterals(k, EX_W, alat), nl = 0, isa[512];
            double latmax = fmax(EX_LAT_MIN, k + EX_W / 2 + 6);
            int ng = GEOSGetNumGeometries_r(h, it->geom);

            for (int j = 0; j * EX_LAT_STEP <= latmax + 1e-9 && nl < 400; j++) {
                lat[nl] = j * EX_LAT_STEP;
                isa[nl] = 0;
                for (int q = 0; q < na; q++)
                    if (fabs(alat[q] - lat[nl]) < 1e-9) isa[nl] = 1;
                nl++;
            }
            for (int q = 0; q < na; q++) { /* the assistant's off the grid */
                int on = 0;
                for (int j = 0; j < nl && !on; j++)
                    on = fabs(lat[j] - alat[q]) < 1e-9;
                if (!on && nl < 512) {
                    lat[nl] = alat[q];
                    isa[nl++] = 1;
                }
            }
            for (int g = 0; g < ng; g++) {
                const GEOSGeometry *ln = GEOSGetGeometryN_r(h, it->geom, g);
                const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ln);
                unsigned np = 0;
                if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &np)) continue;
                for (unsigned v = 0; v + 1 < np; v++) {
                    double x0, y0, x1, y1, len, ux, uy, nx, ny, ta, side;
                    GEOSCoordSeq_getXY_r(h, seq, v, &x0, &y0);
                    GEOSCoordSeq_getXY_r(h, seq, v + 1, &x1, &y1);
                    len = hypot(x1 - x0, y1 - y0);
                    if (len < 1e-9) continue;
                    ux = (x1 - x0) / len;
                    uy = (y1 - y0) / len;
                    nx = -uy;
                    ny = ux;
                    ta = (ax - x0) * ux + (ay - y0) * uy;
                    side = (ax - x0) * nx + (ay - y0) * ny >= 0 ? 1 : -1;
                    /* positions: every 1 m from the start (and the end), and
                     * every 1 m on from the anchor's foot, as the assistant
                     * steps once it passed the foot */
                    int nfrom_start = (int)floor(len) + 1, nfoot = 0;
                    if (ta > 0 && ta < len) nfoot = (int)floor(len - ta) + 1;
                    for (int pi = 0; pi < nfrom_start + 1 + nfoot; pi++) {
                        double t = pi < nfrom_start    ? pi
                                   : pi == nfrom_start ? len
                                                       : ta + (pi - nfrom_start - 1);
                        int a_pos = pi < nfrom_start    ? (nfoot == 0 || t < ta) && len >= 0.5
                                    : pi == nfrom_start ? 0
                                                        : len >= 0.5;
                        double px = x0 + t * ux, py = y0 + t * uy;
                        if (hypot(px - ax, py - ay) > EX_MAXD + latmax + hypot(EX_W, EX_L))
                            continue;
                        for (int sd = 0; sd < 2; sd++) {
                            double sgn = sd ? -side : side;
                            for (int j = 0; j < nl; j++) {
                                ex_cand c = {0};
                                c.cx = px + sgn * lat[j] * nx;
                                c.cy = py + sgn * lat[j] * ny;
                                c.ux = ux;
                                c.uy = uy;
                                c.lat = lat[j];
                                c.side = sd ? -1 : 1;
                                c.assistant = a_pos && isa[j];
                                c.d = ex_rect_distance(&c, ax, ay);
                                if (c.d <= EX_MAXD) ex_push(&cands, c);
                            }
                        }
                    }
                }
            }
        }
        ge_refhits_free(&hits);

        /* the centres that may pass the two inside rules, then the engine */
        box[0] = ax - EX_MAXD - 10;
        box[1] = ay - EX_MAXD - 10;
        box[2] = ax + EX_MAXD + 10;
        box[3] = ay + EX_MAXD + 10;
        if (cands.n) {
            ss_g = ex_grown(h, snap, "street_space", box);
            town_g = ex_grown(h, snap, "boundary", box);
            ss_p = ss_g ? GEOSPrepare_r(h, ss_g) : NULL;
            town_p = town_g ? GEOSPrepare_r(h, town_g) : NULL;
        }
        if (ss_p && town_p) {
            qsort(cands.v, cands.n, sizeof *cands.v, ex_cmp);
            for (size_t i = 0; i < cands.n && !found; i++) {
                const ex_cand *c = &cands.v[i];
                GEOSGeometry *cp = GEOSGeom_createPointFromXY_r(h, c->cx, c->cy), *g;
                int in_ss = GEOSPreparedIntersects_r(h, ss_p, cp) == 1 &&
                            GEOSPreparedIntersects_r(h, town_p, cp) == 1;
                GEOSGeom_destroy_r(h, cp);
                if (!in_ss) continue;
                centre_in++;
                g = ex_rect(h, c);
                checked++;
                engine_calls++;
                if (ex_judge(h, snap, &base, g, rules, sizeof rules, &engine_fail)) {
                    found = c;
                } else {
                    last_refused = *c;
                    have_refused = 1;
                    snprintf(last_rules, sizeof last_rules, "%s", rules);
                }
                GEOSGeom_destroy_r(h, g);
            }
            /* the rest of the count of centres inside, for the record */
            for (size_t i = found ? (size_t)(found - cands.v) + 1 : cands.n; i < cands.n; i++) {
                GEOSGeometry *cp = GEOSGeom_createPointFromXY_r(h, cands.v[i].cx, cands.v[i].cy);
                centre_in += GEOSPreparedIntersects_r(h, ss_p, cp) == 1 &&
                             GEOSPreparedIntersects_r(h, town_p, cp) == 1;
                GEOSGeom_destroy_r(h, cp);
            }
        }
        if (found) {
            nfound++;
            fprintf(out, "%s\t%d\t%zu\t%zu\t%zu\t1\t%.3f\t%.3f\t%.3f\t%.2f\t%d\t%d\t%.1f\n", id,
                    dtown == 0, cands.n, centre_in, checked, found->d, found->cx, found->cy,
                    found->lat, found->side, found->assistant, (ex_cpu() - t0) * 1e3);
            ex_body(checks, id, "found", found, argv[4], argv[5], 1, "");
            if (have_refused)
                ex_body(checks, id, "refused", &last_refused, argv[4], argv[5], 0, last_rules);
        } else {
            fprintf(out, "%s\t%d\t%zu\t%zu\t%zu\t0\t\t\t\t\t\t\t%.1f\n", id, dtown == 0, cands.n,
                    centre_in, checked, (ex_cpu() - t0) * 1e3);
        }
        fflush(out);
        if (ss_p) GEOSPreparedGeom_destroy_r(h, ss_p);
        if (town_p) GEOSPreparedGeom_destroy_r(h, town_p);
        if (ss_g) GEOSGeom_destroy_r(h, ss_g);
        if (town_g) GEOSGeom_destroy_r(h, town_g);
        free(cands.v);
        if (naddr % 200 == 0)
            fprintf(stderr, "  exhaustive: %zu addresses, %zu found, %ld engine checks\n", naddr,
                    nfound, engine_calls);
    }
    fprintf(stderr, "  exhaustive: %zu addresses, %zu found, %ld engine checks\n", naddr, nfound,
            engine_calls);
    rc = engine_fail ? 1 : 0;
out:
    if (in) fclose(in);
    if (out) fclose(out);
    if (checks) fclose(checks);
    if (snap) ge_refsnap_release(snap);
    ge_services_free(ss);
    ge_store_close(st);
    ge_geos_thread_cleanup();
    return rc;
}
