/* The plan's PDF (vp_plan_pdf.h). Laid out once, each page drawn into a
 * recording surface; once their number is known the pages are played into
 * the PDF surface with their "page / pages" footers. */
#include "vp_plan_pdf.h"
#include "vp_plan.h"

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 595.0            /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 48.0
#define BOTTOM (PAGE_H - MARGIN - 20)   /* the footer below it */
#define BODY_W (PAGE_W - 2 * MARGIN)

/* ---- the font ---- */

static const char *font_family;
static pthread_once_t font_once = PTHREAD_ONCE_INIT;

static void font_find(void)
{
    static const char *const wanted[] = {"NanumGothic", "Noto Sans CJK KR", "NanumBarunGothic",
                                         "UnDotum", "Baekmuk Gulim", NULL};
    static char found[128];
    FcCharSet *hangul = FcCharSetCreate();
    int i;

    /* 가 and 한: a font that answers the name but not these is no Korean font */
    FcCharSetAddChar(hangul, 0xAC00);
    FcCharSetAddChar(hangul, 0xD55C);
    for (i = 0; wanted[i] && !font_family; i++) {
        FcPattern *p = FcNameParse((const FcChar8 *)wanted[i]), *m;
        FcResult r;
        FcChar8 *fam;
        FcCharSet *cs;

        FcConfigSubstitute(NULL, p, FcMatchPattern);
        FcDefaultSubstitute(p);
        if ((m = FcFontMatch(NULL, p, &r))) {
            if (FcPatternGetString(m, FC_FAMILY, 0, &fam) == FcResultMatch
                && FcPatternGetCharSet(m, FC_CHARSET, 0, &cs) == FcResultMatch
                && FcCharSetIsSubset(hangul, cs) && !strcasecmp((const char *)fam, wanted[i])) {
                snprintf(found, sizeof found, "%s", (const char *)fam);
                font_family = found;
            }
            FcPatternDestroy(m);
        }
        FcPatternDestroy(p);
    }
    FcCharSetDestroy(hangul);
}

const char *vp_plan_pdf_font(void)
{
    pthread_once(&font_once, font_find);
    return font_family;
}

/* Pango's objects are not to be shared between threads at once: a few
 * font maps, each used by one thread at a time under its own mutex, made
 * at their first use and kept (with their shaping caches) for the
 * process's life. Few, so that the cost of a fresh map (some 25 ms) is
 * paid a few times per process, not once per worker thread. */
#define FONT_MAPS 4
static struct {
    pthread_mutex_t lock;
    PangoFontMap *map;
} maps[FONT_MAPS] = {
    {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
    {PTHREAD_MUTEX_INITIALIZER, NULL}, {PTHREAD_MUTEX_INITIALIZER, NULL},
};

/* A free map, locked (the first one free, else waits for one). */
static int map_take(void)
{
    static unsigned next;
    int i;

    for (i = 0; i < FONT_MAPS; i++)
        if (!pthread_mutex_trylock(&maps[i].lock))
            break;
    if (i == FONT_MAPS) {
        i = (int)(__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % FONT_MAPS);
        pthread_mutex_lock(&maps[i].lock);
    }
    if (!maps[i].map)
        maps[i].map = pango_cairo_font_map_new();
    return i;
}

/* ---- the layout state ---- */

typedef struct {
    cairo_t *cr;
    PangoContext *ctx;
    const char *font;
    double y;
    int page;                   /* 1-based, the current one */
    int pages;                  /* of the whole document, once known */
    cairo_surface_t **rec;      /* the pages recorded so far */
    int nrec, caprec;
    int failed;
    const char *title;
} doc_t;

static PangoLayout *layout(doc_t *d, const char *text, double size, int bold, double width,
                           double max_h)
{
    PangoLayout *l = pango_layout_new(d->ctx);
    PangoFontDescription *f = pango_font_description_new();

    pango_font_description_set_family(f, d->font);
    pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
    pango_font_description_set_weight(f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    pango_layout_set_width(l, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    if (max_h > 0) {
        /* a cell never outgrows a page: the rest is cut with an ellipsis */
        pango_layout_set_height(l, (int)(max_h * PANGO_SCALE));
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    }
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double height_of(PangoLayout *l)
{
    int w, h;

    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void footer(doc_t *d)
{
    char s[64];
    PangoLayout *l;

    snprintf(s, sizeof s, "%d / %d", d->page, d->pages);
    l = layout(d, s, 8, 0, BODY_W, 0);
    pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    cairo_move_to(d->cr, MARGIN, PAGE_H - MARGIN);
    cairo_set_source_rgb(d->cr, 0.4, 0.4, 0.4);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    l = layout(d, d->title, 8, 0, BODY_W - 60, 10);
    cairo_move_to(d->cr, MARGIN, PAGE_H - MARGIN);
    pango_cairo_show_layout(d->cr, l);
    g_object_unref(l);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
}

/* A new recording page under d->cr. */
static void open_page(doc_t *d)
{
    static const cairo_rectangle_t a4 = {0, 0, PAGE_W, PAGE_H};
    cairo_surface_t *r;

    if (d->nrec == d->caprec) {
        cairo_surface_t **n = realloc(d->rec, sizeof *n * (size_t)(d->caprec = d->caprec * 2 + 8));

        if (!n)
            abort();
        d->rec = n;
    }
    r = d->rec[d->nrec++] = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &a4);
    d->cr = cairo_create(r);
}

static void close_page(doc_t *d)
{
    if (cairo_status(d->cr) != CAIRO_STATUS_SUCCESS)
        d->failed = 1;
    cairo_destroy(d->cr);
    d->cr = NULL;
}

static void new_page(doc_t *d)
{
    close_page(d);
    open_page(d);
    d->page++;
    d->y = MARGIN;
}

/* A paragraph at the cursor, wrapped; a new page when it does not fit
 * (one taller than a page is drawn line by line across pages). */
static void para(doc_t *d, const char *text, double size, int bold, double gap)
{
    PangoLayout *l = layout(d, text, size, bold, BODY_W, 0);
    PangoLayoutIter *it;
    double h = height_of(l);

    if (d->y + h > BOTTOM && h <= BOTTOM - MARGIN)
        new_page(d);
    if (d->y + h <= BOTTOM) {
        cairo_move_to(d->cr, MARGIN, d->y);
        pango_cairo_show_layout(d->cr, l);
        d->y += h + gap;
        g_object_unref(l);
        return;
    }
    it = pango_layout_get_iter(l);
    do {
        PangoRectangle r;
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        double lh;

        pango_layout_iter_get_line_extents(it, NULL, &r);
        lh = (double)r.height / PANGO_SCALE;
        if (d->y + lh > BOTTOM)
            new_page(d);
        cairo_move_to(d->cr, MARGIN, d->y + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE
                                         - (double)r.y / PANGO_SCALE);
        pango_cairo_show_layout_line(d->cr, line);
        d->y += lh;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    d->y += gap;
    g_object_unref(l);
}

static char *duration_text(long s)
{
    char *t = malloc(48);

    if (s >= 60 && s % 60)
        snprintf(t, 48, "%ld분 %ld초", s / 60, s % 60);
    else if (s >= 60)
        snprintf(t, 48, "%ld분", s / 60);
    else
        snprintf(t, 48, "%ld초", s);
    return t;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

/* An option's Korean name from the generator's tables, else its key. */
static const char *option_name(const json_t *opts, const char *key, const char *table,
                               const char *field)
{
    const char *v = str(opts, key);
    const char *ko = json_string_value(json_object_get(
        json_object_get(json_object_get(vp_plan_rules(), table), v), field));

    return ko ? ko : v;
}

/* ---- the shots table ---- */

static const double col_w[6] = {30, 72, 72, 40, 170, 115};
static const char *const col_name[6] = {"샷", "유형", "카메라", "길이", "설명", "메모"};

/* A row's cells laid out (each layout made once: shaping is the cost of
 * a PDF); returns its height. */
static double row_layout(doc_t *d, const char *const cells[6], int head, PangoLayout *l[6])
{
    double h = 0;
    int i;

    for (i = 0; i < 6; i++) {
        l[i] = layout(d, cells[i], 8.5, head, col_w[i] - 8, BOTTOM - MARGIN - 60);
        if (height_of(l[i]) > h)
            h = height_of(l[i]);
    }
    return h + 8;
}

static void row_draw(doc_t *d, PangoLayout *l[6], int head, double h)
{
    double x = MARGIN;
    int i;

    if (head) {
        cairo_set_source_rgb(d->cr, 0.9, 0.92, 0.98);
        cairo_rectangle(d->cr, MARGIN, d->y, BODY_W, h);
        cairo_fill(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    for (i = 0; i < 6; i++) {
        cairo_move_to(d->cr, x + 4, d->y + 4);
        pango_cairo_show_layout(d->cr, l[i]);
        cairo_rectangle(d->cr, x, d->y, col_w[i], h);
        x += col_w[i];
    }
    cairo_set_line_width(d->cr, 0.5);
    cairo_stroke(d->cr);
    d->y += h;
}

static void row_free(PangoLayout *l[6])
{
    int i;

    for (i = 0; i < 6; i++)
        g_object_unref(l[i]);
}

static void shots_table(doc_t *d, const json_t *shots, long scene)
{
    PangoLayout *hl[6];
    double hh = row_layout(d, col_name, 1, hl);
    size_t i;
    int any = 0;

    for (i = 0; i < json_array_size(shots); i++) {
        const json_t *sh = json_array_get(shots, i);
        char idx[16], dur[16];
        const char *cells[6];
        PangoLayout *l[6];
        double h;

        if (json_integer_value(json_object_get(sh, "scene_index")) != scene)
            continue;
        snprintf(idx, sizeof idx, "%lld", (long long)json_integer_value(json_object_get(sh, "index")));
        snprintf(dur, sizeof dur, "%lld초",
                 (long long)json_integer_value(json_object_get(sh, "duration_s")));
        cells[0] = idx;
        cells[1] = str(sh, "shot_type");
        cells[2] = str(sh, "camera_move");
        cells[3] = dur;
        cells[4] = str(sh, "description");
        cells[5] = str(sh, "notes");
        h = row_layout(d, cells, 0, l);
        /* the header on top of the table and again on every page it
         * reaches; rows never split */
        if (!any) {
            if (d->y + hh + h > BOTTOM && d->y > MARGIN)
                new_page(d);
            row_draw(d, hl, 1, hh);
            any = 1;
        }
        else if (d->y + h > BOTTOM) {
            new_page(d);
            row_draw(d, hl, 1, hh);
        }
        row_draw(d, l, 0, h);
        row_free(l);
    }
    row_free(hl);
    d->y += 12;
}

/* ---- the document ---- */

static void render(doc_t *d, const json_t *plan)
{
    static const char *const stages[4] = {"intro", "development", "turn", "conclusion"};
    static const char *const stage_ko[4] = {"기 · 도입", "승 · 전개", "전 · 전환", "결 · 결말"};
    const json_t *opts = json_object_get(plan, "options"), *story = json_object_get(plan, "story");
    const json_t *scenes = json_object_get(plan, "scenes"), *shots = json_object_get(plan, "shots");
    const json_t *sb = json_object_get(plan, "storyboard");
    char line[512], *dur;
    size_t i, k;
    int s;

    d->page = 1;
    d->y = MARGIN;
    para(d, "영상 기획안 · 스토리보드", 11, 0, 6);
    para(d, d->title, 24, 1, 14);
    para(d, "기획 의도", 13, 1, 4);
    para(d, str(plan, "planning_text"), 10.5, 0, 12);
    para(d, "옵션", 13, 1, 4);
    dur = duration_text((long)json_integer_value(json_object_get(opts, "duration")));
    snprintf(line, sizeof line,
             "톤: %s   장르: %s   강도: %.2f\n대상: %s   목적: %s   총 길이: %s",
             option_name(opts, "tone", "tones", "mood"), option_name(opts, "genre", "genres", "name"),
             json_number_value(json_object_get(opts, "intensity")),
             option_name(opts, "target_audience", "audiences", "name"),
             option_name(opts, "purpose", "purposes", "name"), dur);
    free(dur);
    para(d, line, 10.5, 0, 12);
    if (json_is_object(story)) {
        para(d, "스토리 (기승전결)", 13, 1, 4);
        for (s = 0; s < 4; s++) {
            para(d, stage_ko[s], 10.5, 1, 2);
            para(d, str(story, stages[s]), 10.5, 0, 8);
        }
    }
    for (i = 0; i < json_array_size(scenes); i++) {
        const json_t *sc = json_array_get(scenes, i);
        long idx = (long)json_integer_value(json_object_get(sc, "index"));

        new_page(d);
        dur = duration_text((long)json_integer_value(json_object_get(sc, "duration_s")));
        snprintf(line, sizeof line, "씬 %ld · %s", idx, dur);
        free(dur);
        para(d, line, 10, 0, 2);
        para(d, str(sc, "title"), 18, 1, 8);
        para(d, str(sc, "summary"), 10.5, 0, 12);
        if (json_array_size(shots))
            shots_table(d, shots, idx);
        if (json_array_size(sb)) {
            int head = 0;

            for (k = 0; k < json_array_size(sb); k++) {
                const json_t *f = json_array_get(sb, k);

                if (json_integer_value(json_object_get(f, "scene_index")) != idx)
                    continue;
                if (!head++)
                    para(d, "스토리보드", 13, 1, 4);
                para(d, str(f, "caption"), 9.5, 0, 2);
                snprintf(line, sizeof line, "이미지 프롬프트: %.400s", str(f, "image_prompt"));
                para(d, line, 8, 0, 6);
            }
        }
    }
    close_page(d);
}

typedef struct {
    unsigned char *b;
    size_t n, cap;
} sink_t;

static cairo_status_t sink_write(void *c, const unsigned char *data, unsigned int len)
{
    sink_t *s = c;

    if (s->n + len > s->cap) {
        unsigned char *nb;

        s->cap = (s->n + len) * 2;
        if (!(nb = realloc(s->b, s->cap)))
            return CAIRO_STATUS_NO_MEMORY;
        s->b = nb;
    }
    memcpy(s->b + s->n, data, len);
    s->n += len;
    return CAIRO_STATUS_SUCCESS;
}

int vp_plan_pdf(const json_t *plan, const char *font, unsigned char **out, size_t *len,
                int *pages)
{
    sink_t sink = {0};
    doc_t d = {0};
    const char *title = json_string_value(json_object_get(plan, "title"));
    cairo_surface_t *surf;
    cairo_t *cr;
    cairo_status_t st;
    int i, m;

    if (!font)
        return -1;
    m = map_take();
    d.font = font;
    d.title = title ? title : "";
    d.ctx = pango_font_map_create_context(maps[m].map);
    open_page(&d);
    /* the recording surface's font options are the PDF's (no hinting) */
    pango_cairo_update_context(d.cr, d.ctx);
    render(&d, plan);
    d.pages = d.nrec;
    surf = cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W, PAGE_H);
    /* the same bytes for the same plan: no creation date */
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, NULL);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, d.title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "mod_vplanet");
    cr = cairo_create(surf);
    for (i = 0; i < d.nrec; i++) {
        cairo_set_source_surface(cr, d.rec[i], 0, 0);
        cairo_paint(cr);
        d.cr = cr;
        d.page = i + 1;
        footer(&d);
        cairo_show_page(cr);
        cairo_surface_destroy(d.rec[i]);
    }
    free(d.rec);
    g_object_unref(d.ctx);
    cairo_destroy(cr);
    /* the PDF's fonts are written at finish: still the map's */
    cairo_surface_finish(surf);
    pthread_mutex_unlock(&maps[m].lock);
    st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    if (st != CAIRO_STATUS_SUCCESS || d.failed) {
        free(sink.b);
        return -1;
    }
    *out = sink.b;
    *len = sink.n;
    if (pages)
        *pages = d.pages;
    return 0;
}
