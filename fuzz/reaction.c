/* The reaction of a comment (vpcore/vp_reaction.c): the input is the
 * client's string, NULs and all (the handler passes json_string_length).
 * A refusal gives one of the three reasons and no stored form; input over
 * the cap is always refused. An accepted reaction is stored as valid UTF-8
 * of at most the cap, in NFC, and is one of the three words (as sent) or
 * exactly one grapheme cluster (u8_grapheme_breaks) whose input was one
 * cluster too. Checking the input again gives the same answer; checking
 * the stored form gives it back; an emoji's stored form twice over is
 * "several" (or too long), never one reaction. */
#include "fuzz.h"
#include "vpcore/vp_reaction.h"

#include <unigbrk.h>
#include <uninorm.h>
#include <unistr.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int word(const char *s, size_t n)
{
    return (n == 4 && !memcmp(s, "like", 4)) || (n == 7 && !memcmp(s, "dislike", 7))
        || (n == 16 && !memcmp(s, "need_explanation", 16));
}

static size_t clusters(const uint8_t *s, size_t n)
{
    char brk[16384];
    size_t i, k = 0;

    u8_grapheme_breaks(s, n, brk);
    for (i = 0; i < n; i++)
        k += brk[i] != 0;
    return k;
}

/* the same answer (reasons are compared as text: literals of two files
 * need not be one object) */
static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static int known_reason(const char *r)
{
    return !strcmp(r, VP_REACTION_BAD) || !strcmp(r, VP_REACTION_SEVERAL)
        || !strcmp(r, VP_REACTION_LONG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[VP_REACTION_MAX + 1], again[VP_REACTION_MAX + 1], twice[2 * VP_REACTION_MAX + 1];
    const char *why = vp_reaction_check(s, size, out), *why2, *why3;
    uint8_t nfc[4 * VP_REACTION_MAX];
    size_t n, nfc_len = sizeof nfc;

    why2 = vp_reaction_check(s, size, again);
    FUZZ_CHECK(same(why, why2) && !strcmp(out, again));
    if (why) {
        FUZZ_CHECK(known_reason(why) && out[0] == '\0');
        FUZZ_CHECK(size <= VP_REACTION_MAX || same(why, VP_REACTION_LONG));
        return 0;
    }
    n = strlen(out);
    FUZZ_CHECK(size <= VP_REACTION_MAX && n > 0 && n <= VP_REACTION_MAX);
    FUZZ_CHECK(u8_check((const uint8_t *)out, n) == NULL);
    FUZZ_CHECK(u8_normalize(UNINORM_NFC, (const uint8_t *)out, n, nfc, &nfc_len) == nfc
               && nfc_len == n && !memcmp(nfc, out, n));
    if (word(s, size))
        FUZZ_CHECK(n == size && !memcmp(out, s, n));
    else
        FUZZ_CHECK(!word(out, n) && clusters((const uint8_t *)out, n) == 1
                   && clusters(data, size) == 1);
    /* the stored form is a fixed point */
    FUZZ_CHECK(vp_reaction_check(out, n, again) == NULL && !strcmp(out, again));
    /* two reactions are never one */
    memcpy(twice, out, n);
    memcpy(twice + n, out, n);
    why3 = vp_reaction_check(twice, 2 * n, again);
    FUZZ_CHECK(why3 != NULL);
    if (!word(out, n))
        FUZZ_CHECK(same(why3, 2 * n > VP_REACTION_MAX ? VP_REACTION_LONG : VP_REACTION_SEVERAL));
    return 0;
}
