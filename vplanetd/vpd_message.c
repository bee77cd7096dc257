#include "vpd_message.h"
#include "vpcore/vp_valid.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_HEADER 78   /* RFC 5322 2.1.1: SHOULD */
#define LINE_MAX_ENCODED 76  /* RFC 2047 2: a line with encoded words */
#define LINE_MAX_QP 76       /* RFC 2045 6.7 */

/* a growing string in a pool */
typedef struct {
    apr_array_header_t *a;
} buf_t;

static void put(buf_t *b, const char *s, size_t n)
{
    while (n--)
        *(char *)apr_array_push(b->a) = *s++;
}

static void puts_(buf_t *b, const char *s)
{
    put(b, s, strlen(s));
}

static char *done(buf_t *b)
{
    *(char *)apr_array_push(b->a) = '\0';
    return b->a->elts;
}

static buf_t buf(apr_pool_t *p, int size)
{
    buf_t b = {apr_array_make(p, size, 1)};
    return b;
}

int vpd_plain_address(const char *s)
{
    return s && vp_is_email(s) && !strpbrk(s, "<>()[],;:\"\\");
}

char *vpd_message_date(apr_pool_t *p, long t)
{
    static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    return apr_psprintf(p, "%s, %02d %s %04d %02d:%02d:%02d +0000", day[tm.tm_wday],
                        tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
}

char *vpd_message_id(apr_pool_t *p, long id, const char *random, const char *from)
{
    const char *at = strrchr(from, '@');

    return apr_psprintf(p, "<vplanet.%ld.%s@%s>", id, random, at ? at + 1 : "localhost");
}

/* Printable ASCII only, no encoded-word look-alike, no runs of blanks (they
 * would leave a blank-only line when folded). */
static int plain_ascii(const char *s)
{
    const char *c;

    for (c = s; *c; c++)
        if (*c < ' ' || *c > '~' || (*c == ' ' && c[1] == ' '))
            return 0;
    return !strstr(s, "=?") && *s != ' ' && (c == s || c[-1] != ' ');
}

/* Folds "Name: value" at spaces; 0 when some word will not fit a line. */
static int fold_ascii(buf_t *b, const char *name, const char *value)
{
    size_t col = strlen(name) + 1;   /* "Name:" */
    const char *w = value, *end;

    puts_(b, name);
    puts_(b, ":");
    while (*w) {
        end = strchr(w, ' ');
        if (!end)
            end = w + strlen(w);
        if ((size_t)(end - w) + 1 > LINE_MAX_HEADER - 1)
            return 0;
        if (col + 1 + (size_t)(end - w) > LINE_MAX_HEADER) {
            puts_(b, "\r\n");
            col = 0;
        }
        puts_(b, " ");
        put(b, w, (size_t)(end - w));
        col += 1 + (size_t)(end - w);
        w = *end ? end + 1 : end;
    }
    puts_(b, "\r\n");
    return 1;
}

/* value as encoded words after a prefix of col characters on the first
 * line; each word holds whole UTF-8 characters. */
static void encoded_words(apr_pool_t *p, buf_t *b, const char *value, size_t col)
{
    const unsigned char *s = (const unsigned char *)value;
    size_t len = strlen(value), room, take;
    char *b64;
    int first = 1;

    do {
        /* base64 characters that fit: 4 per 3 bytes (at least one group) */
        room = col + 16 < LINE_MAX_ENCODED ? (LINE_MAX_ENCODED - col - 12) / 4 * 3 : 3;
        take = len < room ? len : room;
        while (take > 0 && take < len && (s[take] & 0xC0) == 0x80)
            take--;   /* not inside a character */
        if (take == 0)
            take = len < room ? len : room;   /* (not UTF-8 at all: cut anywhere) */
        b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)take));
        apr_base64_encode(b64, (const char *)s, (int)take);
        if (!first)
            puts_(b, "\r\n ");
        puts_(b, "=?UTF-8?B?");
        puts_(b, b64);
        puts_(b, "?=");
        s += take;
        len -= take;
        col = 1;
        first = 0;
    } while (len > 0);
}

/* value with control characters turned into spaces */
static char *one_line(apr_pool_t *p, const char *value)
{
    char *v = apr_pstrdup(p, value), *c;

    for (c = v; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            *c = ' ';
    return v;
}

char *vpd_message_header(apr_pool_t *p, const char *name, const char *value)
{
    buf_t b = buf(p, 128);
    char *v = one_line(p, value);

    if (plain_ascii(v) && fold_ascii(&b, name, v))
        return done(&b);
    b = buf(p, 128);
    puts_(&b, name);
    puts_(&b, ": ");
    if (*v)
        encoded_words(p, &b, v, strlen(name) + 2);
    puts_(&b, "\r\n");
    return done(&b);
}

/* From: "Name" <addr> (or encoded words for a name beyond ASCII) */
static char *from_header(apr_pool_t *p, const char *name, const char *addr)
{
    buf_t b = buf(p, 128);
    char *v;
    const char *c;
    size_t quoted = 0;

    if (!name || !*name)
        return apr_pstrcat(p, "From: ", addr, "\r\n", NULL);
    v = one_line(p, name);
    puts_(&b, "From: ");
    for (c = v; *c && *c >= ' ' && *c <= '~'; c++)
        quoted += 1 + (*c == '"' || *c == '\\');
    /* encoded words fold; a quoted name does not, so it must fit a line */
    if (*c || strstr(v, "=?") || strlen("From: \"\" <>") + quoted + strlen(addr) > 78)
        encoded_words(p, &b, v, strlen("From: "));
    else {
        puts_(&b, "\"");
        for (c = v; *c; c++) {
            if (*c == '"' || *c == '\\')
                puts_(&b, "\\");
            put(&b, c, 1);
        }
        puts_(&b, "\"");
    }
    puts_(&b, " <");
    puts_(&b, addr);
    puts_(&b, ">\r\n");
    return done(&b);
}

char *vpd_quoted_printable(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_t b = buf(p, (int)(strlen(s) * 11 / 10 + 16));
    const unsigned char *c;
    size_t col = 0, n;
    char tok[3];

    for (c = (const unsigned char *)s; *c; c++) {
        if (*c == '\n' || (*c == '\r' && c[1] == '\n')) {
            if (*c == '\r')
                c++;
            puts_(&b, "\r\n");
            col = 0;
            continue;
        }
        if ((*c >= 33 && *c <= 126 && *c != '=')
            || ((*c == ' ' || *c == '\t') && c[1] && c[1] != '\n'
                && !(c[1] == '\r' && c[2] == '\n'))) {
            tok[0] = (char)*c;
            n = 1;
        }
        else {
            tok[0] = '=';
            tok[1] = hex[*c >> 4];
            tok[2] = hex[*c & 15];
            n = 3;
        }
        /* room for the token and a soft break's '=' */
        if (col + n > LINE_MAX_QP - 1) {
            puts_(&b, "=\r\n");
            col = 0;
        }
        put(&b, tok, n);
        col += n;
    }
    return done(&b);
}

static int good_boundary(const char *s)
{
    size_t n = strlen(s);

    return n >= 1 && n <= 60 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_-") == n;
}

static void part(buf_t *b, const char *boundary, const char *type, const char *body)
{
    apr_pool_t *p = b->a->pool;

    puts_(b, "\r\n--=_");
    puts_(b, boundary);
    puts_(b, "\r\nContent-Type: ");
    puts_(b, type);
    puts_(b, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    puts_(b, vpd_quoted_printable(p, body));
}

char *vpd_message_build(apr_pool_t *p, const vpd_message_t *m, const char **err)
{
    buf_t b = buf(p, 4096);
    int alternative = m->html && *m->html;

    if (!vpd_plain_address(m->to)) {
        *err = "the recipient is not a plain email address";
        return NULL;
    }
    if (!vpd_plain_address(m->from)) {
        *err = "the sender is not a plain email address";
        return NULL;
    }
    if (!good_boundary(m->boundary)) {
        *err = "the MIME boundary is not 1-60 characters of [A-Za-z0-9_-]";
        return NULL;
    }
    puts_(&b, "Date: ");
    puts_(&b, vpd_message_date(p, m->date));
    puts_(&b, "\r\n");
    puts_(&b, from_header(p, m->from_name, m->from));
    puts_(&b, "To: ");
    puts_(&b, m->to);
    puts_(&b, "\r\n");
    puts_(&b, vpd_message_header(p, "Subject", m->subject ? m->subject : ""));
    puts_(&b, "Message-ID: ");
    puts_(&b, m->message_id);
    puts_(&b, "\r\nMIME-Version: 1.0\r\n"
              "Auto-Submitted: auto-generated\r\n");   /* RFC 3834: no auto-replies */
    if (!alternative) {
        puts_(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        puts_(&b, vpd_quoted_printable(p, m->text ? m->text : ""));
        puts_(&b, "\r\n");
        return done(&b);
    }
    /* "=_" never occurs in quoted-printable text: the parts cannot contain
     * the boundary */
    puts_(&b, "Content-Type: multipart/alternative;\r\n boundary=\"=_");
    puts_(&b, m->boundary);
    puts_(&b, "\"\r\n\r\nThis is a MIME message: a text and an HTML version of one email.\r\n");
    part(&b, m->boundary, "text/plain", m->text ? m->text : "");
    part(&b, m->boundary, "text/html", m->html);
    puts_(&b, "\r\n--=_");
    puts_(&b, m->boundary);
    puts_(&b, "--\r\n");
    return done(&b);
}
