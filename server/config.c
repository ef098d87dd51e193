/*
 * config.c - settings from defaults, a "key = value" file, GEOEDITOR_* variables
 * and flags (see config.h). One table, ge_config_keys, knows every key, so the
 * file parser, the environment, the flags and --help cannot drift apart.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../geo/rules/refindex.h"
#include "log.h"
#include "../geo/maps/basemap.h"
#include "../geo/store/store.h"

/* Where data/ and the built front end are when the binary runs from its
 * build folder (the source tree's), and where `cmake --install` puts them
 * relative to the installed binary: <prefix>/bin/geoeditor,
 * <prefix>/share/geoeditor/{data,styles,web}. */
#ifndef GE_DEFAULT_DATA_DIR
#define GE_DEFAULT_DATA_DIR "data"
#endif
#ifndef GE_DEFAULT_WEB_ROOT
#define GE_DEFAULT_WEB_ROOT "web/dist"
#endif
#define GE_INSTALL_SHARE "share/geoeditor"

typedef enum { GE_CFG_STR, GE_CFG_INT, GE_CFG_SIZE, GE_CFG_LOGLEVEL } ge_cfg_kind;

typedef struct ge_cfg_key {
    const char *key;
    ge_cfg_kind kind;
    size_t offset;
    size_t size; /* buffer size for strings */
    long min, max;
    const char *help;
} ge_cfg_key;

#define GE_STR(k, field, help)                                                                     \
    {                                                                                              \
        k, GE_CFG_STR, offsetof(ge_config, field), sizeof(((ge_config *)0)->field), 0, 0, help     \
    }
#define GE_INT(k, field, lo, hi, help)                                                             \
    {                                                                                              \
        k, GE_CFG_INT, offsetof(ge_config, field), 0, lo, hi, help                                 \
    }
#define GE_SIZE(k, field, lo, hi, help)                                                            \
    {                                                                                              \
        k, GE_CFG_SIZE, offsetof(ge_config, field), 0, lo, hi, help                                \
    }

static const ge_cfg_key ge_config_keys[] = {
    GE_STR("db", db_path, "SpatiaLite store file, or postgresql://... (PostGIS)"),
    GE_STR("basemap", basemap_path,
           "MBTiles file of the base map that import builds and serve reads (empty: "
           "<db>.basemap.mbtiles beside a store file; a PostGIS store has a base map only with "
           "this setting)"),
    GE_STR("bind", bind, "address to listen on"),
    GE_INT("port", port, 0, 65535, "TCP port"),
    GE_INT("srid", srid, 1, 999999,
           "metric CRS (EPSG code) of a new store: 25832, or 25833 in eastern Germany"),
    GE_STR("data_dir", data_dir, "folder with services/ and layers/"),
    GE_STR("web_root", web_root, "folder of the built front end"),
    GE_STR(
        "public_url", public_url,
        "base URL clients reach the server at (e.g. https://geo.example.de), for every link the "
        "server writes: editor_url, OGC API, styles, TileJSON; required unless bind is a loopback "
        "address (empty: http://<bind>:<port>, or the Host header when it names a loopback host)"),
    GE_INT("threads", threads, 0, 256, "HTTP worker threads (0: one per core)"),
    GE_INT("max_connections", max_connections, 1, 100000, "simultaneous connections"),
    GE_INT("connection_timeout", connection_timeout, 1, 3600,
           "seconds an idle connection is kept (between requests, or while a response waits for "
           "the client)"),
    GE_INT(
        "header_timeout", header_timeout, 0, 3600,
        "seconds for a request line and all headers to arrive, from connecting or from the first "
        "byte of a next request on a kept-alive connection; a late one is closed (0: no limit)"),
    GE_INT("body_timeout", body_timeout, 0, 86400,
           "seconds for the whole request body to arrive after the headers; a late one is closed "
           "(0: no limit)"),
    GE_INT("max_connections_per_ip", max_connections_per_ip, 0, 100000,
           "simultaneous connections from one peer address (IPv6: the full address); more are "
           "closed at once. The trusted_proxies are exempt (their connections carry many "
           "clients). 0: no cap"),
    GE_SIZE("max_body", max_body_bytes, 1024, 1L << 30,
            "largest request body (bytes; K/M suffixes)"),
    GE_SIZE("max_header", max_header_bytes, 4096, 1L << 24,
            "largest request header block (bytes; K/M suffixes)"),
    GE_INT("shutdown_grace", shutdown_grace, 0, 600,
           "seconds to finish running requests on SIGTERM"),
    GE_INT("features_limit_default", features_limit_default, 1, 100000,
           "OGC API items per page when the client names no limit"),
    GE_INT("features_limit_max", features_limit_max, 1, 100000,
           "largest limit a client may ask for (a page is built in memory)"),
    GE_INT("draft_lifetime", draft_lifetime, 60, 90 * 86400,
           "seconds an editing draft and its editor link stay valid"),
    GE_INT("session_idle_timeout", session_idle_timeout, 1, 30 * 86400,
           "seconds without a request after which a caseworker session ends"),
    GE_INT("session_max_age", session_max_age, 1, 30 * 86400,
           "seconds after login after which a caseworker session ends"),
    GE_INT("login_lockout", login_lockout, 1, 30 * 86400,
           "seconds a user name (after 5 failed logins) or a client address (after 20; IPv6 per "
           "/64) is locked"),
    GE_INT("webhook_timeout", webhook_timeout, 1, 300,
           "seconds one webhook attempt may take (connect, send, answer)"),
    GE_INT("webhook_max_attempts", webhook_max_attempts, 1, 100,
           "attempts at a webhook delivery before it is marked failed"),
    GE_INT("webhook_retry_base", webhook_retry_base, 1, 86400,
           "seconds before the first webhook retry; doubled for each further one, at most 6 h"),
    GE_INT("conflict_distance", conflict_distance, 0, 500,
           "metres within which the caseworkers' review lists other cases of an overlapping period "
           "as conflicts"),
    GE_INT("purge_interval", purge_interval, 0, 365 * 86400,
           "seconds between the server's retention purges of closed cases past their service's "
           "retention_days (0: off; first run a few seconds after start)"),
    GE_INT("export_concurrency", export_concurrency, 1, 256,
           "case exports (GET /v1/export) built or sent at once across the server; one more is "
           "refused at once with 503 and Retry-After"),
    GE_INT("compute_threads", compute_threads, 0, 256,
           "threads of the pool that runs the rule engine's requests (validation, drafts, the "
           "editor's checks) apart from the HTTP workers (0: one per core)"),
    GE_INT("compute_queue", compute_queue, 0, 100000,
           "computing requests that may wait for a compute thread; one more is refused at once "
           "with 503 and Retry-After"),
    GE_INT("compute_budget_ms", compute_budget_ms, 1, 600000,
           "milliseconds of CPU time one computing request may use; a drawing that needs more is "
           "refused with 422 naming the budget"),
    GE_SIZE("tile_cache", tile_cache_bytes, 0, 1L << 34,
            "encoded vector tiles kept in memory at most (bytes; K/M/G suffixes; 0: no cache)"),
    GE_SIZE("store_cache", store_cache_bytes, 64 << 10, 1L << 30,
            "SQLite page cache of each of the store's 8 connections at most (bytes; K/M "
            "suffixes)"),
    GE_SIZE("prepared_cache", prepared_cache_bytes, 0, 1L << 34,
            "prepared (indexed) reference geometries each thread that checks drawings keeps, "
            "estimated at 100 bytes a vertex; the oldest go beyond it (bytes; K/M/G suffixes; 0: "
            "none, every check uses the plain geometries)"),
    GE_INT("malloc_arenas", malloc_arenas, 0, 1024,
           "memory arenas of the C allocator (glibc) at most; fewer hold less free memory, more "
           "let threads allocate without waiting for each other (0: one per core; glibc's own "
           "default is 8 per core)"),
    GE_INT("malloc_trim_interval", malloc_trim_interval, 0, 86400,
           "seconds between returns of free heap memory to the system (malloc_trim; 0: off)"),
    GE_STR("metrics_allow", metrics_allow,
           "client addresses or prefixes that may read /metrics, comma-separated (e.g. "
           "127.0.0.0/8, ::1, 10.1.2.0/24; empty: none; behind a reverse proxy on this host every "
           "client is loopback)"),
    GE_STR("metrics_token", metrics_token,
           "bearer token (at least 16 characters) with which any address may read /metrics "
           "(Authorization: Bearer <token>; empty: none)"),
    GE_STR("trusted_proxies", trusted_proxies,
           "addresses or prefixes of reverse proxies in front of the server, comma-separated "
           "(e.g. 127.0.0.1/32, 10.1.2.0/24); from these peers the client's address is read from "
           "forwarded_header (walking from the right, past trusted hops), for the login throttle, "
           "metrics_allow and the logs; from anyone else the header is ignored (empty: nobody)"),
    GE_STR("forwarded_header", forwarded_header,
           "the header the trusted proxies set: X-Forwarded-For (haproxy option forwardfor, "
           "nginx) or Forwarded (RFC 7239); the other is ignored, as a client could forge it"),
    {"log_level", GE_CFG_LOGLEVEL, offsetof(ge_config, log_level), 0, 0, 0,
     "debug, info, warn or error"},
};

#define GE_NKEYS (sizeof ge_config_keys / sizeof ge_config_keys[0])

/* An installed binary finds data/ and the front end under its prefix; one
 * in its build folder (or anywhere else without them) uses the source
 * tree's. */
static void ge_config_default_dirs(ge_config *cfg)
{
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", GE_DEFAULT_DATA_DIR);
    snprintf(cfg->web_root, sizeof cfg->web_root, "%s", GE_DEFAULT_WEB_ROOT);
    if (n <= 0) return;
    exe[n] = '\0';
    /* <prefix>/bin/geoeditor -> <prefix> */
    for (int up = 0; up < 2; up++) {
        slash = strrchr(exe, '/');
        if (!slash) return;
        *slash = '\0';
    }
    snprintf(probe, sizeof probe, "%s/" GE_INSTALL_SHARE "/data/services", exe);
    if (access(probe, R_OK) != 0) return;
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s/" GE_INSTALL_SHARE "/data", exe);
    snprintf(cfg->web_root, sizeof cfg->web_root, "%s/" GE_INSTALL_SHARE "/web", exe);
}

void ge_config_basemap_path(const ge_config *cfg, char *out, size_t size)
{
    if (cfg->basemap_path[0])
        snprintf(out, size, "%s", cfg->basemap_path);
    else if (ge_store_path_is_postgres(cfg->db_path))
        snprintf(out, size, "%s", "");
    else
        ge_basemap_path(cfg->db_path, out, size);
}

void ge_config_defaults(ge_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->db_path, sizeof cfg->db_path, "geoeditor.sqlite");
    snprintf(cfg->bind, sizeof cfg->bind, "127.0.0.1");
    cfg->port = 8080;
    cfg->srid = 25832;
    ge_config_default_dirs(cfg);
    cfg->threads = 0;
    cfg->max_connections = 1024;
    cfg->connection_timeout = 30;
    cfg->header_timeout = 10;
    /* 8 MiB (max_body) in 60 s needs about 1.1 Mbit/s. */
    cfg->body_timeout = 60;
    /* Browsers open up to 6 connections per host, and a town hall's staff
     * may all come from one address: 64 leaves room for about ten of them. */
    cfg->max_connections_per_ip = 64;
    cfg->max_body_bytes = 8u << 20;
    cfg->max_header_bytes = 64u << 10;
    cfg->shutdown_grace = 10;
    cfg->features_limit_default = 100;
    cfg->features_limit_max = 10000;
    cfg->draft_lifetime = 7 * 86400;
    cfg->session_idle_timeout = 30 * 60;
    cfg->session_max_age = 12 * 3600;
    cfg->login_lockout = 15 * 60;
    cfg->webhook_timeout = 10;
    cfg->webhook_max_attempts = 8;
    cfg->webhook_retry_base = 30;
    cfg->conflict_distance = 2;
    cfg->purge_interval = 86400;
    /* An export holds a worker thread while GDAL writes (about 1 s for 10000
     * cases) and its whole file in memory until the client has it: two keep
     * a 2-core server answering everyone else. */
    cfg->export_concurrency = 2;
    cfg->compute_threads = 0;
    cfg->compute_queue = 64;
    cfg->tile_cache_bytes = 64u << 20;
    /* SQLite's own default (cache_size = -2000). */
    cfg->store_cache_bytes = 2000u << 10;
    cfg->prepared_cache_bytes = GE_REFINDEX_PREPARED_DEFAULT;
    cfg->malloc_arenas = 0;
    cfg->malloc_trim_interval = 60;
    cfg->compute_budget_ms = 1000;
    snprintf(cfg->metrics_allow, sizeof cfg->metrics_allow, "127.0.0.0/8, ::1");
    snprintf(cfg->forwarded_header, sizeof cfg->forwarded_header, "X-Forwarded-For");
    cfg->log_level = GE_LOG_INFO;
}

static const ge_cfg_key *ge_config_find(const char *key)
{
    for (size_t i = 0; i < GE_NKEYS; i++)
        if (strcmp(ge_config_keys[i].key, key) == 0) return &ge_config_keys[i];
    return NULL;
}

static int ge_config_parse_long(const char *value, long *out, bool allow_suffix)
{
    char *end;
    long mult = 1;

    errno = 0;
    long v = strtol(value, &end, 10);
    if (end == value || errno) return -1;
    if (allow_suffix && *end) {
        switch (toupper((unsigned char)*end)) {
        case 'K':
            mult = 1L << 10;
            break;
        case 'M':
            mult = 1L << 20;
            break;
        case 'G':
            mult = 1L << 30;
            break;
        default:
            return -1;
        }
        end++;
        /* "8M", "8MB" and "8MiB" all mean 8 * 2^20: sizes here are never decimal. */
        if (*end == 'i') end++;
        if (*end == 'B') end++;
    }
    if (*end) return -1;
    if (v > 0 && v > __LONG_MAX__ / mult) return -1;
    *out = v * mult;
    return 0;
}

int ge_config_set(ge_config *cfg, const char *key, const char *value, ge_err *err)
{
    const ge_cfg_key *k = ge_config_find(key);
    char *field;
    long v;

    if (!k) {
        char known[1024] = "";
        for (size_t i = 0; i < GE_NKEYS; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, ge_config_keys[i].key, sizeof known - strlen(known) - 1);
        }
        return ge_err_set(err, GE_EINVAL, "unknown setting '%s' (known: %s)", key, known);
    }
    field = (char *)cfg + k->offset;
    switch (k->kind) {
    case GE_CFG_STR:
        if (strlen(value) >= k->size)
            return ge_err_set(err, GE_EINVAL, "setting '%s': value is longer than %zu characters",
                              key, k->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return GE_OK;
    case GE_CFG_INT:
    case GE_CFG_SIZE:
        if (ge_config_parse_long(value, &v, k->kind == GE_CFG_SIZE) != 0)
            return ge_err_set(err, GE_EINVAL, "setting '%s': '%s' is not %s", key, value,
                              k->kind == GE_CFG_SIZE ? "a size (e.g. 8M)" : "a whole number");
        if (v < k->min || v > k->max)
            return ge_err_set(err, GE_EINVAL, "setting '%s': %ld is outside %ld..%ld", key, v,
                              k->min, k->max);
        if (k->kind == GE_CFG_INT)
            *(int *)field = (int)v;
        else
            *(size_t *)field = (size_t)v;
        return GE_OK;
    case GE_CFG_LOGLEVEL:
        v = ge_log_level_parse(value);
        if (v < 0)
            return ge_err_set(err, GE_EINVAL,
                              "setting '%s': '%s' is not one of debug, info, warn, error", key,
                              value);
        *(int *)field = (int)v;
        return GE_OK;
    }
    return ge_err_set(err, GE_EINTERNAL, "setting '%s': unhandled kind", key);
}

static char *ge_config_trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

int ge_config_load_file(ge_config *cfg, const char *path, ge_err *err)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int lineno = 0, rc = GE_OK;

    if (!f) return ge_err_set(err, GE_EIO, "cannot read config file %s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        char *s, *eq, *key, *value;
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = ge_err_set(err, GE_EINVAL, "%s:%d: line is too long", path, lineno);
            goto out;
        }
        s = ge_config_trim(line);
        if (*s == '\0' || *s == '#') continue;
        eq = strchr(s, '=');
        if (!eq) {
            rc = ge_err_set(err, GE_EINVAL, "%s:%d: expected 'key = value', got '%s'", path, lineno,
                            s);
            goto out;
        }
        *eq = '\0';
        key = ge_config_trim(s);
        value = ge_config_trim(eq + 1);
        /* Allow "value" in quotes so that paths with trailing spaces survive. */
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = '\0';
            value++;
        }
        rc = ge_config_set(cfg, key, value, err);
        if (rc < 0) {
            ge_err_prefix(err, "%s:%d", path, lineno);
            goto out;
        }
    }
    if (ferror(f)) rc = ge_err_set(err, GE_EIO, "error reading config file %s", path);
out:
    fclose(f);
    return rc;
}

int ge_config_load_env(ge_config *cfg, ge_err *err)
{
    for (size_t i = 0; i < GE_NKEYS; i++) {
        char name[64];
        const char *v;
        snprintf(name, sizeof name, "GEOEDITOR_%s", ge_config_keys[i].key);
        for (char *p = name; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        v = getenv(name);
        if (v && ge_config_set(cfg, ge_config_keys[i].key, v, err) < 0) {
            ge_err_prefix(err, "environment %s", name);
            return err ? err->code : GE_EINVAL;
        }
    }
    return GE_OK;
}

bool ge_config_has_key(const char *key)
{
    return ge_config_find(key) != NULL;
}

static bool ge_config_in(const char *const *keys, const char *key)
{
    if (!keys) return true;
    for (; *keys; keys++)
        if (strcmp(*keys, key) == 0) return true;
    return false;
}

void ge_config_print_help_filtered(FILE *out, const char *const *keys)
{
    ge_config d;
    ge_config_defaults(&d);
    for (size_t i = 0; i < GE_NKEYS; i++) {
        const ge_cfg_key *k = &ge_config_keys[i];
        if (!ge_config_in(keys, k->key)) continue;
        char flag[64], env[64], def[PATH_MAX + 32];
        snprintf(flag, sizeof flag, "--%s", k->key);
        for (char *p = flag; *p; p++)
            if (*p == '_') *p = '-';
        snprintf(env, sizeof env, "GEOEDITOR_%s", k->key);
        for (char *p = env; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *field = (const char *)&d + k->offset;
        switch (k->kind) {
        case GE_CFG_STR:
            snprintf(def, sizeof def, "%s", field);
            break;
        case GE_CFG_INT:
            snprintf(def, sizeof def, "%d", *(const int *)field);
            break;
        case GE_CFG_SIZE:
            snprintf(def, sizeof def, "%zu", *(const size_t *)field);
            break;
        case GE_CFG_LOGLEVEL:
            snprintf(def, sizeof def, "info");
            break;
        }
        fprintf(out, "  %-22s %s\n  %-22s   env %s, file key '%s', default '%s'\n", flag, k->help,
                "", env, k->key, def);
    }
}
