#!/usr/bin/perl
# script/chaos.pl: the chaos run itself. script/chaos starts a private stack
# and calls it with the VP_* environment of the test suite (t/lib/VP.pm).
#
# Processes: writers (REST writes on a few projects, each as its own admin
# user), one mail writer (signups and password resets: outbox rows), one
# resuming WebSocket client per project (through httpd), and this one,
# which injects the faults on a timetable. Every HTTP attempt is logged
# (one JSON line); the report compares those logs, the WebSocket clients'
# logs and the SMTP sink's maildir with the database afterwards.
#
#   chaos.pl --duration SECONDS --writers N --seed N --drain SECONDS
use strict;
use warnings;
use Getopt::Long;
use JSON::PP;
use List::Util qw(max min sum0);
use POSIX ();
use Time::HiRes qw(time sleep);
use VP;
use VPWS;

my %opt = (duration => 75, writers => 6, seed => int(time) % 100000, drain => 60);
my $PROJECTS = 3;
GetOptions(\%opt, 'duration=i', 'writers=i', 'seed=i', 'drain=i')
    && $opt{duration} >= 10 && $opt{writers} >= 1
    or die "usage: chaos.pl [--duration SECONDS (>= 10)] [--writers N] [--seed N] [--drain SECONDS]\n";
my ($D, $SEED) = @opt{qw(duration seed)};

my $json = JSON::PP->new->utf8->canonical;
my $dir = "$ENV{VP_STATE}/chaos";
mkdir $dir or die "$dir: $!\n";
$| = 1;
my $T0;     # the load's start
sub say_ { printf "chaos: %s\n", join '', @_ }
sub rel { sprintf '%5.1fs', time - $T0 }

# ---------------------------------------------------------------- set-up
srand $SEED;
my $owner = new_user();
my @projects = map { api($owner, POST => '/projects', { name => "chaos $SEED project $_" })->{id} }
               1 .. $PROJECTS;
my @writers = map { { w => $_, user => new_user(), spare => new_user() } } 1 .. $opt{writers};
for my $p (@projects) {
    api($owner, POST => "/projects/$p/members", { user_id => $_->{user}{id}, role => 'admin' }) for @writers;
}
my $outbox_base = psql('SELECT coalesce(max(id), 0) FROM outbox');

sub api {
    my ($who, $method, $path, $body) = @_;
    my $r = http($method => "/api/v1$path", headers => bearer($who->{access}),
                 defined $body ? (json => $body) : ());
    die "set-up: $method $path: $r->{status} $r->{body}\n" unless $r->{status} =~ /^2/;
    return $r->{json}{data};
}

# ---------------------------------------------------------------- workers
# Every worker runs until SIGTERM (a write under way finishes first).
my %kids;   # pid => name, until reaped
my $STOP = 0;
my $PARENT = $$;
END { kill 'TERM', keys %kids if $$ == $PARENT }     # none outlives a failed run
sub stop {
    my (@pids) = @_;
    kill 'TERM', @pids;
    for my $pid (@pids) {
        waitpid $pid, 0;
        warn "chaos: $kids{$pid} failed (status $?)\n" if $?;
        delete $kids{$pid};
    }
}
sub spawn {
    my ($name, $code) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        $SIG{TERM} = sub { $STOP = 1 };
        srand $SEED + unpack('%32C*', $name);
        $code->();
        POSIX::_exit(0);
    }
    $kids{$pid} = $name;
    return $pid;
}

sub open_log {
    my ($name) = @_;
    open(my $fh, '>', "$dir/$name.log") or die "$dir/$name.log: $!";
    $fh->autoflush(1);
    return $fh;
}

sub written_id { my ($r) = @_; ref $r->{json} && ref $r->{json}{data} eq 'HASH' ? $r->{json}{data}{id} : undef }

# One write, retried while the answer leaves it undecided (503, 500, no
# answer at all) for at most 30 s; the same Idempotency-Key on every try
# of a POST. Logs each attempt (with the id of what it wrote, when the
# answer names one); returns the last response.
sub write_op {
    my ($ctx, $op, $method, $path, $body, %meta) = @_;
    my $n = ++$ctx->{n};
    my %h = $ctx->{user} ? %{ bearer($ctx->{user}{access}) } : ();
    $h{'idempotency-key'} = "chaos-$SEED-$ctx->{name}-$n" if $method eq 'POST' && $ctx->{user};
    my $give_up = time + 30;
    for (my $try = 1; ; $try++) {
        my $r = http($method => "/api/v1$path", headers => \%h, defined $body ? (json => $body) : ());
        print { $ctx->{log} } $json->encode({ t => time, w => $ctx->{name}, n => $n, op => $op, try => $try,
                                              st => $r->{status}, rid => $r->{headers}{'x-request-id'},
                                              id => written_id($r), %meta }), "\n";
        return $r if $r->{status} !~ /^(500|503|599)$/ || time > $give_up;
        sleep min(1, 0.1 * $try);
    }
}

my @PHASES = qw(basic_plan story_board filming video_edit post_work video_preview confirmation video_delivery);
my @ROLES = qw(viewer reviewer editor);

# A writer: memo creates, updates and deletes of its own memos, project
# PATCHes, schedule PUTs and the membership of its spare user, on random
# projects.
sub writer {
    my ($wr) = @_;
    my $ctx = { name => "w$wr->{w}", user => $wr->{user}, log => open_log("w$wr->{w}") };
    my (@memos, %spare);    # live memos {p, id}; the spare user's role by project
    my $text = sub { "chaos $SEED $ctx->{name} n" . ($ctx->{n} + 1) . ' ' . join '', map { chr 97 + rand 26 } 1 .. 12 };
    until ($STOP) {
        my $p = $projects[rand @projects];
        my $roll = rand 14;
        if ($roll < 4 || ($roll < 8 && !@memos)) {
            my $t = $text->();
            my $r = write_op($ctx, 'memo_create', POST => "/projects/$p/memos",
                             { date => sprintf('2026-%02d-%02d', 1 + rand 12, 1 + rand 28), memo => $t },
                             p => $p, text => $t);
            push @memos, { p => $p, id => $r->{json}{data}{id} } if $r->{status} == 201;
        }
        elsif ($roll < 7) {
            my $m = $memos[rand @memos];
            my $t = $text->();
            write_op($ctx, 'memo_update', PATCH => "/projects/$m->{p}/memos/$m->{id}", { memo => $t },
                     p => $m->{p}, id => $m->{id}, text => $t);
        }
        elsif ($roll < 8) {
            my $m = splice @memos, rand @memos, 1;
            write_op($ctx, 'memo_delete', DELETE => "/projects/$m->{p}/memos/$m->{id}", undef,
                     p => $m->{p}, id => $m->{id});
        }
        elsif ($roll < 10) {
            my $t = $text->();
            write_op($ctx, 'project_patch', PATCH => "/projects/$p", { description => $t }, p => $p, text => $t);
        }
        elsif ($roll < 12) {
            write_op($ctx, 'schedule_put', PUT => "/projects/$p/schedule",
                     { phases => [{ phase => $PHASES[rand @PHASES], progress => int rand 101 }] }, p => $p);
        }
        else {
            my $uid = $wr->{spare}{id};
            my $role = $ROLES[rand @ROLES];
            my $r;
            if (!$spare{$p}) {
                $r = write_op($ctx, 'member_add', POST => "/projects/$p/members", { user_id => $uid, role => $role },
                              p => $p, role => $role);
            }
            elsif (rand() < 0.5) {
                $r = write_op($ctx, 'member_role', PATCH => "/projects/$p/members/$uid", { role => $role },
                              p => $p, role => $role);
            }
            else {
                $role = undef;
                $r = write_op($ctx, 'member_remove', DELETE => "/projects/$p/members/$uid", undef, p => $p, role => undef);
            }
            if ($r->{status} =~ /^2/) { $spare{$p} = $role }
            else {
                # undecided: look at what the database holds now
                my $l;
                for my $try (1 .. 60) {
                    $l = http(GET => "/api/v1/projects/$p/members?page_size=100", headers => bearer($wr->{user}{access}));
                    last if $l->{status} == 200;
                    sleep 0.5;
                }
                my ($m) = grep { $_->{user}{id} eq $uid } @{ $l->{json}{data}{results} || [] };
                $spare{$p} = $m && $m->{role};
                print { $ctx->{log} } $json->encode({ op => 'member_seen', p => $p, role => $spare{$p},
                                                      st => $l->{status}, t => time }), "\n";
            }
        }
        sleep 0.02 + rand 0.06;
    }
}

# The mail writer: signups (a verification email each) and a password reset
# of some of those accounts (one each: the per-email limit of 3 an hour
# leaves room for retries), about 2 a second.
sub mail_writer {
    my $ctx = { name => 'mail', log => open_log('mail') };
    my @accounts;
    until ($STOP) {
        my @resettable = grep { !$_->{reset} } @accounts;
        if (!@resettable || rand() < 0.5) {
            my $k = @accounts + 1;
            my $a = { email => "chaos-$SEED-m$k\@example.com" };
            my $r = write_op($ctx, 'signup', POST => '/auth/signup',
                             { email => $a->{email}, password => "chaos password $k", nickname => "chaos$SEED-m$k" },
                             email => $a->{email});
            push @accounts, $a if $r->{status} == 201;
        }
        else {
            my $a = $resettable[rand @resettable];
            $a->{reset} = 1;
            write_op($ctx, 'reset', POST => '/auth/password-reset', { email => $a->{email} }, email => $a->{email});
        }
        sleep 0.3 + rand 0.4;
    }
}

# A WebSocket client of one project through httpd: logs the id of every
# event; when the connection ends it connects again with last_event_id.
sub ws_client {
    my ($p) = @_;
    my $log = open_log("ws-$p");
    my $last = 0;
    until ($STOP) {
        my $c = VPWS->connect(base(), "/ws/projects/$p?token=$owner->{access}&last_event_id=$last");
        unless ($c) { print $log "refused $@\n"; sleep 0.25; next }
        print $log "connected $last\n";
        until ($STOP) {
            my $m = $c->recv(1);
            if ($m) {
                if (defined $m->{id}) { print $log "event $m->{id}\n"; $last = $m->{id} }
                elsif (($m->{type} // '') eq 'ready') { print $log "ready\n" }
                next;
            }
            last if defined $c->close_code;
        }
        print $log 'closed ', $c->close_code // 'by the client', "\n";
    }
}

sub ws_log { my ($p) = @_; [split /\n/, VP::slurp("$dir/ws-$p.log")] }
sub ws_ready { my ($p) = @_; grep { $_ eq 'ready' } @{ ws_log($p) } }
sub ws_last { my ($p) = @_; my ($l) = grep { /^event / } reverse @{ ws_log($p) }; ($l // 'event 0') =~ /(\d+)/; $1 }

# ---------------------------------------------------------------- faults
sub sidecar_pid { my $p = VP::slurp("$ENV{VP_STATE}/vplanetd/vplanetd.pid"); chomp $p; $p }

# kill -9; back by itself (a supervisor) within 3 s, or started again
sub kill_vplanetd {
    my $old = sidecar_pid();
    VP::sidecar_kill9();
    my $new = VP::wait_for(3, sub { my $p = sidecar_pid(); $p && $p ne $old && kill(0, $p) && $p });
    return "pid $old killed; back by itself as $new" if $new;
    # script/stack takes a killed vplanetd not reaped yet for a running one
    VP::wait_for(10, sub { !kill 0, $old });
    stack('sidecar-start');
    return "pid $old killed; started again as " . sidecar_pid();
}

my @plan = sort { $a->[0] <=> $b->[0] } (
    [0.12, 'PostgreSQL restart -m fast',     sub { stack('pg-restart', 'fast'); '' }],
    [0.25, 'vplanetd kill -9',               \&kill_vplanetd],
    [0.40, 'SMTP sink stopped',              sub { stack('smtp-stop'); '' }],
    [0.48, 'vplanetd kill -9',               \&kill_vplanetd],
    [0.40 + min(10, 0.15 * $D) / $D, 'SMTP sink started', sub { stack('smtp-start'); '' }],
    [0.70, 'PostgreSQL restart -m immediate', sub { stack('pg-restart', 'immediate'); '' }],
    [0.85, 'vplanetd kill -9',               \&kill_vplanetd],
);

# ---------------------------------------------------------------- the run
say_("seed $SEED, $opt{writers} writers + a mail writer on $PROJECTS projects for ${D}s; logs in $dir");
my %ws_pid = map { my $p = $_; ($p => spawn("ws-$p", sub { ws_client($p) })) } @projects;
VP::wait_for(10, sub { !grep { !ws_ready($_) } @projects })
    or die "the WebSocket clients did not get ready: see $dir/ws-*.log\n";

$T0 = time;
my @load = ((map { my $wr = $_; spawn("w$wr->{w}", sub { writer($wr) }) } @writers),
            spawn('mail', \&mail_writer));

my @faults;
for my $f (@plan) {
    my ($at, $what, $do) = @$f;
    sleep max(0, $T0 + $at * $D - time);
    my $start = time;
    my $note = eval { $do->() } // "FAILED: $@";
    push @faults, sprintf('%s  %-34s %.1fs%s', rel(), $what, time - $start, $note ? "  ($note)" : '');
    say_($faults[-1]);
}
# the load goes on until the last fault is a few seconds old
sleep max(0, $T0 + $D - time, 3);
stop(@load);
my $load_secs = time - $T0;
say_(rel(), '  load stopped; draining (at most ', $opt{drain}, 's)');

# everything up again, whatever happened
stack('smtp-start'); stack('sidecar-start');

my %events;     # project => [ids]
my $all_events = sub {
    my $rows = $json->decode(psql("SELECT coalesce(json_agg(json_build_object('id', id, 'p', project_id,"
        . " 'type', type, 'actor', actor_id, 'ref', payload->>'id', 'text', coalesce(payload->>'memo',"
        . " payload->>'description')) ORDER BY id), '[]') FROM events WHERE project_id = ANY (:'ps'::uuid[])",
        'ps={' . join(',', @projects) . '}'));
    %events = ();
    push @{ $events{$_->{p}} }, $_->{id} for @$rows;
    return $rows;
};
$all_events->();
my $drain_until = time + $opt{drain};
VP::wait_for(max(1, $drain_until - time), sub {
    !grep { ws_last($_) < ($events{$_}[-1] // 0) } @projects });
stop(values %ws_pid);

sub mail_tally {
    my $rows = $json->decode(psql("SELECT coalesce(json_agg(json_build_object('r', lower(recipient), 's', subject,"
        . " 'st', status)), '[]') FROM outbox WHERE id > $outbox_base"));
    my (%want, %got, %status);
    for (@$rows) { $want{"$_->{r}\n$_->{s}"}++; $status{$_->{st}}++ }
    for (VP::mails()) {
        my $k = lc($_->{head}{to} // '') . "\n" . ($_->{head}{subject} // '');
        $got{$k}++ if $want{$k};
    }
    my $lost = sum0(map { max(0, $want{$_} - ($got{$_} // 0)) } keys %want);
    my $twice = sum0(map { max(0, $got{$_} - $want{$_}) } keys %got);
    return { queued => scalar @$rows, delivered => sum0(values %got), lost => $lost, twice => $twice, status => \%status };
}
my $mail;
VP::wait_for(max(1, $drain_until - time), sub { $mail = mail_tally(); !$mail->{lost} });
$mail = mail_tally();
my $drain_secs = time - $T0 - $load_secs;

# ---------------------------------------------------------------- verdict
my @attempts;
for my $name ((map { "w$_->{w}" } @writers), 'mail') {
    push @attempts, map { $json->decode($_) } split /\n/, VP::slurp("$dir/$name.log");
}
my (%final, %status, %by_op);     # the last attempt of each write
for my $a (grep { $_->{try} } @attempts) {
    $status{$a->{st}}++;
    $final{"$a->{w} $a->{n}"} = $a;
}
my @ops = sort { $a->{t} <=> $b->{t} } values %final;
my @acked = grep { $_->{st} =~ /^2/ } @ops;
$by_op{$_->{op}}{$_->{st} =~ /^2/ ? 'acked' : 'undecided'}++ for @ops;

my $events = $all_events->();
my (%ev_text, %ev_ref, %ev_count);
my %user_of = map { ("w$_->{w}" => $_->{user}{id}) } @writers;
for (@$events) {
    $ev_text{"$_->{type}\n$_->{text}"}++ if defined $_->{text};
    $ev_ref{"$_->{type}\n$_->{ref}"}++ if defined $_->{ref};
    $ev_count{"$_->{p} $_->{actor} $_->{type}"}++ if $_->{actor};
}
my %type_of = (memo_create => 'memo.created', memo_update => 'memo.updated', memo_delete => 'memo.deleted',
               project_patch => 'project.updated', schedule_put => 'schedule.updated',
               member_add => 'member.joined', member_role => 'member.role_changed', member_remove => 'member.left');

# 1. acknowledged writes: each left its event (with its content where it
#    has one), and the final state is what the last acknowledged write made
#    (or what an undecided write after it may have made)
my @lost;
my (%acked_count, %acked_ref);
# A deleted memo's text leaves its events (migration 0007): those writes
# are matched by memo id, counted, and their text must be gone.
my %db_memo = map { @$_ } @{ $json->decode(psql("SELECT coalesce(json_agg(json_build_array(id, memo)), '[]')"
    . " FROM project_memos WHERE project_id = ANY (:'ps'::uuid[])", 'ps={' . join(',', @projects) . '}')) };
for my $a (@acked) {
    next unless my $type = $type_of{$a->{op}};
    if (defined $a->{text} && $a->{op} =~ /^memo_/ && !exists $db_memo{$a->{id} // ''}) {
        push @lost, "$a->{op} $a->{rid}: the deleted memo's text is still in a $type event"
            if $ev_text{"$type\n$a->{text}"};
        $acked_ref{"$type\n$a->{id}"}++;
    }
    elsif (defined $a->{text}) {
        push @lost, "$a->{op} $a->{rid}: no $type event with its text" unless $ev_text{"$type\n$a->{text}"};
    }
    elsif ($a->{op} eq 'memo_delete') {
        push @lost, "$a->{op} $a->{rid}: no $type event of memo $a->{id}" unless $ev_ref{"$type\n$a->{id}"};
    }
    else {      # schedule and member writes: counted by writer, project and type
        $acked_count{"$a->{p} $user_of{$a->{w}} $type"}++;
    }
}
for my $k (sort keys %acked_ref) {
    my $n = $ev_ref{$k} // 0;
    push @lost, "$k: $acked_ref{$k} acknowledged writes of a deleted memo, $n events" if $n < $acked_ref{$k};
}
for my $k (sort keys %acked_count) {
    my $n = $ev_count{$k} // 0;
    push @lost, "$k: $acked_count{$k} acknowledged, $n events" if $n < $acked_count{$k};
}
my %memo;       # id => {want => text|'' (deleted), maybe => {text|'' => 1}}
for my $a (@ops) {
    my $ok = ($a->{st} // '') =~ /^2/;
    if ($a->{op} =~ /^memo_/ && ($a->{id} // '') ne '') {
        my $m = $memo{$a->{id}} //= { maybe => {} };
        my $v = $a->{op} eq 'memo_delete' ? '' : $a->{text};
        if ($ok) { $m->{want} = $v; $m->{maybe} = {} } else { $m->{maybe}{$v} = 1 }
    }
}
# members: in the order each writer saw them (its log order); a look at
# the list that failed leaves the state unknown until the next answer
my %member;     # "p user" => {want => role|'' (none), maybe => {role|'' => 1}, unknown}
for my $name (map { "w$_->{w}" } @writers) {
    my $spare = (grep { "w$_->{w}" eq $name } @writers)[0]{spare}{id};
    for (split /\n/, VP::slurp("$dir/$name.log")) {
        my $a = $json->decode($_);
        next unless $a->{op} =~ /^member_/;
        my $m = $member{"$a->{p} $spare"} //= { want => '', maybe => {} };
        my $role = $a->{role} // '';
        if ($a->{st} =~ /^2/) { %$m = (want => $role, maybe => {}) }
        elsif ($a->{op} eq 'member_seen') { $m->{unknown} = 1 }
        elsif ($a->{st} =~ /^(500|503|599)$/) { $m->{maybe}{$role} = 1 }
    }
}
for my $id (sort keys %memo) {
    my $m = $memo{$id};
    next unless defined $m->{want};
    my $have = $db_memo{$id} // '';
    push @lost, "memo $id: holds '" . ($have || '(deleted)') . "', acknowledged '" . ($m->{want} || '(deleted)') . "'"
        unless $have eq $m->{want} || $m->{maybe}{$have};
}
my %db_member = map { ("$_->[0] $_->[1]" => $_->[2]) } @{ $json->decode(psql(
    "SELECT coalesce(json_agg(json_build_array(project_id, user_id, role)), '[]') FROM project_members"
    . " WHERE project_id = ANY (:'ps'::uuid[])", 'ps={' . join(',', @projects) . '}')) };
for my $k (sort grep { !$member{$_}{unknown} } keys %member) {
    my $have = $db_member{$k} // '';
    push @lost, "member $k: '" . ($have || 'none') . "', acknowledged '" . ($member{$k}{want} || 'none') . "'"
        unless $have eq $member{$k}{want} || $member{$k}{maybe}{$have};
}
my %email_ok = map { ($_ => 1) } @{ $json->decode(psql("SELECT coalesce(json_agg(lower(email)), '[]') FROM users")) };
for my $a (grep { $_->{op} eq 'signup' } @acked) {
    push @lost, "signup $a->{rid}: no user $a->{email}" unless $email_ok{lc $a->{email}};
}
my %texts;
$texts{$_}++ for values %db_memo;
my @twice = grep { $texts{$_} > 1 } sort keys %texts;

# 2. the WebSocket clients
my ($ws_missing, $ws_extra, $ws_twice, $ws_disorder, $ws_received, $ws_reconnects, @ws_notes) = (0) x 6;
for my $p (@projects) {
    my @log = @{ ws_log($p) };
    my @got = map { /^event (\d+)/ ? $1 : () } @log;
    my %seen;
    $seen{$_}++ for @got;
    my @missing = grep { !$seen{$_} } @{ $events{$p} };
    my %in_table = map { ($_ => 1) } @{ $events{$p} };
    my $extra = grep { !$in_table{$_} } keys %seen;
    my $twice = sum0(map { $_ - 1 } values %seen);
    my $disorder = grep { $got[$_] <= $got[$_ - 1] } 1 .. $#got;
    my %closes;
    $closes{$_}++ for map { /^closed (.*)/ ? $1 : () } @log;
    $ws_received += @got;
    $ws_missing += @missing;
    $ws_extra += $extra;
    $ws_twice += $twice;
    $ws_disorder += $disorder;
    $ws_reconnects += grep { /^connected/ } @log;
    $ws_reconnects--;
    push @ws_notes, sprintf('project %s: %d events in the table, %d received, %d missing%s, %d not in the table,'
        . ' %d twice, %d out of order; closes %s; %d refused connects', substr($p, 0, 8), scalar @{ $events{$p} },
        scalar @got, scalar @missing, @missing ? " (first $missing[0])" : '', $extra, $twice, $disorder,
        join(', ', map { "$_ × $closes{$_}" } sort keys %closes) || 'none', scalar grep { /^refused/ } @log);
}

# ---------------------------------------------------------------- report
my $n500 = $status{500} // 0;
# what httpd's error log says of each request (its first failed statement)
my %cause;
for (split /\n/, VP::slurp("$ENV{VP_STATE}/httpd/logs/error.log")) {
    $cause{$1} //= $2 if /\[rid ([^\]]+)\] VP\d+: (\S+ failed \(SQLSTATE [^)]*\))/;
}
my $ws_bad = $ws_missing + $ws_extra + $ws_twice + $ws_disorder;
print "\n";
say_('faults injected (time since the load started, how long the injection took):');
print "    $_\n" for @faults;
say_(sprintf 'load: %.0fs, then %.0fs until the WebSocket clients and the sink had caught up', $load_secs, $drain_secs);
say_(sprintf 'requests: %d attempts for %d writes, %d acknowledged (%.1f a second); statuses %s',
     scalar(grep { $_->{try} } @attempts), scalar @ops, scalar @acked, @acked / $load_secs,
     join(', ', map { "$_ × $status{$_}" } sort keys %status));
say_('writes by kind (acknowledged / undecided after retries):');
printf "    %-14s %5d / %d\n", $_, $by_op{$_}{acked} // 0, $by_op{$_}{undecided} // 0 for sort keys %by_op;
say_(sprintf 'events: %d in the table for the %d projects; the WebSocket clients received %d, reconnected %d times',
     sum0(map { scalar @{ $events{$_} } } @projects), scalar @projects, $ws_received, $ws_reconnects);
print "    $_\n" for @ws_notes;
say_(sprintf 'emails: %d queued during the run, %d delivered to the sink, %d delivered twice; outbox %s',
     $mail->{queued}, $mail->{delivered}, $mail->{twice},
     join(', ', map { "$_ $mail->{status}{$_}" } sort keys %{ $mail->{status} }));
print "\n";
my @verdict = (
    ['acknowledged writes lost', scalar @lost],
    ['writes applied twice (memo texts)', scalar @twice],
    ['500 responses', $n500],
    ['WebSocket events lost, unknown, twice, disordered', $ws_bad],
    ['emails lost', $mail->{lost}],
);
printf "chaos: %-50s %d%s\n", @$_, $_->[1] ? '   <-- must be 0' : '' for @verdict;
printf "chaos: %-50s %d  (allowed: retried by the writers)\n", '503 responses', $status{503} // 0;
printf "chaos: %-50s %d  (retried)\n", 'no answer (connection refused/reset)', $status{599} // 0;
print "    lost: $_\n" for @lost[0 .. min($#lost, 9)];
print "    twice: $_\n" for @twice[0 .. min($#twice, 4)];
if ($n500) {
    my @r = grep { ($_->{st} // 0) == 500 } @attempts;
    my %ops;
    $ops{$_->{op}}++ for @r;
    my %causes;
    $causes{ $cause{ $_->{rid} // '' } // 'not in the error log' }++ for @r;
    print '    500s by write: ', join(', ', map { "$_ $ops{$_}" } sort keys %ops), "\n";
    print "    500s by cause (httpd's error log): ", join(', ', map { "$_ × $causes{$_}" } sort keys %causes), "\n";
}
my $bad = grep { $_->[1] } @verdict;
say_($bad ? 'FAILED' : 'passed', " (seed $SEED)");
exit($bad ? 1 : 0);
