/*
 * handlers_editor.c - the applicant's editor page:
 *
 *   GET /edit/{token}   the built editor (web_root/edit.html) for the draft the
 *                       capability token opens, or an HTML page in German and
 *                       English saying why not (404 unknown token, 410 expired
 *                       or submitted draft).
 *
 * The page is the same file for every draft; what differs is filled in here:
 *  - the editor's configuration (draft id, service, locale, the client's
 *    allowed origins) as HTML-escaped JSON in place of __GE_EDITOR_CONFIG__
 *    (a <meta> content attribute, which the script reads; data, not code, so
 *    the CSP can stay free of 'unsafe-inline' scripts), and the draft's
 *    language in place of __GE_LANG__ (<html lang>);
 *  - a Content-Security-Policy whose frame-ancestors lists exactly the
 *    client's origins, so that only the form server that opened the draft
 *    can frame the page (a popup needs no frame-ancestors; the page then
 *    talks to window.opener, again only at those origins).
 *
 * The token itself is not written into the page: the script takes it from
 * location.pathname, and it never reaches a log (the route parameter is named
 * "token", router.h). Responses are no-store (the default), since the page
 * belongs to one applicant.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../geo/core/buf.h"
#include "../geo/store/store_forms.h"
#include "../geo/core/token.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "origin.h"

#define GE_EDITOR_PAGE       "edit.html"
#define GE_EDITOR_MAX_PAGE   (1u << 20)
#define GE_EDITOR_CONFIG_TAG "__GE_EDITOR_CONFIG__"
#define GE_EDITOR_LANG_TAG   "__GE_LANG__"

/* The server's HTML policy (http_send.c) with frame-ancestors of the client. */
#define GE_EDITOR_CSP                                                                              \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "                      \
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "            \
    "frame-ancestors"

/* ---- the error pages ----------------------------------------------------- */

/* A small self-contained page in both languages: the applicant may come
 * from a form in either, and the draft's locale is unknown for a bad token.
 * The primary language (from Accept-Language) goes first. */
static int ge_editor_error_page(ge_req *req, ge_resp *resp, int status, ge_text title, ge_text text)
{
    bool de_first = ge_req_lang(req) == GE_LANG_DE;
    const char *titles[2] = {ge_text_pick(title, de_first), ge_text_pick(title, !de_first)};
    const char *texts[2] = {ge_text_pick(text, de_first), ge_text_pick(text, !de_first)};
    const char *langs[2] = {de_first ? "de" : "en", de_first ? "en" : "de"};
    ge_buf b = {0};

    ge_buf_puts(&b, "<!doctype html>\n<html lang=\"");
    ge_buf_puts(&b, langs[0]);
    ge_buf_puts(&b, "\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                    "<title>");
    ge_buf_put_html(&b, titles[0]);
    ge_buf_puts(&b, " - geoEDITOR</title><style>"
                    "body{font:1rem/1.5 system-ui,sans-serif;color:#1d2733;background:#f6f7f9;"
                    "margin:0;padding:2rem 1rem}main{max-width:36rem;margin:auto;"
                    "background:#fff;border:1px solid #c9d1da;border-radius:8px;"
                    "padding:1.5rem}h1{font-size:1.3rem;margin:0 0 .5rem}"
                    "section+section{border-top:1px solid #e1e5ea;margin-top:1rem;"
                    "padding-top:1rem}</style></head><body><main>");
    for (int i = 0; i < 2; i++) {
        ge_buf_puts(&b, "<section lang=\"");
        ge_buf_puts(&b, langs[i]);
        ge_buf_puts(&b, i == 0 ? "\"><h1>" : "\"><h2>");
        ge_buf_put_html(&b, titles[i]);
        ge_buf_puts(&b, i == 0 ? "</h1><p>" : "</h2><p>");
        ge_buf_put_html(&b, texts[i]);
        ge_buf_puts(&b, "</p></section>");
    }
    ge_buf_puts(&b, "</main></body></html>\n");
    if (b.failed) {
        free(b.data);
        return GE_ENOMEM;
    }
    return ge_resp_take(resp, status, "text/html; charset=utf-8", b.data, b.len);
}

/* ---- the page ------------------------------------------------------------ */

/* The allowed origins of the draft's client as a new JSON array; only the
 * ones that are origins as a browser writes them (cli_client.c refuses
 * others at "client add"; checked again because they go into a header). */
static int ge_editor_origins(ge_req *req, int64_t client_id, json_t **out, ge_err *err)
{
    ge_client *clients = NULL;
    size_t n = 0;
    json_t *all = NULL, *v, *origins = json_array();
    size_t i, j;
    int rc;

    *out = NULL;
    if (!origins) return ge_err_set(err, GE_ENOMEM, "out of memory");
    /* There is no lookup by id in store_forms.h; the list of clients is a
     * handful of form servers, so scanning it costs nothing that matters. */
    rc = ge_store_client_list(req->ctx->store, &clients, &n, err);
    if (rc < 0) goto err;
    for (i = 0; i < n; i++) {
        if (clients[i].id != client_id) continue;
        if (clients[i].revoked_at[0]) break; /* a revoked client embeds nothing */
        all = clients[i].origins_json ? json_loads(clients[i].origins_json, 0, NULL) : NULL;
        json_array_foreach(all, j, v)
        {
            char why[160];
            const char *s = json_string_value(v);
            if (s && ge_origin_valid(s, why, sizeof why))
                json_array_append_new(origins, json_string(s));
        }
        break;
    }
    *out = origins;
    origins = NULL;
    rc = GE_OK;
err:
    json_decref(all);
    json_decref(origins);
    ge_client_list_free(clients, n);
    return rc;
}

/* Reads web_root/edit.html. GE_ENOENT when the front end is not built. */
static int ge_editor_read_page(const ge_req *req, char **out, ge_err *err)
{
    char path[PATH_MAX + 32];
    FILE *f = NULL;
    char *p = NULL;
    long size;
    int rc;

    *out = NULL;
    snprintf(path, sizeof path, "%s/%s", req->ctx->cfg->web_root, GE_EDITOR_PAGE);
    f = fopen(path, "rb");
    if (!f) {
        rc = ge_err_set(err, errno == ENOENT ? GE_ENOENT : GE_EIO, "%s: %s", path, strerror(errno));
        goto err;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (unsigned long)size > GE_EDITOR_MAX_PAGE) {
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
    p = NULL;
    rc = GE_OK;
err:
    free(p);
    if (f) fclose(f);
    return rc;
}

/* page with every placeholder replaced. */
static void ge_editor_fill(ge_buf *b, const char *page, const char *config, const char *lang)
{
    const char *s = page;
    for (;;) {
        const char *c = strstr(s, GE_EDITOR_CONFIG_TAG), *l = strstr(s, GE_EDITOR_LANG_TAG);
        const char *next = c && (!l || c < l) ? c : l;
        if (!next) break;
        ge_buf_put(b, s, (size_t)(next - s));
        if (next == c) {
            ge_buf_put_html(b, config);
            s = next + strlen(GE_EDITOR_CONFIG_TAG);
        } else {
            ge_buf_puts(b, lang);
            s = next + strlen(GE_EDITOR_LANG_TAG);
        }
    }
    ge_buf_puts(b, s);
}

static int ge_editor_page(ge_req *req, ge_resp *resp, void *ud)
{
    const char *token = ge_req_param(req, "token");
    char hash[GE_TOKEN_HASH_LEN], now[32];
    ge_draft d;
    json_t *origins = NULL, *config = NULL, *v;
    char *page = NULL, *config_text = NULL;
    ge_buf csp = {0}, out = {0};
    const char *lang;
    size_t i;
    ge_err err;
    int rc;

    (void)ud;
    memset(&d, 0, sizeof d);
    ge_token_hash(token ? token : "", hash);
    rc = ge_token_plausible(token) ? ge_store_draft_by_token(req->ctx->store, hash, &d, &err)
                                   : ge_err_set(&err, GE_ENOENT, "no such draft");
    if (rc == GE_ENOENT) {
        rc = ge_editor_error_page(
            req, resp, 404,
            GE_TEXT(DE("Dieser Bearbeitungslink ist ungültig"),
                    EN("This editing link is not valid")),
            GE_TEXT(DE("Der Link öffnet keinen Antrag. Bitte öffnen Sie die Karte erneut aus Ihrem "
                       "Online-Formular."),
                    EN("The link opens no application. Please open the map again from your online "
                       "form.")));
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    ge_forms_utc_in(req, 0, now);
    if (d.submitted_at[0]) {
        rc = ge_editor_error_page(
            req, resp, 410,
            GE_TEXT(DE("Dieser Antrag wurde bereits eingereicht"),
                    EN("This application has already been submitted")),
            GE_TEXT(
                DE("Die Zeichnung ist Teil des eingereichten Antrags und kann nicht mehr geändert "
                   "werden."),
                EN("The drawing is part of the submitted application and can no longer be "
                   "changed.")));
        goto err;
    }
    if (strcmp(d.expires_at, now) <= 0) {
        rc = ge_editor_error_page(
            req, resp, 410,
            GE_TEXT(DE("Dieser Bearbeitungslink ist abgelaufen"),
                    EN("This editing link has expired")),
            GE_TEXT(
                DE("Bitte beginnen Sie erneut in Ihrem Online-Formular; es öffnet die Karte mit "
                   "einem neuen Link."),
                EN("Please start again from your online form; it opens the map with a new link.")));
        goto err;
    }

    rc = ge_editor_origins(req, d.client_id, &origins, &err);
    if (rc == GE_OK) rc = ge_editor_read_page(req, &page, &err);
    if (rc == GE_ENOENT) {
        ge_log(GE_LOG_ERROR, "editor page missing: build the front end (web/dist)", "{s:s}",
               "detail", err.msg);
        ge_resp_problem(resp, req, 503,
                        GE_TR(req, DE("Die Editorseite ist auf diesem Server nicht installiert."),
                              EN("The editor page is not installed on this server.")));
        rc = GE_EIO;
        goto err;
    }
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    lang = strcmp(d.locale, "en") == 0 ? "en" : "de";
    config = json_pack("{s:s, s:s, s:s, s:s, s:O, s:b}", "draft_id", d.id, "service", d.service,
                       "locale", lang, "expires_at", d.expires_at, "origins", origins,
                       "period_editable", d.period_editable || !d.period_start[0]);
    /* the period the drawing is checked for, shown beside the status (and
     * changeable there when the form server allows it: period_editable, or
     * set none, which the rules then ask for: PUT .../period takes it) */
    if (config && d.period_start[0])
        json_object_set_new(config, "period",
                            json_pack("{s:s, s:s}", "start", d.period_start, "end", d.period_end));
    config_text = config ? json_dumps(config, JSON_COMPACT) : NULL;
    if (!config_text) {
        rc = GE_ENOMEM;
        goto err;
    }

    ge_buf_puts(&csp, GE_EDITOR_CSP);
    json_array_foreach(origins, i, v)
    {
        ge_buf_puts(&csp, " ");
        ge_buf_puts(&csp, json_string_value(v));
    }
    /* No allowed origin: no one may frame it (the popup still works). */
    if (json_array_size(origins) == 0) ge_buf_puts(&csp, " 'none'");
    ge_editor_fill(&out, page, config_text, lang);
    if (csp.failed || out.failed) {
        rc = GE_ENOMEM;
        goto err;
    }
    ge_resp_header(resp, "Content-Security-Policy", csp.data);
    rc = ge_resp_take(resp, 200, "text/html; charset=utf-8", out.data, out.len);
    out.data = NULL;
err:
    free(out.data);
    free(csp.data);
    free(config_text);
    free(page);
    json_decref(config);
    json_decref(origins);
    ge_draft_clear(&d);
    return rc;
}

int ge_handlers_editor_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    return ge_router_add(r, "GET", "/edit/{token}", ge_editor_page, ctx, err);
}
