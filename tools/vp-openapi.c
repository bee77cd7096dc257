/* vp-openapi SKELETON OUT: writes the OpenAPI document OUT, the
 * hand-written SKELETON (descriptions, paths, responses, shared schemas)
 * with one request schema per field table of vp_field_tables
 * (vpcore/vp_fields.c) under components/schemas/<the table's schema>.
 * Run by the build, so that what the validator checks and what the
 * document says come from the same rows.
 *
 * The skeleton's prose for the generated schemas, taken out of the output:
 *   x-vplanet-request-docs  {"<schema>": {"description": "...",
 *                            "fields": {"<field>": "..."}}}
 *   x-vplanet-type-docs     {"VP_DATE": "...", ...}: what a field of that
 *                           type accepts, after the field's own words
 * A description naming a schema or a field that no table has fails the
 * build: prose cannot outlive its field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpcore/vp_fields.h"

enum bounds { NONE, LENGTH, VALUE, ITEMS };

/* one line, no space at the ends (also empty: a length bound refuses that) */
static const char TEXT_PATTERN[] =
    "^([^\\u0000-\\u001f\\u007f ]([^\\u0000-\\u001f\\u007f]*[^\\u0000-\\u001f\\u007f ])?)?$";
static const char UUID_PATTERN[] =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

/* a date-time with an offset, or a date alone */
static const char DATETIME_PATTERN[] =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$";

/* What each vp_type_t is in JSON Schema: what vpcore/vp_valid.c checks. */
static const struct {
    const char *c, *json, *format, *pattern;
    enum bounds bounds;
} kinds[] = {
    [VP_STRING] = {"VP_STRING", "string", NULL, NULL, LENGTH},
    [VP_INTEGER] = {"VP_INTEGER", "integer", NULL, NULL, VALUE},
    [VP_NUMBER] = {"VP_NUMBER", "number", NULL, NULL, VALUE},
    [VP_BOOLEAN] = {"VP_BOOLEAN", "boolean", NULL, NULL, NONE},
    [VP_UUID] = {"VP_UUID", "string", "uuid", UUID_PATTERN, NONE},
    [VP_ENUM] = {"VP_ENUM", "string", NULL, NULL, NONE},
    [VP_OBJECT] = {"VP_OBJECT", "object", NULL, NULL, NONE},
    [VP_ARRAY] = {"VP_ARRAY", "array", NULL, NULL, ITEMS},
    [VP_DATE] = {"VP_DATE", "string", "date", NULL, NONE},
    [VP_COLOR] = {"VP_COLOR", "string", NULL, "^#[0-9A-Fa-f]{6}$", NONE},
    [VP_EMAIL] = {"VP_EMAIL", "string", "email", NULL, LENGTH},
    [VP_IDENT] = {"VP_IDENT", "string", NULL, TEXT_PATTERN, LENGTH},
    [VP_TEXT] = {"VP_TEXT", "string", NULL, TEXT_PATTERN, LENGTH},
    [VP_DATETIME] = {"VP_DATETIME", "string", NULL, DATETIME_PATTERN, NONE},
};

static int known_kind(const char *c)
{
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].c, c))
            return 1;
    return 0;
}

static int fail(const char *what, const char *name)
{
    fprintf(stderr, "vp-openapi: %s %s\n", what, name);
    return -1;
}

static json_t *number(double v)
{
    return v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v);
}

/* The schema name of the indexed table rows, or NULL. */
static const char *schema_of(const vp_field_t *rows)
{
    int i;

    for (i = 0; i < vp_nfield_tables; i++)
        if (vp_field_tables[i].fields == rows)
            return vp_field_tables[i].schema;
    return NULL;
}

static void set_bounds(json_t *s, const vp_field_t *f)
{
    static const char *const kw[][2] = {
        [LENGTH] = {"minLength", "maxLength"},
        [VALUE] = {"minimum", "maximum"},
        [ITEMS] = {"minItems", "maxItems"},
    };
    enum bounds b = kinds[f->type].bounds;

    if (b == NONE || (f->min == 0 && f->max == 0))
        return;
    /* 0 is JSON Schema's own lower bound of a length or a count */
    if (b == VALUE || f->min != 0)
        json_object_set_new(s, kw[b][0], number(f->min));
    json_object_set_new(s, kw[b][1], number(f->max));
}

static int set_enum(json_t *s, const vp_field_t *f)
{
    json_t *e = json_array();
    const char *const *c;

    for (c = f->choices; c && *c; c++)
        json_array_append_new(e, json_string(*c));
    if (f->nullable)
        json_array_append_new(e, json_null());
    json_object_set_new(s, "enum", e);
    return f->choices ? 0 : fail("an enum without choices:", f->name);
}

static int set_items(json_t *s, const vp_field_t *f)
{
    char ref[256];
    const char *name;

    if (!f->items) {
        json_object_set_new(s, "items", json_object());
        return 0;
    }
    if (!(name = schema_of(f->items)))
        return fail("items of a table not in vp_field_tables:", f->name);
    snprintf(ref, sizeof ref, "#/components/schemas/%s", name);
    json_object_set_new(s, "items", json_pack("{ss}", "$ref", ref));
    return 0;
}

/* The JSON Schema of one row; doc: its description (taken), or NULL. */
static json_t *field_schema(const vp_field_t *f, json_t *doc)
{
    json_t *s = json_object();
    int rc = 0;

    if (f->nullable)
        json_object_set_new(s, "type", json_pack("[ss]", kinds[f->type].json, "null"));
    else
        json_object_set_new(s, "type", json_string(kinds[f->type].json));
    if (kinds[f->type].format)
        json_object_set_new(s, "format", json_string(kinds[f->type].format));
    if (kinds[f->type].pattern)
        json_object_set_new(s, "pattern", json_string(kinds[f->type].pattern));
    set_bounds(s, f);
    if (f->type == VP_ENUM)
        rc = set_enum(s, f);
    else if (f->type == VP_ARRAY)
        rc = set_items(s, f);
    else if (f->items)
        rc = fail("items on a field that is no array:", f->name);
    if (doc)
        json_object_set_new(s, "description", doc);
    if (rc) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* A field's description: its own (taken out of docs, so that what is
 * left over names no field), then its type's; NULL when neither is. */
static json_t *describe(json_t *docs, const vp_field_t *f, json_t *type_docs)
{
    const char *own = json_string_value(json_object_get(docs, f->name));
    const char *type = json_string_value(json_object_get(type_docs, kinds[f->type].c));
    json_t *d = own && type ? json_sprintf("%s %s", own, type)
              : own || type ? json_string(own ? own : type) : NULL;

    json_object_del(docs, f->name);
    return d;
}

static int add_fields(json_t *s, const vp_field_table_t *t, json_t *docs, json_t *type_docs)
{
    json_t *props = json_object(), *req = json_array();
    const vp_field_t *f;

    json_object_set_new(s, "required", req);
    json_object_set_new(s, "properties", props);
    for (f = t->fields; f->name; f++) {
        json_t *p = field_schema(f, describe(docs, f, type_docs));

        if (!p)
            return -1;
        json_object_set_new(props, f->name, p);
        if (f->required)
            json_array_append_new(req, json_string(f->name));
    }
    if (json_object_size(docs))
        return fail("x-vplanet-request-docs names a field its table lacks, in", t->schema);
    return 0;
}

/* The request schema of the table t, its prose taken out of request_docs. */
static json_t *table_schema(const vp_field_table_t *t, json_t *request_docs, json_t *type_docs)
{
    json_t *s = json_object(), *docs = json_object_get(request_docs, t->schema);
    json_t *fields = json_object_get(docs, "fields");
    json_t *own = fields ? json_deep_copy(fields) : json_object();
    int rc;

    json_object_set_new(s, "type", json_string("object"));
    if (json_is_string(json_object_get(docs, "description")))
        json_object_set(s, "description", json_object_get(docs, "description"));
    rc = add_fields(s, t, own, type_docs);
    json_decref(own);
    json_object_set_new(s, "additionalProperties", json_false());
    json_object_set_new(s, "x-vplanet-fields",
                        json_pack("{ssss}", "file", "vpcore/vp_fields.c", "table", t->name));
    json_object_del(request_docs, t->schema);
    if (rc) {
        json_decref(s);
        return NULL;
    }
    return s;
}

static int generate(json_t *doc)
{
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *request_docs = json_object_get(doc, "x-vplanet-request-docs");
    json_t *type_docs = json_object_get(doc, "x-vplanet-type-docs");
    const char *name;
    json_t *v;
    int i;

    if (!json_is_object(schemas))
        return fail("the skeleton has no", "components/schemas");
    for (i = 0; i < vp_nfield_tables; i++) {
        const vp_field_table_t *t = &vp_field_tables[i];
        json_t *s;

        if (json_object_get(schemas, t->schema))
            return fail("the skeleton defines a generated schema:", t->schema);
        if (!(s = table_schema(t, request_docs, type_docs)))
            return -1;
        json_object_set_new(schemas, t->schema, s);
    }
    json_object_foreach(request_docs, name, v)
        return fail("x-vplanet-request-docs names no field table's schema:", name);
    json_object_foreach(type_docs, name, v)
        if (!known_kind(name))
            return fail("x-vplanet-type-docs names no field type:", name);
    json_object_del(doc, "x-vplanet-request-docs");
    json_object_del(doc, "x-vplanet-type-docs");
    return 0;
}

int main(int argc, char **argv)
{
    json_error_t err;
    json_t *doc;
    char *text;
    FILE *out;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: vp-openapi SKELETON OUT\n");
        return 2;
    }
    if (!(doc = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &err))) {
        fprintf(stderr, "vp-openapi: %s:%d: %s\n", argv[1], err.line, err.text);
        return 1;
    }
    rc = generate(doc);
    text = rc ? NULL : json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text)
        return 1;
    out = fopen(argv[2], "w");
    rc = !out || fprintf(out, "%s\n", text) < 0;
    free(text);
    if (out && fclose(out))
        rc = 1;
    if (rc)
        fprintf(stderr, "vp-openapi: cannot write %s\n", argv[2]);
    return rc;
}
