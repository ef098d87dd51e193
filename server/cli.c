/*
 * cli.c - the option parser every subcommand uses (see cli.h).
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "test_clock.h"

static bool ge_cli_setting_allowed(const ge_cli_cmd *cmd, const char *key)
{
    if (!cmd->settings) return true;
    for (const char *const *s = cmd->settings; *s; s++)
        if (strcmp(*s, key) == 0) return true;
    return false;
}

static const ge_cli_opt *ge_cli_find_opt(const ge_cli_cmd *cmd, const char *name)
{
    for (const ge_cli_opt *o = cmd->opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

void ge_cli_fail(const ge_cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "geoeditor %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

bool ge_cli_german(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && v[0])
            return strncmp(v, "de", 2) == 0 &&
                   (v[2] == '\0' || v[2] == '_' || v[2] == '.' || v[2] == '@');
    }
    return false;
}

time_t ge_cli_now(void)
{
    ge_app app = {0};
    ge_test_clock_install(&app.clock, &app.clock_ud);
    return ge_app_now(&app);
}

static void ge_cli_help(const ge_cli_cmd *cmd)
{
    printf("Usage: geoeditor %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->details) printf("\n%s\n", cmd->details);
    printf("\nOptions:\n");
    for (const ge_cli_opt *o = cmd->opts; o && o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-22s %s%s\n", left, o->help, o->repeat ? " (repeatable)" : "");
    }
    printf("  %-22s %s\n", "--config FILE", "read settings from FILE (key = value lines)");
    printf("  %-22s %s\n", "-h, --help", "show this help");
    printf("\nSettings (flag, environment variable, config file key):\n");
    ge_config_print_help_filtered(stdout, cmd->settings);
}

/* "--max-body" -> "max_body" */
static void ge_cli_flag_to_key(const char *flag, char *key, size_t size)
{
    snprintf(key, size, "%s", flag);
    for (char *p = key; *p; p++)
        if (*p == '-') *p = '_';
}

int ge_cli_parse(const ge_cli_cmd *cmd, int argc, char **argv, ge_cli *cli, bool *stop)
{
    const char *config_path = getenv("GEOEDITOR_CONFIG");
    ge_err err;

    memset(cli, 0, sizeof *cli);
    *stop = true;
    ge_config_defaults(&cli->cfg);

    /* First pass: --help and --config, which decide what the rest means. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            ge_cli_help(cmd);
            return 0;
        }
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) {
                ge_cli_fail(cmd, "option '--config' needs a FILE");
                return 2;
            }
            config_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config_path = argv[i] + 9;
        }
    }
    if (config_path && ge_config_load_file(&cli->cfg, config_path, &err) < 0) {
        ge_cli_fail(cmd, "%s", err.msg);
        return 1;
    }
    if (ge_config_load_env(&cli->cfg, &err) < 0) {
        ge_cli_fail(cmd, "%s", err.msg);
        return 2;
    }

    /* Second pass: flags and positional arguments, in order. */
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char name[128], key[128];
        const char *value = NULL;
        const ge_cli_opt *opt;

        if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
            if (cli->nargs >= GE_CLI_MAX_VALUES || cli->nargs >= cmd->max_args) {
                ge_cli_fail(cmd, "unexpected argument '%s' (try 'geoeditor %s --help')", a,
                            cmd->name);
                return 2;
            }
            cli->args[cli->nargs++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            ge_cli_fail(cmd, "unknown option '%s' (try 'geoeditor %s --help')", a, cmd->name);
            return 2;
        }
        snprintf(name, sizeof name, "%s", a + 2);
        char *eq = strchr(name, '=');
        if (eq) {
            *eq = '\0';
            value = a + 2 + (eq - name) + 1;
        }
        if (strcmp(name, "config") == 0) {
            if (!value) i++;
            continue;
        }
        opt = ge_cli_find_opt(cmd, name);
        ge_cli_flag_to_key(name, key, sizeof key);
        if (!opt && !(ge_cli_setting_allowed(cmd, key) && ge_config_has_key(key))) {
            ge_cli_fail(cmd, "unknown option '--%s' (try 'geoeditor %s --help')", name, cmd->name);
            return 2;
        }
        bool wants_arg = !opt || opt->arg;
        if (wants_arg && !value) {
            if (i + 1 >= argc) {
                ge_cli_fail(cmd, "option '--%s' needs a value", name);
                return 2;
            }
            value = argv[++i];
        } else if (!wants_arg && value) {
            ge_cli_fail(cmd, "option '--%s' takes no value", name);
            return 2;
        }
        if (opt) {
            if (cli->nvalues >= GE_CLI_MAX_VALUES) {
                ge_cli_fail(cmd, "too many options");
                return 2;
            }
            if (!opt->repeat && ge_cli_value(cli, opt->name)) {
                ge_cli_fail(cmd, "option '--%s' given twice", name);
                return 2;
            }
            cli->value_names[cli->nvalues] = opt->name;
            cli->values[cli->nvalues++] = value ? value : "";
        } else if (ge_config_set(&cli->cfg, key, value, &err) < 0) {
            ge_cli_fail(cmd, "--%s: %s", name, err.msg);
            return 2;
        }
    }
    if (cli->nargs < cmd->min_args) {
        ge_cli_fail(cmd, "missing argument (usage: geoeditor %s %s)", cmd->name, cmd->usage);
        return 2;
    }
    ge_log_set_level(cli->cfg.log_level);
    *stop = false;
    return 0;
}

const char *ge_cli_value_at(const ge_cli *cli, const char *name, size_t n)
{
    for (size_t i = 0; i < cli->nvalues; i++)
        if (strcmp(cli->value_names[i], name) == 0 && n-- == 0) return cli->values[i];
    return NULL;
}

const char *ge_cli_value(const ge_cli *cli, const char *name)
{
    const char *last = NULL;
    for (size_t i = 0; i < cli->nvalues; i++)
        if (strcmp(cli->value_names[i], name) == 0) last = cli->values[i];
    return last;
}

bool ge_cli_flag(const ge_cli *cli, const char *name)
{
    return ge_cli_value(cli, name) != NULL;
}
