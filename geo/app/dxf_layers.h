/*
 * dxf_layers.h - the DXF layer names of an export's cases: each case's
 * features go on a layer named by its reference, cleaned to what every CAD
 * program takes as a layer name, and unique in the file.
 *
 * Cleaning keeps ASCII letters, digits, '-' and '_'; German umlauts and
 * sharp s become ae, oe, ue, ss (Ä -> Ae); every other run of characters
 * becomes one '_'; leading and trailing '_' go; at most 64 bytes. What is
 * left of an empty reference (a purged case, one without) is "case_" and
 * the first 8 characters of the case id. "0" and "Defpoints" are layers
 * CAD programs treat specially: they get a "ref_" in front.
 *
 * Layer names compare without case in DXF: a name another case already has
 * (EXP-1 and exp 1) gets "_" and the first 8 characters of the case id,
 * then "_2", "_3" ... until it is free. The same case always gets the same
 * name within one table, also when its features do not come in a row.
 */
#ifndef GE_DXF_LAYERS_H
#define GE_DXF_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#define GE_DXF_LAYER_MAX 64

typedef struct ge_dxf_layers ge_dxf_layers;

/* NULL when out of memory. */
ge_dxf_layers *ge_dxf_layers_new(void);
void ge_dxf_layers_free(ge_dxf_layers *t);

/* reference (NULL: none) cleaned into out (at least GE_DXF_LAYER_MAX + 1
 * bytes); "" when nothing is left. */
void ge_dxf_layer_clean(const char *reference, char *out, size_t size);

/* The layer of case case_id with that reference: its name so far, or a
 * new unique one (*is_new true). Valid until the table is freed; NULL when
 * out of memory. */
const char *ge_dxf_layers_get(ge_dxf_layers *t, const char *case_id, const char *reference,
                              bool *is_new);

#endif
