/* The WebSocket frame header checker (vpcore/vp_wsframe.c), as httpd's
 * /ws/ filter feeds it: the first byte sets the size of the reads (1 to
 * 256 bytes), the rest is a client's stream. The result must not depend
 * on where the reads cut the stream, and a violation must stay. */
#include "fuzz.h"
#include "vpcore/vp_wsframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vp_wsframe_t whole, pieces;
    vp_wsf_result_t want, got = VP_WSF_OK;
    size_t step, i;

    if (size < 1)
        return 0;
    step = (size_t)data[0] + 1;
    data++;
    size--;
    vp_wsframe_init(&whole);
    want = vp_wsframe_feed(&whole, data, size);
    FUZZ_CHECK(want == VP_WSF_OK || want == VP_WSF_UNMASKED || want == VP_WSF_MALFORMED);
    vp_wsframe_init(&pieces);
    for (i = 0; i < size; i += step)
        got = vp_wsframe_feed(&pieces, data + i, size - i < step ? size - i : step);
    FUZZ_CHECK(got == want);
    FUZZ_CHECK(whole.state == pieces.state && whole.left == pieces.left
               && whole.in_message == pieces.in_message && whole.control == pieces.control
               && whole.len == pieces.len);
    if (want != VP_WSF_OK)
        FUZZ_CHECK(vp_wsframe_feed(&whole, (const uint8_t *)"\x81\x80\0\0\0\0", 6) == want);
    return 0;
}
