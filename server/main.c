/*
 * main.c - the geoeditor binary: dispatches to the subcommands.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "geoeditor: not yet\n");
    return 2;
}
