/* Feedback exports for editors (spec section 6, feedbacks/export): the
 * text of each file format from the feedback items as the API answers
 * them (a JSON array of objects). Pure text generators, httpd-free: the
 * feedback routes read the rows, call these and send the text.
 *
 * Every function answers text allocated in p with its length in *len
 * (the text is also NUL-terminated), or NULL on an internal failure
 * (items not an array). Items that are not objects are skipped; a
 * missing or null field is written empty. Text is UTF-8 as jansson gives
 * it (valid UTF-8 by construction).
 *
 * Positions: an item's frame is its "frame" (an integer), else the frame
 * its "timestamp" falls in at the video's rate; its end (exclusive, the
 * EDL record out) is "end_frame", else the frame "end_timestamp" falls
 * in, and never less than one frame after the start. Timecodes come from
 * vp_timecode, drop-frame (';') at 29.97 and 59.94. */
#ifndef VP_EXPORT_H
#define VP_EXPORT_H

#include "vp_timecode.h"

#include <apr_pools.h>
#include <jansson.h>
#include <stddef.h>

typedef struct {
    const char *title;      /* the video's title (NULL: "video") */
    int version;            /* its version number (<= 0: not written) */
    vp_rate_t rate;         /* its frame rate; the EDL, FCPXML and Resolve
                             * exports need num > 0 (the caller answers
                             * 422 for a video without a known fps) */
    double duration;        /* seconds, < 0 unknown */
    int width, height;      /* pixels, 0 unknown (FCPXML format) */
    const char *file_name;  /* the media's file name, NULL unknown (the
                             * FCPXML asset's relative src) */
} vp_export_video_t;

/* Spreadsheet CSV (RFC 4180): a UTF-8 BOM (EF BB BF: Excel reads the file
 * as UTF-8 only with it, Korean is mojibake without), CRLF line ends, a
 * header row; a field holding a comma, a quote, CR or LF is quoted with
 * its quotes doubled. Columns: video, version (project_wide only),
 * timecode, frame, timestamp, end_timestamp, author, kind, priority,
 * status, tags (joined by ", "), content, created_at, id.
 * Formula injection (OWASP "CSV Injection"): a text cell starting with
 * = + - @ TAB or CR is written with a leading apostrophe, so a spreadsheet
 * shows it as text instead of evaluating it ("=HYPERLINK(...)" in a
 * feedback stays text); numbers are written as numbers. */
char *vp_export_csv(apr_pool_t *p, json_t *items, int project_wide, size_t *len);

/* CMX 3600 EDL of markers, one event per item in time order:
 *   TITLE: <title> v<version>
 *   FCM: DROP FRAME | NON-DROP FRAME
 *   001  AX       V     C        <src in> <src out> <rec in> <rec out>
 *    |C:ResolveColorRed |M:<author>: <text> |D:<frames>
 *   * LOC: <rec in> red <author>: <text>
 * CRLF line ends (as Avid writes EDLs; every reader takes them).
 * Source and record times are the video's own (it starts at 00:00:00:00);
 * out is exclusive: in + 1 frame for a point, the end for a range.
 * The " |C: |M: |D:" line is what DaVinci Resolve writes and reads back
 * with Timelines > Import > Timeline Markers from EDL (|D: the duration in
 * frames); "* LOC: <tc> <colour> <text>" is the Avid locator comment that
 * Avid, Nucoda and Baselight import as markers. Other NLEs (Premiere)
 * keep the events and ignore both comment lines.
 * Text: CMX 3600 is ASCII, but the feedback is mostly Korean, and Resolve
 * reads the comment lines as UTF-8, so text stays UTF-8 with control
 * characters (newlines, tabs) turned into spaces and '|' (the Resolve
 * field separator) into '/', cut to 200 characters with "...".
 * CMX 3600 numbers events 001 to 999: past 999 items the list stops at
 * event 999 and ends with a comment saying how many were left out.
 * Colours: see vp_export_color. */
char *vp_export_edl(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len);

/* Final Cut Pro XML 1.9 (FCP 10.4.9 and later, DaVinci Resolve 17 and
 * later): a format (frameDuration den/num s), an asset (the media, by its
 * relative file name: FCP shows it offline until relinked), and a library
 * > event > project > sequence whose spine holds one asset-clip of the
 * whole video carrying one marker per item, ordered by start:
 *   <marker start="<f*den>/<num>s" duration="<frames*den>/<num>s"
 *           value="<text>" completed="0|1" note="<content> ..."/>
 * Times are exact rationals of the rate (frame 1800 at 30000/1001 starts
 * at 1801800/30000s). Every marker is a to-do marker (completed given):
 * resolved and closed feedback is completed="1", open and in_progress
 * "0". value: "[priority] " and the content on one line, cut to 100
 * characters; note: the whole content, then author, kind, status, tags.
 * XML escaping of & < > " and of TAB, LF, CR in attributes; characters
 * XML 1.0 does not allow (other C0 controls, U+FFFE, U+FFFF) removed. */
char *vp_export_fcpxml(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len);

/* DaVinci Resolve marker CSV: the columns of the marker list Resolve
 * exports from its Edit Index (#, Reel, Match, V, C, Dur, Source In,
 * Source Out, Record Duration, Record In, Record Out, Name, Comments,
 * Source Start, Source End, Source Duration, Codec, Source FPS,
 * Resolution, Color, Notes, EDL Clip Name, Marker, Keywords), in that
 * order (scripts read them by position), one row per item in time order;
 * the quoting, BOM, CRLF and formula guard of vp_export_csv. Name is the
 * content on one line (80 characters), Notes the whole content, Comments
 * "author / kind / priority / status", Keywords the tags, Color a Resolve
 * marker colour name. Resolve itself imports markers from the EDL, not
 * from this file: it is for people and scripts. */
char *vp_export_resolve(apr_pool_t *p, const vp_export_video_t *v, json_t *items, size_t *len);

/* The marker colour of an item (a JSON object): Resolve's names ("Red");
 * resolved and closed feedback is Green (done), otherwise by priority:
 * critical Red, high Fuchsia (Resolve has no orange), medium Yellow, low
 * and anything else Blue. */
const char *vp_export_color(json_t *item);

/* A download file name: "<title>_v<version>_feedback.<ext>" (no "_v" part
 * when version <= 0). The title keeps letters of any script (Korean
 * too), digits, '-' and '_'; every other run of characters becomes one
 * '_', '_' at either end is trimmed, the title is cut to 150 bytes on a
 * character boundary (the name stays within the 255 bytes a file system
 * allows, 50 Hangul syllables), and an empty one is "video". The caller encodes it for
 * Content-Disposition (RFC 8187). NULL when title is not UTF-8. */
char *vp_export_filename(apr_pool_t *p, const char *title, int version, const char *ext);

#endif
