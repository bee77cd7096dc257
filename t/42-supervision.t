# The development and test stacks supervise vplanetd (issue 11, finding 12):
# killed, it is started again and clients reconnect; a zombie is reported as
# not running (status from /proc, not kill -0).
use strict;
use warnings;
use Test::More;
use VP;
use VPWS;
use File::Temp qw(tempdir);
use POSIX ();

my $u = new_user();
my $pid = new_project($u, "supervised $$");
my $pidfile = "$ENV{VP_STATE}/vplanetd/vplanetd.pid";
sub pid_now { my $p = eval { slurp($pidfile) } // ''; chomp $p; $p }
sub status_of { my ($state) = @_; my $out = `$ENV{VP_STACK} sidecar-status $state 2>&1`; ($? >> 8, $out) }

subtest 'sidecar-status says vplanetd runs, supervised' => sub {
    my ($rc, $out) = status_of($ENV{VP_STATE});
    is($rc, 0, 'sidecar-status: running');
    like($out, qr/running \(pid \d+, supervised\)/, '... under its supervisor');
};

subtest 'a killed vplanetd is started again and clients reconnect' => sub {
    my $c = VPWS->connect(base(), "/ws/projects/$pid", protocol => "bearer, $u->{access}") or die "ws: $@\n";
    is($c->recv(5)->{type}, 'ready', 'a client is connected');
    my $old = pid_now();
    VP::sidecar_kill9();
    is($c->wait_close(10), 1006, 'kill -9: the client sees the connection drop');
    my $new = wait_for(15, sub { my $p = pid_now(); $p && $p ne $old && kill(0, $p) ? $p : undef });
    ok($new, 'the supervisor started vplanetd again');
    like(VP::sidecar_log(), qr/stack: vplanetd \(pid $old\) exited with status 137; restarting in \d+ s/,
         'the restart is logged');
    my $again = wait_for(10, sub { VPWS->connect(base(), "/ws/projects/$pid", protocol => "bearer, $u->{access}") });
    ok($again && ($again->recv(5) // {})->{type} eq 'ready', 'a client connects again');
};

# A zombie vplanetd (exited, not yet reaped by its parent) is not running.
subtest 'a zombie vplanetd is reported as not running' => sub {
    my $state = tempdir(CLEANUP => 1);
    mkdir "$state/vplanetd";
    write_file("$state/stack.env", "VPLANETD=$ENV{VP_VPLANETD}\n");
    my $zombie = fork // die "fork: $!";
    POSIX::_exit(0) unless $zombie;   # no END blocks of the test in the child
    wait_for(5, sub { (slurp("/proc/$zombie/stat") =~ /\) (\S)/)[0] eq 'Z' });
    write_file("$state/vplanetd/vplanetd.pid", "$zombie\n");
    my ($rc, $out) = status_of($state);
    isnt($rc, 0, 'sidecar-status: a zombie is not running');
    like($out, qr/vplanetd not running/, '... and says so');
    waitpid($zombie, 0);
};

done_testing;
