/* The texts of the notification emails (an instant one per notification,
 * a digest per period), in the recipient's language (users.locale: 'en',
 * else Korean): a subject, a plain-text part and an HTML part (every value
 * escaped), with a link to the app when public_url is set. Pure. */
#ifndef VPD_NOTIFY_MAIL_H
#define VPD_NOTIFY_MAIL_H

#include <apr_pools.h>

typedef struct {
    const char *project_id;     /* "" when none */
    const char *project;        /* its name, "" when none */
    const char *text;           /* the notification's sentence */
} vpd_note_t;

typedef struct {
    const char *subject;
    const char *text;
    const char *html;
} vpd_note_mail_t;

/* The path of the app's notifications page, after public_url. */
#define VPD_NOTE_PATH "/notifications"

/* One notification. public_url: NULL or "" for no link. */
void vpd_note_mail_instant(apr_pool_t *p, const char *lang, const char *nickname,
                           const char *public_url, const vpd_note_t *note, vpd_note_mail_t *m);

/* A digest of n notes (n >= 1), grouped by project in the order given
 * (the caller sorts by project). daily: 0 hourly, 1 daily. */
void vpd_note_mail_digest(apr_pool_t *p, const char *lang, const char *nickname,
                          const char *public_url, int daily, const vpd_note_t *notes, int n,
                          vpd_note_mail_t *m);

#endif
