/* Minimal TAP output for the C unit tests. */
#ifndef VP_TAP_H
#define VP_TAP_H

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int tap_n, tap_failed;

#define ok(cond, name) do { \
        tap_n++; \
        if (cond) printf("ok %d - %s\n", tap_n, name); \
        else { tap_failed++; printf("not ok %d - %s (%s:%d)\n", tap_n, name, __FILE__, __LINE__); } \
    } while (0)
#define is_str(got, want, name) do { \
        const char *g_ = (got), *w_ = (want); \
        ok(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, name); \
        if (!(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_)) \
            printf("#   got '%s'\n#  want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)
#define is_int(got, want, name) do { \
        long g_ = (long)(got), w_ = (long)(want); \
        ok(g_ == w_, name); \
        if (g_ != w_) printf("#   got %ld\n#  want %ld\n", g_, w_); \
    } while (0)
#define done_testing() (printf("1..%d\n", tap_n), tap_failed ? 1 : 0)

#endif
