/* Unit tests of the iCalendar writer (vpcore/vp_ics.c): TEXT escaping of
 * \ ; , and line breaks, folding at 75 octets that never splits a UTF-8
 * sequence and unfolds to the line it was, DATE and UTC DATE-TIME values;
 * and of the date-time check of request bodies (vp_is_datetime). */
#include "tap.h"
#include "vpcore/vp_ics.h"
#include "vpcore/vp_valid.h"

#include <apr_general.h>
#include <apr_strings.h>

/* The document's lines: each at most 75 octets, no continuation starting
 * inside a UTF-8 sequence; unfolded into out. 1 when all held. */
static int lines_ok(const char *doc, char *out, size_t outsz)
{
    const char *s = doc;
    size_t o = 0;
    int first = 1;

    while (*s) {
        const char *end = strstr(s, "\r\n");
        size_t n;

        if (!end)
            return 0;
        n = (size_t)(end - s);
        if (n > VP_ICS_LINE_MAX)
            return 0;
        if (*s == ' ' && !first) {      /* a continuation: its space goes */
            if (n > 1 && ((unsigned char)s[1] & 0xC0) == 0x80)
                return 0;
            s++;
            n--;
        }
        else if (!first)
            out[o++] = '\n';
        if (o + n + 2 > outsz)
            return 0;
        memcpy(out + o, s, n);
        o += n;
        first = 0;
        s = end + 2;
    }
    out[o] = '\0';
    return 1;
}

int main(void)
{
    apr_pool_t *p;
    vp_ics_t *b;
    const char *doc;
    char unfolded[8192];
    size_t len;
    char *korean;
    int i;

    apr_initialize();
    apr_pool_create(&p, NULL);

    /* ---- escaping ---- */
    is_str(vp_ics_escape(p, "a,b;c\\d"), "a\\,b\\;c\\\\d", "escape: , ; and \\");
    is_str(vp_ics_escape(p, "one\ntwo\r\nthree\rfour"), "one\\ntwo\\nthree\\nfour",
           "escape: LF, CRLF and CR are \\n (one each)");
    is_str(vp_ics_escape(p, "tab\there\x01\x7f"), "tab\there", "escape: TAB kept, other controls dropped");
    is_str(vp_ics_escape(p, "촬영: 서울, 부산; 끝"), "촬영: 서울\\, 부산\\; 끝",
           "escape: Korean text kept, : not escaped");
    is_str(vp_ics_escape(p, ""), "", "escape: empty");

    /* ---- a short line: as it is ---- */
    b = vp_ics_new(p);
    vp_ics_line(b, "BEGIN", "VCALENDAR");
    is_str(vp_ics_text_of(b, &len), "BEGIN:VCALENDAR\r\n", "a short line ends in CRLF");
    is_int(len, 17, "... and its length is counted");

    /* ---- exactly 75 octets: not folded; 76: folded ---- */
    b = vp_ics_new(p);
    vp_ics_line(b, "X", apr_pstrndup(p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 73));
    doc = vp_ics_text_of(b, NULL);
    is_int(strlen(doc), 77, "75 octets: one line");
    b = vp_ics_new(p);
    vp_ics_line(b, "X", apr_pstrndup(p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 74));
    doc = vp_ics_text_of(b, NULL);
    ok(strncmp(doc + 75, "\r\n a\r\n", 6) == 0 && strlen(doc) == 81,
       "76 octets: 75, then a continuation of the last one");

    /* ---- a long Korean description: folded between characters ---- */
    korean = "";
    for (i = 0; i < 60; i++)
        korean = apr_pstrcat(p, korean, "한국어 설명, ", NULL);
    b = vp_ics_new(p);
    vp_ics_text(b, "DESCRIPTION", korean);
    doc = vp_ics_text_of(b, NULL);
    ok(strlen(doc) > 1000, "a long description makes a long property");
    ok(lines_ok(doc, unfolded, sizeof unfolded),
       "every line is at most 75 octets and no continuation starts inside a character");
    is_str(unfolded, apr_pstrcat(p, "DESCRIPTION:", vp_ics_escape(p, korean), NULL),
           "unfolding gives the escaped property back");
    /* three-octet characters from the first octet on: folds fall before 75 */
    b = vp_ics_new(p);
    vp_ics_line(b, "X", "가나다라마바사아자차카타파하가나다라마바사아자차카타파하가나다라마바사아자차카타파하");
    doc = vp_ics_text_of(b, NULL);
    ok(lines_ok(doc, unfolded, sizeof unfolded), "all three-octet characters: folded whole");
    ok(strstr(doc, "\r\n ") - doc == 74, "... the first line ends at 74 octets, before a character that would pass 75");
    /* four-octet emoji */
    b = vp_ics_new(p);
    korean = "";
    for (i = 0; i < 40; i++)
        korean = apr_pstrcat(p, korean, "🎬", NULL);
    vp_ics_line(b, "SUMMARY", korean);
    ok(lines_ok(vp_ics_text_of(b, NULL), unfolded, sizeof unfolded), "four-octet characters folded whole");
    is_str(unfolded, apr_pstrcat(p, "SUMMARY:", korean, NULL), "... and unfold to the same text");

    /* ---- DATE and DATE-TIME ---- */
    b = vp_ics_new(p);
    ok(vp_ics_utc(b, "DTSTART", "2025-08-01T01:02:03.000000Z"), "a UTC time with a fraction");
    ok(vp_ics_utc(b, "DTSTAMP", "2025-12-31T23:59:59Z"), "a UTC time without one");
    ok(vp_ics_date(b, "DTEND", "2025-08-02"), "a date");
    is_str(vp_ics_text_of(b, NULL),
           "DTSTART:20250801T010203Z\r\nDTSTAMP:20251231T235959Z\r\nDTEND;VALUE=DATE:20250802\r\n",
           "DATE-TIME in UTC form (Z), DATE as VALUE=DATE");
    ok(!vp_ics_utc(b, "X", "2025-08-01T01:02:03+09:00"), "a time with an offset is refused (UTC only)");
    ok(!vp_ics_utc(b, "X", "2025-08-01"), "a date is no DATE-TIME");
    ok(!vp_ics_date(b, "X", "20250801"), "a date must be YYYY-MM-DD");
    ok(!vp_ics_date(b, "X", "2025-08-01T00:00:00Z"), "a time is no DATE");
    is_int(strlen(vp_ics_text_of(b, NULL)), 26 + 26 + 27, "refused values wrote nothing");

    /* ---- vp_is_datetime ---- */
    ok(vp_is_datetime("2025-08-01T09:30:00+09:00"), "datetime: an offset");
    ok(vp_is_datetime("2025-08-01T00:30:00Z"), "datetime: Z");
    ok(vp_is_datetime("2025-08-01t00:30:00.123456z"), "datetime: lower-case t and z, a fraction");
    ok(!vp_is_datetime("2025-08-01T00:30:00"), "datetime: no offset is refused");
    ok(!vp_is_datetime("2025-08-01 00:30:00Z"), "datetime: a space for T is refused");
    ok(!vp_is_datetime("2025-02-30T00:30:00Z"), "datetime: no such day");
    ok(!vp_is_datetime("2025-08-01T24:00:00Z"), "datetime: hour 24");
    ok(!vp_is_datetime("2025-08-01T23:60:00Z"), "datetime: minute 60");
    ok(!vp_is_datetime("1899-12-31T23:00:00Z"), "datetime: before 1900");
    ok(!vp_is_datetime("2025-08-01T00:30:00+9:00"), "datetime: a one-digit offset hour");
    ok(!vp_is_datetime("2025-08-01T00:30:00.Z"), "datetime: an empty fraction");
    ok(!vp_is_datetime("2025-08-01T00:30:00Zjunk"), "datetime: trailing text");

    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
