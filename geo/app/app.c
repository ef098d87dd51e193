/*
 * app.c - the use cases' context (its clock) and results (app.h).
 */
#include "app.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

time_t ge_app_now(const ge_app *app)
{
    return app && app->clock ? app->clock(app->clock_ud) : time(NULL);
}

void ge_app_utc_in(const ge_app *app, long seconds, char out[GE_DATE_UTC_LEN])
{
    ge_date_utc(ge_app_now(app) + seconds, out);
}

ge_date ge_app_today(const ge_app *app)
{
    return ge_date_local(ge_app_now(app));
}

void ge_app_result_init(ge_app_result *r)
{
    memset(r, 0, sizeof *r);
}

void ge_app_result_clear(ge_app_result *r)
{
    json_decref(r->extra);
    ge_app_result_init(r);
}

static int ge_app_code(ge_app_kind kind)
{
    switch (kind) {
    case GE_APP_OK:
        return GE_OK;
    case GE_APP_INVALID:
        return GE_EINVAL;
    case GE_APP_NOT_FOUND:
        return GE_ENOENT;
    case GE_APP_CONFLICT:
    case GE_APP_STALE:
        return GE_ECONFLICT;
    case GE_APP_GONE:
        return GE_EGONE;
    case GE_APP_UNPROCESSABLE:
        return GE_ELIMIT;
    case GE_APP_FAILED:
        break;
    }
    return GE_EINTERNAL;
}

int ge_app_refuse_pair(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)
{
    va_list ap, aq;

    va_start(ap, en);
    va_copy(aq, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(r->de, sizeof r->de, de, aq);
    vsnprintf(r->en, sizeof r->en, en, ap);
#pragma GCC diagnostic pop
    va_end(aq);
    va_end(ap);
    r->kind = kind;
    return ge_app_code(kind);
}

void ge_app_extra(ge_app_result *r, const char *name, json_t *v)
{
    if (!r->extra) r->extra = json_object();
    if (r->extra)
        json_object_set_new(r->extra, name, v);
    else
        json_decref(v);
}

int ge_app_failed(ge_app_result *r, const ge_err *err)
{
    r->kind = GE_APP_FAILED;
    r->err = *err;
    return err->code;
}

int ge_app_bad_member(ge_app_result *r, const char *member, const ge_err *err)
{
    if (err->code == GE_ENOMEM || err->code == GE_EIO || err->code == GE_EINTERNAL ||
        err->code == GE_EBUDGET || err->code == GE_ECANCELED)
        return ge_app_failed(r, err);
    ge_app_refuse(
        r, err->code == GE_ELIMIT || err->code == GE_ENOENT ? GE_APP_UNPROCESSABLE : GE_APP_INVALID,
        DE("%s"), EN("%s"), err->msg);
    ge_app_extra(r, "member", json_string(member));
    return err->code;
}
