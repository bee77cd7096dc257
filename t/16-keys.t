# Signing keys and algorithms (spec section 3, "Tokens"): httpd refuses to
# start without a usable key file (VP0001 in its log says why); RS256 and
# ES256 sign with a PEM private key and verify with its derived public key,
# and pinning the algorithm defeats HS256-with-the-public-key confusion.
# Each case runs its own httpd (httpd_variant) against the shared database.
use strict;
use warnings;
use Test::More;
use MIME::Base64 qw(decode_base64url);
use VP;

my $AS_ROOT = $> == 0;
my $DIR = "$ENV{VP_STATE}/keys";
mkdir $DIR;

sub run_ok {
    my ($cmd, $name) = @_;
    my $out = `umask 077; $cmd 2>&1`;
    ok($? == 0, $name) or diag($out);
}

my $vseq = 0;
# variant(NAME, DIRECTIVES): (base, dir) of a started httpd, or (undef, log)
sub variant {
    my ($name, $extra) = @_;
    return httpd_variant(sprintf('keys-%s-%d', $name, ++$vseq), $extra);
}

# refuses(NAME, DIRECTIVES, PATTERN): httpd does not start, and VP0001 in
# what it logged matches PATTERN.
sub refuses {
    my ($name, $extra, $why) = @_;
    my ($base, $log) = variant($name, $extra);
    ok(!$base, "$name: httpd refuses to start") or return;
    like($log, qr/VP0001: mod_vplanet cannot start: .*$why/, "$name: the log says why");
}

# The reason VP0501 logged at the variant in DIR for the request of RES.
sub refusal {
    my ($dir, $res) = @_;
    my $rid = $res->{json}{request_id} // return '';
    my ($line) = grep { /\[rid \Q$rid\E\] VP0501/ } split /\n/, slurp("$dir/logs/error.log");
    return ($line // '') =~ /VP0501: token refused: (.*)$/ ? $1 : '';
}

# ---- HS256 key length ----
subtest 'an HS256 key file must be readable and hold at least 32 bytes' => sub {
    write_file("$DIR/short.key", 'k' x 31);
    is(-s "$DIR/short.key", 31, 'a 31-byte key file');
    refuses('short', "VPlanetJWTKeyFile $DIR/short.key", qr/holds 31 bytes; a key needs 32/);

    write_file("$DIR/exact.key", join '', map { chr(33 + int rand 90) } 1 .. 32);
    my ($base, $dir) = variant('exact', "VPlanetJWTKeyFile $DIR/exact.key");
    ok($base, 'a 32-byte key is enough') or diag($dir);
    if ($base) {
        my $u = new_user(base => $base);
        envelope_ok(me($u->{access}, $base), 200, '... and its tokens work there');
        error_ok(me($u->{access}), 401, 'invalid_token', '... and nowhere signed with another key');
    }

    refuses('missing', "VPlanetJWTKeyFile $DIR/no-such.key", qr/cannot read VPlanetJWTKeyFile \Q$DIR\E\/no-such\.key/);
    write_file("$DIR/empty.key", '');
    refuses('empty', "VPlanetJWTKeyFile $DIR/empty.key", qr/holds 0 bytes/);
    refuses('folder', "VPlanetJWTKeyFile $DIR", qr/VPlanetJWTKeyFile/);
};

# ---- RS256 ----
subtest 'a private key file is readable by root only' => sub {
    run_ok("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $DIR/rsa.pem",
           'a 2048-bit RSA key');
    run_ok("openssl pkey -in $DIR/rsa.pem -pubout -out $DIR/rsa.pub", 'its public key');

    # The key is readable by root only: httpd reads it while still root, before
    # its children drop to the server user.
    my $mode = (stat "$DIR/rsa.pem")[2] & 07777;
    is(sprintf('%04o', $mode & 0077), '0000', 'the private key is not readable by group or others');
    SKIP: {
        skip 'not running as root', 1 unless $AS_ROOT;
        isnt(system('runuser', '-u', 'www-data', '--', 'test', '-r', "$DIR/rsa.pem"), 0,
             'www-data (the server user) cannot read the key file');
    }
};

subtest 'RS256 signs with the private key, verifies with the public one and pins the algorithm' => sub {
    my ($base, $dir) = variant('rs256', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/rsa.pem");
    ok($base, 'RS256 with a 2048-bit key starts') or diag($dir);
    SKIP: {
        skip 'no RS256 variant', 20 unless $base;
        my $u = new_user(base => $base);
        is(jwt_header($u->{access})->{alg}, 'RS256', 'signup there: the access token is RS256');
        is(jwt_header($u->{refresh})->{alg}, 'RS256', '... and so is the refresh token');
        envelope_ok(me($u->{access}, $base), 200, 'the RS256 token is accepted there');
        my $r = login($u, base => $base);
        envelope_ok($r, 200, 'login there');
        my $access = $r->{json}{data}{access_token};
        is(jwt_header($access)->{alg}, 'RS256', '... gives RS256 tokens');
        envelope_ok(me($access, $base), 200, '... that work');
        $r = refresh($r->{json}{data}{refresh_token}, base => $base);
        envelope_ok($r, 200, 'refresh there');
        is(jwt_header($r->{json}{data}{access_token})->{alg}, 'RS256', '... gives RS256 tokens');

        # the signature is checked with the public key: it verifies with openssl
        my ($h, $p, $s) = split /\./, $access;
        write_file("$DIR/signed.txt", "$h.$p");
        write_file("$DIR/signed.sig", decode_base64url($s));
        run_ok("openssl dgst -sha256 -verify $DIR/rsa.pub -signature $DIR/signed.sig $DIR/signed.txt",
               'the RS256 signature verifies with the public key');

        # algorithm confusion: HS256 keyed with the public key's PEM text, which
        # is exactly what the server derives (PEM_write_bio_PUBKEY)
        my $pub = slurp("$DIR/rsa.pub");
        like($pub, qr/^-----BEGIN PUBLIC KEY-----\n/, 'the public key in PEM');
        my %c = (%{ jwt_claims($access) }, jti => uuid4());
        my $confused = jwt_sign({alg => 'HS256', typ => 'JWT'}, \%c, $pub);
        $r = me($confused, $base);
        error_ok($r, 401, 'invalid_token', 'HS256 signed with the RS256 public key (PEM): 401');
        is(refusal($dir, $r), 'unexpected algorithm',
           '... refused by the algorithm pin (its HMAC with the PEM was right)');
        $confused = jwt_sign({alg => 'HS256', typ => 'JWT'}, \%c, $pub =~ s/\n\z//r);
        error_ok(me($confused, $base), 401, 'invalid_token', '... without the final newline: 401');
        error_ok(me(jwt_sign({alg => 'none', typ => 'JWT'}, \%c), $base), 401, 'invalid_token',
                 'alg none at the RS256 variant: 401');

        # a token of the HS256 main stack means nothing here, and the reverse
        my $m = new_user();
        error_ok(me($m->{access}, $base), 401, 'invalid_token', 'an HS256 token of the main stack: 401');
        error_ok(me($access), 401, 'invalid_token', 'an RS256 token at the HS256 main stack: 401');
        envelope_ok(me($m->{access}), 200, '(the main stack token is fine at home)');

        # an RS256 token of another RSA key
        run_ok("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $DIR/rsa-other.pem",
               'another RSA key');
        my ($b2) = variant('rs256-other', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/rsa-other.pem");
        ok($b2, 'a second RS256 variant with the other key');
        if ($b2) {
            my $o = new_user(base => $b2);
            error_ok(me($o->{access}, $base), 401, 'invalid_token', 'RS256 signed with another RSA key: 401');
        }
    }
};

subtest 'an RS256 key must be an RSA private key of at least 2048 bits' => sub {
    run_ok("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out $DIR/rsa1024.pem",
           'a 1024-bit RSA key');
    refuses('rsa1024', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/rsa1024.pem",
            qr/at least 2048 bits/);
    refuses('rs256-public', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/rsa.pub",
            qr/no PEM private key/);
    refuses('rs256-secret', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $ENV{VP_STATE}/jwt.key",
            qr/no PEM private key/);
};

# ---- ES256 ----
subtest 'ES256 signs with a P-256 key, R||S, and pins the algorithm' => sub {
    run_ok("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $DIR/p256.pem",
           'a P-256 key');
    my ($base, $dir) = variant('es256', "VPlanetJWTAlgorithm ES256\nVPlanetJWTKeyFile $DIR/p256.pem");
    ok($base, 'ES256 with a P-256 key starts') or diag($dir);
    SKIP: {
        skip 'no ES256 variant', 8 unless $base;
        my $u = new_user(base => $base);
        my $r = login($u, base => $base);
        envelope_ok($r, 200, 'login there');
        my $access = $r->{json}{data}{access_token};
        is(jwt_header($access)->{alg}, 'ES256', 'the token is ES256');
        is(length(decode_base64url((split /\./, $access)[2])), 64,
           'the signature is R||S (64 bytes, RFC 7518), not DER');
        envelope_ok(me($access, $base), 200, 'the ES256 token is accepted there');
        error_ok(me($access), 401, 'invalid_token', '... and refused at the HS256 main stack');
        run_ok("openssl pkey -in $DIR/p256.pem -pubout -out $DIR/p256.pub", 'its public key');
        my %c = (%{ jwt_claims($access) }, jti => uuid4());
        $r = me(jwt_sign({alg => 'HS256', typ => 'JWT'}, \%c, slurp("$DIR/p256.pub")), $base);
        error_ok($r, 401, 'invalid_token', 'HS256 signed with the ES256 public key (PEM): 401');
        is(refusal($dir, $r), 'unexpected algorithm', '... refused by the algorithm pin');
        error_ok(me(new_user()->{access}, $base), 401, 'invalid_token', 'an HS256 token of the main stack: 401');
    }
};

subtest 'an ES256 key must be a P-256 private key' => sub {
    run_ok("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $DIR/p384.pem",
           'a P-384 key');
    refuses('p384', "VPlanetJWTAlgorithm ES256\nVPlanetJWTKeyFile $DIR/p384.pem", qr/P-256/);
    refuses('es256-rsa', "VPlanetJWTAlgorithm ES256\nVPlanetJWTKeyFile $DIR/rsa.pem", qr/P-256/);
    refuses('rs256-ec', "VPlanetJWTAlgorithm RS256\nVPlanetJWTKeyFile $DIR/p256.pem", qr/RSA private key/);
};

# a bad algorithm name is a configuration error of its own
subtest 'an unknown algorithm name is a configuration error' => sub {
    my ($none, $log) = variant('alg-none', 'VPlanetJWTAlgorithm none');
    ok(!$none, 'VPlanetJWTAlgorithm none: httpd refuses to start');
    like($log // '', qr/VPlanetJWTAlgorithm must be HS256, RS256 or ES256/, '... saying which are allowed');
};

done_testing();
