#include "vp_mail.h"

#include <apr_strings.h>
#include <string.h>

char *vp_html_escape(apr_pool_t *p, const char *s)
{
    size_t n = 0;
    const char *c;
    char *out, *o;

    for (c = s; *c; c++)
        n += strchr("&<>\"'", *c) ? 6 : 1;
    o = out = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        switch (*c) {
        case '&': memcpy(o, "&amp;", 5); o += 5; break;
        case '<': memcpy(o, "&lt;", 4); o += 4; break;
        case '>': memcpy(o, "&gt;", 4); o += 4; break;
        case '"': memcpy(o, "&quot;", 6); o += 6; break;
        case '\'': memcpy(o, "&#39;", 5); o += 5; break;
        default: *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

static void compose(apr_pool_t *p, vp_mail_t *m, const char *kind, const char *subject,
                    const char *nickname, const char *intro, const char *action,
                    const char *link, const char *validity)
{
    const char *nick = vp_html_escape(p, nickname), *href = vp_html_escape(p, link);

    m->kind = kind;
    m->subject = subject;
    m->text = apr_psprintf(p, "Hello %s,\n\n%s\n\n%s:\n%s\n\n%s\n\n-- VideoPlanet\n",
                           nickname, intro, action, link, validity);
    m->html = apr_psprintf(p,
        "<!doctype html><html><body><p>Hello %s,</p><p>%s</p>"
        "<p><a href=\"%s\">%s</a></p><p>%s</p><p>&mdash; VideoPlanet</p></body></html>",
        nick, intro, href, action, validity);
}

void vp_mail_verify_email(apr_pool_t *p, const char *public_url, const char *nickname,
                          const char *token, vp_mail_t *m)
{
    compose(p, m, "verify_email", "Confirm your VideoPlanet email address", nickname,
            "Welcome to VideoPlanet. Please confirm that this address is yours.",
            "Confirm my email address",
            apr_pstrcat(p, public_url, "/verify-email?token=", token, NULL),
            "The link is valid for 7 days.");
}

void vp_mail_password_reset(apr_pool_t *p, const char *public_url, const char *nickname,
                            const char *token, vp_mail_t *m)
{
    compose(p, m, "password_reset", "Reset your VideoPlanet password", nickname,
            "Somebody (hopefully you) asked to reset the password of this account.",
            "Choose a new password",
            apr_pstrcat(p, public_url, "/reset-password?token=", token, NULL),
            "The link is valid for one hour and works once. If you did not ask for it, ignore this email.");
}
