/* Feedback exports for editors (vp_export.h). */
#include "vp_export.h"
#include "vp_buf.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

/* --- the fields of an item --- */

static const char *field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* a field's text, "" when missing or null */
static const char *text(json_t *o, const char *k)
{
    const char *s = field(o, k);

    return s ? s : "";
}

/* a JSON number as the shortest decimal of at most 6 places ("12.5",
 * "60"); "" when not a number */
static const char *number(apr_pool_t *p, json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    char *s, *e;

    if (json_is_integer(v))
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    if (!json_is_real(v))
        return "";
    s = apr_psprintf(p, "%.6f", json_real_value(v));
    for (e = s + strlen(s) - 1; *e == '0'; e--)
        *e = '\0';
    if (*e == '.')
        *e = '\0';
    return strcmp(s, "-0") ? s : "0";
}

/* the tags joined by ", " */
static const char *tags(apr_pool_t *p, json_t *o)
{
    json_t *a = json_object_get(o, "tags"), *t;
    const char *s = "";
    size_t i;

    json_array_foreach(a, i, t) {
        if (json_is_string(t))
            s = *s ? apr_pstrcat(p, s, ", ", json_string_value(t), NULL) : json_string_value(t);
    }
    return s;
}

/* s on one line: control characters (newlines, tabs) become spaces, runs
 * of spaces one, no space at either end, '|' becomes '/' when bar is
 * set; cut to max characters with "..." */
static const char *one_line(apr_pool_t *p, const char *s, size_t max, int bar)
{
    char *out = apr_palloc(p, strlen(s) + 4), *o = out;
    size_t chars = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7f)
            c = ' ';
        if (c == ' ' && (o == out || o[-1] == ' '))
            continue;
        /* a character starts at every byte but UTF-8 continuation bytes */
        if ((c & 0xc0) != 0x80 && chars++ == max) {
            if (o > out && o[-1] == ' ')
                o--;
            memcpy(o, "...", 3);
            o += 3;
            break;
        }
        *o++ = bar && c == '|' ? '/' : (char)c;
    }
    if (o > out && o[-1] == ' ')
        o--;
    *o = '\0';
    return out;
}

/* --- positions --- */

typedef struct {
    json_t *item;
    int64_t in, out;        /* frames; out exclusive, > in */
    size_t idx;             /* input order, for a stable sort */
} mark_t;

static int64_t frame_of(vp_rate_t r, json_t *o, const char *fk, const char *tk, int *has)
{
    json_t *f = json_object_get(o, fk), *t = json_object_get(o, tk);

    *has = 1;
    if (json_is_integer(f) && json_integer_value(f) >= 0)
        return json_integer_value(f);
    if (json_is_number(t) && json_number_value(t) >= 0)
        return vp_frame_at(r, json_number_value(t));
    *has = 0;
    return 0;
}

static int mark_cmp(const void *a, const void *b)
{
    const mark_t *x = a, *y = b;

    if (x->in != y->in)
        return x->in < y->in ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* the items that are objects with their frames, in time order; *n their
 * count */
static mark_t *marks(apr_pool_t *p, vp_rate_t r, json_t *items, size_t *n)
{
    mark_t *m = apr_pcalloc(p, sizeof(*m) * (json_array_size(items) + 1));
    json_t *o;
    size_t i;
    int has;

    *n = 0;
    json_array_foreach(items, i, o) {
        int64_t end;

        if (!json_is_object(o))
            continue;
        m[*n].item = o;
        m[*n].idx = i;
        m[*n].in = frame_of(r, o, "frame", "timestamp", &has);
        end = frame_of(r, o, "end_frame", "end_timestamp", &has);
        m[*n].out = has && end > m[*n].in ? end : m[*n].in + 1;
        (*n)++;
    }
    qsort(m, *n, sizeof(*m), mark_cmp);
    return m;
}

static int done_status(json_t *o)
{
    const char *s = text(o, "status");

    return !strcmp(s, "resolved") || !strcmp(s, "closed");
}

const char *vp_export_color(json_t *item)
{
    const char *pr = text(item, "priority");

    if (done_status(item))
        return "Green";
    if (!strcmp(pr, "critical"))
        return "Red";
    if (!strcmp(pr, "high"))
        return "Fuchsia";
    if (!strcmp(pr, "medium"))
        return "Yellow";
    return "Blue";
}

/* the Avid locator colour of the same choice (Avid has red, green, blue,
 * cyan, magenta, yellow, black, white) */
static const char *avid_color(json_t *item)
{
    static const char *const map[][2] = {
        {"Green", "green"}, {"Red", "red"}, {"Fuchsia", "magenta"}, {"Yellow", "yellow"}
    };
    const char *c = vp_export_color(item);
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(c, map[i][0]))
            return map[i][1];
    return "blue";
}

/* --- CSV (RFC 4180) --- */

/* a text cell: the formula guard, then quoted when it must be */
static void csv_text(vp_buf_t *b, const char *s)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    const char *q;

    if (quote)
        vp_buf_put(b, "\"");
    if (*s && strchr("=+-@\t\r", *s))
        vp_buf_put(b, "'");
    while ((q = strchr(s, '"'))) {
        vp_buf_put_n(b, s, (size_t)(q - s) + 1);
        vp_buf_put(b, "\"");
        s = q + 1;
    }
    vp_buf_put(b, s);
    if (quote)
        vp_buf_put(b, "\"");
}

static void csv_row(vp_buf_t *b, const char *const *cells, size_t n, const char *raw)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (i)
            vp_buf_put(b, ",");
        if (raw && raw[i] == 'n')
            vp_buf_put(b, cells[i]);
        else
            csv_text(b, cells[i]);
    }
    vp_buf_put(b, "\r\n");
}

#define BOM "\xef\xbb\xbf"

char *vp_export_csv(apr_pool_t *p, json_t *items, int project_wide, size_t *len)
{
    static const char *const head[] = {
        "video", "version", "timecode", "frame", "timestamp", "end_timestamp", "author", "kind",
        "priority", "status", "tags", "content", "created_at", "id"
    };
    vp_buf_t b = VP_BUF_INIT(p);
    json_t *o;
    size_t i, skip = project_wide ? 0 : 2;

    if (!json_is_array(items))
        return NULL;
    vp_buf_put(&b, BOM);
    csv_row(&b, head + skip, 14 - skip, NULL);
    json_array_foreach(items, i, o) {
        const char *row[14];

        if (!json_is_object(o))
            continue;
        row[0] = text(o, "video_title");
        row[1] = number(p, o, "video_version");
        row[2] = text(o, "timecode");
        row[3] = number(p, o, "frame");
        row[4] = number(p, o, "timestamp");
        row[5] = number(p, o, "end_timestamp");
        row[6] = text(o, "author_name");
        row[7] = text(o, "kind");
        row[8] = text(o, "priority");
        row[9] = text(o, "status");
        row[10] = tags(p, o);
        row[11] = text(o, "content");
        row[12] = text(o, "created_at");
        row[13] = text(o, "id");
        /* 'n': a number, written as it is */
        csv_row(&b, row + skip, 14 - skip, &"tntnnntttttttt"[skip]);
    }
    return vp_buf_text(&b, len);
}

/* --- CMX 3600 EDL --- */

/* "<author>: <content>", or the content alone without an author */
static const char *author_text(apr_pool_t *p, json_t *o)
{
    const char *a = text(o, "author_name");

    return *a ? apr_pstrcat(p, a, ": ", text(o, "content"), NULL) : text(o, "content");
}

/* "Title v3", or "Title" */
static const char *title_version(apr_pool_t *p, const vp_export_video_t *v)
{
    const char *t = v->title && *v->title ? v->title : "video";

    return v->version > 0 ? apr_psprintf(p, "%s v%d", t, v->version) : t;
}

#define EDL_MAX_EVENTS 999

char *vp_export_edl(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len)
{
    vp_buf_t b = VP_BUF_INIT(p);
    int drop = vp_rate_drops(v->rate);
    size_t n, i;
    mark_t *m;

    if (!json_is_array(items) || v->rate.num <= 0 || v->rate.den <= 0)
        return NULL;
    m = marks(p, v->rate, items, &n);
    vp_buf_putf(&b, "TITLE: %s\r\nFCM: %s\r\n\r\n", one_line(p, title_version(p, v), 70, 0),
         drop ? "DROP FRAME" : "NON-DROP FRAME");
    for (i = 0; i < n && i < EDL_MAX_EVENTS; i++) {
        const char *in = vp_timecode(p, v->rate, m[i].in, drop);
        const char *out = vp_timecode(p, v->rate, m[i].out, drop);
        const char *say = one_line(p, author_text(p, m[i].item), 200, 1);

        /* event, reel, track, transition: the CMX 3600 columns */
        vp_buf_putf(&b, "%03d  %-8s %-5s %-8s %s %s %s %s\r\n", (int)i + 1, "AX", "V", "C", in, out,
             in, out);
        vp_buf_putf(&b, " |C:ResolveColor%s |M:%s |D:%" APR_INT64_T_FMT "\r\n",
             vp_export_color(m[i].item), say, (apr_int64_t)(m[i].out - m[i].in));
        vp_buf_putf(&b, "* LOC: %s %s %s\r\n\r\n", in, avid_color(m[i].item), say);
    }
    if (n > EDL_MAX_EVENTS)
        vp_buf_putf(&b, "* %d MORE FEEDBACK ITEMS LEFT OUT: CMX 3600 HOLDS %d EVENTS\r\n",
             (int)(n - EDL_MAX_EVENTS), EDL_MAX_EVENTS);
    return vp_buf_text(&b, len);
}

/* --- FCPXML --- */

/* s escaped for an XML 1.0 attribute value: & < > " as entities, TAB LF
 * CR as character references (an attribute's whitespace is otherwise
 * normalised to spaces), characters XML 1.0 does not allow dropped */
static void xml_attr(vp_buf_t *b, const char *s)
{
    const unsigned char *c = (const unsigned char *)s;

    for (; *c; c++) {
        switch (*c) {
        case '&': vp_buf_put(b, "&amp;"); break;
        case '<': vp_buf_put(b, "&lt;"); break;
        case '>': vp_buf_put(b, "&gt;"); break;
        case '"': vp_buf_put(b, "&quot;"); break;
        case '\t': vp_buf_put(b, "&#9;"); break;
        case '\n': vp_buf_put(b, "&#10;"); break;
        case '\r': vp_buf_put(b, "&#13;"); break;
        default:
            if (*c < 0x20)
                break;
            /* U+FFFE and U+FFFF: EF BF BE, EF BF BF */
            if (c[0] == 0xef && c[1] == 0xbf && (c[2] == 0xbe || c[2] == 0xbf)) {
                c += 2;
                break;
            }
            vp_buf_put_n(b, (const char *)c, 1);
        }
    }
}

/* frames as an FCPXML time: the exact rational "<frames*den>/<num>s" */
static const char *fcp_time(apr_pool_t *p, vp_rate_t r, int64_t frames)
{
    if (!frames)
        return "0s";
    return apr_psprintf(p, "%" APR_INT64_T_FMT "/%" APR_INT64_T_FMT "s",
                        (apr_int64_t)(frames * r.den), (apr_int64_t)r.num);
}

/* a relative URL of a file name: unreserved characters (RFC 3986) kept,
 * every other byte %XX */
static const char *url_path(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
            || strchr("-._~", c))
            *o++ = (char)c;
        else
            o += sprintf(o, "%%%02X", c);
    }
    *o = '\0';
    return out;
}

/* the video's length in frames: its duration (a started frame counts),
 * and at least to the end of the last marker */
static int64_t total_frames(const vp_export_video_t *v, const mark_t *m, size_t n)
{
    int64_t f = 1;
    size_t i;

    if (v->duration > 0 && vp_frame_count(v->rate, v->duration) > 0)
        f = vp_frame_count(v->rate, v->duration);
    for (i = 0; i < n; i++)
        if (m[i].out > f)
            f = m[i].out;
    return f;
}

char *vp_export_fcpxml(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len)
{
    vp_buf_t b = VP_BUF_INIT(p);
    const char *name, *dur, *tcf = vp_rate_drops(v->rate) ? "DF" : "NDF";
    size_t n, i;
    mark_t *m;

    if (!json_is_array(items) || v->rate.num <= 0 || v->rate.den <= 0)
        return NULL;
    m = marks(p, v->rate, items, &n);
    name = v->title && *v->title ? v->title : "video";
    dur = fcp_time(p, v->rate, total_frames(v, m, n));

    vp_buf_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
        "<fcpxml version=\"1.9\">\n  <resources>\n");
    vp_buf_putf(&b, "    <format id=\"r1\" frameDuration=\"%s\"", fcp_time(p, v->rate, 1));
    if (v->width > 0 && v->height > 0)
        vp_buf_putf(&b, " width=\"%d\" height=\"%d\"", v->width, v->height);
    vp_buf_put(&b, "/>\n    <asset id=\"r2\" name=\"");
    xml_attr(&b, name);
    vp_buf_putf(&b, "\" start=\"0s\" duration=\"%s\" hasVideo=\"1\" format=\"r1\">\n"
         "      <media-rep kind=\"original-media\" src=\"", dur);
    xml_attr(&b, url_path(p, v->file_name && *v->file_name ? v->file_name : name));
    vp_buf_put(&b, "\"/>\n    </asset>\n  </resources>\n  <library>\n    <event name=\"");
    xml_attr(&b, title_version(p, v));
    vp_buf_put(&b, "\">\n      <project name=\"");
    xml_attr(&b, apr_pstrcat(p, title_version(p, v), " feedback", NULL));
    vp_buf_putf(&b, "\">\n        <sequence format=\"r1\" duration=\"%s\" tcStart=\"0s\" tcFormat=\"%s\">\n"
         "          <spine>\n            <asset-clip ref=\"r2\" name=\"", dur, tcf);
    xml_attr(&b, name);
    vp_buf_putf(&b, "\" offset=\"0s\" start=\"0s\" duration=\"%s\" format=\"r1\" tcFormat=\"%s\">\n",
         dur, tcf);
    for (i = 0; i < n; i++) {
        json_t *o = m[i].item;
        const char *t = tags(p, o);

        vp_buf_putf(&b, "              <marker start=\"%s\" duration=\"%s\" value=\"",
             fcp_time(p, v->rate, m[i].in), fcp_time(p, v->rate, m[i].out - m[i].in));
        xml_attr(&b, apr_psprintf(p, "[%s] %s", text(o, "priority"),
                                  one_line(p, text(o, "content"), 100, 0)));
        vp_buf_putf(&b, "\" completed=\"%d\" note=\"", done_status(o));
        xml_attr(&b, apr_psprintf(p, "%s\n\n%s / %s / %s / %s%s%s", text(o, "content"),
                                  text(o, "author_name"), text(o, "kind"), text(o, "priority"),
                                  text(o, "status"), *t ? " / " : "", t));
        vp_buf_put(&b, "\"/>\n");
    }
    vp_buf_put(&b, "            </asset-clip>\n          </spine>\n        </sequence>\n"
        "      </project>\n    </event>\n  </library>\n</fcpxml>\n");
    return vp_buf_text(&b, len);
}

/* --- DaVinci Resolve marker CSV --- */

char *vp_export_resolve(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len)
{
    static const char *const head[] = {
        "#", "Reel", "Match", "V", "C", "Dur", "Source In", "Source Out", "Record Duration",
        "Record In", "Record Out", "Name", "Comments", "Source Start", "Source End",
        "Source Duration", "Codec", "Source FPS", "Resolution", "Color", "Notes",
        "EDL Clip Name", "Marker", "Keywords"
    };
    enum { COLS = sizeof(head) / sizeof(head[0]) };
    vp_buf_t b = VP_BUF_INIT(p);
    int drop = vp_rate_drops(v->rate);
    const char *fps, *res, *title;
    size_t n, i;
    mark_t *m;

    if (!json_is_array(items) || v->rate.num <= 0 || v->rate.den <= 0)
        return NULL;
    m = marks(p, v->rate, items, &n);
    fps = apr_psprintf(p, "%.3f", (double)v->rate.num / (double)v->rate.den);
    res = v->width > 0 && v->height > 0 ? apr_psprintf(p, "%dx%d", v->width, v->height) : "";
    title = title_version(p, v);
    vp_buf_put(&b, BOM);
    csv_row(&b, head, COLS, NULL);
    for (i = 0; i < n; i++) {
        json_t *o = m[i].item;
        const char *in = vp_timecode(p, v->rate, m[i].in, drop);
        const char *out = vp_timecode(p, v->rate, m[i].out, drop);
        const char *dur = vp_timecode(p, v->rate, m[i].out - m[i].in, drop);
        const char *row[COLS] = {
            apr_psprintf(p, "%d", (int)i + 1), "", "", "", "", dur, in, out, dur, in, out,
            one_line(p, text(o, "content"), 80, 0),
            apr_psprintf(p, "%s / %s / %s / %s", text(o, "author_name"), text(o, "kind"),
                         text(o, "priority"), text(o, "status")),
            "", "", "", "", fps, res, vp_export_color(o), text(o, "content"), title, "",
            tags(p, o)
        };

        csv_row(&b, row, COLS, NULL);
    }
    return vp_buf_text(&b, len);
}

/* --- file names --- */

#define NAME_MAX_BYTES 150

char *vp_export_filename(apr_pool_t *p, const char *title, int version, const char *ext)
{
    const uint8_t *s = (const uint8_t *)(title ? title : ""), *c, *end;
    char *out, *o;
    ucs4_t u;
    int k;

    end = s + strlen((const char *)s);
    if (u8_check(s, (size_t)(end - s)))
        return NULL;
    o = out = apr_palloc(p, (size_t)(end - s) + 1);
    for (c = s; c < end; c += k) {
        k = u8_mbtouc(&u, c, (size_t)(end - c));
        if (uc_is_general_category(u, UC_CATEGORY_L) || uc_is_general_category(u, UC_CATEGORY_M)
            || uc_is_general_category(u, UC_CATEGORY_Nd) || u == '-' || u == '_') {
            if ((size_t)(o - out) + (size_t)k > NAME_MAX_BYTES)
                break;
            memcpy(o, c, (size_t)k);
            o += k;
        }
        else if (o > out && o[-1] != '_')
            *o++ = '_';
    }
    while (o > out && o[-1] == '_')
        o--;
    *o = '\0';
    while (*out == '_')
        out++;
    if (!*out)
        out = "video";
    if (version > 0)
        out = apr_psprintf(p, "%s_v%d", out, version);
    return apr_pstrcat(p, out, "_feedback", ext && *ext ? "." : "", ext ? ext : "", NULL);
}
