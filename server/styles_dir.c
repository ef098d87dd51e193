/*
 * styles_dir.c - the folder of the style documents (see styles_dir.h).
 */
#include "styles_dir.h"

#include <stdio.h>
#include <string.h>

void ge_styles_dir(const ge_config *cfg, char *out, size_t size)
{
    size_t n = strlen(cfg->data_dir);
    /* "data/" and "data" name the same folder; its sibling is wanted. */
    while (n > 1 && cfg->data_dir[n - 1] == '/')
        n--;
    snprintf(out, size, "%.*s/../styles", (int)n, cfg->data_dir);
}
