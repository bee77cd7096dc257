#include "vp_ics.h"
#include "vp_buf.h"

#include <apr_strings.h>
#include <ctype.h>
#include <string.h>

struct vp_ics {
    apr_pool_t *p;
    vp_buf_t text;
};

vp_ics_t *vp_ics_new(apr_pool_t *p)
{
    vp_ics_t *b = apr_pcalloc(p, sizeof *b);
    vp_buf_t empty = VP_BUF_INIT(p);

    b->p = p;
    b->text = empty;
    return b;
}

static void put(vp_ics_t *b, const char *s, size_t n)
{
    vp_buf_put_n(&b->text, s, n);
}

/* Octets of the UTF-8 sequence starting with byte c (1 for anything that
 * starts none: it is never split from what follows anyway). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

void vp_ics_line(vp_ics_t *b, const char *name, const char *value)
{
    const char *line = apr_pstrcat(b->p, name, ":", value, NULL);
    size_t n = strlen(line), at = 0, room = VP_ICS_LINE_MAX;

    while (n - at > room) {
        size_t cut = at, next;

        /* whole sequences only: a line may end shorter than room */
        while (cut < n && (next = cut + seq_len((unsigned char)line[cut])) - at <= room)
            cut = next;
        if (cut == at)      /* cannot happen with room >= 4; never loop */
            cut = at + 1;
        put(b, line + at, cut - at);
        put(b, "\r\n ", 3);
        at = cut;
        room = VP_ICS_LINE_MAX - 1;     /* the leading space counts */
    }
    put(b, line + at, n - at);
    put(b, "\r\n", 2);
}

char *vp_ics_escape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '\\' || c == ';' || c == ',') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c == '\r' || c == '\n') {
            if (c == '\r' && s[1] == '\n')
                s++;
            *o++ = '\\';
            *o++ = 'n';
        }
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            continue;
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

void vp_ics_text(vp_ics_t *b, const char *name, const char *value)
{
    vp_ics_line(b, name, vp_ics_escape(b->p, value));
}

static int all_digits(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int vp_ics_utc(vp_ics_t *b, const char *name, const char *t)
{
    char v[17];
    size_t n = strlen(t);

    /* YYYY-MM-DDTHH:MM:SS[.ffffff]Z */
    if (n < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':'
        || !all_digits(t, 4) || !all_digits(t + 5, 2) || !all_digits(t + 8, 2)
        || !all_digits(t + 11, 2) || !all_digits(t + 14, 2) || !all_digits(t + 17, 2)
        || t[n - 1] != 'Z' || (n > 20 && (t[19] != '.' || !all_digits(t + 20, n - 21))))
        return 0;
    memcpy(v, t, 4);
    memcpy(v + 4, t + 5, 2);
    memcpy(v + 6, t + 8, 2);
    v[8] = 'T';
    memcpy(v + 9, t + 11, 2);
    memcpy(v + 11, t + 14, 2);
    memcpy(v + 13, t + 17, 2);
    v[15] = 'Z';
    v[16] = '\0';
    vp_ics_line(b, name, v);
    return 1;
}

int vp_ics_date(vp_ics_t *b, const char *name, const char *d)
{
    char v[9];

    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-' || !all_digits(d, 4)
        || !all_digits(d + 5, 2) || !all_digits(d + 8, 2))
        return 0;
    memcpy(v, d, 4);
    memcpy(v + 4, d + 5, 2);
    memcpy(v + 6, d + 8, 2);
    v[8] = '\0';
    vp_ics_line(b, apr_pstrcat(b->p, name, ";VALUE=DATE", NULL), v);
    return 1;
}

const char *vp_ics_text_of(vp_ics_t *b, size_t *len)
{
    return vp_buf_text(&b->text, len);
}
