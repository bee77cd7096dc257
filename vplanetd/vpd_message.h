/* An email as it goes over SMTP (RFC 5322 + MIME): Date, From, To,
 * Subject (RFC 2047 encoded words when it is not plain ASCII), Message-ID,
 * a multipart/alternative body with a text and an HTML part in
 * quoted-printable UTF-8, CRLF line ends. SMTP's dot-stuffing is libcurl's
 * job. Pure: the caller supplies the time and the random parts. */
#ifndef VPD_MESSAGE_H
#define VPD_MESSAGE_H

#include <apr_pools.h>

typedef struct {
    const char *from;        /* a plain address */
    const char *from_name;   /* display name, or NULL */
    const char *to;          /* a plain address */
    const char *subject;
    const char *text;        /* the text/plain part */
    const char *html;        /* the text/html part; NULL or "": text only */
    const char *message_id;  /* with its angle brackets (vpd_message_id) */
    const char *boundary;    /* 1-60 characters of [A-Za-z0-9_-] */
    long date;               /* seconds since the epoch */
} vpd_message_t;

/* The message; NULL with *err set when a field cannot go into it (a
 * recipient that is not a plain address, a bad boundary). */
char *vpd_message_build(apr_pool_t *p, const vpd_message_t *m, const char **err);

/* An address fit for the envelope and a header as it is: an email address
 * without the characters that make a list, a group or a comment of it. */
int vpd_plain_address(const char *s);

/* "<vplanet.ID.RANDOM@DOMAIN>", DOMAIN from the from address. */
char *vpd_message_id(apr_pool_t *p, long id, const char *random, const char *from);

/* RFC 5322 date in UTC: "Wed, 25 Nov 2026 13:17:57 +0000". */
char *vpd_message_date(apr_pool_t *p, long t);

/* "Name: value" with CRLF: folded at spaces below 78 characters when value
 * is plain ASCII, else as RFC 2047 "B" encoded words of UTF-8, at most 76
 * characters a line, never splitting a character. Control characters in
 * value become spaces (no header injection). */
char *vpd_message_header(apr_pool_t *p, const char *name, const char *value);

/* s in quoted-printable (RFC 2045): line ends (LF or CRLF) become CRLF,
 * lines at most 76 characters with soft breaks, trailing blanks encoded. */
char *vpd_quoted_printable(apr_pool_t *p, const char *s);

#endif
