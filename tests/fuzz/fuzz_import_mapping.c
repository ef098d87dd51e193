/*
 * fuzz_import_mapping.c - the layer mapping parser of the import
 * (geo/import/import_mapping.c, the format of data/layers/README.md), and
 * what an import then asks of a parsed mapping: each layer's properties for
 * a feature with a fixed set of OSM attributes, the road class widths, and
 * OSM length numbers ("6,5 m").
 *
 * Input: the mapping file's text. Checks: a refusal has a message naming
 * the file; a parsed mapping's layers have names, kinds and the properties
 * of a feature are an object with no more members than the layer maps; a
 * number taken from text is finite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "import_mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_strndup(data, size);
    ge_import_mapping *m = NULL;
    json_t *attrs;
    ge_err err;
    double d;

    if (ge_import_parse_number(text, &d)) FZ_CHECK(isfinite(d), "'%s' read as %g", text, d);
    if (ge_import_mapping_parse(text, "fuzz.json", "/nonexistent", &m, &err) < 0) {
        FZ_CHECK(strstr(err.msg, "fuzz.json") != NULL, "a refusal that names no file: %s", err.msg);
        free(text);
        return 0;
    }
    attrs = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:b}", "highway", "residential",
                      "name", "Lindenallee", "width", "6,5 m", "lanes", "2", "admin_level", 8,
                      "maxspeed", 30.0, "species", "Tilia", "addr:housenumber", "9a", "oneway", 1);
    for (size_t i = 0; i < m->nlayers; i++) {
        const ge_import_layer_map *lm = &m->layers[i];
        json_t *props;
        FZ_CHECK(lm->name[0] && memchr(lm->name, '\0', sizeof lm->name), "a layer without a name");
        FZ_CHECK(lm->kind >= GE_IMPORT_KIND_POINT && lm->kind <= GE_IMPORT_KIND_POLYGON,
                 "layer %s: kind %d", lm->name, (int)lm->kind);
        (void)ge_import_derive_name(lm->derive);
        props = ge_import_mapping_props(lm, attrs);
        FZ_CHECK(json_is_object(props) && json_object_size(props) <= lm->nprops,
                 "layer %s: properties", lm->name);
        json_decref(props);
    }
    d = ge_import_mapping_class_width(m, "residential");
    FZ_CHECK(isfinite(d), "class width %g", d);
    d = ge_import_mapping_class_width(m, text);
    FZ_CHECK(isfinite(d), "class width %g", d);
    json_decref(attrs);
    ge_import_mapping_free(m);
    free(text);
    return 0;
}
