/*
 * handlers_review_app.c - the caseworkers' review app page:
 *
 *   GET /review, /review/, /review/index.html   the built app (web_root/review.html)
 *
 * The page is one file for everybody and holds no case data (the script asks
 * the API for that with the session cookie); what is filled in here is the
 * language of <html lang> from Accept-Language (the app lets the caseworker
 * switch it), in place of __GE_LANG__, so that the very first paint and
 * screen readers already have the right language.
 *
 * Unlike the applicant's editor the review app is never embedded: its
 * decision buttons change cases, so a page of another origin framing it
 * invisibly could trick a caseworker into clicking them (clickjacking). The
 * answer therefore says frame-ancestors 'none'.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "log.h"

#define GE_REVIEW_APP_PAGE     "review.html"
#define GE_REVIEW_APP_MAX_PAGE (1u << 20)
#define GE_REVIEW_APP_LANG_TAG "__GE_LANG__"

/* The server's HTML policy (http_send.c), but never framed. */
#define GE_REVIEW_APP_CSP                                                               \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "         \
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "           \
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; " \
    "frame-ancestors 'none'"

/* Reads web_root/review.html. GE_ENOENT when the front end is not built. */
static int ge_review_app_read(const ge_req *req, char **out, size_t *len, ge_err *err)
{
    char path[PATH_MAX + 32];
    FILE *f = NULL;
    char *p = NULL;
    long size;
    int rc;

    *out = NULL;
    *len = 0;
    snprintf(path, sizeof path, "%s/%s", req->ctx->cfg->web_root, GE_REVIEW_APP_PAGE);
    f = fopen(path, "rb");
    if (!f) {
        rc = ge_err_set(err, errno == ENOENT ? GE_ENOENT : GE_EIO, "%s: %s", path,
                        strerror(errno));
        goto err;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (unsigned long)size > GE_REVIEW_APP_MAX_PAGE) {
        rc = ge_err_set(err, GE_EIO, "%s: cannot read it or larger than 1 MiB", path);
        goto err;
    }
    p = malloc((size_t)size + 1);
    if (!p) {
        rc = ge_err_set(err, GE_ENOMEM, "out of memory");
        goto err;
    }
    if (fread(p, 1, (size_t)size, f) != (size_t)size) {
        rc = ge_err_set(err, GE_EIO, "%s: short read", path);
        goto err;
    }
    p[size] = '\0';
    *out = p;
    *len = (size_t)size;
    p = NULL;
    rc = GE_OK;
err:
    free(p);
    if (f) fclose(f);
    return rc;
}

/* The page with every __GE_LANG__ replaced by lang (two letters, so the
 * result is never longer than the page). */
static void ge_review_app_fill(char *page, const char *lang)
{
    size_t tag = strlen(GE_REVIEW_APP_LANG_TAG), n = strlen(lang);
    char *at;

    while ((at = strstr(page, GE_REVIEW_APP_LANG_TAG)) != NULL) {
        memcpy(at, lang, n);
        memmove(at + n, at + tag, strlen(at + tag) + 1);
    }
}

static int ge_review_app_page(ge_req *req, ge_resp *resp, void *ud)
{
    char *page = NULL;
    size_t len;
    ge_err err;
    int rc;

    (void)ud;
    rc = ge_review_app_read(req, &page, &len, &err);
    if (rc == GE_ENOENT) {
        ge_log(GE_LOG_ERROR, "review app page missing: build the front end (web/dist)", "{s:s}",
               "detail", err.msg);
        ge_resp_problem(resp, req, 503,
                        GE_TR(req, "The review app is not installed on this server.",
                              "Die Prüf-App ist auf diesem Server nicht installiert."));
        rc = GE_EIO;
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    ge_review_app_fill(page, ge_req_lang(req) == GE_LANG_DE ? "de" : "en");
    ge_resp_header(resp, "Content-Security-Policy", GE_REVIEW_APP_CSP);
    ge_resp_header(resp, "X-Frame-Options", "DENY");
    ge_resp_header(resp, "Vary", "Accept-Language");
    rc = ge_resp_take(resp, 200, "text/html; charset=utf-8", page, strlen(page));
    page = NULL;
err:
    free(page);
    return rc;
}

int ge_handlers_review_app_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    static const char *const paths[] = {"/review", "/review/", "/review/index.html"};
    int rc = GE_OK;

    for (size_t i = 0; rc == GE_OK && i < sizeof paths / sizeof paths[0]; i++)
        rc = ge_router_add(r, "GET", paths[i], ge_review_app_page, ctx, err);
    return rc;
}
