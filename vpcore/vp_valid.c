#include "vp_valid.h"
#include "vp_status.h"
#include "vp_json.h"
#include "vp_text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

size_t vp_utf8_len(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int vp_utf8_valid(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;

    while (*c) {
        unsigned cp;
        int n, i;

        if (*c < 0x80) { c++; continue; }
        if ((*c & 0xE0) == 0xC0) { n = 1; cp = *c & 0x1F; }
        else if ((*c & 0xF0) == 0xE0) { n = 2; cp = *c & 0x0F; }
        else if ((*c & 0xF8) == 0xF0) { n = 3; cp = *c & 0x07; }
        else return 0;
        for (i = 1; i <= n; i++) {
            if ((c[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (c[i] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        c += n + 1;
    }
    return 1;
}

int vp_is_uuid(const char *s)
{
    static const int dash[] = {8, 13, 18, 23};
    int i, d = 0;

    if (strlen(s) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (d < 4 && i == dash[d]) {
            if (s[i] != '-')
                return 0;
            d++;
        }
        else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')
                   || (s[i] >= 'A' && s[i] <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

int vp_in_enum(const char *s, const char *const *choices)
{
    for (; choices && *choices; choices++)
        if (strcmp(s, *choices) == 0)
            return 1;
    return 0;
}

int vp_parse_long(const char *s, long *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || end == s || s[0] == ' ' || s[0] == '+')
        return 0;
    *out = v;
    return 1;
}

static const vp_field_t *field_named(const vp_field_t *fields, const char *name)
{
    for (; fields->name; fields++)
        if (strcmp(fields->name, name) == 0)
            return fields;
    return NULL;
}

static const char *type_name(vp_type_t t)
{
    switch (t) {
    case VP_STRING: case VP_UUID: case VP_ENUM: case VP_DATE: case VP_COLOR: case VP_DATETIME:
    case VP_EMAIL: case VP_IDENT: case VP_TEXT:
        return "a string";
    case VP_INTEGER: return "an integer";
    case VP_NUMBER: return "a number";
    case VP_BOOLEAN: return "a boolean";
    case VP_OBJECT: return "an object";
    case VP_ARRAY: return "an array";
    }
    return "a value";
}

static int type_ok(const vp_field_t *f, const json_t *v)
{
    switch (f->type) {
    case VP_STRING: case VP_UUID: case VP_ENUM: case VP_DATE: case VP_COLOR: case VP_DATETIME:
    case VP_EMAIL: case VP_IDENT: case VP_TEXT:
        return json_is_string(v);
    case VP_INTEGER: return json_is_integer(v);
    case VP_NUMBER: return json_is_number(v);
    case VP_BOOLEAN: return json_is_boolean(v);
    case VP_OBJECT: return json_is_object(v);
    case VP_ARRAY: return json_is_array(v);
    }
    return 0;
}

static int bounded(const vp_field_t *f)
{
    return f->min != 0 || f->max != 0;
}

/* n (a length, a count or a value) within the bounds of f; 1 when it is */
static int bounds_ok(const vp_field_t *f, double n, json_t *details)
{
    char msg[160];

    if (!bounded(f) || (n >= f->min && n <= f->max))
        return 1;
    if (f->type == VP_ARRAY)
        snprintf(msg, sizeof msg, "must have %g to %g items", f->min, f->max);
    else if (f->type == VP_INTEGER || f->type == VP_NUMBER)
        snprintf(msg, sizeof msg, "must be between %g and %g", f->min, f->max);
    else
        snprintf(msg, sizeof msg, "must have %g to %g characters", f->min, f->max);
    vp_detail_add(details, f->name, msg);
    return 0;
}

/* A text kind: its NFC within the bounds and of its class; v becomes the
 * NFC. 1 when it passes. */
static int text_ok(const vp_field_t *f, json_t *v, json_t *details)
{
    const char *typed = json_string_value(v);
    char *nfc = vp_text_nfc(typed), msg[200];
    vp_text_class_t cls = f->type == VP_EMAIL ? VP_TEXT_EMAIL
                        : f->type == VP_IDENT ? VP_TEXT_NICKNAME : VP_TEXT_LINE;
    int ok;

    if (!nfc) {
        vp_detail_add(details, f->name, "is not valid text");
        return 0;
    }
    ok = bounds_ok(f, (double)vp_utf8_len(nfc), details);
    if (ok && f->type == VP_EMAIL && !vp_is_email(nfc)) {
        vp_detail_add(details, f->name, "is not a valid email address");
        ok = 0;
    }
    if (ok && !vp_text_check(typed, nfc, cls, msg, sizeof msg)) {
        vp_detail_add(details, f->name, msg);
        ok = 0;
    }
    if (ok && strcmp(nfc, typed) && json_string_set(v, nfc)) {
        vp_detail_add(details, f->name, "is not valid text");
        ok = 0;
    }
    free(nfc);
    return ok;
}

/* Checks the constraints of a value of the right type; 1 when it passes. */
static int constraint_ok(const vp_field_t *f, json_t *v, json_t *details)
{
    char msg[160];

    switch (f->type) {
    case VP_UUID:
        if (vp_is_uuid(json_string_value(v)))
            return 1;
        vp_detail_add(details, f->name, "must be a UUID");
        return 0;
    case VP_DATE:
        if (vp_is_date(json_string_value(v)))
            return 1;
        vp_detail_add(details, f->name, "must be a date YYYY-MM-DD");
        return 0;
    case VP_DATETIME: {
        const char *t = json_string_value(v);

        if (vp_is_datetime(t) || vp_is_date(t))
            return 1;
        vp_detail_add(details, f->name,
                      "must be a date-time with an offset (YYYY-MM-DDTHH:MM:SSZ) or a date"
                      " YYYY-MM-DD");
        return 0;
    }
    case VP_COLOR: {
        const char *c = json_string_value(v);

        if (strlen(c) == 7 && c[0] == '#' && strspn(c + 1, "0123456789abcdefABCDEF") == 6)
            return 1;
        vp_detail_add(details, f->name, "must be a color #RRGGBB");
        return 0;
    }
    case VP_ENUM:
        if (vp_in_enum(json_string_value(v), f->choices))
            return 1;
        {
            size_t len = 0;
            const char *const *c;

            len += (size_t)snprintf(msg, sizeof msg, "must be one of:");
            for (c = f->choices; *c && len < sizeof msg; c++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, " %s", *c);
        }
        vp_detail_add(details, f->name, msg);
        return 0;
    case VP_EMAIL: case VP_IDENT: case VP_TEXT:
        return text_ok(f, v, details);
    case VP_STRING:
        return bounds_ok(f, (double)vp_utf8_len(json_string_value(v)), details);
    case VP_ARRAY:
        return bounds_ok(f, (double)json_array_size(v), details);
    case VP_INTEGER: case VP_NUMBER:
        return bounds_ok(f, json_number_value(v), details);
    default:
        return 1;
    }
}

/* Each item of an array field against f->items; problems are added to
 * details as "name[i].field". 0, 400 or 422 as vp_validate. */
static int validate_items(const vp_field_t *f, const json_t *arr, json_t *details)
{
    size_t i;
    json_t *item;
    int worst = 0;

    json_array_foreach(arr, i, item) {
        char prefix[96];
        json_t *sub;
        const char *key;
        json_t *msgs, *m;
        size_t j;
        int rc;

        snprintf(prefix, sizeof prefix, "%s[%zu]", f->name, i);
        if (!json_is_object(item)) {
            vp_detail_add(details, prefix, "must be an object");
            worst = VP_HTTP_BAD_REQUEST;
            continue;
        }
        sub = json_object();
        rc = vp_validate(item, f->items, sub);
        json_object_foreach(sub, key, msgs) {
            char name[160];

            snprintf(name, sizeof name, "%s.%s", prefix, key);
            json_array_foreach(msgs, j, m)
                vp_detail_add(details, name, json_string_value(m));
        }
        json_decref(sub);
        if (rc == VP_HTTP_BAD_REQUEST || (rc == VP_HTTP_UNPROCESSABLE_ENTITY && worst == 0))
            worst = rc;
    }
    return worst;
}

int vp_validate(json_t *obj, const vp_field_t *fields, json_t *details)
{
    const char *key;
    json_t *v;
    const vp_field_t *f;
    int malformed = 0, invalid = 0;

    json_object_foreach(obj, key, v) {
        char msg[64];

        f = field_named(fields, key);
        if (!f) {
            vp_detail_add(details, key, "unknown field");
            malformed = 1;
        }
        else if (json_is_null(v)) {
            if (!f->nullable) {
                snprintf(msg, sizeof msg, "must be %s, not null", type_name(f->type));
                vp_detail_add(details, key, msg);
                invalid = 1;
            }
        }
        else if (!type_ok(f, v)) {
            snprintf(msg, sizeof msg, "must be %s", type_name(f->type));
            vp_detail_add(details, key, msg);
            malformed = 1;
        }
        else if (!constraint_ok(f, v, details)) {
            invalid = 1;
        }
        else if (f->type == VP_ARRAY && f->items) {
            int rc = validate_items(f, v, details);

            malformed |= rc == VP_HTTP_BAD_REQUEST;
            invalid |= rc == VP_HTTP_UNPROCESSABLE_ENTITY;
        }
    }
    for (f = fields; f->name; f++) {
        if (f->required && !json_object_get(obj, f->name)) {
            vp_detail_add(details, f->name, "is required");
            invalid = 1;
        }
    }
    return malformed ? VP_HTTP_BAD_REQUEST : invalid ? VP_HTTP_UNPROCESSABLE_ENTITY : 0;
}

json_t *vp_body_parse(apr_pool_t *p, const char *buf, size_t len,
                      const vp_field_t *fields, long max_members, long max_values,
                      vp_body_error_t *err)
{
    json_t *body;

    err->details = NULL;
    err->code = NULL;
    if ((err->message = vp_json_check_limits(p, buf, len, max_members, max_values))) {
        err->status = VP_HTTP_REQUEST_ENTITY_TOO_LARGE;
        return NULL;
    }
    if (!(body = vp_json_parse_object(p, buf, len, &err->message))) {
        err->status = VP_HTTP_BAD_REQUEST;
        err->code = "invalid_json";
        return NULL;
    }
    err->code = NULL;
    err->details = vp_json_pool(p, json_object());
    err->status = vp_validate(body, fields, err->details);
    if (!err->status)
        return body;
    err->message = err->status == VP_HTTP_BAD_REQUEST ? "the body does not match the expected fields"
                                      : "validation failed";
    return NULL;
}

int vp_is_email(const char *s)
{
    const char *at = strchr(s, '@'), *c, *dot;
    size_t n = strlen(s);

    if (!at || strchr(at + 1, '@') || at == s || at - s > 64 || n > 254)
        return 0;
    for (c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return 0;
    dot = strrchr(at + 1, '.');
    /* a dot inside the domain, no empty labels */
    return dot && dot > at + 1 && dot[1] && at[1] != '.' && !strstr(at, "..")
           && s[n - 1] != '.';
}

/* n digits at s as a number in lo..hi into *out; 1 when they are */
static int digits(const char *s, int n, int lo, int hi, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return v >= lo && v <= hi;
}

int vp_is_datetime(const char *s)
{
    char date[11];
    const char *t;
    int v;

    if (strlen(s) < 20)
        return 0;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!vp_is_date(date) || (s[10] != 'T' && s[10] != 't'))
        return 0;
    t = s + 11;
    if (!digits(t, 2, 0, 23, &v) || t[2] != ':' || !digits(t + 3, 2, 0, 59, &v) || t[5] != ':'
        || !digits(t + 6, 2, 0, 59, &v))
        return 0;
    t += 8;
    if (*t == '.') {
        int n = 0;

        for (t++; isdigit((unsigned char)*t); t++)
            n++;
        if (n < 1 || n > 9)
            return 0;
    }
    if ((*t == 'Z' || *t == 'z') && !t[1])
        return 1;
    return (*t == '+' || *t == '-') && digits(t + 1, 2, 0, 15, &v) && t[3] == ':'
           && digits(t + 4, 2, 0, 59, &v) && !t[6];
}

int vp_is_date(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, i, leap;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1900 && m >= 1 && m <= 12 && d >= 1
           && d <= days[m - 1] + (m == 2 && leap);
}
