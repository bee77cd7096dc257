/* The reaction of a comment (vp_reaction.h). */
#include "vp_reaction.h"

#include <string.h>
#include <unictype.h>
#include <unigbrk.h>
#include <unistr.h>

#define ZWJ 0x200D
#define VS16 0xFE0F
#define KEYCAP 0x20E3
#define TAG_FIRST 0xE0020
#define TAG_LAST 0xE007E
#define TAG_CANCEL 0xE007F

static const char *const words[] = {"like", "dislike", "need_explanation", NULL};

/* A pictograph: Extended_Pictographic and Emoji, which leaves out the
 * keycap bases, regional indicators and skin tones (Emoji but not
 * pictographs) and pictographic symbols that are no emoji (★). An
 * unassigned code point of the Extended_Pictographic blocks is an emoji
 * newer than libunistring's tables. */
static int pictograph(ucs4_t c)
{
    return uc_is_property_extended_pictographic(c)
        && (uc_is_property_emoji(c) || uc_is_general_category(c, UC_CATEGORY_Cn));
}

static int keycap_base(ucs4_t c)
{
    return c == '#' || c == '*' || (c >= '0' && c <= '9');
}

/* Text-default (❤, ☝): its emoji spelling is VS16 after it. Unassigned
 * ones count as emoji-default, as every emoji added since Unicode 9 is. */
static int text_default(ucs4_t c)
{
    return uc_is_property_emoji(c) && !uc_is_property_emoji_presentation(c);
}

/* One element of an emoji ZWJ sequence at c[i] (i < n), its stored
 * spelling appended to o at *m. The index after it, 0 when c[i] starts no
 * element. */
static size_t element(const ucs4_t *c, size_t i, size_t n, ucs4_t *o, size_t *m)
{
    size_t j = i + 1;

    if (uc_is_property_regional_indicator(c[i])) {
        if (j >= n || !uc_is_property_regional_indicator(c[j]))
            return 0;
        o[(*m)++] = c[i];
        o[(*m)++] = c[j];
        return j + 1;
    }
    if (keycap_base(c[i])) {
        if (j < n && c[j] == VS16)
            j++;
        if (j >= n || c[j] != KEYCAP)
            return 0;
        o[(*m)++] = c[i];
        o[(*m)++] = VS16;
        o[(*m)++] = KEYCAP;
        return j + 1;
    }
    if (!pictograph(c[i]))
        return 0;
    o[(*m)++] = c[i];
    if (j < n && uc_is_property_emoji_modifier(c[j])) {
        if (!uc_is_property_emoji_modifier_base(c[i])
            && !uc_is_general_category(c[i], UC_CATEGORY_Cn))
            return 0;
        o[(*m)++] = c[j];
        return j + 1;
    }
    if (j < n && c[j] >= TAG_FIRST && c[j] <= TAG_LAST) {
        while (j < n && c[j] >= TAG_FIRST && c[j] <= TAG_LAST)
            o[(*m)++] = c[j++];
        if (j >= n || c[j] != TAG_CANCEL)
            return 0;
        o[(*m)++] = c[j];
        return j + 1;
    }
    if (j < n && c[j] == VS16)
        j++;
    if (text_default(c[i]))
        o[(*m)++] = VS16;
    return j;
}

/* 1 when the n code points at c are one well-formed emoji (ZWJ sequence),
 * its stored spelling in o (room for 2 * n code points) at *m. */
static int emoji(const ucs4_t *c, size_t n, ucs4_t *o, size_t *m)
{
    size_t i = 0;

    *m = 0;
    for (;;) {
        if (i >= n || !(i = element(c, i, n, o, m)))
            return 0;
        if (i == n)
            return 1;
        if (c[i] != ZWJ)
            return 0;
        o[(*m)++] = c[i++];
    }
}

const char *vp_reaction_check(const char *s, size_t n, char out[VP_REACTION_MAX + 1])
{
    ucs4_t c[VP_REACTION_MAX], o[2 * VP_REACTION_MAX];
    char breaks[VP_REACTION_MAX], starts[VP_REACTION_MAX + 1];
    const uint8_t *u = (const uint8_t *)s;
    size_t nc = 0, m = 0, i, a, len = 0;
    int k, clusters = 0, emojis = 0;

    out[0] = '\0';
    if (n > VP_REACTION_MAX)
        return VP_REACTION_LONG;
    for (k = 0; words[k]; k++)
        if (n == strlen(words[k]) && !memcmp(s, words[k], n)) {
            memcpy(out, s, n);
            out[n] = '\0';
            return NULL;
        }
    if (n == 0 || u8_check(u, n) || memchr(s, '\0', n))
        return VP_REACTION_BAD;
    /* Clusters of the whole string: flags (GB12/13) and ZWJ sequences
     * (GB11) need more than the two code points at a boundary, which is
     * all u8_grapheme_next looks at in libunistring 1.0. */
    u8_grapheme_breaks(u, n, breaks);
    for (i = 0; i < n; nc++) {
        starts[nc] = breaks[i];
        i += (size_t)u8_mbtouc(&c[nc], u + i, n - i);
    }
    starts[nc] = 1;
    /* each cluster on its own, to tell "👍👍" (several) from "ab" */
    for (a = 0, i = 1; i <= nc; i++)
        if (starts[i]) {
            clusters++;
            emojis += emoji(c + a, i - a, o, &m);
            a = i;
        }
    if (clusters > 1)
        return emojis == clusters ? VP_REACTION_SEVERAL : VP_REACTION_BAD;
    if (!emojis)                /* else o holds the one cluster's spelling */
        return VP_REACTION_BAD;
    for (i = 0; i < m; i++) {
        int w = u8_uctomb((uint8_t *)out + len, o[i], (int)(VP_REACTION_MAX - len));

        if (w < 0) {            /* the VS16 added made it longer */
            out[0] = '\0';
            return VP_REACTION_LONG;
        }
        len += (size_t)w;
    }
    out[len] = '\0';
    return NULL;
}
