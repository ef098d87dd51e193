/*
 * geos_ctx.c - per-thread GEOS contexts with a readable last error (geos_ctx.h).
 *
 * The error text is kept with the handle (GEOS passes our pointer back to the
 * handler), so that a failing overlay can be explained in a ge_err instead of
 * going to stderr, which is where GEOS's default handler would write it.
 * GEOS has no call to get a handle's user data back, so the boxes sit in a
 * small registry; it is only searched when an error is being explained, and
 * contexts are created rarely (once per worker thread), so one mutex is enough.
 */
#include "geos_ctx.h"

#include "budget.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ge_geos_box {
    GEOSContextHandle_t h;
    char msg[256];
    struct ge_geos_box *next;
} ge_geos_box;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static ge_geos_box *registry;
static _Thread_local GEOSContextHandle_t tls_ctx;

static void ge_geos_on_error(const char *message, void *ud)
{
    ge_geos_box *box = ud;
    snprintf(box->msg, sizeof box->msg, "%s", message);
    /* GEOS reports an interruption (budget.h) as an error of the call that
     * was interrupted, on the thread that ran it. */
    if (strncmp(message, "InterruptedException", 20) == 0) ge_budget_note_interrupt();
}

static void ge_geos_on_notice(const char *message, void *ud)
{
    /* Notices (e.g. "Self-intersection at ...") are not failures; the rule
     * engine asks GEOSisValidDetail for them itself. */
    (void)message;
    (void)ud;
}

GEOSContextHandle_t ge_geos_ctx_new(void)
{
    ge_geos_box *box = calloc(1, sizeof *box);
    if (!box) return NULL;
    box->h = GEOS_init_r();
    if (!box->h) {
        free(box);
        return NULL;
    }
    GEOSContext_setErrorMessageHandler_r(box->h, ge_geos_on_error, box);
    GEOSContext_setNoticeMessageHandler_r(box->h, ge_geos_on_notice, box);
    pthread_mutex_lock(&registry_lock);
    box->next = registry;
    registry = box;
    pthread_mutex_unlock(&registry_lock);
    return box->h;
}

void ge_geos_ctx_free(GEOSContextHandle_t h)
{
    ge_geos_box **pp, *box = NULL;

    if (!h) return;
    pthread_mutex_lock(&registry_lock);
    for (pp = &registry; *pp; pp = &(*pp)->next) {
        if ((*pp)->h == h) {
            box = *pp;
            *pp = box->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    GEOS_finish_r(h);
    free(box);
}

const char *ge_geos_last_error(GEOSContextHandle_t h)
{
    const char *msg = "";

    /* The box belongs to h and only h's thread writes it, so the pointer stays
     * valid after unlocking for as long as the caller holds h. */
    pthread_mutex_lock(&registry_lock);
    for (ge_geos_box *b = registry; b; b = b->next) {
        if (b->h == h) {
            msg = b->msg;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return msg;
}

/* A thread that ends without calling ge_geos_thread_cleanup() (a pool thread
 * of the HTTP library, which has no exit hook) still frees its context: the
 * key's destructor runs at thread exit, before glibc frees the thread's TLS. */
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

static void ge_geos_thread_exit(void *unused)
{
    (void)unused;
    ge_geos_thread_cleanup();
}

static void ge_geos_make_exit_key(void)
{
    pthread_key_create(&exit_key, ge_geos_thread_exit);
}

GEOSContextHandle_t ge_geos_ctx(void)
{
    if (!tls_ctx) {
        tls_ctx = ge_geos_ctx_new();
        if (tls_ctx) {
            pthread_once(&exit_key_once, ge_geos_make_exit_key);
            pthread_setspecific(exit_key, tls_ctx);
        }
    }
    return tls_ctx;
}

void ge_geos_thread_cleanup(void)
{
    if (!tls_ctx) return;
    pthread_setspecific(exit_key, NULL);
    ge_geos_ctx_free(tls_ctx);
    tls_ctx = NULL;
}
