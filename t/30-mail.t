# vplanetd delivers the outbox (spec section 7) through the SMTP sink of the
# stack (aiosmtpd writing a maildir): the verification email of a signup
# arrives as a proper MIME message and its link verifies the account; a
# stopped sink loses nothing (retries with backoff, then delivery); the
# attempts run out into `failed`; a stopped daemon finishes the message in
# hand and gives the rest back; rows left `sending` by a dead daemon are
# taken back; two daemons never send a row twice. run-suite configures the
# retries in seconds (backoff 1 s doubling to 2 s, 8 attempts).
use strict;
use warnings;
use utf8;
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use VP;

my $BASE = base();
my $FROM = 'noreply@vplanet.test';
my $json = JSON::PP->new->utf8;

# The outbox row ID as a hash.
sub row {
    my ($id) = @_;
    my $r = psql("SELECT row_to_json(o)::text FROM outbox o WHERE id = :'id'", "id=$id");
    return length $r ? $json->decode($r) : undef;
}

# The id of the newest outbox row to ADDRESS.
sub row_id_for {
    my ($address) = @_;
    return psql("SELECT max(id) FROM outbox WHERE recipient = :'r'", "r=$address");
}

# Waits until row ID satisfies CODE (given the row); the row, or undef.
sub wait_row {
    my ($id, $seconds, $code) = @_;
    return wait_for($seconds, sub { my $r = row($id); $r && $code->($r) ? $r : undef });
}

# Messages with the Message-ID of outbox row ID.
sub mails_of_row {
    my ($id) = @_;
    return grep { ($_->{head}{'message-id'} // '') =~ /^<vplanet\.\Q$id\E\./ } mails();
}

# An outbox row written as the application would; returns its id.
sub queue_mail {
    my (%o) = @_;
    my $id = psql("INSERT INTO outbox (recipient, subject, body_text, body_html, kind, attempts,"
                . " status, claimed_at, claimed_by)"
                . " VALUES (:'to', :'subject', :'text', :'html', 'test', :'attempts'::int,"
                . " :'status', now() - :'age'::int * interval '1 second', nullif(:'by', '')) RETURNING id",
                  "to=$o{to}", "subject=" . ($o{subject} // 'A test'),
                  "text=" . ($o{text} // "A test.\n"), "html=" . ($o{html} // '<p>A test.</p>'),
                  "attempts=" . ($o{attempts} // 0), "status=" . ($o{status} // 'queued'),
                  "age=" . ($o{age} // 0), "by=" . ($o{by} // ''));
    return $id;
}

my $tag = sprintf '%x%x', $$, time;

# ---- the verification email of a signup ----
my $u = new_user(email => "mail.$tag\@example.com");
subtest 'the verification email of a signup is a proper MIME message whose link verifies' => sub {
    my $id = row_id_for($u->{email});
    ok($id, 'signup queued the verification email');
    my $mail = wait_mail($u->{email}, 15);
    ok($mail, 'it arrives in the SMTP sink') or BAIL_OUT('no mail delivery: ' . VP::sidecar_log());
    my $r = row($id);
    is($r->{status}, 'sent', 'the row is sent');
    ok($r->{sent_at}, 'with sent_at');
    is($r->{attempts}, 1, 'after one attempt');
    like($r->{claimed_by}, qr/^[^:]+:\d+:[0-9a-f]{8}$/, 'claimed_by names the daemon (host:pid:random)');

    my $h = $mail->{head};
    is($h->{to}, $u->{email}, 'To: the new account');
    is($h->{subject}, $r->{subject}, 'Subject: the outbox subject');
    is($h->{subject}, 'Confirm your VideoPlanet email address', '... the verification subject');
    like($h->{from}, qr/^"?VideoPlanet"? <\Q$FROM\E>$/, 'From: the configured sender and name');
    like($h->{date}, qr/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/, 'Date: RFC 5322, UTC');
    my ($domain) = $FROM =~ /\@(.*)/;
    like($h->{'message-id'}, qr/^<vplanet\.$id\.[\w-]{22}\@\Q$domain\E>$/,
         'Message-ID: outbox id, random part, sender domain');
    is($h->{'mime-version'}, '1.0', 'MIME-Version');
    is($h->{'auto-submitted'}, 'auto-generated', 'Auto-Submitted (no auto-replies)');
    is($mail->{type}, 'multipart/alternative', 'multipart/alternative');
    is_deeply([map { "$_->{type}; $_->{charset}" } @{ $mail->{parts} }],
              ['text/plain; utf-8', 'text/html; utf-8'], 'a text and an HTML part, UTF-8');
    is($mail->{text}, $r->{body_text}, 'the text part is the outbox text');
    is($mail->{html}, $r->{body_html}, 'the HTML part is the outbox HTML');
    my ($token) = ($mail->{text} // '') =~ m{^\Q$BASE\E/verify-email\?token=([A-Za-z0-9_-]{43})$}m;
    ok($token, 'the text links to the public URL + /verify-email?token=');
    like($mail->{html}, qr{href="\Q$BASE\E/verify-email\?token=\Q$token\E"}, 'the HTML the same link');
    $r = http(POST => '/api/v1/auth/verify-email', json => { token => $token });
    envelope_ok($r, 200, 'the emailed token verifies the account');
    ok($r->{json}{data}{user}{email_verified}, 'email_verified');
};

# ---- beyond ASCII: a Korean subject and body ----
subtest 'a Korean subject and body arrive exactly, in 7-bit headers' => sub {
    my $ko = "mail.ko.$tag\@example.com";
    my $subject = '영상 프로젝트 "봄 캠페인"에 초대되었습니다 — 확인해 주세요 🎬 ' . ('가' x 40);
    my $text = "안녕하세요,\n\n초대 링크: $BASE/invite?token=abc\n줄 끝 공백 \n.\n끝";
    my $id = queue_mail(to => $ko, subject => $subject, text => $text,
                     html => "<p>안녕하세요 <b>\"봄\"</b> = 테스트</p>");
    my $mail = wait_mail($ko, 15);
    ok($mail, 'a Korean email arrives');
    is($mail->{head}{subject}, $subject, 'its long subject decodes exactly (RFC 2047)');
    unlike($mail->{raw} =~ s/\n\n.*//sr, qr/[^\x00-\x7f]/, 'the headers are 7-bit');
    is($mail->{text}, $text, 'the text decodes exactly (trailing blank and lone dot kept)');
    is($mail->{html}, '<p>안녕하세요 <b>"봄"</b> = 테스트</p>', 'the HTML too');
    is(row($id)->{status}, 'sent', 'sent');
};

# ---- a recipient that is not an address fails at once ----
subtest 'a recipient that is not a plain address fails at once' => sub {
    my $id = queue_mail(to => "bad.$tag\@example.com>\r\nBcc: victim\@example.com");
    my $r = wait_row($id, 15, sub { $_[0]{status} eq 'failed' });
    ok($r, 'a recipient with CR LF: failed, not retried');
    is($r && $r->{attempts}, 1, 'after one attempt');
    like($r && $r->{last_error}, qr/recipient is not a plain email address/, 'last_error says why');
};

# ---- the SMTP sink stopped: queued with attempts, delivered once it is back ----
subtest 'with the SMTP sink down attempts are counted, then the mail is delivered; the last attempt fails' => sub {
    stack('smtp-stop');
    my $v = new_user(email => "mail.down.$tag\@example.com");
    my $down = row_id_for($v->{email});
    # a row on its last attempt runs out meanwhile
    my $last = queue_mail(to => "mail.last.$tag\@example.com", attempts => 7);
    my $r = wait_row($down, 20, sub { $_[0]{attempts} >= 2 });
    ok($r, 'with the sink down, attempts are counted') or diag(explain(row($down)));
    is($r && $r->{status}, 'queued', 'the row stays queued');
    like($r && $r->{last_error}, qr/connect/i, "last_error is curl's: " . ($r ? $r->{last_error} // '' : ''));
    unlike($r && $r->{last_error}, qr/password/i, 'no credentials in it');
    $r = wait_row($last, 15, sub { $_[0]{status} eq 'failed' });
    ok($r, 'the 8th failed attempt of 8 makes the row failed');
    is($r && $r->{attempts}, 8, 'attempts 8');
    ok($r && $r->{last_error}, 'with the last error');
    is(scalar mails_to($v->{email}), 0, 'nothing arrived while the sink was down');
    stack('smtp-start');
    $r = wait_row($down, 20, sub { $_[0]{status} eq 'sent' });
    ok($r, 'the sink is back: the row is sent');
    ok($r && $r->{attempts} >= 3, "after $r->{attempts} attempts") if $r;
    my $mail = wait_mail($v->{email}, 10);
    ok($mail, 'and its email arrives');
    is(row($last)->{status}, 'failed', 'the failed row stays failed');
    is(scalar mails_to("mail.last.$tag\@example.com"), 0, '... and is not sent');
};

# ---- rows left `sending` ----
# a dead daemon's claim (older than mail_sending_timeout, 30 s here) is
# taken back; a live daemon's (just now) is left alone
subtest 'a row left sending by a dead daemon is taken back, a live daemon\'s is left alone' => sub {
    my $stale = queue_mail(to => "mail.stale.$tag\@example.com", status => 'sending', age => 3600,
                           by => 'gone-host:1:00000000');
    my $live = queue_mail(to => "mail.live.$tag\@example.com", status => 'sending', age => 0,
                          by => 'other-host:1:00000000');
    my $r = wait_row($stale, 15, sub { $_[0]{status} eq 'sent' });
    ok($r, 'a row left sending by a dead daemon is taken back and sent');
    is($r && $r->{attempts}, 2, 'the interrupted attempt counts');
    like($r && $r->{last_error}, qr/taken back.*gone-host:1:00000000/, 'last_error says so');
    is(row($live)->{status}, 'sending', "a live daemon's row is left alone");
    psql("DELETE FROM outbox WHERE id = :'id'", "id=$live");
};

# ---- a restart sends nothing twice ----
subtest 'a restart sends nothing twice' => sub {
    stack('sidecar-stop');
    like((split /\n/, VP::sidecar_log())[-1], qr/VPD0009: stopped$/, 'SIGTERM: a clean stop');
    stack('sidecar-start');
    my $w = new_user(email => "mail.restart.$tag\@example.com");
    ok(wait_for(15, sub { mails_to($w->{email}) }), 'after a restart mail flows again');
    is(scalar mails_to($u->{email}), 1, 'the first email arrived once');
};

# ---- a stop lets the message in hand finish and gives the rest back ----
# a relay that accepts connections and never says a word: each message
# waits for smtp_timeout (2 s here)
subtest 'a stop lets the message in hand finish and gives the rest back' => sub {
    my $silent = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "listen: $!";
    my $conf = "$ENV{VP_STATE}/vplanetd/silent.conf";
    write_file($conf, slurp($ENV{VP_SIDECAR_CONF}) . "\nsmtp_url = smtp://127.0.0.1:" . $silent->sockport
                      . "\nsmtp_timeout = 2\nsmtp_connect_timeout = 2\npid_file =\n");
    stack('sidecar-stop');
    my @held = map { queue_mail(to => "mail.held$_.$tag\@example.com") } 1 .. 3;
    my $pid = VP::sidecar_spawn($conf, 'silent');
    ok(wait_for(10, sub { psql("SELECT count(*) FROM outbox WHERE status = 'sending'"
                             . " AND id IN ($held[0], $held[1], $held[2])") == 3 }),
       'the daemon claimed the three rows');
    kill 'TERM', $pid;
    my $stopped = wait_for(15, sub { waitpid($pid, WNOHANG) == $pid ? [$?] : undef });
    ok($stopped, 'SIGTERM: it stops');
    is($stopped && $stopped->[0] >> 8, 0, '... with exit status 0');
    my @rows = map { row($_) } @held;
    is(join(' ', map { "$_->{status}/$_->{attempts}" } @rows), 'queued/1 queued/0 queued/0',
       'the message in hand finished (a time-out, counted); the other two were given back');
    like($rows[0]{last_error}, qr/time|out/i, 'the time-out is its last error');
    like(slurp("$ENV{VP_STATE}/vplanetd/silent.log"), qr/VPD0009: stopped\n\z/, 'its log ends cleanly');
    stack('sidecar-start');
    ok(wait_for(20, sub { (grep { row($_)->{status} eq 'sent' } @held) == 3 }),
       'the stack daemon sends all three');
};

# ---- two daemons share the outbox ----
subtest 'two daemons share the outbox without sending a row twice' => sub {
    my $conf2 = "$ENV{VP_STATE}/vplanetd/second.conf";
    my $ws2 = free_port();
    write_file($conf2, slurp($ENV{VP_SIDECAR_CONF}) . "\nmail_batch = 1\npid_file =\nlisten = 127.0.0.1:$ws2\n");
    my $pid2 = VP::sidecar_spawn($conf2, 'second');
    ok(wait_for(15, sub { slurp("$ENV{VP_STATE}/vplanetd/second.log") =~ /VPD0101/ }),
       'a second daemon is connected');
    my $first = psql("INSERT INTO outbox (recipient, subject, body_text, body_html, kind)"
                   . " SELECT 'mail.pair' || g || '.$tag\@example.com', 'Pair ' || g, 'x', '<p>x</p>', 'test'"
                   . " FROM generate_series(1, 40) g RETURNING id");
    my @pair = split /\n/, $first;
    ok(wait_for(30, sub { psql("SELECT count(*) FROM outbox WHERE status = 'sent'"
                             . " AND id BETWEEN $pair[0] AND $pair[-1]") == 40 }),
       '40 rows queued at once are all sent');
    my @dup = grep { scalar(mails_of_row($_)) != 1 } @pair;
    is("@dup", '', 'each arrived exactly once');
    is(psql("SELECT count(DISTINCT claimed_by) FROM outbox WHERE id BETWEEN $pair[0] AND $pair[-1]"),
       2, 'both daemons sent some');
    kill 'TERM', $pid2;
    my $stopped = wait_for(15, sub { waitpid($pid2, WNOHANG) == $pid2 ? [$?] : undef });
    is($stopped && $stopped->[0], 0, 'the second daemon stops with status 0');
};

# ---- the configuration is checked before anything starts ----
subtest 'the configuration is checked before anything starts' => sub {
    my $bad = "$ENV{VP_STATE}/vplanetd/bad.conf";
    write_file($bad, slurp($ENV{VP_SIDECAR_CONF}) . "\nsmtp_tls = sometimes\n");
    my $out = `$ENV{VP_VPLANETD} -t -c $bad 2>&1`;
    is($? >> 8, 2, 'a bad configuration: exit status 2');
    like($out, qr/refusing to start: \Q$bad\E:\d+: smtp_tls wants required, try or none/,
         'the message names the file, the line and the problem');
    $out = `$ENV{VP_VPLANETD} -t -c $ENV{VP_SIDECAR_CONF} 2>&1`;
    is($? >> 8, 0, '-t: the stack configuration is valid') or diag($out);
};

subtest 'an idle mail loop waits instead of looking again and again' => sub {
    ok(wait_for(30, sub { psql("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')") == 0 }),
       'nothing left to send');
    # The stack polls every 5 s (t/lib/stack.sh): between two rounds of an
    # empty outbox, measured by the server's own clock, the loop sleeps
    # the interval (slowness of this test cannot shorten it).
    my $q = "SELECT extract(epoch FROM state_change) FROM pg_stat_activity"
          . " WHERE application_name = 'vplanetd-mail' AND state = 'idle'";
    ok(wait_for(10, sub { length psql($q) }), 'the mail connection is there');
    my $first = psql($q);
    my $second = wait_for(20, sub { my $t = psql($q); length $t && $t ne $first ? $t : undef });
    ok($second, 'a round of the idle loop ends');
    my $third = $second && wait_for(20, sub { my $t = psql($q); length $t && $t ne $second ? $t : undef });
    ok($third, 'and the next one');
    cmp_ok($third - $second, '>=', 4.5,
           'no statement for the poll interval (5 s) between two rounds of an empty outbox')
        if $third;
};

# ---- nothing of the whole suite was sent twice ----
subtest 'nothing of the whole suite was sent twice or lost' => sub {
    my %count;
    $count{$_}++ for map { ($_->{head}{'message-id'} // '') =~ /^<vplanet\.(\d+)\./ ? "$1" : () } mails();
    my @twice = grep { $count{$_} > 1 } sort { $a <=> $b } keys %count;
    is("@twice", '', 'no outbox row of the suite arrived twice');
    my @lost = grep { !$count{$_} } split /\n/, psql("SELECT id FROM outbox WHERE status = 'sent'");
    is("@lost", '', 'every sent row arrived');
};

done_testing();
