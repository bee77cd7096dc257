/* What the harnesses share: APR set up once, a pool per input, the input
 * cut into NUL-terminated pieces. The harnesses call the core as the module
 * does; a broken invariant aborts (a finding, like a sanitizer report). */
#ifndef VP_FUZZ_H
#define VP_FUZZ_H

#include <apr_pools.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) \
    do { if (!(cond)) { fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, \
                                __FILE__, __LINE__); abort(); } } while (0)

/* A pool of its own for one input; the caller destroys it. */
apr_pool_t *fuzz_pool(void);

/* data as a C string in p (an embedded NUL ends it, as in httpd's). */
char *fuzz_text(apr_pool_t *p, const uint8_t *data, size_t size);

/* Cuts data at each sep into n NUL-terminated pieces (the last takes the
 * rest; an embedded NUL ends the text, as in a C string from httpd);
 * missing pieces are "". Returns how many were present. */
int fuzz_split(apr_pool_t *p, const uint8_t *data, size_t size, char sep,
               const char **piece, int n);

#endif
