/*
 * test_api_export.c - GET /v1/export against the real server: every format
 * downloaded to a file and opened with GDAL's ogrinfo (gdal-bin), which
 * must find the same cases and the same geometries as GET
 * /v1/cases/{id}/features answers (in CRS84 and in EPSG:25833, the latter
 * also named as the file's CRS; without crs in the store's EPSG:25832), the
 * case attributes, and none of the applicant's personal data or the
 * features' properties. DXF only in metres (CRS84, EPSG:4326 and 3857 are
 * refused with 400 naming the allowed ones), one layer per case named by
 * its reference with the case id as a text on it; the Shapefile ZIP's
 * entries dated today, not 1980. Also: the list
 * filters (status, service, bbox, q, from/to, limit), a caseworker of
 * another service gets none of those cases and an admin gets all, the
 * headers (media type, attachment file name, no-store, Content-Crs), 401
 * without a session, 400 naming f, crs, an unknown parameter or a bad
 * filter, gzip for clients that accept it, exports in four threads at once
 * equal to the same exports made alone, the 10000-case ceiling, and purged
 * cases only when asked for (geometry kept, reference gone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <geos_c.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ts.h"
#include "ts_backend.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"

#define PW_ANNA  "Info stand passphrase 1"
#define PW_BERT  "Skip container passphrase 22"
#define PW_CARL  "Building site passphrase 333"
#define PW_ADMIN "Overseer's long passphrase 4444"

/* Personal data the applicants gave and notes they typed into feature
 * properties: none of it may appear in an export. */
static const char *const secrets[] = {"Mustermann",       "erika.m@example.de", "+49 30 555 0123",
                                      "Musterfirma GmbH", "Geheimnotiz",        "Privatweg 7"};

static ts_server srv;
static char key[128];
static char dir[4096];
static ts_review_session anna, bert, carl, admin;
/* c[0]: info-stand, one point; c[1]: info-stand, a polygon and a point,
 * status in_review; c[2]: turned into a skip-container case (another
 * service) in the store file. */
static char cid[3][64];
static const double ll[3][2] = {
    {13.310120, 52.585120}, {13.311420, 52.586260}, {13.309720, 52.584020}};
static GEOSContextHandle_t gh;

/* GET path with an optional session cookie. */
static void get(const char *path, const char *cookie, ts_http_resp *r)
{
    if (ts_review_call(&srv, "GET", path, cookie, NULL, NULL, NULL, r) != 0)
        fail_msg("GET %s: %s", path, r->error);
}

/* A case of the form server: draft with features, then submit with the
 * applicant's personal data. */
static int submit(int i, const char *features, const char *reference, const char *applicant)
{
    char id[128], token[128], idem[32], body[2048];
    ts_http_resp r;
    json_t *doc;

    snprintf(body, sizeof body,
             "{\"service\":\"info-stand\",\"reference\":\"%s\",\"period\":%s,"
             "\"features\":{\"type\":\"FeatureCollection\",\"features\":[%s]}}",
             reference, ts_forms_period(), features);
    if (ts_forms_draft(&srv, key, body, id, token) != 201) return -1;
    snprintf(idem, sizeof idem, "export-%d", i);
    snprintf(body, sizeof body, "{\"reference\":\"%s\",\"applicant\":%s}", reference, applicant);
    if (ts_forms_call("POST", ts_server_url(&srv, ts_pathf("/v1/drafts/%s/submit", id)), key, idem,
                      body, &r) != 0 ||
        r.status != 201) {
        fprintf(stderr, "submit: %ld %s\n", r.status, r.body ? r.body : "");
        ts_http_resp_free(&r);
        return -1;
    }
    doc = ts_forms_json(&r);
    snprintf(cid[i], sizeof cid[i], "%s", json_string_value(json_object_get(doc, "case_id")));
    json_decref(doc);
    ts_http_resp_free(&r);
    return 0;
}

static const char *point_feature(double lon, double lat, const char *note)
{
    return ts_pathf("{\"type\":\"Feature\",\"properties\":{\"note\":\"%s\"},"
                    "\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]}}",
                    note, lon, lat);
}

/* About 2 m by 1.5 m (an info stand may cover 6 m2). */
static const char *polygon_feature(double lon, double lat)
{
    double dx = 2.96e-5, dy = 1.35e-5;
    return ts_pathf("{\"type\":\"Feature\",\"properties\":{\"note\":\"Geheimnotiz: Privatweg 7\"},"
                    "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.7f,%.7f],[%.7f,%.7f],"
                    "[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]]}}",
                    lon, lat, lon + dx, lat, lon + dx, lat + dy, lon, lat + dy, lon, lat);
}

static int setup(void **state)
{
    char features[1024];
    (void)state;
    gh = GEOS_init_r();
    snprintf(dir, sizeof dir, "%s", ts_tmpdir("api_export_files"));
    if (ts_server_start(&srv, "api_export", NULL) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Export Form", key) != 0) return -1;
    if (ts_review_user_add(srv.db, "anna", "caseworker", "info-stand", PW_ANNA) != 0 ||
        ts_review_user_add(srv.db, "bert", "caseworker", "skip-container", PW_BERT) != 0 ||
        ts_review_user_add(srv.db, "carl", "caseworker", "construction-access", PW_CARL) != 0 ||
        ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0)
        return -1;
    if (submit(0, point_feature(ll[0][0], ll[0][1], "Geheimnotiz: bitte Erika Mustermann anrufen"),
               "EXP-0",
               "{\"name\":\"Erika Mustermann\",\"email\":\"erika.m@example.de\","
               "\"phone\":\"+49 30 555 0123\",\"organisation\":\"Musterfirma GmbH\","
               "\"address\":\"Privatweg 7\"}") != 0)
        return -1;
    snprintf(features, sizeof features, "%s,", polygon_feature(ll[1][0], ll[1][1]));
    strncat(features, point_feature(ll[1][0] + 0.0001, ll[1][1], "stand"),
            sizeof features - strlen(features) - 1);
    if (submit(1, features, "EXP-1", "{\"name\":\"Max Mustermann\"}") != 0) return -1;
    if (submit(2, point_feature(ll[2][0], ll[2][1], "x"), "EXP-2",
               "{\"name\":\"Erika Mustermann\"}") != 0)
        return -1;
    /* c[1] is in review; c[2] stands for a case of another service (the
     * empty test store has no reference data a skip container could be
     * checked against). */
    if (ts_forms_sql_exec(srv.db, "UPDATE cases SET status = 'in_review' WHERE id = ?1", cid[1]) !=
            1 ||
        ts_forms_sql_exec(srv.db, "UPDATE cases SET service = 'skip-container' WHERE id = ?1",
                          cid[2]) != 1)
        return -1;
    if (ts_review_login(&srv, "anna", PW_ANNA, &anna) != 200 || !anna.cookie[0] ||
        ts_review_login(&srv, "bert", PW_BERT, &bert) != 200 || !bert.cookie[0] ||
        ts_review_login(&srv, "carl", PW_CARL, &carl) != 200 || !carl.cookie[0] ||
        ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200 || !admin.cookie[0])
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    GEOS_finish_r(gh);
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- what ogrinfo says ----------------------------------------------------- */

#define MAX_FEATS  64
#define MAX_FIELDS 32

typedef struct ogr_feature {
    char layer[64];
    char names[MAX_FIELDS][32];
    char values[MAX_FIELDS][256];
    int nfields;
    char *wkt;
} ogr_feature;

typedef struct ogr_file {
    char *text; /* all of ogrinfo's output */
    ogr_feature f[MAX_FEATS];
    int n;
    char srs[8][64]; /* per layer: "EPSG:25833" ... or "" */
    int nlayers;
} ogr_file;

static bool is_geometry_line(const char *s)
{
    static const char *const kinds[] = {"POINT",           "LINESTRING",   "POLYGON", "MULTIPOINT",
                                        "MULTILINESTRING", "MULTIPOLYGON", NULL};
    for (int i = 0; kinds[i]; i++) {
        size_t n = strlen(kinds[i]);
        if (!strncmp(s, kinds[i], n) && (s[n] == ' ' || s[n] == '(')) return true;
    }
    return false;
}

/* The layer's CRS as ogrinfo prints it: the last ID["EPSG",n] of the
 * layer's SRS WKT. */
static void layer_srs(const char *section, char out[64])
{
    const char *srs = strstr(section, "Layer SRS WKT:"), *end, *id, *last = NULL;
    out[0] = '\0';
    if (!srs) return;
    end = strstr(srs, "OGRFeature(");
    for (id = strstr(srs, "ID[\"EPSG\","); id && (!end || id < end);
         id = strstr(id + 1, "ID[\"EPSG\","))
        last = id;
    if (last) snprintf(out, 64, "EPSG:%d", atoi(last + 10));
}

static void ogrinfo(const char *path, ogr_file *o)
{
    const char *argv[] = {"ogrinfo", "-ro", "-al", path, NULL};
    ts_run_result r;
    char *line, *save = NULL;
    ogr_feature *cur = NULL;
    char layer[64] = "";

    memset(o, 0, sizeof *o);
    assert_int_equal(ts_run(&r, NULL, argv), 0);
    if (r.status != 0) fail_msg("ogrinfo %s: %s", path, r.err);
    o->text = r.out;
    r.out = NULL;
    ts_run_free(&r);
    {
        /* per layer section: its CRS */
        const char *p = o->text;
        while ((p = strstr(p, "\nLayer name: ")) && o->nlayers < 8) {
            layer_srs(p, o->srs[o->nlayers++]);
            p++;
        }
    }
    {
        char *copy = strdup(o->text);
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "Layer name: ", 12)) {
                snprintf(layer, sizeof layer, "%s", line + 12);
            } else if (!strncmp(line, "OGRFeature(", 11)) {
                assert_true(o->n < MAX_FEATS);
                cur = &o->f[o->n++];
                snprintf(cur->layer, sizeof cur->layer, "%s", layer);
            } else if (cur && !strncmp(line, "  ", 2)) {
                char *s = line + 2, *open = strstr(s, " ("), *eq = strstr(s, ") = ");
                if (is_geometry_line(s)) {
                    free(cur->wkt);
                    cur->wkt = strdup(s);
                } else if (open && eq && open < eq && cur->nfields < MAX_FIELDS) {
                    snprintf(cur->names[cur->nfields], 32, "%.*s", (int)(open - s), s);
                    snprintf(cur->values[cur->nfields], 256, "%s", eq + 4);
                    cur->nfields++;
                }
            } else {
                cur = NULL;
            }
        }
        free(copy);
    }
}

static void ogr_file_free(ogr_file *o)
{
    for (int i = 0; i < o->n; i++)
        free(o->f[i].wkt);
    free(o->text);
}

static const char *field(const ogr_feature *f, const char *name)
{
    for (int i = 0; i < f->nfields; i++)
        if (!strcmp(f->names[i], name)) return f->values[i];
    return NULL;
}

/* GDAL prints dates as 2026/12/15 and timestamps as 2026/11/25 21:22:43+00. */
static const char *iso(const char *v)
{
    static char buf[4][64];
    static int i;
    char *o = buf[i++ % 4];
    size_t n;
    snprintf(o, 64, "%s", v ? v : "");
    for (char *p = o; *p; p++) {
        if (*p == '/') *p = '-';
        if (*p == ' ') *p = 'T';
    }
    n = strlen(o);
    if (n > 3 && !strcmp(o + n - 3, "+00")) strcpy(o + n - 3, "Z");
    return o;
}

/* ---- what the API says about a case --------------------------------------- */

typedef struct expected_case {
    json_t *doc;      /* GET /v1/cases/{id} (Bearer) */
    json_t *features; /* GET /v1/cases/{id}/features?crs=... */
} expected_case;

static void expect(int i, const char *crs, expected_case *e)
{
    ts_http_resp r;
    assert_int_equal(ts_forms_call("GET", ts_server_url(&srv, ts_pathf("/v1/cases/%s", cid[i])),
                                   key, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    e->doc = ts_forms_json(&r);
    ts_http_resp_free(&r);
    assert_int_equal(
        ts_forms_call("GET",
                      ts_server_url(&srv, ts_pathf("/v1/cases/%s/features?crs=%s", cid[i], crs)),
                      key, NULL, NULL, &r),
        0);
    assert_int_equal(r.status, 200);
    {
        json_t *fc = ts_forms_json(&r);
        e->features = json_incref(json_object_get(fc, "features"));
        json_decref(fc);
    }
    ts_http_resp_free(&r);
}

static GEOSGeometry *geos_from_geojson(const json_t *geometry)
{
    char *text = json_dumps(geometry, 0);
    GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(gh);
    GEOSGeometry *g = GEOSGeoJSONReader_readGeometry_r(gh, rd, text);
    GEOSGeoJSONReader_destroy_r(gh, rd);
    free(text);
    assert_non_null(g);
    return g;
}

/* The feature of the file must be the API's feature: within tol at every
 * vertex and back. DXF has no polygons in GDAL's sense for every reader
 * (closed polylines read as lines): then the ring is compared. */
static void assert_geometry(const char *fmt, const ogr_feature *f, const json_t *geometry,
                            double tol)
{
    GEOSWKTReader *rd = GEOSWKTReader_create_r(gh);
    GEOSGeometry *got, *want = geos_from_geojson(geometry);
    double d = -1;
    if (!f->wkt) fail_msg("%s: a feature without geometry", fmt);
    got = GEOSWKTReader_read_r(gh, rd, f->wkt);
    GEOSWKTReader_destroy_r(gh, rd);
    if (!got) fail_msg("%s: ogrinfo printed unreadable WKT %s", fmt, f->wkt);
    if (GEOSGeomTypeId_r(gh, want) == GEOS_POLYGON && GEOSGeomTypeId_r(gh, got) != GEOS_POLYGON &&
        GEOSGeomTypeId_r(gh, got) != GEOS_MULTIPOLYGON) {
        GEOSGeometry *ring = GEOSBoundary_r(gh, want);
        assert_string_equal(fmt, "dxf");
        GEOSGeom_destroy_r(gh, want);
        want = ring;
    }
    assert_int_equal(GEOSHausdorffDistance_r(gh, want, got, &d), 1);
    if (!(d <= tol)) fail_msg("%s: %s is %g away from the case's feature", fmt, f->wkt, d);
    GEOSGeom_destroy_r(gh, want);
    GEOSGeom_destroy_r(gh, got);
}

/* Downloads GET /v1/export?f=fmt&crs=crs as anna into the file the answer
 * names; checks the headers. Returns the saved path. */
static const char *download(const char *fmt, const char *crs, const char *cookie, char **bytes,
                            size_t *len)
{
    static const struct {
        const char *f, *type, *ext;
    } types[] = {{"csv-excel", "text/csv; charset=utf-8", "csv"},
                 {"gpkg", "application/geopackage+sqlite3", "gpkg"},
                 {"shp", "application/zip", "shp.zip"},
                 {"kml", "application/vnd.google-earth.kml+xml", "kml"},
                 {"csv", "text/csv; charset=utf-8", "csv"},
                 {"dxf", "image/vnd.dxf", "dxf"},
                 {"geojson", "application/geo+json", "geojson"}};
    ts_http_resp r;
    char want[128], date[16];
    const char *cd, *path;
    time_t now = time(NULL);
    struct tm tm;
    FILE *fp;
    int t = -1;

    for (int i = 0; i < (int)(sizeof types / sizeof types[0]); i++)
        if (!strcmp(types[i].f, fmt)) t = i;
    assert_true(t >= 0);
    if (crs)
        get(ts_pathf("/v1/export?f=%s&crs=%s", fmt, crs), cookie, &r);
    else
        get(ts_pathf("/v1/export?f=%s", fmt), cookie, &r);
    if (r.status != 200) fail_msg("export %s %s: %ld %s", fmt, crs ? crs : "", r.status, r.body);
    /* no crs: GeoJSON's own CRS84 (RFC 7946), else the store's, EPSG:25832 in
     * the test store */
    if (!crs) crs = strcmp(fmt, "geojson") ? "EPSG:25832" : "CRS84";
    assert_string_equal(ts_http_header(&r, "Content-Type"), types[t].type);
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "no-store");
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    snprintf(want, sizeof want, "attachment; filename=\"cases-%s.%s\"", date, types[t].ext);
    cd = ts_http_header(&r, "Content-Disposition");
    assert_non_null(cd);
    assert_string_equal(cd, want);
    /* the CRS of the coordinates; KML's is always CRS84 */
    assert_string_equal(
        ts_http_header(&r, "Content-Crs"),
        strcmp(crs, "CRS84") && strcmp(fmt, "kml")
            ? ts_pathf("<http://www.opengis.net/def/crs/EPSG/0/%s>", strchr(crs, ':') + 1)
            : "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>");
    path = ts_path(dir, ts_pathf("%s-%s.%s", fmt, strchr(crs, ':') ? strchr(crs, ':') + 1 : crs,
                                 types[t].ext));
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(r.body, 1, r.body_len, fp), r.body_len);
    fclose(fp);
    *bytes = r.body;
    *len = r.body_len;
    r.body = NULL;
    ts_http_resp_free(&r);
    return path;
}

static void assert_no_personal_data(const char *fmt, const char *bytes, size_t len,
                                    const char *text)
{
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (ts_mem_contains(bytes, len, secrets[i]))
            fail_msg("%s: the file holds '%s'", fmt, secrets[i]);
        if (strstr(text, secrets[i])) fail_msg("%s: ogrinfo shows '%s'", fmt, secrets[i]);
    }
}

/* Every format as anna in crs: ogrinfo finds exactly c[0] and c[1] with
 * their features and attributes, in the CRS asked for. */
static void check_formats(const char *crs, const char *epsg, double tol)
{
    static const char *const fmts[] = {"gpkg", "shp", "kml", "csv", "dxf", "geojson"};
    expected_case e[2];

    for (int i = 0; i < 2; i++)
        expect(i, crs, &e[i]);
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        const char *fmt = fmts[k];
        bool is_dxf = !strcmp(fmt, "dxf"), is_kml = !strcmp(fmt, "kml");
        int labels[2] = {0};
        /* KML is always WGS 84: compare with the CRS84 features then */
        expected_case k84[2];
        expected_case *ex = e;
        char *bytes;
        size_t len;
        ogr_file o;
        int seen[2][2] = {{0}};
        const char *path;

        if (is_dxf && !strstr(crs, "2583")) continue; /* DXF: metres only (test_errors) */
        path = download(fmt, crs, anna.cookie, &bytes, &len);

        if (is_kml && strcmp(crs, "CRS84")) {
            for (int i = 0; i < 2; i++)
                expect(i, "CRS84", &k84[i]);
            ex = k84;
        }
        ogrinfo(path, &o);
        assert_no_personal_data(fmt, bytes, len, o.text);
        /* c[0]: one feature, c[1]: two; DXF: and a text per case */
        assert_int_equal(o.n, is_dxf ? 5 : 3);
        /* the CRS named in the file */
        if (strcmp(fmt, "csv") && !is_dxf) {
            const char *want = is_kml ? "EPSG:4326" : epsg;
            assert_true(o.nlayers >= 1);
            for (int l = 0; l < o.nlayers; l++)
                if (strcmp(o.srs[l], want))
                    fail_msg("%s: layer CRS %s, not %s", fmt, o.srs[l], want);
        }
        for (int j = 0; j < o.n; j++) {
            const ogr_feature *f = &o.f[j];
            const char *id = field(f, "case_id");
            int c = -1, idx;
            const json_t *doc, *feat;
            if (is_dxf) {
                /* the layer is the case's reference, the case id a text on it */
                const char *layer = field(f, "Layer"), *text = field(f, "Text"),
                           *sub = field(f, "SubClasses");
                assert_non_null(layer);
                c = !strcmp(layer, "EXP-0") ? 0 : !strcmp(layer, "EXP-1") ? 1 : -1;
                if (c < 0) fail_msg("dxf: layer '%s' is no reference of anna's cases", layer);
                id = cid[c];
                if (sub && strstr(sub, "AcDbMText")) {
                    assert_non_null(text);
                    assert_string_equal(text, cid[c]);
                    labels[c]++;
                    continue;
                }
            }
            assert_non_null(id);
            for (int i = 0; c < 0 && i < 2; i++)
                if (!strcmp(id, cid[i])) c = i;
            if (c < 0) fail_msg("%s: case %s should not be in anna's export", fmt, id);
            if (is_dxf) {
                /* DXF carries only the layer: the geometry type tells the
                 * polygon (feature 0) from the point (feature 1) of c[1] */
                idx = c == 0 ? 0 : (f->wkt && !strncmp(f->wkt, "POINT", 5) ? 1 : 0);
            } else {
                idx = atoi(field(f, "feature"));
            }
            assert_true(idx >= 0 && idx < 2);
            seen[c][idx]++;
            doc = ex[c].doc;
            feat = json_array_get(ex[c].features, (size_t)idx);
            assert_non_null(feat);
            assert_geometry(fmt, f, json_object_get(feat, "geometry"),
                            is_kml && strcmp(crs, "CRS84") ? 1e-6 : tol);
            if (is_dxf) continue;
            assert_string_equal(field(f, "service"), "info-stand");
            assert_string_equal(field(f, "status"), c == 0 ? "received" : "in_review");
            assert_string_equal(field(f, "reference"), c == 0 ? "EXP-0" : "EXP-1");
            assert_string_equal(
                iso(field(f, strcmp(fmt, "shp") ? "period_start" : "period_sta")),
                json_string_value(json_object_get(json_object_get(doc, "period"), "start")));
            assert_string_equal(
                iso(field(f, "period_end")),
                json_string_value(json_object_get(json_object_get(doc, "period"), "end")));
            assert_string_equal(iso(field(f, "created")),
                                json_string_value(json_object_get(doc, "created")));
            assert_non_null(field(f, "valid"));
        }
        assert_int_equal(seen[0][0], 1);
        assert_int_equal(seen[1][0], 1);
        assert_int_equal(seen[1][1], 1);
        if (is_dxf) {
            assert_int_equal(labels[0], 1);
            assert_int_equal(labels[1], 1);
        }
        ogr_file_free(&o);
        free(bytes);
        if (ex == k84)
            for (int i = 0; i < 2; i++) {
                json_decref(k84[i].doc);
                json_decref(k84[i].features);
            }
    }
    for (int i = 0; i < 2; i++) {
        json_decref(e[i].doc);
        json_decref(e[i].features);
    }
}

/* ---- tests --------------------------------------------------------------- */

static void test_formats_crs84(void **state)
{
    (void)state;
    check_formats("CRS84", "EPSG:4326", 1e-6);
}

static void test_formats_epsg25833(void **state)
{
    (void)state;
    /* the test store is in EPSG:25832: a real transform */
    check_formats("EPSG:25833", "EPSG:25833", 0.01);
}

/* Whether the n bytes of what are somewhere in the len bytes of b. */
static const char *has_bytes(const char *b, size_t len, const char *what, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(b + i, what, n)) return b + i;
    return NULL;
}

/* Without crs GeoJSON is in CRS84 as RFC 7946 has it (lon/lat, no "crs"
 * member); asked for another CRS it names it in a "crs" member. */
static void test_geojson_crs84(void **state)
{
    expected_case e;
    char *bytes;
    size_t len;
    ogr_file o;
    const char *path;
    bool found = false;
    (void)state;
    expect(0, "CRS84", &e);
    path = download("geojson", NULL, anna.cookie, &bytes, &len);
    assert_null(has_bytes(bytes, len, "\"crs\"", 5));
    ogrinfo(path, &o);
    for (int l = 0; l < o.nlayers; l++)
        if (strcmp(o.srs[l], "EPSG:4326")) fail_msg("geojson: layer CRS %s, not WGS 84", o.srs[l]);
    for (int j = 0; j < o.n; j++) {
        const char *id = field(&o.f[j], "case_id");
        if (!id || strcmp(id, cid[0])) continue;
        /* degrees: longitude first, about 13 east, 52 north in Berlin */
        assert_geometry("geojson", &o.f[j],
                        json_object_get(json_array_get(e.features, 0), "geometry"), 1e-7);
        found = true;
    }
    if (!found) fail_msg("geojson: no feature of %s", cid[0]);
    ogr_file_free(&o);
    free(bytes);
    json_decref(e.doc);
    json_decref(e.features);
    /* an explicit metric CRS is still honoured and named */
    path = download("geojson", "EPSG:25832", anna.cookie, &bytes, &len);
    assert_non_null(has_bytes(bytes, len, "\"crs\"", 5));
    assert_non_null(has_bytes(bytes, len, "25832", 5));
    free(bytes);
}

/* Without crs every format but KML and GeoJSON is in the store's metric CRS
 * (EPSG:25832 in the test store): the layers name it, and the DXF's
 * coordinates are the features' in metres. */
static void test_default_crs(void **state)
{
    static const char *const fmts[] = {"gpkg", "shp", "dxf", "csv"};
    expected_case e;
    (void)state;
    expect(0, "EPSG:25832", &e);
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        char *bytes;
        size_t len;
        ogr_file o;
        const char *path = download(fmts[k], NULL, anna.cookie, &bytes, &len);
        bool found = false;
        ogrinfo(path, &o);
        if (!strcmp(fmts[k], "gpkg") || !strcmp(fmts[k], "shp"))
            for (int l = 0; l < o.nlayers; l++)
                if (strcmp(o.srs[l], "EPSG:25832"))
                    fail_msg("%s: layer CRS %s, not EPSG:25832", fmts[k], o.srs[l]);
        for (int j = 0; j < o.n; j++) {
            const char *id = field(&o.f[j], "case_id"), *layer = field(&o.f[j], "Layer"),
                       *sub = field(&o.f[j], "SubClasses");
            if (sub && strstr(sub, "AcDbMText")) continue; /* a DXF label */
            if (!(id && !strcmp(id, cid[0])) && !(layer && !strcmp(layer, "EXP-0"))) continue;
            /* UTM metres: about 390 km east, 5830 km north in Berlin */
            assert_geometry(fmts[k], &o.f[j],
                            json_object_get(json_array_get(e.features, 0), "geometry"), 0.01);
            found = true;
        }
        if (!found) fail_msg("%s: no feature of %s", fmts[k], cid[0]);
        ogr_file_free(&o);
        free(bytes);
    }
    {
        /* the point is where the API puts it in metres */
        const json_t *xy = json_object_get(
            json_object_get(json_array_get(e.features, 0), "geometry"), "coordinates");
        assert_true(json_real_value(json_array_get(xy, 0)) > 100000 &&
                    json_real_value(json_array_get(xy, 0)) < 900000);
        assert_true(json_real_value(json_array_get(xy, 1)) > 5000000);
    }
    json_decref(e.doc);
    json_decref(e.features);
}

/* DXF layer names come from references cleaned for CAD, unique without
 * regard to case; a case without reference gets one from its id. */
static void test_dxf_layer_names(void **state)
{
    char *bytes;
    size_t len;
    ogr_file o;
    const char *path;
    const char *want[3] = {"EXP-0", "Stra_e_Nr_7_ae", NULL};
    int seen[3] = {0};
    (void)state;
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE cases SET reference = 'Stra/e: Nr. 7 \xc3\xa4'"
                                       " WHERE id = ?1",
                                       cid[1]),
                     1);
    path = download("dxf", "EPSG:25832", anna.cookie, &bytes, &len);
    ogrinfo(path, &o);
    for (int j = 0; j < o.n; j++) {
        const char *layer = field(&o.f[j], "Layer");
        int k;
        assert_non_null(layer);
        for (k = 0; want[k]; k++)
            if (!strcmp(layer, want[k])) break;
        if (!want[k]) fail_msg("dxf: unexpected layer '%s'", layer);
        seen[k]++;
    }
    assert_int_equal(seen[0], 2); /* a point and its label */
    assert_int_equal(seen[1], 3); /* polygon, point, label */
    ogr_file_free(&o);
    free(bytes);
    assert_int_equal(
        ts_forms_sql_exec(srv.db, "UPDATE cases SET reference = 'EXP-1' WHERE id = ?1", cid[1]), 1);
}

static unsigned zip_u16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long zip_u32(const unsigned char *p)
{
    return (unsigned long)zip_u16(p) | (unsigned long)zip_u16(p + 2) << 16;
}

/* Every entry of the Shapefile ZIP, in the central directory and in its
 * local header, is dated today (local time, as ZIP means it), not 1980. */
/* KML's pop-up (Description) is written in words in the export's language
 * (Accept-Language): the service's title, the status's name and the period
 * as people write dates - not "info-stand, received, 2027-01-01/...". */
static void test_kml_description(void **state)
{
    static const struct {
        const char *lang, *title, *status;
        bool german; /* dd.mm.yyyy, else ISO 8601 */
    } want[] = {{"de", "Informationsstand", "Eingegangen", true},
                {"en", "Information stand", "Received", false}};
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        char extra[64], a[16], b[16], line[160];
        time_t t = time(NULL), ta = t + 20 * 86400, tb = t + 21 * 86400;
        struct tm tm;
        ts_http_resp r;
        snprintf(extra, sizeof extra, "Accept-Language: %s", want[i].lang);
        if (ts_review_call(&srv, "GET", "/v1/export?f=kml&status=received", anna.cookie, NULL,
                           extra, NULL, &r) != 0 ||
            r.status != 200)
            fail_msg("kml %s: %ld", want[i].lang, r.status);
        localtime_r(&ta, &tm);
        if (want[i].german)
            strftime(a, sizeof a, "%d.%m.%Y", &tm);
        else
            strftime(a, sizeof a, "%Y-%m-%d", &tm);
        localtime_r(&tb, &tm);
        if (want[i].german)
            strftime(b, sizeof b, "%d.%m.%Y", &tm);
        else
            strftime(b, sizeof b, "%Y-%m-%d", &tm);
        snprintf(line, sizeof line, "<description>%s, %s, %s – %s</description>", want[i].title,
                 want[i].status, a, b);
        if (!strstr(r.body, line)) fail_msg("%s: no %s in %.2000s", want[i].lang, line, r.body);
        assert_null(strstr(r.body, "info-stand,"));
        ts_http_resp_free(&r);
    }
}

/* CSV for programs is RFC 4180 (UTF-8 without BOM, commas); csv-excel is
 * the same table for a German Excel: a UTF-8 BOM (else umlauts come out as
 * "Ã¤") and semicolons (Excel's list separator in German), which ogrinfo
 * reads back as the same rows. */
static void test_csv_excel(void **state)
{
    char *bytes;
    size_t len;
    ogr_file o;
    const char *path, *eol;
    int found = 0;
    (void)state;
    path = download("csv", "EPSG:25832", anna.cookie, &bytes, &len);
    assert_true(len > 3);
    assert_false((unsigned char)bytes[0] == 0xEF);
    eol = memchr(bytes, '\n', len);
    assert_non_null(eol);
    assert_non_null(has_bytes(bytes, (size_t)(eol - bytes), ",case_id,", 9));
    free(bytes);

    path = download("csv-excel", "EPSG:25832", anna.cookie, &bytes, &len);
    assert_true(len > 3);
    assert_memory_equal(bytes, "\xEF\xBB\xBF", 3);
    eol = memchr(bytes, '\n', len);
    assert_non_null(eol);
    assert_non_null(has_bytes(bytes, (size_t)(eol - bytes), ";case_id;", 9));
    assert_null(has_bytes(bytes, (size_t)(eol - bytes), ",", 1));
    ogrinfo(path, &o);
    for (int j = 0; j < o.n; j++) {
        const char *id = field(&o.f[j], "case_id");
        if (id && (!strcmp(id, cid[0]) || !strcmp(id, cid[1]))) found++;
    }
    assert_int_equal(found, 3);
    ogr_file_free(&o);
    free(bytes);
}

static void test_zip_dates(void **state)
{
    char *bytes;
    size_t len, eocd = 0, pos;
    unsigned count;
    time_t now = time(NULL), before = now - 86400;
    struct tm tm, tb;
    unsigned today, yesterday;
    (void)state;
    localtime_r(&now, &tm);
    localtime_r(&before, &tb);
    today = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
    yesterday = (unsigned)((tb.tm_year - 80) << 9 | (tb.tm_mon + 1) << 5 | tb.tm_mday);
    download("shp", "EPSG:25832", anna.cookie, &bytes, &len);
    for (size_t i = len - 22 + 1; i-- > 0;)
        if (zip_u32((unsigned char *)bytes + i) == 0x06054b50UL) {
            eocd = i;
            break;
        }
    assert_true(eocd > 0);
    count = zip_u16((unsigned char *)bytes + eocd + 10);
    assert_true(count >= 3 * 4); /* three shapefiles of .shp .shx .dbf .prj (and .cpg) */
    pos = zip_u32((unsigned char *)bytes + eocd + 16);
    for (unsigned k = 0; k < count; k++) {
        const unsigned char *c = (unsigned char *)bytes + pos;
        const unsigned char *l;
        unsigned date = zip_u16(c + 14);
        assert_true(zip_u32(c) == 0x02014b50UL);
        l = (unsigned char *)bytes + zip_u32(c + 42);
        if (date != today && date != yesterday)
            fail_msg("entry %.*s is dated %u-%02u-%02u", (int)zip_u16(c + 28), (const char *)c + 46,
                     (date >> 9) + 1980, date >> 5 & 15, date & 31);
        assert_int_equal(zip_u16(l + 12), date);
        assert_int_equal(zip_u16(l + 10), zip_u16(c + 12));
        pos += 46 + zip_u16(c + 28) + zip_u16(c + 30) + zip_u16(c + 32);
    }
    free(bytes);
}

/* The case ids in a GeoJSON export of path, as a bit set over cid[]. */
static unsigned export_cases(const char *query, const char *cookie, int *nfeatures)
{
    ts_http_resp r;
    json_t *doc, *f;
    size_t i;
    unsigned set = 0;

    get(ts_pathf("/v1/export?f=geojson%s", query), cookie, &r);
    if (r.status != 200) fail_msg("export %s: %ld %s", query, r.status, r.body);
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    if (nfeatures) *nfeatures = (int)json_array_size(json_object_get(doc, "features"));
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        const char *id =
            json_string_value(json_object_get(json_object_get(f, "properties"), "case_id"));
        int k;
        for (k = 0; k < 3; k++)
            if (id && !strcmp(id, cid[k])) break;
        if (k == 3) fail_msg("export %s: unknown case %s", query, id ? id : "(none)");
        set |= 1u << k;
    }
    json_decref(doc);
    ts_http_resp_free(&r);
    return set;
}

static void test_filters_and_visibility(void **state)
{
    int n = 0;
    (void)state;
    /* anna: info-stand only; bert: skip-container only; admin: all */
    assert_int_equal(export_cases("", anna.cookie, &n), 0x3);
    assert_int_equal(n, 3);
    assert_int_equal(export_cases("", bert.cookie, &n), 0x4);
    assert_int_equal(n, 1);
    assert_int_equal(export_cases("", carl.cookie, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(export_cases("", admin.cookie, NULL), 0x7);
    /* a caseworker asking for another service's cases gets none of them */
    assert_int_equal(export_cases("&service=skip-container", anna.cookie, NULL), 0);
    assert_int_equal(export_cases("&service=info-stand", bert.cookie, NULL), 0);
    assert_int_equal(export_cases("&service=info-stand", admin.cookie, NULL), 0x3);
    /* the list's filters */
    assert_int_equal(export_cases("&status=in_review", anna.cookie, NULL), 0x2);
    assert_int_equal(export_cases("&status=received", admin.cookie, NULL), 0x5);
    assert_int_equal(export_cases("&status=closed", admin.cookie, NULL), 0);
    assert_int_equal(export_cases("&q=EXP-1", admin.cookie, NULL), 0x2);
    assert_int_equal(export_cases(ts_pathf("&bbox=%.5f,%.5f,%.5f,%.5f", ll[0][0] - 0.0002,
                                           ll[0][1] - 0.0002, ll[0][0] + 0.0002, ll[0][1] + 0.0002),
                                  admin.cookie, NULL),
                     0x1);
    assert_int_equal(export_cases("&from=2000-01-01&to=2000-01-02", admin.cookie, NULL), 0);
    {
        /* paging: one case, then the other two (the three were made within
         * a second or so: which one is newest is the list's tie-break) */
        unsigned first = export_cases("&limit=1", admin.cookie, NULL),
                 rest = export_cases("&limit=2&offset=1", admin.cookie, NULL);
        assert_true(first == 0x1 || first == 0x2 || first == 0x4);
        assert_int_equal(first & rest, 0);
        assert_int_equal(first | rest, 0x7);
    }
}

static void assert_problem(const char *query, const char *cookie, long status,
                           const char *parameter, const char *in_detail)
{
    ts_http_resp r;
    json_t *doc;
    get(ts_pathf("/v1/export%s", query), cookie, &r);
    if (r.status != status) fail_msg("%s: %ld %s", query, r.status, r.body);
    assert_non_null(strstr(ts_http_header(&r, "Content-Type"), "application/problem+json"));
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    if (parameter)
        assert_string_equal(json_string_value(json_object_get(doc, "parameter")), parameter);
    if (in_detail && !strstr(json_string_value(json_object_get(doc, "detail")), in_detail))
        fail_msg("%s: detail '%s' does not say '%s'", query,
                 json_string_value(json_object_get(doc, "detail")), in_detail);
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_errors(void **state)
{
    ts_http_resp r;
    json_t *doc;
    (void)state;
    assert_problem("?f=gpkg", NULL, 401, NULL, NULL);
    assert_problem("?f=gpkg", "not-a-session", 401, NULL, NULL);
    assert_problem("", anna.cookie, 400, "f", "gpkg, shp, kml, csv, dxf, geojson");
    assert_problem("?f=xlsx", anna.cookie, 400, "f", "'xlsx'");
    assert_problem("?f=GPKG", anna.cookie, 400, "f", "geojson");
    assert_problem("?f=gpkg&crs=EPSG:9999", anna.cookie, 400, "crs", "9999");
    assert_problem("?f=gpkg&crs=", anna.cookie, 400, "crs", NULL);
    assert_problem("?f=dxf&crs=EPSG:9999", anna.cookie, 400, "crs", "9999");
    /* DXF only in metres: the refusal names the allowed CRSs */
    assert_problem("?f=dxf&crs=CRS84", anna.cookie, 400, "crs", "EPSG:25832 and EPSG:25833");
    assert_problem("?f=dxf&crs=EPSG:4326", anna.cookie, 400, "crs", "EPSG:4326");
    assert_problem("?f=dxf&crs=EPSG:3857", anna.cookie, 400, "crs", "EPSG:25833");
    get("/v1/export?f=dxf&crs=CRS84", anna.cookie, &r);
    doc = json_loads(r.body, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "allowed")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "allowed"), 0)),
                        "http://www.opengis.net/def/crs/EPSG/0/25832");
    json_decref(doc);
    ts_http_resp_free(&r);
    assert_problem("?f=gpkg&format=zip", anna.cookie, 400, "format", "'format'");
    assert_problem("?f=gpkg&status=bogus", anna.cookie, 400, "status", NULL);
    assert_problem("?f=gpkg&bbox=1,2,3", anna.cookie, 400, "bbox", NULL);
    assert_problem("?f=gpkg&limit=10001", anna.cookie, 400, "limit", NULL);
    assert_problem("?f=gpkg&limit=0", anna.cookie, 400, "limit", NULL);
    /* the allowed formats are listed for programs too */
    get("/v1/export?f=pdf", anna.cookie, &r);
    doc = json_loads(r.body, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(doc, "allowed")), 7);
    json_decref(doc);
    ts_http_resp_free(&r);
    /* German */
    {
        const char *headers[] = {"Accept-Language: de", NULL, NULL};
        char ch[256];
        ts_http_req q = {0};
        snprintf(ch, sizeof ch, "Cookie: ge_session=%s", anna.cookie);
        headers[1] = ch;
        q.url = ts_server_url(&srv, "/v1/export");
        q.headers = headers;
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "Dateiformat"));
        ts_http_resp_free(&r);
        q.url = ts_server_url(&srv, "/v1/export?f=dxf&crs=CRS84");
        assert_int_equal(ts_http(&q, &r), 0);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "in Metern"));
        ts_http_resp_free(&r);
    }
}

static void test_gzip(void **state)
{
    char ch[256];
    const char *headers[] = {ch, NULL};
    ts_http_req q = {0};
    ts_http_resp r, plain;
    (void)state;
    snprintf(ch, sizeof ch, "Cookie: ge_session=%s", anna.cookie);
    get("/v1/export?f=gpkg", anna.cookie, &plain);
    assert_int_equal(plain.status, 200);
    assert_null(ts_http_header(&plain, "Content-Encoding"));
    /* a client that accepts gzip gets it, and the same GeoPackage after decoding */
    q.url = ts_server_url(&srv, "/v1/export?f=gpkg");
    q.headers = headers;
    q.decode = true;
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Encoding"), "gzip");
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/geopackage+sqlite3");
    assert_true(r.body_len > 1000);
    assert_int_equal(memcmp(r.body, "SQLite format 3", 15), 0);
    assert_int_equal(r.body_len, plain.body_len);
    ts_http_resp_free(&r);
    ts_http_resp_free(&plain);
}

/* Exports in four client threads at once: the server's workers run GDAL
 * side by side; every answer must equal the one made alone. */
#define NPAR 4

typedef struct par_job {
    const char *fmt;
    char *want; /* the sequential answer */
    size_t want_len;
    int mismatches;
    char msg[256];
} par_job;

static void *par_run(void *arg)
{
    par_job *j = arg;
    for (int k = 0; k < 3; k++) {
        ts_http_resp r;
        char ch[256];
        const char *headers[] = {ch, NULL};
        ts_http_req q = {0};
        snprintf(ch, sizeof ch, "Cookie: ge_session=%s", admin.cookie);
        q.url = ts_server_url(&srv, ts_pathf("/v1/export?f=%s&crs=EPSG:25833", j->fmt));
        q.headers = headers;
        if (ts_http(&q, &r) != 0 || r.status != 200 || r.body_len != j->want_len ||
            memcmp(r.body, j->want, r.body_len) != 0) {
            j->mismatches++;
            snprintf(j->msg, sizeof j->msg, "%s: status %ld, %zu bytes (alone: %zu)", j->fmt,
                     r.status, r.body_len, j->want_len);
        }
        ts_http_resp_free(&r);
    }
    return NULL;
}

static void test_parallel(void **state)
{
    /* formats whose bytes do not depend on the time they were written */
    static const char *const fmts[NPAR] = {"geojson", "csv", "kml", "dxf"};
    pthread_t t[NPAR];
    par_job jobs[NPAR];
    (void)state;
    for (int i = 0; i < NPAR; i++) {
        ts_http_resp r;
        jobs[i] = (par_job){.fmt = fmts[i]};
        get(ts_pathf("/v1/export?f=%s&crs=EPSG:25833", fmts[i]), admin.cookie, &r);
        assert_int_equal(r.status, 200);
        jobs[i].want = r.body;
        jobs[i].want_len = r.body_len;
        r.body = NULL;
        ts_http_resp_free(&r);
    }
    for (int i = 0; i < NPAR; i++)
        assert_int_equal(pthread_create(&t[i], NULL, par_run, &jobs[i]), 0);
    for (int i = 0; i < NPAR; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < NPAR; i++) {
        if (jobs[i].mismatches)
            fail_msg("%d of 3 differ, last %s", jobs[i].mismatches, jobs[i].msg);
        free(jobs[i].want);
    }
}

static void test_ceiling(void **state)
{
    ts_http_resp r;
    json_t *doc;
    int n = 0;
    (void)state;
    /* 10001 cases of carl's service, made in the store file directly (a
     * form server would take hours): an export without limit refuses them
     * with a problem naming the limit, a page of them is fine */
    assert_int_equal(
        ts_forms_sql_exec(
            srv.db,
            ts_pathf("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                     " WHERE i < 10001)"
                     " INSERT INTO cases (id, client_id, service, reference, applicant,"
                     " period_start, period_end, status, report, content_hash, created_at,"
                     " updated_at)"
                     " SELECT %s, client_id, 'construction-access',"
                     " 'BULK-' || i, '{}', period_start, period_end, 'received', report,"
                     " content_hash, created_at, updated_at FROM cases, n WHERE cases.id = ?1",
                     /* the id's text on each store (ts_backend.h) */
                     ts_store_is_pg(srv.db) ? "'b' || lpad(to_hex(i), 31, '0')"
                                            : "printf('b%031x', i)"),
            cid[0]),
        10001);
    get("/v1/export?f=csv", carl.cookie, &r);
    assert_int_equal(r.status, 400);
    doc = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc, "parameter")), "limit");
    assert_int_equal(json_integer_value(json_object_get(doc, "limit")), 10000);
    assert_int_equal(json_integer_value(json_object_get(doc, "numberMatched")), 10001);
    json_decref(doc);
    ts_http_resp_free(&r);
    /* an offset without limit leaves 10000: fine; less offset: refused */
    get("/v1/export?f=csv&offset=1", carl.cookie, &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    get("/v1/export?f=csv&offset=0", carl.cookie, &r);
    assert_int_equal(r.status, 400);
    ts_http_resp_free(&r);
    /* the cases have no features: an export of them has no rows */
    assert_int_equal(export_cases("&limit=10000", carl.cookie, &n), 0);
    assert_int_equal(n, 0);
    /* the others' exports are unchanged */
    assert_int_equal(export_cases("", anna.cookie, &n), 0x3);
    assert_int_equal(n, 3);
}

static void test_purged(void **state)
{
    ts_http_resp r;
    json_t *doc, *props;
    (void)state;
    /* c[2] purged (as the retention does it: reference gone, purged_at set) */
    assert_int_equal(ts_forms_sql_exec(srv.db,
                                       "UPDATE cases SET purged_at = '2026-01-01T00:00:00Z',"
                                       " reference = NULL, applicant = '{}' WHERE id = ?1",
                                       cid[2]),
                     1);
    assert_int_equal(export_cases("&service=skip-container", bert.cookie, NULL), 0);
    assert_int_equal(export_cases("&service=skip-container&purged=true", bert.cookie, NULL), 0x4);
    get("/v1/export?f=geojson&purged=true", bert.cookie, &r);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    props = json_object_get(json_array_get(json_object_get(doc, "features"), 0), "properties");
    assert_string_equal(json_string_value(json_object_get(props, "case_id")), cid[2]);
    assert_true(json_is_null(json_object_get(props, "reference")));
    assert_non_null(
        json_object_get(json_array_get(json_object_get(doc, "features"), 0), "geometry"));
    json_decref(doc);
    ts_http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_crs84),
        cmocka_unit_test(test_formats_epsg25833),
        cmocka_unit_test(test_default_crs),
        cmocka_unit_test(test_geojson_crs84),
        cmocka_unit_test(test_kml_description),
        cmocka_unit_test(test_csv_excel),
        cmocka_unit_test(test_dxf_layer_names),
        cmocka_unit_test(test_zip_dates),
        cmocka_unit_test(test_filters_and_visibility),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_parallel),
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_purged),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
