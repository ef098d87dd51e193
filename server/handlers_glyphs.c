/*
 * handlers_glyphs.c - the fonts the map styles label with.
 *
 *   GET /fonts/{fontstack}/{start}-{end}.pbf   SDF glyphs for MapLibre (the
 *                                              style's "glyphs" template)
 *   GET /fonts/{family}/{weight}[-{style}].css @font-face for OpenLayers +
 *                                              ol-mapbox-style (the style's
 *                                              "ol:webfonts" metadata)
 *
 * The glyph ranges are the Noto Sans PBFs of the npm package
 * tileserver-gl-styles (web/package-lock.json); the front end build copies
 * them into <web_root>/fonts/<font name>/ (vite.config.js), so a deployment
 * serves what it built and nothing is fetched from elsewhere at run time.
 *
 * A font stack is a comma list of font names ("Noto Sans Regular,Arial
 * Unicode MS Regular"); the first font of the list that is installed answers
 * the whole range (no compositing of several fonts: our styles name one).
 * Names may hold only letters, digits, blanks, '-' and '_', so a name can
 * never leave the fonts folder. A range is 256 code points starting at a
 * multiple of 256 below 65536, as MapLibre asks for them.
 *
 * ol-mapbox-style draws labels with canvas fonts and, for a family the page
 * has not loaded, adds a stylesheet from its "ol:webfonts" template (by
 * default a CDN). Our styles point that template here; the answer declares
 * the family from the fonts installed on the viewer's machine (local()), so
 * a browser with Noto Sans draws it and one without falls back to its
 * sans-serif, and no request leaves this server.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../geo/core/json_util.h"
#include "handlers.h"

#define GE_GLYPHS_TYPE      "application/x-protobuf"
#define GE_GLYPHS_NAME_MAX  96 /* bytes of one font name */
#define GE_GLYPHS_STACK_MAX 8  /* fonts in a stack */
/* Glyphs change only with a new build; a day spares most revalidations. */
#define GE_GLYPHS_CACHE_CONTROL "public, max-age=86400"

typedef struct ge_glyphs_mod {
    char dir[PATH_MAX]; /* <web_root>/fonts */
} ge_glyphs_mod;

static bool ge_glyphs_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > GE_GLYPHS_NAME_MAX || s[0] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ' ' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The installed fonts as a JSON array (for a 404 that says what exists). */
static json_t *ge_glyphs_installed(const ge_glyphs_mod *mod)
{
    json_t *names = json_array();
    DIR *d = opendir(mod->dir);
    struct dirent *e;

    while (d && names && (e = readdir(d))) {
        if (e->d_name[0] == '.' || !ge_glyphs_name_ok(e->d_name, strlen(e->d_name))) continue;
        json_array_append_new(names, json_string(e->d_name));
    }
    if (d) closedir(d);
    return names;
}

static json_t *ge_glyphs_problem(ge_resp *resp, const ge_req *req, int status, const char *param,
                                 const char *value, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));
    if (p) {
        json_object_set_new(p, "parameter", ge_json_string_lossy(param));
        json_object_set_new(p, "value", json_string(value ? value : ""));
    }
    return p;
}

static int ge_glyphs_unknown_font(const ge_glyphs_mod *mod, const ge_req *req, ge_resp *resp,
                                  const char *param, const char *value)
{
    char en[320], de[320];
    json_t *p;
    snprintf(en, sizeof en, "No font of '%.200s' is installed; see 'installed' for those that are.",
             value ? value : "");
    snprintf(de, sizeof de,
             "Keine Schrift aus '%.200s' ist installiert; 'installed' nennt die vorhandenen.",
             value ? value : "");
    p = ge_glyphs_problem(resp, req, 404, param, value, GE_TEXT(DE(de), EN(en)));
    if (p) json_object_set_new(p, "installed", ge_glyphs_installed(mod));
    return GE_ENOENT;
}

/* "0-255.pbf" -> 0; -1 when it is not a range MapLibre asks for. */
static long ge_glyphs_range(const char *text)
{
    char *end;
    long a, b;

    if (!text || text[0] < '0' || text[0] > '9') return -1;
    errno = 0;
    a = strtol(text, &end, 10);
    if (errno || *end != '-' || end[1] < '0' || end[1] > '9') return -1;
    b = strtol(end + 1, &end, 10);
    if (errno || strcmp(end, ".pbf") != 0) return -1;
    if (a < 0 || a > 65280 || a % 256 != 0 || b != a + 255) return -1;
    return a;
}

/* Opens <dir>/<name>/<start>-<start+255>.pbf for the first installed font
 * of the stack; -1 when none of them has the range. */
static int ge_glyphs_open(const ge_glyphs_mod *mod, const char *stack, long start, struct stat *sb)
{
    const char *p = stack;
    char path[PATH_MAX + 2 * GE_GLYPHS_NAME_MAX];

    for (int k = 0; k < GE_GLYPHS_STACK_MAX && p && *p; k++) {
        size_t n = strcspn(p, ",");
        int fd;
        snprintf(path, sizeof path, "%s/%.*s/%ld-%ld.pbf", mod->dir, (int)n, p, start, start + 255);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, sb) == 0 && S_ISREG(sb->st_mode)) return fd;
        if (fd >= 0) close(fd);
        p = p[n] == ',' ? p + n + 1 : NULL;
        while (p && *p == ' ')
            p++;
    }
    return -1;
}

/* Is every name of the comma list acceptable? */
static bool ge_glyphs_stack_ok(const char *stack)
{
    const char *p = stack;
    int k = 0;
    if (!stack || !*stack || strlen(stack) > GE_GLYPHS_STACK_MAX * (GE_GLYPHS_NAME_MAX + 2))
        return false;
    while (p) {
        size_t n;
        while (*p == ' ')
            p++;
        n = strcspn(p, ",");
        if (++k > GE_GLYPHS_STACK_MAX || !ge_glyphs_name_ok(p, n)) return false;
        p = p[n] == ',' ? p + n + 1 : NULL;
    }
    return true;
}

static int ge_glyphs_pbf(ge_glyphs_mod *mod, ge_req *req, ge_resp *resp, const char *stack,
                         const char *file)
{
    char opaque[80];
    struct stat sb;
    long start = ge_glyphs_range(file);
    int fd;

    if (!ge_glyphs_stack_ok(stack))
        return ge_glyphs_unknown_font(mod, req, resp, "fontstack", stack);
    if (start < 0) {
        ge_glyphs_problem(
            resp, req, 400, "range", file,
            GE_TEXT(DE("range muss '<start>-<start+255>.pbf' sein, start ein Vielfaches von 256 "
                       "von 0 bis 65280, z. B. 0-255.pbf."),
                    EN("range must be '<start>-<start+255>.pbf' with start a multiple of 256 "
                       "from 0 to 65280, e.g. 0-255.pbf.")));
        return GE_EINVAL;
    }
    fd = ge_glyphs_open(mod, stack, start, &sb);
    if (fd < 0) return ge_glyphs_unknown_font(mod, req, resp, "fontstack", stack);
    snprintf(opaque, sizeof opaque, "g%llx-%llx-%llx", (unsigned long long)sb.st_ino,
             (unsigned long long)sb.st_size, (unsigned long long)sb.st_mtime);
    ge_resp_cache(resp, GE_GLYPHS_CACHE_CONTROL);
    if (ge_req_etag_matches(req, opaque)) {
        close(fd);
        ge_resp_etag(resp, opaque);
        return ge_resp_not_modified(resp, GE_GLYPHS_TYPE);
    }
    ge_resp_etag(resp, opaque);
    return ge_resp_file(resp, 200, GE_GLYPHS_TYPE, fd, (uint64_t)sb.st_size);
}

/* "noto-sans" for "Noto Sans Regular": the family's slug as ol-mapbox-style
 * writes it into the webfonts template; the weight and style words of the
 * font name (as mapbox-to-css-font reads them) are dropped. */
static void ge_glyphs_family(const char *font, char *family, size_t fsize, char *slug, size_t ssize,
                             int *weight, bool *italic)
{
    static const struct {
        const char *word;
        int weight;
    } words[] = {{"Thin", 100},     {"Hairline", 100}, {"ExtraLight", 200}, {"Light", 300},
                 {"Regular", 400},  {"Book", 400},     {"Normal", 400},     {"Medium", 500},
                 {"SemiBold", 600}, {"Bold", 700},     {"ExtraBold", 800},  {"Black", 900},
                 {"Italic", -1},    {"Oblique", -1}};
    char buf[GE_GLYPHS_NAME_MAX + 1];
    size_t n;
    bool cut = true;

    snprintf(buf, sizeof buf, "%s", font);
    *weight = 400;
    *italic = false;
    while (cut) {
        char *sp = strrchr(buf, ' ');
        cut = false;
        for (size_t i = 0; sp && i < sizeof words / sizeof words[0]; i++) {
            if (strcmp(sp + 1, words[i].word) != 0) continue;
            if (words[i].weight < 0)
                *italic = true;
            else
                *weight = words[i].weight;
            *sp = '\0';
            cut = true;
            break;
        }
    }
    snprintf(family, fsize, "%s", buf);
    n = 0;
    for (const char *c = buf; *c && n + 1 < ssize; c++)
        slug[n++] = *c == ' ' ? '-' : (*c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c);
    slug[n] = '\0';
}

/* /fonts/{family}/{weight}[-{style}].css for an installed family. */
static int ge_glyphs_css(ge_glyphs_mod *mod, ge_req *req, ge_resp *resp, const char *slug,
                         const char *file)
{
    static const char *const weight_words[] = {"Thin",    "ExtraLight", "Light",
                                               "Regular", "Medium",     "SemiBold",
                                               "Bold",    "ExtraBold",  "Black"};
    char family[GE_GLYPHS_NAME_MAX + 1], fslug[GE_GLYPHS_NAME_MAX + 1], css[1024];
    char full[GE_GLYPHS_NAME_MAX + 32], ps[GE_GLYPHS_NAME_MAX + 32], style[32];
    char *end;
    long weight;
    bool italic, found = false;
    json_t *names = ge_glyphs_installed(mod), *v;
    size_t i;
    int n;

    errno = 0;
    weight = strtol(file, &end, 10);
    if (end == file || errno || weight < 100 || weight > 900 || weight % 100 != 0 ||
        (strcmp(end, ".css") != 0 && strcmp(end, "-italic.css") != 0 &&
         strcmp(end, "-normal.css") != 0)) {
        json_decref(names);
        ge_glyphs_problem(
            resp, req, 400, "file", file,
            GE_TEXT(DE("Das Stylesheet muss '<Gewicht>.css' oder '<Gewicht>-italic.css' heißen, "
                       "mit einem Gewicht von 100 bis 900."),
                    EN("The stylesheet must be named '<weight>.css' or '<weight>-italic.css' "
                       "with a weight of 100 to 900.")));
        return GE_EINVAL;
    }
    json_array_foreach(names, i, v)
    {
        int w;
        bool it;
        ge_glyphs_family(json_string_value(v), family, sizeof family, fslug, sizeof fslug, &w, &it);
        if (strcmp(fslug, slug) == 0) {
            found = true;
            break;
        }
    }
    json_decref(names);
    if (!found) return ge_glyphs_unknown_font(mod, req, resp, "family", slug);
    italic = strcmp(end, "-italic.css") == 0;
    /* The face's full name ("Noto Sans Bold Italic") and PostScript name
     * ("NotoSans-BoldItalic"), which local() matches. */
    if (italic && weight == 400)
        snprintf(style, sizeof style, "Italic");
    else
        snprintf(style, sizeof style, "%s%s", weight_words[weight / 100 - 1],
                 italic ? "Italic" : "");
    snprintf(full, sizeof full, "%s %s%s", family, weight_words[weight / 100 - 1],
             italic ? " Italic" : "");
    if (italic && weight == 400) snprintf(full, sizeof full, "%s Italic", family);
    n = 0;
    for (const char *c = family; *c && n + 1 < (int)sizeof ps; c++)
        if (*c != ' ') ps[n++] = *c;
    snprintf(ps + n, sizeof ps - (size_t)n, "-%s", style);
    n = snprintf(css, sizeof css,
                 "/* %s for map labels: the font installed on the viewer's machine, else the "
                 "sans-serif fallback */\n"
                 "@font-face {\n  font-family: \"%s\";\n  font-style: %s;\n  font-weight: %ld;\n"
                 "  src: local(\"%s\"), local(\"%s\")%s%s%s;\n}\n",
                 family, family, italic ? "italic" : "normal", weight, full, ps,
                 weight == 400 && !italic ? ", local(\"" : "",
                 weight == 400 && !italic ? family : "", weight == 400 && !italic ? "\")" : "");
    ge_resp_cache(resp, GE_GLYPHS_CACHE_CONTROL);
    return ge_resp_bytes(resp, 200, "text/css; charset=utf-8", css, (size_t)n);
}

static int ge_glyphs_get(ge_req *req, ge_resp *resp, void *ud)
{
    ge_glyphs_mod *mod = ud;
    const char *stack = ge_req_param(req, "fontstack");
    const char *file = ge_req_param(req, "file");
    size_t n = file ? strlen(file) : 0;

    if (n > 4 && strcmp(file + n - 4, ".css") == 0) {
        if (!ge_glyphs_name_ok(stack, strlen(stack)))
            return ge_glyphs_unknown_font(mod, req, resp, "family", stack);
        return ge_glyphs_css(mod, req, resp, stack, file);
    }
    return ge_glyphs_pbf(mod, req, resp, stack, file);
}

static void ge_glyphs_stop(void *ud)
{
    free(ud);
}

int ge_handlers_glyphs_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    ge_glyphs_mod *mod = calloc(1, sizeof *mod);
    int rc;

    if (!mod) return ge_err_set(err, GE_ENOMEM, "glyphs: out of memory");
    snprintf(mod->dir, sizeof mod->dir, "%s/fonts", ctx->cfg->web_root);
    rc = ge_ctx_on_stop(ctx, ge_glyphs_stop, mod);
    if (rc < 0) {
        free(mod);
        return ge_err_set(err, rc, "glyphs: cannot register the stop hook");
    }
    return ge_router_add_flags(r, "GET", "/fonts/{fontstack}/{file}", ge_glyphs_get, mod,
                               GE_ROUTE_CORS, err);
}
