# Feedback files (spec section 6; README "Feedback" and "Feedback
# exports"): the exports of a real 29.97 fps clip and a 25 fps clip (made
# here by ffmpeg and probed by the suite's vplanetd), each parsed back by a
# parser nobody here wrote (Debian's python3: csv, xml.etree.ElementTree,
# xml.dom.minidom; the EDL, which has no such parser, line by line) and
# compared with what the API answers; screenshots (data URLs and multipart
# forms, types by content, the 5 MiB limit, removal, signed URLs); the
# carry-over of feedback between versions; Idempotency-Key with a
# screenshot; the EDL's 999-event limit; and the rule of the project for
# the remaining write paths: 20 parallel requests on one project, no 500, no
# lost or doubled write (carry-over, deletes of many and of one, screenshot
# PATCHes, creates with screenshots).
# CRUD, roles, filters, drawing and timecode input are t/60-feedback.t's.
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP ();
use Encode ();
use File::Temp ();
use MIME::Base64 qw(encode_base64);
use POSIX qw(floor);
use VP;
use VPVideo;

my $js = JSON::PP->new->utf8->canonical;
binmode($_, ':encoding(UTF-8)') for Test::More->builder->output, Test::More->builder->failure_output,
                                   Test::More->builder->todo_output;
my $tag = sprintf '%x%x', $$, time;
my $PY = '/usr/bin/python3';     # Debian's (python3-minimal), not any other on the PATH

my ($owner, $admin, $editor, $reviewer, $viewer, $outsider) = map { new_user() } 1 .. 6;
my $anon = new_user(nickname => "anon$tag");   # writes the anonymous feedback
my $P1 = new_project($owner, "Exports $tag");
my $P2 = new_project($owner, "Shots $tag");
my $P3 = new_project($outsider, "Elsewhere $tag");   # the outsider is a member of another project
for my $p ($P1, $P2) {
    api($owner, POST => "/projects/$p/members", { user_id => $_->[0]{id}, role => $_->[1] })
        for [$admin, 'admin'], [$editor, 'editor'], [$reviewer, 'reviewer'], [$anon, 'reviewer'],
            [$viewer, 'viewer'];
}

# ---- helpers ----
sub local_path { $_[0] =~ s{^https?://[^/]+}{}r }


# upload(WHO, PROJECT, TITLE, PATH): the video of the answer (dies unless 201)
sub upload_file {
    my ($who, $p, $title, $path) = @_;
    my $r = upload($who, $p, title => Encode::encode('UTF-8', $title), file => slurp($path),
                   filename => 'clip.mp4');
    die "upload $title: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}

# the video once vplanetd has probed it (fps and duration_s known)
sub probed {
    my ($id) = @_;
    return wait_for(120, sub {
        my $v = api($owner, GET => "/videos/$id");
        die "video $id failed: $v->{encoding_error}\n" if $v->{encoding_status} eq 'failed';
        $v->{fps} && defined $v->{duration_s} ? $v : undef;
    });
}

# a feedback created by WHO (dies unless 201)
sub fb {
    my ($who, $p, $body) = @_;
    my $r = call($who, POST => "/projects/$p/feedbacks", $body);
    die "feedback: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}

sub list {
    my ($who, $p, $query) = @_;
    return api($who, GET => "/projects/$p/feedbacks?page_size=100" . ($query ? "&$query" : ''));
}

# python3 PROGRAM on FILE (bytes): its JSON answer
sub python {
    my ($program, $bytes) = @_;
    my $prog = File::Temp->new(SUFFIX => '.py');
    print $prog $program;
    $prog->flush;
    my $in = File::Temp->new;
    binmode $in;
    print $in $bytes;
    $in->flush;
    open(my $fh, '-|', $PY, $prog->filename, $in->filename) or die "python3: $!";
    my $out = do { local $/; <$fh> };
    close $fh or return { error => "python3 failed: $out" };
    return $js->decode($out);
}

# Python's csv module on a CSV file: {rows => [[cells]]} (utf-8-sig: the BOM is its to skip)
my $PY_CSV = <<'PY';
import csv, json, sys
with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:
    rows = list(csv.reader(f, strict=True))
print(json.dumps({"rows": rows}))
PY
sub csv_rows { python($PY_CSV, $_[0])->{rows} }

# ElementTree and minidom on an FCPXML file
my $PY_XML = <<'PY';
import json, sys, xml.dom.minidom, xml.etree.ElementTree as ET
data = open(sys.argv[1], 'rb').read()
xml.dom.minidom.parseString(data)      # well-formed for a second parser too
root = ET.fromstring(data)
print(json.dumps({
    "tag": root.tag, "attrib": root.attrib,
    "formats": [e.attrib for e in root.iter('format')],
    "assets": [e.attrib for e in root.iter('asset')],
    "sequences": [e.attrib for e in root.iter('sequence')],
    "clips": [e.attrib for e in root.iter('asset-clip')],
    "markers": [e.attrib for e in root.iter('marker')],
}))
PY
sub fcpxml { python($PY_XML, $_[0]) }

# SMTPE timecode of frame F at RATE ("30000/1001": drop-frame counting,
# SMPTE 12M; else non-drop at the nominal rate), written here from the
# standard, not from vpcore/vp_timecode.c
sub tc {
    my ($f, $rate) = @_;
    my ($n, $d) = split m{/}, $rate;
    if ($rate eq '30000/1001') {
        my ($D, $M) = (int($f / 17982), $f % 17982);
        $f += 18 * $D + ($M < 2 ? 0 : 2 * int(($M - 2) / 1798));
        return sprintf '%02d:%02d:%02d;%02d', int($f / 108000), int($f / 1800) % 60,
                       int($f / 30) % 60, $f % 30;
    }
    my $fps = $n / $d;
    return sprintf '%02d:%02d:%02d:%02d', int($f / (3600 * $fps)), int($f / (60 * $fps)) % 60,
                   int($f / $fps) % 60, $f % $fps;
}

# text on one line as the EDL and the marker names write it
sub one_line {
    my ($s, $max, $bar) = @_;
    $s =~ s/[\x00-\x1f\x7f]/ /g;
    $s =~ s/ {2,}/ /g;
    $s =~ s/^ | $//g;
    $s =~ s{\|}{/}g if $bar;
    $s = substr($s, 0, $max) =~ s/ $//r . '...' if length $s > $max;
    return $s;
}

sub color {
    my ($i) = @_;
    return 'Green' if $i->{status} =~ /^(resolved|closed)$/;
    return { critical => 'Red', high => 'Fuchsia', medium => 'Yellow', low => 'Blue' }->{$i->{priority}};
}
my %AVID = (Green => 'green', Red => 'red', Fuchsia => 'magenta', Yellow => 'yellow', Blue => 'blue');

sub guard { $_[0] =~ /^[=+\-\@\t\r]/ ? "'$_[0]" : $_[0] }     # the CSV formula guard

# GET an export as WHO: the raw response
sub export {
    my ($who, $path) = @_;
    return http(GET => "/api/v1$path", headers => bearer($who->{access}));
}

sub percent_decode { my $s = shift; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; Encode::decode('UTF-8', $s) }

# Content-Disposition: (ascii filename, filename* decoded)
sub disposition {
    my ($h) = @_;
    my $cd = $h->{'content-disposition'} // '';
    my ($ascii) = $cd =~ /^attachment; filename="([^"]*)"/;
    my ($ext) = $cd =~ /filename\*=UTF-8''(\S+)/;
    return ($ascii, defined $ext ? percent_decode($ext) : undef, $cd);
}

# ---- fixtures ----
my $ntsc = ff('ntsc.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=30000/1001:duration=62',
              qw(-c:v libx264 -preset ultrafast -pix_fmt yuv420p));
my $pal = ff('pal.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=12',
             qw(-c:v libx264 -preset ultrafast -pix_fmt yuv420p));
my $long = ff('c4.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=4',
              qw(-c:v libx264 -preset ultrafast -pix_fmt yuv420p));
my $short = ff('c2.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=2',
               qw(-c:v libx264 -preset ultrafast -pix_fmt yuv420p));
my $mid = ff('c3.mp4', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=3',
             qw(-c:v libx264 -preset ultrafast -pix_fmt yuv420p));
my %img = (
    png  => slurp(ff('shot.png', qw(-f lavfi -i testsrc=size=32x24:rate=1 -frames:v 1 -c:v png -f image2))),
    jpeg => slurp(ff('shot.jpg', qw(-f lavfi -i testsrc=size=32x24:rate=1 -frames:v 1 -c:v mjpeg -f image2))),
    webp => slurp(ff('shot.webp', qw(-f lavfi -i testsrc=size=32x24:rate=1 -frames:v 1 -c:v libwebp -f webp))),
    gif  => slurp(ff('shot.gif', qw(-f lavfi -i testsrc=size=32x24:rate=1 -frames:v 1 -f gif))),
);
my $pattern = ff('s%02d.png', qw(-f lavfi -i testsrc=size=32x24:rate=25:duration=1 -frames:v 20
                                  -c:v png -f image2));
my @pngs = map { slurp(sprintf $pattern, $_) } 1 .. 20;
is(scalar(keys %{ { map { $_ => 1 } @pngs } }), 20, '20 different PNG fixtures');

# the videos, uploaded at once and probed meanwhile
my $TA = "검수 컷, 최종 $tag";         # a Korean title with a comma
my $TB = "Ref 25 $tag";
my $A = upload_file($editor, $P1, $TA, $ntsc);
my $B = upload_file($editor, $P1, $TB, $pal);
my $C1 = upload_file($editor, $P2, "Carry $tag", $long);
my $C2 = upload_file($editor, $P2, "Carry $tag", $short);
my $C3 = upload_file($editor, $P2, "Carry $tag", $mid);
my $OTHER = upload_file($editor, $P2, "Other $tag", $short);
my $SHOTS = upload($editor, $P2, title => "Shots $tag")->{json}{data};
my $MANY = upload_file($editor, $P2, "Many $tag", $long);
is("$C1->{version} $C2->{version} $C3->{version}", '1 2 3', 'one stack: v1 4 s, v2 2 s, v3 3 s');
$A = probed($A->{id});
$B = probed($B->{id});
ok($A && $B, 'both clips probed') or BAIL_OUT('vplanetd did not probe the clips');
is($A->{fps}, '30000/1001', 'the 29.97 clip: fps 30000/1001');
is($B->{fps}, '25/1', 'the 25 fps clip: fps 25/1');
cmp_ok(abs($A->{duration_s} - 62), '<', 0.1, 'the 29.97 clip: about 62 s');

# ---- feedback of the export project ----
my $KO = "안녕하세요, \"감독님\"\n두 번째 줄 | 쉼표, 끝";
my $FORMULA = '=HYPERLINK("http://evil.example/","클릭")';
my @fa;     # the 29.97 clip's
push @fa, fb($reviewer, $P1, { video_id => $A->{id}, timestamp => 1.5, content => $KO,
                               tags => ['색보정', 'audio, mix'], priority => 'low' });
push @fa, fb($reviewer, $P1, { video_id => $A->{id}, frame => 100, content => $FORMULA, kind => 'technical' });
push @fa, fb($editor, $P1, { video_id => $A->{id}, timestamp => 10, end_timestamp => 12.5,
                             content => 'a range of 2.5 s', priority => 'high' });
push @fa, fb($editor, $P1, { video_id => $A->{id}, timecode => '00:01:00;02', content => '+1 at the minute',
                             priority => 'critical' });
push @fa, fb($anon, $P1, { video_id => $A->{id}, frame => 30, content => '익명 의견', display_mode => 'anonymous' });
push @fa, fb($reviewer, $P1, { video_id => $A->{id}, frame => 45, content => 'closed one' });
api($editor, PATCH => "/feedbacks/$fa[3]{id}", { status => 'resolved' });
api($editor, PATCH => "/feedbacks/$fa[5]{id}", { status => 'closed' });
my @fb_ = (fb($reviewer, $P1, { video_id => $B->{id}, frame => 0, content => 'first frame' }),
           fb($reviewer, $P1, { video_id => $B->{id}, frame => 250, end_frame => 275,
                                content => '@here 10 s in' }),
           fb($reviewer, $P1, { video_id => $B->{id}, frame => 280, content => "\t=1+2 tab first",
                                display_mode => 'nickname', display_name => '=합계|x', tags => ['@sum', '-minus'] }));
is($fa[3]{frame}, 1800, 'the timecode 00:01:00;02 is frame 1800');
cmp_ok(abs($fa[3]{timestamp} - 60.06), '<', 1e-9, '... at 60.06 s');

my $EA = "/videos/$A->{id}/feedbacks/export";
my $EB = "/videos/$B->{id}/feedbacks/export";
my $list_a = list($editor, $P1, "video_id=$A->{id}")->{results};
my $list_b = list($editor, $P1, "video_id=$B->{id}")->{results};
my %by_id = map { $_->{id} => $_ } @$list_a, @$list_b;
is(scalar @$list_a, 6, 'the 29.97 clip has 6 feedback');

subtest 'csv: BOM, CRLF, RFC 4180 as python reads it, columns, Korean, formula guard, timecodes' => sub {
    my $r = export($editor, "$EA?format=csv");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    like($r->{headers}{'content-type'}, qr{^text/csv; charset=utf-8}i, 'text/csv; charset=utf-8');
    is(substr($r->{body}, 0, 3), "\xef\xbb\xbf", 'a UTF-8 BOM first');
    like($r->{body}, qr/\r\n\z/, 'CRLF line ends');
    my $rows = csv_rows($r->{body});
    my $head = shift @$rows;
    is_deeply($head, [qw(timecode frame timestamp end_timestamp author kind priority status tags content
                         created_at id)], 'the header of a video export');
    is(scalar @$rows, scalar @$list_a, 'one row per feedback');
    is_deeply([map { $_->[11] } @$rows], [map { $_->{id} } @$list_a], 'in the list\'s order');
    my %col;
    @col{@$head} = 0 .. $#$head;
    for my $row (@$rows) {
        my $i = $by_id{ $row->[$col{id}] } or next;
        my $n = substr($i->{content}, 0, 12);
        is($row->[$col{timecode}], $i->{timecode}, "$n: timecode $i->{timecode}");
        is($row->[$col{frame}], $i->{frame}, "$n: frame");
        cmp_ok(abs($row->[$col{timestamp}] - $i->{timestamp}), '<', 1e-6, "$n: timestamp");
        is($row->[$col{end_timestamp}] eq '' ? undef : $row->[$col{end_timestamp}] + 0,
           defined $i->{end_timestamp} ? 0 + sprintf('%.6f', $i->{end_timestamp}) : undef, "$n: end_timestamp");
        is($row->[$col{author}], $i->{author_name}, "$n: author as the API names it");
        is(join('|', @$row[@col{qw(kind priority status created_at)}]),
           join('|', @$i{qw(kind priority status created_at)}), "$n: kind, priority, status, created_at");
        is($row->[$col{tags}], join(', ', @{ $i->{tags} }), "$n: tags joined by ', '");
        is($row->[$col{content}], guard($i->{content}), "$n: content");
    }
    my ($ko) = grep { $_->[$col{id}] eq $fa[0]{id} } @$rows;
    is($ko->[$col{content}], $KO, 'Korean with commas, quotes, a newline and | round-trips');
    is($ko->[$col{tags}], '색보정, audio, mix', 'Korean tags round-trip');
    my ($f) = grep { $_->[$col{id}] eq $fa[1]{id} } @$rows;
    is($f->[$col{content}], "'$FORMULA", 'the formula cell starts with an apostrophe');
    my ($plus) = grep { $_->[$col{id}] eq $fa[3]{id} } @$rows;
    is($plus->[$col{content}], "'+1 at the minute", '... and so does one starting with +');
    is($plus->[$col{timecode}], '00:01:00;02', 'frame 1800 at 29.97: 00:01:00;02');
    my ($an) = grep { $_->[$col{id}] eq $fa[4]{id} } @$rows;
    is($an->[$col{author}], 'Anonymous', 'the editor\'s export: Anonymous');
};

subtest 'csv: the formula guard on every text cell (author, tags, a leading TAB)' => sub {
    my $r = export($editor, "$EB?format=csv");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    my $rows = csv_rows($r->{body});
    shift @$rows;
    is(scalar @$rows, 3, 'the 25 fps clip: 3 rows');
    my ($row) = grep { $_->[11] eq $fb_[2]{id} } @$rows;
    is($row->[4], "'=합계|x", 'a display name starting with =: guarded');
    is($row->[8], "'\@sum, -minus", 'tags starting with @: guarded');
    is($row->[9], "'\t=1+2 tab first", 'content starting with a TAB: guarded');
    is_deeply([map { $_->[0] } @$rows], [map { $_->{timecode} } @$list_b], 'timecodes at 25: the API\'s');
    is($rows->[2][0], '00:00:11:05', 'frame 280 at 25: 00:00:11:05');
    $r = export($editor, "$EB?format=resolve");
    ($row) = grep { $_->[9] eq '00:00:11:05' } @{ csv_rows($r->{body}) };
    is($row && $row->[12], "'=합계|x / general / medium / open", 'resolve: Comments guarded too');
};

subtest 'json: parses; the items are the API\'s list items' => sub {
    my $r = export($editor, "$EA?format=json");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    like($r->{headers}{'content-type'}, qr{^application/json}i, 'application/json');
    my $j = eval { $js->decode($r->{body}) };
    ok($j, 'parses as JSON') or return;
    ok(!exists $j->{success}, 'a file, not an envelope');
    is_deeply([@$j{qw(video_id title version fps)}], [$A->{id}, $TA, 1, '30000/1001'], 'video_id, title, version, fps');
    cmp_ok(abs($j->{duration_s} - $A->{duration_s}), '<', 1e-3, 'duration_s');
    like($j->{exported_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'exported_at');
    is_deeply($j->{feedback}, $list_a, 'feedback: the list\'s items, equal field by field');
    my ($an) = grep { $_->{id} eq $fa[4]{id} } @{ $j->{feedback} };
    is($an->{author}, undef, 'anonymous: no author');
    is($an->{author_name}, 'Anonymous', '... author_name Anonymous');
};

# EDL check of clip V at RATE with the API's items
sub edl_ok {
    my ($body, $v, $items, $title) = @_;
    my @lines = split /\r\n/, $body, -1;
    like($body, qr/\A[^\n]*\r\n/, 'CRLF line ends');
    is($lines[0], "TITLE: $title v$v->{version}", 'TITLE: <title> v<version>');
    is($lines[1], 'FCM: ' . ($v->{fps} eq '30000/1001' ? 'DROP FRAME' : 'NON-DROP FRAME'), 'FCM');
    my @sorted = sort { $a->{frame} <=> $b->{frame} } @$items;
    my @ev = grep { /^\d{3} / } @lines;
    is(scalar @ev, scalar @sorted, 'one event per feedback');
    my $n = 0;
    for my $i (@sorted) {
        $n++;
        my ($k) = grep { $lines[$_] =~ /^\Q@{[sprintf '%03d', $n]}\E / } 0 .. $#lines;
        ok(defined $k, "event $n is there") or next;
        my @f = split ' ', $lines[$k];
        my $in = $i->{timecode};
        my $out = defined $i->{end_frame} ? tc($i->{end_frame}, $v->{fps}) : tc($i->{frame} + 1, $v->{fps});
        is($out, $i->{end_timecode}, "event $n: a range ends at the API's end_timecode") if defined $i->{end_frame};
        is_deeply(\@f, [sprintf('%03d', $n), 'AX', 'V', 'C', $in, $out, $in, $out],
                  "event $n ($i->{content}): number, reel AX, track V, cut, src in/out, rec in/out");
        is($in, tc($i->{frame}, $v->{fps}), "event $n: the in point is the frame's timecode");
        my $say = one_line(($i->{author_name}) . ': ' . $i->{content}, 200, 1);
        my $d = (defined $i->{end_frame} ? $i->{end_frame} : $i->{frame} + 1) - $i->{frame};
        is($lines[$k + 1], " |C:ResolveColor" . color($i) . " |M:$say |D:$d", "event $n: the Resolve marker line");
        is($lines[$k + 2], "* LOC: $in $AVID{ color($i) } $say", "event $n: the Avid locator line");
    }
}

subtest 'edl at 29.97: drop frame, every event field by field' => sub {
    my $r = export($editor, "$EA?format=edl");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    like($r->{headers}{'content-type'}, qr{^text/plain}i, 'text/plain');
    edl_ok(Encode::decode('UTF-8', $r->{body}), $A, $list_a, $TA);
    like(Encode::decode('UTF-8', $r->{body}), qr/^\* LOC: 00:01:00;02 green /m,
         'frame 1800 (resolved): a green locator at 00:01:00;02');
};

subtest 'edl at 25: non-drop' => sub {
    my $r = export($editor, "$EB?format=edl");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    edl_ok(Encode::decode('UTF-8', $r->{body}), $B, $list_b, $TB);
    like($r->{body}, qr/^002  .*00:00:10:00 00:00:11:00 00:00:10:00 00:00:11:00\r$/m,
         'frame 250 to 275 at 25: 00:00:10:00 to 00:00:11:00');
};

subtest 'fcpxml: well-formed for two parsers, 1.9, exact rational marker times' => sub {
    my $r = export($editor, "$EA?format=fcpxml");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    like($r->{headers}{'content-type'}, qr{^application/xml}i, 'application/xml');
    my $x = fcpxml($r->{body});
    ok(!$x->{error}, 'ElementTree and minidom parse it') or return diag($x->{error});
    is($x->{tag}, 'fcpxml', 'the root is fcpxml');
    is($x->{attrib}{version}, '1.9', 'version 1.9');
    is($x->{formats}[0]{frameDuration}, '1001/30000s', 'format frameDuration 1001/30000s');
    is($x->{assets}[0]{name}, $TA, 'the asset named by the Korean title');
    is(scalar @{ $x->{markers} }, scalar @$list_a, 'one marker per feedback');
    my @sorted = sort { $a->{frame} <=> $b->{frame} } @$list_a;
    for my $k (0 .. $#sorted) {
        my ($i, $m) = ($sorted[$k], $x->{markers}[$k]);
        my ($num, $den) = ($m->{start} // '') =~ m{^(\d+)(?:/(\d+))?s$};
        ok(defined $num && $num * 30000 == $i->{frame} * 1001 * ($den // 1),
           "marker $k: start $m->{start} = frame $i->{frame} x 1001/30000 s, exactly");
        my $frames = (defined $i->{end_frame} ? $i->{end_frame} : $i->{frame} + 1) - $i->{frame};
        my ($dn, $dd) = ($m->{duration} // '') =~ m{^(\d+)(?:/(\d+))?s$};
        ok(defined $dn && $dn * 30000 == $frames * 1001 * ($dd // 1), "marker $k: duration $frames frames");
        is($m->{completed}, $i->{status} =~ /^(resolved|closed)$/ ? '1' : '0', "marker $k: completed by status ($i->{status})");
        is($m->{value}, "[$i->{priority}] " . one_line($i->{content}, 100, 0), "marker $k: value [priority] text");
        is(substr($m->{note} // '', 0, length($i->{content}) + 2), "$i->{content}\n\n", "marker $k: the note starts with the whole content");
    }
    my ($m1800) = grep { $_->{start} eq '1801800/30000s' } @{ $x->{markers} };
    ok($m1800, 'frame 1800: start="1801800/30000s"');
    # the asset-clip is the whole video: as many frames as ffprobe counts in the file
    open(my $fh, '-|', 'ffprobe', '-v', 'error', '-count_frames', '-select_streams', 'v:0',
         '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', $ntsc) or die;
    chomp(my $frames = <$fh> // '');
    close $fh;
    my $whole = ($frames * 1001) . '/30000s';
    is($x->{assets}[0]{duration}, $whole, "the asset's duration: the file's $frames frames ($whole)");
    is($x->{clips}[0]{duration}, $whole, "... and the asset-clip's");
    note("duration_s of the API: $A->{duration_s}");
};

subtest 'resolve: BOM, its 24 columns in order, rows in time order' => sub {
    my $r = export($editor, "$EA?format=resolve");
    is($r->{status}, 200, 'answers 200') or return diag($r->{body});
    like($r->{headers}{'content-type'}, qr{^text/csv}i, 'text/csv');
    is(substr($r->{body}, 0, 3), "\xef\xbb\xbf", 'a UTF-8 BOM first');
    my $rows = csv_rows($r->{body});
    my $head = shift @$rows;
    is_deeply($head, ['#', 'Reel', 'Match', 'V', 'C', 'Dur', 'Source In', 'Source Out', 'Record Duration',
                      'Record In', 'Record Out', 'Name', 'Comments', 'Source Start', 'Source End',
                      'Source Duration', 'Codec', 'Source FPS', 'Resolution', 'Color', 'Notes',
                      'EDL Clip Name', 'Marker', 'Keywords'], 'the 24 columns of Resolve\'s Edit Index');
    my @sorted = sort { $a->{frame} <=> $b->{frame} } @$list_a;
    is(scalar @$rows, scalar @sorted, 'one row per feedback');
    is_deeply([map { $_->[9] } @$rows], [map { $_->{timecode} } @sorted], 'Record In: the timecodes, in time order');
    is_deeply([map { $_->[0] } @$rows], [1 .. @sorted], '# numbers them');
    is_deeply([map { $_->[19] } @$rows], [map { color($_) } @sorted], 'Color by status and priority');
    is_deeply([map { $_->[20] } @$rows], [map { guard($_->{content}) } @sorted], 'Notes: the whole content, formula-guarded');
    is_deeply([map { $_->[23] } @$rows], [map { join ', ', @{ $_->{tags} } } @sorted], 'Keywords: the tags');
    is_deeply([map { $_->[11] } @$rows], [map { guard(one_line($_->{content}, 80, 0)) } @sorted],
              'Name: the content on one line, formula-guarded');
    is_deeply([map { $_->[12] } @$rows], [map { guard("$_->{author_name} / $_->{kind} / $_->{priority} / $_->{status}") } @sorted],
              'Comments: author / kind / priority / status');
    ok(!grep({ @$_ != 24 } @$rows), 'every row has 24 cells');
};

subtest 'project export: csv and json with video and version, every video\'s feedback' => sub {
    my $all = list($editor, $P1)->{results};
    is(scalar @$all, 9, 'the project has 9 feedback');
    my $r = export($editor, "/projects/$P1/feedbacks/export?format=csv");
    is($r->{status}, 200, 'csv: 200') or return diag($r->{body});
    is(substr($r->{body}, 0, 3), "\xef\xbb\xbf", 'csv: BOM');
    my (undef, $name) = disposition($r->{headers});
    is($name, "project_${P1}_feedback.csv", 'csv: named project_<id>_feedback.csv');
    my $rows = csv_rows($r->{body});
    my $head = shift @$rows;
    is_deeply($head, [qw(video version timecode frame timestamp end_timestamp author kind priority status tags
                         content created_at id)], 'csv: video and version first');
    is(scalar @$rows, 9, 'csv: every video\'s feedback');
    my %title = ($A->{id} => $TA, $B->{id} => $TB);
    ok(!grep({ my $i = $by_id{ $_->[13] }; !$i || $_->[0] ne $title{ $i->{video_id} } || $_->[1] ne '1' } @$rows),
       'csv: each row names its video\'s title and version');
    $r = export($editor, "/projects/$P1/feedbacks/export?format=json");
    is($r->{status}, 200, 'json: 200');
    my $j = eval { $js->decode($r->{body}) } or return fail('json parses');
    is($j->{project_id}, $P1, 'json: project_id');
    is(scalar @{ $j->{feedback} }, 9, 'json: every video\'s feedback');
    my $ok = 1;
    for my $i (@{ $j->{feedback} }) {
        $ok &&= $i->{video_title} eq $title{ $i->{video_id} } && $i->{video_version} == 1;
        my %rest = %$i;
        delete @rest{qw(video_title video_version)};
        $ok &&= JSON::PP->new->canonical->encode(\%rest) eq JSON::PP->new->canonical->encode($by_id{ $i->{id} });
    }
    ok($ok, 'json: each item is the API\'s, with video_title and video_version');
    my @vids = map { $_->{video_id} } @{ $j->{feedback} };
    my @runs = grep { $_ == 0 || $vids[$_] ne $vids[$_ - 1] } 0 .. $#vids;
    is(scalar @runs, 2, 'json: by video (each video\'s items together)');
    is_deeply($j->{feedback}[0]{video_id} eq $A->{id} ? [map { $_->{id} } @{ $j->{feedback} }[0 .. 5]]
              : [map { $_->{id} } @{ $j->{feedback} }[3 .. 8]], [map { $_->{id} } @$list_a],
              'json: a video\'s items by position');
    error_ok(export($editor, "/projects/$P1/feedbacks/export?format=edl"), 422, 'validation_failed',
             'a project export as edl: 422');
};

subtest 'downloads: file names (Korean in filename*), types; who may export' => sub {
    my %ext = (csv => 'csv', json => 'json', edl => 'edl', fcpxml => 'fcpxml', resolve => 'resolve.csv');
    (my $stem = $TA) =~ s/[^\p{L}\p{M}\p{Nd}_-]+/_/g;
    for my $f (sort keys %ext) {
        my $r = export($editor, "$EA?format=$f");
        my ($ascii, $name, $cd) = disposition($r->{headers});
        is($name, "${stem}_v1_feedback.$ext{$f}", "$f: filename* $name") or diag($cd);
        like($cd, qr/^attachment; /, "$f: attachment");
        ok(defined $ascii && $ascii =~ /^[\x20-\x7e]+_v1_feedback\.\Q$ext{$f}\E$/ && $ascii !~ /["\\]/,
           "$f: an ASCII filename= fallback ($ascii)");
    }
    my ($ascii, $name) = disposition(export($editor, "$EB?format=edl")->{headers});
    is($name, "Ref_25_${tag}_v1_feedback.edl", 'an ASCII title: Ref_25_<tag>_v1_feedback.edl');
    is($ascii, $name, '... the same in filename=');
    is(export($editor, $EA)->{headers}{'content-type'} =~ m{^text/csv} ? 1 : 0, 1, 'no format: csv');

    for my $path ($EA, "/projects/$P1/feedbacks/export") {
        error_ok(export($reviewer, "$path?format=csv"), 403, 'forbidden', "$path: a reviewer: 403");
        error_ok(export($viewer, "$path?format=csv"), 403, 'forbidden', "$path: a viewer: 403");
        error_ok(export($outsider, "$path?format=csv"), 404, 'not_found', "$path: an outsider: 404");
        error_ok(http(GET => "/api/v1$path?format=csv"), 401, 'authentication_required', "$path: no token: 401");
        is(export($admin, "$path?format=json")->{status}, 200, "$path: an admin: 200");
        is(export($owner, "$path?format=csv")->{status}, 200, "$path: the owner: 200");
    }
    my $r = export($editor, "$EA?format=xml");
    error_ok($r, 422, 'validation_failed', 'format=xml: 422');
    ok($r->{json}{error}{details}{format}, '... naming format');
    error_ok(export($editor, "/videos/" . uuid4() . "/feedbacks/export"), 404, 'not_found', 'a random video id: 404');
};

subtest 'edl, fcpxml and resolve need a known fps: 422 while it is not' => sub {
    # an ftyp box, then text: a video by its first bytes, which ffprobe
    # cannot read: its fps is never known (pending, then failed)
    my $bytes = pack('N', 24) . 'ftypisom' . pack('N', 512) . 'isomiso2' . ("just some text\n" x 200);
    my $r = upload($editor, $P1, title => "nofps $tag", file => $bytes);
    is($r->{status}, 201, 'uploaded') or return;
    my $v = $r->{json}{data};
    my $f = fb($reviewer, $P1, { video_id => $v->{id}, timestamp => 0.5, content => 'before the probe' });
    is($f->{frame}, undef, 'its feedback has no frame');
    for my $fmt (qw(edl fcpxml resolve)) {
        my $e = export($editor, "/videos/$v->{id}/feedbacks/export?format=$fmt");
        error_ok($e, 422, 'validation_failed', "$fmt: 422") and ok($e->{json}{error}{details}{format}, '... naming format');
    }
    $r = export($editor, "/videos/$v->{id}/feedbacks/export?format=json");
    is($r->{status}, 200, 'json: 200');
    my $j = eval { $js->decode($r->{body}) } // {};
    is($j->{fps}, undef, 'json: fps null');
    is(scalar @{ $j->{feedback} || [] }, 1, 'json: its feedback');
    $r = export($editor, "/videos/$v->{id}/feedbacks/export?format=csv");
    is($r->{status}, 200, 'csv: 200');
    my $rows = csv_rows($r->{body});
    is_deeply([@{ $rows->[1] }[0, 1, 2]], ['', '', '0.5'], 'csv: no timecode, no frame, the seconds');
    # a title of 60 Hangul syllables (180 bytes): the name keeps 50 (150 bytes)
    api($editor, PATCH => "/videos/$v->{id}", { title => ('가' x 59) . $tag });
    my (undef, $name) = disposition(export($editor, "/videos/$v->{id}/feedbacks/export")->{headers});
    is($name, ('가' x 50) . '_v1_feedback.csv', 'a long Korean title: cut to 150 bytes on a character boundary');
    is(scalar @{ $js->decode(export($editor, "/projects/$P1/feedbacks/export?format=json")->{body})->{feedback} },
       10, 'the project export has its feedback too');
    api($editor, DELETE => "/videos/$v->{id}");
    error_ok(export($editor, "/videos/$v->{id}/feedbacks/export?format=csv"), 404, 'not_found',
             'a deleted video\'s export: 404');
    $j = $js->decode(export($editor, "/projects/$P1/feedbacks/export?format=json")->{body});
    ok(!grep({ $_->{id} eq $f->{id} } @{ $j->{feedback} }), 'the project export: a deleted video\'s feedback is gone');
    is(scalar @{ $j->{feedback} }, 9, '... the others stay');
};

subtest 'anonymous feedback: an editor\'s export hides the author, an admin\'s shows it' => sub {
    for my $fmt (qw(csv json edl fcpxml resolve)) {
        my $body = Encode::decode('UTF-8', export($editor, "$EA?format=$fmt")->{body});
        ok(index($body, "anon$tag") < 0 && index($body, $anon->{id}) < 0,
           "$fmt: neither the nickname nor the id of the anonymous author");
        like($body, qr/Anonymous/, "$fmt: Anonymous");
    }
    for my $fmt (qw(csv json)) {
        my $body = Encode::decode('UTF-8', export($editor, "/projects/$P1/feedbacks/export?format=$fmt")->{body});
        ok(index($body, "anon$tag") < 0 && index($body, $anon->{id}) < 0 && $body =~ /Anonymous/,
           "the project's $fmt: Anonymous, no nickname, no id");
    }
    my $j = $js->decode(export($admin, "$EA?format=json")->{body});
    my ($i) = grep { $_->{id} eq $fa[4]{id} } @{ $j->{feedback} };
    is($i->{author}{id}, $anon->{id}, 'an admin\'s json: the author');
    is($i->{author_name}, "anon$tag (Anonymous)", '... as "nick (Anonymous)"');
    my $rows = csv_rows(export($owner, "$EA?format=csv")->{body});
    my ($row) = grep { $_->[11] eq $fa[4]{id} } @$rows;
    is($row->[4], "anon$tag (Anonymous)", 'the owner\'s csv: the author');
    like(Encode::decode('UTF-8', export($admin, "$EA?format=edl")->{body}), qr/\|M:anon$tag \(Anonymous\): 익명 의견 /,
         'an admin\'s edl: the author');
};

# ---- screenshots ----
my $SV = $SHOTS->{id};
sub data_url { "data:$_[0];base64," . encode_base64($_[1], '') }

# POST a multipart form (data part + screenshot part) as WHO
sub form_post {
    my ($who, $path, $method, $data, $shot, $type) = @_;
    my ($body, $ct) = multipart(['data', $js->encode($data), 'data.json', 'application/json'],
                                defined $shot ? (['screenshot', $shot, 'shot', $type]) : ());
    return http($method => "/api/v1$path", body => $body,
                headers => { %{ bearer($who->{access}) }, 'content-type' => $ct });
}

# the same by raw bytes (a body the server may stop reading)
sub raw_post {
    my ($who, $path, $ct, $body) = @_;
    return raw_http("POST /api/v1$path HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer $who->{access}\r\n"
                  . "X-Forwarded-For: $VP::IP\r\nContent-Type: $ct\r\nContent-Length: " . length($body)
                  . "\r\nConnection: close\r\n\r\n$body");
}

# how many files screenshots/ holds (storage_files sorts: a list only)
sub shots_stored { my @f = storage_files('screenshots'); return scalar @f }

sub shot_file { media_root() . '/screenshots/' . substr($_[0], 0, 2) . "/$_[0]" }

sub serves {
    my ($url, $bytes, $type, $name) = @_;
    my $r = http(GET => local_path($url // ''));
    ok($r->{status} == 200 && $r->{body} eq $bytes, "$name: the signed URL serves exactly its bytes")
        or diag("$r->{status} " . length($r->{body}));
    is($r->{headers}{'content-type'}, $type, "$name: $type");
}

my %shot;
subtest 'screenshots: a data URL, multipart JPEG and WebP; served by signed URLs' => sub {
    my $f = $shot{png} = fb($reviewer, $P2, { video_id => $SV, timestamp => 0, content => 'png',
                                             screenshot => data_url('image/png', $img{png}) });
    like($f->{screenshot_url} // '', qr{/api/v1/feedbacks/$f->{id}/screenshot\?expires=\d+&user=$reviewer->{id}&session=[^&]+&signature=[\w-]+$},
         'screenshot_url: signed for the caller');
    serves($f->{screenshot_url}, $img{png}, 'image/png', 'png by data URL');
    is(slurp(shot_file($f->{id})), $img{png}, 'stored under screenshots/ by the feedback\'s id');
    my $r = form_post($reviewer, "/projects/$P2/feedbacks", 'POST',
                      { video_id => $SV, timestamp => 0, content => 'jpeg' }, $img{jpeg}, 'image/jpeg');
    envelope_ok($r, 201, 'multipart with a JPEG: 201') or diag($r->{body});
    $shot{jpeg} = $r->{json}{data};
    serves($shot{jpeg}{screenshot_url}, $img{jpeg}, 'image/jpeg', 'jpeg by multipart');
    $r = form_post($reviewer, "/projects/$P2/feedbacks", 'POST',
                   { video_id => $SV, timestamp => 0, content => 'webp' }, $img{webp}, 'application/octet-stream');
    envelope_ok($r, 201, 'multipart with a WebP as application/octet-stream: 201') or diag($r->{body});
    $shot{webp} = $r->{json}{data};
    serves($shot{webp}{screenshot_url}, $img{webp}, 'image/webp', 'webp by multipart');
    my $g = api($viewer, GET => "/feedbacks/$f->{id}");
    like($g->{screenshot_url}, qr/user=$viewer->{id}/, 'a viewer reads a URL signed for it');
    serves($g->{screenshot_url}, $img{png}, 'image/png', 'the viewer\'s URL');
    my $b = http(GET => "/api/v1/feedbacks/$f->{id}/screenshot", headers => bearer($viewer->{access}));
    ok($b->{status} == 200 && $b->{body} eq $img{png}, 'with a Bearer token too');
};

subtest 'screenshots: other types, a lying type, over 5 MiB' => sub {
    my $base = { video_id => $SV, timestamp => 0, content => 'bad' };
    my $svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    for my $c (['GIF', 'image/gif', $img{gif}], ['SVG', 'image/svg+xml', $svg], ['text', 'text/plain', "hello\n"]) {
        my ($what, $type, $bytes) = @$c;
        my $r = call($reviewer, POST => "/projects/$P2/feedbacks", { %$base, screenshot => data_url($type, $bytes) });
        error_ok($r, 422, 'validation_failed', "a $what data URL: 422") and ok($r->{json}{error}{details}{screenshot}, '... naming screenshot');
        $r = form_post($reviewer, "/projects/$P2/feedbacks", 'POST', $base, $bytes, $type);
        error_ok($r, 422, 'validation_failed', "a $what file: 422");
        $r = form_post($reviewer, "/projects/$P2/feedbacks", 'POST', $base, $bytes, 'application/octet-stream');
        error_ok($r, 422, 'validation_failed', "a $what file as application/octet-stream: 422");
    }
    error_ok(call($reviewer, POST => "/projects/$P2/feedbacks", { %$base, screenshot => data_url('image/png', $img{jpeg}) }),
             422, 'validation_failed', 'a data URL declaring image/png with JPEG bytes: 422');
    error_ok(form_post($reviewer, "/projects/$P2/feedbacks", 'POST', $base, $img{jpeg}, 'image/png'),
             422, 'validation_failed', 'a file part declaring image/png with JPEG bytes: 422');
    error_ok(call($reviewer, POST => "/projects/$P2/feedbacks", { %$base, screenshot => 'not a data url' }),
             422, 'validation_failed', 'a screenshot that is no data URL: 422');
    my $b64 = encode_base64($img{png});      # with line breaks: not the strict form
    error_ok(call($reviewer, POST => "/projects/$P2/feedbacks", { %$base, screenshot => "data:image/png;base64,$b64" }),
             422, 'validation_failed', 'base64 with line breaks: 422');
    my ($fb, $fct) = multipart(['data', $js->encode({ %$base, screenshot => data_url('image/png', $img{png}) })],
                               ['screenshot', $img{png}, 's.png', 'image/png']);
    error_ok(http(POST => "/api/v1/projects/$P2/feedbacks", body => $fb,
                  headers => { %{ bearer($reviewer->{access}) }, 'content-type' => $fct }),
             400, undef, 'a form with a screenshot in data and a screenshot part: 400');
    ($fb, $fct) = multipart(['screenshot', $img{png}, 's.png', 'image/png']);
    error_ok(http(POST => "/api/v1/projects/$P2/feedbacks", body => $fb,
                  headers => { %{ bearer($reviewer->{access}) }, 'content-type' => $fct }),
             400, undef, 'a form without its data part: 400');

    my $before = shots_stored();
    # a PNG's signature and IHDR chunk, padded
    my $head = substr($img{png}, 0, 33);
    my $exact = $head . ("\0" x (5 * 1024 * 1024 - 33));
    my ($body, $ct) = multipart(['data', $js->encode({ %$base, content => 'exactly 5 MiB' })],
                                ['screenshot', $exact, 'big.png', 'image/png']);
    my $r = raw_post($reviewer, "/projects/$P2/feedbacks", $ct, $body);
    is($r->{status}, 201, 'a 5 MiB screenshot (the limit): 201') or diag(substr($r->{body} // '', 0, 300));
    ($body, $ct) = multipart(['data', $js->encode($base)], ['screenshot', "$exact\0", 'big.png', 'image/png']);
    $r = raw_post($reviewer, "/projects/$P2/feedbacks", $ct, $body);
    ok($r->{status} == 413 || $r->{status} == 422, "5 MiB + 1 by multipart: $r->{status}");
    error_ok($r, $r->{status}, undef, '... an error envelope');
    note("5 MiB + 1 by multipart: $r->{status} $r->{json}{error}{code}");
    $r = raw_post($reviewer, "/projects/$P2/feedbacks", 'application/json',
                  $js->encode({ %$base, screenshot => data_url('image/png', "$exact\0") }));
    ok($r->{status} == 413 || $r->{status} == 422, "5 MiB + 1 by data URL: $r->{status}");
    error_ok($r, $r->{status}, undef, '... an error envelope');
    note("5 MiB + 1 by data URL: $r->{status} $r->{json}{error}{code}");
    is(shots_stored(), $before + 1, 'only the 5 MiB one was stored');
};

subtest 'screenshots: replaced, removed (null), tampered, outsiders, deleted feedback' => sub {
    my $f = $shot{png} or return fail('no png feedback');
    my $old_url = $f->{screenshot_url};
    my $r = form_post($reviewer, "/feedbacks/$f->{id}", 'PATCH', { content => 'png, now jpeg' }, $img{jpeg}, 'image/jpeg');
    envelope_ok($r, 200, 'PATCH with a new screenshot: 200') or diag($r->{body});
    serves($r->{json}{data}{screenshot_url}, $img{jpeg}, 'image/jpeg', 'the replacement');
    error_ok(call($editor, PATCH => "/feedbacks/$f->{id}", { screenshot => undef }), 403, 'forbidden',
             'an editor removing someone\'s screenshot: 403');
    error_ok(form_post($owner, "/feedbacks/$f->{id}", 'PATCH', {}, $img{png}, 'image/png'), 403, 'forbidden',
             'the owner replacing someone\'s screenshot: 403');
    $r = call($reviewer, PATCH => "/feedbacks/$f->{id}", { screenshot => undef });
    envelope_ok($r, 200, 'PATCH screenshot null: 200');
    is($r->{json}{data}{screenshot_url}, undef, 'screenshot_url null');
    ok(!-e shot_file($f->{id}), 'the file is gone from screenshots/');
    error_ok(http(GET => "/api/v1/feedbacks/$f->{id}/screenshot", headers => bearer($reviewer->{access})),
             404, 'not_found', 'GET screenshot: 404');
    error_ok(http(GET => local_path($old_url)), 404, 'not_found', 'the old signed URL: 404');

    my $g = $shot{jpeg};
    my $url = local_path($g->{screenshot_url});
    my ($sig) = $url =~ /signature=([\w-]+)/;
    my $bad = (substr($sig, 0, 1) eq 'A' ? 'B' : 'A') . substr($sig, 1);
    error_ok(http(GET => $url =~ s/signature=[\w-]+/signature=$bad/r), 403, 'forbidden', 'a tampered signature: 403');
    error_ok(http(GET => $url =~ s{feedbacks/$g->{id}}{feedbacks/$shot{webp}{id}}r), 403, 'forbidden',
             'the signature on another feedback\'s path: 403');
    error_ok(http(GET => "/api/v1/feedbacks/$g->{id}/screenshot", headers => bearer($outsider->{access})),
             404, 'not_found', 'a member of another project: 404');
    error_ok(http(GET => "/api/v1/feedbacks/$g->{id}/screenshot"), 401, 'authentication_required', 'no token, no signature: 401');
    my $mate = new_user();
    api($owner, POST => "/projects/$P2/members", { user_id => $mate->{id}, role => 'viewer' });
    my $murl = local_path(api($mate, GET => "/feedbacks/$g->{id}")->{screenshot_url});
    is(http(GET => $murl)->{status}, 200, 'a member\'s URL works');
    api($owner, DELETE => "/projects/$P2/members/$mate->{id}");
    error_ok(http(GET => $murl), 404, 'not_found', '... and is a 404 once it is no longer a member');
    api($reviewer, DELETE => "/feedbacks/$g->{id}");
    error_ok(http(GET => $url), 404, 'not_found', 'the feedback deleted: its signed URL is a 404');
    error_ok(http(GET => "/api/v1/feedbacks/$g->{id}/screenshot", headers => bearer($owner->{access})),
             404, 'not_found', '... and with a token');
};

subtest 'Idempotency-Key with a screenshot: a replay is one feedback; another image is another request' => sub {
    my $stored = shots_stored();
    my $body = { video_id => $SV, timestamp => 0, content => 'idempotent shot' };
    my $post = sub {
        my ($key, $png) = @_;
        return http(POST => "/api/v1/projects/$P2/feedbacks",
                    json => { %$body, screenshot => data_url('image/png', $png) },
                    headers => { %{ bearer($reviewer->{access}) }, 'idempotency-key' => $key });
    };
    my $r1 = $post->("shot-$tag", $pngs[0]);
    envelope_ok($r1, 201, 'the first POST: 201') or return;
    my $r2 = $post->("shot-$tag", $pngs[0]);
    is($r2->{status}, 201, 'the same again: 201');
    is($r2->{headers}{'idempotent-replayed'}, 'true', '... replayed');
    is($r2->{json}{data}{id}, $r1->{json}{data}{id}, '... the same feedback');
    is(shots_stored(), $stored + 1, 'one file stored');
    # the same key and JSON fields, another image: not the same request
    my $r3 = $post->("shot-$tag", $pngs[1]);
    error_ok($r3, 409, 'conflict', 'the same key with another screenshot (data URL): 409, not a replay')
        or diag('replayed: ' . ($r3->{headers}{'idempotent-replayed'} // 'no'));
    my $form = sub {
        my ($png) = @_;
        my ($b, $ct) = multipart(['data', $js->encode($body)], ['screenshot', $png, 's.png', 'image/png']);
        return http(POST => "/api/v1/projects/$P2/feedbacks", body => $b,
                    headers => { %{ bearer($reviewer->{access}) }, 'content-type' => $ct,
                                 'idempotency-key' => "form-$tag" });
    };
    my $f1 = $form->($pngs[2]);
    is($f1->{status}, 201, 'a form with a key: 201');
    my $f2 = $form->($pngs[3]);
    error_ok($f2, 409, 'conflict', 'the same key with another screenshot file: 409, not a replay')
        or diag('replayed: ' . ($f2->{headers}{'idempotent-replayed'} // 'no'));
    my $got = api($reviewer, GET => "/feedbacks/$f1->{json}{data}{id}");
    serves($got->{screenshot_url}, $pngs[2], 'image/png', 'the first form\'s feedback');
};

# ---- carry-over ----
my ($V1, $V2, $V3) = map { probed($_->{id}) } $C1, $C2, $C3;
subtest 'carry-over: open and in_progress copied, clamped and snapped; once' => sub {
    ok($V1 && $V2 && $V3, 'the three versions probed') or return;
    cmp_ok(abs($V2->{duration_s} - 2), '<', 0.1, 'v2 about 2 s');
    my $d2 = $V2->{duration_s};
    my %src;
    my $mk = sub {
        my ($name, $status, %b) = @_;
        my $f = fb($editor, $P2, { video_id => $V1->{id}, content => "carry $name", tags => [$name],
                                   priority => 'high', %b });
        $f = api($editor, PATCH => "/feedbacks/$f->{id}", { status => $status }) if $status ne 'open';
        $src{$name} = $f;
    };
    $mk->('open', 'open', timestamp => 0.5);
    $mk->('progress', 'in_progress', timestamp => 1.0);
    $mk->('resolved', 'resolved', timestamp => 1.5);
    $mk->('closed', 'closed', timestamp => 1.8);
    $mk->('crossing', 'open', timestamp => 1.5, end_timestamp => 3.0);
    $mk->('past', 'in_progress', timestamp => 3.5);
    $mk->('past range', 'open', timestamp => 2.5, end_timestamp => 3.5, display_mode => 'anonymous');
    my $carry = "/videos/$V2->{id}/carry-feedback";
    error_ok(call($reviewer, POST => $carry, { from_video_id => $V1->{id} }), 403, 'forbidden', 'a reviewer: 403');
    error_ok(call($viewer, POST => $carry, { from_video_id => $V1->{id} }), 403, 'forbidden', 'a viewer: 403');
    error_ok(call($outsider, POST => $carry, { from_video_id => $V1->{id} }), 404, 'not_found', 'an outsider: 404');
    for my $c ([$V3->{id}, 'a later version'], [$OTHER->{id}, 'another title\'s video'], [uuid4(), 'a random id'],
               [$V2->{id}, 'the video itself'], [$A->{id}, 'another project\'s video']) {
        my $r = call($editor, POST => $carry, { from_video_id => $c->[0] });
        error_ok($r, 422, 'validation_failed', "from $c->[1]: 422") and ok($r->{json}{error}{details}{from_video_id}, '... naming from_video_id');
    }
    is(list($editor, $P2, "video_id=$V2->{id}")->{count}, 0, 'nothing carried by the refusals');

    my $r = call($editor, POST => $carry, { from_video_id => $V1->{id} });
    envelope_ok($r, 200, 'an editor carries v1 to v2: 200') or return diag($r->{body});
    is_deeply($r->{json}{data}, { video_id => $V2->{id}, from_video_id => $V1->{id}, carried => 5, skipped => 0 },
              'carried 5 (open and in_progress), skipped 0');
    my $got = list($editor, $P2, "video_id=$V2->{id}");
    is($got->{count}, 5, 'v2 lists 5 feedback');
    my %copy = map { $_->{carried_from} => $_ } @{ $got->{results} };
    ok(!grep({ $copy{ $src{$_}{id} } } 'resolved', 'closed'), 'resolved and closed stay behind');
    # a start lands at most on v2's last frame, an end (exclusive) at most
    # on the end of it
    my $frames2 = int($d2 * 25 + 0.5);
    my $snap = sub {
        my ($t, $end) = @_;
        my $f = floor(($t > $d2 ? $d2 : $t) * 25 + 1e-9);
        my $last = $end ? $frames2 : $frames2 - 1;
        return ($f > $last ? $last : $f) / 25;
    };
    for my $name ('open', 'progress', 'crossing', 'past', 'past range') {
        my ($s, $c) = ($src{$name}, $copy{ $src{$name}{id} });
        ok($c, "$name: copied, carried_from the original") or next;
        isnt($c->{id}, $s->{id}, "$name: a new feedback");
        is($c->{video_id}, $V2->{id}, "$name: on v2");
        is(join('|', @$c{qw(content status priority display_mode)}, @{ $c->{tags} }),
           join('|', @$s{qw(content status priority display_mode)}, @{ $s->{tags} }),
           "$name: content, status, priority, display mode and tags come along");
        cmp_ok(abs($c->{timestamp} - $snap->($s->{timestamp})), '<', 1e-9, "$name: timestamp $c->{timestamp}");
        cmp_ok($c->{timestamp}, '<=', $d2 + 1e-9, "$name: within v2's duration");
        is($c->{frame}, int($c->{timestamp} * 25 + 0.5), "$name: on a frame of v2");
        cmp_ok(abs($c->{timestamp} * 25 - int($c->{timestamp} * 25 + 0.5)), '<', 1e-6, "$name: snapped to the frame start");
    }
    my $cr = $copy{ $src{crossing}{id} };
    cmp_ok(abs(($cr->{end_timestamp} // -1) - $snap->(3.0, 1)), '<', 1e-9, 'a range crossing the end: cut at v2\'s end');
    my $pr = $copy{ $src{'past range'}{id} };
    is($pr && $pr->{end_timestamp}, undef, 'a range wholly past the end: a point, no end');
    if ($pr) {
        my $seen = api($reviewer, GET => "/feedbacks/$pr->{id}");
        is($seen->{author}, undef, 'an anonymous copy stays anonymous to another reviewer');
        is($seen->{author_name}, 'Anonymous', '... Anonymous');
        is(api($admin, GET => "/feedbacks/$pr->{id}")->{author}{id}, $editor->{id}, '... its author comes along (an admin sees it)');
    }

    $r = call($editor, POST => $carry, { from_video_id => $V1->{id} });
    envelope_ok($r, 200, 'again: 200');
    is("$r->{json}{data}{carried} $r->{json}{data}{skipped}", '0 5', 'again: carried 0, skipped 5');
    is(list($editor, $P2, "video_id=$V2->{id}")->{count}, 5, '... no new rows');
    is(api($editor, GET => "/videos/$V2->{id}")->{feedback_count}, 5, 'v2 feedback_count 5');
};

# ---- 20 in parallel ----
subtest '20 parallel carry-overs of one pair: each feedback copied once' => sub {
    # one more to carry, with a screenshot (which stays with the original)
    my $s = fb($editor, $P2, { video_id => $V1->{id}, timestamp => 0.2, content => 'carry with a shot',
                               screenshot => data_url('image/png', $img{png}) });
    my $n = list($editor, $P2, "video_id=$V1->{id}&status=open")->{count}
          + list($editor, $P2, "video_id=$V1->{id}&status=in_progress")->{count};
    is($n, 6, 'v1 has 6 feedback to carry');
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$P2");
    my @r = parallel(20, sub { call($editor, POST => "/videos/$V3->{id}/carry-feedback", { from_video_id => $V1->{id} }) });
    is(scalar(grep { $_->{status} == 200 } @r), 20, 'all 20: 200')
        or diag(join ' ', map { "$_->{status}" . ($_->{status} != 200 ? ": $_->{body}" : '') } @r);
    ok(!grep({ $_->{status} >= 500 || !$_->{status} } @r), 'no 5xx');
    my $sum = 0;
    $sum += $_->{json}{data}{carried} // 0 for @r;
    is($sum, $n, "the carried counts add up to $n");
    ok(!grep({ $_->{status} == 200 && $_->{json}{data}{carried} + $_->{json}{data}{skipped} != $n } @r),
       "each answer: carried + skipped = $n");
    is(list($editor, $P2, "video_id=$V3->{id}")->{count}, $n, "v3 lists $n");
    is(psql("SELECT count(DISTINCT carried_from) || ' ' || count(*) FROM feedbacks WHERE video_id = :'v'", "v=$V3->{id}"),
       "$n $n", 'one copy of each (carried_from distinct)');
    is(api($editor, GET => "/videos/$V3->{id}")->{feedback_count}, $n, 'v3 feedback_count');
    my @ev = @{ events_after($P2, $last) };
    is(scalar(grep { $_->{type} eq 'feedback.created' && $_->{payload}{video_id} eq $V3->{id} } @ev), $n,
       "$n feedback.created events, one per copy");
    my $esum = 0;
    $esum += $_->{payload}{carried} for grep { $_->{type} eq 'feedback.carried' } @ev;
    is($esum, $n, 'the feedback.carried events add up to the same');
    my ($copy) = grep { ($_->{carried_from} // '') eq $s->{id} } @{ list($editor, $P2, "video_id=$V3->{id}")->{results} };
    is($copy && $copy->{screenshot_url}, undef, 'the copy has no screenshot');
    serves(api($editor, GET => "/feedbacks/$s->{id}")->{screenshot_url}, $img{png}, 'image/png', 'the original');
};

subtest '20 parallel deletes of 20 feedback; 20 of one' => sub {
    my @f = map { fb($editor, $P2, { video_id => $SV, timestamp => 0, content => "delete me $_" }) } 1 .. 21;
    my $before = list($editor, $P2)->{count};
    my $vc = api($editor, GET => "/videos/$SV")->{feedback_count};
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$P2");
    my @r = parallel(20, sub { call($owner, DELETE => "/feedbacks/$f[$_[0] - 1]{id}") });
    is(scalar(grep { $_->{status} == 200 } @r), 20, 'all 20 deletes: 200')
        or diag(join ' ', map { $_->{status} } @r);
    is(list($editor, $P2)->{count}, $before - 20, 'the project lists 20 fewer');
    is(api($editor, GET => "/videos/$SV")->{feedback_count}, $vc - 20, 'the video\'s feedback_count 20 fewer');
    is(api($editor, GET => "/videos/$SV")->{feedback_count}, list($editor, $P2, "video_id=$SV")->{count},
       '... equal to its list\'s count');
    is(api($editor, GET => "/projects/$P2/stats")->{feedback}{total}, $before - 20, 'the project\'s stats: total');
    my %gone = map { $_->{payload}{id} => 1 } grep { $_->{type} eq 'feedback.deleted' } @{ events_after($P2, $last) };
    is(scalar(grep { $gone{ $_->{id} } } @f[0 .. 19]), 20, 'a feedback.deleted event for each');
    my $one = $f[20]{id};
    $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$P2");
    @r = parallel(20, sub { call($editor, DELETE => "/feedbacks/$one") });
    my %st;
    $st{ $_->{status} }++ for @r;
    is($st{200}, 1, 'one feedback deleted 20 times at once: one 200') or diag(join ' ', map { "$_=$st{$_}" } sort keys %st);
    is($st{404}, 19, '... and 19 404');
    ok(!grep({ $_->{status} >= 500 || !$_->{status} } @r), '... no 5xx');
    is(api($editor, GET => "/videos/$SV")->{feedback_count}, $vc - 21, 'the count drops by one more');
    is(scalar(grep { $_->{type} eq 'feedback.deleted' } @{ events_after($P2, $last) }), 1, '... one feedback.deleted event');
};

subtest '20 parallel PATCHes of one screenshot (set and removed): row and file agree' => sub {
    # A removal unlinks the file after its commit, outside the project's
    # lock; a PATCH that stores a new file meanwhile can lose it (the row
    # names a screenshot whose file is gone). A narrow window (it showed in
    # 1 round in 12 to 1 in 50 here): up to 50 rounds or 30 s, stopping at
    # the first; each round from its own client address (the default limit,
    # 1000 requests an hour, is per address), two authors taking turns.
    my @who = map { new_user() } 1 .. 2;
    my @f;
    for my $w (@who) {
        api($owner, POST => "/projects/$P2/members", { user_id => $w->{id}, role => 'reviewer' });
        push @f, fb($w, $P2, { video_id => $SV, timestamp => 0, content => 'contested shot',
                               screenshot => data_url('image/png', $pngs[0]) });
    }
    my %png = map { $pngs[$_] => 1 } 0 .. 19;
    my ($rounds, $bad, $non200) = (0, '', 0);
    my $t0 = time;
    for my $round (1 .. 50) {
        $rounds = $round;
        my ($w, $id) = ($who[$round % 2], $f[$round % 2]{id});
        local $VP::IP = new_ip();
        my @r = parallel(20, sub {
            my $i = $_[0];
            call($w, PATCH => "/feedbacks/$id",
                 { screenshot => $i % 2 ? data_url('image/png', $pngs[$i - 1]) : undef });
        });
        $non200 += grep { $_->{status} != 200 } @r;
        my $g = api($w, GET => "/feedbacks/$id");
        my $type = psql("SELECT coalesce(screenshot_type, '-') FROM feedbacks WHERE id = :'f'", "f=$id");
        if (defined $g->{screenshot_url}) {
            my $s = http(GET => local_path($g->{screenshot_url}));
            $bad = "round $round: the row says $type, GET screenshot $s->{status}, the file "
                 . (-e shot_file($id) ? 'is there' : 'is missing')
                unless $s->{status} == 200 && $png{ $s->{body} };
        }
        elsif (-e shot_file($id)) {
            $bad = "round $round: the row has no screenshot, the file is there";
        }
        last if $bad || time - $t0 > 30;
    }
    is($non200, 0, "every PATCH of $rounds rounds: 200");
    is($bad, '', "after each round the row and the file agree ($rounds rounds)");
};

subtest '20 parallel creates with screenshots: 20 files, each its own bytes' => sub {
    my $shooter = new_user();
    api($owner, POST => "/projects/$P2/members", { user_id => $shooter->{id}, role => 'reviewer' });
    my $before = shots_stored();
    my @r = parallel(20, sub {
        my $i = $_[0];
        my $data = { video_id => $SV, timestamp => 0, content => "shot $i" };
        # half as data URLs, half as forms
        return $i % 2 ? call($shooter, POST => "/projects/$P2/feedbacks",
                             { %$data, screenshot => data_url('image/png', $pngs[$i - 1]) })
                      : form_post($shooter, "/projects/$P2/feedbacks", 'POST', $data, $pngs[$i - 1], 'image/png');
    });
    is(scalar(grep { $_->{status} == 201 } @r), 20, 'all 20: 201')
        or diag(join ' ', map { $_->{status} } @r);
    is(shots_stored(), $before + 20, '20 new files in screenshots/');
    my $ok = 0;
    for my $i (1 .. 20) {
        my $f = $r[$i - 1]{json}{data} or next;
        my $g = http(GET => local_path($f->{screenshot_url} // ''));
        $ok++ if $f->{content} eq "shot $i" && $g->{status} == 200 && $g->{body} eq $pngs[$i - 1]
              && slurp(shot_file($f->{id})) eq $pngs[$i - 1];
    }
    is($ok, 20, 'each serves its own bytes');
    is(list($shooter, $P2, "author=$shooter->{id}")->{count}, 20, 'the list has the 20');
    is(scalar(keys %{ { map { $_->{json}{data}{id} // '' => 1 } @r } }), 20, '20 different ids');
};

subtest 'edl: CMX 3600 stops at event 999 and says how many were left out' => sub {
    my $v = probed($MANY->{id}) or return fail('probed');
    # 1001 feedback as rows (the API allows 100 an hour per user): fixture data
    psql("INSERT INTO feedbacks (project_id, video_id, author_id, timestamp_s, content)"
       . " SELECT :'p', :'v', :'u', (i % 100) / 25.0, 'many ' || i FROM generate_series(0, 1000) i",
         "p=$P2", "v=$v->{id}", "u=$editor->{id}");
    my $r = export($editor, "/videos/$v->{id}/feedbacks/export?format=edl");
    is($r->{status}, 200, 'answers 200') or return;
    my @lines = split /\r\n/, $r->{body};
    my @ev = grep { /^\d{3} / } @lines;
    is(scalar @ev, 999, '999 events');
    is(substr($ev[-1], 0, 4), '999 ', 'the last is 999');
    my @in = map { (split ' ')[6] } @ev;
    ok(!grep({ $in[$_] lt $in[$_ - 1] } 1 .. $#in), 'in time order');
    like($lines[-1], qr/^\* .*\b2\b/, 'the last line: a comment naming the 2 left out') or diag($lines[-1]);
    my $x = fcpxml(export($editor, "/videos/$v->{id}/feedbacks/export?format=fcpxml")->{body});
    is(scalar @{ $x->{markers} || [] }, 1001, 'fcpxml: all 1001 markers');
};

done_testing;
