/* The frame header checker of vpcore/vp_wsframe.h. */
#include "vp_wsframe.h"

enum { S_HEAD, S_LEN, S_EXT, S_MASK, S_PAYLOAD };

void vp_wsframe_init(vp_wsframe_t *f)
{
    f->state = S_HEAD;
    f->left = 0;
    f->in_message = 0;
    f->control = 0;
    f->len = 0;
    f->result = VP_WSF_OK;
}

/* The first byte: FIN, no RSV bits (no extension is negotiated), a known
 * opcode; control frames unfragmented, continuations only inside a
 * message and data frames only outside one. */
static vp_wsf_result_t head(vp_wsframe_t *f, unsigned char c)
{
    int fin = c & 0x80, op = c & 0x0F;

    if (c & 0x70)
        return VP_WSF_MALFORMED;
    if (op & 0x08) {
        if (op > 0x0A || !fin)
            return VP_WSF_MALFORMED;
    } else if (op > 0x02 || (op == 0) != f->in_message) {
        return VP_WSF_MALFORMED;
    } else {
        f->in_message = !fin;
    }
    f->control = op & 0x08;
    return VP_WSF_OK;
}

/* The second byte: the mask bit and the 7-bit length. */
static vp_wsf_result_t len7(vp_wsframe_t *f, unsigned char c)
{
    int n = c & 0x7F;

    if (!(c & 0x80))
        return VP_WSF_UNMASKED;
    if (f->control && n > 125)
        return VP_WSF_MALFORMED;
    if (n >= 126) {
        f->len = 0;
        f->left = n == 126 ? 2 : 8;
        f->state = S_EXT;
    } else {
        f->len = (uint64_t)n;
        f->left = 4;
        f->state = S_MASK;
    }
    return VP_WSF_OK;
}

vp_wsf_result_t vp_wsframe_feed(vp_wsframe_t *f, const unsigned char *b, size_t n)
{
    size_t i = 0;

    while (f->result == VP_WSF_OK && i < n) {
        switch (f->state) {
        case S_HEAD:
            f->result = head(f, b[i++]);
            f->state = S_LEN;
            break;
        case S_LEN:
            f->result = len7(f, b[i++]);
            break;
        case S_EXT:
            f->len = f->len << 8 | b[i++];
            if (--f->left)
                break;
            if (f->len >> 63)   /* §5.2: the most significant bit must be 0 */
                f->result = VP_WSF_MALFORMED;
            f->state = S_MASK;
            f->left = 4;
            break;
        case S_MASK:
            i++;
            if (--f->left)
                break;
            f->state = f->len ? S_PAYLOAD : S_HEAD;
            break;
        default: {      /* S_PAYLOAD: skipped */
            size_t take = n - i < f->len ? n - i : (size_t)f->len;

            i += take;
            f->len -= take;
            if (!f->len)
                f->state = S_HEAD;
        }
        }
    }
    return f->result;
}
