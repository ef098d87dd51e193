/*
 * main.c - the geoeditor binary: dispatches to the subcommands (cli_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef GE_VERSION
#define GE_VERSION "dev"
#endif

typedef struct ge_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} ge_subcommand;

static const ge_subcommand ge_subcommands[] = {
    {"serve", ge_cli_serve, "run the HTTP server"},
    {"import", ge_cli_import, "import reference layers from OGR sources (OSM, GeoPackage, ...)"},
    {"layers", ge_cli_layers, "list the reference layers of a store"},
    {"client", ge_cli_client, "manage form-server clients and their API keys"},
    {"user", ge_cli_user, "manage caseworker and admin accounts"},
    {"purge", ge_cli_purge, "remove personal data of closed cases past retention"},
    {"webhooks", ge_cli_webhooks, "list webhook deliveries and retry failed ones"},
};

static void ge_main_help(FILE *out)
{
    fprintf(out, "Usage: geoeditor COMMAND [options]\n\n"
                 "geoEDITOR: the geo service behind municipal online application forms.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof ge_subcommands / sizeof ge_subcommands[0]; i++)
        fprintf(out, "  %-8s %s\n", ge_subcommands[i].name, ge_subcommands[i].summary);
    fprintf(out, "\nEvery command takes --config FILE and --db PATH; "
                 "'geoeditor COMMAND --help' tells more.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ge_main_help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        ge_main_help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("geoeditor %s\n", GE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof ge_subcommands / sizeof ge_subcommands[0]; i++)
        if (strcmp(argv[1], ge_subcommands[i].name) == 0)
            return ge_subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "geoeditor: unknown command '%s' (try 'geoeditor --help')\n", argv[1]);
    return 2;
}
