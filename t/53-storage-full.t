# A full disk during an upload: 507 insufficient_storage, and nothing kept
# (no row, no file). The storage folder's tmp/ (where uploads are written
# as they arrive) becomes a 1 MiB tmpfs for the test; that needs root (CI
# and script/test run as root), else the test is skipped, saying so.
use strict;
use warnings;
use Test::More;
use VP;

my $tmp = "$ENV{VP_STATE}/media/tmp";
plan skip_all => 'mounting a tmpfs needs root' if $> != 0;
my $uid = getpwnam('www-data') // 0;
system('mount', '-t', 'tmpfs', '-o', "size=1m,mode=0700,uid=$uid", 'tmpfs', $tmp) == 0
    or plan skip_all => 'cannot mount a tmpfs here';
END { system('umount', $tmp) if $tmp && -d $tmp }

my $owner = new_user();
my $pid = new_project($owner, 'full disk');
# a real mp4 header (sniffed as video/mp4), then 3 MiB of zeros
my $file = "\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41" . ("\0" x (3 * 1048576));
my $b = 'fullDiskBoundary';
my $body = "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
         . "Content-Type: video/mp4\r\n\r\n$file\r\n--$b--\r\n";
my $r = http(POST => "/api/v1/projects/$pid/videos", body => $body, fresh => 1,
             headers => { %{ bearer($owner->{access}) },
                          'content-type' => "multipart/form-data; boundary=$b" });
error_ok($r, 507, 'insufficient_storage', 'a full disk is a 507');
unlike($r->{body}, qr{/media|on device|ENOSPC|errno}i, 'the answer names no path or system error');
is(psql("SELECT count(*) FROM videos WHERE project_id = '$pid'"), 0, 'no row');
opendir(my $d, $tmp) or die "$tmp: $!";
is_deeply([grep { !/^\.\.?$/ } readdir $d], [], 'nothing left in tmp/');
done_testing();
