# What `apachectl configtest` (httpd -t) sees: the module's settings and
# files are checked in its check_config hook, which runs for a test as for
# a start, so a broken key, algorithm or cache fails the test, naming the
# server, the directive and the fix; a server that does not use the module
# (no SetHandler vplanet) is not checked; a start logs one line (VP0009)
# with the version, the schema and the main settings. Each case is the test
# stack's configuration with a few lines more (t/lib/VP.pm, variant_conf).
use strict;
use warnings;
use Test::More;
use VP;

my $DIR = "$ENV{VP_STATE}/configtest";
mkdir $DIR;
my $MAIN = qr/in the main server \(ServerName 127\.0\.0\.1\)/;
my $seq = 0;

# refused(NAME, EXTRA, WHO, DIRECTIVE, WHY, %opts): httpd -t fails (exit
# status not 0, no "Syntax OK"), and its VP0001 line names WHO (a server),
# DIRECTIVE, WHY and a fix.
sub refused {
    my ($name, $extra, $who, $directive, $why, %o) = @_;
    my ($rc, $out) = httpd_configtest(sprintf('configtest-%s-%d', $name, ++$seq), $extra, %o);
    isnt($rc, 0, "$name: configtest fails");
    unlike($out, qr/Syntax OK/, '... without "Syntax OK"');
    my ($line) = grep { /VP0001: mod_vplanet cannot start: / } split /\n/, $out;
    ok($line, '... with a VP0001 line') or return diag($out);
    like($line, qr/VP0001: mod_vplanet cannot start: $who: /, '... naming the server');
    like($line, qr/\Q$directive\E/, "... and $directive");
    like($line, $why, '... saying why');
    like($line, qr/\. Fix: \S/, '... and how to fix it');
    return $line;
}

sub passes {
    my ($name, $extra, %o) = @_;
    my ($rc, $out) = httpd_configtest(sprintf('configtest-%s-%d', $name, ++$seq), $extra, %o);
    is($rc, 0, "$name: configtest passes") or diag($out);
    like($out, qr/Syntax OK/, '... "Syntax OK"');
    unlike($out, qr/VP0001/, '... and no VP0001');
}

write_file("$DIR/short.key", 'k' x 10);
write_file("$DIR/rsa.pem", scalar `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null`);
like(slurp("$DIR/rsa.pem"), qr/BEGIN PRIVATE KEY/, 'an RSA private key for the cases below');
write_file("$DIR/not-a-folder", 'a file');

subtest 'the test stack configuration passes' => sub {
    passes('stack', '');
};

subtest 'a missing key file' => sub {
    my $line = refused('missing', "VPlanetJWTKeyFile $DIR/no-such.key", $MAIN, 'VPlanetJWTKeyFile',
                       qr/cannot read VPlanetJWTKeyFile \Q$DIR\E\/no-such\.key: No such file/);
    like($line // '', qr/openssl rand/, '... the fix says how to make a key');
    like($line // '', qr/set at \Q$ENV{VP_STATE}\E\/configtest-missing-\d+\/httpd\.conf:\d+/,
         '... and where the directive is');
};

subtest 'a 10-byte key' => sub {
    refused('short', "VPlanetJWTKeyFile $DIR/short.key", $MAIN, 'VPlanetJWTKeyFile',
            qr/holds 10 bytes; a key needs 32 to 65536 bytes/);
};

subtest 'RS256 with an HMAC key' => sub {
    my $line = refused('rs256-hmac', 'VPlanetJWTAlgorithm RS256', $MAIN, 'VPlanetJWTAlgorithm RS256',
                       qr/no PEM private key/);
    like($line // '', qr/openssl genpkey -algorithm RSA/, '... the fix says how to make an RSA key');
};

subtest 'HS256 with a PEM key' => sub {
    refused('hs256-pem', "VPlanetJWTKeyFile $DIR/rsa.pem", $MAIN, 'VPlanetJWTAlgorithm HS256',
            qr/holds a PEM key, and HS256 takes random bytes/);
    passes('rs256-pem', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/rsa.pem");
};

subtest 'an unknown socache provider' => sub {
    my $line = refused('nosuch-cache', 'VPlanetRateLimitCache nosuch', $MAIN, 'VPlanetRateLimitCache nosuch',
                       qr/no socache provider 'nosuch'/);
    like($line // '', qr/a2enmod socache_nosuch/, '... the fix names the module to load');
    refused('bad-cache-args', 'VPlanetRateLimitCache shmcb:x(100)', $MAIN, 'VPlanetRateLimitCache',
            qr/size has to be/);
};

subtest 'the media folder' => sub {
    refused('media-file', "VPlanetMediaRoot $DIR/not-a-folder", $MAIN, 'VPlanetMediaRoot',
            qr/is not a folder/);
    refused('media-under-file', "VPlanetMediaRoot $DIR/not-a-folder/media", $MAIN, 'VPlanetMediaRoot',
            qr/cannot be made: \Q$DIR\E\/not-a-folder is not a folder/);
    passes('media-new', "VPlanetMediaRoot $DIR/new-media/deeper");
    ok(!-e "$DIR/new-media", '... a configuration test makes no folder');
};

subtest 'other files and values' => sub {
    refused('zone', 'VPlanetTimeZone Mars/Olympus', $MAIN, 'VPlanetTimeZone', qr/no such time zone/);
    refused('plan-key', "VPlanetPlanningKeyFile $DIR/no-plan.key", $MAIN, 'VPlanetPlanningKeyFile',
            qr/No such file/);
};

subtest 'every problem is reported, not only the first' => sub {
    my ($rc, $out) = httpd_configtest('configtest-all', "VPlanetJWTKeyFile $DIR/short.key\n"
                                      . "VPlanetTimeZone Mars/Olympus\nVPlanetRateLimitCache nosuch");
    isnt($rc, 0, 'configtest fails');
    is(scalar(() = $out =~ /VP0001/g), 3, 'three problems, three lines') or diag($out);
};

subtest 'a server that does not use the module is not checked' => sub {
    # the module's configuration in one virtual host
    passes('vhost', '', vhost => 1);
    my $conf = slurp(glob("$ENV{VP_STATE}/configtest-vhost-$seq/httpd.conf"));
    my ($main_part) = split /<VirtualHost/, $conf;
    unlike($main_part, qr/^VPlanet/m, '(the main server has no VPlanet directive)');
    like($conf, qr/<VirtualHost [^>]+>\n.*\n\s+Include "[^"]*conf\/vplanet\.conf"/,
         '(conf/vplanet.conf is in the virtual host)');
    # a broken key and zone in the main server, which does not use them
    passes('vhost-main-broken', '', vhost => 1,
           main => "VPlanetJWTKeyFile $DIR/short.key\nVPlanetTimeZone Mars/Olympus");
    # the cache is global: with any server using the module it is checked
    refused('vhost-cache', '', $MAIN, 'VPlanetRateLimitCache nosuch', qr/no socache provider/,
            vhost => 1, main => 'VPlanetRateLimitCache nosuch');
    # a second virtual host that turns the handler on with no VPlanet
    # directive of its own: it (not the main server, whose settings it
    # inherits) is checked
    my $bport = free_port();
    my ($rc, $out) = httpd_configtest('configtest-vhost-b', '', vhost => 1, main => <<"EOC");
VPlanetJWTKeyFile $DIR/short.key
Listen 127.0.0.1:$bport
<VirtualHost 127.0.0.1:$bport>
    ServerName b.vhost.test
    <Location "/api">
        SetHandler vplanet
    </Location>
</VirtualHost>
EOC
    isnt($rc, 0, 'a virtual host using the main server\'s broken key fails');
    my @lines = $out =~ /(VP0001: .*)/g;
    is(scalar @lines, 1, '... one problem') or diag($out);
    like($lines[0] // '', qr/in the virtual host b\.vhost\.test:$bport .*holds 10 bytes/,
         '... named after that virtual host, not the main server');
    # the virtual host's own problem names the virtual host
    refused('vhost-short', "VPlanetJWTKeyFile $DIR/short.key",
            qr/in the virtual host vplanet\.vhost\.test:\d+ \(\Q$ENV{VP_STATE}\E\/configtest-vhost-short-\d+\/httpd\.conf:\d+\)/,
            'VPlanetJWTKeyFile', qr/holds 10 bytes/, vhost => 1);
};

subtest 'a virtual host using the module works; the main server stays its own' => sub {
    write_file("$ENV{VP_STATE}/htdocs/configtest-$$.vp", 'not for the module');
    chmod 0644, "$ENV{VP_STATE}/htdocs/configtest-$$.vp";
    my ($base, $dir, $main) = httpd_variant('configtest-vhost-run', '', vhost => 1,
                                            main => 'AddHandler vplanet .vp');
    ok($base, 'the variant with the module in a virtual host starts') or return diag($dir);
    envelope_ok(http(GET => '/api/health', base => $base), 200, 'the virtual host answers the API');
    my $r = http(GET => '/api/health', base => $main);
    is($r->{status}, 404, 'the main server has no API');
    ok(!$r->{json}, '... its 404 is httpd\'s, not an envelope') or diag($r->{body});
    # the handler chosen where httpd's configuration does not give it
    # (AddHandler in the main server): refused, not run without keys
    my $r2 = http(GET => "/configtest-$$.vp", base => $main);
    is($r2->{status}, 500, 'the handler chosen by AddHandler in a server not using the module: 500');
    my $log = slurp("$dir/logs/error.log");
    like($log, qr/VP0006: the vplanet handler was chosen in the main server/, '... and VP0006 says why');
    my @started = $log =~ /(VP0009: .*)/g;
    is(scalar @started, 1, 'one start-up line') or diag($log);
    like($started[0] // '', qr/ in the virtual host vplanet\.vhost\.test:\d+ /, '... for the virtual host');
    httpd_variant_stop($dir);
};

subtest 'a broken configuration: a restart is refused, a stop is not' => sub {
    my ($base, $dir) = httpd_variant('configtest-running', '');
    ok($base, 'a variant runs') or return diag($dir);
    my $conf = slurp("$dir/httpd.conf");
    write_file("$dir/httpd.conf", "$conf\nVPlanetJWTKeyFile $DIR/short.key\n");
    local $ENV{LD_PRELOAD} = $ENV{VP_ASAN_LIB} if $ENV{VP_ASAN_LIB};
    local $ENV{ASAN_OPTIONS} = "detect_leaks=0:log_path=$ENV{VP_STATE}/httpd/logs/asan";
    my $out = `$ENV{VP_HTTPD_BIN} -f $dir/httpd.conf -k graceful 2>&1`;
    isnt($?, 0, 'httpd -k graceful with the broken key fails');
    like($out, qr/VP0001: .*holds 10 bytes/, '... saying why');
    sleep 1;
    envelope_ok(http(GET => '/api/health', base => $base), 200, '... and the running server keeps answering');
    # apachectl stop and the systemd unit's graceful-stop read the
    # configuration too: the module's checks must not stop them
    $out = `$ENV{VP_HTTPD_BIN} -f $dir/httpd.conf -k stop 2>&1`;
    is($?, 0, 'httpd -k stop with the same configuration works') or diag($out);
    my $gone = 0;
    for (1 .. 50) { $gone = 1, last if http(GET => '/api/health', base => $base)->{status} != 200; select(undef, undef, undef, 0.1) }
    ok($gone, '... and the server stops');
};

subtest 'the start-up line' => sub {
    my $version = http(GET => '/api/version')->{json}{data}{version};
    my ($schema) = (sort map { m{/(\d{4}_[^/]+)\.sql$} ? $1 : () } glob("$ENV{VP_SRC}/sql/*.sql"))[-1];
    ok($version && $schema, "version $version, newest migration $schema");
    my ($base, $dir) = httpd_variant('configtest-info', "LogLevel info\nVPlanetSessionCache 3");
    ok($base, 'a variant with LogLevel info starts') or return diag($dir);
    my @started = slurp("$dir/logs/error.log") =~ /(\[vplanet:info\] .*VP0009: .*)/g;
    is(scalar @started, 1, 'one start-up line at info (none for the pass before httpd detaches)')
        or diag(slurp("$dir/logs/error.log"));
    like($started[0] // '', qr/VP0009: mod_vplanet \Q$version\E \(schema \Q$schema\E\) $MAIN: /,
         '... with the version, the schema and the server');
    like($started[0] // '', qr/key \Q$ENV{VP_STATE}\E\/jwt\.key \(HS256\), media \Q$ENV{VP_STATE}\E\/media, public URL http:\/\/127\.0\.0\.1:\d+, rate-limit cache shmcb, session cache 3 s, list cache 5 s/,
         '... and the main settings');
    httpd_variant_stop($dir);

    ($base, $dir) = httpd_variant('configtest-warn', 'LogLevel warn');
    ok($base, 'a variant with LogLevel warn starts') or return diag($dir);
    unlike(slurp("$dir/logs/error.log"), qr/VP0009/, '... and logs no start-up line');
    httpd_variant_stop($dir);
};

done_testing;
