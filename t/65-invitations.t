# Invitations and guest access (spec section 7; README "Invitations and
# guests"): batches with their failures, the email and its link, verify,
# guest tokens and their end (cancel, accept, expiry: REST 401 and the
# WebSocket closed), resend limits, decline, the lists, friends, the
# audit of guest actions, the verify limit, no token in the access log,
# and 20 parallel requests on every write path.
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP;
use Digest::SHA qw(sha256_hex);
use VP;
use VPWS;

my $tag = sprintf '%x%x', $$, time;
my ($owner, $admin, $editor, $outsider, $member) = map { new_user() } 1 .. 5;
my $pid = new_project($owner, "Invitations $tag");
my $other = new_project($outsider, "Elsewhere $tag");
api($owner, POST => "/projects/$pid/members", { user_id => $admin->{id}, role => 'admin' });
api($owner, POST => "/projects/$pid/members", { user_id => $editor->{id}, role => 'editor' });
api($owner, POST => "/projects/$pid/members", { user_id => $member->{id}, role => 'viewer' });
my $I = "/projects/$pid/invitations";
my $n = 0;
sub addr { "inv-$tag-" . ++$n . '@example.com' }

# a request from its own client address (the verify limit stays away)
sub verify {
    my ($token, %o) = @_;
    return http(GET => '/api/v1/invitations/verify?token=' . $token,
                headers => { 'x-forwarded-for' => $o{ip} // new_ip() });
}
sub guest { my ($token, $method, $path, $body) = @_; call($token, $method, $path, $body) }

# The link's token in the email to ADDRESS (the last one when several).
sub link_token {
    my ($address, $count) = @_;
    my $m = wait_for(20, sub { my @m = mails_to($address); @m >= ($count // 1) ? $m[-1] : undef })
        or return undef;
    my ($token) = ($m->{text} // '') =~ m{/invitation\?token=([A-Za-z0-9_-]+)};
    return wantarray ? ($token, $m) : $token;
}

# invite(WHO, EMAILS, BODY...): the batch's data (must be 202)
sub invite {
    my ($who, $emails, %body) = @_;
    my $r = call($who, POST => $I, { emails => $emails, %body });
    die "invite: $r->{status} $r->{body}\n" unless $r->{status} == 202;
    return $r->{json}{data};
}

# The invitation id of ADDRESS on the project.
sub inv_id { psql("SELECT id FROM invitations WHERE email = :'e' ORDER BY created_at DESC LIMIT 1", "e=$_[0]") }

subtest 'a batch: mixed addresses and their failures, one email each' => sub {
    my ($a, $b) = (addr(), addr());
    my $r = call($admin, POST => $I, { emails => [$a, 'not-an-address', uc $a, $member->{email}, $b],
                                       role => 'reviewer', message => 'Please review the cut' });
    envelope_ok($r, 202, 'an admin invites a batch');
    my $d = $r->{json}{data};
    like($d->{batch_id}, qr/^[0-9a-f-]{36}$/, 'a batch id');
    is($d->{total}, 5, 'total: every address given');
    is($d->{queued}, 2, 'queued: the two new ones');
    is_deeply([sort map { "$_->{email}: $_->{reason}" } @{ $d->{failed} }],
              [sort('not-an-address: invalid address', (uc $a) . ': duplicate in the batch',
                    "$member->{email}: already a member")], 'failed: invalid, duplicate, member');
    $d = invite($owner, [$b, addr()]);
    is_deeply([map { $_->{reason} } @{ $d->{failed} }], ['already pending'], 'a pending address again: already pending');
    is($d->{queued}, 1, '... the other is queued');
    is(psql("SELECT count(*) FROM outbox WHERE kind = 'invitation' AND recipient IN (:'a', :'b')", "a=$a", "b=$b"),
       2, 'one outbox email per invitation');
    is(psql("SELECT count(*) FROM invitations WHERE token_hash ~ '^[0-9a-f]{64}\$' AND email IN (:'a', :'b')",
            "a=$a", "b=$b"), 2, 'only a SHA-256 of each token is stored');
    my ($token, $mail) = link_token($a);
    ok($token, 'the email arrives at the SMTP sink with its link') or return;
    is(length $token, 43, 'the token: 32 random bytes, base64url');
    like($mail->{head}{subject}, qr/초대/, 'in Korean by default');
    like($mail->{text}, qr/\Q$owner->{nickname}\E|\Q$admin->{nickname}\E/, 'it names the inviter');
    like($mail->{text}, qr/Invitations \Q$tag\E/, '... the project');
    like($mail->{text}, qr/리뷰어/, '... the role');
    like($mail->{text}, qr/Please review the cut/, '... the message');
    like($mail->{text}, qr/\d{4}-\d\d-\d\dT/, '... the expiry');
    $r = verify($token);
    envelope_ok($r, 200, 'its link verifies');
    is($r->{json}{data}{valid}, JSON::PP::true, 'valid');
    is_deeply($r->{json}{data}{project}, { id => $pid, name => "Invitations $tag" }, 'project {id, name}');
    is($r->{json}{data}{role}, 'reviewer', 'the role');
    ok($r->{json}{data}{guest_token}, 'a guest token');
    my $claims = jwt_claims($r->{json}{data}{guest_token});
    is($claims->{typ}, 'guest', 'typ guest');
    is($claims->{project_id}, $pid, 'bound to the project');
    is($claims->{sub}, inv_id($a), '... and the invitation');

    # English when the inviter's request asks for it
    my $c = addr();
    $r = http(POST => "/api/v1$I", json => { emails => [$c], role => 'viewer' },
              headers => { %{ bearer($admin->{access}) }, 'accept-language' => 'en-US,en;q=0.9' });
    is($r->{status}, 202, 'a batch asked in English');
    (undef, $mail) = link_token($c);
    like($mail->{head}{subject} // '', qr/invites you to/, 'its email is in English');
    like($mail->{text} // '', qr/as a viewer/, '... with the role');
};

subtest 'bad batches: clear 4xx, nothing invited' => sub {
    my $before = psql("SELECT count(*) FROM invitations WHERE project_id = :'p'", "p=$pid");
    error_ok(call($admin, POST => $I, { emails => [map { addr() } 1 .. 101] }), 422, undef, '101 emails: 422');
    error_ok(call($admin, POST => $I, { emails => [] }), 422, undef, 'no email: 422');
    error_ok(call($admin, POST => $I, { emails => 'a@example.com' }), 400, undef, 'emails not an array: 400');
    error_ok(call($admin, POST => $I, { emails => [42] }), 400, undef, 'an email not a string: 400');
    error_ok(call($admin, POST => $I, { emails => [addr()], role => 'admin' }), 422, undef, 'role admin: 422');
    error_ok(call($admin, POST => $I, { emails => [addr()], message => 'x' x 1001 }), 422, undef,
             'a message of 1001 characters: 422');
    error_ok(call($admin, POST => $I, { emails => [addr()], expires_at => '2020-01-01T00:00:00Z' }), 422, undef,
             'an expiry in the past: 422');
    error_ok(call($admin, POST => $I, { emails => [addr()], expires_at => '2999-01-01T00:00:00Z' }), 422, undef,
             'an expiry past 30 days: 422');
    error_ok(call($admin, POST => $I, { emails => [addr()], surprise => 1 }), 400, undef, 'an unknown field: 400');
    error_ok(call($editor, POST => $I, { emails => [addr()] }), 403, 'forbidden', 'an editor may not invite: 403');
    error_ok(call($outsider, POST => $I, { emails => [addr()] }), 404, 'not_found', 'an outsider: 404');
    is(psql("SELECT count(*) FROM invitations WHERE project_id = :'p'", "p=$pid"), $before, 'nothing invited');
    my $r = verify('x' x 43);
    error_ok($r, 404, 'invitation_invalid', 'an unknown token: 404');
    is_deeply([@{ $r->{json}{data} }{qw(valid reason)}], [JSON::PP::false, 'invalid'], 'valid:false, reason invalid');
    error_ok(http(GET => '/api/v1/invitations/verify', headers => { 'x-forwarded-for' => new_ip() }), 400, undef,
             'no token: 400');
};

# A guest of a new invitation: (token, guest token, address).
sub new_guest {
    my (%o) = @_;
    my $a = addr();
    invite($admin, [$a], role => $o{role} // 'reviewer', %{ $o{body} // {} });
    my $t = link_token($a) or die "no email to $a\n";
    my $r = verify($t);
    die "verify: $r->{status} $r->{body}\n" unless $r->{status} == 200;
    return ($t, $r->{json}{data}{guest_token}, $a);
}

my $video = do {
    require VPVideo;
    my $mp4 = VPVideo::fixture('mp4');
    my ($body, $type) = VPVideo::multipart(['title', "guest clip $tag"], ['file', $mp4, 'clip.mp4', 'video/mp4']);
    my $r = http(POST => "/api/v1/projects/$pid/videos", body => $body,
                 headers => { %{ bearer($owner->{access}) }, 'content-type' => $type });
    die "upload: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    $r->{json}{data};
};

subtest 'a guest reads the project and writes feedback and comments as "guest (email)"' => sub {
    my ($t, $g, $a) = new_guest(role => 'reviewer');
    my $r = guest($g, GET => "/projects/$pid");
    envelope_ok($r, 200, 'the project');
    is($r->{json}{data}{my_role}, 'reviewer', 'my_role: the invited role');
    is($r->{json}{data}{guest}, JSON::PP::true, 'guest: true');
    envelope_ok(guest($g, GET => "/projects/$pid/videos"), 200, 'its videos');
    # a <video> element sends no Authorization: the guest's signed URL
    my $url = guest($g, GET => "/videos/$video->{id}")->{json}{data}{content_url} // '';
    like($url, qr/session=g1\b/, 'a content URL signed for the guest');
    (my $rel = $url) =~ s{^https?://[^/]+}{};
    is(http(GET => $rel)->{status}, 200, 'it plays without a header');
    (my $forged = $rel) =~ s/session=g1\b/session=g2/;
    is(http(GET => $forged)->{status}, 403, 'another version in it: 403');
    $r = guest($g, POST => "/projects/$pid/feedbacks", { video_id => $video->{id}, timestamp => 0.5, content => "guest note $tag" });
    envelope_ok($r, 201, 'feedback');
    is($r->{json}{data}{author_name}, "guest ($a)", 'its author: guest (email)');
    is($r->{json}{data}{author}, undef, 'no account as its author');
    my $f = $r->{json}{data}{id};
    $r = guest($g, POST => "/feedbacks/$f/comments", { content => 'and a comment' });
    envelope_ok($r, 201, 'a comment');
    is($r->{json}{data}{author_name}, "guest ($a)", 'its author: guest (email)');
    my $listed = api($owner, GET => "/feedbacks/$f");
    is($listed->{author_name}, "guest ($a)", 'members see the guest\'s feedback as guest (email)');
    error_ok(guest($g, GET => "/projects/$pid/members"), 401, 'invalid_token', 'members: 401');
    error_ok(guest($g, PATCH => "/feedbacks/$f", { content => 'edited' }), 401, 'invalid_token', 'editing: 401');
    error_ok(guest($g, POST => "/feedbacks/$f/reactions", { reaction => 'like' }), 401, 'invalid_token', 'reactions: 401');
    error_ok(guest($g, GET => '/users/me'), 401, 'invalid_token', 'an account route: 401');
    error_ok(guest($g, GET => "/projects/$other"), 404, 'not_found', 'another project: 404');
    my (undef, $viewer_g) = new_guest(role => 'viewer');
    error_ok(guest($viewer_g, POST => "/projects/$pid/feedbacks", { video_id => $video->{id}, timestamp => 1, content => 'no' }),
             401, 'invalid_token', 'a viewer guest writes no feedback');

    # the audit of this guest's session
    my $audit = api($admin, GET => "/projects/$pid/audit?actor=guest&page_size=100");
    my $inv = inv_id($a);
    my @mine = grep { $_->{invitation_id} eq $inv } @{ $audit->{results} };
    is_deeply([sort map { $_->{action} } @mine], [sort qw(invitation.verified feedback.created comment.added)],
              'the audit: verified, feedback, comment');
    ok(!grep({ !$_->{client_ip} || $_->{email} ne $a || $_->{actor} ne 'guest' } @mine),
       'each row: actor guest, the address, the client address');
    is((grep { $_->{action} eq 'feedback.created' } @mine)[0]{target}, $f, 'the target of the feedback row');
    error_ok(call($editor, GET => "/projects/$pid/audit"), 403, 'forbidden', 'an editor reads no audit');
    error_ok(call($outsider, GET => "/projects/$pid/audit"), 404, 'not_found', 'an outsider: 404');
};

# a ready WebSocket of the guest on the project
sub ws {
    my ($token) = @_;
    my $c = VPWS->connect(base(), "/ws/projects/$pid", protocol => "bearer, $token") or die "ws: $@\n";
    my $m = $c->recv(5);
    die 'ws: no ready (close ' . ($c->close_code // '-') . ")\n" unless $m && $m->{type} eq 'ready';
    return $c;
}

subtest 'cancel ends the guest token: REST 401, the WebSocket closed' => sub {
    my ($t, $g, $a) = new_guest();
    my $c = ws($g);
    my $id = inv_id($a);
    (my $signed = guest($g, GET => "/videos/$video->{id}")->{json}{data}{content_url} // '') =~ s{^https?://[^/]+}{};
    is(http(GET => $signed)->{status}, 200, 'the guest\'s signed content URL plays');
    error_ok(call($editor, POST => "/invitations/$id/cancel"), 403, 'forbidden', 'an editor may not cancel');
    error_ok(call($outsider, POST => "/invitations/$id/cancel"), 404, 'not_found', 'another tenant\'s invitation: 404');
    my $r = call($admin, POST => "/invitations/$id/cancel");
    envelope_ok($r, 200, 'the inviter cancels');
    is($r->{json}{data}{status}, 'cancelled', 'cancelled');
    error_ok(guest($g, GET => "/projects/$pid"), 401, 'invalid_token', 'the guest token: 401 at once');
    is(http(GET => $signed)->{status}, 403, 'its signed content URL: 403');
    ok(defined $c->wait_close(10), 'the open WebSocket is closed');
    $r = verify($t);
    error_ok($r, 404, 'invitation_invalid', 'the link: 404');
    is($r->{json}{data}{reason}, 'cancelled', 'reason cancelled');
    error_ok(call($admin, POST => "/invitations/$id/cancel"), 409, undef, 'cancelling again: 409');
    error_ok(call($admin, POST => '/invitations/' . uuid4() . '/cancel'), 404, 'not_found', 'an unknown id: 404');
};

subtest 'expiry ends the guest token' => sub {
    my $a = addr();
    my $at = psql("SELECT to_char((now() + interval '3 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    invite($admin, [$a], expires_at => $at);
    my $t = link_token($a);
    my $r = verify($t);
    envelope_ok($r, 200, 'verified before its expiry');
    my $g = $r->{json}{data}{guest_token};
    my $c = ws($g);
    envelope_ok(guest($g, GET => "/projects/$pid"), 200, 'the guest reads');
    sleep 4;
    error_ok(guest($g, GET => "/projects/$pid"), 401, 'invalid_token', 'after the expiry: 401');
    ok(defined $c->wait_close(10), 'the WebSocket is closed');
    $r = verify($t);
    is($r->{json}{data}{reason}, 'expired', 'the link: expired');
};

subtest 'accept: a member with the role; the guest token ends; the link used' => sub {
    my ($t, $g, $a) = new_guest(role => 'editor');
    my $c = ws($g);
    my $joiner = new_user();
    error_ok(http(POST => '/api/v1/invitations/accept', json => { token => $t }), 401, undef, 'anonymous: 401');
    error_ok(call($joiner, POST => '/invitations/accept', {}), 422, undef, 'no token: 422');
    my $last = psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = :'p'", "p=$pid");
    my $r = call($joiner, POST => '/invitations/accept', { token => $t });
    envelope_ok($r, 200, 'accepted');
    is($r->{json}{data}{role}, 'editor', 'the invited role');
    is(psql("SELECT role FROM project_members WHERE project_id = :'p' AND user_id = :'u'", "p=$pid", "u=$joiner->{id}"),
       'editor', 'a member with it');
    error_ok(guest($g, GET => "/projects/$pid"), 401, 'invalid_token', 'the guest token: 401');
    ok(defined $c->wait_close(10), 'its WebSocket is closed');
    $r = call(new_user(), POST => '/invitations/accept', { token => $t });
    error_ok($r, 404, 'invitation_invalid', 'the token again: 404');
    is($r->{json}{data}{reason}, 'accepted', 'reason accepted');
    is_deeply([map { $_->{type} } @{ events_after($pid, $last) }], ['member.joined', 'invitation.accepted'],
              'events: member.joined, invitation.accepted');
    my ($t2) = new_guest();
    error_ok(call($joiner, POST => '/invitations/accept', { token => $t2 }), 409, undef, 'a member accepting: 409');
};

subtest 'accept holds the 50-member cap' => sub {
    my $p = new_project($owner, "Full $tag");
    my $have = psql("SELECT count(*) FROM project_members WHERE project_id = :'p'", "p=$p");
    # 49 accounts made in the database (their signups would only cost time)
    psql("WITH u AS (INSERT INTO users (email, nickname) SELECT 'cap-' || :'t' || '-' || g || '\@example.com',"
       . " 'cap' || g || '-' || :'t' FROM generate_series(1, 49) g RETURNING id)"
       . " INSERT INTO project_members (project_id, user_id, role) SELECT :'p', id, 'viewer' FROM u",
         "p=$p", "t=$tag");
    is(psql("SELECT count(*) FROM project_members WHERE project_id = :'p'", "p=$p"), 50, 'a full project');
    my $a = addr();
    my $r = call($owner, POST => "/projects/$p/invitations", { emails => [$a] });
    is($r->{status}, 202, 'an invitation to it');
    my $t = link_token($a);
    my $joiner = new_user();
    error_ok(call($joiner, POST => '/invitations/accept', { token => $t }), 409, undef, 'accepting: 409');
    is(psql("SELECT status FROM invitations WHERE email = :'e'", "e=$a"), 'pending', 'the invitation stays pending');
};

subtest 'resend: once a minute, at most 3 times; the new link replaces the old' => sub {
    my $a = addr();
    invite($admin, [$a]);
    my $id = inv_id($a);
    my $t1 = link_token($a, 1);
    my $r = call($admin, POST => "/invitations/$id/resend");
    error_ok($r, 429, undef, 'within the minute: 429');
    ok(($r->{headers}{'retry-after'} // 0) > 0, 'with Retry-After');
    for my $k (1 .. 3) {
        psql("UPDATE invitations SET last_sent_at = now() - interval '61 seconds' WHERE id = :'i'", "i=$id");
        envelope_ok(call($admin, POST => "/invitations/$id/resend"), 200, "resend $k");
    }
    is(psql("SELECT send_count FROM invitations WHERE id = :'i'", "i=$id"), 4, 'sent 4 times');
    psql("UPDATE invitations SET last_sent_at = now() - interval '61 seconds' WHERE id = :'i'", "i=$id");
    error_ok(call($admin, POST => "/invitations/$id/resend"), 409, undef, 'a fourth resend: 409');
    # the sink's order is not the sending order: the link whose hash is stored
    my $hash = psql("SELECT token_hash FROM invitations WHERE id = :'i'", "i=$id");
    my $t4 = wait_for(20, sub {
        (grep { sha256_hex($_) eq $hash } map { ($_->{text} // '') =~ m{/invitation\?token=([A-Za-z0-9_-]+)} }
              mails_to($a))[0] });
    ok($t4 && $t4 ne $t1, 'the last email has a new link');
    is(scalar(mails_to($a)), 4, 'four emails in all');
    envelope_ok(verify($t4), 200, 'it verifies');
    is(verify($t1)->{status}, 404, 'the first link no longer does');
    error_ok(call($outsider, POST => "/invitations/$id/resend"), 404, 'not_found', 'an outsider: 404');
};

subtest 'decline by the invitee' => sub {
    my ($t, $g, $a) = new_guest();
    my $id = inv_id($a);
    error_ok(call($outsider, POST => "/invitations/$id/decline"), 404, 'not_found', 'somebody else: 404');
    my $r = guest($g, POST => "/invitations/$id/decline");
    envelope_ok($r, 200, 'the guest declines');
    is($r->{json}{data}{status}, 'declined', 'declined');
    error_ok(guest($g, GET => "/projects/$pid"), 401, 'invalid_token', 'its token ends');
};

subtest 'sent, received, stats, recent; an invitee with an account is notified' => sub {
    my $invitee = new_user();
    psql("UPDATE users SET email_verified = true WHERE id = :'u'", "u=$invitee->{id}");
    $invitee->{access} = login($invitee)->{json}{data}{access_token};
    invite($owner, [$invitee->{email}], role => 'viewer');
    my $sent = api($owner, GET => '/invitations/sent?status=pending&page_size=100');
    ok((grep { $_->{email} eq $invitee->{email} } @{ $sent->{results} }), 'sent lists it');
    my $recv = api($invitee, GET => '/invitations/received');
    is($recv->{count}, 1, 'received: by the caller\'s verified address');
    is($recv->{results}[0]{project}{id}, $pid, '... with its project');
    is(api($outsider, GET => '/invitations/received')->{count}, 0, 'nobody else receives it');
    my $stats = api($owner, GET => '/invitations/stats');
    ok($stats->{sent}{pending} >= 1 && $stats->{sent}{total} >= $stats->{sent}{pending}, 'stats: sent by status');
    is(api($invitee, GET => '/invitations/stats')->{received}{pending}, 1, 'stats: received by status');
    my $recent = api($owner, GET => '/invitations/recent');
    is($recent->{results}[0]{email}, $invitee->{email}, 'recent: the last invitee first');
    is($recent->{results}[0]{user}{id}, $invitee->{id}, '... with its account');
    my $notes = api($invitee, GET => '/notifications');
    is((grep { $_->{type} eq 'invitation' } @{ $notes->{results} }) + 0, 1, 'an invitation notification');
    error_ok(call($owner, GET => '/invitations/sent?status=bogus'), 422, undef, 'an unknown status: 422');
};

subtest 'friends' => sub {
    my $f = new_user();
    my $r = call($owner, POST => '/friends', { user_id => $f->{id} });
    envelope_ok($r, 201, 'a friend added');
    is($r->{json}{data}{user}{id}, $f->{id}, 'the friend');
    envelope_ok(call($owner, POST => '/friends', { user_id => $f->{id} }), 200, 'again: 200, no second row');
    error_ok(call($owner, POST => '/friends', { user_id => $owner->{id} }), 422, undef, 'oneself: 422');
    error_ok(call($owner, POST => '/friends', { user_id => uuid4() }), 422, undef, 'nobody: 422');
    error_ok(call($owner, POST => '/friends', { user_id => 'x' }), 422, undef, 'not a UUID: 422');
    is(api($owner, GET => '/friends')->{count}, 1, 'listed');
    envelope_ok(call($owner, DELETE => "/friends/$f->{id}"), 200, 'removed');
    error_ok(call($owner, DELETE => "/friends/$f->{id}"), 404, 'not_found', 'again: 404');
};

subtest 'verify is limited per client address' => sub {
    my $ip = new_ip();
    my @st = map { verify('y' x 43, ip => $ip)->{status} } 1 .. 21;
    is_deeply([@st[0 .. 19]], [(404) x 20], '20 wrong guesses: 404');
    my $r = verify('y' x 43, ip => $ip);
    error_ok($r, 429, undef, 'then 429');
    ok(($r->{headers}{'retry-after'} // 0) > 0, 'with Retry-After');
    is(verify('y' x 43)->{status}, 404, 'another address is not held');
};

subtest 'no token in the access log' => sub {
    my ($t) = new_guest();
    my $log = "$ENV{VP_STATE}/httpd/logs/access.log";
    my $seen = wait_for(10, sub { open my $fh, '<', $log or return; my @l = grep { /invitations\/verify/ } <$fh>; @l ? \@l : undef });
    ok($seen, 'verify requests are logged');
    ok((grep { /token=REDACTED/ } @$seen), 'with the token redacted');
    open my $fh, '<', $log or die "$log: $!";
    my $all = do { local $/; <$fh> };
    unlike($all, qr/\Q$t\E/, 'the token itself is nowhere in the access log');
    # the module reads query names in any letter case: so is it redacted
    my ($t2) = new_guest();
    my $redacted = sub { open my $fh, '<', $log or return 0; scalar grep { /token=REDACTED/ } <$fh> };
    my $before = $redacted->();
    envelope_ok(http(GET => "/api/v1/invitations/verify?x=1&ToKeN=$t2", headers => { 'x-forwarded-for' => new_ip() }),
                200, 'a link read as ?ToKeN=');
    ok(wait_for(10, sub { $redacted->() > $before }), 'its line is logged, redacted');
    open $fh, '<', $log or die "$log: $!";
    $all = do { local $/; <$fh> };
    unlike($all, qr/\Q$t2\E/, '... and its token is not logged either');
    open $fh, '<', "$ENV{VP_STATE}/httpd/logs/error.log" and do {
        my $err = do { local $/; <$fh> };
        unlike($err, qr/\Q$t\E/, '... nor in the error log');
    };
};

# ---- 20 parallel requests on each write path: no 500, nothing lost or doubled ----
subtest '20 parallel batches of the same addresses' => sub {
    my @a = map { addr() } 1 .. 5;
    my @r = parallel(20, sub { call($admin, POST => $I, { emails => \@a }) });
    is_deeply([grep { $_ != 202 } map { $_->{status} } @r], [], 'every batch: 202');
    my $queued = 0;
    $queued += $_->{json}{data}{queued} for @r;
    is($queued, 5, 'each address queued once in all');
    is(psql("SELECT count(*) FROM invitations WHERE email = ANY (:'a'::text[])", 'a={' . join(',', @a) . '}'), 5,
       'five invitations');
    is(psql("SELECT count(*) FROM outbox WHERE recipient = ANY (:'a'::text[])", 'a={' . join(',', @a) . '}'), 5,
       'five emails');
};

subtest '20 parallel accepts, cancels, resends, declines, friend adds' => sub {
    my ($t) = new_guest();
    my @users = map { new_user() } 1 .. 20;
    my @r = parallel(20, sub { call($users[$_[0] - 1], POST => '/invitations/accept', { token => $t }) });
    my %st; $st{$_->{status}}++ for @r;
    is_deeply(\%st, { 200 => 1, 404 => 19 }, 'accept: one 200, the others 404');

    my (undef, undef, $a) = new_guest();
    my $id = inv_id($a);
    @r = parallel(20, sub { call($admin, POST => "/invitations/$id/cancel") });
    %st = (); $st{$_->{status}}++ for @r;
    is_deeply(\%st, { 200 => 1, 409 => 19 }, 'cancel: one 200, the others 409');
    is(psql("SELECT token_version FROM invitations WHERE id = :'i'", "i=$id"), 2, 'the version raised once');

    my $b = addr();
    invite($admin, [$b]);
    $id = inv_id($b);
    psql("UPDATE invitations SET last_sent_at = now() - interval '61 seconds' WHERE id = :'i'", "i=$id");
    @r = parallel(20, sub { call($admin, POST => "/invitations/$id/resend") });
    %st = (); $st{$_->{status}}++ for @r;
    is_deeply(\%st, { 200 => 1, 429 => 19 }, 'resend: one 200, the others 429');
    is(psql("SELECT send_count FROM invitations WHERE id = :'i'", "i=$id"), 2, 'sent twice in all');
    is(psql("SELECT count(*) FROM outbox WHERE recipient = :'b'", "b=$b"), 2, 'two emails');

    my (undef, $g, $c) = new_guest();
    $id = inv_id($c);
    @r = parallel(20, sub { guest($g, POST => "/invitations/$id/decline") });
    %st = (); $st{$_->{status}}++ for @r;
    ok($st{200} == 1 && !grep({ $_ >= 500 || ($_ != 200 && $_ != 401 && $_ != 409) } keys %st),
       'decline: one 200, the others 409 or 401 (the token ended)') or diag explain \%st;

    my $f = new_user();
    @r = parallel(20, sub { call($owner, POST => '/friends', { user_id => $f->{id} }) });
    %st = (); $st{$_->{status}}++ for @r;
    is_deeply(\%st, { 201 => 1, 200 => 19 }, 'friend add: one 201, the others 200');
    is(psql("SELECT count(*) FROM friends WHERE user_id = :'u' AND friend_id = :'f'", "u=$owner->{id}", "f=$f->{id}"),
       1, 'one row');
    @r = parallel(20, sub { call($owner, DELETE => "/friends/$f->{id}") });
    %st = (); $st{$_->{status}}++ for @r;
    is_deeply(\%st, { 200 => 1, 404 => 19 }, 'friend delete: one 200, the others 404');

    my (undef, $gw, $gwa) = new_guest(role => 'editor');
    @r = parallel(20, sub { guest($gw, POST => "/projects/$pid/feedbacks",
                                  { video_id => $video->{id}, timestamp => 1, content => "parallel $_[0] $tag" }) });
    is_deeply([grep { $_ != 201 } map { $_->{status} } @r], [], 'guest feedback: twenty 201');
    is(psql("SELECT count(DISTINCT content) FROM feedbacks WHERE content LIKE :'c'", "c=parallel % $tag"), 20,
       'twenty rows');
    my $fb = psql("SELECT id FROM feedbacks WHERE content LIKE :'c' LIMIT 1", "c=parallel % $tag");
    is(psql("SELECT count(*) FROM guest_audit a JOIN invitations i ON i.id = a.invitation_id"
          . " WHERE i.email = :'e' AND a.action = 'feedback.created'", "e=$gwa"), 20,
       'twenty audit rows: one per write');
    # another guest (the guest limit, 30 writes an hour, counts comments too)
    my (undef, $gc, $gca) = new_guest(role => 'reviewer');
    @r = parallel(20, sub { guest($gc, POST => "/feedbacks/$fb/comments", { content => "comment $_[0] $tag" }) });
    is_deeply([grep { $_ != 201 } map { $_->{status} } @r], [], 'guest comments: twenty 201');
    is(psql("SELECT count(*) FROM comments WHERE feedback_id = :'f'", "f=$fb"), 20, 'twenty comments');
    is(psql("SELECT count(*) FROM guest_audit a JOIN invitations i ON i.id = a.invitation_id"
          . " WHERE i.email = :'e' AND a.action = 'comment.added'", "e=$gca"), 20, 'twenty audit rows');
    my @more = map { guest($gc, POST => "/feedbacks/$fb/comments", { content => "more $_ $tag" })->{status} } 1 .. 11;
    is_deeply([@more[0 .. 9]], [(201) x 10], 'ten more: 30 in the hour');
    is($more[10], 429, 'the 31st: 429 (the guest limit of the invitation)');
};

done_testing();
