/*
 * layer_words.h - how sentences name the items of a reference layer, in
 * German and English: "6 m vom Hydranten" / "6 m from the hydrant",
 * "näher als 5 m an Hydranten" / "closer than 5 m to hydrants".
 *
 * One table covers the layers the OSM importer makes (data/layers/osm.json:
 * hydrants, trees, junctions, cycleways, buildings, street_space, roads,
 * pedestrian_areas, ...). A layer it does not know (a city's own data under
 * other names) gets a neutral form made from the layer's name that is
 * grammatical in every slot: "vom nächsten Objekt der Ebene „parking“" /
 * "from the nearest item of layer “parking”". It never guesses a noun.
 *
 * Every string is a complete phrase for its slot; callers put a number or a
 * preposition in front ("6 m " + from, "näher als 5 m an " + de_plural) and
 * never change the case of what they get.
 */
#ifndef GE_LAYER_WORDS_H
#define GE_LAYER_WORDS_H

#include <jansson.h>
#include <stdbool.h>

typedef struct ge_layer_words {
    const char *layer; /* the layer's name as asked ("" for the nameless form) */
    bool known;        /* false: the neutral form made from the name */
    /* German */
    const char *de_from;       /* dative singular after "von": "vom Hydranten" */
    const char *de_at;         /* at no distance: "am Hydranten", "auf dem Radweg" */
    const char *de_plural;     /* dative plural: "Hydranten", "Bäumen" ("an ..."/"zu ...") */
    const char *de_plural_nom; /* nominative plural: "Hydranten", "Bäume" */
    /* English */
    const char *en_from;   /* "from the hydrant" */
    const char *en_at;     /* "at the hydrant", "on the cycle path" */
    const char *en_plural; /* "hydrants", "cycle paths" */
} ge_layer_words;

/* The words for a layer; never NULL, valid for the life of the process.
 * An unknown but valid layer name ([a-z][a-z0-9_]{0,62}) gets the neutral
 * form with its name (made once per name and kept; after 128 distinct
 * unknown names, and for NULL or invalid names, the form without a name:
 * "vom nächsten Referenzobjekt"). Thread-safe. */
const ge_layer_words *ge_layer_words_find(const char *layer);

/* The words for one item of the layer, where its properties tell more than
 * the layer does: a junction of three arms (the importer's "degree" 3) is an
 * "Einmündung", one of four or more a "Kreuzung". Otherwise as
 * ge_layer_words_find(layer). props may be NULL. */
const ge_layer_words *ge_layer_words_item(const char *layer, const json_t *props);

#endif
