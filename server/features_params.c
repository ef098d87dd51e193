/*
 * features_params.c - the query parameters of the OGC API - Features routes,
 * checked and parsed: f, lang, limit, bbox, bbox-crs, crs, datetime, the
 * paging cursors after/before, property filters, and "unknown parameter".
 *
 * Every rejection is a 400 problem that names the parameter in "parameter"
 * and says what was wrong with which value and which limit, in English or
 * German. OGC API - Features allows 400 for unknown parameters; we use it,
 * because a misspelt filter (?clas=residential) that silently returned every
 * feature would be worse than an error.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/core/json_util.h"
#include "features_internal.h"

int ge_features_bad_param(ge_resp *resp, const ge_req *req, const char *param, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    json_t *p;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    p = ge_resp_problem(resp, req, 400, "%s", detail);
    if (p) json_object_set_new(p, "parameter", ge_json_string_lossy(param));
    return GE_EINVAL;
}

/* Does the Accept header prefer HTML? Browsers list text/html first; API
 * clients (GDAL, QGIS, curl) send JSON types or nothing. */
static bool ge_features_accept_html(const char *accept)
{
    const char *html, *json;
    if (!accept) return false;
    html = strstr(accept, "text/html");
    if (!html) return false;
    json = strstr(accept, "json");
    return !json || html < json;
}

int ge_features_parse_format(const ge_req *req, ge_resp *resp, ge_features_fmt *fmt)
{
    const char *f = ge_req_query(req, "f");

    *fmt = GE_FEATURES_JSON;
    if (!f) {
        if (ge_features_accept_html(ge_req_header(req, "Accept"))) *fmt = GE_FEATURES_HTML;
        return GE_OK;
    }
    if (strcmp(f, "json") == 0 || strcmp(f, "geojson") == 0) return GE_OK;
    if (strcmp(f, "html") == 0) {
        *fmt = GE_FEATURES_HTML;
        return GE_OK;
    }
    return ge_features_bad_param(resp, req, "f",
                                 GE_TR(req, DE("f muss json oder html sein, nicht '%.64s'"),
                                       EN("f must be json or html, not '%.64s'")),
                                 f);
}

int ge_features_parse_lang(ge_req *req, ge_resp *resp, ge_features_fmt fmt)
{
    const char *lang = ge_req_query(req, "lang");

    if (lang) {
        if (strcmp(lang, "de") == 0)
            req->lang = GE_LANG_DE;
        else if (strcmp(lang, "en") == 0)
            req->lang = GE_LANG_EN;
        else
            return ge_features_bad_param(resp, req, "lang",
                                         GE_TR(req, DE("lang muss de oder en sein, nicht '%.64s'"),
                                               EN("lang must be de or en, not '%.64s'")),
                                         lang);
        return GE_OK;
    }
    /* The pages are for the city's staff: German unless the browser prefers
     * English. JSON keeps the server-wide default (English). */
    if (fmt == GE_FEATURES_HTML)
        req->lang = ge_http_lang_from_header_or(ge_req_header(req, "Accept-Language"), GE_LANG_DE);
    return GE_OK;
}

int ge_features_check_params(const ge_req *req, ge_resp *resp, const char *const *allowed,
                             char *const *props, size_t n_props)
{
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const char *name = ge_req_query_at(req, i)->name;
        bool known = false;
        for (size_t k = 0; allowed[k] && !known; k++)
            known = strcmp(allowed[k], name) == 0;
        for (size_t k = 0; k < n_props && !known; k++)
            known = strcmp(props[k], name) == 0;
        if (!known)
            return ge_features_bad_param(resp, req, name,
                                         GE_TR(req, DE("unbekannter Abfrageparameter '%.64s'"),
                                               EN("unknown query parameter '%.64s'")),
                                         name);
    }
    return GE_OK;
}

int ge_features_parse_crs(const ge_req *req, ge_resp *resp, const char *name, ge_crs *out)
{
    const char *v = ge_req_query(req, name);
    ge_err err;

    *out = GE_CRS84;
    if (!v) return GE_OK;
    ge_err_clear(&err);
    if (ge_crs_parse(v, out, &err) < 0)
        return ge_features_bad_param(
            resp, req, name,
            GE_TR(req, DE("%s: %s (unterstützt: siehe /collections)"), EN("%s: %s")), name,
            err.msg);
    return GE_OK;
}

/* A decimal number that fills the whole member, finite. */
static bool ge_features_number(const char *s, size_t n, double *out)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (isspace((unsigned char)buf[0])) return false;
    errno = 0;
    *out = strtod(buf, &end);
    return *end == '\0' && errno == 0 && isfinite(*out);
}

static int ge_features_parse_bbox(const ge_req *req, ge_resp *resp, const char *v,
                                  ge_features_params *p)
{
    double num[7];
    size_t n = 0;
    const char *s = v;
    ge_err err;

    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (n == 7) break;
        if (!ge_features_number(s, len, &num[n]))
            return ge_features_bad_param(
                resp, req, "bbox",
                GE_TR(req, DE("bbox-Wert %zu ('%.*s') ist keine endliche Zahl"),
                      EN("bbox member %zu ('%.*s') is not a finite number")),
                n + 1, (int)(len > 40 ? 40 : len), s);
        n++;
        if (!comma) break;
        s = comma + 1;
    }
    if (n != 4 && n != 6)
        return ge_features_bad_param(
            resp, req, "bbox",
            GE_TR(req, DE("bbox braucht 4 Zahlen (oder 6 mit Höhen), nicht %s%zu"),
                  EN("bbox must have 4 numbers (or 6 with heights), not %s%zu")),
            n == 7 ? "more than " : "", n == 7 ? (size_t)6 : n);
    if (n == 6) { /* minx,miny,minz,maxx,maxy,maxz: heights do not matter here */
        num[2] = num[3];
        num[3] = num[4];
    }
    if (num[0] > num[2] || num[1] > num[3])
        return ge_features_bad_param(
            resp, req, "bbox",
            GE_TR(req,
                  DE("bbox ist vertauscht: die untere Ecke (%g, %g) darf die obere (%g, %g) nicht "
                     "übersteigen"),
                  EN("bbox is inverted: the lower corner (%g, %g) must not exceed the upper (%g, "
                     "%g)")),
            num[0], num[1], num[2], num[3]);
    ge_err_clear(&err);
    if (ge_crs_check(&p->bbox_crs, num[0], num[1], &err) < 0 ||
        ge_crs_check(&p->bbox_crs, num[2], num[3], &err) < 0)
        return ge_features_bad_param(resp, req, "bbox", "bbox: %s", err.msg);
    memcpy(p->bbox, num, sizeof p->bbox);
    p->has_bbox = true;
    return GE_OK;
}

/* "2026-11-25", "2026-11-25T10:00:00Z", "...T10:00:00.5+01:00" */
static bool ge_features_instant_valid(const char *s, size_t n)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char buf[64];
    int y, mo, d, h, mi, sec, used = 0;
    const char *t;

    if (n < 10 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? buf[i] != '-' : !isdigit((unsigned char)buf[i])) return false;
    if (sscanf(buf, "%4d-%2d-%2d", &y, &mo, &d) != 3) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
    if (n == 10) return true;
    if (buf[10] != 'T' && buf[10] != 't') return false;
    t = buf + 11;
    for (int i = 0; i < 8; i++)
        if ((i == 2 || i == 5) ? t[i] != ':' : !isdigit((unsigned char)t[i])) return false;
    if (sscanf(t, "%2d:%2d:%2d%n", &h, &mi, &sec, &used) != 3 || h > 23 || mi > 59 || sec > 60)
        return false;
    t += used;
    if (*t == '.') {
        t++;
        if (!isdigit((unsigned char)*t)) return false;
        while (isdigit((unsigned char)*t))
            t++;
    }
    if ((*t == 'Z' || *t == 'z') && t[1] == '\0') return true;
    if ((*t == '+' || *t == '-') && strlen(t) == 6 && isdigit((unsigned char)t[1]) &&
        isdigit((unsigned char)t[2]) && t[3] == ':' && isdigit((unsigned char)t[4]) &&
        isdigit((unsigned char)t[5]))
        return (t[1] - '0') * 10 + (t[2] - '0') < 24 && (t[4] - '0') * 10 + (t[5] - '0') < 60;
    return false;
}

bool ge_features_datetime_valid(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash) return ge_features_instant_valid(s, strlen(s));
    {
        size_t a = (size_t)(slash - s), b = strlen(slash + 1);
        bool open_a = a == 0 || (a == 2 && memcmp(s, "..", 2) == 0);
        bool open_b = b == 0 || (b == 2 && memcmp(slash + 1, "..", 2) == 0);
        if (strchr(slash + 1, '/')) return false;
        if (open_a && open_b) return false; /* "../..": no interval at all */
        if (!open_a && !ge_features_instant_valid(s, a)) return false;
        if (!open_b && !ge_features_instant_valid(slash + 1, b)) return false;
        /* Same form on both sides: text order is time order. */
        if (!open_a && !open_b && a == b && memcmp(s, slash + 1, a) > 0) return false;
        return true;
    }
}

/* after / before: a fid from a next or prev link. */
static int ge_features_parse_cursor(const ge_req *req, ge_resp *resp, const char *name, long min,
                                    int64_t *out)
{
    long v = 0;
    int rc = ge_req_parse_long(req, resp, name, ge_req_query(req, name), min, INT64_MAX / 2, &v);
    if (rc == GE_ENOENT) return GE_OK;
    if (rc < 0) return rc;
    *out = v;
    return GE_OK;
}

int ge_features_parse_items(const ge_req *req, ge_resp *resp, char *const *props, size_t n_props,
                            ge_features_params *p)
{
    const char *v;
    int rc;

    memset(p, 0, sizeof *p);
    rc = ge_features_parse_format(req, resp, &p->fmt);
    if (rc < 0) return rc;
    const ge_config *cfg = req->ctx->cfg;
    rc = ge_req_parse_long(req, resp, "limit", ge_req_query(req, "limit"), 1,
                           cfg->features_limit_max, &p->limit);
    if (rc == GE_ENOENT)
        p->limit = cfg->features_limit_default < cfg->features_limit_max
                       ? cfg->features_limit_default
                       : cfg->features_limit_max;
    else if (rc < 0)
        return rc;
    rc = ge_features_parse_crs(req, resp, "crs", &p->crs);
    if (rc < 0) return rc;
    rc = ge_features_parse_crs(req, resp, "bbox-crs", &p->bbox_crs);
    if (rc < 0) return rc;
    if ((v = ge_req_query(req, "bbox"))) {
        rc = ge_features_parse_bbox(req, resp, v, p);
        if (rc < 0) return rc;
    } else if (ge_req_query(req, "bbox-crs")) {
        return ge_features_bad_param(resp, req, "bbox-crs",
                                     GE_TR(req, DE("bbox-crs ist ohne bbox angegeben"),
                                           EN("bbox-crs is given without bbox")));
    }
    if ((v = ge_req_query(req, "datetime")) && !ge_features_datetime_valid(v))
        return ge_features_bad_param(
            resp, req, "datetime",
            GE_TR(req,
                  DE("datetime '%.64s' ist kein RFC-3339-Datum, keine Zeit und kein Intervall "
                     "(Anfang/Ende, '..' für ein offenes Ende)"),
                  EN("datetime '%.64s' is not an RFC 3339 date, date-time or interval (start/end, "
                     "'..' for an open end)")),
            v);
    rc = ge_features_parse_cursor(req, resp, "after", 0, &p->after);
    if (rc == GE_OK) rc = ge_features_parse_cursor(req, resp, "before", 1, &p->before);
    if (rc < 0) return rc;
    if (p->after && p->before)
        return ge_features_bad_param(resp, req, "before",
                                     GE_TR(req, DE("after und before schließen einander aus"),
                                           EN("after and before exclude each other")));
    /* Property filters: the layer's property names, each at most once. */
    for (size_t i = 0; i < ge_req_query_count(req); i++) {
        const ge_query_arg *a = ge_req_query_at(req, i);
        for (size_t k = 0; k < n_props; k++) {
            if (strcmp(props[k], a->name) != 0) continue;
            for (size_t j = 0; j < p->n_filters; j++)
                if (strcmp(p->filters[j].name, a->name) == 0)
                    return ge_features_bad_param(
                        resp, req, a->name,
                        GE_TR(req, DE("Eigenschaftsfilter '%.64s' ist doppelt angegeben"),
                              EN("property filter '%.64s' is given twice")),
                        a->name);
            if (p->n_filters == GE_FEATURES_MAX_FILTERS_Q)
                return ge_features_bad_param(resp, req, a->name,
                                             GE_TR(req, DE("höchstens %d Eigenschaftsfilter"),
                                                   EN("at most %d property filters")),
                                             GE_FEATURES_MAX_FILTERS_Q);
            p->filters[p->n_filters].name = a->name;
            p->filters[p->n_filters].value = a->value;
            p->n_filters++;
            break;
        }
    }
    return GE_OK;
}
