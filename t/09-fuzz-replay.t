# The body corpus of the fuzz harness (fuzz/corpus/body, plus the working
# corpus .fuzz/corpus/body of a local script/fuzz run) replayed against the
# real httpd through POST /api/v1/diagnostics/echo: the same parser and
# validation as every body, so no answer may be a 5xx or other than an
# envelope. Prints the resident memory of each httpd child before and
# after (not asserted: how much a child keeps is the allocator's call).
use strict;
use warnings;
use Test::More;
use VP;

my $ROUNDS = 10;        # the seeds alone are few
my $LOCAL_MAX = 2000;   # of a local working corpus, at most this many

my @files = sort glob("$ENV{VP_SRC}/fuzz/corpus/body/*");
ok(@files >= 20, scalar(@files) . ' seeds in fuzz/corpus/body');
my @local = sort glob("$ENV{VP_SRC}/.fuzz/corpus/body/*");
splice(@local, $LOCAL_MAX) if @local > $LOCAL_MAX;
note(scalar(@local) . ' inputs of a local working corpus') if @local;

# httpd's children and their resident memory (kB), from /proc
sub children {
    chomp(my $main = slurp("$ENV{VP_STATE}/httpd/run/httpd.pid"));
    return grep {
        my $stat = eval { slurp("/proc/$_/stat") } // '';
        $stat =~ /^\d+ \(.*\) \S (\d+)/ && $1 == $main;
    } map { m{/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*');
}
sub rss_kb {
    my ($pid) = @_;
    my $status = eval { slurp("/proc/$pid/status") } // '';
    return $status =~ /^VmRSS:\s+(\d+)/m ? $1 : 0;
}
sub memory { return { map { $_ => rss_kb($_) } children() } }

subtest 'every replayed body is answered with a 2xx or 4xx envelope' => sub {
    my $before = memory();
    ok(keys %$before, scalar(keys %$before) . ' httpd children');

    my (%status, @bad);
    for my $round (1 .. $ROUNDS) {
        for my $file (@files, $round == 1 ? @local : ()) {
            my $body = slurp($file);
            substr($body, 0, 1, '');   # the harness's table selector
            my $r = http(POST => '/api/v1/diagnostics/echo', body => $body,
                         headers => {'content-type' => 'application/json'});
            $status{$r->{status}}++;
            # (not decoded: the echo of the deeply nested seed is deeper than
            # JSON::PP takes)
            push @bad, "$file: $r->{status}" if $r->{status} >= 500
                                                || ($r->{body} // '') !~ /^\{"success":(true|false),/;
        }
    }
    is_deeply(\@bad, [], 'every replayed body answered with a 2xx/4xx envelope');
    note('statuses: ' . join(', ', map { "$_ x$status{$_}" } sort keys %status));

    my $after = memory();
    for my $pid (sort { $a <=> $b } keys %$after) {
        diag(sprintf('httpd child %d: resident %s kB before the replay, %d kB after', $pid,
                     $before->{$pid} // '(new)', $after->{$pid}));
    }
};
done_testing;
