/*
 * test_cli.c - the geoeditor binary as an operator meets it: help texts, and
 * for every kind of bad input (unknown option, unreadable config, missing or
 * corrupt source, unknown mapping key, unreadable database path) one clear
 * line naming the problem, a non-zero exit, and no half-written store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "store.h"
#include "ts.h"
#include "ts_backend.h"
#include "ts_run.h"

#define RUN(r, ...)                                                                                \
    do {                                                                                           \
        const char *argv_[] = {NULL, __VA_ARGS__, NULL};                                           \
        assert_int_equal(ts_run((r), NULL, argv_), 0);                                             \
    } while (0)

static const char *demo_osm(void)
{
    return ts_demo_osm();
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void test_help(void **state)
{
    ts_run_result r;
    RUN(&r, "--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "serve"));
    assert_non_null(strstr(r.out, "import"));
    ts_run_free(&r);

    RUN(&r, "serve", "--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--port"));
    assert_non_null(strstr(r.out, "GEOEDITOR_MAX_BODY"));
    ts_run_free(&r);

    RUN(&r, "import", "--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--mapping FILE"));
    assert_null(strstr(r.out, "--max-body")); /* serve-only settings are not offered */
    ts_run_free(&r);
}

static void test_usage_errors(void **state)
{
    ts_run_result r;
    RUN(&r, "frobnicate");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
    assert_int_equal(ts_count_lines(r.err), 1);
    ts_run_free(&r);

    RUN(&r, "serve", "--prot", "80");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "unknown option '--prot'"));
    assert_int_equal(ts_count_lines(r.err), 1);
    ts_run_free(&r);

    RUN(&r, "serve", "--port", "eighty");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "'eighty' is not a whole number"));
    ts_run_free(&r);

    RUN(&r, "serve", "--config", "/nonexistent/geoeditor.conf");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cannot read config file /nonexistent/geoeditor.conf"));
    assert_int_equal(ts_count_lines(r.err), 1);
    ts_run_free(&r);

    RUN(&r, "import");
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "missing argument"));
    ts_run_free(&r);
}

static void test_import_missing_source_creates_nothing(void **state)
{
    ts_run_result r;
    const char *db = ts_path(ts_tmpdir("cli-missing"), "new.sqlite");
    RUN(&r, "import", "--db", db, "/nonexistent/town.osm.pbf");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cannot read source /nonexistent/town.osm.pbf"));
    assert_int_equal(ts_count_lines(r.err), 1);
    assert_false(exists(db));
    ts_run_free(&r);
}

static void test_import_corrupt_source(void **state)
{
    ts_run_result r;
    const char *dir = ts_tmpdir("cli-corrupt");
    const char *db = ts_path(dir, "new.sqlite");
    const char *bad = ts_path(dir, "broken.osm.pbf");
    FILE *f = fopen(bad, "wb");
    assert_non_null(f);
    for (int i = 0; i < 4096; i++)
        fputc((i * 7919) & 0xff, f);
    fclose(f);
    RUN(&r, "import", "--db", db, bad);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "broken.osm.pbf"));
    assert_int_equal(ts_count_lines(r.err), 1);
    assert_false(exists(db)); /* a failed import into a new store leaves no file */
    ts_run_free(&r);
}

static void test_import_unknown_mapping_key(void **state)
{
    ts_run_result r;
    const char *dir = ts_tmpdir("cli-mapping");
    const char *db = ts_path(dir, "new.sqlite");
    const char *mapping = ts_path(dir, "mapping.json");
    ts_write_text(mapping, "{\"layers\": {\"hydrants\": {\"sourc\": \"points\"}}}\n");
    RUN(&r, "import", "--db", db, "--mapping", mapping, demo_osm());
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "'sourc'"));
    assert_int_equal(ts_count_lines(r.err), 1);
    assert_false(exists(db));
    ts_run_free(&r);
}

static void test_unreadable_db_path(void **state)
{
    ts_run_result r;
    const char *dir = ts_tmpdir("cli-dbpath");
    RUN(&r, "import", "--db", "/nonexistent/dir/store.sqlite", demo_osm());
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/dir/store.sqlite"));
    assert_int_equal(ts_count_lines(r.err), 1);
    ts_run_free(&r);

    RUN(&r, "serve", "--db", dir, "--port", "0"); /* a directory, not a file */
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, dir));
    ts_run_free(&r);
}

static void test_import_demo_then_failed_reimport_keeps_data(void **state)
{
    ts_run_result r, before, after;
    const char *dir = ts_tmpdir("cli-demo");
    const char *db = ts_path(dir, "demo.sqlite");
    const char *bad = ts_path(dir, "empty.geojson");

    RUN(&r, "import", "--quiet", "--attribution", "Demo data: fictional", "--db", db, demo_osm());
    assert_int_equal(r.status, 0);
    ts_run_free(&r);

    /* The demo quarter is not OSM data: the override replaces the mapping's credit. */
    ge_store *st = NULL;
    ge_store_opts so = {.path = ts_store_db(db, false), .readonly = true};
    ge_layer_info li;
    ge_err err;
    assert_int_equal(ge_store_open(&st, &so, &err), GE_OK);
    assert_int_equal(ge_store_layer_get(st, "hydrants", &li, &err), GE_OK);
    assert_string_equal(li.attribution, "Demo data: fictional");
    ge_store_close(st);
    RUN(&before, "layers", "--db", db);
    assert_int_equal(before.status, 0);
    assert_non_null(strstr(before.out, "hydrants"));
    assert_non_null(strstr(before.out, "street_space"));

    ts_write_text(bad, "{\"type\": \"FeatureCollection\", \"features\": [");
    RUN(&r, "import", "--db", db, bad);
    assert_int_not_equal(r.status, 0);
    assert_int_equal(ts_count_lines(r.err), 1);
    ts_run_free(&r);

    RUN(&after, "layers", "--db", db);
    assert_int_equal(after.status, 0);
    assert_string_equal(before.out, after.out); /* same layers, counts, extents and dates */
    ts_run_free(&before);
    ts_run_free(&after);
}

/* "geoeditor import city.osm.gz" reads it through GDAL's /vsigzip/; a boundary
 * that holds less than half of the data is a warning on standard error that
 * names --boundary FILE, also with --quiet; a .bz2 is refused with what to do. */
static void test_import_gz_and_boundary_warning(void **state)
{
    ts_run_result r;
    const char *dir = ts_tmpdir("cli-gz");
    char db[4096], gz[4096], strip[4096], bz2[4096];
    size_t len;
    char *text = ts_read_file(demo_osm(), &len);
    gzFile f;

    snprintf(db, sizeof db, "%s", ts_path(dir, "demo.sqlite"));
    snprintf(gz, sizeof gz, "%s", ts_path(dir, "musterstadt.osm.gz"));
    snprintf(strip, sizeof strip, "%s", ts_path(dir, "strip.geojson"));
    snprintf(bz2, sizeof bz2, "%s", ts_path(dir, "musterstadt.osm.bz2"));
    assert_non_null(text);
    f = gzopen(gz, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, text, (unsigned)len), (int)len);
    assert_int_equal(gzclose(f), Z_OK);
    free(text);

    RUN(&r, "import", "--db", db, gz);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "hydrants: "));
    assert_non_null(strstr(r.out, "boundary: 1 feature (union of 1 polygon of admin_level 8"));
    assert_null(strstr(r.err, "WARNING")); /* the quarter's boundary holds all of it */
    ts_run_free(&r);

    /* a boundary file of the quarter's western edge only */
    ts_write_text(strip, "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\","
                         " \"properties\": {}, \"geometry\": {\"type\": \"Polygon\","
                         " \"coordinates\": [[[9.92, 51.536], [9.925, 51.536], [9.925, 51.544],"
                         " [9.92, 51.544], [9.92, 51.536]]]}}]}\n");
    RUN(&r, "import", "--quiet", "--db", db, "--boundary", strip, gz);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_int_equal(ts_count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "geoeditor import: WARNING: boundary: the boundary holds only "));
    assert_non_null(strstr(r.err, "Check the file given with --boundary FILE."));
    ts_run_free(&r);

    ts_write_text(bz2, "BZh91AY&SY");
    RUN(&r, "import", "--db", ts_path(dir, "new.sqlite"), bz2);
    assert_int_equal(r.status, 1);
    assert_int_equal(ts_count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "GDAL cannot read .bz2 files"));
    assert_non_null(strstr(r.err, "bunzip2 -k"));
    assert_false(exists(ts_path(dir, "new.sqlite")));
    ts_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_import_missing_source_creates_nothing),
        cmocka_unit_test(test_import_corrupt_source),
        cmocka_unit_test(test_import_unknown_mapping_key),
        cmocka_unit_test(test_unreadable_db_path),
        cmocka_unit_test(test_import_demo_then_failed_reimport_keeps_data),
        cmocka_unit_test(test_import_gz_and_boundary_warning),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
