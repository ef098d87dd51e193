/*
 * styles_dir.h - where the server finds the MapLibre style documents: the
 * styles/ folder beside the configured data folder (<data_dir>/../styles),
 * which is how both the source tree and an installation lay them out. The
 * style handlers and the static map handlers read them from there.
 */
#ifndef GE_STYLES_DIR_H
#define GE_STYLES_DIR_H

#include <stddef.h>

#include "config.h"

void ge_styles_dir(const ge_config *cfg, char *out, size_t size);

#endif
