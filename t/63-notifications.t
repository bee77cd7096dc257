# Notifications (spec section 6; issue 16) against the real stack: what
# feedback causes (the uploader told of feedback on their video, the author
# of a status change; never the actor; the actor hidden for an anonymous
# feedback, null once its account is gone; nothing for a carry-over, for a
# type turned off or to a former member); the list
# (newest first, pages, ?unread=, unread_count, ?fields=, only one's own);
# read marks by ids (others' and unknown ids ignored) and all; the
# settings (defaults, full replace, validation, the digest's start);
# users.locale from the signup's Accept-Language and PATCH /users/me, and
# the language of the texts; 20 parallel writes on the settings and the
# marks; bad input everywhere. (Delivery, /ws/me and emails, is vplanetd's:
# its own tests.)
use strict;
use warnings;
use utf8;
use Test::More;
use JSON::PP ();
use VP;
use VPVideo qw(fixture upload);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $UUID = qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
my $TIME = qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

# signup_with(LANGUAGE HEADER or undef): the signup's answer
sub signup_with {
    my ($lang) = @_;
    my $n = sprintf 'l%s%04d', $tag, int rand 10000;
    return http(POST => '/api/v1/auth/signup',
                json => { email => "$n\@example.com", password => "pw-$n-secret", nickname => substr($n, 0, 30) },
                headers => { 'x-forwarded-for' => new_ip(),
                             defined $lang ? ('accept-language' => $lang) : () });
}

# a user of new_user whose locale is set (as PATCH /users/me sets it)
sub user_in {
    my ($locale) = @_;
    my $u = new_user();
    api($u, PATCH => '/users/me', { locale => $locale });
    return $u;
}

# ---- people, a project, videos ----
my %U = (owner => user_in('ko'), reviewer => user_in('en'), editor => user_in('en'),
         viewer => new_user(), outsider => new_user(), lister => new_user());
my $P = new_project($U{owner}, "Notifications $tag");
my %ROLE = (reviewer => 'reviewer', editor => 'editor', viewer => 'viewer', lister => 'editor');
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{$_}{id}, role => $ROLE{$_} })
    for sort keys %ROLE;

sub video {
    my ($who, $title) = @_;
    my $r = upload($U{$who}, $P, title => $title, file => fixture('mp4'));
    die "upload $title: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
my $VA = video(owner => "Owner's cut $tag");          # uploaded by the owner
my $VL = video(lister => "Lister's cut $tag");        # uploaded by the lister

# feedback(WHO, VIDEO, %FIELDS): a created feedback (dies otherwise)
my $fb_n = 0;
sub feedback {
    my ($who, $video, %f) = @_;
    return api($U{$who}, POST => "/projects/$P/feedbacks",
               { video_id => $video->{id}, timestamp => 0.2, content => 'Note ' . ++$fb_n . " $tag", %f });
}

# notes(WHO, QUERY): the data of WHO's list
sub notes { api($U{$_[0]}, GET => '/notifications' . ($_[1] // '')) }
# stored(WHO): how many notifications WHO has in the database
sub stored { psql("SELECT count(*) FROM notifications WHERE user_id = :'u'", "u=$U{$_[0]}{id}") }

# ---- locale ----

subtest 'locale: from the signup\'s Accept-Language, shown and changed in /users/me' => sub {
    for my $case (['en-US,en;q=0.9' => 'en'], ['ko-KR' => 'ko'], ['fr' => 'ko'],
                  ['fr, en;q=0.5' => 'en'], [undef, 'ko'], ['en;q=0.2, ko;q=0.8' => 'ko'],
                  ['ko;q=0, en-GB' => 'en']) {
        my ($h, $want) = @$case;
        my $label = defined $h ? "Accept-Language: $h" : 'no Accept-Language';
        my $r = signup_with($h);
        envelope_ok($r, 201, "$label: signed up") or next;
        is($r->{json}{data}{user}{locale}, $want, "$label: the signup's user has locale $want");
        is(me($r->{json}{data}{access_token})->{json}{data}{locale}, $want, "$label: GET /users/me says $want");
        is(psql("SELECT locale FROM users WHERE id = :'u'", "u=$r->{json}{data}{user}{id}"), $want,
           "$label: stored $want");
    }
    my $u = new_user();
    is(me($u->{access})->{json}{data}{locale}, 'ko', 'a signup without the header: ko');
    my $r = call($u, PATCH => '/users/me', { locale => 'en' });
    envelope_ok($r, 200, 'PATCH locale en');
    is($r->{json}{data}{locale}, 'en', 'the answer has locale en');
    is(psql("SELECT locale FROM users WHERE id = :'u'", "u=$u->{id}"), 'en', 'stored en');
    $r = call($u, PATCH => '/users/me', { nickname => "n2$tag" });
    is($r->{json}{data}{locale}, 'en', 'a PATCH without locale keeps it');
    for my $bad ('fr', 'EN', 'en-US', '') {
        error_ok(call($u, PATCH => '/users/me', { locale => $bad }), 422, 'validation_failed',
                 "locale \"$bad\": 422");
    }
    $r = call($u, PATCH => '/users/me', { locale => undef });
    error_ok($r, 422, 'validation_failed', 'locale null: 422');
    $r = call($u, PATCH => '/users/me', { locale => 1 });
    error_ok($r, 400, undef, 'locale 1 (no string): 400');
    ok($r->{json}{error}{details}{locale}, '... naming locale');
    is(psql("SELECT locale FROM users WHERE id = :'u'", "u=$u->{id}"), 'en', 'refused changes left en');
};

# ---- what feedback causes ----

my $first;      # the reviewer's first feedback on the owner's video
subtest 'feedback on a video notifies its uploader once, never the actor' => sub {
    my $before_owner = stored('owner');
    $first = feedback(reviewer => $VA, content => "Too dark here $tag");
    is(stored('owner') - $before_owner, 1, 'the uploader has one new notification');
    is(stored('reviewer'), 0, 'the author has none');
    my $d = notes('owner');
    my $n = $d->{results}[0];
    is($n->{type}, 'feedback', 'type feedback');
    like($n->{id}, $UUID, 'an id');
    is_deeply($n->{actor}, { id => $U{reviewer}{id}, nickname => $U{reviewer}{nickname}, avatar_url => undef },
              'actor: the reviewer ({id, nickname, avatar_url})');
    is($n->{actor_name}, $U{reviewer}{nickname}, 'actor_name: the nickname');
    is($n->{project_id}, $P, 'project_id');
    is_deeply($n->{target}, { feedback_id => $first->{id}, comment_id => undef }, 'target: the feedback');
    is($n->{text}, "$U{reviewer}{nickname}님이 회원님의 영상에 피드백을 남겼습니다: Too dark here $tag",
       'text in the uploader\'s language (ko), with the feedback\'s text');
    ok(JSON::PP::is_bool($n->{read}) && !$n->{read}, 'read: false');
    like($n->{created_at}, $TIME, 'created_at');
    is_deeply([sort keys %$n], [sort qw(id type actor actor_name project_id target text read created_at)],
              'exactly the documented members');

    my $owner_before = stored('owner');
    feedback(owner => $VA, content => "My own note $tag");
    is(stored('owner'), $owner_before, 'the uploader\'s own feedback on their video notifies nobody');
    is(psql("SELECT count(*) FROM notifications WHERE feedback_id IN"
          . " (SELECT id FROM feedbacks WHERE content = :'c')", "c=My own note $tag"), 0,
       '... nobody at all');
    my $editor_before = stored('editor');
    feedback(editor => $VL);
    is(stored('lister') , 1, 'the lister (uploader of its video) is told');
    is(stored('editor'), $editor_before, 'the editor who wrote it is not');
};

subtest 'an anonymous feedback hides its author in the notification' => sub {
    my $fb = feedback(reviewer => $VA, display_mode => 'anonymous', content => "Secret $tag");
    my $n = notes('owner')->{results}[0];
    is_deeply($n->{target}{feedback_id}, $fb->{id}, 'the newest is about the anonymous feedback');
    is($n->{actor}, undef, 'actor: null');
    is($n->{actor_name}, '누군가', 'actor_name: "someone" in the uploader\'s language');
    unlike($n->{text}, qr/\Q$U{reviewer}{nickname}\E/, 'the text does not name the author');
    is(psql("SELECT count(*) FROM notifications WHERE feedback_id = :'f' AND actor_id IS NULL", "f=$fb->{id}"), 1,
       'stored without the actor');
    # the same as a nickname: named (the nickname mode hides nothing of the account)
    my $nick = feedback(reviewer => $VA, display_mode => 'nickname', display_name => 'Critic');
    is(notes('owner')->{results}[0]{actor}{id}, $U{reviewer}{id}, 'a nickname-mode feedback names its author');
};

subtest 'a status change notifies the feedback\'s author once, never the editor' => sub {
    my $before = stored('reviewer');
    my $editor_had = stored('editor');
    my $r = call($U{editor}, PATCH => "/feedbacks/$first->{id}", { status => 'resolved' });
    envelope_ok($r, 200, 'the editor resolves the reviewer\'s feedback');
    is(stored('reviewer') - $before, 1, 'the author has one new notification');
    my $n = notes('reviewer')->{results}[0];
    is($n->{type}, 'status_change', 'type status_change');
    is($n->{actor}{id}, $U{editor}{id}, 'actor: the editor');
    is_deeply($n->{target}, { feedback_id => $first->{id}, comment_id => undef }, 'target: the feedback');
    is($n->{text}, "$U{editor}{nickname} changed the status of your feedback to resolved",
       'text in the author\'s language (en), with the new status');
    is(stored('editor'), $editor_had, 'the editor who changed it has none from it');

    call($U{editor}, PATCH => "/feedbacks/$first->{id}", { status => 'resolved' });
    is(stored('reviewer') - $before, 1, 'the same status again: nothing new');
    call($U{editor}, PATCH => "/feedbacks/$first->{id}", { priority => 'high' });
    is(stored('reviewer') - $before, 1, 'a priority change: nothing');
    call($U{reviewer}, PATCH => "/feedbacks/$first->{id}", { content => "Edited $tag" });
    is(stored('reviewer') - $before, 1, 'a content edit: nothing');
    error_ok(call($U{reviewer}, PATCH => "/feedbacks/$first->{id}", { status => 'closed' }), 403, undef,
             'a reviewer may not change the status');
    is(stored('reviewer') - $before, 1, '... and the refused change notified nobody');
    call($U{owner}, PATCH => "/feedbacks/$first->{id}", { status => 'in_progress', priority => 'low' });
    is(stored('reviewer') - $before, 2, 'the owner reopens it with a priority: one more');

    my $own = feedback(editor => $VA);
    my $editor_before = stored('editor');
    my $owner_before = stored('owner');
    envelope_ok(call($U{editor}, PATCH => "/feedbacks/$own->{id}", { status => 'closed' }), 200,
                'the editor closes their own feedback');
    is(stored('editor'), $editor_before, 'the editor changing their own feedback\'s status is not told');
    is(stored('owner'), $owner_before, 'nor is the uploader (status changes go to the author)');
};

subtest 'an actor whose account is gone; an author who left the project' => sub {
    my $x = new_user();
    api($U{owner}, POST => "/projects/$P/members", { user_id => $x->{id}, role => 'reviewer' });
    my $fb = api($x, POST => "/projects/$P/feedbacks", { video_id => $VA->{id}, timestamp => 0.1, content => "Gone $tag" });
    my ($n) = grep { $_->{target}{feedback_id} eq $fb->{id} } @{ notes('owner', '?page_size=100')->{results} };
    is($n->{actor}{id}, $x->{id}, 'named while the account lives');
    api($x, DELETE => '/users/me', { reason => 'leaving' });
    ($n) = grep { $_->{target}{feedback_id} eq $fb->{id} } @{ notes('owner', '?page_size=100')->{results} };
    is($n->{actor}, undef, 'actor: null once the account is deleted');
    is($n->{actor_name}, $x->{nickname}, 'actor_name: the name the text was written with');

    my $y = new_user();
    api($U{owner}, POST => "/projects/$P/members", { user_id => $y->{id}, role => 'reviewer' });
    my $left = api($y, POST => "/projects/$P/feedbacks", { video_id => $VA->{id}, timestamp => 0.1, content => "Left $tag" });
    api($U{owner}, DELETE => "/projects/$P/members/$y->{id}");
    envelope_ok(call($U{editor}, PATCH => "/feedbacks/$left->{id}", { status => 'resolved' }), 200,
                'the status of a former member\'s feedback changes');
    is(psql("SELECT count(*) FROM notifications WHERE user_id = :'u'", "u=$y->{id}"), 0,
       'a former member is not told');
};

subtest 'a carry-over to the next version makes no notification' => sub {
    my $v1 = video(lister => "Stack $tag");
    feedback(reviewer => $v1);
    my $v2 = video(lister => "Stack $tag");
    my %before = map { $_ => stored($_) } keys %U;
    my $r = call($U{editor}, POST => "/videos/$v2->{id}/carry-feedback", { from_video_id => $v1->{id} });
    envelope_ok($r, 200, 'carried');
    is($r->{json}{data}{carried}, 1, 'one feedback carried');
    is_deeply({ map { $_ => stored($_) } keys %U }, \%before, 'nobody was notified');
};

subtest 'a type turned off makes no notification of it' => sub {
    my %all = (mention => JSON::PP::true, reply => JSON::PP::true, feedback => JSON::PP::true,
               status_change => JSON::PP::true, invitation => JSON::PP::true);
    api($U{lister}, PUT => '/users/me/notification-settings',
        { email => 'instant', types => { %all, feedback => JSON::PP::false } });
    my $before = stored('lister');
    my $fb = feedback(reviewer => $VL);
    is(stored('lister'), $before, 'feedback turned off: the uploader is not told');
    api($U{reviewer}, PUT => '/users/me/notification-settings',
        { email => 'off', types => { %all, status_change => JSON::PP::false } });
    $before = stored('reviewer');
    call($U{editor}, PATCH => "/feedbacks/$fb->{id}", { status => 'closed' });
    is(stored('reviewer'), $before, 'status_change turned off: the author is not told');
    api($U{lister}, PUT => '/users/me/notification-settings', { email => 'instant', types => \%all });
    $before = stored('lister');
    feedback(reviewer => $VL);
    is(stored('lister') - $before, 1, 'turned on again: the next one is made');
};

# ---- the list ----

subtest 'the list: newest first, pages, ?unread=, unread_count, ?fields=' => sub {
    my $u = user_in('en');
    api($U{owner}, POST => "/projects/$P/members", { user_id => $u->{id}, role => 'editor' });
    my $r = upload($u, $P, title => "Paged $tag", file => fixture('mp4'));
    my $v = $r->{json}{data};
    my @made = map { feedback(reviewer => $v, content => "Paged note $_ $tag")->{id} } 1 .. 7;
    my @newest = reverse @made;

    my $d = api($u, GET => '/notifications?page_size=3');
    is($d->{count}, 7, 'count: 7');
    is($d->{unread_count}, 7, 'unread_count: 7');
    is_deeply([map { $_->{target}{feedback_id} } @{ $d->{results} }], [@newest[0 .. 2]], 'page 1: the three newest');
    ok($d->{page_info}{has_next} && !$d->{page_info}{has_previous}, 'page_info of page 1');
    is($d->{page_info}{total_pages}, 3, 'three pages');
    like($d->{next} // '', qr{/api/v1/notifications\?.*page=2}, 'next: page 2');
    my @all;
    for my $page (1 .. 3) {
        push @all, map { $_->{target}{feedback_id} } @{ api($u, GET => "/notifications?page_size=3&page=$page")->{results} };
    }
    is_deeply(\@all, \@newest, 'the pages together: every one, newest first');
    $d = api($u, GET => '/notifications?page_size=3&page=4');
    is_deeply($d->{results}, [], 'a page past the end: empty');
    is($d->{count}, 7, '... with the count');
    is($d->{unread_count}, 7, '... and unread_count');

    my @ids = map { $_->{id} } @{ api($u, GET => '/notifications?page_size=100')->{results} };
    api($u, POST => '/notifications/read', { ids => [@ids[1, 3]] });
    $d = api($u, GET => '/notifications?unread=true');
    is($d->{count}, 5, '?unread=true: 5');
    is($d->{unread_count}, 5, '... unread_count 5');
    ok(!grep({ $_->{read} } @{ $d->{results} }), '... none of them read');
    is_deeply([map { $_->{id} } @{ $d->{results} }], [@ids[0, 2, 4, 5, 6]], '... the unread, newest first');
    $d = api($u, GET => '/notifications?unread=false');
    is($d->{count}, 2, '?unread=false: 2');
    is($d->{unread_count}, 5, '... unread_count still 5');
    is_deeply([map { $_->{id} } @{ $d->{results} }], [@ids[1, 3]], '... the read ones, newest first');
    ok(!grep({ !$_->{read} } @{ $d->{results} }), '... all read');
    $d = api($u, GET => '/notifications');
    is($d->{count}, 7, 'no filter: 7');
    is_deeply([map { $_->{read} ? 1 : 0 } @{ $d->{results} }], [0, 1, 0, 1, 0, 0, 0], 'read flags in place');

    $d = api($u, GET => '/notifications?fields=id,type');
    is_deeply([sort keys %{ $d->{results}[0] }], [qw(id type)], '?fields=id,type');
    $d = api($u, GET => '/notifications?fields=target');
    is_deeply([sort keys %{ $d->{results}[0]{target} }], [qw(comment_id feedback_id)], '?fields=target: the object whole');

    error_ok(call($u, GET => '/notifications?unread=yes'), 422, undef, '?unread=yes: 422');
    error_ok(call($u, GET => '/notifications?page_size=101'), 422, undef, '?page_size=101: 422');
    error_ok(call($u, GET => '/notifications?page=x'), 400, undef, '?page=x: 400');
    error_ok(call($u, GET => '/notifications?fields=password'), 400, undef, '?fields= of no member: 400');
    error_ok(http(GET => '/api/v1/notifications'), 401, undef, 'no token: 401');
    error_ok(call('not.a.token', GET => '/notifications'), 401, undef, 'a bad token: 401');
    is(api($U{outsider}, GET => '/notifications')->{count}, 0, 'an outsider has none');
    ok(!grep({ my $id = $_->{id}; grep { $_ eq $id } @ids } @{ notes('owner', '?page_size=100')->{results} }),
       'none of this user\'s is in another user\'s list');
    my $mine = psql("SELECT count(*) FROM notifications WHERE user_id = :'u'", "u=$U{owner}{id}");
    is(notes('owner')->{count}, $mine, 'the owner\'s count is the owner\'s rows alone');
};

# ---- read marks ----

subtest 'marking read: by ids (others\' and unknown ids ignored), by all' => sub {
    my $u = user_in('ko');
    api($U{owner}, POST => "/projects/$P/members", { user_id => $u->{id}, role => 'editor' });
    my $v = upload($u, $P, title => "Marks $tag", file => fixture('mp4'))->{json}{data};
    feedback(reviewer => $v) for 1 .. 4;
    my @ids = map { $_->{id} } @{ api($u, GET => '/notifications')->{results} };
    my $theirs = notes('owner')->{results}[0];
    ok(!$theirs->{read}, 'the owner has an unread one') or diag explain $theirs;

    my $d = api($u, POST => '/notifications/read', { ids => [$ids[0], $theirs->{id}, uuid4()] });
    is_deeply($d, { marked => 1, unread_count => 3 }, 'one own id, another user\'s, an unknown: marked 1, unread 3');
    ok(!(grep { $_->{id} eq $theirs->{id} } @{ notes('owner', '?unread=false&page_size=100')->{results} }),
       'the other user\'s notification is still unread');
    is(psql("SELECT read_at IS NULL FROM notifications WHERE id = :'n'", "n=$theirs->{id}"), 't',
       '... in the database too');
    $d = api($u, POST => '/notifications/read', { ids => [$ids[0], $ids[0]] });
    is_deeply($d, { marked => 0, unread_count => 3 }, 'already read (twice in the list): marked 0');
    $d = api($u, POST => '/notifications/read', { ids => [uc $ids[1]] });
    is_deeply($d, { marked => 1, unread_count => 2 }, 'an id in upper case is the same id');
    $d = api($u, POST => '/notifications/read', { all => JSON::PP::true });
    is_deeply($d, { marked => 2, unread_count => 0 }, 'all: the two left');
    $d = api($u, POST => '/notifications/read', { all => JSON::PP::true });
    is_deeply($d, { marked => 0, unread_count => 0 }, 'all again: nothing');
    is(api($u, GET => '/notifications')->{unread_count}, 0, 'the list says 0 unread');
    my $read_at = psql("SELECT read_at FROM notifications WHERE id = :'n'", "n=$ids[0]");
    api($u, POST => '/notifications/read', { ids => [$ids[0]] });
    is(psql("SELECT read_at FROM notifications WHERE id = :'n'", "n=$ids[0]"), $read_at,
       'marking a read one again keeps its first read_at');
};

subtest 'marking read: bad input' => sub {
    my $u = $U{owner};
    my @cases = (
        [{}, 422, 'neither ids nor all'],
        [{ ids => [uuid4()], all => JSON::PP::true }, 422, 'both ids and all'],
        [{ ids => [] }, 422, 'no ids'],
        [{ ids => [map { uuid4() } 1 .. 101] }, 422, '101 ids'],
        [{ ids => ['not-a-uuid'] }, 422, 'an id that is no UUID'],
        [{ ids => [uuid4(), '0000'] }, 422, 'a second id that is no UUID'],
        [{ ids => [1] }, 400, 'an id that is a number'],
        [{ ids => [undef] }, 400, 'an id that is null'],
        [{ ids => 'x' }, 400, 'ids as a string'],
        [{ all => JSON::PP::false }, 422, 'all: false'],
        [{ all => 'yes' }, 400, 'all as a string'],
        [{ all => JSON::PP::true, also => 1 }, 400, 'an unknown field'],
    );
    my $before = psql("SELECT count(*) FROM notifications WHERE user_id = :'u' AND read_at IS NULL", "u=$u->{id}");
    for my $c (@cases) {
        my ($body, $status, $name) = @$c;
        error_ok(call($u, POST => '/notifications/read', $body), $status, undef, "$name: $status");
    }
    my $r = call($u, POST => '/notifications/read', { ids => ['nope', 'x'] });
    ok($r->{json}{error}{details}{'ids[0]'} && $r->{json}{error}{details}{'ids[1]'}, 'each bad id is named (ids[i])');
    $r = http(POST => '/api/v1/notifications/read', headers => bearer($u->{access}), json => '{"all": tru');
    error_ok($r, 400, undef, 'malformed JSON: 400');
    $r = http(POST => '/api/v1/notifications/read', headers => bearer($u->{access}),
              json => '{"all": true, "all": true}');
    error_ok($r, 400, undef, 'a duplicate key: 400');
    $r = http(POST => '/api/v1/notifications/read', headers => { %{ bearer($u->{access}) }, 'content-type' => 'text/plain' },
              body => '{"all": true}');
    error_ok($r, 415, undef, 'not JSON: 415');
    error_ok(http(POST => '/api/v1/notifications/read', json => { all => JSON::PP::true }), 401, undef, 'no token: 401');
    is(psql("SELECT count(*) FROM notifications WHERE user_id = :'u' AND read_at IS NULL", "u=$u->{id}"), $before,
       'nothing was marked by the refused requests');
};

# ---- settings ----

my %ALL_ON = map { $_ => JSON::PP::true } qw(mention reply feedback status_change invitation);
sub settings_row {
    my ($u) = @_;
    return psql("SELECT email || ' ' || coalesce(rfc3339(last_digest_at), 'null') FROM notification_settings"
              . " WHERE user_id = :'u'", "u=$u->{id}");
}
sub digest_at { psql("SELECT extract(epoch FROM last_digest_at) FROM notification_settings WHERE user_id = :'u'", "u=$_[0]{id}") }

subtest 'settings: the defaults, a full replace, the digest\'s start' => sub {
    my $u = new_user();
    my $r = call($u, GET => '/users/me/notification-settings');
    envelope_ok($r, 200, 'GET without a row');
    is_deeply($r->{json}{data}, { email => 'instant', types => \%ALL_ON }, 'the defaults: instant, every type');
    is(settings_row($u), '', 'reading made no row');

    my %types = (%ALL_ON, reply => JSON::PP::false, invitation => JSON::PP::false);
    $r = call($u, PUT => '/users/me/notification-settings', { email => 'instant', types => \%types });
    envelope_ok($r, 200, 'PUT instant, two types off');
    is_deeply($r->{json}{data}, { email => 'instant', types => \%types }, 'the answer is the settings');
    is_deeply(api($u, GET => '/users/me/notification-settings'), { email => 'instant', types => \%types }, 'GET reads them');
    is(settings_row($u), 'instant null', 'instant: no digest time');

    api($u, PUT => '/users/me/notification-settings', { email => 'daily', types => \%ALL_ON });
    my $t1 = digest_at($u);
    ok($t1 && abs($t1 - psql('SELECT extract(epoch FROM now())')) < 60,
       'into daily from instant: last_digest_at is now (the first digest has nothing older)');
    # the suite's vplanetd closes digest periods of seconds (t/lib/stack.sh):
    # a last digest an hour ahead keeps it from moving the time while the
    # route's own rules are checked
    psql("UPDATE notification_settings SET last_digest_at = now() + interval '1 hour' WHERE user_id = :'u'", "u=$u->{id}");
    my $ahead = digest_at($u);
    api($u, PUT => '/users/me/notification-settings', { email => 'hourly', types => \%ALL_ON });
    is(digest_at($u), $ahead, 'daily to hourly: the last digest\'s time is kept');
    api($u, PUT => '/users/me/notification-settings', { email => 'off', types => \%ALL_ON });
    is(digest_at($u), $ahead, 'off: kept (unused)');
    # while off, vplanetd leaves it alone: now three days old
    psql("UPDATE notification_settings SET last_digest_at = now() - interval '3 days' WHERE user_id = :'u'", "u=$u->{id}");
    my $old = digest_at($u);
    api($u, PUT => '/users/me/notification-settings', { email => 'hourly', types => \%ALL_ON });
    ok(digest_at($u) > $old + 86400, 'off to hourly: starts again now, not three days ago');
    is(api($u, GET => '/users/me/notification-settings')->{email}, 'hourly', 'GET: hourly');
};

subtest 'settings: bad input' => sub {
    my $u = new_user();
    api($u, PUT => '/users/me/notification-settings', { email => 'daily', types => \%ALL_ON });
    my $want = settings_row($u);
    my @cases = (
        [{ email => 'weekly', types => \%ALL_ON }, 422, 'email', 'an unknown email mode'],
        [{ email => undef, types => \%ALL_ON }, 422, 'email', 'email null'],
        [{ types => \%ALL_ON }, 422, 'email', 'email missing'],
        [{ email => 'daily' }, 422, 'types', 'types missing'],
        [{ email => 'daily', types => { %ALL_ON, reply => undef } }, 422, 'types.reply', 'a type null'],
        [{ email => 'daily', types => { map { $_ => $ALL_ON{$_} } grep { $_ ne 'reply' } keys %ALL_ON } },
         422, 'types.reply', 'a type missing (a full replace)'],
        [{ email => 'daily', types => {} }, 422, 'types.mention', 'no types at all'],
        [{ email => 'daily', types => { %ALL_ON, mention => 'yes' } }, 400, 'types.mention', 'a type as a string'],
        [{ email => 'daily', types => { %ALL_ON, reply => 1 } }, 400, 'types.reply', 'a type as a number'],
        [{ email => 'daily', types => { %ALL_ON, comment => JSON::PP::true } }, 400, 'types.comment', 'an unknown type'],
        [{ email => 'daily', types => [1] }, 400, 'types', 'types as an array'],
        [{ email => 1, types => \%ALL_ON }, 400, 'email', 'email as a number'],
        [{ email => 'daily', types => \%ALL_ON, digest_hour => 8 }, 400, 'digest_hour', 'an unknown field'],
    );
    for my $c (@cases) {
        my ($body, $status, $field, $name) = @$c;
        my $r = call($u, PUT => '/users/me/notification-settings', $body);
        error_ok($r, $status, undef, "$name: $status");
        ok($r->{json}{error}{details}{$field}, "$name: names $field")
            or diag explain $r->{json}{error};
    }
    my $r = http(PUT => '/api/v1/users/me/notification-settings', headers => bearer($u->{access}), json => '{"email":');
    error_ok($r, 400, undef, 'malformed JSON: 400');
    error_ok(http(PUT => '/api/v1/users/me/notification-settings', json => { email => 'off', types => \%ALL_ON }),
             401, undef, 'no token: 401');
    error_ok(http(GET => '/api/v1/users/me/notification-settings'), 401, undef, 'GET without a token: 401');
    is(settings_row($u), $want, 'nothing was changed by the refused requests');
};

# ---- 20 at once ----

subtest '20 parallel settings writes: no 500, one row, one of the writes' => sub {
    my $u = new_user();
    my @modes = qw(instant hourly daily off);
    my @out = parallel(20, sub {
        my ($i) = @_;
        my $r = call($u, PUT => '/users/me/notification-settings',
                     { email => $modes[$i % 4], types => { %ALL_ON, reply => $i % 2 ? JSON::PP::true : JSON::PP::false } });
        return { status => $r->{status} };
    });
    is_deeply([map { $_->{status} } @out], [(200) x 20], 'twenty 200s');
    is(psql("SELECT count(*) FROM notification_settings WHERE user_id = :'u'", "u=$u->{id}"), 1, 'one row');
    my $s = api($u, GET => '/users/me/notification-settings');
    ok((grep { $_ eq $s->{email} } @modes), "a mode written: $s->{email}");
    my ($mode, $digest) = split / /, settings_row($u);
    ok($mode !~ /^(hourly|daily)$/ || $digest ne 'null', "the last write's mode ($mode) has its digest start ($digest)");
};

subtest '20 parallel marks: no 500, each notification counted once' => sub {
    my $u = user_in('en');
    api($U{owner}, POST => "/projects/$P/members", { user_id => $u->{id}, role => 'editor' });
    my $v = upload($u, $P, title => "Parallel $tag", file => fixture('mp4'))->{json}{data};
    feedback(reviewer => $v) for 1 .. 20;
    my @ids = map { $_->{id} } @{ api($u, GET => '/notifications?page_size=100')->{results} };
    is(scalar @ids, 20, 'twenty notifications');
    # half mark two ids each (overlapping neighbours), half mark all
    my @out = parallel(20, sub {
        my ($i) = @_;
        my $body = $i % 2 ? { ids => [@ids[$i - 1, $i % 20]] } : { all => JSON::PP::true };
        my $r = call($u, POST => '/notifications/read', $body);
        return { status => $r->{status}, marked => $r->{json}{data}{marked},
                 unread => $r->{json}{data}{unread_count} };
    });
    is_deeply([map { $_->{status} } @out], [(200) x 20], 'twenty 200s');
    my $sum = 0;
    $sum += $_->{marked} // 0 for @out;
    is($sum, 20, 'the marks add up to twenty: none counted twice, none lost');
    ok(!grep({ ($_->{unread} // -1) < 0 } @out), 'every answer has an unread count');
    is(api($u, GET => '/notifications')->{unread_count}, 0, 'none unread after');
    is(psql("SELECT count(*) FROM notifications WHERE user_id = :'u' AND read_at IS NULL", "u=$u->{id}"), 0,
       '... in the database too');
};

subtest '20 parallel feedbacks on one video: one notification each' => sub {
    my $u = user_in('ko');
    api($U{owner}, POST => "/projects/$P/members", { user_id => $u->{id}, role => 'editor' });
    my $v = upload($u, $P, title => "Crowd $tag", file => fixture('mp4'))->{json}{data};
    my @out = parallel(20, sub {
        my ($i) = @_;
        my $r = call($U{$i % 2 ? 'reviewer' : 'editor'}, POST => "/projects/$P/feedbacks",
                     { video_id => $v->{id}, timestamp => 0.1, content => "Crowd $i $tag" });
        return { status => $r->{status}, id => $r->{json}{data}{id} };
    });
    is_deeply([map { $_->{status} } @out], [(201) x 20], 'twenty 201s');
    is(psql("SELECT count(*) FROM notifications WHERE user_id = :'u'", "u=$u->{id}"), 20, 'twenty notifications');
    is(psql("SELECT count(DISTINCT feedback_id) FROM notifications WHERE user_id = :'u'", "u=$u->{id}"), 20,
       '... one per feedback');
};

done_testing();
