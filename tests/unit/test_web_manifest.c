/*
 * test_web_manifest.c - vite's build manifest as the server reads it
 * (server/web_manifest.h): an entry's script, its own stylesheet and its
 * chunks' stylesheets; nothing without a web root, a manifest or the entry;
 * an unreadable manifest finds nothing; a rebuilt front end (a new manifest)
 * is picked up without a new object.
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
#include <time.h>

#include "ts.h"
#include "web_manifest.h"

static void write_manifest(const char *root, const char *text)
{
    char dir[4200], path[4300];
    FILE *f;
    snprintf(dir, sizeof dir, "%s/.vite", root);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char manifest_v1[] =
    "{\"_MVT-A1b2C3d4.js\": {\"file\": \"assets/MVT-A1b2C3d4.js\", \"css\": "
    "[\"assets/MVT-c_1sG1-7.css\"]},"
    " \"_src-jamxezI8.js\": {\"file\": \"assets/src-jamxezI8.js\", \"imports\": "
    "[\"_MVT-A1b2C3d4.js\"]},"
    " \"src/ogc/main.js\": {\"file\": \"assets/ogc-IN6GvuKY.js\", \"isEntry\": true, "
    "\"imports\": [\"_MVT-A1b2C3d4.js\", \"_src-jamxezI8.js\"], \"css\": "
    "[\"assets/ogc-DPXOrkYE.css\"]},"
    " \"edit.html\": {\"file\": \"assets/edit-GNZ_7RD0.js\"}}";

static void test_entry(void **state)
{
    char root[4096];
    ge_web_manifest *m;
    ge_web_entry e;
    (void)state;

    snprintf(root, sizeof root, "%s", ts_tmpdir("web_manifest"));
    m = ge_web_manifest_new(root);
    assert_non_null(m);
    /* no manifest yet */
    assert_false(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    assert_string_equal(e.js, "");

    write_manifest(root, manifest_v1);
    assert_true(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    assert_string_equal(e.js, "assets/ogc-IN6GvuKY.js");
    assert_string_equal(e.css, "assets/ogc-DPXOrkYE.css");
    assert_int_equal(e.n_chunk_css, 1);
    assert_string_equal(e.chunk_css[0], "assets/MVT-c_1sG1-7.css");
    /* an entry without stylesheets, and one that is not there */
    assert_true(ge_web_manifest_entry(m, "edit.html", &e));
    assert_string_equal(e.js, "assets/edit-GNZ_7RD0.js");
    assert_string_equal(e.css, "");
    assert_int_equal(e.n_chunk_css, 0);
    assert_false(ge_web_manifest_entry(m, "src/nothing.js", &e));

    /* a rebuild: new names, read without a new object (the size differs) */
    write_manifest(root, "{\"src/ogc/main.js\": {\"file\": \"assets/ogc-Zz9Yy8Xx7.js\", \"css\": "
                         "[\"assets/ogc-Qq1Ww2Ee.css\"]}}");
    assert_true(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    assert_string_equal(e.js, "assets/ogc-Zz9Yy8Xx7.js");
    assert_string_equal(e.css, "assets/ogc-Qq1Ww2Ee.css");

    /* a broken manifest finds nothing; removing it too */
    write_manifest(root, "{\"src/ogc/main.js\": ");
    assert_false(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    remove(ts_path(root, ".vite/manifest.json"));
    assert_false(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    ge_web_manifest_free(m);
}

static void test_no_web_root(void **state)
{
    ge_web_entry e;
    ge_web_manifest *m = ge_web_manifest_new("/nonexistent/web/dist");
    (void)state;
    assert_non_null(m);
    assert_false(ge_web_manifest_entry(m, "src/ogc/main.js", &e));
    ge_web_manifest_free(m);
    assert_false(ge_web_manifest_entry(NULL, "src/ogc/main.js", &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry),
        cmocka_unit_test(test_no_web_root),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
