/*
 * web_manifest.c - vite's build manifest of the front end (see
 * web_manifest.h).
 */
#include "web_manifest.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"

struct ge_web_manifest {
    pthread_mutex_t mu;
    char path[4096];
    json_t *doc; /* the parsed manifest, NULL until read or when unreadable */
    off_t size;
    struct timespec mtime;
    bool seen; /* size and mtime above describe what doc was read from */
};

ge_web_manifest *ge_web_manifest_new(const char *web_root)
{
    ge_web_manifest *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    pthread_mutex_init(&m->mu, NULL);
    snprintf(m->path, sizeof m->path, "%s/.vite/manifest.json", web_root ? web_root : "");
    return m;
}

void ge_web_manifest_free(ge_web_manifest *m)
{
    if (!m) return;
    json_decref(m->doc);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* Re-reads the manifest when the file changed; called with m->mu held. */
static void ge_web_manifest_refresh(ge_web_manifest *m)
{
    struct stat sb;
    json_error_t jerr;

    if (stat(m->path, &sb) != 0) {
        json_decref(m->doc);
        m->doc = NULL;
        m->seen = false;
        return;
    }
    if (m->seen && sb.st_size == m->size && sb.st_mtim.tv_sec == m->mtime.tv_sec &&
        sb.st_mtim.tv_nsec == m->mtime.tv_nsec)
        return;
    json_decref(m->doc);
    m->doc = json_load_file(m->path, 0, &jerr);
    if (!m->doc)
        ge_log(GE_LOG_WARN, "cannot read the front end's manifest", "{s:s, s:s}", "path", m->path,
               "error", jerr.text);
    m->size = sb.st_size;
    m->mtime = sb.st_mtim;
    m->seen = true;
}

static void ge_web_copy(char *dst, size_t size, json_t *s)
{
    const char *v = json_string_value(s);
    snprintf(dst, size, "%s", v ? v : "");
}

bool ge_web_manifest_entry(ge_web_manifest *m, const char *entry, ge_web_entry *out)
{
    json_t *e, *imp;
    size_t i;
    bool found = false;

    memset(out, 0, sizeof *out);
    if (!m) return false;
    pthread_mutex_lock(&m->mu);
    ge_web_manifest_refresh(m);
    e = m->doc ? json_object_get(m->doc, entry) : NULL;
    if (json_is_string(json_object_get(e, "file"))) {
        found = true;
        ge_web_copy(out->js, sizeof out->js, json_object_get(e, "file"));
        ge_web_copy(out->css, sizeof out->css, json_array_get(json_object_get(e, "css"), 0));
        json_array_foreach(json_object_get(e, "imports"), i, imp)
        {
            json_t *chunk =
                json_object_get(m->doc, json_string_value(imp) ? json_string_value(imp) : "");
            size_t k;
            json_t *css;
            json_array_foreach(json_object_get(chunk, "css"), k, css)
            {
                if (out->n_chunk_css < sizeof out->chunk_css / sizeof out->chunk_css[0])
                    ge_web_copy(out->chunk_css[out->n_chunk_css++], sizeof out->chunk_css[0], css);
            }
        }
    }
    pthread_mutex_unlock(&m->mu);
    return found;
}
