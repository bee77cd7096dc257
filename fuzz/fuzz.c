#include "fuzz.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <string.h>

apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *root;
    apr_pool_t *p;

    if (!root) {
        apr_initialize();
        apr_pool_create(&root, NULL);
    }
    apr_pool_create(&p, root);
    return p;
}

char *fuzz_text(apr_pool_t *p, const uint8_t *data, size_t size)
{
    return apr_pstrmemdup(p, (const char *)data, size);
}

int fuzz_split(apr_pool_t *p, const uint8_t *data, size_t size, char sep,
               const char **piece, int n)
{
    char *c = fuzz_text(p, data, size), *end;
    int i, got = 0;

    for (i = 0; i < n; i++) {
        piece[i] = c ? c : "";
        got += c != NULL;
        end = c && i < n - 1 ? strchr(c, sep) : NULL;
        if (end)
            *end = '\0';
        c = end ? end + 1 : NULL;
    }
    return got;
}
