/*
 * staticmap.h - a map image (PNG) of a few drawn features over the base
 * map, rendered on the server with cairo: for the PDF receipt of an
 * application and the editor's print button.
 *
 * The map is drawn in the store's metric CRS (EPSG:25832/25833), not in Web
 * Mercator: at a receipt's scale the metric grid is true to scale in every
 * direction, so the scale bar is exact everywhere on the sheet (Web
 * Mercator at 52 N would stretch it by 1/cos(52) = 1.62 and vary it with
 * latitude), and it is the CRS the rules measured in. Its grid north differs
 * from true north by the meridian convergence (about 3 degrees in Berlin in
 * zone 32), which the north arrow shows.
 *
 * What is drawn, and in which colours and widths, comes from the MapLibre
 * style documents (mapstyle.h), applied in order: the base map and overlays
 * read their features from the store's reference layers (a vector source's
 * source-layer names the store layer; the base map's renamed layers are
 * mapped back), the caller's features fill the GeoJSON source named
 * features_source. Street names and house numbers, which the styles leave to
 * the renderer (they have no glyphs), are set here with DejaVu Sans.
 * Widths, radii and fonts are CSS pixels scaled by dpi / 96, so an A4 print
 * at 150 DPI is as sharp as the screen map.
 */
#ifndef GE_STATICMAP_H
#define GE_STATICMAP_H

#include <cairo.h>
#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

#define GE_STATICMAP_MIN_SIDE   64
#define GE_STATICMAP_MAX_SIDE   4096
#define GE_STATICMAP_MAX_PIXELS (2480L * 3508L) /* an A4 page at 300 DPI */
#define GE_STATICMAP_MIN_DPI    72
#define GE_STATICMAP_MAX_DPI    300

typedef struct ge_staticmap_feature {
    const GEOSGeometry *geom; /* in the store CRS */
    const json_t *props;      /* what the style's filters and matches read */
} ge_staticmap_feature;

/* A legend line: a swatch drawn with every style layer of `source` whose
 * filter passes props and geometry_type, and a label. Entries of a
 * reference source appear only when the map drew a feature of that source. */
typedef struct ge_staticmap_legend {
    const char *source;        /* style source id: "features", "hydrants", ... */
    const char *geometry_type; /* "Point", "LineString" or "Polygon" */
    const json_t *props;       /* may be NULL */
    const char *label;         /* UTF-8 */
} ge_staticmap_legend;

typedef struct ge_staticmap_opts {
    int width, height;           /* pixels */
    double dpi;                  /* 96: one CSS pixel per pixel */
    ge_store *store;             /* reference layers; NULL: no base map */
    int srid;                    /* the CRS of the features (the store's when store is set) */
    const json_t *const *styles; /* drawn in this order */
    size_t nstyles;
    const char *features_source; /* the GeoJSON source the features fill */
    const ge_staticmap_feature *features;
    size_t nfeatures;
    const ge_staticmap_legend *legend;
    size_t nlegend;
    const char *attribution; /* NULL: the attributions of the store layers drawn */
    double min_extent_m;     /* smallest map side in metres (0: 160) */
    /* The scale: 0 frames the features (min_extent_m); n > 0 draws at 1:n
     * (one device unit is 1/dpi inch), centred on the features;
     * GE_STATICMAP_SCALE_AUTO the standard scale mapscale.h chooses. The
     * scale bar then also prints the ratio. */
    int scale_denominator;
    const char *title;           /* a title band across the top; NULL: none */
    const char *data_date_label; /* "Datenstand": the reference data's date
                                    after the attribution; NULL: none */
    bool german_dates;           /* that date as 01.12.2026, not 2026-12-01 */
    bool german_credits;         /* the store layers' credits in German (credit.h) */
    /* Draw into this context instead of making a PNG: the map fills
     * 0,0 .. width,height of its user space (clipped), e.g. a box on a PDF
     * page (dpi 72: points). The result's png stays NULL. */
    cairo_t *target;
} ge_staticmap_opts;

#define GE_STATICMAP_SCALE_AUTO (-1)

typedef struct ge_staticmap_box {
    double x, y, w, h; /* pixels from the top left */
} ge_staticmap_box;

typedef struct ge_staticmap_result {
    unsigned char *png; /* malloc'd */
    size_t png_len;
    double extent[4];  /* the map frame in the store CRS: minx, miny, maxx, maxy */
    double resolution; /* metres per pixel */
    double zoom;       /* the Web Mercator zoom the styles were evaluated at */
    double north_deg;  /* true north, clockwise from the image's up */
    ge_staticmap_box map, attribution, legend, scalebar, north;
    char attribution_text[320];
    int scale_denominator; /* the map's 1:n; 0 when framed freely */
    char data_date[16];    /* the newest import of the layers drawn, YYYY-MM-DD */
    size_t drawn;          /* reference features drawn */
} ge_staticmap_result;

/* Checks size and DPI: GE_EINVAL / GE_ELIMIT naming the value and limit. */
int ge_staticmap_check(int width, int height, double dpi, ge_err *err);

/* Renders the map. Features must not be empty (their extent frames the map). */
int ge_staticmap_render(const ge_staticmap_opts *o, ge_staticmap_result *out, ge_err *err);

void ge_staticmap_result_free(ge_staticmap_result *r);

/* Where a store-CRS point lands in the image (pixels from the top left). */
void ge_staticmap_to_pixel(const ge_staticmap_result *r, double x, double y, double *px,
                           double *py);

#endif
