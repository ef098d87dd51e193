/*
 * siteplan.c - ge_siteplan_pdf: the A4 site plan of a case (siteplan.h).
 * The title block is set first, line by line, with the location sentence
 * wrapped at word boundaries; the map takes the rest of the sheet down to
 * the footer and is drawn by staticmap.c into a clipped box of the same
 * cairo context (one device unit is one point: dpi 72).
 */
#include "siteplan.h"

#include <cairo-pdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define GE_SP_FONT "DejaVu Sans"

/* cairo's PDF stream into a ge_buf. */
static cairo_status_t ge_sp_write(void *ud, const unsigned char *data, unsigned int len)
{
    return ge_buf_put(ud, data, len) < 0 ? CAIRO_STATUS_NO_MEMORY : CAIRO_STATUS_SUCCESS;
}

static void ge_sp_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(cr, GE_SP_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Sets text from x at baseline y, wrapped at spaces to width; returns the
 * baseline after the last line. */
static double ge_sp_wrapped(cairo_t *cr, const char *text, double x, double y, double width,
                            double leading)
{
    char line[1024];
    const char *p = text;

    while (*p) {
        size_t best = 0, n = 0;
        /* the longest run of whole words that fits (at least one word) */
        while (p[n]) {
            cairo_text_extents_t te;
            size_t m = n;
            while (p[m] == ' ')
                m++;
            while (p[m] && p[m] != ' ')
                m++;
            if (m >= sizeof line) break;
            memcpy(line, p, m);
            line[m] = '\0';
            cairo_text_extents(cr, line, &te);
            if (best && te.x_advance > width) break;
            best = m;
            n = m;
        }
        if (!best) best = strlen(p) < sizeof line ? strlen(p) : sizeof line - 1;
        memcpy(line, p, best);
        line[best] = '\0';
        cairo_move_to(cr, x, y);
        cairo_show_text(cr, line);
        p += best;
        while (*p == ' ')
            p++;
        if (*p) y += leading;
    }
    return y;
}

int ge_siteplan_pdf(const ge_siteplan *p, const ge_staticmap_opts *map, ge_staticmap_result *mr,
                    unsigned char **pdf, size_t *len, ge_err *err)
{
    const double W = GE_SITEPLAN_WIDTH_PT, H = GE_SITEPLAN_HEIGHT_PT, M = GE_SITEPLAN_MARGIN_PT;
    const double inner = W - 2 * M, label_w = 110;
    ge_buf buf = {0};
    cairo_surface_t *surface;
    cairo_t *cr;
    ge_staticmap_opts o = *map;
    double y, map_top, map_bottom;
    int rc = GE_OK;

    *pdf = NULL;
    *len = 0;
    memset(mr, 0, sizeof *mr);
    surface = cairo_pdf_surface_create_for_stream(ge_sp_write, &buf, W, H);
    cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
    if (p->pdf_title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, p->pdf_title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "geoEDITOR");
    cr = cairo_create(surface);

    /* title block */
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    ge_sp_font(cr, 18, true);
    y = M + 18;
    cairo_move_to(cr, M, y);
    cairo_show_text(cr, p->heading ? p->heading : "");
    if (p->subtitle && *p->subtitle) {
        ge_sp_font(cr, 12, false);
        y += 18;
        cairo_move_to(cr, M, y);
        cairo_show_text(cr, p->subtitle);
    }
    y += 8;
    cairo_move_to(cr, M, y);
    cairo_line_to(cr, W - M, y);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
    y += 4;
    for (size_t i = 0; i < p->nrows; i++) {
        const char *v = p->rows[i].value && *p->rows[i].value ? p->rows[i].value : "-";
        y += 14;
        ge_sp_font(cr, 9.5, true);
        cairo_move_to(cr, M, y);
        cairo_show_text(cr, p->rows[i].label ? p->rows[i].label : "");
        ge_sp_font(cr, 9.5, false);
        y = ge_sp_wrapped(cr, v, M + label_w, y, inner - label_w, 12.5);
    }
    map_top = y + 12;
    map_bottom = H - M - 14;

    /* the map */
    o.width = (int)floor(inner);
    o.height = (int)floor(map_bottom - map_top);
    o.dpi = 72;
    o.target = cr;
    cairo_save(cr);
    cairo_translate(cr, M, map_top);
    rc = ge_staticmap_render(&o, mr, err);
    cairo_restore(cr);
    if (rc < 0) goto done;
    cairo_rectangle(cr, M, map_top, o.width, o.height);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);

    /* footer */
    if (p->footer) {
        ge_sp_font(cr, 8, false);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_move_to(cr, M, H - M);
        cairo_show_text(cr, p->footer);
    }
    cairo_show_page(cr);

done:
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (rc == GE_OK && (buf.failed || cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS))
        rc = ge_err_set(err, buf.failed ? GE_ENOMEM : GE_EINTERNAL, "site plan: cairo: %s",
                        cairo_status_to_string(cairo_surface_status(surface)));
    cairo_surface_destroy(surface);
    if (rc < 0) {
        free(buf.data);
        return rc;
    }
    *pdf = (unsigned char *)ge_buf_steal(&buf, len);
    return GE_OK;
}
