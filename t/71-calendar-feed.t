# The secret iCalendar feed (spec section 8; issue 18) against the real
# stack: POST makes a URL (only its hash is stored), GET of it needs no
# token and is RFC 5545 that a parser nobody here wrote reads (Debian's
# python3-icalendar): the event count, stable UIDs, DTSTAMP, SEQUENCE
# raised by a change, all-day events and the schedule's phases as
# VALUE=DATE, a long Korean description with , ; \ and line breaks intact,
# lines folded at 75 octets; the ETag answers If-None-Match with 304 until
# something changes; POST again replaces the URL and DELETE revokes it
# (404 afterwards, like an unknown token).
use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use JSON::PP ();
use File::Temp ();
use VP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $PYTHON = '/usr/bin/python3';     # Debian's, with python3-icalendar
my $tag = sprintf '%x%x', $$, time;
my $u = new_user();
my $other = new_user();
my $p = new_project($u, "Feed $tag");
my $JSON = JSON::PP->new->utf8->canonical;

# the parser's view of an .ics text: {events: [{uid, summary, description,
# start, end, start_is_date, sequence, stamp}], version, prodid}
my $PARSE = <<'PY';
import json, sys, datetime
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read())
out = {"version": str(cal.get("version")), "prodid": str(cal.get("prodid")), "events": []}
for c in cal.walk("VEVENT"):
    s, e = c.decoded("dtstart"), c.decoded("dtend")
    out["events"].append({
        "uid": str(c.get("uid")), "summary": str(c.get("summary")),
        "description": str(c.get("description")) if c.get("description") is not None else None,
        "start": s.isoformat(), "end": e.isoformat(),
        "start_is_date": not isinstance(s, datetime.datetime),
        "end_is_date": not isinstance(e, datetime.datetime),
        "sequence": int(c.decoded("sequence")), "stamp": c.decoded("dtstamp").isoformat()})
print(json.dumps(out))
PY
sub parse_ics {
    my ($text) = @_;
    my $in = File::Temp->new;
    print $in $text;
    $in->flush;
    my $out = `'$PYTHON' -c '$PARSE' < '@{[ $in->filename ]}'`;
    die "python3-icalendar could not parse the feed\n" if $?;
    return $JSON->decode($out);
}
sub by_summary { my ($doc) = @_; return { map { $_->{summary} => $_ } @{ $doc->{events} } } }
sub path_of { my ($url) = @_; $url =~ s{^https?://[^/]+}{}; return $url }

ok(-x $PYTHON && system($PYTHON, '-c', 'import icalendar') == 0, 'python3-icalendar is installed')
    or BAIL_OUT('apt-get install python3-icalendar (script/lib.sh lists it)');

# a long Korean description: commas, semicolons, a backslash, line breaks
my $long = join("\n", map { "${_}번째 줄: 촬영, 편집; 색보정 \\ 납품 — 한국어 설명이 길게 이어집니다" } 1 .. 12);
my %E;
$E{timed} = api($u, POST => '/calendar/events', { title => '촬영, 서울; 본편', description => $long,
                                                    starts_at => '2025-08-01T10:00:00+09:00', ends_at => '2025-08-01T18:30:00+09:00' });
$E{allday} = api($u, POST => '/calendar/events', { title => 'All-day review', all_day => JSON::PP::true,
                                                     starts_at => '2025-08-30', ends_at => '2025-09-01' });
$E{project} = api($u, POST => '/calendar/events', { title => 'Project meeting', project_id => $p,
                                                      starts_at => '2025-08-05T01:00:00Z', ends_at => '2025-08-05T02:00:00Z' });
$E{gone} = api($u, POST => '/calendar/events', { title => 'Deleted', starts_at => '2025-08-06T01:00:00Z',
                                                   ends_at => '2025-08-06T02:00:00Z' });
api($u, DELETE => "/calendar/events/$E{gone}{id}");
api($u, PUT => "/projects/$p/schedule", { phases => [{ phase => 'filming', start_date => '2025-08-10', end_date => '2025-08-12' }] });
api($other, POST => '/calendar/events', { title => "Someone else's", starts_at => '2025-08-01T00:00:00Z',
                                          ends_at => '2025-08-01T01:00:00Z' });

my $r = call($u, POST => '/calendar/feed');
envelope_ok($r, 201, 'POST /calendar/feed');
my $url = $r->{json}{data}{url};
like($url, qr{^https?://[^/]+/api/v1/calendar/feed/[A-Za-z0-9_-]{43}\.ics$}, 'a secret URL');
my ($token) = $url =~ m{/([A-Za-z0-9_-]{43})\.ics$};
is(psql("SELECT count(*) FROM calendar_feeds WHERE token_hash = encode(sha256(convert_to(:'t', 'UTF8')), 'hex')"
      . " AND user_id = :'u'", "t=$token", "u=$u->{id}"), 1, 'the database holds its SHA-256');
is(psql("SELECT count(*) FROM calendar_feeds WHERE token_hash LIKE '%' || :'t' || '%'", "t=$token"), 0,
   '... and never the token');

my $feed = http(GET => path_of($url));
is($feed->{status}, 200, 'GET the feed without Authorization: 200');
like($feed->{headers}{'content-type'} // '', qr{^text/calendar; charset=utf-8$}, 'text/calendar; charset=utf-8');
my $etag = $feed->{headers}{etag};
like($etag // '', qr/^"[0-9a-f]{32}"$/, 'an ETag');
my $raw = $feed->{body};
like($raw, qr/\ABEGIN:VCALENDAR\r\n/, 'starts with BEGIN:VCALENDAR and CRLF');
like($raw, qr/END:VCALENDAR\r\n\z/, 'ends with END:VCALENDAR and CRLF');
ok(!grep({ length($_) > 75 } split /\r\n/, $raw), 'no line is longer than 75 octets');
ok($raw !~ /(?<!\r)\n/, 'every line ends in CRLF');
ok(!grep({ /^ [\x80-\xBF]/ } split /\r\n/, $raw), 'no continuation line starts inside a UTF-8 character');
ok(scalar(grep { /^ / } split /\r\n/, $raw) > 5, 'the long description is folded');

my $doc = parse_ics($raw);
is($doc->{version}, '2.0', 'VERSION 2.0');
is(scalar @{ $doc->{events} }, 4, 'four VEVENTs: three events and one phase (not the deleted one, not another user\'s)');
my $ev = by_summary($doc);
ok(!$ev->{Deleted} && !$ev->{"Someone else's"}, 'neither the deleted event nor another user\'s');
my $t = $ev->{'촬영, 서울; 본편'};
ok($t, 'the Korean title with , and ; comes back as it was') or diag(join ', ', keys %$ev);
is($t->{description}, $long, 'the long Korean description with , ; \\ and line breaks is intact');
is($t->{uid}, "$E{timed}{id}\@vplanet", 'UID: the event id');
is_deeply([@$t{qw(start end start_is_date)}], ['2025-08-01T01:00:00+00:00', '2025-08-01T09:30:00+00:00', JSON::PP::false],
          'a timed event: UTC DATE-TIMEs');
my $a = $ev->{'All-day review'};
is_deeply([@$a{qw(start end start_is_date end_is_date)}], ['2025-08-30', '2025-09-02', JSON::PP::true, JSON::PP::true],
          'an all-day event: VALUE=DATE, DTEND the day after its last');
my ($phase) = grep { $_->{summary} =~ /filming/ } @{ $doc->{events} };
ok($phase, 'the filming phase is an event');
is_deeply([@$phase{qw(start end start_is_date)}], ['2025-08-10', '2025-08-13', JSON::PP::true], '... all-day, 10 to 12 August');
like($phase->{uid}, qr/^phase-\Q$p\E-filming\@vplanet$/, '... with a stable UID');
is($ev->{'Project meeting'}{sequence}, 0, 'SEQUENCE 0 for an event never changed');

# ---- revalidation ----
my $again = http(GET => path_of($url), headers => { 'if-none-match' => $etag });
is($again->{status}, 304, 'If-None-Match with the ETag: 304');
ok(!length($again->{body} // ''), '... without a body');
is(http(GET => path_of($url))->{headers}{etag}, $etag, 'the same ETag while nothing changes');
api($u, PATCH => "/calendar/events/$E{project}{id}", { title => 'Project meeting (moved)', starts_at => '2025-08-05T03:00:00Z',
                                                        ends_at => '2025-08-05T04:00:00Z' });
my $changed = http(GET => path_of($url), headers => { 'if-none-match' => $etag });
is($changed->{status}, 200, 'after a change, the old ETag gets 200');
isnt($changed->{headers}{etag}, $etag, '... and a new ETag');
my $m = by_summary(parse_ics($changed->{body}))->{'Project meeting (moved)'};
is($m->{uid}, "$E{project}{id}\@vplanet", 'the UID stays');
is($m->{sequence}, 1, 'SEQUENCE is raised');
is($m->{start}, '2025-08-05T03:00:00+00:00', 'the new time');

# ---- replacement, revocation, unknown tokens ----
my $url2 = api($u, POST => '/calendar/feed')->{url};
isnt($url2, $url, 'POST again: a new URL');
error_ok(http(GET => path_of($url)), 404, 'not_found', 'the old URL is 404');
is(http(GET => path_of($url2))->{status}, 200, 'the new one works');
envelope_ok(call($u, DELETE => '/calendar/feed'), 200, 'DELETE /calendar/feed');
error_ok(http(GET => path_of($url2)), 404, 'not_found', 'a revoked URL is 404');
error_ok(call($u, DELETE => '/calendar/feed'), 404, 'not_found', 'nothing left to revoke: 404');
error_ok(http(GET => '/api/v1/calendar/feed/' . ('A' x 43) . '.ics'), 404, 'not_found', 'an unknown token is 404');
error_ok(http(GET => "/api/v1/calendar/feed/$token"), 404, 'not_found', 'without .ics: 404');
error_ok(http(GET => '/api/v1/calendar/feed/short.ics'), 404, 'not_found', 'a malformed token: 404');
error_ok(http(POST => '/api/v1/calendar/feed'), 401, 'authentication_required', 'POST without a token: 401');

done_testing;
