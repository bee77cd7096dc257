/* An iCalendar (RFC 5545) writer for the calendar feed. httpd-free.
 * Lines end in CRLF and are folded at 75 octets without splitting a UTF-8
 * sequence (3.1); TEXT values have \ ; , and newlines escaped (3.3.11);
 * a DATE-TIME is written in UTC (FORM #2, "Z"), a DATE as VALUE=DATE. */
#ifndef VP_ICS_H
#define VP_ICS_H

#include <apr_pools.h>
#include <stddef.h>

/* the longest line in octets, CRLF excluded (a continuation's leading
 * space included) */
#define VP_ICS_LINE_MAX 75

typedef struct vp_ics vp_ics_t;

/* An empty document in pool p. */
vp_ics_t *vp_ics_new(apr_pool_t *p);
/* A content line NAME:VALUE, value written as given (already a valid
 * value of its type), folded. name may carry parameters ("DTSTART;VALUE=DATE"). */
void vp_ics_line(vp_ics_t *b, const char *name, const char *value);
/* A TEXT property: value escaped (vp_ics_escape). */
void vp_ics_text(vp_ics_t *b, const char *name, const char *value);
/* A DATE-TIME property in UTC from an RFC 3339 UTC time ("2025-08-01T01:02:03.000000Z"
 * or without fraction): NAME:20250801T010203Z. 0 when rfc3339 is not
 * such a time (nothing written). */
int vp_ics_utc(vp_ics_t *b, const char *name, const char *rfc3339);
/* A DATE property from YYYY-MM-DD: NAME;VALUE=DATE:20250801. 0 when date
 * is not one (nothing written). */
int vp_ics_date(vp_ics_t *b, const char *name, const char *date);
/* The document so far and its length in octets. */
const char *vp_ics_text_of(vp_ics_t *b, size_t *len);

/* A TEXT value escaped: \ as \\, ; as \;, , as \, and a line break (LF,
 * CRLF or CR) as \n; other control characters but TAB dropped (RFC 5545
 * allows none in TEXT). */
char *vp_ics_escape(apr_pool_t *p, const char *s);

#endif
