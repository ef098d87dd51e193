/*
 * test_api_siteplan.c - the site plan (Lageplan) PDF of a case through the
 * real server on the shared OSM extract: a 3.5 m skip container beside an
 * east-west road is submitted; GET /v1/cases/{id}/map.pdf (API key, and the
 * applicant's /v1/edit/{token}/map.pdf) is an A4 PDF in which pdftotext
 * (poppler-utils) finds the heading, reference, case id, period, status and
 * the street's name, in the case's language whatever Accept-Language says
 * (lang=en overrides); the printed scale is the drawing's: rendered by
 * pdftoppm at 600 DPI, the skip's outline measures 7 mm between its sides'
 * centre lines at 1:500 and 3.5 mm at 1:1000, within 0.5 mm. The data's
 * credit is in the plan's language too ("© OpenStreetMap-Mitwirkende" on a
 * German plan). The map.png follows the language too. Bad lang, scale or
 * parameters are 400 problems naming them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cairo.h>
#include <cmocka.h>
#include "ts_group.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "geos_ctx.h"
#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_review.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_skipcase.h"

#define CRS_URI "http://www.opengis.net/def/crs/EPSG/0/25832"

static ts_skipcase fx;

#define pathf(...)  ts_server_url(&fx.srv, ts_pathf(__VA_ARGS__))
#define NEED_DATA() TS_SKIPCASE_NEED(&fx)

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int setup(void **state)
{
    static const ts_skipcase_opts o = {
        .length = 3.5, .east_west = true, .every = 1, .reference = "LP-2026/0815"};
    (void)state;
    return ts_skipcase_setup(&fx, "api_siteplan", &o);
}

static int teardown(void **state)
{
    (void)state;
    return ts_skipcase_teardown(&fx);
}

/* GET path with the API key and optional extra header; the PDF saved as
 * name in the fixture's folder. */
static const char *get_pdf(const char *path, const char *header, const char *name, ts_http_resp *r)
{
    char auth[256];
    const char *headers[] = {auth, header, NULL};
    ts_http_req q = {0};
    const char *file;
    FILE *fp;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", fx.key_a);
    q.url = ts_server_url(&fx.srv, path);
    q.headers = headers;
    assert_int_equal(ts_http(&q, r), 0);
    if (r->status != 200) fail_msg("%s: %ld %s", path, r->status, or_empty(r->body));
    assert_string_equal(ts_http_header(r, "Content-Type"), "application/pdf");
    assert_int_equal(memcmp(r->body, "%PDF-", 5), 0);
    file = ts_path(fx.dir, name);
    fp = fopen(file, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(r->body, 1, r->body_len, fp), r->body_len);
    fclose(fp);
    return file;
}

/* pdftotext's text of file: laid out, or raw (in drawing order). */
static char *pdf_text_as(const char *file, const char *mode)
{
    const char *argv[] = {"pdftotext", mode, file, "-", NULL};
    ts_run_result rr;
    char *out;
    assert_int_equal(ts_run(&rr, NULL, argv), 0);
    if (rr.status != 0) fail_msg("pdftotext %s: %s", file, rr.err);
    out = rr.out;
    rr.out = NULL;
    ts_run_free(&rr);
    return out;
}

static char *pdf_text(const char *file)
{
    return pdf_text_as(file, "-layout");
}

static void must_say(const char *text, const char *what)
{
    if (!strstr(text, what)) fail_msg("the PDF does not say '%s':\n%s", what, text);
}

static void must_not_say(const char *text, const char *what)
{
    if (strstr(text, what)) fail_msg("the PDF says '%s':\n%s", what, text);
}

static bool have_poppler(void)
{
    const char *argv[] = {"pdftotext", "-v", NULL};
    ts_run_result rr;
    bool ok = ts_run(&rr, NULL, argv) == 0 && rr.status == 0;
    ts_run_free(&rr);
    return ok;
}

#define NEED_POPPLER()                                                                             \
    do {                                                                                           \
        if (!have_poppler()) {                                                                     \
            print_message("SKIP: pdftotext is missing (Debian package poppler-utils)\n");          \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

static void test_text(void **state)
{
    ts_http_resp r;
    const char *file;
    char *text, from[16], to[16], period[64];
    const char *p = ts_forms_period();
    json_t *per = json_loads(p, 0, NULL);
    const char *s = json_string_value(json_object_get(per, "start")),
               *e = json_string_value(json_object_get(per, "end"));
    (void)state;
    NEED_DATA();
    NEED_POPPLER();
    snprintf(from, sizeof from, "%.2s.%.2s.%.4s", s + 8, s + 5, s);
    snprintf(to, sizeof to, "%.2s.%.2s.%.4s", e + 8, e + 5, e);
    snprintf(period, sizeof period, "%s \xe2\x80\x93 %s", from, to);
    /* the case's language (German), although the caller prefers English */
    file =
        get_pdf(ts_pathf("/v1/cases/%s/map.pdf", fx.case_id), "Accept-Language: en", "de.pdf", &r);
    assert_string_equal(ts_http_header(&r, "Content-Language"), "de");
    assert_string_equal(ts_http_header(&r, "X-Map-Scale"), "500");
    ts_http_resp_free(&r);
    text = pdf_text(file);
    must_say(text, "Lageplan");
    must_say(text, "LP-2026/0815");
    must_say(text, fx.case_id);
    must_say(text, period);
    must_say(text, "Eingegangen");
    must_say(text, "1:500");
    must_say(text, "Datenstand");
    /* the extract's credit as German readers know it, not as stored */
    must_say(text, "OpenStreetMap-Mitwirkende");
    /* the key lists what the frame shows: the street space the skip stands
     * on, not the municipal boundary far outside the frame (whose area
     * covers it, but whose line - all the style draws - runs elsewhere) */
    must_say(text, "Straßenraum");
    must_not_say(text, "Gemeindegrenze");
    /* the street's name in the title block's location and on the map (a
     * label along the street: pdftotext splits slanted words into letters,
     * so the text in drawing order, compared without white space) */
    assert_true(fx.street[0]);
    free(text);
    text = pdf_text_as(file, "-raw");
    {
        char *flat = strdup(text), *o = flat, want[160];
        size_t k = 0;
        int n = 0;
        for (const char *c = text; *c; c++)
            if (*c != ' ' && *c != '\n' && *c != '\f') *o++ = *c;
        *o = '\0';
        for (const char *c = fx.street; *c; c++)
            if (*c != ' ' && k + 1 < sizeof want) want[k++] = *c;
        want[k] = '\0';
        for (const char *c = flat; (c = strstr(c, want)); c++)
            n++;
        if (n < 2) fail_msg("the street name %s is not on the map:\n%s", fx.street, text);
        free(flat);
    }
    free(text);
    /* lang=en overrides */
    file = get_pdf(ts_pathf("/v1/cases/%s/map.pdf?lang=en", fx.case_id), NULL, "en.pdf", &r);
    assert_string_equal(ts_http_header(&r, "Content-Language"), "en");
    ts_http_resp_free(&r);
    text = pdf_text(file);
    must_say(text, "Site plan");
    must_say(text, "LP-2026/0815");
    must_say(text, s);
    must_say(text, "Reference data as of");
    must_say(text, "OpenStreetMap contributors");
    must_not_say(text, "Municipal boundary");
    if (fx.street[0]) must_say(text, fx.street);
    free(text);
    /* the applicant's print URL */
    {
        const char *tok = strstr(fx.edit_url, "/edit/");
        assert_non_null(tok);
        tok += 6;
        file = get_pdf(ts_pathf("/v1/edit/%.*s/map.pdf", (int)strcspn(tok, "/?#"), tok), NULL,
                       "edit.pdf", &r);
        ts_http_resp_free(&r);
        text = pdf_text(file);
        must_say(text, "LP-2026/0815");
        free(text);
    }
    json_decref(per);
}

/* The skip's length in mm on the page rendered at dpi: the outline's
 * pixels (colour want) nearest the page's middle, along the row through
 * their middle, from the centre of the left side's line to the right's. */
static double skip_mm(const char *pdf, int dpi, uint32_t want)
{
    char prefix[4200], png[4300], res[16];
    const char *argv[] = {"pdftoppm", "-r", res, "-png", "-singlefile", pdf, prefix, NULL};
    ts_run_result rr;
    cairo_surface_t *img;
    int w, h, stride, best_row = -1, cx, left0 = -1, left1 = -1, right0 = -1, right1 = -1;
    const unsigned char *data;
    snprintf(res, sizeof res, "%d", dpi);
    snprintf(prefix, sizeof prefix, "%s-%d", pdf, dpi);
    snprintf(png, sizeof png, "%s.png", prefix);
    assert_int_equal(ts_run(&rr, NULL, argv), 0);
    if (rr.status != 0) fail_msg("pdftoppm: %s", rr.err);
    ts_run_free(&rr);
    img = cairo_image_surface_create_from_png(png);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    w = cairo_image_surface_get_width(img);
    h = cairo_image_surface_get_height(img);
    stride = cairo_image_surface_get_stride(img);
    data = cairo_image_surface_get_data(img);
#define PX_IS(x, y)                                                                                \
    (abs((int)((((const uint32_t *)(data + (y)*stride))[x] >> 16) & 0xff) -                        \
         (int)((want >> 16) & 0xff)) < 40 &&                                                       \
     abs((int)((((const uint32_t *)(data + (y)*stride))[x] >> 8) & 0xff) -                         \
         (int)((want >> 8) & 0xff)) < 40 &&                                                        \
     abs((int)((((const uint32_t *)(data + (y)*stride))[x]) & 0xff) - (int)(want & 0xff)) < 40)
    /* the skip is drawn in the map's middle, which is the page's middle
     * across; find the outline's rows within 2 cm of the middle column */
    cx = w / 2;
    {
        int top = -1, bottom = -1, band = (int)(20.0 / 25.4 * dpi);
        for (int y = 0; y < h; y++)
            for (int x = cx - band; x < cx + band; x++)
                if (PX_IS(x, y)) {
                    if (top < 0) top = y;
                    bottom = y;
                    break;
                }
        if (top < 0) fail_msg("no pixel of colour #%06x near the page's middle", want);
        best_row = (top + bottom) / 2;
    }
    {
        int band = (int)(20.0 / 25.4 * dpi);
        for (int x = cx - band; x < cx + band; x++) {
            bool on = PX_IS(x, best_row);
            if (on && left0 < 0) left0 = x;
            if (!on && left0 >= 0 && left1 < 0) left1 = x;
            if (on) right1 = x + 1;
        }
        for (int x = right1 - 1; x > left1; x--)
            if (!PX_IS(x, best_row)) {
                right0 = x + 1;
                break;
            }
    }
#undef PX_IS
    cairo_surface_destroy(img);
    assert_true(left0 >= 0 && left1 > left0 && right0 > left1 && right1 > right0);
    return ((right0 + right1) / 2.0 - (left0 + left1) / 2.0) / dpi * 25.4;
}

/* The colour styles/services.json's features-line gives a valid feature. */
static uint32_t valid_colour(void)
{
    char path[4200];
    json_t *doc, *layer;
    size_t i;
    uint32_t out = 0;
    snprintf(path, sizeof path, "%s/styles/services.json", ts_env("GE_SOURCE_DIR"));
    doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    json_array_foreach(json_object_get(doc, "layers"), i, layer)
    {
        json_t *m;
        if (strcmp(json_string_value(json_object_get(layer, "id")), "features-line") != 0) continue;
        m = json_object_get(json_object_get(layer, "paint"), "line-color");
        for (size_t k = 2; k + 1 < json_array_size(m); k += 2)
            if (strcmp(json_string_value(json_array_get(m, k)), "valid") == 0)
                out = (uint32_t)strtoul(json_string_value(json_array_get(m, k + 1)) + 1, NULL, 16);
    }
    json_decref(doc);
    assert_true(out != 0);
    return out;
}

static void test_scale(void **state)
{
    ts_http_resp r;
    const char *file;
    double mm;
    (void)state;
    NEED_DATA();
    NEED_POPPLER();
    file = get_pdf(ts_pathf("/v1/cases/%s/map.pdf", fx.case_id), NULL, "scale500.pdf", &r);
    assert_string_equal(ts_http_header(&r, "X-Map-Scale"), "500");
    ts_http_resp_free(&r);
    mm = skip_mm(file, 600, valid_colour());
    print_message("3.5 m at 1:500: %.2f mm\n", mm);
    if (fabs(mm - 7.0) > 0.5) fail_msg("the 3.5 m skip measures %.2f mm at 1:500, not 7", mm);
    file =
        get_pdf(ts_pathf("/v1/cases/%s/map.pdf?scale=1000", fx.case_id), NULL, "scale1000.pdf", &r);
    assert_string_equal(ts_http_header(&r, "X-Map-Scale"), "1000");
    ts_http_resp_free(&r);
    mm = skip_mm(file, 600, valid_colour());
    print_message("3.5 m at 1:1000: %.2f mm\n", mm);
    if (fabs(mm - 3.5) > 0.5) fail_msg("the 3.5 m skip measures %.2f mm at 1:1000, not 3.5", mm);
}

/* A caseworker of the service reads the same site plan with the session;
 * one of another service does not find the case. A draft still open
 * prints as a draft through the applicant's link. */
static void test_session_and_draft(void **state)
{
    ts_review_session anna, bert;
    ts_http_resp r;
    char body[2048], tok[128];
    const char *file, *t;
    char *text;
    json_t *doc;
    (void)state;
    NEED_DATA();
    NEED_POPPLER();
    assert_int_equal(ts_review_user_add(fx.db, "anna", "caseworker", "skip-container",
                                        "Site plan passphrase 123"),
                     0);
    assert_int_equal(ts_review_user_add(fx.db, "bert", "caseworker", "info-stand",
                                        "Other service passphrase 456"),
                     0);
    assert_int_equal(ts_review_login(&fx.srv, "anna", "Site plan passphrase 123", &anna), 200);
    assert_int_equal(ts_review_login(&fx.srv, "bert", "Other service passphrase 456", &bert), 200);
    assert_int_equal(ts_review_call(&fx.srv, "GET", ts_pathf("/v1/cases/%s/map.pdf", fx.case_id),
                                    anna.cookie, NULL, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/pdf");
    ts_http_resp_free(&r);
    assert_int_equal(ts_review_call(&fx.srv, "GET", ts_pathf("/v1/cases/%s/map.pdf", fx.case_id),
                                    bert.cookie, NULL, NULL, NULL, &r),
                     0);
    assert_int_equal(r.status, 404);
    ts_http_resp_free(&r);
    /* an open English draft: its print link */
    snprintf(body, sizeof body,
             "{\"service\":\"skip-container\",\"reference\":\"LP-DRAFT-7\",\"locale\":\"en\","
             "\"period\":%s,\"features\":%s}",
             ts_forms_period(), fx.fc);
    ts_forms_call("POST", pathf("/v1/drafts?crs=%s", CRS_URI), fx.key_a, NULL, body, &r);
    assert_int_equal(r.status, 201);
    doc = ts_forms_json(&r);
    t = strstr(or_empty(json_string_value(json_object_get(doc, "editor_url"))), "/edit/");
    assert_non_null(t);
    snprintf(tok, sizeof tok, "%.*s", (int)strcspn(t + 6, "/?#"), t + 6);
    json_decref(doc);
    ts_http_resp_free(&r);
    file = get_pdf(ts_pathf("/v1/edit/%s/map.pdf", tok), "Accept-Language: de", "draft.pdf", &r);
    assert_string_equal(ts_http_header(&r, "Content-Language"), "en");
    ts_http_resp_free(&r);
    text = pdf_text(file);
    must_say(text, "Site plan");
    must_say(text, "LP-DRAFT-7");
    must_say(text, "(not submitted yet)");
    must_say(text, "draft");
    free(text);
}

/* The map image follows the case's language too, with its scale. */
static void test_png_language(void **state)
{
    char auth[256];
    const char *headers[] = {auth, "Accept-Language: en", NULL};
    ts_http_req q = {0};
    ts_http_resp r;
    (void)state;
    NEED_DATA();
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", fx.key_a);
    q.headers = headers;
    q.url = ts_server_url(&fx.srv, ts_pathf("/v1/cases/%s/map.png", fx.case_id));
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Language"), "de");
    assert_string_equal(ts_http_header(&r, "X-Map-Scale"), "500");
    ts_http_resp_free(&r);
    q.url = ts_server_url(&fx.srv, ts_pathf("/v1/cases/%s/map.png?lang=en", fx.case_id));
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ts_http_header(&r, "Content-Language"), "en");
    ts_http_resp_free(&r);
}

static void expect_problem(const char *path, const char *key, long status, const char *param)
{
    char auth[256];
    const char *headers[] = {auth, NULL};
    ts_http_req q = {0};
    ts_http_resp r;
    json_t *doc;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    q.url = ts_server_url(&fx.srv, path);
    q.headers = key ? headers : NULL;
    assert_int_equal(ts_http(&q, &r), 0);
    if (r.status != status) fail_msg("%s: %ld %s", path, r.status, or_empty(r.body));
    assert_non_null(strstr(ts_http_header(&r, "Content-Type"), "application/problem+json"));
    doc = json_loads(r.body, 0, NULL);
    if (param) assert_string_equal(json_string_value(json_object_get(doc, "parameter")), param);
    json_decref(doc);
    ts_http_resp_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    NEED_DATA();
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf?lang=fr", fx.case_id), fx.key_a, 400, "lang");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf?lang=", fx.case_id), fx.key_a, 400, "lang");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf?scale=300", fx.case_id), fx.key_a, 400, "scale");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf?scale=500x", fx.case_id), fx.key_a, 400, "scale");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf?width=800", fx.case_id), fx.key_a, 400, "width");
    expect_problem(ts_pathf("/v1/cases/%s/map.png?lang=xx", fx.case_id), fx.key_a, 400, "lang");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf", fx.case_id), fx.key_b, 404, "id");
    expect_problem(ts_pathf("/v1/cases/%s/map.pdf", fx.case_id), NULL, 401, NULL);
    expect_problem("/v1/edit/not-a-token/map.pdf", NULL, 404, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),         cmocka_unit_test(test_scale),
        cmocka_unit_test(test_png_language), cmocka_unit_test(test_session_and_draft),
        cmocka_unit_test(test_bad_input),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
