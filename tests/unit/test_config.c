/*
 * test_config.c - settings: defaults, file, environment, precedence and the
 * clear errors for unknown keys, bad values and unreadable files.
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

#include "config.h"
#include "log.h"
#include "ts.h"

static const char *write_file(const char *name, const char *text)
{
    const char *path = ts_path(ts_tmpdir("config"), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_defaults(void **state)
{
    ge_config c;
    ge_config_defaults(&c);
    assert_int_equal(c.port, 8080);
    assert_int_equal(c.srid, 25832);
    assert_string_equal(c.bind, "127.0.0.1");
    assert_int_equal(c.max_body_bytes, 8u << 20);
    assert_int_equal(c.log_level, GE_LOG_INFO);
}

/* The base map file: beside a store file by default, nowhere for a
 * PostGIS store unless the basemap setting gives one, the setting when set. */
static void test_basemap_path(void **state)
{
    ge_config c;
    ge_err err;
    char path[PATH_MAX + 32];
    (void)state;
    ge_config_defaults(&c);
    ge_config_basemap_path(&c, path, sizeof path);
    assert_string_equal(path, "geoeditor.sqlite.basemap.mbtiles");
    assert_int_equal(ge_config_set(&c, "db", "/srv/city.sqlite", &err), GE_OK);
    ge_config_basemap_path(&c, path, sizeof path);
    assert_string_equal(path, "/srv/city.sqlite.basemap.mbtiles");
    assert_int_equal(ge_config_set(&c, "db", "postgresql://geo@db.example/city", &err), GE_OK);
    ge_config_basemap_path(&c, path, sizeof path);
    assert_string_equal(path, "");
    assert_int_equal(ge_config_set(&c, "basemap", "/srv/maps/city.mbtiles", &err), GE_OK);
    ge_config_basemap_path(&c, path, sizeof path);
    assert_string_equal(path, "/srv/maps/city.mbtiles");
    assert_int_equal(ge_config_set(&c, "db", "/srv/city.sqlite", &err), GE_OK);
    ge_config_basemap_path(&c, path, sizeof path);
    assert_string_equal(path, "/srv/maps/city.mbtiles");
}

static void test_set_values_and_sizes(void **state)
{
    ge_config c;
    ge_err err;
    ge_config_defaults(&c);
    assert_int_equal(ge_config_set(&c, "port", "9000", &err), GE_OK);
    assert_int_equal(c.port, 9000);
    assert_int_equal(ge_config_set(&c, "max_body", "2M", &err), GE_OK);
    assert_int_equal(c.max_body_bytes, 2u << 20);
    assert_int_equal(ge_config_set(&c, "max_header", "16KiB", &err), GE_OK);
    assert_int_equal(c.max_header_bytes, 16u << 10);
    assert_int_equal(ge_config_set(&c, "log_level", "warn", &err), GE_OK);
    assert_int_equal(c.log_level, GE_LOG_WARN);
}

static void test_bad_values_are_named(void **state)
{
    ge_config c;
    ge_err err;
    ge_config_defaults(&c);
    assert_int_equal(ge_config_set(&c, "prot", "1", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "unknown setting 'prot'"));
    assert_non_null(strstr(err.msg, "port"));
    assert_int_equal(ge_config_set(&c, "port", "80x", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "'80x' is not a whole number"));
    assert_int_equal(ge_config_set(&c, "port", "70000", &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "outside 0..65535"));
    assert_int_equal(ge_config_set(&c, "max_body", "12Q", &err), GE_EINVAL);
    assert_int_equal(ge_config_set(&c, "log_level", "loud", &err), GE_EINVAL);
    assert_int_equal(c.port, 8080); /* failed sets change nothing */
}

static void test_file(void **state)
{
    ge_config c;
    ge_err err;
    const char *p = write_file("ok.conf", "# comment\n\nport = 8181\n  db = \"/tmp/x y.sqlite\"\n"
                                          "srid=25833\n");
    ge_config_defaults(&c);
    assert_int_equal(ge_config_load_file(&c, p, &err), GE_OK);
    assert_int_equal(c.port, 8181);
    assert_int_equal(c.srid, 25833);
    assert_string_equal(c.db_path, "/tmp/x y.sqlite");
}

static void test_file_errors_name_line(void **state)
{
    ge_config c;
    ge_err err;
    const char *p = write_file("bad.conf", "port = 8181\nthreads four\n");
    ge_config_defaults(&c);
    assert_int_equal(ge_config_load_file(&c, p, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "bad.conf:2"));
    assert_non_null(strstr(err.msg, "expected 'key = value'"));

    p = write_file("unknown.conf", "colour = blue\n");
    assert_int_equal(ge_config_load_file(&c, p, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "unknown.conf:1: unknown setting 'colour'"));

    assert_int_equal(ge_config_load_file(&c, "/nonexistent/geoeditor.conf", &err), GE_EIO);
    assert_non_null(strstr(err.msg, "cannot read config file /nonexistent/geoeditor.conf"));
}

static void test_environment(void **state)
{
    ge_config c;
    ge_err err;
    ge_config_defaults(&c);
    setenv("GEOEDITOR_PORT", "9191", 1);
    setenv("GEOEDITOR_MAX_CONNECTIONS", "12", 1);
    assert_int_equal(ge_config_load_env(&c, &err), GE_OK);
    assert_int_equal(c.port, 9191);
    assert_int_equal(c.max_connections, 12);
    setenv("GEOEDITOR_PORT", "nope", 1);
    assert_int_equal(ge_config_load_env(&c, &err), GE_EINVAL);
    assert_non_null(strstr(err.msg, "GEOEDITOR_PORT"));
    unsetenv("GEOEDITOR_PORT");
    unsetenv("GEOEDITOR_MAX_CONNECTIONS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_basemap_path),
        cmocka_unit_test(test_set_values_and_sizes),
        cmocka_unit_test(test_bad_values_are_named),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_file_errors_name_line),
        cmocka_unit_test(test_environment),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
