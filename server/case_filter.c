/*
 * case_filter.c - the caseworkers' case filter from a query string
 * (case_filter.h): each parameter checked on its own, with a 400 problem
 * that names it, the value and what would be accepted.
 */
#include "case_filter.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/crs.h"
#include "../geo/core/date.h"
#include "../geo/core/json_util.h"
#include "../geo/rules/service.h"
#include "forms_common.h"

static const char *const ge_case_filter_params[] = {"service", "status", "from",   "to",     "bbox",
                                                    "q",       "limit",  "offset", "purged", NULL};

bool ge_case_filter_is_param(const char *name)
{
    for (size_t i = 0; name && ge_case_filter_params[i]; i++)
        if (!strcmp(name, ge_case_filter_params[i])) return true;
    return false;
}

/* A 400 problem naming the parameter; returns GE_EINVAL. */
static int ge_case_filter_bad(ge_req *req, ge_resp *resp, const char *name, const char *detail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", detail);
    if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(name));
    return GE_EINVAL;
}

int ge_case_filter_from_session(const ge_session *s, ge_case_filter *out, ge_err *err)
{
    json_t *list, *v;
    size_t i;
    int rc = GE_OK;

    ge_case_filter_init(out);
    out->limit = -1;
    out->admin = ge_session_is_admin(s);
    if (out->admin) return GE_OK;
    list = json_loads(s->user.services_json ? s->user.services_json : "[]", 0, NULL);
    json_array_foreach(list, i, v)
    {
        /* A service id the filter cannot hold cannot be one of ours either
         * (ids are checked against data/services when users are made). */
        if (json_is_string(v) && json_string_length(v) < GE_CASE_FILTER_SERVICE_LEN)
            rc = ge_case_filter_allow_service(out, json_string_value(v), err);
        if (rc < 0) break;
    }
    json_decref(list);
    return rc;
}

static int ge_case_filter_services(ge_req *req, ge_resp *resp, const char *v, ge_case_filter *f)
{
    const char *p = v;
    ge_err err;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char id[GE_CASE_FILTER_SERVICE_LEN];
        char detail[256];

        if (len == 0 || len >= sizeof id) {
            snprintf(detail, sizeof detail,
                     GE_TR(req,
                           DE("service: '%.*s' ist keine Dienst-Kennung (eine Liste mit Kommas)."),
                           EN("service: '%.*s' is not a service id (a comma list of ids).")),
                     (int)(len > 64 ? 64 : len), p);
            return ge_case_filter_bad(req, resp, "service", detail);
        }
        memcpy(id, p, len);
        id[len] = '\0';
        if (!req->ctx->services || !ge_services_find(req->ctx->services, id)) {
            snprintf(detail, sizeof detail,
                     GE_TR(req, DE("service: es gibt keinen Dienst '%s'."),
                           EN("service: there is no service '%s'.")),
                     id);
            return ge_case_filter_bad(req, resp, "service", detail);
        }
        if (ge_case_filter_add_service(f, id, &err) < 0) {
            snprintf(detail, sizeof detail,
                     GE_TR(req, DE("service: höchstens %d Dienste."),
                           EN("service: at most %d services.")),
                     GE_CASE_FILTER_MAX_SERVICES);
            return ge_case_filter_bad(req, resp, "service", detail);
        }
        if (!comma) return GE_OK;
        p = comma + 1;
    }
}

static unsigned ge_case_status_bit(ge_case_status s)
{
    return 1u << s;
}

static int ge_case_filter_statuses(ge_req *req, ge_resp *resp, const char *v, ge_case_filter *f)
{
    const char *p = v;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[32];
        ge_case_status st;

        if (len > 0 && len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
        } else {
            name[0] = '\0';
        }
        if (!strcmp(name, "open")) {
            f->statuses |= ge_case_status_bit(GE_CASE_RECEIVED) |
                           ge_case_status_bit(GE_CASE_IN_REVIEW) |
                           ge_case_status_bit(GE_CASE_CHANGES_REQUESTED);
        } else if (!strcmp(name, "closed")) {
            f->statuses |=
                ge_case_status_bit(GE_CASE_APPROVED) | ge_case_status_bit(GE_CASE_REJECTED);
        } else if (name[0] && ge_case_status_parse(name, &st)) {
            f->statuses |= ge_case_status_bit(st);
        } else {
            char detail[320];
            snprintf(
                detail, sizeof detail,
                GE_TR(req,
                      DE("status: '%.*s' ist keiner von received, in_review, approved, rejected, "
                         "changes_requested, open, closed."),
                      EN("status: '%.*s' is not one of received, in_review, approved, rejected, "
                         "changes_requested, open, closed.")),
                (int)(len > 64 ? 64 : len), p);
            return ge_case_filter_bad(req, resp, "status", detail);
        }
        if (!comma) return GE_OK;
        p = comma + 1;
    }
}

static int ge_case_filter_date(ge_req *req, ge_resp *resp, const char *name, const char *v,
                               char out[11], ge_date *day)
{
    ge_err err;
    if (strlen(v) != 10 || ge_date_parse(v, day, &err) < 0) {
        char detail[200];
        snprintf(detail, sizeof detail,
                 GE_TR(req, DE("%s: '%.40s' ist kein Datum JJJJ-MM-TT."),
                       EN("%s: '%.40s' is not a date YYYY-MM-DD.")),
                 name, v);
        return ge_case_filter_bad(req, resp, name, detail);
    }
    memcpy(out, v, 11);
    return GE_OK;
}

/* How many points per side of the box go through PROJ: a box of longitude
 * and latitude is not a box in UTM, so its edges are sampled and the
 * envelope of the samples taken. */
#define GE_BBOX_SAMPLES 16

static int ge_case_filter_bbox(ge_req *req, ge_resp *resp, const char *v, ge_case_filter *f)
{
    double num[4];
    const char *p = v;
    char detail[300];
    double pts[2 * 4 * GE_BBOX_SAMPLES];
    ge_crs store;
    ge_err err;
    size_t n = 0;

    for (int i = 0; i < 4; i++) {
        char *end;
        errno = 0;
        num[i] = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(num[i]) || (i < 3 && *end != ',') ||
            (i == 3 && *end != '\0')) {
            snprintf(detail, sizeof detail,
                     GE_TR(req,
                           DE("bbox: '%.80s' sind nicht vier Zahlen minx,miny,maxx,maxy (Länge, "
                              "Breite in CRS84)."),
                           EN("bbox: '%.80s' is not four numbers minx,miny,maxx,maxy (longitude, "
                              "latitude in CRS84).")),
                     v);
            return ge_case_filter_bad(req, resp, "bbox", detail);
        }
        p = end + 1;
    }
    if (num[0] < -180 || num[2] > 180 || num[1] < -90 || num[3] > 90 || num[0] > num[2] ||
        num[1] > num[3]) {
        snprintf(
            detail, sizeof detail,
            GE_TR(req,
                  DE("bbox: (%g, %g, %g, %g) muss in -180..180, -90..90 liegen, die untere Ecke "
                     "zuerst."),
                  EN("bbox: (%g, %g, %g, %g) must lie within -180..180, -90..90 with the lower "
                     "corner first.")),
            num[0], num[1], num[2], num[3]);
        return ge_case_filter_bad(req, resp, "bbox", detail);
    }
    for (int i = 0; i < GE_BBOX_SAMPLES; i++) {
        double t = (double)i / (GE_BBOX_SAMPLES - 1);
        double x = num[0] + t * (num[2] - num[0]), y = num[1] + t * (num[3] - num[1]);
        pts[n++] = x, pts[n++] = num[1];
        pts[n++] = x, pts[n++] = num[3];
        pts[n++] = num[0], pts[n++] = y;
        pts[n++] = num[2], pts[n++] = y;
    }
    store = ge_forms_store_crs(req);
    if (ge_crs_transform(&GE_CRS84, &store, pts, n / 2, &err) < 0) {
        snprintf(detail, sizeof detail,
                 GE_TR(req,
                       DE("bbox: (%g, %g, %g, %g) lässt sich nicht nach EPSG:%d umrechnen: %s"),
                       EN("bbox: (%g, %g, %g, %g) cannot be converted to EPSG:%d: %s")),
                 num[0], num[1], num[2], num[3], store.epsg, err.msg);
        return ge_case_filter_bad(req, resp, "bbox", detail);
    }
    f->bbox[0] = f->bbox[2] = pts[0];
    f->bbox[1] = f->bbox[3] = pts[1];
    for (size_t i = 0; i < n; i += 2) {
        if (!isfinite(pts[i]) || !isfinite(pts[i + 1])) {
            snprintf(detail, sizeof detail,
                     GE_TR(req,
                           DE("bbox: (%g, %g, %g, %g) liegt außerhalb dessen, was EPSG:%d fasst."),
                           EN("bbox: (%g, %g, %g, %g) lies outside what EPSG:%d can hold.")),
                     num[0], num[1], num[2], num[3], store.epsg);
            return ge_case_filter_bad(req, resp, "bbox", detail);
        }
        f->bbox[0] = fmin(f->bbox[0], pts[i]);
        f->bbox[2] = fmax(f->bbox[2], pts[i]);
        f->bbox[1] = fmin(f->bbox[1], pts[i + 1]);
        f->bbox[3] = fmax(f->bbox[3], pts[i + 1]);
    }
    f->has_bbox = true;
    return GE_OK;
}

int ge_case_filter_from_query_limits(ge_req *req, ge_resp *resp, const ge_session *s,
                                     long limit_default, long limit_max, ge_case_filter *out)
{
    const char *v;
    ge_date from = 0, to = 0;
    long n;
    ge_err err;
    int rc = ge_case_filter_from_session(s, out, &err);

    if (rc < 0) return ge_resp_error(resp, req, &err);
    out->limit = limit_default;
    if ((v = ge_req_query(req, "service")) && (rc = ge_case_filter_services(req, resp, v, out)) < 0)
        return rc;
    if ((v = ge_req_query(req, "status")) && (rc = ge_case_filter_statuses(req, resp, v, out)) < 0)
        return rc;
    if ((v = ge_req_query(req, "from")) &&
        (rc = ge_case_filter_date(req, resp, "from", v, out->from, &from)) < 0)
        return rc;
    if ((v = ge_req_query(req, "to")) &&
        (rc = ge_case_filter_date(req, resp, "to", v, out->to, &to)) < 0)
        return rc;
    if (out->from[0] && out->to[0] && from > to) {
        char detail[200];
        snprintf(detail, sizeof detail,
                 GE_TR(req, DE("to: %s liegt vor from (%s)."), EN("to: %s is before from (%s).")),
                 out->to, out->from);
        return ge_case_filter_bad(req, resp, "to", detail);
    }
    if ((v = ge_req_query(req, "bbox")) && (rc = ge_case_filter_bbox(req, resp, v, out)) < 0)
        return rc;
    if ((v = ge_req_query(req, "q"))) {
        if (strlen(v) > GE_CASE_FILTER_Q_MAX) {
            char detail[200];
            snprintf(detail, sizeof detail,
                     GE_TR(req, DE("q: %zu Bytes, höchstens %d."), EN("q: %zu bytes, at most %d.")),
                     strlen(v), GE_CASE_FILTER_Q_MAX);
            return ge_case_filter_bad(req, resp, "q", detail);
        }
        memcpy(out->q, v, strlen(v) + 1);
    }
    rc = ge_req_parse_long(req, resp, "limit", ge_req_query(req, "limit"), 1, limit_max, &n);
    if (rc == GE_OK)
        out->limit = n;
    else if (rc != GE_ENOENT)
        return rc;
    rc = ge_req_parse_long(req, resp, "offset", ge_req_query(req, "offset"), 0, 1000000000L, &n);
    if (rc == GE_OK)
        out->offset = n;
    else if (rc != GE_ENOENT)
        return rc;
    if ((v = ge_req_query(req, "purged"))) {
        if (!strcmp(v, "true"))
            out->include_purged = true;
        else if (!strcmp(v, "false"))
            out->include_purged = false;
        else {
            char detail[200];
            snprintf(detail, sizeof detail,
                     GE_TR(req, DE("purged: '%.40s' ist weder true noch false."),
                           EN("purged: '%.40s' is neither true nor false.")),
                     v);
            return ge_case_filter_bad(req, resp, "purged", detail);
        }
    }
    return GE_OK;
}

int ge_case_filter_from_query(ge_req *req, ge_resp *resp, const ge_session *s, ge_case_filter *out)
{
    return ge_case_filter_from_query_limits(req, resp, s, GE_CASE_LIST_LIMIT_DEFAULT,
                                            GE_CASE_LIST_LIMIT_MAX, out);
}
