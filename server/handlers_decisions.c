/*
 * handlers_decisions.c - caseworkers decide cases (review contract, issue 7):
 *
 *   PATCH /v1/cases/{id}   {"status": "approved", "comment": "..."}
 *                          optional If-Match: "v3" (the case's ETag)
 *
 * Session and X-CSRF-Token (ge_session_require), then the body: a JSON
 * object with a known `status` and an optional `comment` (at most
 * GE_APP_DECISION_COMMENT_MAX characters; required for rejected and
 * changes_requested), nothing else. The decision is a use case
 * (geo/app/decisions.h: the refusals' texts are there); its change is one
 * transaction of the store (store_decisions.h), which also decides 404 for
 * a case the user
 * may not see (the same answer as for none), 409 for a step the workflow
 * does not have (naming from, to and the allowed ones) and 412 when If-Match
 * names a version that is no longer current. The entity tag is the case's
 * version ("v3", case_view.h), which the same transaction moves on; a tag
 * this server never sent names no version and so never matches. The answer
 * is the session view of the case (case_view.h) with its new ETag, so the
 * app shows what was stored and can decide again without a reload.
 *
 * Approving a case that other cases conflict with (in place and period, as
 * GET /v1/cases/{id}/conflicts lists them at the service's distance) needs
 * `override_conflicts`: the ids of those cases, as the caseworker was shown
 * them. Without it, or when a conflict is missing from it (one that arrived
 * since), the answer is 409 naming every conflict (only references the
 * session may see) and which were not acknowledged; the check runs in the
 * decision's transaction. The approval records the cases it overrode beside
 * its event (case_event_overrides), which the history names; the webhook
 * and the form server's view never carry them.
 *
 * The trigger of migration 5 queued the form server's webhook delivery in
 * the same transaction; after the commit ge_webhooks_kick() wakes the
 * sender. The log records who moved which case from what to what, never
 * the comment (it is addressed to the applicant and may hold personal data).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_status.h"
#include "../geo/app/cases.h"
#include "../geo/app/decisions.h"
#include "../geo/store/store_decisions.h"
#include "app_http.h"
#include "case_filter.h"
#include "case_view.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "session.h"
#include "webhooks.h"

/* The longest If-Match header we read (eight tags fit easily). */
#define GE_DECISION_IF_MATCH_MAX 1024

static const char *const ge_decision_members[] = {"status", "comment", "override_conflicts", NULL};

static int ge_decision_member_problem(ge_req *req, ge_resp *resp, int status, const char *member,
                                      const char *detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", detail);
    if (p) json_object_set_new(p, "member", json_string(member));
    return GE_EINVAL;
}

/* Every unknown member named at once, so that a client fixes them in one go. */
static int ge_decision_unknown_members(ge_req *req, ge_resp *resp, const json_t *body)
{
    json_t *unknown = json_array(), *p;
    const char *key;
    json_t *v;
    char list[512] = "";

    if (!unknown) return GE_ENOMEM;
    json_object_foreach((json_t *)body, key, v)
    {
        size_t i;
        for (i = 0; ge_decision_members[i] && strcmp(ge_decision_members[i], key) != 0; i++)
            ;
        if (ge_decision_members[i]) continue;
        json_array_append_new(unknown, json_string(key));
        if (strlen(list) < sizeof list - 80)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%.60s'",
                     list[0] ? ", " : "", key);
    }
    if (json_array_size(unknown) == 0) {
        json_decref(unknown);
        return GE_OK;
    }
    p = ge_resp_problem(resp, req, 400,
                        GE_TR(req,
                              DE("Unbekannte(s) Element(e) %s in der Entscheidung; bekannt sind "
                                 "status, comment und override_conflicts."),
                              EN("Unknown member(s) %s in the decision; known are status, comment "
                                 "and override_conflicts.")),
                        list);
    if (p) {
        json_object_set(p, "member", json_array_get(unknown, 0));
        json_object_set(p, "members", unknown);
    }
    json_decref(unknown);
    return GE_EINVAL;
}

/* The body's status and comment, or a 400 problem naming the member. */
static int ge_decision_body(ge_req *req, ge_resp *resp, json_t **body, ge_case_status *to,
                            const char **comment)
{
    ge_app_result r;
    json_t *st, *cm;
    int rc;

    *comment = NULL;
    rc = ge_forms_body(req, resp, body);
    if (rc < 0) return rc;
    rc = ge_decision_unknown_members(req, resp, *body);
    if (rc < 0) return rc;
    st = json_object_get(*body, "status");
    if (!json_is_string(st))
        return ge_decision_member_problem(
            req, resp, 400, "status",
            GE_TR(req,
                  DE("status fehlt: einer von received, in_review, approved, rejected, "
                     "changes_requested."),
                  EN("status is required: one of received, in_review, approved, rejected, "
                     "changes_requested.")));
    if (!ge_case_status_parse(json_string_value(st), to)) {
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("status '%.40s' ist kein Status eines Falls: einer von received, in_review, "
                     "approved, rejected, changes_requested."),
                  EN("status '%.40s' is not a status of a case: one of received, in_review, "
                     "approved, rejected, changes_requested.")),
            json_string_value(st));
        if (p) {
            json_t *known = json_array();
            for (int s = 0; s < GE_CASE_NSTATUS; s++)
                json_array_append_new(known, json_string(ge_case_status_name((ge_case_status)s)));
            json_object_set_new(p, "member", json_string("status"));
            json_object_set_new(p, "known", known);
        }
        return GE_EINVAL;
    }
    cm = json_object_get(*body, "comment");
    if (cm && !json_is_null(cm) && !json_is_string(cm))
        return ge_decision_member_problem(req, resp, 400, "comment",
                                          GE_TR(req, DE("comment muss ein Text (oder null) sein."),
                                                EN("comment must be a string (or null).")));
    *comment = json_string_value(cm);
    /* its length, and whether the status needs one (the use case's rule) */
    ge_app_result_init(&r);
    rc = ge_app_decision_comment(*to, comment, &r);
    if (rc < 0) rc = ge_resp_app(resp, req, &r);
    ge_app_result_clear(&r);
    return rc;
}

/* override_conflicts: absent or null (none), or an array of at most
 * GE_DECISION_MAX_CONFLICTS case ids (borrowed from body into ids). */
static int ge_decision_overrides(ge_req *req, ge_resp *resp, const json_t *body,
                                 const char *ids[GE_DECISION_MAX_CONFLICTS], size_t *n)
{
    json_t *v = json_object_get(body, "override_conflicts"), *x;
    size_t i;

    *n = 0;
    if (!v || json_is_null(v)) return GE_OK;
    if (!json_is_array(v) || json_array_size(v) > GE_DECISION_MAX_CONFLICTS) {
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("override_conflicts muss eine Liste von höchstens %d Fall-IDs sein: die "
                     "überschneidenden Fälle, über die hinweg Sie diesen genehmigen."),
                  EN("override_conflicts must be an array of at most %d case ids: the conflicting "
                     "cases you approve this one over.")),
            GE_DECISION_MAX_CONFLICTS);
        if (p) {
            json_object_set_new(p, "member", json_string("override_conflicts"));
            json_object_set_new(p, "limit", json_integer(GE_DECISION_MAX_CONFLICTS));
        }
        return GE_EINVAL;
    }
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) || !ge_app_case_id_plausible(json_string_value(x))) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("override_conflicts[%zu] ist keine Fall-ID (32 Hexadezimalziffern)."),
                      EN("override_conflicts[%zu] is not a case id (32 hexadecimal digits).")),
                i);
            if (p) json_object_set_new(p, "member", json_string("override_conflicts"));
            return GE_EINVAL;
        }
        ids[(*n)++] = json_string_value(x);
    }
    return GE_OK;
}

static int ge_decision_if_match_problem(ge_req *req, ge_resp *resp)
{
    json_t *p = ge_resp_problem(
        resp, req, 400,
        GE_TR(
            req,
            DE("If-Match muss * oder höchstens %d Entity-Tags in doppelten Anführungszeichen sein, "
               "z. B. \"v3\" (ETag des Falls)."),
            EN("If-Match must be * or at most %d entity tags in double quotes, e.g. "
               "\"v3\" (the case's ETag).")),
        GE_DECISION_MAX_IF);
    if (p) json_object_set_new(p, "header", json_string("If-Match"));
    return GE_EINVAL;
}

/*
 * If-Match (RFC 9110 13.1.1): "*" holds for any existing case; otherwise
 * the list of entity tags. Weak tags (W/"...") never match under the strong
 * comparison If-Match uses, so they are read and dropped, and so is a
 * well-formed tag that names no version (an old client's "<updated>", a
 * typo): it cannot match, so the change meets 412, not 400. The versions
 * go to versions[].
 */
static int ge_decision_if_match(ge_req *req, ge_resp *resp, char buf[GE_DECISION_IF_MATCH_MAX],
                                ge_status_change *in, int64_t versions[GE_DECISION_MAX_IF])
{
    const char *h = ge_req_header(req, "If-Match");
    char *p;
    size_t n = 0;

    in->if_match = false;
    if (!h) return GE_OK;
    if (strlen(h) >= GE_DECISION_IF_MATCH_MAX) return ge_decision_if_match_problem(req, resp);
    snprintf(buf, GE_DECISION_IF_MATCH_MAX, "%s", h);
    p = buf + strspn(buf, " \t");
    for (size_t end = strlen(p); end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t'); end--)
        p[end - 1] = '\0';
    if (strcmp(p, "*") == 0) return GE_OK; /* the case exists: checked by the store anyway */
    if (!*p) return ge_decision_if_match_problem(req, resp);
    while (*p) {
        bool weak = strncmp(p, "W/", 2) == 0;
        char *end;
        if (weak) p += 2;
        if (*p != '"') return ge_decision_if_match_problem(req, resp);
        end = strchr(p + 1, '"');
        if (!end) return ge_decision_if_match_problem(req, resp);
        *end = '\0';
        if (!weak) {
            int64_t v;
            if (n == GE_DECISION_MAX_IF) return ge_decision_if_match_problem(req, resp);
            if (ge_case_view_etag_version(p + 1, &v)) versions[n++] = v;
        }
        p = end + 1;
        p += strspn(p, " \t");
        if (*p == ',') {
            p++;
            p += strspn(p, " \t");
            if (!*p) return ge_decision_if_match_problem(req, resp);
        } else if (*p) {
            return ge_decision_if_match_problem(req, resp);
        }
    }
    in->if_match = true;
    in->if_versions = versions;
    in->n_if_versions = n;
    return GE_OK;
}

static int ge_decision_patch(ge_req *req, ge_resp *resp, void *ud)
{
    ge_ctx *ctx = ud;
    ge_app app = ge_req_app(req);
    const char *id = ge_req_param(req, "id");
    int64_t versions[GE_DECISION_MAX_IF];
    char if_match[GE_DECISION_IF_MATCH_MAX], actor[160];
    ge_session s;
    ge_app_decision in;
    ge_status_change im;
    ge_status_result out;
    ge_app_result r;
    const char *acknowledged[GE_DECISION_MAX_CONFLICTS];
    ge_case_filter *who = NULL;
    json_t *body = NULL;
    int rc;

    memset(&in, 0, sizeof in);
    memset(&im, 0, sizeof im);
    memset(&out, 0, sizeof out);
    ge_app_result_init(&r);
    rc = ge_session_require(req, resp, &s);
    if (rc < 0) return rc;
    if (!ge_app_case_id_plausible(id)) {
        rc = ge_case_view_not_found(req, resp, id ? id : "");
        goto err;
    }
    rc = ge_decision_body(req, resp, &body, &in.to, &in.comment);
    if (rc == GE_OK) rc = ge_decision_overrides(req, resp, body, acknowledged, &in.n_acknowledged);
    if (rc == GE_OK) rc = ge_decision_if_match(req, resp, if_match, &im, versions);
    if (rc == GE_OK) rc = ge_case_view_who(req, resp, &s, &who);
    if (rc < 0) goto err;
    snprintf(actor, sizeof actor, "user:%s", s.user.name);
    in.case_id = id;
    in.actor = actor;
    in.who = who;
    in.acknowledged = acknowledged;
    in.if_match = im.if_match;
    in.if_versions = im.if_versions;
    in.n_if_versions = im.n_if_versions;
    rc = ge_app_case_decide(&app, &in, &out, &r);
    if (rc < 0) {
        rc = ge_resp_app(resp, req, &r);
        goto err;
    }
    ge_log(GE_LOG_INFO, "case status changed", "{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "case_id", id,
           "from", out.from_name, "to", ge_case_status_name(in.to), "actor", actor, "event_id",
           (json_int_t)out.event_id, "version", (json_int_t)out.version, "conflicts_overridden",
           (json_int_t)out.nconflicts);
    /* The outbox row committed with the change; have it sent now rather
     * than at the sender's next poll. */
    ge_webhooks_kick();
    rc = ge_case_view_send(req, resp, ctx, &s, id, 200);
err:
    ge_status_result_clear(&out);
    ge_app_result_clear(&r);
    free(who);
    json_decref(body);
    ge_session_clear(&s);
    return rc;
}

int ge_handlers_decisions_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    return ge_router_add(r, "PATCH", "/v1/cases/{id}", ge_decision_patch, ctx, err);
}
