/*
 * test_api_export_limit.c - the export_concurrency limit against the real
 * server: while one export holds the only slot, another export is refused at
 * once with 503 application/problem+json (German and English, the limit
 * named, Retry-After) and other routes still answer; once the first export
 * is over - read to its last byte, or its client gone - the slot is free
 * again and an export succeeds; the /metrics gauge and counter say the same.
 * With the default of 2, a second export runs beside the first and a third
 * is refused. Bad values of the setting (0, negative, not a number) stop the
 * start-up with a message naming the setting, from a flag, the environment
 * and a config file.
 *
 * How the first export is held in progress without sleeps or test hooks:
 * its client sends the request on a raw socket with a small receive buffer
 * and reads nothing. The store holds enough large cases that the file is
 * several times what the kernel can buffer on the way (the server's largest
 * send buffer, tcp_wmem, plus the client's receive buffer), so the server
 * cannot finish sending it until the client reads. The test waits until the
 * gauge geoeditor_exports_in_flight says the slot is taken, and from then on
 * the slot stays taken until the test reads the answer or closes the socket.
 * The test asserts that size premise too, from the file it finally reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sqlite3.h>
/* after sqlite3.h, whose types it uses */
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_metrics.h"
#include "ts_review.h"
#include "ts_backend.h"
#include "ts_run.h"
#include "ts_server.h"
#include "ts_store.h"

#define PW_ADMIN "Overseer's long passphrase 4444"
/* The slow client's receive buffer (the kernel doubles it). */
#define SLOW_RCVBUF 16384

static ts_server srv; /* export_concurrency = 1 */
static char key[128];
static ts_review_session admin;
static long n_cases;    /* cases in the store, each one feature */
static size_t min_file; /* the export must be larger than this (see above) */

/* ---- the store ----------------------------------------------------------- */

/* Runs sql on the store file with SpatiaLite loaded (its spatial index
 * triggers need it), ?1 = text_arg, ?2 = n. The number of changed rows. */
static long long sql_spatial(const char *sql, const char *text_arg, long n)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    void *cache = spatialite_alloc_connection();
    long long changed = -1;

    if (sqlite3_open_v2(srv.db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) goto out;
    sqlite3_busy_timeout(h, 30000);
    spatialite_init_ex(h, cache, 0);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) goto out;
    if (text_arg) sqlite3_bind_text(st, 1, text_arg, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, n);
    if (sqlite3_step(st) == SQLITE_DONE) changed = sqlite3_changes(h);
out:
    if (changed < 0) fprintf(stderr, "sql_spatial: %s\n  %s\n", h ? sqlite3_errmsg(h) : "", sql);
    sqlite3_finalize(st);
    sqlite3_close(h);
    spatialite_cleanup_ex(cache);
    return changed;
}

/* Cases l<i> for i in (from, to], copies of case seed in their attributes,
 * each with one polygon of 401 vertices (a 2 m circle around seed's point):
 * about 10 KB of GeoJSON per case. */
static int add_cases(const char *seed, long from, long to)
{
    long long added;
    char sql[1024];

    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT %ld UNION ALL SELECT i + 1 FROM n WHERE i < ?2)"
             " INSERT INTO cases (id, client_id, service, reference, applicant, period_start,"
             " period_end, status, report, content_hash, created_at, updated_at)"
             " SELECT printf('l%%031x', i), client_id, service, 'LOAD-' || i, '{}', period_start,"
             " period_end, 'received', report, content_hash, created_at, updated_at"
             " FROM cases, n WHERE cases.id = ?1",
             from + 1);
    if (ts_store_is_pg(srv.db)) { /* the same on PostGIS (ts_backend.h) */
        char n[32];
        snprintf(n, sizeof n, "%ld", to);
        snprintf(sql, sizeof sql,
                 "WITH RECURSIVE n(i) AS (SELECT %ld UNION ALL SELECT i + 1 FROM n WHERE i < ?2)"
                 " INSERT INTO cases (id, client_id, service, reference, applicant, period_start,"
                 " period_end, status, report, content_hash, created_at, updated_at)"
                 " SELECT 'l' || lpad(to_hex(i), 31, '0'), client_id, service, 'LOAD-' || i,"
                 " '{}', period_start, period_end, 'received', report, content_hash, created_at,"
                 " updated_at FROM cases, n WHERE cases.id = ?1",
                 from + 1);
        if (ts_store_sql(srv.db, sql, 2, seed, n) != to - from) return -1;
        added = ts_store_sql(srv.db,
                             "INSERT INTO case_features (case_id, idx, props, geometry)"
                             " SELECT c.id, 0, '{}', (SELECT ST_Buffer(geometry, 2.0, 100)"
                             "  FROM case_features WHERE case_id = ?1 AND idx = 0)"
                             " FROM cases c WHERE substr(c.id, 1, 1) = 'l' AND NOT EXISTS"
                             " (SELECT 1 FROM case_features f WHERE f.case_id = c.id)",
                             1, seed);
        return added == to - from ? 0 : -1;
    }
    if (sql_spatial(sql, seed, to) != to - from) return -1;
    added = sql_spatial("INSERT INTO case_features (case_id, idx, props, geometry)"
                        " SELECT c.id, 0, '{}', (SELECT ST_Buffer(geometry, 2.0, 100)"
                        "  FROM case_features WHERE case_id = ?1 AND idx = 0)"
                        " FROM cases c WHERE substr(c.id, 1, 1) = 'l' AND NOT EXISTS"
                        " (SELECT 1 FROM case_features f WHERE f.case_id = c.id)",
                        seed, 0);
    return added == to - from ? 0 : -1;
}

/* The largest send buffer the kernel may give the server's socket. */
static long tcp_wmem_max(void)
{
    long lo = 0, def = 0, max = 0;
    FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");
    if (f) {
        if (fscanf(f, "%ld %ld %ld", &lo, &def, &max) != 3) max = 0;
        fclose(f);
    }
    /* Linux's default when /proc cannot be read */
    return max > 0 ? max : 4L << 20;
}

/* ---- requests ------------------------------------------------------------ */

static void get(const char *path, const char *lang, ts_http_resp *r)
{
    char ch[256], al[64];
    const char *headers[] = {ch, al, NULL};
    ts_http_req q = {0};

    snprintf(ch, sizeof ch, "Cookie: ge_session=%s", admin.cookie);
    snprintf(al, sizeof al, "Accept-Language: %s", lang ? lang : "en");
    q.url = ts_server_url(&srv, path);
    q.headers = headers;
    if (ts_http(&q, r) != 0) fail_msg("GET %s: %s", path, r->error);
}

/* Waits until the series has the value: the server moves it when an export
 * takes or gives back its slot. False after timeout_s, saying what it was. */
static bool metric_wait(const ts_server *s, const char *series, double want, int timeout_s)
{
    double v = ts_metric_wait(s, series, want, timeout_s);

    if (v != want) fprintf(stderr, "%s is %g, not %g, after %d s\n", series, v, want, timeout_s);
    return v == want;
}

/* Sends an export request on a raw socket whose receive buffer is small,
 * and reads nothing: the client of a slow download. The socket, or -1. */
static int slow_export(const ts_server *s)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), rcvbuf = SLOW_RCVBUF;
    char req[512];

    if (fd < 0) return -1;
    /* Before connect, so that the window the server sees is small from the
     * start (and the kernel does not grow the buffer on its own). */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)s->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    snprintf(req, sizeof req,
             "GET /v1/export?f=geojson HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Cookie: ge_session=%s\r\nConnection: close\r\n\r\n",
             s->port, admin.cookie);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        ts_http_send_all(fd, req, strlen(req)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads the slow client's whole answer: a complete 200 GeoJSON file with a
 * feature per case, larger than min_file. */
static void slow_finish(int fd)
{
    size_t len = 0, body_len;
    char *answer = ts_http_read_all(fd, 60000, &len);
    const char *body, *cl;
    json_t *doc;

    close(fd);
    assert_non_null(answer);
    assert_int_equal(ts_http_raw_status(answer), 200);
    body = strstr(answer, "\r\n\r\n");
    assert_non_null(body);
    body += 4;
    body_len = len - (size_t)(body - answer);
    cl = strstr(answer, "Content-Length: ");
    assert_non_null(cl);
    assert_true(cl < body);
    assert_int_equal(strtoull(cl + 16, NULL, 10), body_len);
    /* the premise of the test: the kernel could not have taken it all */
    if (body_len <= min_file)
        fail_msg("the export has %zu bytes, not more than the %zu the kernel may buffer: it "
                 "may have been sent in full before the client read",
                 body_len, min_file);
    doc = json_loadb(body, body_len, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "features")), n_cases);
    json_decref(doc);
    free(answer);
}

/* An export that must be refused for want of a slot (limit slots). */
static void assert_busy(const ts_server *s, const char *lang, int limit)
{
    ts_http_resp r;
    const char *ra, *detail;
    json_t *doc;
    char ch[256], al[64];
    const char *headers[] = {ch, al, NULL};
    ts_http_req q = {0};

    snprintf(ch, sizeof ch, "Cookie: ge_session=%s", admin.cookie);
    snprintf(al, sizeof al, "Accept-Language: %s", lang);
    q.url = ts_server_url(s, "/v1/export?f=csv&crs=EPSG:25833");
    q.headers = headers;
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 503);
    assert_string_equal(ts_http_header(&r, "Content-Type"), "application/problem+json");
    ra = ts_http_header(&r, "Retry-After");
    assert_non_null(ra);
    assert_true(atoi(ra) >= 1 && atoi(ra) <= 60);
    assert_int_equal(strspn(ra, "0123456789"), strlen(ra));
    assert_string_equal(ts_http_header(&r, "Cache-Control"), "no-store");
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "status")), 503);
    assert_int_equal(json_integer_value(json_object_get(doc, "limit")), limit);
    assert_int_equal(json_integer_value(json_object_get(doc, "retry_after")), atoi(ra));
    assert_string_equal(json_string_value(json_object_get(doc, "instance")), "/v1/export");
    detail = json_string_value(json_object_get(doc, "detail"));
    assert_non_null(detail);
    assert_non_null(strstr(detail, "export_concurrency"));
    assert_non_null(strstr(detail, ts_pathf("%d", limit)));
    assert_non_null(strstr(detail, ra));
    if (!strcmp(lang, "de")) {
        assert_string_equal(json_string_value(json_object_get(doc, "title")),
                            "Zu viele Exporte gleichzeitig");
        assert_non_null(strstr(detail, "höchstens"));
    } else {
        assert_string_equal(json_string_value(json_object_get(doc, "title")),
                            "Too many exports at once");
        assert_non_null(strstr(detail, "at most"));
    }
    json_decref(doc);
    ts_http_resp_free(&r);
}

/* A complete export with every case, on a free slot. */
static void assert_export_ok(const ts_server *s)
{
    ts_http_resp r;
    char ch[256];
    const char *headers[] = {ch, NULL};
    ts_http_req q = {0};
    json_t *doc;

    snprintf(ch, sizeof ch, "Cookie: ge_session=%s", admin.cookie);
    q.url = ts_server_url(s, "/v1/export?f=geojson");
    q.headers = headers;
    assert_int_equal(ts_http(&q, &r), 0);
    assert_int_equal(r.status, 200);
    doc = json_loadb(r.body, r.body_len, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "features")), n_cases);
    json_decref(doc);
    ts_http_resp_free(&r);
}

static int setup(void **state)
{
    static const char *const args[] = {"--export-concurrency", "1", "--connection-timeout", "600",
                                       NULL};
    ts_server_opts o = {.args = args};
    char seed[64];
    ts_http_resp r;
    double per_case;
    long want;
    (void)state;

    if (ts_server_start(&srv, "api_export_limit", &o) != 0) return -1;
    if (ts_forms_client_add(srv.db, "Limit Form", key) != 0 ||
        ts_review_user_add(srv.db, "admin", "admin", NULL, PW_ADMIN) != 0 ||
        ts_review_case(&srv, key, 13.31012, 52.58512, "Erika Mustermann", seed) != 0 ||
        ts_review_login(&srv, "admin", PW_ADMIN, &admin) != 200)
        return -1;
    /* The file must be several times what the kernel may hold between the
     * server and the slow client: the server's send buffer at its largest,
     * the client's receive buffer (doubled by the kernel), and slack for
     * what is in flight on loopback. */
    min_file = (size_t)tcp_wmem_max() + 2 * SLOW_RCVBUF + (1u << 20);
    /* 20 cases first, to learn the bytes a case takes in GeoJSON */
    if (add_cases(seed, 0, 20) != 0) return -1;
    n_cases = 21;
    get("/v1/export?f=geojson", "en", &r);
    if (r.status != 200) {
        fprintf(stderr, "setup export: %ld %.300s\n", r.status, r.body ? r.body : "");
        ts_http_resp_free(&r);
        return -1;
    }
    per_case = (double)r.body_len / 21.0;
    ts_http_resp_free(&r);
    want = (long)(3.0 * (double)min_file / per_case) + 1;
    if (want > 9000) want = 9000; /* under the 10000-case ceiling of an export */
    if (want > 20 && add_cases(seed, 20, want) != 0) return -1;
    n_cases = want + 1;
    printf("# %ld cases, about %.0f bytes each in GeoJSON; the kernel may buffer %zu bytes\n",
           n_cases, per_case, min_file);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return ts_server_stop(&srv) == 0 ? 0 : -1;
}

/* ---- tests --------------------------------------------------------------- */

static void test_busy_while_one_is_sent(void **state)
{
    ts_http_resp r;
    int fd;
    (void)state;

    assert_int_equal(ts_metric(&srv, "geoeditor_exports_in_flight"), 0);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 0);
    fd = slow_export(&srv);
    assert_true(fd >= 0);
    /* from here until the test reads, the export cannot finish */
    assert_true(metric_wait(&srv, "geoeditor_exports_in_flight", 1, 120));

    assert_busy(&srv, "de", 1);
    assert_busy(&srv, "en", 1);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 2);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_in_flight"), 1);

    /* the workers are free: other routes answer, an invalid export is told
     * what is wrong with it rather than that the server is busy */
    assert_int_equal(ts_http_get(ts_server_url(&srv, "/healthz"), &r), 0);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    get("/v1/cases?limit=1", "en", &r);
    assert_int_equal(r.status, 200);
    ts_http_resp_free(&r);
    get("/v1/export?f=pdf", "en", &r);
    assert_int_equal(r.status, 400);
    ts_http_resp_free(&r);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 2);

    /* the slow client reads its whole file: the slot is free again */
    slow_finish(fd);
    assert_true(metric_wait(&srv, "geoeditor_exports_in_flight", 0, 60));
    assert_export_ok(&srv);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_in_flight"), 0);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 2);
}

static void test_client_gone_frees_the_slot(void **state)
{
    int fd;
    (void)state;

    fd = slow_export(&srv);
    assert_true(fd >= 0);
    assert_true(metric_wait(&srv, "geoeditor_exports_in_flight", 1, 120));
    assert_busy(&srv, "en", 1);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 3);
    /* the client goes away without reading a byte (the unread data makes
     * the kernel reset the connection) */
    close(fd);
    assert_true(metric_wait(&srv, "geoeditor_exports_in_flight", 0, 60));
    assert_true(ts_server_log_wait(&srv, "\"aborted\"", 30));
    assert_export_ok(&srv);
    assert_int_equal(ts_metric(&srv, "geoeditor_exports_refused_total"), 3);
}

/* The default (2) on a second server over the same store: one slow export
 * leaves room for another; two hold both slots. */
static void test_default_allows_two(void **state)
{
    ts_server_opts o = {.db = srv.db};
    ts_server two;
    int fd1, fd2;
    (void)state;

    assert_int_equal(ts_server_start(&two, "api_export_limit_default", &o), 0);
    fd1 = slow_export(&two);
    assert_true(fd1 >= 0);
    assert_true(metric_wait(&two, "geoeditor_exports_in_flight", 1, 120));
    assert_export_ok(&two);
    fd2 = slow_export(&two);
    assert_true(fd2 >= 0);
    assert_true(metric_wait(&two, "geoeditor_exports_in_flight", 2, 120));
    assert_busy(&two, "en", 2);
    assert_int_equal(ts_metric(&two, "geoeditor_exports_refused_total"), 1);
    slow_finish(fd1);
    close(fd2);
    assert_true(metric_wait(&two, "geoeditor_exports_in_flight", 0, 60));
    assert_int_equal(ts_server_stop(&two), 0);
}

/* ---- the setting --------------------------------------------------------- */

static void test_bad_settings_stop_start_up(void **state)
{
    static const char *const bad[][2] = {
        {"0", "setting 'export_concurrency': 0 is outside 1..256"},
        {"-2", "setting 'export_concurrency': -2 is outside 1..256"},
        {"two", "setting 'export_concurrency': 'two' is not a whole number"},
        {"1.5", "'1.5' is not a whole number"},
        {"", "'' is not a whole number"}};
    const char *dir = ts_tmpdir("api_export_limit_settings");
    const char *db = ts_path(dir, "x.sqlite");
    ts_run_result r;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[] = {NULL,      "serve", "--db", db, "--port", "0", "--export-concurrency",
                              bad[i][0], NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_true(r.status != 0);
        if (!strstr(r.err, bad[i][1])) fail_msg("--export-concurrency '%s': %s", bad[i][0], r.err);
        assert_int_equal(ts_count_lines(r.err), 1);
        ts_run_free(&r);
    }
    /* a config file names the line */
    {
        const char *conf = ts_path(dir, "bad.conf");
        const char *argv[] = {NULL, "serve", "--db", db, "--port", "0", "--config", conf, NULL};
        FILE *f = fopen(conf, "w");
        assert_non_null(f);
        fputs("# exports\nexport_concurrency = 0\n", f);
        fclose(f);
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.err, "bad.conf:2"));
        assert_non_null(strstr(r.err, "setting 'export_concurrency': 0 is outside 1..256"));
        ts_run_free(&r);
    }
    /* so does the environment */
    {
        static const char *const env[] = {"GEOEDITOR_EXPORT_CONCURRENCY=-1", NULL};
        ts_server_opts o = {.env = env, .no_wait = true};
        ts_server s;
        char *log;
        assert_int_equal(ts_server_start(&s, "api_export_limit_env", &o), 0);
        assert_true(ts_server_wait(&s, 60) > 0);
        log = ts_server_log(&s);
        assert_non_null(strstr(log, "GEOEDITOR_EXPORT_CONCURRENCY"));
        assert_non_null(strstr(log, "setting 'export_concurrency': -1 is outside 1..256"));
        free(log);
    }
    assert_false(access(db, F_OK) == 0); /* refused before a store was made */
    /* --help documents it */
    {
        const char *argv[] = {NULL, "serve", "--help", NULL};
        assert_int_equal(ts_run(&r, NULL, argv), 0);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "--export-concurrency"));
        assert_non_null(strstr(r.out, "GEOEDITOR_EXPORT_CONCURRENCY"));
        assert_non_null(strstr(r.out, "default '2'"));
        ts_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_while_one_is_sent),
        cmocka_unit_test(test_client_gone_frees_the_slot),
        cmocka_unit_test(test_default_allows_two),
        cmocka_unit_test(test_bad_settings_stop_start_up),
    };
    return ts_exit(ts_run_group_tests(tests, setup, teardown));
}
