# Videos (spec section 5; README "Videos"): multipart uploads streamed to
# the storage folder (sniffed by content, hashed, size-capped, nothing left
# behind on any failure), version stacks, the list, read, versions, rename
# and delete, the media served by httpd's own file handler after the
# module's check (ranges, ETag, 304), signed media URLs, bad ids and other
# tenants, Idempotency-Key, parallel uploads, and the project's stats.
# What the module does only: encoding (renditions, poster, duration) is
# vplanetd's and tested there; a fresh upload is `pending`.
#
# Fixtures are made here by ffmpeg (t/lib/VPVideo.pm: 160x120 clips of 1 s).
# The over-limit checks run against a second httpd of the same stack
# (httpd_variant) with VPlanetMaxUpload at its minimum, 1 MiB, so that they
# send about 1 MiB, not the default 500 MiB.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
use JSON::PP ();
use Encode ();
use File::Temp ();
use File::Basename ();
use Time::HiRes ();
use VP;
use VPVideo;

my $tag = sprintf '%x%x', $$, time;
my ($owner, $editor, $viewer, $outsider) = map { new_user() } 1 .. 4;
my $pid = new_project($owner, "Videos $tag");
api($owner, POST => "/projects/$pid/members", { user_id => $editor->{id}, role => 'editor' });
api($owner, POST => "/projects/$pid/members", { user_id => $viewer->{id}, role => 'viewer' });
my $V = "/projects/$pid/videos";
my $MP4 = fixture('mp4');

# Path and query of an absolute URL of the API (the signed URLs are built
# from VPlanetPublicURL, the test stack's own address).
sub local_path { $_[0] =~ s{^https?://[^/]+}{}r }

# The files under originals/ now.
sub snapshot { return { originals => [storage_files('originals')] } }

# marked(SIZE): bytes that pass for an mp4 (its first 64 bytes), then a
# mark of this test, padded to SIZE bytes. The temporary file of an upload
# of them is known by its content, whatever else writes to tmp/ meanwhile
# (vplanetd encoding the videos uploaded before).
my $MARK = "vp-test-mark $tag";
my $marks = 0;
sub marked {
    my ($size) = @_;
    my $head = substr($MP4, 0, 64) . "$MARK " . ++$marks . "\n";
    return $head . ("\0" x (($size // 0) > length $head ? $size - length $head : 0));
}

# The files of tmp/ that hold a marked upload.
sub marked_in_tmp {
    return grep {
        my $head = '';
        if (open(my $fh, '<', media_root() . "/tmp/$_")) { read($fh, $head, 256) }
        index($head, $MARK) >= 0;
    } storage_files('tmp');
}

# nothing_left(BEFORE, NAME): no file was added to originals/ since BEFORE,
# and no file of tmp/ holds a marked upload (the request pool's cleanup
# removes an unfinished upload's file just after the answer, hence the wait).
sub nothing_left {
    my ($before, $name) = @_;
    my $tmp_ok = wait_for(10, sub { !marked_in_tmp() });
    ok($tmp_ok, "$name: nothing left in tmp/") or diag(join ' ', marked_in_tmp());
    is_deeply([storage_files('originals')], $before->{originals}, "$name: no new file in originals/");
}

sub stack_rows {
    my ($title) = @_;
    return psql("SELECT count(*) FROM videos v JOIN video_stacks s ON s.id = v.stack_id"
              . " WHERE v.project_id = :'pid' AND lower(s.title) = lower(:'t')",
                "pid=$pid", "t=$title") + 0;
}

sub original_path {
    my ($id) = @_;
    return media_root() . '/originals/' . substr($id, 0, 2) . "/$id";
}

my %video;   # name => the video of its upload's answer

# ---- upload ----
subtest 'an upload is stored under its id: version 1, sha256, size, type sniffed, pending' => sub {
    my $before = snapshot();
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'pid'", "pid=$pid");
    my $r = upload($editor, $pid, title => 'Opening scene', file => $MP4, filename => 'cut one.mp4');
    envelope_ok($r, 201, 'an editor uploads an mp4: 201') or return;
    my $v = $video{first} = $r->{json}{data};
    is_deeply([sort keys %$v],
              [sort qw(id project_id title version filename content_type size_bytes sha256 duration_s
                       fps fps_decimal width height uploaded_by created_at updated_at encoding_status
                       encoding_progress encoding_error feedback_count renditions content_url
                       poster_url)], 'the members of a video');
    is($v->{project_id}, $pid, 'project_id');
    is($v->{title}, 'Opening scene', 'title');
    is($v->{version}, 1, 'version 1 of a new stack');
    is($v->{filename}, 'cut one.mp4', 'filename as sent');
    is($v->{content_type}, 'video/mp4', 'content_type sniffed: video/mp4');
    is($v->{size_bytes}, length $MP4, 'size_bytes is the file\'s');
    is($v->{sha256}, sha256_hex($MP4), 'sha256 is the file\'s');
    is($v->{encoding_status}, 'pending', 'encoding_status pending');
    is($v->{encoding_progress}, 0, 'encoding_progress 0');
    is($v->{duration_s}, undef, 'no duration before encoding');
    is($v->{feedback_count}, 0, 'feedback_count 0');
    is_deeply($v->{renditions}, [], 'no renditions yet');
    is($v->{poster_url}, undef, 'no poster yet');
    like($v->{content_url} // '', qr{/api/v1/videos/$v->{id}/content\?expires=\d+&user=$editor->{id}&session=[^&]+&signature=[\w-]+$},
         'content_url: signed for the uploader');
    is($v->{uploaded_by}{id}, $editor->{id}, 'uploaded_by is the editor');
    like($v->{created_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'created_at');
    is(slurp(original_path($v->{id})), $MP4, 'the original is stored under its id, byte for byte');
    is_deeply([grep { !{ map { $_ => 1 } @{ $before->{originals} } }->{$_} } storage_files('originals')],
              [substr($v->{id}, 0, 2) . "/$v->{id}"], 'one new file in originals/, named by the id');
    my @ev = grep { $_->{type} eq 'video.added' } @{ events_after($pid, $last) };
    is(scalar @ev, 1, 'one video.added event');
    is($ev[0]{payload}{id}, $v->{id}, '... about this video');
    is($ev[0]{payload}{sha256}, $v->{sha256}, '... with its members');
    ok(!exists $ev[0]{payload}{content_url} && !exists $ev[0]{payload}{poster_url}
       && JSON::PP->new->canonical->encode($ev[0]{payload}) !~ /signature=/,
       '... but none of the URLs signed for the uploader (every member reads the event)');
    is(psql("SELECT count(*) FROM encoding_jobs WHERE video_id = :'v'", "v=$v->{id}"), 1,
       'an encoding job is queued with it');
    envelope_ok(call($viewer, GET => "/videos/$v->{id}"), 200, 'a viewer reads it');
};

subtest 'containers are recognised by content, not by name' => sub {
    for my $case (['webm', 'video/webm'], ['avi', 'video/x-msvideo'], ['mov', 'video/quicktime'],
                  ['mkv', 'video/x-matroska']) {
        my ($kind, $type) = @$case;
        my $bytes = fixture($kind);
        my $r = upload($owner, $pid, title => "kind $kind", file => $bytes, filename => "clip.$kind");
        envelope_ok($r, 201, "a $kind file is accepted") or next;
        is($r->{json}{data}{content_type}, $type, "... as $type");
        is($r->{json}{data}{sha256}, sha256_hex($bytes), '... with its sha256');
    }
    my $before = snapshot();
    my $r = upload($owner, $pid, title => 'not a video', file => "just some text\n" x 20,
                   filename => 'fake.mp4');
    error_ok($r, 415, 'unsupported_media_type', 'a text file named .mp4: 415');
    is(stack_rows('not a video'), 0, '... no row');
    nothing_left($before, 'a text file named .mp4');
    $r = upload($owner, $pid, title => 'tiny text', file => 'abc', filename => 'tiny.mp4');
    error_ok($r, 415, 'unsupported_media_type', 'a file shorter than the sniffing window: 415 too');
    $r = upload($owner, $pid, title => 'really an mp4', file => $MP4, filename => 'notes.txt');
    envelope_ok($r, 201, 'an mp4 named .txt is accepted');
    is($r->{json}{data}{content_type}, 'video/mp4', '... as video/mp4');
    is($r->{json}{data}{filename}, 'notes.txt', '... keeping its name');
    $r = upload($owner, $pid, file => $MP4, filename => 'Untitled take.mp4');
    envelope_ok($r, 201, 'no title part');
    is($r->{json}{data}{title}, 'Untitled take', '... the title is the file name without its extension');
    $r = upload($owner, $pid, parts => [['file', $MP4, 'after.mp4'], ['title', 'Title after the file']]);
    envelope_ok($r, 201, 'the title part after the file part');
    is($r->{json}{data}{title}, 'Title after the file', '... is the title');
    my $name = "Caf\x{e9} \x{2615} take.mp4";
    $r = upload($owner, $pid, title => "unicode $tag", file => $MP4, filename => Encode::encode('UTF-8', $name));
    envelope_ok($r, 201, 'a file name in UTF-8');
    is($r->{json}{data}{filename}, $name, '... kept as sent');
    my $c = http(GET => "/api/v1/videos/$r->{json}{data}{id}/content", headers => bearer($owner->{access}));
    is($c->{headers}{'content-disposition'}, "inline; filename*=UTF-8''Caf%C3%A9%20%E2%98%95%20take.mp4",
       '... and given back percent-encoded (RFC 8187)');

    # chunked, as a client streaming a file of unknown length sends it
    my ($body, $type) = multipart(['title', "chunked $tag"], ['file', $MP4, 'chunked.mp4']);
    my $req = "POST /api/v1$V HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $owner->{access}\r\n"
            . "Content-Type: $type\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (my $i = 0; $i < length $body; $i += 1000) {
        my $chunk = substr($body, $i, 1000);
        $req .= sprintf("%x\r\n", length $chunk) . "$chunk\r\n";
    }
    $r = raw_http("${req}0\r\n\r\n");
    is($r->{status}, 201, 'a chunked upload: 201');
    is($r->{json}{data}{sha256}, sha256_hex($MP4), '... the same file');
};

subtest 'a client no one here wrote: curl -F, with Expect: 100-continue' => sub {
    # 2 MiB: curl asks with Expect: 100-continue before a body over 1 MiB
    my $file = File::Temp->new(SUFFIX => '.mp4');
    print $file $MP4 . ("\0" x (2 * 1024 * 1024));
    $file->flush;
    my $bytes = slurp($file->filename);
    open(my $curl, '-|', 'curl', '-sS', '-v', '-H', "Authorization: Bearer $owner->{access}",
         '-H', "X-Forwarded-For: $VP::IP", '-F', "title=curl $tag",
         '-F', 'file=@' . $file->filename . ';type=video/mp4', base() . "/api/v1$V", '--stderr', '-')
        or return fail("curl: $!");
    my $out = do { local $/; <$curl> };
    close $curl;
    like($out, qr/^> Expect: 100-continue/mi, 'curl asked with Expect: 100-continue');
    like($out, qr/^< HTTP\/1\.1 100 Continue/mi, 'httpd said 100 Continue');
    my ($json) = $out =~ /(\{"success".*\})/;
    my $v = eval { JSON::PP->new->decode($json // '') } || {};
    like($out, qr/^< HTTP\/1\.1 201 /m, 'curl\'s upload: 201') or diag($out =~ s/[^\x20-\x7e\n]//gr);
    is($v->{status}, 'success', '... a success envelope');
    is($v->{data}{sha256}, sha256_hex($bytes), '... the file\'s sha256');
    is($v->{data}{size_bytes}, length $bytes, '... its size');
    is($v->{data}{filename}, (File::Basename::fileparse($file->filename))[0], '... its name as curl sent it');
};

subtest 'the same title in another letter case is the next version of the stack' => sub {
    my $first = $video{first} or return fail('no first upload');
    my $r = upload($owner, $pid, title => 'OPENING SCENE', file => fixture('webm'), filename => 'v2.webm');
    envelope_ok($r, 201, 'the same title in upper case') or return;
    my $v2 = $video{second} = $r->{json}{data};
    is($v2->{version}, 2, 'version 2');
    is($v2->{title}, 'Opening scene', 'of the same stack (its title)');
    isnt($v2->{id}, $first->{id}, 'a new video');
    $r = upload($owner, $pid, title => 'opening scene', file => $MP4);
    envelope_ok($r, 201, 'and in lower case');
    $video{third} = $r->{json}{data};
    is($video{third}{version}, 3, 'version 3');

    my $vs = call($viewer, GET => "/videos/$v2->{id}/versions");
    envelope_ok($vs, 200, 'versions');
    is_deeply([map { $_->{version} } @{ $vs->{json}{data} }], [1, 2, 3], 'the stack, ascending');
    is_deeply([sort keys %{ $vs->{json}{data}[0] }], [sort keys %$first], 'each with the members of a video');
    is_deeply([map { $_->{id} } @{ $vs->{json}{data} }], [$first->{id}, $v2->{id}, $video{third}{id}],
              '... the three videos');
    like($vs->{json}{data}[0]{content_url}, qr{/videos/$first->{id}/content\?.*user=$viewer->{id}},
         'each with its URL signed for the caller');
};

subtest 'the list: the latest of each stack, newest first; ?all_versions=true every version' => sub {
    my $r = call($viewer, GET => $V);
    envelope_ok($r, 200, 'list') or return;
    my $d = $r->{json}{data};
    my %titles;
    $titles{ $_->{title} }++ for @{ $d->{results} };
    ok(!grep({ $_ > 1 } values %titles), 'one item per stack');
    my @members = sort keys %{ $video{first} };
    is_deeply([sort keys %{ $d->{results}[0] }], \@members, 'an item has the members of a video');
    my ($scene) = grep { $_->{title} eq 'Opening scene' } @{ $d->{results} };
    is($scene->{version}, 3, 'the stack shows its latest version');
    is($d->{count}, scalar @{ $d->{results} }, 'count is the number of stacks');
    is($d->{results}[0]{id}, $video{third}{id}, 'newest first');
    my $stacks = psql("SELECT count(*) FROM video_stacks WHERE project_id = :'pid'", "pid=$pid");
    is($d->{count}, $stacks, 'count: every stack of the project');

    $r = call($viewer, GET => "$V?all_versions=true&page_size=100");
    envelope_ok($r, 200, 'list ?all_versions=true');
    my $all = $r->{json}{data};
    is($all->{count}, psql("SELECT count(*) FROM videos WHERE project_id = :'pid'", "pid=$pid"),
       'count: every version');
    is_deeply([sort map { $_->{version} } grep { $_->{title} eq 'Opening scene' } @{ $all->{results} }],
              [1, 2, 3], 'the three versions of the stack');
    my @created = map { $_->{created_at} } @{ $all->{results} };
    is_deeply(\@created, [reverse sort @created], 'newest first');

    $r = call($viewer, GET => "$V?page_size=1&page=2");
    envelope_ok($r, 200, 'a page of one');
    is(scalar @{ $r->{json}{data}{results} }, 1, 'one item');
    like($r->{json}{data}{next} // '', qr/page=3/, 'next page');
    $r = call($viewer, GET => "$V?fields=id,title,content_url");
    envelope_ok($r, 200, '?fields=');
    is_deeply([sort keys %{ $r->{json}{data}{results}[0] }], [qw(content_url id title)], 'only those fields');
    error_ok(call($viewer, GET => "$V?fields=id,nope"), 400, undef, 'an unknown field: 400');
    error_ok(call($viewer, GET => "$V?all_versions=yes"), 400, undef, '?all_versions=yes: 400');
    error_ok(call($viewer, GET => "$V?page_size=101"), 422, 'validation_failed', 'page_size 101: 422');
};

# ---- rename, delete ----
subtest 'PATCH {title} renames the stack; a title of another stack is 409' => sub {
    my ($v1, $v2) = @video{qw(first second)};
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'pid'", "pid=$pid");
    my $r = call($editor, PATCH => "/videos/$v2->{id}", { title => 'Opening, final' });
    envelope_ok($r, 200, 'an editor renames') or return;
    is($r->{json}{data}{title}, 'Opening, final', 'the answer has the new title');
    is($r->{json}{data}{id}, $v2->{id}, '... and is the video');
    my $vs = api($viewer, GET => "/videos/$v1->{id}/versions");
    is_deeply([map { $_->{title} } @$vs], [('Opening, final') x 3], 'every version has the new title');
    my @ev = grep { $_->{type} eq 'video.updated' } @{ events_after($pid, $last) };
    is(scalar @ev, 1, 'one video.updated event');
    is($ev[0]{payload}{title}, 'Opening, final', '... with the new title');
    ok(JSON::PP->new->encode($ev[0]{payload}) !~ /signature=|content_url|poster_url/,
       '... and no URL signed for the caller');

    my $r2 = call($owner, PATCH => "/videos/$v1->{id}", { title => 'KIND WEBM' });
    error_ok($r2, 409, 'conflict', 'the title of another stack (any case): 409');
    ok($r2->{json}{error}{details}{title}, '... on title');
    is(api($viewer, GET => "/videos/$v1->{id}")->{title}, 'Opening, final', 'the title did not change');
    envelope_ok(call($owner, PATCH => "/videos/$v1->{id}", { title => 'OPENING, FINAL' }), 200,
                'its own title in another case is no conflict');
    error_ok(call($owner, PATCH => "/videos/$v1->{id}", { title => '' }), 422, 'validation_failed',
             'an empty title: 422');
    error_ok(call($owner, PATCH => "/videos/$v1->{id}", { title => 'x' x 201 }), 422,
             'validation_failed', '201 characters: 422');
    error_ok(call($owner, PATCH => "/videos/$v1->{id}", { title => 'ok', size_bytes => 1 }), 400,
             'bad_request', 'an unknown field: 400');
    error_ok(call($viewer, PATCH => "/videos/$v1->{id}", { title => 'by a viewer' }), 403, 'forbidden',
             'a viewer may not rename');
};

subtest 'DELETE one version: 200, then 404 everywhere, its file gone' => sub {
    my $v = $video{third} or return fail('no third version');
    my $signed = api($owner, GET => "/videos/$v->{id}")->{content_url};
    ok(-f original_path($v->{id}), 'its file is there before');
    is(http(GET => local_path($signed))->{status}, 200, 'its signed URL works before');
    my $r = call($editor, DELETE => "/videos/$v->{id}");
    envelope_ok($r, 200, 'an editor deletes a version');
    is($r->{json}{data}{id}, $v->{id}, 'the answer names it');
    error_ok(call($owner, GET => "/videos/$v->{id}"), 404, 'not_found', 'GET: 404');
    error_ok(call($owner, GET => "/videos/$v->{id}/content"), 404, 'not_found', 'content: 404');
    error_ok(http(GET => local_path($signed)), 404, 'not_found', 'its signed URL: 404');
    error_ok(call($owner, GET => "/videos/$v->{id}/versions"), 404, 'not_found', 'versions: 404');
    error_ok(call($owner, DELETE => "/videos/$v->{id}"), 404, 'not_found', 'DELETE again: 404');
    error_ok(call($owner, PATCH => "/videos/$v->{id}", { title => 'x' }), 404, 'not_found', 'PATCH: 404');
    ok(!-e original_path($v->{id}), 'its file is gone from originals/');
    is_deeply([map { $_->{version} } @{ api($owner, GET => "/videos/$video{first}{id}/versions") }],
              [1, 2], 'the other versions stay');
    my ($top) = grep { $_->{title} =~ /^opening, final$/i } @{ api($owner, GET => "$V?page_size=100")->{results} };
    is($top->{version}, 2, 'the list shows version 2 as the latest');
    $r = upload($owner, $pid, title => 'Opening, final', file => $MP4);
    is($r->{json}{data}{version}, 4, 'a new upload takes version 4: numbers are never reused');
    error_ok(call($viewer, DELETE => "/videos/$video{first}{id}"), 403, 'forbidden', 'a viewer may not delete');
};

# ---- the media ----
subtest 'content: ranges, ETag and 304, Accept-Ranges, served by httpd' => sub {
    my $v = $video{first};
    my $C = "/api/v1/videos/$v->{id}/content";
    my $h = bearer($owner->{access});
    my $size = length $MP4;
    my $r = http(GET => $C, headers => $h);
    is($r->{status}, 200, 'the whole file: 200');
    is($r->{body}, $MP4, '... byte for byte');
    like($r->{headers}{'content-type'} // '', qr{^video/mp4}, 'Content-Type: the sniffed type');
    is($r->{headers}{'content-length'}, $size, 'Content-Length');
    is($r->{headers}{'accept-ranges'}, 'bytes', 'Accept-Ranges: bytes');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', 'X-Content-Type-Options: nosniff');
    ok($r->{headers}{'x-request-id'}, 'X-Request-ID');
    is($r->{headers}{'ratelimit-limit'}, 20000, 'media count against the media limit (20000 an hour)');
    is(http(GET => "/api/v1/videos/$v->{id}", headers => $h)->{headers}{'ratelimit-limit'}, 1000,
       '... the video itself against the default one');
    like($r->{headers}{'content-disposition'} // '', qr/^inline; filename\*=UTF-8''cut%20one\.mp4$/,
         'Content-Disposition: inline, with the file name');
    my $etag = $r->{headers}{etag};
    ok($etag, 'an ETag');

    $r = http(GET => $C, headers => { %$h, range => 'bytes=0-99' });
    is($r->{status}, 206, 'bytes=0-99: 206');
    is($r->{headers}{'content-range'}, "bytes 0-99/$size", '... Content-Range');
    is($r->{body}, substr($MP4, 0, 100), '... the first 100 bytes');
    $r = http(GET => $C, headers => { %$h, range => 'bytes=1000-1999' });
    is($r->{status}, 206, 'a middle range: 206');
    is($r->{headers}{'content-range'}, "bytes 1000-1999/$size", '... Content-Range');
    is($r->{body}, substr($MP4, 1000, 1000), '... those bytes');
    $r = http(GET => $C, headers => { %$h, range => 'bytes=-500' });
    is($r->{status}, 206, 'a suffix bytes=-500: 206');
    is($r->{headers}{'content-range'}, sprintf('bytes %d-%d/%d', $size - 500, $size - 1, $size),
       '... Content-Range');
    is($r->{body}, substr($MP4, -500), '... the last 500 bytes');
    $r = http(GET => $C, headers => { %$h, range => 'bytes=0-' });
    is($r->{status}, 206, "bytes=0- (a <video> element's first request): 206");
    is($r->{headers}{'content-range'}, sprintf('bytes 0-%d/%d', $size - 1, $size), '... the whole file');
    $r = http(GET => $C, headers => { %$h, range => 'bytes=0-9,20-29' });
    is($r->{status}, 206, 'two ranges: 206');
    like($r->{headers}{'content-type'} // '', qr{^multipart/byteranges; boundary=}, '... multipart/byteranges');
    $r = http(GET => $C, headers => { %$h, range => "bytes=$size-" });
    is($r->{status}, 416, 'a range past the end: 416');
    is($r->{headers}{'content-range'}, "bytes */$size", '... Content-Range: bytes */size');

    $r = http(GET => $C, headers => { %$h, 'if-none-match' => $etag });
    is($r->{status}, 304, 'If-None-Match with its ETag: 304');
    ok(!length($r->{body} // ''), '... no body');
    $r = http(GET => $C, headers => { %$h, 'if-none-match' => '"other"' });
    is($r->{status}, 200, 'another ETag: 200');
    $r = http(HEAD => $C, headers => $h);
    is($r->{status}, 200, 'HEAD: 200');
    is($r->{headers}{'content-length'}, $size, '... with the Content-Length');

    error_ok(http(GET => $C), 401, 'authentication_required', 'no token and no signature: 401');
    error_ok(http(GET => $C, headers => bearer($outsider->{access})), 404, 'not_found',
             'a non-member: 404');
    error_ok(http(GET => "$C?rendition=1080p", headers => $h), 400, 'bad_request',
             'an unknown rendition: 400');
    # a file that passes for an mp4 but decodes to nothing: vplanetd (when it
    # encodes) never makes a rendition or a poster of it, so these stay 404
    # however fast encoding runs
    my $w = upload($owner, $pid, title => "no picture $tag", file => marked(3000))->{json}{data};
    error_ok(http(GET => "/api/v1/videos/$w->{id}/content?rendition=web", headers => $h), 404,
             'not_found', 'a rendition that does not exist: 404');
    error_ok(http(GET => "/api/v1/videos/$w->{id}/poster", headers => $h), 404, 'not_found',
             'a poster that does not exist: 404');
    error_ok(http(GET => "$C?rendition=480p", headers => $h), 404, 'not_found',
             'a rendition a 160x120 source never gets (480p): 404');
};

subtest 'a rendition and a poster, once they exist, are served by their signed URLs' => sub {
    # What vplanetd writes when it has encoded a video (a row of
    # video_renditions, has_poster, the files under renditions/ and
    # posters/), written here by the test: the module's part is to list and
    # serve them. The video's encoding job is taken out of the queue first
    # (or, when a vplanetd took it already, waited for), so that no encoder
    # works on it meanwhile.
    my $v = upload($owner, $pid, title => "encoded $tag", file => marked(3000))->{json}{data}
        or return fail('upload');
    my $taken = psql("UPDATE encoding_jobs SET status = 'done', finished_at = now()"
                   . " WHERE video_id = :'v' AND status = 'queued' RETURNING id", "v=$v->{id}");
    ok($taken || wait_for(60, sub { psql("SELECT status FROM encoding_jobs WHERE video_id = :'v'", "v=$v->{id}")
                                     =~ /^(done|failed)$/ }), 'no encoder works on the video');
    my ($web, $jpg) = (fixture('mp4'), fixture('jpg'));
    my ($uid, $gid) = (stat media_root())[4, 5];
    my $rdir = media_root() . '/renditions/' . substr($v->{id}, 0, 2) . "/$v->{id}";
    my $pdir = media_root() . '/posters/' . substr($v->{id}, 0, 2);
    for my $d (media_root() . '/renditions/' . substr($v->{id}, 0, 2), $rdir, $pdir) {
        mkdir $d, 0755;
        chown $uid, $gid, $d;
    }
    write_file("$rdir/web.mp4", $web);
    write_file("$pdir/$v->{id}.jpg", $jpg);
    chmod 0644, "$rdir/web.mp4", "$pdir/$v->{id}.jpg";
    chown $uid, $gid, "$rdir/web.mp4", "$pdir/$v->{id}.jpg";
    psql("INSERT INTO video_renditions (video_id, name, width, height, size_bytes) VALUES (:'v', 'web', 160, 120, :n);"
       . " UPDATE videos SET has_poster = true WHERE id = :'v'", "v=$v->{id}", 'n=' . length $web);

    my $got = api($viewer, GET => "/videos/$v->{id}");
    is(scalar @{ $got->{renditions} }, 1, 'the video lists its rendition');
    my $rend = $got->{renditions}[0];
    is_deeply([@$rend{qw(name width height size_bytes)}], ['web', 160, 120, length $web],
              '... name, width, height, size_bytes');
    like($rend->{url}, qr{/api/v1/videos/$v->{id}/content\?rendition=web&expires=\d+&user=$viewer->{id}&session=[^&]+&signature=[\w-]+$},
         '... and its URL, signed for the caller');
    like($got->{poster_url} // '', qr{/api/v1/videos/$v->{id}/poster\?expires=\d+&user=$viewer->{id}&session=[^&]+&signature=[\w-]+$},
         'poster_url, signed for the caller');
    my ($listed) = grep { $_->{id} eq $v->{id} } @{ api($viewer, GET => "$V?page_size=100")->{results} };
    is_deeply($listed->{renditions}[0]{name}, 'web', 'the list has the rendition too');

    my $r = http(GET => local_path($rend->{url}));
    is($r->{status}, 200, 'the rendition URL plays without Authorization');
    is($r->{body}, $web, '... the rendition\'s file');
    like($r->{headers}{'content-type'} // '', qr{^video/mp4}, '... as video/mp4');
    $r = http(GET => local_path($rend->{url}), headers => { range => 'bytes=10-19' });
    is($r->{status}, 206, '... with a Range: 206');
    is($r->{body}, substr($web, 10, 10), '... those bytes');
    $r = http(GET => local_path($got->{poster_url}));
    is($r->{status}, 200, 'the poster URL: 200');
    is($r->{body}, $jpg, '... the JPEG');
    like($r->{headers}{'content-type'} // '', qr{^image/jpeg}, '... as image/jpeg');
    error_ok(http(GET => local_path($rend->{url}) =~ s/rendition=web&//r), 403, 'forbidden',
             'the rendition URL without its rendition (the original): 403');
    error_ok(http(GET => local_path($rend->{url}) =~ s/rendition=web/rendition=720p/r), 403, 'forbidden',
             'the rendition URL for another rendition: 403');
    is(http(GET => "/api/v1/videos/$v->{id}/content?rendition=web", headers => bearer($owner->{access}))->{body},
       $web, 'by Bearer token too');

    envelope_ok(call($owner, DELETE => "/videos/$v->{id}"), 200, 'the video is deleted');
    ok(!-e "$rdir/web.mp4" && !-e $rdir, 'its renditions are gone from the storage folder');
    ok(!-e "$pdir/$v->{id}.jpg", 'and its poster');
    is(psql("SELECT count(*) FROM video_renditions WHERE video_id = :'v'", "v=$v->{id}"), 0,
       'and its rendition rows');
    error_ok(http(GET => local_path($rend->{url})), 404, 'not_found', 'its rendition URL: 404');
    error_ok(http(GET => local_path($got->{poster_url})), 404, 'not_found', 'its poster URL: 404');
};

subtest 'signed URLs: no header needed; tampered, expired, foreign or logged-out ones are 403' => sub {
    my $v = $video{first};
    my $C = "/api/v1/videos/$v->{id}/content";
    # a session of its own, to log out at the end
    my $login = login($viewer);
    my $session = $login->{json}{data} or return fail('login');
    my $url = local_path(api($session->{access_token}, GET => "/videos/$v->{id}")->{content_url});
    my %q = $url =~ /[?&](\w+)=([^&]*)/g;
    is($q{user}, $viewer->{id}, 'the URL names its user');
    ok($q{session} && $q{expires} && $q{signature}, 'and its session, expiry and signature');
    cmp_ok($q{expires} - time, '>', 3000, 'valid about an hour');
    cmp_ok($q{expires} - time, '<=', 3600, '... not longer');

    my $r = http(GET => $url);
    is($r->{status}, 200, 'the signed URL works without Authorization');
    is($r->{body}, $MP4, '... the file');
    $r = http(GET => $url, headers => { range => 'bytes=0-9' });
    is($r->{status}, 206, '... and with a Range: 206');

    my $sig = $q{signature};
    my $bad = substr($sig, 0, -1) . (substr($sig, -1) eq 'A' ? 'B' : 'A');
    error_ok(http(GET => $url =~ s/signature=[^&]+/signature=$bad/r), 403, 'forbidden', 'a tampered signature: 403');
    error_ok(http(GET => $url =~ s/signature=[^&]+/signature=/r), 403, 'forbidden', 'an empty signature: 403');
    my $later = $q{expires} + 3600;
    error_ok(http(GET => $url =~ s/expires=\d+/expires=$later/r), 403, 'forbidden', 'a longer expiry: 403');
    error_ok(http(GET => $url =~ s/user=[^&]+/user=$owner->{id}/r), 403, 'forbidden', 'another user: 403');
    error_ok(http(GET => "$url&rendition=web"), 403, 'forbidden', 'the content URL used for a rendition: 403');
    error_ok(http(GET => "/api/v1/videos/$v->{id}/poster?" . ($url =~ s/^[^?]*\?//r)), 403, 'forbidden',
             'the content URL used for the poster: 403');
    my $other = $video{second};
    error_ok(http(GET => $url =~ s/$v->{id}/$other->{id}/r), 403, 'forbidden',
             "another video's path with this signature: 403");

    # signed by the test with the stack's key (vpcore/vp_media.c)
    my $sound = time + 600;
    my $forged = "$C?expires=$sound&user=$q{user}&session=$q{session}&signature="
               . media_sign($v->{id}, 'content', $q{user}, $q{session}, $sound);
    is(http(GET => $forged)->{status}, 200, 'a URL signed by the test is accepted (the forging is sound)');
    my $past = time - 5;
    error_ok(http(GET => "$C?expires=$past&user=$q{user}&session=$q{session}&signature="
                       . media_sign($v->{id}, 'content', $q{user}, $q{session}, $past)),
             403, 'forbidden', 'an expired URL: 403');
    my $outsider_url = "$C?expires=$sound&user=$outsider->{id}&session=$q{session}&signature="
                     . media_sign($v->{id}, 'content', $outsider->{id}, $q{session}, $sound);
    isnt(http(GET => $outsider_url)->{status}, 200, "a valid signature for another user's session is refused");

    envelope_ok(http(POST => '/api/v1/auth/logout', json => { refresh_token => $session->{refresh_token} }),
                200, 'the session logs out');
    error_ok(http(GET => $url), 403, 'forbidden', 'a URL of a logged-out session: 403');
    error_ok(http(GET => $forged), 403, 'forbidden', '... also freshly signed');

    # the URL plays as its user: one who left the project reads nothing more
    my $leaver = new_user();
    api($owner, POST => "/projects/$pid/members", { user_id => $leaver->{id}, role => 'reviewer' });
    my $theirs = local_path(api($leaver, GET => "/videos/$v->{id}")->{content_url});
    is(http(GET => $theirs)->{status}, 200, "a reviewer's URL plays");
    api($owner, DELETE => "/projects/$pid/members/$leaver->{id}");
    error_ok(http(GET => $theirs), 404, 'not_found', 'once the reviewer is removed from the project: 404');
};

# ---- ids, tenants ----
subtest 'bad ids and other projects\' videos are 404' => sub {
    my $v = $video{first};
    for my $id ('not-a-uuid', '12345', uuid4(), "$v->{id}x") {
        for my $call ([GET => "/videos/$id"], [PATCH => "/videos/$id", { title => 'x' }],
                      [DELETE => "/videos/$id"], [GET => "/videos/$id/versions"],
                      [GET => "/videos/$id/content"], [GET => "/videos/$id/poster"]) {
            error_ok(call($owner, @$call), 404, 'not_found', "$call->[0] $call->[1]: 404");
        }
    }
    error_ok(call($owner, GET => '/projects/not-a-uuid/videos'), 404, 'not_found', 'list of a bad project id');
    error_ok(upload($owner, 'not-a-uuid'), 404, 'not_found', 'upload to a bad project id');
    error_ok(upload($owner, uuid4()), 404, 'not_found', 'upload to an unknown project');
    envelope_ok(call($owner, GET => '/videos/' . uc $v->{id}), 200, 'a UUID in upper case is the video');

    # a non-member: 404 on everything, never 403
    for my $call ([GET => "/videos/$v->{id}"], [PATCH => "/videos/$v->{id}", { title => 'x' }],
                  [DELETE => "/videos/$v->{id}"], [GET => "/videos/$v->{id}/versions"],
                  [GET => "/videos/$v->{id}/content"], [GET => "/videos/$v->{id}/poster"],
                  [GET => $V]) {
        error_ok(call($outsider, @$call), 404, 'not_found', "a non-member: $call->[0] $call->[1]: 404");
    }
    error_ok(upload($outsider, $pid), 404, 'not_found', 'a non-member uploads: 404');
    my $gone = new_project($owner, "Gone $tag");
    api($owner, DELETE => "/projects/$gone");
    error_ok(upload($owner, $gone), 404, 'not_found', 'an upload to a deleted project: 404');
    my $theirs = new_project($outsider, "Theirs $tag");
    error_ok(call($outsider, GET => "/videos/$v->{id}"), 404, 'not_found',
             'a member of another project: 404 on this one\'s video');
    is(api($owner, GET => "/videos/$v->{id}")->{title}, 'OPENING, FINAL', 'nothing changed');
    is(api($outsider, GET => "/projects/$theirs/videos")->{count}, 0, 'their project lists none of these');
};

subtest 'a video id in upper case is the same video, its file included' => sub {
    my $v = upload($owner, $pid, title => "upper $tag", file => $MP4)->{json}{data} or return fail('upload');
    my $ID = uc $v->{id};
    my $r = http(GET => "/api/v1/videos/$ID/content", headers => bearer($owner->{access}));
    is($r->{status}, 200, 'content by the upper-case id: 200');
    is($r->{body}, $MP4, '... the file');
    my $url = local_path(api($owner, GET => "/videos/$v->{id}")->{content_url});
    is(http(GET => $url =~ s/$v->{id}/$ID/r)->{status}, 200, 'its signed URL with the id in upper case: 200');
    is(api($owner, GET => "/videos/$ID/versions")->[0]{id}, $v->{id}, 'versions by the upper-case id');
    envelope_ok(call($owner, DELETE => "/videos/$ID"), 200, 'DELETE by the upper-case id');
    ok(!-e original_path($v->{id}), 'its file is gone from originals/');
    error_ok(call($owner, GET => "/videos/$v->{id}"), 404, 'not_found', 'the video is gone');
};

# ---- the body ----
subtest 'multipart errors: 422, 400, 415; nothing kept' => sub {
    my $before = snapshot();
    my $file = ['file', marked(1000), 'a.mp4', 'video/mp4'];
    my $r = upload($owner, $pid, parts => [['title', 'only a title']]);
    error_ok($r, 422, 'validation_failed', 'no file part: 422');
    ok($r->{json}{error}{details}{file}, '... on file');
    $r = upload($owner, $pid, parts => [['title', 'two'], $file, $file]);
    error_ok($r, 400, 'bad_request', 'two files: 400');
    $r = upload($owner, $pid, parts => [['title', 'unknown'], ['comment', 'hello'], $file]);
    error_ok($r, 400, 'bad_request', 'an unknown part: 400');
    ok($r->{json}{error}{details}{comment}, '... naming it');
    $r = upload($owner, $pid, parts => [['title', 'a'], ['title', 'b'], $file]);
    error_ok($r, 400, 'bad_request', 'two titles: 400');
    $r = upload($owner, $pid, parts => [['title', 'no name'], ['file', $MP4]]);
    error_ok($r, 400, 'bad_request', 'a file part without a file name: 400');
    $r = upload($owner, $pid, parts => [['title', ''], $file]);
    error_ok($r, 422, 'validation_failed', 'an empty title: 422');
    $r = upload($owner, $pid, parts => [['title', 'x' x 201], $file]);
    error_ok($r, 422, 'validation_failed', 'a title of 201 characters: 422');
    $r = upload($owner, $pid, parts => [['title', 'empty'], ['file', '', 'e.mp4']]);
    error_ok($r, 422, 'validation_failed', 'an empty file: 422');

    my ($body, $type) = multipart(['title', 'types'], $file);
    my $h = bearer($owner->{access});
    $r = http(POST => "/api/v1$V", body => $body, headers => { %$h, 'content-type' => 'multipart/form-data' });
    error_ok($r, 415, 'unsupported_media_type', 'multipart without a boundary: 415');
    $r = http(POST => "/api/v1$V", body => $body, headers => { %$h, 'content-type' => 'application/json' });
    error_ok($r, 415, 'unsupported_media_type', 'application/json: 415');
    $r = http(POST => "/api/v1$V", body => $MP4, headers => { %$h, 'content-type' => 'video/mp4' });
    error_ok($r, 415, 'unsupported_media_type', 'the file as the body: 415');
    (my $truncated = $body) =~ s/--[^-\r\n]+--\r\n\z//;
    $r = http(POST => "/api/v1$V", body => $truncated, headers => { %$h, 'content-type' => $type });
    error_ok($r, 400, 'bad_request', 'no closing boundary: 400');
    $r = http(POST => "/api/v1$V", body => substr($body, 0, length($body) - 200),
              headers => { %$h, 'content-type' => $type });
    error_ok($r, 400, 'bad_request', 'cut inside the file: 400');
    is(stack_rows($_), 0, "no row for '$_'") for 'only a title', 'two', 'unknown', 'types', 'no name';
    nothing_left($before, 'refused bodies');
};

subtest 'a file full of near-boundaries, across the reads of the body, arrives intact' => sub {
    my $b = 'vpNearBoundary0123456789abcdef';
    # the delimiter's start (CRLF, "--", the boundary) cut short, at and
    # around every 64 KiB (the size the module reads the body in), and the
    # boundary without the CRLF before it (no delimiter: RFC 2046 takes the
    # boundary whole after a CRLF as one, whatever follows)
    my $file = $MP4;
    for my $k (1 .. 12) {
        my $near = "\r\n--" . substr($b, 0, $k % length($b));
        $file .= "x" x ($k * 65536 - $k * 7 - length($file)) if length($file) < $k * 65536 - $k * 7;
        $file .= $near . "y" . "--$b" . "\r\n-" . "\r\n--" . substr($b, 0, -1) . "\r\n";
    }
    my $body = "--$b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nnear $tag\r\n"
             . "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"near.mp4\"\r\n"
             . "Content-Type: video/mp4\r\n\r\n$file\r\n--$b--\r\n";
    my $r = http(POST => "/api/v1$V", body => $body,
                 headers => { %{ bearer($owner->{access}) }, 'content-type' => "multipart/form-data; boundary=$b" });
    envelope_ok($r, 201, 'uploaded') or return;
    is($r->{json}{data}{size_bytes}, length $file, 'size_bytes: every byte of the file');
    is($r->{json}{data}{sha256}, sha256_hex($file), 'sha256 of the file as sent');
    ok(slurp(original_path($r->{json}{data}{id})) eq $file, 'the stored file is the file, byte for byte');
    $r = upload($owner, $pid, title => "path $tag", file => $MP4, filename => 'C:\\fakepath\\clip.mp4');
    envelope_ok($r, 201, 'a file name with a Windows path');
    is($r->{json}{data}{filename}, 'clip.mp4', '... its last segment (the backslashes as a browser sends them)');
    $r = upload($owner, $pid, title => "dots $tag", file => $MP4, filename => '../../etc/clip.mp4');
    is($r->{json}{data}{filename}, 'clip.mp4', 'a file name with ../: its last segment');
};

subtest 'a client that disconnects mid-upload leaves nothing' => sub {
    my $before = snapshot();
    my ($body, $type) = multipart(['title', "gone $tag"], ['file', marked(2 * 1024 * 1024), 'gone.mp4']);
    my ($host, $port) = base() =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 10) or die "connect: $!";
    local $SIG{PIPE} = 'IGNORE';
    print $s "POST /api/v1$V HTTP/1.1\r\nHost: $host\r\nAuthorization: Bearer $owner->{access}\r\n"
           . "Content-Type: $type\r\nContent-Length: " . length($body) . "\r\n\r\n"
           . substr($body, 0, 256 * 1024);
    $s->flush;
    ok(wait_for(10, sub { marked_in_tmp() }), 'while the body arrives, the upload is in a file of tmp/');
    close $s;
    nothing_left($before, 'after the disconnect');
    is(stack_rows("gone $tag"), 0, 'no row');
};

subtest 'over VPlanetMaxUpload: 413, nothing kept (a second httpd with a 1 MiB limit)' => sub {
    my ($base, $why) = httpd_variant('videos-max', 'VPlanetMaxUpload 1048576');
    ok($base, 'an httpd with VPlanetMaxUpload 1048576 starts') or return diag($why);
    my $h = bearer($owner->{access});
    my $before = snapshot();
    my $r;
    my ($body, $type) = multipart(['title', "fits $tag"], ['file', marked(1024 * 1024 - 10), 'f.mp4']);
    $r = http(POST => "/api/v1$V", base => $base, body => $body, headers => { %$h, 'content-type' => $type });
    envelope_ok($r, 201, 'a file just under 1 MiB is accepted');
    $before = snapshot();

    # declared too large: refused before anything is read
    ($body, $type) = multipart(['title', "too big $tag"], ['file', marked(2 * 1024 * 1024), 'big.mp4']);
    $r = http(POST => "/api/v1$V", base => $base, body => $body, headers => { %$h, 'content-type' => $type });
    error_ok($r, 413, 'payload_too_large', 'a body of 2 MiB: 413');
    is($r->{json}{message}, 'the file exceeds 1048576 bytes', 'the message names the file limit');
    # the body fits the allowance for the other parts, the file does not:
    # found while streaming, after the upload's file was begun
    ($body, $type) = multipart(['title', "too big $tag"], ['file', marked(1024 * 1024 + 7000), 'big.mp4']);
    cmp_ok(length $body, '<', 1024 * 1024 + 64 * 1024, '(a body under the limit and its allowance for the other parts)');
    $r = http(POST => "/api/v1$V", base => $base, body => $body, headers => { %$h, 'content-type' => $type });
    error_ok($r, 413, 'payload_too_large', 'a file of 1 MiB + 7 KiB: 413');
    # chunked: no length to refuse up front
    my $req = "POST /api/v1$V HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $owner->{access}\r\n"
            . "Content-Type: $type\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    for (my $i = 0; $i < length $body; $i += 65536) {
        my $c = substr($body, $i, 65536);
        $req .= sprintf("%x\r\n", length $c) . "$c\r\n";
    }
    $req .= "0\r\n\r\n";
    {
        local $ENV{VP_BASE} = $base;
        $r = raw_http($req);
    }
    is($r->{status}, 413, 'the same body chunked: 413');
    is(stack_rows("too big $tag"), 0, 'no row');
    nothing_left($before, 'over the limit');
    httpd_variant_stop("$ENV{VP_STATE}/videos-max");
};

# ---- Idempotency-Key ----
subtest 'Idempotency-Key: the same upload again is the first answer, no second row' => sub {
    my $key = "vid-$tag";
    my $title = "idem $tag";
    my $file = marked(5000);
    my $r1 = upload($owner, $pid, title => $title, file => $file, headers => { 'idempotency-key' => $key });
    envelope_ok($r1, 201, 'the first upload') or return;
    my $before = snapshot();
    my $r2 = upload($owner, $pid, title => $title, file => $file, headers => { 'idempotency-key' => $key });
    envelope_ok($r2, 201, 'the same upload with the same key: 201');
    is($r2->{headers}{'idempotent-replayed'}, 'true', 'Idempotent-Replayed: true');
    is($r2->{json}{data}{id}, $r1->{json}{data}{id}, 'the same video');
    is($r2->{json}{data}{version}, 1, 'version 1 still');
    is(stack_rows($title), 1, 'one row');
    my $r3 = upload($owner, $pid, title => $title, file => fixture('webm'), filename => 'other.webm',
                    headers => { 'idempotency-key' => $key });
    error_ok($r3, 409, 'conflict', 'the same key with another file: 409');
    is(stack_rows($title), 1, 'still one row');
    nothing_left($before, 'the replay and the conflict');
};

# ---- concurrency ----
subtest 'two uploads of one title at once: versions 1 and 2' => sub {
    my @res = parallel(2, sub { upload($owner, $pid, title => "pair $tag", file => $MP4) });
    is_deeply([sort map { $_->{status} } @res], [201, 201], 'both 201');
    is_deeply([sort map { $_->{json}{data}{version} } @res], [1, 2], 'versions 1 and 2');
};

subtest '20 parallel uploads on one project: no 500, 20 distinct versions, nothing lost or doubled' => sub {
    my $p2 = new_project($owner, "Parallel videos $tag");
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$p2");
    my @res = parallel(20, sub { upload($owner, $p2, title => 'Same title', file => $MP4, filename => "t$_[0].mp4") });
    my @bad = grep { $_->{status} != 201 } @res;
    is(scalar @bad, 0, 'every upload answers 201')
        or diag(join "\n", map { "$_->{status} " . ($_->{body} // $_->{died} // '') } @bad[0 .. 2]);
    is_deeply([sort { $a <=> $b } map { $_->{json}{data}{version} // 0 } @res], [1 .. 20],
              'versions 1 to 20, each once');
    is(psql("SELECT count(*) || ' ' || count(DISTINCT version) || ' ' || count(DISTINCT stack_id)"
          . " FROM videos WHERE project_id = :'p'", "p=$p2"), '20 20 1',
       '20 rows of 20 versions in one stack');
    is(psql("SELECT last_version FROM video_stacks WHERE project_id = :'p'", "p=$p2"), 20,
       'the stack counted 20');
    is(scalar(grep { $_->{type} eq 'video.added' } @{ events_after($p2, $last) }), 20, '20 video.added events');
    is(scalar(grep { -f original_path($_->{json}{data}{id} // 'none') } @res), 20, '20 originals on disk');
    is(psql("SELECT count(*) FROM encoding_jobs j JOIN videos v ON v.id = j.video_id WHERE v.project_id = :'p'",
            "p=$p2"), 20, '20 encoding jobs');

    # and 20 new titles at once: 20 stacks, each at version 1
    @res = parallel(20, sub { upload($owner, $p2, title => "Title $_[0]", file => $MP4) });
    is(scalar(grep { $_->{status} == 201 } @res), 20, '20 new titles at once: every upload answers 201');
    is_deeply([map { $_->{json}{data}{version} // 0 } @res], [(1) x 20], '... each version 1');
    is(psql("SELECT count(*) || ' ' || count(DISTINCT stack_id) FROM videos WHERE project_id = :'p'"
          . " AND stack_id <> (SELECT id FROM video_stacks WHERE project_id = :'p' AND title = 'Same title')",
            "p=$p2"), '20 20', '... 20 rows in 20 stacks');
};

# ---- stats ----
subtest 'project stats count videos' => sub {
    my $p3 = new_project($owner, "Stats $tag");
    my $s = api($owner, GET => "/projects/$p3/stats");
    is_deeply($s->{videos}, { versions => 0, stacks => 0, by_encoding_status => {} }, 'a project without videos');
    upload($owner, $p3, title => 'one', file => $MP4);
    upload($owner, $p3, title => 'ONE', file => $MP4);
    my $gone = upload($owner, $p3, title => 'ONE', file => $MP4)->{json}{data};
    upload($owner, $p3, title => 'two', file => $MP4);
    api($owner, DELETE => "/videos/$gone->{id}");
    $s = api($owner, GET => "/projects/$p3/stats");
    is($s->{videos}{versions}, 3, 'three live versions (a deleted one does not count)');
    is($s->{videos}{stacks}, 2, 'in two stacks');
    my $sum = 0;
    $sum += $_ for values %{ $s->{videos}{by_encoding_status} };
    is($sum, 3, 'by_encoding_status counts each version once');
    ok(!grep({ !/^(pending|processing|completed|partial|failed)$/ } keys %{ $s->{videos}{by_encoding_status} }),
       'by encoding status');
    $s = api($viewer, GET => "/projects/$pid/stats");
    is($s->{videos}{versions},
       psql("SELECT count(*) FROM videos WHERE project_id = :'pid' AND deleted_at IS NULL", "pid=$pid"),
       'a viewer reads the counts of the first project: its live versions');
};

done_testing();
