#!/usr/bin/env python3
"""convert-bilingual - converts German/English text pairs to the labelled,
German-first form of geo/core/text.h.

  scripts/convert-bilingual.py              every *.c and *.h in server/, geo/, tests/
  scripts/convert-bilingual.py FILE...      these files
  scripts/convert-bilingual.py --check ...  change nothing; exit 1 if a file would change

What it does, in this order, on each file:
1. The definitions of the pair takers: known snippets of the old form
   (GE_TR(req, en, de), GE_CLI_TR(en, de), ge_app_refuse(..., de, en, ...),
   the handlers' (en, de) problem helpers, ...) are replaced by the new
   form; a snippet already in the new form is left alone.
2. The calls of the pair takers in CALLS: their two texts become
   DE(german), EN(english) in this order, wrapped in GE_TEXT(...) where the
   taker now takes a ge_text. A call whose texts are already labelled
   (DE(, EN(, GE_TEXT() is left alone, so the script is idempotent, and a
   file in either form, or in a mix, comes out in the new form. Calls in
   comments and strings are not touched; definitions and declarations
   (a type before the name) are not calls.
3. clang-format (14, as scripts/check-format) formats the changed files.

Merging a branch that still writes the old form: resolve each conflicted
file in server/, geo/ or tests/ by taking that branch's side
(git checkout --theirs FILE), then run this script with no arguments -
files the branch added or changed without a conflict need it too (new
ge_app_refuse calls in geo/app, say) - and build. A warning names a call it
could not read (the argument count is not the old one's): convert that call
by hand. Taking a side also drops the other changes of this branch in that
file; the script restores only the text pairs (the one-buffer changes in
handlers_editor.c, metrics.c, features_html.c and geo/maps are not its).
"""
import os
import re
import shutil
import subprocess
import sys

# name -> (index of the first text, old order, how the pair is passed now)
#   "bare": DE(x), EN(y) as two arguments (macros that keep literals)
#   "text": one ge_text argument, GE_TEXT(DE(x), EN(y))
#   "editor": (de_title, de_text, en_title, en_text) -> two ge_texts
CALLS = {
    "GE_TR": (1, "en_de", "bare"),
    "GE_CLI_TR": (0, "en_de", "bare"),
    "GE_SM_TL": (1, "en_de", "bare"),
    "ge_app_refuse": (2, "de_en", "bare"),
    "gr_unchecked": (3, "de_en", "text"),
    "gr_texts": (0, "de_en", "text"),
    "gp_text": (0, "de_en", "text"),
    "gl_part": (1, "de_en", "text"),
    "ge_drafts_problem_member": (4, "en_de", "text"),
    "ge_pl_bad": (4, "en_de", "text"),
    "ge_tiles_problem_param": (5, "en_de", "text"),
    "ge_auth_member_problem": (3, "en_de", "text"),
    "ge_glyphs_problem": (5, "en_de", "text"),
    "ge_editor_error_page": (3, "de_de_en_en", "editor"),
}

# (file name suffix, old snippet, new snippet): the definitions.
DEFS = [
    # server/http.h
    ("server/http.h",
     ''' *   json_t *p = ge_resp_problem(resp, req, 400,
 *                               GE_TR(req, "limit must be from 1 to %d",
 *                                          "limit muss zwischen 1 und %d liegen"), max);''',
     ''' *   json_t *p = ge_resp_problem(resp, req, 400,
 *                               GE_TR(req, DE("limit muss zwischen 1 und %d liegen"),
 *                                          EN("limit must be from 1 to %d")), max);'''),
    ("server/http.h",
     '''#include "../geo/core/error.h"
#include "../geo/store/store.h"''',
     '''#include "../geo/core/error.h"
#include "../geo/core/text.h"
#include "../geo/store/store.h"'''),
    ("server/http.h",
     '''/* Picks the string for the request's language; both arguments are literals, so
 * printf-style format checks still see them. */
#define GE_TR(req, en, de) (ge_req_lang(req) == GE_LANG_DE ? (de) : (en))''',
     '''/* Picks the text for the request's language from a labelled pair, German
 * first: GE_TR(req, DE("Ungültig: %s"), EN("Invalid: %s")). Literals stay
 * literals, so printf-style format checks see both; swapped or unlabelled
 * texts do not compile (geo/core/text.h). */
#define GE_TR(req, de, en) GE_PICK(ge_req_lang(req) == GE_LANG_DE, de, en)'''),
    ("server/http.h",
     '''/* The request's language; English for NULL (a helper of GE_TR). */
static inline ge_lang ge_req_lang(const ge_req *req)
{
    return req ? req->lang : GE_LANG_EN;
}''',
     '''/* The request's language; English for NULL (a helper of GE_TR). */
static inline ge_lang ge_req_lang(const ge_req *req)
{
    return req ? req->lang : GE_LANG_EN;
}

/* The half of t in the request's language. */
static inline const char *ge_req_text(const ge_req *req, ge_text t)
{
    return ge_text_pick(t, ge_req_lang(req) == GE_LANG_DE);
}'''),
    # server/cli.h
    ("server/cli.h",
     '''/* en or de, as the locale asks (both string literals, so that a format
 * stays checked). */
#define GE_CLI_TR(en, de) (ge_cli_german() ? (de) : (en))''',
     '''/* The German or the English text of a labelled pair, as the locale asks:
 * GE_CLI_TR(DE("..."), EN("...")); literals stay literals, so a format stays
 * checked (geo/core/text.h). */
#define GE_CLI_TR(de, en) GE_PICK(ge_cli_german(), de, en)'''),
    ("server/cli.h",
     '''#include "config.h"''',
     '''#include "../geo/core/text.h"
#include "config.h"'''),
    # server/handlers_staticmap.c
    ("server/handlers_staticmap.c",
     '''#define GE_SM_TL(lang, en, de) ((lang) == GE_LANG_DE ? (de) : (en))''',
     '''#define GE_SM_TL(lang, de, en) GE_PICK((lang) == GE_LANG_DE, de, en)'''),
    # geo/app/app.h, app.c
    ("geo/app/app.h",
     '''/*
 * Refuses with a kind and a message in both languages (printf-style; both
 * formats take the same arguments). Returns the matching GE_E* code (INVALID
 * GE_EINVAL, NOT_FOUND GE_ENOENT, CONFLICT and STALE GE_ECONFLICT, GONE
 * GE_EGONE, UNPROCESSABLE GE_ELIMIT), so "return ge_app_refuse(...)" works.
 */
int ge_app_refuse(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)
    __attribute__((format(printf, 4, 5)));''',
     '''/*
 * Refuses with a kind and a message in both languages, a labelled pair
 * (geo/core/text.h) of printf formats that take the same arguments:
 *   ge_app_refuse(r, GE_APP_GONE, DE("Entwurf %s ..."), EN("Draft %s ..."), id)
 * Returns the matching GE_E* code (INVALID GE_EINVAL, NOT_FOUND GE_ENOENT,
 * CONFLICT and STALE GE_ECONFLICT, GONE GE_EGONE, UNPROCESSABLE GE_ELIMIT), so
 * "return ge_app_refuse(...)" works.
 */
#define ge_app_refuse(r, kind, de, ...)                                                            \\
    ge_app_refuse_pair(r, kind, GE_DE(de), GE_EN_ARGS(__VA_ARGS__))
int ge_app_refuse_pair(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)
    __attribute__((format(printf, 3, 5), format(printf, 4, 5)));'''),
    ("geo/app/app.h",
     '''#include "date.h"
#include "error.h"''',
     '''#include "date.h"
#include "error.h"
#include "text.h"'''),
    ("geo/app/app.c",
     '''int ge_app_refuse(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)''',
     '''int ge_app_refuse_pair(ge_app_result *r, ge_app_kind kind, const char *de, const char *en, ...)'''),
    # geo/rules
    ("geo/rules/rules_internal.h",
     '''int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, const char *de, const char *en);''',
     '''int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, ge_text reason);'''),
    ("geo/rules/rules.c",
     '''static json_t *gr_texts(const char *de, const char *en)
{
    json_t *t = json_object();
    bool ok = t != NULL;

    gr_set(t, "de", json_string(de), &ok);
    gr_set(t, "en", json_string(en), &ok);''',
     '''static json_t *gr_texts(ge_text text)
{
    json_t *t = json_object();
    bool ok = t != NULL;

    gr_set(t, "de", json_string(text.de), &ok);
    gr_set(t, "en", json_string(text.en), &ok);'''),
    ("geo/rules/rules.c",
     '''int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, const char *de, const char *en)
{''',
     '''int gr_unchecked(gr_ctx *c, const ge_rule *r, long feature, ge_text reason)
{'''),
    ("geo/rules/rules.c",
     '''    gr_set(j, "reason", gr_texts(de, en), &ok);''',
     '''    gr_set(j, "reason", gr_texts(reason), &ok);'''),
    ("geo/rules/placement.c",
     '''static json_t *gp_text(const char *de, const char *en)
{
    return json_pack("{s:s, s:s}", "de", de, "en", en);
}''',
     '''static json_t *gp_text(ge_text t)
{
    return json_pack("{s:s, s:s}", "de", t.de, "en", t.en);
}'''),
    # geo/maps/location.c
    ("geo/maps/location.c",
     '''static void gl_part(gl_text *t, const char *de, const char *en)
{
    size_t ld = strlen(t->de), le = strlen(t->en);
    snprintf(t->de + ld, sizeof t->de - ld, "%s%s", ld ? ", " : "", de);
    snprintf(t->en + le, sizeof t->en - le, "%s%s", le ? ", " : "", en);
}''',
     '''static void gl_part(gl_text *t, ge_text part)
{
    size_t ld = strlen(t->de), le = strlen(t->en);
    snprintf(t->de + ld, sizeof t->de - ld, "%s%s", ld ? ", " : "", part.de);
    snprintf(t->en + le, sizeof t->en - le, "%s%s", le ? ", " : "", part.en);
}'''),
    # the handlers' problem helpers: (en, de) -> a ge_text detail
    ("server/handlers_drafts.c",
     '''static int ge_drafts_problem_member(ge_req *req, ge_resp *resp, int status, const char *member,
                                    const char *en, const char *de)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", GE_TR(req, en, de));''',
     '''static int ge_drafts_problem_member(ge_req *req, ge_resp *resp, int status, const char *member,
                                    ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));'''),
    ("server/handlers_placements.c",
     '''static int ge_pl_bad(ge_req *req, ge_resp *resp, const char *member, int status, const char *en,
                     const char *de)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", GE_TR(req, en, de));''',
     '''static int ge_pl_bad(ge_req *req, ge_resp *resp, const char *member, int status, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));'''),
    ("server/handlers_tiles.c",
     '''static json_t *ge_tiles_problem_param(ge_resp *resp, const ge_req *req, int status,
                                      const char *param, const char *value, const char *en,
                                      const char *de)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", GE_TR(req, en, de));''',
     '''static json_t *ge_tiles_problem_param(ge_resp *resp, const ge_req *req, int status,
                                      const char *param, const char *value, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));'''),
    ("server/handlers_auth.c",
     '''static int ge_auth_member_problem(ge_req *req, ge_resp *resp, const char *member, const char *en,
                                  const char *de)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", GE_TR(req, en, de));''',
     '''static int ge_auth_member_problem(ge_req *req, ge_resp *resp, const char *member,
                                  ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, 400, "%s", ge_req_text(req, detail));'''),
    ("server/handlers_glyphs.c",
     '''static json_t *ge_glyphs_problem(ge_resp *resp, const ge_req *req, int status, const char *param,
                                 const char *value, const char *en, const char *de)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", GE_TR(req, en, de));''',
     '''static json_t *ge_glyphs_problem(ge_resp *resp, const ge_req *req, int status, const char *param,
                                 const char *value, ge_text detail)
{
    json_t *p = ge_resp_problem(resp, req, status, "%s", ge_req_text(req, detail));'''),
    ("server/handlers_editor.c",
     '''static int ge_editor_error_page(ge_req *req, ge_resp *resp, int status, const char *de_title,
                                const char *de_text, const char *en_title, const char *en_text)
{
    bool de_first = ge_req_lang(req) == GE_LANG_DE;
    const char *titles[2] = {de_first ? de_title : en_title, de_first ? en_title : de_title};
    const char *texts[2] = {de_first ? de_text : en_text, de_first ? en_text : de_text};''',
     '''static int ge_editor_error_page(ge_req *req, ge_resp *resp, int status, ge_text title,
                                ge_text text)
{
    bool de_first = ge_req_lang(req) == GE_LANG_DE;
    const char *titles[2] = {ge_text_pick(title, de_first), ge_text_pick(title, !de_first)};
    const char *texts[2] = {ge_text_pick(text, de_first), ge_text_pick(text, !de_first)};'''),
    # the (en, de) tables: the statuses' titles, the static map's legend names
    ("server/http.c",
     '''typedef struct ge_status_text {
    int status;
    const char *type; /* the problem "type" URI */
    const char *en;
    const char *de;
} ge_status_text;

/* The server's own titles, in both languages. Handlers reuse them through
 * ge_resp_problem; a status missing here gets its class's title. */
#define GE_PROBLEM_TYPE(slug) "urn:geoeditor:problem:" slug

static const ge_status_text ge_status_texts[] = {
    {400, GE_PROBLEM_TYPE("bad-request"), "Bad Request", "Ungültige Anfrage"},
    {401, GE_PROBLEM_TYPE("unauthorized"), "Unauthorized", "Nicht angemeldet"},
    {403, GE_PROBLEM_TYPE("forbidden"), "Forbidden", "Nicht erlaubt"},
    {404, GE_PROBLEM_TYPE("not-found"), "Not Found", "Nicht gefunden"},
    {405, GE_PROBLEM_TYPE("method-not-allowed"), "Method Not Allowed", "Methode nicht erlaubt"},
    {406, GE_PROBLEM_TYPE("not-acceptable"), "Not Acceptable", "Format nicht verfügbar"},
    {409, GE_PROBLEM_TYPE("conflict"), "Conflict", "Konflikt"},
    {410, GE_PROBLEM_TYPE("gone"), "Gone", "Nicht mehr verfügbar"},
    {411, GE_PROBLEM_TYPE("length-required"), "Length Required", "Länge erforderlich"},
    {412, GE_PROBLEM_TYPE("precondition-failed"), "Precondition Failed",
     "Vorbedingung nicht erfüllt"},
    {413, GE_PROBLEM_TYPE("payload-too-large"), "Payload Too Large", "Anfrage zu groß"},
    {414, GE_PROBLEM_TYPE("uri-too-long"), "URI Too Long", "Adresse zu lang"},
    {415, GE_PROBLEM_TYPE("unsupported-media-type"), "Unsupported Media Type",
     "Medientyp nicht unterstützt"},
    {422, GE_PROBLEM_TYPE("unprocessable-content"), "Unprocessable Content",
     "Inhalt nicht verarbeitbar"},
    {428, GE_PROBLEM_TYPE("precondition-required"), "Precondition Required",
     "Vorbedingung erforderlich"},
    {429, GE_PROBLEM_TYPE("too-many-requests"), "Too Many Requests", "Zu viele Anfragen"},
    {431, GE_PROBLEM_TYPE("header-too-large"), "Request Header Fields Too Large",
     "Kopfzeilen der Anfrage zu groß"},
    {500, GE_PROBLEM_TYPE("internal-error"), "Internal Server Error", "Interner Serverfehler"},
    {501, GE_PROBLEM_TYPE("not-implemented"), "Not Implemented", "Nicht umgesetzt"},
    {503, GE_PROBLEM_TYPE("unavailable"), "Service Unavailable", "Dienst nicht verfügbar"},
};''',
     '''typedef struct ge_status_text {
    int status;
    const char *type; /* the problem "type" URI */
    ge_text title;
} ge_status_text;

/* The server's own titles, in both languages. Handlers reuse them through
 * ge_resp_problem; a status missing here gets its class's title. */
#define GE_PROBLEM_TYPE(slug) "urn:geoeditor:problem:" slug

static const ge_status_text ge_status_texts[] = {
    {400, GE_PROBLEM_TYPE("bad-request"), GE_TEXT_INIT(DE("Ungültige Anfrage"), EN("Bad Request"))},
    {401, GE_PROBLEM_TYPE("unauthorized"),
     GE_TEXT_INIT(DE("Nicht angemeldet"), EN("Unauthorized"))},
    {403, GE_PROBLEM_TYPE("forbidden"), GE_TEXT_INIT(DE("Nicht erlaubt"), EN("Forbidden"))},
    {404, GE_PROBLEM_TYPE("not-found"), GE_TEXT_INIT(DE("Nicht gefunden"), EN("Not Found"))},
    {405, GE_PROBLEM_TYPE("method-not-allowed"),
     GE_TEXT_INIT(DE("Methode nicht erlaubt"), EN("Method Not Allowed"))},
    {406, GE_PROBLEM_TYPE("not-acceptable"),
     GE_TEXT_INIT(DE("Format nicht verfügbar"), EN("Not Acceptable"))},
    {409, GE_PROBLEM_TYPE("conflict"), GE_TEXT_INIT(DE("Konflikt"), EN("Conflict"))},
    {410, GE_PROBLEM_TYPE("gone"), GE_TEXT_INIT(DE("Nicht mehr verfügbar"), EN("Gone"))},
    {411, GE_PROBLEM_TYPE("length-required"),
     GE_TEXT_INIT(DE("Länge erforderlich"), EN("Length Required"))},
    {412, GE_PROBLEM_TYPE("precondition-failed"),
     GE_TEXT_INIT(DE("Vorbedingung nicht erfüllt"), EN("Precondition Failed"))},
    {413, GE_PROBLEM_TYPE("payload-too-large"),
     GE_TEXT_INIT(DE("Anfrage zu groß"), EN("Payload Too Large"))},
    {414, GE_PROBLEM_TYPE("uri-too-long"), GE_TEXT_INIT(DE("Adresse zu lang"), EN("URI Too Long"))},
    {415, GE_PROBLEM_TYPE("unsupported-media-type"),
     GE_TEXT_INIT(DE("Medientyp nicht unterstützt"), EN("Unsupported Media Type"))},
    {422, GE_PROBLEM_TYPE("unprocessable-content"),
     GE_TEXT_INIT(DE("Inhalt nicht verarbeitbar"), EN("Unprocessable Content"))},
    {428, GE_PROBLEM_TYPE("precondition-required"),
     GE_TEXT_INIT(DE("Vorbedingung erforderlich"), EN("Precondition Required"))},
    {429, GE_PROBLEM_TYPE("too-many-requests"),
     GE_TEXT_INIT(DE("Zu viele Anfragen"), EN("Too Many Requests"))},
    {431, GE_PROBLEM_TYPE("header-too-large"),
     GE_TEXT_INIT(DE("Kopfzeilen der Anfrage zu groß"), EN("Request Header Fields Too Large"))},
    {500, GE_PROBLEM_TYPE("internal-error"),
     GE_TEXT_INIT(DE("Interner Serverfehler"), EN("Internal Server Error"))},
    {501, GE_PROBLEM_TYPE("not-implemented"),
     GE_TEXT_INIT(DE("Nicht umgesetzt"), EN("Not Implemented"))},
    {503, GE_PROBLEM_TYPE("unavailable"),
     GE_TEXT_INIT(DE("Dienst nicht verfügbar"), EN("Service Unavailable"))},
};'''),
    ("server/http.c",
     "    return lang == GE_LANG_DE ? t->de : t->en;",
     "    return ge_text_pick(t->title, lang == GE_LANG_DE);"),
    ("server/handlers_staticmap.c",
     '''    static const struct {
        const char *source, *type, *en, *de;
    } refs[] = {
        {"street_space", "Polygon", "Public street space", "Öffentlicher Straßenraum"},
        {"cycleways", "LineString", "Cycleway or cycle lane", "Radweg oder Radfahrstreifen"},
        {"hydrants", "Point", "Fire hydrant", "Hydrant"},
        {"trees", "Point", "Tree", "Baum"},
        {"boundary", "LineString", "Municipal boundary", "Gemeindegrenze"},
    };''',
     '''    static const struct {
        const char *source, *type;
        ge_text name;
    } refs[] = {
        {"street_space", "Polygon",
         GE_TEXT_INIT(DE("Öffentlicher Straßenraum"), EN("Public street space"))},
        {"cycleways", "LineString",
         GE_TEXT_INIT(DE("Radweg oder Radfahrstreifen"), EN("Cycleway or cycle lane"))},
        {"hydrants", "Point", GE_TEXT_INIT(DE("Hydrant"), EN("Fire hydrant"))},
        {"trees", "Point", GE_TEXT_INIT(DE("Baum"), EN("Tree"))},
        {"boundary", "LineString", GE_TEXT_INIT(DE("Gemeindegrenze"), EN("Municipal boundary"))},
    };'''),
    ("server/handlers_staticmap.c",
     "GE_SM_TL(lang, refs[k].en, refs[k].de)",
     "ge_text_pick(refs[k].name, lang == GE_LANG_DE)"),
]

KEYWORDS = {"return", "else", "case", "sizeof", "do"}


def skip_literal(s, i):
    """s[i] is ' or "; returns the index after the literal."""
    q = s[i]
    i += 1
    while i < len(s) and s[i] != q:
        i += 2 if s[i] == "\\" else 1
    return i + 1


def code_spans(s):
    """Yields (start, end) of the text outside comments, strings and chars."""
    i = start = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == "/" and s.startswith("//", i):
            yield start, i
            i = s.find("\n", i)
            i = n if i < 0 else i
            start = i
        elif c == "/" and s.startswith("/*", i):
            yield start, i
            j = s.find("*/", i + 2)
            i = n if j < 0 else j + 2
            start = i
        elif c in "'\"":
            yield start, i
            i = skip_literal(s, i)
            start = i
        else:
            i += 1
    yield start, n


def parse_args(s, open_paren):
    """The argument spans of the call whose '(' is at open_paren, and the
    index of its ')'; None if unbalanced."""
    depth = 0
    args = []
    start = open_paren + 1
    i = open_paren
    n = len(s)
    while i < n:
        c = s[i]
        if c in "'\"":
            i = skip_literal(s, i)
            continue
        if s.startswith("/*", i):
            j = s.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if s.startswith("//", i):
            j = s.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append((start, i))
                return args, i
        elif c == "," and depth == 1:
            args.append((start, i))
            start = i + 1
        i += 1
    return None


def is_definition(s, name_start):
    """A type (an identifier, or an identifier and '*') before the name:
    a definition or declaration, not a call. #define too."""
    j = name_start - 1
    while j >= 0 and s[j] in " \t\n":
        j -= 1
    if j >= 0 and s[j] == "*":
        k = j - 1
        while k >= 0 and s[k] in " \t\n":
            k -= 1
        return k >= 0 and (s[k].isalnum() or s[k] == "_")
    m = re.search(r"[A-Za-z_][A-Za-z_0-9]*$", s[: j + 1])
    return bool(m) and m.group(0) not in KEYWORDS


LABELLED = re.compile(r"\s*(DE|EN|GE_TEXT)\s*\(")


def convert_call(s, name_start, name, where):
    """The new text of s with the call at name_start converted, or None when
    it needs nothing (already converted) or cannot be read (warned)."""
    pos, order, form = CALLS[name]
    open_paren = s.index("(", name_start + len(name))
    parsed = parse_args(s, open_paren)
    if not parsed:
        return None
    texts = parsed[0][pos:]
    if texts and LABELLED.match(s[texts[0][0] : texts[0][1]]):
        return None
    want = 4 if form == "editor" else 2
    if form != "bare" and len(texts) == want // 2:
        return None  # ge_text values already
    variadic = name == "ge_app_refuse"  # printf arguments follow the pair
    if len(texts) < want or (not variadic and len(texts) != want):
        line = s.count("\n", 0, name_start) + 1
        print(f"{where}:{line}: {name}(...) is not in the old form; convert it by hand",
              file=sys.stderr)
        return None

    def text(k):
        a, b = texts[k]
        return s[a:b].strip()

    def lead(k):
        a, b = texts[k]
        return s[a:b][: len(s[a:b]) - len(s[a:b].lstrip())]

    if form == "editor":  # de_title, de_text, en_title, en_text
        new = [f"GE_TEXT(DE({text(0)}), EN({text(2)}))", f"GE_TEXT(DE({text(1)}), EN({text(3)}))"]
    else:
        de, en = (text(1), text(0)) if order == "en_de" else (text(0), text(1))
        if form == "bare":
            new = [f"DE({de})", f"EN({en})"]
        else:
            new = [f"GE_TEXT(DE({de}), EN({en}))"]
    start, end = texts[0][0], texts[want - 1][1]
    return s[:start] + ",".join(lead(k) + new[k] for k in range(len(new))) + s[end:]


CALL_RE = re.compile(r"\b(" + "|".join(CALLS) + r")\s*\(")


def convert_text(s, where):
    for suffix, old, new in DEFS:
        if where.endswith(suffix) and old in s and new not in s:
            s = s.replace(old, new)
    # the calls from the last to the first: converting one changes the text
    # from its own position on only, and an inner call is converted before
    # the call around it reads its arguments
    calls = [m for a, b in code_spans(s) for m in CALL_RE.finditer(s, a, b)]
    for m in reversed(calls):
        if not is_definition(s, m.start()):
            s = convert_call(s, m.start(), m.group(1), where) or s
    return s


def files(paths):
    if paths:
        return paths
    out = []
    for top in ("server", "geo", "tests"):
        for d, _, names in os.walk(top):
            out += [os.path.join(d, f) for f in sorted(names) if f.endswith((".c", ".h"))]
    return sorted(out)


def main(argv):
    check = "--check" in argv
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    paths = [os.path.relpath(os.path.abspath(a), root) for a in argv if a != "--check"]
    os.chdir(root)
    changed = []
    for p in files(paths):
        with open(p, encoding="utf-8") as f:
            s = f.read()
        t = convert_text(s, p)
        if t != s:
            changed.append(p)
            if not check:
                with open(p, "w", encoding="utf-8") as f:
                    f.write(t)
    if changed and not check:
        cf = shutil.which("clang-format-14") or shutil.which("clang-format")
        if cf:
            subprocess.run([cf, "-i"] + changed, check=True)
        else:
            print("convert-bilingual: clang-format not found; run scripts/check-format --fix",
                  file=sys.stderr)
    for p in changed:
        print(("would convert " if check else "converted ") + p)
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
