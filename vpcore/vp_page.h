/* Pagination and field selection for list endpoints (spec section 1). */
#ifndef VP_PAGE_H
#define VP_PAGE_H

#include <apr_pools.h>
#include <jansson.h>

#define VP_PAGE_SIZE_DEFAULT 20
#define VP_PAGE_SIZE_MAX 100

typedef struct {
    long page;      /* 1-based */
    long size;
    long offset;    /* (page - 1) * size, for SQL OFFSET */
} vp_page_t;

/* Reads ?page and ?page_size (either may be NULL: defaults). Returns 0,
 * 400 when one is not an integer, 422 when out of range (page >= 1,
 * 1 <= page_size <= 100); the problem goes to details. */
int vp_page_parse(const char *page, const char *page_size, vp_page_t *pg,
                  json_t *details);

/* The list payload: {count, next, previous, results, page_info}. base is
 * the absolute URL of the list without a query; query the request's raw
 * query string (may be NULL). results is stolen. A page past the end gives
 * empty results, not an error. */
json_t *vp_page_data(apr_pool_t *p, const vp_page_t *pg, long count,
                     json_t *results, const char *base, const char *query);

/* Reads ?fields=a,b: *keep gets an object (in p) whose keys are the names
 * to keep, or NULL when fields is NULL (keep all). allowed is
 * NULL-terminated. Returns 0, or 400 naming an unknown field in details. */
int vp_fields_parse(apr_pool_t *p, const char *fields, const char *const *allowed,
                    json_t *details, json_t **keep);

/* query with page=N set (other parameters kept, in order; bytes that
 * cannot stand in a URL percent-encoded). */
char *vp_query_with_page(apr_pool_t *p, const char *query, long page);

#endif
