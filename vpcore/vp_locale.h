/* The language of a user's notifications and emails (users.locale), from
 * an Accept-Language header (RFC 9110 section 12.5.4). httpd-free.
 *
 * The service speaks Korean and English: of the header's language ranges
 * whose primary subtag is "ko" or "en" (any letter case, any region:
 * "en-US", "ko-KR"), the one of the highest weight wins, the earlier one on
 * a tie; a range of weight 0 is refused. Neither language (or "*" alone,
 * or no header, or one that cannot be read) gives "ko", the service's home
 * language. A range whose weight is not a valid qvalue is skipped. (The
 * locales a body may name: vp_locales of vp_fields.h.) */
#ifndef VP_LOCALE_H
#define VP_LOCALE_H

/* "ko" or "en" (static strings) for the header value h (NULL: none). */
const char *vp_locale_pick(const char *h);

#endif
