package VP;
# Helpers for the integration tests: HTTP against the running httpd,
# envelope checks, and control of the private stack (t/run-suite sets the
# VP_* environment).
use strict;
use warnings;
use Exporter 'import';
use HTTP::Tiny;
use HTTPNoDelay;
use JSON::PP;
use IO::Socket::INET;
use Socket ();
use File::Temp;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);
use MIME::QuotedPrint ();
use Encode ();
use Time::HiRes ();
use POSIX ();
use Test::More;

our @EXPORT = qw(http raw_http envelope_ok error_ok stack psql base pg_env pg_super
                 new_ip new_user signup login refresh me call api new_project uuid4
                 bearer jwt_sign jwt_claims jwt_header jwt_key events_after
                 httpd_variant httpd_variant_stop httpd_configtest slurp write_file
                 wait_for mails mails_to wait_mail free_port parallel);

my $json = JSON::PP->new->utf8->canonical;
my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
my $ua_fresh = HTTP::Tiny->new(timeout => 30, keep_alive => 0);

for (qw(VP_BASE VP_STATE VP_STACK VP_SRC)) {
    die "$_ is not set: run the suite through t/run-suite (make check)\n" unless $ENV{$_};
}

sub base { $ENV{VP_BASE} }

# A client address of the 10/8 network. The test httpd trusts
# X-Forwarded-For from 127.0.0.1 (mod_remoteip), so each test file is its
# own client for the per-IP rate limits, as behind a real load balancer.
sub new_ip { sprintf '10.%d.%d.%d', 1 + int rand 250, int rand 256, 1 + int rand 250 }
our $IP = new_ip();

# http(METHOD, PATH, json => {...} | body => '...', headers => {...},
#      base => URL, fresh => 1 (a new connection, closed afterwards;
#      default keep-alive)) returns {status, headers, body, json}
sub http {
    my ($method, $path, %o) = @_;
    my %h = (('x-forwarded-for' => $IP), %{ $o{headers} || {} });
    my %opt = (headers => \%h);
    if (exists $o{json}) {
        $opt{content} = ref $o{json} ? $json->encode($o{json}) : $o{json};
        $h{'content-type'} //= 'application/json';
    }
    elsif (exists $o{body}) {
        $opt{content} = $o{body};
    }
    my $res = ($o{fresh} ? $ua_fresh : $ua)->request($method, ($o{base} // base()) . $path, \%opt);
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

# psql(SQL, VARS...): runs SQL as the application role, returns its
# unaligned output. VARS are NAME=VALUE psql variables, interpolated as
# :'NAME' (a quoted literal) or :NAME; psql interpolates only in a script,
# never in -c, so SQL with VARS is handed over as a file.
sub psql {
    my ($sql, @vars) = @_;
    my @cmd = ('-c', $sql);
    my $script;
    if (@vars) {
        $script = File::Temp->new(SUFFIX => '.sql');
        print $script $sql;
        $script->flush;
        @cmd = ('-f', $script->filename);
    }
    open(my $fh, '-|', $ENV{VP_STACK}, 'psql', $ENV{VP_STATE}, '-Atq', '-v', 'ON_ERROR_STOP=1',
         (map { ('-v', $_) } @vars), @cmd) or die "psql: $!";
    my $out = do { local $/; <$fh> } // '';
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

# vplanetd's log so far.
sub sidecar_log { slurp("$ENV{VP_STATE}/vplanetd/vplanetd.log") }

# sidecar_spawn(CONF, NAME): another vplanetd with configuration CONF,
# logging to VP_STATE/vplanetd/NAME.log (sanitizer reports where the
# suite looks for them); returns its pid.
sub sidecar_spawn {
    my ($conf, $name) = @_;
    my $log = "$ENV{VP_STATE}/vplanetd/$name.log";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open(STDOUT, '>>', $log) or die "$log: $!";
        open(STDERR, '>&', \*STDOUT) or die "stderr: $!";
        if ($ENV{VP_ASAN_LIB}) {
            $ENV{ASAN_OPTIONS} = "detect_leaks=1:log_path=$ENV{VP_STATE}/vplanetd/asan";
            $ENV{UBSAN_OPTIONS} = "print_stacktrace=1:log_path=$ENV{VP_STATE}/vplanetd/ubsan";
        }
        exec $ENV{VP_VPLANETD}, '-c', $conf or die "exec: $!";
    }
    return $pid;
}

# Kills vplanetd with SIGKILL (no clean stop) and waits until it is gone.
sub sidecar_kill9 {
    my $pid = slurp("$ENV{VP_STATE}/vplanetd/vplanetd.pid");
    chomp $pid;
    return unless $pid;
    kill 'KILL', $pid;
    for (1 .. 100) { kill(0, $pid) or last; select(undef, undef, undef, 0.05) }
}

sub slurp {
    my ($file) = @_;
    open(my $fh, '<', $file) or return '';
    local $/;
    return scalar <$fh>;
}

# write_file(PATH, BYTES): a file only its owner may read (keys, configurations).
sub write_file {
    my ($path, $bytes) = @_;
    my $old = umask 077;
    open(my $fh, '>', $path) or die "$path: $!";
    print $fh $bytes;
    close $fh or die "$path: $!";
    umask $old;
}

sub bearer { return { authorization => "Bearer $_[0]" } }

# signup(BODY, ip => ADDRESS, base => URL): POST /auth/signup with BODY, by
# default from a new client address (the per-IP signup limit stays away).
sub signup {
    my ($body, %o) = @_;
    return http(POST => '/api/v1/auth/signup', base => $o{base}, json => $body,
                headers => { 'x-forwarded-for' => $o{ip} // new_ip() });
}

# new_user(email => ..., password => ..., nickname => ...): signs up a new
# account and returns {id, email, password, nickname, access, refresh}.
my $seq = 0;
sub new_user {
    my (%o) = @_;
    my $tag = sprintf '%x%x%d', $$, time, ++$seq;
    my $u = { email => $o{email} // "u$tag\@example.com",
              password => $o{password} // "pw-$tag-secret",
              nickname => $o{nickname} // substr("n$tag", 0, 30) };
    my $r = signup({ map { $_ => $u->{$_} } qw(email password nickname) }, base => $o{base});
    die "signup failed: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    $u->{id} = $r->{json}{data}{user}{id};
    $u->{access} = $r->{json}{data}{access_token};
    $u->{refresh} = $r->{json}{data}{refresh_token};
    return $u;
}

# login(EMAIL, PASSWORD, ip => ADDRESS, base => URL), or login(USER, ...)
# for a user of new_user: POST /auth/login, by default from a new client
# address (the per-IP login limit stays out of the way).
sub login {
    my ($email, $password, %o) = ref $_[0] ? ($_[0]{email}, $_[0]{password}, @_[1 .. $#_]) : @_;
    return http(POST => '/api/v1/auth/login', base => $o{base},
                json => { email => $email, password => $password },
                headers => { 'x-forwarded-for' => $o{ip} // new_ip() });
}

sub refresh {
    my ($token, %o) = @_;
    return http(POST => '/api/v1/auth/refresh', base => $o{base}, json => { refresh_token => $token });
}

# me(TOKEN, BASE): GET /users/me with that access token.
sub me { http(GET => '/api/v1/users/me', headers => bearer($_[0]), base => $_[1]) }

# call(WHO, METHOD, PATH, BODY): METHOD /api/v1PATH as WHO (a user of
# new_user, or an access token), with BODY as JSON when given.
sub call {
    my ($who, $method, $path, $body) = @_;
    return http($method, "/api/v1$path", headers => bearer(ref $who ? $who->{access} : $who),
                defined $body ? (json => $body) : ());
}

# api(...): call(...) that must succeed (dies otherwise); returns its data.
sub api {
    my ($who, $method, $path, $body) = @_;
    my $r = call($who, $method, $path, $body);
    die "$method $path: $r->{status} $r->{body}\n" unless $r->{status} =~ /^2/;
    return $r->{json}{data};
}

# new_project(OWNER, NAME): creates a project (dies on failure); its id.
sub new_project {
    my ($owner, $name) = @_;
    my $r = call($owner, POST => '/projects', { name => $name });
    die "cannot create a project: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data}{id};
}

# A random version 4 UUID (nothing in the database has it).
sub uuid4 {
    my @b = map { int rand 256 } 1 .. 16;
    $b[6] = ($b[6] & 0x0f) | 0x40;
    $b[8] = ($b[8] & 0x3f) | 0x80;
    return sprintf '%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x', @b;
}

# events_after(PROJECT, ID): the project's events rows after ID, oldest
# first: [{id, type, actor_id, payload, created_at}].
sub events_after {
    my ($pid, $after) = @_;
    return $json->decode(psql(
        "SELECT coalesce(json_agg(json_build_object('id', id, 'type', type, 'actor_id', actor_id,"
      . " 'payload', payload, 'created_at', created_at) ORDER BY id), '[]')"
      . " FROM events WHERE project_id = :'pid' AND id > :after", "pid=$pid", "after=$after"));
}

# The stack's HS256 signing key, to forge tokens the server must refuse
# (expired, wrong audience, ...).
sub jwt_key { slurp("$ENV{VP_STATE}/jwt.key") }

# jwt_sign(HEADER, CLAIMS, KEY): compact JWT; HS256 with KEY, or an empty
# signature for any other alg (e.g. "none").
sub jwt_sign {
    my ($header, $claims, $key) = @_;
    my $signing = encode_base64url($json->encode($header)) . '.'
                . encode_base64url($json->encode($claims));
    my $sig = $header->{alg} eq 'HS256' ? encode_base64url(hmac_sha256($signing, $key)) : '';
    return "$signing.$sig";
}

sub jwt_header { $json->decode(decode_base64url((split /\./, $_[0])[0])) }

sub jwt_claims {
    my ($token) = @_;
    my (undef, $payload) = split /\./, $token;
    return $json->decode(decode_base64url($payload));
}

# wait_for(SECONDS, CODE): calls CODE every 0.1 s until it returns a true
# value, which it returns; undef once SECONDS have passed.
sub wait_for {
    my ($seconds, $code) = @_;
    my $deadline = Time::HiRes::time() + $seconds;
    while (1) {
        my $v = $code->();
        return $v if $v;
        return undef if Time::HiRes::time() > $deadline;
        Time::HiRes::sleep(0.1);
    }
}

# The SMTP sink's maildir (script/stack smtp-start): every message, parsed
# once. A message: {file, raw, head => {lower-case name => value, encoded
# words decoded}, type, parts => [{type, charset, body (decoded
# characters)}], text, html}.
my %parsed;
sub _parse_mail {
    my ($raw) = @_;
    $raw =~ s/\r\n/\n/g;
    my ($head, $body) = split /\n\n/, $raw, 2;
    $head =~ s/\n[ \t]+/ /g;      # unfold
    my %h;
    for (split /\n/, $head) {
        my ($name, $value) = /^([^:]+):[ \t]*(.*)$/ or next;
        $h{lc $name} //= Encode::decode('MIME-Header', $value);
    }
    my $m = { raw => $raw, head => \%h, type => lc(($h{'content-type'} // 'text/plain') =~ s/;.*//sr) };
    my @parts;
    if ($m->{type} eq 'multipart/alternative') {
        my ($b) = $h{'content-type'} =~ /boundary="?([^";]+)"?/;
        for my $chunk (split /^--\Q$b\E(?:--)?[ \t]*\n/m, $body // '') {
            my ($ph, $pb) = split /\n\n/, $chunk, 2;
            next unless defined $pb && $ph =~ /content-type:/i;
            $ph =~ s/\n[ \t]+/ /g;
            my %p = map { /^([^:]+):[ \t]*(.*)$/ ? (lc $1 => $2) : () } split /\n/, $ph;
            push @parts, { head => \%p, body => $pb };
        }
    }
    else {
        push @parts, { head => { 'content-type' => $h{'content-type'},
                                 'content-transfer-encoding' => $h{'content-transfer-encoding'} },
                       body => $body // '' };
    }
    for my $p (@parts) {
        my $ct = $p->{head}{'content-type'} // 'text/plain';
        $p->{type} = lc($ct =~ s/;.*//sr);
        ($p->{charset}) = map { lc } $ct =~ /charset="?([\w-]+)/i;
        my $bytes = $p->{body};
        $bytes =~ s/\n\z//;          # the line end before the delimiter
        $bytes = MIME::QuotedPrint::decode_qp($bytes)
            if lc($p->{head}{'content-transfer-encoding'} // '') eq 'quoted-printable';
        $p->{bytes} = $bytes;
        $p->{body} = Encode::decode($p->{charset} // 'us-ascii', $bytes);
        $m->{text} //= $p->{body} if $p->{type} eq 'text/plain';
        $m->{html} //= $p->{body} if $p->{type} eq 'text/html';
    }
    $m->{parts} = \@parts;
    return $m;
}

sub mails {
    my $dir = $ENV{VP_MAILDIR} or die "VP_MAILDIR is not set\n";
    my @m;
    for my $file (sort map { glob "$dir/$_/*" } qw(new cur)) {
        $parsed{$file} //= { %{ _parse_mail(slurp($file)) }, file => $file };
        push @m, $parsed{$file};
    }
    return @m;
}

# The messages to ADDRESS (any letter case), oldest first.
sub mails_to {
    my ($address) = @_;
    return grep { lc($_->{head}{to} // '') eq lc $address } mails();
}

# wait_mail(ADDRESS, SECONDS): the first message to ADDRESS, once it is in
# the sink; undef when none came within SECONDS.
sub wait_mail {
    my ($address, $seconds) = @_;
    return wait_for($seconds, sub { (mails_to($address))[0] });
}

# parallel(N, CODE): runs CODE->(i) for i = 1 .. N in N forked
# processes that start together (each on its own keep-alive connection),
# and returns what each returned (an http() response, a status: anything
# JSON can carry), in order of i. A child that dies returns
# {status => 0, died => MESSAGE}.
sub parallel {
    my ($n, $code) = @_;
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    my @kids;
    for my $i (1 .. $n) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $go_w;
            close $r;
            # the parent's keep-alive connection is not ours to share
            $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
            sysread($go_r, my $buf, 1);     # returns at the parent's close: the start
            my $out = eval { $code->($i) } // { status => 0, died => "$@" };
            print $w $json->encode([$out]);
            close $w;
            POSIX::_exit(0);    # no END blocks or destructors of the test
        }
        close $w;
        push @kids, [$pid, $r];
    }
    close $go_r;
    close $go_w;
    my @out;
    for my $k (@kids) {
        my $fh = $k->[1];
        my $raw = do { local $/; <$fh> };
        waitpid($k->[0], 0);
        push @out, (eval { $json->decode($raw)->[0] } // { status => 0, died => 'no answer' });
    }
    return @out;
}

# A TCP port of 127.0.0.1 nobody listens on now.
sub free_port {
    IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)->sockport;
}

# httpd_variant(NAME, EXTRA, vhost => 1): a second httpd with the test
# stack's configuration plus EXTRA (later directives win), on its own port,
# logs in VP_STATE/NAME, stopped when the test ends (or by
# httpd_variant_stop). Returns (base URL, folder), or (undef, what it
# logged) when httpd refuses to start.
# vhost => 1: the module's configuration (conf/vplanet.conf, every VPlanet
# directive and EXTRA) goes in a <VirtualHost> of a port of its own, and the
# main server keeps none of it (but the lines of main => MAIN_EXTRA); the
# base URL is the virtual host's, the main server's comes third.
my @variants;
my $test_pid = $$;
END { if ($$ == $test_pid) { local $?; httpd_variant_stop($_) for @variants } }

# Writes the variant's configuration: (folder, main server's port,
# virtual host's port or undef).
sub variant_conf {
    my ($name, $extra, %o) = @_;
    my $dir = "$ENV{VP_STATE}/$name";
    mkdir $_ for $dir, "$dir/logs", "$dir/run";
    my $port = free_port();
    my $conf = slurp("$ENV{VP_STATE}/httpd/httpd.conf");
    $conf =~ s/^Listen .*/Listen 127.0.0.1:$port/m;
    $conf =~ s/^PidFile .*/PidFile "$dir\/run\/httpd.pid"/m;
    $conf =~ s/^DefaultRuntimeDir .*/DefaultRuntimeDir "$dir\/run"/m;
    $conf =~ s/^ErrorLog .*/ErrorLog "$dir\/logs\/error.log"/m;
    $conf =~ s/^CustomLog "[^"]*"/CustomLog "$dir\/logs\/access.log"/m;
    my $vport;
    if ($o{vhost}) {
        $vport = free_port();
        $conf =~ s/^(Include "[^"]*\/conf\/vplanet\.conf")\n//m or die "no vplanet.conf include";
        my $include = $1;
        $conf =~ s/^VPlanet\S+.*\n//mg;
        $extra = ($o{main} // '') . "\nListen 127.0.0.1:$vport\n<VirtualHost 127.0.0.1:$vport>\n"
               . "    ServerName vplanet.vhost.test\n    $include\n$extra\n</VirtualHost>";
    }
    open(my $fh, '>', "$dir/httpd.conf") or die "$dir/httpd.conf: $!";
    print $fh $conf, "\n# variant $name\n", $extra, "\n";
    close $fh;
    return ($dir, $port, $vport);
}

# The sanitizer build's module needs its runtime in httpd.
sub variant_env {
    return (($ENV{VP_ASAN_LIB} ? (LD_PRELOAD => $ENV{VP_ASAN_LIB}) : ()),
            ASAN_OPTIONS => "detect_leaks=0:log_path=$ENV{VP_STATE}/httpd/logs/asan",
            UBSAN_OPTIONS => "print_stacktrace=1:log_path=$ENV{VP_STATE}/httpd/logs/ubsan");
}

sub httpd_variant {
    my ($name, $extra, %o) = @_;
    my ($dir, $port, $vport) = variant_conf($name, $extra, %o);
    my %env = variant_env();
    local @ENV{keys %env} = values %env;
    my $out = `$ENV{VP_HTTPD_BIN} -f $dir/httpd.conf -k start 2>&1`;
    return (undef, $out . slurp("$dir/logs/error.log")) if $?;
    my $main = "http://127.0.0.1:$port";
    my $base = $vport ? "http://127.0.0.1:$vport" : $main;
    for (1 .. 100) {
        my $r = $ua->get("$base/api/health");
        if ($r->{status} == 200) { push @variants, $dir; return ($base, $dir, $main) }
        select(undef, undef, undef, 0.1);
    }
    httpd_variant_stop($dir);
    return (undef, 'variant did not answer: ' . slurp("$dir/logs/error.log"));
}

# httpd_configtest(NAME, EXTRA, vhost => 1): `httpd -t` (what `apachectl
# configtest` runs) on the configuration httpd_variant would start; returns
# (exit status, what it printed).
sub httpd_configtest {
    my ($name, $extra, %o) = @_;
    my ($dir) = variant_conf($name, $extra, %o);
    my %env = variant_env();
    local @ENV{keys %env} = values %env;
    my $out = `$ENV{VP_HTTPD_BIN} -t -f $dir/httpd.conf 2>&1`;
    return ($? >> 8, $out);
}

sub httpd_variant_stop {
    my ($dir) = @_;
    my $pid = slurp("$dir/run/httpd.pid") or return;
    chomp $pid;
    kill 'TERM', $pid;
    for (1 .. 100) { kill(0, $pid) or return; select(undef, undef, undef, 0.1) }
    kill 'KILL', $pid;
}

1;
