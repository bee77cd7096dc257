/* Unit tests of the feedback exports (vpcore/vp_export.c) on a small
 * fixture at 29.97 drop-frame: Korean content with a comma, quotes and a
 * newline at frame 1800 (00:01:00;02, the first label after the two
 * drop-frame skips at the minute), a range, a formula-like content, an
 * emoji with only a timestamp; the items come out of time order so the
 * sort shows. Expected timecodes are the published SMPTE drop-frame
 * labels (t/unit/test_timecode.c checks vp_timecode itself). */
#include "tap.h"
#include "vpcore/vp_export.h"

#include <apr_general.h>
#include <apr_strings.h>

static apr_pool_t *pool;

static const char *fixture =
    "["
    "{\"id\":\"11111111-1111-4111-8111-111111111111\",\"timestamp\":60.06,\"end_timestamp\":null,"
    " \"frame\":1800,\"end_frame\":null,\"timecode\":\"00:01:00;02\",\"end_timecode\":null,"
    " \"content\":\"색보정, \\\"톤\\\" 확인\\n두번째 줄\",\"kind\":\"creative\",\"priority\":\"critical\","
    " \"status\":\"open\",\"tags\":[\"color\",\"grade\"],\"author_name\":\"김민지\","
    " \"created_at\":\"2026-12-01T09:00:00Z\",\"video_title\":\"광고 A\",\"video_version\":3},"
    "{\"id\":\"22222222-2222-4222-8222-222222222222\",\"timestamp\":10.0,\"end_timestamp\":12.5,"
    " \"frame\":299,\"end_frame\":374,\"timecode\":\"00:00:09;29\",\"end_timecode\":\"00:00:12;14\","
    " \"content\":\"+1 on the music swell\",\"kind\":\"general\",\"priority\":\"high\","
    " \"status\":\"resolved\",\"tags\":[],\"author_name\":\"Anonymous\","
    " \"created_at\":\"2026-12-01T09:01:00Z\",\"video_title\":\"광고 A\",\"video_version\":3},"
    "{\"id\":\"33333333-3333-4333-8333-333333333333\",\"timestamp\":0,\"end_timestamp\":null,"
    " \"frame\":0,\"end_frame\":null,\"timecode\":\"00:00:00;00\",\"end_timecode\":null,"
    " \"content\":\"=1+1 | check & <ok>\\u0001\",\"kind\":\"technical\",\"priority\":\"low\","
    " \"status\":\"in_progress\",\"tags\":[\"qc\"],\"author_name\":\"Lee\","
    " \"created_at\":\"2026-12-01T09:02:00Z\",\"video_title\":\"=cmd\",\"video_version\":1},"
    "{\"id\":\"44444444-4444-4444-8444-444444444444\",\"timestamp\":2.0,\"end_timestamp\":null,"
    " \"frame\":null,\"end_frame\":null,\"timecode\":null,\"end_timecode\":null,"
    " \"content\":\"\xf0\x9f\x91\x8d good\",\"kind\":\"general\",\"priority\":\"medium\","
    " \"status\":\"closed\",\"tags\":[],\"author_name\":\"Park\","
    " \"created_at\":\"2026-12-01T09:03:00Z\",\"video_title\":\"광고 A\",\"video_version\":3},"
    "42"
    "]";

/* the line of text that starts with prefix (without its line end) */
static const char *line_of(const char *text, const char *prefix)
{
    const char *s = text, *e;

    while (s && *s) {
        e = strchr(s, '\n');
        if (!strncmp(s, prefix, strlen(prefix))) {
            size_t n = e ? (size_t)(e - s) : strlen(s);

            if (n && s[n - 1] == '\r')
                n--;
            return apr_pstrndup(pool, s, n);
        }
        s = e ? e + 1 : NULL;
    }
    return NULL;
}

/* the n-th line (0-based), without its line end */
static const char *line_no(const char *text, int n)
{
    const char *s = text, *e;

    while (n-- > 0 && s && (e = strchr(s, '\n')))
        s = e + 1;
    if (n >= 0 || !s)
        return NULL;
    e = strchr(s, '\n');
    return apr_pstrndup(pool, s, e ? (size_t)(e - s - (e > s && e[-1] == '\r')) : strlen(s));
}

static int starts(const char *s, const char *prefix)
{
    return s && !strncmp(s, prefix, strlen(prefix));
}

static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (; (hay = strstr(hay, needle)); hay++)
        n++;
    return n;
}

static void test_csv(json_t *items)
{
    json_t *obj = json_object();
    size_t len = 0;
    char *csv = vp_export_csv(pool, items, 0, &len), *all;

    ok(csv && len == strlen(csv), "CSV: text and its length");
    ok(csv && !memcmp(csv, "\xef\xbb\xbf", 3), "CSV: starts with the UTF-8 BOM");
    is_str(line_no(csv + 3, 0), "timecode,frame,timestamp,end_timestamp,author,kind,priority,"
           "status,tags,content,created_at,id", "CSV: the header of one video");
    ok(strstr(csv, "created_at,id\r\n") != NULL, "CSV: CRLF line ends");
    /* the Korean row: comma, quotes doubled, newline kept inside quotes */
    ok(strstr(csv, "00:01:00;02,1800,60.06,,김민지,creative,critical,open,\"color, grade\","
              "\"색보정, \"\"톤\"\" 확인\n두번째 줄\",2026-12-01T09:00:00Z,"
              "11111111-1111-4111-8111-111111111111\r\n") != NULL,
       "CSV: the Korean row quoted (comma, doubled quotes, newline), tags joined");
    ok(strstr(csv, "00:00:09;29,299,10,12.5,Anonymous,general,high,resolved,,'+1 on the music "
              "swell,") != NULL, "CSV: the range row; a cell starting with + gets an apostrophe");
    ok(strstr(csv, ",\"'=1+1 | check & <ok>\x01\",") == NULL
       && strstr(csv, ",'=1+1 | check & <ok>\x01,") != NULL,
       "CSV: a cell starting with = gets an apostrophe (not quoted without a reason)");
    ok(strstr(csv, ",,2,,Park,general,medium,closed,,\xf0\x9f\x91\x8d good,") != NULL,
       "CSV: null timecode and frame are empty cells, the emoji kept");
    is_int(count(csv, "\r\n"), 1 + 4, "CSV: header and four rows (the newline inside the "
           "Korean content is LF alone), the non-object item skipped");
    ok(strstr(csv, "광고") == NULL, "CSV: no video column for one video's export");

    all = vp_export_csv(pool, items, 1, &len);
    is_str(line_no(all + 3, 0), "video,version,timecode,frame,timestamp,end_timestamp,author,"
           "kind,priority,status,tags,content,created_at,id", "CSV: project-wide header");
    ok(strstr(all, "\r\n광고 A,3,00:01:00;02,1800,") != NULL, "CSV: project-wide row");
    ok(strstr(all, "\r\n'=cmd,1,00:00:00;00,0,0,,Lee,") != NULL,
       "CSV: the video title is guarded too");
    ok(vp_export_csv(pool, obj, 0, &len) == NULL, "CSV: not an array is NULL");
    json_decref(obj);
}

static void test_guard(void)
{
    json_t *items = json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s}]", "content", "@SUM(1)",
                              "content", "-2+3", "content", "\tx", "content", "\r=1",
                              "content", "=\"a\",b");
    size_t len;
    char *csv = vp_export_csv(pool, items, 0, &len);

    ok(strstr(csv, ",'@SUM(1),") && strstr(csv, ",'-2+3,") && strstr(csv, ",'\tx,"),
       "CSV guard: @, - and TAB");
    ok(strstr(csv, ",\"'\r=1\",") != NULL, "CSV guard: CR (quoted for the CR)");
    ok(strstr(csv, ",\"'=\"\"a\"\",b\",") != NULL, "CSV guard: inside the quotes");
    json_decref(items);
}

static vp_export_video_t video(const char *rate)
{
    vp_export_video_t v = {"광고 A", 3, {0, 0}, 90.0, 1920, 1080, "광고 A.mp4"};

    vp_rate_parse(rate, &v.rate);
    return v;
}

static void test_edl(json_t *items)
{
    vp_export_video_t v = video("30000/1001");
    size_t len = 0;
    char *edl = vp_export_edl(pool, &v, items, &len);
    const char *l;

    ok(edl && len == strlen(edl), "EDL: text and its length");
    is_str(line_no(edl, 0), "TITLE: 광고 A v3", "EDL: TITLE with the version");
    is_str(line_no(edl, 1), "FCM: DROP FRAME", "EDL: FCM drop frame at 29.97");
    is_str(line_no(edl, 2), "", "EDL: a blank line after the header");
    ok(strstr(edl, "FCM: DROP FRAME\r\n") != NULL, "EDL: CRLF line ends");
    /* events in time order: frame 0, 59 (2.0 s), 299-374, 1800 */
    is_str(line_of(edl, "001 "), "001  AX       V     C        "
           "00:00:00;00 00:00:00;01 00:00:00;00 00:00:00;01", "EDL: event 001 at frame 0");
    l = line_of(edl, "001 ");
    ok(l && l[3] == ' ' && l[4] == ' ' && !strncmp(l + 5, "AX", 2) && l[14] == 'V'
       && l[20] == 'C' && !strncmp(l + 29, "00:00:00;00", 11) && !strncmp(l + 41, "00:00:00;01", 11)
       && !strncmp(l + 53, "00:00:00;00", 11) && !strncmp(l + 65, "00:00:00;01", 11),
       "EDL: CMX 3600 columns (event 1-3, reel 6-13, track 15, transition 21, times 30/42/54/66)");
    is_str(line_of(edl, "002 "), "002  AX       V     C        "
           "00:00:01;29 00:00:02;00 00:00:01;29 00:00:02;00",
           "EDL: event 002 from a timestamp alone (2.0 s is frame 59)");
    is_str(line_of(edl, "003 "), "003  AX       V     C        "
           "00:00:09;29 00:00:12;14 00:00:09;29 00:00:12;14", "EDL: event 003 a range");
    is_str(line_of(edl, "004 "), "004  AX       V     C        "
           "00:01:00;02 00:01:00;03 00:01:00;02 00:01:00;03",
           "EDL: event 004 at frame 1800, 00:01:00;02 (drop-frame minute)");
    is_str(line_of(edl, " |C:ResolveColorBlue"), " |C:ResolveColorBlue |M:Lee: =1+1 / check & "
           "<ok> |D:1", "EDL: Resolve marker line: colour, text without '|' and controls, "
           "duration");
    is_str(line_of(edl, " |C:ResolveColorGreen |M:Anonymous"), " |C:ResolveColorGreen "
           "|M:Anonymous: +1 on the music swell |D:75", "EDL: a resolved range: Green, 75 frames");
    is_str(line_of(edl, " |C:ResolveColorRed"), " |C:ResolveColorRed |M:김민지: 색보정, \"톤\" "
           "확인 두번째 줄 |D:1", "EDL: Korean text on one line");
    is_str(line_of(edl, "* LOC: 00:01:00;02"), "* LOC: 00:01:00;02 red 김민지: 색보정, \"톤\" "
           "확인 두번째 줄", "EDL: Avid locator line");
    ok(strstr(edl, "00:00:01;29 00:00:02;00\r\n |C:ResolveColorGreen |M:Park: \xf0\x9f\x91\x8d "
              "good |D:1\r\n* LOC: 00:00:01;29 green Park:") != NULL,
       "EDL: the marker lines follow their event");
    is_int(count(edl, "\n00"), 4, "EDL: four events (the non-object item skipped)");

    v = video("25");
    v.version = 0;
    edl = vp_export_edl(pool, &v, items, &len);
    is_str(line_no(edl, 0), "TITLE: 광고 A", "EDL: no version");
    is_str(line_no(edl, 1), "FCM: NON-DROP FRAME", "EDL: FCM non-drop at 25");
    /* at 25 fps the frame field wins: frame 1800 is 00:01:12:00 */
    ok(strstr(edl, "004  AX       V     C        00:01:12:00 00:01:12:01 ") != NULL,
       "EDL: non-drop timecodes with ':'");
}

static void test_edl_limits(void)
{
    vp_export_video_t v = video("25");
    json_t *items = json_array();
    char *edl, *big = apr_palloc(pool, 1000);
    size_t len, i;

    for (i = 0; i < 1001; i++)
        json_array_append_new(items, json_pack("{s:I,s:s}", "frame", (json_int_t)i, "content",
                                               "x"));
    edl = vp_export_edl(pool, &v, items, &len);
    ok(strstr(edl, "\r\n999  AX") != NULL && !strstr(edl, "1000  AX"), "EDL: events stop at 999");
    ok(strstr(edl, "* 2 MORE FEEDBACK ITEMS LEFT OUT: CMX 3600 HOLDS 999 EVENTS\r\n") != NULL,
       "EDL: past 999 a comment says how many were left out");
    json_decref(items);

    memset(big, 'a', 999);
    big[999] = '\0';
    items = json_pack("[{s:i,s:s}]", "frame", 0, "content", big);
    edl = vp_export_edl(pool, &v, items, &len);
    ok(strstr(edl, "|M:") && strstr(edl, "...") && strlen(line_of(edl, " |C:")) ==
       strlen(" |C:ResolveColorBlue |M:") + 200 + 3 + strlen(" |D:1"),
       "EDL: marker text cut to 200 characters with ...");
    json_decref(items);
}

static void test_fcpxml(json_t *items)
{
    vp_export_video_t v = video("30000/1001");
    size_t len = 0;
    char *x = vp_export_fcpxml(pool, &v, items, &len);
    const char *a, *b, *c, *d;

    ok(x && len == strlen(x), "FCPXML: text and its length");
    ok(starts(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
              "<fcpxml version=\"1.9\">\n"), "FCPXML: declaration, doctype, version 1.9");
    ok(strstr(x, "<format id=\"r1\" frameDuration=\"1001/30000s\" width=\"1920\" "
              "height=\"1080\"/>") != NULL, "FCPXML: format frameDuration of 29.97");
    /* 90 s is 2697.3 frames: a stored duration is the frames' own rounded
     * to a millisecond, so the nearest whole count, 2697 (2697 * 1001) */
    ok(strstr(x, "duration=\"2699697/30000s\" hasVideo=\"1\" format=\"r1\"") != NULL,
       "FCPXML: asset duration 2697 frames (90 s, the nearest whole number)");
    ok(strstr(x, "src=\"%EA%B4%91%EA%B3%A0%20A.mp4\"") != NULL,
       "FCPXML: media-rep src the percent-encoded file name");
    ok(strstr(x, "tcStart=\"0s\" tcFormat=\"DF\"") != NULL, "FCPXML: sequence drop frame");
    a = strstr(x, "<marker start=\"0s\" duration=\"1001/30000s\" value=\"[low] =1+1 | check "
               "&amp; &lt;ok&gt;\" completed=\"0\" note=\"=1+1 | check &amp; &lt;ok&gt;&#10;&#10;"
               "Lee / technical / low / in_progress / qc\"/>");
    b = strstr(x, "<marker start=\"59059/30000s\" duration=\"1001/30000s\" value=\"[medium] "
               "\xf0\x9f\x91\x8d good\" completed=\"1\"");
    c = strstr(x, "<marker start=\"299299/30000s\" duration=\"75075/30000s\" value=\"[high] +1 "
               "on the music swell\" completed=\"1\"");
    d = strstr(x, "<marker start=\"1801800/30000s\" duration=\"1001/30000s\" value=\"[critical] "
               "색보정, &quot;톤&quot; 확인 두번째 줄\" completed=\"0\" note=\"색보정, "
               "&quot;톤&quot; 확인&#10;두번째 줄&#10;&#10;김민지 / creative / critical / open / "
               "color, grade\"/>");
    ok(a != NULL, "FCPXML: marker at frame 0: escaping, control character dropped, to-do open");
    ok(b != NULL, "FCPXML: marker at frame 59 (2.0 s): 59059/30000s, closed is completed");
    ok(c != NULL, "FCPXML: range marker 299299/30000s lasting 75 frames, resolved completed");
    ok(d != NULL, "FCPXML: marker at frame 1800 starts at 1801800/30000s; newlines as &#10;");
    ok(a && b && c && d && a < b && b < c && c < d, "FCPXML: markers ordered by start");
    is_int(count(x, "<marker "), 4, "FCPXML: four markers");
    ok(!strchr(x, '\x01'), "FCPXML: no control character XML 1.0 forbids");
    ok(strstr(x, "</asset-clip>\n          </spine>\n        </sequence>\n      </project>\n"
              "    </event>\n  </library>\n</fcpxml>\n") != NULL, "FCPXML: closed in order");

    v = video("25");
    v.duration = -1;
    v.width = 0;
    v.file_name = NULL;
    x = vp_export_fcpxml(pool, &v, items, &len);
    ok(strstr(x, "<format id=\"r1\" frameDuration=\"1/25s\"/>") != NULL,
       "FCPXML: 25 fps, no size when unknown");
    ok(strstr(x, "start=\"1800/25s\"") && strstr(x, "tcFormat=\"NDF\""),
       "FCPXML: 25 fps marker time, non-drop");
    ok(strstr(x, "duration=\"1801/25s\" hasVideo") != NULL,
       "FCPXML: unknown duration: to the end of the last marker");
    ok(strstr(x, "src=\"%EA%B4%91%EA%B3%A0%20A\"") != NULL, "FCPXML: src from the title");
}

static void test_resolve(json_t *items)
{
    vp_export_video_t v = video("30000/1001");
    size_t len = 0;
    char *r = vp_export_resolve(pool, &v, items, &len);

    ok(r && len == strlen(r) && !memcmp(r, "\xef\xbb\xbf", 3), "Resolve: text, length, BOM");
    is_str(line_no(r + 3, 0), "#,Reel,Match,V,C,Dur,Source In,Source Out,Record Duration,"
           "Record In,Record Out,Name,Comments,Source Start,Source End,Source Duration,Codec,"
           "Source FPS,Resolution,Color,Notes,EDL Clip Name,Marker,Keywords",
           "Resolve: the Edit Index marker columns");
    is_str(line_no(r, 1), "1,,,,,00:00:00;01,00:00:00;00,00:00:00;01,00:00:00;01,00:00:00;00,"
           "00:00:00;01,'=1+1 | check & <ok>,Lee / technical / low / in_progress,,,,,"
           "29.970,1920x1080,Blue,'=1+1 | check & <ok>\x01,광고 A v3,,qc",
           "Resolve: row 1 (frame 0, low: Blue; guarded Name and Notes)");
    is_str(line_no(r, 3), "3,,,,,00:00:02;15,00:00:09;29,00:00:12;14,00:00:02;15,00:00:09;29,"
           "00:00:12;14,'+1 on the music swell,Anonymous / general / high / resolved,,,,,"
           "29.970,1920x1080,Green,'+1 on the music swell,광고 A v3,,",
           "Resolve: row 3 the range (75 frames), resolved: Green");
    ok(strstr(r, "\r\n4,,,,,00:00:00;01,00:01:00;02,00:01:00;03,00:00:00;01,00:01:00;02,"
              "00:01:00;03,\"색보정, \"\"톤\"\" 확인 두번째 줄\",김민지 / creative / critical / "
              "open,,,,,29.970,1920x1080,Red,\"색보정, \"\"톤\"\" 확인\n두번째 줄\",광고 A v3,,"
              "\"color, grade\"\r\n") != NULL,
       "Resolve: row 4 at 00:01:00;02, Korean quoted, critical: Red");
    is_int(count(r, "\r\n"), 5, "Resolve: header and four rows");
}

static void test_color(void)
{
    static const char *const cases[][3] = {
        {"critical", "open", "Red"}, {"high", "in_progress", "Fuchsia"},
        {"medium", "open", "Yellow"}, {"low", "open", "Blue"}, {"critical", "resolved", "Green"},
        {"low", "closed", "Green"}, {"", "", "Blue"}
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *o = json_pack("{s:s,s:s}", "priority", cases[i][0], "status", cases[i][1]);

        is_str(vp_export_color(o), cases[i][2], apr_psprintf(pool, "colour of %s/%s is %s",
                                                              cases[i][0], cases[i][1],
                                                              cases[i][2]));
        json_decref(o);
    }
}

static void test_filename(void)
{
    char *longtitle = apr_pstrdup(pool, "");
    int i;

    is_str(vp_export_filename(pool, "광고 A/B 컷!", 3, "edl"), "광고_A_B_컷_v3_feedback.edl",
           "file name: Korean kept, others one _, trailing _ trimmed");
    is_str(vp_export_filename(pool, "  My Film (final) ", 12, "fcpxml"),
           "My_Film_final_v12_feedback.fcpxml", "file name: spaces and brackets");
    is_str(vp_export_filename(pool, "a-b_c.d", 1, "csv"), "a-b_c_d_v1_feedback.csv",
           "file name: - and _ kept, . replaced");
    is_str(vp_export_filename(pool, "***", 2, "csv"), "video_v2_feedback.csv",
           "file name: nothing left is video");
    is_str(vp_export_filename(pool, NULL, 0, "csv"), "video_feedback.csv",
           "file name: no title, no version");
    is_str(vp_export_filename(pool, "Cafe\xcc\x81 \xf0\x9f\x8e\xac", 1, "csv"),
           "Cafe\xcc\x81_v1_feedback.csv", "file name: a combining mark kept, an emoji replaced");
    ok(vp_export_filename(pool, "bad \xff", 1, "csv") == NULL, "file name: not UTF-8 is NULL");
    for (i = 0; i < 60; i++)
        longtitle = apr_pstrcat(pool, longtitle, "가", NULL);
    is_int(strlen(vp_export_filename(pool, longtitle, 1, "csv")),
           150 + strlen("_v1_feedback.csv"), "file name: a long title cut to 150 bytes");
}

int main(void)
{
    json_error_t err;
    json_t *items;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    items = json_loads(fixture, 0, &err);
    ok(items != NULL, apr_psprintf(pool, "fixture parses (%s)", err.text));
    if (!items)
        return done_testing();

    test_csv(items);
    test_guard();
    test_edl(items);
    test_edl_limits();
    test_fcpxml(items);
    test_resolve(items);
    test_color();
    test_filename();

    json_decref(items);
    apr_pool_destroy(pool);
    apr_terminate();
    return done_testing();
}
