/*
 * ts_png.c - PNG images in memory decoded with cairo (ts_png.h).
 */
#include "ts_png.h"

#include <string.h>

typedef struct ts_png_reader {
    const unsigned char *data;
    size_t len, pos;
} ts_png_reader;

static cairo_status_t ts_png_read(void *ud, unsigned char *out, unsigned int n)
{
    ts_png_reader *r = ud;
    if (r->pos + n > r->len) return CAIRO_STATUS_READ_ERROR;
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return CAIRO_STATUS_SUCCESS;
}

cairo_surface_t *ts_png_decode(const void *png, size_t len)
{
    ts_png_reader r = {png, len, 0};
    return cairo_image_surface_create_from_png_stream(ts_png_read, &r);
}
