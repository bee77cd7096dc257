/* Unit tests of the httpd-free core: routing, validation, pagination,
 * request ids, JSON parsing, request bodies and the envelope. */
#include "tap.h"

#include <apr_general.h>
#include <apr_strings.h>

#include "vpcore/vp_fields.h"
#include "vpcore/vp_json.h"
#include "vpcore/vp_page.h"
#include "vpcore/vp_reqid.h"
#include "vpcore/vp_route.h"
#include "vpcore/vp_valid.h"

static apr_pool_t *p;

static void test_route_match(void)
{
    vp_params_t m;

    ok(vp_route_match(p, "/api/health", "/api/health", &m), "literal path matches");
    ok(vp_route_match(p, "/api/health", "/api/health/", &m), "trailing slash ignored");
    ok(!vp_route_match(p, "/api/health", "/api/health//", &m), "only one trailing slash");
    ok(!vp_route_match(p, "/api/health", "/api/healthz", &m), "longer path does not match");
    ok(!vp_route_match(p, "/api/health", "/api/healt", &m), "prefix does not match");
    ok(!vp_route_match(p, "/api/health/ready", "/api/health", &m), "shorter path does not match");
    ok(vp_route_match(p, "/api/v1/projects/{id}", "/api/v1/projects/abc", &m), "parameter matches");
    is_int(m.n, 1, "one parameter captured");
    is_str(vp_param(&m, "id"), "abc", "parameter value");
    is_str(vp_param(&m, "nope"), NULL, "unknown parameter is NULL");
    ok(vp_route_match(p, "/api/v1/projects/{id}/members/{user_id}",
                      "/api/v1/projects/p1/members/u2/", &m), "two parameters, trailing slash");
    is_str(vp_param(&m, "id"), "p1", "first of two");
    is_str(vp_param(&m, "user_id"), "u2", "second of two");
    ok(!vp_route_match(p, "/api/v1/projects/{id}", "/api/v1/projects/", &m), "empty parameter does not match");
    ok(!vp_route_match(p, "/api/v1/projects/{id}", "/api/v1/projects//x", &m), "empty segment does not match");
    ok(!vp_route_match(p, "/api/v1/projects/{id}", "/api/v1/projects/a/b", &m), "parameter is one segment");
    ok(vp_route_match(p, "/", "/", &m), "root matches root");
}

static const vp_route_t routes[] = {
    {"GET", "/api/things", "list"},
    {"POST", "/api/things", "create"},
    {"GET", "/api/things/{id}", "read"},
    {"DELETE", "/api/things/{id}", "delete"},
};

static void test_route_find(void)
{
    const vp_route_t *r = NULL;
    vp_params_t m;
    const char *allow = NULL;

    is_int(vp_route_find(p, routes, 4, "POST", "/api/things/", &r, &m, &allow),
           VP_ROUTE_FOUND, "POST found with trailing slash");
    is_str(r->target, "create", "dispatches to the POST row");
    is_int(vp_route_find(p, routes, 4, "HEAD", "/api/things/7", &r, &m, &allow),
           VP_ROUTE_FOUND, "HEAD served by GET");
    is_str(vp_param(&m, "id"), "7", "id from found route");
    is_int(vp_route_find(p, routes, 4, "PUT", "/api/things/7", &r, &m, &allow),
           VP_ROUTE_NO_METHOD, "PUT on a known path is 405");
    is_str(allow, "GET, HEAD, DELETE", "Allow lists the path's methods");
    is_int(vp_route_find(p, routes, 4, "GET", "/api/other", &r, &m, &allow),
           VP_ROUTE_NO_PATH, "unknown path is 404");
}

static const char *const colors[] = {"red", "green", NULL};
static const vp_field_t fields[] = {
    {"name", VP_STRING, 1, 2, 5, NULL, 0, NULL},
    {"age", VP_INTEGER, 0, 0, 150, NULL, 0, NULL},
    {"score", VP_NUMBER, 0, 0, 1, NULL, 0, NULL},
    {"id", VP_UUID, 0, 0, 0, NULL, 0, NULL},
    {"color", VP_ENUM, 0, 0, 0, colors, 0, NULL},
    {"ok", VP_BOOLEAN, 0, 0, 0, NULL, 0, NULL},
    {"list", VP_ARRAY, 0, 0, 2, NULL, 0, NULL},
    {"note", VP_STRING, 0, 0, 3, NULL, 1, NULL},
    {NULL}
};

static int validate(const char *text, json_t **details)
{
    json_t *obj = json_loads(text, 0, NULL);
    int rc;

    *details = vp_json_pool(p, json_object());
    rc = vp_validate(obj, fields, *details);
    json_decref(obj);
    return rc;
}

static void test_validation(void)
{
    json_t *d;

    is_int(validate("{\"name\":\"abc\"}", &d), 0, "minimal valid body");
    is_int(validate("{\"name\":\"abc\",\"age\":150,\"score\":0.5,\"id\":\"0b6f1c1e-2d3a-4c5b-9e8f-7a6b5c4d3e2f\","
                    "\"color\":\"red\",\"ok\":true,\"list\":[1,2],\"note\":null}", &d), 0, "every field valid");
    is_int(validate("{}", &d), 422, "missing required field is 422");
    ok(json_object_get(d, "name") != NULL, "missing field named in details");
    is_int(validate("{\"name\":\"abc\",\"extra\":1}", &d), 400, "unknown field is 400");
    ok(json_object_get(d, "extra") != NULL, "unknown field named");
    is_int(validate("{\"name\":5}", &d), 400, "wrong type is 400");
    is_int(validate("{\"name\":\"a\"}", &d), 422, "too short is 422");
    is_int(validate("{\"name\":\"abcdef\"}", &d), 422, "too long is 422");
    /* five Hangul syllables: 15 bytes, 5 characters */
    is_int(validate("{\"name\":\"\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\"}", &d), 0,
           "length counts characters, not bytes");
    is_int(validate("{\"name\":\"abc\",\"age\":151}", &d), 422, "integer above range");
    is_int(validate("{\"name\":\"abc\",\"age\":-1}", &d), 422, "integer below range");
    is_int(validate("{\"name\":\"abc\",\"age\":1.5}", &d), 400, "real for integer is a type error");
    is_int(validate("{\"name\":\"abc\",\"score\":1.01}", &d), 422, "number above range");
    is_int(validate("{\"name\":\"abc\",\"id\":\"not-a-uuid\"}", &d), 422, "bad uuid");
    is_int(validate("{\"name\":\"abc\",\"id\":\"' OR 1=1 --\"}", &d), 422, "injection string is not a uuid");
    is_int(validate("{\"name\":\"abc\",\"color\":\"blue\"}", &d), 422, "value outside enum");
    is_int(validate("{\"name\":\"abc\",\"ok\":\"true\"}", &d), 400, "string for boolean");
    is_int(validate("{\"name\":\"abc\",\"list\":[1,2,3]}", &d), 422, "array too long");
    is_int(validate("{\"name\":null}", &d), 422, "null for non-nullable field");
    is_int(validate("{\"name\":\"abc\",\"note\":\"abcd\"}", &d), 422, "nullable field still checked");

    ok(vp_is_uuid("0B6F1C1E-2D3A-4C5B-9E8F-7A6B5C4D3E2F"), "upper-case uuid");
    ok(!vp_is_uuid("0b6f1c1e2d3a4c5b9e8f7a6b5c4d3e2f0000"), "uuid without dashes");
    ok(!vp_is_uuid("0b6f1c1e-2d3a-4c5b-9e8f-7a6b5c4d3e2g"), "uuid with non-hex");
    ok(!vp_is_uuid(""), "empty is not a uuid");
    is_int(vp_utf8_len("h\xc3\xa9llo"), 5, "utf8 length");
    long v;
    ok(vp_parse_long("42", &v) && v == 42, "parse long");
    ok(!vp_parse_long("42x", &v), "trailing garbage refused");
    ok(!vp_parse_long("", &v), "empty refused");
    ok(!vp_parse_long("99999999999999999999", &v), "overflow refused");
}

static json_t *body(const char *text, const vp_field_t *table, vp_body_error_t *e)
{
    return vp_body_parse(p, text, strlen(text), table, VP_JSON_MAX_MEMBERS, VP_JSON_MAX_VALUES, e);
}

/* The body path of every request: parse, then validate against a table. */
static void test_body_parse(void)
{
    vp_body_error_t e;
    int i;

    ok(body("{\"name\":\"abc\"}", fields, &e) != NULL, "a valid body parses");
    ok(!body("{\"name\":", fields, &e), "malformed JSON refused");
    is_int(e.status, 400, "... 400");
    is_str(e.code, "invalid_json", "... invalid_json");
    ok(e.details == NULL && strstr(e.message, "malformed JSON"), "... the parser's reason, no details");
    ok(!body("{\"name\":\"abc\",\"x\":1}", fields, &e), "unknown field refused");
    is_int(e.status, 400, "... 400");
    ok(e.code == NULL && json_object_get(e.details, "x"), "... the field named in details");
    is_str(e.message, "the body does not match the expected fields", "... message");
    ok(!body("{}", fields, &e), "missing field refused");
    is_int(e.status, 422, "... 422");
    is_str(e.message, "validation failed", "... message");

    for (i = 0; i < vp_nfield_tables; i++)
        if (!vp_field_tables[i].fields[0].name)
            break;
    ok(vp_nfield_tables > 0 && i == vp_nfield_tables, "every indexed field table has fields");
    ok(!body("{}", vp_schedule_fields, &e) && e.status == 422,
       "an indexed table validates: schedule without phases is 422");
}

static void test_pagination(void)
{
    vp_page_t pg;
    json_t *d = vp_json_pool(p, json_object()), *data;

    is_int(vp_page_parse(NULL, NULL, &pg, d), 0, "defaults");
    is_int(pg.page, 1, "default page");
    is_int(pg.size, 20, "default page size");
    is_int(vp_page_parse("3", "10", &pg, d), 0, "explicit page");
    is_int(pg.offset, 20, "offset of page 3 of 10");
    is_int(vp_page_parse("1", "101", &pg, d), 422, "page_size over 100");
    is_int(vp_page_parse("0", "10", &pg, d), 422, "page 0");
    is_int(vp_page_parse("x", "10", &pg, d), 400, "page not a number");

    vp_page_parse("2", "10", &pg, d);
    data = vp_json_pool(p, vp_page_data(p, &pg, 25, json_array(), "http://h/api/x",
                                        "q=a&page=2&page_size=10"));
    is_int(json_integer_value(json_object_get(data, "count")), 25, "count");
    is_str(json_string_value(json_object_get(data, "next")),
           "http://h/api/x?q=a&page_size=10&page=3", "next keeps other parameters");
    is_str(json_string_value(json_object_get(data, "previous")),
           "http://h/api/x?q=a&page_size=10&page=1", "previous");
    is_int(json_integer_value(json_object_get(json_object_get(data, "page_info"), "total_pages")),
           3, "total pages");

    /* raw bytes of a query (not UTF-8: json_string refused the link and
     * the list answer lost its data) are percent-encoded in the links */
    is_str(vp_query_with_page(p, "q=\xc9\xcc x\x01&page=2", 3), "q=%C9%CC%20x%01&page=3",
           "raw query bytes percent-encoded");
    vp_page_parse("2", "10", &pg, d);
    data = vp_json_pool(p, vp_page_data(p, &pg, 25, json_array(), "http://h/x", "q=\xff"));
    is_str(json_string_value(json_object_get(data, "previous")), "http://h/x?q=%FF&page=1",
           "a list answer with a raw byte in its query keeps its links");

    vp_page_parse("9", "10", &pg, d);
    data = vp_json_pool(p, vp_page_data(p, &pg, 25, json_array(), "http://h/x", NULL));
    ok(json_is_null(json_object_get(data, "next")), "no next past the end");
    is_str(json_string_value(json_object_get(data, "previous")), "http://h/x?page=3",
           "previous past the end is the last page");

    vp_page_parse(NULL, NULL, &pg, d);
    data = vp_json_pool(p, vp_page_data(p, &pg, 0, json_array(), "http://h/x", NULL));
    ok(!json_is_true(json_object_get(json_object_get(data, "page_info"), "has_next")), "empty list has no next");

    {
        static const char *const allowed[] = {"id", "name", "secret", NULL};
        json_t *det = vp_json_pool(p, json_object()), *keep;

        is_int(vp_fields_parse(p, NULL, allowed, det, &keep), 0, "no fields: all kept");
        ok(keep == NULL, "... as NULL");
        is_int(vp_fields_parse(p, "id,name", allowed, det, &keep), 0, "fields read");
        is_str(vp_json_dump(p, keep), "{\"id\":true,\"name\":true}", "only chosen fields kept");
        is_int(vp_fields_parse(p, "id,bogus", allowed, det, &keep), 400, "unknown field refused");
        is_int(vp_fields_parse(p, ",", allowed, det, &keep), 400, "no field named refused");
    }
}

static void test_json(void)
{
    const char *why = NULL;
    json_t *j;

    ok(vp_json_parse_object(p, "{\"a\":1}", 7, &why) != NULL, "object parses");
    ok(vp_json_parse_object(p, "{\"a\":1,\"a\":2}", 13, &why) == NULL, "duplicate keys refused");
    ok(why && strstr(why, "duplicate") != NULL, "duplicate key reason given");
    ok(vp_json_parse_object(p, "[1]", 3, &why) == NULL, "array refused");
    ok(vp_json_parse_object(p, "{\"a\":", 5, &why) == NULL, "truncated JSON refused");
    ok(vp_json_parse_object(p, "{\"a\":\"\xff\"}", 9, &why) == NULL, "invalid UTF-8 refused");
    ok(vp_json_parse_object(p, "{\"a\":\"\\u0000\"}", 14, &why) == NULL, "NUL character refused");
    ok(why && strstr(why, "\\u0000 is not allowed") && !strstr(why, "JSON_"),
       "NUL reason given without the library's flag name");
    ok(vp_json_parse_object(p, "", 0, &why) == NULL, "empty body refused");
    j = vp_json_pool(p, json_pack("{s:s, s:i, s:n}", "s", "text", "i", 1, "n"));
    is_str(vp_str(j, "s"), "text", "vp_str: a string member");
    ok(vp_str(j, "i") == NULL && vp_str(j, "n") == NULL && vp_str(j, "x") == NULL,
       "vp_str: NULL for a number, a null or an absent member");

    {
        vp_envelope_t e = {.status = 404, .message = "gone", .request_id = "r1",
                           .timestamp = 1691234567.1234, .elapsed_ms = 1.23456};
        j = vp_json_pool(p, vp_envelope(&e));
        is_str(vp_json_dump(p, j),
               "{\"success\":false,\"status\":\"error\",\"message\":\"gone\","
               "\"error\":{\"code\":\"not_found\",\"details\":{}},\"timestamp\":1691234567.123,"
               "\"request_id\":\"r1\",\"performance\":{\"response_time_ms\":1.235}}",
               "error envelope shape");
    }
    {
        json_t *data = vp_json_pool(p, json_pack("{s:i}", "x", 1));
        vp_envelope_t e = {.status = 200, .message = "ok", .data = data, .request_id = "r2",
                           .timestamp = 1.5, .elapsed_ms = 0.5};
        j = vp_json_pool(p, vp_envelope(&e));
        ok(json_is_true(json_object_get(j, "success")), "success flag");
        ok(json_object_get(j, "error") == NULL, "no error member on success");
        is_int(json_integer_value(json_object_get(json_object_get(j, "data"), "x")), 1, "data kept");
    }
}

static void test_json_limits(void)
{
    const char *members3 = "{\"a\":1, \"b\":[1,2], \"c\":{}}";
    const char *tricky = "{\"a,b,c\":\"x,\\\",y,[z]\", \"d\":[]}";
    char *big;
    size_t i, n;

    ok(!vp_json_check_limits(p, members3, strlen(members3), 3, 100), "3 members at a cap of 3");
    ok(vp_json_check_limits(p, members3, strlen(members3), 2, 100) != NULL,
       "3 members over a cap of 2");
    ok(!vp_json_check_limits(p, members3, strlen(members3), 3, 5), "5 values at a cap of 5");
    is_str(vp_json_check_limits(p, members3, strlen(members3), 3, 4),
           "the JSON body holds more than 4 values", "6 values over a cap of 4, said so");
    ok(!vp_json_check_limits(p, tricky, strlen(tricky), 2, 2),
       "commas, quotes and brackets inside strings are not counted");
    ok(!vp_json_check_limits(p, "{}", 2, 1, 1), "an empty object holds nothing");
    ok(!vp_json_check_limits(p, "{\"a\":[[[", 8, 1, 10), "malformed text is left to the parser");
    ok(!vp_json_check_limits(p, "]]]}}", 5, 1, 1), "unbalanced closers are left to the parser");
    ok(vp_json_check_limits(p, "{\"a\":[[1],[2],[3]]}", 19, 10, 6) != NULL,
       "nested arrays count every level");

    /* 30,000 unknown members: refused by the scan, the parser never runs */
    n = 30000;
    big = apr_palloc(p, n * 12 + 3);
    big[0] = '{';
    for (i = 0; i < n; i++)
        sprintf(big + 1 + i * 12, "%s\"k%07zu\":1", i ? "," : " ", i);
    strcpy(big + 1 + n * 12, "}");
    is_str(vp_json_check_limits(p, big, strlen(big), VP_JSON_MAX_MEMBERS, VP_JSON_MAX_VALUES),
           "a JSON object of the body has more than 1000 members", "30,000 members refused");
}

static void test_details_cap(void)
{
    json_t *details = vp_json_pool(p, json_object()), *env, *err;
    char name[16];
    int i;

    for (i = 0; i < VP_DETAILS_MAX; i++) {
        snprintf(name, sizeof name, "f%d", i);
        vp_detail_add(details, name, "unknown field");
    }
    {
        vp_envelope_t e = {.status = 400, .details = details, .request_id = "r"};
        env = vp_json_pool(p, vp_envelope(&e));
        err = json_object_get(env, "error");
        is_int(json_object_size(json_object_get(err, "details")), VP_DETAILS_MAX, "20 fields listed");
        ok(!json_object_get(err, "details_omitted"), "no count when nothing is left out");
    }
    for (i = VP_DETAILS_MAX; i < 5000; i++) {
        snprintf(name, sizeof name, "f%d", i);
        vp_detail_add(details, name, "unknown field");
    }
    {
        vp_envelope_t e = {.status = 400, .details = details, .request_id = "r"};
        env = vp_json_pool(p, vp_envelope(&e));
        err = json_object_get(env, "error");
        is_int(json_object_size(json_object_get(err, "details")), VP_DETAILS_MAX,
               "5,000 fields: the first 20 listed");
        ok(json_object_get(json_object_get(err, "details"), "f0")
           && json_object_get(json_object_get(err, "details"), "f19")
           && !json_object_get(json_object_get(err, "details"), "f20"), "in the order found");
        is_int(json_integer_value(json_object_get(err, "details_omitted")), 5000 - VP_DETAILS_MAX,
               "the others counted");
        is_int(json_object_size(details), 5000, "the caller's details are left whole");
    }
}

/* vp_json_alloc_*: values from the pool while one is set, else the heap.
 * (Under the sanitizer build a pool value freed with free(), or a heap one
 * never freed, is a report.) */
static void test_json_alloc(void)
{
    apr_pool_t *sp;
    json_t *heap, *a, *b, *mixed;
    json_malloc_t m;
    json_free_t f;
    void *first;
    char *dump;

    apr_pool_create(&sp, p);
    heap = json_pack("{s:s}", "made", "before");

    ok(vp_json_alloc_pool(sp) == NULL, "no pool to begin with");
    a = json_string("in the pool");
    first = a;
    mixed = json_pack("{s:O}", "heap", heap);
    json_decref(heap);          /* mixed holds it now */
    is_str(vp_json_dump(p, mixed), "{\"heap\":{\"made\":\"before\"}}", "dump of mixed values");
    json_decref(mixed);         /* frees the heap value while the pool is set */
    json_decref(a);             /* pool blocks go with the pool */
    apr_pool_clear(sp);
    b = json_string("in the pool");
    ok((void *)b == first, "the same pool memory again after a clear: values came from the pool");
    (void)b;                    /* never freed: the pool takes it */

    ok(vp_json_alloc_pool(NULL) == sp, "the previous pool is returned");
    a = json_string("on the heap");
    ok(vp_json_alloc_plain(1) == 0, "plain mode off to begin with");
    json_get_alloc_funcs(&m, &f);
    dump = json_dumps(a, JSON_ENCODE_ANY);
    free(dump);                 /* what libjwt does with json_dumps output */
    ok(vp_json_alloc_plain(0) == 1, "plain mode was on");
    json_decref(a);
    apr_pool_destroy(sp);
    /* jansson's own defaults are malloc and free */
    ok(m != malloc && f != free, "the allocator is installed");
}

static void test_reqid(void)
{
    ok(vp_reqid_sane("abc-123_x.y:z"), "sane id");
    ok(!vp_reqid_sane(""), "empty id");
    ok(!vp_reqid_sane("a b"), "space in id");
    ok(!vp_reqid_sane("a\r\nX-Evil: 1"), "header injection in id");
    ok(!vp_reqid_sane("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), "65 chars too long");
    ok(vp_is_uuid(vp_uuid_new(p)), "generated id is a uuid");
    ok(strcmp(vp_uuid_new(p), vp_uuid_new(p)) != 0, "generated ids differ");
}

int main(void)
{
    apr_initialize();
    /* before any JSON value exists, as the module does */
    vp_json_alloc_install();
    apr_pool_create(&p, NULL);
    test_route_match();
    test_route_find();
    test_validation();
    test_body_parse();
    test_pagination();
    test_json();
    test_json_limits();
    test_details_cap();
    test_json_alloc();
    test_reqid();
    apr_pool_destroy(p);
    apr_terminate();
    return done_testing();
}
