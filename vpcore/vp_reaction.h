/* The reaction of a comment (spec section 6): one of the words like,
 * dislike, need_explanation, or exactly one emoji. httpd-free, over GNU
 * libunistring.
 *
 * One emoji is one extended grapheme cluster (UAX #29, u8_grapheme_breaks)
 * spelled as UTS #51 writes emoji, joined by ZWJ (U+200D) into one
 * sequence:
 *   a flag         two regional indicators (🇰🇷)
 *   a keycap       0-9 # * , VS16 (optional), U+20E3 (1️⃣)
 *   a pictograph   Extended_Pictographic and Emoji (or unassigned in
 *                  libunistring's tables: emoji newer than its Unicode 14)
 *                  followed by nothing or VS16 (❤️, 👍), by a skin tone
 *                  if it is an Emoji_Modifier_Base (👍🏽), or by tag
 *                  characters and CANCEL TAG (🏴󠁧󠁢󠁳󠁣󠁴󠁿)
 * The well-formed sequences are accepted, not only Unicode's recommended
 * list (which libunistring does not carry): 👍‍👍 passes.
 *
 * Stored form: the fully-qualified spelling, so that a user toggling ❤
 * and ❤️ (or 1⃣ and 1️⃣, 👍 and 👍 + VS16) toggles one reaction: VS16
 * after each text-default pictograph that carries no skin tone or tags and
 * after a keycap's base, none after one of emoji presentation. Every
 * character of an accepted reaction is its own NFC, so the stored form is
 * NFC too. The words are stored as they are (exact, lower case). */
#ifndef VP_REACTION_H
#define VP_REACTION_H

#include <stddef.h>

#define VP_REACTION_MAX 64      /* bytes, of what the client sends and of what is stored */

/* The reasons given. */
#define VP_REACTION_BAD "must be like, dislike, need_explanation or one emoji"
#define VP_REACTION_SEVERAL "must be one emoji, not several"
#define VP_REACTION_LONG "must be at most 64 bytes"

/* Checks the n bytes at s (n counts any NUL: pass json_string_length).
 * NULL when they are a reaction, with its stored form in out
 * (NUL-terminated, at most VP_REACTION_MAX bytes); otherwise one of the
 * reasons above, and out is "". */
const char *vp_reaction_check(const char *s, size_t n, char out[VP_REACTION_MAX + 1]);

#endif
