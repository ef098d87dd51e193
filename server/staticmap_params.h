/*
 * staticmap_params.h - the query parameters of the map image and site plan
 * routes (handlers_staticmap.c). The PNG: width and height in pixels
 * (default 800 x 600) and dpi (default 96), each in the limits of
 * geo/maps/staticmap.h, and lang; the PDF: lang and scale (250, 500 or
 * 1000); nothing else. Kept apart from the handler so that it can be tested
 * and fuzzed without a server (tests/fuzz).
 */
#ifndef GE_STATICMAP_PARAMS_H
#define GE_STATICMAP_PARAMS_H

#include <stdbool.h>

#include "http.h"

#define GE_SM_DEFAULT_WIDTH  800
#define GE_SM_DEFAULT_HEIGHT 600
#define GE_SM_DEFAULT_DPI    96

typedef struct ge_staticmap_params {
    bool pdf; /* set by the caller: the site plan's parameters, not the PNG's */
    long width, height, dpi;
    long scale; /* 1:n of the PDF; GE_STATICMAP_SCALE_AUTO */
    int lang;   /* GE_LANG_DE / GE_LANG_EN from ?lang=, -1: the case's */
} ge_staticmap_params;

/* Reads the query into p (p->pdf says which route's): GE_OK, or GE_EINVAL
 * with a 400 problem in resp naming the parameter (an unknown one, a value
 * out of range, or an image over GE_STATICMAP_MAX_PIXELS). */
int ge_staticmap_params_read(const ge_req *req, ge_resp *resp, ge_staticmap_params *p);

#endif
