# Concurrent writes on one project (README "Concurrency"): every write path
# under 20 parallel requests answers without a 500 and loses or doubles
# nothing (rows and events counted in the database); writes take the
# project's lock before anything else, so a memo create (whose foreign key
# takes a KEY SHARE lock on the project row) no longer deadlocks beside
# another write; the caller's role is checked again inside the write's
# transaction, so a former owner cannot delete a project transferred away
# at the same moment.
use strict;
use warnings;
use Test::More;
use POSIX ();
use VP;

my $N = 20;
my $tag = sprintf '%x%x', $$, time;

# parallel_calls(NAME, CODE): N requests at once (CODE->(i), i = 0 .. N-1,
# makes the call); no 500 (nor any 5xx) among them. Returns the responses.
sub parallel_calls {
    my ($name, $code) = @_;
    my @res = parallel($N, sub { $code->($_[0] - 1) });
    my @bad = grep { $_->{status} >= 500 || $_->{status} == 0 } @res;
    is(scalar @bad, 0, "$name: no 5xx among $N parallel requests")
        or diag(join "\n", map { "$_->{status} " . ($_->{body} // $_->{died} // '') } @bad[0 .. 2]);
    return @res;
}

sub statuses {
    my %n;
    $n{ $_->{status} }++ for @_;
    return \%n;
}

# What the database holds of project pid: events by type, plus memos,
# members and editors (one query: the suite runs on a busy machine).
sub counts {
    my ($pid) = @_;
    my %n = map { split /\|/ } split /\n/, psql(
        "SELECT type, count(*) FROM events WHERE project_id = '$pid' GROUP BY type"
        . " UNION ALL SELECT 'memos', count(*) FROM project_memos WHERE project_id = '$pid'"
        . " UNION ALL SELECT 'members', count(*) FROM project_members WHERE project_id = '$pid'"
        . " UNION ALL SELECT 'editors', count(*) FROM project_members"
        . "  WHERE project_id = '$pid' AND role = 'editor'");
    return \%n;
}

my $owner = new_user();
my @people = map { new_user() } 1 .. $N;
my $pid = new_project($owner, "Concurrency $tag");
my $P = "/projects/$pid";
my @memos;   # ids of the memos created at once

# ---- memos ----
subtest 'memo creates at once store each memo and its event once' => sub {
    my @res = parallel_calls('memo create', sub {
        call($owner, POST => "$P/memos", { date => '2026-03-01', memo => "memo $_[0]" });
    });
    is_deeply(statuses(@res), { 201 => $N }, 'every memo create answers 201');
    my $c = counts($pid);
    is($c->{memos}, $N, "$N memos stored, none lost or doubled");
    is($c->{'memo.created'}, $N, "$N memo.created events");
    @memos = map { $_->{json}{data}{id} } @res;
};

subtest 'memo updates at once each write their event' => sub {
    my @res = parallel_calls('memo update', sub {
        call($owner, PATCH => "$P/memos/$memos[0]", { memo => "edit $_[0]" });
    });
    is_deeply(statuses(@res), { 200 => $N }, 'every memo update answers 200');
    is(counts($pid)->{'memo.updated'}, $N, "$N memo.updated events");
    like(psql("SELECT memo FROM project_memos WHERE id = '$memos[0]'"), qr/^edit \d+$/,
         'the memo holds one of the edits');
};

subtest 'memo deletes at once leave no memo' => sub {
    my @res = parallel_calls('memo delete', sub { call($owner, DELETE => "$P/memos/$memos[$_[0]]") });
    is_deeply(statuses(@res), { 200 => $N }, 'every memo delete answers 200');
    my $c = counts($pid);
    is($c->{memos}, 0, 'no memo left');
    is($c->{'memo.deleted'}, $N, "$N memo.deleted events");
};

# ---- project settings and schedule ----
subtest 'project PATCHes at once each write their event' => sub {
    my @res = parallel_calls('project PATCH', sub { call($owner, PATCH => $P, { progress => $_[0] }) });
    is_deeply(statuses(@res), { 200 => $N }, 'every PATCH answers 200');
    is(counts($pid)->{'project.updated'}, $N, "$N project.updated events");
};

subtest 'schedule PUTs at once each write their event' => sub {
    my @res = parallel_calls('schedule PUT', sub {
        call($owner, PUT => "$P/schedule", { phases => [{ phase => 'filming', progress => $_[0] }] });
    });
    is_deeply(statuses(@res), { 200 => $N }, 'every schedule PUT answers 200');
    is(counts($pid)->{'schedule.updated'}, $N, "$N schedule.updated events");
};

# memo creates beside PATCHes and schedule PUTs: the deadlock of the report
subtest 'memo creates beside PATCHes and schedule PUTs do not deadlock' => sub {
    my @res = parallel_calls('memo creates beside PATCH and schedule PUT', sub {
        my $i = shift;
        return $i % 4 == 1 ? call($owner, PATCH => $P, { description => "d $i" })
             : $i % 4 == 3 ? call($owner, PUT => "$P/schedule", { phases => [{ phase => 'post_work', progress => $i }] })
             : call($owner, POST => "$P/memos", { date => '2026-03-02', memo => "mixed $i" });
    });
    is_deeply(statuses(@res), { 200 => $N / 2, 201 => $N / 2 }, 'each answers 200 or 201');
    my $c = counts($pid);
    is($c->{memos}, $N / 2, 'every memo of the mix stored once');
    is($c->{'memo.created'}, $N + $N / 2, 'and its event recorded once');
    is($c->{'project.updated'}, $N + $N / 4, 'each PATCH of the mix has its event');
    is($c->{'schedule.updated'}, $N + $N / 4, 'each PUT of the mix has its event');
};

# ---- members ----
subtest 'member adds at once each write their event' => sub {
    my @res = parallel_calls('member add', sub {
        call($owner, POST => "$P/members", { user_id => $people[$_[0]]{id}, role => 'viewer' });
    });
    is_deeply(statuses(@res), { 201 => $N }, 'every member add answers 201');
    my $c = counts($pid);
    is($c->{members}, $N + 1, "$N members added to the owner");
    is($c->{'member.joined'}, $N, "$N member.joined events");
};

subtest 'role changes at once each write their event' => sub {
    my @res = parallel_calls('member role change', sub {
        call($owner, PATCH => "$P/members/$people[$_[0]]{id}", { role => 'editor' });
    });
    is_deeply(statuses(@res), { 200 => $N }, 'every role change answers 200');
    my $c = counts($pid);
    is($c->{editors}, $N, "$N editors");
    is($c->{'member.role_changed'}, $N, "$N member.role_changed events");
};

# half removed by the owner, half leave by themselves
subtest 'removals and leaves at once each write their event' => sub {
    my @res = parallel_calls('member remove', sub {
        my $i = shift;
        call($i % 2 ? $people[$i] : $owner, DELETE => "$P/members/$people[$i]{id}");
    });
    is_deeply(statuses(@res), { 200 => $N }, 'every remove answers 200');
    my $c = counts($pid);
    is($c->{members}, 1, 'the owner is left');
    is($c->{'member.left'}, $N, "$N member.left events");
};

# ---- videos: renames and deletes of one video at once ----
# A small upload: a real mp4 header (sniffed as video/mp4) and bytes after it.
sub upload {
    my ($who, $title) = @_;
    my $b = 'concurrencyBoundary';
    my $file = "\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41" . ('v' x 4096);
    return http(POST => "/api/v1$P/videos", headers => { %{ bearer($who->{access}) },
                'content-type' => "multipart/form-data; boundary=$b" },
                body => "--$b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n$title\r\n"
                      . "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.mp4\"\r\n\r\n"
                      . "$file\r\n--$b--\r\n");
}

subtest 'video renames at once each write their event; the stack keeps one title' => sub {
    my $r = upload($owner, "clip $tag");
    envelope_ok($r, 201, 'a video to rename') or return;
    my $vid = $r->{json}{data}{id};
    my @res = parallel_calls('video rename', sub { call($owner, PATCH => "/videos/$vid", { title => "take $_[0]" }) });
    is_deeply(statuses(@res), { 200 => $N }, 'every rename answers 200');
    is(counts($pid)->{'video.updated'}, $N, "$N video.updated events");
    like(api($owner, GET => "/videos/$vid")->{title}, qr/^take \d+$/, 'the title is one of them');
    is(psql("SELECT count(*) FROM video_stacks WHERE project_id = '$pid'"), 1, 'one stack');
};

subtest 'of video deletes at once one wins' => sub {
    my $r = upload($owner, "doomed $tag");
    envelope_ok($r, 201, 'a video to delete') or return;
    my $vid = $r->{json}{data}{id};
    my @res = parallel_calls('video delete', sub { call($owner, DELETE => "/videos/$vid") });
    is_deeply(statuses(@res), { 200 => 1, 404 => $N - 1 }, 'one delete succeeds, the others 404');
    is(counts($pid)->{'video.deleted'}, 1, 'one video.deleted event');
    is(psql("SELECT count(*) FROM videos WHERE id = '$vid' AND deleted_at IS NOT NULL"), 1,
       'the row is soft-deleted');
    ok(!-e "$ENV{VP_STATE}/media/originals/" . substr($vid, 0, 2) . "/$vid", 'its file is gone');
};

# ---- transfer, delete, restore: one wins, the others are refused ----
my ($heir) = $people[0];
subtest 'of transfers at once one wins, the others find the caller an admin' => sub {
    envelope_ok(call($owner, POST => "$P/members", { user_id => $heir->{id}, role => 'admin' }), 201,
                'an admin to transfer to');
    my @res = parallel_calls('transfer', sub { call($owner, POST => "$P/transfer", { user_id => $heir->{id} }) });
    is_deeply(statuses(@res), { 200 => 1, 403 => $N - 1 },
              'one transfer succeeds; the others find the caller an admin now (403)');
    is(psql("SELECT owner_id FROM projects p WHERE id = '$pid' AND (SELECT count(*) FROM project_members"
            . " WHERE project_id = p.id AND role = 'owner') = 1"), $heir->{id},
       'the heir owns the project, and is its one owner member');
    is(counts($pid)->{'project.transferred'}, 1, 'one project.transferred event');
};

subtest 'of deletes at once one wins' => sub {
    my @res = parallel_calls('delete', sub { call($heir, DELETE => $P) });
    is_deeply(statuses(@res), { 200 => 1, 404 => $N - 1 }, 'one delete succeeds, the others 404');
    is(counts($pid)->{'project.deleted'}, 1, 'one project.deleted event');
};

subtest 'of restores at once one wins' => sub {
    my @res = parallel_calls('restore', sub { call($heir, POST => "$P/restore") });
    is_deeply(statuses(@res), { 200 => 1, 409 => $N - 1 },
              'one restore succeeds, the others find it live (409)');
    is(counts($pid)->{'project.restored'}, 1, 'one project.restored event');
};

# ---- a transfer racing a delete by the same owner ----
subtest 'a transfer racing a delete by the same owner: never both' => sub {
    my ($deleted_after_transfer, $rounds) = (0, 8);
    for my $round (1 .. $rounds) {
        my $id = new_project($owner, "Race $tag $round");
        call($owner, POST => "/projects/$id/members", { user_id => $heir->{id}, role => 'admin' });
        my ($t, $d) = parallel(2, sub {
            $_[0] == 1 ? call($owner, POST => "/projects/$id/transfer", { user_id => $heir->{id} })
                       : call($owner, DELETE => "/projects/$id");
        });
        $deleted_after_transfer += psql("SELECT count(*) FROM projects WHERE id = '$id'"
                                        . " AND owner_id = '$heir->{id}' AND deleted_at IS NOT NULL");
        ok(($t->{status} == 200) + ($d->{status} == 200) == 1
           && ($t->{status} == 200 ? $d->{status} == 403 : $t->{status} == 404),
           "round $round: the transfer ($t->{status}) or the delete ($d->{status}) wins, not both");
    }
    is($deleted_after_transfer, 0, "the new owner's project is never deleted by the former owner");
};

# ---- a deadlock all the same: vp_db_tx runs the transaction again ----
# A session of its own locks a memo, waits until somebody waits for that
# row, then asks for the project row: the memo PATCH holding the project
# lock and waiting for the memo is the deadlock's victim (that session
# waits 10 s before it looks for deadlocks, the server's 1 s).
subtest 'a memo PATCH that loses a deadlock is run again' => sub {
    my $id = new_project($owner, "Deadlock $tag");
    my $memo = call($owner, POST => "/projects/$id/memos", { date => '2026-03-03', memo => 'm' })
        ->{json}{data}{id};
    my $pid_psql = fork // die "fork: $!";
    if (!$pid_psql) {
        eval { pg_super("SET deadlock_timeout = '10s'; BEGIN;"
                        . " SELECT 1 FROM project_memos WHERE id = '$memo' FOR UPDATE;"
                        . " DO \$\$ BEGIN FOR i IN 1 .. 500 LOOP EXIT WHEN EXISTS (SELECT 1"
                        . " FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid());"
                        . " PERFORM pg_sleep(0.02); END LOOP; END \$\$;"
                        . " SELECT 1 FROM projects WHERE id = '$id' FOR UPDATE; COMMIT;",
                        db => 'vplanet') };
        POSIX::_exit(0);
    }
    wait_for(10, sub { psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                            . " WHERE c.relname = 'project_memos' AND l.mode = 'RowShareLock'") > 0 });
    my $r = call($owner, PATCH => "/projects/$id/memos/$memo", { memo => 'after a deadlock' });
    waitpid($pid_psql, 0);
    envelope_ok($r, 200, 'a memo PATCH that lost a deadlock is run again: 200');
    my $rid = $r->{headers}{'x-request-id'} // 'none';
    like(slurp("$ENV{VP_STATE}/httpd/logs/error.log"), qr/\[rid \Q$rid\E\] VP0107: .*40P01/,
         'the lost attempt is logged (VP0107)');
    is(psql("SELECT memo FROM project_memos WHERE id = '$memo'"), 'after a deadlock', 'the change is kept');
    is(counts($id)->{'memo.updated'}, 1, 'one memo.updated event');
};

done_testing;
