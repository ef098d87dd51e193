/*
 * handlers_decisions.c - caseworkers decide cases (review contract, issue 7):
 *
 *   PATCH /v1/cases/{id}   {"status": "approved", "comment": "..."}
 *                          optional If-Match: "v3" (the case's ETag)
 *
 * Session and X-CSRF-Token (ge_session_require), then the body: a JSON
 * object with a known `status` and an optional `comment` (at most
 * GE_DECISION_COMMENT_MAX characters; required for rejected and
 * changes_requested), nothing else. The change itself is one transaction of
 * the store (store_decisions.h), which also decides 404 for a case the user
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../geo/app/case_status.h"
#include "../geo/store/store_decisions.h"
#include "../geo/core/token.h"
#include "case_filter.h"
#include "case_view.h"
#include "forms_common.h"
#include "handlers.h"
#include "log.h"
#include "session.h"
#include "webhooks.h"

/* Characters (not bytes) of a comment. */
#define GE_DECISION_COMMENT_MAX 4000

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

static size_t ge_decision_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool ge_decision_blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

/* The body's status and comment, or a 400 problem naming the member. */
static int ge_decision_body(ge_req *req, ge_resp *resp, json_t **body, ge_case_status *to,
                            const char **comment)
{
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
    if (json_is_string(cm)) {
        size_t n = ge_decision_utf8_chars(json_string_value(cm));
        if (n > GE_DECISION_COMMENT_MAX) {
            json_t *p = ge_resp_problem(
                resp, req, 400,
                GE_TR(req, DE("comment hat %zu Zeichen; erlaubt sind höchstens %d."),
                      EN("comment has %zu characters; at most %d are allowed.")),
                n, GE_DECISION_COMMENT_MAX);
            if (p) {
                json_object_set_new(p, "member", json_string("comment"));
                json_object_set_new(p, "limit", json_integer(GE_DECISION_COMMENT_MAX));
            }
            return GE_EINVAL;
        }
        *comment = json_string_value(cm);
    }
    if (ge_case_status_needs_comment(*to) && ge_decision_blank(*comment)) {
        json_t *p = ge_resp_problem(
            resp, req, 400,
            GE_TR(req,
                  DE("comment ist für den Status %s nötig: die antragstellende Person muss "
                     "erfahren, warum."),
                  EN("comment is required for the status %s: the applicant must learn why.")),
            ge_case_status_name(*to));
        if (p) json_object_set_new(p, "member", json_string("comment"));
        return GE_EINVAL;
    }
    if (ge_decision_blank(*comment)) *comment = NULL;
    return GE_OK;
}

static bool ge_decision_id_ok(const char *id);

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
        if (!json_is_string(x) || !ge_decision_id_ok(json_string_value(x))) {
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

static bool ge_decision_may_see(void *ud, const char *service)
{
    return ge_session_allows_service(ud, service);
}

static double ge_decision_conflict_distance(void *ud, const char *service)
{
    return ge_case_view_conflict_distance(ud, service);
}

static json_t *ge_decision_allowed(ge_case_status from)
{
    ge_case_status next[GE_CASE_NSTATUS];
    size_t n = (unsigned)from < GE_CASE_NSTATUS ? ge_case_status_next(from, next) : 0;
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(ge_case_status_name(next[i])));
    return a;
}

/* 409: the workflow has no such step (or the case was purged). */
static int ge_decision_conflict(ge_req *req, ge_resp *resp, const ge_status_result *r,
                                ge_case_status to)
{
    json_t *allowed =
        r->outcome == GE_DECISION_PURGED ? json_array() : ge_decision_allowed(r->from);
    char list[160] = "", tag[GE_CASE_VIEW_ETAG_MAX];
    size_t i;
    json_t *v, *p;

    ge_case_view_etag(r->version, tag);

    json_array_foreach(allowed, i, v) snprintf(list + strlen(list), sizeof list - strlen(list),
                                               "%s%s", i ? ", " : "", json_string_value(v));
    if (r->outcome == GE_DECISION_PURGED)
        p = ge_resp_problem(
            resp, req, 409,
            GE_TR(req,
                  DE("Der Fall ist entschieden (%s) und seine personenbezogenen "
                     "Daten sind gelöscht; sein Status kann sich nicht mehr ändern."),
                  EN("The case was decided (%s) and its personal data has been "
                     "purged; its status cannot change any more.")),
            r->from_name);
    else if (list[0])
        p = ge_resp_problem(resp, req, 409,
                            GE_TR(req,
                                  DE("Ein Fall im Status %s kann nicht zu %s wechseln; möglich "
                                     "ist: %s."),
                                  EN("A case in status %s cannot change to %s; allowed next: %s.")),
                            r->from_name, ge_case_status_name(to), list);
    else
        p = ge_resp_problem(resp, req, 409,
                            GE_TR(req,
                                  DE("Ein Fall im Status %s ist entschieden; er kann weder zu %s "
                                     "noch zu einem anderen Status wechseln."),
                                  EN("A case in status %s is decided; it cannot change to %s or "
                                     "any other status.")),
                            r->from_name, ge_case_status_name(to));
    if (p) {
        json_object_set_new(p, "from", json_string(r->from_name));
        json_object_set_new(p, "to", json_string(ge_case_status_name(to)));
        json_object_set(p, "allowed", allowed);
        json_object_set_new(p, "updated", json_string(r->updated_at));
        json_object_set_new(p, "etag", json_string(tag));
    }
    json_decref(allowed);
    return GE_ECONFLICT;
}

static json_t *ge_decision_conflict_doc(const ge_case_conflict *k, bool acknowledged)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:b, s:b}", "case_id", k->id, "service", k->service,
                          "status", k->status, "distance_m", round(k->distance_m * 1000.0) / 1000.0,
                          "visible", k->visible, "acknowledged", acknowledged);
    if (!o) return NULL;
    json_object_set_new(
        o, "period",
        k->period_start[0] ? json_pack("{s:s, s:s}", "start", k->period_start, "end", k->period_end)
                           : json_null());
    /* A case of a service the caseworker may not see: the place is taken,
     * but not by whom (as in GET /v1/cases/{id}/conflicts). */
    if (k->visible)
        json_object_set_new(o, "reference",
                            k->reference[0] ? json_string(k->reference) : json_null());
    return o;
}

/* 409: an approval over conflicts nobody acknowledged; names each one. */
static int ge_decision_conflicts(ge_req *req, ge_resp *resp, const ge_status_result *r)
{
    json_t *list = json_array(), *p;
    char names[600] = "";
    size_t unack = 0;

    for (size_t i = 0; list && i < r->nconflicts; i++) {
        const ge_case_conflict *k = &r->conflicts[i];
        size_t len = strlen(names);
        json_array_append_new(list, ge_decision_conflict_doc(k, !r->unacknowledged[i]));
        unack += r->unacknowledged[i];
        if (len < sizeof names - 120) {
            char m[32], *dot;
            snprintf(m, sizeof m, "%.1f", k->distance_m);
            /* 1,5 m in German */
            if (ge_req_lang(req) == GE_LANG_DE && (dot = strchr(m, '.'))) *dot = ',';
            snprintf(names + len, sizeof names - len, "%s%s (%s m)", len ? ", " : "",
                     k->visible && k->reference[0] ? k->reference
                     : k->visible                  ? k->id
                                  : GE_TR(req, DE("ein Fall einer anderen Leistung"),
                                          EN("a case of another service")),
                     m);
        } else if (len < sizeof names - 8 && !strstr(names, ", ...")) {
            snprintf(names + len, sizeof names - len, ", ...");
        }
    }
    if (r->nconflicts == 1)
        p = ge_resp_problem(resp, req, 409,
                            GE_TR(req,
                                  DE("Der Fall überschneidet sich in Ort und Zeitraum mit einem "
                                     "anderen Fall (%s). Um ihn trotzdem zu genehmigen, nennen Sie "
                                     "diesen in override_conflicts."),
                                  EN("The case conflicts in place and period with another case "
                                     "(%s). To approve it anyway, name it in override_conflicts.")),
                            names);
    else
        p = ge_resp_problem(
            resp, req, 409,
            GE_TR(req,
                  DE("Der Fall überschneidet sich in Ort und Zeitraum mit %zu anderen "
                     "Fällen, %zu davon nicht bestätigt: %s. Um ihn trotzdem zu "
                     "genehmigen, nennen Sie alle in override_conflicts."),
                  EN("The case conflicts in place and period with %zu other cases, "
                     "%zu of them not acknowledged: %s. To approve it anyway, name "
                     "them all in override_conflicts.")),
            r->nconflicts, unack, names);
    if (p) {
        char tag[GE_CASE_VIEW_ETAG_MAX];
        ge_case_view_etag(r->version, tag);
        json_object_set_new(p, "member", json_string("override_conflicts"));
        json_object_set(p, "conflicts", list);
        json_object_set_new(p, "etag", json_string(tag));
    }
    json_decref(list);
    return GE_ECONFLICT;
}

/* 412: If-Match names a version that is no longer current; the problem
 * names the current one (its tag, status and time). */
static int ge_decision_precondition_failed(ge_req *req, ge_resp *resp, const ge_status_result *r)
{
    char tag[GE_CASE_VIEW_ETAG_MAX];
    json_t *p;

    ge_case_view_etag(r->version, tag);
    p = ge_resp_problem(
        resp, req, 412,
        GE_TR(req,
              DE("Der Fall hat sich geändert, seit Sie ihn geladen haben (If-Match nennt nicht "
                 "seinen aktuellen Stand %s, Status %s seit %s); laden Sie ihn neu und entscheiden "
                 "Sie erneut."),
              EN("The case has changed since you loaded it (If-Match does not name its current "
                 "version %s, status %s since %s); load it again and decide anew.")),
        tag, r->from_name, r->updated_at);
    if (p) {
        json_object_set_new(p, "header", json_string("If-Match"));
        json_object_set_new(p, "etag", json_string(tag));
        json_object_set_new(p, "updated", json_string(r->updated_at));
        json_object_set_new(p, "status_now", json_string(r->from_name));
    }
    return GE_EINVAL;
}

static bool ge_decision_id_ok(const char *id)
{
    return id && strlen(id) == GE_TOKEN_ID_LEN - 1 &&
           strspn(id, "0123456789abcdef") == GE_TOKEN_ID_LEN - 1;
}

static int ge_decision_patch(ge_req *req, ge_resp *resp, void *ud)
{
    ge_ctx *ctx = ud;
    const char *id = ge_req_param(req, "id");
    int64_t versions[GE_DECISION_MAX_IF];
    char if_match[GE_DECISION_IF_MATCH_MAX], actor[160];
    ge_session s;
    ge_status_change in;
    ge_status_result r;
    const char *acknowledged[GE_DECISION_MAX_CONFLICTS];
    ge_case_filter *who = NULL;
    json_t *body = NULL;
    ge_err err;
    int rc;

    memset(&in, 0, sizeof in);
    memset(&r, 0, sizeof r);
    rc = ge_session_require(req, resp, &s);
    if (rc < 0) return rc;
    if (!ge_decision_id_ok(id)) {
        rc = ge_case_view_not_found(req, resp, id ? id : "");
        goto err;
    }
    rc = ge_decision_body(req, resp, &body, &in.to, &in.comment);
    if (rc == GE_OK) rc = ge_decision_overrides(req, resp, body, acknowledged, &in.n_acknowledged);
    if (rc == GE_OK) rc = ge_decision_if_match(req, resp, if_match, &in, versions);
    if (rc < 0) goto err;
    snprintf(actor, sizeof actor, "user:%s", s.user.name);
    in.case_id = id;
    in.actor = actor;
    in.may_see = ge_decision_may_see;
    in.may_see_ud = &s;
    /* An approval's conflicts: at the service's distance, acknowledged by
     * id, their references shown as far as the session may see them. */
    in.conflict_distance = ge_decision_conflict_distance;
    in.conflict_distance_ud = req;
    in.acknowledged = acknowledged;
    who = malloc(sizeof *who);
    rc = who ? ge_case_filter_from_session(&s, who, &err)
             : ge_err_set(&err, GE_ENOMEM, "out of memory");
    in.who = who;
    if (rc == GE_OK) rc = ge_store_case_set_status(ctx->store, &in, ge_ctx_now(ctx), &r, &err);
    if (rc < 0) {
        rc = ge_resp_error(resp, req, &err);
        goto err;
    }
    switch (r.outcome) {
    case GE_DECISION_NOT_FOUND:
        rc = ge_case_view_not_found(req, resp, id);
        break;
    case GE_DECISION_PURGED:
    case GE_DECISION_NOT_ALLOWED:
        rc = ge_decision_conflict(req, resp, &r, in.to);
        break;
    case GE_DECISION_PRECONDITION:
        rc = ge_decision_precondition_failed(req, resp, &r);
        break;
    case GE_DECISION_CONFLICTS:
        rc = ge_decision_conflicts(req, resp, &r);
        break;
    case GE_DECISION_OK:
        ge_log(GE_LOG_INFO, "case status changed", "{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "case_id",
               id, "from", r.from_name, "to", ge_case_status_name(in.to), "actor", actor,
               "event_id", (json_int_t)r.event_id, "version", (json_int_t)r.version,
               "conflicts_overridden", (json_int_t)r.nconflicts);
        /* The outbox row committed with the change; have it sent now
         * rather than at the sender's next poll. */
        ge_webhooks_kick();
        rc = ge_case_view_send(req, resp, ctx, &s, id, 200);
        break;
    }
err:
    ge_status_result_clear(&r);
    free(who);
    json_decref(body);
    ge_session_clear(&s);
    return rc;
}

int ge_handlers_decisions_routes(ge_router *r, ge_ctx *ctx, ge_err *err)
{
    return ge_router_add(r, "PATCH", "/v1/cases/{id}", ge_decision_patch, ctx, err);
}
