#include "vp_page.h"
#include "vp_status.h"
#include "vp_json.h"
#include "vp_valid.h"

#include <apr_strings.h>
#include <string.h>

int vp_page_parse(const char *page, const char *page_size, vp_page_t *pg,
                  json_t *details)
{
    int rc = 0;

    pg->page = 1;
    pg->size = VP_PAGE_SIZE_DEFAULT;
    if (page && !vp_parse_long(page, &pg->page)) {
        vp_detail_add(details, "page", "must be an integer");
        rc = VP_HTTP_BAD_REQUEST;
    }
    if (page_size && !vp_parse_long(page_size, &pg->size)) {
        vp_detail_add(details, "page_size", "must be an integer");
        rc = VP_HTTP_BAD_REQUEST;
    }
    if (rc)
        return rc;
    if (pg->page < 1) {
        vp_detail_add(details, "page", "must be at least 1");
        rc = VP_HTTP_UNPROCESSABLE_ENTITY;
    }
    if (pg->size < 1 || pg->size > VP_PAGE_SIZE_MAX) {
        vp_detail_add(details, "page_size", "must be between 1 and 100");
        rc = VP_HTTP_UNPROCESSABLE_ENTITY;
    }
    /* A page number this large only overflows the offset. */
    if (pg->page > 10000000) {
        vp_detail_add(details, "page", "is too large");
        rc = VP_HTTP_UNPROCESSABLE_ENTITY;
    }
    pg->offset = rc ? 0 : (pg->page - 1) * pg->size;
    return rc;
}

/* s with the bytes that cannot stand in a URL as they are (beyond ASCII,
 * controls, space) percent-encoded: a link stays a URL and valid UTF-8
 * whatever raw bytes the request's query held. */
static char *url_safe(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *c;
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;

    for (c = (const unsigned char *)s; *c; c++) {
        if (*c <= ' ' || *c >= 0x7f) {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 15];
        }
        else {
            *o++ = (char)*c;
        }
    }
    *o = '\0';
    return out;
}

char *vp_query_with_page(apr_pool_t *p, const char *query, long page)
{
    char *kept = NULL, *copy, *tok, *last;

    if (query && *query) {
        copy = url_safe(p, query);
        for (tok = apr_strtok(copy, "&", &last); tok; tok = apr_strtok(NULL, "&", &last)) {
            if (strncmp(tok, "page=", 5) == 0 || strcmp(tok, "page") == 0)
                continue;
            kept = kept ? apr_pstrcat(p, kept, "&", tok, NULL) : tok;
        }
    }
    return kept ? apr_psprintf(p, "%s&page=%ld", kept, page)
                : apr_psprintf(p, "page=%ld", page);
}

json_t *vp_page_data(apr_pool_t *p, const vp_page_t *pg, long count,
                     json_t *results, const char *base, const char *query)
{
    long pages = count > 0 ? (count + pg->size - 1) / pg->size : 1;
    int has_next = pg->page < pages;
    int has_prev = pg->page > 1;
    long prev = pg->page - 1 < pages ? pg->page - 1 : pages;

    return json_pack("{s:I, s:o, s:o, s:o, s:{s:I, s:I, s:b, s:b}}",
        "count", (json_int_t)count,
        "next", has_next ? json_string(apr_pstrcat(p, base, "?",
                    vp_query_with_page(p, query, pg->page + 1), NULL)) : json_null(),
        "previous", has_prev ? json_string(apr_pstrcat(p, base, "?",
                    vp_query_with_page(p, query, prev), NULL)) : json_null(),
        "results", results,
        "page_info",
        "current_page", (json_int_t)pg->page,
        "total_pages", (json_int_t)pages,
        "has_next", has_next,
        "has_previous", has_prev);
}

int vp_fields_parse(apr_pool_t *p, const char *fields, const char *const *allowed,
                    json_t *details, json_t **keep)
{
    char *copy, *tok, *last;

    *keep = NULL;
    if (!fields)
        return 0;
    *keep = vp_json_pool(p, json_object());
    copy = apr_pstrdup(p, fields);
    for (tok = apr_strtok(copy, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        if (!vp_in_enum(tok, allowed)) {
            vp_detail_add(details, "fields", apr_psprintf(p, "unknown field: %s", tok));
            return VP_HTTP_BAD_REQUEST;
        }
        json_object_set_new(*keep, tok, json_true());
    }
    if (json_object_size(*keep) == 0) {
        vp_detail_add(details, "fields", "must name at least one field");
        return VP_HTTP_BAD_REQUEST;
    }
    return 0;
}
