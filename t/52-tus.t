# Resumable uploads, the tus 1.0.0 protocol (spec section 5; README
# "Resumable uploads (tus)"): creation and its header checks, an upload in
# three PATCHes with a connection dropped in the middle one (HEAD reports
# the bytes actually stored, the client resumes from there), a wrong offset
# (409), two writers at once (409), the video the last byte makes (size and
# SHA-256 of the whole file), a file that is not a video (415, removed),
# more than Upload-Length (413), termination (the file leaves the storage
# folder), expiry, the OPTIONS answer of Apache, the role matrix, and
# tus-js-client from npm under Node uploading an ffmpeg fixture.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Temp ();
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Encode ();
use Time::HiRes ();
use VP;
use VPVideo qw(media_root storage_files);

my $MEDIA = media_root();
my $MAX = 524288000;            # VPlanetMaxUpload's default, and Tus-Max-Size
my $tmp = File::Temp::tempdir(CLEANUP => 1);

# the fixture: 2 s of testsrc, 320x240, 25 fps (an mp4 of some tens of KiB)
my $fixture = "$tmp/clip.mp4";
system('ffmpeg', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=320x240:rate=25',
       '-pix_fmt', 'yuv420p', '-y', $fixture) == 0 or BAIL_OUT('ffmpeg cannot make the fixture');
my $clip = slurp($fixture);
my $LEN = length $clip;
ok($LEN > 3000, "the fixture has $LEN bytes");

my $owner = new_user();
my ($editor, $reviewer, $viewer, $outsider) = map { new_user() } 1 .. 4;
my $p = new_project($owner, 'tus ' . time);
api($owner, POST => "/projects/$p/members", { user_id => $editor->{id}, role => 'editor' });
api($owner, POST => "/projects/$p/members", { user_id => $reviewer->{id}, role => 'reviewer' });
api($owner, POST => "/projects/$p/members", { user_id => $viewer->{id}, role => 'viewer' });
my $U = "/api/v1/projects/$p/uploads";

# tus(WHO, METHOD, PATH, HEADERS, BODY): a tus request (Tus-Resumable: 1.0.0
# unless HEADERS says otherwise; undef values leave a header out)
sub tus {
    my ($who, $method, $path, $h, $body) = @_;
    my %h = ('tus-resumable' => '1.0.0', authorization => "Bearer $who->{access}", %{ $h || {} });
    delete $h{$_} for grep { !defined $h{$_} } keys %h;
    return http($method, $path, headers => \%h, defined $body ? (body => $body) : ());
}

# Upload-Metadata of [key, text] pairs (text as UTF-8)
sub meta { join ',', map { "$_->[0] " . encode_base64(Encode::encode_utf8($_->[1]), '') } @_ }

# create(WHO, LENGTH, META...): a new upload's path (dies unless 201)
sub create {
    my ($who, $len, @meta) = @_;
    my $r = tus($who, POST => $U, { 'upload-length' => $len, @meta ? ('upload-metadata' => meta(@meta)) : () });
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    my ($path) = $r->{headers}{location} =~ m{^\Q${\ base()}\E(/.*)$} or die "location $r->{headers}{location}\n";
    return $path;
}

sub patch {
    my ($who, $path, $offset, $bytes, %h) = @_;
    return tus($who, PATCH => $path, { 'content-type' => 'application/offset+octet-stream',
                                       'upload-offset' => $offset, %h }, $bytes);
}

sub head_offset {
    my ($who, $path) = @_;
    my $r = tus($who, HEAD => $path);
    return $r->{status} == 200 ? $r->{headers}{'upload-offset'} : "status $r->{status}";
}

sub id_of { ($_[0] =~ m{/uploads/([0-9a-f-]+)$})[0] }
sub file_of { my ($kind, $id) = @_; sprintf '%s/%s/%s/%s', $MEDIA, $kind, substr($id, 0, 2), $id }

# open_patch(PATH, OFFSET, LENGTH, BYTES): a raw connection sending a PATCH
# that announces LENGTH bytes and sends BYTES of them; returns the socket
sub open_patch {
    my ($who, $path, $offset, $length, $bytes) = @_;
    my ($host, $port) = base() =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 30) or die "connect: $!";
    local $SIG{PIPE} = 'IGNORE';
    print $s "PATCH $path HTTP/1.1\r\nHost: $host:$port\r\nX-Forwarded-For: $VP::IP\r\n"
           . "Authorization: Bearer $who->{access}\r\nTus-Resumable: 1.0.0\r\n"
           . "Content-Type: application/offset+octet-stream\r\nUpload-Offset: $offset\r\n"
           . "Content-Length: $length\r\n\r\n$bytes";
    $s->flush;
    return $s;
}

# wait_until(CODE, WHAT): CODE true within 20 s
sub wait_until {
    my ($code, $what) = @_;
    for (1 .. 200) { return 1 if $code->(); Time::HiRes::sleep(0.1) }
    diag("timed out waiting for $what");
    return 0;
}

subtest 'Apache answers OPTIONS with what the server speaks, and CORS lets a browser client use it' => sub {
    my $r = http(OPTIONS => $U, headers => { origin => 'http://localhost:3000',
                                             'access-control-request-method' => 'PATCH' });
    is($r->{status}, 204, 'OPTIONS is 204');
    is($r->{headers}{'tus-version'}, '1.0.0', 'Tus-Version: 1.0.0');
    is($r->{headers}{'tus-extension'}, 'creation,termination,expiration', 'Tus-Extension');
    is($r->{headers}{'tus-max-size'}, $MAX, 'Tus-Max-Size is the module\'s default VPlanetMaxUpload');
    like($r->{headers}{'access-control-allow-headers'} // '', qr/\bUpload-Offset\b/, 'Upload-Offset may be sent');
    like($r->{headers}{'access-control-allow-headers'} // '', qr/\bTus-Resumable\b/, 'Tus-Resumable may be sent');
    like($r->{headers}{'access-control-allow-headers'} // '', qr/\bUpload-Metadata\b/, 'Upload-Metadata may be sent');
    my $item = http(OPTIONS => "$U/" . uuid4());
    is($item->{headers}{'tus-version'}, '1.0.0', 'and on an upload\'s own path');
    my $other = http(OPTIONS => "/api/v1/projects/$p/videos");
    ok(!$other->{headers}{'tus-version'}, 'not on other paths');
    my $post = tus($owner, POST => $U, { 'upload-length' => 10, origin => 'http://localhost:3000' });
    like($post->{headers}{'access-control-expose-headers'} // '', qr/\bLocation\b.*\bUpload-Offset\b/,
         'Location and Upload-Offset are exposed to scripts');
};

subtest 'creation checks its headers' => sub {
    my $before = psql("SELECT count(*) FROM uploads WHERE project_id = '$p'");
    my $r = tus($owner, POST => $U, { 'tus-resumable' => undef, 'upload-length' => 100 });
    error_ok($r, 412, 'precondition_failed', 'no Tus-Resumable: 412');
    is($r->{headers}{'tus-version'}, '1.0.0', '... with Tus-Version');
    error_ok(tus($owner, POST => $U, { 'tus-resumable' => '0.2.2', 'upload-length' => 100 }), 412,
             'precondition_failed', 'another version: 412');
    error_ok(tus($owner, POST => $U), 400, 'bad_request', 'no Upload-Length: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => '0' }), 400, 'bad_request', 'Upload-Length 0: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => '-5' }), 400, 'bad_request', 'a negative length: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => '12x' }), 400, 'bad_request', 'not a number: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => $MAX + 1 }), 413, 'payload_too_large',
             'over VPlanetMaxUpload: 413');
    error_ok(tus($owner, POST => $U, { 'upload-length' => 100, 'upload-metadata' => 'title !!notbase64' }),
             400, 'bad_request', 'a value that is not base64: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => 100, 'upload-metadata' => 'title ' . encode_base64("\xff\xfe", '') }),
             400, 'bad_request', 'a title that is not UTF-8: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => 100, 'upload-metadata' => meta([title => 'a'], [title => 'b']) }),
             400, 'bad_request', 'a key twice: 400');
    error_ok(tus($owner, POST => $U, { 'upload-length' => 100, 'upload-metadata' => meta([title => 'x' x 201]) }),
             422, 'validation_failed', 'a title of 201 characters: 422');
    error_ok(tus($owner, POST => $U, { 'upload-length' => 100 }, 'abc'), 400, 'bad_request',
             'creation-with-upload is not supported: 400');
    is(psql("SELECT count(*) FROM uploads WHERE project_id = '$p'"), $before, 'none of them made an upload');

    $r = tus($owner, POST => $U, { 'upload-length' => 1234,
                                   'upload-metadata' => meta([title => "Cut \x{e9}1"], [filename => 'cut1.mp4'], [filetype => 'video/mp4']) });
    envelope_ok($r, 201, 'created (an unknown metadata key is ignored)');
    like($r->{headers}{location}, qr{^\Q${\ base()}\E/api/v1/projects/$p/uploads/[0-9a-f-]{36}$}, 'Location: absolute');
    is($r->{headers}{'tus-resumable'}, '1.0.0', 'Tus-Resumable on the answer');
    my $d = $r->{json}{data};
    is($d->{offset}, 0, 'offset 0');
    is($d->{length}, 1234, 'length');
    like($d->{expires_at}, qr/^\d{4}-\d\d-\d\dT/, 'expires_at');
    is(psql("SELECT title || '|' || filename || '|' || extract(epoch FROM expires_at - created_at)::int FROM uploads WHERE id = '$d->{id}'"),
       "Cut \x{c3}\x{a9}1|cut1.mp4|86400", 'title and filename kept; it expires 24 h after creation');
    my $h = tus($owner, HEAD => $r->{headers}{location} =~ s{^\Q${\ base()}\E}{}r);
    is($h->{status}, 200, 'HEAD: 200');
    is($h->{headers}{'upload-offset'}, 0, 'HEAD: Upload-Offset 0');
    is($h->{headers}{'upload-length'}, 1234, 'HEAD: Upload-Length');
    is($h->{headers}{'cache-control'}, 'no-store', 'HEAD: Cache-Control: no-store');
    is($h->{headers}{'tus-resumable'}, '1.0.0', 'HEAD: Tus-Resumable');
    ok($h->{headers}{'upload-expires'}, 'HEAD: Upload-Expires');
    like($h->{headers}{'upload-metadata'} // '', qr/^filename Y3V0MS5tcDQ=,title /, 'HEAD: Upload-Metadata');
    ok(!length($h->{body} // ''), 'HEAD: no body');
    is(tus($owner, HEAD => "$U/" . uuid4())->{status}, 404, 'HEAD of an unknown upload: 404');
};

my ($video, $main);
subtest 'three PATCHes with a dropped connection in the middle one; the last byte makes the video' => sub {
    my $path = $main = create($owner, $LEN, [title => 'Resumed cut'], [filename => 'resumed.mp4']);
    my $id = id_of($path);
    my $c = int($LEN / 3);
    my $r = patch($owner, $path, 0, substr($clip, 0, $c));
    is($r->{status}, 204, 'first chunk: 204');
    is($r->{headers}{'upload-offset'}, $c, "... Upload-Offset $c");
    ok(!length($r->{body} // ''), '... no body');
    is(-s file_of('uploads', $id), $c, 'the bytes are in the storage folder');

    # the second chunk: half of it sent, then the connection closes
    my $half = int($c / 2);
    my $s = open_patch($owner, $path, $c, $c, substr($clip, $c, $half));
    close $s;
    ok(wait_until(sub { head_offset($owner, $path) == $c + $half }, 'the offset of the dropped PATCH'),
       'HEAD reports the bytes of the dropped PATCH');
    is(psql("SELECT \"offset\" FROM uploads WHERE id = '$id'"), $c + $half, 'the row has them');
    is(-s file_of('uploads', $id), $c + $half, 'the file has them');

    $r = patch($owner, $path, $c, substr($clip, $c, $c));
    error_ok($r, 409, 'conflict', 'resending from the old offset: 409');
    is($r->{headers}{'upload-offset'}, $c + $half, '... telling the stored offset');
    error_ok(patch($owner, $path, $c + $half + 1, 'x'), 409, 'conflict', 'an offset past the stored one: 409');
    error_ok(tus($owner, PATCH => $path, { 'content-type' => 'application/octet-stream', 'upload-offset' => $c + $half }, 'x'),
             415, 'unsupported_media_type', 'another Content-Type: 415');
    error_ok(patch($owner, $path, $c + $half, substr($clip, $c + $half, 10), 'tus-resumable' => undef), 412,
             'precondition_failed', 'without Tus-Resumable: 412');
    error_ok(patch($owner, $path, $c + $half, substr($clip, $c + $half) . 'overflow'), 413, 'payload_too_large',
             'more bytes than Upload-Length leaves: 413');
    is(head_offset($owner, $path), $c + $half, '... nothing of it kept');

    $r = patch($owner, $path, $c + $half, substr($clip, $c + $half, 2 * $c - $c - $half));
    is($r->{status}, 204, 'the rest of the second chunk: 204');
    is($r->{headers}{'upload-offset'}, 2 * $c, '... at the end of the second third');
    $r = patch($owner, $path, 2 * $c, substr($clip, 2 * $c));
    is($r->{status}, 204, 'the last chunk: 204') or diag($r->{body});
    is($r->{headers}{'upload-offset'}, $LEN, '... Upload-Offset is the length');
    $video = $r->{headers}{'x-video-id'};
    like($video // '', qr/^[0-9a-f-]{36}$/, '... X-Video-Id names the video');

    my $v = api($owner, GET => "/videos/$video");
    is($v->{size_bytes}, $LEN, 'the video has the whole size');
    is($v->{sha256}, sha256_hex($clip), 'the SHA-256 of the whole file');
    is($v->{title}, 'Resumed cut', 'the title of Upload-Metadata');
    is($v->{filename}, 'resumed.mp4', 'the file name of Upload-Metadata');
    is($v->{content_type}, 'video/mp4', 'recognised by its content');
    is($v->{version}, 1, 'version 1');
    is($v->{uploaded_by}{id}, $owner->{id}, 'uploaded by its uploader');
    is(psql("SELECT video_id FROM uploads WHERE id = '$id'"), $video, 'the upload names its video');
    ok(!-e file_of('uploads', $id), 'the upload\'s file is gone from uploads/');
    is(slurp(file_of('originals', $video)), $clip, 'the original holds the same bytes');
    is(psql("SELECT count(*) FROM encoding_jobs WHERE video_id = '$video'"), 1, 'its encoding job is queued');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$p' AND type = 'video.added' AND payload->>'id' = '$video'"),
       1, 'video.added recorded');

    my $h = tus($owner, HEAD => $path);
    is($h->{headers}{'upload-offset'}, $LEN, 'HEAD of the finished upload: the whole length');
    is($h->{headers}{'x-video-id'}, $video, '... and its video');
    my $g = call($owner, GET => "/projects/$p/uploads/$id");
    envelope_ok($g, 200, 'GET of the finished upload');
    is($g->{json}{data}{video_id}, $video, '... names the video');
    is($g->{json}{data}{video_url}, base() . "/api/v1/videos/$video", '... and its URL');
    $r = patch($owner, $path, $LEN, '');
    is($r->{status}, 204, 'a PATCH at the end said again: 204');
    is($r->{headers}{'x-video-id'}, $video, '... the same video');
    is(psql("SELECT count(*) FROM videos WHERE project_id = '$p'"), 1, '... and no second one');
};

subtest 'a PATCH larger than the JSON body cap, and a creation retried with its Idempotency-Key' => sub {
    # LimitRequestBody (1100000 under /api) does not apply to the upload paths
    my $big = substr($clip, 0, 64) . ("\0" x (3 * 1024 * 1024));
    my $path = create($owner, length $big, [title => 'Big one']);
    my $r = patch($owner, $path, 0, $big);
    is($r->{status}, 204, 'a 3 MiB PATCH: 204') or diag($r->{body});
    my $v = api($owner, GET => '/videos/' . ($r->{headers}{'x-video-id'} // uuid4()));
    is($v->{size_bytes}, length $big, '... made a video of that size');
    is($v->{sha256}, sha256_hex($big), '... and that SHA-256');

    my %h = ('upload-length' => 500, 'idempotency-key' => "tus-$$-" . time);
    my $first = tus($owner, POST => $U, \%h);
    is($first->{status}, 201, 'created with an Idempotency-Key');
    my $again = tus($owner, POST => $U, \%h);
    is($again->{status}, 201, 'the same request again: 201');
    is($again->{headers}{'idempotent-replayed'}, 'true', '... replayed');
    is($again->{headers}{location}, $first->{headers}{location}, '... the same Location');
    is(psql("SELECT count(*) FROM uploads WHERE id = '$first->{json}{data}{id}'"), 1, 'one upload');
    error_ok(tus($owner, POST => $U, { %h, 'upload-length' => 501 }), 409, 'conflict',
             'the same key with another length: 409');
};

subtest 'a video that cannot be made leaves the upload whole; a PATCH of 0 bytes at its end tries again' => sub {
    # a trigger (made by the superuser, dropped below) refuses the video at
    # COMMIT, after its file was renamed into originals/
    my $path = create($owner, $LEN, [filename => 'refused-once.mp4']);
    my $id = id_of($path);
    my $db = psql('SELECT current_database()');
    pg_super(q{CREATE FUNCTION tus_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
                 IF NEW.filename = 'refused-once.mp4' THEN RAISE EXCEPTION 'refused by t/52'; END IF;
                 RETURN NEW; END $$;
               CREATE CONSTRAINT TRIGGER tus_refuse AFTER INSERT ON videos DEFERRABLE INITIALLY DEFERRED
                 FOR EACH ROW EXECUTE FUNCTION tus_refuse()},
             db => $db);
    my $r = patch($owner, $path, 0, $clip);
    pg_super('DROP TRIGGER tus_refuse ON videos; DROP FUNCTION tus_refuse()', db => $db);
    ok($r->{status} >= 500, "the last PATCH fails ($r->{status})");
    is(psql("SELECT \"offset\" || '|' || coalesce(video_id::text, 'none') FROM uploads WHERE id = '$id'"),
       "$LEN|none", 'the upload keeps all its bytes and no video');
    is(slurp(file_of('uploads', $id)), $clip, 'its file is back in uploads/');
    is(psql("SELECT count(*) FROM videos WHERE filename = 'refused-once.mp4'"), 0, 'no video row');
    $r = patch($owner, $path, $LEN, '');
    is($r->{status}, 204, 'a PATCH of 0 bytes at the end: 204');
    my $v = api($owner, GET => '/videos/' . ($r->{headers}{'x-video-id'} // uuid4()));
    is($v->{sha256}, sha256_hex($clip), '... made the video');
    ok(!-e file_of('uploads', $id), '... and the file moved to originals/');
};

subtest 'a chunked PATCH running past Upload-Length stops at 413, keeping only bytes within the length' => sub {
    my $path = create($owner, 200_000);
    my $id = id_of($path);
    my @pieces = (substr($clip, 0, 64), map { 'x' x 65536 } 1 .. 8);    # 524352 bytes, no Content-Length
    my $r = http(PATCH => $path, body => sub { shift @pieces },
                 headers => { 'tus-resumable' => '1.0.0', authorization => "Bearer $owner->{access}",
                              'content-type' => 'application/offset+octet-stream', 'upload-offset' => 0 });
    error_ok($r, 413, 'payload_too_large', 'a chunked body past the length: 413 while streaming');
    my $at = head_offset($owner, $path);
    ok($at =~ /^\d+$/ && $at <= 200_000, "the stored offset ($at) is within Upload-Length");
    is(-s file_of('uploads', $id) // 0, $at, '... and is what the file holds');
};

subtest 'two PATCHes of one upload at once: the second is 409' => sub {
    my $path = create($owner, $LEN);
    my $s = open_patch($owner, $path, 0, 100, substr($clip, 0, 50));
    ok(wait_until(sub { psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") > 0 },
                  'the first PATCH to hold the lock'), 'the first PATCH holds the upload');
    my $r = patch($owner, $path, 0, substr($clip, 0, 100));
    error_ok($r, 409, 'conflict', 'a second PATCH meanwhile: 409');
    error_ok(tus($owner, DELETE => $path), 409, 'conflict', 'a DELETE meanwhile: 409');
    local $SIG{PIPE} = 'IGNORE';
    print $s substr($clip, 50, 50);
    $s->flush;
    my $answer = '';
    while (sysread($s, my $buf, 4096)) { $answer .= $buf; last if $answer =~ /\r\n\r\n/ }
    close $s;
    like($answer, qr{^HTTP/1\.1 204}, 'the first finishes: 204');
    like($answer, qr/^Upload-Offset: 100\r$/mi, '... at 100');
    is(head_offset($owner, $path), 100, 'HEAD: 100');
};

subtest 'a file that is not a video is refused (415) as soon as its first bytes are there, and removed' => sub {
    my $text = "This is not a video, whatever its name says.\n" x 20;
    my $path = create($owner, length $text, [filename => 'notes.mp4']);
    my $id = id_of($path);
    my $r = patch($owner, $path, 0, substr($text, 0, 10));
    is($r->{status}, 204, 'ten bytes are not enough to tell: 204');
    error_ok(patch($owner, $path, 10, substr($text, 10)), 415, 'unsupported_media_type',
             'the PATCH that completes the first 64 bytes: 415');
    is(tus($owner, HEAD => $path)->{status}, 404, 'the upload is gone');
    is(psql("SELECT count(*) FROM uploads WHERE id = '$id'"), 0, 'its row too');
    ok(!-e file_of('uploads', $id), 'and its file');

    my $short = 'tiny';
    $path = create($owner, length $short);
    error_ok(patch($owner, $path, 0, $short), 415, 'unsupported_media_type', 'a file shorter than 64 bytes: 415 on all of it');
};

subtest 'termination removes the row and the file' => sub {
    my $path = create($owner, $LEN);
    my $id = id_of($path);
    is(patch($owner, $path, 0, substr($clip, 0, 1000))->{status}, 204, 'some bytes');
    ok(-e file_of('uploads', $id), 'the file exists');
    error_ok(tus($editor, DELETE => $path), 404, undef, 'another editor cannot terminate it: 404');
    my $r = tus($owner, DELETE => $path);
    is($r->{status}, 204, 'DELETE: 204');
    is($r->{headers}{'tus-resumable'}, '1.0.0', '... with Tus-Resumable');
    ok(!-e file_of('uploads', $id), 'the file is gone from the storage folder');
    is(psql("SELECT count(*) FROM uploads WHERE id = '$id'"), 0, 'the row is gone');
    is(tus($owner, HEAD => $path)->{status}, 404, 'HEAD: 404');
    error_ok(tus($owner, DELETE => $path), 404, undef, 'DELETE again: 404');
    error_ok(patch($owner, $path, 1000, 'x'), 404, undef, 'PATCH: 404');
};

subtest 'an expired upload is gone for every route' => sub {
    my $path = create($owner, $LEN);
    my $id = id_of($path);
    patch($owner, $path, 0, substr($clip, 0, 100));
    psql("UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id = '$id'");
    is(tus($owner, HEAD => $path)->{status}, 404, 'HEAD: 404');
    error_ok(patch($owner, $path, 100, substr($clip, 100, 100)), 404, undef, 'PATCH: 404');
    error_ok(tus($owner, DELETE => $path), 404, undef, 'DELETE: 404');
};

subtest 'uploads are their uploader\'s; the roles of the project decide the rest' => sub {
    my $path = create($editor, $LEN);
    is(head_offset($editor, $path), 0, 'an editor makes and reads its upload');
    is(tus($owner, HEAD => $path)->{status}, 404, 'the owner does not see an editor\'s upload: 404');
    error_ok(patch($owner, $path, 0, substr($clip, 0, 100)), 404, undef, '... nor writes it');
    for ([$reviewer, 'reviewer', 403, 'forbidden'], [$viewer, 'viewer', 403, 'forbidden'],
         [$outsider, 'a non-member', 404, 'not_found']) {
        my ($who, $name, $st, $code) = @$_;
        error_ok(tus($who, POST => $U, { 'upload-length' => 100 }), $st, $code, "$name: POST $st");
        is(tus($who, HEAD => $path)->{status}, $st, "$name: HEAD $st");
        error_ok(patch($who, $path, 0, substr($clip, 0, 100)), $st, $code, "$name: PATCH $st");
        error_ok(tus($who, DELETE => $path), $st, $code, "$name: DELETE $st");
    }
    error_ok(http(POST => $U, headers => { 'tus-resumable' => '1.0.0', 'upload-length' => 100 }), 401, undef,
             'no token: 401');
    is(head_offset($editor, $path), 0, 'nothing was written by anyone else');
};

subtest 'vplanetd removes expired uploads with their files, but not one a PATCH is writing' => sub {
    my ($busy, $idle) = (create($owner, $LEN), create($owner, $LEN));
    my ($bid, $iid) = (id_of($busy), id_of($idle));
    is(patch($owner, $idle, 0, substr($clip, 0, 100))->{status}, 204, 'an upload with some bytes');
    my $s = open_patch($owner, $busy, 0, 200, substr($clip, 0, 100));
    ok(wait_until(sub { psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") > 0 },
                  'the PATCH to hold its upload'), 'another one being written');
    psql("UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id IN ('$bid', '$iid')");
    VP::stack('sidecar-stop');
    VP::stack('sidecar-start');     # its media housekeeping runs at start
    ok(wait_for(30, sub { psql("SELECT count(*) FROM uploads WHERE id = '$iid'") == 0 }),
       'vplanetd removed the expired upload');
    ok(!-e file_of('uploads', $iid), '... and its file');
    ok(!grep({ m{/\Q$iid\E$} } storage_files('uploads')), '... nothing of it is left in uploads/');
    is(psql("SELECT count(*) FROM uploads WHERE id = '$bid'"), 1, 'the one a PATCH is writing stays');
    local $SIG{PIPE} = 'IGNORE';
    print $s substr($clip, 100, 100);
    $s->flush;
    my $answer = '';
    while (sysread($s, my $buf, 4096)) { $answer .= $buf; last if $answer =~ /\r\n\r\n/ }
    close $s;
    like($answer, qr{^HTTP/1\.1 204}, 'that PATCH ends normally: 204');
    is(-s file_of('uploads', $bid), 200, '... its bytes written');
    is(tus($owner, HEAD => $busy)->{status}, 404, 'then it is expired like any other: 404');
};

# ---- a real tus client: tus-js-client from npm under Node ----
my $by_client;      # the video it made
subtest 'tus-js-client (npm, under Node) uploads an ffmpeg fixture and the video appears' => sub {
    my $dir = "$ENV{VP_BUILD}/t-node";
    unless (-d "$dir/node_modules/tus-js-client") {
        mkdir $dir;
        my $out = `npm install --no-audit --no-fund --prefix '$dir' tus-js-client\@4.3.1 2>&1`;
        if ($?) {
            plan skip_all => "npm cannot reach its registry, so tus-js-client is not here: $1"
                if $out =~ /(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|ECONNRESET|network)/i;
            fail("npm install tus-js-client failed:\n$out");
            return;
        }
    }
    local $ENV{NODE_PATH} = "$dir/node_modules";
    my $run = sub {
        my ($chunk, $url) = @_;
        my $out = `node '$ENV{VP_SRC}/t/lib/tus-upload.mjs' '${\ base()}$U' '$owner->{access}' '$fixture' $chunk ${\ ($url // '')} 2>&1`;
        my ($line) = $out =~ /^(\{.*\})$/m;
        my $res = $line ? eval { decode_json($line) } : undef;
        diag($out) unless $res && $res->{ok};
        return $res || { ok => 0 };
    };
    my $res = $run->(4096);
    $by_client = $res->{video_id};
    ok($res->{ok}, 'tus-js-client reports success');
    my $patches = grep { /^PATCH 204$/ } @{ $res->{requests} || [] };
    ok($patches >= 3, "in $patches PATCHes of 4 KiB");
    like($res->{video_id} // '', qr/^[0-9a-f-]{36}$/, 'the last PATCH named the video');
    my $v = call($owner, GET => "/videos/" . ($res->{video_id} // uuid4()));
    envelope_ok($v, 200, 'the video exists');
    is($v->{json}{data}{size_bytes}, $LEN, '... with the size of the fixture');
    is($v->{json}{data}{sha256}, sha256_hex($clip), '... and its SHA-256');
    is($v->{json}{data}{filename}, 'clip.mp4', '... and its file name (Upload-Metadata filename)');

    # an upload begun elsewhere and cut off; the client resumes it from the
    # offset HEAD reports
    my $path = create($owner, $LEN, [filename => 'resumed-by-client.mp4']);
    my $s = open_patch($owner, $path, 0, $LEN, substr($clip, 0, 5000));
    close $s;
    ok(wait_until(sub { head_offset($owner, $path) == 5000 }, 'the dropped PATCH'), 'cut off at 5000 bytes');
    $res = $run->(1 << 20, base() . $path);
    ok($res->{ok}, 'tus-js-client resumes it');
    is(($res->{requests} || [])->[0], 'HEAD 200', '... asking the offset first');
    my $v2 = api($owner, GET => "/videos/" . ($res->{video_id} // uuid4()));
    is($v2->{sha256}, sha256_hex($clip), 'the resumed video is the whole file');
    is($v2->{filename}, 'resumed-by-client.mp4', '... the upload\'s own');
};

# ---- 20 uploads finishing at once on one project ----
subtest '20 parallel tus uploads of one title: each a video, versions 1 to 20, nothing lost or doubled' => sub {
    my $q = new_project($owner, 'tus parallel ' . time);
    my $UQ = "/api/v1/projects/$q/uploads";
    # sniffed as an mp4 (the fixture's first bytes), not decodable: each
    # encoding fails at once, so none runs on into later files
    my $body = substr($clip, 0, 64) . ('j' x 2000);
    my @res = parallel(20, sub {
        my $r = tus($owner, POST => $UQ, { 'upload-length' => length $body,
                                           'upload-metadata' => meta([title => 'Parallel'],
                                                                     [filename => "p$_[0].mp4"]) });
        return $r unless $r->{status} == 201;
        my ($path) = $r->{headers}{location} =~ m{^\Q${\ base()}\E(/.*)$};
        return patch($owner, $path, 0, $body);
    });
    is_deeply([sort map { $_->{status} } @res], [(204) x 20], 'every upload ends with its PATCH: 204')
        or diag(join "\n", map { "$_->{status} " . ($_->{body} // $_->{died} // '') } @res);
    my %ids = map { ($_->{headers}{'x-video-id'} // '') => 1 } @res;
    is(scalar(grep { length } keys %ids), 20, '20 distinct videos named');
    is(psql("SELECT count(*) || '|' || count(DISTINCT version) || '|' || min(version) || '|' || max(version)"
            . " FROM videos WHERE project_id = '$q'"), '20|20|1|20', 'versions 1 to 20 of one stack');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$q' AND type = 'video.added'"), 20,
       '20 video.added events');
    is(psql("SELECT count(*) FROM uploads WHERE project_id = '$q' AND video_id IS NULL"), 0,
       'no upload left unfinished');
    ok(wait_for(120, sub { psql("SELECT count(*) FROM videos WHERE project_id = '$q'"
                                . " AND encoding_status IN ('pending', 'processing')") == 0 }),
       'their encodings ended');
};

# The encoder (vplanetd) takes a tus upload's video as any other; waiting
# for it also leaves no encode running on into the next test file.
subtest 'the videos of tus uploads are encoded like any other' => sub {
    my $open = sub { psql("SELECT count(*) FROM videos WHERE project_id = '$p'"
                          . " AND encoding_status IN ('pending', 'processing')") };
    ok(wait_for(180, sub { $open->() == 0 }), 'every encoding of this file\'s videos ended')
        or diag(psql("SELECT id, encoding_status FROM videos WHERE project_id = '$p'"));
    plan skip_all => 'tus-js-client made no video' unless $by_client;
    my $v = api($owner, GET => "/videos/$by_client");
    is($v->{encoding_status}, 'completed', 'the one tus-js-client uploaded is completed');
    ok(abs(($v->{duration_s} // 0) - 2) < 0.1, "... 2 s long ($v->{duration_s})");
    is("$v->{width}x$v->{height}", '320x240', '... 320x240');
    is($v->{fps}, '25/1', '... at 25 fps');
};

done_testing;
