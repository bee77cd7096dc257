# Unicode identities (README "Identity rules"; issue 11, findings 4 and 8):
# one account, one login budget and one reset budget per email key (NFKC
# with full case folding) whatever the spelling; look-alike spellings are
# refused at signup; nicknames and project names refuse invisible, bidi and
# control characters, special spaces, and nicknames mixed scripts.
use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use VP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $KELVIN = "\x{212A}";
my $PW = "pw-$tag-secret";   # of the signups here

sub pct { join '', map { sprintf '%%%02X', ord } split //, Encode::encode('UTF-8', $_[0]) }

# error_ok and a message on FIELD matching RE
sub refused {
    my ($r, $field, $re, $name) = @_;
    error_ok($r, 422, undef, $name) or return;
    like(join(' | ', @{ $r->{json}{error}{details}{$field} || [] }), $re, "... on $field");
}

# ---- emails: one key per address ----
my $u = new_user(email => "k$tag\@example.com");
my $kelvin = "$KELVIN$tag\@example.com";        # shows as K…@example.com

subtest 'look-alike, invisible or U-label spellings of an email are refused at signup' => sub {
    refused(signup({ email => $kelvin, nickname => "kv$tag", password => $PW }),
            'email', qr/U\+212A.*look-alike of "K"/, 'signup with KELVIN SIGN for k is refused');
    refused(signup({ email => "ｋ$tag\@example.com", nickname => "fw$tag", password => $PW }),
            'email', qr/U\+FF4B/, 'signup with a fullwidth k is refused');
    refused(http(POST => '/api/v1/auth/check-email', json => { email => $kelvin }), 'email',
            qr/U\+212A/, 'check-email refuses it too');
    refused(signup({ email => "vic\x{200B}tim$tag\@example.com", nickname => "zw$tag", password => $PW }),
            'email', qr/U\+200B \(an invisible character\)/, 'an invisible character in an email');
    refused(signup({ email => "ann$tag\@bücher.example", nickname => "idn$tag", password => $PW }), 'email',
            qr/xn-- form/, 'a U-label domain: the xn-- form is asked for');
};

subtest 'every spelling of an email is one account' => sub {
    my $r = signup({ email => uc($u->{email}), nickname => "up$tag", password => $PW });
    error_ok($r, 409, undef, 'the email in capitals is the same account (409)');
    ok($r->{json}{error}{details}{email}, '... on email');
    $r = http(POST => '/api/v1/auth/check-email', json => { email => uc $u->{email} });
    ok($r->{status} == 200 && !$r->{json}{data}{available}, 'check-email: taken in any case');

    $r = login($kelvin, $u->{password});
    envelope_ok($r, 200, 'login with the KELVIN SIGN spelling reaches the account');
    is($r->{json}{data}{user}{id}, $u->{id}, '... the same account');
    $r = login("ｋ$tag\@EXAMPLE.com", $u->{password});
    is($r->{json}{data}{user}{id}, $u->{id}, 'a fullwidth spelling too');
};

# one login budget per IP and key, whatever the spelling
subtest 'one login budget per IP and email key, whatever the spelling' => sub {
    my $ip = new_ip();
    my @st = map { login($_, 'wrong password', ip => $ip)->{status} }
             ($u->{email}, $kelvin, uc $u->{email}, "ｋ$tag\@example.com", $u->{email});
    is_deeply(\@st, [401, 401, 401, 401, 401], 'five wrong passwords in four spellings');
    error_ok(login($kelvin, $u->{password}, ip => $ip), 429, 'rate_limited',
             'the KELVIN SIGN spelling gets no fresh login budget');
    error_ok(login("K$tag\@example.com", $u->{password}, ip => $ip), 429, 'rate_limited',
             'nor the capital K');
};

# one reset budget per key
subtest 'one reset budget per email key' => sub {
    my @st = map { http(POST => '/api/v1/auth/password-reset', json => { email => $_ },
                        headers => { 'x-forwarded-for' => new_ip() })->{status} }
             ($kelvin, uc $u->{email}, "ｋ$tag\@example.com", $u->{email});
    is_deeply(\@st, [202, 202, 202, 429], 'three resets in three spellings, the fourth is 429');
    my $mails = psql("SELECT count(*) FROM outbox WHERE kind = 'password_reset'"
                     . " AND recipient = :'e'", "e=$u->{email}");
    is($mails, 3, 'the reset links went to the stored address');
};

# full case folding: ß is ss
subtest 'full case folding: ß is ss' => sub {
    my $s = new_user(email => "straße$tag\@example.de", nickname => "sz$tag");
    my $r = signup({ email => "STRASSE$tag\@example.de", nickname => "ss$tag", password => $PW });
    error_ok($r, 409, undef, 'straße and STRASSE are one address');
    $r = login("strasse$tag\@example.de", $s->{password});
    is($r->{json}{data}{user}{id}, $s->{id}, 'login as strasse reaches the straße account');
    is($r->{json}{data}{user}{email}, "straße$tag\@example.de", 'the address is kept as typed');
};

# canonically equivalent spellings: one account, stored in NFC
subtest 'canonically equivalent emails are one account, stored in NFC' => sub {
    my $r = signup({ email => "e\x{301}mile$tag\@example.fr", nickname => "em$tag", password => $PW });
    envelope_ok($r, 201, 'signup with e + U+0301');
    is($r->{json}{data}{user}{email}, "\x{e9}mile$tag\@example.fr", '... stored in NFC');
    error_ok(signup({ email => "\x{c9}MILE$tag\@example.fr", nickname => "em2$tag", password => $PW }),
             409, undef, 'the precomposed capital is the same account');
};

# 20 signups of one address in 20 spellings at once: one account
subtest '20 concurrent signups of one address in 20 spellings make one account' => sub {
    my @spellings = map { my $e = "race$tag\@example.com"; $e =~ s/(\w)/$_ % 2 ? uc $1 : $1/e;
                          $_ > 10 ? uc $e : $e } 1 .. 20;
    my @ips = map { new_ip() } 1 .. 20;     # apart from the signup limit per client
    my @st = parallel(20, sub {
        my $i = shift;
        return http(POST => '/api/v1/auth/signup', fresh => 1,
                    headers => { 'x-forwarded-for' => $ips[$i - 1] },
                    json => { email => $spellings[$i - 1], password => "pw-$tag-secret",
                              nickname => "race$i$tag" })->{status};
    });
    my %n;
    $n{$_}++ for @st;
    is_deeply(\%n, { 201 => 1, 409 => 19 }, '20 concurrent signups: one 201, nineteen 409')
        or diag("@st");
    is(psql("SELECT count(*) FROM users WHERE email_key = :'k'", "k=race$tag\@example.com"), 1,
       'one account');
};

# ---- nicknames ----
my %bad_nick = ("victim$tag\x{200B}" => qr/U\+200B \(an invisible character\)/,
                "vic\x{a0}tim$tag" => qr/U\+00A0 \(a special space/,
                "vic\x{85}tim$tag" => qr/U\+0085 \(a control character\)/,
                "\x{202E}victim$tag" => qr/U\+202E \(a bidirectional control\)/,
                "vi\x{441}tim$tag" => qr/must not mix scripts \(Latin and Cyrillic\)/,
                "ｖictim$tag" => qr/U\+FF56 \(a look-alike of "v"/);
my $victim = new_user(nickname => "victim$tag");
my $seq = 0;
subtest 'nicknames refuse invisible, bidi and control characters, special spaces, look-alikes, mixed scripts' => sub {
    for my $nick (sort keys %bad_nick) {
        my $show = join ' ', map { sprintf 'U+%04X', ord } grep { ord > 0x7e } split //, $nick;
        refused(signup({ email => "n" . ++$seq . "$tag\@example.com", nickname => $nick, password => $PW }),
                'nickname', $bad_nick{$nick}, "signup: a nickname with $show is refused");
        refused(http(POST => '/api/v1/auth/check-nickname', json => { nickname => $nick }), 'nickname',
                $bad_nick{$nick}, "check-nickname: likewise");
        refused(call($victim, PATCH => '/users/me', { nickname => $nick }), 'nickname', $bad_nick{$nick},
                "PATCH /users/me: likewise");
    }
    is(psql("SELECT count(*) FROM users WHERE lower(nickname) LIKE :'p'", "p=%victim$tag%"), 1,
       'victim and its look-alikes do not coexist');
};

subtest 'nicknames of any script are accepted, stored in NFC and found by any spelling' => sub {
    for my $nick ("김철수$$", "철수kim$tag", "金철수$$", "たなか太郎$$", "Ann Lee $tag") {
        my $n = new_user(nickname => $nick);
        ok($n->{id}, "nickname $nick is accepted");
    }
    my $r = call($victim, PATCH => '/users/me', { nickname => "e\x{301}lodie$tag" });
    envelope_ok($r, 200, 'a nickname with a combining accent');
    is($r->{json}{data}{nickname}, "\x{e9}lodie$tag", '... stored in NFC');
    $r = http(POST => '/api/v1/auth/check-nickname', json => { nickname => "\x{c9}LODIE$tag" });
    ok($r->{status} == 200 && !$r->{json}{data}{available}, 'the precomposed capital is taken');
    $r = call($u, GET => '/users/search?q=' . pct("E\x{301}LODIE$tag"));
    is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} || [] }], [$victim->{id}],
              'the user search finds it by a decomposed spelling');
};

# ---- project names and other one-line texts ----
sub create { call($u, POST => '/projects', $_[0]) }
my $pid;   # a project of $u
$u->{access} = login($u)->{json}{data}{access_token};

subtest 'project names and other one-line texts refuse invisible, bidi and control characters' => sub {
    my %bad_text = ("Spring\x{200B}$tag" => qr/U\+200B/, "Spring\x{a0}$tag" => qr/U\+00A0/,
                    "Spring\x{85}$tag" => qr/U\+0085/, "\x{202E}Spring$tag" => qr/U\+202E/,
                    "Spring\x{2066}$tag" => qr/U\+2066/, "Spring $tag " => qr/end with a space/);
    for my $name (sort keys %bad_text) {
        my $show = join ' ', map { sprintf 'U+%04X', ord } grep { ord > 0x7e || ord == 0x20 } split //, $name;
        refused(create({ name => $name }), 'name', $bad_text{$name}, "a project name with $show is 422");
    }
    refused(create({ name => "Ok $tag", manager => "Kim\x{200B}" }), 'manager', qr/U\+200B/,
            'manager likewise');
    refused(create({ name => "Ok $tag", consumer => "\x{202D}ACME" }), 'consumer', qr/U\+202D/,
            'consumer likewise');

    my $r = create({ name => "봄 캠페인 $tag", manager => '김철수' });
    envelope_ok($r, 201, 'a Korean project name');
    $pid = $r->{json}{data}{id};
    envelope_ok(create({ name => "🎬 Shoot ❤️ $tag" }), 201, 'emoji with a variation selector');
    refused(call($u, PATCH => "/projects/$pid", { name => "Spring\x{200B}" }),
            'name', qr/U\+200B/, 'PATCH refuses it too');
};

# 20 creates of one name in two canonically equivalent spellings: one project
subtest '20 concurrent creates of one name in two equivalent spellings make one project' => sub {
    my @st = parallel(20, sub {
        my $i = shift;
        return http(POST => '/api/v1/projects', fresh => 1, headers => bearer($u->{access}),
                    json => { name => ($i % 2 ? "Cafe\x{301} $tag" : "Caf\x{e9} $tag") })->{status};
    });
    my %n;
    $n{$_}++ for @st;
    is_deeply(\%n, { 201 => 1, 409 => 19 }, '20 concurrent creates, two spellings: one 201')
        or diag("@st");
    my $r = call($u, GET => "/projects?q=" . "Caf%C3%A9%20$tag");
    is($r->{json}{data}{count}, 1, 'one project, found by its NFC name');
};

# 20 renames of one project at once, in decomposed spellings: each stored
# in NFC, each an event
subtest '20 concurrent renames are each stored in NFC, each an event' => sub {
    my @st = parallel(20, sub {
        my $i = shift;
        return http(PATCH => "/api/v1/projects/$pid", fresh => 1, headers => bearer($u->{access}),
                    json => { name => "봄 캠페인 $i $tag", manager => "E\x{301}quipe $i" })->{status};
    });
    is_deeply(\@st, [(200) x 20], '20 concurrent renames of one project: all 200') or diag("@st");
    is(psql("SELECT count(*) FROM events WHERE project_id = :'p' AND type = 'project.updated'",
            "p=$pid"), 20, '... twenty project.updated events');
    my $d = call($u, GET => "/projects/$pid")->{json}{data};
    ok($d->{name} =~ /^봄 캠페인 (\d+) \Q$tag\E$/ && $d->{manager} eq "\x{c9}quipe $1",
       'one of them won, name and manager together, in NFC');
};

# 20 nickname changes of one account at once
subtest '20 concurrent nickname changes leave one of them' => sub {
    my $w = new_user();
    my @st = parallel(20, sub {
        my $i = shift;
        return http(PATCH => '/api/v1/users/me', fresh => 1, headers => bearer($w->{access}),
                    json => { nickname => "철수$i$tag" })->{status};
    });
    is_deeply(\@st, [(200) x 20], '20 concurrent nickname changes: all 200') or diag("@st");
    like(me($w->{access})->{json}{data}{nickname},
         qr/^철수\d+\Q$tag\E$/, '... one of them stays');
};

done_testing;
