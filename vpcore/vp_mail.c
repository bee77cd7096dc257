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

/* The invitation (spec section 7): the invitee has no account, so its
 * language is the one the inviter's request asked for (vp_locale_pick of
 * its Accept-Language; README "Invitations and guests"). */
void vp_mail_invitation(apr_pool_t *p, const char *locale, const char *link,
                        const char *inviter, const char *project, const char *role,
                        const char *message, const char *expires_at, vp_mail_t *m)
{
    int en = locale && strcmp(locale, "en") == 0;
    const char *ko_role = !strcmp(role, "viewer") ? "뷰어" : !strcmp(role, "editor") ? "편집자"
                                                                                 : "리뷰어";
    const char *intro, *note;
    const char *msg_text = message && *message
                               ? apr_pstrcat(p, en ? "\nTheir message:\n" : "\n메시지:\n",
                                             message, "\n", NULL)
                               : "";
    const char *msg_html = message && *message
                               ? apr_pstrcat(p, "<blockquote>", vp_html_escape(p, message),
                                             "</blockquote>", NULL)
                               : "";

    m->kind = "invitation";
    if (en) {
        m->subject = apr_psprintf(p, "%s invites you to \"%s\" on VideoPlanet", inviter, project);
        intro = apr_psprintf(p, "%s invites you to review the project \"%s\" as a %s.",
                             inviter, project, role);
        note = apr_psprintf(p, "The link is valid until %s (UTC). You can review without an "
                            "account; sign in to join the project as a member.", expires_at);
        m->text = apr_psprintf(p, "Hello,\n\n%s\n%s\nOpen the invitation:\n%s\n\n%s\n\n-- VideoPlanet\n",
                               intro, msg_text, link, note);
        m->html = apr_psprintf(p,
            "<!doctype html><html><body><p>Hello,</p><p>%s</p>%s"
            "<p><a href=\"%s\">Open the invitation</a></p><p>%s</p><p>&mdash; VideoPlanet</p>"
            "</body></html>", vp_html_escape(p, intro), msg_html, vp_html_escape(p, link),
            vp_html_escape(p, note));
        return;
    }
    m->subject = apr_psprintf(p, "%s님이 VideoPlanet 프로젝트 \"%s\"에 초대했습니다", inviter, project);
    intro = apr_psprintf(p, "%s님이 프로젝트 \"%s\"에 %s(으)로 초대했습니다.", inviter, project,
                         ko_role);
    note = apr_psprintf(p, "링크는 %s (UTC)까지 유효합니다. 계정 없이 리뷰할 수 있으며, 로그인하면 "
                        "프로젝트 멤버로 참여합니다.", expires_at);
    m->text = apr_psprintf(p, "안녕하세요,\n\n%s\n%s\n초대 열기:\n%s\n\n%s\n\n-- VideoPlanet\n",
                           intro, msg_text, link, note);
    m->html = apr_psprintf(p,
        "<!doctype html><html><body><p>안녕하세요,</p><p>%s</p>%s"
        "<p><a href=\"%s\">초대 열기</a></p><p>%s</p><p>&mdash; VideoPlanet</p></body></html>",
        vp_html_escape(p, intro), msg_html, vp_html_escape(p, link), vp_html_escape(p, note));
}
