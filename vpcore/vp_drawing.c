/* The drawing of a feedback (vp_drawing.h). */
#include "vp_drawing.h"
#include "vp_json.h"
#include "vp_valid.h"

#include <stdio.h>
#include <string.h>

#define PATH_MAX_LEN 160

static const char *const types[] = {"rectangle", "circle", "arrow", "text", "freehand", NULL};

/* at + suffix into path (cut short past PATH_MAX_LEN: paths are ours) */
static void join(char *path, const char *at, const char *suffix)
{
    if (snprintf(path, PATH_MAX_LEN, "%s%s", at, suffix) >= PATH_MAX_LEN)
        path[PATH_MAX_LEN - 1] = '\0';
}

/* Counts one violation at the path at + suffix. */
static int bad(json_t *details, const char *at, const char *suffix, const char *msg)
{
    char path[PATH_MAX_LEN];

    join(path, at, suffix);
    vp_detail_add(details, path, msg);
    return 1;
}

/* Members of object o (at path at) that allowed does not list. */
static int unknown_keys(const json_t *o, const char *const *allowed, const char *at,
                        json_t *details)
{
    const char *key;
    json_t *v;
    int n = 0;

    json_object_foreach((json_t *)o, key, v) {
        char sub[80];

        if (vp_in_enum(key, allowed))
            continue;
        snprintf(sub, sizeof sub, ".%.64s", key);
        n += bad(details, at, sub, "is not a field here");
    }
    return n;
}

static int color_ok(const char *c)
{
    int i;

    if (!c || strlen(c) != 7 || c[0] != '#')
        return 0;
    for (i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", c[i]))
            return 0;
    return 1;
}

static int check_style(const json_t *s, const char *at, json_t *details)
{
    static const char *const keys[] = {"color", "width", NULL};
    char path[PATH_MAX_LEN];
    const json_t *w;
    int n;

    if (!json_is_object(s))
        return bad(details, at, ".style", "must be an object {color, width}");
    join(path, at, ".style");
    n = unknown_keys(s, keys, path, details);
    if (!color_ok(json_string_value(json_object_get(s, "color"))))
        n += bad(details, path, ".color", "must be a colour #RRGGBB");
    w = json_object_get(s, "width");
    if (!json_is_number(w) || json_number_value(w) < 1 || json_number_value(w) > 10)
        n += bad(details, path, ".width", "must be a number from 1 to 10");
    return n;
}

static int check_coordinates(const json_t *c, int freehand, const char *at, json_t *details)
{
    size_t max = freehand ? VP_DRAWING_FREEHAND_MAX : VP_DRAWING_COORDS_MAX, i;
    const json_t *x;

    if (!json_is_array(c) || json_array_size(c) < 2 || json_array_size(c) > max
        || json_array_size(c) % 2)
        return bad(details, at, ".coordinates",
                   freehand ? "must be 2 to 2000 numbers, x and y pairs"
                            : "must be 2 to 8 numbers, x and y pairs");
    json_array_foreach(c, i, x)
        if (!json_is_number(x) || json_number_value(x) < 0 || json_number_value(x) > 1)
            return bad(details, at, ".coordinates",
                       "must be fractions of the frame, from 0 to 1");
    return 0;
}

static int check_shape(const json_t *s, const char *at, json_t *details)
{
    static const char *const keys[] = {"type", "coordinates", "style", "text", NULL};
    const char *type = json_string_value(json_object_get(s, "type"));
    const json_t *text = json_object_get(s, "text");
    int n, is_text;

    if (!json_is_object(s))
        return bad(details, at, "", "must be an object {type, coordinates, style, text}");
    n = unknown_keys(s, keys, at, details);
    if (!type || !vp_in_enum(type, types))
        n += bad(details, at, ".type", "must be rectangle, circle, arrow, text or freehand");
    is_text = type && !strcmp(type, "text");
    n += check_coordinates(json_object_get(s, "coordinates"), type && !strcmp(type, "freehand"),
                           at, details);
    n += check_style(json_object_get(s, "style"), at, details);
    if (is_text) {
        const char *t = json_string_value(text);
        size_t len = t && vp_utf8_valid(t) ? vp_utf8_len(t) : 0;

        if (len < 1 || len > VP_DRAWING_TEXT_MAX)
            n += bad(details, at, ".text", "must be 1 to 200 characters on a text shape");
    }
    else if (text)
        n += bad(details, at, ".text", "only text shapes carry text");
    return n;
}

int vp_drawing_check(const json_t *d, const char *field, json_t *details)
{
    static const char *const keys[] = {"shapes", NULL};
    const json_t *shapes = json_object_get(d, "shapes"), *s;
    size_t i;
    int n;

    if (!json_is_object(d))
        return bad(details, field, "", "must be an object {shapes: [...]}");
    n = unknown_keys(d, keys, field, details);
    if (!json_is_array(shapes))
        return n + bad(details, field, ".shapes", "must be a list of shapes");
    if (json_array_size(shapes) > VP_DRAWING_SHAPES_MAX)
        return n + bad(details, field, ".shapes", "holds at most 50 shapes");
    json_array_foreach(shapes, i, s) {
        char at[PATH_MAX_LEN], sub[32];


        snprintf(sub, sizeof sub, ".shapes[%zu]", i);
        join(at, field, sub);
        n += check_shape(s, at, details);
    }
    return n;
}
