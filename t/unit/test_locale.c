/* Unit tests of the locale rule (vpcore/vp_locale.c): Accept-Language to
 * "ko" or "en", weights honoured, "ko" when neither is asked for. */
#include "tap.h"
#include "vpcore/vp_locale.h"

#define PICK(h, want, name) is_str(vp_locale_pick(h), want, name)

int main(void)
{
    PICK(NULL, "ko", "no header: ko");
    PICK("", "ko", "an empty header: ko");
    PICK("en-US,en;q=0.9", "en", "en-US,en;q=0.9: en");
    PICK("ko-KR", "ko", "ko-KR: ko");
    PICK("fr", "ko", "fr alone: ko (the home language)");
    PICK("fr, en;q=0.5", "en", "fr, en;q=0.5: en (the first of ours)");
    PICK("en;q=0.5, ko;q=0.8", "ko", "a later range of a higher weight wins");
    PICK("ko;q=0.8, en;q=0.8", "ko", "a tie: the earlier range");
    PICK("en;q=0.8, ko;q=0.8", "en", "a tie: the earlier range (en)");
    PICK("ko;q=0, en", "en", "q=0 refuses ko");
    PICK("en;q=0", "ko", "q=0 refuses en: ko");
    PICK("EN-gb", "en", "letter case does not matter");
    PICK("en_US", "ko", "en_US is no language tag: ko");
    PICK("english, enx", "ko", "a longer primary subtag is another language");
    PICK("*", "ko", "* alone: ko");
    PICK("*;q=1, en;q=0.1", "en", "* is no choice of ours: en");
    PICK("de-DE, de;q=0.9, en-US;q=0.8, ko;q=0.7", "en", "a browser's list: en before ko");
    PICK("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko", "a Korean browser's list: ko");
    PICK("  en-US ; q = 0.6 ,ko;q=0.5", "en", "spaces around ranges and parameters");
    PICK("en;q=1.5, ko;q=0.1", "ko", "a weight above 1 is malformed: that range is skipped");
    PICK("en;q=abc", "ko", "a weight that is no number: skipped");
    PICK("en;q=0.1234", "ko", "four decimals: skipped");
    PICK("en;q=1.000", "en", "1.000 is a weight");
    PICK("en;level=1;q=0.4, ko;q=0.3", "en", "other parameters before q");
    PICK("en;level=1", "en", "parameters without q: weight 1");
    PICK(",,, ,en", "en", "empty ranges are skipped");
    PICK("en-", "en", "a trailing hyphen still names en");
    return done_testing();
}
