/*
 * text_pairs.c - geo/core/text.h refuses what it promises to refuse. ctest
 * compiles this file (-fsyntax-only) once as it is, which must succeed,
 * and once per case below, which must fail with the case's message:
 *   GE_SWAP        EN where DE belongs ("GE_TEXT_SWAPPED_...")
 *   GE_UNLABELLED  the old unlabelled form ("does not give a valid
 *                  preprocessing token")
 *   GE_BAD_FORMAT  a German format that does not match its arguments, under
 *                  -Werror=format ("format")
 */
#include <stdio.h>

#include "text.h"

void ge_text_pairs(int german, int n, const char *s);

void ge_text_pairs(int german, int n, const char *s)
{
    static const ge_text table[] = {GE_TEXT_INIT(DE("Baum"), EN("Tree"))};
    ge_text t = GE_TEXT(DE(s), EN(s));

    printf(GE_PICK(german, DE("%d Bäume, %s\n"), EN("%d trees, %s\n")), n, s);
    printf("%s %s %s\n", ge_text_pick(t, german), table[0].de, table[0].en);
#if defined(GE_SWAP)
    printf(GE_PICK(german, EN("%d trees\n"), DE("%d Bäume\n")), n);
#elif defined(GE_UNLABELLED)
    printf(GE_PICK(german, "%d Bäume\n", "%d trees\n"), n);
#elif defined(GE_BAD_FORMAT)
    printf(GE_PICK(german, DE("%s Bäume\n"), EN("%d trees\n")), n);
#endif
}
