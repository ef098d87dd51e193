/*
 * ts_skipcase.c - a valid skip container beside a road, submitted as a case
 * (ts_skipcase.h).
 */
#include "ts_skipcase.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "crs.h"
#include "geos_ctx.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_run.h"

static const char *ts_skipcase_url(const ts_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *ts_skipcase_url(const ts_server *srv, const char *fmt, ...)
{
    static _Thread_local char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ts_server_url(srv, buf);
}

static const char *ts_skipcase_str(const json_t *j)
{
    const char *s = json_string_value(j);
    return s ? s : "";
}

/* The skip beside the segment a -> b: from 3 m along it, length metres long,
 * 2 m wide, 0.3 m off its left side. */
static void ts_skipcase_ring(const double *a, const double *b, const ts_skipcase_opts *o,
                             ts_skipcase *out)
{
    double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy), ux, uy;
    const double uv[4][2] = {{3, 0.3}, {3 + o->length, 0.3}, {3 + o->length, 2.3}, {3, 2.3}};
    double *ring = out->ring;
    if (o->east_west) {
        ux = dx > 0 ? 1 : -1;
        uy = 0;
    } else {
        ux = dx / len;
        uy = dy / len;
    }
    for (int i = 0; i < 4; i++) {
        ring[2 * i] = a[0] + uv[i][0] * ux - uv[i][1] * uy;
        ring[2 * i + 1] = a[1] + uv[i][0] * uy + uv[i][1] * ux;
    }
    ring[8] = ring[0];
    ring[9] = ring[1];
    snprintf(out->fc, sizeof out->fc,
             "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
             "{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.3f,%.3f],[%.3f,%.3f],"
             "[%.3f,%.3f],[%.3f,%.3f],[%.3f,%.3f]]]}}]}",
             ring[0], ring[1], ring[2], ring[3], ring[4], ring[5], ring[6], ring[7], ring[8],
             ring[9]);
}

static bool ts_skipcase_valid(const ts_server *srv, const char *features)
{
    char body[2048];
    ts_http_resp r;
    json_t *doc;
    bool ok;
    snprintf(body, sizeof body, "{\"service\":\"skip-container\",\"period\":%s,\"features\":%s}",
             ts_forms_period(), features);
    ts_forms_call("POST", ts_skipcase_url(srv, "/v1/validate?crs=%s", TS_SKIPCASE_CRS), NULL, NULL,
                  body, &r);
    doc = ts_forms_json(&r);
    ok = r.status == 200 && json_is_true(json_object_get(doc, "valid")) &&
         json_array_size(json_object_get(doc, "violations")) == 0;
    json_decref(doc);
    ts_http_resp_free(&r);
    return ok;
}

int ts_skipcase_make(const ts_server *srv, const char *key, const ts_skipcase_opts *o,
                     ts_skipcase *out)
{
    ts_http_resp r;
    json_t *doc, *feats, *f;
    size_t i;
    char body[2048], draft[160];
    bool found = false;
    int every = o->every > 0 ? o->every : 1;

    out->case_id[0] = out->fc[0] = out->edit_url[0] = out->street[0] = '\0';
    ts_http_get(ts_skipcase_url(srv, "/collections/roads/items?limit=1000&crs=%s", TS_SKIPCASE_CRS),
                &r);
    doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    feats = json_object_get(doc, "features");
    json_array_foreach(feats, i, f)
    {
        json_t *c = json_object_get(json_object_get(f, "geometry"), "coordinates");
        if (found) break;
        for (size_t k = 0; !found && k + 1 < json_array_size(c) && i % every == 0; k++) {
            double a[2] = {json_number_value(json_array_get(json_array_get(c, k), 0)),
                           json_number_value(json_array_get(json_array_get(c, k), 1))};
            double b[2] = {json_number_value(json_array_get(json_array_get(c, k + 1), 0)),
                           json_number_value(json_array_get(json_array_get(c, k + 1), 1))};
            if (hypot(b[0] - a[0], b[1] - a[1]) < 12 ||
                (o->east_west && fabs(b[1] - a[1]) > 0.15 * fabs(b[0] - a[0])))
                continue;
            ts_skipcase_ring(a, b, o, out);
            found = ts_skipcase_valid(srv, out->fc);
            if (found)
                snprintf(
                    out->street, sizeof out->street, "%s",
                    ts_skipcase_str(json_object_get(json_object_get(f, "properties"), "name")));
        }
    }
    json_decref(doc);
    if (!found) {
        fprintf(stderr, "no valid skip placement along the roads\n");
        return -1;
    }
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"reference\":\"%s\",\"period\":%s,"
             "\"features\":%s}",
             o->reference, ts_forms_period(), out->fc);
    ts_forms_call("POST", ts_skipcase_url(srv, "/v1/drafts?crs=%s", TS_SKIPCASE_CRS), key, NULL,
                  body, &r);
    doc = ts_forms_json(&r);
    snprintf(out->edit_url, sizeof out->edit_url, "%s",
             ts_skipcase_str(json_object_get(doc, "editor_url")));
    snprintf(draft, sizeof draft, "%s", ts_skipcase_str(json_object_get(doc, "id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    ts_forms_call("POST", ts_skipcase_url(srv, "/v1/drafts/%s/submit", draft), key, "map-1",
                  "{\"applicant\":{\"name\":\"Erika Mustermann\"}}", &r);
    doc = ts_forms_json(&r);
    snprintf(out->case_id, sizeof out->case_id, "%s",
             ts_skipcase_str(json_object_get(doc, "case_id")));
    json_decref(doc);
    if (r.status != 201) fprintf(stderr, "submit: %ld %s\n", r.status, r.body);
    ts_http_resp_free(&r);
    return out->case_id[0] ? 0 : -1;
}

int ts_skipcase_setup(ts_skipcase *fx, const char *name, const ts_skipcase_opts *o)
{
    const char *osm = ts_shared_osm();
    char data[256];

    fx->have_data = false;
    if (!osm) return 0;
    snprintf(data, sizeof data, "%s_data", name);
    snprintf(fx->dir, sizeof fx->dir, "%s", ts_tmpdir(data));
    snprintf(fx->db, sizeof fx->db, "%s/store.db", fx->dir);
    if (ts_run_import(fx->db, osm) != 0) return -1;
    if (ts_forms_client_add(fx->db, "portal-a", fx->key_a) != 0 ||
        ts_forms_client_add(fx->db, "portal-b", fx->key_b) != 0)
        return -1;
    ts_server_opts so = {.db = fx->db};
    if (ts_server_start(&fx->srv, name, &so) != 0) return -1;
    if (ts_skipcase_make(&fx->srv, fx->key_a, o, fx) != 0) return -1;
    fx->have_data = true;
    return 0;
}

int ts_skipcase_teardown(ts_skipcase *fx)
{
    ge_geos_thread_cleanup();
    ge_crs_thread_cleanup();
    return ts_server_stop(&fx->srv) == 0 ? 0 : -1; /* a server never started: 0 */
}
