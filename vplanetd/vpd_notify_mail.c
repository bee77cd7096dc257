#include "vpd_notify_mail.h"
#include "vpcore/vp_mail.h"

#include <apr_strings.h>
#include <string.h>

/* The words of one language. */
typedef struct {
    const char *hello[2];       /* before and after the nickname */
    const char *instant_subject[2];         /* before and after the project */
    const char *instant_subject_bare;       /* no project */
    const char *digest_subject[3];          /* before and after the count, the plural's s */
    const char *hourly, *daily;             /* the digest's kind, in its subject */
    const char *digest_intro;
    const char *no_project;
    const char *see;            /* before the link */
    const char *settings;       /* how to change these emails */
    const char *sign;
} words_t;

static const words_t en = {
    {"Hello ", ","},
    {"[VideoPlanet] New notification in ", ""},
    "[VideoPlanet] New notification",
    {"[VideoPlanet] ", " new notification", "s"},
    " (hourly digest)", " (daily digest)",
    "Your unread notifications since the last digest:",
    "(no project)",
    "See your notifications",
    "You get these emails by your notification settings; change them in the app.",
    "-- VideoPlanet",
};

static const words_t ko = {
    {"", "님, 안녕하세요."},
    {"[VideoPlanet] ", "의 새 알림"},
    "[VideoPlanet] 새 알림",
    {"[VideoPlanet] 새 알림 ", "건", ""},
    " (시간별 요약)", " (일별 요약)",
    "지난 요약 이후 읽지 않은 알림입니다:",
    "(프로젝트 없음)",
    "알림 보기",
    "알림 메일은 알림 설정에 따라 보내집니다. 앱에서 바꿀 수 있습니다.",
    "-- VideoPlanet",
};

static const words_t *lang_words(const char *lang)
{
    return lang && strcmp(lang, "en") == 0 ? &en : &ko;
}

static const char *hello(apr_pool_t *p, const words_t *w, const char *nickname)
{
    return apr_pstrcat(p, w->hello[0], nickname, w->hello[1], NULL);
}

static const char *link_of(apr_pool_t *p, const char *public_url)
{
    return public_url && *public_url ? apr_pstrcat(p, public_url, VPD_NOTE_PATH, NULL) : NULL;
}

/* The link's paragraph: text and HTML ("" without a link). */
static void link_parts(apr_pool_t *p, const words_t *w, const char *link, const char **text,
                       const char **html)
{
    if (!link) {
        *text = *html = "";
        return;
    }
    *text = apr_psprintf(p, "%s: %s\n\n", w->see, link);
    *html = apr_psprintf(p, "<p><a href=\"%s\">%s</a></p>", vp_html_escape(p, link), w->see);
}

#define HTML_HEAD "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>"
#define HTML_TAIL "</body></html>"

void vpd_note_mail_instant(apr_pool_t *p, const char *lang, const char *nickname,
                           const char *public_url, const vpd_note_t *note, vpd_note_mail_t *m)
{
    const words_t *w = lang_words(lang);
    const char *lt, *lh, *where = *note->project ? note->project : NULL;

    link_parts(p, w, link_of(p, public_url), &lt, &lh);
    m->subject = where ? apr_pstrcat(p, w->instant_subject[0], where, w->instant_subject[1], NULL)
                       : w->instant_subject_bare;
    m->text = apr_psprintf(p, "%s\n\n%s%s\n\n%s%s\n%s\n",
                           hello(p, w, nickname),
                           where ? apr_psprintf(p, "[%s] ", where) : "", note->text, lt,
                           w->settings, w->sign);
    m->html = apr_psprintf(p, HTML_HEAD "<p>%s</p><p>%s%s</p>%s<p><small>%s</small></p>"
                           "<p>&mdash; VideoPlanet</p>" HTML_TAIL,
                           vp_html_escape(p, hello(p, w, nickname)),
                           where ? apr_psprintf(p, "<b>[%s]</b> ", vp_html_escape(p, where)) : "",
                           vp_html_escape(p, note->text), lh, w->settings);
}

void vpd_note_mail_digest(apr_pool_t *p, const char *lang, const char *nickname,
                          const char *public_url, int daily, const vpd_note_t *notes, int n,
                          vpd_note_mail_t *m)
{
    const words_t *w = lang_words(lang);
    const char *lt, *lh, *prev = NULL;
    char *text, *html;
    int i;

    link_parts(p, w, link_of(p, public_url), &lt, &lh);
    m->subject = apr_psprintf(p, "%s%d%s%s%s", w->digest_subject[0], n, w->digest_subject[1],
                              n != 1 ? w->digest_subject[2] : "", daily ? w->daily : w->hourly);
    text = apr_psprintf(p, "%s\n\n%s\n", hello(p, w, nickname), w->digest_intro);
    html = apr_psprintf(p, HTML_HEAD "<p>%s</p><p>%s</p>",
                        vp_html_escape(p, hello(p, w, nickname)), w->digest_intro);
    for (i = 0; i < n; i++) {
        const char *name = *notes[i].project ? notes[i].project : w->no_project;

        /* a new group where the project changes */
        if (!prev || strcmp(prev, notes[i].project_id) != 0) {
            text = apr_psprintf(p, "%s\n%s\n", text, name);
            html = apr_psprintf(p, "%s%s<h3>%s</h3><ul>", html, prev ? "</ul>" : "",
                                vp_html_escape(p, name));
            prev = notes[i].project_id;
        }
        text = apr_psprintf(p, "%s- %s\n", text, notes[i].text);
        html = apr_psprintf(p, "%s<li>%s</li>", html, vp_html_escape(p, notes[i].text));
    }
    m->text = apr_psprintf(p, "%s\n%s%s\n%s\n", text, lt, w->settings, w->sign);
    m->html = apr_psprintf(p, "%s</ul>%s<p><small>%s</small></p><p>&mdash; VideoPlanet</p>"
                           HTML_TAIL, html, lh, w->settings);
}
