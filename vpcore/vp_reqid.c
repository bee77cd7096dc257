#include "vp_reqid.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <string.h>

int vp_reqid_sane(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        char c = s[n];
        if (n == 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                         || (c >= '0' && c <= '9') || strchr("._:-", c)))
            return 0;
    }
    return n > 0;
}

char *vp_uuid_new(apr_pool_t *p)
{
    unsigned char b[16];

    if (apr_generate_random_bytes(b, sizeof b) != APR_SUCCESS)
        return NULL;
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    return apr_psprintf(p,
        "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}
