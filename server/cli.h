/*
 * cli.h - command-line parsing shared by the subcommands.
 *
 * Every subcommand takes --config FILE and the settings flags (--db PATH, ...)
 * in the same way: defaults, then the config file, then GEOEDITOR_* variables,
 * then flags. A subcommand adds its own options through a small table; an
 * unknown option is one clear line and exit status 2.
 */
#ifndef GE_CLI_H
#define GE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../geo/core/text.h"
#include "config.h"

typedef struct ge_cli_opt {
    const char *name; /* long option without dashes, e.g. "mapping" */
    const char *arg;  /* argument name for help ("FILE"), NULL for a switch */
    const char *help;
    bool repeat; /* may be given several times */
} ge_cli_opt;

typedef struct ge_cli_cmd {
    const char *name;            /* "import" */
    const char *usage;           /* "[options] SOURCE..." */
    const char *summary;         /* one line */
    const char *details;         /* more text for --help, or NULL */
    const char *const *settings; /* config keys accepted as flags; NULL = all */
    const ge_cli_opt *opts;      /* the subcommand's own options, ending with {0} */
    size_t min_args, max_args;   /* positional arguments */
} ge_cli_cmd;

#define GE_CLI_MAX_VALUES 64

typedef struct ge_cli {
    ge_config cfg;
    const char *args[GE_CLI_MAX_VALUES]; /* positional */
    size_t nargs;
    const char *values[GE_CLI_MAX_VALUES]; /* own options in the order given */
    const char *value_names[GE_CLI_MAX_VALUES];
    size_t nvalues;
} ge_cli;

/*
 * Parses argv (argv[0] is the subcommand name). Returns 0 to go on, or an exit
 * status (0 after --help, 2 on a usage error, 1 on an unreadable config file)
 * with *stop set to true.
 */
int ge_cli_parse(const ge_cli_cmd *cmd, int argc, char **argv, ge_cli *cli, bool *stop);

/* The last value of an own option, or NULL. */
const char *ge_cli_value(const ge_cli *cli, const char *name);

/* The n-th value of a repeatable own option (n from 0), or NULL. */
const char *ge_cli_value_at(const ge_cli *cli, const char *name, size_t n);

bool ge_cli_flag(const ge_cli *cli, const char *name);

/* Prints "geoeditor CMD: message" on stderr. */
void ge_cli_fail(const ge_cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Does the locale ask for German? The first of LC_ALL, LC_MESSAGES and
 * LANG that is set and not empty decides (POSIX order): "de", "de_DE.UTF-8"
 * and the like. For the messages that people setting passwords read. */
bool ge_cli_german(void);

/* Now, by the product's clock (geo/app/app.h): the real time, or the test
 * clock the environment names in test builds (test_clock.h). */
time_t ge_cli_now(void);

/* The German or the English text of a labelled pair, as the locale asks:
 * GE_CLI_TR(DE("..."), EN("...")); literals stay literals, so a format stays
 * checked (geo/core/text.h). */
#define GE_CLI_TR(de, en) GE_PICK(ge_cli_german(), de, en)

/* The subcommands (cli_*.c). */
int ge_cli_serve(int argc, char **argv);
int ge_cli_import(int argc, char **argv);
int ge_cli_layers(int argc, char **argv);
int ge_cli_client(int argc, char **argv);
int ge_cli_user(int argc, char **argv);
int ge_cli_purge(int argc, char **argv);
int ge_cli_webhooks(int argc, char **argv);

#endif
