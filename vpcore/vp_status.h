/* The HTTP status codes the core decides, by httpd's names (HTTP_* of
 * httpd.h) with a VP_ prefix: the core does not include httpd's headers,
 * and the module's glue uses httpd's own names. */
#ifndef VP_STATUS_H
#define VP_STATUS_H

enum {
    VP_HTTP_OK = 200,
    VP_HTTP_BAD_REQUEST = 400,
    VP_HTTP_UNAUTHORIZED = 401,
    VP_HTTP_FORBIDDEN = 403,
    VP_HTTP_NOT_FOUND = 404,
    VP_HTTP_METHOD_NOT_ALLOWED = 405,
    VP_HTTP_CONFLICT = 409,
    VP_HTTP_GONE = 410,
    VP_HTTP_PRECONDITION_FAILED = 412,
    VP_HTTP_REQUEST_ENTITY_TOO_LARGE = 413,
    VP_HTTP_UNSUPPORTED_MEDIA_TYPE = 415,
    VP_HTTP_RANGE_NOT_SATISFIABLE = 416,
    VP_HTTP_UNPROCESSABLE_ENTITY = 422,
    VP_HTTP_TOO_MANY_REQUESTS = 429,
    VP_HTTP_INTERNAL_SERVER_ERROR = 500,
    VP_HTTP_SERVICE_UNAVAILABLE = 503,
    VP_HTTP_INSUFFICIENT_STORAGE = 507
};

#endif
