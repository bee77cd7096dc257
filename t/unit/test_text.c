/* Unit tests of the Unicode text rules (vpcore/vp_text.c) and of the text
 * kinds of the validation core (VP_EMAIL, VP_IDENT, VP_TEXT). */
#include "tap.h"
#include "vpcore/vp_text.h"
#include "vpcore/vp_valid.h"

#include <apr_general.h>
#include <stdlib.h>

static apr_pool_t *p;

#define KELVIN "\xE2\x84\xAA"           /* U+212A KELVIN SIGN */
#define ZWSP "\xE2\x80\x8B"             /* U+200B ZERO WIDTH SPACE */
#define NBSP "\xC2\xA0"
#define NEL "\xC2\x85"                  /* U+0085 NEXT LINE */
#define RLO "\xE2\x80\xAE"              /* U+202E RIGHT-TO-LEFT OVERRIDE */
#define LRO "\xE2\x80\xAD"
#define ACUTE "\xCC\x81"                /* U+0301 COMBINING ACUTE ACCENT */
#define E_ACUTE "\xC3\xA9"
#define GA "\xEA\xB0\x80"               /* U+AC00 HANGUL SYLLABLE GA */
#define JAMO_GA "\xE1\x84\x80\xE1\x85\xA1"  /* U+1100 U+1161: the same, conjoining */
#define CHEOLSU "\xEC\xB2\xA0\xEC\x88\x98"  /* 철수 */
#define KIM "\xEA\xB9\x80"              /* 김 */
#define HAN_KIM "\xE9\x87\x91"          /* 金 */
#define CYR_ES "\xD1\x81"               /* U+0441 CYRILLIC SMALL LETTER ES */
#define FW_F "\xEF\xBD\x86"             /* U+FF46 FULLWIDTH LATIN SMALL LETTER F */
#define LIG_FI "\xEF\xAC\x81"           /* U+FB01 LATIN SMALL LIGATURE FI */
#define SHARP_S "\xC3\x9F"
#define DOTLESS_I "\xC4\xB1"
#define DOTTED_I "\xC4\xB0"

static const char *nfc(const char *s)
{
    static char buf[256];
    char *n = vp_text_nfc(s);

    snprintf(buf, sizeof buf, "%s", n ? n : "(null)");
    free(n);
    return buf;
}

/* the message of vp_text_check, or "ok" */
static const char *check(const char *s, vp_text_class_t cls)
{
    static char msg[200];
    char *n = vp_text_nfc(s);

    if (!n)
        return "(not UTF-8)";
    if (vp_text_check(s, n, cls, msg, sizeof msg))
        snprintf(msg, sizeof msg, "ok");
    free(n);
    return msg;
}

#define refused(s, cls, part, name) \
    ok(strstr(check(s, cls), part) != NULL, name); \
    if (!strstr(check(s, cls), part)) printf("#   got '%s'\n", check(s, cls))

static void test_normal_forms(void)
{
    is_str(nfc("e" ACUTE), E_ACUTE, "NFC composes e + U+0301");
    is_str(nfc(JAMO_GA), GA, "NFC composes conjoining jamo into a syllable");
    is_str(nfc(KELVIN "elvin"), "Kelvin", "NFC turns KELVIN SIGN into K");
    is_str(nfc(""), "", "NFC of nothing");
    ok(vp_text_nfc("\xC3\x28") == NULL, "NFC of bad UTF-8: NULL");

    is_str(vp_text_key(p, "Kelvin@Example.COM"), "kelvin@example.com", "key: letter case");
    is_str(vp_text_key(p, KELVIN "elvin@example.com"), "kelvin@example.com",
           "key: KELVIN SIGN is k");
    is_str(vp_text_key(p, FW_F "ull@example.com"), "full@example.com", "key: fullwidth");
    is_str(vp_text_key(p, LIG_FI "le@example.com"), "file@example.com", "key: ligature");
    is_str(vp_text_key(p, "stra" SHARP_S "e@example.de"), vp_text_key(p, "STRASSE@example.de"),
           "key: full case folding, ß is ss");
    is_str(vp_text_key(p, "e" ACUTE "lodie"), vp_text_key(p, E_ACUTE "lodie"),
           "key: canonically equivalent spellings are one");
    is_str(vp_text_key(p, JAMO_GA), GA, "key: jamo and syllable are one");
    is_str(vp_text_key(p, "I"), "i", "key: I is i (no Turkish special case)");
    ok(strcmp(vp_text_key(p, DOTLESS_I), "i") != 0, "key: dotless i stays its own letter");
    ok(strcmp(vp_text_key(p, DOTTED_I), "i") != 0, "key: dotted capital I is not plain i");
    ok(vp_text_key(p, "\xFF") == NULL, "key of bad UTF-8: NULL");
}

static void test_nicknames(void)
{
    vp_text_class_t n = VP_TEXT_NICKNAME;

    is_str(check(KIM CHEOLSU, n), "ok", "Korean nickname");
    is_str(check(CHEOLSU "kim", n), "ok", "Hangul with Latin");
    is_str(check("kim " CHEOLSU "99", n), "ok", "Latin, space, Hangul, digits");
    is_str(check(HAN_KIM CHEOLSU, n), "ok", "Han with Hangul");
    is_str(check(JAMO_GA "na", n), "ok", "conjoining jamo that make a syllable");
    is_str(check("\xE3\x81\x9F\xE3\x81\xAA\xE3\x81\x8B\xE5\xA4\xAA", n), "ok",
           "Hiragana with Han");
    is_str(check("Ann Lee", n), "ok", "two words");
    is_str(check("ann_lee.99", n), "ok", "ASCII punctuation");
    is_str(check("stra" SHARP_S "e", n), "ok", "sharp s");
    is_str(check("e" ACUTE "mile", n), "ok", "combining sequence");
    is_str(check("\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD", n), "ok", "Cyrillic alone");

    refused("victim" ZWSP, n, "U+200B (an invisible character)", "ZWSP");
    refused("vic" NBSP "tim", n, "U+00A0 (a special space", "NBSP");
    refused("vic" NEL "tim", n, "U+0085 (a control character)", "NEL");
    refused(RLO "victim", n, "U+202E (a bidirectional control)", "RLO");
    refused("vic" LRO "tim", n, "U+202D (a bidirectional control)", "LRO");
    refused("vi" CYR_ES "tim", n, "must not mix scripts (Latin and Cyrillic)", "Latin + Cyrillic");
    refused("\xCE\x91lpha", n, "must not mix scripts (Greek and Latin)", "Greek + Latin");
    refused(CHEOLSU "\xE3\x81\x9F", n, "must not mix scripts", "Hangul + Hiragana");
    refused(FW_F "oo", n, "U+FF46 (a look-alike of \"f\"", "fullwidth");
    refused(KELVIN "elvin", n, "U+212A (a look-alike of \"K\"", "KELVIN SIGN as typed");
    refused(LIG_FI "le", n, "U+FB01 (a look-alike of \"fi\"", "ligature");
    refused("\xE1\x84\x80", n, "U+1100 (a Hangul jamo outside a syllable)", "lone jamo");
    refused("ann\xE2\x98\xBA", n, "only letters, digits", "a symbol");
    refused(" ann", n, "must not start or end with a space", "leading space");
    refused("ann ", n, "must not start or end with a space", "trailing space");
    refused("an  n", n, "two spaces in a row", "double space");
    refused("an\tn", n, "U+0009 (a control character)", "tab");
    refused("an\xEF\xBF\xBF", n, "U+FFFF (not a character)", "noncharacter");
}

static void test_emails(void)
{
    vp_text_class_t e = VP_TEXT_EMAIL;

    is_str(check("ann+tag@example.com", e), "ok", "ASCII address");
    is_str(check(E_ACUTE "lodie@example.fr", e), "ok", "accented local part");
    is_str(check(KIM CHEOLSU "@example.kr", e), "ok", "Korean local part");
    is_str(check("ann@xn--bcher-kva.example", e), "ok", "an A-label domain");
    refused("ann@b" "\xC3\xBC" "cher.example", e, "domain of ASCII letters", "a U-label domain");
    refused("ann@-x.com", e, "domain of ASCII", "label starting with a hyphen");
    refused("ann@x-.com", e, "domain of ASCII", "label ending with a hyphen");
    refused("ann@x_y.com", e, "domain of ASCII", "underscore in the domain");
    refused(KELVIN "elvin@example.com", e, "U+212A (a look-alike of \"K\"", "KELVIN SIGN");
    refused(FW_F "ull@example.com", e, "U+FF46", "fullwidth");
    refused("vic" ZWSP "tim@example.com", e, "U+200B", "ZWSP");
    refused("vi" CYR_ES "tim@example.com", e, "must not mix scripts", "mixed scripts");
}

static void test_free_text(void)
{
    vp_text_class_t l = VP_TEXT_LINE;

    is_str(check("Spring campaign 2026", l), "ok", "plain name");
    is_str(check("\xEB\xB4\x84 \xEC\xBA\xA0\xED\x8E\x98\xEC\x9D\xB8", l), "ok", "Korean name");
    is_str(check("\xF0\x9F\x8E\xAC Shoot", l), "ok", "emoji");
    is_str(check("\xE2\x9D\xA4\xEF\xB8\x8F love", l), "ok", "emoji with VS16");
    is_str(check("\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB team", l), "ok",
           "emoji ZWJ sequence");
    is_str(check("A \xC2\xB7 B", l), "ok", "middle dot");
    is_str(check(FW_F "ull", l), "ok", "fullwidth letters are free text");
    is_str(check("Mixed " CYR_ES " scripts", l), "ok", "scripts mix in free text");
    is_str(check("", l), "ok", "empty");
    refused("x" ZWSP "y", l, "U+200B (an invisible character)", "ZWSP");
    refused("x\xE2\x80\x8Dy", l, "U+200D", "ZWJ between letters");
    refused("x" NBSP "y", l, "U+00A0 (a special space", "NBSP");
    refused("x" NEL "y", l, "U+0085 (a control character)", "NEL");
    refused(RLO "x", l, "U+202E (a bidirectional control)", "RLO");
    refused("x\ny", l, "U+000A (a control character)", "newline");
    refused("x\xE2\x80\xA8y", l, "U+2028 (a line break)", "line separator");
    refused(" x", l, "must not start or end with a space", "leading space");
}

static void test_validation(void)
{
    static const vp_field_t fields[] = {
        {"email",    VP_EMAIL, 0, 3, 254, NULL, 0, NULL},
        {"nickname", VP_IDENT, 0, 2, 30, NULL, 0, NULL},
        {"name",     VP_TEXT,  0, 1, 100, NULL, 1, NULL},
        {NULL}
    };
    json_t *body = json_pack("{s:s, s:s, s:s}", "email", "E" ACUTE "lodie@Example.fr",
                             "nickname", "e" ACUTE "mile", "name", JAMO_GA " project");
    json_t *details = json_object();

    is_int(vp_validate(body, fields, details), 0, "text kinds validate");
    is_str(json_string_value(json_object_get(body, "nickname")), E_ACUTE "mile",
           "the nickname is replaced by its NFC");
    is_str(json_string_value(json_object_get(body, "name")), GA " project", "the name too");
    is_str(json_string_value(json_object_get(body, "email")), "\xC3\x89lodie@Example.fr",
           "the email too, its letter case kept");
    json_decref(body);
    json_decref(details);

    body = json_pack("{s:s, s:s, s:s}", "email", "not-an-email", "nickname", "e" ACUTE,
                     "name", "x" ZWSP);
    details = json_object();
    is_int(vp_validate(body, fields, details), 422, "refused text is 422");
    is_str(json_string_value(json_array_get(json_object_get(details, "email"), 0)),
           "is not a valid email address", "... naming email");
    is_str(json_string_value(json_array_get(json_object_get(details, "nickname"), 0)),
           "must have 2 to 30 characters", "... nickname: lengths count the NFC");
    is_str(json_string_value(json_array_get(json_object_get(details, "name"), 0)),
           "must not contain U+200B (an invisible character)", "... name");
    json_decref(body);
    json_decref(details);

    body = json_pack("{s:n, s:i}", "name", "nickname", 7);
    details = json_object();
    is_int(vp_validate(body, fields, details), 400, "a number for a text kind is 400");
    json_decref(body);
    json_decref(details);
}

int main(void)
{
    apr_initialize();
    apr_pool_create(&p, NULL);
    test_normal_forms();
    test_nicknames();
    test_emails();
    test_free_text();
    test_validation();
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
