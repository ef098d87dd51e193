/*
 * siteplan.h - the site plan (Lageplan) of a case as an A4 portrait PDF,
 * drawn with cairo's PDF surface: a title block (heading, subtitle, rows of
 * label and value: reference, case, period, status, location), below it
 * the map (staticmap.h) at a standard scale (mapscale.h) with street
 * names, house numbers, legend, north arrow, scale bar with the ratio,
 * attribution and the reference data's date, and a footer line. Text is
 * set in DejaVu Sans and embedded, so that it can be searched and copied
 * (pdftotext). The caller gives every text in the language wanted; nothing
 * here knows HTTP or languages.
 */
#ifndef GE_SITEPLAN_H
#define GE_SITEPLAN_H

#include <stddef.h>

#include "error.h"
#include "staticmap.h"

/* The sheet: A4 portrait in points (1/72 inch), 15 mm margins. */
#define GE_SITEPLAN_WIDTH_PT  595.2756
#define GE_SITEPLAN_HEIGHT_PT 841.8898
#define GE_SITEPLAN_MARGIN_PT 42.5197

typedef struct ge_siteplan_row {
    const char *label, *value; /* UTF-8; a NULL or empty value prints "-" */
} ge_siteplan_row;

typedef struct ge_siteplan {
    const char *heading;  /* "Lageplan" */
    const char *subtitle; /* the service's title */
    const ge_siteplan_row *rows;
    size_t nrows;
    const char *footer;    /* e.g. "Erstellt am 07.12.2026 mit geoEDITOR"; may be NULL */
    const char *pdf_title; /* the document's metadata title; may be NULL */
} ge_siteplan;

/* Renders the sheet. map holds what the map shows (styles, features,
 * legend, store ...); its size, dpi and target are set here, its
 * scale_denominator kept (GE_STATICMAP_SCALE_AUTO or 250, 500, 1000).
 * *pdf is malloc'd; mr says where the map lies (extent, scale). */
int ge_siteplan_pdf(const ge_siteplan *p, const ge_staticmap_opts *map, ge_staticmap_result *mr,
                    unsigned char **pdf, size_t *len, ge_err *err);

#endif
