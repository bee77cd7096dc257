# Video encoding in vplanetd (spec section 5, README "Encoding"): videos
# uploaded through the API are probed and encoded by the suite's vplanetd
# with ffmpeg; every status change reaches a WebSocket client of the project
# as a `video.encoding` event; a file ffprobe cannot read ends `failed` with
# a reason; vplanetd killed with -9 in the middle of an encode leaves no
# ffmpeg behind and the job completes after the restart; a video deleted
# while it encodes leaves no rendition; expired unfinished uploads and old
# temporary files are removed. Fixtures are made here by ffmpeg (lavfi).
use strict;
use warnings;
use Test::More;
use VP;
use VPVideo qw(ff);
use VPWS;
use File::Temp ();
use JSON::PP ();

my $json = JSON::PP->new->canonical;
my $dir = File::Temp->newdir;
my $media = "$ENV{VP_STATE}/media";
my $tag = sprintf '%x%x', $$, time;
my $owner = new_user();
my $pid = new_project($owner, "Encoding $tag");

# ---- fixtures ----
sub lavfi_av {
    my ($size, $rate, $seconds) = @_;
    return ('-f', 'lavfi', '-i', "testsrc=size=$size:rate=$rate:duration=$seconds",
            '-f', 'lavfi', '-i', "sine=frequency=440:duration=$seconds", '-shortest');
}
my %fx;
$fx{hd720} = ff('hd720.mp4', lavfi_av('1280x720', 25, 3), qw(-c:v libx264 -preset ultrafast
    -pix_fmt yuv420p -c:a aac));
$fx{ntsc} = ff('ntsc.mp4', lavfi_av('640x360', '30000/1001', 2), qw(-c:v libx264 -preset
    ultrafast -pix_fmt yuv420p -c:a aac));
$fx{webm} = ff('clip.webm', lavfi_av('640x360', 25, 2), qw(-c:v libvpx -deadline realtime
    -cpu-used 8 -b:v 400k -c:a libvorbis));
# long enough (8 s of 1080p) to be killed in the middle of
$fx{hd1080} = ff('hd1080.mp4', lavfi_av('1920x1080', 25, 8), qw(-c:v libx264 -preset ultrafast
    -pix_fmt yuv420p -c:a aac));
{
    # the moov box is at the end (no faststart): half the file has none
    my $whole = VP::slurp($fx{hd720});
    open(my $fh, '>', "$dir/truncated.mp4") or die;
    print $fh substr($whole, 0, int(length($whole) / 2));
    close $fh;
    $fx{truncated} = "$dir/truncated.mp4";
    # an ftyp box (so the upload's sniffing takes it for an mp4), then text
    open($fh, '>', "$dir/text.mp4") or die;
    print $fh pack('N', 24), 'ftypisom', pack('N', 512), 'isomiso2', "just some text\n" x 200;
    close $fh;
    $fx{ftyp_text} = "$dir/text.mp4";
    open($fh, '>', "$dir/plain.mp4") or die;
    print $fh "plain text, not a video\n" x 100;
    close $fh;
    $fx{plain} = "$dir/plain.mp4";
}

# ---- helpers ----
# POST /projects/{id}/videos, multipart/form-data: the response
sub upload {
    my ($file, $title) = @_;
    my $b = 'vp' . join('', map { int rand 10 } 1 .. 20);
    (my $name = $file) =~ s{.*/}{};
    my $body = "--$b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n$title\r\n"
             . "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"$name\"\r\n"
             . "Content-Type: application/octet-stream\r\n\r\n" . VP::slurp($file) . "\r\n--$b--\r\n";
    return http(POST => "/api/v1/projects/$pid/videos", body => $body,
                headers => { authorization => "Bearer $owner->{access}",
                             'content-type' => "multipart/form-data; boundary=$b" });
}
sub video { api($owner, GET => "/videos/$_[0]") }

# A WebSocket client of the project that remembers every video.encoding
# event by video; reconnects (resuming after the last id) when dropped.
my ($ws, $last_id, %seen) = (undef, 0);
sub ws_open {
    $ws = VPWS->connect(base(), "/ws/projects/$pid" . ($last_id ? "?last_event_id=$last_id" : ''),
                        protocol => "bearer, $owner->{access}") or return;
    my $m = $ws->recv(5);
    $ws = undef unless $m && $m->{type} eq 'ready';
}
sub pump {
    my ($seconds) = @_;
    for (1 .. 2) {   # (once more after finding the connection closed)
        ws_open() if !$ws || defined $ws->close_code;
        return select(undef, undef, undef, $seconds) unless $ws;
        while (my $m = $ws->recv($seconds)) {
            $seconds = 0.01;
            next unless $m->{id};
            $last_id = $m->{id} if $m->{id} > $last_id;
            push @{ $seen{ $m->{payload}{id} } }, $m->{payload} if $m->{type} eq 'video.encoding';
        }
        last unless defined $ws->close_code;
    }
}
# Waits (reading the WebSocket) until CODE is true; its value, or undef.
sub wait_until {
    my ($seconds, $code) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        my $v = $code->();
        return $v if $v;
        pump(0.2);
    }
    return undef;
}
sub finished {
    my ($id, $seconds) = @_;
    return wait_until($seconds // 60, sub {
        my $v = video($id);
        $v->{encoding_status} =~ /^(completed|partial|failed)$/ ? $v : undef;
    });
}
# ffprobe of a file: {width, height, codec, duration}
sub probe {
    my ($file) = @_;
    open(my $fh, '-|', 'ffprobe', '-v', 'error', '-print_format', 'json', '-show_format',
         '-show_streams', $file) or die;
    my $out = do { local $/; <$fh> };
    close $fh or return undef;
    my $p = $json->decode($out);
    my ($v) = grep { $_->{codec_type} eq 'video' } @{ $p->{streams} };
    my ($a) = grep { $_->{codec_type} eq 'audio' } @{ $p->{streams} };
    return { width => $v->{width}, height => $v->{height}, codec => $v->{codec_name},
             audio => $a ? $a->{codec_name} : '', duration => $p->{format}{duration},
             format => $p->{format}{format_name} };
}
# GET a rendition through the API into a file; its path
sub fetch {
    my ($id, $name) = @_;
    my $r = http(GET => "/api/v1/videos/$id/content?rendition=$name",
                 headers => { authorization => "Bearer $owner->{access}" });
    return undef unless $r->{status} == 200;
    my $path = "$dir/$id-$name.mp4";
    open(my $fh, '>', $path) or die;
    print $fh $r->{body};
    close $fh;
    return $path;
}
# the statuses the WebSocket brought for a video, repeats folded
sub statuses {
    my @s;
    for (@{ $seen{ $_[0] } || [] }) { push @s, $_->{encoding_status} unless @s && $s[-1] eq $_->{encoding_status} }
    return \@s;
}
sub renditions { +{ map { $_->{name} => "$_->{width}x$_->{height}" } @{ $_[0]{renditions} } } }

ws_open();
ok($ws, 'a WebSocket client of the project');

# ---- a 1280x720 25 fps clip ----
my %id;
subtest 'a 3 s 1280x720 25 fps mp4: completed, probed, web + 480p + poster' => sub {
    my $r = upload($fx{hd720}, "hd720 $tag");
    is($r->{status}, 201, 'uploaded') or diag($r->{body});
    is($r->{json}{data}{encoding_status}, 'pending', 'pending at first');
    my $id = $id{hd720} = $r->{json}{data}{id};
    my $v = finished($id);
    is($v && $v->{encoding_status}, 'completed', 'completed');
    cmp_ok(abs($v->{duration_s} - 3), '<', 0.1, 'duration_s about 3');
    is($v->{fps}, '25/1', 'fps 25/1');
    is($v->{width}, 1280, 'width');
    is($v->{height}, 720, 'height');
    is($v->{encoding_progress}, 100, 'progress 100');
    is($v->{encoding_error}, undef, 'no error');
    # 720p only from a source taller than 720; 480p from one taller than 480
    is_deeply(renditions($v), { web => '1280x720', '480p' => '854x480' }, 'renditions web and 480p');
    my $web = fetch($id, 'web');
    my $p = $web && probe($web);
    is($p && "$p->{codec}/$p->{audio} $p->{width}x$p->{height}", 'h264/aac 1280x720',
       'web: H.264/AAC at the source size');
    # faststart: the moov box before the mdat box
    my $bytes = VP::slurp($web);
    ok(index($bytes, 'moov') >= 0 && index($bytes, 'moov') < index($bytes, 'mdat'),
       'web: moov before mdat (faststart)');
    my $poster = http(GET => "/api/v1/videos/$id/poster", headers => bearer($owner->{access}));
    is($poster->{status}, 200, 'poster served');
    is(substr($poster->{body}, 0, 3), "\xff\xd8\xff", 'poster is a JPEG');
};

subtest 'a 29.97 fps clip: fps 30000/1001; a webm: completed' => sub {
    my $a = upload($fx{ntsc}, "ntsc $tag")->{json}{data}{id};
    my $b = upload($fx{webm}, "webm $tag")->{json}{data}{id};
    @id{qw(ntsc webm)} = ($a, $b);
    my $v = finished($a);
    is($v && $v->{encoding_status}, 'completed', '29.97 fps: completed');
    is($v->{fps}, '30000/1001', 'fps 30000/1001');
    cmp_ok(abs($v->{fps_decimal} - 29.97), '<', 0.01, 'fps_decimal 29.97');
    is_deeply(renditions($v), { web => '640x360' }, 'only web from a 360-line source');
    $v = finished($b);
    is($v && $v->{encoding_status}, 'completed', 'webm: completed');
    is("$v->{width}x$v->{height} $v->{fps}", '640x360 25/1', 'webm: size and fps');
    my $p = probe(fetch($b, 'web'));
    is($p && $p->{codec}, 'h264', 'webm: the web rendition is H.264');
};

subtest 'files ffprobe cannot read end failed with a reason' => sub {
    my $r = upload($fx{plain}, "plain $tag");
    is($r->{status}, 415, 'plain text named .mp4: 415 at the upload (never encoded)');
    for my $case (['truncated', 'a truncated mp4'], ['ftyp_text', 'text behind an ftyp box']) {
        my ($fx, $name) = @$case;
        my $id = $id{$fx} = upload($fx{$fx}, "$fx $tag")->{json}{data}{id};
        my $v = finished($id);
        is($v && $v->{encoding_status}, 'failed', "$name: failed");
        like($v->{encoding_error}, qr/^not a video ffprobe can read: \S/, "$name: with a reason")
            and note("encoding_error: $v->{encoding_error}");
        unlike($v->{encoding_error}, qr{/originals/| @ 0x}, "$name: the reason names no storage "
               . "path, no ffmpeg context address");
        is_deeply($v->{renditions}, [], "$name: no renditions");
        is(psql("SELECT status FROM encoding_jobs WHERE video_id = '$id'"), 'failed',
           "$name: the job failed");
    }
    ok(eval { VP::stack('sidecar-status'); 1 }, 'vplanetd still runs');
};

# ---- housekeeping, checked after the restart below ----
my $old_upload = psql("INSERT INTO uploads (project_id, user_id, filename, length, expires_at)"
    . " VALUES ('$pid', '$owner->{id}', 'x.mp4', 100, now() - interval '1 minute') RETURNING id");
my $live_upload = psql("INSERT INTO uploads (project_id, user_id, filename, length)"
    . " VALUES ('$pid', '$owner->{id}', 'y.mp4', 100) RETURNING id");
# the folders and files are httpd's user's, as the module makes them: a
# root-owned uploads/ab/ would refuse a later upload whose id starts so
my ($m_uid, $m_gid) = (stat $media)[4, 5];
for my $u ($old_upload, $live_upload) {
    my $d = "$media/uploads/" . substr($u, 0, 2);
    system('mkdir', '-p', $d) == 0 or die;
    open(my $fh, '>', "$d/$u") or die "$d/$u: $!";
    print $fh 'x' x 10;
    close $fh;
    chown $m_uid, $m_gid, $d, "$d/$u";
}
my ($old_tmp, $new_tmp) = ("$media/tmp/put-t51old", "$media/tmp/put-t51new");
for ($old_tmp, $new_tmp) { open(my $fh, '>', $_) or die "$_: $!"; close $fh }
utime(time - 2 * 86400, time - 2 * 86400, $old_tmp) or die;

# ---- the daemon killed in the middle of an encode ----
sub ffmpeg_of {
    my ($id) = @_;
    my @p;
    for my $d (glob '/proc/[0-9]*') {
        my $cmd = VP::slurp("$d/cmdline");
        push @p, $d =~ m{(\d+)$} if $cmd =~ /^ffmpeg\0/ && index($cmd, $id) >= 0;
    }
    return @p;
}
subtest 'vplanetd killed with -9 during an encode: the job completes after the restart' => sub {
    my $id = $id{hd1080} = upload($fx{hd1080}, "hd1080 $tag")->{json}{data}{id};
    my $mid = wait_until(60, sub {
        my $v = video($id);
        $v->{encoding_status} eq 'processing' && $v->{encoding_progress} >= 5 && ffmpeg_of($id);
    });
    ok($mid, 'the encode is under way (processing, progress >= 5, ffmpeg running)');
    my @children = ffmpeg_of($id);
    VP::sidecar_kill9();
    ok(wait_until(5, sub { !grep { kill 0, $_ } @children }), 'its ffmpeg died with it');
    VP::stack('sidecar-start');   # (the supervisor restarts it; this waits for that)
    my $v = finished($id, 120);
    is($v && $v->{encoding_status}, 'completed', 'completed after the restart');
    is(psql("SELECT status || ' ' || attempts FROM encoding_jobs WHERE video_id = '$id'"), 'done 2',
       'the job: done at the second attempt');
    like(VP::sidecar_log(), qr/VPD0501: job \d+ \(video $id\), attempt 2/, 'taken again (log)');
    is("$v->{width}x$v->{height} $v->{fps}", '1920x1080 25/1', 'probed: 1920x1080, 25/1');
    is_deeply(renditions($v), { web => '1920x1080', '720p' => '1280x720', '480p' => '854x480' },
              'renditions web, 720p, 480p');
    for my $r (@{ $v->{renditions} }) {
        my $p = probe(fetch($id, $r->{name}));
        is($p && "$p->{codec}/$p->{audio} $p->{width}x$p->{height}", "h264/aac $r->{width}x$r->{height}",
           "$r->{name}: plays (ffprobe), H.264/AAC at its size");
        cmp_ok(abs(($p->{duration} // 0) - 8), '<', 0.2, "$r->{name}: 8 s long");
    }
};

subtest 'housekeeping at start: expired uploads and day-old temporary files go' => sub {
    is(psql("SELECT count(*) FROM uploads WHERE id = '$old_upload'"), 0, 'the expired upload row');
    ok(!-e "$media/uploads/" . substr($old_upload, 0, 2) . "/$old_upload", 'and its file');
    is(psql("SELECT count(*) FROM uploads WHERE id = '$live_upload'"), 1, 'an unexpired one stays');
    ok(-e "$media/uploads/" . substr($live_upload, 0, 2) . "/$live_upload", 'with its file');
    ok(!-e $old_tmp, 'a tmp/put-* file two days old');
    ok(-e $new_tmp, 'a fresh one stays');
    unlink $new_tmp;
};

subtest 'a video deleted while it encodes: stopped, no rendition left' => sub {
    my $id = upload($fx{hd1080}, "deleted $tag")->{json}{data}{id};
    ok(wait_until(60, sub { ffmpeg_of($id) }), 'its encode runs');
    my $r = call($owner, DELETE => "/videos/$id");
    ok($r->{status} == 200 || $r->{status} == 204, 'deleted') or diag($r->{body});
    ok(wait_until(20, sub { !ffmpeg_of($id) }), 'ffmpeg stopped');
    ok(wait_until(10, sub { !-e "$media/renditions/" . substr($id, 0, 2) . "/$id" }),
       'no rendition folder');
    ok(wait_until(10, sub { VP::sidecar_log() =~ /VPD0505: video $id was deleted/ }),
       'logged (VPD0505)');
};

# ---- a stop (SIGTERM) in the middle: the job goes back to the queue ----
# ---- encode_timeout: a second daemon with a 1 s limit takes it and fails it ----
subtest 'SIGTERM during an encode, then a daemon with encode_timeout = 1 s' => sub {
    my $id = upload($fx{hd1080}, "stopped $tag")->{json}{data}{id};
    ok(wait_until(60, sub { ffmpeg_of($id) }), 'its encode runs');
    my @children = ffmpeg_of($id);
    VP::stack('sidecar-stop');
    ok(!grep({ kill 0, $_ } @children), 'vplanetd stopped: its ffmpeg is gone');
    is(psql("SELECT status || ' ' || attempts FROM encoding_jobs WHERE video_id = '$id'"),
       'queued 0', 'the job is queued again; the attempt does not count');
    is(video($id)->{encoding_status}, 'pending', 'the video is pending again');
    like(VP::sidecar_log(), qr/VPD0507: job \d+ stopped with the daemon/,
         'logged');
    my $conf = "$ENV{VP_STATE}/vplanetd/timeout.conf";
    write_file($conf, slurp($ENV{VP_SIDECAR_CONF}) . "\npid_file =\nlisten = 127.0.0.1:" . free_port()
               . "\nencode_timeout = 1\n");
    my $short = VP::sidecar_spawn($conf, 'timeout');
    my $v = finished($id, 60);
    is($v && $v->{encoding_status}, 'failed', 'failed after the timeout');
    is($v->{encoding_error}, 'encoding took longer than encode_timeout (1 s): stopped', 'with the reason');
    ok(!ffmpeg_of($id), 'no ffmpeg left');
    ok(!-e "$media/renditions/" . substr($id, 0, 2) . "/$id", 'no rendition left');
    kill 'TERM', $short;
    waitpid $short, 0;
    is($?, 0, 'the second daemon stops cleanly');
    VP::stack('sidecar-start');
};

# ---- partial, and the bound on attempts ----
# A daemon whose ffmpeg (a wrapper around the real one) refuses to make the
# 480p rendition; a job claimed too often already.
subtest 'a lower rendition that fails: partial; a job claimed too often: failed' => sub {
    VP::stack('sidecar-stop');
    my $p = upload($fx{hd720}, "partial $tag")->{json}{data}{id};
    my $g = upload($fx{ntsc}, "gave up $tag")->{json}{data}{id};
    psql("UPDATE encoding_jobs SET attempts = 3, last_error = 'the daemon died'"
         . " WHERE video_id = '$g'");
    my $wrapper = "$dir/ffmpeg-no-480p";
    open(my $fh, '>', $wrapper) or die;
    print $fh "#!/bin/sh\nfor a in \"\$\@\"; do\n"
            . "  [ \"\$a\" = scale=854:480 ] && { echo 'the test refuses 480p' >&2; exit 1; }\n"
            . "done\nexec ffmpeg \"\$\@\"\n";
    close $fh;
    chmod 0755, $wrapper;
    my $conf = "$ENV{VP_STATE}/vplanetd/partial.conf";
    write_file($conf, slurp($ENV{VP_SIDECAR_CONF}) . "\npid_file =\nlisten = 127.0.0.1:" . free_port()
               . "\nffmpeg = $wrapper\n");
    my $d = VP::sidecar_spawn($conf, 'partial');
    my $v = finished($p, 60);
    is($v && $v->{encoding_status}, 'partial', 'partial');
    is($v->{encoding_error}, 'not made: 480p', 'encoding_error names what is missing');
    is_deeply(renditions($v), { web => '1280x720' }, 'the web rendition is there');
    ok($v->{poster_url}, 'and the poster');
    is(psql("SELECT status FROM encoding_jobs WHERE video_id = '$p'"), 'done', 'the job is done');
    $v = finished($g, 60);
    is($v && $v->{encoding_status}, 'failed', 'the fourth claim of a job fails it');
    is($v->{encoding_error}, 'gave up after 3 attempts: the daemon died', 'with the last reason');
    kill 'TERM', $d;
    waitpid $d, 0;
    is($?, 0, 'the second daemon stops cleanly');
    VP::stack('sidecar-start');
    $id{partial} = $p;
};

# ---- several workers and daemons share the queue ----
subtest 'two daemons (1 + 2 workers) share the queue: each job taken once' => sub {
    my $conf = "$ENV{VP_STATE}/vplanetd/share.conf";
    write_file($conf, slurp($ENV{VP_SIDECAR_CONF}) . "\npid_file =\nlisten = 127.0.0.1:" . free_port()
               . "\nencode_workers = 2\n");
    my $d = VP::sidecar_spawn($conf, 'share');
    ok(wait_until(10, sub { slurp("$ENV{VP_STATE}/vplanetd/share.log") =~ /VPD0514: 2 encode workers/ }),
       'a second daemon with 2 workers is up');
    my @ids = map { upload($_ % 2 ? $fx{ntsc} : $fx{webm}, "share $_ $tag")->{json}{data}{id} } 1 .. 6;
    my @done = map { finished($_, 60) } @ids;
    is(scalar(grep { $_ && $_->{encoding_status} eq 'completed' } @done), 6, 'six videos completed');
    my $list = join(',', map { "'$_'" } @ids);
    is(psql("SELECT string_agg(status || ' ' || attempts, ',') FROM encoding_jobs WHERE video_id IN ($list)"),
       join(',', ('done 1') x 6), 'every job done at its first attempt');
    my $logs = VP::sidecar_log() . slurp("$ENV{VP_STATE}/vplanetd/share.log");
    is(scalar(() = $logs =~ /VPD0501: job \d+ \(video (?:@{[join '|', @ids]})\)/g), 6,
       'each taken once, in both logs together');
    my @claimers = split /\n/, psql("SELECT DISTINCT split_part(claimed_by, ':', 2) FROM encoding_jobs"
                                    . " WHERE video_id IN ($list)");
    note('claimed by the daemons of pid ' . join(', ', @claimers));
    kill 'TERM', $d;
    waitpid $d, 0;
    is($?, 0, 'the second daemon stops cleanly');
};

# ---- every status change, on the WebSocket ----
subtest 'every status change arrived as a video.encoding event' => sub {
    my $count = sub { psql("SELECT count(*) FROM events WHERE project_id = '$pid' AND type = 'video.encoding'") };
    wait_until(15, sub { $count->() == scalar(map { @$_ } values %seen) });
    for my $k (qw(hd720 ntsc webm)) {
        is_deeply(statuses($id{$k}), ['processing', 'completed'], "$k: processing, completed");
    }
    is_deeply(statuses($id{partial}), ['processing', 'partial'], 'partial: processing, partial');
    for my $k (qw(truncated ftyp_text)) {
        is_deeply(statuses($id{$k}), ['processing', 'failed'], "$k: processing, failed");
        like($seen{ $id{$k} }[-1]{encoding_error}, qr/\S/, "$k: the event carries the reason");
    }
    # killed and restarted: processing again (the WebSocket resumed after its last id)
    my @p = map { $_->{progress} } grep { $_->{encoding_status} eq 'processing' } @{ $seen{ $id{hd1080} } };
    is_deeply(statuses($id{hd1080}), ['processing', 'completed'], 'hd1080: processing, completed');
    is(scalar(grep { $_ == 0 } @p), 2, 'hd1080: processing from 0 twice (two attempts)');
    ok((grep { $_ > 0 && $_ < 100 } @p) >= 3, 'hd1080: progress in between (' . join(',', @p) . ')');
    my $done = $seen{ $id{hd1080} }[-1];
    is("$done->{progress} $done->{width}x$done->{height} $done->{fps}", '100 1920x1080 25/1',
       'the final event: 100 %, size, fps');
    cmp_ok(abs($done->{duration_s} - 8), '<', 0.1, 'and duration_s');
    is(scalar @{ $done->{renditions} }, 3, 'and the renditions');
    is(scalar(map { @$_ } values %seen), $count->(), 'the WebSocket brought every event of the table');
};

done_testing();
