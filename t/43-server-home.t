# script/server from a checkout inside a folder only root enters, as a
# clone in /root is (issue 11, finding 16): PostgreSQL runs as `postgres`,
# so the state must live elsewhere. Uses the suite's build (VPLANET_BUILD)
# and ports of its own.
use strict;
use warnings;
use Test::More;
use VP;
use File::Temp qw(tempdir);

my $home = tempdir(CLEANUP => 1);
chmod 0700, $home;
my $clone = "$home/vplanet";
mkdir $clone;
system('cp', '-a', map("$ENV{VP_SRC}/$_", qw(script sql tools conf mod_vplanet)), $clone) == 0
    or die "copy failed\n";
my %ports = map { $_ => free_port() } qw(VPLANET_PORT VPLANET_PG_PORT VPLANET_SMTP_PORT VPLANET_WS_PORT);
local @ENV{keys %ports} = values %ports;
local $ENV{VPLANET_BUILD} = $ENV{VP_BUILD};
delete local $ENV{VPLANET_STATE};

subtest 'script/server runs from a folder closed to others, its state outside it' => sub {
    my $out = `$clone/script/server 2>&1`;
    my $started = $? == 0;
    ok($started, 'script/server starts from a folder closed to others') or diag($out);
    my $state = readlink("$clone/.run");
    ok($state && $state !~ /^\Q$home\E/, "its state lives outside it ($state)");
    my $base = "http://127.0.0.1:$ports{VPLANET_PORT}";
    envelope_ok(http(GET => '/api/health/ready', base => $base), 200, 'the API is ready');
    $out = `$clone/script/server status 2>&1`;
    is($?, 0, 'script/server status: running') or diag($out);
    like($out, qr/vplanetd running \(pid \d+, supervised\)/, '... vplanetd too');

    $out = `$clone/script/server stop 2>&1`;
    is($?, 0, 'script/server stop') or diag($out);
    isnt(http(GET => '/api/health', base => $base)->{status}, 200, 'nothing answers afterwards');
    system('rm', '-rf', $state) if $state && $state =~ m{^/var/tmp/vplanet-};
};

done_testing;
