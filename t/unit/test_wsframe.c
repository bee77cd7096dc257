/* Unit tests of the WebSocket frame header checker (vpcore/vp_wsframe.c):
 * whole streams, and the same streams cut at every byte. */
#include "tap.h"
#include "vpcore/vp_wsframe.h"

#include <stdlib.h>

/* One client frame: FIN/opcode byte, payload length n (7, 16 or 64-bit),
 * masked or not; the payload is zeros. Returns its size. */
static size_t frame(unsigned char *out, unsigned char head, size_t n, int masked)
{
    size_t k = 0;
    int i;

    out[k++] = head;
    if (n < 126) {
        out[k++] = (unsigned char)((masked ? 0x80 : 0) | n);
    } else if (n < 65536) {
        out[k++] = (unsigned char)((masked ? 0x80 : 0) | 126);
        out[k++] = (unsigned char)(n >> 8);
        out[k++] = (unsigned char)n;
    } else {
        out[k++] = (unsigned char)((masked ? 0x80 : 0) | 127);
        for (i = 7; i >= 0; i--)
            out[k++] = (unsigned char)((unsigned long long)n >> (8 * i));
    }
    if (masked) {
        memcpy(out + k, "\x12\x34\x56\x78", 4);
        k += 4;
    }
    memset(out + k, 0, n);
    return k + n;
}

static vp_wsf_result_t whole(const unsigned char *b, size_t n)
{
    vp_wsframe_t f;

    vp_wsframe_init(&f);
    return vp_wsframe_feed(&f, b, n);
}

/* The stream cut in two at every position, and fed a byte at a time:
 * each gives what the whole stream gives. */
static int same_in_pieces(const unsigned char *b, size_t n, vp_wsf_result_t want)
{
    vp_wsframe_t f;
    size_t cut, i;

    for (cut = 0; cut <= n; cut++) {
        vp_wsframe_init(&f);
        vp_wsframe_feed(&f, b, cut);
        if (vp_wsframe_feed(&f, b + cut, n - cut) != want)
            return 0;
    }
    vp_wsframe_init(&f);
    for (i = 0; i < n; i++)
        vp_wsframe_feed(&f, b + i, 1);
    return f.result == want;
}

int main(void)
{
    unsigned char *b = malloc(200000), *s;
    size_t n;

    /* masked frames of each length encoding, back to back */
    s = b;
    s += frame(s, 0x81, 15, 1);
    s += frame(s, 0x81, 125, 1);
    s += frame(s, 0x82, 126, 1);
    s += frame(s, 0x81, 60 * 1024, 1);
    s += frame(s, 0x81, 70000, 1);
    s += frame(s, 0x89, 0, 1);              /* ping, empty */
    n = (size_t)(s - b);
    is_int(whole(b, n), VP_WSF_OK, "masked frames of 7-, 16- and 64-bit lengths pass");
    ok(same_in_pieces(b, n, VP_WSF_OK), "... cut anywhere");

    /* a fragmented message with a ping between its fragments */
    s = b;
    s += frame(s, 0x01, 5, 1);
    s += frame(s, 0x89, 3, 1);
    s += frame(s, 0x00, 5, 1);
    s += frame(s, 0x80, 5, 1);
    s += frame(s, 0x88, 2, 1);              /* close */
    n = (size_t)(s - b);
    is_int(whole(b, n), VP_WSF_OK, "fragments, a ping between them, a close pass");
    ok(same_in_pieces(b, n, VP_WSF_OK), "... cut anywhere");

    /* an unmasked frame after masked ones, for each length encoding */
    {
        size_t lens[] = {15, 300, 70000};
        int i;

        for (i = 0; i < 3; i++) {
            s = b;
            s += frame(s, 0x81, 126, 1);
            s += frame(s, 0x81, lens[i], 0);
            n = (size_t)(s - b);
            is_int(whole(b, n), VP_WSF_UNMASKED, "an unmasked frame is found");
            ok(same_in_pieces(b, n, VP_WSF_UNMASKED), "... cut anywhere");
        }
    }
    /* what an unmasked payload looks like is not read as a header */
    s = b;
    s += frame(s, 0x81, 300, 1);
    memset(b + 8, 0x01, 300);               /* payload bytes "unmasked" */
    n = (size_t)(s - b);
    is_int(whole(b, n), VP_WSF_OK, "payload bytes are skipped, not read as headers");
    /* the violation is kept: later bytes change nothing */
    {
        vp_wsframe_t f;

        vp_wsframe_init(&f);
        vp_wsframe_feed(&f, (const unsigned char *)"\x81\x05", 2);
        n = frame(b, 0x81, 5, 1);
        is_int(vp_wsframe_feed(&f, b, n), VP_WSF_UNMASKED, "a violation stays");
    }

    /* malformed single frames */
    {
        static const struct { unsigned char head; size_t len; const char *name; } bad[] = {
            {0xC1, 5, "an RSV bit (no extension negotiated)"},
            {0x83, 5, "a reserved data opcode"},
            {0x8B, 5, "a reserved control opcode"},
            {0x09, 5, "a fragmented ping"},
            {0x89, 126, "a ping longer than 125 bytes"},
            {0x80, 5, "a continuation outside a message"},
        };
        size_t i;

        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            n = frame(b, bad[i].head, bad[i].len, 1);
            is_int(whole(b, n), VP_WSF_MALFORMED, bad[i].name);
        }
    }
    s = b;
    s += frame(s, 0x01, 5, 1);
    s += frame(s, 0x81, 5, 1);
    is_int(whole(b, (size_t)(s - b)), VP_WSF_MALFORMED, "a new message inside a fragmented one");
    memcpy(b, "\x81\xFF\x80\x00\x00\x00\x00\x00\x00\x00", 10);
    is_int(whole(b, 10), VP_WSF_MALFORMED, "a 64-bit length with the top bit set");
    ok(same_in_pieces(b, 10, VP_WSF_MALFORMED), "... cut anywhere");
    memcpy(b, "\x81\xFF\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01\x02\x03\x04", 14);
    is_int(whole(b, 14), VP_WSF_OK, "the largest 64-bit length is a length");

    free(b);
    return done_testing();
}
