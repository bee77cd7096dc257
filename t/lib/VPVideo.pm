package VPVideo;
# Helpers of the video tests: fixtures made by ffmpeg, multipart/form-data
# bodies, uploads, the storage folder of the test stack and signed media
# URLs forged with the stack's key (to make the ones the server cannot be
# asked for: expired ones).
use strict;
use warnings;
use Exporter 'import';
use File::Temp ();
use File::Find ();
use Digest::SHA qw(sha256 hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use VP;

our @EXPORT = qw(fixture ff multipart upload storage_files media_root media_sign);

my $dir = File::Temp::tempdir(CLEANUP => 1);
my %made;

# The ffmpeg arguments of each fixture: tiny clips (160x120, 1 s), each a
# real file of its container.
my %FIXTURE = (
    mp4  => ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mp4'],
    mov  => ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mov'],
    webm => ['-c:v', 'libvpx', '-b:v', '100k', '-f', 'webm'],
    avi  => ['-c:v', 'mpeg4', '-f', 'avi'],
    mkv  => ['-c:v', 'mpeg4', '-f', 'matroska'],
    jpg  => ['-frames:v', '1', '-f', 'image2'],     # a still, as a poster
);

# fixture(KIND): the bytes of a small clip of KIND (mp4, mov, webm, avi,
# mkv) or a still (jpg), made once per test file by ffmpeg from its test
# source.
sub fixture {
    my ($kind) = @_;
    return $made{$kind} //= do {
        my $args = $FIXTURE{$kind} or die "no fixture $kind\n";
        my $out = "$dir/fixture.$kind";
        system('ffmpeg', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi',
               '-i', 'testsrc=size=160x120:rate=25:duration=1', @$args, $out) == 0
            or die "ffmpeg could not make the $kind fixture\n";
        VP::slurp($out);
    };
}

# ff(NAME, ARGS...): runs ffmpeg with ARGS writing NAME in this file's
# temporary folder (bails out when it fails); the file's path.
sub ff {
    my ($name, @args) = @_;
    system('ffmpeg', '-nostdin', '-v', 'error', '-y', @args, "$dir/$name") == 0
        or Test::More::BAIL_OUT("ffmpeg could not make $name");
    return "$dir/$name";
}

# multipart(PARTS): (body, content type) of a multipart/form-data body of
# PARTS, each [name, bytes] or [name, bytes, filename(, content type)].
sub multipart {
    my (@parts) = @_;
    my $b = 'vp' . join('', map { ('a' .. 'z')[rand 26] } 1 .. 24);
    my $body = '';
    for my $p (@parts) {
        my ($name, $bytes, $filename, $type) = @$p;
        $body .= "--$b\r\nContent-Disposition: form-data; name=\"$name\""
               . (defined $filename ? "; filename=\"$filename\"" : '') . "\r\n"
               . (defined $filename ? 'Content-Type: ' . ($type // 'application/octet-stream') . "\r\n" : '')
               . "\r\n$bytes\r\n";
    }
    $body .= "--$b--\r\n";
    return ($body, "multipart/form-data; boundary=$b");
}

# upload(WHO, PROJECT, title => T, file => BYTES, filename => NAME,
#        headers => {...}, parts => [...] (instead of title/file),
#        base => URL of another httpd):
# POST /projects/PROJECT/videos as WHO (a user of new_user or a token).
sub upload {
    my ($who, $pid, %o) = @_;
    my @parts = $o{parts} ? @{ $o{parts} }
              : ((defined $o{title} ? (['title', $o{title}]) : ()),
                 ['file', $o{file} // fixture('mp4'), $o{filename} // 'clip.mp4', 'video/mp4']);
    my ($body, $type) = multipart(@parts);
    return http(POST => "/api/v1/projects/$pid/videos", body => $body, base => $o{base},
                headers => { %{ bearer(ref $who ? $who->{access} : $who) },
                             'content-type' => $type, %{ $o{headers} || {} } });
}

sub media_root { "$ENV{VP_STATE}/media" }

# storage_files(SUB): the files under the storage folder's SUB (tmp,
# originals, renditions, posters, uploads), as paths relative to it.
sub storage_files {
    my ($sub) = @_;
    my $root = media_root() . "/$sub";
    return () unless -d $root;
    my @f;
    File::Find::find({ no_chdir => 1, wanted => sub { push @f, substr($_, length($root) + 1) if -f $_ } },
                     $root);
    return sort @f;
}

# media_sign(VIDEO, OBJECT, USER, SESSION, EXPIRES): the signature of a
# media URL (vpcore/vp_media.c): HMAC-SHA256 under
# SHA-256("vplanet media url v1\n" . the key file) of
# "VIDEO\nOBJECT\nUSER:SESSION\nEXPIRES", base64url.
sub media_sign {
    my ($video, $object, $user, $session, $expires) = @_;
    my $key = sha256("vplanet media url v1\n" . jwt_key());
    return encode_base64url(hmac_sha256("$video\n$object\n$user:$session\n$expires", $key));
}

1;
