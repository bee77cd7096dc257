/* The emails: lines nickname, token, recipient, subject, sender name. The
 * text of vpcore/vp_mail.c (the first byte picks verification or reset)
 * goes through vplanetd's message assembly (vpd_message.c) as the mail
 * thread sends it. Checks that nothing a user controls breaks the message:
 * CRLF line ends only, no line over 998 octets (RFC 5322), every header
 * line a "Name:" line or a fold (no injected header), the Subject folded
 * to 78 columns and the quoted-printable body to 76. */
#include "fuzz.h"
#include "vpcore/vp_mail.h"
#include "vpd_message.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the longest line of s, checking that every line ends with CRLF */
static size_t longest_line(const char *s)
{
    size_t longest = 0;
    const char *c, *line = s;

    for (c = s; *c; c++) {
        FUZZ_CHECK(*c != '\r' || c[1] == '\n');
        FUZZ_CHECK(*c != '\n' || (c > s && c[-1] == '\r'));
        if (*c == '\n') {
            if ((size_t)(c - 1 - line) > longest)
                longest = (size_t)(c - 1 - line);
            line = c + 1;
        }
    }
    FUZZ_CHECK(line == c);   /* ends with a line end */
    return longest;
}

static void check_headers(const char *msg)
{
    const char *line = msg, *end;

    while ((end = strstr(line, "\r\n")) && end != line) {
        FUZZ_CHECK(*line == ' ' || *line == '\t'
                   || (strcspn(line, ":") < (size_t)(end - line)
                       && strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
                          == strcspn(line, ":")));
        line = end + 2;
    }
    FUZZ_CHECK(end == line);   /* an empty line ends the headers */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *f[5], *built, *why = NULL, *subject;
    vp_mail_t m;
    vpd_message_t msg;

    if (size < 1)
        return 0;
    p = fuzz_pool();
    fuzz_split(p, data + 1, size - 1, '\n', f, 5);
    (data[0] & 1 ? vp_mail_password_reset : vp_mail_verify_email)(p, "https://vp.example", f[0], f[1], &m);
    subject = data[0] & 2 ? f[3] : m.subject;
    FUZZ_CHECK(longest_line(vpd_message_header(p, "Subject", subject)) <= 78);
    msg = (vpd_message_t){.from = "noreply@vp.example", .from_name = f[4], .to = f[2],
                          .subject = subject, .text = m.text, .html = data[0] & 4 ? NULL : m.html,
                          .message_id = vpd_message_id(p, 42, "rAnd0m", "noreply@vp.example"),
                          .boundary = "b0und4ry_-", .date = 1764633600L};
    built = vpd_message_build(p, &msg, &why);
    FUZZ_CHECK(!built == !!why);
    if (built) {
        FUZZ_CHECK(longest_line(built) <= 998);
        check_headers(built);
        /* the QP body: 76 columns (the headers end at the first empty line) */
        FUZZ_CHECK(longest_line(strstr(built, "\r\n\r\n") + 4) <= 76);
    }
    apr_pool_destroy(p);
    return 0;
}
