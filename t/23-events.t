# Events (README "Project decisions"): every change of a project writes one
# events row in its transaction, and pg_notify('vplanet_events', {id,
# project_id}) with it; a refused or rolled-back change writes none.
# GET /projects/{id}/events serves them to polling clients.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use VP;

my $tag = sprintf '%x%x', $$, time;
my $J = JSON::PP->new->utf8;

sub last_id {
    my ($pid) = @_;
    return psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = '$pid'") + 0;
}

sub count_events {
    my ($pid) = @_;
    return psql("SELECT count(*) FROM events WHERE project_id = '$pid'") + 0;
}

my ($owner, $member, $third, $outsider) = map { new_user() } 1 .. 4;

# ---- an event for every kind of change ----
my $r = call($owner, POST => '/projects', { name => "Events $tag", start_date => '2026-03-01',
          end_date => '2026-03-31', process => [{ key => 'filming', startDate => '2026-03-05' }] });
envelope_ok($r, 201, 'create') or BAIL_OUT('cannot create a project');
my $pid = $r->{json}{data}{id};
subtest 'creating a project writes one project.created event' => sub {
    my $ev = events_after($pid, 0);
    is(scalar @$ev, 1, 'create with a process writes one event');
    is($ev->[0]{type}, 'project.created', 'project.created');
    is($ev->[0]{actor_id}, $owner->{id}, 'actor: the creator');
    is($ev->[0]{payload}{id}, $pid, 'payload: the project');
    is($ev->[0]{payload}{name}, "Events $tag", 'payload name');
    is($ev->[0]{payload}{owner}{id}, $owner->{id}, 'payload owner');
};

# step(NAME, TYPE, ACTOR, CODE making the change, CODE checking the payload):
# a subtest that the change writes one event of TYPE by ACTOR
sub step {
    my ($name, $type, $actor, $change, $check) = @_;
    subtest "$name writes one $type event" => sub {
        my $before = last_id($pid);
        my $res = $change->();
        ok($res->{status} >= 200 && $res->{status} < 300, "$name succeeds")
            or diag($res->{body});
        my $new = events_after($pid, $before);
        is(scalar @$new, 1, "$name: one event") or diag(explain $new);
        is($new->[0]{type}, $type, "$name: type $type");
        is($new->[0]{actor_id}, $actor->{id}, "$name: actor");
        $check->($new->[0]{payload}, $res->{json}{data}) if $new->[0];
    };
}

step('PATCH project', 'project.updated', $owner,
     sub { call($owner, PATCH => "/projects/$pid", { description => 'changed', progress => 5 }) },
     sub { my ($p, $d) = @_;
           is_deeply([@$p{qw(id description progress)}], [$pid, 'changed', 5], 'payload: the project');
           is_deeply($p, $d, 'payload: what the client got') });
step('add a member', 'member.joined', $owner,
     sub { call($owner, POST => "/projects/$pid/members", { user_id => $member->{id}, role => 'viewer' }) },
     sub { my ($p) = @_;
           is_deeply([$p->{user}{id}, $p->{role}], [$member->{id}, 'viewer'], 'payload: the member') });
step('change a role', 'member.role_changed', $owner,
     sub { call($owner, PATCH => "/projects/$pid/members/$member->{id}", { role => 'editor' }) },
     sub { my ($p) = @_;
           is_deeply([$p->{user}{id}, $p->{role}], [$member->{id}, 'editor'], 'payload: the new role') });
step('PUT schedule', 'schedule.updated', $member,
     sub { call($member, PUT => "/projects/$pid/schedule",
                { phases => [{ phase => 'filming', progress => 30, status => 'in_progress' }] }) },
     sub { my ($p) = @_;
           is(scalar @{ $p->{phases} }, 8, 'payload: the eight phases');
           my ($f) = grep { $_->{phase} eq 'filming' } @{ $p->{phases} };
           is_deeply([@$f{qw(progress status start_date)}], [30, 'in_progress', '2026-03-05'],
                     'payload: filming as it now is') });
my $memo;
step('create a memo', 'memo.created', $member,
     sub { my $res = call($member, POST => "/projects/$pid/memos", { date => '2026-03-02', memo => 'note' });
           $memo = $res->{json}{data}{id}; $res },
     sub { my ($p) = @_;
           is_deeply([@$p{qw(id date memo)}], [$memo, '2026-03-02', 'note'], 'payload: the memo') });
step('update a memo', 'memo.updated', $owner,
     sub { call($owner, PATCH => "/projects/$pid/memos/$memo", { memo => 'edited' }) },
     sub { my ($p) = @_; is_deeply([@$p{qw(id memo)}], [$memo, 'edited'], 'payload: the changed memo') });
step('delete a memo', 'memo.deleted', $member,
     sub { call($member, DELETE => "/projects/$pid/memos/$memo") },
     sub { my ($p) = @_; is_deeply($p, { id => $memo }, 'payload: the memo id') });
envelope_ok(call($owner, POST => "/projects/$pid/members", { user_id => $third->{id}, role => 'viewer' }),
            201, 'a third member');
step('remove a member', 'member.left', $owner,
     sub { call($owner, DELETE => "/projects/$pid/members/$third->{id}") },
     sub { my ($p) = @_;
           is_deeply($p, { user_id => $third->{id}, by_self => JSON::PP::false }, 'payload: who, removed') });
envelope_ok(call($owner, POST => "/projects/$pid/members", { user_id => $third->{id}, role => 'viewer' }),
            201, 'the third member again');
step('a member leaves', 'member.left', $third,
     sub { call($third, DELETE => "/projects/$pid/members/$third->{id}") },
     sub { my ($p) = @_;
           is_deeply($p, { user_id => $third->{id}, by_self => JSON::PP::true }, 'payload: who, left') });
step('transfer', 'project.transferred', $owner,
     sub { call($owner, POST => "/projects/$pid/transfer", { user_id => $member->{id} }) },
     sub { my ($p) = @_;
           is_deeply($p, { from => $owner->{id}, to => $member->{id} }, 'payload: from, to') });
step('delete', 'project.deleted', $member,
     sub { call($member, DELETE => "/projects/$pid") },
     sub { my ($p, $d) = @_;
           is_deeply($p, $d, 'payload: {id, deleted_at, restore_deadline}');
           is($p->{id}, $pid, 'payload id') });
step('restore', 'project.restored', $member,
     sub { call($member, POST => "/projects/$pid/restore") },
     sub { my ($p) = @_; is_deeply([@$p{qw(id name)}], [$pid, "Events $tag"], 'payload: the project') });

subtest 'every event has its created_at' => sub {
    is(psql("SELECT count(*) FROM events WHERE project_id = '$pid' AND created_at > now() - interval '1 hour'"),
       count_events($pid), 'created_at is set');
};

# ---- GET /projects/{id}/events ----
my $all = events_after($pid, 0);
my @ids = map { $_->{id} } @$all;
my $E = "/projects/$pid/events";
subtest 'members read the events, oldest first' => sub {
    is(scalar @ids, 15, 'fifteen events in all');
    my $r = call($owner, GET => $E);   # the old owner is an admin now
    envelope_ok($r, 200, 'a member reads the events');
    my $d = $r->{json}{data};
    is($d->{count}, 15, 'a paginated list: count');
    is_deeply([map { $_->{id} } @{ $d->{results} }], \@ids, 'all of them, oldest first');
    is_deeply([map { $_->{type} } @{ $d->{results} }], [map { $_->{type} } @$all], 'with their types');
    is_deeply([sort keys %{ $d->{results}[0] }], [qw(actor_id at id payload project_id type)], 'event fields');
    is($d->{results}[0]{project_id}, $pid, 'project_id');
    like($d->{results}[0]{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'at: RFC 3339');
    is_deeply($d->{results}[1]{payload}, $all->[1]{payload}, 'payload as stored');
    ok(!$d->{page_info}{has_next}, 'one page');
};

subtest 'since_id and pages give the events after an id' => sub {
    my $r = call($member, GET => "$E?since_id=$ids[2]");
    is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} }], [@ids[3 .. $#ids]], 'since_id: the ones after it');
    is($r->{json}{data}{count}, 12, '... counted');
    $r = call($member, GET => "$E?since_id=$ids[2]&page_size=3");
    my $d = $r->{json}{data};
    is_deeply([map { $_->{id} } @{ $d->{results} }], [@ids[3 .. 5]], 'page_size=3: three');
    ok($d->{page_info}{has_next}, 'has_next');
    like($d->{next}, qr/since_id=$ids[2]/, 'next keeps since_id');
    my @seen;
    my ($since, $rounds) = (0, 0);
    while ($rounds++ < 20) {
        $d = call($member, GET => "$E?since_id=$since&page_size=4")->{json}{data};
        push @seen, map { $_->{id} } @{ $d->{results} };
        last unless @{ $d->{results} };
        $since = $d->{results}[-1]{id};
    }
    # the member joined with the third event (its own member.joined): nothing before it
    is_deeply(\@seen, [@ids[2 .. $#ids]], 'following the last id seen, 4 at a time, collects every '
              . 'event since joining once');
    $r = call($member, GET => "$E?since_id=$ids[2]&page_size=3&page=2");
    is_deeply([map { $_->{id} } @{ $r->{json}{data}{results} }], [@ids[6 .. 8]], 'page=2 of the same list');
    $r = call($member, GET => "$E?since_id=$ids[-1]");
    $d = $r->{json}{data};
    is_deeply($d->{results}, [], 'since the last id: nothing');
    is($d->{count}, 0, '... count 0');
};
subtest 'fields picks fields; bad parameters are refused' => sub {
    envelope_ok(call($member, GET => "$E?page_size=100"), 200, 'page_size=100');
    my $r = call($member, GET => "$E?fields=id,type");
    is_deeply([sort keys %{ $r->{json}{data}{results}[0] }], [qw(id type)], 'fields=id,type');
    for (['since_id=-1', 422, 'since_id'], ['since_id=abc', 400, 'since_id'], ['page_size=0', 422, 'page_size'],
         ['page_size=101', 422, 'page_size'], ['page_size=ten', 400, 'page_size'], ['since_id=1.5', 400, 'since_id'],
         ['fields=nope', 400, 'fields']) {
        my ($qs, $status, $field) = @$_;
        $r = call($member, GET => "$E?$qs");
        error_ok($r, $status, $status == 400 ? 'bad_request' : 'validation_failed', "$qs: $status");
        ok(scalar keys %{ $r->{json}{error}{details} || {} }, "... with details") or diag($r->{body});
    }
};
subtest 'a non-member or a former member gets 404' => sub {
    error_ok(call($outsider, GET => $E), 404, 'not_found', 'a non-member: 404');
    error_ok(call($third, GET => $E), 404, 'not_found', 'a former member: 404');
};

# ---- no event for a refused or rolled-back change ----
# the member is the owner now, the first owner an admin
my $n = count_events($pid);
sub none_ok {
    my ($res, $status, $name) = @_;
    is($res->{status}, $status, "$name: $status") or diag($res->{body});
    is(count_events($pid), $n, "$name: no event");
}
subtest 'a refused or rolled-back change writes no event' => sub {
    none_ok(call($member, PATCH => "/projects/$pid", { end_date => '2026-02-01' }), 422,
            'PATCH end_date before start_date');
    none_ok(call($member, PATCH => "/projects/$pid", { name => '' }), 422, 'PATCH an empty name');
    none_ok(call($member, PUT => "/projects/$pid/schedule", { phases => [{ phase => 'editing' }] }), 422,
            'PUT schedule with an unknown phase');
    none_ok(call($member, PUT => "/projects/$pid/schedule",
                 { phases => [{ phase => 'post_work', progress => 50 },
                              { phase => 'video_edit', start_date => '2026-05-02', end_date => '2026-05-01' }] }),
            422, 'PUT schedule whose second phase ends before it starts (after the first was written)');
    is(psql("SELECT progress FROM project_phases WHERE project_id = '$pid' AND phase = 'post_work'"), 0,
       '... and the first phase was rolled back');
    none_ok(call($member, POST => "/projects/$pid/members", { user_id => $owner->{id}, role => 'viewer' }), 409,
            'adding a member twice');
    none_ok(call($owner, PATCH => "/projects/$pid/members/$member->{id}", { role => 'viewer' }), 403,
            'an admin changing the owner');
    none_ok(call($owner, DELETE => "/projects/$pid"), 403, 'an admin deleting');
    none_ok(call($outsider, PATCH => "/projects/$pid", { description => 'x' }), 404, 'a non-member');
    none_ok(call($member, POST => "/projects/$pid/memos", { date => '2026-02-30', memo => 'x' }), 422,
            'a memo on February 30');
    none_ok(call($member, POST => "/projects/$pid/restore"), 409, 'restoring a live project');
    none_ok(call($member, POST => "/projects/$pid/transfer", { user_id => $outsider->{id} }), 422,
            'transfer to a non-member');
};

# the 51st member
subtest 'the 51st member writes no event' => sub {
    my @bulk = split /\n/, psql(
        "INSERT INTO users (email, nickname, password_hash)"
      . " SELECT 'ev-$tag-' || g || '\@example.com', 'e$tag-' || g, 'x' FROM generate_series(1, 49) g"
      . " RETURNING id");
    my $spare = pop @bulk;
    psql("INSERT INTO project_members (project_id, user_id, role)"
       . " SELECT '$pid', unnest(ARRAY['" . join("', '", @bulk) . "']::uuid[]), 'viewer'");
    is(psql("SELECT count(*) FROM project_members WHERE project_id = '$pid'"), 50,
       '48 more members straight into the database: 50 in all');
    none_ok(call($member, POST => "/projects/$pid/members", { user_id => $spare, role => 'viewer' }), 409,
            'the 51st member');
    psql("DELETE FROM project_members WHERE project_id = '$pid' AND role = 'viewer'");
};

# a transfer that fails after the roles were switched leaves no event (and no switch)
subtest 'a transfer that fails after switching roles writes no event and switches nothing' => sub {
    envelope_ok(call($outsider, POST => '/projects', { name => uc "Events $tag" }), 201,
                'the outsider owns a project of the same name');
    envelope_ok(call($member, POST => "/projects/$pid/members", { user_id => $outsider->{id}, role => 'viewer' }),
                201, 'the outsider joins');
    $n = count_events($pid);
    none_ok(call($member, POST => "/projects/$pid/transfer", { user_id => $outsider->{id} }), 409,
            'transfer to a member owning that name');
    is(psql("SELECT role FROM project_members WHERE project_id = '$pid' AND user_id = '$member->{id}'"),
       'owner', '... the owner is still the owner');
};

# a create whose process fails writes neither project nor event
subtest 'a create whose process fails writes neither project nor event' => sub {
    my $r = call($owner, POST => '/projects', { name => "Rollback $tag",
              process => [{ key => 'filming', startDate => '2026-03-10', endDate => '2026-03-01' }] });
    is($r->{status}, 422, 'create with a backwards process phase: 422');
    is(psql("SELECT count(*) FROM events WHERE type = 'project.created' AND payload->>'name' = 'Rollback $tag'"),
       0, '... no project.created event');
    is(psql("SELECT count(*) FROM projects WHERE name = 'Rollback $tag'"), 0, '... no project');
};

# ---- pg_notify: a LISTEN session sees the committed change, not the refused ones ----
subtest 'a LISTEN session is notified of the committed change only' => sub {
    SKIP: {
        my $marker = "listen_$tag";
        my $pidl = open(my $listen, '-|', $ENV{VP_STACK}, 'psql', $ENV{VP_STATE}, '-Atq',
                        '-c', 'LISTEN vplanet_events', '-c', "SELECT pg_sleep(4) AS $marker");
        skip 'cannot start psql for LISTEN', 7 unless $pidl;
        my $ready = 0;
        for (1 .. 50) {
            $ready = psql("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(4) AS $marker'") + 0
                and last;
            select(undef, undef, undef, 0.1);
        }
        ok($ready, 'the LISTEN session is waiting') or do { close $listen; skip 'no LISTEN session', 6 };
        my $before = last_id($pid);
        is(call($member, POST => "/projects/$pid/members", { user_id => $owner->{id}, role => 'viewer' })->{status},
           409, 'a refused change while listening');
        envelope_ok(call($member, PATCH => "/projects/$pid", { description => "notified $tag" }), 200,
                    'a change while listening');
        is(call($member, PATCH => "/projects/$pid", { end_date => '2000-01-01' })->{status}, 422,
           'another refused change');
        my $out = do { local $/; <$listen> } // '';
        close $listen;
        my @notes;
        for ($out =~ /^Asynchronous notification "vplanet_events" with payload "(.*)" received from server process/mg) {
            my $p = eval { $J->decode($_) } or next;
            push @notes, $p if ($p->{project_id} // '') eq $pid;
        }
        my $new = events_after($pid, $before);
        is(scalar @$new, 1, 'one event was written');
        is(scalar @notes, 1, 'one notification for the project') or diag($out);
        is_deeply($notes[0], { id => $new->[0]{id}, project_id => $pid },
                  'its payload: {id, project_id} of the event');
    }
};

done_testing();
