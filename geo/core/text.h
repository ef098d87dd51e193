/*
 * text.h - German and English texts in pairs that cannot be swapped
 * silently.
 *
 * Every user-visible text exists in German and English. Wherever the two
 * travel together they are written German first, each half labelled:
 *
 *   GE_TR(req, DE("Ungültiger Wert %s"), EN("Invalid value %s"))   server/http.h
 *   GE_CLI_TR(DE("Passwort: "), EN("Password: "))                   server/cli.h
 *   ge_app_refuse(r, GE_APP_GONE, DE("... %s"), EN("... %s"), id)   geo/app/app.h
 *   gr_unchecked(c, r, i, GE_TEXT(DE(de), EN(en)))                  a ge_text value
 *
 * DE and EN are no functions or macros of their own: a macro taking a pair
 * pastes the label onto its own prefix (GE_DE(DE(x)) is GE_TEXT_DE_DE(x),
 * which is (x)). So
 * - a literal stays a literal: printf-style takers keep -Wformat checking
 *   of both formats (GE_TR picks with ?:, whose two arms GCC checks; the
 *   printf-style functions carry a format attribute for each language);
 * - the other order does not compile: GE_DE(EN(x)) is the undeclared
 *   identifier GE_TEXT_SWAPPED_EN_where_DE_belongs, GE_EN(DE(x)) its twin;
 * - an unlabelled text does not compile either: pasting onto a literal is
 *   no valid token, and onto a name gives an undeclared GE_TEXT_DE_name.
 * A label must reach the pasting macro as written, so a macro that passes
 * a pair on passes its arguments unchanged (as GE_TEXT and GE_TR do).
 *
 * ge_text holds a pair as a value: functions that are not printf-style take
 * one (GE_TEXT makes it; GE_TEXT_INIT initialises a static table's member),
 * and read t.de and t.en by name. A service's texts are ge_texts too, then
 * the service's own copies (service.c frees them).
 */
#ifndef GE_TEXT_H
#define GE_TEXT_H

#include <stdbool.h>

typedef struct ge_text {
    const char *de;
    const char *en;
} ge_text;

/* The halves of a labelled pair: GE_DE(DE(x)) and GE_EN(EN(x)) are (x). */
#define GE_DE(de) GE_TEXT_DE_##de
#define GE_EN(en) GE_TEXT_EN_##en
/* EN(x) followed by more arguments (for printf-style takers):
 * GE_EN_ARGS(EN(x), a, b) is (x), a, b. */
#define GE_EN_ARGS(...) GE_TEXT_EN_##__VA_ARGS__

#define GE_TEXT_DE_DE(x) (x)
#define GE_TEXT_EN_EN(x) (x)
#define GE_TEXT_DE_EN(x) GE_TEXT_SWAPPED_EN_where_DE_belongs
#define GE_TEXT_EN_DE(x) GE_TEXT_SWAPPED_DE_where_EN_belongs

/* The German half when german is true, else the English one; literals stay
 * literals (GE_TR and GE_CLI_TR are this with the request's or the
 * locale's language). */
#define GE_PICK(german, de, en) ((german) ? GE_DE(de) : GE_EN(en))

/* A pair as an initialiser ({.de = ..., .en = ...}) and as a value. */
#define GE_TEXT_INIT(german, english)                                                              \
    {                                                                                              \
        .de = GE_DE(german), .en = GE_EN(english)                                                  \
    }
#define GE_TEXT(german, english) ((ge_text)GE_TEXT_INIT(german, english))

/* The German or the English half. */
static inline const char *ge_text_pick(ge_text t, bool german)
{
    return german ? t.de : t.en;
}

#endif
