# The calendar (spec section 8; issue 18) against the real stack: events
# (personal and of a project) with their validation and the permission
# split (owner, or editor+ of the event's project; another user's event is
# 404); list filters; the month view across a month boundary, a multi-day
# event, Seoul's midnight, the schedule's phases, and a DST zone set
# through VPlanetTimeZone on a second httpd (and an unknown zone refused at
# start-up); /updates with tombstones and a change committed while a poll
# runs (held open here in a real PostgreSQL transaction) not lost;
# all-or-nothing batches naming the failing operation; the
# calendar.event.changed events of project events; 20 parallel requests on
# every write path. (The iCalendar feed is t/71-calendar-feed.t.)
use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes ();
use VP;
use VPWS;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $tag = sprintf '%x%x', $$, time;
my $N = 20;
my %U = map { $_ => new_user() } qw(owner admin editor reviewer viewer outsider crowd);
my $P = new_project($U{owner}, "Calendar $tag");
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{$_}{id}, role => $_ })
    for qw(admin editor reviewer viewer);
api($U{owner}, POST => "/projects/$P/members", { user_id => $U{crowd}{id}, role => 'editor' });
my $Q = new_project($U{outsider}, "Other tenant $tag");

sub ev { my ($who, $body) = @_; return call($U{$who}, POST => '/calendar/events', $body) }
sub ev_ok {
    my ($who, $body) = @_;
    my $r = ev($who, $body);
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}
# the titles of the entries of one day of a month view
sub titles { [sort map { $_->{title} } @{ $_[0] || [] }] }
sub count_rows { psql($_[0]) + 0 }
sub last_event_id { psql("SELECT coalesce(max(id), 0) FROM events WHERE project_id = '$_[0]'") }

# ---- create, read, validation ----
subtest 'a personal event: created, read back, times UTC out' => sub {
    my $r = ev(owner => { title => '촬영 준비', description => "줄 하나\n줄 둘",
                          starts_at => '2025-08-01T09:30:00+09:00', ends_at => '2025-08-01T11:00:00+09:00',
                          color => '#FF0000' });
    envelope_ok($r, 201, 'POST /calendar/events');
    my $e = $r->{json}{data};
    is($e->{starts_at}, '2025-08-01T00:30:00.000000Z', 'starts_at in UTC');
    is($e->{ends_at}, '2025-08-01T02:00:00.000000Z', 'ends_at in UTC');
    is($e->{project_id}, undef, 'no project');
    is($e->{owner}{id}, $U{owner}{id}, 'owner is the caller');
    ok(!$e->{all_day} && !defined $e->{start_date}, 'a timed event has no days');
    is($e->{sequence}, 0, 'sequence 0');
    my $g = call($U{owner}, GET => "/calendar/events/$e->{id}");
    envelope_ok($g, 200, 'GET it');
    is_deeply($g->{json}{data}, $e, 'the same event');
    error_ok(call($U{admin}, GET => "/calendar/events/$e->{id}"), 404, 'not_found',
             "another user's personal event is 404");
    error_ok(call($U{admin}, PATCH => "/calendar/events/$e->{id}", { title => 'x' }), 404, 'not_found',
             '... to PATCH');
    error_ok(call($U{admin}, PUT => "/calendar/events/$e->{id}",
                  { title => 'x', starts_at => '2025-08-01', ends_at => '2025-08-01', all_day => JSON::PP::true }),
             404, 'not_found', '... to PUT');
    error_ok(call($U{admin}, DELETE => "/calendar/events/$e->{id}"), 404, 'not_found', '... to DELETE');
    is(call($U{owner}, GET => "/calendar/events/$e->{id}")->{status}, 200, 'and it is still there');
};

subtest 'an all-day event: dates in, its days and midnights out' => sub {
    my $e = ev_ok(owner => { title => "All day $tag", starts_at => '2025-08-30', ends_at => '2025-09-02',
                             all_day => JSON::PP::true });
    is($e->{start_date}, '2025-08-30', 'start_date');
    is($e->{end_date}, '2025-09-02', 'end_date (the last day, inclusive)');
    is($e->{starts_at}, '2025-08-29T15:00:00.000000Z', 'starts_at: the first local (Seoul) midnight');
    is($e->{ends_at}, '2025-09-02T15:00:00.000000Z', 'ends_at: the midnight after the last day');
    # a PUT of what was read keeps the same days
    my $r = call($U{owner}, PUT => "/calendar/events/$e->{id}",
                 { map { $_ => $e->{$_} } qw(title starts_at ends_at all_day color description) });
    envelope_ok($r, 200, 'PUT it back as read');
    is_deeply([@{ $r->{json}{data} }{qw(start_date end_date sequence)}], ['2025-08-30', '2025-09-02', 1],
              'the same days, sequence 1');
    # PATCH to a timed event keeps the instants
    $r = call($U{owner}, PATCH => "/calendar/events/$e->{id}", { all_day => JSON::PP::false });
    is_deeply([@{ $r->{json}{data} }{qw(all_day start_date starts_at)}],
              [JSON::PP::false, undef, '2025-08-29T15:00:00.000000Z'], 'PATCH all_day false: timed, same instants');
    $r = call($U{owner}, PATCH => "/calendar/events/$e->{id}",
              { all_day => JSON::PP::true, starts_at => '2025-08-31T10:00:00+09:00', ends_at => '2025-08-31T12:00:00+09:00' });
    is_deeply([@{ $r->{json}{data} }{qw(start_date end_date)}], ['2025-08-31', '2025-08-31'],
              'PATCH all_day true with date-times: their local day');
};

subtest 'bad input is a clear 4xx, never a 500' => sub {
    my $good = { title => 't', starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T01:00:00Z' };
    my %bad = (
        'a title of 201 characters' => [422, { %$good, title => 'x' x 201 }, 'title'],
        'an empty title' => [422, { %$good, title => '' }, 'title'],
        'ends_at before starts_at' => [422, { %$good, ends_at => '2025-07-31T23:59:59Z' }, 'ends_at'],
        'a colour #12345' => [422, { %$good, color => '#12345' }, 'color'],
        'a colour red' => [422, { %$good, color => 'red' }, 'color'],
        'no offset' => [422, { %$good, starts_at => '2025-08-01T00:00:00' }, 'starts_at'],
        'month 13' => [422, { %$good, starts_at => '2025-13-01T00:00:00Z' }, 'starts_at'],
        'February 30' => [422, { %$good, ends_at => '2025-02-30' }, 'ends_at'],
        'the year 1899' => [422, { %$good, starts_at => '1899-12-31T00:00:00Z' }, 'starts_at'],
        'a date for a timed event' => [422, { %$good, starts_at => '2025-08-01', ends_at => '2025-08-02' }, 'starts_at'],
        'an all-day event ending before it starts' =>
            [422, { %$good, all_day => JSON::PP::true, starts_at => '2025-08-02', ends_at => '2025-08-01' }, 'ends_at'],
        'a bad project UUID' => [422, { %$good, project_id => 'not-a-uuid' }, 'project_id'],
        'an unknown field' => [400, { %$good, location => 'Seoul' }, 'location'],
        'a number for a title' => [400, { %$good, title => 5 }, 'title'],
        'a string for all_day' => [400, { %$good, all_day => 'yes' }, 'all_day'],
        'no title' => [422, { starts_at => $good->{starts_at}, ends_at => $good->{ends_at} }, 'title'],
    );
    for my $what (sort keys %bad) {
        my ($st, $body, $field) = @{ $bad{$what} };
        my $r = ev(owner => $body);
        is($r->{status}, $st, "$what: $st");
        ok($r->{json} && $r->{json}{error}{details}{$field}, "... naming $field")
            or diag($r->{body});
    }
    my $raw = http(POST => '/api/v1/calendar/events', body => '{"title": "x",',
                   headers => { %{ bearer($U{owner}{access}) }, 'content-type' => 'application/json' });
    is($raw->{status}, 400, 'malformed JSON: 400');
    $raw = http(POST => '/api/v1/calendar/events', body => '{"title":"a","title":"b"}',
                headers => { %{ bearer($U{owner}{access}) }, 'content-type' => 'application/json' });
    is($raw->{status}, 400, 'a duplicate key: 400');
    error_ok(call($U{owner}, GET => '/calendar/events/not-a-uuid'), 404, 'not_found', 'a bad UUID in the path: 404');
    error_ok(call($U{owner}, GET => '/calendar/events/' . uuid4()), 404, 'not_found', 'an unknown id: 404');
    error_ok(call($U{owner}, GET => '/calendar/events?project_id=nope'), 422, 'validation_failed', '?project_id= not a UUID: 422');
    error_ok(call($U{owner}, GET => '/calendar/events?date=2025-02-30'), 422, 'validation_failed', '?date= not a day: 422');
    error_ok(call($U{owner}, GET => '/calendar/events?start=yesterday'), 422, 'validation_failed', '?start= not a time: 422');
    error_ok(call($U{owner}, GET => '/calendar/events?date=2025-08-01&end=2025-08-02'), 422, 'validation_failed',
             '?date= with ?end=: 422');
    for my $path (qw(1899/1 2101/1 2025/13 2025/0 2025/x 20255/1 2025/08x)) {
        error_ok(call($U{owner}, GET => "/calendar/month/$path"), 400, 'bad_request', "month view $path: 400");
    }
    is(call($U{owner}, GET => '/calendar/month/1900/1')->{status}, 200, 'month view 1900/1: 200');
    is(call($U{owner}, GET => '/calendar/month/2100/12')->{status}, 200, 'month view 2100/12: 200');
    error_ok(call($U{owner}, GET => '/calendar/updates'), 422, 'validation_failed', '/updates without since: 422');
    error_ok(call($U{owner}, GET => '/calendar/updates?since=yesterday'), 422, 'validation_failed',
             '/updates with a bad since: 422');
    error_ok(http(GET => '/api/v1/calendar/events'), 401, 'authentication_required', 'no token: 401');
};

# ---- project events and the permission split ----
my %PE;
subtest 'project events: editors and above add them, every member reads them' => sub {
    my $before = last_event_id($P);
    my %st = map { $_ => ev($_, { title => "by $_", project_id => $P, starts_at => '2025-08-10T01:00:00Z',
                                    ends_at => '2025-08-10T02:00:00Z' })->{status} }
             qw(owner admin editor reviewer viewer outsider);
    is_deeply(\%st, { owner => 201, admin => 201, editor => 201, reviewer => 403, viewer => 403, outsider => 422 },
              'owner, admin, editor 201; reviewer, viewer 403; a non-member 422 (the project is not confirmed)');
    my $list = call($U{viewer}, GET => "/calendar/events?project_id=$P&page_size=100")->{json}{data};
    is_deeply([sort map { $_->{title} } @{ $list->{results} }], ['by admin', 'by editor', 'by owner'],
              'a viewer lists the project events');
    is(call($U{outsider}, GET => "/calendar/events?project_id=$P")->{json}{data}{count}, 0,
       'a non-member lists none of them');
    %PE = map { ($_->{title} =~ /by (\w+)/)[0] => $_ } @{ $list->{results} };
    error_ok(call($U{outsider}, GET => "/calendar/events/$PE{owner}{id}"), 404, 'not_found',
             'a non-member GETs 404');
    my @ev = grep { $_->{type} eq 'calendar.event.changed' } @{ events_after($P, $before) };
    is(scalar @ev, 3, 'three calendar.event.changed events for the project');
    is_deeply([sort map { "$_->{payload}{action} $_->{payload}{event}{title}" } @ev],
              ['created by admin', 'created by editor', 'created by owner'], '... carrying the events');
};

subtest 'changing a project event: its owner, or editor+ of the project' => sub {
    my $id = $PE{editor}{id};
    my %st = map { $_ => call($U{$_}, PATCH => "/calendar/events/$id", { description => "by $_" })->{status} }
             qw(owner admin editor reviewer viewer outsider);
    is_deeply(\%st, { owner => 200, admin => 200, editor => 200, reviewer => 403, viewer => 403, outsider => 404 },
              'PATCH: owner, admin, editor 200; reviewer, viewer 403; a non-member 404');
    # the event's owner demoted to viewer still changes its own event
    api($U{owner}, PATCH => "/projects/$P/members/$U{editor}{id}", { role => 'viewer' });
    is(call($U{editor}, PATCH => "/calendar/events/$id", { title => 'by editor' })->{status}, 200,
       'its owner, now a viewer, still changes it');
    is(call($U{editor}, PATCH => "/calendar/events/$PE{admin}{id}", { title => 'x' })->{status}, 403,
       '... but not the events of others');
    api($U{owner}, PATCH => "/projects/$P/members/$U{editor}{id}", { role => 'editor' });
    my $before = last_event_id($P);
    is(call($U{viewer}, DELETE => "/calendar/events/$id")->{status}, 403, 'a viewer does not delete it');
    is(call($U{admin}, DELETE => "/calendar/events/$id")->{status}, 200, 'an admin deletes it');
    error_ok(call($U{owner}, GET => "/calendar/events/$id"), 404, 'not_found', 'gone for everyone');
    error_ok(call($U{admin}, DELETE => "/calendar/events/$id"), 404, 'not_found', 'a second delete is 404');
    my @ev = @{ events_after($P, $before) };
    is_deeply([map { "$_->{type} $_->{payload}{action}" } @ev], ['calendar.event.changed deleted'],
              'one event for the deletion');
    is($ev[0]{payload}{tombstone}{id}, $id, '... naming the event');
};

subtest 'calendar.event.changed reaches a member over the realtime channel (vplanetd)' => sub {
    my $ws = VPWS->connect(base(), "/ws/projects/$P", protocol => "bearer, $U{viewer}{access}")
        or return fail("ws: $@");
    my $m = $ws->recv(5);
    is($m && $m->{type}, 'ready', 'the viewer is connected');
    my $e = ev_ok(editor => { title => "live $tag", project_id => $P, starts_at => '2025-08-20T01:00:00Z',
                              ends_at => '2025-08-20T02:00:00Z' });
    my $got;
    while (my $msg = $ws->recv(10)) {
        if (($msg->{type} // '') eq 'calendar.event.changed') { $got = $msg; last }
    }
    ok($got, 'a calendar.event.changed message arrives');
    is_deeply([$got->{project_id}, $got->{payload}{action}, $got->{payload}{event}{id}], [$P, 'created', $e->{id}],
              '... for the project, saying what happened to which event') if $got;
    # a personal event is nobody else's business
    ev_ok(editor => { title => "private $tag", starts_at => '2025-08-20T01:00:00Z', ends_at => '2025-08-20T02:00:00Z' });
    api($U{editor}, DELETE => "/calendar/events/$e->{id}");
    my @rest = grep { ($_->{type} // '') eq 'calendar.event.changed' } $ws->drain(2);
    is_deeply([map { $_->{payload}{action} } @rest], ['deleted'], 'then only the deletion (no personal event)');
    $ws->close;
};

# ---- month view ----
subtest 'month view: Seoul days, a month boundary, a multi-day event, phases' => sub {
    my $u = new_user();
    my $p = new_project($u, "Month $tag");
    my %e;
    # 00:00 KST on 1 September is 15:00Z on 31 August
    $e{midnight} = ev_ok_for($u, { title => 'at Seoul midnight', starts_at => '2025-08-31T15:00:00Z', ends_at => '2025-08-31T16:00:00Z' });
    $e{until_midnight} = ev_ok_for($u, { title => 'until Seoul midnight', starts_at => '2025-08-31T14:00:00Z', ends_at => '2025-08-31T15:00:00Z' });
    $e{first} = ev_ok_for($u, { title => 'first of August', starts_at => '2025-07-31T15:00:00Z', ends_at => '2025-07-31T15:00:00Z' });
    $e{span} = ev_ok_for($u, { title => 'across the boundary', starts_at => '2025-08-30T10:00:00+09:00', ends_at => '2025-09-02T10:00:00+09:00' });
    $e{allday} = ev_ok_for($u, { title => 'all-day weekend', all_day => JSON::PP::true, starts_at => '2025-08-30', ends_at => '2025-08-31' });
    $e{project} = ev_ok_for($u, { title => 'project shoot', project_id => $p, starts_at => '2025-08-15T03:00:00Z', ends_at => '2025-08-15T04:00:00Z' });
    api($u, PUT => "/projects/$p/schedule", { phases => [
        { phase => 'filming', start_date => '2025-08-28', end_date => '2025-09-03' },
        { phase => 'video_edit', start_date => '2025-09-10', end_date => '2025-09-12' } ] });

    my $aug = call($u, GET => '/calendar/month/2025/8');
    envelope_ok($aug, 200, 'GET /calendar/month/2025/8');
    my $d = $aug->{json}{data};
    is_deeply([@$d{qw(year month)}], [2025, 8], 'year and month');
    is_deeply($d->{date_range}, { start => '2025-08-01', end => '2025-08-31' }, 'date_range');
    is(scalar keys %{ $d->{events_by_date} }, 31, 'every day of August is a key');
    my $by = $d->{events_by_date};
    is_deeply(titles($by->{'2025-07-31'}), [], 'nothing from July');
    is_deeply(titles($by->{'2025-08-01'}), ['first of August'], 'an event at 00:00 KST on 1 August is on 1 August');
    is_deeply(titles($by->{'2025-08-31'}),
              [sort 'until Seoul midnight', 'across the boundary', 'all-day weekend', "Month $tag"],
              '31 August: the event ending at midnight, the spanning one, the all-day one, the phase');
    ok(!grep({ $_->{title} eq 'at Seoul midnight' } @{ $by->{'2025-08-31'} }),
       'an event starting at 00:00 KST on 1 September is not on 31 August');
    is_deeply(titles($by->{'2025-08-30'}), [sort 'across the boundary', 'all-day weekend', "Month $tag"],
              '30 August');
    my ($phase) = grep { $_->{kind} eq 'phase' } @{ $by->{'2025-08-28'} };
    is_deeply([@$phase{qw(phase all_day start_date end_date project_id)}],
              ['filming', JSON::PP::true, '2025-08-28', '2025-09-03', $p], 'the filming phase: an all-day entry marked with its phase');
    is_deeply(titles($by->{'2025-08-15'}), ['project shoot'], 'the project event on 15 August');
    is($d->{total_events}, 6, 'total_events: each entry once (5 events in August and the phase)');

    my $sep = call($u, GET => '/calendar/month/2025/9')->{json}{data}{events_by_date};
    is(scalar keys %$sep, 30, 'September has 30 days');
    is_deeply(titles($sep->{'2025-09-01'}), [sort 'at Seoul midnight', 'across the boundary', "Month $tag"],
              '1 September: the midnight event, the spanning one, the phase');
    is_deeply(titles($sep->{'2025-09-02'}), [sort 'across the boundary', "Month $tag"], '2 September');
    is_deeply(titles($sep->{'2025-09-03'}), ["Month $tag"], '3 September: the phase only');
    is_deeply([map { $_->{phase} } @{ $sep->{'2025-09-11'} }], ['video_edit'], 'the video_edit phase');
    is(call($u, GET => '/calendar/month/2025/7')->{json}{data}{total_events}, 0, 'July: nothing');

    # ?date= uses the same days
    my $day = call($u, GET => '/calendar/events?date=2025-08-31')->{json}{data};
    is_deeply([sort map { $_->{title} } @{ $day->{results} }],
              [sort 'until Seoul midnight', 'across the boundary', 'all-day weekend'], '?date=2025-08-31: the same day');
    my $range = call($u, GET => '/calendar/events?start=2025-08-31T15:00:00Z&end=2025-09-01T00:00:00Z')->{json}{data};
    is_deeply([sort map { $_->{title} } @{ $range->{results} }], [sort 'at Seoul midnight', 'across the boundary'],
              '?start=&end= as instants');
};

sub ev_ok_for {
    my ($u, $body) = @_;
    my $r = call($u, POST => '/calendar/events', $body);
    die "create: $r->{status} $r->{body}\n" unless $r->{status} == 201;
    return $r->{json}{data};
}

subtest 'VPlanetTimeZone: a DST zone on a second httpd, an unknown zone refused' => sub {
    my ($base, $dir) = httpd_variant('calendar-new-york', "VPlanetTimeZone America/New_York\n");
    ok($base, 'an httpd with VPlanetTimeZone America/New_York starts') or return diag($dir);
    my $u = new_user();
    my $h = bearer($u->{access});
    my $post = sub { http(POST => '/api/v1/calendar/events', base => $base, headers => $h, json => $_[0])->{json}{data} };
    # 9 March 2025: clocks go from 02:00 EST to 03:00 EDT
    my $day = $post->({ title => 'spring forward', all_day => JSON::PP::true, starts_at => '2025-03-09', ends_at => '2025-03-09' });
    is($day->{starts_at}, '2025-03-09T05:00:00.000000Z', 'the all-day event starts at midnight EST (-05:00)');
    is($day->{ends_at}, '2025-03-10T04:00:00.000000Z', '... and ends at midnight EDT (-04:00): a 23-hour day');
    $post->({ title => 'after midnight EDT', starts_at => '2025-03-10T04:30:00Z', ends_at => '2025-03-10T05:00:00Z' });
    $post->({ title => 'before midnight EST', starts_at => '2025-03-09T04:30:00Z', ends_at => '2025-03-09T04:45:00Z' });
    my $m = http(GET => '/api/v1/calendar/month/2025/3', base => $base, headers => $h)->{json}{data};
    is($m->{time_zone}, 'America/New_York', 'the month view names its zone');
    my $by = $m->{events_by_date};
    is_deeply(titles($by->{'2025-03-08'}), ['before midnight EST'], '04:30Z on 9 March is 23:30 on 8 March (EST)');
    is_deeply(titles($by->{'2025-03-09'}), ['spring forward'], '9 March: the all-day event alone');
    is_deeply(titles($by->{'2025-03-10'}), ['after midnight EDT'],
              '04:30Z on 10 March is 00:30 on 10 March (EDT), not 23:30 on the 9th (a fixed -05:00)');
    my $list = http(GET => '/api/v1/calendar/events?date=2025-03-09', base => $base, headers => $h)->{json}{data};
    is_deeply([map { $_->{title} } @{ $list->{results} }], ['spring forward'], '?date=2025-03-09 in New York');
    # the suite's own httpd (Seoul) sees the same instants on other days
    my $seoul = call($u, GET => '/calendar/month/2025/3')->{json}{data}{events_by_date};
    is_deeply(titles($seoul->{'2025-03-09'}), ['before midnight EST', 'spring forward'],
              'in Seoul 04:30Z on 9 March is 13:30 on 9 March; the all-day event keeps its stored day');
    is_deeply(titles($seoul->{'2025-03-10'}), ['after midnight EDT'], '... and 04:30Z on 10 March is on 10 March');
    httpd_variant_stop($dir);

    my ($bad, $why) = httpd_variant('calendar-bad-zone', "VPlanetTimeZone Mars/Olympus_Mons\n");
    ok(!$bad, 'an unknown zone: httpd refuses to start');
    like($why // '', qr/VPlanetTimeZone Mars\/Olympus_Mons/, '... saying which directive');
    httpd_variant_stop("$ENV{VP_STATE}/calendar-bad-zone") if $bad;
    my ($bad2, $why2) = httpd_variant('calendar-path-zone', "VPlanetTimeZone ../../etc/passwd\n");
    ok(!$bad2, 'a path for a zone is refused too');
};

# ---- updates ----
subtest 'updates: changes and tombstones since a server_time' => sub {
    my $u = new_user();
    my $r = call($u, GET => '/calendar/updates?since=2000-01-01T00:00:00Z');
    envelope_ok($r, 200, 'GET /calendar/updates');
    my $t0 = $r->{json}{data}{server_time};
    like($t0, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'server_time is RFC 3339 UTC');
    my $a = ev_ok_for($u, { title => 'a', starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T01:00:00Z' });
    my $b = ev_ok_for($u, { title => 'b', starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T01:00:00Z' });
    my $d = call($u, GET => "/calendar/updates?since=$t0")->{json}{data};
    is_deeply([sort map { $_->{title} } @{ $d->{events} }], ['a', 'b'], 'the two new events');
    is_deeply($d->{deleted}, [], 'no tombstones');
    my $t1 = $d->{server_time};
    api($u, DELETE => "/calendar/events/$a->{id}");
    api($u, PATCH => "/calendar/events/$b->{id}", { title => 'b2' });
    $d = call($u, GET => "/calendar/updates?since=$t1")->{json}{data};
    is_deeply([map { $_->{title} } @{ $d->{events} }], ['b2'], 'the changed event');
    is_deeply([map { $_->{id} } @{ $d->{deleted} }], [$a->{id}], 'a tombstone for the deleted one');
    ok($d->{deleted}[0]{deleted_at}, '... with its time');
    # another user hears nothing of it
    is_deeply(call($U{outsider}, GET => "/calendar/updates?since=$t1")->{json}{data}{deleted}, [],
              "another user gets no tombstone of someone's personal event");
    # project members hear of project events
    my $pr = call($U{viewer}, GET => "/calendar/updates?since=$t1")->{json}{data}{server_time};
    my $pe = ev_ok('owner', { title => "project update $tag", project_id => $P,
                                                   starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T00:00:00Z' });
    api($U{owner}, DELETE => "/calendar/events/$pe->{id}");
    $d = call($U{viewer}, GET => "/calendar/updates?since=$pr")->{json}{data};
    is_deeply([map { $_->{id} } @{ $d->{deleted} }], [$pe->{id}], "a member gets the project event's tombstone");
};

subtest 'updates: a change committed while a poll runs is in the next poll' => sub {
    my $u = new_user();
    my $e = ev_ok_for($u, { title => 'before', starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T01:00:00Z' });
    my $t0 = call($u, GET => '/calendar/updates?since=2000-01-01T00:00:00Z')->{json}{data}{server_time};
    # a writer whose transaction began before the poll and commits after it
    my $app = "vp-calendar-held-$$";
    open(my $held, '|-', $ENV{VP_STACK}, 'psql', $ENV{VP_STATE}, '-Atq', '-v', 'ON_ERROR_STOP=1')
        or die "psql: $!";
    $held->autoflush(1);
    print $held "SET application_name = '$app';\nBEGIN;\n"
              . "UPDATE calendar_events SET title = 'held', sequence = sequence + 1, updated_at = now(),"
              . " changed_at = now() WHERE id = '$e->{id}';\n";
    my $waiting = 0;
    for (1 .. 100) {
        $waiting = psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$app'"
                      . " AND state = 'idle in transaction' AND backend_xid IS NOT NULL") + 0 and last;
        Time::HiRes::sleep(0.05);
    }
    ok($waiting, 'the writer holds its change, uncommitted');
    Time::HiRes::sleep(0.3);    # the poll begins well after the writer's transaction
    my $d = call($u, GET => "/calendar/updates?since=$t0")->{json}{data};
    ok(!grep({ $_->{title} eq 'held' } @{ $d->{events} }), 'the poll does not see the uncommitted change');
    my $server_time = $d->{server_time};
    my $held_start = psql("SELECT rfc3339(xact_start) FROM pg_stat_activity WHERE application_name = '$app'");
    ok(defined $server_time && $held_start && $server_time le $held_start,
       "server_time (" . ($server_time // 'none') . ") is not after the open transaction's start ($held_start)");
    print $held "COMMIT;\n";
    close $held or die "the held writer failed\n";
    $d = call($u, GET => "/calendar/updates?since=$server_time")->{json}{data};
    is_deeply([map { $_->{title} } @{ $d->{events} }], ['held'], 'the next poll, since that server_time, has the change');
};

# ---- batches ----
subtest 'batch: all or nothing, the failing operation named; 101 operations 422' => sub {
    my $u = new_user();
    my $p = new_project($u, "Batch $tag");
    my $keep = ev_ok_for($u, { title => 'kept', starts_at => '2025-08-01T00:00:00Z', ends_at => '2025-08-01T01:00:00Z' });
    my $count = sub { count_rows("SELECT count(*) FROM calendar_events WHERE owner_id = '$u->{id}' AND deleted_at IS NULL") };
    my $ops = sub {
        my ($bad) = @_;
        my @ops = map { { action => 'create', event => { title => "op $_", starts_at => '2025-08-02T00:00:00Z',
                                                         ends_at => '2025-08-02T01:00:00Z', ($_ % 2 ? (project_id => $p) : ()) } } } 0 .. 59;
        $ops[10] = { action => 'update', id => $keep->{id}, event => { title => 'changed by op 10' } };
        $ops[56] = $bad;
        return { operations => \@ops };
    };
    my $before = $count->();
    my $events_before = last_event_id($p);
    my $r = call($u, POST => '/calendar/batch-update',
                 $ops->({ action => 'create', event => { title => 'late', starts_at => '2025-08-02T00:00:00Z',
                                                         ends_at => '2025-08-01T00:00:00Z' } }));
    is($r->{status}, 422, 'operation 56 ends before it starts (found inside the transaction): 422');
    like($r->{json}{message} // '', qr/^operation 56\b/, '... the message names index 56');
    ok($r->{json}{error}{details}{'operations[56].event.ends_at'}, '... and so do the details')
        or diag($r->{body});
    is($count->(), $before, 'nothing applied: no new event');
    is(call($u, GET => "/calendar/events/$keep->{id}")->{json}{data}{title}, 'kept', '... and operation 10 undone');
    is(last_event_id($p), $events_before, '... and no realtime event');

    $r = call($u, POST => '/calendar/batch-update',
              $ops->({ action => 'create', event => { title => 'bad colour', color => '#GG0000',
                                                      starts_at => '2025-08-02T00:00:00Z', ends_at => '2025-08-02T01:00:00Z' } }));
    is($r->{status}, 422, 'operation 56 has a bad colour: 422');
    ok($r->{json}{error}{details}{'operations[56].event.color'}, '... naming operations[56].event.color');
    $r = call($u, POST => '/calendar/batch-update', $ops->({ action => 'update', id => uuid4(), event => { title => 'x' } }));
    is($r->{status}, 404, 'operation 56 updates an unknown event: 404');
    like($r->{json}{message} // '', qr/^operation 56\b/, '... naming it');
    $r = call($u, POST => '/calendar/batch-update', $ops->({ action => 'delete', id => $U{owner}{id} }));
    is($r->{status}, 404, "operation 56 deletes what is not the caller's: 404");
    is($count->(), $before, 'still nothing applied');

    my $ok = call($u, POST => '/calendar/batch-update', $ops->({ action => 'delete', id => $keep->{id} }));
    envelope_ok($ok, 200, 'a valid batch of 60');
    is($ok->{json}{data}{applied}, 60, '60 applied');
    is(scalar @{ $ok->{json}{data}{results} }, 60, '60 results in order');
    is($ok->{json}{data}{results}[10]{title}, 'changed by op 10', 'result 10 is the update');
    is($count->(), $before + 58 - 1, '58 created, one deleted');
    my @ev = @{ events_after($p, $events_before) };
    is(scalar @ev, 30, 'one realtime event per project operation (30 creates in the project)');

    my @many = map { { action => 'create', event => { title => "x$_", starts_at => '2025-08-02T00:00:00Z',
                                                      ends_at => '2025-08-02T01:00:00Z' } } } 1 .. 101;
    $r = call($u, POST => '/calendar/batch-update', { operations => \@many });
    is($r->{status}, 422, '101 operations: 422');
    ok($r->{json}{error}{details}{operations}, '... naming operations');
    is(call($u, POST => '/calendar/batch-update', { operations => [@many[0 .. 99]] })->{status}, 200, '100 operations: 200');
    error_ok(call($u, POST => '/calendar/batch-update', { operations => [] }), 422, 'validation_failed', 'none: 422');
    error_ok(call($u, POST => '/calendar/batch-update', { operations => [{ action => 'move' }] }), 422,
             'validation_failed', 'an unknown action: 422');
    error_ok(call($u, POST => '/calendar/batch-update', { operations => [{ action => 'delete' }] }), 422,
             'validation_failed', 'a delete without id: 422');
    error_ok(call($u, POST => '/calendar/batch-update',
                  { operations => [{ action => 'create', event => { title => 't', starts_at => '2025-08-02T00:00:00Z',
                                                                   ends_at => '2025-08-02T01:00:00Z', where => 'x' } }] }),
             400, 'bad_request', 'an unknown field in an event: 400');
};

# ---- 20 at once on every write path ----
sub statuses { my %n; $n{ $_->{status} }++ for @_; return \%n }
sub no_5xx {
    my ($name, @res) = @_;
    my @bad = grep { $_->{status} >= 500 || $_->{status} == 0 } @res;
    is(scalar @bad, 0, "$name: no 5xx among $N parallel requests")
        or diag(join "\n", map { "$_->{status} " . ($_->{body} // $_->{died} // '') } @bad[0 .. 2]);
}

subtest '20 parallel requests on every write path: no 500, nothing lost or doubled' => sub {
    my $u = $U{crowd};
    my $mine = sub { count_rows("SELECT count(*) FROM calendar_events WHERE owner_id = '$u->{id}' AND deleted_at IS NULL $_[0]") };
    my $n0 = $mine->('');
    my @res = parallel($N, sub { call($u, POST => '/calendar/events',
        { title => "p$_[0]", starts_at => '2025-08-05T00:00:00Z', ends_at => '2025-08-05T01:00:00Z' }) });
    no_5xx('personal creates', @res);
    is_deeply(statuses(@res), { 201 => $N }, 'all 201');
    is($mine->('AND project_id IS NULL'), $n0 + $N, '20 personal events stored once each');

    my $ev0 = last_event_id($P);
    @res = parallel($N, sub { call($u, POST => '/calendar/events',
        { title => "q$_[0]", project_id => $P, starts_at => '2025-08-05T00:00:00Z', ends_at => '2025-08-05T01:00:00Z' }) });
    no_5xx('project creates', @res);
    is_deeply(statuses(@res), { 201 => $N }, 'all 201');
    is(count_rows("SELECT count(*) FROM calendar_events WHERE project_id = '$P' AND title ~ '^q[0-9]+\$'"), $N,
       '20 project events stored once each');
    is(scalar(grep { $_->{type} eq 'calendar.event.changed' } @{ events_after($P, $ev0) }), $N, '20 realtime events');
    my @project_ids = map { $_->{json}{data}{id} } @res;

    my $one = ev_ok_for($u, { title => 'patched', starts_at => '2025-08-05T00:00:00Z', ends_at => '2025-08-05T01:00:00Z' });
    @res = parallel($N, sub { call($u, PATCH => "/calendar/events/$one->{id}", { description => "d$_[0]" }) });
    no_5xx('PATCH of one personal event', @res);
    is_deeply(statuses(@res), { 200 => $N }, 'all 200');
    is(call($u, GET => "/calendar/events/$one->{id}")->{json}{data}{sequence}, $N, 'sequence 20: no change lost');

    @res = parallel($N, sub { call($u, PUT => "/calendar/events/$one->{id}",
        { title => "put $_[0]", starts_at => '2025-08-06T00:00:00Z', ends_at => '2025-08-06T01:00:00Z' }) });
    no_5xx('PUT of one personal event', @res);
    is_deeply(statuses(@res), { 200 => $N }, 'all 200');
    is(call($u, GET => "/calendar/events/$one->{id}")->{json}{data}{sequence}, 2 * $N, 'sequence 40');

    $ev0 = last_event_id($P);
    my $shared = $project_ids[0];
    @res = parallel($N, sub { call($U{ $_[0] % 2 ? 'admin' : 'crowd' }, PATCH => "/calendar/events/$shared",
        { description => "d$_[0]" }) });
    no_5xx('PATCH of one project event by two people', @res);
    is_deeply(statuses(@res), { 200 => $N }, 'all 200');
    is(call($u, GET => "/calendar/events/$shared")->{json}{data}{sequence}, $N, 'sequence 20');
    is(scalar @{ events_after($P, $ev0) }, $N, '20 realtime events');

    @res = parallel($N, sub { call($u, DELETE => "/calendar/events/$project_ids[$_[0] - 1]") });
    no_5xx('deletes of 20 project events', @res);
    is_deeply(statuses(@res), { 200 => $N }, 'all 200');
    @res = parallel($N, sub { call($u, DELETE => "/calendar/events/$one->{id}") });
    no_5xx('deletes of one event', @res);
    is_deeply(statuses(@res), { 200 => 1, 404 => $N - 1 }, 'one 200, the others 404');
    is(count_rows("SELECT count(*) FROM calendar_events WHERE id = '$one->{id}' AND deleted_at IS NOT NULL"), 1,
       'one tombstone');

    my $b0 = $mine->('');
    @res = parallel($N, sub { call($u, POST => '/calendar/batch-update', { operations => [
        map { { action => 'create', event => { title => "b$_[0]-$_", starts_at => '2025-08-07T00:00:00Z',
                                               ends_at => '2025-08-07T01:00:00Z', ($_ == 2 ? () : (project_id => $P)) } } } 1 .. 3 ] }) });
    no_5xx('batches over a project and personal events', @res);
    is_deeply(statuses(@res), { 200 => $N }, 'all 200');
    is($mine->(''), $b0 + 3 * $N, '60 events, each once');

    my $k0 = $mine->("AND title = 'keyed $tag'");
    @res = parallel($N, sub { http(POST => '/api/v1/calendar/events',
        headers => { %{ bearer($u->{access}) }, 'idempotency-key' => "cal-$tag" },
        json => { title => "keyed $tag", starts_at => '2025-08-05T00:00:00Z', ends_at => '2025-08-05T01:00:00Z' }) });
    no_5xx('creates with one Idempotency-Key', @res);
    is($mine->("AND title = 'keyed $tag'"), $k0 + 1, 'one event for one key');
    is(scalar(keys %{{ map { ($_->{json}{data}{id} // 'none') => 1 } grep { $_->{status} == 201 } @res }}), 1,
       'every 201 names the same event');

    @res = parallel($N, sub { call($u, POST => '/calendar/feed') });
    no_5xx('feed creates', @res);
    is_deeply(statuses(@res), { 201 => $N }, 'all 201');
    is(count_rows("SELECT count(*) FROM calendar_feeds WHERE user_id = '$u->{id}'"), 1, 'one feed token kept');
    @res = parallel($N, sub { call($u, DELETE => '/calendar/feed') });
    no_5xx('feed revocations', @res);
    is_deeply(statuses(@res), { 200 => 1, 404 => $N - 1 }, 'one 200, the others 404');
};

done_testing;
