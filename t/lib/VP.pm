package VP;
# Helpers for the integration tests: HTTP against the running httpd,
# envelope checks, and control of the private stack (t/run-suite sets the
# VP_* environment).
use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use JSON::PP;
use IO::Socket::INET;
use Test::More;

our @EXPORT = qw(http raw_http envelope_ok error_ok stack psql base pg_env pg_super);

my $json = JSON::PP->new->utf8->canonical;
my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
my $ua_fresh = HTTP::Tiny->new(timeout => 30, keep_alive => 0);

for (qw(VP_BASE VP_STATE VP_STACK VP_SRC)) {
    die "$_ is not set: run the suite through t/run-suite (make check)\n" unless $ENV{$_};
}

sub base { $ENV{VP_BASE} }

# http(METHOD, PATH, json => {...} | body => '...', headers => {...},
#      fresh => 1 (a new connection, closed afterwards; default keep-alive))
# returns {status, headers, body, json}
sub http {
    my ($method, $path, %o) = @_;
    my %h = %{ $o{headers} || {} };
    my %opt = (headers => \%h);
    if (exists $o{json}) {
        $opt{content} = ref $o{json} ? $json->encode($o{json}) : $o{json};
        $h{'content-type'} //= 'application/json';
    }
    elsif (exists $o{body}) {
        $opt{content} = $o{body};
    }
    my $res = ($o{fresh} ? $ua_fresh : $ua)->request($method, base() . $path, \%opt);
    my $decoded;
    $decoded = eval { $json->decode($res->{content}) } if length($res->{content} // '');
    return { status => $res->{status}, headers => $res->{headers},
             body => $res->{content}, json => $decoded };
}

# Sends raw bytes (a whole request) and returns {status, headers, body}:
# for what HTTP::Tiny will not send (lying Content-Length, huge bodies).
sub raw_http {
    my ($request) = @_;
    my ($host, $port) = base() =~ m{//([^:/]+):(\d+)};
    my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Timeout => 30)
        or die "connect: $!";
    local $SIG{PIPE} = 'IGNORE';
    syswrite($s, $request);   # the server may stop reading early: ignore errors
    shutdown($s, 1);
    my $raw = '';
    while (sysread($s, my $buf, 65536)) { $raw .= $buf }
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %headers = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } split /\r\n/, $head // '';
    my $decoded;
    $decoded = eval { $json->decode($body) } if length($body // '');
    return { status => $status // 0, headers => \%headers, body => $body, json => $decoded };
}

# The common envelope of spec section 1; returns true when all holds.
sub _shape {
    my ($res, $ok) = @_;
    my $j = $res->{json} or return 'body is not JSON';
    return 'success flag' unless JSON::PP::is_bool($j->{success}) && !!$j->{success} == !!$ok;
    return 'status word' unless ($j->{status} // '') eq ($ok ? 'success' : 'error');
    return 'message' unless defined $j->{message};
    return 'timestamp' unless ($j->{timestamp} // '') =~ /^\d{10}(\.\d+)?$/;
    return 'request_id' unless $j->{request_id} && $j->{request_id} eq ($res->{headers}{'x-request-id'} // '');
    return 'performance' unless defined $j->{performance}{response_time_ms};
    return 'X-Response-Time' unless ($res->{headers}{'x-response-time'} // '') =~ /^\d+\.\d{3}ms$/;
    return 'content type' unless ($res->{headers}{'content-type'} // '') =~ m{^application/json};
    return $ok ? (exists $j->{data} ? '' : 'data') : (ref $j->{error} eq 'HASH' && $j->{error}{code} ? '' : 'error object');
}

sub envelope_ok {
    my ($res, $status, $name) = @_;
    my $why = $res->{status} == $status ? _shape($res, 1) : "status $res->{status}";
    ok(!$why, $name) or diag("expected $status success envelope: $why\n$res->{body}");
    return !$why;
}

# error_ok(RES, STATUS, CODE, NAME): error envelope with that status and code.
sub error_ok {
    my ($res, $status, $code, $name) = @_;
    my $why = $res->{status} == $status ? _shape($res, 0) : "status $res->{status}";
    $why ||= "code $res->{json}{error}{code}" if defined $code && $res->{json}{error}{code} ne $code;
    ok(!$why, $name) or diag("expected $status error envelope ($code): $why\n" . ($res->{body} // ''));
    return !$why;
}

# stack(CMD, ARGS...): script/stack CMD STATE ARGS...
sub stack {
    my ($cmd, @args) = @_;
    system($ENV{VP_STACK}, $cmd, $ENV{VP_STATE}, @args) == 0
        or die "stack $cmd failed\n";
}

# psql(SQL): runs SQL as the application role, returns its unaligned output.
sub psql {
    my ($sql, @vars) = @_;
    open(my $fh, '-|', $ENV{VP_STACK}, 'psql', $ENV{VP_STATE}, '-Atq', '-v', 'ON_ERROR_STOP=1',
         (map { ('-v', $_) } @vars), '-c', $sql) or die "psql: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh or die "psql failed: $sql\n";
    $out =~ s/\n\z//;   # (chomp does nothing while $/ is undef)
    return $out;
}

# pg_env(db => NAME, user => ROLE): libpq's environment for the private
# cluster (its socket folder and port), as the superuser `postgres` unless a
# role is given; for commands that read it, like tools/vplanet-migrate.
# Local connections use trust authentication, so any OS user may be `postgres`.
sub pg_env {
    my (%o) = @_;
    open(my $fh, '<', "$ENV{VP_STATE}/stack.env") or die "stack.env: $!";
    my %env = map { /^(\w+)=(.*)$/ ? ($1 => $2) : () } <$fh>;
    return (PGHOST => "$ENV{VP_STATE}/pg/sock", PGPORT => $env{PG_PORT},
            PGUSER => $o{user} // 'postgres', PGDATABASE => $o{db} // 'postgres');
}

# pg_super(SQL, db => NAME): runs SQL as the superuser (in database
# `postgres` unless named), returns its unaligned output; dies on an error.
sub pg_super {
    my ($sql, %o) = @_;
    local %ENV = (%ENV, pg_env(db => $o{db}));
    open(my $fh, '-|', 'psql', '-X', '-Atq', '-v', 'ON_ERROR_STOP=1', '-c', $sql) or die "psql: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh or die "psql as postgres failed: $sql\n";
    $out =~ s/\n\z//;   # (chomp does nothing while $/ is undef)
    return $out;
}

1;
