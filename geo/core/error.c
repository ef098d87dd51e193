/*
 * error.c - setting, prefixing and naming geoEDITOR errors (see error.h).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ge_err_set(ge_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void ge_err_prefix(ge_err *err, const char *fmt, ...)
{
    char prefix[256], old[sizeof err->msg];
    va_list ap;

    if (!err) return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

void ge_err_clear(ge_err *err)
{
    if (err) {
        err->code = GE_OK;
        err->msg[0] = '\0';
    }
}

const char *ge_code_name(int code)
{
    switch (code) {
    case GE_OK:
        return "OK";
    case GE_EINVAL:
        return "EINVAL";
    case GE_ENOENT:
        return "ENOENT";
    case GE_EIO:
        return "EIO";
    case GE_ENOMEM:
        return "ENOMEM";
    case GE_ECONFLICT:
        return "ECONFLICT";
    case GE_ELIMIT:
        return "ELIMIT";
    case GE_EINTERNAL:
        return "EINTERNAL";
    case GE_EGONE:
        return "EGONE";
    case GE_EBUDGET:
        return "EBUDGET";
    case GE_ECANCELED:
        return "ECANCELED";
    default:
        return "EUNKNOWN";
    }
}
