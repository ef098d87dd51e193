/*
 * import.c - ge_import_run: OGR sources into the store's reference layers
 * (import.h).
 *
 * The steps, in the order that keeps a failed import from touching the store:
 *   1. read and check the mapping file (import_mapping.c);
 *   2. open every source (and the --boundary file), a compressed file or an
 *      archive through GDAL's virtual file systems (/vsigzip/, /vsizip/,
 *      /vsitar/); an OSM extract is read once, in GDAL's interleaved order,
 *      into in-memory layers, because the OSM driver parses the whole file
 *      again for every layer read on its own;
 *   3. begin one import batch; per mapping layer: read its features through
 *      the OGR attribute filter, reproject them to the store CRS (axis order
 *      x=east/lon on both sides), make them valid (GEOSMakeValid), keep those
 *      of the layer's geometry kind, map the properties or derive the layer
 *      (import_derive.c), write it;
 *   4. the boundary last, since without one in the sources it is the extent
 *      of everything else, and a warning when it holds less than half of the
 *      features written before it; then commit.
 * Any error aborts the batch: the store keeps every old layer as it was.
 *
 * GDAL errors are caught by an error handler of our own for the duration of
 * the import (per thread, as GDAL keeps them), so they end up in err->msg
 * and not on stderr.
 */
#include "import.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <geos_c.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "import_derive.h"
#include "import_mapping.h"

#define GE_IMPORT_PROGRESS_EVERY     2000
#define GE_IMPORT_OSM_PROGRESS_EVERY 20000

typedef struct ge_import_source {
    const char *name; /* as given */
    char *open_name;  /* as GDAL opens it: "/vsigzip/city.osm.gz" (malloc'd) */
    GDALDatasetH ds;
    GDALDatasetH mem; /* OSM: the layers the mapping reads, buffered */
} ge_import_source;

/* What happened to the features read for one layer. */
typedef struct ge_import_stats {
    size_t read, wrong_kind, made_valid, empty, unprojectable;
} ge_import_stats;

typedef struct ge_importer {
    ge_store *st;
    const ge_import_opts *opts;
    ge_import_mapping *map;
    ge_import_layer_map boundary_layer; /* when --boundary names a file and the mapping has none */
    ge_import_source *src;
    size_t nsrc;
    ge_import_source boundary; /* the --boundary file */

    GEOSContextHandle_t gh;
    char geos_msg[256];
    GEOSWKBReader *wkb_in;
    GEOSWKBWriter *wkb_out;
    OGRSpatialReferenceH store_srs;
    unsigned char *buf;
    size_t bufcap;

    bool cpl_failed; /* a GDAL error (CE_Failure or worse) since the last reset */
    char cpl_msg[256];

    ge_import_batch *batch;
    double extent[4]; /* of everything written so far */
    bool has_extent;
    /* The middle of the bounding box of every feature written so far (x, y
     * pairs; the boundary's own left out): how much of the data the boundary
     * holds. */
    double *mids;
    size_t nmids, mids_cap;
    ge_err *err;
} ge_importer;

/* A boundary that holds less than this share of the imported features is
 * most likely one district of a larger extract: warn. */
#define GE_IMPORT_BOUNDARY_MIN_SHARE 0.5

static pthread_once_t ge_import_gdal_once = PTHREAD_ONCE_INIT;

static void ge_import_gdal_init(void)
{
    GDALAllRegister();
}

/* ---- messages ------------------------------------------------------------ */

static void ge_import_say(ge_importer *im, bool final, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ge_import_say(ge_importer *im, bool final, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (!im->opts->report) return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    im->opts->report(im->opts->report_ud, final, line);
}

/* A warning: in the report (a final line) and to opts->warn. */
static void ge_import_warn(ge_importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ge_import_warn(ge_importer *im, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (im->opts->warn) im->opts->warn(im->opts->report_ud, line);
}

static void CPL_STDCALL ge_import_cpl_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    ge_importer *im = CPLGetErrorHandlerUserData();
    (void)no;
    if (im && cls >= CE_Failure && !im->cpl_failed) {
        im->cpl_failed = true;
        snprintf(im->cpl_msg, sizeof im->cpl_msg, "%s", msg ? msg : "GDAL error");
    }
}

static void ge_import_cpl_reset(ge_importer *im)
{
    im->cpl_failed = false;
    im->cpl_msg[0] = '\0';
    CPLErrorReset();
}

static void ge_import_geos_error(const char *msg, void *ud)
{
    ge_importer *im = ud;
    snprintf(im->geos_msg, sizeof im->geos_msg, "%s", msg);
}

static void ge_import_geos_notice(const char *msg, void *ud)
{
    (void)msg;
    (void)ud;
}

/* "; 3 what" onto a note, for non-zero counts. */
static void ge_note_add(char *note, size_t cap, size_t count, const char *what)
{
    size_t len = strlen(note);
    if (count && len < cap)
        snprintf(note + len, cap - len, "%s%zu %s", len ? "; " : "", count, what);
}

static void ge_note_stats(char *note, size_t cap, const ge_import_stats *s)
{
    ge_note_add(note, cap, s->wrong_kind, "skipped (other geometry kind)");
    ge_note_add(note, cap, s->empty, "dropped (empty or unreadable geometry)");
    ge_note_add(note, cap, s->unprojectable, "dropped (could not be reprojected)");
    ge_note_add(note, cap, s->made_valid, "made valid");
}

/* ---- sources ------------------------------------------------------------- */

/* A name that is a file of ours to check (not "WFS:...", "/vsicurl/..."). */
static bool ge_import_is_local(const char *name)
{
    const char *colon = strchr(name, ':');
    const char *slash = strchr(name, '/');
    return strncmp(name, "/vsi", 4) != 0 && (!colon || (slash && slash < colon));
}

static bool ge_import_referenced(const ge_import_mapping *m, const char *layer)
{
    for (size_t i = 0; i < m->nlayers; i++) {
        const ge_import_layer_map *lm = &m->layers[i];
        if ((lm->input.source && strcmp(lm->input.source, layer) == 0) ||
            (lm->extra.source && strcmp(lm->extra.source, layer) == 0))
            return true;
    }
    return false;
}

/* Reads an OSM dataset once, in the order GDAL produces features, into
 * in-memory layers (only those the mapping reads), where attribute filters
 * are cheap and layers can be read in any order. */
static int ge_import_buffer_osm(ge_importer *im, ge_import_source *s)
{
    GDALDriverH memdrv = GDALGetDriverByName("Memory");
    int n = GDALDatasetGetLayerCount(s->ds);
    OGRLayerH *from = calloc((size_t)(n > 0 ? n : 1), sizeof *from);
    OGRLayerH *to = calloc((size_t)(n > 0 ? n : 1), sizeof *to);
    size_t count = 0;
    int rc = GE_OK;

    if (!from || !to) {
        rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
        goto done;
    }
    s->mem = memdrv ? GDALCreate(memdrv, "osm", 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!s->mem) {
        rc = ge_err_set(im->err, GE_EINTERNAL, "GDAL's Memory driver is not available");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        OGRFeatureDefnH defn;
        from[i] = GDALDatasetGetLayer(s->ds, i);
        if (!ge_import_referenced(im->map, OGR_L_GetName(from[i]))) continue;
        to[i] = GDALDatasetCreateLayer(s->mem, OGR_L_GetName(from[i]), OGR_L_GetSpatialRef(from[i]),
                                       OGR_L_GetGeomType(from[i]), NULL);
        if (!to[i]) {
            rc = ge_err_set(im->err, GE_EINTERNAL, "source '%s': cannot buffer layer '%s': %s",
                            s->name, OGR_L_GetName(from[i]), im->cpl_msg);
            goto done;
        }
        defn = OGR_L_GetLayerDefn(from[i]);
        for (int f = 0; f < OGR_FD_GetFieldCount(defn); f++)
            OGR_L_CreateField(to[i], OGR_FD_GetFieldDefn(defn, f), TRUE);
    }

    ge_import_cpl_reset(im);
    GDALDatasetResetReading(s->ds);
    for (;;) {
        OGRLayerH layer = NULL;
        OGRFeatureH f = GDALDatasetGetNextFeature(s->ds, &layer, NULL, NULL, NULL);
        int i;
        if (!f) break;
        for (i = 0; i < n && from[i] != layer; i++)
            ;
        if (i < n && to[i]) {
            OGRFeatureH copy = OGR_F_Create(OGR_L_GetLayerDefn(to[i]));
            OGRErr e = copy ? OGR_F_SetFrom(copy, f, TRUE) : OGRERR_NOT_ENOUGH_MEMORY;
            if (e == OGRERR_NONE) e = OGR_L_CreateFeature(to[i], copy);
            if (copy) OGR_F_Destroy(copy);
            if (e != OGRERR_NONE) {
                OGR_F_Destroy(f);
                rc = ge_err_set(im->err, GE_ENOMEM, "source '%s': cannot buffer a feature: %s",
                                s->name, im->cpl_msg[0] ? im->cpl_msg : "out of memory");
                goto done;
            }
        }
        OGR_F_Destroy(f);
        if (++count % GE_IMPORT_OSM_PROGRESS_EVERY == 0)
            ge_import_say(im, false, "reading %s: %zu features", s->name, count);
    }
    if (im->cpl_failed)
        rc = ge_err_set(im->err, GE_EIO, "source '%s': cannot read it: %s", s->name, im->cpl_msg);
done:
    free(from);
    free(to);
    return rc;
}

/* How GDAL reads a compressed file or an archive: through one of its virtual
 * file systems, chosen by the file name's ending (GDAL does not look inside
 * "city.osm.gz" by itself). GDAL 3.6 has none for bzip2, xz or 7z. */
typedef struct ge_import_vsi {
    const char *suffix;
    const char *prefix; /* NULL: GDAL cannot read it */
    bool archive;       /* may hold several files */
    const char *unpack; /* for those GDAL cannot read: the command that decompresses */
} ge_import_vsi;

static const ge_import_vsi ge_import_vsis[] = {
    {".tar.gz", "/vsitar/", true, NULL}, {".tgz", "/vsitar/", true, NULL},
    {".tar", "/vsitar/", true, NULL},    {".zip", "/vsizip/", true, NULL},
    {".gz", "/vsigzip/", false, NULL},   {".bz2", NULL, false, "bunzip2 -k"},
    {".xz", NULL, false, "unxz -k"},     {".7z", NULL, true, "7z x"},
};

static const ge_import_vsi *ge_import_vsi_of(const char *name)
{
    size_t n = strlen(name);
    if (!ge_import_is_local(name)) return NULL;
    for (size_t i = 0; i < sizeof ge_import_vsis / sizeof ge_import_vsis[0]; i++) {
        size_t k = strlen(ge_import_vsis[i].suffix);
        if (n > k && strcasecmp(name + n - k, ge_import_vsis[i].suffix) == 0)
            return &ge_import_vsis[i];
    }
    return NULL;
}

/* A shapefile's .dbf or .shx beside its .shp: part of it, not a source of
 * its own. */
static bool ge_import_shp_sidecar(char **list, const char *member)
{
    size_t n = strlen(member);
    if (n < 4 || (strcasecmp(member + n - 4, ".dbf") && strcasecmp(member + n - 4, ".shx")))
        return false;
    for (char **m = list; *m; m++)
        if (strlen(*m) == n && strncmp(*m, member, n - 4) == 0 &&
            strcasecmp(*m + n - 4, ".shp") == 0)
            return true;
    return false;
}

/* An archive GDAL does not open as a whole (not one file, not a folder of
 * shapefiles): the one file in it that GDAL can read as vector data. */
static int ge_import_archive_member(ge_importer *im, ge_import_source *s)
{
    char **list = VSIReadDirRecursive(s->open_name), *pick = NULL;
    char names[256] = "";
    size_t found = 0;
    int rc = GE_OK;

    for (char **m = list; m && *m; m++) {
        size_t n = strlen(*m);
        char *path;
        if (n == 0 || (*m)[n - 1] == '/' || ge_import_shp_sidecar(list, *m)) continue;
        path = malloc(strlen(s->open_name) + n + 2);
        if (!path) {
            rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
            goto out;
        }
        sprintf(path, "%s/%s", s->open_name, *m);
        if (!GDALIdentifyDriverEx(path, GDAL_OF_VECTOR, NULL, NULL)) {
            free(path);
            continue;
        }
        found++;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", found > 1 ? ", " : "",
                 *m);
        free(pick);
        pick = path;
    }
    if (found == 0) {
        rc = ge_err_set(im->err, GE_EIO, "source '%s': the archive holds no file GDAL can read",
                        s->name);
    } else if (found > 1) {
        rc = ge_err_set(im->err, GE_EINVAL,
                        "source '%s': the archive holds %zu files GDAL can read (%s); name one, "
                        "e.g. %s",
                        s->name, found, names, pick);
    } else {
        free(s->open_name);
        s->open_name = pick;
        pick = NULL;
    }
out:
    free(pick);
    CSLDestroy(list);
    return rc;
}

static int ge_import_open(ge_importer *im, const char *name, bool buffer_osm, ge_import_source *s)
{
    struct stat sb;
    char **oo = NULL;
    GDALDriverH drv;
    const ge_import_vsi *vsi = ge_import_vsi_of(name);
    bool osm;
    int rc;

    s->name = name;
    if (ge_import_is_local(name) && stat(name, &sb) != 0)
        return ge_err_set(im->err, errno == ENOENT ? GE_ENOENT : GE_EIO, "source '%s': %s", name,
                          errno == ENOENT ? "no such file" : strerror(errno));
    if (vsi && !vsi->prefix)
        return ge_err_set(im->err, GE_EINVAL,
                          "source '%s': GDAL cannot read %s files (it reads .gz, .zip and .tar "
                          "archives); decompress it first (%s %s) and import what it holds, or "
                          "take the .osm.pbf extract",
                          name, vsi->suffix, vsi->unpack, name);
    s->open_name = malloc(strlen(name) + 16);
    if (!s->open_name) return ge_err_set(im->err, GE_ENOMEM, "out of memory");
    sprintf(s->open_name, "%s%s", vsi ? vsi->prefix : "", name);
    ge_import_cpl_reset(im);
    if (vsi && vsi->archive && !GDALIdentifyDriverEx(s->open_name, GDAL_OF_VECTOR, NULL, NULL)) {
        rc = ge_import_archive_member(im, s);
        if (rc < 0) return rc;
    }
    name = s->open_name;
    ge_import_cpl_reset(im);
    drv = GDALIdentifyDriverEx(name, GDAL_OF_VECTOR, NULL, NULL);
    osm = drv && strcmp(GDALGetDriverShortName(drv), "OSM") == 0;
    if (osm && im->map->osm_config) {
        if (access(im->map->osm_config, R_OK) != 0)
            return ge_err_set(im->err, GE_ENOENT, "%s: osm_config '%s': %s", im->map->path,
                              im->map->osm_config, strerror(errno));
        oo = CSLSetNameValue(oo, "CONFIG_FILE", im->map->osm_config);
    }
    ge_import_cpl_reset(im);
    s->ds =
        GDALOpenEx(name, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, (const char *const *)oo, NULL);
    CSLDestroy(oo);
    if (!s->ds)
        return ge_err_set(im->err, GE_EIO, "source '%s': cannot open it: %s", s->name,
                          im->cpl_failed ? im->cpl_msg : "not a vector format GDAL can read");
    return osm && buffer_osm ? ge_import_buffer_osm(im, s) : GE_OK;
}

static void ge_import_close(ge_import_source *s)
{
    if (s->mem) GDALClose(s->mem);
    if (s->ds) GDALClose(s->ds);
    s->mem = s->ds = NULL;
    free(s->open_name);
    s->open_name = NULL;
}

/* ---- features ------------------------------------------------------------ */

static bool ge_kind_matches(int type, ge_import_kind kind)
{
    switch (kind) {
    case GE_IMPORT_KIND_POINT:
        return type == GEOS_POINT || type == GEOS_MULTIPOINT;
    case GE_IMPORT_KIND_LINE:
        return type == GEOS_LINESTRING || type == GEOS_LINEARRING || type == GEOS_MULTILINESTRING;
    case GE_IMPORT_KIND_POLYGON:
        return type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON;
    }
    return false;
}

static bool ge_kind_atomic(int type, ge_import_kind kind)
{
    return (kind == GE_IMPORT_KIND_POINT && type == GEOS_POINT) ||
           (kind == GE_IMPORT_KIND_LINE && (type == GEOS_LINESTRING || type == GEOS_LINEARRING)) ||
           (kind == GE_IMPORT_KIND_POLYGON && type == GEOS_POLYGON);
}

static int ge_collect_parts(GEOSContextHandle_t gh, const GEOSGeometry *g, ge_import_kind kind,
                            GEOSGeometry ***parts, size_t *n, size_t *cap)
{
    int type = GEOSGeomTypeId_r(gh, g);
    if (ge_kind_atomic(type, kind)) {
        GEOSGeometry *c;
        if (GEOSisEmpty_r(gh, g)) return GE_OK;
        if (*n == *cap) {
            size_t ncap = *cap ? *cap * 2 : 8;
            GEOSGeometry **np = realloc(*parts, ncap * sizeof *np);
            if (!np) return GE_ENOMEM;
            *parts = np;
            *cap = ncap;
        }
        if (!(c = GEOSGeom_clone_r(gh, g))) return GE_ENOMEM;
        (*parts)[(*n)++] = c;
        return GE_OK;
    }
    if (type >= GEOS_MULTIPOINT)
        for (int i = 0; i < GEOSGetNumGeometries_r(gh, g); i++)
            if (ge_collect_parts(gh, GEOSGetGeometryN_r(gh, g, i), kind, parts, n, cap) < 0)
                return GE_ENOMEM;
    return GE_OK;
}

/* The parts of g of the wanted kind as one geometry (a single part, or a
 * Multi*), NULL when there are none. g stays the caller's. */
static GEOSGeometry *ge_extract_kind(GEOSContextHandle_t gh, const GEOSGeometry *g,
                                     ge_import_kind kind)
{
    static const int multi[] = {0, GEOS_MULTIPOINT, GEOS_MULTILINESTRING, GEOS_MULTIPOLYGON};
    GEOSGeometry **parts = NULL, *out = NULL;
    size_t n = 0, cap = 0;

    if (ge_collect_parts(gh, g, kind, &parts, &n, &cap) == GE_OK && n > 0)
        out = n == 1 ? parts[0] : GEOSGeom_createCollection_r(gh, multi[kind], parts, (unsigned)n);
    if (!out)
        for (size_t i = 0; i < n; i++)
            GEOSGeom_destroy_r(gh, parts[i]);
    free(parts);
    return out;
}

/* An OGR geometry (changed in place: flattened, reprojected) as a valid GEOS
 * geometry of the wanted kind in the store CRS; NULL (counted) when there is
 * nothing of that kind left. */
static GEOSGeometry *ge_import_geom(ge_importer *im, OGRGeometryH g,
                                    OGRCoordinateTransformationH ct, ge_import_kind kind,
                                    ge_import_stats *st)
{
    GEOSContextHandle_t gh = im->gh;
    OGRGeometryH linear = NULL;
    GEOSGeometry *gg, *fit;
    size_t len;
    int type, valid;

    if (!g || OGR_G_IsEmpty(g)) {
        st->empty++;
        return NULL;
    }
    if (OGR_G_HasCurveGeometry(g, TRUE)) {
        linear = OGR_G_GetLinearGeometry(g, 0, NULL);
        if (!linear) {
            st->empty++;
            return NULL;
        }
        g = linear;
    }
    OGR_G_FlattenTo2D(g);
    if (ct && OGR_G_Transform(g, ct) != OGRERR_NONE) {
        st->unprojectable++;
        OGR_G_DestroyGeometry(linear);
        return NULL;
    }
    len = OGR_G_WkbSizeEx(g);
    if (len > im->bufcap) {
        unsigned char *nb = realloc(im->buf, len);
        if (!nb) {
            OGR_G_DestroyGeometry(linear);
            st->empty++;
            return NULL;
        }
        im->buf = nb;
        im->bufcap = len;
    }
    OGR_G_ExportToIsoWkb(g, wkbNDR, im->buf);
    OGR_G_DestroyGeometry(linear);
    gg = GEOSWKBReader_read_r(gh, im->wkb_in, im->buf, len);
    if (!gg) {
        st->empty++;
        return NULL;
    }

    type = GEOSGeomTypeId_r(gh, gg);
    if (!ge_kind_matches(type, kind)) {
        fit = type == GEOS_GEOMETRYCOLLECTION ? ge_extract_kind(gh, gg, kind) : NULL;
        GEOSGeom_destroy_r(gh, gg);
        if (!fit) {
            st->wrong_kind++;
            return NULL;
        }
        gg = fit;
    }
    valid = GEOSisValid_r(gh, gg);
    if (valid != 1) {
        GEOSGeometry *made = GEOSMakeValid_r(gh, gg);
        GEOSGeom_destroy_r(gh, gg);
        gg = made ? ge_extract_kind(gh, made, kind) : NULL;
        if (made) GEOSGeom_destroy_r(gh, made);
        if (gg) st->made_valid++;
    }
    if (!gg || GEOSisEmpty_r(gh, gg)) {
        if (gg) GEOSGeom_destroy_r(gh, gg);
        st->empty++;
        return NULL;
    }
    return gg;
}

/* A JSON string of text that may not be UTF-8 (a shapefile in Latin-1 read
 * without its .cpg): bytes that break UTF-8 become '?'. */
static json_t *ge_json_string_lossy(const char *s)
{
    json_t *j = json_string(s);
    char *copy;
    if (j) return j;
    copy = strdup(s);
    if (!copy) return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* The feature's set attributes as a JSON object, by field name. */
static json_t *ge_import_attrs(OGRFeatureH f, OGRFeatureDefnH defn)
{
    json_t *a = json_object();
    int n = OGR_FD_GetFieldCount(defn);
    for (int i = 0; a && i < n; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
        json_t *v = NULL;
        double d;
        if (!OGR_F_IsFieldSetAndNotNull(f, i)) continue;
        switch (OGR_Fld_GetType(fd)) {
        case OFTInteger:
            v = OGR_Fld_GetSubType(fd) == OFSTBoolean ? json_boolean(OGR_F_GetFieldAsInteger(f, i))
                                                      : json_integer(OGR_F_GetFieldAsInteger(f, i));
            break;
        case OFTInteger64:
            v = json_integer(OGR_F_GetFieldAsInteger64(f, i));
            break;
        case OFTReal:
            d = OGR_F_GetFieldAsDouble(f, i);
            v = isfinite(d) ? json_real(d) : NULL;
            break;
        default:
            v = ge_json_string_lossy(OGR_F_GetFieldAsString(f, i));
            break;
        }
        if (v) json_object_set_new(a, OGR_Fld_GetNameRef(fd), v);
    }
    return a;
}

/* Appends "name" to a list of the sources a layer came from. */
static void ge_import_note_source(char *list, size_t cap, const char *name)
{
    const char *base = strrchr(name, '/');
    size_t len = strlen(list);
    base = base ? base + 1 : name;
    if (strstr(list, base) == NULL && len < cap)
        snprintf(list + len, cap - len, "%s%s", len ? ", " : "", base);
}

/* Reads one input of a layer: every feature of source layer `in->source` in
 * every source, through `in->where`, as valid geometries of `kind`.
 * `what` names the input in messages ("layers.hydrants"). */
static int ge_import_read_layer(ge_importer *im, const ge_import_layer_map *lm, OGRLayerH layer,
                                const char *srcname, const char *where, const char *what,
                                bool check_fields, ge_import_kind kind, ge_import_features *out,
                                ge_import_stats *st)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    OGRSpatialReferenceH srs = NULL;
    OGRCoordinateTransformationH ct = NULL;
    OGRFeatureH f;
    int rc = GE_OK;

    for (size_t i = 0; check_fields && i < lm->nprops; i++)
        if (OGR_FD_GetFieldIndex(defn, lm->props[i].field) < 0)
            return ge_err_set(im->err, GE_EINVAL,
                              "%s: %s.properties.%s: source layer '%s' of '%s' has no field '%s'",
                              im->map->path, what, lm->props[i].name, OGR_L_GetName(layer), srcname,
                              lm->props[i].field);

    /* the source CRS, in x = east (longitude) order like the store's */
    if (OGR_L_GetSpatialRef(layer)) {
        srs = OSRClone(OGR_L_GetSpatialRef(layer));
    } else if (lm->srs) {
        srs = OSRNewSpatialReference(NULL);
        if (srs && OSRSetFromUserInput(srs, lm->srs) != OGRERR_NONE) {
            OSRDestroySpatialReference(srs);
            return ge_err_set(im->err, GE_EINVAL, "%s: layers.%s.srs: '%s' is not a CRS: %s",
                              im->map->path, lm->name, lm->srs, im->cpl_msg);
        }
    } else {
        return ge_err_set(im->err, GE_EINVAL,
                          "%s: %s: source layer '%s' of '%s' has no CRS; name it with \"srs\" "
                          "(e.g. \"EPSG:25832\")",
                          im->map->path, what, OGR_L_GetName(layer), srcname);
    }
    if (!srs) return ge_err_set(im->err, GE_ENOMEM, "out of memory");
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(srs, im->store_srs)) {
        ge_import_cpl_reset(im);
        ct = OCTNewCoordinateTransformation(srs, im->store_srs);
        if (!ct) {
            OSRDestroySpatialReference(srs);
            return ge_err_set(im->err, GE_EINVAL,
                              "%s: source layer '%s' of '%s': no transform to "
                              "EPSG:%d: %s",
                              im->map->path, OGR_L_GetName(layer), srcname, ge_store_srid(im->st),
                              im->cpl_msg);
        }
    }

    ge_import_cpl_reset(im);
    if (OGR_L_SetAttributeFilter(layer, where) != OGRERR_NONE) {
        rc = ge_err_set(im->err, GE_EINVAL, "%s: %s.where: %s", im->map->path, what,
                        im->cpl_msg[0] ? im->cpl_msg : "not a valid OGR SQL filter");
        goto done;
    }
    OGR_L_ResetReading(layer);
    while ((f = OGR_L_GetNextFeature(layer)) != NULL) {
        GEOSGeometry *g = ge_import_geom(im, OGR_F_GetGeometryRef(f), ct, kind, st);
        st->read++;
        if (g && ge_import_features_push(im->gh, out, g, ge_import_attrs(f, defn)) < 0) {
            OGR_F_Destroy(f);
            rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
            goto done;
        }
        OGR_F_Destroy(f);
        if (st->read % GE_IMPORT_PROGRESS_EVERY == 0)
            ge_import_say(im, false, "%s: %zu features read from %s", lm->name, st->read,
                          OGR_L_GetName(layer));
    }
    if (im->cpl_failed)
        rc = ge_err_set(im->err, GE_EIO, "source '%s': layer '%s': %s", srcname,
                        OGR_L_GetName(layer), im->cpl_msg);
    for (size_t i = 0; i < out->n && rc == GE_OK; i++)
        if (!out->v[i].attrs) rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
done:
    OGR_L_SetAttributeFilter(layer, NULL);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(srs);
    return rc;
}

/* Reads an input from every source that has its source layer; *found says
 * whether any had. */
static int ge_import_read(ge_importer *im, const ge_import_layer_map *lm, const ge_import_input *in,
                          const char *what, bool check_fields, ge_import_kind kind,
                          ge_import_features *out, ge_import_stats *st, bool *found, char *sources,
                          size_t sources_cap)
{
    for (size_t i = 0; i < im->nsrc; i++) {
        ge_import_source *s = &im->src[i];
        OGRLayerH layer = GDALDatasetGetLayerByName(s->mem ? s->mem : s->ds, in->source);
        int rc;
        if (!layer) continue;
        *found = true;
        ge_import_note_source(sources, sources_cap, s->name);
        rc = ge_import_read_layer(im, lm, layer, s->name, in->where, what, check_fields, kind, out,
                                  st);
        if (rc < 0) return rc;
    }
    return GE_OK;
}

/* Every polygon of every layer of the --boundary file. */
static int ge_import_read_boundary_file(ge_importer *im, const ge_import_layer_map *lm,
                                        ge_import_features *out, ge_import_stats *st)
{
    int n = GDALDatasetGetLayerCount(im->boundary.ds);
    for (int i = 0; i < n; i++) {
        int rc =
            ge_import_read_layer(im, lm, GDALDatasetGetLayer(im->boundary.ds, i), im->boundary.name,
                                 NULL, "boundary file", false, GE_IMPORT_KIND_POLYGON, out, st);
        if (rc < 0) return rc;
    }
    return GE_OK;
}

/* ---- writing ------------------------------------------------------------- */

/* Notes the middle of a written feature's bounding box (ge_importer.mids). */
static int ge_import_note_mid(ge_importer *im, double minx, double miny, double maxx, double maxy)
{
    if (im->nmids + 2 > im->mids_cap) {
        size_t cap = im->mids_cap ? im->mids_cap * 2 : 4096;
        double *m = realloc(im->mids, cap * sizeof *m);
        if (!m) return ge_err_set(im->err, GE_ENOMEM, "out of memory");
        im->mids = m;
        im->mids_cap = cap;
    }
    im->mids[im->nmids++] = (minx + maxx) / 2;
    im->mids[im->nmids++] = (miny + maxy) / 2;
    return GE_OK;
}

static int ge_import_write(ge_importer *im, const ge_import_layer_map *lm,
                           const ge_import_features *fs, const char *sources)
{
    GEOSContextHandle_t gh = im->gh;
    ge_layer_info li;
    const char *attribution = im->opts->attribution ? im->opts->attribution
                              : lm->attribution     ? lm->attribution
                                                    : im->map->attribution;
    int rc;

    memset(&li, 0, sizeof li);
    snprintf(li.name, sizeof li.name, "%s", lm->name);
    snprintf(li.title, sizeof li.title, "%s", lm->title ? lm->title : lm->name);
    snprintf(li.description, sizeof li.description, "%s", lm->description ? lm->description : "");
    snprintf(li.description_de, sizeof li.description_de, "%s",
             lm->description_de ? lm->description_de : "");
    snprintf(li.source, sizeof li.source, "%s", sources);
    snprintf(li.attribution, sizeof li.attribution, "%s", attribution ? attribution : "");
    rc = ge_import_batch_layer(im->batch, &li, im->err);
    for (size_t i = 0; i < fs->n && rc == GE_OK; i++) {
        size_t len = 0;
        unsigned char *wkb = GEOSWKBWriter_write_r(gh, im->wkb_out, fs->v[i].geom, &len);
        char *props = json_dumps(fs->v[i].attrs, JSON_COMPACT);
        double minx, miny, maxx, maxy;
        if (!wkb || !props)
            rc = ge_err_set(im->err, GE_ENOMEM, "layer '%s': cannot encode a feature", lm->name);
        else
            rc = ge_import_batch_add(im->batch, wkb, len, props, im->err);
        if (wkb) GEOSFree_r(gh, wkb);
        free(props);
        if (rc == GE_OK && GEOSGeom_getXMin_r(gh, fs->v[i].geom, &minx) &&
            GEOSGeom_getYMin_r(gh, fs->v[i].geom, &miny) &&
            GEOSGeom_getXMax_r(gh, fs->v[i].geom, &maxx) &&
            GEOSGeom_getYMax_r(gh, fs->v[i].geom, &maxy)) {
            if (!im->has_extent) {
                im->extent[0] = minx, im->extent[1] = miny;
                im->extent[2] = maxx, im->extent[3] = maxy;
                im->has_extent = true;
            }
            im->extent[0] = fmin(im->extent[0], minx);
            im->extent[1] = fmin(im->extent[1], miny);
            im->extent[2] = fmax(im->extent[2], maxx);
            im->extent[3] = fmax(im->extent[3], maxy);
            if (lm->derive != GE_IMPORT_DERIVE_BOUNDARY)
                rc = ge_import_note_mid(im, minx, miny, maxx, maxy);
        }
    }
    return rc;
}

/* ---- the boundary's share of the data ------------------------------------- */

/* How many of the imported features (the middles of their bounding boxes)
 * lie in the boundary's polygons. */
static int ge_import_boundary_inside(ge_importer *im, const ge_import_features *b, size_t *inside)
{
    GEOSContextHandle_t gh = im->gh;
    const GEOSPreparedGeometry **prep = calloc(b->n ? b->n : 1, sizeof *prep);
    int rc = GE_OK;

    *inside = 0;
    if (!prep) return ge_err_set(im->err, GE_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n && rc == GE_OK; i++)
        if (!(prep[i] = GEOSPrepare_r(gh, b->v[i].geom)))
            rc = ge_err_set(im->err, GE_EINTERNAL, "boundary: %s", im->geos_msg);
    for (size_t k = 0; k + 1 < im->nmids && rc == GE_OK; k += 2) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(gh, im->mids[k], im->mids[k + 1]);
        if (!pt) {
            rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < b->n; i++) {
            if (GEOSPreparedIntersects_r(gh, prep[i], pt) == 1) {
                (*inside)++;
                break;
            }
        }
        GEOSGeom_destroy_r(gh, pt);
    }
    for (size_t i = 0; i < b->n; i++)
        if (prep[i]) GEOSPreparedGeom_destroy_r(gh, prep[i]);
    free(prep);
    return rc;
}

/* Warns (and notes on the layer) when the boundary holds less than half of
 * the imported features: an administrative area of the extract that is one
 * district of a larger one, whose rules would then refuse most of the town. */
static int ge_import_check_boundary(ge_importer *im, const ge_import_layer_map *lm,
                                    const ge_import_features *b, bool from_file, char *note,
                                    size_t note_cap)
{
    size_t total = im->nmids / 2, inside = 0;
    double share;
    int rc;

    if (total == 0 || b->n == 0) return GE_OK;
    rc = ge_import_boundary_inside(im, b, &inside);
    if (rc < 0) return rc;
    share = (double)inside / (double)total;
    if (share >= GE_IMPORT_BOUNDARY_MIN_SHARE) return GE_OK;
    snprintf(note + strlen(note), note_cap - strlen(note),
             "%sWARNING: holds only %.0f %% of the imported features", note[0] ? "; " : "",
             floor(share * 100));
    ge_import_warn(im,
                   "%s: the boundary holds only %.0f %% of the imported features (%zu of %zu); "
                   "places outside it fail every rule that needs the city. %s",
                   lm->name, floor(share * 100), inside, total,
                   from_file ? "Check the file given with --boundary FILE."
                             : "If the extract covers more than this administrative area, give "
                               "the city's outline with --boundary FILE.");
    return GE_OK;
}

/* ---- one layer ----------------------------------------------------------- */

/* The kinds of geometry a layer's inputs are read as. */
static void ge_import_input_kinds(const ge_import_layer_map *lm, ge_import_kind *main,
                                  ge_import_kind *extra)
{
    *main = lm->kind;
    *extra = GE_IMPORT_KIND_POLYGON;
    switch (lm->derive) {
    case GE_IMPORT_DERIVE_STREET_SPACE:
    case GE_IMPORT_DERIVE_JUNCTIONS:
        *main = GE_IMPORT_KIND_LINE;
        break;
    case GE_IMPORT_DERIVE_CYCLEWAYS:
        *main = *extra = GE_IMPORT_KIND_LINE;
        break;
    case GE_IMPORT_DERIVE_ADDRESSES:
        *main = GE_IMPORT_KIND_POINT;
        break;
    default:
        break;
    }
}

static int ge_import_one(ge_importer *im, const ge_import_layer_map *lm, ge_import_layer_result *r)
{
    GEOSContextHandle_t gh = im->gh;
    ge_import_features in = {0}, extra = {0}, out = {0};
    ge_import_stats st = {0};
    ge_import_derive_ctx dx = {gh, im->geos_msg, im->map, lm, ""};
    ge_import_kind main_kind, extra_kind;
    bool found = false, found_extra = false, from_file = false, from_extent = false;
    /* mapped properties are read from the inputs of these layers */
    bool props_from_inputs =
        lm->derive == GE_IMPORT_DERIVE_NONE || lm->derive == GE_IMPORT_DERIVE_BOUNDARY ||
        lm->derive == GE_IMPORT_DERIVE_CYCLEWAYS || lm->derive == GE_IMPORT_DERIVE_ADDRESSES ||
        lm->derive == GE_IMPORT_DERIVE_ROADS;
    char sources[256] = "", what[128];
    const char *level_field;
    int rc = GE_OK;

    snprintf(r->layer, sizeof r->layer, "%s", lm->name);
    ge_import_input_kinds(lm, &main_kind, &extra_kind);
    ge_import_say(im, false, "%s: reading", lm->name);

    /* 1. the inputs */
    if (lm->derive == GE_IMPORT_DERIVE_BOUNDARY && im->boundary.ds) {
        from_file = found = true;
        ge_import_note_source(sources, sizeof sources, im->boundary.name);
        rc = ge_import_read_boundary_file(im, lm, &in, &st);
    } else if (lm->input.source) {
        snprintf(what, sizeof what, "layers.%s", lm->name);
        rc = ge_import_read(im, lm, &lm->input, what, props_from_inputs, main_kind, &in, &st,
                            &found, sources, sizeof sources);
    }
    if (rc == GE_OK && lm->extra.source && !from_file) {
        snprintf(what, sizeof what, "layers.%s.%s", lm->name,
                 lm->derive == GE_IMPORT_DERIVE_CYCLEWAYS ? "lanes" : "areas");
        rc = ge_import_read(im, lm, &lm->extra, what, props_from_inputs, extra_kind, &extra, &st,
                            &found_extra, sources, sizeof sources);
    }
    if (rc < 0) goto done;
    if (!found && !found_extra && lm->derive != GE_IMPORT_DERIVE_BOUNDARY) {
        r->missing = true;
        snprintf(r->note, sizeof r->note, "no source has a layer '%s'; layer not written",
                 lm->input.source);
        ge_import_say(im, true, "%s: missing (%s)", lm->name, r->note);
        goto done;
    }

    /* 2. the features of the layer */
    switch (lm->derive) {
    case GE_IMPORT_DERIVE_NONE:
    case GE_IMPORT_DERIVE_ROADS:
        for (size_t i = 0; i < in.n && rc == GE_OK; i++) {
            json_t *props = ge_import_mapping_props(lm, in.v[i].attrs);
            /* the width the street space was built with (import_derive.c),
             * for whoever places things along the kerb (placement.c) */
            if (props && lm->derive == GE_IMPORT_DERIVE_ROADS &&
                json_object_set_new(props, "carriageway_m",
                                    json_real(ge_import_road_width(im->map, in.v[i].attrs, NULL))) <
                    0) {
                json_decref(props);
                props = NULL;
            }
            if (!props) {
                rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
                break;
            }
            rc = ge_import_features_push(gh, &out, in.v[i].geom, props);
            in.v[i].geom = NULL; /* moved (or freed by push) */
            if (rc < 0) rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
        }
        break;
    case GE_IMPORT_DERIVE_BOUNDARY:
        /* a --boundary file: all its polygons; else those of the lowest level */
        level_field = from_file ? "" : lm->level_field ? lm->level_field : "admin_level";
        rc = ge_import_derive_boundary(&dx, &in, level_field, im->has_extent ? im->extent : NULL,
                                       &out, im->err);
        if (rc == GE_OK && out.n == 0 && im->has_extent) {
            /* no boundary anywhere: the extent of the data stands in for it */
            GEOSGeometry *box = GEOSGeom_createRectangle_r(gh, im->extent[0], im->extent[1],
                                                           im->extent[2], im->extent[3]);
            json_t *props = json_pack("{s:s}", "source", "extent of the imported data");
            if (!box || !props || ge_import_features_push(gh, &out, box, props) < 0) {
                rc = ge_err_set(im->err, GE_ENOMEM, "out of memory");
                break;
            }
            from_extent = true;
            snprintf(dx.note, sizeof dx.note,
                     "no boundary in the sources: the extent of the imported data");
            ge_import_say(im, true,
                          "%s: WARNING: no administrative boundary in the sources; "
                          "using the extent of the imported data",
                          lm->name);
            ge_import_warn(im,
                           "%s: no administrative boundary in the sources; using the extent "
                           "of the imported data. Give the city's outline with --boundary FILE.",
                           lm->name);
        }
        if (rc == GE_OK && !from_extent)
            rc = ge_import_check_boundary(im, lm, &out, from_file, dx.note, sizeof dx.note);
        break;
    case GE_IMPORT_DERIVE_STREET_SPACE:
        rc = ge_import_derive_street_space(&dx, &in, &extra, &out, im->err);
        break;
    case GE_IMPORT_DERIVE_JUNCTIONS:
        rc = ge_import_derive_junctions(&dx, &in, &out, im->err);
        break;
    case GE_IMPORT_DERIVE_CYCLEWAYS:
        rc = ge_import_derive_cycleways(&dx, &in, &extra, &out, im->err);
        break;
    case GE_IMPORT_DERIVE_ADDRESSES:
        rc = ge_import_derive_addresses(&dx, &in, &extra, &out, im->err);
        break;
    }
    if (rc < 0) goto done;

    /* 3. written, even when empty: an import replaces what was there */
    rc = ge_import_write(im, lm, &out, sources);
    if (rc < 0) goto done;
    r->count = (int64_t)out.n;
    snprintf(r->note, sizeof r->note, "%s", dx.note);
    ge_note_stats(r->note, sizeof r->note, &st);
    if (out.n == 0) {
        r->missing = true;
        ge_import_say(im, true, "%s: missing (nothing in the sources matched%s%s)", lm->name,
                      r->note[0] ? "; " : "", r->note);
    } else {
        ge_import_say(im, true, "%s: %zu feature%s%s%s%s", lm->name, out.n, out.n == 1 ? "" : "s",
                      r->note[0] ? " (" : "", r->note, r->note[0] ? ")" : "");
    }
done:
    ge_import_features_clear(gh, &in);
    ge_import_features_clear(gh, &extra);
    ge_import_features_clear(gh, &out);
    return rc;
}

/* ---- the run ------------------------------------------------------------- */

static void ge_importer_free(ge_importer *im)
{
    for (size_t i = 0; i < im->nsrc; i++)
        ge_import_close(&im->src[i]);
    ge_import_close(&im->boundary);
    free(im->src);
    if (im->gh) {
        if (im->wkb_in) GEOSWKBReader_destroy_r(im->gh, im->wkb_in);
        if (im->wkb_out) GEOSWKBWriter_destroy_r(im->gh, im->wkb_out);
        GEOS_finish_r(im->gh);
    }
    if (im->store_srs) OSRDestroySpatialReference(im->store_srs);
    free(im->buf);
    free(im->mids);
    ge_import_mapping_free(im->map);
}

int ge_import_run(ge_store *st, const ge_import_opts *opts, time_t now, ge_import_result *res,
                  ge_err *err)
{
    ge_importer im;
    const ge_import_layer_map **order = NULL;
    size_t nlayers = 0, boundary_at = SIZE_MAX;
    int rc;

    memset(res, 0, sizeof *res);
    if (!st || !opts || !opts->mapping_path || !opts->sources || opts->nsources == 0)
        return ge_err_set(err, GE_EINVAL, "import: no sources or no mapping file given");
    pthread_once(&ge_import_gdal_once, ge_import_gdal_init);
    memset(&im, 0, sizeof im);
    im.st = st;
    im.opts = opts;
    im.err = err;
    CPLPushErrorHandlerEx(ge_import_cpl_handler, &im);

    /* 1. mapping, 2. sources: everything that can fail before the store is touched */
    rc = ge_import_mapping_load(opts->mapping_path, &im.map, err);
    if (rc < 0) goto done;
    im.src = calloc(opts->nsources, sizeof *im.src);
    order = calloc(im.map->nlayers + 1, sizeof *order);
    if (!im.src || !order) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < opts->nsources; i++) {
        ge_import_say(&im, false, "opening %s", opts->sources[i]);
        im.nsrc++;
        rc = ge_import_open(&im, opts->sources[i], true, &im.src[i]);
        if (rc < 0) goto done;
    }
    if (opts->boundary_path) {
        rc = ge_import_open(&im, opts->boundary_path, false, &im.boundary);
        if (rc < 0) {
            ge_err_prefix(err, "boundary");
            goto done;
        }
    }

    /* the boundary goes last: without one in the sources it is the extent of the rest */
    for (size_t i = 0; i < im.map->nlayers; i++) {
        if (im.map->layers[i].derive == GE_IMPORT_DERIVE_BOUNDARY)
            boundary_at = i;
        else
            order[nlayers++] = &im.map->layers[i];
    }
    if (boundary_at == SIZE_MAX && opts->boundary_path) {
        ge_import_layer_map *b = &im.boundary_layer;
        snprintf(b->name, sizeof b->name, "boundary");
        b->derive = GE_IMPORT_DERIVE_BOUNDARY;
        b->kind = GE_IMPORT_KIND_POLYGON;
        order[nlayers++] = b;
    } else if (boundary_at != SIZE_MAX) {
        order[nlayers++] = &im.map->layers[boundary_at];
    }

    im.gh = GEOS_init_r();
    if (!im.gh) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory (GEOS)");
        goto done;
    }
    GEOSContext_setErrorMessageHandler_r(im.gh, ge_import_geos_error, &im);
    GEOSContext_setNoticeMessageHandler_r(im.gh, ge_import_geos_notice, &im);
    im.wkb_in = GEOSWKBReader_create_r(im.gh);
    im.wkb_out = GEOSWKBWriter_create_r(im.gh);
    im.store_srs = OSRNewSpatialReference(NULL);
    if (!im.wkb_in || !im.wkb_out || !im.store_srs) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto done;
    }
    GEOSWKBWriter_setOutputDimension_r(im.gh, im.wkb_out, 2);
    GEOSWKBWriter_setByteOrder_r(im.gh, im.wkb_out, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(im.gh, im.wkb_out, GEOS_WKB_ISO);
    if (OSRImportFromEPSG(im.store_srs, ge_store_srid(st)) != OGRERR_NONE) {
        rc = ge_err_set(err, GE_EINVAL, "the store's CRS EPSG:%d is unknown to PROJ",
                        ge_store_srid(st));
        goto done;
    }
    OSRSetAxisMappingStrategy(im.store_srs, OAMS_TRADITIONAL_GIS_ORDER);

    /* 3. one batch for all layers, 4. boundary last, commit */
    res->layers = calloc(nlayers, sizeof *res->layers);
    if (!res->layers) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto done;
    }
    rc = ge_import_batch_begin(st, now, &im.batch, err);
    for (size_t i = 0; i < nlayers && rc == GE_OK; i++) {
        rc = ge_import_one(&im, order[i], &res->layers[i]);
        res->nlayers = i + 1;
    }
    if (rc == GE_OK) {
        ge_import_say(&im, false, "committing");
        rc = ge_import_batch_commit(im.batch, err);
        im.batch = NULL;
    }
done:
    if (im.batch) ge_import_batch_abort(im.batch);
    ge_importer_free(&im);
    CPLPopErrorHandler();
    free(order);
    if (rc < 0) ge_import_result_free(res);
    return rc;
}

void ge_import_result_free(ge_import_result *res)
{
    if (!res) return;
    free(res->layers);
    res->layers = NULL;
    res->nlayers = 0;
}
