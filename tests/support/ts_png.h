/*
 * ts_png.h - PNG images in memory (an HTTP answer, a rendered map) decoded
 * with cairo, for tests that look at their pixels.
 */
#ifndef GE_TS_PNG_H
#define GE_TS_PNG_H

#include <cairo.h>
#include <stddef.h>

/* The image surface of the PNG in png (len bytes); check its status
 * (cairo_surface_status), destroy it with cairo_surface_destroy. */
cairo_surface_t *ts_png_decode(const void *png, size_t len);

#endif
