#include "vp_text.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* NFC of s, or with fold its NFKC case folding; malloc'd and terminated,
 * NULL when s is not UTF-8 or memory runs out */
static char *mapped(const char *s, int fold)
{
    size_t n = strlen(s), m;
    const uint8_t *in = (const uint8_t *)s;
    uint8_t *u;
    char *out;

    if (u8_check(in, n))
        return NULL;
    if (!n)
        return strdup("");
    u = fold ? u8_casefold(in, n, NULL, UNINORM_NFKC, NULL, &m)
             : u8_normalize(UNINORM_NFC, in, n, NULL, &m);
    if (!u || !(out = realloc(u, m + 1))) {
        free(u);
        return NULL;
    }
    out[m] = '\0';
    return out;
}

char *vp_text_nfc(const char *s)
{
    return mapped(s, 0);
}

const char *vp_text_key(apr_pool_t *p, const char *s)
{
    char *k = mapped(s, 1);
    const char *out = k ? apr_pstrdup(p, k) : NULL;

    free(k);
    return out;
}

static int refuse(char *msg, size_t len, ucs4_t c, const char *why)
{
    snprintf(msg, len, "must not contain U+%04X (%s)", (unsigned)c, why);
    return 0;
}

/* PRECIS HasCompat: NFKC changes c (fullwidth forms, ligatures, KELVIN
 * SIGN, superscripts, NBSP…); the plain form goes to plain. */
static int has_compat(ucs4_t c, char *plain, size_t plen)
{
    uint32_t buf[32];
    uint8_t u8[96];
    size_t n = sizeof buf / sizeof *buf, m = sizeof u8;
    uint32_t *r;
    uint8_t *t;
    int differs;

    if (c < 0x80)
        return 0;
    if (!(r = u32_normalize(UNINORM_NFKC, &c, 1, buf, &n)))
        return 1;   /* out of memory: refusing is the safe side */
    differs = n != 1 || r[0] != c;
    t = differs ? u32_to_u8(r, n, u8, &m) : NULL;
    snprintf(plain, plen, "%.*s", t == u8 ? (int)m : 0, (const char *)u8);
    if (t && t != u8)
        free(t);
    if (r != buf)
        free(r);
    return differs;
}

/* 1 unless c is a compatibility look-alike (0 with the message) */
static int not_compat(ucs4_t c, char *msg, size_t len)
{
    char plain[100], why[160];

    if (!has_compat(c, plain, sizeof plain))
        return 1;
    snprintf(why, sizeof why, "a look-alike of \"%s\"; type the plain character", plain);
    return refuse(msg, len, c, why);
}

static int old_hangul_jamo(ucs4_t c)
{
    return (c >= 0x1100 && c <= 0x11FF) || (c >= 0xA960 && c <= 0xA97F)
           || (c >= 0xD7B0 && c <= 0xD7FF);
}

static int emoji_base(ucs4_t c)
{
    return uc_is_general_category(c, UC_CATEGORY_So) || uc_is_general_category(c, UC_CATEGORY_Sk);
}

/* General categories refused in every class, in order (C last: the
 * format characters left once the others are named) */
struct refusal {
    const uc_general_category_t *category;
    const char *why;
};

static const struct refusal refused_categories[] = {
    {&UC_CATEGORY_Cc, "a control character"},
    {&UC_CATEGORY_Zs, "a special space; use a plain space"},
    {&UC_CATEGORY_Zl, "a line break"},
    {&UC_CATEGORY_Zp, "a line break"},
    {&UC_CATEGORY_Co, "a private-use character"},
    {&UC_CATEGORY_C, "a format character"},
    {NULL, NULL}
};

/* The PRECIS derived property of s[i] (RFC 8264 section 8) for cls: 1 when
 * allowed, otherwise 0 with the reason in msg. */
static int code_point_ok(const uint32_t *s, size_t n, size_t i, vp_text_class_t cls,
                         char *msg, size_t len)
{
    ucs4_t c = s[i], prev = i ? s[i - 1] : 0, next = i + 1 < n ? s[i + 1] : 0;
    int ident = cls != VP_TEXT_LINE;
    const struct refusal *r;

    if (c < 0x80) {
        if (c < 0x20 || c == 0x7F)
            return refuse(msg, len, c, "a control character");
        if (c == ' ' && cls == VP_TEXT_EMAIL)
            return refuse(msg, len, c, "a space");
        return 1;
    }
    switch (c) {    /* the exceptions of RFC 5892 section 2.6 */
    case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
        return 1;
    case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x3031: case 0x3032:
    case 0x3033: case 0x3034: case 0x3035: case 0x303B:
        return refuse(msg, len, c, "not allowed in names");
    case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4: case 0x30FB:
        /* contextual in PRECIS; free text keeps them (A · B) */
        return ident ? refuse(msg, len, c, "a punctuation mark allowed only in free text") : 1;
    }
    if (uc_is_property_bidi_control(c))
        return refuse(msg, len, c, "a bidirectional control");
    if (uc_is_property_not_a_character(c))
        return refuse(msg, len, c, "not a character");
    if (uc_is_general_category(c, UC_CATEGORY_Cn))
        return refuse(msg, len, c, "not an assigned character");
    /* emoji sequences of free text: a variation selector after a symbol,
     * a zero-width joiner between two */
    if (!ident && (c == 0xFE0E || c == 0xFE0F) && emoji_base(prev))
        return 1;
    if (!ident && c == 0x200D && (emoji_base(prev) || prev == 0xFE0F) && emoji_base(next))
        return 1;
    if (uc_is_property_default_ignorable_code_point(c))
        return refuse(msg, len, c, "an invisible character");
    if (old_hangul_jamo(c))
        return refuse(msg, len, c, "a Hangul jamo outside a syllable");
    for (r = refused_categories; r->category; r++)
        if (uc_is_general_category(c, *r->category))
            return refuse(msg, len, c, r->why);
    if (!ident)
        return 1;
    if (!not_compat(c, msg, len))
        return 0;
    if (uc_is_general_category(c, UC_CATEGORY_L) && !uc_is_general_category(c, UC_CATEGORY_Lt))
        return 1;
    if (uc_is_general_category(c, UC_CATEGORY_Nd) || uc_is_general_category(c, UC_CATEGORY_Mn)
        || uc_is_general_category(c, UC_CATEGORY_Mc))
        return 1;
    return refuse(msg, len, c, "only letters, digits and ASCII punctuation are allowed");
}

static int in_set(const char *name, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(name, *set) == 0)
            return 1;
    return 0;
}

/* UTS #39 "highly restrictive": one script, or Latin with the scripts
 * written together in Japanese, Chinese or Korean names (철수kim, 金철수). */
static int one_script(const uint32_t *s, size_t n, char *msg, size_t len)
{
    static const char *const japanese[] = {"Latin", "Han", "Hiragana", "Katakana", NULL};
    static const char *const chinese[] = {"Latin", "Han", "Bopomofo", NULL};
    static const char *const korean[] = {"Latin", "Han", "Hangul", NULL};
    static const char *const *const sets[] = {japanese, chinese, korean, NULL};
    const char *seen[8];
    size_t i, k = 0, j;
    const char *const *const *set;
    char names[120] = "";

    for (i = 0; i < n; i++) {
        const uc_script_t *sc = uc_script(s[i]);

        if (!sc || strcmp(sc->name, "Common") == 0 || strcmp(sc->name, "Inherited") == 0)
            continue;
        for (j = 0; j < k && strcmp(seen[j], sc->name); j++)
            ;
        if (j == k && k < sizeof seen / sizeof *seen)
            seen[k++] = sc->name;
    }
    if (k <= 1)
        return 1;
    for (set = sets; *set; set++) {
        for (j = 0; j < k && in_set(seen[j], *set); j++)
            ;
        if (j == k)
            return 1;
    }
    for (j = 0; j < k; j++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 j ? (j + 1 == k ? " and " : ", ") : "", seen[j]);
    snprintf(msg, len, "must not mix scripts (%s); only Latin with Han, Hangul, Hiragana,"
             " Katakana or Bopomofo as in East Asian names", names);
    return 0;
}

static int ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* LDH: dotted labels of 1..63 ASCII letters, digits and inner hyphens */
static int ldh_domain(const char *d)
{
    size_t label = 0;

    for (;; d++) {
        if (*d == '.' || !*d) {
            if (label == 0 || label > 63 || d[-1] == '-')
                return 0;
            if (!*d)
                return 1;
            label = 0;
        }
        else if (ascii_alnum(*d) || (*d == '-' && label > 0))
            label++;
        else
            return 0;
    }
}

/* The layout of spaces: none at the ends; none in a row in a nickname
 * (its words are joined by single spaces, RFC 8265 section 3.5). */
static int spaces_ok(const char *s, vp_text_class_t cls, char *msg, size_t len)
{
    size_t n = strlen(s);

    if (n && (s[0] == ' ' || s[n - 1] == ' ')) {
        snprintf(msg, len, "must not start or end with a space");
        return 0;
    }
    if (cls == VP_TEXT_NICKNAME && strstr(s, "  ")) {
        snprintf(msg, len, "must not hold two spaces in a row");
        return 0;
    }
    return 1;
}

/* The code points of the UTF-8 text [s, s + n) against cls, then its
 * scripts for identifiers. */
static int part_ok(const char *s, size_t n, vp_text_class_t cls, char *msg, size_t len)
{
    size_t m, i;
    uint32_t *u;
    int ok = 1;

    if (!n)
        return 1;
    if (!(u = u8_to_u32((const uint8_t *)s, n, NULL, &m))) {
        snprintf(msg, len, "is not valid text");
        return 0;
    }
    for (i = 0; ok && i < m; i++)
        ok = code_point_ok(u, m, i, cls, msg, len);
    if (ok && cls != VP_TEXT_LINE)
        ok = one_script(u, m, msg, len);
    free(u);
    return ok;
}

int vp_text_check(const char *typed, const char *nfc, vp_text_class_t cls,
                  char *msg, size_t len)
{
    const char *at = cls == VP_TEXT_EMAIL ? strrchr(nfc, '@') : NULL;
    size_t local = at ? (size_t)(at - nfc) : strlen(nfc);
    const uint8_t *c = (const uint8_t *)typed;
    ucs4_t cp;

    if (!spaces_ok(nfc, cls, msg, len) || !part_ok(nfc, local, cls, msg, len))
        return 0;
    if (at && !ldh_domain(at + 1)) {
        snprintf(msg, len, "must have a domain of ASCII letters, digits, hyphens and dots"
                 " (an international domain in its xn-- form)");
        return 0;
    }
    /* as typed: look-alikes that NFC turns into plain letters (KELVIN SIGN) */
    while (cls != VP_TEXT_LINE && (c = u8_next(&cp, c)))
        if (!not_compat(cp, msg, len))
            return 0;
    return 1;
}
