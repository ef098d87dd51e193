/*
 * location.c - the location sentence (location.h): the street a feature
 * stands on, the house number it relates to, the side of the street and the
 * clearance that matters for the service, in German and English.
 *
 * Everything works in a frame of the street at the point of its centre line
 * nearest to the feature: u along the street, v to its left. Addresses are
 * placed by their own nearest point of the same street, so a bend or a
 * street made of several ways drawn in opposite directions changes nothing:
 * each segment's direction is turned to agree with the frame's first.
 *
 * Why the sentence says less rather than guess: it is read by applicants,
 * caseworkers and screen readers, on site plans and in exports. Every part
 * has a condition under which the data supports it (location.h); without
 * it the part is left out, and a feature with none gets no sentence.
 */
#include "location.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "layer_words.h"
#include "rules.h"

#define GL_STREET_M       25.0 /* a named road this near the centre is the street */
#define GL_WIDE_SLACK_M   15.0 /* ... or half its tagged width plus this */
#define GL_SQUARE_ROAD_M  5.0  /* in a named square: a named road this near still wins */
#define GL_AREA_M         80.0 /* segments and addresses looked at around the centre */
#define GL_ADDR_OFF_M     60.0 /* an address this far from its street's centre line, at most */
#define GL_ALONG_M        50.0 /* addresses counted this far along the street */
#define GL_FRONT_M        5.0  /* "vor Nr.": this near along the street */
#define GL_FRONT_MAX_M    15.0 /* ... however long the feature is */
#define GL_BETWEEN_M      50.0 /* "zwischen": neighbours at most this far apart */
#define GL_NEAR_M         15.0 /* "bei Nr." */
#define GL_OPPOSITE_M     10.0 /* "gegenüber Nr." */
#define GL_BIG_M          40.0 /* features this far across: no corner, no numbers, all near */
#define GL_SIDE_MIN_M     1.0  /* a side only for a centre this far off the centre line */
#define GL_SIDE_CROSS_M   0.25 /* ... and no vertex farther than this across it */
#define GL_ADDR_SIDE_M    0.5  /* an address this near the centre line has no side */
#define GL_DUAL_M         40.0 /* another carriageway of the same name this near beyond */
#define GL_CORNER_M       12.0 /* a junction with another street this near: "Ecke" */
#define GL_CLEAR_SLACK_M  10.0 /* clearances told up to the rule's limit plus this */
#define GL_ADDR_ONLY_M    30.0 /* without a street: the nearest address this near */
#define GL_PREPARE_POINTS 64   /* features with more vertices are measured prepared */
#define GL_NAME_MAX       200  /* longer names and numbers are not told */
#define GL_NUMBER_MAX     32
#define GL_TEXT           1400

/* ---- small geometry ----------------------------------------------------- */

typedef struct gl_seg {
    double x0, y0, x1, y1;
    size_t hit; /* index of its road in the query's hits */
} gl_seg;

/* The nearest point of a segment to (px, py). */
typedef struct gl_near {
    double d;      /* distance */
    double qx, qy; /* the point on the segment */
    double tx, ty; /* unit direction of the segment */
} gl_near;

static void gl_seg_nearest(const gl_seg *s, double px, double py, gl_near *out)
{
    double dx = s->x1 - s->x0, dy = s->y1 - s->y0, len2 = dx * dx + dy * dy, t = 0, len;

    if (len2 > 0) {
        t = ((px - s->x0) * dx + (py - s->y0) * dy) / len2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    out->qx = s->x0 + t * dx;
    out->qy = s->y0 + t * dy;
    out->d = hypot(px - out->qx, py - out->qy);
    len = sqrt(len2);
    out->tx = len > 0 ? dx / len : 1;
    out->ty = len > 0 ? dy / len : 0;
}

typedef struct gl_segs {
    gl_seg *v;
    size_t n, cap;
} gl_segs;

/* Appends the segments of the LineStrings in g whose boxes meet the box. */
static int gl_segs_add(GEOSContextHandle_t h, const GEOSGeometry *g, size_t hit, const double *box,
                       gl_segs *segs, double **buf, size_t *bufcap, ge_err *err)
{
    int type = GEOSGeomTypeId_r(h, g);
    const GEOSCoordSequence *seq;
    unsigned size = 0;

    if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++) {
            int rc = gl_segs_add(h, GEOSGetGeometryN_r(h, g, i), hit, box, segs, buf, bufcap, err);
            if (rc < 0) return rc;
        }
        return GE_OK;
    }
    if (type != GEOS_LINESTRING) return GE_OK;
    seq = GEOSGeom_getCoordSeq_r(h, g);
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size) || size < 2) return GE_OK;
    if (size > *bufcap) {
        double *nb = realloc(*buf, 2 * size * sizeof *nb);
        if (!nb) return ge_err_set(err, GE_ENOMEM, "out of memory");
        *buf = nb;
        *bufcap = size;
    }
    if (!GEOSCoordSeq_copyToBuffer_r(h, seq, *buf, 0, 0))
        return ge_err_set(err, GE_EINTERNAL, "reading a road's coordinates failed");
    for (unsigned i = 0; i + 1 < size; i++) {
        const double *p = *buf + 2 * i;
        gl_seg s = {p[0], p[1], p[2], p[3], hit};
        if (fmax(s.x0, s.x1) < box[0] || fmin(s.x0, s.x1) > box[2] || fmax(s.y0, s.y1) < box[1] ||
            fmin(s.y0, s.y1) > box[3])
            continue;
        if (segs->n == segs->cap) {
            size_t ncap = segs->cap ? 2 * segs->cap : 64;
            gl_seg *nv = realloc(segs->v, ncap * sizeof *nv);
            if (!nv) return ge_err_set(err, GE_ENOMEM, "out of memory");
            segs->v = nv;
            segs->cap = ncap;
        }
        segs->v[segs->n++] = s;
    }
    return GE_OK;
}

/* The extent of g's vertices in the street's frame at (qx, qy), direction
 * (tx, ty): u along, v to the left; and, when segs is given, the distance
 * from them of the vertex farthest from them. */
typedef struct gl_extent {
    double qx, qy, tx, ty;
    double umin, umax, vmin, vmax;
    const gl_segs *segs;
    double reach;
} gl_extent;

static void gl_extent_add(GEOSContextHandle_t h, const GEOSGeometry *g, gl_extent *e)
{
    int type = GEOSGeomTypeId_r(h, g);
    const GEOSCoordSequence *seq;
    unsigned size = 0;

    if (type == GEOS_POLYGON) {
        gl_extent_add(h, GEOSGetExteriorRing_r(h, g), e);
        return; /* holes lie within the shell */
    }
    if (type >= GEOS_MULTIPOINT) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            gl_extent_add(h, GEOSGetGeometryN_r(h, g, i), e);
        return;
    }
    seq = GEOSGeom_getCoordSeq_r(h, g);
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size)) return;
    for (unsigned i = 0; i < size; i++) {
        double x, y, u, v;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        u = (x - e->qx) * e->tx + (y - e->qy) * e->ty;
        v = -(x - e->qx) * e->ty + (y - e->qy) * e->tx;
        e->umin = fmin(e->umin, u);
        e->umax = fmax(e->umax, u);
        e->vmin = fmin(e->vmin, v);
        e->vmax = fmax(e->vmax, v);
        if (e->segs) {
            /* a vertex no farther than the farthest so far changes nothing */
            double best = INFINITY;
            for (size_t k = 0; k < e->segs->n && best > e->reach; k++) {
                gl_near nr;
                gl_seg_nearest(&e->segs->v[k], x, y, &nr);
                best = fmin(best, nr.d);
            }
            e->reach = fmax(e->reach, best);
        }
    }
}

/* ---- names and numbers --------------------------------------------------- */

/* A street name as it is compared: lower case (ASCII and the German
 * umlauts), hyphens and runs of blanks one blank, "straße", "strasse" and
 * "str." at the end of a word "str". False when it does not fit. */
static bool gl_norm(const char *s, char *out, size_t n)
{
    size_t k = 0;
    bool blank = true; /* drops leading blanks */

    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        const char *rest = (const char *)p;
        size_t skip = 0;
        char c;

        if ((*p | 0x20) == 's') { /* the only letter the suffixes start with */
            if (!strncasecmp(rest,
                             "stra\xc3\x9f"
                             "e",
                             7) ||
                !strncasecmp(rest, "strasse", 7))
                skip = 7;
            else if (!strncasecmp(rest, "str.", 4))
                skip = 4;
        }
        if (skip && (rest[skip] == '\0' || rest[skip] == ' ' || rest[skip] == '-')) {
            if (k + 3 >= n) return false;
            memcpy(out + k, "str", 3);
            k += 3;
            p += skip;
            blank = false;
            continue;
        }
        if (*p == ' ' || *p == '-' || *p == '\t') {
            if (!blank) {
                if (k + 1 >= n) return false;
                out[k++] = ' ';
            }
            blank = true;
            p++;
            continue;
        }
        blank = false;
        if (p[0] == 0xc3 && (p[1] == 0x84 || p[1] == 0x96 || p[1] == 0x9c)) {
            /* Ä Ö Ü -> ä ö ü */
            if (k + 2 >= n) return false;
            out[k++] = (char)0xc3;
            out[k++] = (char)(p[1] + 0x20);
            p += 2;
            continue;
        }
        c = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        if (k + 1 >= n) return false;
        out[k++] = c;
        p++;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    return k > 0;
}

/* House numbers in their natural order: "9" < "9a" < "9-11" < "11". */
static int gl_number_cmp(const char *a, const char *b)
{
    char *ea, *eb;
    unsigned long na = strtoul(a, &ea, 10), nb = strtoul(b, &eb, 10);
    bool da = ea != a, db = eb != b;

    if (da != db) return da ? -1 : 1; /* numbers before words */
    if (da && na != nb) return na < nb ? -1 : 1;
    return strcasecmp(da ? ea : a, db ? eb : b);
}

static const char *gl_prop(const json_t *props, const char *key)
{
    const char *s = json_string_value(json_object_get(props, key));
    return s && s[0] && strlen(s) <= GL_NAME_MAX ? s : NULL;
}

/* ---- the text ----------------------------------------------------------- */

typedef struct gl_text {
    char de[GL_TEXT], en[GL_TEXT];
} gl_text;

/* Appends a part to both languages, with ", " after the first. The parts
 * are bounded (GL_NAME_MAX, GL_NUMBER_MAX), so the buffers never fill. */
static void gl_part(gl_text *t, ge_text part)
{
    size_t ld = strlen(t->de), le = strlen(t->en);
    snprintf(t->de + ld, sizeof t->de - ld, "%s%s", ld ? ", " : "", part.de);
    snprintf(t->en + le, sizeof t->en - le, "%s%s", le ? ", " : "", part.en);
}

/* ---- the street ---------------------------------------------------------- */

typedef struct gl_street {
    const char *name;   /* NULL: none */
    char norm[GL_TEXT]; /* name as compared */
    bool square;        /* a pedestrian area: no side, numbers only "bei" */
    double max_d;       /* how far from its centre line the feature may be */
    gl_near at;         /* the nearest point of its centre line to the centre */
    gl_segs segs;       /* its segments (and only its) around the centre */
} gl_street;

typedef struct gl_ctx {
    GEOSContextHandle_t h;
    const ge_refsnap *snap;
    const GEOSGeometry *g;
    double px, py;                 /* the feature's centre */
    double minx, miny, maxx, maxy; /* its box */
    ge_err *err;
    ge_refhits roads; /* named or not, around the centre */
    double *road_d;   /* per road hit: distance of its centre line to the centre */
    gl_segs all;      /* segments of the named roads around the centre */
    double *buf;      /* coordinate buffer */
    size_t bufcap;
    int npoints;                      /* the feature's vertices */
    bool big;                         /* GL_BIG_M or more across */
    const GEOSPreparedGeometry *prep; /* the feature prepared, when big (made on first use) */
} gl_ctx;

static bool gl_budget(gl_ctx *c)
{
    if (!ge_budget_check()) return false;
    ge_err_set(c->err, GE_EBUDGET, "stopped by the budget");
    return true;
}

/* The named pedestrian area the centre lies in, or NULL. */
static int gl_square(gl_ctx *c, const char **name)
{
    const ge_reflayer *l = ge_refsnap_layer(c->snap, "pedestrian_areas");
    ge_refhits hits = {0};
    GEOSGeometry *pt = NULL;
    int rc;

    *name = NULL;
    if (!l) return GE_OK;
    rc = ge_reflayer_query(c->h, l, c->px, c->py, c->px, c->py, &hits, c->err);
    for (size_t i = 0; rc == GE_OK && i < hits.n && !*name; i++) {
        const char *nm = gl_prop(hits.v[i]->props, "name");
        const GEOSPreparedGeometry *p;
        char in;
        if (!nm) continue;
        if (!pt && !(pt = GEOSGeom_createPointFromXY_r(c->h, c->px, c->py))) {
            rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
            break;
        }
        p = ge_refsnap_prepared(c->h, c->snap, hits.v[i]);
        in =
            p ? GEOSPreparedIntersects_r(c->h, p, pt) : GEOSIntersects_r(c->h, hits.v[i]->geom, pt);
        if (in == 2) rc = ge_err_set(c->err, GE_EINTERNAL, "GEOS intersects failed");
        if (in == 1) *name = nm;
    }
    if (pt) GEOSGeom_destroy_r(c->h, pt);
    ge_refhits_free(&hits);
    return rc;
}

/* Reads the roads around the centre and picks the street. */
static int gl_find_street(gl_ctx *c, gl_street *st)
{
    const ge_reflayer *roads = ge_refsnap_layer(c->snap, "roads");
    double box[4] = {c->px - GL_AREA_M, c->py - GL_AREA_M, c->px + GL_AREA_M, c->py + GL_AREA_M};
    const char *square = NULL;
    gl_near best = {.d = INFINITY};
    size_t best_hit = 0;
    int rc;

    st->name = NULL;
    rc = gl_square(c, &square);
    if (rc < 0) return rc;
    if (roads) {
        rc = ge_reflayer_query(c->h, roads, box[0], box[1], box[2], box[3], &c->roads, c->err);
        if (rc < 0) return rc;
    }
    c->road_d = malloc((c->roads.n ? c->roads.n : 1) * sizeof *c->road_d);
    if (!c->road_d) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->roads.n; i++) {
        c->road_d[i] = INFINITY;
        if (!gl_prop(c->roads.v[i]->props, "name")) continue;
        rc = gl_segs_add(c->h, c->roads.v[i]->geom, i, box, &c->all, &c->buf, &c->bufcap, c->err);
        if (rc < 0) return rc;
        if (gl_budget(c)) return GE_EBUDGET;
    }
    for (size_t k = 0; k < c->all.n; k++) {
        gl_near nr;
        gl_seg_nearest(&c->all.v[k], c->px, c->py, &nr);
        if (nr.d < c->road_d[c->all.v[k].hit]) c->road_d[c->all.v[k].hit] = nr.d;
        if (nr.d < best.d) {
            best = nr;
            best_hit = c->all.v[k].hit;
        }
    }
    if (square && !(best.d <= GL_SQUARE_ROAD_M)) {
        if (gl_norm(square, st->norm, sizeof st->norm)) {
            st->name = square;
            st->square = true;
        }
        return GE_OK;
    }
    if (!isfinite(best.d)) return GE_OK;
    {
        const json_t *props = c->roads.v[best_hit]->props;
        double w = json_number_value(json_object_get(props, "width"));
        st->max_d = fmax(GL_STREET_M, w / 2 + GL_WIDE_SLACK_M);
        if (best.d > st->max_d) return GE_OK;
        st->name = gl_prop(props, "name");
    }
    if (!gl_norm(st->name, st->norm, sizeof st->norm)) {
        st->name = NULL;
        return GE_OK;
    }
    st->at = best;
    /* the street's own segments, each hit's name compared once */
    for (size_t i = 0, k = 0; i < c->roads.n; i++) {
        char norm[GL_TEXT];
        const char *nm = gl_prop(c->roads.v[i]->props, "name");
        bool same = nm && gl_norm(nm, norm, sizeof norm) && !strcmp(norm, st->norm);
        for (; k < c->all.n && c->all.v[k].hit == i; k++) {
            if (!same) continue;
            if (st->segs.n == st->segs.cap) {
                size_t ncap = st->segs.cap ? 2 * st->segs.cap : 32;
                gl_seg *nv = realloc(st->segs.v, ncap * sizeof *nv);
                if (!nv) return ge_err_set(c->err, GE_ENOMEM, "out of memory");
                st->segs.v = nv;
                st->segs.cap = ncap;
            }
            st->segs.v[st->segs.n++] = c->all.v[k];
        }
    }
    return GE_OK;
}

/* The nearest point of the street to (x, y), its direction turned to agree
 * with the frame's. */
static void gl_street_nearest(const gl_street *st, double x, double y, gl_near *out)
{
    *out = (gl_near){.d = INFINITY, .tx = st->at.tx, .ty = st->at.ty};
    for (size_t k = 0; k < st->segs.n; k++) {
        gl_near nr;
        gl_seg_nearest(&st->segs.v[k], x, y, &nr);
        if (nr.d < out->d) *out = nr;
    }
    if (out->tx * st->at.tx + out->ty * st->at.ty < 0) {
        out->tx = -out->tx;
        out->ty = -out->ty;
    }
}

/* Which side of the street the feature (its extent e in the street's
 * frame) is on: +1 left of the frame, -1 right, 0 not clearly one
 * (location.h). */
static int gl_side(gl_ctx *c, const gl_street *st, const gl_extent *e)
{
    double v = -(c->px - e->qx) * e->ty + (c->py - e->qy) * e->tx;
    int side;

    if (st->square || fabs(v) < GL_SIDE_MIN_M) return 0;
    side = v > 0 ? 1 : -1;
    if ((side > 0 && e->vmin < -GL_SIDE_CROSS_M) || (side < 0 && e->vmax > GL_SIDE_CROSS_M))
        return 0;
    /* a parallel centre line of the same name beyond the feature: it stands
     * between two carriageways */
    for (size_t k = 0; k < st->segs.n; k++) {
        gl_near nr;
        double beyond;
        gl_seg_nearest(&st->segs.v[k], c->px, c->py, &nr);
        beyond = side * (-(nr.qx - c->px) * e->ty + (nr.qy - c->py) * e->tx);
        if (beyond > GL_SIDE_MIN_M && nr.d <= GL_DUAL_M &&
            fabs(nr.tx * e->tx + nr.ty * e->ty) > 0.9)
            return 0;
    }
    return side;
}

/* ---- house numbers ------------------------------------------------------- */

typedef struct gl_addr {
    double u; /* along the street, from the frame's origin */
    int side; /* +1 left, -1 right, 0 on the centre line */
    const char *number;
} gl_addr;

static bool gl_addr_matches(const json_t *props, const char *norm)
{
    const char *keys[] = {"street", "place"};
    for (int i = 0; i < 2; i++) {
        char buf[GL_TEXT];
        const char *s = gl_prop(props, keys[i]);
        if (s && gl_norm(s, buf, sizeof buf) && !strcmp(buf, norm)) return true;
    }
    return false;
}

/* The addresses of the street around the centre, in its frame. */
static int gl_addresses(gl_ctx *c, const gl_street *st, gl_addr **out, size_t *nout)
{
    const ge_reflayer *l = ge_refsnap_layer(c->snap, "addresses");
    ge_refhits hits = {0};
    gl_addr *v = NULL;
    size_t n = 0;
    int rc;

    *out = NULL;
    *nout = 0;
    if (!l) return GE_OK;
    rc = ge_reflayer_query(c->h, l, c->px - GL_AREA_M, c->py - GL_AREA_M, c->px + GL_AREA_M,
                           c->py + GL_AREA_M, &hits, c->err);
    if (rc == GE_OK && hits.n && !(v = malloc(hits.n * sizeof *v)))
        rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        const char *nr = json_string_value(json_object_get(it->props, "housenumber"));
        double ax = (it->minx + it->maxx) / 2, ay = (it->miny + it->maxy) / 2, off, u;
        gl_near at;

        if (gl_budget(c)) {
            rc = GE_EBUDGET;
            break;
        }
        if (!nr || !nr[0] || strlen(nr) > GL_NUMBER_MAX || !gl_addr_matches(it->props, st->norm))
            continue;
        if (st->square) { /* no line to measure along: the distance, no side */
            v[n++] = (gl_addr){hypot(ax - c->px, ay - c->py), 0, nr};
            continue;
        }
        gl_street_nearest(st, ax, ay, &at);
        if (!(at.d <= GL_ADDR_OFF_M)) continue;
        u = (at.qx - st->at.qx) * st->at.tx + (at.qy - st->at.qy) * st->at.ty;
        if (fabs(u) > GL_ALONG_M) continue;
        off = -(ax - at.qx) * at.ty + (ay - at.qy) * at.tx;
        v[n++] = (gl_addr){u, fabs(off) < GL_ADDR_SIDE_M ? 0 : off > 0 ? 1 : -1, nr};
    }
    ge_refhits_free(&hits);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *nout = n;
    return GE_OK;
}

/* The nearest address (by |u - 0|) of the wanted side (0: any) within max,
 * or NULL. */
static const gl_addr *gl_nearest_addr(const gl_addr *v, size_t n, int side, double max)
{
    const gl_addr *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (side && v[i].side != side) continue;
        if (fabs(v[i].u) <= max && (!best || fabs(v[i].u) < fabs(best->u))) best = &v[i];
    }
    return best;
}

/* "vor Nr. 9", "zwischen Nr. 9 und 11", "bei Nr. 9", "gegenüber Nr. 12". */
static void gl_numbers(const gl_addr *v, size_t n, int side, double along_half, gl_text *t)
{
    char de[160], en[160];
    const gl_addr *a, *lo = NULL, *hi = NULL;
    double front = fmin(GL_FRONT_M + along_half, GL_FRONT_MAX_M);

    if (side == 0) {
        a = gl_nearest_addr(v, n, 0, GL_NEAR_M);
        if (!a) return;
        snprintf(de, sizeof de, "bei Nr. %s", a->number);
        snprintf(en, sizeof en, "near no. %s", a->number);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
        return;
    }
    a = gl_nearest_addr(v, n, side, front);
    if (a) {
        snprintf(de, sizeof de, "vor Nr. %s", a->number);
        snprintf(en, sizeof en, "in front of no. %s", a->number);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].side != side) continue;
        if (v[i].u < 0 && (!lo || v[i].u > lo->u)) lo = &v[i];
        if (v[i].u > 0 && (!hi || v[i].u < hi->u)) hi = &v[i];
    }
    if (lo && hi && hi->u - lo->u <= GL_BETWEEN_M && strcmp(lo->number, hi->number)) {
        const char *first = lo->number, *second = hi->number;
        if (gl_number_cmp(first, second) > 0) {
            first = hi->number;
            second = lo->number;
        }
        snprintf(de, sizeof de, "zwischen Nr. %s und %s", first, second);
        snprintf(en, sizeof en, "between nos. %s and %s", first, second);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
        return;
    }
    a = gl_nearest_addr(v, n, side, GL_NEAR_M);
    if (a) {
        snprintf(de, sizeof de, "bei Nr. %s", a->number);
        snprintf(en, sizeof en, "near no. %s", a->number);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
        return;
    }
    a = gl_nearest_addr(v, n, -side, GL_OPPOSITE_M);
    if (a) {
        snprintf(de, sizeof de, "gegenüber Nr. %s", a->number);
        snprintf(en, sizeof en, "opposite no. %s", a->number);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
    }
}

/* ---- corner, compass side, nearest address ------------------------------------ */

/* "Ecke Kirchweg": the nearest junction within GL_CORNER_M that joins the
 * street with another named road; of its other names the one whose road
 * runs nearest to the centre. */
static int gl_corner(gl_ctx *c, const gl_street *st, gl_text *t)
{
    const ge_reflayer *l = ge_refsnap_layer(c->snap, "junctions");
    ge_refhits hits = {0};
    const char *other = NULL;
    double best = INFINITY;
    char de[GL_NAME_MAX + 16], en[GL_NAME_MAX + 16];
    int rc;

    if (!l || st->square) return GE_OK;
    rc = ge_reflayer_query(c->h, l, c->px - GL_CORNER_M, c->py - GL_CORNER_M, c->px + GL_CORNER_M,
                           c->py + GL_CORNER_M, &hits, c->err);
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        const json_t *names = json_object_get(it->props, "names");
        double d = hypot((it->minx + it->maxx) / 2 - c->px, (it->miny + it->maxy) / 2 - c->py);
        const char *cand = NULL;
        double cand_d = INFINITY;
        bool has_street = false;
        char norm[GL_TEXT];

        if (d > GL_CORNER_M || d >= best) continue;
        for (size_t k = 0; k < json_array_size(names); k++) {
            const char *nm = json_string_value(json_array_get(names, k));
            if (!nm || !nm[0] || strlen(nm) > GL_NAME_MAX || !gl_norm(nm, norm, sizeof norm))
                continue;
            if (!strcmp(norm, st->norm)) {
                has_street = true;
                continue;
            }
            /* how near its road runs; a name no road near by carries is last */
            double rd = INFINITY;
            for (size_t r = 0; r < c->roads.n; r++) {
                const char *rn = gl_prop(c->roads.v[r]->props, "name");
                if (rn && !strcmp(rn, nm) && c->road_d[r] < rd) rd = c->road_d[r];
            }
            if (!cand || rd < cand_d) {
                cand = nm;
                cand_d = rd;
            }
        }
        if (has_street && cand) {
            other = cand;
            best = d;
        }
    }
    ge_refhits_free(&hits);
    if (rc < 0 || !other) return rc;
    snprintf(de, sizeof de, "Ecke %s", other);
    snprintf(en, sizeof en, "corner of %s", other);
    gl_part(t, GE_TEXT(DE(de), EN(en)));
    return GE_OK;
}

/* The compass side the direction (x, y) faces: four sides, or a diagonal
 * when within 15 degrees of one. */
static void gl_compass(double x, double y, gl_text *t)
{
    static const char *de[] = {"Nordseite", "Nordostseite", "Ostseite",  "Südostseite",
                               "Südseite",  "Südwestseite", "Westseite", "Nordwestseite"};
    static const char *en[] = {"north side", "north-east side", "east side", "south-east side",
                               "south side", "south-west side", "west side", "north-west side"};
    double b = atan2(x, y) * 180.0 / M_PI; /* 0 north, clockwise */
    int k;

    if (b < 0) b += 360;
    k = (int)floor((b + 22.5) / 45.0) % 8;
    if (k % 2 == 1 && fabs(b - 45.0 * k) > 15.0) /* not near enough to the diagonal */
        k = (b > 45.0 * k ? k + 1 : k - 1) % 8;
    gl_part(t, GE_TEXT(DE(de[k]), EN(en[k])));
}

/* "bei Lindenallee 9": the nearest address within GL_ADDR_ONLY_M. */
static int gl_near_address(gl_ctx *c, gl_text *t)
{
    const ge_reflayer *l = ge_refsnap_layer(c->snap, "addresses");
    ge_refhits hits = {0};
    const char *label = NULL;
    double best = INFINITY;
    char de[GL_NAME_MAX + 16], en[GL_NAME_MAX + 16];
    int rc;

    if (!l) return GE_OK;
    rc = ge_reflayer_query(c->h, l, c->px - GL_ADDR_ONLY_M, c->py - GL_ADDR_ONLY_M,
                           c->px + GL_ADDR_ONLY_M, c->py + GL_ADDR_ONLY_M, &hits, c->err);
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        const char *lb = gl_prop(it->props, "label");
        double d = hypot((it->minx + it->maxx) / 2 - c->px, (it->miny + it->maxy) / 2 - c->py);
        if (lb && d <= GL_ADDR_ONLY_M && d < best) {
            best = d;
            label = lb;
        }
    }
    if (rc == GE_OK && label) {
        snprintf(de, sizeof de, "bei %s", label);
        snprintf(en, sizeof en, "near %s", label);
        gl_part(t, GE_TEXT(DE(de), EN(en)));
    }
    ge_refhits_free(&hits);
    return rc;
}

/* ---- clearance ------------------------------------------------------------ */

static unsigned gl_type_bit(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
        return GE_GT_POINT;
    case GEOS_LINESTRING:
        return GE_GT_LINESTRING;
    case GEOS_POLYGON:
        return GE_GT_POLYGON;
    case GEOS_MULTIPOINT:
        return GE_GT_MULTIPOINT;
    case GEOS_MULTILINESTRING:
        return GE_GT_MULTILINESTRING;
    case GEOS_MULTIPOLYGON:
        return GE_GT_MULTIPOLYGON;
    default:
        return 0;
    }
}

/* The nearest item of a layer searched so far, and how far was searched. */
typedef struct gl_layer_near {
    const ge_reflayer *layer;
    double searched;
    const ge_refitem *item; /* NULL: none within searched */
    double d;
} gl_layer_near;

typedef struct gl_cand {
    double lower;
    const ge_refitem *it;
} gl_cand;

static int gl_cand_cmp(const void *a, const void *b)
{
    const gl_cand *x = a, *y = b;
    return x->lower < y->lower ? -1 : x->lower > y->lower;
}

/* The nearest item of l within r of the feature (by the same measure as the
 * rule engine: GEOS distance, through the item's prepared copy when big). */
static int gl_nearest_within(gl_ctx *c, gl_layer_near *ln, double r)
{
    ge_refhits hits = {0};
    gl_cand *cand = NULL;
    int rc = ge_reflayer_query(c->h, ln->layer, c->minx - r, c->miny - r, c->maxx + r, c->maxy + r,
                               &hits, c->err);

    ln->item = NULL;
    ln->d = INFINITY;
    ln->searched = r;
    if (rc == GE_OK && hits.n && !(cand = malloc(hits.n * sizeof *cand)))
        rc = ge_err_set(c->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; rc == GE_OK && i < hits.n; i++) {
        const ge_refitem *it = hits.v[i];
        double dx = it->minx > c->maxx   ? it->minx - c->maxx
                    : c->minx > it->maxx ? c->minx - it->maxx
                                         : 0;
        double dy = it->miny > c->maxy   ? it->miny - c->maxy
                    : c->miny > it->maxy ? c->miny - it->maxy
                                         : 0;
        cand[i] = (gl_cand){sqrt(dx * dx + dy * dy) - 1e-9, it};
    }
    if (rc == GE_OK && hits.n > 1) qsort(cand, hits.n, sizeof *cand, gl_cand_cmp);
    for (size_t i = 0; rc == GE_OK && i < hits.n && cand[i].lower < ln->d; i++) {
        const GEOSPreparedGeometry *p = ge_refsnap_prepared(c->h, c->snap, cand[i].it);
        double d;
        int ok;
        /* a drawing of many vertices is measured through its own index, as
         * the rule engine does, instead of against every segment */
        if (!p && c->npoints >= GL_PREPARE_POINTS && !c->prep) c->prep = GEOSPrepare_r(c->h, c->g);
        if (p)
            ok = GEOSPreparedDistance_r(c->h, p, c->g, &d);
        else if (c->npoints >= GL_PREPARE_POINTS && c->prep)
            ok = GEOSPreparedDistance_r(c->h, c->prep, cand[i].it->geom, &d);
        else
            ok = GEOSDistance_r(c->h, cand[i].it->geom, c->g, &d);
        if (!ok) {
            rc = gl_budget(c) ? GE_EBUDGET
                              : ge_err_set(c->err, GE_EINTERNAL, "GEOS distance failed");
            break;
        }
        if (d < ln->d) {
            ln->d = d;
            ln->item = cand[i].it;
        }
        if (gl_budget(c)) rc = GE_EBUDGET;
    }
    if (rc == GE_OK && ln->item && ln->d > r) ln->item = NULL;
    free(cand);
    ge_refhits_free(&hits);
    return rc;
}

/* "6 m vom Hydranten": of the service's distance rules, the nearest item
 * with the smallest margin. */
static int gl_clearance(gl_ctx *c, const ge_service *svc, gl_text *t)
{
    gl_layer_near cache[16];
    size_t ncache = 0;
    unsigned bit = gl_type_bit(c->h, c->g);
    const ge_refitem *best = NULL;
    const char *best_layer = NULL;
    double best_margin = INFINITY, best_d = 0, best_limit = 0;
    char num[2][64], de[256], en[256];
    const ge_layer_words *w;

    for (size_t k = 0; svc && k < svc->nrules; k++) {
        const ge_rule *r = &svc->rules[k];
        double limit;
        if (!(r->applies_to & bit)) continue;
        if (r->kind == GE_RULE_MIN_DISTANCE && r->has_min)
            limit = r->min;
        else if (r->kind == GE_RULE_OUTSIDE)
            limit = 0;
        else
            continue;
        for (size_t i = 0; i < r->nlayers; i++) {
            const ge_reflayer *l = ge_refsnap_layer(c->snap, r->layers[i]);
            gl_layer_near *ln = NULL;
            double radius = limit + GL_CLEAR_SLACK_M;
            int rc;
            if (!l) continue;
            for (size_t j = 0; j < ncache && !ln; j++)
                if (cache[j].layer == l) ln = &cache[j];
            if (!ln && ncache < sizeof cache / sizeof cache[0]) {
                ln = &cache[ncache++];
                *ln = (gl_layer_near){.layer = l, .searched = -1, .d = INFINITY};
            }
            if (!ln) continue;
            if (ln->searched < radius && !(ln->item && ln->d <= ln->searched)) {
                rc = gl_nearest_within(c, ln, radius);
                if (rc < 0) return rc;
            }
            if (!ln->item || ln->d > radius) continue;
            if (ln->d - limit < best_margin) {
                best_margin = ln->d - limit;
                best = ln->item;
                best_layer = ge_reflayer_name(l);
                best_d = ln->d;
                best_limit = limit;
            }
        }
    }
    if (!best) return GE_OK;
    w = ge_layer_words_item(best_layer, best->props);
    for (int german = 0; german < 2; german++)
        ge_rules_format_number(best_d, fabs(best_d - best_limit) < 0.1 ? 2 : 1, -1, german,
                               num[german], sizeof num[german]);
    if (!strcmp(num[0], "0")) {
        /* "am Hydranten" places a small feature; of a big one it says little */
        if (!c->big) gl_part(t, GE_TEXT(DE(w->de_at), EN(w->en_at)));
        return GE_OK;
    }
    snprintf(de, sizeof de, "%s m %s", num[1], w->de_from);
    snprintf(en, sizeof en, "%s m %s", num[0], w->en_from);
    gl_part(t, GE_TEXT(DE(de), EN(en)));
    return GE_OK;
}

/* ---- the sentence ------------------------------------------------------------ */

/* The feature's centre: the point, or the centroid (the box's centre when
 * GEOS has none, e.g. for a self-crossing outline). */
static void gl_centre(gl_ctx *c)
{
    GEOSGeometry *ct = NULL;
    double x, y;

    c->px = (c->minx + c->maxx) / 2;
    c->py = (c->miny + c->maxy) / 2;
    if (GEOSGeomTypeId_r(c->h, c->g) == GEOS_POINT) {
        if (GEOSGeomGetX_r(c->h, c->g, &x) && GEOSGeomGetY_r(c->h, c->g, &y)) {
            c->px = x;
            c->py = y;
        }
        return;
    }
    ct = GEOSGetCentroid_r(c->h, c->g);
    if (ct && GEOSisEmpty_r(c->h, ct) == 0 && GEOSGeomGetX_r(c->h, ct, &x) &&
        GEOSGeomGetY_r(c->h, ct, &y) && isfinite(x) && isfinite(y) && x >= c->minx &&
        x <= c->maxx && y >= c->miny && y <= c->maxy) {
        c->px = x;
        c->py = y;
    }
    if (ct) GEOSGeom_destroy_r(c->h, ct);
}

json_t *ge_location_describe(GEOSContextHandle_t h, const ge_refsnap *snap, const GEOSGeometry *g,
                             const ge_service *svc, ge_err *err)
{
    gl_ctx c = {.h = h, .snap = snap, .g = g, .err = err};
    gl_street st = {0};
    gl_text t = {"", ""};
    gl_addr *addrs = NULL;
    size_t naddrs = 0;
    json_t *out = NULL;
    double along_half = 0;
    int rc = GE_OK, side = 0;
    bool big;

    ge_err_clear(err);
    if (!snap || !g || GEOSisEmpty_r(h, g) != 0 ||
        !GEOSGeom_getExtent_r(h, g, &c.minx, &c.miny, &c.maxx, &c.maxy))
        return NULL;
    c.npoints = GEOSGetNumCoordinates_r(h, g);
    gl_centre(&c);
    rc = gl_find_street(&c, &st);
    if (rc < 0) goto out;
    big = c.big = hypot(c.maxx - c.minx, c.maxy - c.miny) >= GL_BIG_M;
    if (st.name && !st.square) {
        gl_extent e = {st.at.qx, st.at.qy,  st.at.tx,
                       st.at.ty, INFINITY,  -INFINITY,
                       INFINITY, -INFINITY, big ? &st.segs : NULL,
                       0};
        gl_extent_add(h, g, &e);
        if (gl_budget(&c)) {
            rc = GE_EBUDGET;
            goto out;
        }
        /* a big feature stands on the street only when all of it is near */
        if (big && !(e.reach <= st.max_d)) st.name = NULL;
        if (st.name) {
            side = gl_side(&c, &st, &e);
            along_half = isfinite(e.umax) ? (e.umax - e.umin) / 2 : 0;
        }
    } else if (big) {
        st.name = NULL; /* its centre in a square says little of all of it */
    }
    if (st.name) {
        gl_part(&t, GE_TEXT(DE(st.name), EN(st.name)));
        if (!big) {
            rc = gl_corner(&c, &st, &t);
            if (rc == GE_OK) rc = gl_addresses(&c, &st, &addrs, &naddrs);
            if (rc < 0) goto out;
            gl_numbers(addrs, naddrs, side, along_half, &t);
        }
        if (side) gl_compass(-st.at.ty * side, st.at.tx * side, &t);
    } else if (!big) {
        rc = gl_near_address(&c, &t);
        if (rc < 0) goto out;
    }
    rc = gl_clearance(&c, svc, &t);
    if (rc < 0) goto out;
    if (t.de[0]) {
        out = json_pack("{s:s, s:s}", "de", t.de, "en", t.en);
        if (!out) rc = ge_err_set(err, GE_ENOMEM, "out of memory (or a name that is not UTF-8)");
    }
out:
    free(addrs);
    free(st.segs.v);
    free(c.all.v);
    free(c.buf);
    free(c.road_d);
    ge_refhits_free(&c.roads);
    if (c.prep) GEOSPreparedGeom_destroy_r(h, c.prep);
    if (rc < 0 && err && err->code == GE_OK) ge_err_set(err, rc, "location failed");
    return rc < 0 ? NULL : out;
}
