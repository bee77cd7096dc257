/* Validation of JSON request bodies against a field table. httpd-free.
 *
 * Outcome: 0 when valid; 400 when the body is malformed for the table (an
 * unknown field, a wrong JSON type); 422 when types are right but a
 * constraint fails (length, range, format, enum, missing field). Every
 * problem is added to details as {"field": ["message", ...]}. Values of
 * the text kinds (VP_EMAIL, VP_IDENT, VP_TEXT) are replaced by their NFC
 * in obj, so that what is stored and compared is the normal form. */
#ifndef VP_VALID_H
#define VP_VALID_H

#include <apr_pools.h>
#include <jansson.h>
#include <stddef.h>

typedef enum {
    VP_STRING,     /* min/max: length in characters */
    VP_INTEGER,    /* min/max: value */
    VP_NUMBER,     /* min/max: value */
    VP_BOOLEAN,
    VP_UUID,       /* a string in canonical 8-4-4-4-12 hex form */
    VP_ENUM,       /* a string, one of choices */
    VP_OBJECT,
    VP_ARRAY,      /* min/max: number of items; items: a table for objects */
    VP_DATE,       /* a string YYYY-MM-DD naming a real day */
    VP_COLOR,      /* a string #RRGGBB */
    /* text kinds (vpcore/vp_text.h), min/max: length in characters of the NFC */
    VP_EMAIL,      /* an email address: PRECIS IdentifierClass local part, LDH domain */
    VP_IDENT,      /* a nickname: IdentifierClass words joined by single spaces,
                      one script (or Latin with Han/Hangul/kana/Bopomofo) */
    VP_TEXT,       /* one line of free text: no controls, invisible or bidi
                      characters, special spaces, or spaces at the ends */
    VP_DATETIME    /* RFC 3339 YYYY-MM-DDTHH:MM:SS[.frac] with Z or an offset
                      (years 1900..9999), or a date YYYY-MM-DD alone (a day:
                      what the field makes of it is its own) */
} vp_type_t;

typedef struct vp_field {
    const char *name;
    vp_type_t type;
    int required;
    double min, max;            /* both 0: unbounded */
    const char *const *choices; /* VP_ENUM: NULL-terminated */
    int nullable;               /* JSON null accepted */
    const struct vp_field *items; /* VP_ARRAY: each item is an object
                                     validated against this table; problems
                                     are reported as "name[i].field" */
} vp_field_t;

/* fields ends with an entry whose name is NULL. */
int vp_validate(json_t *obj, const vp_field_t *fields, json_t *details);

/* Why a request body was refused: what its error envelope says. */
typedef struct {
    int status;             /* 400, 413 or 422 */
    const char *code;       /* "invalid_json", or NULL: derived from status */
    const char *message;
    json_t *details;        /* the fields' problems (pool-owned), or NULL */
} vp_body_error_t;

/* Parses a request body as one JSON object (vp_json_parse_object), after
 * the member and value limits (vp_json_check_limits: 413), and validates it
 * against fields: the object (pool-owned), or NULL with *err filled. The
 * module and the fuzz harness of the bodies share this path. */
json_t *vp_body_parse(apr_pool_t *p, const char *buf, size_t len,
                      const vp_field_t *fields, long max_members, long max_values,
                      vp_body_error_t *err);

/* Number of characters (code points) of valid UTF-8 text. */
size_t vp_utf8_len(const char *s);

/* 1 for YYYY-MM-DD naming a real day of the years 1900..9999. */
int vp_is_date(const char *s);

/* 1 for an RFC 3339 date-time with a time-zone offset (Z or +HH:MM), of
 * a date vp_is_date accepts; fractions of seconds allowed. */
int vp_is_datetime(const char *s);

/* 1 when s is well-formed UTF-8 (no overlong forms, no surrogates). */
int vp_utf8_valid(const char *s);

/* 1 for a canonical UUID (any version, either letter case). */
int vp_is_uuid(const char *s);

/* 1 when s is one of the NULL-terminated choices. */
int vp_in_enum(const char *s, const char *const *choices);

/* 1 for a plausible email address: one @, a local part of 1..64 and a
 * dotted domain, no spaces or control characters, at most 254 bytes. */
int vp_is_email(const char *s);

/* Parses a whole decimal integer (optional sign); 1 on success. */
int vp_parse_long(const char *s, long *out);

#endif
