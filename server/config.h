/*
 * config.h - the deployment's settings: defaults, then a file, then the
 * environment (GEOEDITOR_<KEY>), then command-line flags; later wins.
 *
 * The file holds "key = value" lines with '#' comments; every key is listed in
 * ge_config_keys (config.c), which also gives its environment variable name
 * and help text, so that an unknown key is a clear error everywhere.
 */
#ifndef GE_CONFIG_H
#define GE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../geo/core/error.h"

typedef struct ge_config {
    char db_path[PATH_MAX];  /* db: the SpatiaLite store file */
    char bind[64];           /* bind: listen address */
    int port;                /* port */
    int srid;                /* srid: metric CRS of a new store */
    char data_dir[PATH_MAX]; /* data_dir: services, layer mappings */
    char web_root[PATH_MAX]; /* web_root: built front end (web/dist) */
    char public_url[256];    /* public_url: how clients reach us, for links (http.h) */
    int threads;             /* threads: HTTP worker threads (0 = one per core) */
    int max_connections;     /* max_connections */
    int connection_timeout;  /* connection_timeout: seconds idle before a connection is closed */
    int header_timeout;      /* header_timeout: seconds for request line + headers (0 = none) */
    int body_timeout;        /* body_timeout: seconds for the body after the headers (0 = none) */
    int max_connections_per_ip; /* max_connections_per_ip: per client address (0 = no cap) */

    /* trusted_proxies: peers whose forwarding header names the client (forwarded.h) */
    char trusted_proxies[512];
    char forwarded_header[32]; /* forwarded_header: X-Forwarded-For or Forwarded */

    size_t max_body_bytes;      /* max_body: request body limit */
    size_t max_header_bytes;    /* max_header: request header limit (memory per connection) */
    int shutdown_grace;         /* shutdown_grace: seconds to drain on SIGTERM */
    int features_limit_default; /* features_limit_default: items per page without ?limit */
    int features_limit_max;     /* features_limit_max: largest ?limit (bounds a page's memory) */
    int draft_lifetime;         /* draft_lifetime: seconds an editing draft and its link live */
    int session_idle_timeout; /* session_idle_timeout: seconds without a request ending a session */
    int session_max_age;      /* session_max_age: seconds after login ending a session */
    int login_lockout;   /* login_lockout: seconds a name or address is locked after failures */
    int webhook_timeout; /* webhook_timeout: seconds one webhook attempt may take */
    int webhook_max_attempts; /* webhook_max_attempts: attempts before a delivery fails */
    int webhook_retry_base;   /* webhook_retry_base: seconds before the first retry (doubling) */
    int conflict_distance;  /* conflict_distance: metres within which the review lists conflicts */
    int purge_interval;     /* purge_interval: seconds between retention purges (0 = off) */
    int export_concurrency; /* export_concurrency: case exports built or sent at once, server-wide
                             */
    int compute_threads; /* compute_threads: pool for the rule engine's routes (0 = one per core) */
    int compute_queue;   /* compute_queue: computing requests waiting at most */
    int compute_budget_ms;   /* compute_budget_ms: CPU time per computing request */
    char metrics_allow[512]; /* metrics_allow: addresses/prefixes that may read /metrics */
    char metrics_token[256]; /* metrics_token: bearer token that may read /metrics ("" = none) */
    int log_level;           /* log_level */

    /* Memory: the caches' limits and the C allocator (mem_trim.h). */
    size_t tile_cache_bytes;     /* tile_cache: encoded tiles kept in memory at most */
    size_t store_cache_bytes;    /* store_cache: SQLite page cache of each store connection */
    size_t prepared_cache_bytes; /* prepared_cache: prepared reference geometries per thread */
    int malloc_arenas;           /* malloc_arenas: glibc arenas at most (0 = one per core) */
    int malloc_trim_interval;    /* malloc_trim_interval: seconds between malloc_trim (0 = off) */

    /* basemap: the base map's MBTiles file ("": beside a file store) */
    char basemap_path[PATH_MAX];
} ge_config;

void ge_config_defaults(ge_config *cfg);

/* The base map file that import writes and serve reads: the basemap
 * setting when given, else "<db>.basemap.mbtiles" beside a file store, else
 * "" - a PostGIS store (db a connection string) has no folder of its own, so
 * without the setting it has no base map. */
void ge_config_basemap_path(const ge_config *cfg, char *out, size_t size);

/* Sets one key from text (file, environment or flag all come through here). */
int ge_config_set(ge_config *cfg, const char *key, const char *value, ge_err *err);

int ge_config_load_file(ge_config *cfg, const char *path, ge_err *err);

/* Applies every GEOEDITOR_<KEY> variable that is set. */
int ge_config_load_env(ge_config *cfg, ge_err *err);

/* True when key is a known setting. */
bool ge_config_has_key(const char *key);

/* Help lines for "--help": one per key in keys (NULL: all keys), with its
 * flag, environment variable and default. */
void ge_config_print_help_filtered(FILE *out, const char *const *keys);

#endif
