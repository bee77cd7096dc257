# Idempotency keys on creating POSTs (spec section 1).
use strict;
use warnings;
use Test::More;
use VP;

my $u = new_user();
my $other = new_user();
my $tag = sprintf '%x%x', $$, time;
my $r1;   # the first creation with a key

sub create {
    my ($who, $key, $body, $header) = @_;
    return http(POST => '/api/v1/projects', json => $body,
                headers => { %{ bearer($who->{access}) },
                             defined $key ? (($header // 'Idempotency-Key') => $key) : () });
}
sub projects_named {
    my ($name) = @_;
    return psql("SELECT count(*) FROM projects WHERE name = '$name' AND deleted_at IS NULL") + 0;
}

subtest 'a retry with the same key replays the answer' => sub {
    $r1 = create($u, "k1-$tag", { name => "Idem $tag" });
    envelope_ok($r1, 201, 'first request creates');
    ok(!$r1->{headers}{'idempotent-replayed'}, 'not a replay');
    my $r2 = create($u, "k1-$tag", { name => "Idem $tag" });
    envelope_ok($r2, 201, 'the retry answers 201 again');
    is($r2->{json}{data}{id}, $r1->{json}{data}{id}, 'with the same project');
    is($r2->{json}{message}, $r1->{json}{message}, 'and the same message');
    is($r2->{headers}{'idempotent-replayed'}, 'true', 'Idempotent-Replayed: true');
    is(projects_named("Idem $tag"), 1, 'one project exists');
    isnt($r2->{json}{request_id}, $r1->{json}{request_id}, 'each answer has its own request id');
};

subtest 'the same key with another body is 409 and creates nothing' => sub {
    my $r3 = create($u, "k1-$tag", { name => "Idem other $tag" });
    error_ok($r3, 409, 'conflict', 'the same key with another body is 409');
    ok($r3->{json}{error}{details}{'Idempotency-Key'}, 'naming the header');
    is(projects_named("Idem other $tag"), 0, 'nothing created');
};

subtest 'X-Idempotency-Key works too' => sub {
    my $r4 = create($u, "k2-$tag", { name => "Idem alias $tag" }, 'X-Idempotency-Key');
    envelope_ok($r4, 201, 'X-Idempotency-Key works too');
    envelope_ok(create($u, "k2-$tag", { name => "Idem alias $tag" }, 'X-Idempotency-Key'), 201,
                'and replays');
    is(projects_named("Idem alias $tag"), 1, 'once');
};

# keys belong to their user
subtest 'keys belong to their user' => sub {
    my $r5 = create($other, "k1-$tag", { name => "Idem $tag" });
    envelope_ok($r5, 201, "another user's same key is their own");
    isnt($r5->{json}{data}{id}, $r1->{json}{data}{id}, 'a new project');
};

# a refused request stores nothing
subtest 'a refused request or a failed creation keeps no key' => sub {
    error_ok(create($u, "k3-$tag", { name => '' }), 422, 'validation_failed', 'invalid body');
    envelope_ok(create($u, "k3-$tag", { name => "Idem k3 $tag" }), 201,
                'the key is free after a refused request');
    error_ok(create($u, "k4-$tag", { name => "Idem $tag" }), 409, 'conflict',
             'a creation that fails (taken name) ...');
    envelope_ok(create($u, "k4-$tag", { name => "Idem k4 $tag" }), 201, '... does not keep its key');
};

# bad keys
subtest 'a bad key is 400 and creates nothing' => sub {
    for my $bad ('has space', 'x' x 256, '') {
        my $r = create($u, $bad, { name => "Idem bad $tag" });
        error_ok($r, 400, 'bad_request', 'a bad key is 400: ' . substr($bad, 0, 12));
    }
    is(projects_named("Idem bad $tag"), 0, 'nothing created with bad keys');
};

# keys live 24 hours
subtest 'keys live 24 hours' => sub {
    psql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
       . " WHERE key = 'k1-$tag' AND user_id = '$u->{id}'");
    my $r6 = create($u, "k1-$tag", { name => "Idem later $tag" });
    envelope_ok($r6, 201, 'after 24 hours the key is new again');
    is(projects_named("Idem later $tag"), 1, 'and creates');
};

# members and memos
subtest 'member adds and memos replay too' => sub {
    my $pid = $r1->{json}{data}{id};
    my $m = sub {
        http(POST => "/api/v1/projects/$pid/members", json => { user_id => $other->{id}, role => 'viewer' },
             headers => { %{ bearer($u->{access}) }, 'Idempotency-Key' => "m-$tag" });
    };
    my $a = $m->();
    envelope_ok($a, 201, 'member added');
    my $b = $m->();
    envelope_ok($b, 201, 'the retry is the same 201, not "already a member"');
    is($b->{headers}{'idempotent-replayed'}, 'true', 'replayed');
    is_deeply($b->{json}{data}, $a->{json}{data}, 'same member');

    my $memo = sub {
        http(POST => "/api/v1/projects/$pid/memos", json => { date => '2026-03-01', memo => 'once' },
             headers => { %{ bearer($u->{access}) }, 'Idempotency-Key' => "memo-$tag" });
    };
    my $c = $memo->();
    envelope_ok($c, 201, 'memo created');
    is($memo->()->{json}{data}{id}, $c->{json}{data}{id}, 'the retry returns the same memo');
    is(psql("SELECT count(*) FROM project_memos WHERE project_id = '$pid'"), 1, 'one memo');
    is(psql("SELECT count(*) FROM events WHERE project_id = '$pid' AND type = 'memo.created'"), 1,
       'one event');
};

# twins at once: one creation, whatever the interleaving
subtest 'simultaneous twins create one project' => sub {
    my $name = "Idem twins $tag";
    my @answers = map { "$_->{status} " . ($_->{json}{data}{id} // '-') }
                  parallel(4, sub { create($u, "twins-$tag", { name => $name }) });
    is(projects_named($name), 1, 'four simultaneous twins create one project');
    my @ok = grep { /^201 / } @answers;
    ok(@ok >= 1, 'at least one 201');
    ok(!(grep { !/^(201|409) / } @answers), 'the others are replays or 409') or diag("@answers");
    my %ids = map { (split / /)[1] => 1 } @ok;
    is(scalar keys %ids, 1, 'every 201 names the same project') or diag("@answers");
};

done_testing;
