# Delivery of notifications by vplanetd (README "vplanetd"): the per-user
# channel /ws/me (only the user's own, resume, revocation, guests refused),
# instant emails (one per notification, Korean or English by the user's
# locale, a plain-text and an HTML part), digests (one per period listing
# its unread notifications by project, nothing for an empty period, nothing
# twice, not after a restart either), and nothing for "off".
#
# The notifications are made by SELECT vplanet_notify(...) with psql: it is
# the function the module's routes call in their transactions (sql/0012),
# and this file tests what vplanetd does with its rows, not the routes.
# The suite's vplanetd has digest periods of 4 s (hourly) and 8 s (daily),
# looked for every second (t/lib/stack.sh).
use strict;
use warnings;
use utf8;
use Test::More;
use VP;
use VPWS;
use JSON::PP ();
use POSIX ();
binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $owner = new_user();
my %U = map { $_ => new_user() } qw(a b c off digest daily many);
my $pid = api($owner, POST => '/projects', { name => "Delivery $tag" })->{id};
my $pid2 = api($owner, POST => '/projects', { name => "Another <b>$tag</b>" })->{id};
for my $u (values %U) {
    api($owner, POST => "/projects/$_/members", { user_id => $u->{id}, role => 'reviewer' })
        for $pid, $pid2;
}
psql("UPDATE users SET locale = 'en' WHERE id = :'id'", "id=$U{b}{id}");

# notify(USER, TEXT, PROJECT): one notification of USER from the owner
# (a mention with TEXT as its excerpt); its seq.
sub notify {
    my ($u, $text, $project) = @_;
    is(psql("SELECT vplanet_notify(ARRAY[:'to']::uuid[], 'mention', :'by'::uuid, false,"
            . " :'pid'::uuid, NULL, NULL, :'said')",
            "to=$u->{id}", "by=$owner->{id}", 'pid=' . ($project // $pid), "said=$text"),
       1, "a notification for $u->{nickname}") or return;
    return psql("SELECT max(seq) FROM notifications WHERE user_id = :'id'", "id=$u->{id}");
}
sub me_ws {
    my (%o) = @_;
    my $c = VPWS->connect(base(), '/ws/me' . ($o{query} ? "?$o{query}" : ''), %o)
        or die "ws /ws/me: $@\n";
    return $c;
}
sub ready_ok {
    my ($c, $u, $name) = @_;
    my $m = $c->recv(5);
    is($m && $m->{type}, 'ready', "$name: ready") or diag(explain($m), ' close ', $c->close_code // '-');
    is($m && $m->{user_id}, $u->{id}, "$name: ready names the user") if $u;
    return $m;
}
sub mails_about {
    my ($u, $re) = @_;
    return grep { ($_->{head}{subject} // '') =~ $re } mails_to($u->{email});
}
# the subjects of instant emails (a digest's says "digest" or "요약")
my $note_re = qr/New notification|의 새 알림$|^\[VideoPlanet\] 새 알림$/;

# ---- the channel ----
my ($wa, $wb);
subtest '/ws/me: a user gets its own notifications, live, as the REST list shows them' => sub {
    $wa = me_ws(protocol => "bearer, $U{a}{access}");
    is($wa->protocol, 'bearer', 'the bearer subprotocol is accepted');
    ready_ok($wa, $U{a}, 'user A');
    $wb = me_ws(query => "token=$U{b}{access}");
    ready_ok($wb, $U{b}, 'user B (?token=)');
    my $wc = me_ws();
    $wc->send_json({ type => 'auth', token => $U{c}{access} });
    ready_ok($wc, $U{c}, 'user C (auth message)');

    my $seq = notify($U{a}, "hello A $tag");
    my $m = $wa->recv(5);
    is($m && $m->{type}, 'notification.created', 'A gets notification.created');
    is($m && $m->{id}, $seq, 'its id is the seq');
    my $row = JSON::PP->new->utf8->decode(
        psql("SELECT notification_json(n) FROM notifications n WHERE seq = :'s'", "s=$seq"));
    is_deeply($m && $m->{payload}, $row, 'the payload is notification_json');
    # the module writes its list from columns, vplanetd from notification_json:
    # one shape all the same
    my ($listed) = grep { $_->{id} eq ($row->{id} // '') }
        @{ api($U{a}, GET => '/notifications?page_size=5')->{results} };
    is_deeply($m && $m->{payload}, $listed, 'the same object as GET /notifications lists');
    is_deeply([sort keys %{ $m->{payload} }],
              [sort qw(id type actor actor_name project_id target text read created_at)],
              'with the fields of GET /notifications');
    is_deeply($m->{payload}{actor}, { id => $owner->{id}, nickname => $owner->{nickname},
                                      avatar_url => undef }, 'actor: the user object');
    is($m->{payload}{project_id}, $pid, 'project_id');
    like($m->{payload}{text}, qr/hello A \Q$tag\E$/, 'the text (in the recipient\'s language)');
    is($m->{payload}{read}, JSON::PP::false, 'unread');
    is($m->{at}, $m->{payload}{created_at}, 'at');
    is($wb->recv(1), undef, 'user B gets nothing of A\'s');
    is($wc->recv(0.5), undef, 'user C neither');

    notify($U{b}, "hello B $tag");
    $m = $wb->recv(5);
    like($m && $m->{payload}{text}, qr/^\S+ mentioned you: hello B/, 'B gets its own, in English');
    is($wa->recv(1), undef, '... and A nothing');

    $wa->send_json({ type => 'ping' });
    is_deeply($wa->recv(5), { type => 'pong' }, 'ping → pong');
    $wa->send_json({ type => 'typing', feedback_id => 'x' });
    is($wa->recv(5)->{type}, 'error', 'typing has no meaning on /ws/me');
    $wc->close;
};

subtest '/ws/me: resume with last_event_id gets the missed ones, in order, once' => sub {
    my $m0 = notify($U{a}, "before $tag");
    my $last = $wa->recv(5);
    is($last && $last->{id}, $m0, 'the last one A saw');
    $wa->close;
    my @missed = map { notify($U{a}, "missed $_ $tag") } 1 .. 3;
    notify($U{b}, "not A's $tag");
    my $r = me_ws(protocol => "bearer, $U{a}{access}", query => "last_event_id=$m0");
    my $ready = ready_ok($r, $U{a}, 'resume');
    my @got = $r->drain(1.5);
    is_deeply([map { $_->{id} } @got], \@missed, 'the three missed, in seq order, nothing else');
    is_deeply([map { $_->{payload}{text} =~ /(missed \d)/ } @got], ['missed 1', 'missed 2', 'missed 3'],
              'with their content');
    my $live = notify($U{a}, "live $tag");
    is($r->recv(5)->{id}, $live, 'then live ones');
    is($r->recv(1), undef, 'nothing twice');
    $wa = $r;
    # an id beyond the user's last is taken as the last
    my $far = me_ws(query => "token=$U{a}{access}&last_event_id=999999999999");
    is(ready_ok($far, $U{a}, 'a resume from the future')->{last_event_id}, $live,
       'last_event_id: the user\'s last seq');
    is($far->recv(1), undef, 'and nothing is sent');
    $far->close;
};

subtest '/ws/me: bad, guest and revoked tokens' => sub {
    my $bad = me_ws(query => 'token=not.a.token');
    is($bad->wait_close(5), 4001, 'an invalid token: 4001');
    my $now = time;
    # a guest of a real invitation of the project (spec section 7)
    my $invitation = psql("INSERT INTO invitations (batch_id, project_id, email, email_key, token_hash,"
                        . " expires_at) VALUES (gen_random_uuid(), :'p', :'e', :'e', md5(random()::text),"
                        . " now() + interval '1 hour') RETURNING id", "p=$pid", "e=guest-$tag\@example.com");
    my $guest = jwt_sign({ alg => 'HS256', typ => 'JWT' },
                         { iss => 'vplanet', aud => 'vplanet-api', typ => 'guest', sub => $invitation,
                           jti => uuid4(), project_id => $pid, role => 'reviewer', ver => 1,
                           email => "guest-$tag\@example.com", iat => $now, exp => $now + 600 },
                         jwt_key());
    my $g = me_ws(protocol => "bearer, $guest");
    is($g->wait_close(5), 4001, 'a guest token: 4001');
    like($g->{close_reason} // '', qr/guest/, '... saying why');
    my $silent = me_ws();
    is($silent->wait_close(10), 4001, 'no authentication within 5 s: 4001');

    my $session = login($U{c});
    my $s = me_ws(protocol => "bearer, $session->{json}{data}{access_token}");
    ready_ok($s, $U{c}, 'a second session of C');
    http(POST => '/api/v1/auth/logout', headers => bearer($session->{json}{data}{access_token}),
         json => {});
    is($s->wait_close(5), 4005, 'its logout closes its /ws/me with 4005');
    my $short = jwt_sign({ alg => 'HS256', typ => 'JWT' },
                         { %{ jwt_claims($U{c}{access}) }, exp => time + 2 }, jwt_key());
    my $e = me_ws(protocol => "bearer, $short");
    ready_ok($e, $U{c}, 'a token about to expire');
    is($e->wait_close(8), 4002, 'it expires on the open socket: 4002');
};

# ---- instant emails ----
subtest 'instant: one email per notification, in the user\'s language' => sub {
    # A (ko) got 6 notifications above, B (en) 2: each one email
    ok(wait_for(20, sub { mails_about($U{a}, $note_re) >= 6 && mails_about($U{b}, $note_re) >= 2 }),
       'the emails arrive at the sink');
    sleep 2;   # anything more would be a duplicate
    my @a = mails_about($U{a}, $note_re);
    my @b = mails_about($U{b}, $note_re);
    is(scalar(@a), 6, 'A: one email per notification, none twice');
    is(scalar(@b), 2, 'B: likewise');
    is(psql("SELECT count(*) FROM notifications WHERE user_id IN (:'a', :'b') AND emailed_at IS NULL",
            "a=$U{a}{id}", "b=$U{b}{id}"), 0, 'each marked emailed_at');
    my ($ko) = grep { ($_->{text} // '') =~ /hello A \Q$tag\E/ } @a;
    ok($ko, 'A\'s email carries the notification text') or return;
    is($ko->{head}{subject}, "[VideoPlanet] Delivery ${tag}의 새 알림", 'a Korean subject with the project');
    like($ko->{text}, qr/^\Q$U{a}{nickname}\E님, 안녕하세요\./, 'a Korean greeting');
    like($ko->{text}, qr/\[Delivery \Q$tag\E\] \S+님이 회원님을 언급했습니다: hello A/,
         'the project and the Korean notification text in the plain-text part');
    like($ko->{text}, qr{알림 보기: http://app\.vplanet\.invalid/notifications}, 'a link to the app');
    ok(grep({ $_->{type} eq 'text/plain' } @{ $ko->{parts} }), 'a text/plain part');
    like($ko->{html} // '', qr{<a href="http://app\.vplanet\.invalid/notifications">}, 'an HTML part with the link');
    my ($en) = grep { ($_->{text} // '') =~ /hello B \Q$tag\E/ } @b;
    ok($en, 'B\'s email') or return;
    is($en->{head}{subject}, "[VideoPlanet] New notification in Delivery $tag", 'an English subject');
    like($en->{text}, qr/^Hello \Q$U{b}{nickname}\E,/, 'an English greeting');
    like($en->{text}, qr/mentioned you: hello B/, 'the English text');
    like($en->{text}, qr{See your notifications: http://app\.vplanet\.invalid/notifications}, 'the link');

    # HTML is escaped: a project name with markup
    notify($U{b}, "x < y & \"z\" $tag", $pid2);
    my $esc = wait_for(20, sub { (grep { ($_->{text} // '') =~ /x < y/ } mails_to($U{b}{email}))[0] });
    ok($esc, 'an email about the other project') or return;
    like($esc->{head}{subject}, qr/Another <b>\Q$tag\E<\/b>/, 'the subject has the name as it is');
    like($esc->{html}, qr/Another &lt;b&gt;\Q$tag\E&lt;\/b&gt;/, 'the HTML part escapes the name');
    like($esc->{html}, qr/x &lt; y &amp; &quot;z&quot;/, '... and the text');
    unlike($esc->{html}, qr/<b>\Q$tag\E/, 'no markup of the user\'s gets through');
};

subtest 'off: nothing is mailed (the notification is marked, so never swept again)' => sub {
    psql("INSERT INTO notification_settings (user_id, email) VALUES (:'id', 'off')", "id=$U{off}{id}");
    notify($U{off}, "quiet $tag") for 1 .. 2;
    ok(wait_for(15, sub { psql("SELECT count(*) FROM notifications WHERE user_id = :'id'"
                               . " AND emailed_at IS NOT NULL", "id=$U{off}{id}") == 2 }),
       'the daemon handled both');
    is(psql("SELECT count(*) FROM outbox WHERE recipient = :'to' AND kind LIKE 'notification%'",
            "to=$U{off}{email}"), 0, 'and queued no email');
    # a later switch to instant does not mail the past
    psql("UPDATE notification_settings SET email = 'instant' WHERE user_id = :'id'", "id=$U{off}{id}");
    notify($U{off}, "now loud $tag");
    ok(wait_for(15, sub { mails_about($U{off}, $note_re) }), 'after a switch to instant, the new one is mailed');
    sleep 1;
    is(scalar(mails_about($U{off}, $note_re)), 1, '... and only it');
};

subtest 'instant: what was made while vplanetd was down is mailed when it starts, once' => sub {
    stack('sidecar-stop');
    notify($U{c}, "while down $tag");
    sleep 1;
    is(scalar(mails_about($U{c}, $note_re)), 0, 'nothing while it is down');
    stack('sidecar-start');
    ok(wait_for(15, sub { mails_about($U{c}, $note_re) }), 'the email comes after the start');
    sleep 2;
    is(scalar(mails_about($U{c}, $note_re)), 1, 'one');
};

subtest 'instant: 20 notifications made at once, two daemons: each delivered and mailed once' => sub {
    my $w = me_ws(protocol => "bearer, $U{many}{access}");
    ready_ok($w, $U{many}, 'a client of the user');
    my $conf2 = "$ENV{VP_STATE}/vplanetd/notify2.conf";
    write_file($conf2, slurp($ENV{VP_SIDECAR_CONF}) . "\npid_file =\nlisten = 127.0.0.1:" . free_port() . "\n");
    my $daemon = VP::sidecar_spawn($conf2, 'notify2');
    ok(wait_for(15, sub { slurp("$ENV{VP_STATE}/vplanetd/notify2.log") =~ /VPD0700/ }),
       'a second daemon runs');
    # 20 transactions at once, in two projects: seqs may commit out of order
    my @r = parallel(20, sub {
        my $i = shift;
        return psql("SELECT vplanet_notify(ARRAY[:'to']::uuid[], 'reply', :'by'::uuid, false,"
                    . " :'pid'::uuid, NULL, NULL, :'said')", "to=$U{many}{id}",
                    "by=$owner->{id}", 'pid=' . ($i % 2 ? $pid : $pid2), "said=many $i $tag");
    });
    is(join('', map { ref $_ ? 'x' : $_ } @r), '1' x 20, '20 notifications made');
    my @got = $w->drain(2, 40);
    my %ids = map { $_->{id} => 1 } @got;
    is(scalar(@got), 20, 'the client got 20 messages') or diag(explain([map { $_->{id} } @got]));
    is(scalar(keys %ids), 20, '... 20 different ones');
    my $seqs = psql("SELECT string_agg(seq::text, ' ' ORDER BY seq) FROM notifications WHERE user_id = :'id'",
                    "id=$U{many}{id}");
    is(join(' ', sort { $a <=> $b } keys %ids), $seqs, '... the user\'s 20 notifications');
    ok(wait_for(30, sub { mails_about($U{many}, $note_re) >= 20 }), '20 emails arrive');
    sleep 2;
    my %texts;
    $texts{($_->{text} =~ /(many \d+ )/)[0] // '?'}++ for mails_about($U{many}, $note_re);
    is(scalar(keys %texts), 20, 'one for each notification');
    is(scalar(grep { $_ != 1 } values %texts), 0, 'none twice');
    kill 'TERM', $daemon;
    my $stopped = wait_for(15, sub { waitpid($daemon, POSIX::WNOHANG()) == $daemon ? [$?] : undef });
    is($stopped && $stopped->[0], 0, 'the second daemon stops with status 0');
    $w->close;
};

# ---- digests ----
my $digest_re = qr/digest|요약/;
subtest 'hourly digest: one email per period with its unread notifications by project' => sub {
    # the period starts now; "hourly" is 4 s here
    psql("INSERT INTO notification_settings (user_id, email, last_digest_at) VALUES (:'id', 'hourly', now())",
         "id=$U{digest}{id}");
    notify($U{digest}, "first $tag");
    notify($U{digest}, "second $tag", $pid2);
    my $read = notify($U{digest}, "read already $tag");
    psql("UPDATE notifications SET read_at = now() WHERE seq = :'s'", "s=$read");
    my $d = wait_for(15, sub { (mails_about($U{digest}, $digest_re))[0] });
    ok($d, 'a digest arrives') or return;
    is(scalar(mails_about($U{digest}, $note_re)), 0, 'and no instant email');
    is($d->{head}{subject}, '[VideoPlanet] 새 알림 2건 (시간별 요약)', 'a Korean subject with the count');
    like($d->{text}, qr/first \Q$tag\E/, 'it lists the first');
    like($d->{text}, qr/second \Q$tag\E/, 'and the second');
    unlike($d->{text}, qr/read already/, 'not the one read meanwhile');
    like($d->{text}, qr/\nDelivery \Q$tag\E\n- .*first/, 'under their project names');
    like($d->{text}, qr/\nAnother <b>\Q$tag\E<\/b>\n- .*second/, '(each)');
    like($d->{html}, qr{<h3>Another &lt;b&gt;\Q$tag\E&lt;/b&gt;</h3><ul><li>[^<]*second}, 'the HTML part too, escaped');
    like($d->{text}, qr{http://app\.vplanet\.invalid/notifications}, 'with the link');

    # the next period has nothing: no email
    my $end = psql("SELECT last_digest_at FROM notification_settings WHERE user_id = :'id'", "id=$U{digest}{id}");
    ok(wait_for(15, sub { psql("SELECT last_digest_at FROM notification_settings WHERE user_id = :'id'",
                               "id=$U{digest}{id}") ne $end }), 'the next period closes');
    is(scalar(mails_about($U{digest}, $digest_re)), 1, 'an empty period sends nothing');

    # a new one goes in the next digest, alone
    notify($U{digest}, "third $tag");
    ok(wait_for(15, sub { mails_about($U{digest}, $digest_re) == 2 }), 'the next digest');
    my $d2 = (mails_about($U{digest}, $digest_re))[1];
    like($d2->{text}, qr/third \Q$tag\E/, 'it lists the new one');
    unlike($d2->{text}, qr/first|second/, 'and none of the earlier digest');

    # a restart resends nothing
    stack('sidecar-stop');
    my $from = length VP::sidecar_log();
    stack('sidecar-start');
    ok(wait_for(15, sub { substr(VP::sidecar_log(), $from) =~ /VPD0702: hourly digest of user \Q$U{digest}{id}\E/ }),
       'the restarted daemon closes a period of the user');
    sleep 1;
    is(scalar(mails_about($U{digest}, $digest_re)), 2, 'no digest is sent again after a restart');
    is(psql("SELECT count(*) FROM notifications WHERE user_id = :'id' AND emailed_at IS NULL AND read_at IS NULL",
            "id=$U{digest}{id}"), 0, 'every unread one was mailed');
};

subtest 'daily digest in English' => sub {
    psql("UPDATE users SET locale = 'en' WHERE id = :'id'", "id=$U{daily}{id}");
    psql("INSERT INTO notification_settings (user_id, email, last_digest_at) VALUES (:'id', 'daily', now())",
         "id=$U{daily}{id}");
    notify($U{daily}, "only one $tag");
    my $d = wait_for(20, sub { (mails_about($U{daily}, $digest_re))[0] });
    ok($d, 'a daily digest (8 s here)') or return;
    is($d->{head}{subject}, '[VideoPlanet] 1 new notification (daily digest)', 'an English subject');
    like($d->{text}, qr/^Hello \Q$U{daily}{nickname}\E,/, 'an English greeting');
    like($d->{text}, qr/only one \Q$tag\E/, 'the notification');
};

done_testing();
