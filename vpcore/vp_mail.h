/* The text of the emails the service sends. httpd-free. */
#ifndef VP_MAIL_H
#define VP_MAIL_H

#include <apr_pools.h>

typedef struct {
    const char *kind;       /* verify_email | password_reset | invitation */
    const char *subject;
    const char *text;
    const char *html;
} vp_mail_t;

/* link = public_url + path + "?token=" + token */
void vp_mail_verify_email(apr_pool_t *p, const char *public_url, const char *nickname,
                          const char *token, vp_mail_t *m);
void vp_mail_password_reset(apr_pool_t *p, const char *public_url, const char *nickname,
                            const char *token, vp_mail_t *m);

/* An invitation to project as role by inviter (nickname), in locale
 * ("ko" | "en"), with the inviter's message (may be empty) and the
 * link's expiry (RFC 3339). */
void vp_mail_invitation(apr_pool_t *p, const char *locale, const char *link,
                        const char *inviter, const char *project, const char *role,
                        const char *message, const char *expires_at, vp_mail_t *m);

/* s with & < > " ' escaped for HTML. */
char *vp_html_escape(apr_pool_t *p, const char *s);

#endif
