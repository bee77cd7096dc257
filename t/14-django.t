# Passwords (spec section 3, "Passwords"): users imported from the legacy
# Django backend keep their pbkdf2_sha256 hashes until their next login,
# which replaces them with argon2id; raising VPlanetArgon2 upgrades weaker
# argon2id hashes at login the same way.
use strict;
use warnings;
use Test::More;
use Digest::SHA qw(hmac_sha256);
use MIME::Base64 qw(encode_base64);
use VP;

# PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2), as Django computes it.
sub pbkdf2_sha256 {
    my ($password, $salt, $iterations, $len) = @_;
    my $dk = '';
    for (my $block = 1; length $dk < $len; $block++) {
        my $u = hmac_sha256($salt . pack('N', $block), $password);
        my $t = $u;
        for (2 .. $iterations) {
            $u = hmac_sha256($u, $password);
            $t ^= $u;
        }
        $dk .= $t;
    }
    return substr $dk, 0, $len;
}

sub django_hash {
    my ($password, $salt, $iterations) = @_;
    return "pbkdf2_sha256\$$iterations\$$salt\$"
         . encode_base64(pbkdf2_sha256($password, $salt, $iterations, 32), '');
}

# Known vectors, computed independently:
#   python3 -c "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac(
#       'sha256',b'legacy-pass',b'saltsalt',1000)).decode())"
is(encode_base64(pbkdf2_sha256('legacy-pass', 'saltsalt', 1000, 32), ''),
   'WrVBa0HG+51PKBA5lJFVADAvx8LsZx+PYh8Up83qZgs=', 'PBKDF2-HMAC-SHA256 matches the Python vector');
# RFC 7914 section 11, P="passwd" S="salt" c=1 dkLen=64 (two blocks)
subtest 'the test computes PBKDF2 and Django hashes right' => sub {
    is(unpack('H*', pbkdf2_sha256('passwd', 'salt', 1, 64)),
       '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc'
       . '49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
       'PBKDF2-HMAC-SHA256 matches the RFC 7914 vector');
    is(django_hash('legacy-pass', 'saltsalt', 1000),
       'pbkdf2_sha256$1000$saltsalt$WrVBa0HG+51PKBA5lJFVADAvx8LsZx+PYh8Up83qZgs=', 'Django format');
};

my $n = 0;
sub legacy_user {
    my (%o) = @_;
    my $tag = sprintf '%x%x%d', $$, time, ++$n;
    my $u = {email => $o{email} // "legacy$tag\@example.com", nickname => "legacy$tag",
             password => $o{password} // "legacy-pass-$tag"};
    $u->{hash} = $o{hash} // django_hash($u->{password}, $o{salt} // 'Qe3xZk9aLm2Pw7RtYv5BnC',
                                         $o{iterations} // 260000);
    $u->{id} = psql("INSERT INTO users (email, nickname, password_hash, email_verified)"
                    . " VALUES (:'email', :'nick', :'hash', true) RETURNING id",
                    "email=$u->{email}", "nick=$u->{nickname}", "hash=$u->{hash}");
    return $u;
}

sub stored_hash { psql("SELECT password_hash FROM users WHERE id = :'id'", "id=$_[0]{id}") }

my $ARGON2_DEFAULT = qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+\/]{22}\$[A-Za-z0-9+\/]{43}$/;

# ---- a legacy user's first login ----
subtest 'a legacy user\'s first login turns the Django hash into argon2id' => sub {
    my $u = legacy_user(email => sprintf('Legacy.%x%x@Example.com', $$, time));
    like($u->{id}, qr/^[0-9a-f-]{36}$/, 'legacy user inserted');
    is(stored_hash($u), $u->{hash}, 'with the Django hash');

    my $r = login($u->{email}, 'not-the-password');
    error_ok($r, 401, 'invalid_credentials', 'wrong password against a Django hash: 401');
    is(stored_hash($u), $u->{hash}, 'a failed login leaves the Django hash alone');

    $r = login(lc $u->{email}, $u->{password});
    envelope_ok($r, 200, 'login with the legacy password (email in another case)');
    my $d = $r->{json}{data};
    ok($d->{access_token} && $d->{refresh_token}, 'tokens issued');
    is($d->{token_type}, 'Bearer', 'token_type Bearer');
    is($d->{user}{id}, $u->{id}, 'as the legacy user');
    ok($d->{user}{last_login_at}, 'last_login_at set');
    envelope_ok(me($d->{access_token}), 200, 'the access token works');

    my $new = stored_hash($u);
    like($new, $ARGON2_DEFAULT, 'the stored hash is now argon2id at the configured cost');
    unlike($new, qr/pbkdf2/, 'no trace of the Django hash');

    $r = login($u);
    envelope_ok($r, 200, 'second login, against the argon2id hash');
    is(stored_hash($u), $new, 'an argon2id hash at the configured cost is not rehashed');
    error_ok(login($u->{email}, 'not-the-password'), 401, 'invalid_credentials',
             'wrong password against the new hash: 401');
    is(login($u->{email}, 'not-the-password')->{json}{message},
       login("nobody-$$\@example.com", 'x')->{json}{message},
       'same message as an unknown email');
};

# ---- other legacy shapes ----
subtest 'other legacy shapes: a weak one is rehashed, an unusable or foreign one refused untouched' => sub {
    my $low = legacy_user(iterations => 1000, salt => 'saltsalt');
    envelope_ok(login($low), 200, 'a Django hash with few iterations and a short salt');
    like(stored_hash($low), $ARGON2_DEFAULT, '... rehashed too');

    for my $case (['unusable password (Django "!")', '!' . 'x' x 40],
                  ['no password (social login)', ''],
                  ['Django pbkdf2_sha1', 'pbkdf2_sha1$260000$salt$AAAA'],
                  ['Django md5', 'md5$salt$0123456789abcdef0123456789abcdef'],
                  ['pbkdf2_sha256 without iterations', 'pbkdf2_sha256$$salt$AAAA'],
                  ['pbkdf2_sha256 with a bad hash', 'pbkdf2_sha256$1000$saltsalt$!!!'],
                  ['pbkdf2_sha256 with 0 iterations', 'pbkdf2_sha256$0$saltsalt$WrVBa0HG+51PKBA5lJFVADAvx8LsZx+PYh8Up83qZgs='],
                  ['pbkdf2_sha256 truncated', 'pbkdf2_sha256$1000$saltsalt$WrVBa0HG+51PKBA5lJFV']) {
        my ($name, $hash) = @$case;
        my $x = legacy_user(hash => $hash, password => 'legacy-pass');
        error_ok(login($x), 401, 'invalid_credentials', "$name: login refused");
        is(stored_hash($x), $hash, "$name: hash untouched");
    }
};

# ---- raising the argon2id cost ----
my $strong = '$argon2id$v=19$m=32768,t=3,p=1$';
subtest 'a stronger VPlanetArgon2 cost rehashes at login, a weaker one never' => sub {
    my ($base, $dir) = httpd_variant('argon2-strong', 'VPlanetArgon2 32768 3 1');
    ok($base, 'a variant httpd with VPlanetArgon2 32768 3 1 starts') or diag($dir);

    SKIP: {
        skip 'no variant', 9 unless $base;
        my $v = new_user();                                  # signed up at the default cost
        like(stored_hash($v), $ARGON2_DEFAULT, 'a user with a default-cost hash');
        envelope_ok(login($v, base => $base), 200, 'logs in at the stronger variant');
        my $h = stored_hash($v);
        is(substr($h, 0, length $strong), $strong, 'rehashed to m=32768,t=3,p=1');
        envelope_ok(login($v), 200, 'the stronger hash works at the default-cost server');
        is(stored_hash($v), $h, '... which does not weaken it');
        envelope_ok(login($v, base => $base), 200, 'and again at the variant');
        is(stored_hash($v), $h, '... which does not rehash a hash already at its cost');

        my $l = legacy_user();
        envelope_ok(login($l, base => $base), 200, 'a legacy user logs in at the variant');
        is(substr(stored_hash($l), 0, length $strong), $strong, 'straight from Django to the stronger cost');
    }
};

done_testing();
