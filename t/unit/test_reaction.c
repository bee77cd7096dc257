/* Unit tests of the reaction rule (vpcore/vp_reaction.c): the three words
 * and one emoji pass, stored in their fully-qualified spelling; anything
 * else is refused with its reason. */
#include "tap.h"
#include "vpcore/vp_reaction.h"

#include <stdlib.h>
#include <unictype.h>
#include <unigbrk.h>
#include <uninorm.h>
#include <unistr.h>

static char got[VP_REACTION_MAX + 80];

/* The stored form of the n bytes at s, or "!" and the reason. */
static const char *check_n(const char *s, size_t n)
{
    char out[VP_REACTION_MAX + 1];
    const char *why = vp_reaction_check(s, n, out);

    if (why)
        snprintf(got, sizeof got, "!%s%s", why, out[0] ? " (and out set)" : "");
    else
        snprintf(got, sizeof got, "%s", out);
    return got;
}

static const char *check(const char *s)
{
    return check_n(s, strlen(s));
}

#define BAD "!" VP_REACTION_BAD
#define SEVERAL "!" VP_REACTION_SEVERAL
#define LONG "!" VP_REACTION_LONG

/* Named code points and emoji (C forbids \u escapes below U+00A0). */
#define ZWJ "\u200D"
#define VS15 "\uFE0E"
#define VS16 "\uFE0F"
#define KEYCAP "\u20E3"
#define TONE3 "\U0001F3FD"
#define TONE5 "\U0001F3FF"
#define THUMB "\U0001F44D"
#define HEART "\u2764"
#define RI_K "\U0001F1F0"
#define RI_R "\U0001F1F7"
#define RI_U "\U0001F1FA"
#define RI_S "\U0001F1F8"
#define BLACK_FLAG "\U0001F3F4"
#define TAGS_GBSCT "\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074"
#define CANCEL_TAG "\U000E007F"
#define SCOTLAND BLACK_FLAG TAGS_GBSCT CANCEL_TAG
#define FAMILY "\U0001F468" ZWJ "\U0001F469" ZWJ "\U0001F467"
#define RAINBOW_FLAG "\U0001F3F3" VS16 ZWJ "\U0001F308"
#define TECHNOLOGIST "\U0001F469" TONE3 ZWJ "\U0001F4BB"
#define KISS "\U0001F469" TONE3 ZWJ HEART VS16 ZWJ "\U0001F48B" ZWJ "\U0001F468" TONE5

/* Every single code point, alone: what passes is a pictograph, stored as
 * one cluster that is its own NFC; no letter, digit, mark, space or
 * component passes. Returns the number that pass, -1 on a broken rule. */
static long every_code_point(void)
{
    long passed = 0;
    ucs4_t c;

    for (c = 0; c < 0x110000; c++) {
        uint8_t b[6], nfc[VP_REACTION_MAX * 2];
        char out[VP_REACTION_MAX + 1], brk[VP_REACTION_MAX];
        size_t len = sizeof nfc, n, i, clusters = 0;
        int w = u8_uctomb(b, c, sizeof b);

        if (w <= 0 || vp_reaction_check((const char *)b, (size_t)w, out))
            continue;
        passed++;
        n = strlen(out);
        u8_grapheme_breaks((const uint8_t *)out, n, brk);
        for (i = 0; i < n; i++)
            clusters += brk[i] != 0;
        if (!uc_is_property_extended_pictographic(c) || clusters != 1
            || !u8_normalize(UNINORM_NFC, (const uint8_t *)out, n, nfc, &len)
            || len != n || memcmp(nfc, out, n)) {
            printf("# U+%04X passes as '%s'\n", (unsigned)c, out);
            return -1;
        }
    }
    return passed;
}

/* The stored form of each, or "!" and the reason. */
static const struct { const char *in, *want, *name; } cases[] = {
    /* the words, exactly */
    {"like", "like", "like"},
    {"dislike", "dislike", "dislike"},
    {"need_explanation", "need_explanation", "need_explanation"},
    {"Like", BAD, "Like (capital) refused"},
    {"like ", BAD, "like with a trailing space refused"},
    {"need explanation", BAD, "need explanation (space) refused"},

    /* issue 16: accepted */
    {THUMB, THUMB, "thumbs up"},
    {THUMB TONE3, THUMB TONE3, "thumbs up with a skin tone"},
    {RI_K RI_R, RI_K RI_R, "the flag of Korea (two regional indicators)"},
    {FAMILY, FAMILY, "a family (ZWJ sequence)"},
    /* issue 16: refused */
    {"ab", BAD, "ab"},
    {THUMB THUMB, SEVERAL, "two thumbs up: several"},

    /* more single emoji, and how they are stored */
    {SCOTLAND, SCOTLAND, "the flag of Scotland (tag sequence)"},
    {"1" VS16 KEYCAP, "1" VS16 KEYCAP, "keycap 1"},
    {"#" VS16 KEYCAP, "#" VS16 KEYCAP, "keycap #"},
    {"1" KEYCAP, "1" VS16 KEYCAP, "keycap 1 without VS16 stored with it"},
    {HEART VS16, HEART VS16, "red heart with VS16"},
    {HEART, HEART VS16, "red heart without VS16 stored with it (one reaction)"},
    {THUMB VS16, THUMB, "thumbs up with a needless VS16 stored without it"},
    {"\u261D" TONE5, "\u261D" TONE5, "text-default index finger with a skin tone: no VS16 added"},
    {"\u00A9", "\u00A9" VS16, "copyright sign stored as its emoji"},
    {RAINBOW_FLAG, RAINBOW_FLAG, "rainbow flag"},
    {"\U0001F3F3" ZWJ "\U0001F308", RAINBOW_FLAG, "rainbow flag without VS16 stored with it"},
    {TECHNOLOGIST, TECHNOLOGIST, "technologist with a skin tone (tone inside a ZWJ sequence)"},
    {KISS, KISS, "kiss with two skin tones (35 bytes)"},
    {"\U0001FAE8", "\U0001FAE8", "shaking face (Unicode 15, newer than the tables)"},
    {THUMB ZWJ THUMB, THUMB ZWJ THUMB, "a well-formed ZWJ sequence outside Unicode's list passes"},

    /* several */
    {RI_K RI_R RI_U RI_S, SEVERAL, "two flags: several"},
    {HEART THUMB, SEVERAL, "heart and thumbs up: several"},

    /* not emoji */
    {"", BAD, "empty"},
    {"a", BAD, "one letter"},
    {"1", BAD, "a digit alone"},
    {"#", BAD, "# alone"},
    {"\uD55C", BAD, "a Hangul syllable"},
    {"e\u0301", BAD, "e with a combining accent (one cluster)"},
    {"\u2605", BAD, "black star (pictographic, no emoji)"},
    {RI_K, BAD, "a lone regional indicator"},
    {RI_K RI_R RI_U, BAD, "three regional indicators (a flag and a lone one)"},
    {TONE3, BAD, "a lone skin tone"},
    {ZWJ, BAD, "a lone ZWJ"},
    {VS16, BAD, "a lone VS16"},
    {KEYCAP, BAD, "a lone keycap mark"},
    {"a" KEYCAP, BAD, "a letter on a keycap"},
    {THUMB ZWJ, BAD, "a trailing ZWJ"},
    {ZWJ THUMB, BAD, "a leading ZWJ"},
    {"a" ZWJ "b", BAD, "letters joined by ZWJ"},
    {HEART TONE3, BAD, "a skin tone on a heart (no modifier base)"},
    {HEART VS15, BAD, "a heart asking for text presentation (VS15)"},
    {THUMB "\u0301", BAD, "thumbs up with a combining accent"},
    {TONE3 VS16 THUMB, BAD, "a tone before the emoji"},
    {BLACK_FLAG TAGS_GBSCT, BAD, "tag sequence without CANCEL TAG"},
    {THUMB TONE3 VS16, BAD, "VS16 after a skin tone"},
    {THUMB " ", BAD, "thumbs up and a space"},
    {" ", BAD, "a space"},
    {"\u00A0", BAD, "a no-break space"},
    {"\t", BAD, "a tab"},
    {"\n", BAD, "a newline"},
    {"\x01", BAD, "a control character"},
    {"\x7F", BAD, "DEL"},
    {"\xF0\x9F\x91", BAD, "invalid UTF-8: a cut sequence"},
    {"\xC0\xAF", BAD, "invalid UTF-8: an overlong slash"},
    {"\xED\xA0\xBD\xED\xB1\x8D", BAD, "invalid UTF-8: surrogates (CESU-8 thumbs up)"},
    {"\xFF", BAD, "invalid UTF-8: FF"},
    {NULL, NULL, NULL}
};

int main(void)
{
    char big[200];
    const char *s;
    long passed;
    int i;

    for (i = 0; cases[i].in; i++)
        is_str(check(cases[i].in), cases[i].want, cases[i].name);
    is_str(check_n(THUMB "\0", 5), BAD, "thumbs up and a NUL");
    is_str(check_n("\0", 1), BAD, "a NUL");

    /* the cap, before anything and after VS16 are added */
    big[0] = '\0';
    for (i = 0; i < 16; i++)
        strcat(big, THUMB);
    is_str(check(big), SEVERAL, "16 thumbs up (64 bytes): several");
    strcat(big, THUMB);
    is_str(check(big), LONG, "17 thumbs up (68 bytes): too long");
    memset(big, 'a', 65);
    big[65] = '\0';
    is_str(check(big), LONG, "65 letters: too long");
    strcpy(big, "\u00A9");
    for (i = 1; i < 12; i++)
        strcat(big, ZWJ "\u00A9");
    is_int(strlen(big), 57, "twelve copyright signs joined by ZWJ are 57 bytes");
    is_str(check(big), LONG, "... and 93 with their VS16: too long");

    /* the stored form is a fixed point */
    s = "1" KEYCAP;
    is_str(check(check(s)), "1" VS16 KEYCAP, "checking a stored form again gives it back");

    passed = every_code_point();
    ok(passed > 1000, "each code point alone: only pictographs pass, one cluster, NFC");
    printf("# %ld code points pass alone\n", passed);
    return done_testing();
}
