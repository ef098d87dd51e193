/*
 * test_cli_user.c - "geoeditor user add|passwd|disable|list" as an operator
 * meets it: the password comes from standard input (a pipe, or a terminal
 * with the echo off and asked twice), is never printed, logged or stored in
 * clear; a short or empty password, --password on the command line, an
 * unknown service or role and every other mistake are one clear line and a
 * non-zero exit that stores nothing; too common passwords and ones that
 * contain the user name are refused with exit status 1 and the reason (in
 * German under a German locale); list shows no hash; passwd ends the
 * user's sessions on a running server and only the new password works.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "ts_group.h"

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ts.h"
#include "ts_forms.h"
#include "ts_http.h"
#include "ts_run.h"
#include "ts_server.h"

#define PW "a long secret pass phrase"

static bool file_contains(const char *path, const char *needle)
{
    size_t len;
    char *b = ts_read_file(path, &len);
    bool found = ts_mem_contains(b, len, needle);
    free(b);
    return found;
}

/* Runs geoeditor with argv (argv[0] NULL) and stdin text; the result's
 * status, stdout and stderr. */
static void run(ts_run_result *r, const char *input, const char *const *argv)
{
    assert_int_equal(ts_run(r, input, argv), 0);
}

static void test_add_from_stdin(void **state)
{
    const char *dir = ts_tmpdir("cli_user_add");
    const char *db = ts_path(dir, "u.db");
    const char *add[] = {NULL,
                         "user",
                         "add",
                         "--db",
                         db,
                         "--name",
                         "m.mueller",
                         "--role",
                         "caseworker",
                         "--service",
                         "skip-container",
                         "--service",
                         "construction-access",
                         NULL};
    const char *admin[] = {NULL,     "user", "add",    "--db",  db,
                           "--name", "root", "--role", "admin", NULL};
    const char *list[] = {NULL, "user", "list", "--db", db, NULL};
    ts_run_result r;

    (void)state;
    run(&r, PW "\n", add);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "m.mueller"));
    assert_null(strstr(r.out, PW));
    assert_null(strstr(r.err, PW));
    ts_run_free(&r);
    /* CRLF line ends from a Windows editor are fine, and no line end at all. */
    run(&r, "another long pass phrase\r\n", admin);
    assert_int_equal(r.status, 0);
    ts_run_free(&r);

    run(&r, NULL, list);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "m.mueller"));
    assert_non_null(strstr(r.out, "[\"skip-container\",\"construction-access\"]"));
    assert_non_null(strstr(r.out, "root"));
    assert_non_null(strstr(r.out, "admin"));
    assert_non_null(strstr(r.out, "last login"));
    assert_null(strstr(r.out, "argon2"));
    assert_null(strstr(r.out, "$"));
    assert_null(strstr(r.out, PW));
    ts_run_free(&r);

    /* Stored only as an argon2id hash. */
    assert_false(file_contains(db, PW));
    assert_false(file_contains(ts_path(dir, "u.db-wal"), PW));
    assert_int_equal(ts_forms_sql_int(db,
                                      "SELECT count(*) FROM users WHERE password_hash LIKE"
                                      " '$argon2id$%'",
                                      NULL),
                     2);

    /* disable, then list says so */
    {
        const char *dis[] = {NULL, "user", "disable", "--db", db, "--name", "root", NULL};
        run(&r, NULL, dis);
        assert_int_equal(r.status, 0);
        ts_run_free(&r);
        run(&r, NULL, dis);
        assert_int_not_equal(r.status, 0);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "disabled already"));
        ts_run_free(&r);
    }
    run(&r, NULL, list);
    {
        const char *line = strstr(r.out, "root");
        assert_non_null(line);
        assert_non_null(strstr(line, "yes"));
    }
    ts_run_free(&r);
}

static void test_bad_input_one_line(void **state)
{
    const char *dir = ts_tmpdir("cli_user_bad");
    const char *db = ts_path(dir, "u.db");
    static const struct {
        const char *input;
        const char *args[10];
        const char *expect;
    } cases[] = {
        {"short\n",
         {"add", "--name", "a", "--role", "caseworker", "--service", "info-stand"},
         "too short"},
        {"elevenchars\n",
         {"add", "--name", "a", "--role", "caseworker", "--service", "info-stand"},
         "at least 12"},
        {"",
         {"add", "--name", "a", "--role", "caseworker", "--service", "info-stand"},
         "no password"},
        {"\n",
         {"add", "--name", "a", "--role", "caseworker", "--service", "info-stand"},
         "no password"},
        {PW "\n",
         {"add", "--name", "a", "--role", "caseworker", "--service", "info-stand", "--password",
          "visible secret"},
         "standard input"},
        {PW "\n",
         {"add", "--name", "a", "--role", "caseworker", "--service", "parking"},
         "'parking' is not a service"},
        {PW "\n", {"add", "--name", "a", "--role", "caseworker"}, "at least one --service"},
        {PW "\n",
         {"add", "--name", "a", "--role", "admin", "--service", "info-stand"},
         "no --service"},
        {PW "\n", {"add", "--name", "a", "--role", "boss"}, "--role"},
        {PW "\n", {"add", "--role", "admin"}, "--name"},
        {PW "\n", {"add", "--name", "", "--role", "admin"}, "--name"},
        {PW "\n", {"passwd", "--name", "nobody"}, "no such user"},
        {NULL, {"disable", "--name", "nobody"}, "no user 'nobody'"},
        {NULL, {"list", "--name", "x"}, "takes no"},
        {NULL, {"frobnicate"}, "unknown action"},
        {NULL, {"disable", "--name", "x", "--role", "admin"}, "takes no"},
    };
    ts_run_result r;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[16] = {NULL, "user"};
        size_t n = 2;
        argv[n++] = cases[i].args[0];
        argv[n++] = "--db";
        argv[n++] = db;
        for (size_t j = 1; j < 10 && cases[i].args[j]; j++)
            argv[n++] = cases[i].args[j];
        argv[n] = NULL;
        run(&r, cases[i].input, argv);
        if (r.status == 0 || ts_count_lines(r.err) != 1 || !strstr(r.err, cases[i].expect) ||
            strstr(r.err, PW) || strstr(r.err, "visible secret") || strstr(r.out, PW))
            fail_msg("case %zu: status %d, stderr: %s", i, r.status, r.err);
        ts_run_free(&r);
    }
    /* A name that is taken. */
    {
        const char *add[] = {NULL,     "user", "add",    "--db",  db,
                             "--name", "anna", "--role", "admin", NULL};
        run(&r, PW "\n", add);
        assert_int_equal(r.status, 0);
        ts_run_free(&r);
        run(&r, PW "\n", add);
        assert_int_not_equal(r.status, 0);
        assert_int_equal(ts_count_lines(r.err), 1);
        assert_non_null(strstr(r.err, "exists already"));
        ts_run_free(&r);
    }
    /* list does not create a store where there is none */
    {
        const char *missing = ts_path(dir, "missing.db");
        const char *argv[] = {NULL, "user", "list", "--db", missing, NULL};
        FILE *f;
        run(&r, NULL, argv);
        assert_int_not_equal(r.status, 0);
        ts_run_free(&r);
        f = fopen(missing, "r");
        assert_null(f);
        if (f) fclose(f);
    }
    /* Nothing was stored by the failures. */
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM users", NULL), 1);
}

/* user add with a password that must be refused: exit status 1, one line
 * on stderr with expect and without the password (unless it is the name
 * itself), nothing stored. */
static void refused(const char *db, const char *name, const char *pw, const char *expect)
{
    char input[256];
    const char *add[] = {NULL, "user", "add", "--db", db, "--name", name, "--role", "admin", NULL};
    ts_run_result r;

    snprintf(input, sizeof input, "%s\n", pw);
    run(&r, input, add);
    if (r.status != 1 || ts_count_lines(r.err) != 1 || !strstr(r.err, expect) ||
        (strstr(r.err, pw) && strcmp(pw, name) != 0) || strstr(r.out, pw))
        fail_msg("%s / %s: status %d, stderr: %s", name, pw, r.status, r.err);
    ts_run_free(&r);
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM users WHERE name = ?1", name), 0);
}

/* Issue 11: the most common passwords (zxcvbn's list of the 10,000 most
 * common ones and what is as easy to guess) and passwords that contain the
 * user name are refused, saying why, in English or German as the locale
 * asks; long random and passphrase passwords go through. */
static void test_password_policy(void **state)
{
    const char *dir = ts_tmpdir("cli_user_policy");
    const char *db = ts_path(dir, "u.db");
    static const char *const common[] = {
        "Password1234",     "iloveyou1234", "passwordpassword", "qwertzuiop123",
        "1qaz2wsx3edc",     "letmein12345", "123456789012",     "football2020",
        "trustno1trustno1", "Sommer2024!!", "aaaaaaaaaaaa",     "abcdefghijkl",
    };
    static const struct {
        const char *name, *pw, *part;
    } with_name[] = {
        {"berta", "Berta-2026-on-the-road", "'berta'"},
        {"berta", "my name is BERTA, see?", "'berta'"},
        {"m.mueller", "Mueller und Partner 7", "'mueller'"},
        {"anna schmidt", "schmidt family car 1999", "'schmidt'"},
        {"long-user-name-x", "long-user-name-x", "'long-user-name-x'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        refused(db, "berta", common[i], "too common");
    for (size_t i = 0; i < sizeof with_name / sizeof with_name[0]; i++) {
        char expect[128];
        snprintf(expect, sizeof expect, "contains the user name (%s)", with_name[i].part);
        refused(db, with_name[i].name, with_name[i].pw, expect);
    }
    /* German under a German locale. */
    setenv("LC_ALL", "de_DE.UTF-8", 1);
    refused(db, "berta", "Password1234", "das Passwort ist zu gebräuchlich");
    refused(db, "berta", "Berta-2026-on-the-road", "enthält den Benutzernamen ('berta')");
    refused(db, "berta", "x1y2z3", "das Passwort ist zu kurz (mindestens 12 Zeichen)");
    setenv("LC_ALL", "C", 1);
    /* A name of one or two letters is not looked for; the demo's random
     * passwords and passphrases pass. */
    {
        static const struct {
            const char *name, *pw;
        } ok[] = {{"al", "nothing in common, all right"},
                  {"berta", "z-gfRWJM5WTliFG_"},
                  {"demo-admin", "8tJnZ-6nJvZw9ych"},
                  {"m.mueller", "Rote Mulde am Markt 7"}};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
            const char *add[] = {NULL,     "user",     "add",    "--db",  db,
                                 "--name", ok[i].name, "--role", "admin", NULL};
            char input[128];
            ts_run_result r;
            snprintf(input, sizeof input, "%s\n", ok[i].pw);
            run(&r, input, add);
            if (r.status != 0) fail_msg("%s / %s: %s", ok[i].name, ok[i].pw, r.err);
            ts_run_free(&r);
        }
    }
    /* passwd refuses the same way and keeps the old password. */
    {
        const char *pw[] = {NULL, "user", "passwd", "--db", db, "--name", "berta", NULL};
        ts_run_result r;
        run(&r, "Berta2027berta!\n", pw);
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.err, "passwd: the password contains the user name"));
        ts_run_free(&r);
        run(&r, "iloveyou1234\n", pw);
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.err, "passwd: the password is too common"));
        ts_run_free(&r);
    }
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM users", NULL), 4);
}

/* Reads from the pty master until needle shows (appending to buf) or the
 * child closes it; false after 20 s. */
static bool pty_expect(int fd, char *buf, size_t cap, const char *needle)
{
    size_t len = strlen(buf);
    for (int waited = 0; waited < 20000;) {
        struct pollfd p = {fd, POLLIN, 0};
        int k = poll(&p, 1, 100);
        waited += 100;
        if (k > 0) {
            ssize_t n = read(fd, buf + len, cap - len - 1);
            if (n <= 0) return strstr(buf, needle) != NULL;
            len += (size_t)n;
            buf[len] = '\0';
        }
        if (strstr(buf, needle)) return true;
    }
    return false;
}

/* Runs "user add" on a terminal, typing first and second; the exit status
 * and everything the terminal showed. */
static int tty_add(const char *db, const char *name, const char *first, const char *second,
                   char *shown, size_t cap)
{
    int fd, st = -1;
    pid_t pid;

    shown[0] = '\0';
    pid = forkpty(&fd, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(ts_env("GE_BINARY"), "geoeditor", "user", "add", "--db", db, "--name", name, "--role",
              "admin", (char *)NULL);
        _exit(127);
    }
    if (pty_expect(fd, shown, cap, "New password: ")) {
        assert_int_equal(write(fd, first, strlen(first)), (ssize_t)strlen(first));
        assert_int_equal(write(fd, "\n", 1), 1);
        if (pty_expect(fd, shown, cap, "Repeat the password: ")) {
            assert_int_equal(write(fd, second, strlen(second)), (ssize_t)strlen(second));
            assert_int_equal(write(fd, "\n", 1), 1);
        }
    }
    pty_expect(fd, shown, cap, "\x01never\x01"); /* the rest, until the child closes */
    close(fd);
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_terminal_prompt(void **state)
{
    const char *dir = ts_tmpdir("cli_user_tty");
    const char *db = ts_path(dir, "u.db");
    char shown[8192];

    (void)state;
    /* Asked twice, the echo off: what was typed never shows. */
    assert_int_equal(tty_add(db, "tina", PW, PW, shown, sizeof shown), 0);
    assert_non_null(strstr(shown, "New password: "));
    assert_non_null(strstr(shown, "Repeat the password: "));
    assert_non_null(strstr(shown, "user 'tina' added"));
    assert_null(strstr(shown, PW));
    assert_null(strstr(shown, "secret pass"));
    /* A too common one is refused at once, without asking again. */
    assert_int_equal(tty_add(db, "tilda", "Password1234", "Password1234", shown, sizeof shown), 1);
    assert_non_null(strstr(shown, "too common"));
    assert_null(strstr(shown, "Repeat the password: "));
    /* Two different answers: nothing is stored. */
    assert_int_not_equal(tty_add(db, "tom", PW, PW "!", shown, sizeof shown), 0);
    assert_non_null(strstr(shown, "differ"));
    assert_null(strstr(shown, PW));
    assert_int_equal(ts_forms_sql_int(db, "SELECT count(*) FROM users", NULL), 1);
}

static long login(const ts_server *s, const char *name, const char *pw, char *cookie)
{
    char body[256];
    const char *headers[] = {"Content-Type: application/json", NULL};
    ts_http_req q = {.method = "POST", .headers = headers};
    ts_http_resp r;
    const char *sc;
    long st;

    snprintf(body, sizeof body, "{\"name\":\"%s\",\"password\":\"%s\"}", name, pw);
    q.url = ts_server_url(s, "/v1/login");
    q.body = body;
    q.body_len = strlen(body);
    assert_int_equal(ts_http(&q, &r), 0);
    st = r.status;
    sc = ts_http_header(&r, "Set-Cookie");
    if (cookie && sc) snprintf(cookie, 128, "%.*s", (int)strcspn(sc, ";"), sc);
    ts_http_resp_free(&r);
    return st;
}

static void test_passwd_ends_sessions(void **state)
{
    ts_server s;
    ts_run_result r;
    char cookie[128];
    ts_http_resp resp;

    (void)state;
    assert_int_equal(ts_server_start(&s, "cli_user_passwd", NULL), 0);
    {
        const char *add[] = {NULL,   "user",   "add",        "--db",      s.db,         "--name",
                             "paul", "--role", "caseworker", "--service", "info-stand", NULL};
        run(&r, PW "\n", add);
        assert_int_equal(r.status, 0);
        ts_run_free(&r);
    }
    assert_int_equal(login(&s, "paul", PW, cookie), 200);
    {
        const char *pw[] = {NULL, "user", "passwd", "--db", s.db, "--name", "paul", NULL};
        run(&r, "short\n", pw); /* refused: the old password stays */
        assert_int_not_equal(r.status, 0);
        ts_run_free(&r);
        run(&r, "a brand new pass phrase, 2027\n", pw);
        assert_int_equal(r.status, 0);
        assert_null(strstr(r.out, "brand new"));
        ts_run_free(&r);
    }
    {
        const char *headers[] = {NULL, NULL};
        char ch[160];
        ts_http_req q = {.url = ts_server_url(&s, "/v1/session"), .headers = headers};
        snprintf(ch, sizeof ch, "Cookie: %s", cookie);
        headers[0] = ch;
        assert_int_equal(ts_http(&q, &resp), 0);
        assert_int_equal(resp.status, 401);
        ts_http_resp_free(&resp);
    }
    assert_int_equal(login(&s, "paul", PW, NULL), 401);
    assert_int_equal(login(&s, "paul", "a brand new pass phrase, 2027", NULL), 200);
    {
        char *log = ts_server_log(&s);
        assert_null(strstr(log, PW));
        assert_null(strstr(log, "brand new"));
        free(log);
    }
    assert_int_equal(ts_server_stop(&s), 0);
}

int main(void)
{
    /* English messages whatever the machine's locale; German where asked. */
    setenv("LC_ALL", "C", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_from_stdin),       cmocka_unit_test(test_bad_input_one_line),
        cmocka_unit_test(test_terminal_prompt),      cmocka_unit_test(test_password_policy),
        cmocka_unit_test(test_passwd_ends_sessions),
    };
    return ts_exit(ts_run_group_tests(tests, NULL, NULL));
}
