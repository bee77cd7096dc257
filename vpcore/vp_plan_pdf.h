/* A plan as a PDF storyboard (spec section 9), with cairo and pango: a
 * title page (brief, options, total duration, the story), then a page per
 * scene with its shots as a table and its storyboard captions; page
 * numbers on every page; long text wraps, a table splits between rows.
 * Text is set in a Korean font found through fontconfig and embedded. */
#ifndef VP_PLAN_PDF_H
#define VP_PLAN_PDF_H

#include <jansson.h>
#include <stddef.h>

/* The family of an installed font that covers Korean (fontconfig's best
 * match for one of NanumGothic, Noto Sans CJK KR, ... that really covers
 * Hangul), or NULL when there is none. Thread-safe. */
const char *vp_plan_pdf_font(void);

/* plan: an object with title, planning_text, options, story, scenes,
 * shots, storyboard (missing steps are left out). The PDF in *out (malloc,
 * the caller frees) of *len bytes, and its page count in *pages (may be
 * NULL): 0, or -1 (no font, cairo failed). Thread-safe: a call works with
 * one of a few pango font maps, which no other thread uses meanwhile (a
 * mutex each; a fifth caller waits for one). */
int vp_plan_pdf(const json_t *plan, const char *font, unsigned char **out, size_t *len,
                int *pages);

#endif
