/*
 * decisions.c - a caseworker decides a case (decisions.h): the comment
 * checked, the change made in the store's transaction, and each refusal
 * the store's outcome means told in German and English.
 */
#include "decisions.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cases.h"

static size_t ge_app_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool ge_app_blank(const char *s)
{
    return !s || s[strspn(s, " \t\r\n")] == '\0';
}

int ge_app_decision_comment(ge_case_status to, const char **comment, ge_app_result *r)
{
    int rc;

    if (*comment) {
        size_t n = ge_app_utf8_chars(*comment);
        if (n > GE_APP_DECISION_COMMENT_MAX) {
            rc = ge_app_refuse(r, GE_APP_INVALID,
                               DE("comment hat %zu Zeichen; erlaubt sind höchstens %d."),
                               EN("comment has %zu characters; at most %d are allowed."), n,
                               GE_APP_DECISION_COMMENT_MAX);
            ge_app_extra(r, "member", json_string("comment"));
            ge_app_extra(r, "limit", json_integer(GE_APP_DECISION_COMMENT_MAX));
            return rc;
        }
    }
    if (ge_case_status_needs_comment(to) && ge_app_blank(*comment)) {
        rc = ge_app_refuse(
            r, GE_APP_INVALID,
            DE("comment ist für den Status %s nötig: die antragstellende Person muss "
               "erfahren, warum."),
            EN("comment is required for the status %s: the applicant must learn why."),
            ge_case_status_name(to));
        ge_app_extra(r, "member", json_string("comment"));
        return rc;
    }
    if (ge_app_blank(*comment)) *comment = NULL;
    return GE_OK;
}

static json_t *ge_app_decision_allowed(ge_case_status from)
{
    ge_case_status next[GE_CASE_NSTATUS];
    size_t n = (unsigned)from < GE_CASE_NSTATUS ? ge_case_status_next(from, next) : 0;
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(ge_case_status_name(next[i])));
    return a;
}

/* CONFLICT: the workflow has no such step (or the case was purged). */
static int ge_app_decision_not_allowed(const ge_status_result *s, ge_case_status to,
                                       ge_app_result *r)
{
    json_t *allowed =
        s->outcome == GE_DECISION_PURGED ? json_array() : ge_app_decision_allowed(s->from);
    char list[160] = "", tag[GE_APP_CASE_TAG_MAX];
    const char *to_name = ge_case_status_name(to);
    size_t i;
    json_t *v;
    int rc;

    ge_app_case_tag(s->version, tag);
    json_array_foreach(allowed, i, v) snprintf(list + strlen(list), sizeof list - strlen(list),
                                               "%s%s", i ? ", " : "", json_string_value(v));
    if (s->outcome == GE_DECISION_PURGED)
        rc =
            ge_app_refuse(r, GE_APP_CONFLICT,
                          DE("Der Fall ist entschieden (%s) und seine personenbezogenen Daten sind "
                             "gelöscht; sein Status kann sich nicht mehr ändern."),
                          EN("The case was decided (%s) and its personal data has been purged; its "
                             "status cannot change any more."),
                          s->from_name);
    else if (list[0])
        rc = ge_app_refuse(r, GE_APP_CONFLICT,
                           DE("Ein Fall im Status %s kann nicht zu %s wechseln; möglich ist: %s."),
                           EN("A case in status %s cannot change to %s; allowed next: %s."),
                           s->from_name, to_name, list);
    else
        rc = ge_app_refuse(r, GE_APP_CONFLICT,
                           DE("Ein Fall im Status %s ist entschieden; er kann weder zu %s noch zu "
                              "einem anderen Status wechseln."),
                           EN("A case in status %s is decided; it cannot change to %s or any other "
                              "status."),
                           s->from_name, to_name);
    ge_app_extra(r, "from", json_string(s->from_name));
    ge_app_extra(r, "to", json_string(to_name));
    ge_app_extra(r, "allowed", allowed);
    ge_app_extra(r, "updated", json_string(s->updated_at));
    ge_app_extra(r, "etag", json_string(tag));
    return rc;
}

static json_t *ge_app_decision_conflict_doc(const ge_case_conflict *k, bool acknowledged)
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
     * but not by whom (as in ge_app_case_conflicts). */
    if (k->visible)
        json_object_set_new(o, "reference",
                            k->reference[0] ? json_string(k->reference) : json_null());
    return o;
}

/* Appends "<who> (<distance> m)" of conflict k to names (de: decimal
 * comma), or ", ..." once it is nearly full. */
static void ge_app_decision_name(char *names, size_t size, const ge_case_conflict *k, bool de)
{
    size_t len = strlen(names);
    char m[32], *dot;

    if (len < size - 120) {
        snprintf(m, sizeof m, "%.1f", k->distance_m);
        /* 1,5 m in German */
        if (de && (dot = strchr(m, '.'))) *dot = ',';
        snprintf(names + len, size - len, "%s%s (%s m)", len ? ", " : "",
                 k->visible && k->reference[0] ? k->reference
                 : k->visible                  ? k->id
                 : de                          ? "ein Fall einer anderen Leistung"
                                               : "a case of another service",
                 m);
    } else if (len < size - 8 && !strstr(names, ", ...")) {
        snprintf(names + len, size - len, ", ...");
    }
}

/* CONFLICT: an approval over conflicts nobody acknowledged; names each one. */
static int ge_app_decision_conflicts(const ge_status_result *s, ge_app_result *r)
{
    json_t *list = json_array();
    char de[600] = "", en[600] = "", tag[GE_APP_CASE_TAG_MAX];
    size_t unack = 0;

    for (size_t i = 0; list && i < s->nconflicts; i++) {
        const ge_case_conflict *k = &s->conflicts[i];
        json_array_append_new(list, ge_app_decision_conflict_doc(k, !s->unacknowledged[i]));
        unack += s->unacknowledged[i];
        ge_app_decision_name(de, sizeof de, k, true);
        ge_app_decision_name(en, sizeof en, k, false);
    }
    r->kind = GE_APP_CONFLICT;
    if (s->nconflicts == 1) {
        snprintf(r->de, sizeof r->de,
                 "Der Fall überschneidet sich in Ort und Zeitraum mit einem anderen Fall (%s). Um "
                 "ihn trotzdem zu genehmigen, nennen Sie diesen in override_conflicts.",
                 de);
        snprintf(r->en, sizeof r->en,
                 "The case conflicts in place and period with another case (%s). To approve it "
                 "anyway, name it in override_conflicts.",
                 en);
    } else {
        snprintf(r->de, sizeof r->de,
                 "Der Fall überschneidet sich in Ort und Zeitraum mit %zu anderen Fällen, %zu "
                 "davon nicht bestätigt: %s. Um ihn trotzdem zu genehmigen, nennen Sie alle in "
                 "override_conflicts.",
                 s->nconflicts, unack, de);
        snprintf(r->en, sizeof r->en,
                 "The case conflicts in place and period with %zu other cases, %zu of them not "
                 "acknowledged: %s. To approve it anyway, name them all in override_conflicts.",
                 s->nconflicts, unack, en);
    }
    ge_app_case_tag(s->version, tag);
    ge_app_extra(r, "member", json_string("override_conflicts"));
    ge_app_extra(r, "conflicts", list);
    ge_app_extra(r, "etag", json_string(tag));
    return GE_ECONFLICT;
}

/* STALE: the caller's version is no longer current; names the current one
 * (its tag, status and time). */
static int ge_app_decision_stale(const ge_status_result *s, ge_app_result *r)
{
    char tag[GE_APP_CASE_TAG_MAX];
    int rc;

    ge_app_case_tag(s->version, tag);
    rc =
        ge_app_refuse(r, GE_APP_STALE,
                      DE("Der Fall hat sich geändert, seit Sie ihn geladen haben (If-Match nennt "
                         "nicht seinen aktuellen Stand %s, Status %s seit %s); laden Sie ihn neu "
                         "und entscheiden Sie erneut."),
                      EN("The case has changed since you loaded it (If-Match does not name its "
                         "current version %s, status %s since %s); load it again and decide anew."),
                      tag, s->from_name, s->updated_at);
    ge_app_extra(r, "header", json_string("If-Match"));
    ge_app_extra(r, "etag", json_string(tag));
    ge_app_extra(r, "updated", json_string(s->updated_at));
    ge_app_extra(r, "status_now", json_string(s->from_name));
    return rc;
}

static bool ge_app_decision_may_see(void *ud, const char *service)
{
    return ge_case_filter_allows(ud, service);
}

static double ge_app_decision_distance(void *ud, const char *service)
{
    return ge_app_case_conflict_distance(ud, service);
}

int ge_app_case_decide(const ge_app *app, const ge_app_decision *in, ge_status_result *out,
                       ge_app_result *r)
{
    ge_status_change ch;
    const char *comment = in->comment;
    ge_err err;
    int rc;

    memset(out, 0, sizeof *out);
    if (!ge_app_case_id_plausible(in->case_id)) return ge_app_case_not_visible(in->case_id, r);
    rc = ge_app_decision_comment(in->to, &comment, r);
    if (rc < 0) return rc;
    memset(&ch, 0, sizeof ch);
    ch.case_id = in->case_id;
    ch.to = in->to;
    ch.comment = comment;
    ch.actor = in->actor;
    ch.if_match = in->if_match;
    ch.if_versions = in->if_versions;
    ch.n_if_versions = in->n_if_versions;
    ch.may_see = ge_app_decision_may_see;
    ch.may_see_ud = (void *)in->who;
    /* An approval's conflicts: at the service's distance, acknowledged by
     * id, their references shown as far as who may see them; checked in
     * the decision's transaction. */
    ch.conflict_distance = ge_app_decision_distance;
    ch.conflict_distance_ud = (void *)app;
    ch.acknowledged = in->acknowledged;
    ch.n_acknowledged = in->n_acknowledged;
    ch.who = in->who;
    rc = ge_store_case_set_status(app->store, &ch, ge_app_now(app), out, &err);
    if (rc < 0) return ge_app_failed(r, &err);
    switch (out->outcome) {
    case GE_DECISION_NOT_FOUND:
        return ge_app_case_not_visible(in->case_id, r);
    case GE_DECISION_PURGED:
    case GE_DECISION_NOT_ALLOWED:
        return ge_app_decision_not_allowed(out, in->to, r);
    case GE_DECISION_PRECONDITION:
        return ge_app_decision_stale(out, r);
    case GE_DECISION_CONFLICTS:
        return ge_app_decision_conflicts(out, r);
    case GE_DECISION_OK:
        break;
    }
    return GE_OK;
}
