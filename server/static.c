/*
 * static.c - static files of the web root (see static.h).
 *
 * Paths are checked twice: segment by segment before touching the file
 * system (no "..", no dot files, no encoded separators), and again after
 * realpath(), which catches symlinks that lead out of the root. The file is
 * handed to libmicrohttpd as an open descriptor, which can sendfile() it.
 * There is a window between realpath() and open() in which a symlink could be
 * swapped; the web root belongs to the deployment, not to clients, so that
 * is accepted rather than walking the path with openat(O_NOFOLLOW).
 */
#include "static.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct ge_static {
    char root[PATH_MAX]; /* realpath of the web root, no trailing '/' */
};

int ge_static_open(ge_static **out, const char *web_root, ge_err *err)
{
    struct stat sb;
    ge_static *st = NULL;

    *out = NULL;
    if (!web_root || !*web_root) return GE_OK;
    if (stat(web_root, &sb) != 0) {
        if (errno == ENOENT) {
            ge_log(GE_LOG_INFO, "no web root: serving the API only", "{s:s}", "web_root", web_root);
            return GE_OK;
        }
        return ge_err_set(err, GE_EIO, "web root %s: %s", web_root, strerror(errno));
    }
    if (!S_ISDIR(sb.st_mode))
        return ge_err_set(err, GE_EIO, "web root %s is not a directory", web_root);
    st = calloc(1, sizeof *st);
    if (!st) return ge_err_set(err, GE_ENOMEM, "out of memory");
    if (!realpath(web_root, st->root)) {
        int e = errno;
        free(st);
        return ge_err_set(err, GE_EIO, "web root %s: %s", web_root, strerror(e));
    }
    *out = st;
    return GE_OK;
}

void ge_static_close(ge_static *st)
{
    free(st);
}

typedef struct ge_static_type {
    const char *ext;
    const char *type;
} ge_static_type;

static const ge_static_type ge_static_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"geojson", "application/geo+json"},
    {"webmanifest", "application/manifest+json"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
    {"pbf", "application/x-protobuf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
};

const char *ge_static_content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');

    if (dot)
        for (size_t i = 0; i < sizeof ge_static_types / sizeof ge_static_types[0]; i++)
            if (strcasecmp(dot + 1, ge_static_types[i].ext) == 0) return ge_static_types[i].type;
    return "application/octet-stream";
}

bool ge_static_is_hashed_asset(const char *path)
{
    const char *base, *dash, *dot;
    size_t n;

    if (strncmp(path, "/assets/", 8) != 0) return false;
    base = strrchr(path, '/') + 1;
    dot = strchr(base, '.');
    if (!dot) return false;
    /* vite names them [name]-[hash][ext]: the hash sits between the last '-'
     * before the extension and the extension. */
    dash = NULL;
    for (const char *p = base; p < dot; p++)
        if (*p == '-') dash = p;
    if (!dash) return false;
    n = (size_t)(dot - dash - 1);
    if (n < 8) return false;
    for (const char *p = dash + 1; p < dot; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

/*
 * Turns the raw request path into a path relative to the root, decoded, with
 * every segment checked. Returns false for anything that is refused. *n_segs
 * counts segments; first receives the first one (for the SPA fallback).
 */
static bool ge_static_relpath(const char *raw, char *out, size_t size, size_t *n_segs, char *first,
                              size_t first_size)
{
    size_t len = 0;
    const char *p = raw + 1;

    *n_segs = 0;
    out[0] = first[0] = '\0';
    if (raw[0] != '/') return false;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p), dn;
        char seg[NAME_MAX * 3 + 1]; /* the raw segment may be this long; decoding shrinks it */

        if (n == 0) {
            /* Only a trailing slash may leave an empty segment. */
            if (end) return false;
            break;
        }
        if (n > NAME_MAX * 3 || ge_router_pct_decode(p, n, seg, &dn) < 0 || dn > NAME_MAX)
            return false;
        if (seg[0] == '.' || strchr(seg, '/') || strchr(seg, '\\')) return false;
        if (len + dn + 2 > size) return false;
        if (len) out[len++] = '/';
        memcpy(out + len, seg, dn + 1);
        len += dn;
        if ((*n_segs)++ == 0) snprintf(first, first_size, "%s", seg);
        if (!end) return true;
        p = end + 1;
    }
    return true;
}

/* Opens root/rel if it resolves to a regular file inside the root.
 * A directory is followed to its index.html. */
static int ge_static_open_file(const ge_static *st, const char *rel, char *resolved,
                               struct stat *sb)
{
    char full[PATH_MAX + NAME_MAX];
    size_t rootlen = strlen(st->root);
    int fd;

    if (snprintf(full, sizeof full, "%s/%s", st->root, rel) >= (int)sizeof full) return -1;
    if (!realpath(full, resolved)) return -1;
    if (strncmp(resolved, st->root, rootlen) != 0 ||
        (resolved[rootlen] != '/' && resolved[rootlen] != '\0'))
        return -1; /* a symlink out of the root */
    fd = open(resolved, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, sb) != 0) goto err;
    if (S_ISDIR(sb->st_mode)) {
        char index[PATH_MAX + 16];
        close(fd);
        if (snprintf(index, sizeof index, "%s/index.html", rel) >= (int)sizeof index) return -1;
        return ge_static_open_file(st, index, resolved, sb);
    }
    if (!S_ISREG(sb->st_mode)) goto err;
    return fd;
err:
    close(fd);
    return -1;
}

static bool ge_static_has_extension(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    return strchr(slash ? slash + 1 : rel, '.') != NULL;
}

/* The gzipped sibling, when the client takes gzip and the file has one. */
static int ge_static_open_gz(const ge_static *st, const ge_req *req, const char *resolved,
                             struct stat *sb)
{
    char gz[PATH_MAX + 4], real[PATH_MAX];
    size_t rootlen = strlen(st->root);
    int fd;

    if (!ge_http_accepts_gzip(ge_req_header(req, "Accept-Encoding"))) return -1;
    if (snprintf(gz, sizeof gz, "%s.gz", resolved) >= (int)sizeof gz) return -1;
    if (!realpath(gz, real) || strncmp(real, st->root, rootlen) != 0 || real[rootlen] != '/')
        return -1;
    fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

int ge_static_serve(const ge_static *st, const ge_req *req, ge_resp *resp)
{
    char rel[PATH_MAX], first[NAME_MAX + 1], resolved[PATH_MAX], opaque[80];
    size_t n_segs;
    bool textual;
    struct stat sb, gzsb;
    const char *type;
    int fd, gzfd;

    if (!st || !ge_static_relpath(req->path, rel, sizeof rel, &n_segs, first, sizeof first))
        return GE_ENOENT;
    fd = ge_static_open_file(st, rel[0] ? rel : ".", resolved, &sb);
    if (fd < 0 && n_segs >= 2 && !ge_static_has_extension(rel)) {
        char spa[NAME_MAX + 16];
        snprintf(spa, sizeof spa, "%s/index.html", first);
        fd = ge_static_open_file(st, spa, resolved, &sb);
    }
    if (fd < 0) return GE_ENOENT;

    type = ge_static_content_type(resolved);
    snprintf(opaque, sizeof opaque, "%llx-%llx-%llx", (unsigned long long)sb.st_ino,
             (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)sb.st_mtim.tv_nsec);
    if (ge_static_is_hashed_asset(req->path))
        ge_resp_cache(resp, "public, max-age=31536000, immutable");
    else
        ge_resp_cache(resp, "no-cache");

    /* If-None-Match is answered by the server (http_send.c) from the 200
     * built here, so that the 304 carries the same headers: the CSP of an
     * HTML page above all. */
    textual = strncmp(type, "text/", 5) == 0 || strstr(type, "json") || strstr(type, "svg");
    if (textual) ge_resp_header(resp, "Vary", "Accept-Encoding"); /* a .gz sibling may be chosen */
    gzfd = textual ? ge_static_open_gz(st, req, resolved, &gzsb) : -1;
    if (gzfd >= 0) {
        char gzopaque[88];
        close(fd);
        ge_resp_file(resp, 200, type, gzfd, (uint64_t)gzsb.st_size);
        resp->precompressed = true;
        ge_resp_header(resp, "Content-Encoding", "gzip");
        snprintf(gzopaque, sizeof gzopaque, "%s-gz", opaque);
        ge_resp_etag(resp, gzopaque);
        return GE_OK;
    }
    ge_resp_file(resp, 200, type, fd, (uint64_t)sb.st_size);
    ge_resp_etag(resp, opaque);
    return GE_OK;
}
