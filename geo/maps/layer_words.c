/*
 * layer_words.c - the words for reference layers in sentences
 * (layer_words.h): one table for the layers the OSM importer derives, and
 * the neutral form for any other layer, made once per name and kept.
 *
 * Why the neutral form says "Objekt der Ebene „X“": a layer's name is a
 * technical identifier ("parkplaetze", "bus_stops"); bending it into a
 * German noun with gender and case would be a guess, and a wrong article is
 * worse than a plain phrase.
 */
#include "layer_words.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* clang-format off */
static const ge_layer_words table[] = {
    {"hydrants", true,
     "vom Hydranten", "am Hydranten", "Hydranten", "Hydranten",
     "from the hydrant", "at the hydrant", "hydrants"},
    {"trees", true,
     "vom Baum", "am Baum", "Bäumen", "Bäume",
     "from the tree", "at the tree", "trees"},
    /* the importer's junctions: three or more arms; which one an item is,
     * ge_layer_words_item() tells from its degree */
    {"junctions", true,
     "von der Kreuzung", "an der Kreuzung", "Kreuzungen und Einmündungen",
     "Kreuzungen und Einmündungen",
     "from the junction", "at the junction", "junctions"},
    {"cycleways", true,
     "vom Radweg", "auf dem Radweg", "Radwegen", "Radwege",
     "from the cycle path", "on the cycle path", "cycle paths"},
    {"buildings", true,
     "vom Gebäude", "am Gebäude", "Gebäuden", "Gebäude",
     "from the building", "at the building", "buildings"},
    {"street_space", true,
     "vom öffentlichen Straßenraum", "im öffentlichen Straßenraum",
     "öffentlichen Straßenräumen", "öffentliche Straßenräume",
     "from the public street space", "in the public street space", "public street spaces"},
    /* centre lines: a distance to a road is one to its axis */
    {"roads", true,
     "von der Straßenachse", "auf der Straßenachse", "Straßenachsen", "Straßenachsen",
     "from the centre line of the road", "on the centre line of the road",
     "road centre lines"},
    {"paths", true,
     "vom Weg", "am Weg", "Wegen", "Wege",
     "from the path", "at the path", "paths"},
    {"pedestrian_areas", true,
     "von der Fußgängerfläche", "auf der Fußgängerfläche", "Fußgängerflächen",
     "Fußgängerflächen",
     "from the pedestrian area", "in the pedestrian area", "pedestrian areas"},
    {"water", true,
     "vom Gewässer", "am Gewässer", "Gewässern", "Gewässer",
     "from the water", "at the water", "bodies of water"},
    {"boundary", true,
     "vom Gemeindegebiet", "am Gemeindegebiet", "Gemeindegebieten", "Gemeindegebiete",
     "from the municipal area", "at the municipal area", "municipal areas"},
    {"addresses", true,
     "vom Adresspunkt", "am Adresspunkt", "Adresspunkten", "Adresspunkte",
     "from the address point", "at the address point", "address points"},
    {"landuse", true,
     "von der Nutzungsfläche", "auf der Nutzungsfläche", "Nutzungsflächen", "Nutzungsflächen",
     "from the land-use area", "in the land-use area", "land-use areas"},
};

static const ge_layer_words t_junction = {"junctions", true,
     "von der Einmündung", "an der Einmündung", "Kreuzungen und Einmündungen",
     "Kreuzungen und Einmündungen",
     "from the junction", "at the junction", "junctions"};

static const ge_layer_words nameless = {"", false,
     "vom nächsten Referenzobjekt", "an einem Referenzobjekt", "Referenzobjekten",
     "Referenzobjekte",
     "from the nearest reference item", "at a reference item", "reference items"};
/* clang-format on */

/* The neutral forms made so far, one per unknown name, never freed: the
 * pointers handed out stay valid. Bounded, since names come from the
 * service files and imports, not from requests. */
#define GE_LAYER_WORDS_MADE 128

typedef struct ge_made_words {
    ge_layer_words w;
    char name[64];
    char de_from[112], de_at[112], de_plural[112], de_plural_nom[112];
    char en_from[112], en_at[112], en_plural[112];
} ge_made_words;

static ge_made_words made[GE_LAYER_WORDS_MADE];
static size_t nmade;
static pthread_mutex_t made_lock = PTHREAD_MUTEX_INITIALIZER;

/* The store's rule for layer names: [a-z][a-z0-9_]{0,62}. */
static bool ge_layer_words_name_ok(const char *s)
{
    size_t n = 0;

    if (!s || !(s[0] >= 'a' && s[0] <= 'z')) return false;
    for (; s[n]; n++)
        if (n >= 63 ||
            !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            return false;
    return true;
}

static void ge_layer_words_make(ge_made_words *m, const char *name)
{
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->de_from, sizeof m->de_from, "vom nächsten Objekt der Ebene „%s“", name);
    snprintf(m->de_at, sizeof m->de_at, "an einem Objekt der Ebene „%s“", name);
    snprintf(m->de_plural, sizeof m->de_plural, "Objekten der Ebene „%s“", name);
    snprintf(m->de_plural_nom, sizeof m->de_plural_nom, "Objekte der Ebene „%s“", name);
    snprintf(m->en_from, sizeof m->en_from, "from the nearest item of layer “%s”", name);
    snprintf(m->en_at, sizeof m->en_at, "at an item of layer “%s”", name);
    snprintf(m->en_plural, sizeof m->en_plural, "items of layer “%s”", name);
    m->w = (ge_layer_words){m->name,          false,      m->de_from, m->de_at,    m->de_plural,
                            m->de_plural_nom, m->en_from, m->en_at,   m->en_plural};
}

const ge_layer_words *ge_layer_words_find(const char *layer)
{
    const ge_layer_words *found = &nameless;

    if (!layer) return &nameless;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].layer, layer)) return &table[i];
    if (!ge_layer_words_name_ok(layer)) return &nameless;
    pthread_mutex_lock(&made_lock);
    for (size_t i = 0; i < nmade; i++)
        if (!strcmp(made[i].name, layer)) {
            found = &made[i].w;
            break;
        }
    if (found == &nameless && nmade < GE_LAYER_WORDS_MADE) {
        ge_layer_words_make(&made[nmade], layer);
        found = &made[nmade++].w;
    }
    pthread_mutex_unlock(&made_lock);
    return found;
}

const ge_layer_words *ge_layer_words_item(const char *layer, const json_t *props)
{
    if (layer && !strcmp(layer, "junctions") &&
        json_integer_value(json_object_get(props, "degree")) == 3)
        return &t_junction;
    return ge_layer_words_find(layer);
}
