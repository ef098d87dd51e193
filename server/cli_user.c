/*
 * cli_user.c - "geoeditor user add|passwd|disable|list": caseworker and
 * admin accounts of the review app.
 *
 * Passwords come from standard input, never from the command line, where
 * every user of the machine can read them with ps and the shell keeps them
 * in its history. On a terminal the password is asked for twice with the
 * echo switched off (termios); from a pipe the first line is the password,
 * so that provisioning scripts can say "printf '%s\n' "$pw" | geoeditor
 * user add ...". The password is kept in memory only as long as hashing
 * takes and wiped afterwards. A new password is refused (exit status 1, one
 * line on stderr saying why, German under a German locale) when it is too
 * short, contains the user name or is too common (ge_password_check).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "../geo/core/password.h"
#include "../geo/rules/service.h"
#include "../geo/store/store.h"
#include "../geo/store/store_users.h"
#include "cli.h"

static const char *const ge_user_settings[] = {"db", "srid", "data_dir", "log_level", NULL};
static const ge_cli_opt ge_user_opts[] = {
    {"name", "NAME", "add, passwd, disable: the user's login name", false},
    {"role", "ROLE", "add: caseworker (sees the cases of their --service) or admin (sees all)",
     false},
    {"service", "ID", "add: a service whose cases a caseworker reviews; repeat for several", true},
    {"password", "-", "refused: passwords are read from standard input", false},
    {0},
};

static const ge_cli_cmd ge_user_cmd = {
    .name = "user",
    .usage = "add --name N --role caseworker|admin [--service ID]... | passwd --name N | "
             "disable --name N | list",
    .summary = "Manage the accounts of caseworkers and admins.",
    .details = "  add      creates a user; the password is read from standard input\n"
               "  passwd   sets a new password (standard input) and ends the user's sessions\n"
               "  disable  stops a user from logging in and ends their sessions\n"
               "  list     shows name, role, services, disabled and last login; never hashes\n"
               "On a terminal the password is asked for twice without echo; otherwise the\n"
               "first line of standard input is the password. It must have at least 12\n"
               "characters, must not contain the user name (or a part of it of 3 or more\n"
               "letters, ignoring case) and must not be too common (zxcvbn's estimate:\n"
               "at least 10^8 guesses, beyond the 10,000 most common passwords, words,\n"
               "names, keyboard rows, years and repeats). LANG=de_DE.UTF-8: German messages.",
    .settings = ge_user_settings,
    .opts = ge_user_opts,
    .min_args = 1,
    .max_args = 1,
};

static bool ge_user_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 100 || name[0] == ' ' || name[len - 1] == ' ') return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return false;
    return true;
}

/* Reads one line from fd into buf without stdio buffering (nothing of the
 * password stays in a FILE buffer). Returns its length without the line end,
 * or -1 when the line does not fit (or on a read error). */
static long ge_user_read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    bool too_long = false;

    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || ch == '\n') break;
        if (n + 1 < cap)
            buf[n++] = ch;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r') n--;
    buf[n] = '\0';
    return too_long ? -1 : (long)n;
}

/* A terminal prompt on stderr with the echo off; the echo comes back even
 * when reading fails. */
static long ge_user_prompt(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    bool restore = false;
    long n;

    /* Echo off before the prompt shows: TCSAFLUSH drops what was typed
     * ahead with the echo on, and nothing typed after seeing the prompt. */
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    fputs(prompt, stderr);
    fflush(stderr);
    n = ge_user_read_line(STDIN_FILENO, buf, cap);
    if (restore) tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fputc('\n', stderr);
    return n;
}

/* One line on stderr saying why a new password was refused, in German
 * when the locale asks for it. */
static void ge_user_refuse(const char *action, ge_password_verdict v, const char *part)
{
    switch (v) {
    case GE_PASSWORD_TOO_LONG:
        ge_cli_fail(&ge_user_cmd,
                    GE_CLI_TR(DE("%s: das Passwort ist zu lang (höchstens %d Zeichen)"),
                              EN("%s: the password is too long (at most %d characters)")),
                    action, GE_PASSWORD_MAX);
        break;
    case GE_PASSWORD_TOO_SHORT:
        ge_cli_fail(&ge_user_cmd,
                    GE_CLI_TR(DE("%s: das Passwort ist zu kurz (mindestens %d Zeichen)"),
                              EN("%s: the password is too short (at least %d characters)")),
                    action, GE_PASSWORD_MIN);
        break;
    case GE_PASSWORD_HAS_NAME:
        ge_cli_fail(&ge_user_cmd,
                    GE_CLI_TR(DE("%s: das Passwort enthält den Benutzernamen ('%s'); wählen Sie "
                                 "eines ohne ihn"),
                              EN("%s: the password contains the user name ('%s'); choose one "
                                 "without it")),
                    action, part);
        break;
    case GE_PASSWORD_TOO_COMMON:
        ge_cli_fail(&ge_user_cmd,
                    GE_CLI_TR(DE("%s: das Passwort ist zu gebräuchlich: eines der häufigsten "
                                 "Passwörter oder ebenso leicht zu erraten (gängige Wörter und "
                                 "Namen, Tastaturreihen, Folgen, Jahreszahlen, Wiederholungen); "
                                 "wählen Sie ein längeres, z. B. aus mehreren unzusammenhängenden "
                                 "Wörtern"),
                              EN("%s: the password is too common: one of the most common "
                                 "passwords, or as easy to guess (common words and names, "
                                 "keyboard rows, sequences, years, repeats); choose a longer one, "
                                 "e.g. several unrelated words")),
                    action);
        break;
    case GE_PASSWORD_OK:
        break;
    }
}

/* The new password of name into pw (GE_PASSWORD_MAX + 2 bytes), checked
 * (ge_password_check). 0, or an exit status after one line on stderr. */
static int ge_user_read_password(const char *action, const char *name, char *pw, size_t cap)
{
    char again[GE_PASSWORD_MAX + 2], part[128];
    ge_password_verdict v = GE_PASSWORD_OK;
    long n;
    int rc = 1;

    part[0] = '\0';
    if (isatty(STDIN_FILENO)) {
        n = ge_user_prompt(GE_CLI_TR(DE("Neues Passwort: "), EN("New password: ")), pw, cap);
        if (n > 0) v = ge_password_check(pw, name, part, sizeof part);
        /* Asked again only for a password that would be taken. */
        if (n > 0 && v == GE_PASSWORD_OK) {
            long m =
                ge_user_prompt(GE_CLI_TR(DE("Passwort wiederholen: "), EN("Repeat the password: ")),
                               again, sizeof again);
            if (m != n || sodium_memcmp(pw, again, (size_t)n) != 0) {
                ge_cli_fail(&ge_user_cmd,
                            GE_CLI_TR(DE("%s: die beiden Passwörter sind verschieden; nichts wurde "
                                         "geändert"),
                                      EN("%s: the two passwords differ; nothing was changed")),
                            action);
                goto err;
            }
        }
    } else {
        n = ge_user_read_line(STDIN_FILENO, pw, cap);
        if (n > 0) v = ge_password_check(pw, name, part, sizeof part);
    }
    if (n < 0) v = GE_PASSWORD_TOO_LONG;
    if (n == 0) {
        ge_cli_fail(&ge_user_cmd,
                    GE_CLI_TR(DE("%s: kein Passwort auf der Standardeingabe (tippen Sie es, wenn "
                                 "danach gefragt wird, oder leiten Sie es ein: printf '%%s\\n' "
                                 "\"$PW\" | geoeditor user %s ...)"),
                              EN("%s: no password on standard input (type it when asked, or pipe "
                                 "it in: printf '%%s\\n' \"$PW\" | geoeditor user %s ...)")),
                    action, action);
        goto err;
    }
    if (v != GE_PASSWORD_OK) {
        ge_user_refuse(action, v, part);
        goto err;
    }
    rc = 0;
err:
    sodium_memzero(again, sizeof again);
    return rc;
}

/* Reads the password of name and hashes it into hash; 0 or an exit status. */
static int ge_user_new_hash(const char *action, const char *name, char hash[GE_PASSWORD_HASH_MAX])
{
    char pw[GE_PASSWORD_MAX + 2];
    ge_err err;
    int rc = ge_user_read_password(action, name, pw, sizeof pw);

    if (rc == 0 && ge_password_hash(pw, hash, &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "%s: %s", action, err.msg);
        rc = 1;
    }
    sodium_memzero(pw, sizeof pw);
    return rc;
}

/* The --service values as a JSON array text, each checked against the
 * services of data_dir; NULL after one line on stderr. */
static char *ge_user_services(const ge_cli *cli)
{
    char dir[PATH_MAX + 16];
    ge_services *ss = NULL;
    json_t *arr = json_array();
    char *text = NULL;
    ge_err err;

    snprintf(dir, sizeof dir, "%s/services", cli->cfg.data_dir);
    if (!arr) goto err;
    if (ge_services_load_dir(dir, &ss, &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "add: cannot read the services: %s", err.msg);
        goto err;
    }
    for (size_t i = 0;; i++) {
        const char *id = ge_cli_value_at(cli, "service", i);
        bool dup = false;
        if (!id) break;
        if (!ge_services_find(ss, id)) {
            char known[256] = "";
            for (size_t k = 0; k < ge_services_count(ss); k++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k ? ", " : "",
                         ge_services_at(ss, k)->id);
            ge_cli_fail(&ge_user_cmd, "add: --service '%.60s' is not a service (known: %s)", id,
                        known);
            goto err;
        }
        for (size_t k = 0; k < json_array_size(arr); k++)
            dup = dup || strcmp(json_string_value(json_array_get(arr, k)), id) == 0;
        if (!dup) json_array_append_new(arr, json_string(id));
    }
    text = json_dumps(arr, JSON_COMPACT);
err:
    json_decref(arr);
    ge_services_free(ss);
    return text;
}

static int ge_user_add(const ge_cli *cli, ge_store *st)
{
    const char *name = ge_cli_value(cli, "name"), *role = ge_cli_value(cli, "role");
    char hash[GE_PASSWORD_HASH_MAX];
    char *services = NULL;
    int64_t id = 0;
    ge_err err;
    int rc = 2;

    if (!role || (strcmp(role, GE_ROLE_CASEWORKER) && strcmp(role, GE_ROLE_ADMIN))) {
        ge_cli_fail(&ge_user_cmd, "add: --role must be caseworker or admin");
        goto err;
    }
    if (strcmp(role, GE_ROLE_CASEWORKER) == 0 && !ge_cli_value(cli, "service")) {
        ge_cli_fail(&ge_user_cmd, "add: a caseworker needs at least one --service (the cases "
                                  "they review)");
        goto err;
    }
    if (strcmp(role, GE_ROLE_ADMIN) == 0 && ge_cli_value(cli, "service")) {
        ge_cli_fail(&ge_user_cmd, "add: an admin sees every service; give no --service");
        goto err;
    }
    rc = 1;
    services = ge_user_services(cli);
    if (!services) goto err;
    rc = ge_user_new_hash("add", name, hash);
    if (rc != 0) goto err;
    if (ge_store_user_add(st, name, hash, role, services, ge_cli_now(), &id, &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "add: %s", err.msg);
        rc = 1;
        goto err;
    }
    printf("user '%s' added: role %s, services %s\n", name, role, services);
    rc = 0;
err:
    sodium_memzero(hash, sizeof hash);
    free(services);
    return rc;
}

static int ge_user_passwd(const char *name, ge_store *st)
{
    char hash[GE_PASSWORD_HASH_MAX];
    ge_user u;
    ge_err err;
    int rc;

    /* Ask for no password for a user who is not there. */
    rc = ge_store_user_credentials(st, name, &u, hash, &err);
    ge_user_clear(&u);
    if (rc < 0) {
        ge_cli_fail(&ge_user_cmd, "passwd: %s",
                    rc == GE_ENOENT ? "there is no such user (see 'geoeditor user list')"
                                    : err.msg);
        return 1;
    }
    rc = ge_user_new_hash("passwd", name, hash);
    if (rc == 0 && ge_store_user_set_password(st, name, hash, ge_cli_now(), &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "passwd: %s", err.msg);
        rc = 1;
    }
    if (rc == 0) printf("password of '%s' changed; their sessions have ended\n", name);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static int ge_user_disable(const char *name, ge_store *st)
{
    ge_err err;
    if (ge_store_user_disable(st, name, ge_cli_now(), &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "disable: %s", err.msg);
        return 1;
    }
    printf("user '%s' disabled; their sessions have ended\n", name);
    return 0;
}

static int ge_user_list(ge_store *st)
{
    ge_user *v = NULL;
    size_t n = 0;
    ge_err err;

    if (ge_store_user_list(st, &v, &n, &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "list: %s", err.msg);
        return 1;
    }
    printf("%-24s %-11s %-9s %-21s %s\n", "name", "role", "disabled", "last login", "services");
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-11s %-9s %-21s %s\n", v[i].name, v[i].role, v[i].disabled ? "yes" : "no",
               v[i].last_login_at[0] ? v[i].last_login_at : "-",
               strcmp(v[i].role, GE_ROLE_ADMIN) == 0 ? "(all)" : v[i].services_json);
    if (n == 0)
        printf("(no users: add one with 'geoeditor user add --name N --role caseworker "
               "--service ID')\n");
    ge_user_list_free(v, n);
    return 0;
}

int ge_cli_user(int argc, char **argv)
{
    ge_cli cli;
    bool stop;
    ge_err err;
    ge_store *store = NULL;
    const char *action, *name;
    int rc = ge_cli_parse(&ge_user_cmd, argc, argv, &cli, &stop);

    if (stop) return rc;
    action = cli.args[0];
    name = ge_cli_value(&cli, "name");
    if (ge_cli_value(&cli, "password")) {
        ge_cli_fail(&ge_user_cmd,
                    "%s: --password is not accepted (the command line is visible "
                    "to every user of the machine); give the password on standard "
                    "input",
                    action);
        return 2;
    }
    if (strcmp(action, "add") && strcmp(action, "passwd") && strcmp(action, "disable") &&
        strcmp(action, "list")) {
        ge_cli_fail(&ge_user_cmd, "unknown action '%.40s' (add, passwd, disable or list)", action);
        return 2;
    }
    if (strcmp(action, "list") == 0 && cli.nvalues > 0) {
        ge_cli_fail(&ge_user_cmd, "list takes no --name, --role or --service");
        return 2;
    }
    if (strcmp(action, "list") != 0 && !name) {
        ge_cli_fail(&ge_user_cmd, "%s: --name is required", action);
        return 2;
    }
    if (name && !ge_user_name_ok(name)) {
        ge_cli_fail(&ge_user_cmd,
                    "%s: --name must be 1 to 100 characters without control "
                    "characters or spaces at either end",
                    action);
        return 2;
    }
    if (strcmp(action, "add") != 0 &&
        (ge_cli_value(&cli, "role") || ge_cli_value(&cli, "service"))) {
        ge_cli_fail(&ge_user_cmd, "%s takes no --role or --service", action);
        return 2;
    }
    /* list only reads: it must not create a store where none is */
    ge_store_opts so = {
        .path = cli.cfg.db_path, .srid = cli.cfg.srid, .readonly = strcmp(action, "list") == 0};
    if (ge_store_open(&store, &so, &err) < 0) {
        ge_cli_fail(&ge_user_cmd, "%s", err.msg);
        return 1;
    }
    if (strcmp(action, "add") == 0)
        rc = ge_user_add(&cli, store);
    else if (strcmp(action, "passwd") == 0)
        rc = ge_user_passwd(name, store);
    else if (strcmp(action, "disable") == 0)
        rc = ge_user_disable(name, store);
    else
        rc = ge_user_list(store);
    ge_store_close(store);
    return rc;
}
