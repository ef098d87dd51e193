/*
 * store_case_filter.c - the case list's filter and order (store_review.h)
 * and what a backend binds for them, the same on both: service and status
 * lists as JSON array text, q folded (ASCII lower case plus the German
 * capital umlauts, as the backend folds the searched text).
 */
#include "store_backend.h"
#include "store_review.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const ge_case_order_names[GE_CASE_NORDER] = {"newest", "oldest", "start",
                                                                "reference"};

void ge_case_filter_init(ge_case_filter *f)
{
    memset(f, 0, sizeof *f);
    f->limit = 50;
}

static int ge_filter_add(char list[][GE_CASE_FILTER_SERVICE_LEN], size_t *n, const char *service,
                         ge_err *err)
{
    size_t len = service ? strlen(service) : 0;
    if (len == 0 || len >= GE_CASE_FILTER_SERVICE_LEN)
        return ge_err_set(err, GE_EINVAL, "service id '%.70s' is empty or too long",
                          service ? service : "");
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(list[i], service)) return GE_OK;
    if (*n >= GE_CASE_FILTER_MAX_SERVICES)
        return ge_err_set(err, GE_ELIMIT, "at most %d services", GE_CASE_FILTER_MAX_SERVICES);
    memcpy(list[*n], service, len + 1);
    (*n)++;
    return GE_OK;
}

int ge_case_filter_add_service(ge_case_filter *f, const char *service, ge_err *err)
{
    return ge_filter_add(f->services, &f->nservices, service, err);
}

int ge_case_filter_allow_service(ge_case_filter *f, const char *service, ge_err *err)
{
    return ge_filter_add(f->allowed, &f->nallowed, service, err);
}

bool ge_case_filter_allows(const ge_case_filter *f, const char *service)
{
    if (f->admin) return true;
    for (size_t i = 0; service && i < f->nallowed; i++)
        if (!strcmp(f->allowed[i], service)) return true;
    return false;
}

/* A list of ids as JSON array text (malloc'd), NULL on no memory. */
static char *ge_review_json_list(const char (*list)[GE_CASE_FILTER_SERVICE_LEN], size_t n)
{
    json_t *a = json_array();
    char *text;
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(list[i]));
    text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

static char *ge_review_json_statuses(unsigned bits)
{
    json_t *a = json_array();
    char *text;
    for (int s = 0; a && s < GE_CASE_NSTATUS; s++)
        if (bits & (1u << s)) json_array_append_new(a, json_string(ge_case_status_name(s)));
    text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* q folded: ASCII lower case plus the German capital umlauts (the backend
 * folds the searched text the same way). */
static void ge_review_fold(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 2 < cap; i++) {
        unsigned char ch = (unsigned char)in[i];
        /* Ä Ö Ü are C3 84, C3 96, C3 9C; their small forms C3 A4, C3 B6, C3 BC */
        if (ch == 0xC3 && (in[i + 1] == '\x84' || in[i + 1] == '\x96' || in[i + 1] == '\x9C')) {
            out[o++] = (char)ch;
            out[o++] = (char)((unsigned char)in[i + 1] + 0x20);
            i++;
            continue;
        }
        out[o++] = (char)(ch < 0x80 ? tolower(ch) : ch);
    }
    out[o] = '\0';
}

void ge_case_filter_params_free(ge_case_filter_params *p)
{
    free(p->services);
    free(p->allowed);
    free(p->statuses);
}

int ge_case_filter_params_make(const ge_case_filter *f, ge_case_filter_params *p, ge_err *err)
{
    memset(p, 0, sizeof *p);
    if (f->nservices) p->services = ge_review_json_list(f->services, f->nservices);
    p->allowed = ge_review_json_list(f->allowed, f->nallowed);
    if (f->statuses) p->statuses = ge_review_json_statuses(f->statuses);
    if ((f->nservices && !p->services) || !p->allowed || (f->statuses && !p->statuses))
        return ge_err_set(err, GE_ENOMEM, "store: out of memory");
    ge_review_fold(f->q, p->q, sizeof p->q);
    return GE_OK;
}

const char *ge_case_order_name(ge_case_order o)
{
    return (unsigned)o < GE_CASE_NORDER ? ge_case_order_names[o] : "";
}

bool ge_case_order_parse(const char *name, ge_case_order *out)
{
    for (int i = 0; name && i < GE_CASE_NORDER; i++)
        if (!strcmp(name, ge_case_order_names[i])) {
            *out = (ge_case_order)i;
            return true;
        }
    return false;
}
