/* Unicode text rules of identities and names: normal forms and PRECIS
 * string classes (RFC 8264, RFC 8265) over GNU libunistring. httpd-free.
 *
 * Text is compared in NFC (canonically equivalent spellings, é and
 * e + U+0301, or a Hangul syllable and its conjoining jamo, are one
 * text); identities (emails, nicknames) are keyed by vp_text_key. */
#ifndef VP_TEXT_H
#define VP_TEXT_H

#include <apr_pools.h>
#include <stddef.h>

typedef enum {
    VP_TEXT_LINE,       /* one line of free text (PRECIS FreeformClass) */
    VP_TEXT_NICKNAME,   /* IdentifierClass words joined by single spaces, one script */
    VP_TEXT_EMAIL       /* IdentifierClass local part of one script, LDH ASCII domain */
} vp_text_class_t;

/* NFC of s (valid UTF-8), malloc'd; NULL when s is not UTF-8 or memory
 * runs out. */
char *vp_text_nfc(const char *s);

/* The key of an identity: NFKC with full Unicode case folding (Unicode
 * 3.13, identifier caseless match), so KELVIN SIGN, K and k, or ß and ss,
 * give one key. In p; NULL when s is not UTF-8. */
const char *vp_text_key(apr_pool_t *p, const char *s);

/* 1 when text passes class cls: nfc is vp_text_nfc(typed), typed what the
 * client sent (compatibility look-alikes are refused as typed, before NFC
 * folds some into plain letters). Otherwise 0 with a message for the
 * client in msg ("must not contain U+200B (an invisible character)"). */
int vp_text_check(const char *typed, const char *nfc, vp_text_class_t cls,
                  char *msg, size_t len);

#endif
