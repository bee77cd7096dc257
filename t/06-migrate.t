# tools/vplanet-migrate against scratch databases in the private cluster:
# checksums, idempotence, --status, refusing a changed file, rolling back a
# failing file, concurrent runs. Runs as the application role, like
# `script/stack migrate`; the scratch databases are dropped at the end.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use POSIX ();
use VP;

my $tool = "$ENV{VP_SRC}/tools/vplanet-migrate";
my $sql = "$ENV{VP_SRC}/sql";
my @files = sort glob("$sql/*.sql");
my @versions = map { m{([^/]+)\.sql$} } @files;
ok(@versions, scalar(@versions) . ' migration files in sql/');

my $prefix = "vp_migrate_test_$$";
my @dbs;
END {
    local $?;
    for my $db (@dbs) {
        eval { pg_super(qq{DROP DATABASE IF EXISTS "$db" WITH (FORCE)}) };
        diag("could not drop $db: $@") if $@;
    }
}
$SIG{$_} = sub { exit 1 } for qw(INT TERM HUP);

# A new empty database owned by the application role.
sub scratch_db {
    my ($name) = @_;
    my $db = "${prefix}_$name";
    push @dbs, $db;
    pg_super(qq{CREATE DATABASE "$db" OWNER vplanet});
    return $db;
}

# start(DB, ARGS...): runs the tool in the background as the application
# role; finish(RUN) waits and returns {exit, out, err}.
sub start {
    my ($db, @args) = @_;
    my ($out, $err) = (File::Temp->new, File::Temp->new);
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        delete $ENV{VPLANET_SQL_DIR};
        %ENV = (%ENV, pg_env(db => $db, user => 'vplanet'));
        open(STDOUT, '>', $out->filename) && open(STDERR, '>', $err->filename)
            && exec($tool, @args);
        POSIX::_exit(127);
    }
    return {pid => $pid, out => $out, err => $err};
}

sub finish {
    my ($run) = @_;
    waitpid $run->{pid}, 0;
    my %res = (exit => $? >> 8);
    for (qw(out err)) {
        open my $fh, '<', $run->{$_}->filename or die "$_: $!";
        local $/;
        $res{$_} = <$fh> // '';
    }
    return \%res;
}

sub migrate { finish(start(@_)) }

sub exit_is {
    my ($res, $want, $name) = @_;
    is($res->{exit}, $want, $name) or diag("stdout:\n$res->{out}stderr:\n$res->{err}");
}

# schema_migrations as "version|checksum|applied_at" lines, in order
sub recorded {
    my ($db) = @_;
    my $rows = pg_super("SELECT version || '|' || checksum || '|' || applied_at::text"
                        . " FROM schema_migrations ORDER BY version", db => $db);
    return [split /\n/, $rows];
}

sub versions_of { [map { (split /\|/)[0] } @{ $_[0] }] }

sub table_exists {
    my ($db, $table) = @_;
    return pg_super("SELECT to_regclass('public.$table') IS NOT NULL", db => $db) eq 't';
}

sub sha256 {
    my ($file) = @_;
    my ($sum) = split ' ', qx(sha256sum \Q$file\E);
    return $sum;
}

# A temporary copy of sql/ plus extra files {name => content}.
sub sql_copy {
    my (%extra) = @_;
    my $dir = tempdir(CLEANUP => 1);
    copy($_, $dir) or die "copy $_: $!" for @files;
    write_file("$dir/$_.sql", $extra{$_}) for keys %extra;
    return $dir;
}

# --- an empty database: --status, apply, checksums, no-op rerun ---
my $db = scratch_db('a');
my $rows;   # its schema_migrations after the first run

subtest 'an empty database: --status, applying with checksums, a no-op rerun' => sub {
    my $res = migrate($db, '--dir', $sql, '--status');
    exit_is($res, 0, '--status on an empty database');
    is($res->{out}, join('', scalar(@versions) . " pending\n", map { "  $_\n" } @versions),
       '--status lists every file as pending, in order');
    is(scalar @{ recorded($db) }, 0, '--status applies nothing');

    $res = migrate($db, '--dir', $sql);
    exit_is($res, 0, 'applying sql/ to an empty database');
    is($res->{out}, join('', map { "applied $_\n" } @versions), 'reports each file applied, in order');
    is($res->{err}, '', 'nothing on stderr');

    $rows = recorded($db);
    is_deeply(versions_of($rows), \@versions, 'every file is recorded in schema_migrations');
    for my $i (0 .. $#files) {
        my (undef, $sum, $at) = split /\|/, $rows->[$i] // '';
        is($sum, sha256($files[$i]), "$versions[$i]: checksum is the file's sha256sum");
        like($at // '', qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/, "$versions[$i]: applied_at set");
    }

    $res = migrate($db, '--dir', $sql, '--status');
    exit_is($res, 0, '--status when up to date');
    is($res->{out}, "0 pending\n", '--status says 0 pending');

    # without --dir: the sql/ folder next to the tool
    $res = migrate($db);
    exit_is($res, 0, 'running again is fine');
    is($res->{out}, "schema is up to date\n", 'and says the schema is up to date');
    is_deeply(recorded($db), $rows, 'same rows, same checksums, same applied_at');
};

# --- an applied file changed: refuse everything ---
subtest 'an applied file that changed is refused, and nothing is applied' => sub {
    my $dir = sql_copy('9000_test_pending' => "CREATE TABLE migrate_pending (id int);\n");
    my $res = migrate($db, '--dir', $dir, '--status');
    exit_is($res, 0, '--status on a copy of sql/ with a new file');
    is($res->{out}, "1 pending\n  9000_test_pending\n", 'only the new file is pending');

    write_file("$dir/$versions[0].sql", do { local (@ARGV, $/) = $files[0]; <> } . "-- an edit\n");
    $res = migrate($db, '--dir', $dir);
    exit_is($res, 3, 'exit 3 when an applied file has changed');
    like($res->{err}, qr/\Q$versions[0].sql\E has changed/, 'the message names the changed file');
    unlike($res->{out}, qr/applied/, 'nothing reported applied');
    ok(!table_exists($db, 'migrate_pending'), 'the new pending file was not applied');
    is_deeply(recorded($db), $rows, 'schema_migrations unchanged');

    $res = migrate($db, '--dir', $dir, '--status');
    exit_is($res, 3, '--status also exits 3 on a changed file');
    like($res->{err}, qr/\Q$versions[0].sql\E/, '... naming it');
};

# --- a failing file is rolled back whole; earlier files of the run stay ---
subtest 'a failing file is rolled back whole, earlier files of the run stay' => sub {
    my $res;
    my $db = scratch_db('c');
    my $bad_runtime = "CREATE TABLE migrate_bad (id int);\nINSERT INTO migrate_bad VALUES (1);\n"
                    . "INSERT INTO migrate_bad VALUES ('not a number');\n";
    my $dir = sql_copy('9001_test_good' => "CREATE TABLE migrate_good (id int);\n",
                    '9002_test_bad' => $bad_runtime,
                    '9003_test_later' => "CREATE TABLE migrate_later (id int);\n");
    my @good = (@versions, '9001_test_good');

    for my $case (['a failing statement', $bad_runtime],
                  ['a syntax error', "CREATE TABLE migrate_bad (id int);\nCREAT TABLE migrate_oops (id int);\n"]) {
        my ($what, $content) = @$case;
        write_file("$dir/9002_test_bad.sql", $content);
        $res = migrate($db, '--dir', $dir);
        ok($res->{exit} != 0, "$what after a CREATE TABLE: non-zero exit ($res->{exit})");
        like($res->{err}, qr/9002_test_bad failed/, 'the message names the failing file');
        ok(!table_exists($db, 'migrate_bad'), 'its CREATE TABLE was rolled back');
        is_deeply(versions_of(recorded($db)), \@good, 'it is not recorded; the files before it are');
        ok(table_exists($db, 'migrate_good'), 'the earlier file of the run stays applied');
        ok(!table_exists($db, 'migrate_later'), 'the run stopped at the failing file');
        unlike($res->{out}, qr/applied 9002/, 'the failing file is not reported applied');
    }

    write_file("$dir/9002_test_bad.sql", "CREATE TABLE migrate_bad (id int);\n");
    $res = migrate($db, '--dir', $dir);
    exit_is($res, 0, 'once the file is fixed the run succeeds');
    is($res->{out}, "applied 9002_test_bad\napplied 9003_test_later\n", 'applying only what was left');
    ok(table_exists($db, 'migrate_bad') && table_exists($db, 'migrate_later'), 'both tables exist');

    $res = migrate($db, '--dir', $sql, '--status');
    exit_is($res, 0, '--status with applied versions missing from the folder');
    like($res->{err}, qr/9001_test_good is applied but its file is missing/, 'warns about them');
};

# --- concurrent runs on a fresh database apply each file once ---
subtest 'concurrent runs on a fresh database apply each file once' => sub {
    my $db = scratch_db('d');
    my $dir = sql_copy('9004_test_slow' => "CREATE TABLE migrate_slow (id int);\nSELECT pg_sleep(1);\n",
                    '9005_test_after' => "CREATE TABLE migrate_after (id int);\n");
    my @all = (@versions, '9004_test_slow', '9005_test_after');
    my @results = map { finish($_) } map { start($db, '--dir', $dir) } 1 .. 3;
    for my $i (0 .. $#results) {
        exit_is($results[$i], 0, "concurrent run $i succeeds");
        is($results[$i]{err}, '', "concurrent run $i: nothing on stderr")
            or diag($results[$i]{err});
    }
    $rows = recorded($db);
    is_deeply(versions_of($rows), \@all, 'every file recorded exactly once');
    my %reported;
    $reported{$_}++ for map { $_->{out} =~ /^applied (\S+)$/mg } @results;
    is_deeply(\%reported, {map { ($_ => 1) } @all}, 'each file reported applied by exactly one run')
        or diag(join '', map { "--\n$_->{out}" } @results);
    ok(table_exists($db, 'migrate_slow') && table_exists($db, 'migrate_after'), 'their tables exist');
    # (while one run sleeps in 9004, the others wait for the lock and then skip it)
    ok((grep { $_->{out} =~ /^skipped 9004_test_slow: applied meanwhile by another run$/m } @results),
       'the runs overlapped: another run reports skipping the slow file');
};

# --- the database cannot be reached: an error, not a status ---
subtest 'an unreachable database is an error, not a status' => sub {
    my $res = migrate("${prefix}_missing", '--dir', $sql, '--status');
    ok($res->{exit} != 0, "--status against a database that does not exist fails ($res->{exit})");
    unlike($res->{out}, qr/pending/, 'and claims nothing is pending');
    $res = migrate("${prefix}_missing", '--dir', $sql);
    ok($res->{exit} != 0, "applying against it fails ($res->{exit})");
    unlike($res->{err}, qr/\d{4}_\S+ failed/, 'without blaming a migration file') or diag($res->{err});
};

done_testing;
