/*
 * basemap.c - builds the base map MBTiles from the store (see basemap.h).
 *
 * The tile schema is a table below: which store layer feeds which MVT
 * layer, from which zoom, with which fields. Layers the store lacks are
 * left out (an extract without water still gets a base map). Tiles are
 * rendered by tilegen.c exactly as the dynamic tiles are, gzipped as
 * MBTiles readers expect, and written in one transaction.
 */
#include "basemap.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crs.h"
#include "gzip.h"
#include "mbtiles.h"
#include "tilegen.h"
#include "tilemath.h"

static const char *const ge_bm_class_name[] = {"class", "name", NULL};
static const char *const ge_bm_building[] = {"building", "housenumber", NULL};
static const char *const ge_bm_road[] = {"class", "name", "oneway", "surface", NULL};
static const char *const ge_bm_path[] = {"kind", "road_class", "name", "surface", NULL};
static const char *const ge_bm_address[] = {"housenumber", "street", NULL};
static const char *const ge_bm_boundary[] = {"name", "admin_level", NULL};
static const char *const ge_bm_minor[] = {"service", "living_street", NULL};
static const char *const ge_bm_name[] = {"name", NULL};

typedef struct ge_bm_layer {
    ge_tilegen_layer gen;
    const char *description;
    const char *const *field_types; /* pairs: field, type ("String", "Number") */
} ge_bm_layer;

static const char *const ge_bm_t_class_name[] = {"class", "String", "name", "String", NULL};
static const char *const ge_bm_t_building[] = {"building", "String", "housenumber", "String", NULL};
static const char *const ge_bm_t_road[] = {"class",  "String",  "name",   "String", "oneway",
                                           "String", "surface", "String", NULL};
static const char *const ge_bm_t_path[] = {"kind",   "String",  "road_class", "String", "name",
                                           "String", "surface", "String",     NULL};
static const char *const ge_bm_t_address[] = {"housenumber", "String", "street", "String", NULL};
static const char *const ge_bm_t_boundary[] = {"name", "String", "admin_level", "Number", NULL};
static const char *const ge_bm_t_name[] = {"name", "String", NULL};

/* Drawing order: areas first, then lines, then labels' points. */
static const ge_bm_layer ge_bm_layers[] = {
    {{"landuse", "landuse", 12, ge_bm_class_name, NULL, NULL, false, NULL, NULL},
     "Land use areas (class: residential, grass, cemetery, ...)",
     ge_bm_t_class_name},
    {{"water", "water", 12, ge_bm_class_name, NULL, NULL, false, NULL, NULL},
     "Water areas (class: pond, river, ...)",
     ge_bm_t_class_name},
    {{"pedestrian_areas", "pedestrian_areas", 14, ge_bm_name, NULL, NULL, false, NULL, NULL},
     "Pedestrian zones and squares (highway=pedestrian areas, area:highway, place=square)",
     ge_bm_t_name},
    {{"buildings", "buildings", 14, ge_bm_building, NULL, NULL, false, NULL, NULL},
     "Building footprints",
     ge_bm_t_building},
    {{"roads", "roads", 12, ge_bm_road, "class", ge_bm_minor, true, NULL, NULL},
     "Roads (class: motorway ... residential), with street names",
     ge_bm_t_road},
    {{"roads", "minor_roads", 14, ge_bm_road, "class", ge_bm_minor, false, NULL, NULL},
     "Service roads and living streets",
     ge_bm_t_road},
    {{"paths", "paths", 14, ge_bm_path, NULL, NULL, false, NULL, NULL},
     "Footways and paths (when the import has a paths layer)",
     ge_bm_t_path},
    {{"cycleways", "cycleways", 14, ge_bm_path, NULL, NULL, false, NULL, NULL},
     "Cycleways and cycle lanes or tracks",
     ge_bm_t_path},
    {{"addresses", "housenumbers", 16, ge_bm_address, NULL, NULL, false, NULL, NULL},
     "House numbers (points)",
     ge_bm_t_address},
    {{"boundary", "boundary", 12, ge_bm_boundary, NULL, NULL, false, NULL, NULL},
     "The city boundary",
     ge_bm_t_boundary},
};
#define GE_BM_NLAYERS (sizeof ge_bm_layers / sizeof ge_bm_layers[0])

void ge_basemap_path(const char *db_path, char *out, size_t size)
{
    snprintf(out, size, "%s.basemap.mbtiles", db_path);
}

/* The store layers present, their union extent in lon/lat, and the
 * attribution of the data. */
static int ge_bm_scan_layers(ge_store *st, ge_tilegen_layer *use, const ge_bm_layer **meta,
                             size_t *nuse, double lonlat[4], char *attribution, size_t asize,
                             ge_err *err)
{
    ge_layer_info *layers = NULL;
    size_t n = 0;
    double box[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    ge_crs from;
    int rc = ge_store_layer_list(st, &layers, &n, err);

    if (rc < 0) return rc;
    *nuse = 0;
    attribution[0] = '\0';
    for (size_t i = 0; i < GE_BM_NLAYERS; i++) {
        for (size_t j = 0; j < n; j++) {
            if (strcmp(layers[j].name, ge_bm_layers[i].gen.source) != 0) continue;
            if (layers[j].feature_count == 0) break;
            use[*nuse] = ge_bm_layers[i].gen;
            meta[*nuse] = &ge_bm_layers[i];
            (*nuse)++;
            box[0] = fmin(box[0], layers[j].bbox[0]);
            box[1] = fmin(box[1], layers[j].bbox[1]);
            box[2] = fmax(box[2], layers[j].bbox[2]);
            box[3] = fmax(box[3], layers[j].bbox[3]);
            if (!attribution[0] && layers[j].attribution[0])
                snprintf(attribution, asize, "%s", layers[j].attribution);
            break;
        }
    }
    free(layers);
    if (*nuse == 0) return ge_err_set(err, GE_ENOENT, "base map: the store has no layer to draw");
    rc = ge_crs_from_epsg(ge_store_srid(st), &from, err);
    if (rc < 0) return rc;
    double pts[8] = {box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3]};
    rc = ge_crs_transform(&from, &GE_CRS84, pts, 4, err);
    if (rc < 0) return rc;
    lonlat[0] = fmin(pts[0], pts[6]);
    lonlat[1] = fmin(pts[1], pts[3]);
    lonlat[2] = fmax(pts[2], pts[4]);
    lonlat[3] = fmax(pts[5], pts[7]);
    return GE_OK;
}

/* The "json" metadata: vector_layers with fields, as TileJSON 3.0 lists them. */
static char *ge_bm_vector_layers(const ge_bm_layer **meta, size_t n, int maxzoom)
{
    json_t *vl = json_array(), *doc;
    char *text;
    for (size_t i = 0; i < n; i++) {
        json_t *fields = json_object();
        for (const char *const *f = meta[i]->field_types; *f; f += 2)
            json_object_set_new(fields, f[0], json_string(f[1]));
        json_array_append_new(vl, json_pack("{s:s, s:s, s:i, s:i, s:o}", "id", meta[i]->gen.name,
                                            "description", meta[i]->description, "minzoom",
                                            meta[i]->gen.minzoom, "maxzoom", maxzoom, "fields",
                                            fields));
    }
    doc = json_pack("{s:o}", "vector_layers", vl);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

static int ge_bm_metadata(ge_mbtiles *m, const ge_bm_layer **meta, size_t n, int minzoom,
                          int maxzoom, const double b[4], const char *attribution, ge_err *err)
{
    char buf[256], *json;
    int rc;

    rc = ge_mbtiles_set_meta(m, "name", "geoEDITOR base map", err);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "format", "pbf", err);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "type", "baselayer", err);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "version", "1", err);
    if (rc == GE_OK)
        rc = ge_mbtiles_set_meta(m, "description",
                                 "Base map from the reference layers of the last import", err);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "attribution", attribution, err);
    snprintf(buf, sizeof buf, "%.6f,%.6f,%.6f,%.6f", b[0], b[1], b[2], b[3]);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "bounds", buf, err);
    snprintf(buf, sizeof buf, "%.6f,%.6f,%d", (b[0] + b[2]) / 2, (b[1] + b[3]) / 2,
             minzoom + 3 > maxzoom ? maxzoom : minzoom + 3);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "center", buf, err);
    snprintf(buf, sizeof buf, "%d", minzoom);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "minzoom", buf, err);
    snprintf(buf, sizeof buf, "%d", maxzoom);
    if (rc == GE_OK) rc = ge_mbtiles_set_meta(m, "maxzoom", buf, err);
    if (rc < 0) return rc;
    json = ge_bm_vector_layers(meta, n, maxzoom);
    if (!json) return ge_err_set(err, GE_ENOMEM, "base map: out of memory");
    rc = ge_mbtiles_set_meta(m, "json", json, err);
    free(json);
    return rc;
}

int ge_basemap_build(ge_store *st, const char *path, const ge_basemap_opts *opts,
                     ge_basemap_report *rep, ge_err *err)
{
    ge_tilegen_layer use[GE_BM_NLAYERS];
    const ge_bm_layer *meta[GE_BM_NLAYERS];
    size_t nuse = 0, total = 0, done = 0;
    double b[4];
    char attribution[128];
    int minzoom = opts && opts->minzoom ? opts->minzoom : GE_BASEMAP_MINZOOM;
    int maxzoom = opts && opts->maxzoom ? opts->maxzoom : GE_BASEMAP_MAXZOOM;
    ge_mbtiles *m = NULL;
    int rc;

    memset(rep, 0, sizeof *rep);
    if (minzoom < 0 || maxzoom > GE_TILEMATH_MAX_ZOOM || minzoom > maxzoom)
        return ge_err_set(err, GE_EINVAL, "base map: zoom range %d..%d is not within 0..%d",
                          minzoom, maxzoom, GE_TILEMATH_MAX_ZOOM);
    rc = ge_bm_scan_layers(st, use, meta, &nuse, b, attribution, sizeof attribution, err);
    if (rc < 0) return rc;
    if (!attribution[0]) snprintf(attribution, sizeof attribution, "geoEDITOR reference data");

    for (int z = minzoom; z <= maxzoom; z++) {
        uint32_t x0, y0, x1, y1;
        rc = ge_tilemath_cover(z, b, &x0, &y0, &x1, &y1, err);
        if (rc < 0) return rc;
        total += (size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    }
    rc = ge_mbtiles_create(&m, path, err);
    if (rc < 0) return rc;
    rc = ge_bm_metadata(m, meta, nuse, minzoom, maxzoom, b, attribution, err);
    for (int z = minzoom; z <= maxzoom && rc == GE_OK; z++) {
        uint32_t x0, y0, x1, y1;
        rc = ge_tilemath_cover(z, b, &x0, &y0, &x1, &y1, err);
        for (uint32_t y = y0; y <= y1 && rc == GE_OK; y++) {
            for (uint32_t x = x0; x <= x1 && rc == GE_OK; x++) {
                ge_tile t = {z, x, y};
                ge_tilegen_result r;
                unsigned char *gz = NULL;
                size_t gz_len = 0;
                rc = ge_tilegen_render(st, &t, use, nuse, &r, err);
                if (rc == GE_OK && r.len) {
                    rc = ge_gzip_compress(r.data, r.len, &gz, &gz_len, err);
                    if (rc == GE_OK) rc = ge_mbtiles_put(m, &t, gz, gz_len, err);
                    if (rc == GE_OK) {
                        rep->tiles++;
                        rep->bytes += gz_len;
                    }
                }
                free(gz);
                free(r.data);
                done++;
                if (opts && opts->progress) opts->progress(opts->progress_ud, z, done, total);
            }
        }
    }
    if (rc < 0) {
        ge_mbtiles_abort(m);
        return rc;
    }
    rc = ge_mbtiles_commit(m, err);
    if (rc < 0) return rc;
    rep->minzoom = minzoom;
    rep->maxzoom = maxzoom;
    memcpy(rep->bounds, b, sizeof rep->bounds);
    return GE_OK;
}
