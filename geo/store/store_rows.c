/*
 * store_rows.c - freeing the row structs of the store interface, the same
 * whichever backend filled them (store_forms.h, store_decisions.h,
 * store_features.h, store_users.h, store_webhooks.h).
 */
#include "store_decisions.h"
#include "store_features.h"
#include "store_forms.h"
#include "store_users.h"
#include "store_webhooks.h"

#include <stdlib.h>
#include <string.h>

void ge_client_clear(ge_client *c)
{
    if (!c) return;
    free(c->origins_json);
    memset(c, 0, sizeof *c);
}

void ge_client_list_free(ge_client *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        ge_client_clear(&v[i]);
    free(v);
}

void ge_draft_clear(ge_draft *d)
{
    if (!d) return;
    free(d->features);
    memset(d, 0, sizeof *d);
}

void ge_case_clear(ge_case *c)
{
    if (!c) return;
    free(c->applicant);
    free(c->report);
    memset(c, 0, sizeof *c);
}

void ge_status_result_clear(ge_status_result *r)
{
    free(r->conflicts);
    free(r->unacknowledged);
    r->conflicts = NULL;
    r->unacknowledged = NULL;
    r->nconflicts = 0;
}

void ge_store_names_free(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

void ge_user_clear(ge_user *u)
{
    if (!u) return;
    free(u->services_json);
    memset(u, 0, sizeof *u);
}

void ge_user_list_free(ge_user *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        ge_user_clear(&v[i]);
    free(v);
}

void ge_webhook_delivery_clear(ge_webhook_delivery *d)
{
    if (!d) return;
    free(d->case_id);
    free(d->reference);
    free(d->service);
    free(d->status);
    free(d->previous_status);
    free(d->comment);
    free(d->at);
    free(d->url);
    if (d->secret) {
        /* The secret signs deliveries: do not leave it in freed memory. */
        memset(d->secret, 0, strlen(d->secret));
        free(d->secret);
    }
    memset(d, 0, sizeof *d);
}

void ge_webhook_delivery_list_free(ge_webhook_delivery *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        ge_webhook_delivery_clear(&v[i]);
    free(v);
}
